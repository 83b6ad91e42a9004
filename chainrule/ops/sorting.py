"""Sorting and order statistics: sort, argsort, topk, median, kthvalue, unique.

The values of ``sort`` and ``topk`` are the input's elements picked by the
returned indices, so their gradient is the output gradient put back at those
indices (the same ``Index`` primitive as ``gather``). Sorts are stable: equal
elements keep their order, descending too, and NaN sorts as the largest
value, as in PyTorch.
"""

import numpy as np

from .._dtype import scalar_type_name
from .._tensor import wrap
from ._helpers import bind, normalize_dim, write_out, write_outs
from .indexing import Index, IndexKey, _along_dim_key
from .reduce import MedianAll, _return_type

__all__ = ["sort", "argsort", "msort", "topk", "median", "kthvalue", "unique"]

_INT64 = np.dtype(np.int64)
_SORT = _return_type("sort")
_TOPK = _return_type("topk")
_MEDIAN = _return_type("median")
_KTHVALUE = _return_type("kthvalue")


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
    """The element of each slice along ``axis`` that sorts at ``rank`` (NaN sorting last),
    or with ``nan_wins`` a slice's first NaN: (values, int64 indices)."""
    data = input._data
    if data.ndim == 0:
        return _picked(input, np.zeros((), _INT64), 0), wrap(np.zeros((), _INT64))
    index = np.take(_sort_indices(data, axis, False), [rank], axis=axis)
    if nan_wins and data.dtype.kind == "f":
        nan = np.isnan(data)
        index = np.where(nan.any(axis, keepdims=True), nan.argmax(axis, keepdims=True), index)
    index = index.astype(_INT64, copy=False)
    values = _picked(input, index, axis)
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    return values, wrap(index)


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
    data = input._data
    if data.dtype.kind == "b":
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    if dim is None:
        if data.size == 0:
            return wrap(np.full((), np.nan, data.dtype))
        value = MedianAll.apply(input, None, False)
        return value if out is None else write_out(out, value, "median")
    axis = normalize_dim(dim, data.ndim, "median")
    if data.ndim and data.shape[axis] == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    size = data.shape[axis] if data.ndim else 1
    result = _MEDIAN(*_order_statistic(input, (size - 1) // 2, axis, keepdim, True))
    return result if out is None else write_outs(out, result, "median")


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


bind(
    {
        "sort": sort,
        "argsort": argsort,
        "msort": msort,
        "topk": topk,
        "median": median,
        "kthvalue": kthvalue,
        "unique": unique,
    }
)
