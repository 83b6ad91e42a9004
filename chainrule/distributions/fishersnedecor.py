"""The Fisher-Snedecor (F) distribution (``torch.distributions.FisherSnedecor``)."""

import math

import numpy as np

from ..ops.elementwise import where
from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    """(X1 / df1) / (X2 / df2), Xi ~ Chi2(dfi); ``rsample`` divides two reparameterised
    Gamma(df / 2, df) draws, so it is differentiable in both degrees of freedom.

    >>> import chainrule
    >>> from chainrule.distributions import FisherSnedecor
    >>> FisherSnedecor(3.0, 5.0).log_prob(chainrule.tensor(1.0))
    tensor(-1.0184)
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        numbers = isinstance(df1, (int, float)) and isinstance(df2, (int, float))
        super().__init__(() if numbers else self.df1.size(), validate_args=validate_args)

    @property
    def mean(self):
        return where(self.df2 > 2, self.df2 / (self.df2 - 2), math.nan)

    @property
    def mode(self):
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return where(self.df1 > 2, mode, math.nan)

    @property
    def variance(self):
        df1, df2 = self.df1, self.df2
        variance = 2 * df2.pow(2) * (df1 + df2 - 2) / (df1 * (df2 - 2).pow(2) * (df2 - 4))
        return where(df2 > 4, variance, math.nan)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        tiny = float(np.finfo(self.df1.dtype.numpy).tiny)
        x1 = self._gamma1.rsample(sample_shape).view(shape)
        x2 = self._gamma2.rsample(sample_shape).view(shape).clamp(min=tiny)
        return (x1 / x2).clamp(min=tiny)

    def log_prob(self, value):
        """log p = lgamma(a + b) - lgamma(a) - lgamma(b) + a log(df1 / df2) + (a - 1) log x
        - (a + b) log(1 + x df1 / df2), a = df1 / 2, b = df2 / 2"""
        if self._validate_args:
            self._validate_sample(value)
        ct1 = self.df1 * 0.5
        ct2 = self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = (ct1 + ct2).lgamma() - ct1.lgamma() - ct2.lgamma()
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3
