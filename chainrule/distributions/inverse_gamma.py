"""The inverse gamma distribution, 1 / X with X ~ Gamma (``torch.distributions.InverseGamma``)."""

import math

from ..ops.elementwise import where
from . import constraints
from .gamma import Gamma
from .transformed_distribution import TransformedDistribution
from .transforms import PowerTransform

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """1 / X, X ~ Gamma(concentration, rate): a Gamma pushed through PowerTransform(-1),
    so ``rsample`` is reparameterised through the gamma draw.

    >>> import chainrule
    >>> from chainrule.distributions import InverseGamma
    >>> InverseGamma(2.0, 3.0).log_prob(chainrule.tensor(1.0))
    tensor(-0.8028)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base_dist.rate.new_ones(())
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    @property
    def concentration(self):
        return self.base_dist.concentration

    @property
    def rate(self):
        return self.base_dist.rate

    @property
    def mean(self):
        return where(self.concentration > 1, self.rate / (self.concentration - 1), math.inf)

    @property
    def mode(self):
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        a = self.concentration
        return where(a > 2, self.rate.square() / ((a - 1).square() * (a - 2)), math.inf)

    def entropy(self):
        """H = a + log b + lgamma(a) - (1 + a) digamma(a)"""
        a = self.concentration
        return a + self.rate.log() + a.lgamma() - (1 + a) * a.digamma()
