"""The Bernoulli distribution over {0, 1} (``torch.distributions.Bernoulli``)."""

from .._creation import arange, bernoulli
from ..autograd.grad_mode import no_grad
from ..ops.nn import binary_cross_entropy_with_logits
from . import constraints
from .distribution import Distribution
from .utils import BinaryParameters, broadcast_all

__all__ = ["Bernoulli"]


class Bernoulli(BinaryParameters, Distribution):
    """1 with probability ``probs`` (or sigmoid(``logits``)), else 0; samples
    have the parameter's floating dtype.

    >>> import chainrule
    >>> from chainrule.distributions import Bernoulli
    >>> Bernoulli(chainrule.tensor([0.25])).log_prob(chainrule.tensor([1.0]))
    tensor([-1.3863])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, (int, float))
            (self.probs,) = broadcast_all(probs)
        else:
            is_scalar = isinstance(logits, (int, float))
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(() if is_scalar else self._param.size(), validate_args=validate_args)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return bernoulli(self.probs.expand(shape))

    def log_prob(self, value):
        """log p(value) = value log sigmoid(logits) + (1 - value) log sigmoid(-logits)"""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        """H = -p log p - (1 - p) log(1 - p), computed from the logits"""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = arange(2, dtype=self._param.dtype).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
