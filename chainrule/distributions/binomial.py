"""The binomial distribution: successes in ``total_count`` trials (``torch.distributions.Binomial``)."""

from .._creation import arange, tensor
from .._random import numpy_generator
from . import constraints
from .distribution import Distribution
from .utils import BinaryParameters

__all__ = ["Binomial"]


def _clamp_by_zero(x):
    """max(x, 0) with gradient 1/2 at 0, as PyTorch's."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(BinaryParameters, Distribution):
    """P(k) = C(n, k) p^k (1 - p)^(n - k), n = ``total_count``, p = ``probs`` (or
    sigmoid(``logits``)); n is kept as a float tensor of the parameter's dtype.

    >>> import chainrule
    >>> from chainrule.distributions import Binomial
    >>> Binomial(2, chainrule.tensor(0.5)).log_prob(chainrule.tensor(1.0))
    tensor(-0.6931)
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        self._count_trials(total_count, probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        counts = self.total_count.detach().expand(shape).numpy().astype("int64")
        draws = numpy_generator().binomial(counts, self.probs.detach().expand(shape).numpy())
        return tensor(draws, dtype=self.probs.dtype)

    def log_prob(self, value):
        """log P = k logit - n max(logit, 0) - n log(1 + e^-|logit|) + log C(n, k)"""
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        log_binomial = (n + 1).lgamma() - (value + 1).lgamma() - (n - value + 1).lgamma()
        normaliser = n * _clamp_by_zero(self.logits) + n * (-self.logits.abs()).exp().log1p()
        return value * self.logits + log_binomial - normaliser

    def entropy(self):
        """H = -sum_k P(k) log P(k) over the support"""
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = arange(1 + total_count, dtype=self._param.dtype).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
