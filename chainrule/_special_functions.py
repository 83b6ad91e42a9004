"""The Bessel, Airy and orthogonal-polynomial functions of ``torch.special``, and erfcx.

PyTorch marks the outputs of all of them but erfcx non-differentiable: their results never
require grad, so a backward that reaches one raises "element 0 of tensors does not require
grad", as in PyTorch. scipy.special computes the Bessel and Airy values (accurate to float64
rounding, where PyTorch's J0, J1, Y0, Y1 can be off by about 1e-7); the polynomials run
PyTorch's recurrences (the same steps, in the same order, in the result's dtype), since
scipy's ``eval_*`` functions round differently for large degrees and know nothing of
PyTorch's rules for negative, non-integer and huge degrees.
"""

import math

import numpy as np

from ._dtype import default_float, result_numpy_dtype, scalar_type_name
from ._tensor import Tensor, wrap
from .autograd.function import Primitive
from .ops._helpers import broadcast_error, write_out
from .ops.elementwise import _scipy_special


def _float_data(op_name, input, argument="input"):
    """The array of a tensor argument in the dtype PyTorch computes in: integers and bools
    become the default float; float16, bfloat16 and complex raise, as PyTorch's CPU kernels."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"special_{op_name}(): argument '{argument}' (position 1) must be Tensor, "
            f"not {type(input).__name__}"
        )
    return input._data.astype(_computed_dtype(op_name, input._data.dtype), copy=False)


def _computed_dtype(op_name, dtype):
    if dtype.kind in "biu":
        return np.dtype(default_float())
    if dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"{op_name}_cpu\" not implemented for '{scalar_type_name(dtype)}'")
    return dtype


def _unary(op_name, values, doc, argument="input"):
    """A one-input function whose result has no gradient: ``values(x)`` on the float array."""

    def op(input, *, out=None):
        x = _float_data(op_name, input, argument)
        with np.errstate(all="ignore"):
            result = wrap(np.asarray(values(x), dtype=x.dtype))
        return result if out is None else write_out(out, result, f"special_{op_name}")

    op.__name__ = op.__qualname__ = op_name
    op.__doc__ = doc
    return op


# --- Bessel and Airy functions (scipy.special) ---------------------------------------------------


def _airy_ai(x):
    special = _scipy_special()
    y = special.airy(x)[0]
    # scipy gives NaN far left (|x| >= ~1e7), where PyTorch keeps the asymptotic form's first
    # term, (pi^2 |x|)^(-1/4) sin(2/3 |x|^(3/2) + pi/4); far right PyTorch gives 0 from 103.892
    far_left = np.isnan(y) & (x < 0) & np.isfinite(x)
    if far_left.any():
        t = -2 * x[far_left] * np.sqrt(-x[far_left]) / 3 + math.pi / 4
        y[far_left] = np.sin(t) / (math.sqrt(math.pi) * np.sqrt(np.sqrt(-x[far_left])))
    return np.where(np.isinf(x), np.nan, np.where(x > 103.892, 0.0, y))


def _modified_bessel_i0(x):
    # exp(|x|) i0e(x), as PyTorch: infinite from where exp(|x|) overflows the dtype
    return np.exp(np.abs(x)) * _scipy_special().i0e(x).astype(x.dtype, copy=False)


def _modified_bessel_i1(x):
    return np.exp(np.abs(x)) * _scipy_special().i1e(x).astype(x.dtype, copy=False)


airy_ai = _unary(
    "airy_ai",
    _airy_ai,
    """The Airy function Ai(x) (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.airy_ai(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([0.3550, 0.1353, 0.2274])
    """,
    argument="x",
)
bessel_j0 = _unary(
    "bessel_j0",
    lambda x: _scipy_special().j0(x),
    """The Bessel function of the first kind of order 0 (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.bessel_j0(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([1.0000, 0.7652, 0.2239])
    """,
)
bessel_j1 = _unary(
    "bessel_j1",
    lambda x: _scipy_special().j1(x),
    """The Bessel function of the first kind of order 1 (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.bessel_j1(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([ 0.0000,  0.4401, -0.5767])
    """,
)
bessel_y0 = _unary(
    "bessel_y0",
    lambda x: _scipy_special().y0(x),
    """The Bessel function of the second kind of order 0: -inf at 0, NaN for negative inputs
    (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.bessel_y0(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([   -inf,  0.0883,     nan])
    """,
)
bessel_y1 = _unary(
    "bessel_y1",
    lambda x: _scipy_special().y1(x),
    """The Bessel function of the second kind of order 1: -inf at 0, NaN for negative inputs
    (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.bessel_y1(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([   -inf, -0.7812,     nan])
    """,
)
modified_bessel_i0 = _unary(
    "modified_bessel_i0",
    _modified_bessel_i0,
    """The modified Bessel function of the first kind of order 0; unlike :func:`i0`, it has
    no gradient (as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.modified_bessel_i0(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([1.0000, 1.2661, 2.2796])
    """,
)
modified_bessel_i1 = _unary(
    "modified_bessel_i1",
    _modified_bessel_i1,
    """The modified Bessel function of the first kind of order 1; unlike :func:`i1`, it has
    no gradient (as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.modified_bessel_i1(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([ 0.0000,  0.5652, -1.5906])
    """,
)
modified_bessel_k0 = _unary(
    "modified_bessel_k0",
    lambda x: _scipy_special().k0(x),
    """The modified Bessel function of the second kind of order 0: inf at 0, NaN for negative
    inputs (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.modified_bessel_k0(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([   inf, 0.4210,    nan])
    """,
)
modified_bessel_k1 = _unary(
    "modified_bessel_k1",
    lambda x: _scipy_special().k1(x),
    """The modified Bessel function of the second kind of order 1: inf at 0, NaN for negative
    inputs (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.modified_bessel_k1(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([   inf, 0.6019,    nan])
    """,
)
scaled_modified_bessel_k0 = _unary(
    "scaled_modified_bessel_k0",
    lambda x: _scipy_special().k0e(x),
    """``exp(x) * modified_bessel_k0(x)`` (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.scaled_modified_bessel_k0(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([   inf, 1.1445,    nan])
    """,
    argument="x",
)
scaled_modified_bessel_k1 = _unary(
    "scaled_modified_bessel_k1",
    lambda x: _scipy_special().k1e(x),
    """``exp(x) * modified_bessel_k1(x)`` (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.scaled_modified_bessel_k1(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([   inf, 1.6362,    nan])
    """,
    argument="x",
)
spherical_bessel_j0 = _unary(
    "spherical_bessel_j0",
    lambda x: _scipy_special().spherical_jn(0, x),
    """The spherical Bessel function of the first kind of order 0, ``sin(x) / x`` (no
    gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.spherical_bessel_j0(chainrule.tensor([0.0, 1.0, -2.0]))
    tensor([1.0000, 0.8415, 0.4546])
    """,
    argument="x",
)


# --- erfcx: the one with a gradient ---------------------------------------------------------------


class SpecialErfcx(Primitive):
    """y = erfcx x = e^(x^2) erfc x.   dy/dx = 2 x y - 2 / sqrt(pi)."""

    def forward(ctx, x):
        y = _scipy_special().erfcx(x).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        return grad * (2 * x * y - 2 / math.sqrt(math.pi))


def erfcx(input, *, out=None):
    """The scaled complementary error function ``exp(x^2) * erfc(x)``, finite where erfc
    underflows.

    >>> import chainrule
    >>> chainrule.special.erfcx(chainrule.tensor([0.0, 1.0, 30.0]))
    tensor([1.0000, 0.4276, 0.0188])
    """
    x = _float_data("erfcx", input)
    if input._data.dtype != x.dtype:
        input = input._cast(x.dtype)
    if out is not None:
        return write_out(out, SpecialErfcx.apply_unary(input), "special_erfcx")
    return SpecialErfcx.apply_unary(input)


# --- orthogonal polynomials: PyTorch's recurrences ------------------------------------------------


def _polynomial(op_name, kernel, doc):
    """A function of ``(input, n)``, tensors or one of them a number, broadcast together and
    promoted as PyTorch's binary ops (integers to the default float). ``n`` is cast to the
    result's dtype and truncated to an integer (NaN, inf and values beyond int64 become -1);
    ``kernel(x, n)`` takes the flat float array and the flat int64 degrees."""

    def op(input, n, *, out=None):
        if not (isinstance(input, Tensor) or isinstance(n, Tensor)):
            raise TypeError(
                f"special_{op_name}() received an invalid combination of arguments - got "
                f"({type(input).__name__}, {type(n).__name__}): one of input and n must be a Tensor"
            )
        for name, value in (("input", input), ("n", n)):
            if not isinstance(value, (Tensor, bool, int, float)):
                raise TypeError(
                    f"special_{op_name}(): argument '{name}' must be Tensor or Number, "
                    f"not {type(value).__name__}"
                )
        dtype = _computed_dtype(op_name, result_numpy_dtype(input, n))
        x = np.asarray(getattr(input, "_data", input)).astype(dtype, copy=False)
        degree = np.asarray(getattr(n, "_data", n)).astype(dtype, copy=False)
        try:
            shape = np.broadcast_shapes(x.shape, degree.shape)
        except ValueError:
            raise broadcast_error(f"special_{op_name}", x.shape, degree.shape) from None
        representable = np.isfinite(degree) & (np.abs(degree) < 2.0**63)
        degree = np.where(representable, degree, -1).astype(np.int64)
        x, degree = (np.broadcast_to(a, shape).ravel() for a in (x, degree))
        with np.errstate(all="ignore"):
            result = wrap(kernel(x, degree).astype(dtype, copy=False).reshape(shape))
        return result if out is None else write_out(out, result, f"special_{op_name}")

    op.__name__ = op.__qualname__ = op_name
    op.__doc__ = doc
    return op


def _recurrence(x, n, first, step, needed):
    """PyTorch's loop where ``needed`` (and n >= 1): p = 1, q = first, then n - 1 times
    p, q = q, step(j, x, p, q) for j = 1, 2, ...; returns q (0 elsewhere). The elements run
    sorted by degree, so those done drop off the front; those at NaN drop off too (NaN stays
    NaN: PyTorch's loop stops there), so a huge degree costs only until the values overflow."""
    result = np.zeros_like(x)
    index = np.flatnonzero(needed & (n >= 1))
    index = index[np.argsort(n[index], kind="stable")]
    x, n, q = x[index], n[index], first[index]
    p = np.ones_like(q)
    j = 1
    while index.size:
        done = np.searchsorted(n, j, side="right")  # the degrees <= j: their j - 1 steps are taken
        result[index[:done]] = q[:done]
        index, x, n, p, q = index[done:], x[done:], n[done:], p[done:], q[done:]
        if j % 64 == 0:
            running = ~np.isnan(q)
            result[index[~running]] = np.nan
            index, x, n, p, q = index[running], x[running], n[running], p[running], q[running]
        p, q = q, step(j, x, p, q)
        j += 1
    return result


def _fused(a, b, c):
    """``a * b - c`` as PyTorch's compiled loops compute it, with one rounding (a fused
    multiply-add): in float32 through float64, where a product of two float32 values is
    exact (PyTorch's bits but for a rare double rounding); float64 rounds the product too,
    so its results can differ in the last bits."""
    if a.dtype == np.float32:
        return (a.astype(np.float64) * b - c).astype(np.float32)
    return a * b - c


def _rounded(function, x):
    """``function`` of a float32 array correctly rounded, as the C library's float functions
    (through float64; NumPy's own float32 arccos, cos and sin can be an ulp off)."""
    return function(x.astype(np.float64)).astype(x.dtype, copy=False)


def _cases(x, n, cases, first, step):
    """PyTorch's early returns in its order: n < 0 gives 0, n == 0 gives 1, then the
    (condition, value) pairs of ``cases``; the recurrence from ``first`` everywhere else."""
    conditions = [n < 0, n == 0] + [condition for condition, _ in cases]
    values = [0.0, 1.0] + [value for _, value in cases]
    rest = ~np.logical_or.reduce(conditions)
    return np.select(conditions, values, _recurrence(x, n, first, step, rest))


def _signed(n, value):
    """``value`` for even degrees, ``-value`` for odd ones."""
    return np.where(n % 2 == 0, value, -value)


# Chebyshev's four kinds on y = cos(theta): (value at y = 1, magnitude at y = -1 (signed by the
# degree's parity), closed form in theta used above a degree threshold inside (-1, 1), and the
# first-degree polynomial the recurrence y_(k+1) = 2 y y_k - y_(k-1) starts from)
_CHEBYSHEV = {
    "t": (lambda n: 1, lambda n: 1, lambda theta, n: _rounded(np.cos, n * theta), lambda y: y),
    "u": (
        lambda n: n + 1,
        lambda n: n + 1,
        lambda theta, n: _rounded(np.sin, (n + 1) * theta) / _rounded(np.sin, theta),
        lambda y: y + y,
    ),
    "v": (
        lambda n: 1,
        lambda n: n + n + 1,
        lambda theta, n: _rounded(np.cos, (n + 0.5) * theta) / _rounded(np.cos, theta / 2),
        lambda y: y + y - 1,
    ),
    "w": (
        lambda n: n + n + 1,
        lambda n: 1,
        lambda theta, n: _rounded(np.sin, (n + 0.5) * theta) / _rounded(np.sin, theta / 2),
        lambda y: y + y + 1,
    ),
}


def _chebyshev(kind, threshold, shifted=False):
    """The kernel of Chebyshev's polynomial of ``kind`` (of 2 x - 1 when ``shifted``), with
    PyTorch's closed form above degree ``threshold`` and its fallbacks where the form's
    denominator is 0 (sin theta for U) or its half-angle cosine / sine rounds to 1 (W / V)."""
    top, bottom, closed_form, first = _CHEBYSHEV[kind]

    def kernel(x, n):
        one = x.dtype.type(1)
        y = x + x - one if shifted else x
        degree = n.astype(x.dtype)
        at_top, at_bottom = (x == 1, x == 0) if shifted else (x == 1, x == -1)
        top_value = np.asarray(top(n)).astype(x.dtype)
        bottom_value = _signed(n, np.asarray(bottom(n)).astype(x.dtype))
        theta = _rounded(np.arccos, y)
        value = closed_form(theta, degree)
        if kind == "u":
            fallback = (degree + one) * _rounded(np.cos, (degree + one) * theta) / y
            value = np.where(_rounded(np.sin, theta) != 0, value, fallback)
        elif kind == "v":
            value = np.where(_rounded(np.sin, theta / 2) != 1, value, bottom_value)
        elif kind == "w":  # unshifted, PyTorch falls back to the value at the nearer end
            fallback = bottom_value if shifted else np.where(x > 0, top_value, bottom_value)
            value = np.where(_rounded(np.cos, theta / 2) != 1, value, fallback)
        trig = (n > threshold) & (np.abs(y) < 1)
        cases = [(at_top, top_value), (at_bottom, bottom_value), (trig, value)]
        return _cases(y, n, cases, first(y), lambda j, y, p, q: _fused(y + y, q, p))

    return kernel


def _hermite(physicists):
    """H_n (``physicists``: H_(k+1) = 2 x H_k - 2 k H_(k-1)) or He_n (He_(k+1) = x He_k - k He_(k-1));
    NaN above degree 128 in float32 and 512 in float64, as PyTorch."""

    def kernel(x, n):
        limit = 128 if x.dtype == np.float32 else 512
        if physicists:
            first, step = x + x, lambda j, x, p, q: _fused(x + x, q, (j + j) * p)
        else:
            first, step = x, lambda j, x, p, q: _fused(x, q, j * p)
        return _cases(x, n, [(n > limit, np.nan)], first, step)

    return kernel


def _laguerre(x, n):
    """L_(k+1) = ((2 k + 1 - x) L_k - k L_(k-1)) / (k + 1); 1 at x = 0."""
    one = x.dtype.type(1)
    step = lambda j, x, p, q: _fused((j + j) + (one - x), q, j * p) / (j + 1)  # noqa: E731
    return _cases(x, n, [(x == 0, 1.0)], one - x, step)


def _legendre(x, n):
    """P_(k+1) = ((2 k + 1) x P_k - k P_(k-1)) / (k + 1); +-1 at x = +-1."""
    step = lambda j, x, p, q: _fused((j + j + 1) * x, q, j * p) / (j + 1)  # noqa: E731
    return _cases(x, n, [(np.abs(x) == 1, np.where((x > 0) | (n % 2 == 0), 1.0, -1.0))], x, step)


def _polynomial_doc(what, name, example):
    return f"""{what} of degree ``n`` (a tensor or a number, truncated to an integer; 0 for a
    negative degree), broadcast with ``input`` (no gradient, as in PyTorch).

    >>> import chainrule
    >>> chainrule.special.{name}(chainrule.tensor([0.5, 2.0]), 3)
    {example}
    """


chebyshev_polynomial_t = _polynomial(
    "chebyshev_polynomial_t",
    _chebyshev("t", 6),
    _polynomial_doc(
        "Chebyshev's polynomial of the first kind T_n", "chebyshev_polynomial_t", "tensor([-1., 26.])"
    ),
)

chebyshev_polynomial_u = _polynomial(
    "chebyshev_polynomial_u",
    _chebyshev("u", 8),
    _polynomial_doc(
        "Chebyshev's polynomial of the second kind U_n", "chebyshev_polynomial_u", "tensor([-1., 56.])"
    ),
)

chebyshev_polynomial_v = _polynomial(
    "chebyshev_polynomial_v",
    _chebyshev("v", 8),
    _polynomial_doc(
        "Chebyshev's polynomial of the third kind V_n", "chebyshev_polynomial_v", "tensor([-1., 41.])"
    ),
)

chebyshev_polynomial_w = _polynomial(
    "chebyshev_polynomial_w",
    _chebyshev("w", 8),
    _polynomial_doc(
        "Chebyshev's polynomial of the fourth kind W_n", "chebyshev_polynomial_w", "tensor([-1., 71.])"
    ),
)

shifted_chebyshev_polynomial_t = _polynomial(
    "shifted_chebyshev_polynomial_t",
    _chebyshev("t", 6, shifted=True),
    _polynomial_doc(
        "Chebyshev's shifted polynomial of the first kind T_n(2 x - 1)",
        "shifted_chebyshev_polynomial_t",
        "tensor([-0., 99.])",
    ),
)

shifted_chebyshev_polynomial_u = _polynomial(
    "shifted_chebyshev_polynomial_u",
    _chebyshev("u", 6, shifted=True),
    _polynomial_doc(
        "Chebyshev's shifted polynomial of the second kind U_n(2 x - 1)",
        "shifted_chebyshev_polynomial_u",
        "tensor([ -0., 204.])",
    ),
)

shifted_chebyshev_polynomial_v = _polynomial(
    "shifted_chebyshev_polynomial_v",
    _chebyshev("v", 6, shifted=True),
    _polynomial_doc(
        "Chebyshev's shifted polynomial of the third kind V_n(2 x - 1)",
        "shifted_chebyshev_polynomial_v",
        "tensor([  1., 169.])",
    ),
)

shifted_chebyshev_polynomial_w = _polynomial(
    "shifted_chebyshev_polynomial_w",
    _chebyshev("w", 4, shifted=True),
    _polynomial_doc(
        "Chebyshev's shifted polynomial of the fourth kind W_n(2 x - 1)",
        "shifted_chebyshev_polynomial_w",
        "tensor([ -1., 239.])",
    ),
)

hermite_polynomial_h = _polynomial(
    "hermite_polynomial_h",
    _hermite(physicists=True),
    _polynomial_doc("The physicists' Hermite polynomial H_n", "hermite_polynomial_h", "tensor([-5., 40.])"),
)

hermite_polynomial_he = _polynomial(
    "hermite_polynomial_he",
    _hermite(physicists=False),
    _polynomial_doc(
        "The probabilists' Hermite polynomial He_n", "hermite_polynomial_he", "tensor([-1.3750,  2.0000])"
    ),
)

laguerre_polynomial_l = _polynomial(
    "laguerre_polynomial_l",
    _laguerre,
    _polynomial_doc("Laguerre's polynomial L_n", "laguerre_polynomial_l", "tensor([-0.1458, -0.3333])"),
)

legendre_polynomial_p = _polynomial(
    "legendre_polynomial_p",
    _legendre,
    _polynomial_doc("Legendre's polynomial P_n", "legendre_polynomial_p", "tensor([-0.4375, 17.0000])"),
)
