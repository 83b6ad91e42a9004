"""``chainrule.testing``: PyTorch's ``assert_close`` and ``make_tensor`` for tests.

``assert_close`` follows ``torch.testing.assert_close``: tensors (or Python
numbers, or sequences and mappings of them) must have the same shape and
dtype and be close elementwise, ``|actual - expected| <= atol + rtol * |expected|``,
with PyTorch's default tolerances per dtype and its messages.
"""

import builtins
import collections.abc
import math
import warnings

import numpy as np

from . import _dtype
from ._creation import empty, randint
from ._tensor import Tensor
from ._tensor import device as _device

# (rtol, atol) per dtype when neither is given, as PyTorch's; other dtypes compare exactly.
_DEFAULT_TOLERANCES = {
    _dtype.float16: (0.001, 1e-5),
    _dtype.float32: (1.3e-6, 1e-5),
    _dtype.float64: (1e-7, 1e-7),
}
_NUMBER_DTYPES = {builtins.int: _dtype.int64, builtins.float: _dtype.float64}


class _Mismatch(Exception):
    """A failed comparison: the exception type to raise and its message."""

    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type, self.message = error_type, message


def assert_close(
    actual,
    expected,
    *,
    allow_subclasses=True,
    rtol=None,
    atol=None,
    equal_nan=False,
    check_device=True,
    check_dtype=True,
    check_layout=True,
    check_stride=False,
    msg=None,
):
    """Raise AssertionError unless ``actual`` and ``expected`` are close, as
    ``torch.testing.assert_close``. ``msg`` replaces the message, or is called with it.
    Every tensor is on the CPU, so ``check_device`` and ``check_layout`` pass always.

    >>> import chainrule
    >>> chainrule.testing.assert_close(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 2.000001]))
    >>> chainrule.testing.assert_close(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 2.5]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 2 (50.0%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
    """
    options = dict(
        allow_subclasses=allow_subclasses,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_dtype=check_dtype,
        check_stride=check_stride,
    )
    try:
        _compare(actual, expected, (), options)
    except _Mismatch as mismatch:
        if isinstance(msg, str):
            raise mismatch.error_type(msg) from None
        raise mismatch.error_type(msg(mismatch.message) if callable(msg) else mismatch.message) from None


def _compare(actual, expected, path, options):
    try:
        _compare_pair(actual, expected, path, options)
    except _Mismatch as mismatch:
        if path and "\n\nThe failure occurred for item" not in mismatch.message:
            where = "".join(str([key]) for key in path)
            mismatch.message += f"\n\nThe failure occurred for item {where}"
        raise


def _compare_pair(actual, expected, path, options):
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(
                AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}"
            )
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, (*path, i), options)
    elif isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        if actual.keys() != expected.keys():
            missing = [key for key in expected if key not in actual]
            extra = [key for key in actual if key not in expected]
            raise _Mismatch(
                AssertionError,
                "The keys of the mappings do not match:\n"
                + (f"Missing keys in the actual mapping: {sorted(missing)}\n" if missing else "")
                + (f"Additional keys in the actual mapping: {sorted(extra)}" if extra else ""),
            )
        for key in actual:
            _compare(actual[key], expected[key], (*path, key), options)
    elif actual is None or expected is None:
        if actual is not expected:
            raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}")
    elif isinstance(actual, (builtins.bool, np.bool_)) and isinstance(expected, (builtins.bool, np.bool_)):
        if builtins.bool(actual) is not builtins.bool(expected):
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}")
    elif _is_number(actual) and _is_number(expected):
        _compare_numbers(_as_number(actual), _as_number(expected), options)
    elif (
        isinstance(actual, Tensor) and isinstance(expected, Tensor) and _same_kind(actual, expected, options)
    ):
        _compare_tensors(actual, expected, options)
    else:
        raise _Mismatch(
            TypeError,
            f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.",
        )


def _is_sequence(value):
    return isinstance(value, collections.abc.Sequence) and not isinstance(value, str)


def _is_number(value):
    return isinstance(value, (builtins.int, builtins.float, np.number)) and not isinstance(
        value, builtins.bool
    )


def _as_number(value):
    return value.item() if isinstance(value, np.number) else value


def _same_kind(actual, expected, options):
    return options["allow_subclasses"] or type(actual) is type(expected)


def _tolerances(dtypes, options):
    rtol, atol = options["rtol"], options["atol"]
    if (rtol is None) != (atol is None):
        raise _Mismatch(
            ValueError,
            f"Both 'rtol' and 'atol' must be either specified or omitted, "
            f"but got no {'rtol' if rtol is None else 'atol'}.",
        )
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*(_DEFAULT_TOLERANCES.get(d, (0.0, 0.0)) for d in dtypes))
    return max(rtols), max(atols)


def _compare_numbers(actual, expected, options):
    rtol, atol = _tolerances([_NUMBER_DTYPES[type(actual)], _NUMBER_DTYPES[type(expected)]], options)
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    if actual == expected or (options["equal_nan"] and math.isnan(actual) and math.isnan(expected)):
        return
    difference = abs(actual - expected)
    if math.isfinite(difference) and difference <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_message(actual, expected, rtol, atol))


def _compare_tensors(actual, expected, options):
    def attribute_error(name, ours, theirs):
        return _Mismatch(
            AssertionError, f"The values for attribute '{name}' do not match: {ours} != {theirs}."
        )

    if actual.shape != expected.shape:
        raise attribute_error("shape", actual.shape, expected.shape)
    if options["check_stride"] and actual.stride() != expected.stride():
        raise attribute_error("stride()", actual.stride(), expected.stride())
    if options["check_dtype"] and actual.dtype != expected.dtype:
        raise attribute_error("dtype", actual.dtype, expected.dtype)
    rtol, atol = _tolerances([actual.dtype, expected.dtype], options)
    actual, expected = actual.detach(), expected.detach()
    if actual.dtype != expected.dtype:
        common = _dtype.promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)
    matches = actual.isclose(expected, rtol=rtol, atol=atol, equal_nan=options["equal_nan"])
    if matches.all().item():
        return
    if actual.dim() == 0:
        raise _Mismatch(AssertionError, _scalar_message(actual.item(), expected.item(), rtol, atol))
    raise _Mismatch(AssertionError, _tensor_message(actual, expected, matches, rtol, atol))


def _scalar_message(actual, expected, rtol, atol):
    difference = abs(actual - expected)
    relative = builtins.float("inf") if expected == 0 else difference / abs(expected)
    return _mismatch_message(
        "Scalars", f"Expected {expected} but got {actual}.", difference, None, atol, relative, None, rtol
    )


def _tensor_message(actual, expected, matches, rtol, atol):
    total = matches.numel()
    mismatched = total - builtins.int(matches.sum().item())
    counts = f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})"
    shape = tuple(matches.shape)
    actual, expected, matches = actual.flatten(), expected.flatten(), matches.flatten()
    if not actual.is_floating_point():  # differences of integers, as int64 so they cannot overflow
        actual, expected = actual.to(_dtype.int64), expected.to(_dtype.int64)
    difference = (actual - expected).abs()
    difference[matches] = 0  # only mismatches count towards the greatest differences
    relative = difference / expected.abs()
    relative[matches] = 0
    greatest, where = difference.max(0)
    greatest_relative, where_relative = relative.max(0)
    return _mismatch_message(
        "Tensor-likes",
        counts,
        greatest.item(),
        tuple(builtins.int(i) for i in np.unravel_index(where.item(), shape)),
        atol,
        greatest_relative.item(),
        tuple(builtins.int(i) for i in np.unravel_index(where_relative.item(), shape)),
        rtol,
    )


def _mismatch_message(what, extra, difference, where, atol, relative, where_relative, rtol):
    """PyTorch's message: the header, ``extra``, then the greatest absolute and relative
    differences (at their indices, for tensors) and the tolerances, unless comparing exactly."""
    exact = rtol == 0 and atol == 0

    def line(kind, value, index, tolerance):
        text = (
            f"{kind.title()} difference: {value}"
            if index is None
            else (f"Greatest {kind} difference: {value} at index {index}")
        )
        return text if exact else f"{text} (up to {tolerance} allowed)"

    return (
        f"{what} are not {'equal' if exact else 'close'}!\n\n{extra}\n"
        f"{line('absolute', difference, where, atol)}\n{line('relative', relative, where_relative, rtol)}"
    )


def make_tensor(
    *shape,
    dtype,
    device,
    low=None,
    high=None,
    requires_grad=False,
    noncontiguous=False,
    exclude_zero=False,
    memory_format=None,
):
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)``, by
    default [-9, 9) for floats, [-9, 10) for integers ([0, 10) for uint8) and
    {False, True} for bool, as ``torch.testing.make_tensor`` (the values differ:
    chainrule's random stream is NumPy's).

    >>> import chainrule
    >>> x = chainrule.testing.make_tensor(2, 3, dtype=chainrule.int64, device="cpu", low=0, high=3)
    >>> x.shape, bool(((x >= 0) & (x < 3)).all())
    (chainrule.Size([2, 3]), True)
    """
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    _device(device)
    if noncontiguous and memory_format is not None:
        raise ValueError(
            f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, "
            f"but got noncontiguous={noncontiguous!r} and memory_format={memory_format!r}"
        )
    floating = dtype.__class__ is _dtype.dtype and dtype.is_floating_point
    if requires_grad and not floating:
        raise ValueError(
            f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype={dtype}"
        )
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:  # twice as wide, every other column kept: a strided view with distinct values
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype is _dtype.bool:
        low, high = _make_tensor_range(low, high, dtype, 0, 2, 0, 2)
        result = randint(low, high, shape, dtype=dtype)
    elif dtype.__class__ is _dtype.dtype and not floating:
        info = _dtype.iinfo(dtype)
        # randint cannot draw int64's maximum itself, as in PyTorch
        highest = info.max + (1 if dtype is not _dtype.int64 else 0)
        low, high = _make_tensor_range(low, high, dtype, info.min, highest, -9, 10)
        result = randint(low, high, shape, dtype=dtype)
    elif floating:
        info = _dtype.finfo(dtype)
        low, high = _make_tensor_range(low, high, dtype, info.min, info.max, -9, 9)
        result = empty(shape, dtype=dtype)
        if high - low >= info.max:  # uniform_ cannot span more than the largest float: draw half, double
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by chainrule.testing.make_tensor().")
    if noncontiguous:
        result = result[..., 1::2]
    if exclude_zero:
        result[result == 0] = _dtype.finfo(dtype).tiny if floating else 1
    if floating:
        result.requires_grad_(requires_grad)
    return result


def _make_tensor_range(low, high, dtype, lowest, highest, default_low, default_high):
    """``make_tensor``'s [low, high): the defaults filled in, checked, clamped to the dtype,
    and for integer dtypes rounded up (high is exclusive)."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(value, builtins.float) and math.isnan(value) for value in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype.is_floating_point:
        warnings.warn(
            "Passing `low==high` to `chainrule.testing.make_tensor` for floating or complex types is "
            "deprecated since 2.1 and will be removed in 2.3. Use `chainrule.full(...)` instead.",
            FutureWarning,
            stacklevel=3,
        )
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(
            f"The value interval specified by `low` and `high` is [{low}, {high}), "
            f"but {dtype} only supports [{lowest}, {highest})"
        )
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if not dtype.is_floating_point:
        return math.ceil(low), math.ceil(high)
    return low, high
