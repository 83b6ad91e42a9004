"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norm, cumsum, ...

A reduction's backward sends the gradient of each output element back to
the input elements it was computed from; ``expand_back`` restores the
reduced axes so the gradient broadcasts to the input's shape.
"""

import builtins
from collections import namedtuple

import numpy as np

from .._dtype import default_float
from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from ._helpers import bind, normalize_dim, normalize_dims

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
]

_ndarray = np.ndarray

values_indices = namedtuple("values_indices", ["values", "indices"])


def keepdim_shape(shape, axes):
    """``shape`` with the reduced ``axes`` kept as size 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def expand_back(grad, shape, axes, keepdim):
    """Broadcast the gradient of a reduction over ``axes`` back to ``shape``."""
    if grad.__class__ is _ndarray or isinstance(grad, np.generic):
        out = np.empty(shape, grad.dtype)
        if axes is None:
            out.fill(grad)
        else:
            out[...] = grad if keepdim else grad.reshape(keepdim_shape(shape, axes))
        return out
    if not keepdim:
        grad = grad.reshape(keepdim_shape(shape, axes))
    return grad.expand(shape)


class Sum(Primitive):
    """y = sum_i x_i.   dy/dx_i = 1: every element receives the output's gradient."""

    __slots__ = ("shape", "axes", "keepdim")

    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        return np.add.reduce(x, axis=axes, keepdims=keepdim)

    def backward(ctx, grad):
        return expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Primitive):
    """y = (1/n) sum_i x_i.   dy/dx_i = 1/n."""

    __slots__ = ("shape", "axes", "keepdim")

    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        return np.mean(x, axis=axes, keepdims=keepdim)

    def backward(ctx, grad):
        size = (
            int(np.prod([ctx.shape[a] for a in ctx.axes]))
            if ctx.axes is not None
            else int(np.prod(ctx.shape))
        )
        return expand_back(grad / builtins.max(size, 1), ctx.shape, ctx.axes, ctx.keepdim)


class Prod(Primitive):
    """y = prod_i x_i.   dy/dx_i = prod_{j != i} x_j (computed without dividing, so zeros work)."""

    def forward(ctx, x, axis, keepdim):
        y = np.prod(x, axis=axis, keepdims=keepdim)
        ctx.save_for_backward(x)
        ctx.axis = axis
        ctx.keepdim = keepdim
        return y

    def backward(ctx, grad):
        (x,) = ctx.saved
        axis = ctx.axis
        flat = axis is None
        if flat:
            shape = x.shape
            x = x.reshape(-1)
            axis = 0
        # product of everything before and after each element along the axis
        before = _exclusive_cumprod(x, axis, reverse=False)
        after = _exclusive_cumprod(x, axis, reverse=True)
        others = before * after
        grad = grad.reshape(keepdim_shape(x.shape, (axis,))) if (flat or not ctx.keepdim) else grad
        result = grad * others
        return (result.reshape(shape) if flat else result), None, None


def _exclusive_cumprod(x, axis, reverse):
    ones_shape = list(x.shape)
    ones_shape[axis] = 1
    ones = np.ones(tuple(ones_shape), x.dtype) if isinstance(x, _ndarray) else x.new_ones(tuple(ones_shape))
    if reverse:
        x = np.flip(x, axis)
    shifted = np.concatenate([ones, np.take(x, np.arange(x.shape[axis] - 1), axis)], axis)
    result = np.cumprod(shifted, axis)
    return np.flip(result, axis) if reverse else result


class Var(Primitive):
    """v = sum_i (x_i - mean)^2 / (n - correction).
    dv/dx_i = 2 (x_i - mean) / (n - correction)."""

    def forward(ctx, x, axes, correction, keepdim):
        n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        centered = x - np.mean(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x)
        ctx.axes = axes
        ctx.keepdim = keepdim
        ctx.divisor = builtins.max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(centered * centered, axis=axes, keepdims=keepdim) / ctx.divisor

    def backward(ctx, grad):
        (x,) = ctx.saved
        centered = x - x.mean(axis=ctx.axes, keepdims=True)
        if not ctx.keepdim:
            grad = grad.reshape(keepdim_shape(x.shape, ctx.axes))
        return grad * centered * (2.0 / ctx.divisor), None, None, None


class Amax(Primitive):
    """y = max_i x_i.   dy/dx_i = 1/k for each of the k elements equal to the max, else 0."""

    def forward(ctx, x, axes, keepdim):
        y = np.max(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axes = axes
        ctx.keepdim = keepdim
        return y if keepdim else y.reshape(np.max(x, axis=axes).shape) if axes is not None else y.reshape(())

    def backward(ctx, grad):
        x, y = ctx.saved
        mask = x == y
        count = mask.sum(axis=ctx.axes, keepdims=True)
        if not ctx.keepdim:
            grad = grad.reshape(keepdim_shape(x.shape, ctx.axes))
        return grad * mask / count, None, None


class Amin(Amax):
    """y = min_i x_i.   dy/dx_i = 1/k for each of the k elements equal to the min, else 0."""

    def forward(ctx, x, axes, keepdim):
        y = np.min(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axes = axes
        ctx.keepdim = keepdim
        return y if keepdim else y.reshape(np.min(x, axis=axes).shape) if axes is not None else y.reshape(())


class SelectAlongDim(Primitive):
    """y = x[..., index, ...] picked per position along ``dim`` (max/min with a dim).
    dy/dx = 1 at the picked element, 0 elsewhere."""

    def forward(ctx, x, indices, dim, keepdim):
        idx = np.expand_dims(indices, dim) if not keepdim else indices
        ctx.shape = x.shape
        ctx.dim = dim
        ctx.keepdim = keepdim
        ctx.save_for_backward(idx)
        y = np.take_along_axis(x, idx, dim)
        return y if keepdim else np.squeeze(y, dim)

    def backward(ctx, grad):
        (idx,) = ctx.saved
        if not ctx.keepdim:
            grad = grad.reshape(idx.shape)
        if isinstance(grad, Tensor):
            return grad.new_zeros(ctx.shape).scatter(ctx.dim, wrap(idx), grad), None, None, None
        out = np.zeros(ctx.shape, grad.dtype)
        np.put_along_axis(out, idx, grad, ctx.dim)
        return out, None, None, None


class Logsumexp(Primitive):
    """y = log sum_i e^(x_i).   dy/dx_i = e^(x_i - y) (the softmax)."""

    def forward(ctx, x, axes, keepdim):
        peak = np.max(x, axis=axes, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0)
        y = np.log(np.sum(np.exp(x - peak), axis=axes, keepdims=True)) + peak
        ctx.save_for_backward(x, y)
        ctx.axes = axes
        ctx.keepdim = keepdim
        return y if keepdim else np.squeeze(y, axis=axes)

    def backward(ctx, grad):
        x, y = ctx.saved
        if not ctx.keepdim:
            grad = grad.reshape(keepdim_shape(x.shape, ctx.axes))
        return grad * np.exp(x - y), None, None


class Cumsum(Primitive):
    """y_i = sum_{j <= i} x_j.   dL/dx_j = sum_{i >= j} dL/dy_i (a reversed cumsum)."""

    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.cumsum(x, axis=axis)

    def backward(ctx, grad):
        axis = ctx.axis
        return np.flip(np.cumsum(np.flip(grad, axis), axis), axis), None


class Cumprod(Primitive):
    """y_i = prod_{j <= i} x_j.   dL/dx_j = sum_{i >= j} dL/dy_i * y_i / x_j (via exclusive
    products, so zeros work)."""

    def forward(ctx, x, axis):
        ctx.axis = axis
        ctx.save_for_backward(x)
        return np.cumprod(x, axis=axis)

    def backward(ctx, grad):
        (x,) = ctx.saved
        axis = ctx.axis
        n = x.shape[axis]
        # d y_i / d x_j = prod_{k <= i, k != j} x_k for j <= i
        result = []
        for j in range(n):
            xj_removed = np.concatenate(
                [
                    np.take(x, np.arange(j), axis),
                    np.ones_like(np.take(x, [j], axis)),
                    np.take(x, np.arange(j + 1, n), axis),
                ],
                axis,
            )
            partial = np.cumprod(xj_removed, axis)
            contrib = np.take(grad, np.arange(j, n), axis) * np.take(partial, np.arange(j, n), axis)
            result.append(contrib.sum(axis=axis, keepdims=True))
        return np.concatenate(result, axis), None


# --- user-facing functions ----------------------------------------------------------


def _reduce_dims(input, dim, op_name):
    return normalize_dims(dim, input._data.ndim, op_name)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):  # noqa: A001
    """Sum of elements, over all of them or over ``dim`` (an int or a tuple).

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.sum(), x.sum(dim=0), x.sum(1, keepdim=True)
    (tensor(10.), tensor([4., 6.]), tensor([[3.],
            [7.]]))
    """
    if dim is None and axis is None and dtype is None and input._data.dtype.kind == "f":
        return Sum.apply_unary(input, None, bool(keepdim if keepdims is None else keepdims))
    dim = axis if dim is None else dim
    keepdim = keepdim if keepdims is None else keepdims
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "bu" or input._data.dtype == np.int32:
        input = input._cast(np.int64)
    return Sum.apply_unary(input, _reduce_dims(input, dim, "sum"), bool(keepdim))


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Arithmetic mean, over all elements or over ``dim``."""
    dim = axis if dim is None else dim
    keepdim = keepdim if keepdims is None else keepdims
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.name}"
        )
    return Mean.apply_unary(input, _reduce_dims(input, dim, "mean"), bool(keepdim))


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of elements, over all of them or along one ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    axis = None if dim is None else normalize_dim(dim, input._data.ndim, "prod")
    return Prod.apply(input, axis, bool(keepdim))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=1``); ``correction=0``
    is the population variance."""
    if isinstance(dim, bool):  # var(x, False): the old positional 'unbiased'
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input._data.dtype.kind != "f":
        input = input._cast(default_float())
    return Var.apply(input, _reduce_dims(input, dim, "var"), correction, bool(keepdim))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: ``sqrt(var(...))``."""
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` in one call."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` in one call."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def amax(input, dim=(), keepdim=False):
    """Maximum over ``dim`` (all dims when empty); ties share the gradient."""
    dims = _reduce_dims(input, dim, "amax") if dim != () else None
    return Amax.apply(input, dims, bool(keepdim))


def amin(input, dim=(), keepdim=False):
    """Minimum over ``dim`` (all dims when empty); ties share the gradient."""
    dims = _reduce_dims(input, dim, "amin") if dim != () else None
    return Amin.apply(input, dims, bool(keepdim))


def _max_or_min(input, dim, keepdim, other, largest):
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):  # max(a, b): the elementwise form
        dim, other = None, dim
    if other is not None:
        from .elementwise import maximum, minimum

        return maximum(input, other) if largest else minimum(input, other)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return Amax.apply(input, None, False) if largest else Amin.apply(input, None, False)
    axis = normalize_dim(dim, input._data.ndim, name)
    data = input._data if input._data.ndim else input._data.reshape(1)
    indices = np.argmax(data, axis=axis) if largest else np.argmin(data, axis=axis)
    if keepdim:
        indices = np.expand_dims(indices, axis)
    if input._data.ndim == 0:
        return values_indices(input.clone(), wrap(np.asarray(0, np.int64)))
    values = SelectAlongDim.apply(input, indices, axis, bool(keepdim))
    return values_indices(values, wrap(indices.astype(np.int64)))


def max(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a
    tensor, the elementwise maximum.

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.max()
    tensor(7.)
    >>> x.max(dim=1)
    values_indices(values=tensor([5., 7.]), indices=tensor([1, 0]))
    """
    return _max_or_min(input, dim, keepdim, other, largest=True)


def min(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """The smallest element; with ``dim``, ``(values, indices)`` along it."""
    return _max_or_min(input, dim, keepdim, other, largest=False)


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    if dim is None:
        return wrap(np.asarray(np.argmax(input._data), dtype=np.int64))
    axis = normalize_dim(dim, input._data.ndim, "argmax")
    return wrap(np.argmax(input._data, axis=axis, keepdims=keepdim).astype(np.int64))


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    if dim is None:
        return wrap(np.asarray(np.argmin(input._data), dtype=np.int64))
    axis = normalize_dim(dim, input._data.ndim, "argmin")
    return wrap(np.argmin(input._data, axis=axis, keepdims=keepdim).astype(np.int64))


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input), dim))`` computed without overflow."""
    if input._data.dtype.kind != "f":
        input = input._cast(default_float())
    return Logsumexp.apply(input, _reduce_dims(input, dim, "logsumexp"), bool(keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm (2 by default) over all elements or ``dim``; 'fro' is the 2-norm."""
    from .elementwise import abs as absolute

    if dtype is not None:
        input = input.to(dtype)
    if p in ("fro", 2, 2.0):
        return sum(input * input, dim, keepdim).sqrt()
    if p in (float("inf"), "inf"):
        return amax(absolute(input), dim if dim is not None else (), keepdim)
    if p in (float("-inf"), "-inf"):
        return amin(absolute(input), dim if dim is not None else (), keepdim)
    if p == 0:
        return sum(input != 0, dim, keepdim).to(input.dtype)
    if p == 1:
        return sum(absolute(input), dim, keepdim)
    return sum(absolute(input) ** p, dim, keepdim) ** (1.0 / p)


def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "bu" or input._data.dtype == np.int32:
        input = input._cast(np.int64)
    return Cumsum.apply(input, normalize_dim(dim, input._data.ndim, "cumsum"))


def cumprod(input, dim, *, dtype=None):
    """Running product along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    return Cumprod.apply(input, normalize_dim(dim, input._data.ndim, "cumprod"))


def all(input, dim=None, keepdim=False):  # noqa: A001
    """True where every element (over ``dim``) is nonzero."""
    axes = _reduce_dims(input, dim, "all")
    return wrap(np.all(input._data, axis=axes, keepdims=keepdim))


def any(input, dim=None, keepdim=False):  # noqa: A001
    """True where some element (over ``dim``) is nonzero."""
    axes = _reduce_dims(input, dim, "any")
    return wrap(np.any(input._data, axis=axes, keepdims=keepdim))


def count_nonzero(input, dim=None):
    """Number of nonzero elements (over ``dim``)."""
    axes = _reduce_dims(input, dim, "count_nonzero")
    return wrap(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=np.int64))


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
        "all": all,
        "any": any,
        "count_nonzero": count_nonzero,
    },
    {
        np.sum: lambda a, axis=None, keepdims=False, **kw: sum(a, axis, keepdims),
        np.mean: lambda a, axis=None, keepdims=False, **kw: mean(a, axis, keepdims),
        np.cumsum: lambda a, axis=None, **kw: cumsum(a, axis),
    },
)
