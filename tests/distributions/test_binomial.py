"""Binomial and Multinomial: log_prob, entropy, moments and their gradients against
PyTorch (probs and logits); enumerate_support; KL; samples statistically;
PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Binomial, Multinomial

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
PROBS = RNG.uniform(0.1, 0.9, (3, 4))
COUNTS = RNG.integers(0, 6, (3, 4)).astype(np.float64)
LOGITS = RNG.uniform(-2, 2, (2, 3))
MULTI_COUNTS = np.array([[2.0, 0.0, 3.0], [1.0, 1.0, 3.0]])


def _param(keyword, probs):
    return probs if keyword == "probs" else np.log(probs / (1 - probs))


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keyword", ["probs", "logits"])
def test_binomial_values_gradients_and_kl_match_torch(keyword, dtype):
    def scenario(m, p, q, k):
        d = m.distributions.Binomial(5, **{keyword: p})
        kl = m.distributions.kl_divergence(d, m.distributions.Binomial(5, **{keyword: q}))
        return d.log_prob(k), d.entropy(), d.mean, d.mode, d.variance, d.probs, d.logits, kl

    arrays = [_param(keyword, PROBS), _param(keyword, PROBS[::-1].copy()), COUNTS]
    check_torch(
        scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays], requires_grad=[1, 1, 0]
    )
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[1, 1, 0])


@requires_torch
def test_binomial_with_tensor_total_counts_and_more_trials_in_p_gives_inf():
    def scenario(m, n, p, k):
        d = m.distributions.Binomial(n, p)
        kl = m.distributions.kl_divergence(d, m.distributions.Binomial(m.tensor(2.0), p))
        return d.log_prob(k), d.mean, kl

    arrays = [
        np.array([2.0, 3.0, 4.0], np.float32),
        PROBS[0, :3].astype(np.float32),
        COUNTS[0, :3].clip(0, 2),
    ]
    check_torch(scenario, None, arrays=[a.astype(np.float32) for a in arrays], requires_grad=[0, 1, 0])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keyword", ["probs", "logits"])
def test_multinomial_values_and_gradients_match_torch(keyword, dtype):
    def scenario(m, p, x):
        d = m.distributions.Multinomial(5, **{keyword: p})
        return d.log_prob(x), d.entropy(), d.mean, d.variance, d.probs, d.logits, d.batch_shape, d.event_shape

    arrays = [np.exp(LOGITS) if keyword == "probs" else LOGITS, MULTI_COUNTS]
    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays], requires_grad=[1, 0])
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[1, 0])


@requires_torch
def test_a_zero_probability_category_with_no_counts_scores_as_torch():
    same_as_torch(
        lambda m: m.distributions.Multinomial(3, m.tensor([0.0, 0.5, 0.5])).log_prob(
            m.tensor([0.0, 1.0, 2.0])
        )
    )


@requires_torch
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support_and_supports_are_torchs(expand):
    def scenario(m):
        d = m.distributions.Binomial(3, m.full((2,), 0.5))
        return (
            d.enumerate_support(expand),
            repr(d.support),
            repr(m.distributions.Multinomial(3, m.ones(2)).support),
        )

    same_as_torch(scenario)


def test_samples_have_the_binomial_and_multinomial_moments():
    chainrule.manual_seed(0)
    samples = Binomial(chainrule.tensor([3.0, 10.0]), chainrule.tensor([0.2, 0.6])).sample((100_000,))
    assert samples.dtype == chainrule.float32 and samples.shape == (100_000, 2)
    # standard errors below 0.005 (means) and 0.01 (variances)
    np.testing.assert_allclose(samples.numpy().mean(0), [0.6, 6.0], atol=0.03)
    np.testing.assert_allclose(samples.numpy().var(0), [0.48, 2.4], rtol=0.03)
    counts = Multinomial(6, chainrule.tensor([0.2, 0.3, 0.5])).sample((100_000,)).numpy()
    np.testing.assert_array_equal(counts.sum(-1), 6.0)
    np.testing.assert_allclose(counts.mean(0), [1.2, 1.8, 3.0], atol=0.03)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Binomial(5),
        lambda m: m.distributions.Binomial(-1, m.tensor(0.5)),
        lambda m: m.distributions.Binomial(2.5, m.tensor(0.5)),
        lambda m: m.distributions.Binomial(3, m.tensor(0.5)).log_prob(m.tensor(4.0)),
        lambda m: m.distributions.Binomial(m.tensor([2.0, 3.0]), m.tensor(0.5)).entropy(),
        lambda m: m.distributions.Multinomial(m.tensor(3), m.ones(2)),
        lambda m: m.distributions.Multinomial(3, m.ones(2)).log_prob(m.tensor([3.0, 1.0])),
        lambda m: m.distributions.kl_divergence(
            m.distributions.Binomial(2, m.tensor(0.5)), m.distributions.Binomial(3, m.tensor(0.5))
        ),
    ],
    ids=[
        "no-probs",
        "negative-count",
        "fractional-count",
        "value",
        "inhomogeneous-entropy",
        "tensor-total-count",
        "multinomial-value",
        "kl-fewer-trials",
    ],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)
