"""Indexing: ``x[key]``, ``x[key] = value``, gather/scatter and friends.

PyTorch applies the basic part of a key first (ints, slices, None, ...),
which gives a view sharing memory with ``x``, and then the advanced part
(integer or bool tensors and lists) to that view, which gives a copy.
``IndexKey`` holds the two parts. The gradient of ``x[key]`` is the output
gradient put back at the indexed positions; positions picked more than once
add up their gradients.
"""

import warnings

import numpy as np

from .._dtype import number_as, scalar_type_name
from .._tensor import Tensor, bump_version, wrap
from ..autograd.function import Primitive
from ..autograd.grad_mode import state as grad_state
from ._helpers import (
    bind,
    broadcast_error,
    check_inplace,
    inplace,
    normalize_dim,
    select,
    view_of,
    write_inplace,
    write_out,
)
from .shape import differentiable

__all__ = [
    "gather",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_select",
    "index_add",
    "index_fill",
    "index_copy",
    "take",
    "put",
    "index_reduce",
    "is_nonzero",
    "index_put",
    "masked_fill",
    "masked_scatter",
    "masked_select",
    "take_along_dim",
    "nonzero",
    "nonzero_static",
    "argwhere",
    "repeat_interleave",
]

_ndarray = np.ndarray


class IndexKey:
    """A parsed ``x[key]``: ``basic`` (ints, slices, None, ...; or None) is applied
    first, then ``advanced`` (a tuple holding index arrays; or None) to its result.
    ``may_repeat``: the advanced part can pick a position twice, so adding into it
    needs ``np.add.at`` (slower than a plain assignment)."""

    __slots__ = ("basic", "advanced", "may_repeat")

    def __init__(self, basic, advanced=None, may_repeat=False):
        self.basic = basic
        self.advanced = advanced
        self.may_repeat = may_repeat

    def take(self, array):
        """``array[key]`` (a view of ``array`` when there is no advanced part)."""
        if self.basic is not None:
            array = array[self.basic]
        return array if self.advanced is None else array[self.advanced]

    def assign(self, array, values):
        """``array[key] = values``, in place."""
        view = array if self.basic is None else array[self.basic]
        view[(...,) if self.advanced is None else self.advanced] = values

    def accumulate(self, array, values):
        """``array[key] += values``, in place; repeated positions add up."""
        view = array if self.basic is None else array[self.basic]
        if self.advanced is None:
            view += values
        elif self.may_repeat:
            if not (len(self.advanced) == 1 and _add_at_rows(view, self.advanced[0], values)):
                np.add.at(view, self.advanced, values)
        else:
            view[self.advanced] += values

    def scatter(self, shape, values):
        """Zeros of ``shape`` with ``values`` added at the key (repeated positions add up)."""
        if self.basic is None and self.may_repeat and len(self.advanced) == 1:
            out = _sum_into_rows(shape, self.advanced[0], values)
            if out is not None:
                return out
        out = np.zeros(shape, values.dtype)
        self.accumulate(out, values)
        return out


# From this many values, rows are summed by a sparse product (_sum_into_rows).
_SPARSE_MIN_VALUES = 1 << 14


def _sum_into_rows(shape, rows, values):
    """Zeros of ``shape`` with the rows of ``values`` added at the integer ``rows`` (an
    embedding's gradient), as one sparse product: a (shape[0], len(rows)) matrix of ones
    times the values, SciPy's compiled loop (32x100 tokens of 100 into 5,000 rows: 84 µs
    against 383 µs by add.at over flat positions; PyTorch 133 µs). Each row adds its
    values in order from zero, as add.at does: the same bits. None for other cases."""
    width = values.size // rows.size if rows.size else 0
    if (
        rows.size * width < _SPARSE_MIN_VALUES
        or rows.dtype.kind not in "iu"
        or values.dtype not in (np.float32, np.float64)
        or values.shape != rows.shape + tuple(shape[1:])
    ):
        return None
    count = shape[0]
    rows = _flat_rows(rows, count)
    if rows is None:
        return None  # NumPy's own error, from add.at
    from scipy import sparse

    ones = np.ones(rows.size, values.dtype)
    picks = sparse.csc_matrix((ones, rows, np.arange(rows.size + 1)), shape=(count, rows.size))
    return np.asarray(picks @ values.reshape(rows.size, width)).reshape(shape)


def _flat_rows(rows, count):
    """Integer ``rows`` of a table of ``count`` rows as a flat array of row numbers in
    [0, count) (negative ones counted from the end), or None where one is out of range."""
    rows = rows.reshape(-1)
    lowest = rows.min()
    if lowest < -count or rows.max() >= count:
        return None
    return np.where(rows < 0, rows + count, rows) if lowest < 0 else rows


def _add_at_rows(array, rows, values):
    """``np.add.at(array, rows, values)`` for integer ``rows`` picking whole rows of a
    C-contiguous ``array``, run as a 1-D add.at over the rows' flat positions: NumPy's
    1-D path is 5-6x faster (an embedding's gradient, 1,600 rows of 64: 120 us
    against 690), and adds in the same order. False, doing nothing, for other cases."""
    if rows.dtype.kind not in "iu" or not array.flags.c_contiguous or array.ndim == 0 or rows.size == 0:
        return False
    count = array.shape[0]
    width = array.size // count if count else 0
    if values.shape != rows.shape + array.shape[1:]:
        return False
    rows = _flat_rows(rows, count)
    if rows is None:
        return False
    flat = (rows[:, None] * width + np.arange(width)).reshape(-1)
    np.add.at(array.reshape(-1), flat, np.ascontiguousarray(values, array.dtype).reshape(-1))
    return True


# --- parsing a key -----------------------------------------------------------------------


def _index_array(entry):
    """An integer or bool index array for a tensor, array or list entry."""
    if isinstance(entry, Tensor):
        array = entry._data
    elif isinstance(entry, (list, tuple, range)):  # a range is a list of ints, as in PyTorch
        items = [e._data if isinstance(e, Tensor) else e for e in entry]
        array = np.asarray(items) if items else np.zeros(0, np.int64)
    else:
        array = np.asarray(entry)
    if array.dtype.kind not in "iub":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if array.dtype == np.uint8:  # PyTorch's legacy byte masks
        array = array.astype(bool)
    return array


def _is_int(entry):
    if isinstance(entry, (int, np.integer)):
        return entry.__class__ is not bool
    array = entry._data if isinstance(entry, Tensor) else entry
    return isinstance(array, _ndarray) and array.ndim == 0 and array.dtype.kind in "iu"


def _is_bool_scalar(entry):
    if entry.__class__ is bool or entry.__class__ is np.bool_:
        return True
    array = entry._data if isinstance(entry, Tensor) else entry
    return isinstance(array, _ndarray) and array.ndim == 0 and array.dtype == bool


def _check_step(entry):
    if entry.step is not None and entry.step <= 0:
        raise ValueError("step must be greater than zero")


def parse_key(key, ndim):
    """The IndexKey for a ``__getitem__``/``__setitem__`` key on a tensor of ``ndim``
    dims, with PyTorch's rules."""
    cls = key.__class__
    if cls is int or cls is slice:  # the common cases, quickly
        if cls is slice:
            _check_step(key)
        return IndexKey((key, Ellipsis))
    entries = _without_empty_ellipsis(key, ndim) if cls is tuple else (key,)
    basic = []  # applied first
    advanced = []  # applied to the result of basic: slices keep its dims
    direct = []  # the whole key, when it has no ints, None or bools (one NumPy step)
    has_array = has_empty = False
    one_step = True
    may_repeat = False
    for entry in entries:
        if entry is Ellipsis:
            basic.append(entry)
            advanced.append(entry)
            direct.append(entry)
        elif entry is None or _is_bool_scalar(entry):
            # x[None] and x[True] add a dim of size 1; x[False] one of size 0
            empty = entry is not None and not entry
            basic.append(None)
            advanced.append(slice(0, 0) if empty else slice(None))
            has_empty = has_empty or empty
            one_step = False
        elif entry.__class__ is slice:
            _check_step(entry)
            basic.append(entry)
            advanced.append(slice(None))
            direct.append(entry)
        elif _is_int(entry):
            basic.append(int(entry))
            one_step = False
        elif isinstance(entry, (Tensor, _ndarray, list, tuple, range)):
            array = _index_array(entry)
            has_array = True
            if array.dtype == bool:
                basic.extend([slice(None)] * array.ndim)
            else:
                basic.append(slice(None))
                may_repeat = may_repeat or array.size > 1
            advanced.append(array)
            direct.append(array)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                f"valid indices (got {type(entry).__name__})"
            )
    if has_array and one_step:
        return IndexKey(None, tuple(direct), may_repeat)
    if Ellipsis not in basic:
        basic.append(Ellipsis)  # keeps x[i, j] of a matrix a 0-d view, not a NumPy scalar
    if has_array or has_empty:
        return IndexKey(tuple(basic), tuple(advanced), may_repeat)
    return IndexKey(tuple(basic))


def _without_empty_ellipsis(entries, ndim):
    """``entries`` less an Ellipsis that stands for no dims. PyTorch expands it before
    placing the advanced indices, so x[:, i, ..., j] of a 3-d x keeps i and j adjacent,
    their dims in place; NumPy counts the Ellipsis as a separator and moves them first."""
    for position, entry in enumerate(entries):
        if entry is Ellipsis:
            used = [_dims_used(e) for e in entries]
            if sum(n for n in used if n is not None) == ndim:
                return entries[:position] + entries[position + 1 :]
            break
    return entries


def _dims_used(entry):
    """How many dims of the indexed tensor a key entry consumes (None: Ellipsis)."""
    if entry is Ellipsis:
        return None
    if entry is None or _is_bool_scalar(entry):
        return 0
    if isinstance(entry, (Tensor, _ndarray, list, tuple, range)) and not _is_int(entry):
        array = _index_array(entry)
        return array.ndim if array.dtype == bool else 1
    return 1


def _raise_index_error(shape, key, parsed, error):
    """Raise NumPy's indexing ``error`` for ``x[key]`` as PyTorch words it."""
    entries = key if key.__class__ is tuple else (key,)
    used = [_dims_used(e) for e in entries]
    total = sum(n for n in used if n is not None)
    if total > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}") from None
    dim = 0
    for position, (entry, n) in enumerate(zip(entries, used)):
        if n is None:
            dim += len(shape) - total
            continue
        if _is_int(entry) and not -shape[dim] <= int(entry) < shape[dim]:
            raise IndexError(
                f"index {int(entry)} is out of bounds for dimension {position} with size {shape[dim]}"
            ) from None
        dim += n
    if parsed.advanced is not None:
        # the advanced part sees the shape left by the basic part
        after = shape if parsed.basic is None else np.broadcast_to(False, shape)[parsed.basic].shape
        arrays = [a for a in parsed.advanced if isinstance(a, _ndarray)]
        total = sum(a.ndim if a.dtype == bool else 1 for a in arrays)
        total += sum(1 for a in parsed.advanced if a.__class__ is slice)
        dim = 0
        number = 0  # PyTorch numbers the index tensors, not the dims
        for a in parsed.advanced:
            if a is Ellipsis:
                dim += len(after) - total
            elif a.__class__ is slice:
                dim += 1
            elif a.dtype == bool:
                for j, (m, n) in enumerate(zip(a.shape, after[dim:])):
                    if m != n:
                        raise IndexError(
                            f"The shape of the mask {list(a.shape)} at index {j} does not match the "
                            f"shape of the indexed tensor {list(after)} at index {dim + j}"
                        ) from None
                dim += a.ndim
                number += 1
            else:
                size = after[dim]
                bad = a[(a >= size) | (a < -size)]
                if bad.size:
                    raise IndexError(
                        f"index {bad.flat[0]} is out of bounds for dimension {number} with size {size}"
                    ) from None
                dim += 1
                number += 1
    raise IndexError(f"{error} (indexing a tensor of shape {list(shape)})") from None


# --- x[key] and its adjoint -------------------------------------------------------------


class Index(Primitive):
    """y = x[key].   dL/dx = zeros with dL/dy added at the indexed positions
    (a position picked twice receives both gradients)."""

    def forward(ctx, x, key):
        ctx.shape = x.shape
        ctx.key = key
        return key.take(x)

    def backward(ctx, grad):
        return differentiable(IndexAddInto, grad, ctx.shape, ctx.key), None


class IndexAddInto(Primitive):
    """y = zeros(shape) with x added at ``key`` (the adjoint of Index).   dL/dx = dL/dy[key]."""

    def forward(ctx, x, shape, key):
        ctx.key = key
        return key.scatter(shape, x)

    def backward(ctx, grad):
        return differentiable(Index, grad, ctx.key), None, None


def index_put_zeros(grad, shape, key, basic):
    """Zeros of ``shape`` with ``grad`` added at ``key``, a NumPy index tuple
    (``basic``: it holds no index arrays); differentiable under create_graph.
    For other ops' backward rules (e.g. embedding's)."""
    parsed = IndexKey(key + (Ellipsis,)) if basic else IndexKey(None, key, True)
    return differentiable(IndexAddInto, grad, shape, parsed)


def getitem(self, key):
    """``x[key]`` with PyTorch's indexing rules: a view for basic keys, a copy otherwise.

    >>> import chainrule
    >>> x = chainrule.arange(6).reshape(2, 3)
    >>> x[1], x[:, [0, 2]], x[x > 3]
    (tensor([3, 4, 5]), tensor([[0, 2],
            [3, 5]]), tensor([4, 5]))
    """
    parsed = parse_key(key, self._data.ndim)
    try:
        result = Index.apply_unary(self, parsed)
    except IndexError as error:
        _raise_index_error(self._data.shape, key, parsed, error)
    if parsed.advanced is None:  # a view: it shares memory (see _helpers.view_of)
        if self._base is None and result.grad_fn is None and not self._requires_grad:
            result._version_box = self._version_box  # the common case, inline: indexing is hot
            result._base = self
        else:
            view_of(result, self)
    return result


class IndexPut(Primitive):
    """y = x with y[key] = v (or y[key] += v when ``accumulate``).
    dL/dx = dL/dy, with zeros at ``key`` unless accumulating;  dL/dv = dL/dy[key]
    (summed back to v's shape by the engine)."""

    def forward(ctx, x, value, key, accumulate):
        ctx.key = key
        ctx.accumulate = accumulate
        ctx.value_shape = value.shape
        out = x.copy()
        if accumulate:
            key.accumulate(out, value)
        else:
            key.assign(out, value)
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
                ctx.key.assign(grad_x, 0)
        if need_value:
            grad_value = differentiable(Index, grad, ctx.key)
            if grad_value.ndim < len(ctx.value_shape):  # the value had extra leading 1s
                grad_value = grad_value.reshape(ctx.value_shape)
        return grad_x, grad_value, None, None


def _value_like(value, tensor):
    """``value`` as a Tensor of ``tensor``'s dtype (differentiably when it is one)."""
    if not isinstance(value, Tensor):
        return wrap(number_as(value, tensor._data.dtype))
    return value if value._data.dtype == tensor._data.dtype else value._cast(tensor._data.dtype)


def _shape_mismatch(value, target_shape):
    return RuntimeError(
        f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot be broadcast to "
        f"indexing result of shape {list(target_shape)}"
    )


def setitem(self, key, value):
    """``x[key] = value`` in place (``value`` broadcast); recorded for backward when
    ``x`` or ``value`` requires grad.

    >>> import chainrule
    >>> x = chainrule.zeros(2, 3)
    >>> x[0, [0, 2]] = 1.0
    >>> x[x == 0] = chainrule.tensor(-1.0)
    >>> x
    tensor([[ 1., -1.,  1.],
            [-1., -1., -1.]])
    """
    check_inplace(self, "__setitem__")
    parsed = parse_key(key, self._data.ndim)
    data = self._data
    recorded = grad_state.enabled and (
        self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)
    )
    if recorded:
        value = _value_like(value, self)
    if isinstance(value, Tensor):
        array = value._data
    else:  # a number by PyTorch's checked conversion (x[0] = -1 into uint8 is 255, as fill_(-1))
        array = number_as(value, data.dtype) if value.__class__ in (int, float) else value
    try:
        if recorded:
            write_inplace(self, IndexPut.apply(self, value, parsed, False), "__setitem__")
            return
        parsed.assign(data, array)
    except IndexError as error:
        _raise_index_error(data.shape, key, parsed, error)
    except ValueError:
        if not data.flags.writeable:
            raise RuntimeError(
                "__setitem__: this tensor's memory is read-only (an expanded tensor shares one "
                "memory location between elements); clone() it first"
            ) from None
        raise _shape_mismatch(array, parsed.take(data).shape) from None
    bump_version(self)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``values`` put at ``input[indices]`` (added when ``accumulate``).

    >>> import chainrule
    >>> x = chainrule.zeros(3)
    >>> x.index_put((chainrule.tensor([0, 0]),), chainrule.tensor(1.0), accumulate=True)
    tensor([2., 0., 0.])
    """
    indices = tuple(indices)
    parsed = parse_key(indices, input._data.ndim)
    values = _value_like(values, input)
    try:
        return IndexPut.apply(input, values, parsed, bool(accumulate))
    except IndexError as error:
        _raise_index_error(input._data.shape, indices, parsed, error)
    except ValueError:
        raise _shape_mismatch(values._data, parsed.take(input._data).shape) from None


def index_put_(input, indices, values, accumulate=False):
    """In-place ``index_put``."""
    check_inplace(input, "index_put_")
    return write_inplace(input, index_put(input, indices, values, accumulate), "index_put_")


# --- gather / scatter ---------------------------------------------------------------------


def _dim_argument(dim, axis, op_name):
    """``dim``, or its NumPy name ``axis`` (which PyTorch accepts too)."""
    if axis is not None:
        return axis
    if dim is None:
        raise TypeError(f"{op_name}() missing 1 required positional argument: 'dim'")
    return dim


def _integer_index(op_name, index, kinds="int32/int64"):
    array = index._data if isinstance(index, Tensor) else np.asarray(index)
    allowed = (np.int64,) if kinds == "int64" else (np.int32, np.int64)
    if array.dtype not in allowed:
        raise RuntimeError(f"{op_name}(): Expected dtype {kinds} for index, but got {array.dtype}")
    return array


def _check_in_range(op_name, index, size, dim):
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(f"{op_name}(): index {bad} is out of bounds for dimension {dim} with size {size}")


def _along_dim_key(index, dim):
    """The IndexKey that picks ``index[i, j, ...]`` along ``dim``, position by position.
    Positions differ in some other dim unless the index has several entries along ``dim``,
    so only then can two of them pick the same element."""
    if index.ndim == 0:  # a 0-d tensor has one element: index 0
        return IndexKey((Ellipsis,))
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return IndexKey(None, tuple(grids), index.shape[dim] > 1)


def gather(input, dim=None, index=None, *, sparse_grad=False, out=None, axis=None):
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (index has out's shape).

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> chainrule.gather(x, 1, chainrule.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    dim = _dim_argument(dim, axis, "gather")
    if out is not None:
        return write_out(out, gather(input, dim, index), "gather")
    shape = input._data.shape
    dim = normalize_dim(dim, len(shape))
    idx = _integer_index("gather", index)
    if idx.ndim != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d, (m, n) in enumerate(zip(idx.shape, shape)):
        if d != dim and m > n:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(idx.shape)} to be no "
                f"larger than self {list(shape)} apart from dimension {dim}"
            )
    _check_in_range("gather", idx, shape[dim] if shape else 1, dim)
    return Index.apply_unary(input, _along_dim_key(idx, dim))


def take_along_dim(input, indices, dim=None, *, out=None, axis=None):
    """Pick along ``dim`` with ``indices`` (broadcast against ``input`` except at
    ``dim``); with no ``dim``, pick from the flattened tensor.

    >>> import chainrule
    >>> x = chainrule.tensor([[10, 30, 20], [60, 40, 50]])
    >>> chainrule.take_along_dim(x, x.argmax(1, keepdim=True), 1)
    tensor([[30],
            [60]])
    """
    if axis is not None:
        dim = axis
    if out is not None:
        return write_out(out, take_along_dim(input, indices, dim), "take_along_dim")
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {idx.dtype}")
    if dim is None:
        flat = input.reshape(-1)
        idx = idx.reshape(-1)
        dim = 0
    else:
        flat = input
        if idx.ndim != input._data.ndim:
            raise RuntimeError(
                "torch.take_along_dim(): input and indices should have the same number of dimensions, "
                f"but got {input._data.ndim} dimensions for input, and {idx.ndim} dimensions for indices"
            )
        dim = normalize_dim(dim, idx.ndim)
    size = flat._data.shape[dim]
    idx = np.where(idx < 0, idx + size, idx)  # negative indices count from the end here
    _check_in_range("take_along_dim", idx, size, dim)
    # broadcast input and indices against each other in every dim but ``dim``
    shape = list(
        _broadcast_shapes("take_along_dim", _without(flat._data.shape, dim), _without(idx.shape, dim))
    )
    input_shape, index_shape = list(shape), list(shape)
    input_shape[dim], index_shape[dim] = size, idx.shape[dim]
    flat = flat.expand(input_shape)
    idx = np.broadcast_to(idx, tuple(index_shape))
    return Index.apply_unary(flat, _along_dim_key(idx, dim))


def _broadcast_shapes(op_name, a_shape, b_shape):
    """np.broadcast_shapes, or PyTorch's RuntimeError naming the op and both shapes."""
    try:
        return np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        raise broadcast_error(op_name, a_shape, b_shape) from None


def _without(shape, dim):
    return shape[:dim] + (1,) + shape[dim + 1 :]


def _check_scatter(op_name, input, dim, idx, src_shape):
    shape = input._data.shape
    if idx.ndim != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    too_big = any(m > n for d, (m, n) in enumerate(zip(idx.shape, shape)) if d != dim)
    if too_big or (src_shape is not None and any(m > n for m, n in zip(idx.shape, src_shape))):
        raise RuntimeError(
            f"Expected index {list(idx.shape)} to be no larger than self {list(shape)} apart from "
            f"dimension {dim}"
            + (f" and to be no larger size than src {list(src_shape)}" if src_shape else "")
        )
    _check_in_range(op_name, idx, shape[dim] if shape else 1, dim)


class ScatterCombine(Primitive):
    """y = x with src added into (``reduce='add'``) or multiplied into
    (``'multiply'``) the positions ``key``. Not differentiable, as in PyTorch."""

    def forward(ctx, x, src, key, reduce):
        ctx.reduce = reduce
        out = x.copy()
        if reduce == "add":
            key.accumulate(out, src)
        else:
            np.multiply.at(out if key.basic is None else out[key.basic], key.advanced, src)
        return out

    def backward(ctx, grad):
        raise RuntimeError(
            f"derivative for aten::scatter with reduce='{ctx.reduce}' is not implemented; "
            "use scatter_add (differentiable) for sums"
        )


def scatter(input, dim=None, index=None, src=None, *, value=None, reduce=None, out=None, axis=None):
    """A copy of ``input`` with ``out[i][index[i][j]] = src[i][j]`` along ``dim``
    (``src`` may be a number, or ``value=``; ``reduce`` 'add' or 'multiply' combines).
    ``x.scatter_(...)`` writes into ``x`` (the one-hot idiom below).

    >>> import chainrule
    >>> chainrule.zeros(2, 3).scatter(1, chainrule.tensor([[2], [0]]), 1.0)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    >>> chainrule.zeros(2, 4).scatter_(1, chainrule.tensor([[1], [3]]), 1.0)
    tensor([[0., 1., 0., 0.],
            [0., 0., 0., 1.]])
    """
    dim = _dim_argument(dim, axis, "scatter")
    if out is not None:
        return write_out(out, scatter(input, dim, index, src, value=value, reduce=reduce), "scatter")
    dim = normalize_dim(dim, input._data.ndim)
    idx = _integer_index("scatter", index, "int64")
    if src is None:
        src = value
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        _check_scatter("scatter", input, dim, idx, src._data.shape)
        src = src[tuple(slice(0, n) for n in idx.shape)]
    else:
        _check_scatter("scatter", input, dim, idx, None)
        src = wrap(np.full(idx.shape, src, input._data.dtype))
    key = _along_dim_key(idx, dim)
    if reduce is not None:
        return ScatterCombine.apply(input, src, key, reduce)
    return IndexPut.apply(input, src, key, False)


def scatter_add(input, dim=None, index=None, src=None, *, out=None, axis=None):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up).

    >>> import chainrule
    >>> chainrule.zeros(3).scatter_add(0, chainrule.tensor([0, 0, 2]), chainrule.ones(3))
    tensor([2., 0., 1.])
    """
    dim = _dim_argument(dim, axis, "scatter_add")
    if out is not None:
        return write_out(out, scatter_add(input, dim, index, src), "scatter_add")
    dim = normalize_dim(dim, input._data.ndim)
    idx = _integer_index("scatter_add", index, "int64")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _check_scatter("scatter_add", input, dim, idx, src._data.shape)
    src = src[tuple(slice(0, n) for n in idx.shape)]
    return IndexPut.apply(input, src, _along_dim_key(idx, dim), True)


_REDUCE_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _reduce_identity(reduce, dtype):
    """The value a reduction starts from when ``include_self=False`` leaves ``x`` out."""
    if reduce in ("amax", "amin"):
        info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype) if dtype.kind in "iu" else None
        low, high = (-np.inf, np.inf) if dtype.kind == "f" else (info.min, info.max) if info else (0, 1)
        return low if reduce == "amax" else high
    return 1 if reduce == "prod" else 0


class ScatterReduce(Primitive):
    """y = x with each src value reduced ('sum', 'prod', 'mean', 'amax', 'amin') into
    the position ``key`` picks; ``include_self=False`` leaves out x's value at the
    positions written to. With g = dL/dy, G = gather at key, S = scatter-add at key:
    sum:  dL/dx = g,  dL/dsrc = G(g);   mean:  dL/dx = g / n,  dL/dsrc = G(g / n),
    n = the number of values averaged;
    prod: dL/dx = g * y / x,  dL/dsrc = G(g * y) / src (products of the others where
    a value is 0);
    amax, amin: the gradient shared evenly among the values equal to y:
    dL/dx = [x = y] g / m,  dL/dsrc = [src = G(y)] G(g / m),  m = [x = y] + S([src = G(y)]).
    Without include_self, dL/dx is 0 at the positions written to (PyTorch's rules)."""

    def forward(ctx, x, src, key, reduce, include_self):
        ctx.key = key
        ctx.reduce = reduce
        ctx.include_self = include_self
        out = x.copy()
        written = np.zeros(x.shape, bool)
        written[key.advanced] = True
        ctx.written = written
        if not include_self:
            out[written] = _reduce_identity(reduce, x.dtype)
        _REDUCE_UFUNCS[reduce].at(out, key.advanced, src)
        if reduce == "mean":
            count = np.full(x.shape, int(include_self), np.int64)
            np.add.at(count, key.advanced, 1)
            count = np.maximum(count, 1).astype(x.dtype)
            ctx.count = count
            out = out / count if x.dtype.kind == "f" else np.floor_divide(out, count)
        if reduce in ("prod", "amax", "amin"):
            ctx.save_for_backward(x, src, out)
        return out

    def backward(ctx, grad):
        # written in Tensor ops: the same code records a graph under create_graph
        as_arrays = not isinstance(grad, Tensor)
        if as_arrays:
            grad = wrap(grad)
        key, reduce = ctx.key, ctx.reduce
        if reduce == "sum":
            grad_x, grad_src = grad, Index.apply_unary(grad, key)
        elif reduce == "mean":
            grad_x = grad / wrap(ctx.count)
            grad_src = Index.apply_unary(grad_x, key)
        else:
            x, src, result = (wrap(s) if as_arrays else s for s in ctx.saved)
            grad_x, grad_src = _scatter_reduce_grads(grad, x, src, result, key, reduce, ctx.include_self)
        if not ctx.include_self:
            grad_x = grad_x.masked_fill(wrap(ctx.written), 0)
        if as_arrays:
            return grad_x._data, grad_src._data, None, None, None
        return grad_x, grad_src, None, None, None


def _scatter_reduce_grads(grad, x, src, result, key, reduce, include_self):
    """dL/dx and dL/dsrc of ScatterReduce for 'prod', 'amax' and 'amin' (PyTorch's rules)."""

    def gather(t):
        return Index.apply_unary(t, key)

    def scatter_add(base, values):
        return IndexPut.apply(base, values, key, True)

    if reduce == "prod":
        # a zero among the factors: divide by the non-zero ones only
        x_ones = x.masked_fill(x == 0, 1)
        grad_x = grad * ScatterReduce.apply(x_ones, src, key, reduce, include_self) / x_ones
        src_zero = src == 0
        zeros_in_product = gather(scatter_add(x.detach() * 0, src_zero.to(x.dtype)))
        only_zero = src_zero & (zeros_in_product == 1)
        without_it = ScatterReduce.apply(x, src.masked_fill(only_zero, 1), key, reduce, include_self)
        grad_src = gather(grad * without_it).where(
            only_zero, gather(grad * result) / src.masked_fill(src_zero, 1)
        )
        return grad_x, grad_src
    value = gather(result)
    x_is_result = (x == result).to(x.dtype)
    src_is_result = (src == value).to(x.dtype)
    shared = grad / scatter_add(x_is_result, src_is_result)
    return x_is_result * shared, src_is_result * gather(shared)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """A copy of ``input`` with the ``src`` values reduced into the positions
    ``index`` picks along ``dim`` (as ``scatter``): ``reduce`` 'sum', 'prod',
    'mean', 'amax' or 'amin'; ``include_self=False`` leaves out ``input``'s values
    where something is written. Integer means round down.

    >>> import chainrule
    >>> x = chainrule.tensor([1.0, 2.0, 3.0])
    >>> x.scatter_reduce(0, chainrule.tensor([0, 0, 2]), chainrule.tensor([5.0, 6.0, 7.0]), "amax")
    tensor([6., 2., 7.])
    >>> i, src = chainrule.tensor([0, 0]), chainrule.tensor([5.0, 6.0])
    >>> x.scatter_reduce(0, i, src, "mean", include_self=False)
    tensor([5.5000, 2.0000, 3.0000])
    """
    if out is not None:
        return write_out(
            out, scatter_reduce(input, dim, index, src, reduce, include_self=include_self), "scatter_reduce"
        )
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's older names
    if reduce not in _REDUCE_UFUNCS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(
            f"scatter_reduce(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}"
        )
    idx = _integer_index("scatter_reduce", index)
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    dim = normalize_dim(dim, input._data.ndim)
    _check_scatter("scatter_reduce", input, dim, idx, src._data.shape)
    if input._data.ndim == 0:  # one position: as a 1-element vector
        result = scatter_reduce(
            input.reshape(1), 0, idx.reshape(1), src.reshape(1), reduce, include_self=include_self
        )
        return result.reshape(())
    src = src[tuple(slice(0, n) for n in idx.shape)]
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return ScatterReduce.apply(input, src, IndexKey(None, tuple(grids), True), reduce, bool(include_self))


def take(input, index):
    """The elements of the flattened ``input`` at ``index`` (int64; negative counts
    from the end), in ``index``'s shape.

    >>> import chainrule
    >>> chainrule.take(chainrule.tensor([[1, 2], [3, 4]]), chainrule.tensor([[3, 0]]))
    tensor([[4, 1]])
    """
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {scalar_type_name(idx.dtype)}")
    size = input._data.size
    bad = idx[(idx >= size) | (idx < -size)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of {size} elements.")
    flat = idx.reshape(-1)
    picked = Index.apply_unary(input.reshape(-1), IndexKey(None, (flat,), flat.size > 1))
    return picked.reshape(idx.shape)


def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``source`` written (added when ``accumulate``) at
    the positions ``index`` of its flattened elements (negative counts from the end).

    >>> import chainrule
    >>> chainrule.zeros(2, 2).put(chainrule.tensor([0, -1]), chainrule.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {scalar_type_name(idx.dtype)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got "
            f"self.dtype = {scalar_type_name(input._data.dtype)} and "
            f"source.dtype = {scalar_type_name(source._data.dtype)}"
        )
    if idx.size != source._data.size:
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source._data.size}, index.numel() = {idx.size}"
        )
    size = input._data.size
    bad = idx[(idx >= size) | (idx < -size)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of {size} elements.")
    flat = idx.reshape(-1)
    key = IndexKey(None, (flat,), True)
    return IndexPut.apply(input.reshape(-1), source.reshape(-1), key, bool(accumulate)).reshape(
        input._data.shape
    )


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """A copy of ``input`` with the slices of ``source`` reduced ('prod', 'mean',
    'amax' or 'amin') into its slices at ``index`` along ``dim``, as
    ``scatter_reduce``; ``include_self=False`` leaves out ``input``'s values there.

    >>> import chainrule, warnings
    >>> x = chainrule.tensor([1.0, 2.0, 3.0])
    >>> with warnings.catch_warnings():  # PyTorch's note that the API is in beta
    ...     warnings.simplefilter("ignore")
    ...     x.index_reduce(0, chainrule.tensor([0, 0, 2]), chainrule.tensor([5.0, 6.0, 7.0]), "amax")
    tensor([6., 2., 7.])
    """
    warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, 2)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}."
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"index_reduce_(): self ({scalar_type_name(input._data.dtype)}) and source "
            f"({scalar_type_name(source._data.dtype)}) must have the same scalar type"
        )
    dim = normalize_dim(dim, input._data.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1:
        raise IndexError(
            f"index_reduce_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
            f"{scalar_type_name(idx.dtype)} and size: {list(idx.shape)}"
        )
    idx = idx.reshape(-1)
    if ((idx < 0) | (idx >= (input._data.shape[dim] if input._data.ndim else 1))).any():
        raise IndexError("index out of range in self")  # negative positions too, as PyTorch
    source_shape = source._data.shape
    source_size = source_shape[dim] if source_shape else 1
    if idx.size != source_size:
        raise RuntimeError(
            f"index_reduce_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
            f"({source_size}), for dim: {dim}"
        )
    along = idx.astype(np.int64).reshape((-1,) + (1,) * (len(source_shape) - dim - 1))
    spread = wrap(np.broadcast_to(along, source_shape).copy())
    return scatter_reduce(input, dim, spread, source, reduce, include_self=include_self)


def fill_diagonal_(input, fill_value, wrap=False):
    """Write ``fill_value`` on the main diagonal of ``input`` in place (all its dims
    of equal length, or 2-D: for a tall matrix ``wrap`` starts the diagonal over
    after each square block, one row lower).

    >>> import chainrule
    >>> chainrule.zeros(2, 3).fill_diagonal_(5.0)
    tensor([[5., 0., 0.],
            [0., 5., 0.]])
    """
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) > 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(shape, bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return masked_fill_(input, mask, fill_value)


def index_copy(input, dim, index, source):
    """A copy of ``input`` with its slices at ``index`` along ``dim`` replaced by
    those of ``source``, in order.

    >>> import chainrule
    >>> source = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> chainrule.zeros(3, 2).index_copy(0, chainrule.tensor([2, 0]), source)
    tensor([[3., 4.],
            [0., 0.],
            [1., 2.]])
    """
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise RuntimeError(
            f"index_copy_(): Expected a long tensor for index, but got {scalar_type_name(idx.dtype)}"
        )
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{scalar_type_name(input._data.dtype)} and (source) {scalar_type_name(source._data.dtype)}"
        )
    shape, source_shape = input._data.shape, source._data.shape
    dim = normalize_dim(dim, len(shape))
    source_size = source_shape[dim] if source_shape else 1
    if idx.size != source_size:
        raise IndexError(
            f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
            f"({source_size})"
        )
    for d, (m, n) in enumerate(zip(shape, source_shape)):
        if d != dim and m != n:
            raise RuntimeError(
                "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice "
                f"shape: {m} at dimension {d} and source slice shape: {n} at dimension {d}."
            )
    size = shape[dim] if shape else 1
    bad = idx[(idx >= size) | (idx < 0)]
    if bad.size:
        raise IndexError(
            f"index_copy_(): index {bad.flat[0]} is out of bounds for dimension {dim} with size {size}"
        )
    if not shape:
        return IndexPut.apply(input, source.reshape(()), IndexKey((Ellipsis,)), False)
    key = IndexKey(None, (slice(None),) * dim + (idx.reshape(-1),))
    return IndexPut.apply(input, source, key, False)


def is_nonzero(input):
    """Whether a one-element tensor is not zero (``bool(x)``; NaN counts as nonzero).

    >>> import chainrule
    >>> chainrule.is_nonzero(chainrule.tensor([0.5]))
    True
    """
    size = input._data.size
    if size != 1:
        what = "no values" if size == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
    return bool(input._data.reshape(-1)[0] != 0)


def _vector_index(op_name, input, dim, index):
    """The IndexKey picking positions ``index`` (0-D or 1-D) along ``dim``."""
    if isinstance(index, Tensor) and index._data.ndim > 1:
        raise IndexError(f"{op_name}(): Index is supposed to be a vector")
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op_name}(): Expected dtype int32 or int64 for index")
    idx = idx.reshape(-1)
    shape = input._data.shape
    _check_in_range(op_name, idx, shape[dim] if shape else 1, dim)
    return IndexKey(None, (slice(None),) * dim + (idx,), idx.size > 1), idx


def index_select(input, dim=None, index=None, *, out=None, axis=None):
    """The slices of ``input`` at positions ``index`` (a vector) along ``dim``.

    >>> import chainrule
    >>> chainrule.arange(6).reshape(2, 3).index_select(1, chainrule.tensor([2, 0]))
    tensor([[2, 0],
            [5, 3]])
    """
    dim = _dim_argument(dim, axis, "index_select")
    if out is not None:
        return write_out(out, index_select(input, dim, index), "index_select")
    dim = normalize_dim(dim, input._data.ndim)
    key, _ = _vector_index("index_select", input, dim, index)
    if input._data.ndim == 0:
        return Index.apply_unary(input, IndexKey((Ellipsis,)))
    return Index.apply_unary(input, key)


def index_add(input, dim=None, index=None, source=None, *, alpha=1, out=None, axis=None):
    """A copy of ``input`` with ``alpha * source`` slices added at ``index`` along
    ``dim`` (repeated indices add up).

    >>> import chainrule
    >>> chainrule.zeros(3).index_add(0, chainrule.tensor([0, 0]), chainrule.tensor([1.0, 2.0]))
    tensor([3., 0., 0.])
    """
    dim = _dim_argument(dim, axis, "index_add")
    if out is not None:
        return write_out(out, index_add(input, dim, index, source, alpha=alpha), "index_add")
    dim = normalize_dim(dim, input._data.ndim)
    key, idx = _vector_index("index_add", input, dim, index)
    source_size = source._data.shape[dim] if source._data.ndim else 1
    if idx.size != source_size:
        raise RuntimeError(
            f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
            f"({source_size}), for dim: {dim}"
        )
    if alpha != 1:
        source = source * alpha
    source = _value_like(source, input)
    return IndexPut.apply(input, source, key, True)


def index_add_(input, dim=None, index=None, source=None, *, alpha=1, axis=None):
    """In-place ``index_add``."""
    check_inplace(input, "index_add_")
    result = index_add(input, dim, index, source, alpha=alpha, axis=axis)
    return write_inplace(input, result, "index_add_")


def index_fill(input, dim=None, index=None, value=None, *, axis=None):
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor, which then
    receives the gradient) in the slices at ``index`` along ``dim``.

    >>> import chainrule
    >>> chainrule.zeros(2, 3).index_fill(1, chainrule.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    dim = normalize_dim(_dim_argument(dim, axis, "index_fill"), input._data.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s)."
        )
    size = input._data.shape[dim] if input._data.ndim else 1
    idx = idx.reshape(-1)
    bad = idx[(idx >= size) | (idx < -size)]
    if bad.size:
        raise IndexError(f"index {bad[0]} is out of bounds for dimension {dim} with size {size}")
    # each position once: a repeated index must not count the value's gradient twice
    idx = np.unique(np.where(idx < 0, idx + size, idx))
    if input._data.ndim == 0:
        key = IndexKey((Ellipsis,)) if idx.size else IndexKey(None, (np.zeros((), bool),))
    else:
        key = IndexKey(None, (slice(None),) * dim + (idx,))
    return IndexPut.apply(input, _value_like(value, input), key, False)


# --- repeating along a dim ------------------------------------------------------------------


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None, axis=None):
    """Repeat each element (each slice along ``dim``) ``repeats`` times, or
    ``repeats[i]`` times for the i-th; without ``dim`` the flattened tensor.
    ``repeat_interleave(counts)`` alone repeats each index i ``counts[i]`` times.

    >>> import chainrule
    >>> chainrule.tensor([[1, 2], [3, 4]]).repeat_interleave(2, dim=0)
    tensor([[1, 2],
            [1, 2],
            [3, 4],
            [3, 4]])
    >>> chainrule.repeat_interleave(chainrule.tensor([2, 0, 1]))
    tensor([0, 0, 2])
    """
    if axis is not None:
        dim = axis
    if repeats is None:  # repeat_interleave(counts)
        counts = _repeat_counts(input, None)
        return wrap(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    if dim is None:
        input = input.reshape(-1)
        dim = 0
    data = input._data
    dim = normalize_dim(dim, data.ndim)
    size = data.shape[dim] if data.ndim else 1
    counts = _repeat_counts(repeats, size, dim)
    positions = np.repeat(np.arange(size, dtype=np.int64), counts)
    if data.ndim == 0:
        return Index.apply_unary(input.reshape(1), IndexKey(None, (positions,), positions.size > 1))
    key = IndexKey(None, (slice(None),) * dim + (positions,), positions.size > 1)
    return Index.apply_unary(input, key)


def _repeat_counts(repeats, size, dim=0):
    """How many times to repeat each of ``size`` slices (an int, or a 0-D or 1-D integer tensor)."""
    if isinstance(repeats, (int, np.integer)):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        return np.full(size, int(repeats), np.int64)
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.dtype.kind not in "iu":
        raise NotImplementedError(
            f"\"repeat_interleave_cpu\" not implemented for '{scalar_type_name(counts.dtype)}'"
        )
    if counts.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeats can not be negative")
    if size is None:
        return counts.reshape(-1)
    if counts.size == 1:
        return np.full(size, int(counts.reshape(-1)[0]), np.int64)
    if counts.size != size:
        raise RuntimeError(
            "repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {counts.size} and input.size({dim}) = {size}"
        )
    return counts


# --- masks -------------------------------------------------------------------------------


class MaskedFill(Primitive):
    """y = value where mask else x.   dL/dx = dL/dy where not mask;
    dL/dvalue = the sum of dL/dy where mask."""

    def forward(ctx, x, mask, value):
        ctx.mask = mask
        return select(mask, value, x)

    def backward(ctx, grad):
        need_x, _, need_value = ctx.needs_input_grad
        # selected, not grad * 0: an inf or nan gradient where it is not wanted gives 0, as
        # in PyTorch (masked_fill(x <= 0, 0).sqrt() at 0)
        grad_x = select(ctx.mask, 0.0, grad) if need_x else None
        grad_value = select(ctx.mask, grad, 0.0).sum() if need_value else None
        return grad_x, None, grad_value


def _bool_mask(op_name, mask):
    array = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype != bool:
        raise RuntimeError(f"{op_name} only supports boolean masks, but got mask with dtype {array.dtype}")
    return array


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` (a number or 0-d tensor, converted to
    ``input``'s dtype) where ``mask`` (broadcast) is true.

    >>> import chainrule
    >>> chainrule.zeros(3).masked_fill(chainrule.tensor([True, False, True]), 5)
    tensor([5., 0., 5.])
    """
    mask_array = _bool_mask("masked_fill_", mask)
    _broadcast_shapes("masked_fill", input._data.shape, mask_array.shape)
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s)."
        )
    return MaskedFill.apply(input, mask_array, _value_like(value, input))


def masked_fill_(input, mask, value):
    """In-place ``masked_fill``."""
    check_inplace(input, "masked_fill_")
    return write_inplace(input, masked_fill(input, mask, value), "masked_fill_")


def masked_scatter(input, mask, source):
    """A copy of ``input`` with the elements where ``mask`` (broadcast) is true
    replaced, in order, by the first elements of ``source``.

    >>> import chainrule
    >>> chainrule.zeros(2, 3).masked_scatter(chainrule.tensor([True, False, True]), chainrule.arange(1.0, 5))
    tensor([[1., 0., 2.],
            [3., 0., 4.]])
    """
    mask_array = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if mask_array.dtype != bool:
        raise RuntimeError(
            "masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{scalar_type_name(mask_array.dtype)}"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got "
            f"{scalar_type_name(input._data.dtype)} and {scalar_type_name(source._data.dtype)}"
        )
    shape = _broadcast_shapes("masked_scatter", input._data.shape, mask_array.shape)
    if input._data.shape != shape:
        input = input.expand(shape)
    mask_array = np.broadcast_to(mask_array, shape)
    count = int(np.count_nonzero(mask_array))
    if count > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    values = source.reshape(-1)[:count]
    return IndexPut.apply(input, values, IndexKey(None, (mask_array,)), False)


def masked_select(input, mask, *, out=None):
    """The elements where ``mask`` (broadcast with ``input``) is true, as a 1-D tensor.

    >>> import chainrule
    >>> chainrule.tensor([[1, 2], [3, 4]]).masked_select(chainrule.tensor([True, False]))
    tensor([1, 3])
    """
    if out is not None:
        return write_out(out, masked_select(input, mask), "masked_select")
    if not isinstance(mask, Tensor) or mask._data.dtype != bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast_shapes("masked_select", input._data.shape, mask._data.shape)
    mask_array = np.broadcast_to(mask._data, shape)
    return Index.apply_unary(input.expand(shape), IndexKey(None, (mask_array,)))


def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the nonzero elements: an (n, ndim) tensor, or one 1-D tensor per dim.

    >>> import chainrule
    >>> chainrule.tensor([[0, 1], [2, 0]]).nonzero()
    tensor([[0, 1],
            [1, 0]])
    """
    if out is not None:
        return write_out(out, nonzero(input), "nonzero")
    data = input._data
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    if data.ndim == 0:
        return wrap(np.zeros((int(data != 0), 0), np.int64))
    return wrap(np.argwhere(data).astype(np.int64, copy=False))


def nonzero_static(input, *, size, fill_value=-1):
    """``nonzero`` with exactly ``size`` rows: the first ``size`` indices, then rows of
    ``fill_value`` (a shape known before the values, as compilers want).

    >>> import chainrule
    >>> chainrule.tensor([0, 1, 2, 0, 3]).nonzero_static(size=4)
    tensor([[ 1],
            [ 2],
            [ 4],
            [-1]])
    """
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool):
        raise TypeError(f"nonzero_static(): argument 'size' must be int, not {type(size).__name__}")
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    found = np.argwhere(input._data) if input._data.ndim else np.zeros((0, 0), np.int64)
    out = np.full((size, input._data.ndim), fill_value, np.int64)
    out[: len(found)] = found[:size]
    return wrap(out)


def argwhere(input):
    """The indices of nonzero elements as an (n, ndim) tensor (``nonzero``)."""
    return nonzero(input)


bind(
    {
        "__getitem__": getitem,
        "__setitem__": setitem,
        "gather": gather,
        "scatter": scatter,
        "scatter_": inplace(scatter, "scatter_"),
        "scatter_add": scatter_add,
        "scatter_add_": inplace(scatter_add, "scatter_add_"),
        "index_select": index_select,
        "index_fill": index_fill,
        "index_fill_": inplace(index_fill, "index_fill_"),
        "masked_fill": masked_fill,
        "masked_fill_": masked_fill_,
        "masked_scatter": masked_scatter,
        "masked_scatter_": inplace(masked_scatter, "masked_scatter_"),
        "masked_select": masked_select,
        "repeat_interleave": repeat_interleave,
        "take_along_dim": take_along_dim,
        "nonzero": nonzero,
        "nonzero_static": nonzero_static,
        "argwhere": argwhere,
        "index_put": index_put,
        "index_put_": index_put_,
        "index_add": index_add,
        "index_add_": index_add_,
        "scatter_reduce": scatter_reduce,
        "scatter_reduce_": inplace(scatter_reduce, "scatter_reduce_"),
        "take": take,
        "index_copy": index_copy,
        "index_copy_": inplace(index_copy, "index_copy_"),
        "is_nonzero": is_nonzero,
        "put": put,
        "put_": inplace(put, "put_"),
        "index_reduce": index_reduce,
        "index_reduce_": inplace(index_reduce, "index_reduce_"),
        "fill_diagonal_": fill_diagonal_,
    },
)
