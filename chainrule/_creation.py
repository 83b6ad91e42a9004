"""Making tensors: from data, filled with constants, ranges, random values.

Every function takes PyTorch's ``dtype``, ``device`` (CPU only) and
``requires_grad`` keywords. Python floats become the default dtype
(float32), Python ints int64, and NumPy arrays keep their dtype.
"""

import numpy as np

from . import _dtype
from ._random import numpy_generator
from ._tensor import Tensor, _size, bump_version, wrap
from ._tensor import device as _device


def _finish(array, dtype, device, requires_grad):
    if device is not None:
        _device(device)
    if dtype is not None:
        np_dtype = _dtype.to_numpy_dtype(dtype)
        if array.dtype != np_dtype:
            array = array.astype(np_dtype)
    t = wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_array(data):
    """An ndarray for ``data`` with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.asarray(data)
        _dtype.from_numpy_dtype(array.dtype)
        return array
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        data = _unwrap_nested(data)
    array = np.array(data)
    kind = array.dtype.kind
    if kind == "f":
        return array.astype(_dtype.default_float(), copy=False)
    if kind in "iu":
        return array.astype(np.int64, copy=False)
    if kind == "b":
        return array
    if array.dtype == object or kind in "USV":
        raise TypeError(
            f"Could not infer dtype of {type(data).__name__}: chainrule tensors hold numbers; "
            f"got {np.asarray(data, dtype=object).ravel()[:3].tolist()}..."
        )
    return array


def _flat(data):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(x) for x in data]
    return data


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (numbers, nested lists, arrays).

    >>> import chainrule
    >>> chainrule.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> chainrule.tensor([1.5, 2.0], requires_grad=True)
    tensor([1.5000, 2.0000], requires_grad=True)
    """
    array = np.array(_infer_array(data), copy=True)
    return _finish(array, dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when it can (arrays, tensors)."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dtype else data.to(dtype)
    return _finish(_infer_array(data), dtype, device, False)


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
    _dtype.from_numpy_dtype(ndarray.dtype)
    return wrap(ndarray)


def _default(dtype):
    return _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    return _finish(np.zeros(_size(size), _default(dtype)), None, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of ones."""
    return _finish(np.ones(_size(size), _default(dtype)), None, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    """A tensor of the given size (chainrule fills it with zeros)."""
    return _finish(np.zeros(_size(size), _default(dtype)), None, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value`` (its dtype follows the value, as PyTorch)."""
    if dtype is None:
        dtype = _dtype.from_numpy_dtype(
            _dtype.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
        )
    return _finish(
        np.full(_size((size,)), fill_value, _dtype.to_numpy_dtype(dtype)), None, device, requires_grad
    )


def _like_dtype(input, dtype):
    return input._data.dtype if dtype is None else _dtype.to_numpy_dtype(dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.zeros(input._data.shape, _like_dtype(input, dtype)), None, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.ones(input._data.shape, _like_dtype(input, dtype)), None, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.zeros(input._data.shape, _like_dtype(input, dtype)), None, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(
        np.full(input._data.shape, fill_value, _like_dtype(input, dtype)), None, device, requires_grad
    )


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values in ``[start, end)``; int64 when every argument is an integer.

    >>> import chainrule
    >>> chainrule.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> chainrule.arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in values)
        dtype = _dtype.int64 if integral else _dtype.get_default_dtype()
    np_dtype = _dtype.to_numpy_dtype(dtype)
    count = max(int(np.ceil((values[1] - values[0]) / values[2])), 0)
    array = (
        values[0] + np.arange(count, dtype=np.float64 if np_dtype.kind == "f" else np.int64) * values[2]
    ).astype(np_dtype)
    return _finish(array, None, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    array = np.linspace(float(start), float(end), int(steps), dtype=np.float64)
    return _finish(array.astype(_default(dtype)), None, device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    array = np.logspace(float(start), float(end), int(steps), base=base)
    return _finish(array.astype(_default(dtype)), None, device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The identity matrix (n x m)."""
    return _finish(np.eye(n, m, dtype=_default(dtype)), None, device, requires_grad)


# --- random --------------------------------------------------------------------------


def _float_dtype(dtype):
    np_dtype = _default(dtype)
    if np_dtype.kind != "f":
        raise RuntimeError(f"random floats need a floating dtype, got {dtype}")
    return np_dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform random values in ``[0, 1)``."""
    np_dtype = _float_dtype(dtype)
    draw_dtype = np_dtype if np_dtype != np.float16 else np.float32
    array = numpy_generator(generator).random(_size(size), dtype=draw_dtype).astype(np_dtype, copy=False)
    return _finish(array, None, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal random values (mean 0, variance 1)."""
    np_dtype = _float_dtype(dtype)
    draw_dtype = np_dtype if np_dtype != np.float16 else np.float32
    array = numpy_generator(generator).standard_normal(_size(size), dtype=draw_dtype)
    return _finish(array.astype(np_dtype, copy=False), None, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Random integers in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        low, high, size = 0, low, high
    array = numpy_generator(generator).integers(low, high, size=_size((size,)), dtype=np.int64)
    return _finish(array, dtype, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of ``0 .. n-1``."""
    array = numpy_generator(generator).permutation(int(n)).astype(np.int64)
    return _finish(array, dtype, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal random values with the given mean and std (numbers or tensors)."""
    mean_array = mean._data if isinstance(mean, Tensor) else mean
    std_array = std._data if isinstance(std, Tensor) else std
    shape = _size((size,)) if size is not None else np.broadcast(mean_array, std_array).shape
    like = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    np_dtype = like._data.dtype if like is not None and dtype is None else _float_dtype(dtype)
    draw = numpy_generator(generator).standard_normal(shape)
    return _finish((draw * std_array + mean_array).astype(np_dtype), None, device, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """1 with probability ``input`` (or ``p``), else 0, elementwise."""
    probability = input._data if p is None else p
    draw = numpy_generator(generator).random(input._data.shape)
    return wrap((draw < probability).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Sample category indices with probabilities proportional to ``input`` (1-D or 2-D)."""
    rng = numpy_generator(generator)
    weights = np.atleast_2d(input._data.astype(np.float64))
    rows = []
    for w in weights:
        rows.append(rng.choice(len(w), size=num_samples, replace=replacement, p=w / w.sum()))
    result = np.array(rows, dtype=np.int64)
    return wrap(result if input._data.ndim == 2 else result[0])


# --- in-place random fills (used by nn.init and dropout) --------------------------------


def _fill(tensor, values):
    from .autograd.grad_mode import state

    if state.enabled and tensor._requires_grad and tensor.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation. "
            "Fill parameters under `with chainrule.no_grad():` (as nn.init does)."
        )
    tensor._data[...] = values
    bump_version(tensor)
    return tensor


def uniform_(tensor, a=0.0, b=1.0, *, generator=None):
    """Fill with uniform random values in ``[a, b)``."""
    draw = numpy_generator(generator).random(tensor._data.shape)
    return _fill(tensor, a + (b - a) * draw)


def normal_(tensor, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal random values."""
    return _fill(tensor, mean + std * numpy_generator(generator).standard_normal(tensor._data.shape))


def bernoulli_(tensor, p=0.5, *, generator=None):
    """Fill with 1 (probability ``p``) or 0."""
    return _fill(tensor, numpy_generator(generator).random(tensor._data.shape) < p)


def random_(tensor, low=0, high=None, *, generator=None):
    """Fill with random integers in ``[low, high)``."""
    if high is None:
        low, high = 0, low
    return _fill(tensor, numpy_generator(generator).integers(low, high, tensor._data.shape))


def exponential_(tensor, lambd=1.0, *, generator=None):
    """Fill with exponential random values of rate ``lambd``."""
    return _fill(tensor, numpy_generator(generator).exponential(1.0 / lambd, tensor._data.shape))


for _name, _fn in {
    "uniform_": uniform_,
    "normal_": normal_,
    "bernoulli_": bernoulli_,
    "random_": random_,
    "exponential_": exponential_,
    "bernoulli": bernoulli,
}.items():
    setattr(Tensor, _name, _fn)
