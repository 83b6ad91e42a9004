"""``chainrule.nn``: layers, losses, initialisation and utilities (``torch.nn``)."""

from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F403
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
