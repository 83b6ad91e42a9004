"""Shape ops: views (reshape, transpose, expand, diagonal, ...), copies that
rearrange elements (flip, roll, repeat, tril), joining and splitting.

A view shares memory with its input, as in PyTorch, so the two also share
one version counter: changing either in place is seen by both, and a graph
that saved one notices. A view also knows its base (``_base``), so an
in-place op on it rewrites the base's history (``_helpers.view_of`` and
``write_inplace``). The backward of a view puts the gradient back in the
input's layout (the inverse reshape or transpose, a sum over expanded axes,
zeros around a slice or off a diagonal).
"""

import warnings
from itertools import accumulate, combinations_with_replacement
from itertools import combinations as index_combinations
from math import prod

import numpy as np

from .._dtype import FROM_NUMPY, category, default_float, scalar_type_name, to_numpy_dtype
from .._tensor import Size, Tensor, _size, bump_version, wrap
from ..autograd.function import Primitive
from ._helpers import (
    bind,
    inplace,
    normalize_dim,
    normalize_dims,
    promote,
    reshaping_inplace,
    view_of,
    views_of,
    write_out,
)

__all__ = [
    "reshape",
    "flatten",
    "unflatten",
    "permute",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "movedim",
    "moveaxis",
    "broadcast_to",
    "broadcast_tensors",
    "broadcast_shapes",
    "meshgrid",
    "cartesian_prod",
    "combinations",
    "squeeze",
    "unsqueeze",
    "clone",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "row_stack",
    "dstack",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "column_stack",
    "tile",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "rot90",
    "narrow",
    "narrow_copy",
    "ravel",
    "adjoint",
    "as_strided",
    "select_scatter",
    "slice_scatter",
    "diagonal_scatter",
    "chunk",
    "unsafe_chunk",
    "split",
    "split_with_sizes",
    "unsafe_split",
    "unsafe_split_with_sizes",
    "unbind",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "select",
    "tril",
    "triu",
    "diag",
    "diagonal",
    "diag_embed",
    "diagflat",
    "block_diag",
    "vander",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
]


def differentiable(cls, value, *params):
    """Run primitive ``cls`` on ``value``: recorded when it is a Tensor (a backward
    under create_graph=True), a plain array result otherwise. Lets a backward rule
    call the adjoint primitive and stay differentiable."""
    out = cls.apply(value, *params)
    return out if isinstance(value, Tensor) else out._data


# --- reshaping --------------------------------------------------------------------


def _keyword(positional, value, op_name, name):
    """``(value,)`` for a size given by keyword (``reshape(shape=...)``), which
    PyTorch refuses alongside positional sizes."""
    if positional:
        raise TypeError(f"{op_name}() got multiple values for argument '{name}'")
    return (value,)


def _infer_shape(shape, numel):
    """``shape`` with a -1 replaced by the size that makes ``numel`` elements."""
    shape = list(shape)
    for i, n in enumerate(shape):
        if n < -1:
            raise RuntimeError(f"invalid shape dimension {n} at index {i} of shape {shape}")
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    if -1 in shape:
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {shape} because the unspecified "
                "dimension size -1 can be any value and is ambiguous"
            )
        if numel % known == 0:
            shape[shape.index(-1)] = numel // known
            return tuple(shape)
    elif known == numel:
        return tuple(shape)
    raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")


class Reshape(Primitive):
    """y = x with a new shape (same elements in the same order).   dL/dx = dL/dy reshaped back."""

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class View(Reshape):
    """Like Reshape, but never copies (PyTorch's ``view``).   dL/dx = dL/dy reshaped back."""

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None


def reshape(input, *sizes, shape=None):
    """The same elements in a new shape (``reshape(2, 3)``, ``reshape((2, 3))`` or
    ``reshape(shape=(2, 3))``); -1 infers one dimension. A view when the memory
    layout allows it, else a copy.

    >>> import chainrule
    >>> chainrule.arange(6).reshape(2, -1)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    if shape is not None:
        sizes = _keyword(sizes, shape, "reshape", "shape")
    shape = _infer_shape(_size(sizes), input._data.size)
    result = Reshape.apply_unary(input, shape)
    if np.may_share_memory(result._data, input._data):
        view_of(result, input)
    return result


def view(input, *sizes, size=None, dtype=None):
    """A view with a new shape (``view(3, 2)``, ``view((3, 2))``, ``view(size=(3, 2))``;
    fails when the memory is not laid out for it: use reshape), or ``view(dtype)``:
    the same bytes read as another dtype.

    >>> import chainrule
    >>> chainrule.arange(6).view(3, 2)
    tensor([[0, 1],
            [2, 3],
            [4, 5]])
    """
    if size is not None:
        sizes = _keyword(sizes, size, "view", "size")
    elif dtype is not None:
        return _view_dtype(input, dtype)
    elif len(sizes) == 1 and not isinstance(sizes[0], (int, np.integer, tuple, list, Tensor)):
        return _view_dtype(input, sizes[0])
    shape = _infer_shape(_size(sizes), input._data.size)
    return view_of(View.apply_unary(input, shape), input)


def _view_dtype(input, dtype):
    """The same memory reinterpreted as ``dtype`` (not differentiable, as in PyTorch)."""
    target = to_numpy_dtype(dtype)
    data = input._data
    if target == data.dtype:
        return input
    if target.itemsize != data.itemsize:
        what = f"view {input.dtype.name} as {FROM_NUMPY[target].name} (different element sizes)"
        if data.ndim == 0 or data.strides[-1] != data.itemsize:
            raise RuntimeError(f"self.stride(-1) must be 1 to {what}")
        ratio = max(target.itemsize, data.itemsize) // min(target.itemsize, data.itemsize)
        if target.itemsize > data.itemsize and data.shape[-1] % ratio:
            raise RuntimeError(
                f"self.size(-1) must be divisible by {ratio} to {what}, but got {data.shape[-1]}"
            )
    result = wrap(data.view(target))
    result._version_box = input._version_box  # shared memory, but not a differentiable view (as PyTorch)
    return result


def view_as(input, other):
    """``view`` with ``other``'s shape.

    >>> import chainrule
    >>> chainrule.arange(4).view_as(chainrule.zeros(2, 2)).shape
    chainrule.Size([2, 2])
    """
    return view(input, other._data.shape)


def reshape_as(input, other):
    """``reshape`` to ``other``'s shape.

    >>> import chainrule
    >>> chainrule.arange(4).reshape_as(chainrule.zeros(4, 1)).shape
    chainrule.Size([4, 1])
    """
    return reshape(input, other._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one.

    >>> import chainrule
    >>> chainrule.zeros(2, 3, 4).flatten(1).shape
    chainrule.Size([2, 12])
    """
    ndim = input._data.ndim
    if ndim == 0:
        return reshape(input, 1)
    start = normalize_dim(start_dim, ndim)
    end = normalize_dim(end_dim, ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._data.shape
    # the merged size given, not -1: an empty tensor's -1 would be ambiguous
    return reshape(input, shape[:start] + (prod(shape[start : end + 1]),) + shape[end + 1 :])


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into several with ``sizes`` (one may be -1).

    >>> import chainrule
    >>> chainrule.zeros(2, 12).unflatten(1, (3, -1)).shape
    chainrule.Size([2, 3, 4])
    """
    shape = input._data.shape
    dim = normalize_dim(dim, len(shape))
    try:
        sizes = _infer_shape(sizes, shape[dim])
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({shape[dim]}) in the input tensor"
        ) from None
    return reshape(input, shape[:dim] + sizes + shape[dim + 1 :])


def squeeze(input, dim=None, *, axis=None):
    """Remove dims of size 1 (all of them, or those among ``dim``), as a view.

    >>> import chainrule
    >>> chainrule.zeros(1, 2, 1).squeeze().shape
    chainrule.Size([2])
    """
    if axis is not None:
        dim = axis
    shape = input._data.shape
    if dim is None:
        new_shape = tuple(n for n in shape if n != 1)
    else:
        dims = normalize_dims(dim, len(shape))
        new_shape = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    return view_of(Reshape.apply_unary(input, new_shape), input)


def unsqueeze(input, dim=None, *, axis=None):
    """Insert a dim of size 1 at position ``dim``, as a view.

    >>> import chainrule
    >>> chainrule.zeros(2, 3).unsqueeze(1).shape
    chainrule.Size([2, 1, 3])
    """
    if dim is None:
        if axis is None:
            raise TypeError("unsqueeze() missing 1 required positional argument: 'dim'")
        dim = axis
    shape = input._data.shape
    dim = normalize_dim(dim, len(shape) + 1)
    return view_of(Reshape.apply_unary(input, shape[:dim] + (1,) + shape[dim:]), input)


# --- reordering dims ----------------------------------------------------------------


class Permute(Primitive):
    """y = x with its axes reordered.   dL/dx = dL/dy with the inverse order."""

    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    def backward(ctx, grad):
        return np.transpose(grad, tuple(np.argsort(ctx.axes))), None


def permute(input, *order, dims=None):
    """Reorder the dims (a view): ``permute(2, 0, 1)``, ``permute((2, 0, 1))`` or
    ``permute(dims=(2, 0, 1))``.

    >>> import chainrule
    >>> chainrule.zeros(2, 3, 4).permute(2, 0, 1).shape
    chainrule.Size([4, 2, 3])
    """
    dims = _size(order if dims is None else _keyword(order, dims, "permute", "dims"))
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    axes = tuple(normalize_dim(d, ndim) for d in dims)
    if len(set(axes)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_of(Permute.apply_unary(input, axes), input)


def transpose(input, dim0, dim1):
    """Swap two dims (a view).

    >>> import chainrule
    >>> chainrule.zeros(2, 3).transpose(0, 1).shape
    chainrule.Size([3, 2])
    """
    ndim = input._data.ndim
    a, b = normalize_dim(dim0, ndim), normalize_dim(dim1, ndim)
    if a == b:
        return view_of(Permute.apply_unary(input, tuple(range(ndim))), input)
    axes = list(range(ndim))
    axes[a], axes[b] = b, a
    return view_of(Permute.apply_unary(input, tuple(axes)), input)


def swapaxes(input, axis0, axis1):
    """``transpose`` under NumPy's name (and argument names).

    >>> import chainrule
    >>> chainrule.zeros(2, 3).swapaxes(0, 1).shape
    chainrule.Size([3, 2])
    """
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """``transpose`` under another name.

    >>> import chainrule
    >>> chainrule.zeros(2, 3).swapdims(0, 1).shape
    chainrule.Size([3, 2])
    """
    return transpose(input, dim0, dim1)


def t(input):
    """Transpose a matrix; a tensor of fewer than 2 dims comes back as a view of itself.

    >>> import chainrule
    >>> chainrule.tensor([[1, 2]]).t()
    tensor([[1],
            [2]])
    """
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return transpose(input, 0, 1) if input._data.ndim == 2 else view(input, input._data.shape)


def _T(input):
    """``x.T``: all dims reversed (a view)."""
    ndim = input._data.ndim
    return permute(input, *reversed(range(ndim)))


def _mT(input):
    """``x.mT``: the last two dims swapped (a view)."""
    if input._data.ndim < 2:
        raise RuntimeError(
            "tensor.mT is only supported on matrices or batches of matrices. "
            f"Got {input._data.ndim}-D tensor."
        )
    return transpose(input, -2, -1)


def _adjoint(input, name, warn_name, batched):
    """``x.mH``, ``x.H``, ``x.adjoint()``: the conjugate transpose, a transpose for
    real tensors (a view); a 0-D tensor is returned as it is, with PyTorch's warning."""
    ndim = input._data.ndim
    if ndim == 0:
        warnings.warn(f"{warn_name} is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, 3)
        return input
    if batched and ndim < 2:
        raise RuntimeError(
            f"{name} is only supported on matrices or batches of matrices. Got {ndim}-D tensor."
        )
    if not batched and ndim != 2:
        hint = ". For batches of matrices, consider using tensor.mH" if ndim > 2 else "."
        raise RuntimeError(f"{name} is only supported on matrices (2-D tensors). Got {ndim}-D tensor{hint}")
    return transpose(input, -2, -1)


def adjoint(input):
    """The conjugate transpose of the last two dims (a view; a transpose for real tensors).

    >>> import chainrule
    >>> chainrule.tensor([[1, 2]]).adjoint()
    tensor([[1],
            [2]])
    """
    return _adjoint(input, "tensor.adjoint()", "adjoint()", batched=True)


def movedim(input, source, destination):
    """Move dims from positions ``source`` to positions ``destination``; the
    others keep their order.

    >>> import chainrule
    >>> chainrule.zeros(2, 3, 4).movedim(0, -1).shape
    chainrule.Size([3, 4, 2])
    """
    ndim = input._data.ndim
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    if len(source) != len(destination):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({source} dims) should contain "
            f"the same number of dims as destination ({destination} dims)"
        )
    src = [normalize_dim(d, ndim) for d in source]
    dst = [normalize_dim(d, ndim) for d in destination]
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    return permute(input, *[s if s is not None else next(rest) for s in order])


moveaxis = movedim


# --- broadcasting -----------------------------------------------------------------


class Expand(Primitive):
    """y = x repeated along broadcast dims (a view).   dL/dx = dL/dy summed over them."""

    def forward(ctx, x, shape):
        if prod(shape) == x.size:  # nothing repeated: a writable view, as PyTorch's
            return x.reshape(shape)
        return np.broadcast_to(x, shape)  # read-only: its elements share memory

    def backward(ctx, grad):
        return grad, None  # the engine sums the gradient back to x's shape


def expand(input, *sizes, size=None):
    """Broadcast to a larger shape without copying (``expand(2, 3)``,
    ``expand((2, 3))``, ``expand(size=(2, 3))``); -1 keeps a dim.

    >>> import chainrule
    >>> chainrule.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    sizes = _size(sizes if size is None else _keyword(sizes, size, "expand", "size"))
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand({input.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})"
        )
    target = list(sizes)
    for i, n in enumerate(sizes):
        if i < lead:
            if n < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({n}) isn't allowed in a leading, non-existing "
                    f"dimension {i}"
                )
            continue
        existing = shape[i - lead]
        if n == -1:
            target[i] = existing
        elif existing != 1 and existing != n:
            raise RuntimeError(
                f"The expanded size of the tensor ({n}) must match the existing size ({existing}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}"
            )
    return view_of(Expand.apply_unary(input, tuple(target)), input)


def expand_as(input, other):
    """``expand`` to ``other``'s shape.

    >>> import chainrule
    >>> chainrule.tensor([1, 2]).expand_as(chainrule.zeros(2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return expand(input, other._data.shape)


def broadcast_to(input, size):
    """``input`` expanded to ``size`` (a view), as ``expand``.

    >>> import chainrule
    >>> chainrule.broadcast_to(chainrule.tensor([1, 2]), (2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return expand(input, size)


def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape.

    >>> import chainrule
    >>> a, b = chainrule.broadcast_tensors(chainrule.zeros(2, 1), chainrule.zeros(3))
    >>> a.shape, b.shape
    (chainrule.Size([2, 3]), chainrule.Size([2, 3]))
    """
    shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: output ``i`` holds tensor ``i``'s values along
    dim ``i`` ('ij', the default) or, with ``indexing='xy'``, the first two dims
    swapped (the x values along columns). Each output is an expanded view.

    >>> import chainrule
    >>> rows, cols = chainrule.meshgrid(chainrule.arange(3), chainrule.arange(2), indexing="ij")
    >>> rows.tolist(), cols.tolist()
    ([[0, 0], [1, 1], [2, 2]], [[0, 1], [0, 1], [0, 1]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument "
            "(chainrule.meshgrid takes 'ij', as PyTorch does now).",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t._data.ndim}D"
            )
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t._data.size
    grids = []
    for t, axis in zip(tensors, axes):
        along = [1] * len(tensors)
        along[axis] = -1
        grids.append(expand(reshape(t, along), shape))
    return tuple(grids)


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` (each a tuple, list or int) broadcast to.

    >>> import chainrule
    >>> chainrule.broadcast_shapes((2, 1), (3,), 1)
    chainrule.Size([2, 3])
    """
    sizes = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
        if not isinstance(shape, (tuple, list)) or not all(isinstance(n, (int, np.integer)) for n in shape):
            raise RuntimeError(
                f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {shape}"
            )
        if any(n < 0 for n in shape):
            raise ValueError("Attempting to broadcast a dimension with negative length!")
        sizes.append(tuple(int(n) for n in shape))
    result = [1] * max(map(len, sizes), default=0)
    for i, shape in enumerate(sizes):
        for d in range(-1, -len(shape) - 1, -1):
            if shape[d] == 1 or shape[d] == result[d]:
                continue
            if result[d] != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {shape[d]} at {d}! Mismatching argument "
                    f"at index {i} had {shape}; but expected shape should be broadcastable to {result}"
                )
            result[d] = shape[d]
    return Size(result)


def _check_vector(t):
    if t._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, one per row (``itertools.product``);
    a single tensor comes back as it is.

    >>> import chainrule
    >>> chainrule.cartesian_prod(chainrule.tensor([1, 2]), chainrule.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of a 1-D tensor's elements, one per row
    (``itertools.combinations``, or ``combinations_with_replacement``).

    >>> import chainrule
    >>> chainrule.combinations(chainrule.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return wrap(np.zeros(0, input._data.dtype))
    choose = combinations_with_replacement if with_replacement else index_combinations
    rows = list(choose(range(input._data.shape[0]), r))
    index = np.array(rows, np.int64).reshape(len(rows), r)
    return input[index]


# --- copies ----------------------------------------------------------------------


class Copy(Primitive):
    """y = a C-ordered copy of x.   dL/dx = dL/dy."""

    @classmethod
    def name(cls):  # PyTorch's name for clone and contiguous
        return "CloneBackward0"

    def forward(ctx, x):
        return x.copy()

    def backward(ctx, grad):
        return grad


def contiguous(input, memory_format=None):
    """The tensor itself if its memory is C-ordered, else a C-ordered copy.

    >>> import chainrule
    >>> x = chainrule.zeros(2, 3)
    >>> x.contiguous() is x, x.T.contiguous().is_contiguous()
    (True, True)
    """
    if input._data.flags.c_contiguous:
        return input
    return Copy.apply_unary(input)


def clone(input, *, memory_format=None):
    """A copy that is still part of the graph (gradients flow through it).

    >>> import chainrule
    >>> x = chainrule.ones(2)
    >>> y = x.clone()
    >>> _ = y.add_(1)
    >>> x
    tensor([1., 1.])
    """
    return Copy.apply_unary(input)


class Repeat(Primitive):
    """y = x tiled ``repeats[d]`` times along each dim d.
    dL/dx = the sum of dL/dy over the copies."""

    def forward(ctx, x, repeats):
        ctx.shape = x.shape
        ctx.repeats = repeats
        return np.tile(x, repeats)

    def backward(ctx, grad):
        repeats = ctx.repeats
        padded = (1,) * (len(repeats) - len(ctx.shape)) + ctx.shape
        # view each dim of y as (copy, position) and add the copies up
        copies_and_sizes = tuple(n for pair in zip(repeats, padded) for n in pair)
        copy_axes = tuple(range(0, 2 * len(repeats), 2))
        return grad.reshape(copies_and_sizes).sum(axis=copy_axes).reshape(ctx.shape), None


def repeat(input, *sizes, repeats=None):
    """Tile the tensor ``sizes[d]`` times along each dim (extra sizes add leading
    dims); ``repeats=`` is PyTorch's keyword for the sizes.

    >>> import chainrule
    >>> chainrule.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    repeats = _size(sizes if repeats is None else _keyword(sizes, repeats, "repeat", "repeats"))
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    padded = (1,) * (len(repeats) - len(shape)) + shape
    result_shape = [r * n for r, n in zip(repeats, padded)]
    if any(r < 0 for r in repeats):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(result_shape)}: {result_shape}"
        )
    return Repeat.apply_unary(input, repeats)


def tile(input, dims):
    """Like ``repeat``, but ``dims`` shorter than the tensor's dims is padded with ones.

    >>> import chainrule
    >>> chainrule.tensor([[1, 2]]).tile((2,))
    tensor([[1, 2, 1, 2]])
    """
    dims = _size((dims,)) if isinstance(dims, (int, np.integer)) else _size(tuple(dims))
    return repeat(input, *((1,) * (input._data.ndim - len(dims)) + dims))


def _tile_method(input, *sizes, dims=None):
    return tile(input, _size(sizes if dims is None else _keyword(sizes, dims, "tile", "dims")))


class Flip(Primitive):
    """y = x reversed along ``dims``.   dL/dx = dL/dy reversed along the same dims."""

    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()  # PyTorch's flip returns new memory, not a view

    def backward(ctx, grad):
        return np.flip(grad, ctx.dims), None


def flip(input, *axes, dims=None):
    """Reverse the order of elements along ``dims`` (a copy): ``flip(0, 1)``,
    ``flip((0, 1))`` or ``flip(dims=(0, 1))``.

    >>> import chainrule
    >>> chainrule.tensor([[1, 2], [3, 4]]).flip(0)
    tensor([[3, 4],
            [1, 2]])
    """
    if dims is None:
        dims = _size(axes) if axes and not isinstance(axes[0], (int, np.integer)) else tuple(axes)
    else:
        dims = _size(_keyword(axes, dims, "flip", "dims"))
    axes = normalize_dims(dims, input._data.ndim)
    return Flip.apply_unary(input, axes)


def fliplr(input):
    """Reverse the columns (dim 1) of a tensor of at least 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    """Reverse the rows (dim 0) of a tensor of at least 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


class Roll(Primitive):
    """y = x shifted cyclically by ``shifts`` along ``dims`` (all elements, in
    order, when ``dims`` is None).   dL/dx = dL/dy shifted back by -shifts."""

    def forward(ctx, x, shifts, dims):
        ctx.shifts = shifts
        ctx.dims = dims
        return np.roll(x, shifts, dims)

    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if ctx.dims is not None else -ctx.shifts
        return np.roll(grad, back, ctx.dims), None, None


def roll(input, shifts, dims=None):
    """Shift elements cyclically; with no ``dims`` the flattened tensor is shifted.

    >>> import chainrule
    >>> chainrule.tensor([1, 2, 3, 4]).roll(1)
    tensor([4, 1, 2, 3])
    """
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = () if dims is None else (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return Roll.apply_unary(input, int(shifts[0]), None)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    axes = tuple(normalize_dim(d, input._data.ndim) for d in dims)
    return Roll.apply_unary(input, tuple(int(s) for s in shifts), axes)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first
    dim towards the second (a copy, as in PyTorch).

    >>> import chainrule
    >>> chainrule.tensor([[1, 2], [3, 4]]).rot90()
    tensor([[2, 4],
            [1, 3]])
    """
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    ndim = input._data.ndim
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    a, b = normalize_dim(dims[0], ndim), normalize_dim(dims[1], ndim)
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}")
    swapped = list(range(ndim))
    swapped[a], swapped[b] = b, a
    k %= 4
    if k == 1:  # flip the second dim, then swap: not a view of anything the caller holds
        return Permute.apply_unary(Flip.apply_unary(input, (b,)), tuple(swapped))
    if k == 2:
        return Flip.apply_unary(input, (a, b))
    if k == 3:
        return Permute.apply_unary(Flip.apply_unary(input, (a,)), tuple(swapped))
    return Copy.apply_unary(input)


# --- triangles and diagonals ---------------------------------------------------------


def _check_matrix(input, op_name):
    if input._data.ndim < 2:
        raise RuntimeError(f"{op_name}: input tensor must have at least 2 dimensions")


class Tril(Primitive):
    """y = x with the elements above diagonal k set to 0.   dL/dx = tril(dL/dy, k)."""

    def forward(ctx, x, k):
        ctx.k = k
        return np.tril(x, k)

    def backward(ctx, grad):
        return np.tril(grad, ctx.k), None


class Triu(Primitive):
    """y = x with the elements below diagonal k set to 0.   dL/dx = triu(dL/dy, k)."""

    def forward(ctx, x, k):
        ctx.k = k
        return np.triu(x, k)

    def backward(ctx, grad):
        return np.triu(grad, ctx.k), None


def tril(input, diagonal=0):
    """The lower triangle of the last two dims: zeros above diagonal ``diagonal``
    (0 the main one, >0 above it, <0 below it).

    >>> import chainrule
    >>> chainrule.ones(3, 3).tril()
    tensor([[1., 0., 0.],
            [1., 1., 0.],
            [1., 1., 1.]])
    """
    _check_matrix(input, "tril")
    return Tril.apply_unary(input, int(diagonal))


def triu(input, diagonal=0):
    """The upper triangle of the last two dims: zeros below diagonal ``diagonal``.

    >>> import chainrule
    >>> chainrule.ones(2, 3).triu(1)
    tensor([[0., 1., 1.],
            [0., 0., 1.]])
    """
    _check_matrix(input, "triu")
    return Triu.apply_unary(input, int(diagonal))


def _diagonal_view(x, offset, dim1, dim2):
    """The (writable) view of the diagonal ``offset`` of dims ``dim1``, ``dim2``,
    which becomes the last dim (np.diagonal's own view is read-only)."""
    read_only = np.diagonal(x, offset, dim1, dim2)
    start = [slice(None)] * x.ndim
    if offset >= 0:
        start[dim2] = slice(min(offset, x.shape[dim2]), None)
    else:
        start[dim1] = slice(min(-offset, x.shape[dim1]), None)
    first = x[tuple(start)]  # begins at the diagonal's first element
    return np.lib.stride_tricks.as_strided(first, read_only.shape, read_only.strides)


class Diagonal(Primitive):
    """y = the diagonal ``offset`` of x in dims ``dim1``, ``dim2`` (a view).
    dL/dx = zeros with dL/dy written on that diagonal."""

    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape = x.shape
        ctx.where = (offset, dim1, dim2)
        return _diagonal_view(x, offset, dim1, dim2)

    def backward(ctx, grad):
        return differentiable(DiagonalEmbed, grad, ctx.shape, *ctx.where), None, None, None


class DiagonalEmbed(Primitive):
    """y = zeros of ``shape`` with x written on the diagonal ``offset`` of dims
    ``dim1``, ``dim2`` (the adjoint of Diagonal).   dL/dx = that diagonal of dL/dy."""

    def forward(ctx, x, shape, offset, dim1, dim2):
        ctx.where = (offset, dim1, dim2)
        out = np.zeros(shape, x.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = x
        return out

    def backward(ctx, grad):
        return differentiable(Diagonal, grad, *ctx.where), None, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of dims ``dim1`` and ``dim2`` (shifted by ``offset``) as the
    last dim of a view.

    >>> import chainrule
    >>> chainrule.arange(9).reshape(3, 3).diagonal(1)
    tensor([1, 5])
    """
    ndim = input._data.ndim
    a, b = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return view_of(Diagonal.apply_unary(input, int(offset), a, b), input)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims ``dim1``, ``dim2``) with the last dim of ``input`` on
    their diagonal ``offset``, zeros elsewhere.

    >>> import chainrule
    >>> chainrule.diag_embed(chainrule.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    shape = input._data.shape
    ndim = len(shape) + 1
    a, b = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = (shape[-1] if shape else 1) + abs(int(offset))
    out_shape = list(shape[:-1])
    for d in sorted((a, b)):
        out_shape.insert(d, n)
    return DiagonalEmbed.apply_unary(input, tuple(out_shape), int(offset), a, b)


def diag(input, diagonal=0):
    """A 1-D tensor becomes a square matrix with it on diagonal ``diagonal``; a
    2-D tensor gives (a copy of) its diagonal ``diagonal``.

    >>> import chainrule
    >>> chainrule.diag(chainrule.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    >>> chainrule.diag(chainrule.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    ndim = input._data.ndim
    if ndim == 1:
        n = input._data.shape[0] + abs(int(diagonal))
        return DiagonalEmbed.apply_unary(input, (n, n), int(diagonal), 0, 1)
    if ndim == 2:
        return Copy.apply_unary(Diagonal.apply_unary(input, int(diagonal), 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


def diagflat(input, offset=0):
    """A square matrix with the flattened ``input`` on diagonal ``offset``.

    >>> import chainrule
    >>> chainrule.diagflat(chainrule.tensor([[1, 2]]))
    tensor([[1, 0],
            [0, 2]])
    """
    return diag(reshape(input, -1), offset)


def block_diag(*tensors):
    """The tensors (0-D, 1-D as one row, or 2-D) along the diagonal of one matrix,
    zeros elsewhere; the dtype is their promotion.

    >>> import chainrule
    >>> chainrule.block_diag(chainrule.tensor([[1, 2]]), chainrule.tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    blocks = []
    for i, t in enumerate(tensors):
        ndim = t._data.ndim
        if ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {ndim} "
                "dimensions"
            )
        blocks.append(t if ndim == 2 else reshape(t, (1, -1)))
    if not blocks:
        return wrap(np.zeros((1, 0), default_float()))
    blocks = promote("block_diag", *blocks)
    dtype = blocks[0]._data.dtype
    width = sum(b._data.shape[1] for b in blocks)
    rows = []
    left = 0
    for b in blocks:
        height, columns = b._data.shape
        before = wrap(np.zeros((height, left), dtype))
        after = wrap(np.zeros((height, width - left - columns), dtype))
        rows.append(cat([before, b, after], 1))
        left += columns
    return cat(rows, 0)


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D ``x``: columns x^(N-1), ..., x^1, x^0 (the
    reverse when ``increasing``); N defaults to len(x). Integers give int64.

    >>> import chainrule
    >>> chainrule.vander(chainrule.tensor([1, 2, 3]))
    tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]])
    """
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dtype = x._data.dtype if x._data.dtype.kind == "f" else np.dtype(np.int64)
    ones = wrap(np.ones((x._data.shape[0], min(n, 1)), dtype))
    # PyTorch's form: a running product of [1, x, x, ...] (its gradient at x = 0 too)
    powers = cat([ones, expand(x._cast(dtype) if x._data.dtype != dtype else x, (max(n - 1, 0), -1)).T], 1)
    if n > 1:
        powers = powers.cumprod(1)
    return powers if increasing else flip(powers, 1)


# --- joining -----------------------------------------------------------------------------


def _tensor_list(tensors, op_name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op_name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


class Concatenate(Primitive):
    """y = [x_1, x_2, ...] joined along ``dim``.   dL/dx_k = the slice of dL/dy that x_k filled."""

    @classmethod
    def name(cls):  # PyTorch's name
        return "CatBackward0"

    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.bounds = list(accumulate(x.shape[dim] for x in xs[:-1]))
        return np.concatenate(xs, axis=dim)

    def backward(ctx, grad):
        return (None,) + tuple(np.split(grad, ctx.bounds, axis=ctx.dim))


def _write_joined(out, result):
    """``out=`` of cat and stack, whose cast error is PyTorch's TypeError."""
    if isinstance(out, Tensor) and category(result._data.dtype) > category(out._data.dtype):
        raise TypeError(
            "torch.cat(): input types can't be cast to the desired output type "
            f"{scalar_type_name(out._data.dtype)}"
        )
    return write_out(out, result, "cat")


def cat(tensors, dim=0, *, out=None, axis=None):
    """Join tensors along an existing dim (dtypes are promoted, as in PyTorch).

    >>> import chainrule
    >>> chainrule.cat([chainrule.zeros(1, 2), chainrule.ones(1, 2)])
    tensor([[0., 0.],
            [1., 1.]])
    """
    if axis is not None:
        dim = axis
    if out is not None:
        return _write_joined(out, cat(tensors, dim))
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch skips 1-D empty tensors, a legacy way to start an accumulation
    joined = [t for t in tensors if t._data.shape != (0,)] or tensors[:1]
    first = joined[0]._data
    ndim = first.ndim
    if ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = normalize_dim(dim, ndim)
    dtype = first.dtype
    for t in joined:
        data = t._data
        if data.ndim != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and {data.ndim}")
        if data.dtype is not dtype:
            dtype = None
    if dtype is None:
        joined = promote("cat", *joined)
    try:
        return Concatenate.apply(axis, *joined)
    except ValueError:
        for i, t in enumerate(tensors):
            for d, (m, n) in enumerate(zip(first.shape, t._data.shape)):
                if d != axis and m != n and t._data.shape != (0,):
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {axis}. Expected size {m} "
                        f"but got size {n} for tensor number {i} in the list."
                    ) from None
        raise


concat = concatenate = cat


class Stack(Primitive):
    """y = [x_1, x_2, ...] along a new dim ``dim``.   dL/dx_k = dL/dy[..., k, ...] (index k of that dim)."""

    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    def backward(ctx, grad):
        return (None,) + tuple(np.unstack(grad, axis=ctx.dim))


def stack(tensors, dim=0, *, out=None, axis=None):
    """Join tensors of equal shape along a new dim.

    >>> import chainrule
    >>> chainrule.stack([chainrule.tensor([1, 2]), chainrule.tensor([3, 4])], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    if axis is not None:
        dim = axis
    if out is not None:
        return _write_joined(out, stack(tensors, dim))
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    dtype = tensors[0]._data.dtype
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                f"and {list(t._data.shape)} at entry {i}"
            )
        if t._data.dtype is not dtype:
            dtype = None
    if dtype is None:
        tensors = promote("stack", *tensors)
    return Stack.apply(normalize_dim(dim, len(shape) + 1), *tensors)


def _at_least(tensors, ndim, op_name):
    """Each tensor with dims of size 1 added up to ``ndim`` dims, as NumPy's
    atleast_1d/2d/3d (a 1-D tensor of n becomes (1, n), then (1, n, 1))."""
    shaped = []
    for t in _tensor_list(tensors, op_name):
        shape = t._data.shape
        if len(shape) < ndim:
            if ndim == 3 and len(shape) == 2:
                shape = shape + (1,)
            elif ndim == 3:
                shape = (1,) + (shape or (1,)) + (1,)
            else:
                shape = (1,) * (ndim - len(shape)) + shape
            t = reshape(t, shape)
        shaped.append(t)
    return shaped


def _at_least_dims(tensors, ndim, op_name):
    """atleast_1d/2d/3d: one tensor (itself when it has the dims already) or a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _at_least(tensors, ndim, op_name)[0]
    listed = tensors[0] if len(tensors) == 1 else tensors
    return tuple(_at_least(listed, ndim, op_name))


def atleast_1d(*tensors):
    """``tensors`` with a dim added to 0-D ones (views); one tensor, or a tuple for several.

    >>> import chainrule
    >>> chainrule.atleast_1d(chainrule.tensor(1.0))
    tensor([1.])
    """
    return _at_least_dims(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    """``tensors`` with leading dims of size 1 up to 2 dims (views).

    >>> import chainrule
    >>> chainrule.atleast_2d(chainrule.tensor([1, 2])).shape
    chainrule.Size([1, 2])
    """
    return _at_least_dims(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    """``tensors`` made 3-D as NumPy does: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1).

    >>> import chainrule
    >>> chainrule.atleast_3d(chainrule.zeros(2, 3)).shape
    chainrule.Size([2, 3, 1])
    """
    return _at_least_dims(tensors, 3, "atleast_3d")


def hstack(tensors, *, out=None):
    """Join tensors column-wise: along dim 1, or dim 0 for 1-D tensors.

    >>> import chainrule
    >>> chainrule.hstack([chainrule.tensor([1, 2]), chainrule.tensor([3])])
    tensor([1, 2, 3])
    """
    tensors = _at_least(tensors, 1, "hstack")
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Join tensors row-wise (along dim 0); 1-D tensors become rows.

    >>> import chainrule
    >>> chainrule.vstack([chainrule.tensor([1, 2]), chainrule.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat(_at_least(tensors, 2, "vstack"), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Join tensors depth-wise (along dim 2), after making them at least 3-D.

    >>> import chainrule
    >>> chainrule.dstack([chainrule.tensor([1, 2]), chainrule.tensor([3, 4])])
    tensor([[[1, 3],
             [2, 4]]])
    """
    return cat(_at_least(tensors, 3, "dstack"), 2, out=out)


def column_stack(tensors, *, out=None):
    """Join tensors as columns: 0-D and 1-D tensors become columns, the rest join along dim 1.

    >>> import chainrule
    >>> chainrule.column_stack([chainrule.tensor([1, 2]), chainrule.tensor([3, 4])])
    tensor([[1, 3],
            [2, 4]])
    """
    columns = [reshape(t, (-1, 1)) if t._data.ndim < 2 else t for t in _tensor_list(tensors, "column_stack")]
    return cat(columns, 1, out=out)


# --- splitting (views) -----------------------------------------------------------------


class Split(Primitive):
    """y_1, y_2, ... = consecutive slices of x along ``dim`` with ``sizes`` (views).
    dL/dx = [dL/dy_1, dL/dy_2, ...] joined along ``dim``."""

    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        pieces = []
        start = 0
        for n in sizes:
            pieces.append(x[lead + (slice(start, start + n),)])
            start += n
        return tuple(pieces)

    def backward(ctx, *grads):
        return np.concatenate(grads, axis=ctx.dim), None, None


def _split_sizes(size, split_size):
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
    if split_size == 0:
        if size:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
            )
        return [0]
    sizes = [split_size] * (size // split_size)
    if size % split_size or not sizes:
        sizes.append(size % split_size)
    return sizes


def _split_method(self, split_size, dim=0):
    """``x.split(split_size, dim)``: the method names its size ``split_size`` (PyTorch's)."""
    return split(self, split_size, dim)


def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces along ``dim``: of ``split_size`` each (the last
    may be smaller), or of the listed sizes.

    >>> import chainrule
    >>> chainrule.arange(5).split(2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    >>> chainrule.arange(5).split([1, 4])
    (tensor([0]), tensor([1, 2, 3, 4]))
    """
    return views_of(_split_pieces(tensor, split_size_or_sections, dim), tensor)


def _split_pieces(tensor, split_size_or_sections, dim):
    """``split``'s pieces, sharing ``tensor``'s memory but not yet marked as its views."""
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    axis = normalize_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        sizes = _split_sizes(size, int(split_size_or_sections))
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if sum(sizes) != size or any(n < 0 for n in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                f"at dimension {axis}), but got split_sizes={sizes}"
            )
    return Split.apply(tensor, tuple(sizes), axis)


def split_with_sizes(input, split_sizes, dim=0):
    """``split`` into pieces of the listed sizes.

    >>> import chainrule
    >>> chainrule.split_with_sizes(chainrule.arange(5), [1, 4])
    (tensor([0]), tensor([1, 2, 3, 4]))
    """
    return split(input, list(split_sizes), dim)


def unsafe_split(tensor, split_size_or_sections, dim=0):
    """``split`` whose pieces share ``tensor``'s memory without being its views: in-place
    ops on them are recorded as on any tensor (the caller vouches that is right).

    >>> import chainrule
    >>> chainrule.unsafe_split(chainrule.arange(5), 2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    return tuple(_split_pieces(tensor, split_size_or_sections, dim))


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """``unsafe_split`` into pieces of the listed sizes.

    >>> import chainrule
    >>> chainrule.unsafe_split_with_sizes(chainrule.arange(5), [1, 4])
    (tensor([0]), tensor([1, 2, 3, 4]))
    """
    return unsafe_split(input, list(split_sizes), dim)


def chunk(input, chunks, dim=0, *, axis=None):
    """Split into ``chunks`` views of equal size along ``dim`` (the last may be
    smaller, and there may be fewer).

    >>> import chainrule
    >>> chainrule.arange(5).chunk(3)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    if axis is not None:
        dim = axis
    return split(input, _chunk_sizes(input, chunks, dim), dim)


def unsafe_chunk(input, chunks, dim=0):
    """``chunk`` whose pieces share ``input``'s memory without being its views (see
    ``unsafe_split``).

    >>> import chainrule
    >>> chainrule.unsafe_chunk(chainrule.arange(5), 3)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    return unsafe_split(input, _chunk_sizes(input, chunks, dim), dim)


def _chunk_sizes(input, chunks, dim):
    """``chunk``'s piece size, as ``split`` takes it."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    size = input._data.shape[normalize_dim(dim, input._data.ndim)]
    return [0] * chunks if size == 0 else -(-size // chunks)


class Unbind(Primitive):
    """y_i = x[..., i, ...], the slices along ``dim`` (views).
    dL/dx = the dL/dy_i stacked along ``dim``."""

    def forward(ctx, x, dim):
        ctx.dim = dim
        return tuple(np.moveaxis(x, dim, 0))

    def backward(ctx, *grads):
        return np.stack(grads, axis=ctx.dim), None


def unbind(input, dim=0, *, axis=None):
    """The slices along ``dim``, as a tuple of views.

    >>> import chainrule
    >>> chainrule.tensor([[1, 2], [3, 4]]).unbind(1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    if axis is not None:
        dim = axis
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    axis = normalize_dim(dim, input._data.ndim)
    if input._data.shape[axis] == 0:
        return ()
    return views_of(Unbind.apply(input, axis), input)


def narrow(input, dim=None, start=None, length=None, *, axis=None):
    """The view of ``length`` elements from ``start`` along ``dim``.

    >>> import chainrule
    >>> chainrule.arange(6).narrow(0, 2, 3)
    tensor([2, 3, 4])
    """
    if axis is not None:
        dim = axis
    if dim is None or start is None or length is None:
        raise TypeError("narrow() missing required arguments: 'dim', 'start' and 'length'")
    ndim = input._data.ndim
    if ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    axis = normalize_dim(dim, ndim)
    size = input._data.shape[axis]
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    start %= size if size else 1
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


def select(input, dim, index):
    """The slice at ``index`` along ``dim``, that dim removed (a view): ``x.select(1, 2)`` is ``x[:, 2]``.

    >>> import chainrule
    >>> chainrule.arange(6).reshape(2, 3).select(1, 2)
    tensor([2, 5])
    """
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = normalize_dim(dim, len(shape))
    index = int(index)
    if not -shape[axis] <= index < shape[axis]:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {dim}"
        )
    return input[(slice(None),) * axis + (index,)]


def narrow_copy(input, dim, start, length):
    """``narrow`` as a new tensor (a copy, not a view).

    >>> import chainrule
    >>> chainrule.arange(6).narrow_copy(0, 2, 3)
    tensor([2, 3, 4])
    """
    return narrow(input, dim, start, length).clone()


def ravel(input):
    """The elements as a 1-D tensor: a view when the layout allows, as ``reshape(-1)``.

    >>> import chainrule
    >>> chainrule.tensor([[1, 2], [3, 4]]).ravel()
    tensor([1, 2, 3, 4])
    """
    return reshape(input, -1)


def sum_to_size(input, *size):
    """The sum of ``input`` down to ``size``, which ``input`` must be expandable
    from: over the leading dims it lacks and over its dims of size 1.

    >>> import chainrule
    >>> chainrule.ones(2, 3).sum_to_size(1, 3)
    tensor([[2., 2., 2.]])
    """
    size = _size(size)
    shape = input._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(size, shape[lead:])):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size) if n == 1 and shape[lead + i] != 1)
    if dims:
        input = input.sum(dims, keepdim=True)
    return reshape(input, size) if lead else input


# --- strided views: elements picked from the memory by strides --------------------


def _storage(input):
    """The memory under ``input`` as a flat array (its base's, for a view), and
    where ``input``'s elements lie in it: PyTorch's storage, in elements."""
    root = (input._base if input._base is not None else input)._data
    flat = root.ravel(order="K")
    if not np.shares_memory(flat, root):
        raise RuntimeError("as_strided: chainrule needs the base tensor's memory to be one dense block")
    return flat, _positions(input._data.shape, input.stride(), input.storage_offset())


def _positions(shape, strides, offset):
    """The storage position of each element of a strided view, in its shape."""
    index = np.full(shape, offset, np.int64)
    for axis, (n, stride) in enumerate(zip(shape, strides)):
        index += (np.arange(n, dtype=np.int64) * stride).reshape((n,) + (1,) * (len(shape) - axis - 1))
    return index


class StridedView(Primitive):
    """y = the storage elements at positions ``picked``, where x lies at positions
    ``placed`` (a view: as_strided, unfold; ``out`` is its memory).
    dL/dx = dL/dy summed at each storage position it came from, read at x's positions."""

    def forward(ctx, x, placed, picked, storage_size, out=None):
        ctx.where = (placed, picked, storage_size)
        if out is not None:
            return out
        storage = np.zeros(storage_size, x.dtype)
        storage[placed] = x
        return storage[picked]

    def backward(ctx, grad):
        return (differentiable(StridedViewAdjoint, grad, *ctx.where), None, None, None, None)


class StridedViewAdjoint(Primitive):
    """y = x summed into a zero storage at positions ``picked``, read at ``placed``
    (the adjoint of StridedView).   dL/dx = StridedView of dL/dy."""

    def forward(ctx, x, placed, picked, storage_size):
        ctx.where = (placed, picked, storage_size)
        storage = np.zeros(storage_size, x.dtype)
        np.add.at(storage, picked, x)
        return storage[placed]

    def backward(ctx, grad):
        return (differentiable(StridedView, grad, *ctx.where), None, None, None)


def _strided_view(input, size, stride, offset):
    flat, placed = _storage(input)
    itemsize = flat.itemsize
    out = np.lib.stride_tricks.as_strided(
        flat[offset:], size, tuple(s * itemsize for s in stride), writeable=flat.flags.writeable
    )
    picked = _positions(size, stride, offset)
    return view_of(StridedView.apply_unary(input, placed, picked, flat.size, out), input)


def as_strided(input, size, stride, storage_offset=None):
    """The view of ``input``'s memory with shape ``size``, strides ``stride`` (in
    elements) and first element at ``storage_offset`` (default: ``input``'s own).
    Elements may repeat; their gradients add up.

    >>> import chainrule
    >>> chainrule.arange(6).as_strided((2, 2), (1, 2), 1)
    tensor([[1, 3],
            [2, 4]])
    """
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}"
        )
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    storage_size = _storage(input)[0].size
    needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if needed > storage_size:
        itemsize = input._data.itemsize
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and itemsize "
            f"{itemsize} requiring a storage size of {needed * itemsize} are out of bounds for storage of "
            f"size {storage_size * itemsize}"
        )
    return _strided_view(input, size, stride, offset)


def unfold(input, dimension, size, step):
    """The view of every slice of ``size`` elements along ``dimension``, one each
    ``step``, in a new last dim (windows may overlap; gradients add up).

    >>> import chainrule
    >>> chainrule.arange(5).unfold(0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    shape, strides = input._data.shape, input.stride()
    axis = normalize_dim(dimension, max(len(shape), 1))
    length = shape[axis] if shape else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if not shape:  # a 0-D tensor gives its one window, without a window dim
        return _strided_view(input, (size,), (1,), input.storage_offset())
    window = (length - size) // step + 1
    new_shape = shape[:axis] + (window,) + shape[axis + 1 :] + (size,)
    new_strides = strides[:axis] + (step * strides[axis],) + strides[axis + 1 :] + (strides[axis],)
    return _strided_view(input, new_shape, new_strides, input.storage_offset())


def resize_(input, *sizes, memory_format=None):
    """Give ``input`` shape ``sizes`` in place, as PyTorch for a tensor outside the
    graph: C-ordered over its memory from its first element on, the memory grown
    (new elements zero) when too small. The shape it has already changes nothing.

    >>> import chainrule
    >>> chainrule.arange(6.0).resize_(2, 2)
    tensor([[0., 1.],
            [2., 3.]])
    """
    if input._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    size = _size(sizes)
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    if size != input._data.shape:
        flat, _ = _storage(input)
        start, numel = input.storage_offset(), prod(size)
        if start + numel <= flat.size:
            input._data = flat[start : start + numel].reshape(size)
        else:  # PyTorch's new elements are uninitialized memory
            grown = np.zeros(numel, flat.dtype)
            grown[: flat.size - start] = flat[start:]
            input._data = grown.reshape(size)
    bump_version(input)
    return input


def resize_as_(input, other, *, memory_format=None):
    """``resize_`` to ``other``'s shape.

    >>> import chainrule
    >>> chainrule.arange(4.0).resize_as_(chainrule.zeros(2, 1))
    tensor([[0.],
            [1.]])
    """
    return resize_(input, other._data.shape)


# --- scatters: a copy of the input with a view of it replaced ----------------------


def _scatter_into(input, src, region):
    """A copy of ``input`` with ``src`` written where ``region`` (a view maker) points."""
    out = input.clone()
    target = region(out)
    if target._data.shape != src._data.shape:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. "
            f"src size = {list(src._data.shape)}, slice size = {list(target._data.shape)}"
        )
    target.copy_(src)
    return out


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``src`` at ``input.select(dim, index)``.

    >>> import chainrule
    >>> chainrule.select_scatter(chainrule.zeros(2, 2), chainrule.ones(2), 0, 1)
    tensor([[0., 0.],
            [1., 1.]])
    """
    return _scatter_into(input, src, lambda x: select(x, dim, index))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``src`` at the slice ``start:end:step`` of ``dim``.

    >>> import chainrule
    >>> chainrule.slice_scatter(chainrule.zeros(2, 2), chainrule.ones(2, 1), 1, 1)
    tensor([[0., 1.],
            [0., 1.]])
    """
    axis = normalize_dim(dim, max(input._data.ndim, 1))
    return _scatter_into(input, src, lambda x: x[(slice(None),) * axis + (slice(start, end, step),)])


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` on ``input.diagonal(offset, dim1, dim2)``.

    >>> import chainrule
    >>> chainrule.diagonal_scatter(chainrule.zeros(2, 2), chainrule.ones(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    return _scatter_into(input, src, lambda x: diagonal(x, offset, dim1, dim2))


def tensor_split(input, indices_or_sections, dim=0):
    """Views of ``input`` cut along ``dim``: into ``sections`` pieces as equal as can
    be (the first ones one longer), or at the ``indices`` given (a list or a tensor).

    >>> import chainrule
    >>> chainrule.arange(5).tensor_split(3)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    >>> chainrule.arange(5).tensor_split([1, 4])
    (tensor([0]), tensor([1, 2, 3]), tensor([4]))
    """
    ndim = input._data.ndim
    if ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    if isinstance(indices_or_sections, Tensor):
        array = indices_or_sections._data
        if array.dtype != np.int64:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                f"{scalar_type_name(array.dtype)}"
            )
        if array.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                f"one-dimensional tensor, but got a tensor with {array.ndim} dims"
            )
        indices_or_sections = int(array) if array.ndim == 0 else array.tolist()
    elif not isinstance(indices_or_sections, (int, np.integer, list, tuple)) or isinstance(
        indices_or_sections, bool
    ):
        raise TypeError(
            f"tensor_split(): argument 'indices_or_sections' must be int, tuple of ints or Tensor, not "
            f"{type(indices_or_sections).__name__}"
        )
    axis = normalize_dim(dim, ndim)
    size = input._data.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        longer, rest = size % sections, size // sections
        bounds = list(accumulate([rest + 1] * longer + [rest] * (sections - longer), initial=0))
    else:
        bounds = [0, *(int(i) for i in indices_or_sections), None]
    lead = (slice(None),) * axis
    return tuple(input[lead + (slice(start, end),)] for start, end in zip(bounds, bounds[1:]))


def _split_along(input, indices_or_sections, dim, op_name, min_dims):
    """hsplit, vsplit and dsplit: ``tensor_split``, whose sections must divide the dim exactly."""
    ndim = input._data.ndim
    if ndim < min_dims:
        raise RuntimeError(
            f"torch.{op_name} requires a tensor with at least {min_dims} dimension, but got a tensor "
            f"with {ndim} dimensions!"
        )
    if isinstance(indices_or_sections, (int, np.integer)) and not isinstance(indices_or_sections, bool):
        size = input._data.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(
                f"torch.{op_name} attempted to split along dimension {dim}, but the size of the dimension "
                f"{size} is not divisible by the split_size {indices_or_sections}!"
            )
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 of a 1-D tensor); sections must divide it.

    >>> import chainrule
    >>> chainrule.arange(4).hsplit(2)
    (tensor([0, 1]), tensor([2, 3]))
    """
    return _split_along(input, indices_or_sections, 1 if input._data.ndim > 1 else 0, "hsplit", 1)


def vsplit(input, indices_or_sections):
    """``tensor_split`` along dim 0 of a tensor of at least 2 dims; sections must divide it.

    >>> import chainrule
    >>> chainrule.arange(4).reshape(2, 2).vsplit(2)
    (tensor([[0, 1]]), tensor([[2, 3]]))
    """
    return _split_along(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):
    """``tensor_split`` along dim 2 of a tensor of at least 3 dims; sections must divide it.

    >>> import chainrule
    >>> [p.shape for p in chainrule.zeros(1, 1, 4).dsplit([1])]
    [chainrule.Size([1, 1, 1]), chainrule.Size([1, 1, 3])]
    """
    return _split_along(input, indices_or_sections, 2, "dsplit", 3)


def _split_at(array, indices_or_sections, axis=0):
    """``np.split`` for Tensors (cut points or a number of equal sections)."""
    size = array.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        return split(array, size // int(indices_or_sections), axis)
    bounds = [0, *indices_or_sections, size]
    return split(array, [b - a for a, b in zip(bounds, bounds[1:])], axis)


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
        "swapaxes": swapaxes,
        "swapdims": swapdims,
        "t": t,
        "T": property(_T),
        "mT": property(_mT),
        "mH": property(lambda x: _adjoint(x, "tensor.mH", "Tensor.mH", batched=True)),
        "H": property(lambda x: _adjoint(x, "tensor.H", "Tensor.H", batched=False)),
        "adjoint": adjoint,
        "ravel": ravel,
        "narrow_copy": narrow_copy,
        "sum_to_size": sum_to_size,
        "as_strided": as_strided,
        "unfold": unfold,
        "resize_": resize_,
        "resize_as_": resize_as_,
        "select_scatter": select_scatter,
        "slice_scatter": slice_scatter,
        "diagonal_scatter": diagonal_scatter,
        "movedim": movedim,
        "moveaxis": movedim,
        "expand": expand,
        "expand_as": expand_as,
        "broadcast_to": broadcast_to,
        "squeeze": squeeze,
        "unsqueeze": unsqueeze,
        "squeeze_": reshaping_inplace(squeeze, "squeeze_"),
        "unsqueeze_": reshaping_inplace(unsqueeze, "unsqueeze_"),
        "t_": reshaping_inplace(t, "t_"),
        "transpose_": reshaping_inplace(transpose, "transpose_"),
        "swapaxes_": reshaping_inplace(swapaxes, "swapaxes_"),
        "swapdims_": reshaping_inplace(swapdims, "swapdims_"),
        "contiguous": contiguous,
        "clone": clone,
        "repeat": repeat,
        "tile": _tile_method,
        "flip": flip,
        "fliplr": fliplr,
        "flipud": flipud,
        "roll": roll,
        "tril": tril,
        "triu": triu,
        "tril_": inplace(tril, "tril_"),
        "triu_": inplace(triu, "triu_"),
        "diagonal": diagonal,
        "diag": diag,
        "diag_embed": diag_embed,
        "narrow": narrow,
        "split": _split_method,
        "split_with_sizes": split_with_sizes,
        "unsafe_split": unsafe_split,
        "unsafe_split_with_sizes": unsafe_split_with_sizes,
        "chunk": chunk,
        "unsafe_chunk": unsafe_chunk,
        "unbind": unbind,
        "tensor_split": tensor_split,
        "hsplit": hsplit,
        "vsplit": vsplit,
        "dsplit": dsplit,
        "select": select,
        "rot90": rot90,
        "diagflat": diagflat,
    },
    {
        np.reshape: lambda a, shape, **kw: reshape(a, shape),
        np.transpose: lambda a, axes=None: permute(
            a, *(axes if axes is not None else reversed(range(a.ndim)))
        ),
        np.broadcast_to: lambda a, shape, **kw: expand(a, shape),
        np.expand_dims: lambda a, axis: unsqueeze(a, axis),
        np.squeeze: lambda a, axis=None: squeeze(a, axis),
        np.swapaxes: lambda a, axis1, axis2: transpose(a, axis1, axis2),
        np.concatenate: lambda arrays, axis=0, **kw: cat(arrays, axis),
        np.stack: lambda arrays, axis=0, **kw: stack(arrays, axis),
        np.split: _split_at,
        np.unstack: lambda x, axis=0: unbind(x, axis),
        np.flip: lambda m, axis=None: flip(m, *(range(m.ndim) if axis is None else np.atleast_1d(axis))),
        np.roll: lambda a, shift, axis=None: roll(a, shift, axis),
        np.tril: lambda m, k=0: tril(m, k),
        np.triu: lambda m, k=0: triu(m, k),
        np.diagonal: lambda a, offset=0, axis1=0, axis2=1: diagonal(a, offset, axis1, axis2),
    },
)


# --- rearranging channels and pixels (composites of reshape and permute) -------------------------


def _positive_factor(op_name, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{op_name}(): argument '{name}' (position 2) must be int, not {type(value).__name__}"
        )
    if value <= 0:
        raise RuntimeError(f"{op_name} expects a positive {name}, but got {value}")
    return int(value)


def _check_image(op_name, input):
    if input.dim() < 3:
        raise RuntimeError(
            f"{op_name} expects input to have at least 3 dimensions, but got input with {input.dim()} "
            "dimension(s)"
        )


def pixel_shuffle(input, upscale_factor):
    """(*, C * r^2, H, W) to (*, C, H * r, W * r), r = ``upscale_factor``: each
    group of r^2 channels becomes an r x r block of pixels.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.pixel_shuffle(chainrule.arange(4.0).reshape(1, 4, 1, 1), 2)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    _check_image("pixel_shuffle", input)
    r = _positive_factor("pixel_shuffle", "upscale_factor", upscale_factor)
    *batch, channels, height, width = input.shape
    if channels % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
            f"upscale_factor, but input.size(-3)={channels} is not divisible by {r * r}"
        )
    n = len(batch)
    x = input.reshape((*batch, channels // (r * r), r, r, height, width))
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (..., C, H, r, W, r)
    return x.reshape((*batch, channels // (r * r), height * r, width * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H * r, W * r) to (*, C * r^2, H, W), r = ``downscale_factor``: the
    inverse of ``pixel_shuffle``, each r x r block of pixels becomes r^2 channels.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.pixel_unshuffle(chainrule.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    _check_image("pixel_unshuffle", input)
    r = _positive_factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    *batch, channels, height, width = input.shape
    for side, name, size in ((-2, "height", height), (-1, "width", width)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                f"input.size({side})={size} is not divisible by {r}"
            )
    if input._data.size == 0:  # PyTorch returns an empty input as it is, its shape unchanged
        return input.clone()
    n = len(batch)
    x = input.reshape((*batch, channels, height // r, r, width // r, r))
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (..., C, r, r, H, W)
    return x.reshape((*batch, channels * r * r, height // r, width // r))


def channel_shuffle(input, groups):
    """Interleave the ``groups`` groups of channels (dim 1) of (N, C, *): channel
    g * (C / groups) + i moves to i * groups + g, as in ShuffleNet.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.channel_shuffle(chainrule.arange(6.0).reshape(1, 6, 1), 2).flatten()
    tensor([0., 3., 1., 4., 2., 5.])
    """
    if input.dim() <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}"
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    batch, channels, *rest = input.shape
    if channels % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and {groups} groups."
        )
    x = input.reshape((batch, groups, channels // groups, *rest)).transpose(1, 2)
    return x.reshape(input.shape)
