"""Plumbing shared by the ops modules: binding methods onto Tensor, type
promotion of operands, dimension arguments, and PyTorch's in-place rules."""

import numpy as np

from .._dtype import category, result_numpy_dtype, scalar_type_name
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
    node = result.grad_fn
    if node is not None and node.saved and any(s is data for s in node.saved):
        _keep_old_values(node, tensor)
    np.copyto(data, array, casting="unsafe")
    bump_version(tensor)
    if node is not None:
        tensor.grad_fn = node
        tensor._output_nr = result._output_nr
        tensor._requires_grad = True
        node._outputs_meta = ((data.shape, data.dtype),)
    return tensor


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
