"""Plumbing shared by the ops modules: binding methods onto Tensor, type
promotion of operands, dimension arguments, and PyTorch's in-place rules,
including in-place ops on views (``view_of``, ``write_inplace``)."""

import warnings
import weakref

import numpy as np

from .._dtype import category, result_numpy_dtype, scalar_type_name
from .._tensor import NUMPY_FUNCTIONS, Tensor, bump_version, wrap
from ..autograd.function import Primitive
from ..autograd.grad_mode import state as grad_state

_ndarray = np.ndarray
_weak = weakref.ref


def bind(methods, numpy_functions=None):
    """Attach ``{name: function}`` as Tensor methods (an op's first argument is
    the tensor) and register NumPy equivalents for the array protocol."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    if numpy_functions:
        NUMPY_FUNCTIONS.update(numpy_functions)


def promote(op_name, *operands):
    """Cast tensor operands to PyTorch's common dtype (differentiably).

    Python numbers stay Python numbers: NumPy then keeps the tensor's dtype
    (NEP 50), which matches PyTorch once the tensors agree. NumPy arrays and
    scalars become tensors of the common dtype.
    """
    target = result_numpy_dtype(*operands)
    converted = []
    for x in operands:
        if isinstance(x, Tensor):
            if x._data.dtype != target:
                x = x._cast(target)
        elif isinstance(x, (_ndarray, np.generic)):
            x = wrap(np.asarray(x, dtype=target))
        elif not isinstance(x, (bool, int, float)):
            raise TypeError(f"{op_name}(): expected a Tensor or a number, got {type(x).__name__}")
        converted.append(x)
    return converted


def clip_to(x, low, high, out=None):
    """``x.clip(low, high)`` for a float array, with the bounds as scalars of its dtype:
    NumPy's fast loop. ``np.maximum`` with a number, or clip with one bound, takes a
    loop 2-4x slower (200,704 float32: 68 us against 18)."""
    return x.clip(x.dtype.type(low), x.dtype.type(high), out=out)


# np.where copies each value behind a branch on its condition: a random mask mispredicts
# half of them (200,704 floats: 820 us, where a mask of all True takes 107). Above this
# many values ``select`` picks the bits with integer operations instead, with no branch.
_SELECT_MIN_VALUES = 1024
_SAME_SIZE_INTEGER = {2: np.int16, 4: np.int32, 8: np.int64}


def select(condition, x, y, out=None):
    """``np.where(condition, x, y)``, the same result, without a branch per value
    for large float arrays: y ^ ((x ^ y) & mask) on the bits, the mask all ones
    where ``condition`` holds (200,704 random floats: 93 us against np.where's
    820); ``kept_where`` when y is +0 (a gradient kept where a mask holds: inf and
    nan become 0 elsewhere, which a float product would make nan). A Python
    number next to a float array takes the array's dtype, as NumPy does; anything
    else (Tensors, integers, mixed dtypes) goes to np.where. Written into ``out``
    (an array of the result's shape and dtype) when given.

    >>> import numpy as np
    >>> select(np.arange(2000) % 2 == 0, np.ones(2000), -0.0)[:3]
    array([ 1., -0.,  1.])
    """
    if x.__class__ in (float, int) and y.__class__ is np.ndarray and y.dtype.kind == "f":
        x = y.dtype.type(x)
    elif y.__class__ in (float, int) and x.__class__ is np.ndarray and x.dtype.kind == "f":
        y = x.dtype.type(y)
    if not (
        condition.__class__ is np.ndarray
        and isinstance(x, _array_or_scalar)
        and isinstance(y, _array_or_scalar)
    ):
        return _where_into(condition, x, y, out)
    dtype = x.dtype
    integer = _SAME_SIZE_INTEGER.get(dtype.itemsize)
    if (
        condition.dtype != np.bool_
        or y.dtype != dtype
        or dtype.kind != "f"
        or integer is None
        or max(condition.size, x.size, y.size) < _SELECT_MIN_VALUES
    ):
        return _where_into(condition, x, y, out)
    shape = np.broadcast_shapes(condition.shape, x.shape, y.shape)
    if y.__class__ is not np.ndarray and y == 0 and not np.signbit(y) and x.shape == shape:
        return kept_where(condition, x, out)
    bits = np.empty(shape, integer) if out is None else out.view(integer)
    mask = np.negative(condition.view(np.int8), dtype=integer)  # 0 or -1: no bits or all
    y_bits = y.view(integer)
    np.bitwise_xor(x.view(integer), y_bits, out=bits)
    np.bitwise_and(bits, mask, out=bits)
    np.bitwise_xor(bits, y_bits, out=bits)
    return bits.view(dtype)


def in_float32_if_half(compute, input, *others):
    """``compute(input, *others)``; for a float16 input, in float32 (``others``, tensors
    or None, too) and the result cast back: PyTorch accumulates float16 sums of squares
    and normalizations in float32 (600 squared overflows float16)."""
    if input._data.dtype != np.float16:
        return compute(input, *others)
    wide = [None if t is None else t._cast(np.float32) for t in others]
    return compute(input._cast(np.float32), *wide)._cast(np.float16)


def kept_where(condition, values, out=None):
    """``values`` where ``condition`` holds and +0 elsewhere, inf and nan included:
    ``values``' bits times the condition, as integers, in one pass at a float
    product's speed (a float product with the mask would make inf * 0 nan where
    PyTorch's backward rules select 0). ``values``: a float16/32/64 array;
    ``condition``: a bool array that broadcasts to it.

    >>> import numpy as np
    >>> kept_where(np.array([True, False]), np.array([np.inf, np.inf]))
    array([inf,  0.])
    """
    integer = _SAME_SIZE_INTEGER[values.dtype.itemsize]
    out = np.empty_like(values) if out is None else out
    np.multiply(values.view(integer), condition, out=out.view(integer))
    return out


def _where_into(condition, x, y, out):
    if out is None:
        return np.where(condition, x, y)
    np.copyto(out, np.where(condition, x, y))
    return out


_array_or_scalar = (np.ndarray, np.floating)


def sign_of(x):
    """sign x as PyTorch: -1, 0 or 1, and 0 for nan, where NumPy gives nan (so |x|'s
    gradient at nan is 0, as in PyTorch). Tensors go to chainrule's sign.

    >>> sign_of(np.array([-2.0, -0.0, np.nan, 3.0]))
    array([-1.,  0.,  0.,  1.])
    """
    signs = np.sign(x)
    if isinstance(x, Tensor) or signs.dtype.kind != "f" or not np.isnan(signs).any():
        return signs
    return np.where(np.isnan(signs), 0, signs).astype(signs.dtype)


def normalize_dim(dim, ndim, op_name=None):
    """A non-negative axis for ``dim`` (PyTorch's IndexError when out of range)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
            + (f" in {op_name}" if op_name else "")
        )
    return dim % n if ndim else 0


def normalize_dims(dim, ndim, op_name=None):
    """A tuple of non-negative axes for ``dim`` (an int or a sequence), or None
    for None. A 0-d tensor has no axes to name: its dims 0 and -1 give ()."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        axis = normalize_dim(int(dim), ndim, op_name)
        return (axis,) if ndim else ()
    dims = tuple(normalize_dim(int(d), ndim, op_name) for d in dim)
    if len(set(dims)) != len(dims):
        repeated = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(
            f"{op_name or 'reduction'}: dim {repeated} appears multiple times in the list of dims "
            f"{tuple(dim)}; name each dim once"
        )
    return dims if ndim else ()


def size_mismatch(a_shape, b_shape):
    """PyTorch's message for the first dim, from the right, where ``a_shape`` and
    ``b_shape`` cannot broadcast; None where they can."""
    for i in range(1, max(len(a_shape), len(b_shape)) + 1):
        m = a_shape[-i] if i <= len(a_shape) else 1
        n = b_shape[-i] if i <= len(b_shape) else 1
        if m != n and m != 1 and n != 1:
            dim = max(len(a_shape), len(b_shape)) - i
            return (
                f"The size of tensor a ({m}) must match the size of tensor b ({n}) "
                f"at non-singleton dimension {dim}"
            )
    return None


def broadcast_error(op_name, a_shape, b_shape):
    """PyTorch's broadcast message, prefixed by the op and both shapes."""
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    mismatch = size_mismatch(a_shape, b_shape)
    if mismatch is not None:
        return RuntimeError(f"{op_name}: shapes {a_shape} and {b_shape} cannot be broadcast: {mismatch}")
    return RuntimeError(f"{op_name}: shapes {a_shape} and {b_shape} cannot be broadcast")


def check_inplace(tensor, op_name):
    """PyTorch's checks before an in-place op while recording: a leaf that
    requires grad refuses, and so does a view of one (see also ``check_view_inplace``)."""
    if grad_state.enabled:
        base = tensor._base
        if base is None:
            if tensor._requires_grad and tensor.grad_fn is None:
                raise _leaf_error(op_name)
        elif tensor._requires_grad or base._requires_grad:
            check_view_inplace(tensor, base, op_name)


def _leaf_error(op_name):
    return RuntimeError(
        f"a leaf Variable that requires grad is being used in an in-place operation "
        f"({op_name}). Do it under `with chainrule.no_grad():` (as optimizers do) or "
        "use the out-of-place op."
    )


def check_view_inplace(tensor, base, op_name):
    """An in-place op on the view ``tensor`` of ``base`` is about to be recorded:
    refuse the cases PyTorch refuses (the messages are PyTorch's)."""
    if tensor._view_meta is not None:
        raise RuntimeError(f"{_refused_view_message(tensor, False)} (in-place op: {op_name})")
    if base._requires_grad and base.grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation "
            f"({op_name}). Do it under `with chainrule.no_grad():`, or clone() the leaf first."
        )
    if tensor._requires_grad and tensor.grad_fn is None:
        raise _leaf_error(op_name)


def _refused_view_message(tensor, indirect):
    """PyTorch's message for a view made under no_grad or by a multi-output op
    that is modified in place (``indirect``: its base or another view of it was)."""
    meta = tensor._view_meta
    node = tensor.grad_fn
    what = "its base or another view of its base has been" if indirect else "is being"
    name = None if node is None else node.name().removesuffix("Backward0")
    if meta is NO_GRAD_VIEW or node is None:
        if node is None:
            message = "A view was created in"
        else:
            message = f"Output {tensor._output_nr} of {name} is a view of a view which was created in"
        message += f" no_grad mode and {what} modified inplace with grad mode enabled."
    else:
        message = f"Output {tensor._output_nr} of {name} is a view and {what} modified inplace."
    if meta is MULTI_OUTPUT_VIEW:
        return message + (
            " This view is the output of a function that returns multiple views. Such functions do "
            "not allow the output views to be modified inplace. You should replace the inplace "
            "operation by an out-of-place one."
        )
    return message + (
        " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
        "your code by moving both the view and the inplace either both inside the no_grad block "
        "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
        "to be tracked)."
    )


def write_inplace(tensor, result, op_name):
    """Store ``result`` (a Tensor computed out of place) into ``tensor``'s memory.

    When the op was recorded, ``tensor`` takes over its graph node, as
    PyTorch's in-place ops do; a saved copy keeps backward correct if the
    node saved the old values. When ``tensor`` is a view, its base gets the
    new history instead (``write_through_view``).
    """
    data = tensor._data
    array = result._data
    if array.dtype != data.dtype and category(array.dtype) > category(data.dtype):
        raise RuntimeError(
            f"{op_name}: result type {scalar_type_name(array.dtype)} can't be cast to the desired "
            f"output type {scalar_type_name(data.dtype)} (use the out-of-place op, or convert the "
            "tensor first, e.g. x = x.float())"
        )
    if array.shape != data.shape:
        try:
            np.broadcast_shapes(array.shape, data.shape)
        except ValueError:
            raise broadcast_error(op_name, data.shape, array.shape) from None
        if np.broadcast_shapes(array.shape, data.shape) != data.shape:
            raise RuntimeError(
                f"{op_name}: output with shape {tuple(data.shape)} doesn't match the broadcast "
                f"shape {tuple(np.broadcast_shapes(array.shape, data.shape))}"
            )
    if result.grad_fn is None and tensor._requires_grad and grad_state.enabled:
        # a result with no derivative (a comparison, x.eq_(y)): the tensor stays in the
        # graph with a zero gradient, as PyTorch's; keeping its old node would pass
        # gradients through as if nothing had been written
        result = DependsOn.apply(wrap(array.astype(data.dtype, copy=False)), tensor)
        array = result._data
    if not data.flags.writeable:
        raise RuntimeError(
            f"{op_name}: unsupported operation: more than one element of the written-to tensor refers "
            "to a single memory location (an expanded tensor, or read-only memory). Please clone() the "
            "tensor before performing the operation."
        )
    node = result.grad_fn
    region = None
    if node is not None:
        base = tensor._base
        if base is not None:
            check_view_inplace(tensor, base, op_name)
            region = view_region(tensor, base)
        if node.saved and any(s is data for s in node.saved) and not _reads_itself(node, tensor):
            _keep_old_values(node, tensor)
        if region is not None:
            return write_through_view(tensor, base, result, region)
    np.copyto(data, array, casting="unsafe")
    bump_version(tensor)
    if node is not None:
        _set_grad_fn(tensor, node, result._output_nr)
        node._outputs_meta = ((data.shape, data.dtype),)
        if tensor._views is not None:
            _refresh_views(tensor, None)
    return tensor


def _reads_itself(node, tensor):
    """True when another operand of the op shares ``tensor``'s memory (``y *= y``,
    ``y.mul_(y.detach())``, ``v.mul_(y[:2])``). PyTorch's node saves that operand
    as it is and so refuses it at backward once the write changed it; keeping
    the old values would silently differ."""
    box = tensor._version_box
    count = 0
    for t in node._inputs:
        if isinstance(t, Tensor) and t._version_box is box:
            count += 1
    return count > 1


def _keep_old_values(node, tensor):
    """``node`` saved ``tensor``'s values, which the in-place write is about to
    overwrite: give it a copy, held by a tensor that still points to where the
    old values came from, so double backward differentiates through them."""
    data = tensor._data
    old = wrap(data.copy(), tensor._requires_grad, tensor.grad_fn, tensor._output_nr)
    node.saved = tuple(old._data if s is data else s for s in node.saved)
    node._inputs = tuple(old if isinstance(t, Tensor) and t._data is data else t for t in node._inputs)


def inplace(op, op_name):
    """Make ``x.op_(...)`` from the out-of-place ``op``."""

    def method(self, *args, **kwargs):
        check_inplace(self, op_name)
        return write_inplace(self, op(self, *args, **kwargs), op_name)

    method.__name__ = op_name
    method.__doc__ = f"In-place version of :func:`{op.__name__}`."
    return method


def reshaping_inplace(op, op_name):
    """Make ``x.op_(...)`` from a view op (unsqueeze, transpose, ...): ``x`` takes the
    view's shape, and while recording its node, as PyTorch's ``unsqueeze_``."""

    def method(self, *args, **kwargs):
        check_inplace(self, op_name)
        view = op(self, *args, **kwargs)
        self._data = view._data
        if view.grad_fn is not None:
            _set_grad_fn(self, view.grad_fn)
        bump_version(self)
        return self

    method.__name__ = op_name
    method.__doc__ = f"In-place version of :func:`{op.__name__}`: changes this tensor's shape."
    return method


def inplace_on_copy(input, op, op_name, *args):
    """``op(input, *args)`` written back into ``input``: the ``inplace=True`` form of an
    op whose node keeps its input. While recording, the op runs on a copy, so the
    values its node saved stay valid after ``input`` is overwritten."""
    check_inplace(input, op_name)
    source = input.clone() if grad_state.enabled and input._requires_grad else input
    return write_inplace(input, op(source, *args), op_name)


def write_out(out, result, op_name):
    """PyTorch's ``out=`` argument: store ``result`` in ``out`` and return ``out``.

    ``out`` is resized when its shape differs (with PyTorch's warning when it
    held elements); the result must be castable to its dtype. Not recorded for
    backward: PyTorch refuses ``out=`` when an argument requires grad.

    >>> import chainrule
    >>> out = chainrule.empty(2)
    >>> chainrule.exp(chainrule.zeros(2), out=out) is out, out
    (True, tensor([1., 1.]))
    """
    if not isinstance(out, Tensor):
        raise TypeError(f"{op_name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if result._requires_grad and grad_state.enabled:
        raise RuntimeError(
            f"{op_name}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    check_inplace(out, op_name)
    data, array = out._data, result._data
    if array.dtype != data.dtype and category(array.dtype) > category(data.dtype):
        raise RuntimeError(
            f"{op_name}(): result type {scalar_type_name(array.dtype)} can't be cast to the desired output "
            f"type {scalar_type_name(data.dtype)}"
        )
    if data.shape != array.shape:
        if data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(data.shape)}, "
                f"which does not match the required output shape {list(array.shape)}. This behavior is "
                "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                "elements with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._data = data = np.empty(array.shape, data.dtype)
    np.copyto(data, array, casting="unsafe")
    bump_version(out)
    return out


def write_outs(out, results, op_name):
    """``out=(values, indices)`` of an op with two results (max, sort, topk, ...)."""
    if not isinstance(out, (tuple, list)) or len(out) != len(results):
        raise TypeError(f"{op_name}(): argument 'out' must be a tuple of {len(results)} Tensors")
    written = [write_out(o, r, op_name) for o, r in zip(out, results)]
    return type(results)(*written) if hasattr(results, "_fields") else tuple(written)


# --- views --------------------------------------------------------------------------------
#
# A view shares its base's memory and version counter and remembers the base
# (``_base``, the tensor owning the memory). An in-place op on a view, when
# recorded, is computed out of place and then, as in PyTorch:
#
#   base'  = CopySlices(base, result)   base with the view's elements replaced
#   view'  = AsStrided(base')           the view read back from the new base
#
# so gradients reach both the base's old history (outside the view) and the
# op's inputs (inside it). Where the view lies in its base is found from the
# two arrays' memory addresses when the op runs (``view_region``), which keeps
# making views as cheap as sharing the version counter: no view function is
# stored. Views recorded from a non-leaf base are listed on the base (weak
# references) so that, when the base gets a new history, they read from it
# too (PyTorch regenerates their grad_fn lazily; we do it at that moment).

NO_GRAD_VIEW = "no_grad"
MULTI_OUTPUT_VIEW = "multi_output"


def view_of(result, input):
    """Mark ``result`` as a view of ``input`` (it shares its memory): one version
    counter, and ``result._base`` is the tensor owning the memory.

    >>> import chainrule
    >>> x = chainrule.zeros(2, 3)
    >>> v = x.t()[0]
    >>> v._base is x, v._version_box is x._version_box
    (True, True)
    """
    result._version_box = input._version_box
    base = input._base
    if base is None:
        base = result._base = input
    else:
        result._base = base
        if input._view_meta is not None:
            result._view_meta = input._view_meta
    if result.grad_fn is None:
        if input._requires_grad:  # not recorded although the input requires grad: under no_grad
            result._view_meta = NO_GRAD_VIEW
    elif base.grad_fn is not None:  # a recorded view of a non-leaf: listed on it, see above
        _register_view(base, result)
    return result


def views_of(results, input):
    """``view_of`` for each output of a view op with several outputs (split,
    unbind): PyTorch refuses recorded in-place ops on those."""
    meta = MULTI_OUTPUT_VIEW if grad_state.enabled else NO_GRAD_VIEW
    for r in results:
        view_of(r, input)
        r._view_meta = meta
    return results


def _register_view(base, view):
    views = base._views
    if views is None:
        base._views = [_weak(view)]
        return
    views.append(_weak(view))
    n = len(views)
    if n >= 64 and not n & (n - 1):  # at 64, 128, 256, ...: forget dead views (amortized O(1))
        views[:] = [ref for ref in views if ref() is not None]


def _refresh_views(base, modified):
    """``base`` has a new grad_fn: its live recorded views (but ``modified``,
    done by the caller) now read from it. Returns whether ``modified`` is listed."""
    views = base._views
    listed = False
    if views:
        alive = []
        for ref in views:
            view = ref()
            if view is None or view._base is not base:
                continue
            alive.append(ref)
            if view is modified:
                listed = True
                continue
            region = view_region(view, base)
            if region is None:
                continue
            if view._view_meta is MULTI_OUTPUT_VIEW:  # PyTorch refuses to read it (at once; we at backward)
                node = RefusedView.apply_unary(base, _refused_view_message(view, True), view._data).grad_fn
                _set_grad_fn(view, node)
            else:
                _read_from_base(view, base, region)
        views[:] = alive
    return listed


def _read_from_base(view, base, region):
    """Make ``view``'s grad_fn read its values from ``base``'s current history."""
    _set_grad_fn(view, AsStrided.apply_unary(base, region, view._data).grad_fn)


def _set_grad_fn(tensor, node, output_nr=0):
    """Give ``tensor`` the new history ``node`` (output ``output_nr`` of it): an in-place
    op's result, a view reading its base again, the base a view wrote into."""
    previous = tensor.grad_fn
    tensor.grad_fn = node
    tensor._requires_grad = True
    if output_nr:
        tensor._output_nr = output_nr
    else:
        tensor.__dict__.pop("_output_nr", None)
    if tensor._retains_grad:
        tensor._follow_history(previous)


def write_through_view(tensor, base, result, region):
    """The recorded in-place write of ``result`` into the view ``tensor`` of ``base``."""
    written = CopySlices.apply(base, result, region, tensor._data)
    bump_version(tensor)
    _set_grad_fn(base, written.grad_fn)
    _read_from_base(tensor, base, region)
    if not _refresh_views(base, tensor):
        _register_view(base, tensor)
    return tensor


def _address(array):
    return array.__array_interface__["data"][0]


def _extent(shape, strides):
    """The lowest and highest byte offsets of an array's elements from its first one."""
    low = high = 0
    for n, stride in zip(shape, strides):
        if stride < 0:
            low += stride * (n - 1)
        else:
            high += stride * (n - 1)
    return low, high


def _strides(array):
    """``array``'s strides, 0 along dims of size 1 (where NumPy's may be anything)."""
    return tuple(0 if n == 1 else s for n, s in zip(array.shape, array.strides))


def view_region(view, base):
    """Where ``view``'s elements lie in ``base`` (a ViewRegion), or None when they
    do not lie there (``base.data`` was replaced since)."""
    data = view._data
    root = base._data
    if data.dtype != root.dtype:
        return None
    if data.size == 0:
        return ViewRegion(root.shape, data.shape, 0, (0,) * data.ndim)
    itemsize = root.itemsize
    start = _address(data) - _address(root)
    strides = _strides(data)
    root_strides = _strides(root)
    if start % itemsize or any(s % itemsize for s in strides + root_strides):
        return None
    low, high = _extent(data.shape, strides)
    root_low, root_high = _extent(root.shape, root_strides)
    if not (root_low <= start + low and start + high <= root_high):
        return None
    if root.flags.c_contiguous:
        return ViewRegion(root.shape, data.shape, start // itemsize, tuple(s // itemsize for s in strides))
    # Another layout (rare): number the base's elements in C order in a buffer
    # that mirrors its memory, one slot per element, and read the view's slots.
    slots = np.full((root_high - root_low) // itemsize + 1, -1, np.int64)

    def mirror(offset, shape, strides):
        position = (offset - root_low) // itemsize * 8
        return np.ndarray(shape, np.int64, slots, position, tuple(s // itemsize * 8 for s in strides))

    mirror(0, root.shape, root_strides)[...] = np.arange(root.size).reshape(root.shape)
    index = mirror(start, data.shape, strides).copy()
    if (index < 0).any():
        return None
    return ViewRegion(root.shape, data.shape, index=index)


class ViewRegion:
    """The elements of a base that a view covers, as positions in the base's C-order
    flat index: ``offset + sum(i_k * strides[k])`` for the view's index ``i``, or
    ``index[i]``. ``take`` and ``put`` apply to any array of the base's shape
    (gradients), whatever its memory layout."""

    __slots__ = ("base_shape", "shape", "offset", "strides", "index")

    def __init__(self, base_shape, shape, offset=0, strides=None, index=None):
        self.base_shape = base_shape
        self.shape = shape
        self.offset = offset
        self.strides = strides
        self.index = index

    def take(self, array):
        """The view's elements of ``array`` (a view of it when possible)."""
        if self.index is not None:
            return np.take(array, self.index)
        flat = np.ascontiguousarray(array).reshape(-1)
        size = flat.itemsize
        return _ndarray(
            self.shape, flat.dtype, flat, self.offset * size, tuple(s * size for s in self.strides)
        )

    def put(self, array, values):
        """A C-ordered copy of ``array`` with ``values`` at the view's elements."""
        out = np.array(array, order="C")
        if self.index is not None:
            out.reshape(-1)[self.index] = values
        else:
            self.take(out)[...] = values
        return out


def _differentiable(cls, value, *params):
    """``cls`` applied to an array, or recorded on a Tensor (create_graph)."""
    out = cls.apply(value, *params)
    return out if isinstance(value, Tensor) else out._data


class AsStrided(Primitive):
    """y = the elements of x that a view covers (``region``), in the view's shape:
    a view read back from its base after an in-place op.
    dL/dx = zeros with dL/dy put at those elements."""

    def forward(ctx, x, region, out=None):
        ctx.region = region
        return region.take(x) if out is None else out

    def backward(ctx, grad):
        return (_differentiable(AsStridedEmbed, grad, ctx.region),)


class AsStridedEmbed(Primitive):
    """y = zeros of the base's shape with x at the elements a view covers (the
    adjoint of AsStrided).   dL/dx = dL/dy at those elements."""

    def forward(ctx, x, region):
        ctx.region = region
        return region.put(np.zeros(region.base_shape, x.dtype), x)

    def backward(ctx, grad):
        return (_differentiable(AsStrided, grad, ctx.region),)


class ZeroRegion(Primitive):
    """y = x with the elements a view covers set to 0.
    dL/dx = dL/dy with those elements set to 0."""

    def forward(ctx, x, region):
        ctx.region = region
        return region.put(x, 0)

    def backward(ctx, grad):
        return (_differentiable(ZeroRegion, grad, ctx.region),)


class DependsOn(Primitive):
    """y = value, recorded as a function of ``source`` too, with dy/dsource = 0.
    dL/dvalue = dL/dy,   dL/dsource = 0.

    A piecewise-linear op's backward under create_graph (ReLU's g * [y > 0], max
    pooling's scatter) reads only a mask from its input, so its result would not
    depend on the input at all. PyTorch's threshold_backward and max-pooling
    backward keep it in the graph with a zero derivative: differentiating the
    gradient again gives zeros for the input (gradient penalties through ReLU
    networks), not "does not require grad". ``depends_on`` does the same."""

    def forward(ctx, value, source):
        ctx.source_shape = source.shape
        return value

    def backward(ctx, grad):
        return grad, (np.zeros(ctx.source_shape, grad.dtype) if ctx.needs_input_grad[1] else None)


def depends_on(value, source):
    """``value`` recorded as depending on ``source`` with derivative 0 when it is a
    Tensor (a rule under create_graph); an array (a plain backward) as it is."""
    return DependsOn.apply(value, source) if isinstance(value, Tensor) else value


class RefusedView(Primitive):
    """y = a piece of split/unbind whose base then changed in place: differentiating
    through it raises, as PyTorch does (its values are no longer those the graph saw)."""

    def forward(ctx, x, message, out):
        ctx.message = message
        return out

    def backward(ctx, grad):
        raise RuntimeError(ctx.message)


class CopySlices(Primitive):
    """base' = base with the elements a view covers replaced by src: the node an
    in-place op on a view gives the base (PyTorch's CopySlices). Forward writes
    src into the view's memory (``destination``), which is the base's.
    dL/dbase = dL/dbase' with those elements set to 0;  dL/dsrc = dL/dbase' at those elements."""

    @classmethod
    def name(cls):
        return "torch::autograd::CopySlices"  # PyTorch's name, as AccumulateGrad's

    def forward(ctx, base, src, region, destination):
        ctx.region = region
        np.copyto(destination, src, casting="unsafe")
        return base

    def backward(ctx, grad):
        need_base, need_src = ctx.needs_input_grad[:2]
        region = ctx.region
        return (
            _differentiable(ZeroRegion, grad, region) if need_base else None,
            _differentiable(AsStrided, grad, region) if need_src else None,
        )
