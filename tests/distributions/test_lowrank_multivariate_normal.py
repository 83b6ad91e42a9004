"""LowRankMultivariateNormal: log_prob, entropy, moments and the three matrices with
their gradients against PyTorch for broadcast batch shapes (float32, float64) and
float64 finite differences; rsample on the same noise; samples statistically; its KL
with itself and MultivariateNormal; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import LowRankMultivariateNormal

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)

SHAPES = {  # loc, cov_factor, cov_diag, value
    "same-batch": ((2, 3), (2, 3, 2), (2, 3), (2, 3)),
    "loc-batch": ((4, 3), (3, 1), (3,), (5, 1, 3)),
    "factor-batch": ((3,), (2, 3, 2), (3,), (2, 3)),
    "rank-above-n": ((3,), (3, 4), (2, 1, 3), (3,)),
}
WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "entropy": lambda d, x: d.entropy(),
    "moments": lambda d, x: (d.mean, d.mode, d.variance, d.stddev),
    "matrices": lambda d, x: (d.covariance_matrix, d.precision_matrix, d.scale_tril),
}


def _arrays(shapes, dtype):
    loc, factor, diag, value = shapes
    return [
        RNG.uniform(-1, 1, loc).astype(dtype),
        RNG.uniform(-1, 1, factor).astype(dtype),
        RNG.uniform(0.5, 2, diag).astype(dtype),
        RNG.uniform(-2, 2, value).astype(dtype),
    ]


@requires_torch
@pytest.mark.parametrize("what", WHATS)
@pytest.mark.parametrize("shapes", SHAPES)
def test_values_and_gradients_match_torch(shapes, what):
    def scenario(m, loc, factor, diag, x):
        d = m.distributions.LowRankMultivariateNormal(loc, factor, diag)
        return WHATS[what](d, x), d.batch_shape, d.event_shape

    arrays = _arrays(SHAPES[shapes], np.float64)
    check_torch(scenario, None, dtype=np.float32, arrays=[a.astype(np.float32) for a in arrays])
    check_torch(scenario, None, dtype=np.float64, arrays=arrays)
    check_gradcheck(scenario, None, arrays=arrays)


def _multivariate_normal(m, loc, a):
    return m.distributions.MultivariateNormal(loc, a @ a.mT + m.eye(a.shape[-1], dtype=a.dtype))


KL_PAIRS = {
    "lowrank-lowrank": lambda m, loc, factor, diag, a: (
        m.distributions.LowRankMultivariateNormal(loc, factor, diag),
        m.distributions.LowRankMultivariateNormal(loc.flip(-1), factor[..., :1] * 2, diag.flip(-1)),
    ),
    "mvn-lowrank": lambda m, loc, factor, diag, a: (
        _multivariate_normal(m, loc.flip(-1), a),
        m.distributions.LowRankMultivariateNormal(loc, factor, diag),
    ),
    "lowrank-mvn": lambda m, loc, factor, diag, a: (
        m.distributions.LowRankMultivariateNormal(loc, factor, diag),
        _multivariate_normal(m, loc.flip(-1), a),
    ),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pair", KL_PAIRS)
def test_kl_divergences_match_torch(pair, dtype):
    def scenario(m, loc, factor, diag, a):
        return m.distributions.kl_divergence(*KL_PAIRS[pair](m, loc, factor, diag, a))

    arrays = _arrays(((2, 3), (2, 3, 2), (3,), (3,)), np.float64)[:3] + [RNG.uniform(-1, 1, (4, 1, 3, 3))]
    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
@pytest.mark.parametrize("pair", KL_PAIRS)
def test_kl_with_different_event_shapes_is_refused(pair):
    def scenario(m):
        lowrank = m.distributions.LowRankMultivariateNormal(m.zeros(2), m.ones(2, 1), m.ones(2))
        other = (
            m.distributions.LowRankMultivariateNormal(m.zeros(3), m.ones(3, 1), m.ones(3))
            if pair == "lowrank-lowrank"
            else m.distributions.MultivariateNormal(m.zeros(3), m.eye(3))
        )
        return m.distributions.kl_divergence(
            *((other, lowrank) if pair == "mvn-lowrank" else (lowrank, other))
        )

    raises_like_torch(scenario, match="different event shapes")


@requires_torch
def test_rsample_is_loc_plus_factor_and_diagonal_noise_with_torchs_gradients():
    loc, factor, diag = _arrays(SHAPES["same-batch"], np.float64)[:3]
    chainrule.manual_seed(0)
    z = LowRankMultivariateNormal(*(chainrule.tensor(a) for a in (loc, factor, diag))).rsample((4,))
    assert z.shape == (4, 2, 3)
    chainrule.manual_seed(0)  # the same two draws, eps_W then eps_D, as rsample makes them
    eps_w = chainrule.empty(4, 2, 2, dtype=chainrule.float64).normal_().numpy()
    eps_d = chainrule.empty(4, 2, 3, dtype=chainrule.float64).normal_().numpy()

    def scenario(m, loc, factor, diag, eps_w, eps_d):
        if m is chainrule:
            chainrule.manual_seed(0)
            return m.distributions.LowRankMultivariateNormal(loc, factor, diag).rsample((4,))
        return loc + (factor @ eps_w.unsqueeze(-1)).squeeze(-1) + diag.sqrt() * eps_d

    arrays = [loc, factor, diag, eps_w, eps_d]
    check_torch(
        scenario, None, dtype=np.float64, arrays=arrays, requires_grad=[True, True, True, False, False]
    )


def test_samples_have_the_mean_and_covariance():
    chainrule.manual_seed(0)
    factor = np.array([[1.0, 0.0], [0.5, -0.5], [0.0, 1.0]])
    diag = np.array([0.5, 1.0, 0.2])
    d = LowRankMultivariateNormal(
        *(chainrule.tensor(a, dtype=chainrule.float32) for a in ([1.0, -1.0, 0.0], factor, diag))
    )
    samples = d.sample((200_000,)).numpy()
    assert samples.shape == (200_000, 3) and samples.dtype == np.float32
    # standard errors of the means and covariances are below 0.006
    np.testing.assert_allclose(samples.mean(0), [1.0, -1.0, 0.0], atol=0.03)
    np.testing.assert_allclose(np.cov(samples.T), factor @ factor.T + np.diag(diag), atol=0.03)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.LowRankMultivariateNormal(m.tensor(0.0), m.ones(1, 1), m.ones(1)),
        lambda m: m.distributions.LowRankMultivariateNormal(m.zeros(2), m.ones(2), m.ones(2)),
        lambda m: m.distributions.LowRankMultivariateNormal(m.zeros(2), m.ones(3, 1), m.ones(2)),
        lambda m: m.distributions.LowRankMultivariateNormal(m.zeros(2), m.ones(2, 1), m.ones(3)),
        lambda m: m.distributions.LowRankMultivariateNormal(m.zeros(4, 2), m.ones(3, 2, 1), m.ones(2)),
        lambda m: m.distributions.LowRankMultivariateNormal(m.zeros(2), m.ones(2, 1), m.tensor([1.0, 0.0])),
        lambda m: m.distributions.LowRankMultivariateNormal(m.zeros(2), m.ones(2, 1), m.ones(2)).log_prob(
            m.zeros(3)
        ),
    ],
    ids=["loc-dim", "factor-dim", "factor-rows", "diag-size", "batch-shapes", "diag-positive", "value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)


@requires_torch
def test_repr_support_shapes_and_expand_are_torchs():
    def scenario(m):
        d = m.distributions.LowRankMultivariateNormal(m.zeros(4, 2), m.ones(2, 3), m.ones(2))
        e = d.expand((5, 4))
        return (
            repr(d).replace(m.__name__, "lib"),
            repr(d.support),
            d.batch_shape,
            d.event_shape,
            d.has_rsample,
            e.batch_shape,
            e.cov_factor.shape,
            e.variance.shape,
            e.sample((2,)).shape,
            e.log_prob(m.ones(5, 4, 2)),
        )

    same_as_torch(scenario)
