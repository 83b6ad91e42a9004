"""The Kumaraswamy distribution (``torch.distributions.Kumaraswamy``)."""

import math

from .._creation import full_like
from ..ops.elementwise import where
from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .uniform import Uniform
from .utils import broadcast_all
from .weibull import EULER_GAMMA

__all__ = ["Kumaraswamy"]


def _moments(a, b, n):
    """E[X^n] = b B(1 + n / a, b)"""
    arg1 = 1 + n / a
    return b * (arg1.lgamma() + b.lgamma() - (arg1 + b).lgamma()).exp()


class Kumaraswamy(TransformedDistribution):
    """(1 - U^(1 / b))^(1 / a), U ~ Uniform(0, 1), a = concentration1, b = concentration0:
    p(x) = a b x^(a - 1) (1 - x^a)^(b - 1) on [0, 1].

    >>> import chainrule
    >>> from chainrule.distributions import Kumaraswamy
    >>> Kumaraswamy(2.0, 3.0).log_prob(chainrule.tensor(0.5))
    tensor(0.5232)
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base_dist = Uniform(
            full_like(self.concentration0, 0), full_like(self.concentration0, 1), validate_args=validate_args
        )
        transforms = [
            PowerTransform(exponent=self.concentration0.reciprocal()),
            AffineTransform(loc=1.0, scale=-1.0),
            PowerTransform(exponent=self.concentration1.reciprocal()),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    @property
    def mean(self):
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        """((a - 1) / (a b - 1))^(1 / a) where a, b >= 1 (not both 1); NaN elsewhere. PyTorch
        2.13's log-space formula takes log1p(-b), which is NaN for every b > 1."""
        a, b = self.concentration1, self.concentration0
        mode = ((a - 1) / (a * b - 1)).pow(a.reciprocal())
        return where((a < 1) | (b < 1) | ((a == 1) & (b == 1)), math.nan, mode)

    @property
    def variance(self):
        return _moments(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self):
        """H = (1 - 1/b) + (1 - 1/a) H_b - log a - log b, H_b = digamma(b + 1) + gamma"""
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        harmonic = (self.concentration0 + 1).digamma() + EULER_GAMMA
        return t0 + t1 * harmonic - self.concentration1.log() - self.concentration0.log()
