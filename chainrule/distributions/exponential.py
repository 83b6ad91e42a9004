"""The exponential distribution (``torch.distributions.Exponential``)."""

from .._creation import empty, zeros_like
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Exponential"]


class Exponential(Distribution):
    """p(x) = rate e^(-rate x) on x >= 0; ``rsample`` is e / rate with e ~ Exp(1),
    so d/d rate = -sample / rate.

    >>> import chainrule
    >>> from chainrule.distributions import Exponential
    >>> Exponential(2.0).log_prob(chainrule.tensor(1.0))
    tensor(-1.3069)
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(
            () if isinstance(rate, (int, float)) else self.rate.size(), validate_args=validate_args
        )

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=()):
        return empty(self._extended_shape(sample_shape), dtype=self.rate.dtype).exponential_() / self.rate

    def log_prob(self, value):
        """log p = log rate - rate value"""
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value):
        return -(-value).log1p() / self.rate

    def entropy(self):
        """H = 1 - log rate"""
        return 1.0 - self.rate.log()
