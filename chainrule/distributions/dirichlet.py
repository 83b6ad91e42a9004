"""The Dirichlet distribution over the probability simplex (``torch.distributions.Dirichlet``)."""

from ..nn.functional import one_hot
from ..ops.elementwise import where
from ..special import xlogy
from . import constraints
from .distribution import Distribution
from .gamma import StandardGamma

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """p(x) = Gamma(sum a) / prod Gamma(a_k) prod x_k^(a_k - 1) on the simplex, a =
    ``concentration`` (its last dim is the event). ``rsample`` normalises independent
    Gamma(a_k, 1) draws, each differentiable by implicit reparameterisation.

    >>> import chainrule
    >>> from chainrule.distributions import Dirichlet
    >>> Dirichlet(chainrule.tensor([1.0, 2.0])).log_prob(chainrule.tensor([0.5, 0.5]))
    tensor(0.)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def rsample(self, sample_shape=()):
        gammas = StandardGamma.apply(self.concentration.expand(self._extended_shape(sample_shape)))
        return gammas / gammas.sum(-1, keepdim=True)

    def log_prob(self, value):
        """log p = sum (a_k - 1) log x_k + lgamma(sum a) - sum lgamma(a_k)"""
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return xlogy(a - 1.0, value).sum(-1) + a.sum(-1).lgamma() - a.lgamma().sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        """(a - 1) / sum(a - 1); where every a_k < 1, the corner of the largest a_k"""
        concentration_m1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentration_m1 / concentration_m1.sum(-1, True)
        corner = one_hot(mode.argmax(dim=-1), concentration_m1.shape[-1]).to(mode.dtype)
        return where((self.concentration < 1).all(dim=-1, keepdim=True), corner, mode)

    @property
    def variance(self):
        total = self.concentration.sum(-1, True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def entropy(self):
        """H = sum lgamma(a_k) - lgamma(a0) - (K - a0) digamma(a0) - sum (a_k - 1) digamma(a_k)"""
        a = self.concentration
        k = a.size(-1)
        a0 = a.sum(-1)
        return a.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma() - ((a - 1.0) * a.digamma()).sum(-1)
