"""Making tensors: from data, filled with constants, ranges, random values.

Every function takes PyTorch's ``dtype``, ``device`` (CPU only) and
``requires_grad`` keywords. Python floats become the default dtype
(float32), Python ints int64, bools bool; NumPy scalars and arrays keep their
dtype, and a list mixing them takes the promotion of its elements' dtypes.
Random values come from ``_random``'s generators, so ``manual_seed`` makes
them repeat; they are not PyTorch's numbers for the same seed.
"""

from functools import reduce
from itertools import chain

import numpy as np

from . import _dtype
from ._random import numpy_generator
from ._tensor import Size, Tensor, bump_version, wrap
from ._tensor import device as _device
from .autograd.grad_mode import state as grad_state
from .ops._helpers import check_inplace, write_out


def _finish(array, dtype, device, requires_grad, out=None, op_name=None):
    """The tensor for ``array``, converted to ``dtype``, on a checked ``device``
    (written into ``out`` when given, see ``write_out``)."""
    if device is not None:
        _device(device)
    if dtype is not None:
        np_dtype = _dtype.to_numpy_dtype(dtype)
        if array.dtype != np_dtype:
            array = array.astype(np_dtype)
    t = wrap(array)
    if requires_grad:
        if array.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    if out is not None:
        return write_out(out, t, op_name)
    return t


def _out_dtype(dtype, out):
    """The dtype of a new tensor written into ``out``: ``out``'s, unless ``dtype`` says
    otherwise, which PyTorch refuses."""
    if dtype is None:
        return out.dtype
    if _dtype.to_numpy_dtype(dtype) != out._data.dtype:
        raise RuntimeError(
            f"dtype {_dtype.scalar_type_name(_dtype.to_numpy_dtype(dtype))} does not match dtype of out "
            f"parameter ({_dtype.scalar_type_name(out._data.dtype)})"
        )
    return dtype


def _shape(size, op_name):
    """A shape from PyTorch's size forms: ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, ``f(Size)``."""
    if not size:
        raise TypeError(f'{op_name}() missing 1 required positional arguments: "size"')
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = size[0]
        if isinstance(size, Tensor):
            size = size.tolist()
    shape = []
    for i, n in enumerate(size):
        if not isinstance(n, (int, np.integer)) and not (
            isinstance(n, Tensor) and n._data.dtype.kind in "iu"
        ):
            raise TypeError(
                f"{op_name}(): argument 'size' must be tuple of ints, but found element of type "
                f"{type(n).__name__} at pos {i}"
            )
        shape.append(int(n))
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {shape}")
    return tuple(shape)


# --- from data ---------------------------------------------------------------------------

_PYTHON_NUMBERS = frozenset((float, int, bool))
_SEQUENCES = frozenset((list, tuple))
# elements that carry a dtype of their own, which PyTorch keeps (a Python float has none)
_TYPED_ELEMENTS = (np.generic, np.ndarray, Tensor)
# elements whose type alone does not give their dtype
_COMPOUND_ELEMENTS = (list, tuple, np.ndarray, Tensor)


def _innermost_types(data):
    """The types of the innermost elements of nested lists and tuples ``data``. Each
    level is flattened by C loops (``chain``, ``map``), so a long list costs no
    Python-level step per element."""
    types = set(map(type, data))
    while types and types <= _SEQUENCES:
        data = list(chain.from_iterable(data))
        types = set(map(type, data))
    return types


def _infer_array(data, dtype=None):
    """An ndarray for ``data`` with PyTorch's dtype inference. Python floats
    stay float64 when a ``dtype`` is asked for: ``_finish`` rounds them once, to
    it, not first to the default float (0.1 as float64 is 0.1, not 0.100000001)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
        if dtype is None or array.dtype.kind not in "biufc":  # a dtype asked for converts any number
            _dtype.from_numpy_dtype(array.dtype)
        return array
    types = ()
    if isinstance(data, (list, tuple)):
        types = _innermost_types(data)
        if any(issubclass(t, _TYPED_ELEMENTS) for t in types):
            return _array_of_typed_elements(data, dtype)
    # from here on Python numbers, which NumPy reads as float64, int64 or bool
    try:
        array = np.array(data)
    except ValueError as error:
        raise ValueError(f"could not make a tensor from ragged nested sequences: {error}") from None
    kind = array.dtype.kind
    if kind in "uO" or kind == "f" and int in types and float not in types:
        element_types = types or {data.__class__}
        if int in element_types and element_types <= _PYTHON_NUMBERS:
            return _ints_beyond_int64(data, dtype)
    if kind == "f":
        return array if dtype is not None else array.astype(_dtype.default_float(), copy=False)
    if kind in "iu":
        return array.astype(np.int64, copy=False)
    if kind == "b":
        return array
    raise TypeError(f"new(): invalid data type '{type(data).__name__}'")


def _ints_beyond_int64(data, dtype):
    """Python ints NumPy could not fit in int64 (it made uint64, float64 or objects
    of them): as in PyTorch, only a floating ``dtype`` takes them."""
    if dtype is None or _dtype.to_numpy_dtype(dtype).kind != "f":
        raise ValueError(
            "Overflow when unpacking long long: a Python int beyond int64 needs a floating dtype, "
            "e.g. dtype=chainrule.float64"
        )
    return np.array(data, dtype=np.float64)


def _array_of_typed_elements(data, dtype):
    """``data`` nesting NumPy scalars, arrays or tensors. As in PyTorch, each keeps
    its dtype and the tensor's is their promotion (a Python float counts as the
    default float, an int as int64, a bool as bool); a tensor is read as one number."""
    dtypes = set()
    data = _collect_dtypes(data, dtypes)
    np_dtype = reduce(_promote, dtypes)
    if dtype is not None and _dtype.to_numpy_dtype(dtype).kind == "f":
        np_dtype = _dtype.to_numpy_dtype(dtype)  # each number rounded once, to the dtype asked for
    try:  # into an integer dtype, ``tensor`` converts and checks after
        return np.array(data, dtype=np_dtype)
    except ValueError as error:
        raise ValueError(f"could not make a tensor from ragged nested sequences: {error}") from None


def _promote(a, b):
    return _dtype.PROMOTE[a, b]


def _collect_dtypes(data, dtypes):
    """Add the dtype of each element of the list ``data`` to ``dtypes``; return
    ``data`` with every tensor in it made a 0-d array."""
    if not data:  # an empty list counts as the default float
        dtypes.add(_dtype.default_float())
        return data
    types = set(map(type, data))
    if not any(issubclass(t, _COMPOUND_ELEMENTS) for t in types):  # numbers only: their types say it all
        dtypes.update(map(_number_dtype, types))
        return data
    return [_collect_element_dtype(x, dtypes) for x in data]


def _collect_element_dtype(x, dtypes):
    if isinstance(x, (list, tuple)):
        return _collect_dtypes(x, dtypes)
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise ValueError(
                "only one element tensors can be converted to Python scalars (got a tensor of shape "
                f"{list(x._data.shape)} inside a list; chainrule.stack joins tensors)"
            )
        x = x._data.reshape(())
    if isinstance(x, np.ndarray):
        dtypes.add(_dtype.from_numpy_dtype(x.dtype).numpy)
    else:
        dtypes.add(_number_dtype(type(x)))
    return x


def _number_dtype(number_type):
    """PyTorch's dtype for a number of ``number_type``: a NumPy scalar's own, int64,
    the default float or bool for Python's."""
    if issubclass(number_type, np.generic):
        return _dtype.from_numpy_dtype(np.dtype(number_type)).numpy
    if number_type in _PYTHON_NUMBERS:
        return _dtype.scalar_dtype(number_type())
    raise TypeError(f"new(): invalid data type '{number_type.__name__}'")


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (numbers, nested lists, arrays).

    >>> import chainrule
    >>> chainrule.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> chainrule.tensor([1.5, 2.0], requires_grad=True)
    tensor([1.5000, 2.0000], requires_grad=True)
    """
    if dtype is not None and not isinstance(data, (np.ndarray, np.generic, Tensor)):
        # numbers, checked as PyTorch checks them (arrays convert as they are)
        array = _dtype.checked_cast(_infer_array(data, dtype), _dtype.to_numpy_dtype(dtype))
    else:
        array = np.array(_infer_array(data, dtype), copy=True)
    return _finish(array, dtype, device, requires_grad)


class _LegacyTensorType(type):
    """``FloatTensor``, ``LongTensor``, ...: PyTorch's old per-dtype tensor types. Calling
    one makes a tensor of its dtype, from data or from sizes (uninitialised), and
    ``isinstance(x, FloatTensor)`` asks whether ``x`` is a float32 tensor."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls.numpy_dtype

    @property
    def dtype(cls):
        return _dtype.from_numpy_dtype(cls.numpy_dtype)

    def __call__(cls, *args, device=None):
        dtype = _dtype.from_numpy_dtype(cls.numpy_dtype)
        if not args:
            return empty(0, dtype=dtype, device=device)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            return tensor(args[0], dtype=dtype, device=device)
        return empty(*args, dtype=dtype, device=device)


def _legacy_tensor_type(np_type):
    np_dtype = np.dtype(np_type)
    name = _dtype.scalar_type_name(np_dtype) + "Tensor"
    doc = f"A {np_dtype.name} tensor from data, or uninitialised of the sizes given (PyTorch's legacy type)."
    return _LegacyTensorType(name, (), {"numpy_dtype": np_dtype, "__doc__": doc, "__module__": __name__})


FloatTensor = _legacy_tensor_type(np.float32)
DoubleTensor = _legacy_tensor_type(np.float64)
HalfTensor = _legacy_tensor_type(np.float16)
LongTensor = _legacy_tensor_type(np.int64)
IntTensor = _legacy_tensor_type(np.int32)
ShortTensor = _legacy_tensor_type(np.int16)
CharTensor = _legacy_tensor_type(np.int8)
ByteTensor = _legacy_tensor_type(np.uint8)
BoolTensor = _legacy_tensor_type(np.bool_)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when it can (a tensor, or
    an array of the requested dtype).

    >>> import numpy as np, chainrule
    >>> a = np.zeros(2)
    >>> chainrule.as_tensor(a).dtype
    chainrule.float64
    """
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dtype else data.to(dtype)
    return _finish(_infer_array(data, dtype), dtype, device, False)


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (changes show in both).

    >>> import numpy as np, chainrule
    >>> a = np.zeros(2, dtype=np.float32)
    >>> t = chainrule.from_numpy(a)
    >>> a[0] = 5
    >>> t
    tensor([5., 0.])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype not in _dtype.FROM_NUMPY:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{ndarray.dtype.type.__name__}. The only supported "
            f"types are: {', '.join(d.name for d in _dtype.ALL)}."
        )
    return wrap(ndarray)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``obj`` as a tensor, sharing memory with a tensor or NumPy array when its dtype
    already fits (unless ``copy=True``); ``copy=False`` refuses to copy.

    >>> import numpy as np, chainrule
    >>> a = np.zeros(2, dtype=np.float32)
    >>> t = chainrule.asarray(a)
    >>> a[0] = 1
    >>> t
    tensor([1., 0.])
    """
    if device is not None:
        _device(device)
    if isinstance(obj, Tensor):
        array = obj._data
    elif isinstance(obj, np.ndarray):
        array = obj
    else:
        if copy is False:
            raise ValueError(
                f"can't alias {type(obj).__name__} into a tensor without copying it (copy=False)"
            )
        return tensor(obj, dtype=dtype, requires_grad=requires_grad)
    np_dtype = array.dtype if dtype is None else _dtype.to_numpy_dtype(dtype)
    if np_dtype != array.dtype and copy is False:
        raise ValueError(
            f"can't alias tensor with dtype '{_dtype.scalar_type_name(array.dtype)}' into dtype "
            f"'{_dtype.scalar_type_name(np_dtype)}'."
        )
    if isinstance(obj, Tensor) and np_dtype == array.dtype and not copy:
        return obj
    if copy or np_dtype != array.dtype:
        array = array.astype(np_dtype)  # a new array
    return _finish(from_numpy(array)._data, None, None, requires_grad)


def _triangle_indices(row, col, offset, dtype, op_name, lower):
    if row < 0 or col < 0:
        name, value = ("row", row) if row < 0 else ("col", col)
        raise RuntimeError(f"{name} must be non-negative, got{value}")
    np_dtype = np.dtype(np.int64) if dtype is None else _dtype.to_numpy_dtype(dtype)
    if np_dtype.kind not in "iu":
        raise NotImplementedError(f"\"{op_name}\" not implemented for '{_dtype.scalar_type_name(np_dtype)}'")
    rows, cols = np.tril_indices(row, offset, col) if lower else np.triu_indices(row, offset, col)
    return np.stack([rows, cols]).astype(np_dtype)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) indices of the lower triangle (up to diagonal ``offset``) of
    a ``row`` x ``col`` matrix, as a 2 x N int64 tensor in row-major order.

    >>> import chainrule
    >>> chainrule.tril_indices(2, 2)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return _finish(_triangle_indices(row, col, offset, dtype, "tril_indices", True), None, device, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) indices of the upper triangle (from diagonal ``offset``) of
    a ``row`` x ``col`` matrix, as a 2 x N int64 tensor in row-major order.

    >>> import chainrule
    >>> chainrule.triu_indices(2, 2)
    tensor([[0, 0, 1],
            [0, 1, 1]])
    """
    return _finish(_triangle_indices(row, col, offset, dtype, "triu_indices", False), None, device, False)


# --- filled with a constant ----------------------------------------------------------------


def _default(dtype):
    return _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)


# The size comes positionally (``zeros(2, 3)``, ``zeros((2, 3))``) or as PyTorch's
# keyword ``size=``; a ``*size`` parameter could not also take the keyword. The
# keyword and ``out=`` take a separate path, which keeps the common call as fast
# as it was.


def _size_or_out(make, sizes, size, out, dtype, **kwargs):
    """``make(size=..., out=...)`` for zeros, ones, empty, rand and randn."""
    if size is not None:
        if sizes:
            raise TypeError(f"{make.__name__}() got multiple values for argument 'size'")
        sizes = (size,)
    if out is None:
        return make(*sizes, dtype=dtype, **kwargs)
    return write_out(out, make(*sizes, dtype=_out_dtype(dtype, out), **kwargs), make.__name__)


def zeros(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros (float32 unless ``dtype`` says otherwise).

    >>> import chainrule
    >>> chainrule.zeros(2, 3).shape, chainrule.zeros(size=(2,), dtype=chainrule.int64)
    (chainrule.Size([2, 3]), tensor([0, 0]))
    """
    if size is not None or out is not None:
        return _size_or_out(zeros, sizes, size, out, dtype, device=device, requires_grad=requires_grad)
    return _finish(np.zeros(_shape(sizes, "zeros"), _default(dtype)), None, device, requires_grad)


def ones(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of ones.

    >>> import chainrule
    >>> chainrule.ones(2)
    tensor([1., 1.])
    """
    if size is not None or out is not None:
        return _size_or_out(ones, sizes, size, out, dtype, device=device, requires_grad=requires_grad)
    return _finish(np.ones(_shape(sizes, "ones"), _default(dtype)), None, device, requires_grad)


def empty(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False, memory_format=None):
    """A tensor of the given size, for values written later (chainrule fills it
    with zeros, so nothing uninitialised is ever read).

    >>> import chainrule
    >>> chainrule.empty(2, 3).shape
    chainrule.Size([2, 3])
    """
    if size is not None or out is not None:
        return _size_or_out(empty, sizes, size, out, dtype, device=device, requires_grad=requires_grad)
    return _finish(np.zeros(_shape(sizes, "empty"), _default(dtype)), None, device, requires_grad)


def _fill_dtype(fill_value, dtype):
    """``dtype``, or PyTorch's dtype for ``fill_value`` (bool, int64 or the default float)."""
    if dtype is not None:
        return _dtype.to_numpy_dtype(dtype)
    if isinstance(fill_value, Tensor):
        return fill_value._data.dtype
    return _dtype.scalar_dtype(fill_value.item() if isinstance(fill_value, np.generic) else fill_value)


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value``; its dtype follows the value (bool, int64
    or float32), as in PyTorch.

    >>> import chainrule
    >>> chainrule.full((2,), 7), chainrule.full((2,), 1.5)
    (tensor([7, 7]), tensor([1.5000, 1.5000]))
    """
    if out is not None:
        dtype = _out_dtype(dtype, out)
    np_dtype = _fill_dtype(fill_value, dtype)
    value = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    value = _dtype.number_as(value, np_dtype)  # PyTorch's checks: uint8 takes -1; 300 is an error
    shape = _shape((size,), "full")
    return _finish(np.full(shape, value, np_dtype), None, device, requires_grad, out, "full")


def _like_dtype(input, dtype):
    return input._data.dtype if dtype is None else _dtype.to_numpy_dtype(dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with the shape (and dtype, unless given) of ``input``.

    >>> import chainrule
    >>> chainrule.zeros_like(chainrule.tensor([1, 2]))
    tensor([0, 0])
    """
    return _finish(np.zeros(input._data.shape, _like_dtype(input, dtype)), None, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Ones with the shape (and dtype, unless given) of ``input``.

    >>> import chainrule
    >>> chainrule.ones_like(chainrule.zeros(2), dtype=chainrule.int64)
    tensor([1, 1])
    """
    return _finish(np.ones(input._data.shape, _like_dtype(input, dtype)), None, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """A tensor for values written later, with the shape of ``input`` (zero-filled).

    >>> import chainrule
    >>> chainrule.empty_like(chainrule.ones(2, 2)).shape
    chainrule.Size([2, 2])
    """
    return _finish(np.zeros(input._data.shape, _like_dtype(input, dtype)), None, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """``fill_value`` everywhere, with the shape and dtype of ``input`` (the value is converted).

    >>> import chainrule
    >>> chainrule.full_like(chainrule.tensor([1, 2]), 2.7)
    tensor([2, 2])
    """
    np_dtype = _like_dtype(input, dtype)
    value = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    return _finish(np.full(input._data.shape, value, np_dtype), None, device, requires_grad)


# --- ranges ----------------------------------------------------------------------------------


def _number(value):
    return value.item() if isinstance(value, (Tensor, np.generic)) else value


def arange(start=None, end=None, step=1, *, out=None, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values in ``[start, end)``; int64 when every argument is an
    integer, else float32. Its length is ceil((end - start) / step).
    ``arange(n)`` and ``arange(end=n)`` count from 0.

    >>> import chainrule
    >>> chainrule.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> chainrule.arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if end is None:
        if start is None:
            raise TypeError('arange() missing 1 required positional arguments: "end"')
        start, end = 0, start
    elif start is None:
        start = 0
    if out is not None:
        dtype = _out_dtype(dtype, out)
    start, end, step = _number(start), _number(end), _number(step)
    if dtype is None:
        integral = all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, end, step)
        )
        np_dtype = np.dtype(np.int64) if integral else _dtype.default_float()
    else:
        np_dtype = _dtype.to_numpy_dtype(dtype)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = int(np.ceil((end - start) / step))
    if np_dtype.kind == "f":  # start + i * step in double precision, then rounded once
        array = (start + np.arange(count, dtype=np.float64) * step).astype(np_dtype)
    else:
        array = (int(start) + np.arange(count, dtype=np.int64) * int(step)).astype(np_dtype)
    return _finish(array, None, device, requires_grad, out, "arange")


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    >>> import chainrule
    >>> chainrule.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    steps = int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if out is not None:
        dtype = _out_dtype(dtype, out)
    np_dtype = _default(dtype)
    # PyTorch's kernel: in the output's float dtype (double for integers), counting
    # from the start for the first half and back from the end for the second
    compute = np_dtype if np_dtype.kind == "f" else np.dtype(np.float64)
    start, end = _number(start), _number(end)
    if np_dtype.kind != "f":  # PyTorch converts the ends to the integer dtype first
        start, end = int(start), int(end)
    start, end = compute.type(start), compute.type(end)
    # (the counts as integers, each at most steps // 2: a float16 count past 65,504 is inf)
    i = np.arange(steps)
    half = steps // 2
    from_start = np.minimum(i, half).astype(compute)
    from_end = np.minimum(steps - 1 - i, half).astype(compute)
    step = (end - start) / compute.type(steps - 1) if steps > 1 else compute.type(0)
    array = np.where((i < half) | (steps == 1), start + step * from_start, end - step * from_end)
    return _finish(array.astype(np_dtype), None, device, requires_grad, out, "linspace")


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``.

    >>> import chainrule
    >>> chainrule.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    if out is not None:
        dtype = _out_dtype(dtype, out)
    exponents = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish((base**exponents).astype(_default(dtype)), None, device, requires_grad, out, "logspace")


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix (``n`` x ``m``, square by default).

    >>> import chainrule
    >>> chainrule.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    if out is not None:
        dtype = _out_dtype(dtype, out)
    return _finish(np.eye(n, m, dtype=_default(dtype)), None, device, requires_grad, out, "eye")


# --- random ------------------------------------------------------------------------------------


def _float_dtype(dtype, kernel):
    np_dtype = _default(dtype)
    if np_dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.FROM_NUMPY[np_dtype].name}'")
    return np_dtype


def _draw_dtype(np_dtype):
    """NumPy draws float32 or float64 directly; float16 is drawn in float32 and rounded."""
    return np_dtype if np_dtype != np.float16 else np.dtype(np.float32)


def rand(*sizes, size=None, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Uniform random values in ``[0, 1)``.

    >>> import chainrule
    >>> x = chainrule.rand(1000)
    >>> bool((x >= 0).all() and (x < 1).all())
    True
    """
    if size is not None or out is not None:
        return _size_or_out(
            rand, sizes, size, out, dtype, generator=generator, device=device, requires_grad=requires_grad
        )
    np_dtype = _float_dtype(dtype, "check_uniform_bounds")
    draw = numpy_generator(generator).random(_shape(sizes, "rand"), dtype=_draw_dtype(np_dtype))
    return _finish(draw.astype(np_dtype, copy=False), None, device, requires_grad)


def randn(*sizes, size=None, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """Standard normal random values (mean 0, variance 1).

    >>> import chainrule
    >>> chainrule.randn(2, 3).shape
    chainrule.Size([2, 3])
    """
    if size is not None or out is not None:
        return _size_or_out(
            randn, sizes, size, out, dtype, generator=generator, device=device, requires_grad=requires_grad
        )
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
    draw = numpy_generator(generator).standard_normal(_shape(sizes, "randn"), dtype=_draw_dtype(np_dtype))
    return _finish(draw.astype(np_dtype, copy=False), None, device, requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform values in ``[0, 1)`` with the shape (and dtype) of ``input``."""
    return rand(
        input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator
    )


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal values with the shape (and dtype) of ``input``."""
    return randn(
        input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator
    )


def _check_range(low, high):
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")


def _int_argument(value, op_name, name):
    """``value`` as an int, for an argument PyTorch types as int: a Python or NumPy
    int, or an integer tensor of one element; never a bool or a float."""
    if isinstance(value, Tensor) and value._data.dtype.kind in "iu" and value._data.size == 1:
        value = value._data.item()
    elif isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op_name}(): argument '{name}' must be int, not {type(value).__name__}")
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"Overflow when unpacking long long: {op_name}(): {name}={value} is beyond int64")
    return int(value)


def _check_range_fits(low, high, np_dtype):
    """PyTorch refuses a range whose ends, ``low`` and ``high - 1``, ``np_dtype`` cannot hold."""
    if np_dtype.kind == "b":
        lowest, highest = 0, 1
    else:
        info = np.finfo(np_dtype) if np_dtype.kind == "f" else np.iinfo(np_dtype)
        lowest, highest = int(info.min), int(info.max)
    for end, value in (("from", low), ("to - 1", high - 1)):
        if not lowest <= value <= highest:
            raise RuntimeError(
                f"randint(): {end} is out of bounds for {_dtype.FROM_NUMPY[np_dtype].name}: "
                f"{value} is not in [{lowest}, {highest}]"
            )


def randint(
    low=None,
    high=None,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    device=None,
    requires_grad=False,
):
    """Random integers in ``[low, high)`` (``low`` 0 unless given), in PyTorch's
    forms: ``randint(high, size)``, ``randint(low, high, size)``, or with keywords,
    ``randint(10, size=(3,))``, ``randint(high=10, size=(3,))``.

    >>> import chainrule
    >>> x = chainrule.randint(3, 6, (100,))
    >>> x.dtype, bool((x >= 3).all() and (x < 6).all())
    (chainrule.int64, True)
    >>> chainrule.randint(10, size=(2, 3)).shape
    chainrule.Size([2, 3])
    """
    if size is None and high is not None:  # randint(high, size): each argument moves one place on
        low, high, size = None, low, high
    elif high is None:  # randint(high, size=...)
        low, high = None, low
    if high is None or size is None:
        missing = "high" if high is None else "size"
        raise TypeError(f'randint() missing "{missing}": call randint(high, size) or (low, high, size)')
    low = 0 if low is None else _int_argument(low, "randint", "low")
    high = _int_argument(high, "randint", "high")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    shape = _shape((size,), "randint")
    if out is not None:
        dtype = _out_dtype(dtype, out)
    _check_range(low, high)
    _check_range_fits(low, high, np.dtype(np.int64) if dtype is None else _dtype.to_numpy_dtype(dtype))
    draw = numpy_generator(generator).integers(low, high, size=shape, dtype=np.int64)
    return _finish(draw, dtype, device, requires_grad, out, "randint")


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, generator=None):
    """Random integers in ``[low, high)`` with the shape and dtype of ``input``:
    ``randint_like(x, high)`` or ``randint_like(x, low, high)``.

    >>> import chainrule
    >>> x = chainrule.randint_like(chainrule.zeros(100), 3, 6)
    >>> x.dtype, bool((x >= 3).all() and (x < 6).all())
    (chainrule.float32, True)
    """
    if high is None:
        low, high = 0, low
    return randint(
        low,
        high,
        tuple(input._data.shape),
        dtype=_like_dtype(input, dtype),
        device=device,
        requires_grad=requires_grad,
        generator=generator,
    )


def randperm(n, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of ``0 .. n-1`` (``n`` an int or a one-element integer tensor).

    >>> import chainrule
    >>> sorted(chainrule.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    (n,) = _shape((_int_argument(n, "randperm", "n"),), "randperm")
    if out is not None:
        dtype = _out_dtype(dtype, out)
    np_dtype = np.dtype(np.int64) if dtype is None else _dtype.to_numpy_dtype(dtype)
    if np_dtype.kind == "b":
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    # each value up to n - 1 must be exact: a float holds every integer only up to 2^(mantissa bits + 1)
    if np_dtype.kind == "f":
        largest = 2 ** (np.finfo(np_dtype).nmant + 1)
    else:
        largest = int(np.iinfo(np_dtype).max)
    if n - 1 > largest:
        raise RuntimeError(
            f"randperm(): n={n} does not fit {_dtype.FROM_NUMPY[np_dtype].name}, which holds the values "
            f"0 .. n-1 only up to n={largest + 1}"
        )
    permutation = numpy_generator(generator).permutation(n).astype(np.int64)
    return _finish(permutation, dtype, device, requires_grad, out, "randperm")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal random values with the given ``mean`` and ``std`` (numbers or tensors,
    broadcast; or numbers and a ``size``).

    >>> import chainrule
    >>> chainrule.normal(chainrule.zeros(3), 1.0).shape
    chainrule.Size([3])
    """
    mean_array = mean._data if isinstance(mean, Tensor) else mean
    std_array = std._data if isinstance(std, Tensor) else std
    if size is not None:
        shape = _shape((size,), "normal")
    else:
        shape = np.broadcast_shapes(np.shape(mean_array), np.shape(std_array))
    like = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    np_dtype = like._data.dtype if like is not None and dtype is None else _float_dtype(dtype, "normal")
    draw = numpy_generator(generator).standard_normal(shape, dtype=_draw_dtype(np_dtype))
    return _finish((draw * std_array + mean_array).astype(np_dtype), None, device, requires_grad)


def _probabilities(p, op_name):
    """``p``, a number or a floating tensor of them, checked to lie in [0, 1] as
    PyTorch checks it (NaN fails too); tensors come back as arrays."""
    if not isinstance(p, Tensor):
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        return p
    array = p._data
    if array.dtype.kind != "f":
        raise NotImplementedError(
            f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_dtype.scalar_type_name(array.dtype)}' "
            f"({op_name} needs floating-point probabilities)"
        )
    if array.size and not (array.min() >= 0 and array.max() <= 1):  # a NaN fails both
        raise RuntimeError(
            f"{op_name}(): expected every probability in [0, 1] (p_in >= 0 && p_in <= 1), but got values "
            f"from {array.min()} to {array.max()}"
        )
    return array


def bernoulli(input, p=None, *, generator=None):
    """1 with probability ``input`` (or ``p``), else 0, elementwise; probabilities
    outside [0, 1] are an error.

    >>> import chainrule
    >>> chainrule.bernoulli(chainrule.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    probability = _probabilities(input if p is None else p, "bernoulli")
    rng, draw_dtype = _rng_and_dtype(input, generator)
    return wrap((rng.random(input._data.shape, dtype=draw_dtype) < probability).astype(input._data.dtype))


def poisson(input, generator=None):
    """Poisson counts, one per element, with the rates in ``input`` (non-negative
    floats); the result has ``input``'s dtype and is not differentiable.

    >>> import chainrule
    >>> chainrule.poisson(chainrule.tensor([0.0, 0.0]))
    tensor([0., 0.])
    """
    rates = input._data
    if rates.dtype.kind != "f":
        raise NotImplementedError(
            f"\"poisson_cpu\" not implemented for '{_dtype.scalar_type_name(rates.dtype)}'"
        )
    if rates.size and not rates.min() >= 0:  # a NaN fails too
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return wrap(numpy_generator(generator).poisson(rates.astype(np.float64)).astype(rates.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices drawn with probabilities proportional to ``input`` (each row
    of a 2-D input is one distribution): weights must be finite, non-negative and
    not all zero.

    >>> import chainrule
    >>> chainrule.multinomial(chainrule.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    """
    num_samples = _int_argument(num_samples, "multinomial", "num_samples")
    if not isinstance(replacement, (bool, np.bool_)):
        kind = type(replacement).__name__
        raise TypeError(f"multinomial(): argument 'replacement' must be bool, not {kind}")
    weights = input._data
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got shape {list(weights.shape)}")
    if weights.dtype.kind != "f":
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            f"{_dtype.scalar_type_name(weights.dtype)}"
        )
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    categories = weights.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            f"cannot sample n_sample > prob_dist.size(-1) samples without replacement ({num_samples} > "
            f"{categories}): pass replacement=True"
        )
    if categories > 2**24:
        raise RuntimeError(f"number of categories cannot exceed 2^24, got {categories}")
    weights = np.atleast_2d(weights.astype(np.float64))
    if weights.size:
        if not (weights.min() >= 0 and weights.max() < np.inf):  # a NaN fails both
            raise RuntimeError(
                "multinomial(): probability tensor contains either `inf`, `nan` or element < 0 (weights "
                f"from {weights.min()} to {weights.max()})"
            )
        if (weights.sum(axis=1) <= 0).any():
            raise RuntimeError(
                "multinomial(): invalid multinomial distribution (sum of probabilities <= 0): a row "
                "of weights is all zero"
            )
    rng = numpy_generator(generator)
    if replacement:
        # inverse transform: the first category whose cumulative probability passes
        # u; row r's cumulative values are shifted by r, so one sorted search serves all rows
        rows = np.arange(weights.shape[0])[:, None]
        cumulative = np.cumsum(weights, axis=1)
        cumulative = cumulative / cumulative[:, -1:] + rows
        u = rng.random((weights.shape[0], num_samples)) + rows
        found = np.searchsorted(cumulative.ravel(), u.ravel(), side="right").reshape(u.shape)
        samples = np.minimum(found - rows * categories, categories - 1)
    else:
        # the Gumbel-top-k trick: the k largest log w + Gumbel noise are a draw without replacement
        with np.errstate(divide="ignore"):
            keys = np.log(weights) - np.log(-np.log(rng.random(weights.shape)))
        samples = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype(np.int64)
    return wrap(samples if input._data.ndim == 2 else samples[0])


# --- in-place random fills (used by nn.init and dropout) ------------------------------------------


def _fill(tensor, values, op_name):
    """Write ``values`` into ``tensor`` in place. A filled tensor's old values no
    longer matter, so a graph through it passes a zero gradient (as PyTorch's)."""
    check_inplace(tensor, op_name)
    if grad_state.enabled and tensor._requires_grad:
        return tensor.copy_(wrap(np.asarray(values)))  # copy_ records the zero gradient
    tensor._data[...] = values
    bump_version(tensor)
    return tensor


def _rng_and_dtype(tensor, generator):
    rng = numpy_generator(generator)
    return rng, _draw_dtype(tensor._data.dtype) if tensor._data.dtype.kind == "f" else np.dtype(np.float64)


def uniform_(tensor, a=0.0, b=1.0, *, generator=None):
    """Fill with uniform random values in ``[a, b)``.

    >>> import chainrule
    >>> x = chainrule.empty(100).uniform_(-2, 2)
    >>> bool((x >= -2).all() and (x < 2).all())
    True
    """
    rng, draw_dtype = _rng_and_dtype(tensor, generator)
    draw = rng.random(tensor._data.shape, dtype=draw_dtype)
    return _fill(tensor, a + (b - a) * draw, "uniform_")


def normal_(tensor, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal random values of the given ``mean`` and ``std``.

    >>> import chainrule
    >>> chainrule.empty(3).normal_(0.0, 0.02).shape
    chainrule.Size([3])
    """
    rng, draw_dtype = _rng_and_dtype(tensor, generator)
    draw = rng.standard_normal(tensor._data.shape, dtype=draw_dtype)
    return _fill(tensor, mean + std * draw, "normal_")


def bernoulli_(tensor, p=0.5, *, generator=None):
    """Fill with 1 (with probability ``p``, a number or a tensor of them) or 0.

    >>> import chainrule
    >>> chainrule.empty(3).bernoulli_(1.0)
    tensor([1., 1., 1.])
    """
    probability = _probabilities(p, "bernoulli_")
    rng, draw_dtype = _rng_and_dtype(tensor, generator)
    return _fill(tensor, rng.random(tensor._data.shape, dtype=draw_dtype) < probability, "bernoulli_")


def random_(tensor, low=0, high=None, *, generator=None):
    """Fill with random integers in ``[low, high)``: ``random_(high)``,
    ``random_(low, high)``, or ``random_()`` for ``[0, 2^mantissa]`` of a float
    dtype (every integer it holds exactly) or the full range of an integer dtype.

    >>> import chainrule
    >>> x = chainrule.zeros(50).random_(3)
    >>> sorted(set(x.tolist())) == [0.0, 1.0, 2.0]
    True
    """
    data = tensor._data
    if high is None:
        if low == 0 and data.dtype.kind == "f":
            low, high = 0, 2 ** (np.finfo(data.dtype).nmant + 1) + 1
        elif low == 0:
            low, high = 0, (2 if data.dtype == bool else int(np.iinfo(data.dtype).max) + 1)
        else:
            low, high = 0, low
    _check_range(low, high)
    draw = numpy_generator(generator).integers(low, high, data.shape, dtype=np.int64, endpoint=False)
    return _fill(tensor, draw, "random_")


def exponential_(tensor, lambd=1.0, *, generator=None):
    """Fill with exponential random values of rate ``lambd`` (mean 1 / lambd).

    >>> import chainrule
    >>> bool((chainrule.empty(100).exponential_(2.0) >= 0).all())
    True
    """
    rng, draw_dtype = _rng_and_dtype(tensor, generator)
    return _fill(
        tensor, rng.standard_exponential(tensor._data.shape, dtype=draw_dtype) / lambd, "exponential_"
    )


def _continuous(tensor, distribution):
    if tensor._data.dtype.kind != "f":
        raise RuntimeError(
            f"{distribution} distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {_dtype.scalar_type_name(tensor._data.dtype)}"
        )


def cauchy_(tensor, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy random values: ``median + sigma * tan(pi * (u - 1/2))``, u uniform.

    >>> import chainrule
    >>> chainrule.empty(3).cauchy_(0.0, 2.0).shape
    chainrule.Size([3])
    """
    _continuous(tensor, "Cauchy")
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    draw = numpy_generator(generator).standard_cauchy(tensor._data.shape)
    return _fill(tensor, median + sigma * draw, "cauchy_")


def log_normal_(tensor, mean=1.0, std=2.0, *, generator=None):
    """Fill with values whose logarithm is normal with ``mean`` and ``std``.

    >>> import chainrule
    >>> bool((chainrule.empty(100).log_normal_() > 0).all())
    True
    """
    if tensor._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"log_normal_cpu\" not implemented for '{_dtype.scalar_type_name(tensor._data.dtype)}'"
        )
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    rng, draw_dtype = _rng_and_dtype(tensor, generator)
    draw = rng.standard_normal(tensor._data.shape, dtype=draw_dtype)
    return _fill(tensor, np.exp(mean + std * draw), "log_normal_")


def geometric_(tensor, p, *, generator=None):
    """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...).

    >>> import chainrule
    >>> bool((chainrule.empty(100).geometric_(0.5) >= 1).all())
    True
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(tensor, numpy_generator(generator).geometric(p, tensor._data.shape), "geometric_")


for _name, _fn in {
    "uniform_": uniform_,
    "cauchy_": cauchy_,
    "log_normal_": log_normal_,
    "geometric_": geometric_,
    "normal_": normal_,
    "bernoulli_": bernoulli_,
    "random_": random_,
    "exponential_": exponential_,
    "bernoulli": bernoulli,
    "multinomial": multinomial,
}.items():
    setattr(Tensor, _name, _fn)
