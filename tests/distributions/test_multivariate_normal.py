"""MultivariateNormal: log_prob, entropy, moments and the three matrices with their
gradients against PyTorch for each parametrisation and broadcast batch shapes;
rsample on the same noise; samples statistically; KL; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import MultivariateNormal

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)


def _make(m, kind, loc, a):
    """A distribution whose matrix is built from the free matrix ``a``: A A^T + I for the
    covariance and precision, a lower triangle with an exp diagonal for scale_tril."""
    n = a.shape[-1]
    if kind == "scale_tril":
        matrix = a.tril(-1) + m.diag_embed(a.diagonal(dim1=-2, dim2=-1).exp())
    else:
        matrix = a @ a.mT + m.eye(n, dtype=a.dtype)
    return m.distributions.MultivariateNormal(loc, **{kind: matrix})


KINDS = ["covariance_matrix", "precision_matrix", "scale_tril"]
SHAPES = {
    "same-batch": ((2, 3), (2, 3, 3), (2, 3)),
    "loc-batch": ((4, 3), (3, 3), (5, 1, 3)),
    "matrix-batch": ((3,), (2, 3, 3), (2, 3)),
}
WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "entropy": lambda d, x: d.entropy(),
    "moments": lambda d, x: (d.mean, d.mode, d.variance, d.stddev),
    "matrices": lambda d, x: (d.covariance_matrix, d.precision_matrix, d.scale_tril),
}


def _arrays(shapes, dtype):
    loc, matrix, value = shapes
    return [
        RNG.uniform(-1, 1, loc).astype(dtype),
        RNG.uniform(-0.8, 0.8, matrix).astype(dtype),
        RNG.uniform(-2, 2, value).astype(dtype),
    ]


@requires_torch
@pytest.mark.parametrize("what", WHATS)
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("kind", KINDS)
def test_values_and_gradients_match_torch(kind, shapes, what):
    def scenario(m, loc, a, x):
        d = _make(m, kind, loc, a)
        return WHATS[what](d, x), d.batch_shape, d.event_shape

    arrays = _arrays(SHAPES[shapes], np.float64)
    check_torch(scenario, None, dtype=np.float32, arrays=[a.astype(np.float32) for a in arrays])
    check_torch(scenario, None, dtype=np.float64, arrays=arrays)
    check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
@pytest.mark.parametrize("kind", KINDS)
def test_kl_between_multivariate_normals_matches_torch(kind):
    def scenario(m, loc_p, a_p, loc_q, a_q):
        return m.distributions.kl_divergence(_make(m, kind, loc_p, a_p), _make(m, "scale_tril", loc_q, a_q))

    arrays = (
        _arrays(((2, 3), (2, 3, 3), (3,)), np.float64)[:2] + _arrays(((3,), (3, 3), (3,)), np.float64)[:2]
    )
    check_torch(scenario, None, arrays=[a.astype(np.float32) for a in arrays])
    check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
def test_rsample_is_loc_plus_scale_tril_times_the_noise_with_torchs_gradients():
    loc, a = _arrays(((2, 3), (2, 3, 3), (3,)), np.float32)[:2]
    d = _make(chainrule, "covariance_matrix", chainrule.tensor(loc), chainrule.tensor(a))
    chainrule.manual_seed(0)
    z = d.rsample((4,))
    assert z.shape == (4, 2, 3)
    scale_tril = d.scale_tril.numpy()
    eps = np.linalg.solve(scale_tril, (z.numpy() - loc)[..., None])[..., 0]

    def scenario(m, loc, a, eps):
        d = _make(m, "covariance_matrix", loc, a)
        return d.loc + (d.scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def ours(m, loc, a, eps):
        return (
            _make(m, "covariance_matrix", loc, a).rsample((4,))
            if m is chainrule
            else scenario(m, loc, a, eps)
        )

    chainrule.manual_seed(0)
    check_torch(ours, None, arrays=[loc, a, eps.astype(np.float32)], requires_grad=[True, True, False])


def test_samples_have_the_mean_and_covariance():
    chainrule.manual_seed(0)
    covariance = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    d = MultivariateNormal(
        chainrule.tensor([1.0, -1.0, 0.0]),
        covariance_matrix=chainrule.tensor(covariance, dtype=chainrule.float32),
    )
    samples = d.sample((200_000,)).numpy()
    assert samples.shape == (200_000, 3) and samples.dtype == np.float32
    # standard errors of the means and covariances are below 0.007
    np.testing.assert_allclose(samples.mean(0), [1.0, -1.0, 0.0], atol=0.03)
    np.testing.assert_allclose(np.cov(samples.T), covariance, atol=0.03)


@requires_torch
def test_number_of_parameters_and_matrix_dims_are_checked_as_torch():
    raises_like_torch(
        lambda m: m.distributions.MultivariateNormal(m.zeros(2)), match="Exactly one of covariance_matrix"
    )
    raises_like_torch(
        lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.eye(2), scale_tril=m.eye(2)),
        match="Exactly one of",
    )
    raises_like_torch(
        lambda m: m.distributions.MultivariateNormal(m.tensor(0.0), m.eye(2)), match="loc must be"
    )
    raises_like_torch(
        lambda m: m.distributions.MultivariateNormal(m.zeros(2), scale_tril=m.ones(2)),
        match="scale_tril matrix must be at least two-dimensional",
    )
    raises_like_torch(
        lambda m: m.distributions.MultivariateNormal(m.zeros(2), precision_matrix=m.ones(2)),
        match="precision_matrix must be at least two-dimensional",
    )


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.tensor([[1.0, 2.0], [2.0, 1.0]])),
        lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.tensor([[1.0, 0.5], [0.0, 1.0]])),
        lambda m: m.distributions.MultivariateNormal(
            m.zeros(2), scale_tril=m.tensor([[1.0, 0.5], [0.0, 1.0]])
        ),
        lambda m: m.distributions.MultivariateNormal(
            m.zeros(2), scale_tril=m.tensor([[-1.0, 0.0], [0.0, 1.0]])
        ),
        lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.eye(2)).log_prob(m.zeros(3)),
        lambda m: m.distributions.kl_divergence(
            m.distributions.MultivariateNormal(m.zeros(2), m.eye(2)),
            m.distributions.MultivariateNormal(m.zeros(3), m.eye(3)),
        ),
    ],
    ids=[
        "not-positive-definite",
        "not-symmetric",
        "not-lower",
        "negative-diagonal",
        "value",
        "kl-event-shapes",
    ],
)
def test_bad_matrices_and_values_are_refused(scenario):
    raises_like_torch(scenario)


@requires_torch
def test_repr_support_and_shapes_are_torchs():
    def scenario(m):
        d = m.distributions.MultivariateNormal(m.zeros(4, 2), scale_tril=m.eye(2))
        return (
            repr(d).replace(m.__name__, "lib"),
            repr(d.support),
            d.batch_shape,
            d.event_shape,
            d.has_rsample,
        )

    same_as_torch(scenario)
