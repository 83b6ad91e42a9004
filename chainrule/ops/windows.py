"""Window functions for spectral analysis, as ``torch.hann_window`` and friends.

Each computes in the window's dtype with PyTorch's sequence of operations (a
float32 ``arange`` scaled, then ``cos``, ...), so the values agree with PyTorch's
to the last bit or two. A periodic window of length N is the first N points of
the symmetric window of length N + 1. Windows are constants: no graph, though
``requires_grad=True`` makes a leaf as in PyTorch.
"""

import math

import numpy as np

from .. import _dtype
from .._creation import _finish

__all__ = ["bartlett_window", "blackman_window", "hamming_window", "hann_window", "kaiser_window"]


def _window(op_name, window_length, periodic, dtype, device, requires_grad, symmetric):
    """The window of ``window_length`` points from ``symmetric(n, np_dtype)``, which
    gives the symmetric window of n >= 2 points."""
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)):
        raise TypeError(
            f"{op_name}(): argument 'window_length' (position 1) must be int, "
            f"not {type(window_length).__name__}"
        )
    if not isinstance(periodic, bool):
        raise TypeError(
            f"{op_name}(): argument 'periodic' (position 2) must be bool, not {type(periodic).__name__}"
        )
    np_dtype = _dtype.default_float() if dtype is None else _dtype.to_numpy_dtype(dtype)
    if np_dtype.kind != "f":
        raise RuntimeError(
            f"{op_name} expects floating point dtypes, got: {_dtype.from_numpy_dtype(np_dtype)}"
        )
    if window_length < 0:
        raise RuntimeError(
            f"{op_name} requires non-negative window_length, got window_length={window_length}"
        )
    if window_length <= 1:
        window = np.ones(window_length, np_dtype)
    else:
        window = symmetric(window_length + periodic, np_dtype)[:window_length]
    return _finish(window, None, device, requires_grad)


def _scaled_arange(n, step, dtype):
    return np.arange(n, dtype=dtype) * dtype.type(step)


# Cephes' Chebyshev coefficients of exp(-x) I0(x) on [0, 8] and of sqrt(x) exp(-x) I0(x)
# on (8, inf), the tables PyTorch's I0 (and NumPy's np.i0) evaluate.
_I0_SMALL = (
    -4.4153416464793395e-18,
    3.3307945188222384e-17,
    -2.431279846547955e-16,
    1.715391285555133e-15,
    -1.1685332877993451e-14,
    7.676185498604936e-14,
    -4.856446783111929e-13,
    2.95505266312964e-12,
    -1.726826291441556e-11,
    9.675809035373237e-11,
    -5.189795601635263e-10,
    2.6598237246823866e-09,
    -1.300025009986248e-08,
    6.046995022541919e-08,
    -2.670793853940612e-07,
    1.1173875391201037e-06,
    -4.4167383584587505e-06,
    1.6448448070728896e-05,
    -5.754195010082104e-05,
    0.00018850288509584165,
    -0.0005763755745385824,
    0.0016394756169413357,
    -0.004324309995050576,
    0.010546460394594998,
    -0.02373741480589947,
    0.04930528423967071,
    -0.09490109704804764,
    0.17162090152220877,
    -0.3046826723431984,
    0.6767952744094761,
)
_I0_LARGE = (
    -7.233180487874754e-18,
    -4.830504485944182e-18,
    4.46562142029676e-17,
    3.461222867697461e-17,
    -2.8276239805165836e-16,
    -3.425485619677219e-16,
    1.7725601330565263e-15,
    3.8116806693526224e-15,
    -9.554846698828307e-15,
    -4.150569347287222e-14,
    1.54008621752141e-14,
    3.8527783827421426e-13,
    7.180124451383666e-13,
    -1.7941785315068062e-12,
    -1.3215811840447713e-11,
    -3.1499165279632416e-11,
    1.1889147107846439e-11,
    4.94060238822497e-10,
    3.3962320257083865e-09,
    2.266668990498178e-08,
    2.0489185894690638e-07,
    2.8913705208347567e-06,
    6.889758346916825e-05,
    0.0033691164782556943,
    0.8044904110141088,
)


def _chebyshev(y, coefficients):
    """Clenshaw's recurrence for a Chebyshev series at ``y``, in ``y``'s dtype."""
    t = y.dtype.type
    b0, b1, b2 = np.full_like(y, coefficients[0]), np.zeros_like(y), np.zeros_like(y)
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = y * b1 - b2 + t(c)
    return t(0.5) * (b0 - b2)


def _i0(x):
    """The modified Bessel function I0 of ``x`` >= 0, computed in ``x``'s dtype as PyTorch does."""
    t = x.dtype.type
    small = _chebyshev(x / t(2) - t(2), _I0_SMALL)
    large = _chebyshev(t(32) / x - t(2), _I0_LARGE) / np.sqrt(x)
    return np.exp(x) * np.where(x <= t(8), small, large)


def _cosine_sum(alpha, beta):
    """The symmetric window ``alpha - beta cos(2 pi n / (n - 1))`` (Hann, Hamming)."""

    def symmetric(n, dtype):
        return np.cos(_scaled_arange(n, 2 * math.pi / (n - 1), dtype)) * dtype.type(-beta) + dtype.type(alpha)

    return symmetric


def hann_window(
    window_length,
    periodic=True,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad=False,
):
    """The Hann window ``0.5 - 0.5 cos(2 pi n / (N - 1))``; periodic by default (N is
    ``window_length + 1``, the last point dropped).

    >>> import chainrule
    >>> chainrule.hann_window(4)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    symmetric = _cosine_sum(0.5, 0.5)
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, symmetric)


def hamming_window(
    window_length,
    periodic=True,
    alpha=0.54,
    beta=0.46,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad=False,
):
    """The generalised Hamming window ``alpha - beta cos(2 pi n / (N - 1))``.

    >>> import chainrule
    >>> chainrule.hamming_window(4, periodic=False)
    tensor([0.0800, 0.7700, 0.7700, 0.0800])
    """
    symmetric = _cosine_sum(alpha, beta)
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, symmetric)


def blackman_window(
    window_length,
    periodic=True,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad=False,
):
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``.

    >>> import chainrule
    >>> chainrule.blackman_window(3, periodic=False)
    tensor([-2.9802e-08,  1.0000e+00, -2.9802e-08])
    """

    def symmetric(n, dtype):
        x = _scaled_arange(n, math.pi / (n - 1), dtype)
        return (
            np.cos(x * dtype.type(4)) * dtype.type(0.08)
            - np.cos(x * dtype.type(2)) * dtype.type(0.5)
            + dtype.type(0.42)
        )

    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, symmetric)


def bartlett_window(
    window_length,
    periodic=True,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad=False,
):
    """The triangular Bartlett window ``1 - |2n / (N - 1) - 1|``.

    >>> import chainrule
    >>> chainrule.bartlett_window(5, periodic=False)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """

    def symmetric(n, dtype):
        window = _scaled_arange(n, 2 / (n - 1), dtype)
        rising = ((n - 1) >> 1) + 1
        window[rising:] = dtype.type(2) - window[rising:]
        return window

    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, symmetric)


def kaiser_window(
    window_length,
    periodic=True,
    beta=12.0,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=False,
    requires_grad=False,
):
    """The Kaiser window ``I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta)``, a = (N - 1) / 2,
    with I0 the modified Bessel function of order zero.

    >>> import chainrule
    >>> chainrule.kaiser_window(3, periodic=False, beta=2.0)
    tensor([0.4387, 1.0000, 0.4387])
    """

    def symmetric(n, dtype):
        # PyTorch's kernel computes a float16 window in float32, rounding once
        compute = np.dtype(np.float32) if dtype == np.float16 else dtype
        alpha = compute.type((n - 1) / 2.0)
        ratio = (np.arange(n, dtype=dtype).astype(compute) - alpha) / alpha
        # 1 - ratio^2 rounded once, as the fused multiply-add in PyTorch's compiled kernel
        inner = (1 - ratio.astype(np.float64) ** 2).astype(compute)
        argument = compute.type(beta) * np.sqrt(np.abs(inner))
        return (_i0(argument) / _i0(np.array(beta, compute))).astype(dtype)

    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, symmetric)
