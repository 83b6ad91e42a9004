"""PyTorch's deprecated top-level functions that old scripts still call: each works as
PyTorch's does and gives its deprecation warning (``range``, ``set_default_tensor_type``,
``frobenius_norm``, ``nuclear_norm``), the norm old weight-norm code takes
(``norm_except_dim``), or answers for a feature chainrule lacks
(``is_storage``: chainrule has no storage objects)."""

import builtins
import math
import warnings

import numpy as np

from . import _dtype
from ._creation import _finish, _LegacyTensorType, _number, _out_dtype


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):  # noqa: A001
    """Evenly spaced values from ``start`` to ``end``, both included; of the default float
    dtype unless ``dtype`` says otherwise. Deprecated in PyTorch: use ``arange``.

    >>> import chainrule, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     chainrule.range(1, 4)
    tensor([1., 2., 3., 4.])
    """
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior is "
        "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values "
        "in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    if out is not None:
        dtype = _out_dtype(dtype, out)
    np_dtype = _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)
    start, end, step = _number(start), _number(end), _number(step)
    if np_dtype.kind != "f":  # PyTorch converts the bounds to the integer dtype first
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = math.floor((end - start) / step) + 1
    array = (start + np.arange(count, dtype=np.float64) * step).astype(np_dtype)
    return _finish(array, None, device, requires_grad, out, "range")


def set_default_tensor_type(t, /):
    """Make ``t`` (``FloatTensor``, ``DoubleTensor``, ``HalfTensor`` or their names, such as
    ``'torch.DoubleTensor'``) the type of new floating tensors: ``set_default_dtype`` of its
    dtype. Deprecated in PyTorch: use ``set_default_dtype``.

    >>> import chainrule, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     chainrule.set_default_tensor_type("torch.DoubleTensor")
    >>> chainrule.get_default_dtype()
    chainrule.float64
    >>> chainrule.set_default_dtype(chainrule.float32)
    """
    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(t, str):
        module, _, name = t.rpartition(".")
        if ".cuda" in f".{module}":
            raise TypeError(f"type {t} not available. chainrule runs on the CPU only: use '{name}'.")
        from . import _creation

        if module not in ("torch", "chainrule") or not isinstance(getattr(_creation, name, None), type):
            raise ModuleNotFoundError(f"No module named '{module or t}'")
        t = getattr(_creation, name)
    if not isinstance(t, _LegacyTensorType) or t.numpy_dtype.kind != "f":
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    _dtype.set_default_dtype(t.dtype)


def frobenius_norm(input, dim, keepdim=False):
    """The 2-norm of ``input``'s elements over ``dim``. Deprecated in PyTorch: use
    ``linalg.vector_norm(input, 2, dim, keepdim)``.

    >>> import chainrule, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     chainrule.frobenius_norm(chainrule.tensor([[3.0, 4.0]]), (0, 1))
    tensor(5.)
    """
    warnings.warn(
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    from .linalg import vector_norm

    return vector_norm(input, 2.0, dim, keepdim)


def nuclear_norm(input, dim=(-2, -1), keepdim=False):
    """The sum of the singular values of the matrices over ``dim``, or ``nuclear_norm(input,
    keepdim)``. Deprecated in PyTorch: use ``linalg.matrix_norm(input, 'nuc', dim, keepdim)``.

    >>> import chainrule, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     chainrule.nuclear_norm(chainrule.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor(7.)
    """
    warnings.warn(
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed "
        "in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(dim, bool):  # the overload nuclear_norm(input, keepdim)
        dim, keepdim = (-2, -1), dim
    from .linalg import matrix_norm

    return matrix_norm(input, "nuc", dim, keepdim)


def norm_except_dim(v, pow=2, dim=0):  # noqa: A002 - PyTorch's name
    """The ``pow``-norm of ``v`` over every dim but ``dim``, kept as size-1 dims (the
    norm ``weight_norm`` divides by); over all of ``v`` for ``dim`` -1.

    >>> import chainrule
    >>> chainrule.norm_except_dim(chainrule.tensor([[3.0, 0.0], [4.0, 1.0]]), 2, 1)
    tensor([[5., 1.]])
    """
    from .linalg import vector_norm

    if dim == -1:
        return vector_norm(v, pow)
    others = [d for d in builtins.range(v.dim()) if d != dim]
    return vector_norm(v, pow, others, keepdim=True)


def is_storage(obj, /):
    """Whether ``obj`` is a storage object: never, as chainrule's tensors own NumPy arrays.

    >>> import chainrule
    >>> chainrule.is_storage(chainrule.ones(2))
    False
    """
    return False


__all__ = [
    "range",
    "set_default_tensor_type",
    "frobenius_norm",
    "nuclear_norm",
    "norm_except_dim",
    "is_storage",
]
