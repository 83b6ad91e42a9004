"""The Poisson distribution over counts (``torch.distributions.Poisson``)."""

from .._creation import poisson
from ..autograd.grad_mode import no_grad
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(Distribution):
    """P(k) = rate^k e^(-rate) / k! for k = 0, 1, ...; samples have the rate's dtype.

    >>> import chainrule
    >>> from chainrule.distributions import Poisson
    >>> Poisson(2.0).log_prob(chainrule.tensor(0.0))
    tensor(-2.)
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(
            () if isinstance(rate, (int, float)) else self.rate.size(), validate_args=validate_args
        )

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=()):
        with no_grad():
            return poisson(self.rate.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        """log P = k log rate - rate - lgamma(k + 1) (0 log 0 = 0)"""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()
