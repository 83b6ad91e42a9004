"""The half-normal distribution, |X| with X ~ N(0, scale^2) (``torch.distributions.HalfNormal``)."""

import math

from .folded import Folded
from .normal import Normal

__all__ = ["HalfNormal"]


class HalfNormal(Folded):
    """|X|, X ~ N(0, scale^2): a Normal pushed through AbsTransform, scored with twice
    the normal density on x >= 0.

    >>> import chainrule
    >>> from chainrule.distributions import HalfNormal
    >>> HalfNormal(1.0).log_prob(chainrule.tensor(0.0))
    tensor(-0.2258)
    """

    def __init__(self, scale, validate_args=None):
        super().__init__(Normal, scale, validate_args=validate_args)

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def icdf(self, prob):
        """The Normal's quantile of (prob + 1) / 2: scale sqrt(2) erfinv(prob)"""
        return self.scale * math.sqrt(2) * prob.erfinv()
