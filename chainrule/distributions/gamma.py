"""The gamma distribution (``torch.distributions.Gamma``) and its reparameterised draw."""

import numpy as np

from .._random import numpy_generator
from ..autograd.function import Primitive
from ..special import gammainc, xlogy
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Gamma"]


class StandardGamma(Primitive):
    """x ~ Gamma(alpha, 1), drawn from chainrule's generator and differentiable in alpha
    by implicit reparameterisation: with F(x; alpha) the CDF held fixed,
    dx/dalpha = -(dF/dalpha) / p(x; alpha). dF/dalpha has no closed form; it is taken
    by central differences of scipy's regularised incomplete gamma, in float64, on
    whichever tail is smaller (PyTorch uses series and asymptotic approximations)."""

    once_differentiable = True

    def forward(ctx, alpha):
        x = numpy_generator().standard_gamma(alpha.astype(np.float64))
        x = np.maximum(x, np.finfo(alpha.dtype).tiny).astype(alpha.dtype)  # never exactly 0, as PyTorch
        ctx.save_for_backward(alpha, x)
        return x

    def backward(ctx, grad):
        from scipy import special

        alpha, x = (a.astype(np.float64) for a in ctx.saved)
        step = 1e-5 * alpha
        lower = x < alpha  # below about the median the lower tail P is the smaller one
        tail = np.where(lower, 1.0, -1.0)
        upper_tail = special.gammaincc(alpha + step, x) - special.gammaincc(alpha - step, x)
        lower_tail = special.gammainc(alpha + step, x) - special.gammainc(alpha - step, x)
        cdf_grad = np.where(lower, lower_tail, upper_tail) * tail / (2 * step)
        log_density = (alpha - 1) * np.log(x) - x - special.gammaln(alpha)
        return (grad * (-cdf_grad / np.exp(log_density))).astype(ctx.saved[0].dtype)


class Gamma(Distribution):
    """p(x) = rate^concentration x^(concentration - 1) e^(-rate x) / Gamma(concentration)
    on x >= 0; ``rsample`` is a standard gamma draw over ``rate``, differentiable in both.

    >>> import chainrule
    >>> from chainrule.distributions import Gamma
    >>> Gamma(2.0, 3.0).log_prob(chainrule.tensor(1.0))
    tensor(-0.8028)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        numbers = isinstance(concentration, (int, float)) and isinstance(rate, (int, float))
        super().__init__(() if numbers else self.concentration.size(), validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return StandardGamma.apply(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value):
        """log p = a log b + (a - 1) log x - b x - lgamma(a), a = concentration, b = rate"""
        if self._validate_args:
            self._validate_sample(value)
        return (
            xlogy(self.concentration, self.rate)
            + xlogy(self.concentration - 1, value)
            - self.rate * value
            - self.concentration.lgamma()
        )

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self):
        """H = a - log b + lgamma(a) + (1 - a) digamma(a)"""
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()
