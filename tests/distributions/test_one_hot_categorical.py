"""OneHotCategorical: log_prob, entropy, moments and their gradients against PyTorch;
one-hot samples statistically; enumerate_support; KL; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import OneHotCategorical

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
LOGITS = RNG.uniform(-2, 2, (2, 3, 4))
VALUES = np.eye(4)[RNG.integers(0, 4, (2, 3))]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keyword", ["probs", "logits"])
def test_values_gradients_and_kl_match_torch(keyword, dtype):
    def scenario(m, p, q, x):
        make = m.distributions.OneHotCategorical
        d = make(**{keyword: p})
        kl = m.distributions.kl_divergence(d, make(**{keyword: q}))
        return d.log_prob(x), d.entropy(), d.mean, d.mode, d.variance, d.probs, d.logits, kl, d.batch_shape

    params = np.exp(LOGITS) if keyword == "probs" else LOGITS
    arrays = [params, params[:, ::-1].copy(), VALUES]
    check_torch(
        scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays], requires_grad=[1, 1, 0]
    )
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[1, 1, 0])


@requires_torch
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support_and_shapes_are_torchs(expand):
    def scenario(m):
        d = m.distributions.OneHotCategorical(m.ones(2, 3))
        return (
            d.enumerate_support(expand),
            d.event_shape,
            d.param_shape,
            repr(d.support),
            d.has_enumerate_support,
        )

    same_as_torch(scenario)


def test_samples_are_one_hot_with_the_category_frequencies():
    chainrule.manual_seed(0)
    probs = np.array([0.1, 0.6, 0.3], np.float32)
    samples = OneHotCategorical(chainrule.tensor(probs)).sample((100_000,))
    assert samples.shape == (100_000, 3) and samples.dtype == chainrule.float32
    samples = samples.numpy()
    np.testing.assert_array_equal(samples.sum(-1), 1.0)
    # standard errors of the frequencies are below 0.0016
    np.testing.assert_allclose(samples.mean(0), probs, atol=0.008)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.OneHotCategorical(m.tensor(1.0)),
        lambda m: m.distributions.OneHotCategorical(m.tensor([0.5, -0.5])),
        lambda m: m.distributions.OneHotCategorical(m.ones(3)).log_prob(m.tensor([1.0, 1.0, 0.0])),
        lambda m: m.distributions.OneHotCategorical(m.ones(3)).log_prob(m.tensor([1.0, 0.0])),
    ],
    ids=["scalar", "negative", "not-one-hot", "event-shape"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)
