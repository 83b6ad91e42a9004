"""The half-Cauchy distribution, |X| with X ~ Cauchy(0, scale) (``torch.distributions.HalfCauchy``)."""

import math

from .._creation import full
from .cauchy import Cauchy
from .folded import Folded

__all__ = ["HalfCauchy"]


class HalfCauchy(Folded):
    """|X|, X ~ Cauchy(0, scale): a Cauchy pushed through AbsTransform, scored with twice
    the Cauchy density on x >= 0.

    >>> import chainrule
    >>> from chainrule.distributions import HalfCauchy
    >>> HalfCauchy(1.0).log_prob(chainrule.tensor(0.0))
    tensor(-0.4516)
    """

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy, scale, validate_args=validate_args)

    @property
    def mean(self):
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self):
        return self.base_dist.variance
