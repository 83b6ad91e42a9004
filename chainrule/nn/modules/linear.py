"""Identity, Linear, Bilinear."""

__all__ = []
