"""Fused normalization primitives: batch_norm, layer_norm, group_norm."""

__all__ = []
