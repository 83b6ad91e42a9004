"""The multinomial distribution: category counts of ``total_count`` draws
(``torch.distributions.Multinomial``)."""

import math

from .._creation import tensor
from ..nn.functional import one_hot
from ..ops.elementwise import where
from . import constraints
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Counts over the last dim of ``probs`` / ``logits`` after ``total_count`` (an int)
    independent Categorical draws; counts have the parameter's dtype.

    >>> import chainrule
    >>> from chainrule.distributions import Multinomial
    >>> Multinomial(2, chainrule.tensor([1.0, 1.0])).log_prob(chainrule.tensor([1.0, 1.0]))
    tensor(-0.6931)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(
            self._categorical.batch_shape, self._categorical.param_shape[-1:], validate_args=validate_args
        )

    @property
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        indices = self._categorical.sample((self.total_count,) + tuple(sample_shape))
        return one_hot(indices, self._categorical._num_events).sum(0).to(self.probs.dtype)

    def entropy(self):
        """H = n H(Categorical) - lgamma(n + 1) + sum_i E[lgamma(x_i + 1)], x_i ~ Binomial(n, p_i)"""
        n = tensor(float(self.total_count), dtype=self.probs.dtype)
        term1 = n * self._categorical.entropy() - (n + 1).lgamma()
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        term2 = (binomial_probs * (support + 1).lgamma()).sum([0, -1])
        return term1 + term2

    def log_prob(self, value):
        """log P = lgamma(n + 1) - sum lgamma(x_i + 1) + sum x_i log p_i (0 log 0 = 0)"""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = where((value == 0) & (logits == -math.inf), 0.0, logits)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)
