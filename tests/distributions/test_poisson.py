"""Poisson: log_prob, moments and the rate's gradients against PyTorch; samples
statistically; KL; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Poisson

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
RATES, COUNTS = RNG.uniform(0.2, 6, (3, 4)), RNG.integers(0, 8, (3, 4)).astype(np.float64)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_prob_moments_and_kl_match_torch(dtype):
    def scenario(m, rate, other, k):
        d = m.distributions.Poisson(rate)
        kl = m.distributions.kl_divergence(d, m.distributions.Poisson(other))
        return d.log_prob(k), d.mean, d.mode, d.variance, d.stddev, kl

    arrays = [RATES, RATES[0] + 0.5, COUNTS]
    check_torch(
        scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays], requires_grad=[1, 1, 0]
    )
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[1, 1, 0])


@requires_torch
def test_a_zero_rate_gives_probability_one_to_zero_counts():
    same_as_torch(lambda m: m.distributions.Poisson(m.tensor([0.0, 0.0])).log_prob(m.tensor([0.0, 2.0])))


@requires_torch
def test_shapes_and_support_are_torchs():
    def scenario(m):
        d = m.distributions.Poisson(m.ones(2, 3))
        number = m.distributions.Poisson(3)
        return d.batch_shape, number.batch_shape, number.rate, repr(d.support), d.has_rsample

    same_as_torch(scenario)


def test_samples_are_counts_with_the_poisson_moments():
    chainrule.manual_seed(0)
    samples = Poisson(chainrule.tensor([0.5, 7.0])).sample((200_000,))
    assert samples.dtype == chainrule.float32 and samples.shape == (200_000, 2)
    samples = samples.numpy()
    assert (samples == np.floor(samples)).all()
    # standard errors: of the means below 0.006, of the variances below 0.03
    np.testing.assert_allclose(samples.mean(0), [0.5, 7.0], atol=0.03)
    np.testing.assert_allclose(samples.var(0), [0.5, 7.0], rtol=0.02)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Poisson(m.tensor([1.0, -1.0])),
        lambda m: m.distributions.Poisson(1.0).log_prob(m.tensor(1.5)),
        lambda m: m.distributions.Poisson(1.0).log_prob(m.tensor(-1.0)),
    ],
    ids=["rate", "fraction", "negative"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
