"""Sorting and order statistics: sort, argsort, topk, median, kthvalue, unique.

The values of ``sort`` and ``topk`` are the input's elements picked by the
returned indices, so their gradient is the output gradient put back at those
indices (the same ``Index`` primitive as ``gather``). Sorts are stable: equal
elements keep their order, descending too, and NaN sorts as the largest
value, as in PyTorch.
"""

from collections import namedtuple

import numpy as np

from .._creation import linspace
from .._dtype import scalar_type_name
from .._tensor import Tensor, wrap
from ._helpers import bind, normalize_dim, write_out, write_outs
from .indexing import Index, IndexKey, _along_dim_key
from .reduce import MedianAll, NanmedianAll, _return_type

__all__ = [
    "sort",
    "argsort",
    "msort",
    "topk",
    "median",
    "nanmedian",
    "kthvalue",
    "unique",
    "cummax",
    "cummin",
    "mode",
    "quantile",
    "nanquantile",
    "bincount",
    "histc",
    "histogram",
    "bucketize",
    "searchsorted",
    "isin",
    "unique_consecutive",
]

_INT64 = np.dtype(np.int64)
_SORT = _return_type("sort")
_TOPK = _return_type("topk")
_MEDIAN = _return_type("median")
_NANMEDIAN = _return_type("nanmedian")
_KTHVALUE = _return_type("kthvalue")
_HISTOGRAM = namedtuple("histogram", ["hist", "bin_edges"])
_HISTOGRAM.__repr__ = lambda self: (
    f"chainrule.return_types.histogram(\nhist={self.hist!r},\nbin_edges={self.bin_edges!r})"
)


def _sort_indices(data, axis, descending):
    """Stable argsort along ``axis``; descending keeps equal elements in their
    original order (sorting the reversed array ascending and reversing back)."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    order = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - order, axis)


def _dim(dim, axis, ndim, op_name):
    if axis is not None:
        dim = axis
    return normalize_dim(dim, ndim, op_name)


def _picked(input, index, axis):
    """``input``'s elements at ``index`` along ``axis``, differentiably."""
    if input._data.ndim == 0:
        return Index.apply_unary(input, IndexKey((Ellipsis,)))
    return Index.apply_unary(input, _along_dim_key(index, axis))


def sort(input, dim=-1, descending=False, *, stable=False, out=None, axis=None):
    """``(values, indices)``: the elements sorted along ``dim`` (ascending unless
    ``descending``) and where each came from. Always stable.

    >>> import chainrule
    >>> chainrule.sort(chainrule.tensor([3.0, 1.0, 2.0]), descending=True)
    chainrule.return_types.sort(
    values=tensor([3., 2., 1.]),
    indices=tensor([0, 2, 1]))
    """
    data = input._data
    axis = _dim(dim, axis, data.ndim, "sort")
    if data.ndim == 0:
        index = np.zeros((), _INT64)
    else:
        index = _sort_indices(data, axis, descending).astype(_INT64, copy=False)
    result = _SORT(_picked(input, index, axis), wrap(index))
    return result if out is None else write_outs(out, result, "sort")


def argsort(input, dim=-1, descending=False, stable=False, *, axis=None):
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``).

    >>> import chainrule
    >>> chainrule.tensor([[3, 1, 2]]).argsort(dim=1)
    tensor([[1, 2, 0]])
    """
    data = input._data
    axis = _dim(dim, axis, data.ndim, "argsort")
    if data.ndim == 0:
        return wrap(np.zeros((), _INT64))
    return wrap(_sort_indices(data, axis, descending).astype(_INT64, copy=False))


def msort(input, *, out=None):
    """``input`` sorted along its first dim (the values of ``sort(input, 0)``).

    >>> import chainrule
    >>> chainrule.msort(chainrule.tensor([[2, 1], [0, 3]]))
    tensor([[0, 1],
            [2, 3]])
    """
    result = sort(input, 0).values
    return result if out is None else write_out(out, result, "msort")


def topk(input, k, dim=None, largest=True, sorted=True, *, out=None, axis=None):
    """``(values, indices)`` of the ``k`` largest elements along ``dim`` (the last
    by default), or the ``k`` smallest when ``largest=False``; in sorted order
    (also when ``sorted=False``, which PyTorch leaves unspecified).

    >>> import chainrule
    >>> chainrule.topk(chainrule.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    chainrule.return_types.topk(
    values=tensor([5., 4.]),
    indices=tensor([1, 3]))
    """
    data = input._data
    if data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU (convert with .int() first)")
    axis = _dim(-1 if dim is None else dim, axis, data.ndim, "topk")
    size = data.shape[axis] if data.ndim else 1
    k = int(k)
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range (k={k}, size {size} along dim {axis})")
    if data.ndim == 0:
        index = np.zeros((), _INT64)
    else:
        order = _sort_indices(data, axis, largest)
        index = np.take(order, np.arange(k), axis=axis).astype(_INT64, copy=False)
    result = _TOPK(_picked(input, index, axis), wrap(index))
    return result if out is None else write_outs(out, result, "topk")


def _order_statistic(input, rank, axis, keepdim, nan_wins):
    """The element of each slice along ``axis`` that sorts at ``rank`` (NaN sorting last;
    an int, or one per slice in keepdim shape), or with ``nan_wins`` a slice's first
    NaN: (values, int64 indices)."""
    data = input._data
    if data.ndim == 0:
        return _picked(input, np.zeros((), _INT64), 0), wrap(np.zeros((), _INT64))
    rank = np.broadcast_to(rank, data.shape[:axis] + (1,) + data.shape[axis + 1 :])
    index = np.take_along_axis(_sort_indices(data, axis, False), rank, axis)
    if nan_wins and data.dtype.kind == "f":
        nan = np.isnan(data)
        index = np.where(nan.any(axis, keepdims=True), nan.argmax(axis, keepdims=True), index)
    index = index.astype(_INT64, copy=False)
    values = _picked(input, index, axis)
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    return values, wrap(index)


def _median(op_name, input, dim, keepdim, out):
    """median and nanmedian: the lower middle value (``nanmedian``: of the values not
    NaN), of all or along ``dim`` with its index."""
    data = input._data
    ignore_nan = op_name == "nanmedian"
    if data.dtype.kind == "b":
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    if dim is None:
        if data.size == 0:
            return wrap(np.full((), np.nan, data.dtype))
        value = (NanmedianAll if ignore_nan else MedianAll).apply(input, None, False)
        return value if out is None else write_out(out, value, op_name)
    axis = normalize_dim(dim, data.ndim, op_name)
    if data.ndim and data.shape[axis] == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    size = data.shape[axis] if data.ndim else 1
    if ignore_nan:  # NaN sorts last: each slice's middle among its values not NaN (all NaN: the first)
        counts = size - np.isnan(data).sum(axis, keepdims=True) if data.dtype.kind == "f" else size
        rank = np.maximum((np.asarray(counts) - 1) // 2, 0)
        result = _NANMEDIAN(*_order_statistic(input, rank, axis, keepdim, False))
    else:
        result = _MEDIAN(*_order_statistic(input, (size - 1) // 2, axis, keepdim, True))
    return result if out is None else write_outs(out, result, op_name)


def median(input, dim=None, keepdim=False, *, out=None):
    """The median: the lower of the two middle values for an even count (not their mean,
    as in PyTorch), NaN if there is one. Over all elements (the gradient shared by the
    elements equal to it), or along ``dim`` as ``(values, indices)`` (the gradient to
    the element picked).

    >>> import chainrule
    >>> chainrule.tensor([3.0, 1.0, 4.0, 2.0]).median()
    tensor(2.)
    >>> chainrule.median(chainrule.tensor([[3.0, 1.0, 2.0]]), dim=1)
    chainrule.return_types.median(
    values=tensor([2.]),
    indices=tensor([2]))
    """
    return _median("median", input, dim, keepdim, out)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """``median`` ignoring NaNs: the lower middle value of those that are not NaN
    (NaN only where all are). Along ``dim``, ``(values, indices)``; the index of an
    all-NaN slice is its first (PyTorch's comes from its selection algorithm).

    >>> import chainrule
    >>> x = chainrule.tensor([[float("nan"), 3.0, 1.0, 2.0]])
    >>> x.nanmedian()
    tensor(2.)
    >>> chainrule.nanmedian(x, dim=1)
    chainrule.return_types.nanmedian(
    values=tensor([2.]),
    indices=tensor([3]))
    """
    return _median("nanmedian", input, dim, keepdim, out)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """``(values, indices)``: the ``k``-th smallest element along ``dim`` (k from 1;
    NaN counts as the largest).

    >>> import chainrule
    >>> chainrule.kthvalue(chainrule.tensor([3.0, 1.0, 2.0, 5.0]), 2)
    chainrule.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
    """
    data = input._data
    axis = normalize_dim(dim, data.ndim, "kthvalue")
    size = data.shape[axis] if data.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"kthvalue(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    if size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {axis} to have non-zero size.")
    if not 1 <= k <= size:
        raise RuntimeError(
            f"kthvalue(): selected number k out of range for dimension {axis} (k={k}, size {size})"
        )
    result = _KTHVALUE(*_order_statistic(input, k - 1, axis, keepdim, False))
    return result if out is None else write_outs(out, result, "kthvalue")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or, with ``dim``, distinct slices along ``dim``) in
    ascending order; with ``return_inverse`` also where each input element went
    (a tensor of the input's shape, or of its size along ``dim``), with
    ``return_counts`` how often each occurs. Not differentiable. The result is
    sorted also when ``sorted=False``.

    >>> import chainrule
    >>> chainrule.unique(chainrule.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
    """
    data = input._data
    if dim is None:
        values, inverse, counts = np.unique(data.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(data.shape)
    else:
        if data.ndim == 0:
            raise IndexError(f"unique(): dim {dim} is out of range for a 0-dim tensor")
        axis = normalize_dim(dim, data.ndim, "unique")
        if data.dtype.kind not in "biuf":
            raise NotImplementedError(f"unique(): dtype {scalar_type_name(data.dtype)} is not supported")
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=axis)
        inverse = inverse.reshape(-1)
    outputs = [wrap(values.astype(data.dtype, copy=False))]
    if return_inverse:
        outputs.append(wrap(inverse.astype(_INT64, copy=False)))
    if return_counts:
        outputs.append(wrap(counts.astype(_INT64, copy=False)))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


_CUMMAX = _return_type("cummax")
_CUMMIN = _return_type("cummin")
_MODE = _return_type("mode")


def _running_extreme(input, dim, out, largest):
    """cummax / cummin: the running max (min) along ``dim`` and the index it was last
    reached at (equal values move the index on, as PyTorch; NaN stays, each NaN moves it);
    the gradient goes to that index."""
    name = "cummax" if largest else "cummin"
    if out is not None:
        return write_outs(out, _running_extreme(input, dim, None, largest), name)
    data = input._data
    axis = normalize_dim(dim, data.ndim, name)
    if data.ndim == 0:
        return (_CUMMAX if largest else _CUMMIN)(input.clone(), wrap(np.zeros((), _INT64)))
    running = (np.maximum if largest else np.minimum).accumulate(data, axis)
    reached = data == running
    if data.dtype.kind == "f":
        reached |= np.isnan(data)
    shape = [1] * data.ndim
    shape[axis] = data.shape[axis]
    positions = np.arange(data.shape[axis], dtype=_INT64).reshape(shape)
    index = np.maximum.accumulate(np.where(reached, positions, 0), axis)
    return (_CUMMAX if largest else _CUMMIN)(_picked(input, index, axis), wrap(index))


def cummax(input, dim, *, out=None):
    """``(values, indices)``: the running maximum along ``dim`` and where it was last reached.

    >>> import chainrule
    >>> chainrule.cummax(chainrule.tensor([1.0, 3.0, 2.0, 3.0]), dim=0)
    chainrule.return_types.cummax(
    values=tensor([1., 3., 3., 3.]),
    indices=tensor([0, 1, 1, 3]))
    """
    return _running_extreme(input, dim, out, largest=True)


def cummin(input, dim, *, out=None):
    """``(values, indices)``: the running minimum along ``dim`` and where it was last reached.

    >>> import chainrule
    >>> chainrule.cummin(chainrule.tensor([2.0, 1.0, 3.0]), dim=0).values
    tensor([2., 1., 1.])
    """
    return _running_extreme(input, dim, out, largest=False)


def mode(input, dim=-1, keepdim=False, *, out=None):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of
    equally frequent ones, as PyTorch) and its last position; the gradient goes there.

    >>> import chainrule
    >>> chainrule.mode(chainrule.tensor([[3, 1, 1, 3, 2]]), 1)
    chainrule.return_types.mode(
    values=tensor([1]),
    indices=tensor([2]))
    """
    if out is not None:
        return write_outs(out, mode(input, dim, keepdim), "mode")
    data = input._data
    axis = normalize_dim(dim, data.ndim, "mode")
    if data.ndim == 0:
        return _MODE(input.clone(), wrap(np.zeros((), _INT64)))
    if data.shape[axis] == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    order = np.moveaxis(_sort_indices(data, axis, False), axis, -1)
    ordered = np.take_along_axis(np.moveaxis(data, axis, -1), order, -1)
    # the length of the run of equal values up to each position; a stable sort puts each
    # run's last element at the value's last position
    positions = np.arange(ordered.shape[-1])
    starts = np.concatenate([np.ones_like(ordered[..., :1], bool), ordered[..., 1:] != ordered[..., :-1]], -1)
    run_lengths = positions - np.maximum.accumulate(np.where(starts, positions, 0), -1)
    longest_end = run_lengths.argmax(-1)[..., None]  # the first, smallest, of the longest runs
    index = np.moveaxis(np.take_along_axis(order, longest_end, -1), -1, axis).astype(_INT64, copy=False)
    values = _picked(input, index, axis)
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    return _MODE(values, wrap(index))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, out, ignore_nan):
    """quantile / nanquantile, as PyTorch computes them: sort (NaN last), take the
    elements at rank q (n - 1) and interpolate between its two neighbours."""
    name = "nanquantile" if ignore_nan else "quantile"
    if out is not None:
        return write_out(out, _quantile(input, q, dim, keepdim, interpolation, None, ignore_nan), name)
    data = input._data
    q_data = q._data if isinstance(q, Tensor) else np.asarray(q, data.dtype)
    if data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if q_data.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if q_data.dtype != data.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if not isinstance(q, Tensor) and not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    if not ((q_data >= 0) & (q_data <= 1)).all():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
            f"but got {interpolation}"
        )
    if dim is None:
        rows, kept = input.reshape(-1), (1,) * data.ndim
    else:
        axis = normalize_dim(dim, data.ndim, name)
        rows = input.movedim(axis, -1) if data.ndim else input.reshape(1)
        kept = tuple(1 if i == axis else n for i, n in enumerate(data.shape))
    out_shape = (
        kept if keepdim else tuple(n for i, n in enumerate(data.shape) if dim is not None and i != axis)
    )
    ordered = rows.sort(-1).values
    nan = np.isnan(ordered._data)
    if ignore_nan:  # ranks among the numbers; all NaN: rank 0, a NaN
        ranks = q_data.reshape(-1) * (nan.shape[-1] - nan.sum(-1, keepdims=True) - 1).astype(data.dtype)
        ranks = np.maximum(ranks, 0)
    else:  # a NaN in the slice: the last rank, a NaN
        last = ordered.shape[-1] - 1
        ranks = np.where(nan.any(-1, keepdims=True), data.dtype.type(last), q_data.reshape(-1) * last)
    rounding = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}.get(interpolation)
    if rounding is not None:
        ranks = rounding(ranks)
    below = ranks.astype(_INT64)
    result = ordered.gather(-1, wrap(below))
    if interpolation in ("linear", "midpoint"):
        weights = ranks - below.astype(ranks.dtype) if interpolation == "linear" else np.full_like(ranks, 0.5)
        result = result.lerp(ordered.gather(-1, wrap(np.ceil(ranks).astype(_INT64))), wrap(weights))
    result = result.movedim(-1, 0)  # the quantiles first, as PyTorch
    return result.reshape(out_shape) if q_data.ndim == 0 else result.reshape((q_data.size,) + out_shape)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles (a number or a 1-d tensor in [0, 1]) of all elements or
    along ``dim``, interpolated as NumPy's ``method=`` names; NaN where a slice has one.
    For a tensor ``q`` the quantiles make the result's first dim.

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 2.0, 4.0], [0.0, 5.0, 6.0]])
    >>> chainrule.quantile(x, 0.25, dim=1)
    tensor([1.5000, 2.5000])
    >>> x.quantile(chainrule.tensor([0.5, 1.0]), interpolation="lower")
    tensor([2., 6.])
    """
    return _quantile(input, q, dim, keepdim, interpolation, out, ignore_nan=False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """:func:`quantile` of the elements that are not NaN (NaN where all are).

    >>> import chainrule
    >>> chainrule.nanquantile(chainrule.tensor([1.0, float("nan"), 3.0]), 0.5)
    tensor(2.)
    """
    return _quantile(input, q, dim, keepdim, interpolation, out, ignore_nan=True)


# --- counting and searching (integer results, no gradient) ------------------------


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ..., max occurs in a 1-d tensor of non-negative integers
    (at least ``minlength`` counts); with ``weights``, their sums instead (float64 unless
    the weights are float32).

    >>> import chainrule
    >>> chainrule.bincount(chainrule.tensor([1, 1, 3]))
    tensor([0, 2, 0, 1])
    """
    data = input._data
    if data.dtype.kind not in "biu":
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{scalar_type_name(data.dtype)}' (call .long() first)"
        )
    if data.ndim != 1 or (data.size and data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0 (got {minlength})")
    if weights is None:
        return wrap(np.bincount(data, minlength=minlength).astype(_INT64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    return wrap(np.bincount(data, w.astype(np.float64), minlength).astype(dtype))


def histc(input, bins=100, min=0, max=0, *, out=None):  # noqa: A002
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when both
    are equal); elements outside are not counted. Same dtype as the input.

    >>> import chainrule
    >>> chainrule.histc(chainrule.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    if out is not None:
        return write_out(out, histc(input, bins, min, max), "histc")
    data = input._data
    if data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{scalar_type_name(data.dtype)}' (call .float() first)"
        )
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    low, high = data.dtype.type(min), data.dtype.type(max)
    if low == high and data.size:
        low, high = data.min(), data.max()
    if low == high:
        low, high = low - 1, high + 1
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low}, {high}] is not finite")
    inside = data[(data >= low) & (data <= high)]
    # as PyTorch: in the input's dtype, the right edge in the last bin
    position = ((inside - low) * bins / (high - low)).astype(_INT64)
    counts = np.bincount(np.minimum(position, bins - 1), minlength=bins)
    return wrap(counts.astype(data.dtype))


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """``(hist, bin_edges)``: how many elements (or how much ``weight``) fall in each
    bin, a bin holding its left edge (the last one its right edge too). ``bins``: a
    count of equal bins over ``range`` (default: the data's), or the edges as a
    tensor. ``density`` divides by the total and the bin widths.

    >>> import chainrule
    >>> chainrule.histogram(chainrule.tensor([1.0, 2.0, 1.0]), bins=2)
    chainrule.return_types.histogram(
    hist=tensor([2., 1.]),
    bin_edges=tensor([1.0000, 1.5000, 2.0000]))
    """
    if out is not None:
        return write_outs(
            out, histogram(input, bins, range=range, weight=weight, density=density), "histogram"
        )
    data = input._data
    if data.dtype.kind != "f":
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{scalar_type_name(data.dtype)}'")
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{edges.ndim} dimensions in the bins tensor for dimension 0"
            )
        if edges.dtype != data.dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input "
                f"with dtype {data.dtype} and bins for dimension 0 with dtype {edges.dtype}"
            )
        if edges.size < 2:
            raise RuntimeError(
                f"torch.histogram(): bins must be > 0, but got {edges.size - 1} for dimension 0"
            )
        edges = edges.copy()
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        if range is not None:
            low, high = float(range[0]), float(range[1])
        elif data.size:
            low, high = float(data.min()), float(data.max())
        else:
            low, high = 0.0, 1.0
        if not (np.isfinite(low) and np.isfinite(high)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{low:g}, {high:g}] is not finite")
        if low > high:
            raise RuntimeError(
                "torch.histogramdd: min should not exceed max, but got "
                f"min {low:g} max {high:g} for dimension 0"
            )
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = linspace(low, high, bins + 1, dtype=input.dtype)._data
    values = data.reshape(-1)
    if weight is not None:
        weight = weight._data
        if weight.shape != data.shape:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape as the input "
                "tensor excluding its innermost dimension, but got input with shape "
                f"{[*data.shape, 1] if data.ndim else [1, 1]} and weight with shape {list(weight.shape)}"
            )
        if weight.dtype != data.dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should have "
                f"the same dtype, but got input({data.dtype}), and weight({weight.dtype})"
            )
        weight = weight.reshape(-1)
    inside = (values >= edges[0]) & (values <= edges[-1])
    count = edges.size - 1
    position = np.minimum(np.searchsorted(edges, values[inside], side="right") - 1, count - 1)
    hist = np.bincount(position, None if weight is None else weight[inside], minlength=count)
    hist = hist.astype(data.dtype)
    if density:
        hist = hist / (hist.sum() * np.diff(edges))
    return _HISTOGRAM(wrap(hist), wrap(edges))


def _side(right, side):
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError(
            "torch.searchsorted(): side and right can't be set to opposites, got side of left "
            "while right was True"
        )
    return side


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """For each value of ``input``, the index in the innermost dim of ``sorted_sequence``
    where it would be inserted to keep the order: before equal values, or after them
    with ``right=True`` / ``side="right"``. ``sorter`` sorts an unsorted sequence.

    >>> import chainrule
    >>> chainrule.searchsorted(chainrule.tensor([1, 3, 5, 7]), chainrule.tensor([3, 6, 9]))
    tensor([1, 3, 4])
    """
    if out is not None:
        result = searchsorted(
            sorted_sequence, input, out_int32=out_int32, right=right, side=side, sorter=sorter
        )
        return write_out(out, result, "searchsorted")
    side = _side(right, side)
    boundaries = sorted_sequence._data
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    if boundaries.ndim > 1 and boundaries.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
            f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(boundaries.shape)} and input value tensor {list(values.shape)}"
        )
    if sorter is not None:
        boundaries = np.take_along_axis(boundaries, sorter._data, -1)
    if boundaries.ndim <= 1:
        found = np.searchsorted(boundaries, values, side)
    else:
        rows = boundaries.reshape(-1, boundaries.shape[-1])
        found = np.stack(
            [np.searchsorted(b, v, side) for b, v in zip(rows, values.reshape(len(rows), -1))]
        ).reshape(values.shape)
    return wrap(np.asarray(found, np.int32 if out_int32 else _INT64))


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each value: the index i with boundaries[i-1] < x <= boundaries[i]
    (``right=True``: boundaries[i-1] <= x < boundaries[i]).

    >>> import chainrule
    >>> chainrule.bucketize(chainrule.tensor([1, 5, 9]), chainrule.tensor([1, 3, 5, 7]))
    tensor([0, 2, 4])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of ``elements`` occurs in ``test_elements`` (either may be a
    number); ``invert=True`` gives the opposite.

    >>> import chainrule
    >>> chainrule.isin(chainrule.tensor([[1, 2], [3, 4]]), chainrule.tensor([2, 3]))
    tensor([[False,  True],
            [ True, False]])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(
            "isin() received an invalid combination of arguments: elements or test_elements must be a Tensor"
        )
    elements, test_elements = (
        t._data if isinstance(t, Tensor) else np.asarray(t) for t in (elements, test_elements)
    )
    return wrap(np.asarray(np.isin(elements, test_elements, assume_unique=assume_unique, invert=invert)))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The input with each run of equal consecutive elements (or, with ``dim``, slices
    along ``dim``) kept once; with ``return_inverse`` the run each element fell in,
    with ``return_counts`` the length of each run.

    >>> import chainrule
    >>> chainrule.unique_consecutive(chainrule.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    data = input._data
    if dim is None:
        slices, inverse_shape = data.reshape(-1, 1), data.shape
    else:
        axis = normalize_dim(dim, data.ndim, "unique_consecutive")
        slices = np.moveaxis(data, axis, 0).reshape(data.shape[axis] if data.ndim else 1, -1)
        inverse_shape = (slices.shape[0],)
    starts = np.ones(slices.shape[0], bool)
    starts[1:] = (slices[1:] != slices[:-1]).any(1)
    first = np.flatnonzero(starts)
    if dim is None:
        values = data.reshape(-1)[first]
    else:
        values = np.take(data, first, axis) if data.ndim else data.reshape(1)
    outputs = [wrap(values)]
    if return_inverse:
        outputs.append(wrap((np.cumsum(starts) - 1).astype(_INT64).reshape(inverse_shape)))
    if return_counts:
        outputs.append(wrap(np.diff(np.append(first, slices.shape[0])).astype(_INT64)))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


bind(
    {
        "sort": sort,
        "argsort": argsort,
        "msort": msort,
        "topk": topk,
        "median": median,
        "nanmedian": nanmedian,
        "kthvalue": kthvalue,
        "unique": unique,
        "cummax": cummax,
        "cummin": cummin,
        "mode": mode,
        "quantile": quantile,
        "nanquantile": nanquantile,
        "bincount": bincount,
        "histc": histc,
        "histogram": histogram,
        "unique_consecutive": unique_consecutive,
    }
)
