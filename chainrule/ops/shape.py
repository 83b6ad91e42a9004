"""Shape ops: views (reshape, transpose, expand, ...), joining and splitting.

A view shares memory with its input, as in PyTorch, so the two also share
one version counter: changing either in place is seen by both. The backward
of a view puts the gradient back in the input's layout (the inverse
reshape, transpose or sum over expanded axes).
"""

import numpy as np

from .._tensor import Size, _size
from ..autograd.function import Primitive
from ._helpers import bind, normalize_dim

__all__ = [
    "reshape",
    "flatten",
    "unflatten",
    "permute",
    "transpose",
    "t",
    "movedim",
    "expand_as",
    "broadcast_to",
    "broadcast_tensors",
    "squeeze",
    "unsqueeze",
    "clone",
    "cat",
    "concat",
    "concatenate",
    "stack",
]

_ndarray = np.ndarray


def _view_of(result, input):
    """Make ``result`` share ``input``'s version counter (it shares its memory)."""
    result._version = input._version
    return result


def _infer_shape(shape, numel, op_name):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape:
        known = 1
        for n in shape:
            if n != -1:
                known *= n
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    total = 1
    for n in shape:
        total *= n
    if total != numel or any(n < 0 for n in shape):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


class Reshape(Primitive):
    """y = x with a new shape (same elements in the same order).   dL/dx = dL/dy reshaped back."""

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class View(Reshape):
    """Like Reshape, but never copies (PyTorch's ``view``)."""

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None


def reshape(input, *shape):
    """The same elements in a new shape; -1 infers one dimension.

    >>> import chainrule
    >>> chainrule.arange(6).reshape(2, -1)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    shape = _infer_shape(_size(shape), input._data.size, "reshape")
    if shape == input._data.shape:
        return _view_of(Reshape.apply(input, shape), input)
    result = Reshape.apply(input, shape)
    if np.shares_memory(result._data, input._data):
        _view_of(result, input)
    return result


def view(input, *shape):
    """A view with a new shape; fails (use reshape) when memory is not laid out for it."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list, Size)):
        return input.to(shape[0])
    shape = _infer_shape(_size(shape), input._data.size, "view")
    return _view_of(View.apply(input, shape), input)


def view_as(input, other):
    return view(input, other._data.shape)


def reshape_as(input, other):
    return reshape(input, other._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one."""
    ndim = input._data.ndim
    if ndim == 0:
        return reshape(input, 1)
    start = normalize_dim(start_dim, ndim, "flatten")
    end = normalize_dim(end_dim, ndim, "flatten")
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._data.shape
    return reshape(input, shape[:start] + (-1,) + shape[end + 1 :] if shape[start : end + 1] else shape)


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes``."""
    dim = normalize_dim(dim, input._data.ndim, "unflatten")
    shape = input._data.shape
    sizes = _infer_shape(sizes, shape[dim], "unflatten")
    return reshape(input, shape[:dim] + tuple(sizes) + shape[dim + 1 :])


class Permute(Primitive):
    """y = x with its axes reordered.   dL/dx = dL/dy with the inverse order."""

    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    def backward(ctx, grad):
        return np.transpose(grad, tuple(np.argsort(ctx.axes))), None


def permute(input, *dims):
    """Reorder the dims (a view)."""
    dims = _size(dims)
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    axes = tuple(normalize_dim(d, ndim, "permute") for d in dims)
    if len(set(axes)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_of(Permute.apply(input, axes), input)


def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    ndim = input._data.ndim
    if ndim == 0:
        return _view_of(Permute.apply(input, ()), input)
    axes = list(range(ndim))
    a, b = normalize_dim(dim0, ndim, "transpose"), normalize_dim(dim1, ndim, "transpose")
    axes[a], axes[b] = axes[b], axes[a]
    return _view_of(Permute.apply(input, tuple(axes)), input)


def t(input):
    """Transpose a matrix (tensors of at most 2 dims)."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return transpose(input, 0, -1) if input._data.ndim == 2 else input


def _T(input):
    ndim = input._data.ndim
    return permute(input, *reversed(range(ndim))) if ndim > 1 else input


def _mT(input):
    if input._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(input, -2, -1)


def movedim(input, source, destination):
    """Move dims from ``source`` positions to ``destination`` positions."""
    ndim = input._data.ndim
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    source = [normalize_dim(d, ndim, "movedim") for d in source]
    destination = [normalize_dim(d, ndim, "movedim") for d in destination]
    order = [d for d in range(ndim) if d not in source]
    for dst, src in sorted(zip(destination, source)):
        order.insert(dst, src)
    return permute(input, *order)


class Expand(Primitive):
    """y = x repeated along broadcast dims (a view).   dL/dx = dL/dy summed over them."""

    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    def backward(ctx, grad):
        return grad, None  # the engine sums the gradient back to x's shape


def expand(input, *sizes):
    """Broadcast to a larger shape without copying; -1 keeps a dim.

    >>> import chainrule
    >>> chainrule.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    sizes = _size(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    target = tuple((shape[i - lead] if n == -1 else n) for i, n in enumerate(sizes))
    for i, n in enumerate(shape):
        if n != 1 and n != target[i + lead]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[i + lead]}) must match the existing size "
                f"({n}) at non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
    return _view_of(Expand.apply(input, target), input)


def expand_as(input, other):
    return expand(input, other._data.shape)


def broadcast_to(input, shape):
    return expand(input, shape)


def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape."""
    shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def squeeze(input, dim=None):
    """Remove dims of size 1 (all of them, or those in ``dim``)."""
    shape = input._data.shape
    if dim is None:
        new_shape = tuple(n for n in shape if n != 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = {normalize_dim(d, len(shape), "squeeze") for d in dims}
        new_shape = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    return _view_of(Reshape.apply(input, new_shape), input)


def unsqueeze(input, dim):
    """Insert a dim of size 1 at position ``dim``."""
    shape = input._data.shape
    dim = normalize_dim(dim, len(shape) + 1, "unsqueeze")
    return _view_of(Reshape.apply(input, shape[:dim] + (1,) + shape[dim:]), input)


def contiguous(input, memory_format=None):
    """The tensor itself if its memory is C-ordered, else a C-ordered copy."""
    if input._data.flags.c_contiguous:
        return input
    return Copy.apply(input)


class Copy(Primitive):
    """y = a C-ordered copy of x.   dL/dx = dL/dy."""

    def forward(ctx, x):
        return np.ascontiguousarray(x) if not x.flags.c_contiguous else x.copy()

    def backward(ctx, grad):
        return grad


def clone(input, *, memory_format=None):
    """A copy that is still part of the graph (gradients flow through it)."""
    return Copy.apply(input)


# --- joining and splitting ---------------------------------------------------------


class Concatenate(Primitive):
    """y = [x_1, x_2, ...] joined along ``dim``.   dL/dx_k = the slice of dL/dy that x_k filled."""

    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return np.concatenate(xs, axis=dim)

    def backward(ctx, grad):
        bounds = np.cumsum(ctx.sizes)[:-1]
        return (None,) + tuple(np.split(grad, bounds, axis=ctx.dim))


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim.

    >>> import chainrule
    >>> chainrule.cat([chainrule.zeros(1, 2), chainrule.ones(1, 2)])
    tensor([[0., 0.],
            [1., 1.]])
    """
    from ._helpers import promote

    tensors = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or list(tensors)[:1]
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    ndim = tensors[0]._data.ndim
    if ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = normalize_dim(dim, ndim, "cat")
    for i, t in enumerate(tensors):
        if t._data.ndim != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and {t._data.ndim}")
        for d in range(ndim):
            if d != axis and t._data.shape[d] != tensors[0]._data.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{tensors[0]._data.shape[d]} but got size {t._data.shape[d]} for tensor "
                    f"number {i} in the list."
                )
    if len({t._data.dtype for t in tensors}) > 1:
        tensors = promote("cat", *tensors)
    return Concatenate.apply(axis, *tensors)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join tensors of equal shape along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                f"and {list(t._data.shape)} at entry {i}"
            )
    axis = normalize_dim(dim, len(shape) + 1, "stack")
    return cat([unsqueeze(t, axis) for t in tensors], axis)


bind(
    {
        "reshape": reshape,
        "view": view,
        "view_as": view_as,
        "reshape_as": reshape_as,
        "flatten": flatten,
        "unflatten": unflatten,
        "permute": permute,
        "transpose": transpose,
        "swapaxes": transpose,
        "swapdims": transpose,
        "t": t,
        "T": property(_T),
        "mT": property(_mT),
        "movedim": movedim,
        "moveaxis": movedim,
        "expand": expand,
        "expand_as": expand_as,
        "broadcast_to": broadcast_to,
        "squeeze": squeeze,
        "unsqueeze": unsqueeze,
        "contiguous": contiguous,
        "clone": clone,
    },
    {
        np.reshape: lambda a, shape, **kw: reshape(a, shape),
        np.transpose: lambda a, axes=None: permute(
            a, *(axes if axes is not None else reversed(range(a.ndim)))
        ),
        np.broadcast_to: lambda a, shape, **kw: expand(a, shape),
        np.expand_dims: lambda a, axis: unsqueeze(a, axis),
        np.squeeze: lambda a, axis=None: squeeze(a, axis),
        np.concatenate: lambda arrays, axis=0, **kw: cat(arrays, axis),
        np.swapaxes: lambda a, axis1, axis2: transpose(a, axis1, axis2),
    },
)
