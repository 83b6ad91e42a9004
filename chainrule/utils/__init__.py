"""``chainrule.utils``: data loading (``chainrule.utils.data``), activation
checkpointing (``chainrule.utils.checkpoint``) and hook handles (``chainrule.utils.hooks``)."""

from . import checkpoint, data, hooks

__all__ = ["checkpoint", "data", "hooks"]
