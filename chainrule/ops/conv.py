"""Fused convolution and pooling primitives: strided windows plus one matrix product."""

__all__ = []
