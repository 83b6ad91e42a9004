"""``chainrule.nn``: layers, losses, initialisation and utilities (``torch.nn``)."""

from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F403

# isort: split
# after the star import, which brings modules/attention.py in under the same name
from . import attention  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
