"""``chainrule.amp``: PyTorch's mixed-precision tools, ``GradScaler`` and ``autocast``
(what each can and cannot do on chainrule: their modules' docstrings)."""

from .autocast_mode import autocast
from .grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast"]
