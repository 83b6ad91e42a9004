"""Geometric: log_prob, entropy, moments and their gradients against PyTorch (probs
and logits); samples statistically; KL; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Geometric

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
PROBS, COUNTS = RNG.uniform(0.1, 0.9, (3, 4)), RNG.integers(0, 6, (3, 4)).astype(np.float64)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keyword", ["probs", "logits"])
def test_values_gradients_and_kl_match_torch(keyword, dtype):
    def scenario(m, p, q, k):
        make = m.distributions.Geometric
        d = make(**{keyword: p})
        kl = m.distributions.kl_divergence(d, make(**{keyword: q}))
        return d.log_prob(k), d.entropy(), d.mean, d.mode, d.variance, d.probs, d.logits, kl

    params = PROBS if keyword == "probs" else np.log(PROBS / (1 - PROBS))
    arrays = [params, params[::-1].copy(), COUNTS]
    check_torch(
        scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays], requires_grad=[1, 1, 0]
    )
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[1, 1, 0])


@requires_torch
def test_probability_one_puts_all_mass_on_zero():
    same_as_torch(lambda m: m.distributions.Geometric(m.tensor([1.0, 1.0])).log_prob(m.tensor([0.0, 0.0])))


def test_samples_count_failures_before_the_first_success():
    chainrule.manual_seed(0)
    samples = Geometric(chainrule.tensor([0.2, 0.7])).sample((200_000,)).numpy()
    assert (samples == np.floor(samples)).all() and samples.min() >= 0
    # mean (1 - p) / p; standard errors below 0.01
    np.testing.assert_allclose(samples.mean(0), [4.0, 3 / 7], rtol=0.02)
    np.testing.assert_allclose(samples.var(0), [20.0, 0.3 / 0.49], rtol=0.03)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Geometric(m.tensor([0.5, 0.0])),
        lambda m: m.distributions.Geometric(1.5),
        lambda m: m.distributions.Geometric(),
        lambda m: m.distributions.Geometric(0.5, 0.0),
        lambda m: m.distributions.Geometric(0.5).log_prob(m.tensor(0.5)),
    ],
    ids=["zero", "above-one", "neither", "both", "value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)


@requires_torch
def test_a_zero_probability_gets_torchs_message():
    raises_like_torch(
        lambda m: m.distributions.Geometric(m.tensor([0.5, 0.0])), match="to be positive but found"
    )
