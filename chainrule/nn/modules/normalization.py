"""LayerNorm, GroupNorm."""

__all__ = []
