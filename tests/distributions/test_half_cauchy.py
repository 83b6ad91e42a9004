"""HalfCauchy: log_prob, cdf, icdf, entropy, moments and their gradients against
PyTorch; the rsample gradient against the implicit derivative -dF/dscale / p;
samples against the cdf (KS test); PyTorch's errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule
from chainrule.distributions import HalfCauchy

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch, torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(0.5, 2, (3, 4)).astype(dtype),  # scale
        rng.uniform(0.1, 5, (3, 4)).astype(dtype),  # value
        rng.uniform(0.05, 0.95, (3, 4)).astype(dtype),  # probability
    ]


WHATS = {
    "log_prob": lambda d, x, q: d.log_prob(x),
    "cdf": lambda d, x, q: d.cdf(x),
    "icdf": lambda d, x, q: d.icdf(q),
    "entropy": lambda d, x, q: d.entropy(),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, scale, x, q):
        return WHATS[what](m.distributions.HalfCauchy(scale), x, q)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_moments_are_torchs():
    same_as_torch(lambda m: (lambda d: (d.mean, d.variance, d.mode))(m.distributions.HalfCauchy(m.ones(3))))


@requires_torch
def test_log_prob_below_zero_is_minus_infinity_without_validation():
    def scenario(m):
        return m.distributions.HalfCauchy(2.0, validate_args=False).log_prob(m.tensor([-1.0, 1.0]))

    same_as_torch(scenario)


@requires_torch
def test_rsample_gradient_is_the_implicit_derivative_of_torchs_cdf():
    scale = chainrule.tensor(_parameters(np.float64)[0], requires_grad=True)
    chainrule.manual_seed(0)
    x = HalfCauchy(scale).rsample()
    x.sum().backward()
    theirs = torch.tensor(_parameters(np.float64)[0], requires_grad=True)
    d = torch.distributions.HalfCauchy(theirs)
    value = torch.tensor(x.detach().numpy())
    (cdf_grad,) = torch.autograd.grad(d.cdf(value).sum(), theirs)
    expected = (-cdf_grad / d.log_prob(value).exp()).detach().numpy()
    np.testing.assert_allclose(scale.grad.numpy(), expected, rtol=1e-8)


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.HalfCauchy(2.0)
        e = m.distributions.HalfCauchy(m.ones(2, 1))
        return (
            e.batch_shape,
            d.event_shape,
            d.batch_shape,
            e.sample((5,)).shape,
            repr(d.support),
            d.scale,
            d.has_rsample,
            repr(d),
        )

    same_as_torch(scenario)


def test_samples_follow_the_cdf():
    chainrule.manual_seed(0)
    d = HalfCauchy(chainrule.tensor(1.5, dtype=chainrule.float64))
    samples = d.sample((20_000,))
    assert samples.shape == (20_000,) and samples.dtype == chainrule.float64
    assert stats.kstest(samples.numpy(), lambda x: d.cdf(chainrule.tensor(x)).numpy()).pvalue > 0.01


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.HalfCauchy(m.tensor([1.0, 0.0])),
        lambda m: m.distributions.HalfCauchy(1.0).log_prob(m.tensor(-0.5)),
    ],
    ids=["scale", "value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
