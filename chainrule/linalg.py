"""``chainrule.linalg``, as ``torch.linalg``: norms and singular values (the
products ``matmul``, ``einsum``, ... live in ops/linalg.py and at the top level)."""

from .ops.linalg import matmul, matrix_norm, norm, svdvals, vector_norm

__all__ = ["matmul", "matrix_norm", "norm", "svdvals", "vector_norm"]
