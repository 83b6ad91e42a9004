"""InverseGamma: log_prob, cdf, entropy, moments and their gradients against PyTorch;
rsample as the reciprocal of the gamma draw; samples against the cdf (KS test);
PyTorch's errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule
from chainrule.distributions import Gamma, InverseGamma

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(0.5, 4, (3, 4)).astype(dtype),  # concentration (moments infinite below 1 and 2)
        rng.uniform(0.5, 2, (3, 4)).astype(dtype),  # rate
        rng.uniform(0.1, 4, (3, 4)).astype(dtype),  # value
    ]


WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "entropy": lambda d, x: d.entropy(),
    "moments": lambda d, x: (d.mean, d.variance, d.mode),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, concentration, rate, x):
        return WHATS[what](m.distributions.InverseGamma(concentration, rate), x)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    if what != "moments":  # the infinite moments have no finite differences
        check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_cdf_matches_torch():
    # torch has no gradient of gammainc in its first argument, so only the value and d/d rate compare
    def scenario(m, concentration, rate, x):
        return m.distributions.InverseGamma(concentration, rate).cdf(x)

    check_torch(scenario, None, arrays=_parameters(np.float32), requires_grad=[False, True, True])


def test_rsample_is_the_reciprocal_of_the_gamma_draw_and_differentiable():
    concentration = chainrule.tensor([0.5, 3.0], dtype=chainrule.float64, requires_grad=True)
    rate = chainrule.tensor([2.0, 0.5], dtype=chainrule.float64, requires_grad=True)
    chainrule.manual_seed(3)
    x = InverseGamma(concentration, rate).rsample()
    x.sum().backward()
    chainrule.manual_seed(3)
    y = Gamma(concentration.detach(), rate.detach()).rsample()
    np.testing.assert_allclose(x.detach().numpy(), 1 / y.numpy(), rtol=1e-12)
    # x = rate / G with G ~ Gamma(concentration, 1): dx / d rate = x / rate
    np.testing.assert_allclose(rate.grad.numpy(), (x / rate).detach().numpy(), rtol=1e-12)
    assert np.all(np.isfinite(concentration.grad.numpy()))


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.InverseGamma(2.0, 3.0)
        e = m.distributions.InverseGamma(m.ones(2, 1), 2.0)
        return (
            e.batch_shape,
            d.event_shape,
            d.batch_shape,
            e.sample((5,)).shape,
            repr(d.support),
            d.concentration,
            d.rate,
            d.has_rsample,
            repr(d),
        )

    same_as_torch(scenario)


def test_samples_follow_the_cdf():
    chainrule.manual_seed(0)
    d = InverseGamma(
        chainrule.tensor(2.5, dtype=chainrule.float64), chainrule.tensor(1.5, dtype=chainrule.float64)
    )
    samples = d.sample((20_000,))
    assert samples.shape == (20_000,) and samples.dtype == chainrule.float64
    assert stats.kstest(samples.numpy(), lambda x: d.cdf(chainrule.tensor(x)).numpy()).pvalue > 0.01


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.InverseGamma(m.tensor([1.0, 0.0]), 1.0),
        lambda m: m.distributions.InverseGamma(1.0, -2.0),
        lambda m: m.distributions.InverseGamma(1.0, 1.0).log_prob(m.tensor(-0.5)),
    ],
    ids=["concentration", "rate", "value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
