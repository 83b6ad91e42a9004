"""The multivariate normal distribution (``torch.distributions.MultivariateNormal``)."""

import math

from .._creation import empty, eye
from ..linalg import cholesky, solve_triangular
from ..ops.shape import broadcast_shapes
from . import constraints
from .distribution import Distribution
from .utils import lazy_property

__all__ = ["MultivariateNormal"]


def _precision_to_scale_tril(precision):
    """The lower Cholesky factor L of P^-1 (L L^T = P^-1), from the Cholesky factor of P
    with its rows and columns reversed, so no matrix is inverted but a triangular one."""
    flipped = cholesky(precision.flip((-2, -1)))
    inverse_of_l = flipped.flip((-2, -1)).mT
    return solve_triangular(inverse_of_l, eye(precision.shape[-1], dtype=precision.dtype), upper=False)


def _mahalanobis(scale_tril, diff):
    """|L^-1 diff|^2 over the last dim, L and diff broadcast over their batch dims."""
    shape = tuple(broadcast_shapes(scale_tril.shape[:-2], diff.shape[:-1]))
    scale_tril = scale_tril.expand(shape + (-1, -1))
    diff = diff.expand(shape + (-1,))
    return solve_triangular(scale_tril, diff.unsqueeze(-1), upper=False).squeeze(-1).pow(2).sum(-1)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors, Sigma given by exactly one of ``covariance_matrix``,
    ``precision_matrix`` (its inverse) or ``scale_tril`` (its lower Cholesky factor L);
    everything is computed from L, and ``rsample`` is loc + L eps with eps ~ N(0, I).

    >>> import chainrule
    >>> from chainrule.distributions import MultivariateNormal
    >>> d = MultivariateNormal(chainrule.zeros(2), covariance_matrix=chainrule.eye(2))
    >>> d.event_shape, d.log_prob(chainrule.zeros(2))
    (chainrule.Size([2]), tensor(-1.8379))
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None
    ):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {
            name: matrix
            for name, matrix in (
                ("covariance_matrix", covariance_matrix),
                ("precision_matrix", precision_matrix),
                ("scale_tril", scale_tril),
            )
            if matrix is not None
        }
        if len(given) != 1:
            raise ValueError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified."
            )
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(
                f"{what} must be at least two-dimensional, with optional leading batch dimensions"
            )
        batch_shape = broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(tuple(batch_shape) + (-1, -1)))
        self.loc = loc.expand(tuple(batch_shape) + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    @property
    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape)

    @lazy_property
    def covariance_matrix(self):
        scale_tril = self._unbroadcasted_scale_tril
        return (scale_tril @ scale_tril.mT).expand(self._matrix_shape)

    @lazy_property
    def precision_matrix(self):
        """(L L^T)^-1 = L^-T L^-1"""
        scale_tril = self._unbroadcasted_scale_tril
        identity = eye(scale_tril.shape[-1], dtype=scale_tril.dtype)
        inverse = solve_triangular(scale_tril, identity, upper=False)
        return (inverse.mT @ inverse).expand(self._matrix_shape)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return (
            self._unbroadcasted_scale_tril.pow(2)
            .sum(-1)
            .expand(tuple(self._batch_shape) + tuple(self._event_shape))
        )

    def rsample(self, sample_shape=()):
        eps = empty(self._extended_shape(sample_shape), dtype=self.loc.dtype).normal_()
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        """log p = -1/2 (k log 2 pi + |L^-1 (value - loc)|^2) - sum log diag L"""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        scale_tril = self._unbroadcasted_scale_tril
        scale_tril = scale_tril.expand(
            tuple(broadcast_shapes(scale_tril.shape[:-2], diff.shape[:-1])) + (-1, -1)
        )
        whitened = solve_triangular(scale_tril, diff.unsqueeze(-1), upper=False).squeeze(-1)
        mahalanobis = whitened.pow(2).sum(-1)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + mahalanobis) - self._half_log_det()

    def entropy(self):
        """H = k/2 (1 + log 2 pi) + sum log diag L"""
        entropy = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return entropy if len(self._batch_shape) == 0 else entropy.expand(self._batch_shape)
