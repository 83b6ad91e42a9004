"""MixtureSameFamily: log_prob, cdf, mean and variance with the gradients of the
mixture weights and the components' parameters against PyTorch, for scalar and
vector components and batched mixtures; samples statistically; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Categorical, MixtureSameFamily, Normal

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)


def _normal_mixture(m, logits, loc, scale):
    D = m.distributions
    return D.MixtureSameFamily(D.Categorical(logits=logits), D.Normal(loc, scale))


def _vector_mixture(m, logits, loc, scale):
    D = m.distributions
    return D.MixtureSameFamily(D.Categorical(logits=logits), D.Independent(D.Normal(loc, scale), 1))


def _mvn_mixture(m, logits, loc, a):
    D = m.distributions
    covariance = a @ a.mT + m.eye(a.shape[-1], dtype=a.dtype)
    return D.MixtureSameFamily(D.Categorical(logits=logits), D.MultivariateNormal(loc, covariance))


# name -> (make, logits shape, loc shape, scale shape, value shape)
CASES = {
    "scalar": (_normal_mixture, (3,), (3,), (3,), (5,)),
    "batched": (_normal_mixture, (2, 3), (2, 3), (2, 3), (4, 2)),
    "shared-weights": (_normal_mixture, (3,), (2, 3), (2, 3), (2,)),
    "vector": (_vector_mixture, (2, 3), (2, 3, 4), (2, 3, 4), (5, 2, 4)),
    "mvn": (_mvn_mixture, (3,), (3, 2), (3, 2, 2), (5, 2)),
}


def _arrays(case, dtype):
    _, logits, loc, scale, value = CASES[case]
    scale_array = RNG.uniform(-0.7, 0.7, scale) if case == "mvn" else RNG.uniform(0.5, 2, scale)
    arrays = [RNG.uniform(-1, 1, logits), RNG.uniform(-2, 2, loc), scale_array, RNG.uniform(-3, 3, value)]
    return [a.astype(dtype) for a in arrays]


@requires_torch
@pytest.mark.parametrize("case", CASES)
def test_values_and_gradients_match_torch(case):
    make = CASES[case][0]

    def scenario(m, logits, loc, scale, x):
        d = make(m, logits, loc, scale)
        return d.log_prob(x), d.mean, d.variance, d.batch_shape, d.event_shape

    check_torch(scenario, None, arrays=_arrays(case, np.float32))
    check_gradcheck(scenario, None, arrays=_arrays(case, np.float64))


@requires_torch
def test_cdf_matches_torch():
    def scenario(m, logits, loc, scale, x):
        return _normal_mixture(m, logits, loc, scale).cdf(x)

    check_torch(scenario, None, arrays=_arrays("batched", np.float32))
    check_gradcheck(scenario, None, arrays=_arrays("batched", np.float64))


def test_samples_follow_the_mixture():
    chainrule.manual_seed(0)
    weights, locs, scales = np.array([0.2, 0.8]), np.array([-3.0, 2.0]), np.array([0.5, 1.0])
    gmm = MixtureSameFamily(
        Categorical(chainrule.tensor(weights)), Normal(chainrule.tensor(locs), chainrule.tensor(scales))
    )
    samples = gmm.sample((200_000,)).numpy()
    assert samples.shape == (200_000,) and samples.dtype == np.float64
    # standard errors below 0.006 (mean) and 0.03 (variance); the split at 0 picks the component
    np.testing.assert_allclose(samples.mean(), weights @ locs, atol=0.03)
    variance = weights @ (scales**2) + weights @ (locs - weights @ locs) ** 2
    np.testing.assert_allclose(samples.var(), variance, rtol=0.02)
    np.testing.assert_allclose((samples < -0.5).mean(), 0.2, atol=0.01)
    assert gmm.sample((3, 2)).shape == (3, 2)


def test_vector_samples_keep_the_event_shape():
    chainrule.manual_seed(0)
    loc = chainrule.tensor([[[0.0, 0.0], [10.0, 10.0]]]).expand(4, 2, 2)
    mixture = MixtureSameFamily(
        Categorical(chainrule.ones(4, 2)),
        chainrule.distributions.Independent(Normal(loc, 0.01), 1),
    )
    samples = mixture.sample((5,))
    assert samples.shape == (5, 4, 2)
    # both coordinates of a draw come from the same component
    rounded = np.round(samples.numpy() / 10)
    np.testing.assert_array_equal(rounded[..., 0], rounded[..., 1])


@requires_torch
def test_support_and_has_rsample_are_torchs():
    def scenario(m):
        d = _normal_mixture(m, m.zeros(3), m.zeros(3), m.ones(3))
        return repr(d.support), d.has_rsample, bool(d.support.check(m.tensor(0.5)))

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.MixtureSameFamily(
            m.distributions.Bernoulli(0.5), m.distributions.Normal(m.zeros(2), 1.0)
        ),
        lambda m: m.distributions.MixtureSameFamily(m.distributions.Categorical(m.ones(2)), "normal"),
        lambda m: m.distributions.MixtureSameFamily(
            m.distributions.Categorical(m.ones(3, 2)), m.distributions.Normal(m.zeros(4, 2), 1.0)
        ),
        lambda m: m.distributions.MixtureSameFamily(
            m.distributions.Categorical(m.ones(3)), m.distributions.Normal(m.zeros(2), 1.0)
        ),
    ],
    ids=["not-categorical", "not-a-distribution", "batch-shapes", "component-count"],
)
def test_mismatched_mixtures_are_refused(scenario):
    raises_like_torch(scenario)
