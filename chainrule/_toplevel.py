"""PyTorch's top-level helpers that belong to no op family: ``scalar_tensor``,
``empty_strided``, ``empty_permuted``, ``frombuffer``, ``fill``, ``addmv_``,
``unravel_index``, ``is_same_size``, ``get_device`` and ``is_inference``."""

import math
import numbers
import warnings

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


def empty_permuted(
    size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False
):
    """A tensor of ``size`` whose dims lie in memory in the order ``physical_layout``
    (outermost first), for values written later (filled with zeros, as ``empty``).

    >>> import chainrule
    >>> chainrule.empty_permuted((2, 3, 4), (2, 0, 1)).stride()
    (3, 1, 6)
    """
    size, physical_layout = tuple(size), tuple(physical_layout)
    if len(size) != len(physical_layout):
        raise RuntimeError(
            "Number of dimensions in size does not match the length of the physical_layout; i.e. "
            f"len(size) = {len(size)} is not equal to len(physical_layout) = {len(physical_layout)}"
        )
    for index, dim in enumerate(physical_layout):
        if not 0 <= dim < len(size):
            raise RuntimeError(
                f"Dimension out of range (expected to be between 0 and {len(size) - 1}, but got {dim} at "
                f"index {index}).  NB: negative dims not currently supported; file an issue if you want it."
            )
    if len(set(physical_layout)) != len(physical_layout):
        raise RuntimeError("Duplicate dim not allowed")
    np_dtype = _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)
    memory = np.zeros([size[dim] for dim in physical_layout], np_dtype)
    return _finish(memory.transpose(np.argsort(physical_layout)), None, device, requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the memory of ``buffer`` (an object with Python's buffer protocol,
    such as a ``bytearray``): ``count`` elements of ``dtype`` from byte ``offset`` on (all,
    when ``count`` is -1). Writes to the tensor change the buffer.

    >>> import chainrule
    >>> data = bytearray(b"\\x01\\x00\\x02\\x00")
    >>> chainrule.frombuffer(data, dtype=chainrule.int16)
    tensor([1, 2], dtype=chainrule.int16)
    """
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    np_dtype = _dtype.to_numpy_dtype(dtype)
    length, itemsize = view.nbytes, np_dtype.itemsize
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({length} bytes) minus 1"
        )
    if count < 0:
        if (length - offset) % itemsize:
            raise ValueError(
                f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a multiple "
                f"of element size ({itemsize})"
            )
        count = (length - offset) // itemsize
    elif count * itemsize > length - offset:
        raise ValueError(
            f"requested buffer length ({count} * {itemsize} bytes) after offset ({offset} bytes) must not be "
            f"greater than actual buffer length ({length} bytes)"
        )
    array = np.frombuffer(view, np_dtype, count, offset)
    if view.readonly:  # chainrule's tensors are writable: a copy, where PyTorch writes into it anyway
        warnings.warn(
            "The given buffer is not writable: chainrule copies it, so writes to the tensor leave the "
            "buffer as it was. Pass a writable buffer (a bytearray) to share its memory.",
            UserWarning,
            stacklevel=2,
        )
        array = array.copy()
    return _finish(array, None, None, requires_grad)


def fill(input, value):
    """A tensor of ``input``'s shape and dtype with every element ``value`` (a number or
    a 0-dim tensor, whose gradient is the sum of the result's).

    >>> import chainrule
    >>> chainrule.fill(chainrule.zeros(2, dtype=chainrule.int64), 2.7)
    tensor([2, 2])
    """
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
        )
    return input.clone().fill_(value)


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    """``input.addmv_(mat, vec, beta=beta, alpha=alpha)``: ``beta * input + alpha * mat @ vec``
    written into ``input``.

    >>> import chainrule
    >>> chainrule.addmv_(chainrule.ones(2), chainrule.ones(2, 3), chainrule.ones(3), beta=2, alpha=3)
    tensor([11., 11.])
    """
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


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


def get_device(input):
    """The index of ``input``'s device: -1, the CPU's, for every chainrule tensor.

    >>> import chainrule
    >>> chainrule.get_device(chainrule.ones(2))
    -1
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"get_device(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return input.get_device()


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
