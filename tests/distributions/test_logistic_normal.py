"""LogisticNormal: log_prob and rsample (on the same base noise) with their gradients
against PyTorch (float32, float64) and float64 finite differences; shapes, support,
expand; samples statistically; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import LogisticNormal

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
LOC = RNG.uniform(-1, 1, (2, 3))
SCALE = RNG.uniform(0.3, 1.5, (2, 3))
VALUE = RNG.dirichlet(np.ones(4), (5, 2))
EPS = RNG.standard_normal((2, 3))


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_prob_and_its_gradients_match_torch(dtype):
    def scenario(m, loc, scale, x):
        return m.distributions.LogisticNormal(loc, scale).log_prob(x)

    arrays = [LOC, SCALE, VALUE]
    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    # finite differences of the value would step off the simplex
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[True, True, False])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rsample_on_the_same_noise_and_its_gradients_match_torch(dtype):
    def scenario(m, loc, scale, eps):
        d = m.distributions.LogisticNormal(loc, scale)
        d.base_dist.rsample = lambda sample_shape=(): loc + eps * scale
        return d.rsample()

    arrays = [LOC, SCALE, EPS]
    check_torch(
        scenario,
        None,
        dtype=dtype,
        arrays=[a.astype(dtype) for a in arrays],
        requires_grad=[True, True, False],
    )
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[True, True, False])


@requires_torch
def test_shapes_support_parameters_and_expand_are_torchs():
    def scenario(m):
        d = m.distributions.LogisticNormal(m.zeros(2, 3), 1.0)
        scalar = m.distributions.LogisticNormal(0.5, 2.0)
        e = d.expand((4, 2))
        return (
            d.batch_shape,
            d.event_shape,
            scalar.batch_shape,
            scalar.event_shape,
            scalar.sample((5,)).shape,
            d.rsample((5,)).shape,
            repr(d.support),
            d.loc.shape,
            d.scale,
            d.has_rsample,
            repr(scalar),
            e.batch_shape,
            e.loc.shape,
            e.log_prob(m.full((4, 2, 4), 0.25)),
        )

    same_as_torch(scenario)


def test_samples_lie_on_the_simplex_and_their_logits_are_the_base_normal():
    chainrule.manual_seed(0)
    loc, scale = np.array([0.5, -1.0]), np.array([1.0, 0.5])
    samples = LogisticNormal(chainrule.tensor(loc), chainrule.tensor(scale)).sample((100_000,)).numpy()
    assert samples.shape == (100_000, 3) and samples.dtype == np.float64
    assert (samples > 0).all() and np.allclose(samples.sum(-1), 1)
    # the inverse stick-breaking: log(y_i / (1 - cumsum y)_i) + log(K - i) ~ N(loc, scale)
    logits = np.log(samples[:, :-1] / (1 - samples[:, :-1].cumsum(-1))) + np.log([2.0, 1.0])
    # standard errors below 0.004
    np.testing.assert_allclose(logits.mean(0), loc, atol=0.02)
    np.testing.assert_allclose(logits.std(0), scale, atol=0.02)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.LogisticNormal(m.zeros(2), m.tensor([1.0, -1.0])),
        lambda m: m.distributions.LogisticNormal(m.zeros(2), 1.0).log_prob(m.tensor([0.5, 0.6, 0.1])),
        lambda m: m.distributions.LogisticNormal(m.zeros(2), 1.0).log_prob(m.tensor([0.5, 0.5])),
    ],
    ids=["scale", "value-off-simplex", "value-shape"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)
