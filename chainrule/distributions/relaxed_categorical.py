"""The relaxed one-hot categorical (Concrete, Gumbel-softmax) distribution and its log
(``torch.distributions.RelaxedOneHotCategorical``, ``ExpRelaxedCategorical``)."""

from .._creation import full_like, rand
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform
from .utils import broadcast_all, clamp_probs

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(Distribution):
    """log_softmax((logits + g) / temperature), g standard Gumbel noise: the log of a
    RelaxedOneHotCategorical.

    >>> import chainrule
    >>> from chainrule.distributions.relaxed_categorical import ExpRelaxedCategorical
    >>> d = ExpRelaxedCategorical(chainrule.tensor(1.0), logits=chainrule.zeros(2))
    >>> d.event_shape, d.log_prob(chainrule.tensor([-0.6931, -0.6931]))
    (chainrule.Size([2]), tensor(-1.3863))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector  # the true support is a submanifold of it
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        super().__init__(
            self._categorical.batch_shape, self._categorical.param_shape[-1:], validate_args=validate_args
        )

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    def rsample(self, sample_shape=()):
        uniforms = clamp_probs(rand(self._extended_shape(sample_shape), dtype=self.logits.dtype))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value):
        """log p = lgamma(K) + (K - 1) log t + sum_k (s_k - logsumexp(s)), s = logits - t value"""
        num_events = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_scale = full_like(self.temperature, float(num_events)).lgamma() - self.temperature.log().mul(
            -(num_events - 1)
        )
        score = logits - value.mul(self.temperature)
        return (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1) + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """exp of an ExpRelaxedCategorical: points on the simplex that approach one-hot
    vectors as ``temperature`` goes to 0, with reparameterised draws.

    >>> import chainrule
    >>> from chainrule.distributions import RelaxedOneHotCategorical
    >>> d = RelaxedOneHotCategorical(chainrule.tensor(1.0), logits=chainrule.zeros(2))
    >>> d.log_prob(chainrule.tensor([0.5, 0.5]))
    tensor(0.)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self):
        return self.base_dist.logits

    @property
    def probs(self):
        return self.base_dist.probs
