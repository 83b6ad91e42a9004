"""The logistic-normal distribution on the simplex (``torch.distributions.LogisticNormal``)."""

from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import StickBreakingTransform

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """A Normal(loc, scale) over R^(K-1) pushed onto the K-simplex by StickBreakingTransform:
    log(Y / (1 - Y.cumsum(-1)))[..., :-1] ~ Normal(loc, scale), shifted by the transform's
    offsets log(K - i).

    >>> import chainrule
    >>> from chainrule.distributions import LogisticNormal
    >>> d = LogisticNormal(chainrule.zeros(2), chainrule.ones(2))
    >>> d.event_shape, d.log_prob(chainrule.tensor([0.25, 0.25, 0.5]))
    (chainrule.Size([3]), tensor(1.3054))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base_dist = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])  # a single number still draws a 2-point simplex
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self):
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.base_dist.scale
