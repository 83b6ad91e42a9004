"""``chainrule.special``, as ``torch.special``: special functions with their gradients.

The primitives live in ops/elementwise.py (scipy.special computes their values);
most names here are the top-level functions under PyTorch's other names. The Bessel, Airy
and orthogonal-polynomial functions, and erfcx, live in _special_functions.py.
"""

from ._dtype import scalar_type_name
from ._special_functions import (
    airy_ai,
    bessel_j0,
    bessel_j1,
    bessel_y0,
    bessel_y1,
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    erfcx,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    modified_bessel_i0,
    modified_bessel_i1,
    modified_bessel_k0,
    modified_bessel_k1,
    scaled_modified_bessel_k0,
    scaled_modified_bessel_k1,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
    spherical_bessel_j0,
)
from .ops._helpers import write_out
from .ops.elementwise import (
    I1,
    Entr,
    I0e,
    I1e,
    Igamma,
    Igammac,
    LogNdtr,
    Ndtr,
    Ndtri,
    Xlog1py,
    Zeta,
    _array,
    _binary,
    _float_binary,
    _float_unary,
    _one_tensor_at_least,
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    i0,
    lgamma,
    log1p,
    logit,
    mvlgamma,
    polygamma,
    sigmoid,
    sinc,
    xlogy,
)
from .ops.elementwise import round as _round
from .ops.nn import log_softmax as _log_softmax
from .ops.nn import softmax as _softmax
from .ops.reduce import logsumexp

__all__ = [
    "airy_ai",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "sinc",
    "softmax",
    "spherical_bessel_j0",
    "xlog1py",
    "xlogy",
    "zeta",
]

expit = sigmoid
gammaln = lgamma
psi = digamma

i0e = _float_unary(
    I0e,
    "special_i0e",
    """The exponentially scaled modified Bessel function ``exp(-|x|) * i0(x)``.

    >>> import chainrule
    >>> chainrule.special.i0e(chainrule.tensor([0.0, 1.0]))
    tensor([1.0000, 0.4658])
    """,
)
i1 = _float_unary(
    I1,
    "special_i1",
    """The modified Bessel function of the first kind of order 1.

    >>> import chainrule
    >>> chainrule.special.i1(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.5652])
    """,
)
i1e = _float_unary(
    I1e,
    "special_i1e",
    """The exponentially scaled modified Bessel function ``exp(-|x|) * i1(x)``.

    >>> import chainrule
    >>> chainrule.special.i1e(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2079])
    """,
)
ndtr = _float_unary(
    Ndtr,
    "special_ndtr",
    """The standard normal cumulative distribution function.

    >>> import chainrule
    >>> chainrule.special.ndtr(chainrule.tensor([0.0, 1.0]))
    tensor([0.5000, 0.8413])
    """,
)
ndtri = _float_unary(
    Ndtri,
    "special_ndtri",
    """The inverse of :func:`ndtr`: the standard normal quantile function.

    >>> import chainrule
    >>> chainrule.special.ndtri(chainrule.tensor([0.5, 0.975]))
    tensor([0.0000, 1.9600])
    """,
)
log_ndtr = _float_unary(
    LogNdtr,
    "special_log_ndtr",
    """``log(ndtr(input))``, accurate far in the lower tail.

    >>> import chainrule
    >>> chainrule.special.log_ndtr(chainrule.tensor([0.0, -10.0]))
    tensor([ -0.6931, -53.2313])
    """,
)
entr = _float_unary(
    Entr,
    "special_entr",
    """The elementwise entropy ``-x * log(x)``: 0 at 0, ``-inf`` for negative ``x``.

    >>> import chainrule
    >>> chainrule.special.entr(chainrule.tensor([0.0, 0.5, -1.0]))
    tensor([0.0000, 0.3466,   -inf])
    """,
)


def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN); either
    argument may be a number.

    >>> import chainrule
    >>> chainrule.special.xlog1py(chainrule.tensor([0.0, 2.0]), chainrule.tensor([-1.0, 1.0]))
    tensor([0.0000, 1.3863])
    """
    _one_tensor_at_least("special_xlog1py", input, other)
    if out is not None:
        return write_out(out, xlog1py(input, other), "special_xlog1py")
    return _binary(Xlog1py, "special_xlog1py", input, other, floating=True)


def zeta(input, other, *, out=None):
    """The Hurwitz zeta function ``sum over k >= 0 of (k + other) ** -input``; either
    argument may be a number. Only ``other`` has a gradient, as in PyTorch.

    >>> import chainrule
    >>> chainrule.special.zeta(chainrule.tensor([2.0, 4.0]), 1.0)
    tensor([1.6449, 1.0823])
    """
    _one_tensor_at_least("special_zeta", input, other)
    if out is not None:
        return write_out(out, zeta(input, other), "special_zeta")
    return _binary(Zeta, "special_zeta", input, other, floating=True)


def multigammaln(input, p, *, out=None):
    """:func:`chainrule.mvlgamma`, the log of the multivariate gamma function of dimension ``p``.

    >>> import chainrule
    >>> chainrule.special.multigammaln(chainrule.tensor([2.0, 3.0]), 2)
    tensor([0.4516, 1.5502])
    """
    return mvlgamma(input, p, out=out, op_name="special_multigammaln")


def gammainc(input, other, *, out=None):
    """:func:`chainrule.igamma`, the regularized lower incomplete gamma function.

    >>> import chainrule
    >>> chainrule.special.gammainc(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 3.0]))
    tensor([0.6321, 0.8009])
    """
    if out is not None:
        return write_out(out, gammainc(input, other), "special_gammainc")
    return _float_binary(Igamma, "special_gammainc", input, other)


def gammaincc(input, other, *, out=None):
    """:func:`chainrule.igammac`, the regularized upper incomplete gamma function.

    >>> import chainrule
    >>> chainrule.special.gammaincc(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 3.0]))
    tensor([0.3679, 0.1991])
    """
    if out is not None:
        return write_out(out, gammaincc(input, other), "special_gammaincc")
    return _float_binary(Igammac, "special_gammaincc", input, other)


def round(input, *, decimals=0, out=None):  # noqa: A001 - PyTorch's name
    """:func:`chainrule.round` for floating tensors (``torch.special.round`` refuses integers).

    >>> import chainrule
    >>> chainrule.special.round(chainrule.tensor([0.5, 1.5, 2.567]), decimals=1)
    tensor([0.5000, 1.5000, 2.6000])
    """
    dtype = _array(input, "special_round").dtype
    if dtype.kind != "f":
        raise NotImplementedError(f"\"round_vml_cpu\" not implemented for '{scalar_type_name(dtype)}'")
    return _round(input, decimals=decimals, out=out)


def softmax(input, dim, *, dtype=None):
    """:func:`chainrule.softmax` along ``dim`` (which ``torch.special.softmax`` requires).

    >>> import chainrule
    >>> chainrule.special.softmax(chainrule.tensor([0.0, 0.0]), 0)
    tensor([0.5000, 0.5000])
    """
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """:func:`chainrule.log_softmax` along ``dim`` (which ``torch.special.log_softmax`` requires).

    >>> import chainrule
    >>> chainrule.special.log_softmax(chainrule.tensor([0.0, 0.0]), 0)
    tensor([-0.6931, -0.6931])
    """
    return _log_softmax(input, dim, dtype=dtype)
