"""The continuous uniform distribution on [low, high) (``torch.distributions.Uniform``)."""

from .._creation import rand
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Uniform"]


class Uniform(Distribution):
    """Uniform on the half-open interval [low, high); ``rsample`` is
    low + u * (high - low) with u ~ U[0, 1), differentiable in low and high.

    >>> import chainrule
    >>> from chainrule.distributions import Uniform
    >>> Uniform(0.0, 4.0).log_prob(chainrule.tensor(1.0))
    tensor(-1.3863)
    """

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        numbers = isinstance(low, (int, float)) and isinstance(high, (int, float))
        super().__init__(() if numbers else self.low.size(), validate_args=validate_args)

    @property
    def arg_constraints(self):
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    @property
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return float("nan") * self.high

    @property
    def stddev(self):
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()):
        u = rand(self._extended_shape(sample_shape), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        """log p = -log(high - low) inside [low, high), -inf outside"""
        if self._validate_args:
            self._validate_sample(value)
        inside = self.low.le(value).type_as(self.low) * self.high.gt(value).type_as(self.low)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        """F^-1(q) = low + q (high - low)"""
        return value * (self.high - self.low) + self.low

    def entropy(self):
        """H = log(high - low)"""
        return (self.high - self.low).log()
