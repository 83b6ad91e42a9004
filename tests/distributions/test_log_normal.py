"""LogNormal: log_prob, cdf, entropy, moments and their gradients against PyTorch;
samples statistically; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import LogNormal

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(-1, 1, (3, 4)).astype(dtype),
        rng.uniform(0.3, 1.5, (3, 4)).astype(dtype),
        rng.uniform(0.1, 4, (3, 4)).astype(dtype),
    ]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "what",
    [
        lambda d, x: d.log_prob(x),
        lambda d, x: d.cdf(x),
        lambda d, x: d.entropy(),
        lambda d, x: (d.mean, d.variance, d.stddev, d.mode),
    ],
    ids=["log_prob", "cdf", "entropy", "moments"],
)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, loc, scale, x):
        return what(m.distributions.LogNormal(loc, scale), x)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.LogNormal(m.zeros(2, 1), 1.0)
        return d.batch_shape, d.event_shape, repr(d.support), d.loc, d.scale, d.has_rsample, repr(d)

    same_as_torch(scenario)


def test_samples_have_the_log_normal_moments():
    chainrule.manual_seed(0)
    d = LogNormal(chainrule.tensor([0.0, 0.5]), chainrule.tensor([0.25, 0.5]))
    samples = d.sample((200_000,)).numpy()
    assert samples.shape == (200_000, 2)
    # the logs are Normal: standard errors of their mean and std are below 0.002
    np.testing.assert_allclose(np.log(samples).mean(0), [0.0, 0.5], atol=0.01)
    np.testing.assert_allclose(np.log(samples).std(0), [0.25, 0.5], atol=0.01)


def test_rsample_gradient_is_the_sample_for_loc():
    loc = chainrule.tensor([0.2, -0.3], requires_grad=True)
    chainrule.manual_seed(0)
    z = LogNormal(loc, 0.5).rsample()
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), z.detach().numpy(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.LogNormal(0.0, -1.0),
        lambda m: m.distributions.LogNormal(0.0, 1.0).log_prob(m.tensor(-1.0)),
    ],
    ids=["scale", "value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
