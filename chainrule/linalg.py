"""``chainrule.linalg``, as ``torch.linalg``: norms, singular values, inverses and
determinants (the products ``matmul``, ``einsum``, ... live in ops/linalg.py and at
the top level, as do ``inverse``, ``det`` and ``matrix_power`` that these name)."""

from .ops.linalg import LinAlgError, det, matmul, matrix_norm, matrix_power, norm, svdvals, vector_norm
from .ops.linalg import inverse as inv
from .ops.linalg import linalg_cross as cross

__all__ = [
    "LinAlgError",
    "cross",
    "det",
    "inv",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "norm",
    "svdvals",
    "vector_norm",
]
