"""``chainrule.utils``: data loading (``chainrule.utils.data``)."""

from . import data

__all__ = ["data"]
