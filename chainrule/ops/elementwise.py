"""Elementwise ops: arithmetic, comparisons and math functions.

Each primitive states its derivative in its docstring and implements it in
``backward`` right below ``forward``. Binary ops broadcast; their backward
returns the gradient for the broadcast shape and the engine sums it back to
each input's shape (autograd/engine.py: ``unbroadcast``).

Operands are promoted to PyTorch's common dtype first (``_helpers.promote``);
float functions (exp, log, sin, ...) of integer or bool tensors compute in the
default float dtype, as in PyTorch.
"""

import functools
import math
from collections import namedtuple

import numpy as np

from .._creation import ones_like, zeros_like
from .._dtype import default_float, number_as, result_numpy_dtype, scalar_type_name
from .._tensor import Tensor, bump_version, wrap
from ..autograd.function import Primitive
from ..autograd.grad_mode import state as grad_state
from . import _blas
from ._helpers import (
    bind,
    broadcast_error,
    check_inplace,
    clip_to,
    depends_on,
    inplace,
    inplace_on_copy,
    kept_where,
    promote,
    select,
    sign_of,
    write_inplace,
    write_out,
)
from ._threads import split_elementwise

__all__ = [
    "add",
    "sub",
    "subtract",
    "rsub",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "floor_divide",
    "remainder",
    "fmod",
    "pow",
    "maximum",
    "minimum",
    "atan2",
    "arctan2",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "isnan",
    "isinf",
    "isfinite",
    "allclose",
    "isclose",
    "equal",
    "neg",
    "negative",
    "abs",
    "absolute",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sinh",
    "cosh",
    "asin",
    "arcsin",
    "acos",
    "arccos",
    "atan",
    "arctan",
    "sigmoid",
    "relu",
    "erf",
    "frac",
    "sign",
    "floor",
    "ceil",
    "trunc",
    "fix",
    "round",
    "clamp",
    "clip",
    "clamp_min",
    "clamp_max",
    "where",
    "lerp",
    "nan_to_num",
    "addcmul",
    "addcdiv",
    "erfc",
    "erfc_",
    "erfinv",
    "logit",
    "logit_",
    "lgamma",
    "digamma",
    "polygamma",
    "i0",
    "i0_",
    "sinc",
    "sinc_",
    "sgn",
    "signbit",
    "frexp",
    "hypot",
    "logaddexp",
    "logaddexp2",
    "nextafter",
    "xlogy",
    "xlogy_",
    "copysign",
    "heaviside",
    "ldexp",
    "ldexp_",
    "float_power",
    "acosh",
    "arccosh",
    "asinh",
    "arcsinh",
    "atanh",
    "arctanh",
    "acosh_",
    "arccosh_",
    "asinh_",
    "arcsinh_",
    "atanh_",
    "arctanh_",
    "deg2rad",
    "deg2rad_",
    "rad2deg",
    "rad2deg_",
    "fmax",
    "fmin",
    "gcd",
    "gcd_",
    "lcm",
    "lcm_",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "isneginf",
    "isposinf",
    "isreal",
    "positive",
    "is_signed",
    "igamma",
    "igammac",
    "mvlgamma",
    "real",
    "imag",
    "conj",
    "conj_physical",
    "conj_physical_",
    "resolve_conj",
    "resolve_neg",
    "is_conj",
    "is_neg",
    "angle",
]

_ndarray = np.ndarray


# --- errors and the general binary path ------------------------------------------


def _shape(x):
    return np.shape(x._data if isinstance(x, Tensor) else x)


def _not_a_tensor(op_name, value):
    return TypeError(f"{op_name}(): argument 'input' (position 1) must be Tensor, not {type(value).__name__}")


def _array(input, op_name):
    """The ndarray of a tensor argument; PyTorch's TypeError for anything else."""
    try:
        return input._data
    except AttributeError:
        raise _not_a_tensor(op_name, input) from None


def _operand_error(op_name, operands, error):
    """The exception for a NumPy error raised by an op: PyTorch's where it has
    one (shapes that do not broadcast, subtraction of bools)."""
    shapes = [_shape(x) for x in operands]
    if isinstance(error, ValueError):
        for i, a_shape in enumerate(shapes):  # name the first pair that does not broadcast
            for b_shape in shapes[i + 1 :]:
                try:
                    np.broadcast_shapes(a_shape, b_shape)
                except ValueError:
                    return broadcast_error(op_name, a_shape, b_shape)
    if isinstance(error, TypeError) and op_name == "sub":
        return _bool_subtraction_error()
    return error


def _is_bool(x):
    return x.__class__ is bool or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


def _bool_subtraction_error():
    return RuntimeError(
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead."
    )


def _wrap_python_ints(operands, target=None):
    """Python ints as 0-d arrays of the result dtype (``target``, or found). PyTorch wraps
    a number that does not fit an integer tensor's dtype (uint8 + 300); NumPy refuses."""
    target = result_numpy_dtype(*operands) if target is None else target
    return [np.array(x).astype(target) if x.__class__ is int else x for x in operands]


def _binary(cls, op_name, a, b, floating=False):
    """Apply a broadcasting binary primitive after PyTorch's type promotion;
    ``floating``: integer results become the default float (true division)."""
    if cls is Sub and (_is_bool(a) or _is_bool(b)):
        raise _bool_subtraction_error()
    if floating and result_numpy_dtype(a, b).kind != "f":
        # before promote: uint8 / tensor(-3) divides by -3.0, not by -3 wrapped into uint8
        a, b = (x._cast(default_float()) if isinstance(x, Tensor) else x for x in (a, b))
    a, b = promote(op_name, a, b)
    try:
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            return cls.apply_binary(a, b)
        try:
            return cls.apply(a, b)
        except OverflowError:
            return cls.apply(*_wrap_python_ints((a, b)))
    except (ValueError, TypeError) as error:
        raise _operand_error(op_name, (a, b), error) from None


def _binary_op(cls, op_name, doc):
    """The user-facing function of a binary primitive, with the common cases
    (two tensors of one dtype; a float tensor and a Python number) up front."""
    apply_binary = cls.apply_binary
    apply_unary = cls.apply_unary

    def op(input, other, *, out=None):
        if input.__class__ is Tensor and out is None:
            other_class = other.__class__
            try:
                if other_class is Tensor:
                    if input._data.dtype is other._data.dtype:
                        return apply_binary(input, other)
                elif other_class is float or other_class is int:
                    if input._data.dtype.kind == "f":
                        return apply_unary(input, other)
            except (ValueError, TypeError) as error:
                raise _operand_error(op_name, (input, other), error) from None
        if out is not None:
            return write_out(out, op(input, other), op_name)
        return _binary(cls, op_name, input, other)

    op.__name__ = op.__qualname__ = op_name
    op.__doc__ = doc
    return op


# --- arithmetic ---------------------------------------------------------------


class Add(Primitive):
    """z = x + y.   dz/dx = 1,  dz/dy = 1."""

    def forward(ctx, x, y):
        return x + y

    def backward(ctx, grad):
        return grad, grad


class Sub(Primitive):
    """z = x - y.   dz/dx = 1,  dz/dy = -1."""

    def forward(ctx, x, y):
        return x - y

    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Primitive):
    """z = x * y.   dz/dx = y,  dz/dy = x."""

    saved_needed_by = ((1,), (0,))  # x for dz/dy, y for dz/dx

    def forward(ctx, x, y):
        # x times a number: no dz/dy, so x is not kept alive for it
        ctx.save_for_backward(x if y.__class__ is np.ndarray else None, y)
        if y.__class__ is float and x.size >= _blas.MIN_VECTOR:  # lr * grad: on the BLAS library's threads
            product = _blas.scaled(x, y)
            if product is not None:
                return product
        return x * y

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (grad * y if need_x else None), (grad * x if need_y else None)


class Div(Primitive):
    """z = x / y.   dz/dx = 1 / y,  dz/dy = -x / y^2, computed as -(x / y) / y (PyTorch's
    order of operations)."""

    saved_needed_by = ((1,), (0, 1))  # x for dz/dy; y for both (not z: z may change in place)

    def forward(ctx, x, y):
        ctx.save_for_backward(x if y.__class__ is np.ndarray else None, y)
        return x / y

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad / y if need_x else None
        return grad_x, (-grad * ((x / y) / y) if need_y else None)


def _log_of_number(x):
    """ln x for a Python number, with NumPy's answers at 0 and below."""
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


def _power(x, y):
    """x ** y, for a float array x and a number y as PyTorch computes it: x * x, x * x * x,
    sqrt, 1 / sqrt, 1 / x and 1 / (x * x) for 2, 3, 1/2, -1/2, -1 and -2. NumPy's float32
    power is fast for positive bases only: 32,768 normal values cubed took 1.6 ms
    (x * x * x: 57 us), so other whole exponents raise |x| and put the sign back."""
    if x.__class__ is not np.ndarray or x.dtype.kind != "f" or y.__class__ not in (int, float):
        return x**y
    if y == 2:
        return x * x
    if y == 3:
        return x * x * x
    if y == 0.5:
        return np.sqrt(x)
    if y == -0.5:
        return 1 / np.sqrt(x)
    if y == -1:
        return 1 / x
    if y == -2:
        return 1 / (x * x)
    if math.isfinite(y) and y == int(y) and y != 1:
        magnitude = np.abs(x) ** y  # (-a)^n is a^n for even n, -(a^n) for odd, exactly
        return magnitude if y % 2 == 0 else np.copysign(magnitude, x)
    return x**y


class Pow(Primitive):
    """z = x^y.   dz/dx = y x^(y-1) (0 where y = 0, even at x = 0);
    dz/dy = x^y ln x (0 where x = 0 and y >= 0)."""

    saved_needed_by = ((0, 1), (0, 1), (1,))  # z only for dz/dy

    def forward(ctx, x, y):
        z = _power(x, y)
        ctx.save_for_backward(x, y, z if y.__class__ is np.ndarray else None)
        return z

    def backward(ctx, grad):
        x, y, z = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_y = None
        if need_x:
            if isinstance(y, (int, float)):
                grad_x = np.zeros_like(grad) if y == 0 else grad * (y * _power(x, y - 1))
            else:
                grad_x = np.where(y == 0, 0.0, grad * (y * x ** (y - 1)))
        if need_y:
            if isinstance(x, (int, float)):
                if x == 0:
                    grad_y = grad * np.where(y >= 0, 0.0, z * -math.inf)
                else:
                    grad_y = grad * (z * _log_of_number(x))
            else:
                grad_y = grad * np.where((x == 0) & (y >= 0), 0.0, z * np.log(x))
        return grad_x, grad_y


class Remainder(Primitive):
    """z = x - floor(x / y) y.   dz/dx = 1,  dz/dy = -floor(x / y)."""

    remainder = staticmethod(np.remainder)
    quotient = staticmethod(np.floor)  # how x / y is rounded

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.remainder(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (grad if need_x else None), (-grad * ctx.quotient(x / y) if need_y else None)


class Fmod(Remainder):
    """z = x - trunc(x / y) y (C's fmod: the sign of x).   dz/dx = 1,  dz/dy = -trunc(x / y)."""

    remainder = staticmethod(np.fmod)
    quotient = staticmethod(np.trunc)


def _share_of_tie(grad, x, y, other_wins):
    """The gradient an input of maximum/minimum receives: all of it where it
    is the result, half where x == y, none where the other input wins."""
    return select(other_wins, 0.0, select(x == y, grad * 0.5, grad))


class Maximum(Primitive):
    """z = max(x, y).   dz/dx = 1 where x > y, 1/2 where x = y, 0 where x < y (and
    dz/dy mirrored)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.maximum(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (
            _share_of_tie(grad, x, y, x < y) if need_x else None,
            _share_of_tie(grad, x, y, x > y) if need_y else None,
        )


class Minimum(Primitive):
    """z = min(x, y).   dz/dx = 1 where x < y, 1/2 where x = y, 0 where x > y (and
    dz/dy mirrored)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.minimum(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (
            _share_of_tie(grad, x, y, x > y) if need_x else None,
            _share_of_tie(grad, x, y, x < y) if need_y else None,
        )


class Fmax(Primitive):
    """z = fmax(x, y), max ignoring a NaN.   dz/dx = 1 where x >= y or y is NaN, else 0;
    dz/dy = 1 - dz/dx (PyTorch gives a tie to x)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.fmax(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        to_x = (x >= y) | np.isnan(y)
        need_x, need_y = ctx.needs_input_grad
        return (select(to_x, grad, 0.0) if need_x else None), (select(to_x, 0.0, grad) if need_y else None)


class Fmin(Primitive):
    """z = fmin(x, y), min ignoring a NaN.   dz/dx = 1 where x <= y or y is NaN, else 0;
    dz/dy = 1 - dz/dx (PyTorch gives a tie to x)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.fmin(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        to_x = (x <= y) | np.isnan(y)
        need_x, need_y = ctx.needs_input_grad
        return (select(to_x, grad, 0.0) if need_x else None), (select(to_x, 0.0, grad) if need_y else None)


class Atan2(Primitive):
    """z = atan2(y, x).   dz/dy = x / (x^2 + y^2),  dz/dx = -y / (x^2 + y^2)."""

    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    def backward(ctx, grad):
        y, x = ctx.saved
        recip = 1 / (x * x + y * y)
        recip = np.where(np.isinf(recip), 0.0, recip)  # at (0, 0): 0, as PyTorch (not 0 * inf)
        need_y, need_x = ctx.needs_input_grad
        return (grad * x * recip if need_y else None), (grad * -y * recip if need_x else None)


_add = _binary_op(Add, "add", "``input + other``, broadcasting (the ``+`` operator).")
_sub = _binary_op(Sub, "sub", "``input - other``, broadcasting (the ``-`` operator).")


def _scaled(other, alpha, op_name, input):
    """``alpha * other`` for the ``alpha=`` argument of add and sub."""
    if alpha.__class__ is float and not _is_float(input) and not _is_float(other):
        raise RuntimeError(
            f"{op_name}: for integral input tensors, argument alpha must not be a floating point "
            f"number (got alpha={alpha}); pass an int or convert the tensors with .float()"
        )
    if not isinstance(other, Tensor):
        return other * alpha
    # scaled in the result's dtype, as PyTorch: a float32 other is not rounded to
    # float32 after scaling when the sum is float64
    common = result_numpy_dtype(input, other)
    if common.kind in "fc" and other._data.dtype != common:
        other = other._cast(common)
    return mul(other, alpha)


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, broadcasting.

    >>> import chainrule
    >>> chainrule.add(chainrule.tensor([1.0, 2.0]), 1.0, alpha=2)
    tensor([3., 4.])
    """
    if out is not None:
        return write_out(out, add(input, other, alpha=alpha), "add")
    if alpha != 1:
        other = _scaled(other, alpha, "add", input)
    return _add(input, other)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``, broadcasting.

    >>> import chainrule
    >>> chainrule.sub(chainrule.tensor([5.0, 6.0]), chainrule.tensor([1.0, 2.0]), alpha=2)
    tensor([3., 2.])
    """
    if out is not None:
        return write_out(out, sub(input, other, alpha=alpha), "sub")
    if alpha != 1:
        other = _scaled(other, alpha, "sub", input)
    return _sub(input, other)


subtract = sub


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (subtraction with the operands swapped).

    >>> import chainrule
    >>> chainrule.rsub(chainrule.tensor([1.0, 2.0]), 10.0)
    tensor([9., 8.])
    """
    return sub(other, input, alpha=alpha)


mul = _binary_op(
    Mul,
    "mul",
    """``input * other``, broadcasting.

    >>> import chainrule
    >>> chainrule.mul(chainrule.tensor([1.0, 2.0]), chainrule.tensor([[3.0], [4.0]]))
    tensor([[3., 6.],
            [4., 8.]])
    """,
)
multiply = mul


def _is_float(x):
    if isinstance(x, Tensor):
        return x._data.dtype.kind == "f"
    return isinstance(x, float) or (isinstance(x, (_ndarray, np.generic)) and x.dtype.kind == "f")


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``; integers divide to floats. ``rounding_mode`` 'trunc' or
    'floor' rounds the quotient (and keeps integer dtypes); its gradient is 0.

    >>> import chainrule
    >>> chainrule.div(chainrule.tensor([5, -5]), 2)
    tensor([ 2.5000, -2.5000])
    >>> chainrule.div(chainrule.tensor([5, -5]), 2, rounding_mode="floor")
    tensor([ 2, -3])
    """
    if out is not None:
        return write_out(out, div(input, other, rounding_mode=rounding_mode), "div")
    if rounding_mode is None:
        if input.__class__ is Tensor and input._data.dtype.kind == "f":
            other_class = other.__class__
            try:
                if other_class is Tensor and input._data.dtype is other._data.dtype:
                    return Div.apply_binary(input, other)
                if other_class is float or other_class is int:
                    return Div.apply_unary(input, other)
            except ValueError as error:
                raise _operand_error("div", (input, other), error) from None
        return _binary(Div, "div", input, other, floating=True)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    a, b = promote("div", input, other)
    _check_integer_divisor("div", a, b)
    try:
        return RoundedDiv.apply(a, b, rounding_mode)
    except ValueError as error:
        raise _operand_error("div", (a, b), error) from None


divide = true_divide = div


class RoundedDiv(Primitive):
    """z = round(x / y) toward 0 ('trunc') or down ('floor').   dz/dx = dz/dy = 0."""

    def forward(ctx, x, y, rounding_mode):
        if rounding_mode == "floor":
            return np.floor_divide(x, y)
        if np.result_type(x, y).kind == "f":
            return np.trunc(x / y)
        quotient = np.floor_divide(x, y)
        return quotient + ((quotient < 0) & (quotient * y != x))

    def backward(ctx, grad):
        need_x, need_y = ctx.needs_input_grad[:2]
        return (np.zeros_like(grad) if need_x else None), (np.zeros_like(grad) if need_y else None), None


def _refuse_bools(kernel, a, b):
    """PyTorch has no floor division or remainder of bools (NumPy gives int8)."""
    if result_numpy_dtype(a, b).kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool' (convert with .long() first)")


def _check_integer_divisor(op_name, a, b):
    """PyTorch raises for an integer division by zero, where NumPy gives 0."""
    divisor = b._data if isinstance(b, Tensor) else b
    if result_numpy_dtype(a, b).kind in "iub" and np.any(np.equal(divisor, 0)):
        dividend = a._data if isinstance(a, Tensor) else a
        # an empty result divides nothing (PyTorch raises only when a zero is used)
        if math.prod(np.broadcast_shapes(np.shape(dividend), np.shape(divisor))):
            raise RuntimeError(f"ZeroDivisionError: integer division by zero in {op_name}")


class FloorDivide(Primitive):
    """z = floor(x / y).   PyTorch defines no derivative: backward raises."""

    def forward(ctx, x, y):
        return np.floor_divide(x, y)

    def backward(ctx, grad):
        raise RuntimeError(
            "derivative for aten::floor_divide is not implemented; use "
            "div(x, y, rounding_mode='floor') (gradient 0) or x / y"
        )

    @classmethod
    def name(cls):
        return "NotImplemented"


def floor_divide(input, other, *, out=None):
    """``input // other``, rounding the quotient down. Like PyTorch, it has no
    derivative: backward through it raises.

    >>> import chainrule
    >>> chainrule.floor_divide(chainrule.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    if out is not None:
        return write_out(out, floor_divide(input, other), "floor_divide")
    a, b = promote("floor_divide", input, other)
    _refuse_bools("div_floor_cpu", a, b)
    _check_integer_divisor("floor_divide", a, b)
    return _binary(FloorDivide, "floor_divide", a, b)


def fmod(input, other, *, out=None):
    """C's ``fmod``: the remainder of truncating division, with the sign of ``input``.

    >>> import chainrule
    >>> chainrule.fmod(chainrule.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    if out is not None:
        return write_out(out, fmod(input, other), "fmod")
    a, b = promote("fmod", input, other)
    _refuse_bools("fmod_cpu", a, b)
    _check_integer_divisor("fmod", a, b)
    return _binary(Fmod, "fmod", a, b)


def remainder(input, other, *, out=None):
    """Python's ``%``: the remainder of floor division, with the sign of ``other``.

    >>> import chainrule
    >>> chainrule.remainder(chainrule.tensor([-3.0, 3.0]), 2)
    tensor([1., 1.])
    """
    if out is not None:
        return write_out(out, remainder(input, other), "remainder")
    a, b = promote("remainder", input, other)
    _refuse_bools("remainder_cpu", a, b)
    _check_integer_divisor("remainder", a, b)
    return _binary(Remainder, "remainder", a, b)


def _integer_power(base, exponent):
    """PyTorch's integer pow, which also takes negative exponents: 1 and -1
    keep their magnitude, every other base gives 0."""
    positive = base ** np.maximum(exponent, 0)
    odd = np.remainder(exponent, 2) == 1
    reciprocal = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
    return wrap(np.where(exponent < 0, reciprocal, positive).astype(positive.dtype))


def pow(input, exponent, *, out=None):  # noqa: A001 - PyTorch's name
    """``input ** exponent``; either may be a Python number.

    >>> import chainrule
    >>> chainrule.pow(chainrule.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    >>> chainrule.pow(2, chainrule.tensor([1, 2, 3]))
    tensor([2, 4, 8])
    """
    if out is not None:
        return write_out(out, pow(input, exponent), "pow")
    if input.__class__ is Tensor and (exponent.__class__ is int or exponent.__class__ is float):
        kind = input._data.dtype.kind
        if kind == "f":
            return Pow.apply_unary(input, exponent)
        if exponent.__class__ is int and exponent < 0 and kind in "iu":
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    if result_numpy_dtype(input, exponent).kind == "b":  # x ** y of bools is x or not y
        if isinstance(exponent, Tensor):  # PyTorch takes only a Python bool exponent
            raise NotImplementedError("\"pow\" not implemented for 'Bool' (a bool tensor exponent)")
        a, b = (getattr(x, "_data", x) for x in (input, exponent))
        return wrap(np.asarray(np.logical_or(a, np.logical_not(b))))
    try:
        return _binary(Pow, "pow", input, exponent)
    except ValueError:  # NumPy refuses negative integer exponents in an integer tensor
        a, b = promote("pow", input, exponent)
        return _integer_power(getattr(a, "_data", a), getattr(b, "_data", b))


def maximum(input, other, *, out=None):
    """Elementwise maximum of two tensors (NaN wins); ties share the gradient.

    >>> import chainrule
    >>> chainrule.maximum(chainrule.tensor([1.0, 5.0]), chainrule.tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    if out is not None:
        return write_out(out, maximum(input, other), "maximum")
    if not isinstance(other, Tensor):
        raise TypeError(f"maximum(): argument 'other' must be Tensor, not {type(other).__name__}")
    return _binary(Maximum, "maximum", input, other)


def minimum(input, other, *, out=None):
    """Elementwise minimum of two tensors (NaN wins); ties share the gradient.

    >>> import chainrule
    >>> chainrule.minimum(chainrule.tensor([1.0, 5.0]), chainrule.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    if out is not None:
        return write_out(out, minimum(input, other), "minimum")
    if not isinstance(other, Tensor):
        raise TypeError(f"minimum(): argument 'other' must be Tensor, not {type(other).__name__}")
    return _binary(Minimum, "minimum", input, other)


def fmax(input, other, *, out=None):
    """Elementwise maximum that ignores NaN (NaN only where both are); a tie's gradient
    goes to ``input``, as in PyTorch.

    >>> import chainrule
    >>> chainrule.fmax(chainrule.tensor([1.0, float("nan")]), chainrule.tensor([3.0, 2.0]))
    tensor([3., 2.])
    """
    if out is not None:
        return write_out(out, fmax(input, other), "fmax")
    _two_tensors("fmax", input, other)
    return _binary(Fmax, "fmax", input, other)


def fmin(input, other, *, out=None):
    """Elementwise minimum that ignores NaN (NaN only where both are); a tie's gradient
    goes to ``input``, as in PyTorch.

    >>> import chainrule
    >>> chainrule.fmin(chainrule.tensor([1.0, float("nan")]), chainrule.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    if out is not None:
        return write_out(out, fmin(input, other), "fmin")
    _two_tensors("fmin", input, other)
    return _binary(Fmin, "fmin", input, other)


def atan2(input, other, *, out=None):
    """The angle of the point (x=other, y=input) in radians, in the right quadrant.

    >>> import chainrule
    >>> chainrule.atan2(chainrule.tensor([1.0, -1.0]), chainrule.tensor([-1.0, -1.0]))
    tensor([ 2.3562, -2.3562])
    """
    if out is not None:
        return write_out(out, atan2(input, other), "atan2")
    return _binary(Atan2, "atan2", input, other, floating=True)


arctan2 = atan2


# --- comparison and logic (no gradient) ------------------------------------------


def _compare(ufunc, op_name, doc):
    def compare(input, other, *, out=None):
        if out is not None:
            return write_out(out, compare(input, other), op_name)
        a, b = input, other
        if not (  # the common cases need no promotion
            input.__class__ is Tensor
            and (
                (other.__class__ is Tensor and input._data.dtype is other._data.dtype)
                or ((other.__class__ is float or other.__class__ is int) and input._data.dtype.kind == "f")
            )
        ):
            a, b = _wrap_python_ints(promote(op_name, input, other))
        a_data, b_data = getattr(a, "_data", a), getattr(b, "_data", b)
        try:
            return wrap(ufunc(a_data, b_data))
        except ValueError as error:
            raise _operand_error(op_name, (a_data, b_data), error) from None

    compare.__name__ = compare.__qualname__ = op_name
    compare.__doc__ = doc
    return compare


eq = _compare(
    np.equal,
    "eq",
    """``input == other`` elementwise, as a bool tensor (no gradient).

    >>> import chainrule
    >>> chainrule.eq(chainrule.tensor([1, 2]), 2)
    tensor([False,  True])
    """,
)
ne = _compare(
    np.not_equal,
    "ne",
    """``input != other`` elementwise.

    >>> import chainrule
    >>> chainrule.ne(chainrule.tensor([1, 2]), 2)
    tensor([ True, False])
    """,
)
lt = _compare(
    np.less,
    "lt",
    """``input < other`` elementwise.

    >>> import chainrule
    >>> chainrule.lt(chainrule.tensor([1.0, 2.0]), 1.5)
    tensor([ True, False])
    """,
)
le = _compare(
    np.less_equal,
    "le",
    """``input <= other`` elementwise.

    >>> import chainrule
    >>> chainrule.le(chainrule.tensor([1.0, 2.0]), 1.0)
    tensor([ True, False])
    """,
)
gt = _compare(
    np.greater,
    "gt",
    """``input > other`` elementwise.

    >>> import chainrule
    >>> chainrule.gt(chainrule.tensor([1.0, 2.0]), 1.5)
    tensor([False,  True])
    """,
)
ge = _compare(
    np.greater_equal,
    "ge",
    """``input >= other`` elementwise.

    >>> import chainrule
    >>> chainrule.ge(chainrule.tensor([1.0, 2.0]), 2.0)
    tensor([False,  True])
    """,
)
logical_and = _compare(
    np.logical_and,
    "logical_and",
    """True where both elements are nonzero.

    >>> import chainrule
    >>> chainrule.logical_and(chainrule.tensor([True, True]), chainrule.tensor([0.0, 2.0]))
    tensor([False,  True])
    """,
)
logical_or = _compare(
    np.logical_or,
    "logical_or",
    """True where either element is nonzero.

    >>> import chainrule
    >>> chainrule.logical_or(chainrule.tensor([False, False]), chainrule.tensor([0, 3]))
    tensor([False,  True])
    """,
)
logical_xor = _compare(
    np.logical_xor,
    "logical_xor",
    """True where exactly one of the elements is nonzero.

    >>> import chainrule
    >>> chainrule.logical_xor(chainrule.tensor([True, True]), chainrule.tensor([True, False]))
    tensor([False,  True])
    """,
)


def _bitwise(ufunc, op_name, doc):
    def bitwise(input, other, *, out=None):
        if out is not None:
            return write_out(out, bitwise(input, other), op_name)
        a, b = promote(op_name, input, other)
        target = result_numpy_dtype(a, b)
        if target.kind == "f":
            raise NotImplementedError(f"\"{op_name}_cpu\" not implemented for '{scalar_type_name(target)}'")
        a_data, b_data = (getattr(x, "_data", x) for x in _wrap_python_ints((a, b), target))
        try:
            return wrap(ufunc(a_data, b_data))
        except ValueError as error:
            raise _operand_error(op_name, (a_data, b_data), error) from None

    bitwise.__name__ = bitwise.__qualname__ = op_name
    bitwise.__doc__ = doc
    return bitwise


bitwise_and = _bitwise(
    np.bitwise_and,
    "bitwise_and",
    """``input & other`` of integer or bool tensors (logical and for bools).

    >>> import chainrule
    >>> chainrule.bitwise_and(chainrule.tensor([12, 10]), 6)
    tensor([4, 2])
    """,
)
bitwise_or = _bitwise(
    np.bitwise_or,
    "bitwise_or",
    """``input | other`` of integer or bool tensors.

    >>> import chainrule
    >>> chainrule.bitwise_or(chainrule.tensor([True, False]), chainrule.tensor([False, False]))
    tensor([ True, False])
    """,
)
bitwise_xor = _bitwise(
    np.bitwise_xor,
    "bitwise_xor",
    """``input ^ other`` of integer or bool tensors.

    >>> import chainrule
    >>> chainrule.bitwise_xor(chainrule.tensor([12, 10]), 6)
    tensor([10, 12])
    """,
)


def bitwise_not(input, *, out=None):
    """``~input``: logical not of a bool tensor, bitwise not of an integer one.

    >>> import chainrule
    >>> chainrule.bitwise_not(chainrule.tensor([True, False]))
    tensor([False,  True])
    """
    if out is not None:
        return write_out(out, bitwise_not(input), "bitwise_not")
    data = _array(input, "bitwise_not")
    if data.dtype.kind == "f":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{scalar_type_name(data.dtype)}'")
    return wrap(np.invert(data))


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors; "
            f"this tensor is {self.dtype.name} (use logical_not() or x == 0)"
        )
    return wrap(np.invert(self._data))


def _integer_binary(kernel, op_name, kernel_name, tensors_only):
    """The function of a binary op of integer tensors (gcd, shifts): float and bool
    operands raise PyTorch's NotImplementedError; no gradient."""

    def op(input, other, *, out=None):
        if out is not None:
            return write_out(out, op(input, other), op_name)
        if tensors_only:
            _two_tensors(op_name, input, other)
        else:
            _one_tensor_at_least(op_name, input, other)
        a, b = promote(op_name, input, other)
        target = result_numpy_dtype(a, b)
        if target.kind in "fb":
            raise NotImplementedError(f"\"{kernel_name}\" not implemented for '{scalar_type_name(target)}'")
        a_data, b_data = (getattr(x, "_data", x) for x in _wrap_python_ints((a, b), target))
        try:
            return wrap(np.asarray(kernel(a_data, b_data)))
        except ValueError as error:
            raise _operand_error(op_name, (a_data, b_data), error) from None

    op.__name__ = op.__qualname__ = op_name
    return op


def _shift_out_of_range(a, shift):
    """Where a shift is negative or at least the bit width (which C leaves undefined),
    and the shift with those places set to 0."""
    out_of_range = (shift < 0) | (shift >= a.dtype.itemsize * 8)
    return out_of_range, np.where(out_of_range, 0, shift)


def _left_shift(a, shift):
    """PyTorch's ``a << shift``: 0 where the shift is out of range."""
    out_of_range, shift = _shift_out_of_range(a, shift)
    return np.where(out_of_range, 0, np.left_shift(a, shift))


def _right_shift(a, shift):
    """PyTorch's ``a >> shift``: the sign fill (-1 or 0) where the shift is out of range."""
    out_of_range, shift = _shift_out_of_range(a, shift)
    fill = np.right_shift(a, a.dtype.itemsize * 8 - 1) if a.dtype.kind == "i" else 0
    return np.where(out_of_range, fill, np.right_shift(a, shift))


bitwise_left_shift = _integer_binary(_left_shift, "bitwise_left_shift", "lshift_cpu", tensors_only=False)
bitwise_left_shift.__doc__ = """``input << other`` of integer tensors: 0 for shifts that are negative or at
    least the bit width, as in PyTorch.

    >>> import chainrule
    >>> chainrule.bitwise_left_shift(chainrule.tensor([1, 3]), chainrule.tensor([2, 64]))
    tensor([4, 0])
    """
bitwise_right_shift = _integer_binary(_right_shift, "bitwise_right_shift", "rshift_cpu", tensors_only=False)
bitwise_right_shift.__doc__ = """``input >> other`` of integer tensors (arithmetic for signed ones): the sign
    fill, -1 or 0, for shifts that are negative or at least the bit width, as in PyTorch.

    >>> import chainrule
    >>> chainrule.bitwise_right_shift(chainrule.tensor([-8, 8]), chainrule.tensor([2, 64]))
    tensor([-2,  0])
    """
gcd = _integer_binary(np.gcd, "gcd", "gcd_cpu", tensors_only=True)
gcd.__doc__ = """The greatest common divisor of integer tensors (0 for gcd(0, 0)).

    >>> import chainrule
    >>> chainrule.gcd(chainrule.tensor([12, -18, 0]), chainrule.tensor([8, 12, 5]))
    tensor([4, 6, 5])
    """
lcm = _integer_binary(np.lcm, "lcm", "lcm_cpu", tensors_only=True)
lcm.__doc__ = """The least common multiple of integer tensors (0 where either is 0).

    >>> import chainrule
    >>> chainrule.lcm(chainrule.tensor([12, -4, 0]), chainrule.tensor([8, 6, 5]))
    tensor([24, 12,  0])
    """


def logical_not(input, *, out=None):
    """True where the element is zero.

    >>> import chainrule
    >>> chainrule.logical_not(chainrule.tensor([0.0, 2.0]))
    tensor([ True, False])
    """
    if out is not None:
        return write_out(out, logical_not(input), "logical_not")
    return wrap(np.logical_not(_array(input, "logical_not")))


def isnan(input):
    """True where the value is NaN.

    >>> import chainrule
    >>> chainrule.isnan(chainrule.tensor([1.0, float("nan")]))
    tensor([False,  True])
    """
    return wrap(np.isnan(_array(input, "isnan")))


def isinf(input):
    """True where the value is +inf or -inf.

    >>> import chainrule
    >>> chainrule.isinf(chainrule.tensor([1.0, float("-inf")]))
    tensor([False,  True])
    """
    return wrap(np.isinf(_array(input, "isinf")))


def isfinite(input):
    """True where the value is neither NaN nor infinite.

    >>> import chainrule
    >>> chainrule.isfinite(chainrule.tensor([1.0, float("inf"), float("nan")]))
    tensor([ True, False, False])
    """
    return wrap(np.isfinite(_array(input, "isfinite")))


def isposinf(input, *, out=None):
    """True where the value is +inf.

    >>> import chainrule
    >>> chainrule.isposinf(chainrule.tensor([1.0, float("inf"), float("-inf")]))
    tensor([False,  True, False])
    """
    if out is not None:
        return write_out(out, isposinf(input), "isposinf")
    return wrap(np.asarray(_array(input, "isposinf") == np.inf))


def isneginf(input, *, out=None):
    """True where the value is -inf.

    >>> import chainrule
    >>> chainrule.isneginf(chainrule.tensor([1.0, float("inf"), float("-inf")]))
    tensor([False, False,  True])
    """
    if out is not None:
        return write_out(out, isneginf(input), "isneginf")
    return wrap(np.asarray(_array(input, "isneginf") == -np.inf))


def isreal(input):
    """True where the imaginary part is 0: everywhere, for chainrule's real tensors.

    >>> import chainrule
    >>> chainrule.isreal(chainrule.tensor([1.0, float("nan")]))
    tensor([True, True])
    """
    return wrap(np.ones(_array(input, "isreal").shape, dtype=bool))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every ``|input - other| <= atol + rtol * |other|``.

    >>> import chainrule
    >>> chainrule.allclose(chainrule.tensor([1.0]), chainrule.tensor([1.0 + 1e-7]))
    True
    """
    return bool(np.allclose(input._data, getattr(other, "_data", other), rtol, atol, equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|``.

    >>> import chainrule
    >>> chainrule.isclose(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 2.1]))
    tensor([ True, False])
    """
    return wrap(np.isclose(input._data, getattr(other, "_data", other), rtol, atol, equal_nan))


def equal(input, other):
    """True when both tensors have the same shape and values.

    >>> import chainrule
    >>> chainrule.equal(chainrule.tensor([1, 2]), chainrule.tensor([1, 2]))
    True
    """
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


# --- unary math ----------------------------------------------------------------------


class Neg(Primitive):
    """y = -x.   dy/dx = -1."""

    def forward(ctx, x):
        return -x

    def backward(ctx, grad):
        return -grad


class Abs(Primitive):
    """y = |x|.   dy/dx = sign(x) (0 at x = 0)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * sign_of(x)


class Exp(Primitive):
    """y = e^x.   dy/dx = e^x = y."""

    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * y


class Exp2(Primitive):
    """y = 2^x.   dy/dx = 2^x ln 2 = y ln 2."""

    def forward(ctx, x):
        y = np.exp2(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (y * math.log(2.0))


class Expm1(Primitive):
    """y = e^x - 1.   dy/dx = e^x = y + 1."""

    def forward(ctx, x):
        y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (y + 1)


class Log(Primitive):
    """y = ln x.   dy/dx = 1 / x."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / x


class Log2(Primitive):
    """y = log2 x.   dy/dx = 1 / (x ln 2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / (x * math.log(2.0))


class Log10(Primitive):
    """y = log10 x.   dy/dx = 1 / (x ln 10)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / (x * math.log(10.0))


class Log1p(Primitive):
    """y = ln(1 + x).   dy/dx = 1 / (1 + x)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / (x + 1)


class Sqrt(Primitive):
    """y = sqrt(x).   dy/dx = 1 / (2 sqrt(x)) = 1 / (2y)."""

    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad / (y * 2)


class Rsqrt(Primitive):
    """y = 1 / sqrt(x).   dy/dx = -1 / (2 x^(3/2)) = -y^3 / 2."""

    def forward(ctx, x):
        y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (y * y * y * -0.5)


class Reciprocal(Primitive):
    """y = 1 / x.   dy/dx = -1 / x^2 = -y^2."""

    def forward(ctx, x):
        y = 1 / x
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * -(y * y)


class Sin(Primitive):
    """y = sin x.   dy/dx = cos x."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * np.cos(x)


class Cos(Primitive):
    """y = cos x.   dy/dx = -sin x."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * -np.sin(x)


class Tan(Primitive):
    """y = tan x.   dy/dx = 1 + tan^2 x = 1 + y^2."""

    def forward(ctx, x):
        y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (y * y + 1)


class Tanh(Primitive):
    """y = tanh x.   dy/dx = 1 - tanh^2 x = 1 - y^2."""

    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (1 - y * y)


class Sinh(Primitive):
    """y = sinh x.   dy/dx = cosh x."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * np.cosh(x)


class Cosh(Primitive):
    """y = cosh x.   dy/dx = sinh x."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * np.sinh(x)


class Asin(Primitive):
    """y = asin x.   dy/dx = 1 / sqrt(1 - x^2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / np.sqrt(1 - x * x)


class Acos(Primitive):
    """y = acos x.   dy/dx = -1 / sqrt(1 - x^2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return -grad / np.sqrt(1 - x * x)


class Atan(Primitive):
    """y = atan x.   dy/dx = 1 / (1 + x^2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / (x * x + 1)


class Acosh(Primitive):
    """y = acosh x.   dy/dx = 1 / sqrt(x^2 - 1)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccosh(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / np.sqrt(x * x - 1)


class Asinh(Primitive):
    """y = asinh x.   dy/dx = 1 / sqrt(x^2 + 1)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / np.sqrt(x * x + 1)


class Atanh(Primitive):
    """y = atanh x.   dy/dx = 1 / (1 - x^2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctanh(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / (1 - x * x)


# scipy's expit takes 2.6 ns a value, NumPy's exp 0.6: from about 1,000 values on the
# formula's four passes are faster (4,096 float32: 4.0 us against 10.8; 2^20: 0.66 ms, 3.5)
_EXPIT_MAX_VALUES = 1024


@functools.cache
def _expit():
    from scipy.special import expit  # imported on first use: scipy is slow to import

    return expit


class Sigmoid(Primitive):
    """y = 1 / (1 + e^-x).   dy/dx = y (1 - y)."""

    def forward(ctx, x):
        if x.dtype.kind == "f" and x.itemsize >= 4 and x.size < _EXPIT_MAX_VALUES:
            # one pass where the formula below makes four (300 values: 1.1 us against
            # 1.9), and nearer PyTorch's bits (96 % equal on N(0, 36) samples, 83 %)
            y = _expit()(x)
        else:
            # e^-x overflows to inf for x << 0 and y = 0 is right; NumPy's overflow
            # warning is filtered for chainrule's modules (see chainrule/__init__.py)
            # rather than paying for np.errstate on every call.
            y = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (y * (1 - y))


class Relu(Primitive):
    """y = max(x, 0).   dy/dx = 1 where x > 0, else 0 (also at x = 0; 1 at NaN, as in
    PyTorch, whose mask is "not y <= 0")."""

    def forward(ctx, x):
        if x.dtype.kind != "f":
            y = np.maximum(x, 0)
        elif x.flags.c_contiguous:  # large ones on every core
            y = split_elementwise(_relu_kernel, np.empty_like(x), x)
        else:
            y = _relu_kernel(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        if isinstance(grad, Tensor):  # create_graph: the mask's source stays in the graph (DependsOn)
            return depends_on(select(y._data != 0, grad, 0.0), y)
        if (
            grad.__class__ is np.ndarray
            and grad.shape == y.shape
            and grad.flags.c_contiguous
            and y.flags.c_contiguous
        ):
            return split_elementwise(_relu_grad_kernel, np.empty_like(grad), grad, y)
        return _relu_grad_kernel(grad, y)


def _relu_kernel(x, out=None):
    # clip, not maximum: NumPy's fast loop (see clip_to), and -0.0 stays -0.0 as in PyTorch
    return clip_to(x, 0, np.inf, out)


def _relu_grad_kernel(grad, y, out=None):
    # y is positive, zero or NaN, so "not y <= 0" is "y != 0"; kept, not multiplied by
    # the mask: PyTorch's gradient is 0 where y is 0 even when grad is inf or nan
    # (relu(x).sqrt() at 0), and inf * 0 is nan
    if grad.__class__ is np.ndarray and grad.dtype.kind == "f" and grad.shape == y.shape:
        return kept_where(y != 0, grad, out)
    return select(y != 0, grad, 0.0, out)  # NumPy scalars (0-d products), broadcasts


# scipy's erf takes ~15 ns a value, 50 times a plain pass: from this many values it runs
# in slices on every core (65,536 floats: 965 -> 652 us on 2 cores; 16,384: no gain).
_ERF_PARALLEL_MIN_VALUES = 1 << 15


def erf_of_array(x):
    """erf of a float array, in its dtype (scipy's, imported on first use: scipy is slow to import)."""
    from scipy.special import erf

    if x.dtype in (np.float32, np.float64) and x.flags.c_contiguous:  # scipy's own loops: same bits
        return split_elementwise(erf, np.empty_like(x), x, min_values=_ERF_PARALLEL_MIN_VALUES)
    return erf(x).astype(x.dtype, copy=False)


class Erf(Primitive):
    """y = erf x.   dy/dx = 2 / sqrt(pi) e^(-x^2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_of_array(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * (np.exp(-(x * x)) * (2 / math.sqrt(math.pi)))


class Frac(Primitive):
    """y = x - trunc(x).   dy/dx = 1."""

    def forward(ctx, x):
        return x - np.trunc(x)

    def backward(ctx, grad):
        return grad


class Cast(Primitive):
    """y = x converted to another dtype.   dy/dx = 1, the gradient converted back
    to x's dtype (the engine checks only shapes between nodes)."""

    @classmethod
    def name(cls):  # PyTorch's name for .to(dtype), .double(), ...
        return "ToCopyBackward0"

    def forward(ctx, x, dtype):
        ctx.source = x.dtype
        return x.astype(dtype)

    def backward(ctx, grad):
        if isinstance(grad, Tensor):  # create_graph
            return grad._cast(ctx.source), None
        return grad.astype(ctx.source, copy=False), None


def _float_unary(cls, op_name, doc):
    """The user-facing function of a one-input float function: integer and
    bool tensors are converted to the default float dtype, as in PyTorch."""
    apply_unary = cls.apply_unary

    def op(input, *, out=None):
        try:
            if input._data.dtype.kind != "f":
                input = input._cast(default_float())
        except AttributeError:
            raise _not_a_tensor(op_name, input) from None
        if out is not None:
            return write_out(out, apply_unary(input), op_name)
        return apply_unary(input)

    op.__name__ = op.__qualname__ = op_name
    op.__doc__ = doc
    return op


def neg(input, *, out=None):
    """``-input``.

    >>> import chainrule
    >>> chainrule.neg(chainrule.tensor([1, -2]))
    tensor([-1,  2])
    """
    if out is not None:
        return write_out(out, neg(input), "neg")
    try:
        return Neg.apply_unary(input)
    except AttributeError:
        raise _not_a_tensor("neg", input) from None
    except TypeError:  # NumPy refuses to negate bools
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        ) from None


negative = neg


def abs(input, *, out=None):  # noqa: A001 - PyTorch's name
    """``|input|``; its gradient at 0 is 0.

    >>> import chainrule
    >>> chainrule.abs(chainrule.tensor([-1.5, 2.0]))
    tensor([1.5000, 2.0000])
    """
    if out is not None:
        return write_out(out, abs(input), "abs")
    if _array(input, "abs").dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return Abs.apply_unary(input)


absolute = abs


def relu(input):
    """``max(input, 0)``, the rectified linear unit; its gradient at 0 is 0.

    >>> import chainrule
    >>> chainrule.relu(chainrule.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    try:
        if input._data.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
    except AttributeError:
        raise _not_a_tensor("relu", input) from None
    return Relu.apply_unary(input)


def frac(input, *, out=None):
    """The fractional part ``input - trunc(input)``, with the sign of ``input``.

    >>> import chainrule
    >>> chainrule.frac(chainrule.tensor([1.25, -2.5]))
    tensor([ 0.2500, -0.5000])
    """
    if out is not None:
        return write_out(out, frac(input), "frac")
    data = _array(input, "frac")
    if data.dtype.kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{scalar_type_name(data.dtype)}'")
    return Frac.apply_unary(input)


def square(input, *, out=None):
    """``input * input`` (integers stay integers).

    >>> import chainrule
    >>> chainrule.square(chainrule.tensor([-2.0, 3.0]))
    tensor([4., 9.])
    """
    if out is not None:
        return write_out(out, square(input), "square")
    return pow(input, 2)


exp = _float_unary(
    Exp,
    "exp",
    """``e ** input``.

    >>> import chainrule
    >>> chainrule.exp(chainrule.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """,
)
exp2 = _float_unary(
    Exp2,
    "exp2",
    """``2 ** input``.

    >>> import chainrule
    >>> chainrule.exp2(chainrule.tensor([0, 3]))
    tensor([1., 8.])
    """,
)
expm1 = _float_unary(
    Expm1,
    "expm1",
    """``e ** input - 1``, accurate near 0.

    >>> import chainrule
    >>> chainrule.expm1(chainrule.tensor([0.0, 1e-10]))
    tensor([0.0000e+00, 1.0000e-10])
    """,
)
log = _float_unary(
    Log,
    "log",
    """The natural logarithm.

    >>> import chainrule
    >>> chainrule.log(chainrule.tensor([1.0, 100.0]))
    tensor([0.0000, 4.6052])
    """,
)
log2 = _float_unary(
    Log2,
    "log2",
    """The base-2 logarithm.

    >>> import chainrule
    >>> chainrule.log2(chainrule.tensor([1, 8]))
    tensor([0., 3.])
    """,
)
log10 = _float_unary(
    Log10,
    "log10",
    """The base-10 logarithm.

    >>> import chainrule
    >>> chainrule.log10(chainrule.tensor([1.0, 10.0]))
    tensor([0., 1.])
    """,
)
log1p = _float_unary(
    Log1p,
    "log1p",
    """``log(1 + input)``, accurate near 0.

    >>> import chainrule
    >>> chainrule.log1p(chainrule.tensor([0.0, 1e-10]))
    tensor([0.0000e+00, 1.0000e-10])
    """,
)
sqrt = _float_unary(
    Sqrt,
    "sqrt",
    """The square root (NaN for negative inputs).

    >>> import chainrule
    >>> chainrule.sqrt(chainrule.tensor([4.0, 2.0]))
    tensor([2.0000, 1.4142])
    """,
)
rsqrt = _float_unary(
    Rsqrt,
    "rsqrt",
    """``1 / sqrt(input)``.

    >>> import chainrule
    >>> chainrule.rsqrt(chainrule.tensor([4.0, 0.25]))
    tensor([0.5000, 2.0000])
    """,
)
reciprocal = _float_unary(
    Reciprocal,
    "reciprocal",
    """``1 / input`` (integers give floats).

    >>> import chainrule
    >>> chainrule.reciprocal(chainrule.tensor([2, 4]))
    tensor([0.5000, 0.2500])
    """,
)
sin = _float_unary(
    Sin,
    "sin",
    """The sine (radians).

    >>> import chainrule
    >>> chainrule.sin(chainrule.tensor([0.0, 1.5708]))
    tensor([0., 1.])
    """,
)
cos = _float_unary(
    Cos,
    "cos",
    """The cosine (radians).

    >>> import chainrule
    >>> chainrule.cos(chainrule.tensor([0.0, 3.1416]))
    tensor([ 1., -1.])
    """,
)
tan = _float_unary(
    Tan,
    "tan",
    """The tangent (radians).

    >>> import chainrule
    >>> chainrule.tan(chainrule.tensor([0.0, 0.7854]))
    tensor([0.0000, 1.0000])
    """,
)
tanh = _float_unary(
    Tanh,
    "tanh",
    """The hyperbolic tangent, an activation with outputs in (-1, 1).

    >>> import chainrule
    >>> chainrule.tanh(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7616])
    """,
)
sinh = _float_unary(
    Sinh,
    "sinh",
    """The hyperbolic sine.

    >>> import chainrule
    >>> chainrule.sinh(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 1.1752])
    """,
)
cosh = _float_unary(
    Cosh,
    "cosh",
    """The hyperbolic cosine.

    >>> import chainrule
    >>> chainrule.cosh(chainrule.tensor([0.0, 1.0]))
    tensor([1.0000, 1.5431])
    """,
)
asin = _float_unary(
    Asin,
    "asin",
    """The inverse sine, in [-pi/2, pi/2].

    >>> import chainrule
    >>> chainrule.asin(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 1.5708])
    """,
)
arcsin = asin
acos = _float_unary(
    Acos,
    "acos",
    """The inverse cosine, in [0, pi].

    >>> import chainrule
    >>> chainrule.acos(chainrule.tensor([1.0, 0.0]))
    tensor([0.0000, 1.5708])
    """,
)
arccos = acos
atan = _float_unary(
    Atan,
    "atan",
    """The inverse tangent, in (-pi/2, pi/2).

    >>> import chainrule
    >>> chainrule.atan(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7854])
    """,
)
arctan = atan
acosh = _float_unary(
    Acosh,
    "acosh",
    """The inverse hyperbolic cosine, in [0, inf) (NaN below 1).

    >>> import chainrule
    >>> chainrule.acosh(chainrule.tensor([1.0, 2.0]))
    tensor([0.0000, 1.3170])
    """,
)
arccosh = acosh
asinh = _float_unary(
    Asinh,
    "asinh",
    """The inverse hyperbolic sine.

    >>> import chainrule
    >>> chainrule.asinh(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8814])
    """,
)
arcsinh = asinh
atanh = _float_unary(
    Atanh,
    "atanh",
    """The inverse hyperbolic tangent: +-inf at +-1, NaN beyond.

    >>> import chainrule
    >>> chainrule.atanh(chainrule.tensor([0.0, 0.5]))
    tensor([0.0000, 0.5493])
    """,
)
arctanh = atanh


def deg2rad(input, *, out=None):
    """Degrees to radians, ``input * pi / 180`` (integers give the default float dtype).

    >>> import chainrule
    >>> chainrule.deg2rad(chainrule.tensor([180.0, 90.0]))
    tensor([3.1416, 1.5708])
    """
    if out is not None:
        return write_out(out, deg2rad(input), "deg2rad")
    if _array(input, "deg2rad").dtype.kind != "f":
        input = input._cast(default_float())
    return mul(input, math.pi / 180)


def rad2deg(input, *, out=None):
    """Radians to degrees, ``input * 180 / pi`` (integers give the default float dtype).

    >>> import chainrule
    >>> chainrule.rad2deg(chainrule.tensor([3.141592653589793, 1.0]))
    tensor([180.0000,  57.2958])
    """
    if out is not None:
        return write_out(out, rad2deg(input), "rad2deg")
    if _array(input, "rad2deg").dtype.kind != "f":
        input = input._cast(default_float())
    return mul(input, 180 / math.pi)


sigmoid = _float_unary(
    Sigmoid,
    "sigmoid",
    """The logistic function ``1 / (1 + e^-x)``.

    >>> import chainrule
    >>> chainrule.sigmoid(chainrule.tensor([0.0, 2.0]))
    tensor([0.5000, 0.8808])
    """,
)
erf = _float_unary(
    Erf,
    "erf",
    """The Gauss error function.

    >>> import chainrule
    >>> chainrule.erf(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8427])
    """,
)


# --- piecewise-constant functions: zero gradient ---------------------------------------


class PiecewiseConstant(Primitive):
    """A step function (sign, floor, ceil, trunc, round).   dy/dx = 0 wherever
    it is defined; PyTorch uses 0 at the steps too."""

    def forward(ctx, x, *params):
        return ctx.function(x, *params)

    def backward(ctx, grad):
        return np.zeros_like(grad)


class Sign(PiecewiseConstant):
    """y = sign x (-1, 0 or 1; 0 for nan, as PyTorch).   dy/dx = 0."""

    function = staticmethod(sign_of)


class Floor(PiecewiseConstant):
    """y = the largest integer <= x.   dy/dx = 0."""

    function = staticmethod(np.floor)


class Ceil(PiecewiseConstant):
    """y = the smallest integer >= x.   dy/dx = 0."""

    function = staticmethod(np.ceil)


class Trunc(PiecewiseConstant):
    """y = x rounded toward 0.   dy/dx = 0."""

    function = staticmethod(np.trunc)


class Round(PiecewiseConstant):
    """y = x rounded half to even (to ``decimals`` places).   dy/dx = 0."""

    function = staticmethod(np.round)


def _angle_of(x):
    return np.where(x < 0, np.pi, np.where(np.isnan(x), x, 0)).astype(x.dtype, copy=False)


class Angle(PiecewiseConstant):
    """y = angle x of a real x: pi for x < 0, else 0 (NaN stays NaN).   dy/dx = 0."""

    function = staticmethod(_angle_of)


def _refuse_bool(kind, op_name):
    if kind == "b":
        raise NotImplementedError(f"\"{op_name}_vml_cpu\" not implemented for 'Bool'")


def _piecewise(cls, op_name, doc):
    """Integer and bool tensors are returned as copies: they are already whole."""

    def op(input, *, out=None):
        if out is not None:
            return write_out(out, op(input), op_name)
        data = _array(input, op_name)
        if data.dtype.kind != "f":
            _refuse_bool(data.dtype.kind, op_name)
            return wrap(data.copy())
        return cls.apply_unary(input)

    op.__name__ = op.__qualname__ = op_name
    op.__doc__ = doc
    return op


floor = _piecewise(
    Floor,
    "floor",
    """Round down to a whole number; the gradient is 0.

    >>> import chainrule
    >>> chainrule.floor(chainrule.tensor([1.5, -1.5]))
    tensor([ 1., -2.])
    """,
)
ceil = _piecewise(
    Ceil,
    "ceil",
    """Round up to a whole number; the gradient is 0.

    >>> import chainrule
    >>> chainrule.ceil(chainrule.tensor([1.5, -1.5]))
    tensor([ 2., -1.])
    """,
)
trunc = _piecewise(
    Trunc,
    "trunc",
    """Round toward zero; the gradient is 0.

    >>> import chainrule
    >>> chainrule.trunc(chainrule.tensor([1.5, -1.5]))
    tensor([ 1., -1.])
    """,
)
fix = trunc


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element; the gradient is 0.

    >>> import chainrule
    >>> chainrule.sign(chainrule.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    if out is not None:
        return write_out(out, sign(input), "sign")
    data = _array(input, "sign")
    if data.dtype.kind == "b":
        return wrap(data.copy())
    return Sign.apply_unary(input)


def round(input, *, decimals=0, out=None):  # noqa: A001 - PyTorch's name
    """Round half to even (as PyTorch), optionally to ``decimals`` places; the
    gradient is 0.

    >>> import chainrule
    >>> chainrule.round(chainrule.tensor([0.5, 1.5, 2.567]))
    tensor([0., 2., 3.])
    >>> chainrule.round(chainrule.tensor([2.567]), decimals=2)
    tensor([2.5700])
    """
    if out is not None:
        return write_out(out, round(input, decimals=decimals), "round")
    data = _array(input, "round")
    if data.dtype.kind != "f":
        _refuse_bool(data.dtype.kind, "round")
        return wrap(data.copy())
    return Round.apply_unary(input, decimals)


# --- clamp, where, lerp, nan_to_num -------------------------------------------------------


class Clamp(Primitive):
    """y = min(max(x, low), high).   dy/dx = 1 where low <= x <= high (the bounds
    included), else 0; a tensor bound gets the gradient where it is the result
    (dy/dlow = 1 where x < low < high, dy/dhigh = 1 where x > high or high < low)."""

    def forward(ctx, x, low, high):
        y = x
        if low is not None:
            y = np.maximum(y, low)
        if high is not None:
            y = np.minimum(y, high)
        ctx.save_for_backward(x, low, high)
        return y

    def backward(ctx, grad):
        x, low, high = ctx.saved
        need_x, need_low, need_high = ctx.needs_input_grad
        grad_x = grad_low = grad_high = None
        if need_x:
            if high is None:
                inside = x >= low
            elif low is None:
                inside = x <= high
            else:
                inside = (x >= low) & (x <= high)
            grad_x = select(inside, grad, 0.0)
        if need_low:
            grad_low = select(x < low if high is None else (x < low) & (low < high), grad, 0.0)
        if need_high:
            grad_high = select(x > high if low is None else (x > high) | (high < low), grad, 0.0)
        return grad_x, grad_low, grad_high

    @classmethod
    def name(cls):
        return "ClampBackward1"  # PyTorch's name for clamp with number bounds


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002 - PyTorch's names
    """Limit values to ``[min, max]`` (either may be None; numbers or tensors,
    which broadcast). The gradient passes where ``min <= input <= max``.

    >>> import chainrule
    >>> chainrule.clamp(chainrule.tensor([-2.0, 0.5, 3.0]), min=0, max=1)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if out is not None:
        return write_out(out, clamp(input, min, max), "clamp")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    operands = promote("clamp", input, *bounds)
    if not isinstance(operands[0], Tensor):
        raise _not_a_tensor("clamp", input)
    rest = iter(operands[1:])
    low = next(rest) if min is not None else None
    high = next(rest) if max is not None else None
    if operands[0]._data.dtype.kind in "iu":  # PyTorch's checked conversion of int bounds
        low, high = (number_as(b, operands[0]._data.dtype) if b.__class__ is int else b for b in (low, high))
    try:
        return Clamp.apply(operands[0], low, high)
    except ValueError as error:
        raise _operand_error("clamp", operands, error) from None


clip = clamp


def clamp_min(input, min):  # noqa: A002 - PyTorch's name
    """``clamp(input, min=min)``.

    >>> import chainrule
    >>> chainrule.clamp_min(chainrule.tensor([-1.0, 2.0]), 0.5)
    tensor([0.5000, 2.0000])
    """
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002 - PyTorch's name
    """``clamp(input, max=max)``.

    >>> import chainrule
    >>> chainrule.clamp_max(chainrule.tensor([-1.0, 2.0]), 0.5)
    tensor([-1.0000,  0.5000])
    """
    return clamp(input, max=max)


class Where(Primitive):
    """z = x where condition else y.   dz/dx = 1 where condition, else 0;
    dz/dy = 1 where not condition, else 0."""

    def forward(ctx, condition, x, y):
        ctx.save_for_backward(condition)
        return select(condition, x, y)

    def backward(ctx, grad):
        (condition,) = ctx.saved
        _, need_x, need_y = ctx.needs_input_grad
        return (
            None,
            select(condition, grad, 0.0) if need_x else None,
            select(condition, 0.0, grad) if need_y else None,
        )


def where(condition, input=None, other=None, *, out=None):
    """Pick ``input`` where ``condition`` is true and ``other`` elsewhere
    (broadcasting; either may be a number). With only ``condition``, the indices
    of its true elements, as ``nonzero(as_tuple=True)``.

    >>> import chainrule
    >>> x = chainrule.tensor([-1.0, 2.0])
    >>> chainrule.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
    if out is not None:
        return write_out(out, where(condition, input, other), "where")
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if not isinstance(condition, Tensor):  # backward rules pass constant masks as arrays
        condition = wrap(np.asarray(condition))
    kind = condition._data.dtype.kind
    if kind != "b":
        if condition._data.dtype != np.uint8:
            raise RuntimeError(
                "where expected condition to be a boolean tensor, but got a tensor with dtype "
                f"{scalar_type_name(condition._data.dtype)} (compare it first, e.g. x > 0)"
            )
        condition = wrap(condition._data.astype(bool))
    x, y = promote("where", input, other)
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        target = result_numpy_dtype(x, y)
        x, y = np.asarray(x, target), np.asarray(y, target)
    try:
        return Where.apply(condition, x, y)
    except ValueError as error:
        raise _operand_error("where", (condition, x, y), error) from None


class Lerp(Primitive):
    """z = x + w (y - x) for |w| < 0.5, else y - (y - x)(1 - w): PyTorch's two formulas,
    each exact at its own end (an infinite w gives inf, not inf - inf).
    dz/dx = 1 - w,   dz/dy = w,   dz/dw = y - x."""

    def forward(ctx, x, y, w):
        ctx.save_for_backward(x, y, w)  # w: an array or a Python number
        difference = y - x
        if isinstance(w, np.ndarray):
            return np.where(np.abs(w) < 0.5, x + w * difference, y - difference * (1 - w))
        return x + w * difference if -0.5 < w < 0.5 else y - difference * (1 - w)

    def backward(ctx, grad):
        x, y, w = ctx.saved
        need_x, need_y, need_w = ctx.needs_input_grad
        return (
            grad * (1 - w) if need_x else None,
            grad * w if need_y else None,
            grad * (y - x) if need_w else None,
        )


def lerp(input, end, weight, *, out=None):
    """Linear interpolation ``input + weight * (end - input)``; ``weight`` is a
    number or a tensor.

    >>> import chainrule
    >>> chainrule.lerp(chainrule.tensor([0.0, 10.0]), chainrule.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5000, 12.5000])
    """
    if out is not None:
        return write_out(out, lerp(input, end, weight), "lerp")
    dtype = input._data.dtype
    kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}' (lerp takes floats)"
        )
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other._data.dtype != dtype:
            raise RuntimeError(
                f"lerp: expected dtype {input.dtype} for `{name}` but got dtype {other.dtype}; "
                "convert it with .to(input.dtype)"
            )
    return Lerp.apply(input, end, weight)


class NanToNum(Primitive):
    """y = x with NaN, +inf and -inf replaced by numbers.   dy/dx = 1 where x is
    finite, else 0."""

    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return select(np.isfinite(x), grad, 0.0)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN by ``nan`` and infinities by the largest finite values of the
    dtype (or by ``posinf`` / ``neginf``).

    >>> import chainrule
    >>> chainrule.nan_to_num(chainrule.tensor([float("nan"), 1.0, float("inf")]), posinf=9.0)
    tensor([0., 1., 9.])
    """
    if out is not None:
        return write_out(out, nan_to_num(input, nan, posinf, neginf), "nan_to_num")
    data = _array(input, "nan_to_num")
    if data.dtype.kind != "f":
        return wrap(data.copy())
    return NanToNum.apply_unary(input, nan, posinf, neginf)


def _cast(self, np_dtype):
    """``self`` converted to the NumPy dtype ``np_dtype`` (differentiably)."""
    if self._data.dtype == np_dtype:
        return self
    return Cast.apply_unary(self, np.dtype(np_dtype))


# --- special functions: scipy.special computes the values ---------------------------------------


@functools.cache
def _scipy_special():
    """scipy.special, imported on first use (scipy is slow to import). Its ufuncs, which the
    backward rules below call, dispatch to these primitives when called on Tensors (a rule
    run with create_graph=True), so the gradients are differentiable again."""
    from scipy import special

    bind(
        {},
        {
            special.i0: I0.apply_unary,
            special.i0e: I0e.apply_unary,
            special.i1: I1.apply_unary,
            special.i1e: I1e.apply_unary,
        },
    )
    return special


def _polygamma(n, x):
    """psi^(n)(x) of an array (scipy, in x's dtype) or of a Tensor (differentiably)."""
    if isinstance(x, Tensor):
        return Polygamma.apply_unary(x, n)
    special = _scipy_special()
    y = special.psi(x) if n == 0 else special.polygamma(n, x)
    return y.astype(x.dtype, copy=False)


class Erfc(Primitive):
    """y = erfc x = 1 - erf x.   dy/dx = -2 / sqrt(pi) e^(-x^2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _scipy_special().erfc(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * (np.exp(-(x * x)) * (-2 / math.sqrt(math.pi)))


class Erfinv(Primitive):
    """y = erf^-1 x.   dy/dx = sqrt(pi) / 2 e^(y^2)."""

    def forward(ctx, x):
        y = _scipy_special().erfinv(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (np.exp(y * y) * (math.sqrt(math.pi) / 2))


class Lgamma(Primitive):
    """y = ln |Gamma(x)|.   dy/dx = digamma(x)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        # PyTorch: lgamma(-inf) = inf, where scipy gives -inf
        return np.where(x == -np.inf, np.inf, _scipy_special().gammaln(x)).astype(x.dtype, copy=False)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * _polygamma(0, x)


class Polygamma(Primitive):
    """y = psi^(n)(x), the n-th derivative of digamma = Gamma' / Gamma.   dy/dx = psi^(n+1)(x)."""

    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return _polygamma(n, x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * _polygamma(ctx.n + 1, x), None


class I0(Primitive):
    """y = I0(x), the modified Bessel function of order 0.   dy/dx = I1(x)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _scipy_special().i0(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * _scipy_special().i1(x)


class I0e(Primitive):
    """y = e^-|x| I0(x).   dy/dx = I1e(x) - sign(x) y."""

    def forward(ctx, x):
        y = _scipy_special().i0e(x)
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        return grad * (_scipy_special().i1e(x) - np.sign(x) * y)


class I1(Primitive):
    """y = I1(x), the modified Bessel function of order 1.   dy/dx = I0(x) - y / x (1/2 where
    |x| <= machine epsilon, and at NaN, as PyTorch's)."""

    def forward(ctx, x):
        y = _scipy_special().i1(x)
        ctx.save_for_backward(x, y)
        ctx.eps = np.finfo(x.dtype).eps
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        tiny = ~(np.abs(x) > ctx.eps)
        x = np.where(tiny, ctx.eps, x)  # no 0 / 0 in the branch not taken (its second derivative)
        return grad * np.where(tiny, 0.5, _scipy_special().i0(x) - y / x)


class I1e(Primitive):
    """y = e^-|x| I1(x).   dy/dx = I0e(x) - y (sign(x) + 1 / x) (1/2 where |x| <= machine
    epsilon, and at NaN, as PyTorch's)."""

    def forward(ctx, x):
        y = _scipy_special().i1e(x)
        ctx.save_for_backward(x, y)
        ctx.eps = np.finfo(x.dtype).eps
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        tiny = ~(np.abs(x) > ctx.eps)
        x = np.where(tiny, ctx.eps, x)
        return grad * np.where(tiny, 0.5, _scipy_special().i0e(x) - y * (np.sign(x) + 1 / x))


class Sinc(Primitive):
    """y = sin(pi x) / (pi x), 1 at x = 0.   dy/dx = (pi x cos(pi x) - sin(pi x)) / (pi x^2)
    (0 at x = 0)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinc(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        angle = x * math.pi
        return grad * np.where(x == 0, 0.0, (angle * np.cos(angle) - np.sin(angle)) / (angle * x))


class Ndtr(Primitive):
    """y = Phi(x), the standard normal CDF.   dy/dx = e^(-x^2 / 2) / sqrt(2 pi)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _scipy_special().ndtr(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * (np.exp(x * x * -0.5) / math.sqrt(2 * math.pi))


class Ndtri(Primitive):
    """y = Phi^-1(x), the standard normal quantile.   dy/dx = sqrt(2 pi) e^(y^2 / 2)."""

    def forward(ctx, x):
        y = _scipy_special().ndtri(x)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (np.exp(y * y * 0.5) * math.sqrt(2 * math.pi))


class LogNdtr(Primitive):
    """y = ln Phi(x).   dy/dx = e^(-x^2 / 2) / (sqrt(2 pi) Phi(x)) = e^(-(y + x^2 / 2)) / sqrt(2 pi)."""

    def forward(ctx, x):
        y = _scipy_special().log_ndtr(x)
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        return grad * (np.exp(-(y + x * x * 0.5)) / math.sqrt(2 * math.pi))


class Entr(Primitive):
    """y = -x ln x (0 at x = 0, -inf for x < 0).   dy/dx = -(1 + ln x)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _scipy_special().entr(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * -(np.log(x) + 1)


class Logit(Primitive):
    """y = ln(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given.
    dy/dx = 1 / (x (1 - x)); with eps, 0 outside [eps, 1 - eps]; without, NaN outside [0, 1]."""

    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        return np.log(z / (1 - z))

    def backward(ctx, grad):
        (x,) = ctx.saved
        eps = ctx.eps
        outside = (x < 0) | (x > 1) if eps is None else (x < eps) | (x > 1 - eps)
        x = np.where(outside, 0.5, x)  # no 0 / 0 in the branch not taken (its second derivative)
        return np.where(outside, math.nan if eps is None else 0.0, grad / (x * (1 - x))), None


class Xlogy(Primitive):
    """z = x ln y (0 where x = 0, unless y is nan).   dz/dx = ln y (0 where x = 0 and y <= 0);
    dz/dy = x / y."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        # in the operands' dtype: scipy gives float64 for a Python number and a float32 array
        return _scipy_special().xlogy(x, y).astype(np.result_type(x, y), copy=False)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        grad_x = np.where((x == 0) & (y <= 0), 0.0, grad * np.log(y)) if need_x else None
        return grad_x, (grad * x / y if need_y else None)


class Xlog1py(Primitive):
    """z = x ln(1 + y) (0 where x = 0, unless y is nan).   dz/dx = ln(1 + y) (0 where x = 0
    and y <= -1);  dz/dy = x / (1 + y)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return _scipy_special().xlog1py(x, y).astype(np.result_type(x, y), copy=False)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        grad_x = np.where((x == 0) & (y <= -1), 0.0, grad * np.log1p(y)) if need_x else None
        return grad_x, (grad * x / (y + 1) if need_y else None)


class Zeta(Primitive):
    """z = zeta(x, q) = sum over k >= 0 of (k + q)^-x, Hurwitz's zeta.   dz/dq = -x zeta(x + 1, q);
    PyTorch defines no dz/dx: backward raises if it is needed."""

    def forward(ctx, x, q):
        ctx.save_for_backward(x, q)
        return _zeta(x, q)

    def backward(ctx, grad):
        x, q = ctx.saved
        need_x, need_q = ctx.needs_input_grad
        if need_x:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return None, (grad * -x * _zeta(x + 1, q) if need_q else None)


def _zeta(x, q):
    """zeta(x, q) of arrays and numbers (scipy), or differentiably where either is a Tensor."""
    if isinstance(x, Tensor) or isinstance(q, Tensor):
        return Zeta.apply(x, q)
    return _scipy_special().zeta(x, q).astype(np.result_type(x, q), copy=False)


def _gammaln(a):
    """ln |Gamma(a)| of an array (scipy) or of a Tensor (differentiably)."""
    if isinstance(a, Tensor):
        return Lgamma.apply_unary(a)
    return _scipy_special().gammaln(a).astype(a.dtype, copy=False)


class Igamma(Primitive):
    """z = P(a, x) = gamma(a, x) / Gamma(a), the regularized lower incomplete gamma function.
    dz/dx = x^(a-1) e^(-x) / Gamma(a); PyTorch defines no dz/da: backward raises if it is needed."""

    sign = 1

    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        special = _scipy_special()
        kernel = special.gammainc if ctx.sign > 0 else special.gammaincc
        return kernel(a, x).astype(np.result_type(a, x), copy=False)

    def backward(ctx, grad):
        a, x = ctx.saved
        need_a, need_x = ctx.needs_input_grad
        if need_a:
            raise NotImplementedError(f"the derivative for '{ctx.name()}: input' is not implemented.")
        if not need_x:
            return None, None
        return None, grad * (ctx.sign * np.exp((a - 1) * np.log(x) - x - _gammaln(a)))

    @classmethod
    def name(cls):
        return "igamma"


class Igammac(Igamma):
    """z = Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function.
    dz/dx = -x^(a-1) e^(-x) / Gamma(a); PyTorch defines no dz/da."""

    sign = -1

    @classmethod
    def name(cls):
        return "igammac"


def mvlgamma(input, p, *, out=None, op_name="mvlgamma"):
    """The log of the multivariate gamma function of dimension ``p``:
    ``p (p - 1) / 4 log(pi) + sum over j < p of lgamma(input - j / 2)``.

    >>> import chainrule
    >>> chainrule.mvlgamma(chainrule.tensor([2.0, 3.0]), 2)
    tensor([0.4516, 1.5502])
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(f"{op_name}(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if out is not None:
        return write_out(out, mvlgamma(input, p, op_name=op_name), op_name)
    if _array(input, op_name).dtype.kind != "f":
        input = input._cast(default_float())
    total = lgamma(input)
    for j in range(1, p):
        total = total + lgamma(input - j / 2)
    return total + p * (p - 1) / 4 * math.log(math.pi)


erfc = _float_unary(
    Erfc,
    "erfc",
    """The complementary error function ``1 - erf(input)``, accurate where erf is near 1.

    >>> import chainrule
    >>> chainrule.erfc(chainrule.tensor([0.0, 5.0]))
    tensor([1.0000e+00, 1.5375e-12])
    """,
)
erfinv = _float_unary(
    Erfinv,
    "erfinv",
    """The inverse of ``erf`` on (-1, 1) (+-inf at +-1, NaN outside).

    >>> import chainrule
    >>> chainrule.erfinv(chainrule.tensor([0.0, 0.5]))
    tensor([0.0000, 0.4769])
    """,
)
lgamma = _float_unary(
    Lgamma,
    "lgamma",
    """``ln |Gamma(input)|``.

    >>> import chainrule
    >>> chainrule.lgamma(chainrule.tensor([0.5, 3.0]))
    tensor([0.5724, 0.6931])
    """,
)
i0 = _float_unary(
    I0,
    "i0",
    """The modified Bessel function of the first kind of order 0.

    >>> import chainrule
    >>> chainrule.i0(chainrule.tensor([0.0, 1.0]))
    tensor([1.0000, 1.2661])
    """,
)
sinc = _float_unary(
    Sinc,
    "sinc",
    """The normalized sinc function ``sin(pi x) / (pi x)``, 1 at 0.

    >>> import chainrule
    >>> chainrule.sinc(chainrule.tensor([0.0, 0.5]))
    tensor([1.0000, 0.6366])
    """,
)


def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``, the inverse of ``sigmoid``; with ``eps``, ``input`` is first
    clamped to ``[eps, 1 - eps]`` (and the gradient is 0 outside it).

    >>> import chainrule
    >>> chainrule.logit(chainrule.tensor([0.5, 0.75]))
    tensor([0.0000, 1.0986])
    >>> chainrule.logit(chainrule.tensor([0.0, 1.0]), eps=0.25)
    tensor([-1.0986,  1.0986])
    """
    if out is not None:
        return write_out(out, logit(input, eps), "logit")
    if _array(input, "logit").dtype.kind != "f":
        input = input._cast(default_float())
    return Logit.apply_unary(input, eps)


def _check_polygamma_order(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of ``digamma`` (``n`` = 0 is digamma itself).

    >>> import chainrule
    >>> chainrule.polygamma(1, chainrule.tensor([1.0, 2.0]))
    tensor([1.6449, 0.6449])
    """
    _check_polygamma_order(n)
    if out is not None:
        return write_out(out, polygamma(n, input), "polygamma")
    if _array(input, "polygamma").dtype.kind != "f":
        input = input._cast(default_float())
    return Polygamma.apply_unary(input, int(n))


def digamma(input, *, out=None):
    """``Gamma'(input) / Gamma(input)``, the derivative of ``lgamma`` (-inf at 0, NaN at the
    negative integers).

    >>> import chainrule
    >>> chainrule.digamma(chainrule.tensor([1.0, 2.0]))
    tensor([-0.5772,  0.4228])
    """
    if out is not None:
        return write_out(out, digamma(input), "digamma")
    return polygamma(0, input)


def sgn(input, *, out=None):
    """``sign(input)`` for real tensors (for complex ones PyTorch gives ``input / |input|``).

    >>> import chainrule
    >>> chainrule.sgn(chainrule.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return sign(input, out=out)


def signbit(input, *, out=None):
    """Whether each element's sign bit is set (True for -0.0 and negative numbers).

    >>> import chainrule
    >>> chainrule.signbit(chainrule.tensor([-0.0, 0.0, -2.0]))
    tensor([ True, False,  True])
    """
    if out is not None:
        return write_out(out, signbit(input), "signbit")
    data = _array(input, "signbit")
    if data.dtype.kind == "b":  # bools have no sign
        return wrap(np.zeros(data.shape, dtype=np.bool_))
    return wrap(np.signbit(data))


class _FrexpResult(namedtuple("frexp", ["mantissa", "exponent"])):
    """``(mantissa, exponent)``, printed like ``torch.return_types.frexp``."""

    __slots__ = ()

    def __repr__(self):
        return f"chainrule.return_types.frexp(\nmantissa={self.mantissa!r},\nexponent={self.exponent!r})"


class Frexp(Primitive):
    """m = x / 2^e, the mantissa (0.5 <= |m| < 1; e, the exponent, is an output of its own
    without a gradient).   dm/dx = 1 / 2^e."""

    def forward(ctx, x, exponent):
        ctx.power = np.ldexp(np.ones_like(x), exponent)  # 2^e, inf past the dtype's range as in PyTorch
        return np.ldexp(x, -exponent)

    def backward(ctx, grad):
        return grad / ctx.power, None


def frexp(input, *, out=None):
    """Split each element into a mantissa in [0.5, 1) (by magnitude) and an int32 power of
    two: ``input = mantissa * 2 ** exponent``.

    >>> import chainrule
    >>> chainrule.frexp(chainrule.tensor([3.0, -0.5]))
    chainrule.return_types.frexp(
    mantissa=tensor([ 0.7500, -0.5000]),
    exponent=tensor([2, 0], dtype=chainrule.int32))
    """
    if out is not None:
        mantissa, exponent = frexp(input)
        return _FrexpResult(write_out(out[0], mantissa, "frexp"), write_out(out[1], exponent, "frexp"))
    data = _array(input, "frexp")
    if data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    exponent = np.frexp(data)[1].astype(np.int32)
    return _FrexpResult(Frexp.apply_unary(input, exponent), wrap(exponent))


# --- more binary functions --------------------------------------------------------------------


def _two_tensors(op_name, input, other):
    """PyTorch's TypeError for the ops that take no Python number."""
    _array(input, op_name)
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{op_name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )


def _one_tensor_at_least(op_name, input, other):
    """PyTorch's TypeError for the ops that take a number on either side, but not on both."""
    if not (isinstance(input, Tensor) or isinstance(other, Tensor)):
        raise TypeError(
            f"{op_name}() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}): one of input and other must be a Tensor"
        )


def _float_binary(cls, op_name, input, other):
    """A binary function defined for floating tensors only (integers raise, as in PyTorch)."""
    _two_tensors(op_name, input, other)
    dtype = result_numpy_dtype(input, other)
    if dtype.kind != "f":
        raise NotImplementedError(f"\"{op_name}_cpu\" not implemented for '{scalar_type_name(dtype)}'")
    return _binary(cls, op_name, input, other)


def _float_binary_op(cls, op_name, doc):
    """The user-facing function of a binary primitive defined for floating tensors only."""

    def op(input, other, *, out=None):
        if out is not None:
            return write_out(out, op(input, other), op_name)
        return _float_binary(cls, op_name, input, other)

    op.__name__ = op.__qualname__ = op_name
    op.__doc__ = doc
    return op


igamma = _float_binary_op(
    Igamma,
    "igamma",
    """The regularized lower incomplete gamma function ``P(input, other)`` of floating
    tensors (``torch.special.gammainc``); only ``other`` has a gradient, as in PyTorch.

    >>> import chainrule
    >>> chainrule.igamma(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 3.0]))
    tensor([0.6321, 0.8009])
    """,
)
igammac = _float_binary_op(
    Igammac,
    "igammac",
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P(input, other)``
    (``torch.special.gammaincc``); only ``other`` has a gradient, as in PyTorch.

    >>> import chainrule
    >>> chainrule.igammac(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 3.0]))
    tensor([0.3679, 0.1991])
    """,
)


class Hypot(Primitive):
    """z = sqrt(x^2 + y^2).   dz/dx = x / z,  dz/dy = y / z."""

    def forward(ctx, x, y):
        z = np.hypot(x, y)
        ctx.save_for_backward(x, y, z)
        return z

    def backward(ctx, grad):
        x, y, z = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (grad * x / z if need_x else None), (grad * y / z if need_y else None)


class LogAddExp(Primitive):
    """z = ln(e^x + e^y).   dz/dx = 1 / (1 + e^(y - x)),  dz/dy = 1 / (1 + e^(x - y))."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.logaddexp(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad / (np.exp(y - x) + 1) if need_x else None
        return grad_x, (grad / (np.exp(x - y) + 1) if need_y else None)


class LogAddExp2(Primitive):
    """z = log2(2^x + 2^y).   dz/dx = 1 / (1 + 2^(y - x)),  dz/dy = 1 / (1 + 2^(x - y))."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.logaddexp2(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad / (np.exp2(y - x) + 1) if need_x else None
        return grad_x, (grad / (np.exp2(x - y) + 1) if need_y else None)


class Copysign(Primitive):
    """z = |x| with the sign of y.   dz/dx = z / x (0 at x = 0),  dz/dy = 0."""

    def forward(ctx, x, y):
        z = np.copysign(x, y)
        ctx.save_for_backward(x, z)
        return z

    def backward(ctx, grad):
        x, z = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad * np.where(x == 0, 0.0, z / x) if need_x else None
        return grad_x, (np.zeros_like(grad) if need_y else None)


class Nextafter(Primitive):
    """z = the next number of x's dtype after x toward y (x itself where x = y).
    dz/dx = 1 where x != y, 0 where x = y (PyTorch's);  dz/dy = 0."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.nextafter(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        return (np.where(x == y, 0.0, grad) if need_x else None), (np.zeros_like(grad) if need_y else None)


class Heaviside(Primitive):
    """z = 0 where x < 0, y where x = 0, 1 where x > 0.   PyTorch defines no derivative:
    backward raises."""

    def forward(ctx, x, y):
        return np.where(x == 0, y, x > 0).astype(x.dtype)

    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::heaviside is not implemented")

    @classmethod
    def name(cls):
        return "NotImplemented"


hypot = _float_binary_op(
    Hypot,
    "hypot",
    """``sqrt(input ** 2 + other ** 2)`` without overflow, for floating tensors.

    >>> import chainrule
    >>> chainrule.hypot(chainrule.tensor([3.0, 5.0]), chainrule.tensor([4.0, 12.0]))
    tensor([ 5., 13.])
    """,
)


logaddexp = _float_binary_op(
    LogAddExp,
    "logaddexp",
    """``log(exp(input) + exp(other))`` without overflow, for floating tensors.

    >>> import chainrule
    >>> chainrule.logaddexp(chainrule.tensor([0.0, 1.0]), chainrule.tensor([0.0, 1.0]))
    tensor([0.6931, 1.6931])
    """,
)


logaddexp2 = _float_binary_op(
    LogAddExp2,
    "logaddexp2",
    """``log2(2 ** input + 2 ** other)`` without overflow, for floating tensors.

    >>> import chainrule
    >>> chainrule.logaddexp2(chainrule.tensor([1.0, 3.0]), chainrule.tensor([1.0, 3.0]))
    tensor([2., 4.])
    """,
)


nextafter = _float_binary_op(
    Nextafter,
    "nextafter",
    """The next floating-point number after ``input`` in the direction of ``other``.

    >>> import chainrule
    >>> chainrule.nextafter(chainrule.tensor([1.0]), chainrule.tensor([2.0])) - 1
    tensor([1.1921e-07])
    """,
)


def xlogy(input, other, *, out=None):
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN); either
    argument may be a number.

    >>> import chainrule
    >>> chainrule.xlogy(chainrule.tensor([0.0, 2.0]), chainrule.tensor([0.0, 3.0]))
    tensor([0.0000, 2.1972])
    """
    _one_tensor_at_least("xlogy", input, other)
    if out is not None:
        return write_out(out, xlogy(input, other), "xlogy")
    return _binary(Xlogy, "xlogy", input, other, floating=True)


def copysign(input, other, *, out=None):
    """``|input|`` with the sign of ``other`` (a tensor or a number); integers give floats.

    >>> import chainrule
    >>> chainrule.copysign(chainrule.tensor([1.0, -2.0]), -0.0)
    tensor([-1., -2.])
    """
    _array(input, "copysign")
    if out is not None:
        return write_out(out, copysign(input, other), "copysign")
    return _binary(Copysign, "copysign", input, other, floating=True)


def heaviside(input, values, *, out=None):
    """The step function: 0 where ``input < 0``, ``values`` where it is 0, 1 where positive.
    Both tensors must have one dtype; it has no derivative.

    >>> import chainrule
    >>> chainrule.heaviside(chainrule.tensor([-1.0, 0.0, 2.0]), chainrule.tensor(0.5))
    tensor([0.0000, 0.5000, 1.0000])
    """
    _array(input, "heaviside")
    if not isinstance(values, Tensor):
        raise TypeError(
            f"heaviside(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}"
        )
    if out is not None:
        return write_out(out, heaviside(input, values), "heaviside")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _binary(Heaviside, "heaviside", input, values)


def ldexp(input, other, *, out=None):
    """``input * 2 ** other`` (as PyTorch computes it, so the result is floating).

    >>> import chainrule
    >>> chainrule.ldexp(chainrule.tensor([1.0, 3.0]), chainrule.tensor([3, -1]))
    tensor([8.0000, 1.5000])
    """
    _two_tensors("ldexp", input, other)
    if out is not None:
        return write_out(out, ldexp(input, other), "ldexp")
    return mul(input, pow(2.0, other))


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (either may be a number), as PyTorch's.

    >>> import chainrule
    >>> chainrule.float_power(chainrule.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=chainrule.float64)
    """
    _one_tensor_at_least("float_power", input, exponent)
    if out is not None:
        return write_out(out, float_power(input, exponent), "float_power")
    return pow(*(x._cast(np.float64) if isinstance(x, Tensor) else x for x in (input, exponent)))


def _float_power_(self, exponent):
    """In-place version of :func:`float_power`: the tensor must be float64."""
    if self._data.dtype != np.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {scalar_type_name(self._data.dtype)} but the "
            "operation's result requires dtype Double"
        )
    return write_inplace(self, float_power(self, exponent), "float_power_")


# --- in-place forms -------------------------------------------------------------------


def _inplace_binary(op, ufunc, op_name, doc, integers_stay=True, sign=None):
    """``x.op_(other)``: straight into x's memory when nothing is recorded.

    ``integers_stay``: the op keeps integer results integer (not true division).
    ``sign``: +1 or -1 for += and -=, which on large arrays of one shape and dtype
    run as BLAS's axpy (ops/_blas.py): the same bits, on all of chainrule's
    threads (``p -= lr * p.grad`` on a 784x256 weight: 14 µs against 55 µs)."""

    def method(self, other, **kwargs):
        check_inplace(self, op_name)
        other_requires = isinstance(other, Tensor) and other._requires_grad
        if not (grad_state.enabled and (self._requires_grad or other_requires)) and not kwargs:
            data = self._data
            value = other._data if isinstance(other, Tensor) else other
            kind = data.dtype.kind
            # (x -= a bool tensor is PyTorch's error, which the out-of-place op below raises)
            bool_subtrahend = sign == -1 and value.__class__ is np.ndarray and value.dtype == np.bool_
            try:
                if not bool_subtrahend and (
                    kind == "f" or (integers_stay and np.result_type(data, value).kind == kind)
                ):
                    large = (
                        sign is not None and value.__class__ is np.ndarray and value.size >= _blas.MIN_VECTOR
                    )
                    if not (large and _blas.add_multiple_on_blas(data, sign, value)):
                        ufunc(data, value, out=data, casting="unsafe")
                    bump_version(self)
                    return self
            except (ValueError, TypeError, OverflowError):
                pass  # the out-of-place op below raises PyTorch's error
        return write_inplace(self, op(self, other, **kwargs), op_name)

    method.__name__ = method.__qualname__ = op_name
    method.__doc__ = doc
    return method


add_ = _inplace_binary(
    add,
    np.add,
    "add_",
    """``self += other`` in place (the ``+=`` operator).

    >>> import chainrule
    >>> x = chainrule.tensor([1.0, 2.0])
    >>> x += 1
    >>> x
    tensor([2., 3.])
    """,
    sign=1.0,
)
sub_ = _inplace_binary(
    sub,
    np.subtract,
    "sub_",
    """``self -= other`` in place (the ``-=`` operator).

    >>> import chainrule
    >>> x = chainrule.tensor([1.0, 2.0])
    >>> x -= chainrule.tensor([1.0, 1.0])
    >>> x
    tensor([0., 1.])
    """,
    sign=-1.0,
)
mul_ = _inplace_binary(
    mul,
    np.multiply,
    "mul_",
    """``self *= other`` in place.

    >>> import chainrule
    >>> chainrule.tensor([1.0, 2.0]).mul_(3)
    tensor([3., 6.])
    """,
)
div_ = _inplace_binary(
    div,
    np.true_divide,
    "div_",
    """``self /= other`` in place; integer tensors refuse it (the quotient is a float).

    >>> import chainrule
    >>> chainrule.tensor([1.0, 2.0]).div_(4)
    tensor([0.2500, 0.5000])
    """,
    integers_stay=False,
)


def _add_with_alpha_(self, other, *, alpha=1):
    """``self += alpha * other`` in place.

    >>> import chainrule
    >>> chainrule.tensor([1.0, 2.0]).add_(chainrule.tensor([1.0, 1.0]), alpha=0.5)
    tensor([1.5000, 2.5000])
    """
    if alpha != 1:
        other = _scaled(other, alpha, "add_", self)
    return add_(self, other)


def _sub_with_alpha_(self, other, *, alpha=1):
    """``self -= alpha * other`` in place.

    >>> import chainrule
    >>> chainrule.tensor([1.0, 2.0]).sub_(chainrule.tensor([1.0, 1.0]), alpha=2)
    tensor([-1.,  0.])
    """
    if alpha != 1:
        other = _scaled(other, alpha, "sub_", self)
    return sub_(self, other)


def addcmul_(self, tensor1, tensor2, *, value=1):
    """``self += value * tensor1 * tensor2`` in place.

    >>> import chainrule
    >>> chainrule.ones(2).addcmul_(chainrule.tensor([1.0, 2.0]), chainrule.tensor([3.0, 4.0]), value=0.5)
    tensor([2.5000, 5.0000])
    """
    return _add_with_alpha_(self, mul(tensor1, tensor2), alpha=value)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """``self += value * tensor1 / tensor2`` in place.

    >>> import chainrule
    >>> chainrule.ones(2).addcdiv_(chainrule.tensor([1.0, 2.0]), chainrule.tensor([4.0, 4.0]), value=2)
    tensor([1.5000, 2.0000])
    """
    return _add_with_alpha_(self, div(tensor1, tensor2), alpha=value)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``.

    >>> import chainrule
    >>> t1, t2 = chainrule.tensor([1.0, 2.0]), chainrule.tensor([3.0, 4.0])
    >>> chainrule.addcmul(chainrule.ones(2), t1, t2, value=0.5)
    tensor([2.5000, 5.0000])
    """
    if out is not None:
        return write_out(out, addcmul(input, tensor1, tensor2, value=value), "addcmul")
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``.

    >>> import chainrule
    >>> t1, t2 = chainrule.tensor([1.0, 2.0]), chainrule.tensor([4.0, 4.0])
    >>> chainrule.addcdiv(chainrule.ones(2), t1, t2, value=2)
    tensor([1.5000, 2.0000])
    """
    if out is not None:
        return write_out(out, addcdiv(input, tensor1, tensor2, value=value), "addcdiv")
    return add(input, div(tensor1, tensor2), alpha=value)


class CopyInto(Primitive):
    """y = src broadcast to the destination's shape and dtype (copy_, fill_).
    dy/dsrc = 1 (summed over the broadcast),  dy/ddestination = 0."""

    def forward(ctx, destination, src):
        out = np.empty_like(destination)
        out[...] = src
        return out

    def backward(ctx, grad):
        need_destination, need_src = ctx.needs_input_grad
        return (np.zeros_like(grad) if need_destination else None), (grad if need_src else None)


def _copy_into(self, src, op_name):
    check_inplace(self, op_name)
    src_requires = isinstance(src, Tensor) and src._requires_grad
    if grad_state.enabled and (src_requires or self._requires_grad):
        try:
            return write_inplace(self, CopyInto.apply(self, src), op_name)
        except ValueError:
            raise broadcast_error(op_name, self._data.shape, _shape(src)) from None
    try:
        np.copyto(
            self._data,
            src._data if isinstance(src, Tensor) else number_as(src, self._data.dtype),
            casting="unsafe",
        )
    except ValueError:
        raise broadcast_error(op_name, self._data.shape, _shape(src)) from None
    bump_version(self)
    return self


def fill_(self, value):
    """Set every element to ``value`` (a number or a 0-d tensor).

    >>> import chainrule
    >>> chainrule.zeros(3).fill_(2.5)
    tensor([2.5000, 2.5000, 2.5000])
    """
    return _copy_into(self, value, "fill_")


def zero_(self):
    """Set every element to 0.

    >>> import chainrule
    >>> chainrule.ones(2, dtype=chainrule.int64).zero_()
    tensor([0, 0])
    """
    return _copy_into(self, 0, "zero_")


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, converted to this tensor's dtype) into this tensor's memory.

    >>> import chainrule
    >>> chainrule.zeros(2, 2).copy_(chainrule.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return _copy_into(self, src, "copy_")


# --- signs and the complex API on real tensors ------------------------------------------
# chainrule's tensors are real: the calls scripts make for complex support answer as
# PyTorch does for a real tensor.


def positive(input):
    """``+input``: the tensor itself (PyTorch refuses bool tensors).

    >>> import chainrule
    >>> x = chainrule.tensor([1.0, -2.0])
    >>> chainrule.positive(x) is x
    True
    """
    if _array(input, "positive").dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def is_signed(input):
    """Whether the dtype holds negative numbers (floats and signed integers).

    >>> import chainrule
    >>> chainrule.is_signed(chainrule.tensor([1.0])), chainrule.tensor([1], dtype=chainrule.uint8).is_signed()
    (True, False)
    """
    return _array(input, "is_signed").dtype.kind in "if"


def real(input):
    """The real part: the tensor itself for a real tensor, as in PyTorch.

    >>> import chainrule
    >>> x = chainrule.tensor([1.0, -2.0])
    >>> chainrule.real(x) is x
    True
    """
    _array(input, "real")
    return input


def imag(input):
    """The imaginary part, which PyTorch refuses for real tensors (all of chainrule's).

    >>> import chainrule
    >>> chainrule.imag(chainrule.tensor([1.0]))
    Traceback (most recent call last):
    RuntimeError: imag is not implemented for tensors with non-complex dtypes.
    """
    _array(input, "imag")
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


def _real_identity(op_name, doc):
    """A complex-API call that returns a real tensor itself (conj, resolve_neg, ...)."""

    def op(input):
        _array(input, op_name)
        return input

    op.__name__ = op.__qualname__ = op_name
    op.__doc__ = doc
    return op


conj = _real_identity(
    "conj",
    """The complex conjugate: the tensor itself for a real tensor.

    >>> import chainrule
    >>> chainrule.conj(chainrule.tensor([1.0, -2.0]))
    tensor([ 1., -2.])
    """,
)
conj_physical = _real_identity(
    "conj_physical",
    """The complex conjugate, materialized: the tensor itself for a real tensor.

    >>> import chainrule
    >>> chainrule.conj_physical(chainrule.tensor([1.0, -2.0]))
    tensor([ 1., -2.])
    """,
)
resolve_conj = _real_identity(
    "resolve_conj",
    """The tensor with a pending conjugation applied: itself, as no real tensor has one.

    >>> import chainrule
    >>> chainrule.resolve_conj(chainrule.tensor([1.0]))
    tensor([1.])
    """,
)
resolve_neg = _real_identity(
    "resolve_neg",
    """The tensor with a pending negation applied: itself, as no real tensor has one.

    >>> import chainrule
    >>> chainrule.resolve_neg(chainrule.tensor([1.0]))
    tensor([1.])
    """,
)


def conj_physical_(input):
    """In-place :func:`conj_physical`: nothing to do for a real tensor.

    >>> import chainrule
    >>> chainrule.conj_physical_(chainrule.tensor([1.0]))
    tensor([1.])
    """
    check_inplace(input, "conj_physical_")
    return input


def is_conj(input):
    """Whether the conjugate bit is set: never, for a real tensor.

    >>> import chainrule
    >>> chainrule.is_conj(chainrule.tensor([1.0]))
    False
    """
    _array(input, "is_conj")
    return False


def is_neg(input):
    """Whether the negative bit is set: never, for a real tensor.

    >>> import chainrule
    >>> chainrule.is_neg(chainrule.tensor([1.0]))
    False
    """
    _array(input, "is_neg")
    return False


def angle(input, *, out=None):
    """The argument of each value: pi for negative numbers, 0 otherwise (NaN stays NaN);
    integers give the default float dtype. Its gradient is 0, as in PyTorch.

    >>> import chainrule
    >>> chainrule.angle(chainrule.tensor([-2.0, 0.0, 3.0]))
    tensor([3.1416, 0.0000, 0.0000])
    """
    if out is not None:
        return write_out(out, angle(input), "angle")
    if _array(input, "angle").dtype.kind != "f":
        input = input._cast(default_float())
    return Angle.apply_unary(input)


def _reflected(fn):
    def reflected(self, other):
        return fn(other, self)

    reflected.__name__ = reflected.__qualname__ = "__r" + fn.__name__ + "__"
    return reflected


def _reflected_div(self, other):
    """``other / tensor`` as PyTorch computes it, ``reciprocal(tensor) * other``: the
    graph keeps 1 / tensor, not the tensor, so changing the tensor in place afterwards
    leaves the gradient intact (PyTorch's grad_fn is MulBackward0 too)."""
    return mul(reciprocal(self), other)


def _compare_method(fn):
    """``==`` and ``!=`` with something that is not a tensor or number: not
    equal, as in PyTorch (``tensor == None`` is False)."""

    def method(self, other):
        if not isinstance(other, (Tensor, int, float, bool, _ndarray, np.generic)):
            return NotImplemented
        return fn(self, other)

    method.__name__ = method.__qualname__ = fn.__name__
    return method


_INPLACE_UNARY = {
    "neg": neg,
    "negative": neg,
    "abs": abs,
    "absolute": abs,
    "exp": exp,
    "exp2": exp2,
    "expm1": expm1,
    "log": log,
    "log2": log2,
    "log10": log10,
    "log1p": log1p,
    "sqrt": sqrt,
    "rsqrt": rsqrt,
    "square": square,
    "reciprocal": reciprocal,
    "sin": sin,
    "cos": cos,
    "tan": tan,
    "tanh": tanh,
    "sinh": sinh,
    "cosh": cosh,
    "asin": asin,
    "acos": acos,
    "atan": atan,
    "arcsin": asin,
    "arccos": acos,
    "arctan": atan,
    "sigmoid": sigmoid,
    "relu": relu,
    "erf": erf,
    "frac": frac,
    "sign": sign,
    "floor": floor,
    "ceil": ceil,
    "trunc": trunc,
    "fix": trunc,
    "round": round,
    "clamp": clamp,
    "clip": clamp,
    "clamp_min": clamp_min,
    "clamp_max": clamp_max,
    "nan_to_num": nan_to_num,
    "pow": pow,
    "remainder": remainder,
    "fmod": fmod,
    "floor_divide": floor_divide,
    "maximum": maximum,
    "minimum": minimum,
    "atan2": atan2,
    "arctan2": atan2,
    "lerp": lerp,
    "bitwise_and": bitwise_and,
    "bitwise_or": bitwise_or,
    "bitwise_xor": bitwise_xor,
    "bitwise_not": bitwise_not,
    "logical_not": logical_not,
    "logical_and": logical_and,
    "logical_or": logical_or,
    "logical_xor": logical_xor,
    "eq": eq,
    "ne": ne,
    "not_equal": ne,
    "lt": lt,
    "less": lt,
    "le": le,
    "less_equal": le,
    "gt": gt,
    "greater": gt,
    "ge": ge,
    "greater_equal": ge,
    "erfc": erfc,
    "erfinv": erfinv,
    "logit": logit,
    "lgamma": lgamma,
    "digamma": digamma,
    "i0": i0,
    "sinc": sinc,
    "sgn": sgn,
    "hypot": hypot,
    "nextafter": nextafter,
    "xlogy": xlogy,
    "copysign": copysign,
    "heaviside": heaviside,
    "ldexp": ldexp,
    "acosh": acosh,
    "asinh": asinh,
    "atanh": atanh,
    "arccosh": acosh,
    "arcsinh": asinh,
    "arctanh": atanh,
    "deg2rad": deg2rad,
    "rad2deg": rad2deg,
    "fmax": fmax,
    "fmin": fmin,
    "gcd": gcd,
    "lcm": lcm,
    "bitwise_left_shift": bitwise_left_shift,
    "bitwise_right_shift": bitwise_right_shift,
    "igamma": igamma,
    "igammac": igammac,
}
_INPLACE = {name + "_": inplace(fn, name + "_") for name, fn in _INPLACE_UNARY.items()}
erfc_ = _INPLACE["erfc_"]
logit_ = _INPLACE["logit_"]
i0_ = _INPLACE["i0_"]
sinc_ = _INPLACE["sinc_"]
xlogy_ = _INPLACE["xlogy_"]
ldexp_ = _INPLACE["ldexp_"]
acosh_ = _INPLACE["acosh_"]
arccosh_ = _INPLACE["arccosh_"]
asinh_ = _INPLACE["asinh_"]
arcsinh_ = _INPLACE["arcsinh_"]
atanh_ = _INPLACE["atanh_"]
arctanh_ = _INPLACE["arctanh_"]
deg2rad_ = _INPLACE["deg2rad_"]
rad2deg_ = _INPLACE["rad2deg_"]
gcd_ = _INPLACE["gcd_"]
lcm_ = _INPLACE["lcm_"]
del _INPLACE["fmax_"], _INPLACE["fmin_"]  # PyTorch has no in-place fmax / fmin

bind(
    {
        "add": add,
        "__add__": _add,
        "__radd__": _add,
        "add_": _add_with_alpha_,
        "__iadd__": add_,
        "sub": sub,
        "subtract": sub,
        "__sub__": _sub,
        "__rsub__": _reflected(sub),
        "sub_": _sub_with_alpha_,
        "subtract_": _sub_with_alpha_,
        "__isub__": sub_,
        "mul": mul,
        "multiply": mul,
        "__mul__": mul,
        "__rmul__": mul,
        "mul_": mul_,
        "multiply_": mul_,
        "__imul__": mul_,
        "div": div,
        "divide": div,
        "true_divide": div,
        "__truediv__": div,
        "__rtruediv__": _reflected_div,
        "div_": div_,
        "divide_": div_,
        "true_divide_": div_,
        "__itruediv__": div_,
        "floor_divide": floor_divide,
        "__floordiv__": floor_divide,
        "__rfloordiv__": _reflected(floor_divide),
        "__ifloordiv__": _INPLACE["floor_divide_"],
        "remainder": remainder,
        "fmod": fmod,
        "__mod__": remainder,
        "__rmod__": _reflected(remainder),
        "__imod__": _INPLACE["remainder_"],
        "pow": pow,
        "__pow__": pow,
        "__rpow__": _reflected(pow),
        "__ipow__": _INPLACE["pow_"],
        "maximum": maximum,
        "minimum": minimum,
        "atan2": atan2,
        "arctan2": atan2,
        "eq": eq,
        "ne": ne,
        "lt": lt,
        "le": le,
        "gt": gt,
        "ge": ge,
        "greater": gt,
        "greater_equal": ge,
        "less": lt,
        "less_equal": le,
        "not_equal": ne,
        "__eq__": _compare_method(eq),
        "__ne__": _compare_method(ne),
        "__lt__": lt,
        "__le__": le,
        "__gt__": gt,
        "__ge__": ge,
        "logical_and": logical_and,
        "logical_or": logical_or,
        "logical_xor": logical_xor,
        "logical_not": logical_not,
        "bitwise_and": bitwise_and,
        "bitwise_or": bitwise_or,
        "bitwise_xor": bitwise_xor,
        "bitwise_not": bitwise_not,
        "__and__": bitwise_and,
        "__or__": bitwise_or,
        "__xor__": bitwise_xor,
        "__rand__": _reflected(bitwise_and),
        "__ror__": _reflected(bitwise_or),
        "__rxor__": _reflected(bitwise_xor),
        "__iand__": _INPLACE["bitwise_and_"],
        "__ior__": _INPLACE["bitwise_or_"],
        "__ixor__": _INPLACE["bitwise_xor_"],
        "__invert__": _invert,
        "isnan": isnan,
        "isinf": isinf,
        "isfinite": isfinite,
        "allclose": allclose,
        "isclose": isclose,
        "equal": equal,
        "__neg__": neg,
        "__abs__": abs,
        "where": lambda self, condition, other: where(condition, self, other),
        "_cast": _cast,
        "addcmul": addcmul,
        "addcdiv": addcdiv,
        "addcmul_": addcmul_,
        "addcdiv_": addcdiv_,
        "fill_": fill_,
        "zero_": zero_,
        "copy_": copy_,
        "polygamma": lambda self, n: polygamma(n, self),
        "polygamma_": lambda self, n: write_inplace(self, polygamma(n, self), "polygamma_"),
        "logaddexp": logaddexp,
        "logaddexp2": logaddexp2,
        "signbit": signbit,
        "frexp": frexp,
        "float_power": float_power,
        "float_power_": _float_power_,
        "__lshift__": bitwise_left_shift,
        "__rshift__": bitwise_right_shift,
        "__rlshift__": _reflected(bitwise_left_shift),
        "__rrshift__": _reflected(bitwise_right_shift),
        "__ilshift__": _INPLACE["bitwise_left_shift_"],
        "__irshift__": _INPLACE["bitwise_right_shift_"],
        "isposinf": isposinf,
        "isneginf": isneginf,
        "isreal": isreal,
        "positive": positive,
        "__pos__": positive,
        "is_signed": is_signed,
        "mvlgamma": mvlgamma,
        "mvlgamma_": lambda self, p: inplace_on_copy(self, mvlgamma, "mvlgamma_", p),
        "real": property(real),  # attributes in PyTorch, not methods
        "imag": property(imag),
        "conj": conj,
        "conj_physical": conj_physical,
        "conj_physical_": conj_physical_,
        "resolve_conj": resolve_conj,
        "resolve_neg": resolve_neg,
        "is_conj": is_conj,
        "is_neg": is_neg,
        "angle": angle,
        **_INPLACE_UNARY,
        **_INPLACE,
    },
    {
        np.add: add,
        np.subtract: sub,
        np.multiply: mul,
        np.true_divide: div,
        np.floor_divide: floor_divide,
        np.negative: neg,
        np.power: pow,
        np.remainder: remainder,
        np.maximum: maximum,
        np.minimum: minimum,
        np.arctan2: atan2,
        np.hypot: hypot,
        np.logaddexp: logaddexp,
        np.logaddexp2: logaddexp2,
        np.copysign: copysign,
        np.nextafter: nextafter,
        np.signbit: signbit,
        np.heaviside: heaviside,
        np.frexp: frexp,
        np.equal: eq,
        np.not_equal: ne,
        np.less: lt,
        np.less_equal: le,
        np.greater: gt,
        np.greater_equal: ge,
        np.logical_and: logical_and,
        np.logical_or: logical_or,
        np.logical_xor: logical_xor,
        np.logical_not: logical_not,
        np.bitwise_and: bitwise_and,
        np.bitwise_or: bitwise_or,
        np.bitwise_xor: bitwise_xor,
        np.invert: bitwise_not,
        np.abs: abs,
        np.exp: exp,
        np.exp2: exp2,
        np.expm1: expm1,
        np.log: log,
        np.log2: log2,
        np.log10: log10,
        np.log1p: log1p,
        np.sqrt: sqrt,
        np.square: square,
        np.reciprocal: reciprocal,
        np.sin: sin,
        np.cos: cos,
        np.tan: tan,
        np.tanh: tanh,
        np.sinh: sinh,
        np.cosh: cosh,
        np.arcsin: asin,
        np.arccos: acos,
        np.arctan: atan,
        np.sign: sign,
        np.floor: floor,
        np.ceil: ceil,
        np.trunc: trunc,
        np.sinc: sinc,
        np.i0: i0,
        np.isnan: isnan,
        np.isinf: isinf,
        np.isfinite: isfinite,
        np.where: where,
        np.clip: clamp,
        np.zeros_like: lambda a, dtype=None, **kwargs: zeros_like(a, dtype=dtype),
        np.ones_like: lambda a, dtype=None, **kwargs: ones_like(a, dtype=dtype),
    },
)
