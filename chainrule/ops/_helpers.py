"""Plumbing shared by the ops modules: binding methods onto Tensor, type
promotion of operands, dimension arguments, and PyTorch's in-place rules."""

import numpy as np

from .._dtype import PROMOTE, from_numpy_dtype, result_numpy_dtype, scalar_dtype, to_numpy_dtype
from .._tensor import NUMPY_FUNCTIONS, Tensor, bump_version, wrap
from ..autograd.grad_mode import state as grad_state

_ndarray = np.ndarray


def bind(methods, numpy_functions=None):
    """Attach ``{name: function}`` as Tensor methods (an op's first argument is
    the tensor) and register NumPy equivalents for the array protocol."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    if numpy_functions:
        NUMPY_FUNCTIONS.update(numpy_functions)


def as_tensor_arg(value, like=None):
    """A Tensor for ``value``; Python numbers take PyTorch's scalar dtype."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (_ndarray, np.generic)):
        return wrap(np.asarray(value))
    if like is not None and isinstance(value, (int, float, bool)):
        dtype = result_numpy_dtype(like, value)
        return wrap(np.asarray(value, dtype=dtype))
    return wrap(
        np.asarray(value, dtype=scalar_dtype(value) if isinstance(value, (int, float, bool)) else None)
    )


def promote(op_name, *operands):
    """Cast tensor operands to PyTorch's common dtype (differentiably).

    Python numbers stay Python numbers: NumPy then keeps the tensor's dtype,
    which matches PyTorch once the tensors agree.
    """
    target = result_numpy_dtype(*operands)
    converted = []
    for x in operands:
        if isinstance(x, Tensor):
            if x._data.dtype != target:
                x = x._cast(target)
        elif isinstance(x, (_ndarray, np.generic)):
            x = wrap(np.asarray(x, dtype=target))
        elif isinstance(x, (bool, int, float)):
            if to_numpy_dtype(target).kind == "b" and not isinstance(x, bool):
                x = wrap(np.asarray(x, dtype=PROMOTE[target, scalar_dtype(x)]))
        else:
            raise TypeError(f"{op_name}(): expected a Tensor or a number, got {type(x).__name__}")
        converted.append(x)
    return converted


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
    """A tuple of axes for ``dim`` (None, an int, or a sequence), or None for all."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (normalize_dim(int(dim), ndim, op_name),)
    dims = tuple(normalize_dim(int(d), ndim, op_name) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return dims if ndim else ()


def broadcast_error(op_name, a_shape, b_shape):
    """PyTorch's broadcast message, prefixed by the op and both shapes."""
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    for i in range(1, max(len(a_shape), len(b_shape)) + 1):
        m = a_shape[-i] if i <= len(a_shape) else 1
        n = b_shape[-i] if i <= len(b_shape) else 1
        if m != n and m != 1 and n != 1:
            dim = max(len(a_shape), len(b_shape)) - i
            return RuntimeError(
                f"{op_name}: shapes {a_shape} and {b_shape} cannot be broadcast: "
                f"The size of tensor a ({m}) must match the size of tensor b ({n}) "
                f"at non-singleton dimension {dim}"
            )
    return RuntimeError(f"{op_name}: shapes {a_shape} and {b_shape} cannot be broadcast")


def check_inplace(tensor, op_name):
    """PyTorch refuses in-place changes to a leaf that requires grad while recording."""
    if grad_state.enabled and tensor._requires_grad and tensor.grad_fn is None:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation "
            f"({op_name}). Do it under `with chainrule.no_grad():` (as optimizers do) or "
            "use the out-of-place op."
        )


def write_inplace(tensor, result, op_name):
    """Store ``result`` (a Tensor computed out of place) into ``tensor``'s memory.

    When the op was recorded, ``tensor`` takes over its graph node, as
    PyTorch's in-place ops do; a saved copy keeps backward correct if the
    node saved the old values.
    """
    data = tensor._data
    array = result._data
    if array.dtype != data.dtype and from_numpy_dtype(array.dtype) is not None:
        if PROMOTE[array.dtype, data.dtype] != data.dtype:
            raise RuntimeError(
                f"{op_name}: result type {from_numpy_dtype(array.dtype).name} can't be cast to "
                f"the desired output type {from_numpy_dtype(data.dtype).name}"
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
    node = result.grad_fn
    if node is not None and node.saved:
        node.saved = tuple(s.copy() if s is data else s for s in node.saved)
    np.copyto(data, array, casting="unsafe")
    bump_version(tensor)
    if node is not None:
        tensor.grad_fn = node
        tensor._output_nr = result._output_nr
        tensor._requires_grad = True
        node._outputs_meta = ((data.shape, data.dtype),)
    return tensor


def inplace(op, op_name):
    """Make ``x.op_(...)`` from the out-of-place ``op``."""

    def method(self, *args, **kwargs):
        check_inplace(self, op_name)
        return write_inplace(self, op(self, *args, **kwargs), op_name)

    method.__name__ = op_name
    method.__doc__ = f"In-place version of :func:`{op.__name__}`."
    return method
