"""The geometric distribution: failures before the first success (``torch.distributions.Geometric``)."""

import numpy as np

from .._creation import empty, zeros_like
from ..autograd.grad_mode import no_grad
from ..ops.elementwise import where
from ..ops.nn import binary_cross_entropy_with_logits
from . import constraints
from .distribution import Distribution
from .utils import BinaryParameters, broadcast_all

__all__ = ["Geometric"]


class Geometric(BinaryParameters, Distribution):
    """P(k) = (1 - p)^k p for k = 0, 1, ..., p = ``probs`` (or sigmoid(``logits``)).

    >>> import chainrule
    >>> from chainrule.distributions import Geometric
    >>> Geometric(0.5).log_prob(chainrule.tensor(1.0))
    tensor(-1.3863)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        given = probs if probs is not None else logits
        super().__init__(() if isinstance(given, (int, float)) else given.size(), validate_args=validate_args)
        if self._validate_args and probs is not None:
            valid = self.probs > 0  # beyond unit_interval: p = 0 never succeeds
            if not bool(valid.all()):
                raise ValueError(
                    "Expected parameter probs "
                    f"({type(self.probs).__name__} of shape {tuple(self.probs.shape)}) "
                    f"of distribution {self!r} "
                    f"to be positive but found invalid values:\n{self.probs[~valid]}"
                )

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()):
        tiny = float(np.finfo(self.probs.dtype.numpy).tiny)
        with no_grad():
            u = empty(self._extended_shape(sample_shape), dtype=self.probs.dtype).uniform_(tiny, 1)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        """log P = k log(1 - p) + log p (with 0 log 0 = 0 where p = 1 and k = 0)"""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        """H = (-p log p - (1 - p) log(1 - p)) / p"""
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs
