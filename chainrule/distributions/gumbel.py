"""The Gumbel (type-I extreme value) distribution (``torch.distributions.Gumbel``)."""

import math

import numpy as np

from .._creation import full_like, ones_like
from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform
from .utils import broadcast_all

__all__ = ["Gumbel"]

_EULER_GAMMA = 0.57721566490153286060


class Gumbel(TransformedDistribution):
    """loc - scale log(-log U), U ~ Uniform(tiny, 1 - eps): the transforms PyTorch uses,
    with the log-density written out for precision.

    >>> import chainrule
    >>> from chainrule.distributions import Gumbel
    >>> Gumbel(0.0, 1.0).log_prob(chainrule.tensor(0.0))
    tensor(-1.)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = np.finfo(self.loc.dtype.numpy)
        low, high = float(finfo.tiny), 1 - float(finfo.eps)
        if isinstance(loc, (int, float)) and isinstance(scale, (int, float)):
            base_dist = Uniform(low, high, validate_args=validate_args)
        else:
            base_dist = Uniform(
                full_like(self.loc, low), full_like(self.loc, high), validate_args=validate_args
            )
        transforms = [
            ExpTransform().inv,
            AffineTransform(loc=0, scale=-ones_like(self.scale)),
            ExpTransform().inv,
            AffineTransform(loc=loc, scale=-self.scale),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def log_prob(self, value):
        """log p = y - e^y - log scale, y = (loc - value) / scale"""
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    def icdf(self, value):
        """loc - scale log(-log value): PyTorch inverts the transforms to its Uniform's
        icdf, which chainrule's Uniform lacks"""
        return self.loc - self.scale * (-value.log()).log()

    @property
    def mean(self):
        return self.loc + self.scale * _EULER_GAMMA

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def entropy(self):
        """H = log scale + 1 + Euler's gamma"""
        return self.scale.log() + (1 + _EULER_GAMMA)
