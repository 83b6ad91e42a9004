"""The half-normal distribution, |X| with X ~ N(0, scale^2) (``torch.distributions.HalfNormal``)."""

import math

from .._creation import zeros_like
from ..ops.elementwise import where
from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["HalfNormal"]


class HalfNormal(TransformedDistribution):
    """|X|, X ~ N(0, scale^2): a Normal pushed through AbsTransform, scored with twice
    the normal density on x >= 0.

    >>> import chainrule
    >>> from chainrule.distributions import HalfNormal
    >>> HalfNormal(1.0).log_prob(chainrule.tensor(0.0))
    tensor(-0.2258)
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        super().__init__(Normal(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self):
        return zeros_like(self.scale)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def log_prob(self, value):
        """log p = log N(value; 0, scale) + log 2 for value >= 0, -inf below"""
        if self._validate_args:
            self._validate_sample(value)
        return where(value >= 0, self.base_dist.log_prob(value) + math.log(2), -math.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        """The Normal's quantile of (prob + 1) / 2: scale sqrt(2) erfinv(prob)"""
        return self.scale * math.sqrt(2) * prob.erfinv()

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)
