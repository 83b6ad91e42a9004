"""``chainrule.nn``: layers, losses, initialisation and utilities (``torch.nn``)."""

from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F403
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401

# isort: split
import importlib

# after the star import, which brings modules/attention.py in under the same name (so
# ``from . import attention`` would find that name and keep it): the nn.attention package
attention = importlib.import_module(f"{__name__}.attention")
