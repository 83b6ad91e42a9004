"""What HalfNormal and HalfCauchy share: |X| for X symmetric about 0, a
distribution pushed through AbsTransform, whose density on x >= 0 is twice X's."""

import math

from .._creation import zeros_like
from ..ops.elementwise import where
from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["Folded"]


class Folded(TransformedDistribution):
    """|X|, X ~ ``base(0, scale)``: log p(x) = log p_X(x) + log 2 for x >= 0 (-inf below),
    F(x) = 2 F_X(x) - 1, F^-1(q) = F_X^-1((q + 1) / 2), H = H_X - log 2.

    >>> import chainrule
    >>> from chainrule.distributions import Normal
    >>> Folded(Normal, 1.0).log_prob(chainrule.tensor(0.0))
    tensor(-0.2258)
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, base, scale, validate_args=None):
        super().__init__(base(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mode(self):
        return zeros_like(self.scale)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return where(value >= 0, self.base_dist.log_prob(value) + math.log(2), -math.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)
