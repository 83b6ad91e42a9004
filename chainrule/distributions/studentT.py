"""Student's t distribution (``torch.distributions.StudentT``)."""

import math

from .._creation import empty
from ..ops.elementwise import where
from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["StudentT"]


class StudentT(Distribution):
    """loc + scale X / sqrt(Z / df), X ~ N(0, 1), Z ~ Chi2(df); ``rsample`` draws it
    so, differentiable in all three parameters.

    >>> import chainrule
    >>> from chainrule.distributions import StudentT
    >>> StudentT(1.0).log_prob(chainrule.tensor(0.0))
    tensor(-1.1447)
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    @property
    def mean(self):
        """loc for df > 1, NaN otherwise"""
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        """scale^2 df / (df - 2) for df > 2, inf for 1 < df <= 2, NaN for df <= 1"""
        finite = self.scale.pow(2) * self.df / (self.df - 2)
        return where(self.df > 2, finite, where(self.df > 1, math.inf, math.nan))

    def rsample(self, sample_shape=()):
        x = empty(self._extended_shape(sample_shape), dtype=self.df.dtype).normal_()
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (x * (z / self.df).rsqrt())

    def log_prob(self, value):
        """log p = -(df + 1)/2 log(1 + y^2 / df) - log scale - 1/2 log(df pi)
        - lgamma(df / 2) + lgamma((df + 1) / 2), y = (value - loc) / scale"""
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        normaliser = (
            self.scale.log()
            + 0.5 * self.df.log()
            + 0.5 * math.log(math.pi)
            + (0.5 * self.df).lgamma()
            - (0.5 * (self.df + 1.0)).lgamma()
        )
        return -0.5 * (self.df + 1.0) * (y**2.0 / self.df).log1p() - normaliser

    def entropy(self):
        """H = log scale + (df + 1)/2 (digamma((df + 1)/2) - digamma(df/2)) + 1/2 log df + log B(df/2, 1/2)"""
        half_df, half_df1 = 0.5 * self.df, 0.5 * (self.df + 1)
        log_beta = half_df.lgamma() + math.lgamma(0.5) - half_df1.lgamma()
        return (
            self.scale.log()
            + half_df1 * (half_df1.digamma() - half_df.digamma())
            + 0.5 * self.df.log()
            + log_beta
        )
