"""A distribution whose rightmost batch dims are read as event dims
(``torch.distributions.Independent``): a diagonal Normal over a vector, for
example, scored as one event whose log-probability is the sum over the vector."""

from . import constraints
from .distribution import Distribution

__all__ = ["Independent"]


def _sum_rightmost(value, dims):
    """``value`` summed over its last ``dims`` dims."""
    return value if dims == 0 else value.reshape(tuple(value.shape[: value.dim() - dims]) + (-1,)).sum(-1)


class Independent(Distribution):
    """``base_distribution`` with its last ``reinterpreted_batch_ndims`` batch dims
    moved into the event: ``log_prob`` and ``entropy`` sum over them.

    >>> import chainrule
    >>> from chainrule.distributions import Independent, Normal
    >>> d = Independent(Normal(chainrule.zeros(3, 2), chainrule.ones(3, 2)), 1)
    >>> d.batch_shape, d.event_shape, d.log_prob(chainrule.zeros(3, 2))
    (chainrule.Size([3]), chainrule.Size([2]), tensor([-1.8379, -1.8379, -1.8379]))
    """

    arg_constraints = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}"
            )
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        event_dims = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(shape[: len(shape) - event_dims], shape[len(shape) - event_dims :], validate_args)

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    @property
    def support(self):
        """The base distribution's support, its rightmost ``reinterpreted_batch_ndims``
        dims read as one event."""
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def mode(self):
        return self.base_dist.mode

    @property
    def variance(self):
        return self.base_dist.variance

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self):
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"{type(self).__name__}({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
