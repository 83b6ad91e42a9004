"""The von Mises distribution on the circle (``torch.distributions.VonMises``)."""

import math

import numpy as np

from .._creation import tensor
from .._random import numpy_generator
from ..autograd.grad_mode import no_grad
from ..ops.elementwise import where
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]

# PyTorch's polynomial approximations of I0 and I1 (Abramowitz and Stegun 9.8.1-9.8.4),
# kept so log_prob equals PyTorch's to rounding rather than to their 1e-7 accuracy
_COEF_SMALL = [
    [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2],
    [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3],
]
_COEF_LARGE = [
    [0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2,
     -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2],
    [0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
     0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2],
]  # fmt: skip


def _eval_poly(y, coef):
    result = coef[-1]
    for c in reversed(coef[:-1]):
        result = c + y * result
    return result


def _log_modified_bessel_fn(x, order=0):
    """log I_order(x) for x > 0, order 0 or 1."""
    small = _eval_poly((x / 3.75) ** 2, _COEF_SMALL[order])
    if order == 1:
        small = x.abs() * small
    large = x - 0.5 * x.log() + _eval_poly(3.75 / x, _COEF_LARGE[order]).log()
    return where(x < 3.75, small.log(), large)


class VonMises(Distribution):
    """p(x) = e^(concentration cos(x - loc)) / (2 pi I0(concentration)), angles in radians
    (any real, read modulo 2 pi). Sampled by Best and Fisher's rejection method in float64
    (the draws differ from PyTorch's); not reparameterised.

    >>> import chainrule
    >>> from chainrule.distributions import VonMises
    >>> VonMises(0.0, 2.0).log_prob(chainrule.tensor(0.5))
    tensor(-0.9067)
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args)

    def log_prob(self, value):
        """log p = concentration cos(value - loc) - log 2 pi - log I0(concentration)"""
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.concentration * (value - self.loc).cos()
        return log_prob - math.log(2 * math.pi) - _log_modified_bessel_fn(self.concentration, order=0)

    @property
    def mean(self):
        """The circular mean."""
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        """The circular variance 1 - I1(concentration) / I0(concentration)."""
        return (
            1
            - (
                _log_modified_bessel_fn(self.concentration, order=1)
                - _log_modified_bessel_fn(self.concentration, order=0)
            ).exp()
        )

    def sample(self, sample_shape=()):
        """Best and Fisher (1979), in float64 so small concentrations cannot stall the loop."""
        shape = tuple(self._extended_shape(sample_shape))
        loc = np.broadcast_to(self.loc.detach().numpy().astype(np.float64), shape)
        kappa = np.broadcast_to(self.concentration.detach().numpy().astype(np.float64), shape)
        tau = 1 + np.sqrt(1 + 4 * kappa**2)
        rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
        proposal_r = np.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho**2) / (2 * rho))
        rng = numpy_generator()
        x = np.zeros(shape)
        done = np.zeros(shape, dtype=bool)
        while not done.all():
            u1, u2, u3 = rng.random((3,) + shape)
            z = np.cos(math.pi * u1)
            f = (1 + proposal_r * z) / (proposal_r + z)
            c = kappa * (proposal_r - f)
            with np.errstate(divide="ignore", invalid="ignore"):
                accept = ~done & (((c * (2 - c) - u2) > 0) | (np.log(c / u2) + 1 - c >= 0))
            x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(f), x)
            done |= accept
        with no_grad():
            return tensor((x + math.pi + loc) % (2 * math.pi) - math.pi, dtype=self.loc.dtype)
