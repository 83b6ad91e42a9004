"""``chainrule.linalg``, as ``torch.linalg``: norms (the products live in ops/linalg.py)."""

from .ops.linalg import matrix_norm, norm, vector_norm

__all__ = ["matrix_norm", "norm", "vector_norm"]
