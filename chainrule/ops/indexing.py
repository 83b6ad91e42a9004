"""Indexing: ``x[key]``, ``x[key] = value``, gather/scatter and friends.

Basic indexing (ints, slices, None, ...) returns a view that shares memory
with ``x``; advanced indexing (integer or bool tensors and lists) returns a
copy, as in PyTorch and NumPy. The gradient of ``x[key]`` is the output
gradient put back at the indexed positions; repeated indices add up.
"""

import numpy as np

from .._tensor import Tensor, bump_version, wrap
from ..autograd.function import Primitive
from ..autograd.grad_mode import state as grad_state
from ._helpers import bind, check_inplace, normalize_dim, promote, write_inplace

__all__ = [
    "gather",
    "scatter",
    "scatter_add",
    "index_select",
    "masked_fill",
    "masked_select",
    "take_along_dim",
    "nonzero",
    "argwhere",
    "index_add",
]

_ndarray = np.ndarray


def _index_array(value):
    """An index entry as NumPy wants it (tensors and lists become arrays)."""
    if isinstance(value, Tensor):
        data = value._data
        if data.dtype.kind not in "iub":
            raise IndexError(
                f"tensors used as indices must be long, int, byte or bool tensors, got {value.dtype.name}"
            )
        return data
    if isinstance(value, (list, tuple)):
        array = np.asarray([v._data if isinstance(v, Tensor) else v for v in value])
        if array.dtype.kind not in "iub":
            raise IndexError(f"index {value!r} must hold integers or bools")
        return array
    return value


def normalize_key(key):
    """``key`` with tensors and lists converted; a tuple; and whether it is basic
    (a view) or advanced (a copy)."""
    if not isinstance(key, tuple):
        key = (key,)
    converted = tuple(_index_array(k) for k in key)
    basic = all(
        k is None
        or k is Ellipsis
        or isinstance(k, (int, np.integer, slice))
        or (isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu")
        for k in converted
    )
    if basic:
        converted = tuple(int(k) if isinstance(k, np.ndarray) else k for k in converted)
    return converted, basic


def _check_bounds(shape, key):
    """PyTorch's IndexError for an integer index out of range."""
    dim = 0
    for k in key:
        if k is None:
            continue
        if k is Ellipsis:
            dim = len(shape) - sum(
                1
                for j in key
                if j is not None
                and j is not Ellipsis
                and not (isinstance(j, np.ndarray) and j.dtype.kind == "b")
            )
            continue
        if dim >= len(shape):
            raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
        if isinstance(k, (int, np.integer)):
            if not -shape[dim] <= k < shape[dim]:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {shape[dim]}")
        elif isinstance(k, np.ndarray) and k.dtype.kind in "iu" and k.size:
            if k.max() >= shape[dim] or k.min() < -shape[dim]:
                bad = k.max() if k.max() >= shape[dim] else k.min()
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}")
        elif isinstance(k, np.ndarray) and k.dtype.kind == "b":
            if k.shape != shape[dim : dim + k.ndim]:
                raise IndexError(
                    f"The shape of the mask {list(k.shape)} at index {dim} does not match the "
                    f"shape of the indexed tensor {list(shape[dim : dim + k.ndim])} at index {dim}"
                )
            dim += k.ndim
            continue
        dim += 1


class Index(Primitive):
    """y = x[key].   dL/dx = zeros with dL/dy added at the indexed positions
    (positions picked twice receive both gradients)."""

    def forward(ctx, x, key, basic):
        ctx.shape = x.shape
        ctx.dtype = x.dtype
        ctx.key = key
        ctx.basic = basic
        return x[key]

    def backward(ctx, grad):
        return index_put_zeros(grad, ctx.shape, ctx.key, ctx.basic)


class IndexAddInto(Primitive):
    """y = zeros(shape) with x added at ``key`` (the adjoint of Index).
    dL/dx = dL/dy[key]."""

    def forward(ctx, x, shape, key, basic):
        ctx.key = key
        ctx.basic = basic
        out = np.zeros(shape, x.dtype)
        if basic:
            out[key] = x
        else:
            np.add.at(out, key, x)
        return out

    def backward(ctx, grad):
        return Index.apply(grad, ctx.key, ctx.basic) if isinstance(grad, Tensor) else grad[ctx.key]


def index_put_zeros(grad, shape, key, basic):
    """Zeros of ``shape`` with ``grad`` added at ``key`` (arrays or, under
    create_graph, Tensors)."""
    if isinstance(grad, Tensor):
        return IndexAddInto.apply(grad, shape, key, basic)
    out = np.zeros(shape, grad.dtype)
    if basic:
        out[key] = grad
    else:
        np.add.at(out, key, grad)
    return out


def getitem(self, key):
    """``x[key]`` with PyTorch's (= NumPy's) indexing rules."""
    if isinstance(key, Tensor) and key._data.dtype.kind == "b" and key._data.shape == self._data.shape:
        key, basic = (key._data,), False
    else:
        key, basic = normalize_key(key)
    _check_bounds(self._data.shape, key)
    result = Index.apply(self, key, basic)
    if basic:
        result._version = self._version  # a view: it shares memory
    return result


class IndexPut(Primitive):
    """y = x with y[key] = v.   dL/dx = dL/dy with zeros at ``key``;
    dL/dv = dL/dy[key] (summed back to v's shape by the engine)."""

    def forward(ctx, x, value, key, accumulate):
        ctx.key = key
        ctx.accumulate = accumulate
        out = x.copy()
        if accumulate:
            np.add.at(out, key, value)
        else:
            out[key] = value
        return out

    def backward(ctx, grad):
        need_x, need_value = ctx.needs_input_grad[:2]
        grad_x = grad_value = None
        if need_x:
            if ctx.accumulate:
                grad_x = grad
            elif isinstance(grad, Tensor):
                grad_x = IndexPut.apply(grad, wrap(np.zeros((), grad._data.dtype)), ctx.key, False)
            else:
                grad_x = grad.copy()
                grad_x[ctx.key] = 0
        if need_value:
            grad_value = Index.apply(grad, ctx.key, False) if isinstance(grad, Tensor) else grad[ctx.key]
        return grad_x, grad_value


def setitem(self, key, value):
    """``x[key] = value`` in place (broadcasting ``value``)."""
    check_inplace(self, "__setitem__")
    if isinstance(key, Tensor) and key._data.dtype.kind == "b" and key._data.shape == self._data.shape:
        key = (key._data,)
    else:
        key, _ = normalize_key(key)
    _check_bounds(self._data.shape, key)
    value_requires = isinstance(value, Tensor) and value._requires_grad
    if grad_state.enabled and (self._requires_grad or value_requires):
        value = value if isinstance(value, Tensor) else wrap(np.asarray(value, self._data.dtype))
        if value._data.dtype != self._data.dtype:
            value = value._cast(self._data.dtype)
        write_inplace(self, IndexPut.apply(self, value, key, False), "__setitem__")
        return
    array = value._data if isinstance(value, Tensor) else value
    try:
        self._data[key] = array
    except ValueError as error:
        raise RuntimeError(f"__setitem__: {error} (tensor shape {tuple(self._data.shape)})") from None
    bump_version(self)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``values`` put at ``indices`` (added when ``accumulate``)."""
    key, _ = normalize_key(tuple(indices))
    values = values if isinstance(values, Tensor) else wrap(np.asarray(values, input._data.dtype))
    return IndexPut.apply(input, values, key, bool(accumulate))


def index_put_(input, indices, values, accumulate=False):
    check_inplace(input, "index_put_")
    return write_inplace(input, index_put(input, indices, values, accumulate), "index_put_")


# --- gather / scatter ---------------------------------------------------------------


def _along_dim_key(index, dim):
    """The advanced-index tuple that picks ``index`` along ``dim``, position by position."""
    grids = np.indices(index.shape, sparse=True)
    key = list(grids)
    key[dim] = index
    return tuple(key)


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (index has out's shape).

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> chainrule.gather(x, 1, chainrule.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    dim = normalize_dim(dim, input._data.ndim, "gather")
    idx = _index_array(index)
    if idx.ndim != input._data.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(idx.ndim):
        if d != dim and idx.shape[d] > input._data.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(idx.shape)} to be "
                f"smaller than self {list(input._data.shape)} apart from dimension {dim}"
            )
    _check_bounds(input._data.shape[dim : dim + 1], (idx,))
    return Index.apply(input, _along_dim_key(idx, dim), False)


def take_along_dim(input, indices, dim=None):
    """NumPy's ``take_along_axis``: like gather, with broadcasting of ``indices``."""
    if dim is None:
        return Index.apply(input.reshape(-1), (_index_array(indices).reshape(-1),), False)
    dim = normalize_dim(dim, input._data.ndim, "take_along_dim")
    idx = _index_array(indices)
    shape = list(
        np.broadcast_shapes(
            tuple(n for i, n in enumerate(input._data.shape) if i != dim),
            tuple(n for i, n in enumerate(idx.shape) if i != dim),
        )
    )
    idx_shape = shape[:dim] + [idx.shape[dim]] + shape[dim:]
    in_shape = shape[:dim] + [input._data.shape[dim]] + shape[dim:]
    return gather(input.expand(in_shape), dim, wrap(np.broadcast_to(idx, idx_shape)))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``out[i][index[i][j]] = src[i][j]`` along ``dim``."""
    dim = normalize_dim(dim, input._data.ndim, "scatter")
    idx = _index_array(index)
    if src is None:
        src = value
    if not isinstance(src, Tensor):
        src = wrap(np.full(idx.shape, src, input._data.dtype))
    else:
        src = src[tuple(slice(0, n) for n in idx.shape)]
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    if reduce == "multiply":
        raise NotImplementedError("scatter(reduce='multiply'): use scatter_reduce")
    return IndexPut.apply(input, src, _along_dim_key(idx, dim), reduce == "add")


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    dim = normalize_dim(dim, input._data.ndim, "scatter_add")
    idx = _index_array(index)
    src = src[tuple(slice(0, n) for n in idx.shape)]
    return IndexPut.apply(input, src, _along_dim_key(idx, dim), True)


def index_select(input, dim, index):
    """The slices of ``input`` at positions ``index`` (1-D) along ``dim``."""
    dim = normalize_dim(dim, input._data.ndim, "index_select")
    idx = _index_array(index)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    key = (slice(None),) * dim + (idx.reshape(-1),)
    _check_bounds(input._data.shape, key)
    return Index.apply(input, key, False)


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` slices added at ``index`` along ``dim``."""
    dim = normalize_dim(dim, input._data.ndim, "index_add")
    key = (slice(None),) * dim + (_index_array(index),)
    if alpha != 1:
        source = source * alpha
    return IndexPut.apply(input, source, key, True)


class MaskedFill(Primitive):
    """y = value where mask else x.   dL/dx = dL/dy where not mask;
    dL/dvalue = sum of dL/dy where mask."""

    def forward(ctx, x, mask, value):
        ctx.mask = mask
        return np.where(mask, value, x)

    def backward(ctx, grad):
        need_x, _, need_value = ctx.needs_input_grad
        zero = grad * 0
        grad_x = np.where(ctx.mask, zero, grad) if need_x else None
        grad_value = np.where(ctx.mask, grad, zero).sum() if need_value else None
        return grad_x, None, grad_value


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where ``mask`` (broadcast) is true."""
    mask_array = _index_array(mask)
    if mask_array.dtype.kind != "b":
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {mask_array.dtype}"
        )
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        input, value = promote("masked_fill", input, value)
    return MaskedFill.apply(input, mask_array, value)


def masked_fill_(input, mask, value):
    check_inplace(input, "masked_fill_")
    return write_inplace(input, masked_fill(input, mask, value), "masked_fill_")


def masked_select(input, mask):
    """The elements where ``mask`` (broadcast) is true, as a 1-D tensor."""
    mask_array = np.broadcast_to(
        _index_array(mask), np.broadcast_shapes(input._data.shape, np.shape(_index_array(mask)))
    )
    return Index.apply(input.expand(mask_array.shape), (mask_array,), False)


def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero elements: an (n, ndim) tensor, or one 1-D tensor per dim."""
    indices = np.nonzero(input._data)
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in indices)
    return wrap(np.stack(indices, axis=1).astype(np.int64) if indices else np.zeros((0, 0), np.int64))


def argwhere(input):
    return nonzero(input)


bind(
    {
        "__getitem__": getitem,
        "__setitem__": setitem,
        "gather": gather,
        "scatter": scatter,
        "scatter_add": scatter_add,
        "index_select": index_select,
        "masked_fill": masked_fill,
        "masked_fill_": masked_fill_,
        "masked_select": masked_select,
        "take_along_dim": take_along_dim,
        "nonzero": nonzero,
        "argwhere": argwhere,
        "index_put": index_put,
        "index_put_": index_put_,
        "index_add": index_add,
    },
)
