"""dtypes and PyTorch's type-promotion rules.

A chainrule tensor stores a NumPy array; its dtype is one of the objects below,
each naming the NumPy dtype it stores. Promotion follows PyTorch, not NumPy:
an int64 tensor times a float32 tensor is float32 (NumPy says float64), a
Python float never upcasts a float32 tensor, and a zero-dimensional tensor
only decides the result when it is of a higher category (bool < integer <
floating) than every dimensioned operand.
"""

import builtins

import numpy as np


class dtype:
    """A tensor element type, e.g. ``chainrule.float32``.

    >>> import chainrule
    >>> chainrule.float32.is_floating_point, chainrule.float32.itemsize
    (True, 4)
    """

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, numpy_dtype):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize

    @property
    def is_complex(self):
        return False

    def to_real(self):
        return self

    def __repr__(self):
        return f"chainrule.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001 - PyTorch's name

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
FROM_NUMPY = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _by_name(name):
    return _BY_NAME[name]


# PyTorch's C++ names of the dtypes, which its error messages use ("Long").
_SCALAR_TYPE_NAMES = {
    float16.numpy: "Half",
    float32.numpy: "Float",
    float64.numpy: "Double",
    uint8.numpy: "Byte",
    int8.numpy: "Char",
    int16.numpy: "Short",
    int32.numpy: "Int",
    int64.numpy: "Long",
    bool.numpy: "Bool",
}


def scalar_type_name(np_dtype):
    """PyTorch's name for a dtype in error messages: ``Float``, ``Long``, ``Bool``, ...

    >>> import numpy as np
    >>> scalar_type_name(np.dtype(np.int64))
    'Long'
    """
    return _SCALAR_TYPE_NAMES[np.dtype(np_dtype)]


def from_type_name(name):
    """The dtype of a legacy type name: 'torch.FloatTensor' or 'chainrule.LongTensor' ...

    >>> from_type_name("torch.DoubleTensor")
    chainrule.float64
    """
    short = name.rsplit(".", 1)[-1]
    for np_dtype, scalar_name in _SCALAR_TYPE_NAMES.items():
        if short == scalar_name + "Tensor":
            return from_numpy_dtype(np_dtype)
    raise ValueError(f"invalid type: {name!r} (expected a name such as 'torch.FloatTensor' or a dtype)")


def from_numpy_dtype(np_dtype):
    """The chainrule dtype that stores ``np_dtype``; TypeError if there is none."""
    try:
        return FROM_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(
            f"chainrule has no dtype for NumPy's {np.dtype(np_dtype)}; "
            f"supported: {', '.join(d.name for d in ALL)}"
        ) from None


def to_numpy_dtype(d):
    """Accept a chainrule dtype, a NumPy dtype or a name and return the NumPy dtype."""
    if d.__class__ is dtype:
        return d.numpy
    if isinstance(d, str):
        d = _BY_NAME.get(d, d)
        if d.__class__ is dtype:
            return d.numpy
    np_dtype = np.dtype(d)
    from_numpy_dtype(np_dtype)  # reject dtypes we cannot store
    return np_dtype


# --- default dtype -------------------------------------------------------

_default = [float32]


def get_default_dtype():
    """The dtype Python floats become (float32 unless changed).

    >>> import chainrule
    >>> chainrule.get_default_dtype()
    chainrule.float32
    """
    return _default[0]


def set_default_dtype(d):
    """Make ``d`` (a floating dtype) the dtype of new floating tensors and of
    Python floats in arithmetic with integer tensors.

    >>> import chainrule
    >>> chainrule.set_default_dtype(chainrule.float64)
    >>> (chainrule.tensor([1, 2]) * 0.5).dtype
    chainrule.float64
    >>> chainrule.set_default_dtype(chainrule.float32)
    """
    if d.__class__ is not dtype or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def default_float():
    return _default[0].numpy


# --- promotion -------------------------------------------------------------

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def category(np_dtype):
    return _CATEGORY[np_dtype.kind]


def _promote_pair(a, b):
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


PROMOTE = {(a.numpy, b.numpy): _promote_pair(a.numpy, b.numpy) for a in ALL for b in ALL}

_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


def checked_cast(values, np_dtype):
    """Numbers (a Python number, or an array of them) as an array of ``np_dtype``, by
    PyTorch's checked conversion: into an integer dtype each value must be finite and
    in range, except that an unsigned dtype takes ints down to -max, wrapped (uint8
    holds -1 as 255). Anything else is a RuntimeError, as in PyTorch."""
    array = np.asarray(values)
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in "iu" and array.dtype.kind in "iuf" and array.size:
        info = np.iinfo(np_dtype)
        low = -info.max if np_dtype.kind == "u" and array.dtype.kind != "f" else info.min
        finite = array.dtype.kind != "f" or np.isfinite(array).all()
        if not (finite and low <= array.min() and array.max() <= info.max):
            raise RuntimeError(
                f"value cannot be converted to type {np_dtype.name}_t without overflow (values from "
                f"{array.min()} to {array.max()})"
            )
    return array.astype(np_dtype)


def number_as(value, np_dtype):
    """A number to fill an array of ``np_dtype`` with, as a 0-d array: Python numbers into
    an integer dtype by the checked conversion (``checked_cast``), anything else as NumPy
    converts it."""
    if np_dtype.kind in "iu" and value.__class__ in (builtins.int, builtins.float):
        return checked_cast(value, np_dtype)
    return np.asarray(value, np_dtype)


def scalar_dtype(value):
    """The dtype PyTorch gives a Python number standing alone."""
    if value.__class__ is builtins.bool:
        return _BOOL
    if isinstance(value, builtins.int):
        return _INT64
    return default_float()


def _combine(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    if category(higher) == 2:
        return higher
    if higher.kind == "b" or category(lower) == 2:
        return PROMOTE[higher, lower]
    return higher


def result_type(*operands):
    """PyTorch's result dtype for an op on tensors (or arrays) and Python numbers.

    >>> import chainrule
    >>> chainrule.result_type(chainrule.ones(2, dtype=chainrule.int64), 2.5)
    chainrule.float32
    """
    return from_numpy_dtype(result_numpy_dtype(*operands))


def result_numpy_dtype(*operands):
    dimensioned = zero_dim = scalars = None
    for x in operands:
        array = getattr(x, "_data", x)
        if isinstance(array, np.ndarray):
            if array.ndim:
                dimensioned = array.dtype if dimensioned is None else PROMOTE[dimensioned, array.dtype]
            else:
                zero_dim = array.dtype if zero_dim is None else PROMOTE[zero_dim, array.dtype]
        elif isinstance(array, np.generic):
            zero_dim = array.dtype if zero_dim is None else PROMOTE[zero_dim, array.dtype]
        else:
            d = scalar_dtype(array)
            scalars = d if scalars is None else PROMOTE[scalars, d]
    return _combine(dimensioned, _combine(zero_dim, scalars))


def promote_types(type1, type2):
    """The smallest dtype both ``type1`` and ``type2`` convert to, as ``torch.promote_types``:
    within a kind the wider one; across kinds (bool < integer < floating) the higher kind.

    >>> import chainrule
    >>> chainrule.promote_types(chainrule.uint8, chainrule.int32)
    chainrule.int32
    >>> chainrule.promote_types(chainrule.int64, chainrule.float16)
    chainrule.float16
    """
    return from_numpy_dtype(PROMOTE[to_numpy_dtype(type1), to_numpy_dtype(type2)])


def can_cast(from_, to):
    """PyTorch's ``can_cast``: whether a type conversion is allowed in an in-place
    op; never to a lower kind (float to integer, integer to bool).

    >>> import chainrule
    >>> chainrule.can_cast(chainrule.int64, chainrule.float16)
    True
    >>> chainrule.can_cast(chainrule.float32, chainrule.int32)
    False
    """
    return category(to_numpy_dtype(from_)) <= category(to_numpy_dtype(to))


# --- numerical limits ---------------------------------------------------------


def _limits_dtype(type, name):  # noqa: A002 - PyTorch's name
    if type.__class__ is not dtype:
        raise TypeError(
            f"{name}(): argument 'type' (position 1) must be chainrule.dtype, not {type.__class__.__name__}"
        )
    return type


class finfo:
    """The limits of a floating dtype (the default dtype if none is given), as ``torch.finfo``.

    >>> import chainrule
    >>> chainrule.finfo(chainrule.float32).eps
    1.1920928955078125e-07
    >>> chainrule.finfo(chainrule.float16).max, chainrule.finfo(chainrule.float16).bits
    (65504.0, 16)
    """

    def __init__(self, type=None):  # noqa: A002 - PyTorch's name
        type = _default[0] if type is None else _limits_dtype(type, "finfo")
        if not type.is_floating_point:
            raise TypeError(
                f"chainrule.finfo() requires a floating point input type, got {type}. "
                "Use chainrule.iinfo for integer types."
            )
        info = np.finfo(type.numpy)
        self.bits = builtins.int(info.bits)
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0**-info.precision  # exact, not rounded to the dtype as NumPy gives it
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    __hash__ = None  # unhashable, as PyTorch's

    def __repr__(self):
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """The limits of an integer dtype, as ``torch.iinfo``.

    >>> import chainrule
    >>> chainrule.iinfo(chainrule.uint8).max, chainrule.iinfo(chainrule.int16).min
    (255, -32768)
    """

    def __init__(self, type):  # noqa: A002 - PyTorch's name
        type = _limits_dtype(type, "iinfo")
        if type is bool:
            raise TypeError("chainrule.bool is not supported by chainrule.iinfo")
        if type.is_floating_point:
            raise TypeError(
                f"chainrule.iinfo() requires an integer input type, got {type}. "
                "Use chainrule.finfo for floating point types."
            )
        info = np.iinfo(type.numpy)
        self.bits = builtins.int(info.bits)
        self.max = builtins.int(info.max)
        self.min = builtins.int(info.min)
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    __hash__ = None  # unhashable, as PyTorch's

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
