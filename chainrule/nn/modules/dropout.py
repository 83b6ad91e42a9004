"""Dropout."""

__all__ = []
