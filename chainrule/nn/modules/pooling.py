"""MaxPool1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d."""

__all__ = []
