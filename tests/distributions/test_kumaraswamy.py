"""Kumaraswamy: log_prob, cdf, icdf (through the transforms), entropy, moments and
their gradients against PyTorch; the mode against its closed form; the rsample
gradient against the implicit derivative -dF/dtheta / p; samples against the cdf
(KS test); PyTorch's errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule
from chainrule.distributions import Kumaraswamy

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch, torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(0.5, 3, (3, 4)).astype(dtype),  # concentration1
        rng.uniform(0.5, 3, (3, 4)).astype(dtype),  # concentration0
        rng.uniform(0.05, 0.95, (3, 4)).astype(dtype),  # value
        rng.uniform(0.05, 0.95, (3, 4)).astype(dtype),  # probability
    ]


WHATS = {
    "log_prob": lambda d, x, q: d.log_prob(x),
    "cdf": lambda d, x, q: d.cdf(x),
    "icdf": lambda d, x, q: d.icdf(q),
    "entropy": lambda d, x, q: d.entropy(),
    "moments": lambda d, x, q: (d.mean, d.variance, d.stddev),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, a, b, x, q):
        return WHATS[what](m.distributions.Kumaraswamy(a, b), x, q)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


def test_mode_is_the_closed_form_where_it_exists_and_nan_elsewhere():
    # PyTorch 2.13's mode is NaN for every parameter (its log1p(-concentration0) is NaN above 1)
    a, b = np.array([2.0, 3.0, 1.0, 0.5, 2.0, 1.0]), np.array([3.0, 1.0, 2.0, 2.0, 0.8, 1.0])
    mode = Kumaraswamy(chainrule.tensor(a), chainrule.tensor(b)).mode.numpy()
    expected = ((a[:3] - 1) / (a[:3] * b[:3] - 1)) ** (1 / a[:3])
    np.testing.assert_allclose(mode[:3], expected, rtol=1e-6)
    assert np.isnan(mode[3:]).all()
    # the mode is where the density peaks
    grid = np.linspace(0.001, 0.999, 9999)
    density = a[0] * b[0] * grid ** (a[0] - 1) * (1 - grid ** a[0]) ** (b[0] - 1)
    assert abs(grid[density.argmax()] - mode[0]) < 1e-3


@requires_torch
def test_rsample_gradient_is_the_implicit_derivative_of_torchs_cdf():
    a, b = (chainrule.tensor(p, requires_grad=True) for p in _parameters(np.float64)[:2])
    chainrule.manual_seed(0)
    x = Kumaraswamy(a, b).rsample()
    x.sum().backward()
    theirs = [torch.tensor(p, requires_grad=True) for p in _parameters(np.float64)[:2]]
    d = torch.distributions.Kumaraswamy(*theirs)
    value = torch.tensor(x.detach().numpy())
    cdf_grads = torch.autograd.grad(d.cdf(value).sum(), theirs)
    density = d.log_prob(value).exp()
    for ours, cdf_grad in zip((a.grad, b.grad), cdf_grads):
        np.testing.assert_allclose(ours.numpy(), (-cdf_grad / density).detach().numpy(), rtol=1e-7)


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.Kumaraswamy(2.0, 3.0)
        e = m.distributions.Kumaraswamy(m.ones(2, 1), 2.0)
        return (
            e.batch_shape,
            d.event_shape,
            d.batch_shape,
            e.sample((5,)).shape,
            repr(d.support),
            d.concentration1,
            d.concentration0,
            d.has_rsample,
            repr(d),
        )

    same_as_torch(scenario)


def test_samples_follow_the_cdf():
    chainrule.manual_seed(0)
    d = Kumaraswamy(
        chainrule.tensor(0.7, dtype=chainrule.float64), chainrule.tensor(2.5, dtype=chainrule.float64)
    )
    samples = d.sample((20_000,))
    assert samples.shape == (20_000,) and samples.dtype == chainrule.float64
    assert stats.kstest(samples.numpy(), lambda x: d.cdf(chainrule.tensor(x)).numpy()).pvalue > 0.01


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Kumaraswamy(m.tensor([1.0, 0.0]), 1.0),
        lambda m: m.distributions.Kumaraswamy(1.0, -2.0),
        lambda m: m.distributions.Kumaraswamy(1.0, 1.0).log_prob(m.tensor(1.5)),
    ],
    ids=["concentration1", "concentration0", "value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
