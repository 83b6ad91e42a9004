"""Exponential: log_prob, cdf, icdf, entropy, moments and their gradients against
PyTorch; samples statistically; rsample's gradient; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Exponential

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(0.3, 3, (3, 4)).astype(dtype),
        rng.uniform(0.0, 3, (3, 4)).astype(dtype),
        rng.uniform(0.05, 0.95, (3, 4)).astype(dtype),
    ]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "what",
    [
        lambda d, x, q: d.log_prob(x),
        lambda d, x, q: d.cdf(x),
        lambda d, x, q: d.icdf(q),
        lambda d, x, q: d.entropy(),
        lambda d, x, q: (d.mean, d.variance, d.stddev, d.mode),
    ],
    ids=["log_prob", "cdf", "icdf", "entropy", "moments"],
)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, rate, x, q):
        return what(m.distributions.Exponential(rate), x, q)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_shapes_support_and_a_number_rate_are_torchs():
    def scenario(m):
        d, e = m.distributions.Exponential(2.0), m.distributions.Exponential(m.ones(2, 3))
        return d.batch_shape, e.batch_shape, e.event_shape, repr(d.support), d.rate, d.has_rsample, repr(d)

    same_as_torch(scenario)


def test_samples_have_the_exponential_moments_and_rsample_gradient_is_minus_sample_over_rate():
    chainrule.manual_seed(0)
    rate = chainrule.tensor([0.5, 4.0], requires_grad=True)
    samples = Exponential(rate).sample((200_000,))
    assert samples.shape == (200_000, 2) and not samples.requires_grad
    # standard errors of mean and std are below 0.01 / rate
    np.testing.assert_allclose(samples.numpy().mean(0), [2.0, 0.25], rtol=0.02)
    np.testing.assert_allclose(samples.numpy().std(0), [2.0, 0.25], rtol=0.02)
    z = Exponential(rate).rsample((3,))
    z.sum().backward()
    np.testing.assert_allclose(
        rate.grad.numpy(), -(z.detach().numpy() / rate.detach().numpy()).sum(0), rtol=1e-5
    )


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Exponential(m.tensor([1.0, 0.0])),
        lambda m: m.distributions.Exponential(1.0).log_prob(m.tensor(-1.0)),
        lambda m: m.distributions.Exponential(1.0).log_prob(1.0),
    ],
    ids=["rate", "value", "number-value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)
