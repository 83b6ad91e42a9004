"""The negative binomial distribution (``torch.distributions.NegativeBinomial``)."""

from .._creation import poisson
from ..autograd.grad_mode import no_grad
from ..ops.nn import logsigmoid
from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import BinaryParameters, lazy_property

__all__ = ["NegativeBinomial"]


class NegativeBinomial(BinaryParameters, Distribution):
    """The number of successes before ``total_count`` failures, each trial a success
    with probability ``probs`` (or sigmoid(``logits``)); ``total_count`` may be any
    non-negative real. Sampled as Poisson(Gamma(total_count, e^-logits)), not reparameterised.

    >>> import chainrule
    >>> from chainrule.distributions import NegativeBinomial
    >>> NegativeBinomial(3.0, probs=chainrule.tensor(0.4)).log_prob(chainrule.tensor(2.0))
    tensor(-1.5733)
    """

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        self._count_trials(total_count, probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / (-self.logits).sigmoid()

    @lazy_property
    def _gamma(self):
        return Gamma(self.total_count, (-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape=()):
        with no_grad():
            return poisson(self._gamma.sample(sample_shape))

    def log_prob(self, value):
        """log p = r log(1 - p) + k log p - log B-normaliser, with
        log B = lgamma(r + k) - lgamma(1 + k) - lgamma(r) (0 where r + k = 0)"""
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized_prob = self.total_count * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        log_normalization = (
            -(self.total_count + value).lgamma() + (1.0 + value).lgamma() + self.total_count.lgamma()
        )
        log_normalization = log_normalization.masked_fill(self.total_count + value == 0.0, 0.0)
        return log_unnormalized_prob - log_normalization
