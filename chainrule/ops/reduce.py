"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norm, cumsum, ...

A reduction's backward sends the gradient of each output element back to
the input elements it was computed from. Reduced axes are restored as size 1
(``keepdim_shape``) so that the gradient broadcasts against the input.

``dim`` is an int, a tuple of ints (negative counts from the end) or None
for every dimension; an empty tuple also means every dimension, as in
PyTorch.
"""

import builtins
import functools
import math
import warnings
from collections import namedtuple

import numpy as np

from .._dtype import default_float, scalar_type_name, to_numpy_dtype
from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from ._helpers import (
    bind,
    in_float32_if_half,
    inplace,
    normalize_dim,
    normalize_dims,
    sign_of,
    write_out,
    write_outs,
)
from .shape import cat

__all__ = [
    "sum",
    "mean",
    "prod",
    "var",
    "std",
    "var_mean",
    "std_mean",
    "amax",
    "amin",
    "max",
    "min",
    "argmax",
    "argmin",
    "logsumexp",
    "norm",
    "cumsum",
    "cumprod",
    "all",
    "any",
    "count_nonzero",
    "nansum",
    "nanmean",
    "aminmax",
    "logcumsumexp",
    "diff",
    "trapezoid",
    "trapz",
    "cumulative_trapezoid",
    "renorm",
]

_ndarray = np.ndarray
_INT64 = np.dtype(np.int64)


def keepdim_shape(shape, axes):
    """``shape`` with the reduced ``axes`` (None: all) kept as size 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def kept_dims(grad, y, shape, axes, keepdim):
    """The output gradient and the output ``y`` of a reduction over ``axes`` with
    those axes kept as size 1, so that both broadcast against the input's ``shape``."""
    if keepdim:
        return grad, y
    kept = keepdim_shape(shape, axes)
    return grad.reshape(kept), y.reshape(kept)


def reduced_shape(shape, axes):
    """``shape`` with the reduced ``axes`` (None: all) removed."""
    if axes is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _along(axis, index):
    """An indexing key that applies ``index`` (a slice) to ``axis`` only."""
    return (slice(None),) * axis + (index,)


def _reverse_cumsum(x, axis):
    """sum_{j >= i} x_j along ``axis`` (for arrays and, in double backward, Tensors)."""
    return np.flip(_running_sums(np.flip(x, axis), axis), axis)


def _running_sums(x, axis):
    """np.cumsum, accumulated in a wider float as PyTorch does on the CPU (float32 in
    float64, float16 in float32): 100,000 float32 0.1s run to 10000.0, not 9998.557.
    Tensors (double backward) go to chainrule's cumsum, which does the same."""
    if isinstance(x, Tensor):
        return np.cumsum(x, axis)
    wider = _CUMSUM_ACCUMULATOR.get(x.dtype)
    if wider is not None:
        return np.cumsum(x, axis, dtype=wider).astype(x.dtype)
    return np.cumsum(x, axis=axis)


_CUMSUM_ACCUMULATOR = {np.dtype(np.float32): np.float64, np.dtype(np.float16): np.float32}


@functools.lru_cache(maxsize=32)
def ones_vector(n, dtype):
    """A read-only vector of n ones (a training loop asks for the same few sizes)."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def short_rows(x):
    """True for a C-contiguous float32/64 ndarray of at least 8 rows of at most 32 values
    along its last axis: NumPy's reductions along such rows pay a fixed cost per row
    (128 x 10: 8.2 us for the max; 128x32x28 rows of 28: 2.1 ms for the sum)."""
    return (
        x.__class__ is np.ndarray  # not a Tensor (a backward rule under create_graph)
        and x.ndim >= 2
        and 0 < x.shape[-1] <= 32
        and x.size >= 8 * x.shape[-1]
        and x.dtype.kind == "f"
        and x.itemsize >= 4
        and x.flags.c_contiguous
    )


def last_axis_sums(x):
    """The sums along the last axis of a C-contiguous float array, as one BLAS product
    with a vector of ones (rows of 28: 0.19 ms where NumPy's reduction takes 2.1;
    rounded in BLAS's order, not NumPy's pairwise one)."""
    n = x.shape[-1]
    return x.reshape(-1, n).dot(ones_vector(n, x.dtype)).reshape(x.shape[:-1])


def first_axis_sums(x):
    """``x.sum(axis=0)`` of a 2-D float array as one BLAS product with a vector of ones:
    several times faster than NumPy's axis-0 reduction for narrow arrays (1024x64:
    15 µs against 3)."""
    return ones_vector(x.shape[0], x.dtype).dot(x)


class Sum(Primitive):
    """y = sum_i x_i.   dy/dx_i = 1: every element receives the output's gradient."""

    __slots__ = ("shape", "axes", "keepdim")

    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        if axes is not None and axes == (x.ndim - 1,) and short_rows(x):
            sums = last_axis_sums(x)
            return sums[..., None] if keepdim else sums
        # positional: half the call cost of keywords; asarray: NumPy gives a
        # scalar for a full reduction, an output must be an array
        return np.asarray(np.add.reduce(x, axes, None, None, keepdim))

    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim)


class Nansum(Sum):
    """y = sum of the x_i that are not NaN.   dy/dx_i = 1, times 0 at a NaN (a product, as
    PyTorch: an infinite gradient, as nanmean's of an all-NaN slice, gives NaN there)."""

    __slots__ = ("numbers",)

    def forward(ctx, x, axes, keepdim):
        ctx.numbers = ~np.isnan(x)
        return Sum.forward(ctx, np.where(ctx.numbers, x, 0), axes, keepdim)

    def backward(ctx, grad):
        return Sum.backward(ctx, grad) * ctx.numbers


def _expand_back(grad, shape, axes, keepdim):
    """Broadcast the gradient of a reduction over ``axes`` back to ``shape``."""
    if isinstance(grad, Tensor):
        if not keepdim:
            grad = grad.reshape(keepdim_shape(shape, axes))
        return grad.expand(shape)
    out = np.empty(shape, grad.dtype)
    out[...] = grad if keepdim or axes is None else grad.reshape(keepdim_shape(shape, axes))
    return out


class Mean(Primitive):
    """y = (1/n) sum_i x_i.   dy/dx_i = 1/n."""

    __slots__ = ("shape", "axes", "keepdim", "count")

    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        count = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        ctx.count = builtins.max(count, 1)  # 1 for empty inputs
        if x.dtype == np.float16:  # np.mean accumulates float16 in float32
            return np.mean(x, axis=axes, keepdims=keepdim)
        # what np.mean does for other dtypes, without its Python-level wrapper
        return np.asarray(np.add.reduce(x, axes, None, None, keepdim) / count)

    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.shape, ctx.axes, ctx.keepdim)


def _product_before(x, axis):
    """prod_{k < i} x_k along ``axis`` (1 for the first element), without division."""
    shifted = np.concatenate(
        [np.ones_like(x[_along(axis, slice(0, 1))]), x[_along(axis, slice(None, -1))]], axis
    )
    return np.cumprod(shifted, axis)


def _product_of_others(x, axis):
    """prod_{k != i} x_k along ``axis``: the products before and after each element."""
    return _product_before(x, axis) * np.flip(_product_before(np.flip(x, axis), axis), axis)


class Prod(Primitive):
    """y = prod_i x_i.   dy/dx_i = prod_{j != i} x_j (= y / x_i when no x_j is 0;
    with zeros, the products before and after each element)."""

    def forward(ctx, x, axis, keepdim):
        y = np.prod(x, axis=axis, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        ctx.axis = axis
        ctx.keepdim = keepdim
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        axis = ctx.axis
        grad, y = kept_dims(grad, y, x.shape, None if axis is None else (axis,), ctx.keepdim)
        if not (x == 0).any():
            return grad * (y / x), None, None
        if axis is None:
            return grad * _product_of_others(x.reshape(-1), 0).reshape(x.shape), None, None
        return grad * _product_of_others(x, axis), None, None


def _var_grad(grad, x, axes, keepdim, divisor):
    """dv/dx_i = 2 (x_i - mean) / (n - correction), times the incoming gradient."""
    if not keepdim:
        grad = grad.reshape(keepdim_shape(x.shape, axes))
    scale = 2.0 / divisor if divisor else math.inf
    return grad * (x - x.mean(axis=axes, keepdims=True)) * scale


class Var(Primitive):
    """v = sum_i (x_i - mean)^2 / (n - correction).
    dv/dx_i = 2 (x_i - mean) / (n - correction)."""

    def forward(ctx, x, axes, correction, keepdim):
        n = x.size if axes is None else math.prod(x.shape[a] for a in axes)
        ctx.save_for_backward(x)
        ctx.axes = axes
        ctx.keepdim = keepdim
        ctx.divisor = builtins.max(n - correction, 0)
        if ctx.divisor == 0:
            warnings.warn(
                f"{type(ctx).__name__.lower()}(): degrees of freedom is <= 0. Correction should be "
                "strictly less than the reduction factor (input numel divided by output numel): "
                f"{n} - {correction}",
                stacklevel=5,
            )
        centered = x - np.mean(x, axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction gives inf or NaN
            return np.sum(centered * centered, axis=axes, keepdims=keepdim) / ctx.divisor

    def backward(ctx, grad):
        (x,) = ctx.saved
        return _var_grad(grad, x, ctx.axes, ctx.keepdim, ctx.divisor), None, None, None


class Std(Var):
    """s = sqrt(var).   ds/dx_i = (x_i - mean) / ((n - correction) s), and 0
    where s = 0 (as PyTorch, instead of 0/0)."""

    def forward(ctx, x, axes, correction, keepdim):
        s = np.sqrt(Var.forward(ctx, x, axes, correction, keepdim))
        ctx.save_for_backward(x, s)
        return s

    def backward(ctx, grad):
        x, s = ctx.saved
        zero = s == 0
        grad_var = np.where(zero, 0.0, grad / (2 * np.where(zero, 1.0, s)))
        return _var_grad(grad_var, x, ctx.axes, ctx.keepdim, ctx.divisor), None, None, None


class Amax(Primitive):
    """y = max_i x_i.   dy/dx_i = 1/k for each of the k elements equal to the max, else 0."""

    reduce = staticmethod(np.max)

    def forward(ctx, x, axes, keepdim):
        y = ctx.reduce(x, axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        ctx.axes = axes
        ctx.keepdim = keepdim
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        grad, y = kept_dims(grad, y, x.shape, ctx.axes, ctx.keepdim)
        mask = ctx.ties(x, y)
        count = mask.sum(axis=ctx.axes, keepdims=True, dtype=grad.dtype)
        return grad / count * mask, None, None

    @staticmethod
    def ties(x, y):
        """The elements that share the gradient (none when the result is NaN, as PyTorch)."""
        return x == y


class Amin(Amax):
    """y = min_i x_i.   dy/dx_i = 1/k for each of the k elements equal to the min, else 0."""

    reduce = staticmethod(np.min)


class MaxAll(Amax):
    """y = max of all x_i (``max()`` without dim).   dy/dx_i = 1/k for each of the
    k elements equal to the max (the NaNs, when the max is NaN)."""

    @staticmethod
    def ties(x, y):
        return (x == y) | (np.isnan(x) & np.isnan(y))

    @classmethod
    def name(cls):
        return "MaxBackward1"  # PyTorch's name for max() without dim


def _lower_median(x, axis=None, keepdims=False):
    """PyTorch's median of all elements: the lower middle value, NaN if there is one."""
    flat = x.reshape(-1)
    if flat.dtype.kind == "f" and np.isnan(flat).any():
        return np.full((), np.nan, x.dtype)
    middle = (flat.size - 1) // 2
    return np.asarray(np.partition(flat, middle)[middle])


class MedianAll(MaxAll):
    """y = the median of all x_i (``median()`` without dim).   dy/dx_i = 1/k for each of
    the k elements equal to it (the NaNs, when it is NaN), as PyTorch splits it."""

    reduce = staticmethod(_lower_median)

    @classmethod
    def name(cls):
        return "MedianBackward0"


class MinAll(MaxAll):
    """y = min of all x_i (``min()`` without dim).   dy/dx_i = 1/k for each of the
    k elements equal to the min (the NaNs, when the min is NaN)."""

    reduce = staticmethod(np.min)

    @classmethod
    def name(cls):
        return "MinBackward1"


class Max(Primitive):
    """y = x at ``index`` along ``dim`` (the values of ``max(dim)``).
    dy/dx = 1 at the returned index, 0 elsewhere (ties: only that one)."""

    def forward(ctx, x, index, dim, keepdim):
        ctx.index = index  # keepdim-shaped; an integer constant, not saved for backward
        ctx.dim = dim
        ctx.length = x.shape[dim]
        values = np.take_along_axis(x, index, dim)
        return values if keepdim else values.squeeze(dim)

    def backward(ctx, grad):
        dim = ctx.dim
        if grad.shape != ctx.index.shape:
            grad = grad.reshape(ctx.index.shape)
        if isinstance(grad, Tensor):  # create_graph: a differentiable select
            position = np.arange(ctx.length).reshape((-1,) + (1,) * (ctx.index.ndim - dim - 1))
            return np.where(position == ctx.index, grad, 0.0), None, None, None
        # zeros with the gradient put at the indices: one write per output, where comparing
        # every position with the index took 5x as long (64 x 128 x 196 floats: 1.5 ms)
        shape = list(grad.shape)
        shape[dim] = ctx.length
        grad_x = np.zeros(shape, grad.dtype)
        np.put_along_axis(grad_x, ctx.index, grad, dim)
        return grad_x, None, None, None


class Min(Max):
    """y = x at ``index`` along ``dim`` (the values of ``min(dim)``).
    dy/dx = 1 at the returned index, 0 elsewhere (ties: only that one)."""


class Logsumexp(Primitive):
    """y = log sum_i e^(x_i).   dy/dx_i = e^(x_i - y) (the softmax)."""

    def forward(ctx, x, axes, keepdim):
        peak = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
        peak = np.where(np.isfinite(peak), peak, 0)  # all -inf (or an inf) stays exact
        y = np.log(np.sum(np.exp(x - peak), axis=axes, keepdims=True)) + peak
        if not keepdim:
            y = y.reshape(reduced_shape(x.shape, axes))
        ctx.save_for_backward(x, y)
        ctx.axes = axes
        ctx.keepdim = keepdim
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        grad, y = kept_dims(grad, y, x.shape, ctx.axes, ctx.keepdim)
        return grad * np.exp(x - y), None, None


class Norm(Primitive):
    """y = (sum_i |x_i|^p)^(1/p).   dy/dx_i = sign(x_i) |x_i|^(p-1) / y^(p-1), as
    PyTorch: 0 where y = 0; p = 1: sign(x_i); p = +-inf: sign(x_i) shared by the k
    elements of largest (smallest) |x_i|; p = 0 (the count of nonzeros): 0."""

    @classmethod
    def name(cls):  # PyTorch's: Tensor.norm is linalg.vector_norm there
        return "LinalgVectorNormBackward0"

    def forward(ctx, x, p, axes, keepdim):
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        if p == 2:
            y = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))
        elif p == math.inf:
            y = np.max(np.abs(x), axis=axes, keepdims=keepdim)
        elif p == -math.inf:
            y = np.min(np.abs(x), axis=axes, keepdims=keepdim)
        elif p == 0:
            y = np.sum(x != 0, axis=axes, keepdims=keepdim, dtype=x.dtype)
        elif p == 1:
            y = np.sum(np.abs(x), axis=axes, keepdims=keepdim)
        else:
            y = np.sum(np.abs(x) ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        p = ctx.p
        if p == 0:
            return np.zeros_like(x), None, None, None
        grad, y = kept_dims(grad, y, x.shape, ctx.axes, ctx.keepdim)
        if p == 1:
            return grad * sign_of(x), None, None, None
        if p in (math.inf, -math.inf):
            magnitude = np.abs(x)
            mask = (magnitude == y) | np.isnan(magnitude)
            return (
                sign_of(x) * (grad / mask.sum(axis=ctx.axes, keepdims=True, dtype=grad.dtype) * mask),
                None,
                None,
                None,
            )
        zero = y == 0
        if p < 1:
            scaled = sign_of(x) * np.where(x == 0, 0.0, np.abs(x) ** (p - 1))
            return scaled * grad * y ** (1 - p), None, None, None
        # 0 where the norm is 0; the inner where keeps 0/0 out of double backward
        scale = np.where(zero, 0.0, grad / np.where(zero, 1.0, y) ** (p - 1))
        if p == 2:
            return x * scale, None, None, None
        if p < 2:
            return sign_of(x) * np.abs(x) ** (p - 1) * scale, None, None, None
        return x * np.abs(x) ** (p - 2) * scale, None, None, None


class Cumsum(Primitive):
    """y_i = sum_{j <= i} x_j.   dL/dx_j = sum_{i >= j} dL/dy_i (a reversed cumsum)."""

    def forward(ctx, x, axis):
        ctx.axis = axis
        return _running_sums(x, axis)

    def backward(ctx, grad):
        return _reverse_cumsum(grad, ctx.axis), None


class Cumprod(Primitive):
    """y_i = prod_{j <= i} x_j.   dL/dx_j = sum_{i >= j} dL/dy_i prod_{k <= i, k != j} x_k
    = (sum_{i >= j} dL/dy_i y_i) / x_j when no x is 0 (see backward for zeros)."""

    def forward(ctx, x, axis):
        y = np.cumprod(x, axis=axis)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        axis = ctx.axis
        is_zero = x == 0
        if not is_zero.any():
            return _reverse_cumsum(grad * y, axis) / x, None
        if isinstance(grad, Tensor):
            return _cumprod_grad_pairwise(grad, x, axis), None
        # Before the first zero z of a line the formula above holds (y_i = 0 for
        # i >= z). At z, the products skip x_z: the cumprod with x_z = 1. After
        # z every product contains x_z = 0. O(n), but constant in the zeros'
        # positions, so double backward takes the pairwise form instead.
        zeros_so_far = np.cumsum(is_zero, axis)
        before_first = zeros_so_far == 0
        first_zero = is_zero & (zeros_so_far == 1)
        grad_before = _reverse_cumsum(grad * y, axis) / np.where(before_first, x, 1)
        grad_at_zero = _reverse_cumsum(grad * np.cumprod(np.where(first_zero, 1, x), axis), axis)
        return np.where(before_first, grad_before, np.where(first_zero, grad_at_zero, 0)), None


def _cumprod_grad_pairwise(grad, x, axis):
    """The cumprod gradient with zeros, differentiable again: for every pair
    (j, i) the product prod_{k <= i, k != j} x_k, an O(n^2) tensor as PyTorch's
    double backward builds."""
    n = x.shape[axis]
    x = x.movedim(axis, -1)
    grad = grad.movedim(axis, -1)
    diagonal = np.eye(n, dtype=bool)
    without_j = np.where(wrap(diagonal), 1.0, x.unsqueeze(-2))  # row j: x with x_j = 1
    products = np.cumprod(without_j, -1)  # [..., j, i] = prod_{k <= i, k != j} x_k
    upper = wrap(np.triu(np.ones((n, n), dtype=bool)))  # i >= j
    result = np.where(upper, products * grad.unsqueeze(-2), 0.0).sum(-1)
    return result.movedim(-1, axis)


class Logcumsumexp(Primitive):
    """y_i = log sum_{j <= i} e^(x_j).   dL/dx_j = sum_{i >= j} dL/dy_i e^(x_j - y_i), summed
    in log space for the positive and the negative gradients apart (as PyTorch) so that
    nothing overflows; written with logcumsumexp itself, so twice differentiable."""

    def forward(ctx, x, axis):
        y = np.logaddexp.accumulate(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        lowest = np.finfo(_data_of(y).dtype).min  # log 0, finite so that lowest - y stays a number
        with np.errstate(divide="ignore"):
            log_size = np.log(np.abs(grad))
        positive = np.where(grad > 0, log_size, lowest)
        negative = np.where(grad < 0, log_size, lowest)
        return (
            np.exp(_reverse_logcumsumexp(positive - y, ctx.axis) + x)
            - np.exp(_reverse_logcumsumexp(negative - y, ctx.axis) + x),
            None,
        )


def _data_of(x):
    return x._data if isinstance(x, Tensor) else x


def _reverse_logcumsumexp(x, axis):
    """log sum_{j >= i} e^(x_j) along ``axis`` (arrays, or Tensors in double backward)."""
    if isinstance(x, Tensor):
        return x.flip(axis).logcumsumexp(axis).flip(axis)
    return np.flip(np.logaddexp.accumulate(np.flip(x, axis), axis), axis)


# --- user-facing functions ----------------------------------------------------------


def _out_dtype(out):
    """The dtype a sum, product or scan into ``out`` computes in (PyTorch's: ``out``'s)."""
    return out.dtype if isinstance(out, Tensor) else None


def _reduce_dims(input, dim, op_name):
    """The axes a reduction over ``dim`` covers; None for all (also for ``dim=()``)."""
    return normalize_dims(dim, input._data.ndim, op_name) or None


def _integer_sums_to_int64(input):
    """sum, prod, cumsum and cumprod of bool and integer tensors give int64, as in PyTorch."""
    kind = input._data.dtype.kind
    if kind in "bu" or (kind == "i" and input._data.dtype != _INT64):
        return input._cast(_INT64)
    return input


def _accumulated_as(input, dtype):
    """What sum, prod, cumsum and cumprod run on for ``dtype=``, and the integer or
    bool dtype to give their result (None: the result's own). PyTorch computes in
    the dtype asked for, wrapping around; computing in int64 and wrapping the result
    gives the same values (into bool: any for sums, all for products)."""
    if dtype is None:
        return _integer_sums_to_int64(input), None
    target = to_numpy_dtype(dtype)
    if target.kind in "biu":
        return _integer_sums_to_int64(input._cast(target)), target
    return input._cast(target), None


def _as_result(result, target):
    return result if target is None else result._cast(target)


# PyTorch accepts NumPy's names ``axis`` and ``keepdims`` for ``dim`` and
# ``keepdim`` in every reduction; they cost one comparison each when unused.


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):  # noqa: A001
    """Sum of elements, over all of them or over ``dim`` (an int or a tuple);
    bool and integer tensors sum to int64.

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.sum(), x.sum(dim=0), x.sum(1, keepdim=True)
    (tensor(10.), tensor([4., 6.]), tensor([[3.],
            [7.]]))
    """
    if dim is None:
        if axis is None and dtype is None and out is None and input._data.dtype.kind == "f":
            return Sum.apply_unary(input, None, bool(keepdim if keepdims is None else keepdims))
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if out is not None:
        return write_out(out, sum(input, dim, keepdim, dtype=dtype or _out_dtype(out)), "sum")
    input, target = _accumulated_as(input, dtype)
    return _as_result(Sum.apply_unary(input, _reduce_dims(input, dim, "sum"), bool(keepdim)), target)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    """Arithmetic mean, over all elements or over ``dim``; integer tensors need
    ``dtype=`` (as in PyTorch).

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 2.0], [3.0, 5.0]])
    >>> x.mean(), x.mean(dim=1)
    (tensor(2.7500), tensor([1.5000, 4.0000]))
    """
    if dim is None:
        if axis is None and dtype is None and out is None and input._data.dtype.kind == "f":
            return Mean.apply_unary(input, None, bool(keepdim if keepdims is None else keepdims))
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if out is not None:
        return write_out(out, mean(input, dim, keepdim, dtype=dtype), "mean")
    if dtype is not None:
        input = input._cast(to_numpy_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {scalar_type_name(input._data.dtype)} (pass dtype=chainrule.float32 "
            "or call .float() first)"
        )
    return Mean.apply_unary(input, _reduce_dims(input, dim, "mean"), bool(keepdim))


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    """Product of elements, over all of them or along one ``dim``; bool and
    integer tensors give int64.

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.prod(), x.prod(1)
    (tensor(24.), tensor([ 2., 12.]))
    """
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if out is not None:
        return write_out(out, prod(input, dim, keepdim, dtype=dtype or _out_dtype(out)), "prod")
    input, target = _accumulated_as(input, dtype)
    axis = None if dim is None else normalize_dim(dim, input._data.ndim, "prod")
    if axis is not None and input._data.ndim == 0:
        axis = None
    return _as_result(Prod.apply(input, axis, bool(keepdim)), target)


def _variance(cls, op_name, input, dim, unbiased, keepdim, correction, axis=None, keepdims=None):
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, bool):  # var(x, False): the old positional 'unbiased'
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    elif unbiased is not None:
        raise RuntimeError(f"{op_name}: cannot specify both correction and unbiased arguments")
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"std and var only support floating point and complex dtypes ({op_name} got "
            f"{input.dtype.name}; call .float() first)"
        )
    axes = _reduce_dims(input, dim, op_name)
    return in_float32_if_half(lambda x: cls.apply(x, axes, correction, bool(keepdim)), input)


def var(
    input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None, axis=None, keepdims=None
):
    """Variance with Bessel's correction by default (``correction=1``, divide by
    n - 1); ``correction=0`` (or ``unbiased=False``) is the population variance.

    >>> import chainrule
    >>> x = chainrule.tensor([1.0, 2.0, 3.0, 4.0])
    >>> x.var(), x.var(correction=0)
    (tensor(1.6667), tensor(1.2500))
    """
    result = _variance(Var, "var", input, dim, unbiased, keepdim, correction, axis, keepdims)
    return result if out is None else write_out(out, result, "var")


def std(
    input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None, axis=None, keepdims=None
):
    """Standard deviation, the square root of :func:`var`; its gradient is 0
    where it is 0.

    >>> import chainrule
    >>> chainrule.tensor([1.0, 2.0, 3.0, 4.0]).std()
    tensor(1.2910)
    """
    result = _variance(Std, "std", input, dim, unbiased, keepdim, correction, axis, keepdims)
    return result if out is None else write_out(out, result, "std")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """``(var, mean)`` in one call.

    >>> import chainrule
    >>> chainrule.var_mean(chainrule.tensor([1.0, 2.0, 3.0]))
    (tensor(1.), tensor(2.))
    """
    return _with_mean(var, input, dim, unbiased, keepdim, correction, axis, keepdims)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """``(std, mean)`` in one call.

    >>> import chainrule
    >>> chainrule.std_mean(chainrule.tensor([1.0, 2.0, 3.0]))
    (tensor(1.), tensor(2.))
    """
    return _with_mean(std, input, dim, unbiased, keepdim, correction, axis, keepdims)


def _with_mean(spread, input, dim, unbiased, keepdim, correction, axis, keepdims):
    """``(spread(input), mean(input))`` over the same dims: var_mean and std_mean."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return spread(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def _check_nonempty(input, axes, op_name):
    """PyTorch refuses max/min-like reductions over nothing."""
    shape = input._data.shape
    if axes is None:
        if input._data.size == 0:
            raise RuntimeError(
                f"{op_name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return
    for a in axes:
        if input._data.ndim and shape[a] == 0:
            raise IndexError(f"{op_name}(): Expected reduction dim {a} to have non-zero size.")


def _amax_or_amin(cls, op_name, input, dim, keepdim, out, axis, keepdims):
    """amax / amin: the ``cls`` reduction over ``dim``, which must not be empty."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    axes = _reduce_dims(input, dim, op_name)
    _check_nonempty(input, axes, op_name)
    result = cls.apply(input, axes, bool(keepdim))
    return result if out is None else write_out(out, result, op_name)


def amax(input, dim=(), keepdim=False, *, out=None, axis=None, keepdims=None):
    """Maximum over ``dim`` (all dims when empty); tied elements share the gradient.

    >>> import chainrule
    >>> chainrule.amax(chainrule.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    tensor([5., 7.])
    """
    return _amax_or_amin(Amax, "amax", input, dim, keepdim, out, axis, keepdims)


def amin(input, dim=(), keepdim=False, *, out=None, axis=None, keepdims=None):
    """Minimum over ``dim`` (all dims when empty); tied elements share the gradient.

    >>> import chainrule
    >>> chainrule.amin(chainrule.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    tensor([1., 2.])
    """
    return _amax_or_amin(Amin, "amin", input, dim, keepdim, out, axis, keepdims)


def _return_type(name):
    """A named tuple ``(values, indices)`` printed like ``torch.return_types.max``."""
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"chainrule.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__})


_RETURN_TYPES = {"max": _return_type("max"), "min": _return_type("min")}


def _max_or_min(input, dim, keepdim, other, out, axis, keepdims, largest):
    """max / min: of everything, along ``dim`` with indices, or elementwise with ``other``."""
    name = "max" if largest else "min"
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if out is not None:
        result = _max_or_min(input, dim, keepdim, other, None, None, None, largest)
        return write_out(out, result, name) if isinstance(result, Tensor) else write_outs(out, result, name)
    if isinstance(dim, Tensor):  # max(a, b): the elementwise form
        dim, other = None, dim
    if other is not None:
        from .elementwise import maximum, minimum

        return maximum(input, other) if largest else minimum(input, other)
    if dim is None:
        _check_nonempty(input, None, name)
        return (MaxAll if largest else MinAll).apply(input, None, False)
    data = input._data
    axis = normalize_dim(dim, data.ndim, name)
    _check_nonempty(input, (axis,), name)
    if data.ndim == 0:
        data = data.reshape(1)
    index = (np.argmax if largest else np.argmin)(data, axis=axis, keepdims=True)
    if input._data.ndim == 0:
        values = input.clone()
        index = index.reshape(())
    else:
        values = (Max if largest else Min).apply(input, index, axis, bool(keepdim))
        if not keepdim:
            index = index.squeeze(axis)
    return _RETURN_TYPES[name](values, wrap(index.astype(_INT64, copy=False)))


def max(input, dim=None, keepdim=False, *, other=None, out=None, axis=None, keepdims=None):  # noqa: A001
    """The largest element; with ``dim``, ``(values, indices)`` along it (the
    gradient goes to the returned index); with a tensor, the elementwise maximum.

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.max()
    tensor(7.)
    >>> x.max(dim=1).indices
    tensor([1, 0])
    """
    return _max_or_min(input, dim, keepdim, other, out, axis, keepdims, largest=True)


def min(input, dim=None, keepdim=False, *, other=None, out=None, axis=None, keepdims=None):  # noqa: A001
    """The smallest element; with ``dim``, ``(values, indices)`` along it.

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.min(dim=0)
    chainrule.return_types.min(
    values=tensor([1., 2.]),
    indices=tensor([0, 1]))
    """
    return _max_or_min(input, dim, keepdim, other, out, axis, keepdims, largest=False)


def _arg_extreme(input, dim, keepdim, out, axis, keepdims, largest):
    """argmax / argmin: the index of the largest (smallest) element, over all or along ``dim``."""
    name = "argmax" if largest else "argmin"
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if out is not None:
        return write_out(out, _arg_extreme(input, dim, keepdim, None, None, None, largest), name)
    data = input._data
    if data.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input (convert it with .int() first)")
    find = np.argmax if largest else np.argmin
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        index = np.asarray(find(data), dtype=_INT64)
        return wrap(index.reshape((1,) * data.ndim) if keepdim else index)
    axis = normalize_dim(dim, data.ndim, name)
    _check_nonempty(input, (axis,), name)
    if data.ndim == 0:
        return wrap(np.zeros((), _INT64))
    return wrap(find(data, axis=axis, keepdims=bool(keepdim)).astype(_INT64, copy=False))


def argmax(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    """Index of the largest element (of the flattened tensor when ``dim`` is None);
    the first one on ties.

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.argmax(), x.argmax(dim=1)
    (tensor(2), tensor([1, 0]))
    """
    return _arg_extreme(input, dim, keepdim, out, axis, keepdims, largest=True)


def argmin(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    """Index of the smallest element (of the flattened tensor when ``dim`` is None).

    >>> import chainrule
    >>> chainrule.tensor([[1.0, 5.0], [7.0, 2.0]]).argmin(dim=0)
    tensor([0, 1])
    """
    return _arg_extreme(input, dim, keepdim, out, axis, keepdims, largest=False)


def logsumexp(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):
    """``log(sum(exp(input), dim))``, computed without overflow.

    >>> import chainrule
    >>> chainrule.logsumexp(chainrule.tensor([[0.0, 0.0], [100.0, 100.0]]), dim=1)
    tensor([  0.6931, 100.6931])
    """
    if axis is not None:
        dim = axis
    elif dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if keepdims is not None:
        keepdim = keepdims
    if input._data.dtype.kind != "f":
        input = input._cast(default_float())
    result = Logsumexp.apply(input, _reduce_dims(input, dim, "logsumexp"), bool(keepdim))
    return result if out is None else write_out(out, result, "logsumexp")


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector p-norm ``(sum |x|^p)^(1/p)`` over all elements or ``dim``; 'fro'
    (the default) is the 2-norm, ``inf`` the largest ``|x|``, 0 the count of nonzeros.

    >>> import chainrule
    >>> x = chainrule.tensor([[3.0, -4.0], [0.0, 1.0]])
    >>> x.norm(), x.norm(p=1, dim=1), x.norm(p=float("inf"))
    (tensor(5.0990), tensor([7., 1.]), tensor(4.))
    """
    if out is not None:
        return write_out(out, norm(input, p, dim, keepdim, dtype=dtype), "norm")
    if dtype is not None:
        input = input._cast(to_numpy_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {scalar_type_name(input._data.dtype)} (call .float() first)"
        )
    axes = _reduce_dims(input, dim, "norm")
    if p == "fro":
        if axes is not None and dim is not None and len(axes) > 2:
            raise RuntimeError(
                f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, axes))} "
                "(p='fro' over more dims: use p=2)"
            )
        p = 2
    elif p == "nuc":  # the sum of singular values, over the last two dims (or ``dim``)
        from .linalg import matrix_norm  # linalg imports this module

        return matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim)
    elif isinstance(p, str):
        raise NotImplementedError(
            f"norm(): p={p!r} is not supported by chainrule; use a number, inf, 'fro' or 'nuc'"
        )
    return in_float32_if_half(lambda x: Norm.apply_unary(x, float(p), axes, bool(keepdim)), input)


def _scan(cls, op_name, input, dim, dtype, out, axis):
    if axis is not None:
        dim = axis
    elif dim is None:
        raise TypeError(f'{op_name}() missing 1 required positional arguments: "dim"')
    if out is not None:
        return write_out(out, _scan(cls, op_name, input, dim, dtype or _out_dtype(out), None, None), op_name)
    input, target = _accumulated_as(input, dtype)
    if target == np.bool_:
        raise NotImplementedError(
            f"\"{op_name}_out_cpu\" not implemented for 'Bool' (no running {op_name} into bool)"
        )
    axis = normalize_dim(dim, input._data.ndim, op_name)
    if input._data.ndim == 0:  # a scalar is its own running sum / product
        return _as_result(cls.apply(input.reshape(1), 0).reshape(()), target)
    return _as_result(cls.apply(input, axis), target)


def cumsum(input, dim=None, *, dtype=None, out=None, axis=None):
    """Running sum along ``dim``; bool and integer tensors give int64.

    >>> import chainrule
    >>> chainrule.cumsum(chainrule.tensor([1, 2, 3]), dim=0)
    tensor([1, 3, 6])
    """
    return _scan(Cumsum, "cumsum", input, dim, dtype, out, axis)


def cumprod(input, dim=None, *, dtype=None, out=None, axis=None):
    """Running product along ``dim``; bool and integer tensors give int64.

    >>> import chainrule
    >>> chainrule.cumprod(chainrule.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 2., 6.])
    """
    return _scan(Cumprod, "cumprod", input, dim, dtype, out, axis)


def logcumsumexp(input, dim, *, out=None):
    """Running ``log(sum(exp(input)))`` along ``dim``, computed without overflow.

    >>> import chainrule
    >>> chainrule.logcumsumexp(chainrule.tensor([0.0, 0.0, 1000.0]), dim=0)
    tensor([0.0000e+00, 6.9315e-01, 1.0000e+03])
    """
    if out is not None:
        return write_out(out, logcumsumexp(input, dim), "logcumsumexp")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"logcumsumexp_out_cpu\" not implemented for '{scalar_type_name(input._data.dtype)}' "
            "(call .float() first)"
        )
    axis = normalize_dim(dim, input._data.ndim, "logcumsumexp")
    if input._data.ndim == 0:
        return input.clone()
    return Logcumsumexp.apply(input, axis)


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """:func:`sum` with NaNs counted as zero (they get no gradient).

    >>> import chainrule
    >>> chainrule.nansum(chainrule.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    if out is not None:
        return write_out(out, nansum(input, dim, keepdim, dtype=dtype or _out_dtype(out)), "nansum")
    input, target = _accumulated_as(input, dtype)
    cls = Nansum if input._data.dtype.kind == "f" else Sum
    return _as_result(cls.apply_unary(input, _reduce_dims(input, dim, "nansum"), bool(keepdim)), target)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """:func:`mean` of the elements that are not NaN (NaN where all are).

    >>> import chainrule
    >>> chainrule.nanmean(chainrule.tensor([[1.0, float("nan")], [2.0, 4.0]]), dim=1)
    tensor([1., 3.])
    """
    if out is not None:
        return write_out(out, nanmean(input, dim, keepdim, dtype=dtype), "nanmean")
    if input._data.dtype.kind != "f":  # also with dtype=, as PyTorch
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{scalar_type_name(input._data.dtype)} (call .float() first)"
        )
    if dtype is not None:
        input = input._cast(to_numpy_dtype(dtype))
    counts = sum(~input.isnan(), dim, keepdim)
    return nansum(input, dim, keepdim) / counts


_AMINMAX = namedtuple("aminmax", ["min", "max"])
_AMINMAX.__repr__ = lambda self: f"chainrule.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` over all elements or along ``dim``; tied elements share each gradient.

    >>> import chainrule
    >>> chainrule.aminmax(chainrule.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    chainrule.return_types.aminmax(
    min=tensor([1., 2.]),
    max=tensor([5., 7.]))
    """
    if out is not None:
        return write_outs(out, aminmax(input, dim=dim, keepdim=keepdim), "aminmax")
    if dim is None and input._data.size == 0:
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
        )
    axes = () if dim is None else normalize_dim(dim, input._data.ndim, "aminmax")
    if dim is not None and input._data.ndim and input._data.shape[axes] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {axes} to have non-zero size.")
    return _AMINMAX(amin(input, axes, keepdim), amax(input, axes, keepdim))


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference ``x[i + 1] - x[i]`` along ``dim`` (for bools,
    ``!=``), after putting ``prepend`` before and ``append`` after the input.

    >>> import chainrule
    >>> chainrule.diff(chainrule.tensor([1, 3, 6, 10]), n=2, prepend=chainrule.tensor([0]))
    tensor([1, 1, 1])
    """
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = normalize_dim(dim, input._data.ndim, "diff")
    parts = [t for t in (prepend, input, append) if t is not None]
    if builtins.any(t.ndim != input.ndim for t in parts):
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    if len(parts) > 1:
        input = cat(parts, axis)
    for _ in range(n):
        earlier, later = _neighbours(input, axis)
        input = later != earlier if input._data.dtype == np.bool_ else later - earlier
    return input


def _trapezoid_steps(y, x, dx, axis, op_name):
    """The spacing of the samples along ``axis``: ``dx`` (a number) or the differences of ``x``."""
    if x is not None and dx is not None:
        raise TypeError(f"{op_name}() received an invalid combination of arguments: give x or dx, not both")
    if x is None:
        return 1 if dx is None else dx
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
        x = x.reshape(tuple(-1 if i == axis else 1 for i in range(y.ndim)))
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    return diff(x, dim=axis)


def _neighbours(x, axis):
    """(x_i, x_{i+1}) along ``axis``, for i up to the last but one (none for an empty ``x``)."""
    length = builtins.max(x.shape[axis] - 1, 0)
    return x.narrow(axis, 0, length), x.narrow(axis, x.shape[axis] - length, length)


def _pair_sums(y, axis):
    """y_i + y_{i+1} along ``axis``."""
    earlier, later = _neighbours(y, axis)
    return earlier + later


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule: the integral of ``y`` along ``dim``, sampled at ``x`` or
    every ``dx`` (default 1).

    >>> import chainrule
    >>> chainrule.trapezoid(chainrule.tensor([1.0, 2.0, 3.0]), chainrule.tensor([0.0, 1.0, 3.0]))
    tensor(6.5000)
    """
    axis = normalize_dim(dim, y.ndim, "trapezoid")
    steps = _trapezoid_steps(y, x, dx, axis, "trapezoid")
    if y.shape[axis] == 0:
        return y.sum(axis) * 0
    if isinstance(steps, Tensor):
        return (_pair_sums(y, axis) * steps).sum(axis) / 2.0
    # a constant spacing: dx (sum y - (y_first + y_last) / 2)
    ends = y.select(axis, 0) + y.select(axis, -1)
    return (y.sum(axis) - ends * 0.5) * steps


def trapz(y, x=None, *, dx=None, dim=-1):
    """The older name of :func:`trapezoid`.

    >>> import chainrule
    >>> chainrule.trapz(chainrule.tensor([1.0, 2.0, 3.0]), dx=0.5)
    tensor(2.)
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral of ``y`` along ``dim`` (one fewer element).

    >>> import chainrule
    >>> chainrule.cumulative_trapezoid(chainrule.tensor([1.0, 2.0, 3.0]))
    tensor([1.5000, 4.0000])
    """
    axis = normalize_dim(dim, y.ndim, "cumulative_trapezoid")
    steps = _trapezoid_steps(y, x, dx, axis, "cumulative_trapezoid")
    if isinstance(steps, Tensor):
        return cumsum(_pair_sums(y, axis) * steps, axis) / 2.0
    return cumsum(steps / 2.0 * _pair_sums(y, axis), axis)


def renorm(input, p, dim, maxnorm, *, out=None):
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm``
    scaled down to norm ``maxnorm`` (the gradient goes through the norm).

    >>> import chainrule
    >>> chainrule.renorm(chainrule.tensor([[3.0, 4.0], [0.3, 0.4]]), p=2, dim=0, maxnorm=1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    if out is not None:
        return write_out(out, renorm(input, p, dim, maxnorm), "renorm")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    axis = normalize_dim(dim, input.ndim, "renorm")
    norms = norm(input, p, tuple(i for i in range(input.ndim) if i != axis), keepdim=True)
    factor = (maxnorm / (norms + 1e-7)).masked_fill(~(norms > maxnorm), 1.0)
    return input * factor


def _in_own_dtype(scan):
    """``scan`` in the input's dtype unless told otherwise: the form its in-place version runs."""

    def own(input, dim, *, dtype=None):
        return scan(input, dim, dtype=input.dtype if dtype is None else dtype)

    own.__name__ = scan.__name__
    return own


def _logical_reduction(ufunc, input, dim, keepdim, op_name, out, axis, keepdims):
    """all / any: bool results, except uint8 in, uint8 out (as PyTorch)."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    data = input._data
    if isinstance(dim, (tuple, list)) and not dim:  # PyTorch: dim=() reduces nothing here (sum: everything)
        result = data != 0
    else:
        result = ufunc(data, axis=_reduce_dims(input, dim, op_name), keepdims=bool(keepdim))
    result = wrap(np.asarray(result, dtype=np.uint8 if data.dtype == np.uint8 else np.bool_))
    return result if out is None else write_out(out, result, op_name)


def all(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):  # noqa: A001
    """True where every element (over ``dim``) is nonzero.

    >>> import chainrule
    >>> chainrule.tensor([[True, False], [True, True]]).all(dim=1)
    tensor([False,  True])
    """
    return _logical_reduction(np.all, input, dim, keepdim, "all", out, axis, keepdims)


def any(input, dim=None, keepdim=False, *, out=None, axis=None, keepdims=None):  # noqa: A001
    """True where some element (over ``dim``) is nonzero.

    >>> import chainrule
    >>> chainrule.tensor([[0.0, 0.0], [0.0, 2.0]]).any(dim=1)
    tensor([False,  True])
    """
    return _logical_reduction(np.any, input, dim, keepdim, "any", out, axis, keepdims)


def count_nonzero(input, dim=None, *, axis=None):
    """Number of nonzero elements (over ``dim``).

    >>> import chainrule
    >>> chainrule.count_nonzero(chainrule.tensor([[0, 1], [2, 3]]), dim=1)
    tensor([1, 2])
    """
    if axis is not None:
        dim = axis
    axes = _reduce_dims(input, dim, "count_nonzero")
    return wrap(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=_INT64))


def _numpy_reduction(fn):
    """``np.sum(t, axis=, keepdims=, dtype=)`` on Tensors, as backward rules call it."""

    def reduction(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return fn(a, axis, bool(keepdims), dtype=dtype)

    return reduction


bind(
    {
        "sum": sum,
        "mean": mean,
        "prod": prod,
        "var": var,
        "std": std,
        "amax": amax,
        "amin": amin,
        "max": max,
        "min": min,
        "argmax": argmax,
        "argmin": argmin,
        "logsumexp": logsumexp,
        "norm": norm,
        "cumsum": cumsum,
        "cumprod": cumprod,
        "cumsum_": inplace(_in_own_dtype(cumsum), "cumsum_"),
        "cumprod_": inplace(_in_own_dtype(cumprod), "cumprod_"),
        "all": all,
        "any": any,
        "count_nonzero": count_nonzero,
        "nansum": nansum,
        "nanmean": nanmean,
        "aminmax": aminmax,
        "logcumsumexp": logcumsumexp,
        "diff": diff,
        "renorm": renorm,
        "renorm_": inplace(renorm, "renorm_"),
    },
    {
        np.sum: _numpy_reduction(sum),
        np.mean: _numpy_reduction(mean),
        np.cumsum: lambda a, axis=None, dtype=None, **kwargs: cumsum(a, axis, dtype=dtype),
        np.cumprod: lambda a, axis=None, dtype=None, **kwargs: cumprod(a, axis, dtype=dtype),
        np.max: lambda a, axis=None, out=None, keepdims=False, **kwargs: amax(
            a, () if axis is None else axis, keepdims
        ),
        np.min: lambda a, axis=None, out=None, keepdims=False, **kwargs: amin(
            a, () if axis is None else axis, keepdims
        ),
        np.any: lambda a, axis=None, out=None, keepdims=False, **kwargs: any(a, axis, keepdims),
        np.all: lambda a, axis=None, out=None, keepdims=False, **kwargs: all(a, axis, keepdims),
    },
)


def _lower_nanmedian(x, axis=None, keepdims=False):
    """PyTorch's nanmedian of all elements: the lower middle value of those not NaN
    (NaN when all are)."""
    flat = x.reshape(-1)
    if flat.dtype.kind == "f":
        flat = flat[~np.isnan(flat)]
        if flat.size == 0:
            return np.full((), np.nan, x.dtype)
    return _lower_median(flat)


class NanmedianAll(MaxAll):
    """y = the median of the x_i that are not NaN (``nanmedian()`` without dim).
    dy/dx_i = 1/k for each of the k elements equal to it (the NaNs, when all are NaN)."""

    reduce = staticmethod(_lower_nanmedian)

    @classmethod
    def name(cls):
        return "NanmedianBackward0"
