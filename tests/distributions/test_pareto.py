"""Pareto: log_prob, cdf, icdf, entropy, moments and their gradients against PyTorch;
the rsample gradient against the implicit derivative -dF/dtheta / p; samples against
the cdf (KS test); PyTorch's errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule
from chainrule.distributions import Pareto

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch, torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(0.5, 2, (3, 4)).astype(dtype),  # scale
        rng.uniform(2.5, 4, (3, 4)).astype(dtype),  # alpha (finite variance above 2)
        rng.uniform(2.1, 5, (3, 4)).astype(dtype),  # value, above every scale
        rng.uniform(0.05, 0.95, (3, 4)).astype(dtype),  # probability
    ]


WHATS = {
    "log_prob": lambda d, x, q: d.log_prob(x),
    "cdf": lambda d, x, q: d.cdf(x),
    "icdf": lambda d, x, q: d.icdf(q),
    "entropy": lambda d, x, q: d.entropy(),
    "moments": lambda d, x, q: (d.mean, d.variance, d.stddev, d.mode),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, scale, alpha, x, q):
        return WHATS[what](m.distributions.Pareto(scale, alpha), x, q)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_infinite_moments_are_torchs():
    def scenario(m):
        d = m.distributions.Pareto(m.tensor([1.0, 2.0, 1.0]), m.tensor([0.5, 1.5, 3.0]))
        return d.mean, d.variance

    same_as_torch(scenario)


@requires_torch
def test_rsample_gradient_is_the_implicit_derivative_of_torchs_cdf():
    scale, alpha = (chainrule.tensor(a, requires_grad=True) for a in _parameters(np.float64)[:2])
    chainrule.manual_seed(0)
    x = Pareto(scale, alpha).rsample()
    x.sum().backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in _parameters(np.float64)[:2]]
    d = torch.distributions.Pareto(*theirs)
    value = torch.tensor(x.detach().numpy())
    cdf_grads = torch.autograd.grad(d.cdf(value).sum(), theirs)
    density = d.log_prob(value).exp()
    for ours, cdf_grad in zip((scale.grad, alpha.grad), cdf_grads):
        np.testing.assert_allclose(ours.numpy(), (-cdf_grad / density).detach().numpy(), rtol=1e-8)


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.Pareto(1.0, 2.0)
        e = m.distributions.Pareto(m.ones(2, 1), 2.0)
        return (
            e.batch_shape,
            d.event_shape,
            d.batch_shape,
            e.sample((5,)).shape,
            repr(d.support),
            d.scale,
            d.alpha,
            d.has_rsample,
            repr(d),
        )

    same_as_torch(scenario)


def test_samples_follow_the_cdf():
    chainrule.manual_seed(0)
    d = Pareto(chainrule.tensor(1.5, dtype=chainrule.float64), chainrule.tensor(2.5, dtype=chainrule.float64))
    samples = d.sample((20_000,))
    assert samples.shape == (20_000,) and samples.dtype == chainrule.float64
    assert stats.kstest(samples.numpy(), lambda x: d.cdf(chainrule.tensor(x)).numpy()).pvalue > 0.01


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Pareto(m.tensor([1.0, 0.0]), 1.0),
        lambda m: m.distributions.Pareto(1.0, -2.0),
        lambda m: m.distributions.Pareto(1.0, 1.0).log_prob(m.tensor(0.5)),
    ],
    ids=["scale", "alpha", "value-below-scale"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
