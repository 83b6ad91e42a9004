"""PyTorch's top-level helpers that belong to no op family: ``scalar_tensor``,
``empty_strided``, ``unravel_index``, ``is_same_size`` and ``is_inference``."""

import math
import numbers

import numpy as np

from . import _dtype
from ._creation import _finish, full
from ._tensor import Tensor, wrap


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=None):
    """A 0-dim tensor holding ``s``, of the default float dtype unless ``dtype`` says
    otherwise (also for int and bool values, unlike ``tensor``).

    >>> import chainrule
    >>> chainrule.scalar_tensor(3), chainrule.scalar_tensor(2, dtype=chainrule.int64)
    (tensor(3.), tensor(2))
    """
    dtype = _dtype.get_default_dtype() if dtype is None else dtype
    return full((), s, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_strided(
    size, stride, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=None
):
    """A tensor of ``size`` laid out in memory with ``stride`` (in elements), for values
    written later (filled with zeros, as ``empty``).

    >>> import chainrule
    >>> chainrule.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"dimensionality of sizes ({len(size)}) must match dimensionality of strides ({len(stride)})"
        )
    for n in size:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(size)}")
    if any(step < 0 for step in stride):
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}"
        )
    # PyTorch's storage size: one past the farthest element (none when a dim is empty).
    storage = 0 if 0 in size else 1 + sum((n - 1) * step for n, step in zip(size, stride))
    np_dtype = _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)
    memory = np.zeros(storage, np_dtype)
    array = np.lib.stride_tricks.as_strided(memory, size, [step * memory.itemsize for step in stride])
    return _finish(array, None, device, requires_grad)


def unravel_index(indices, shape):
    """The coordinates, one tensor per dim of ``shape``, of the flat ``indices`` into a
    tensor of that shape (int64; out-of-range indices wrap around, as in PyTorch).

    >>> import chainrule
    >>> chainrule.unravel_index(chainrule.tensor([4, 1]), (3, 2))
    (tensor([2, 0]), tensor([0, 1]))
    """
    kind = indices._data.dtype.kind
    if kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if not isinstance(shape, (numbers.Integral, tuple, list)):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    for n in shape:
        if not isinstance(n, numbers.Integral):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(n)}")
    if any(n < 0 for n in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    if 0 in shape and indices._data.size:
        raise RuntimeError("ZeroDivisionError")  # PyTorch's integer division by an empty dim
    flat = indices._data.astype(np.int64)
    return tuple(wrap(np.floor_divide(flat, math.prod(shape[dim + 1 :])) % n) for dim, n in enumerate(shape))


def is_same_size(input, other):
    """Whether two tensors have the same shape.

    >>> import chainrule
    >>> chainrule.is_same_size(chainrule.ones(2, 3), chainrule.zeros(2, 3))
    True
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"is_same_size(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    if not isinstance(other, Tensor):
        raise TypeError(
            f"is_same_size(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    return input.is_same_size(other)


def is_inference(input):
    """Whether ``input`` is an inference tensor: never, as chainrule's ``inference_mode``
    is ``no_grad`` (README) and makes ordinary tensors.

    >>> import chainrule
    >>> with chainrule.inference_mode():
    ...     chainrule.is_inference(chainrule.ones(2))
    False
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"is_inference(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return input.is_inference()
