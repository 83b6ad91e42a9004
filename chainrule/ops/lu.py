"""LU factorization with partial pivoting, A = P L U, and what is built on it:
``linalg.lu_factor`` / ``lu_factor_ex`` / ``lu`` / ``lu_solve``, ``lu_unpack`` and the
legacy ``torch.lu`` / ``torch.lu_solve``.

The factorization is LAPACK's getrf through ``scipy.linalg.lu_factor`` (batched),
packed as PyTorch packs it: L's strict lower triangle and U in one matrix, and
pivots as 1-based int32 row swaps. Its backward is one primitive (``LuFactor``);
unpacking and solving are composed of differentiable ops (masks, triangular solves).
"""

import math
import warnings

import numpy as np

from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from ._helpers import bind
from .linalg import _SCALAR_NAMES, Inverse, _floating, _return_type, solve_triangular
from .shape import cat, differentiable

__all__ = ["lu", "lu_solve", "lu_unpack"]

_LU_FACTOR = _return_type("linalg_lu_factor", ["LU", "pivots"])
_LU_FACTOR_EX = _return_type("linalg_lu_factor_ex", ["LU", "pivots", "info"])
_LU_WITH_INFO = _return_type("_lu_with_info", ["LU", "pivots", "info"])
_PLU = _return_type("linalg_lu", ["P", "L", "U"])
_LU_UNPACK = _return_type("lu_unpack", ["P", "L", "U"])


def _getrf(a):
    """LAPACK's LU of each matrix in ``a``: (packed LU, 1-based int32 pivots, info: the
    1-based index of U's first zero diagonal element, 0 where there is none)."""
    import scipy.linalg  # slow to import: on first use

    m, n = a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        pivots = np.broadcast_to(np.arange(1, k + 1, dtype=np.int32), a.shape[:-2] + (k,)).copy()
        return a.copy(), pivots, np.zeros(a.shape[:-2], np.int32)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns of a singular matrix; info reports it
        packed, pivots = scipy.linalg.lu_factor(a, check_finite=False)
    diagonal = np.diagonal(packed, axis1=-2, axis2=-1)
    zero = diagonal == 0
    info = np.where(zero.any(-1), zero.argmax(-1) + 1, 0).astype(np.int32)
    return packed.astype(a.dtype, copy=False), (pivots + 1).astype(np.int32), info


def _permutation(pivots, m, dtype):
    """P (..., m, m) with A = P L U, from LAPACK's 1-based row swaps: row i was
    swapped with row pivots[i] - 1, in order."""
    batch = pivots.shape[:-1]
    swaps = pivots.reshape(math.prod(batch), pivots.shape[-1]).astype(np.int64) - 1
    order = np.tile(np.arange(m), (len(swaps), 1))
    every = np.arange(len(swaps))
    for i in range(swaps.shape[1]):
        j = swaps[:, i]
        row_i = order[:, i].copy()
        order[:, i] = order[every, j]
        order[every, j] = row_i
    # (L U)[j] = A[order[j]], so P[order[j], j] = 1
    p = np.zeros(batch + (m, m), dtype)
    np.put_along_axis(p, order.reshape(batch + (1, m)), 1, axis=-2)
    return p


class LuFactor(Primitive):
    """A = P L U, packed as LU = (L - I) + U. With k = min(m, n), L = [L1; L2] (L1 k x k),
    U = [U1 U2] (U1 k x k), dL/dL and dL/dU read from dL/dLU's lower and upper parts, and
    M = tril(L1^T dL/dL1 - dL/dU2 U2^T, -1) + triu(dL/dU1 U1^T - L2^T dL/dL2):
    dL/dA = P [L1^-T M U1^-T, L1^-T dL/dU2; dL/dL2 U1^-T] (the blocks that exist)."""

    @classmethod
    def name(cls):  # PyTorch's name
        return "LinalgLuFactorExBackward0"

    def forward(ctx, a, packed, pivots):
        ctx.permutation = _permutation(pivots, a.shape[-2], a.dtype)
        ctx.save_for_backward(packed)
        return packed

    def backward(ctx, grad):
        (packed,) = ctx.saved
        m, n = packed.shape[-2:]
        k = min(m, n)
        dtype = ctx.permutation.dtype
        strict = np.tril(np.ones((k, k), dtype), -1)
        upper = np.triu(np.ones((k, k), dtype))
        eye = np.eye(k, dtype=dtype)
        l1, u1 = packed[..., :k, :k] * strict + eye, packed[..., :k, :k] * upper
        l2, u2 = packed[..., k:, :k], packed[..., :k, k:]
        grad_l1, grad_u1 = grad[..., :k, :k] * strict, grad[..., :k, :k] * upper
        grad_l2, grad_u2 = grad[..., k:, :k], grad[..., :k, k:]
        middle = (l1.mT @ grad_l1 - grad_u2 @ u2.mT) * strict + (grad_u1 @ u1.mT - l2.mT @ grad_l2) * upper
        l1_inv_t, u1_inv_t = differentiable(Inverse, l1).mT, differentiable(Inverse, u1).mT
        grad_b = l1_inv_t @ middle @ u1_inv_t
        if n > m:
            grad_b = _cat([grad_b, l1_inv_t @ grad_u2], -1)
        elif m > n:
            grad_b = _cat([grad_b, grad_l2 @ u1_inv_t], -2)
        return ctx.permutation @ grad_b, None, None


def _cat(parts, dim):
    """Concatenation of arrays, or of Tensors when the backward builds a graph."""
    return cat(parts, dim) if isinstance(parts[0], Tensor) else np.concatenate(parts, dim)


def _factor(A, pivot, op_name):
    """(LU Tensor, pivots array, info array) of A, checked as PyTorch checks it."""
    if A._data.ndim < 2:
        raise RuntimeError(
            f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead"
        )
    if A._data.dtype.kind != "f":
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_SCALAR_NAMES[A.dtype.name]}'")
    if not pivot:
        raise RuntimeError(f"{op_name}: LU without pivoting is not implemented on the CPU")
    packed, pivots, info = _getrf(A._data)
    return LuFactor.apply(A, packed, pivots), pivots, info


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """``(LU, pivots, info)``: ``lu_factor`` that reports a zero in U's diagonal in ``info``
    (its 1-based index) instead of raising.

    >>> import chainrule
    >>> chainrule.linalg.lu_factor_ex(chainrule.tensor([[1.0, 2.0], [2.0, 4.0]])).info
    tensor(2, dtype=chainrule.int32)
    """
    LU, pivots, info = _factor(A, pivot, "linalg.lu_factor")
    return _LU_FACTOR_EX(LU, wrap(pivots), wrap(info))


def lu_factor(A, *, pivot=True):
    """``(LU, pivots)``: the LU factorization A = P L U with partial pivoting, packed as
    LAPACK packs it (L's strict lower triangle and U in one matrix; pivots 1-based int32).
    A zero in U's diagonal is an error, as ``lu_solve`` would divide by it.

    >>> import chainrule
    >>> chainrule.linalg.lu_factor(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]))
    chainrule.return_types.linalg_lu_factor(
    LU=tensor([[3.0000, 4.0000],
            [0.3333, 0.6667]]),
    pivots=tensor([2, 2], dtype=chainrule.int32))
    """
    LU, pivots, info = _factor(A, pivot, "linalg.lu_factor")
    failed = np.flatnonzero(info)
    if failed.size:
        batch = f"(Batch element {failed[0]}): " if info.ndim else ""
        index = info.reshape(-1)[failed[0]]
        raise RuntimeError(
            f"torch.linalg.lu_factor: {batch}U[{index},{index}] is zero and using it on lu_solve would "
            "result in a division by zero. If you still want to perform the factorization, consider calling "
            "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
        )
    return _LU_FACTOR(LU, wrap(pivots))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """``(P, L, U)`` from ``lu_factor``'s packed LU and pivots: P a permutation matrix, L
    unit lower triangular (m x k), U upper triangular (k x n), k = min(m, n). What is not
    unpacked is an empty tensor.

    >>> import chainrule
    >>> LU, pivots = chainrule.linalg.lu_factor(chainrule.tensor([[0.0, 1.0], [2.0, 0.0]]))
    >>> chainrule.lu_unpack(LU, pivots).P
    tensor([[0., 1.],
            [1., 0.]])
    """
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    empty = wrap(np.zeros(0, LU_data._data.dtype))
    L = U = P = empty
    if unpack_data:
        L = LU_data[..., :, :k].tril(-1) + wrap(np.eye(m, k, dtype=LU_data._data.dtype))
        U = LU_data[..., :k, :].triu()
    if unpack_pivots:
        P = wrap(_permutation(LU_pivots._data, m, LU_data._data.dtype))
    return _LU_UNPACK(P, L, U)


def linalg_lu(A, *, pivot=True):
    """``(P, L, U)`` with A = P L U: P a permutation matrix, L unit lower triangular, U upper
    triangular (``lu_factor`` then ``lu_unpack``).

    >>> import chainrule
    >>> chainrule.linalg.lu(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])).U
    tensor([[3.0000, 4.0000],
            [0.0000, 0.6667]])
    """
    LU, pivots, _ = _factor(A, pivot, "linalg.lu")
    return _PLU(*lu_unpack(LU, wrap(pivots)))


def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B from A's ``lu_factor`` (A^T X = B with ``adjoint``, X A = B with
    ``left=False``); batch dims broadcast.

    >>> import chainrule
    >>> LU, pivots = chainrule.linalg.lu_factor(chainrule.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> chainrule.linalg.lu_solve(LU, pivots, chainrule.tensor([[1.0], [1.0]]))
    tensor([[0.5000],
            [0.2500]])
    """
    _check_lu_solve(LU, pivots, B, left)
    if not left:  # X A = B is A^T X^T = B^T
        return linalg_lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    n = LU.shape[-1]
    P = _permutation(pivots._data, n, LU._data.dtype)
    L, U = LU.tril(-1) + wrap(np.eye(n, dtype=LU._data.dtype)), LU.triu()
    if adjoint:  # A^T = U^T L^T P^T
        y = solve_triangular(U.mT, B, upper=False)
        return wrap(P) @ solve_triangular(L.mT, y, upper=True, unitriangular=True)
    y = solve_triangular(L, wrap(P.swapaxes(-1, -2)) @ B, upper=False, unitriangular=True)
    return solve_triangular(U, y, upper=True)


def _check_lu_solve(LU, pivots, B, left):
    if B._data.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    _floating(LU, "linalg.lu_solve", None)
    m, n = LU.shape[-2:]
    if m != n:
        raise RuntimeError(
            f"torch.linalg.lu_solve: A must be batches of square matrices, but they are {m} by {n} matrices"
        )
    if pivots._data.dtype != np.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if LU._data.dtype != B._data.dtype:
        raise RuntimeError(
            "linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
            f"{_SCALAR_NAMES[LU.dtype.name]} and B of type {_SCALAR_NAMES[B.dtype.name]} instead"
        )
    rows, columns = B.shape[-2:]
    if (rows if left else columns) != n:
        raise RuntimeError(
            "linalg.lu_solve: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {rows}x{columns})"
        )


def lu(A, pivot=True, get_infos=False):
    """``(LU, pivots)``, or ``(LU, pivots, info)`` with ``get_infos``: the legacy form of
    ``linalg.lu_factor_ex`` (a singular matrix is not an error); deprecated, and warns.

    >>> import chainrule, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     chainrule.lu(chainrule.tensor([[0.0, 1.0], [2.0, 0.0]]))[1]
    tensor([2, 2], dtype=chainrule.int32)
    """
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be "
        "removed in a future PyTorch release.",
        UserWarning,
        stacklevel=2,
    )
    LU, pivots, info = _factor(A, pivot, "linalg.lu_factor")
    if get_infos:
        return _LU_WITH_INFO(LU, wrap(pivots), wrap(info))
    return LU, wrap(pivots)


def lu_solve(input, LU_data, LU_pivots):
    """X with A X = ``input`` from A's ``lu`` factorization: the legacy form of
    ``linalg.lu_solve`` (arguments reversed); deprecated, and warns.

    >>> import chainrule, warnings
    >>> LU, pivots = chainrule.linalg.lu_factor(chainrule.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     chainrule.lu_solve(chainrule.ones(2, 1), LU, pivots)
    tensor([[0.5000],
            [0.2500]])
    """
    warnings.warn(
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solve and will be removed in a future "
        "PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.",
        UserWarning,
        stacklevel=2,
    )
    return linalg_lu_solve(LU_data, LU_pivots, input)


bind({"lu": lu, "lu_solve": lu_solve})
