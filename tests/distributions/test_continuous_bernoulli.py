"""ContinuousBernoulli: log_prob, cdf, icdf, entropy, moments and their gradients
against PyTorch, by probs and by logits, inside and outside the Taylor region near 1/2;
rsample's gradient (its inverse cdf) against PyTorch; samples against the cdf (KS test);
PyTorch's errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule
from chainrule.distributions import ContinuousBernoulli

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch, torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    probs = rng.uniform(0.05, 0.95, (3, 4))
    probs[0, :2] = [0.4995, 0.5005]  # inside the Taylor region
    return [probs.astype(dtype), rng.uniform(0.05, 0.95, (3, 4)).astype(dtype)]


WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "cdf": lambda d, x: d.cdf(x),
    "icdf": lambda d, x: d.icdf(x),
    "entropy": lambda d, x: d.entropy(),
    "moments": lambda d, x: (d.mean, d.variance, d.stddev),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("parameter", ["probs", "logits"])
@pytest.mark.parametrize("what", WHATS)
def test_values_and_parameter_gradients_match_torch(what, parameter, dtype):
    def scenario(m, p, x):
        d = m.distributions.ContinuousBernoulli(**{parameter: p if parameter == "probs" else p.logit()})
        return WHATS[what](d, x)

    # the variance's closed form cancels two terms of size 1 / (1 - 2 probs)^2, so its
    # float32 gradient near probs = 0.6 carries a few 1e-4 of rounding, in both libraries
    grad_atol = 1e-3 if what == "moments" and dtype == np.float32 else 1e-5
    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype), atol=1e-5, grad_atol=grad_atol)
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_rsample_gradient_matches_torchs_for_the_same_uniform_draw():
    probs = _parameters(np.float64)[0]
    ours = chainrule.tensor(probs, requires_grad=True)
    chainrule.manual_seed(0)
    x = ContinuousBernoulli(ours).rsample()
    x.sum().backward()
    chainrule.manual_seed(0)
    u = chainrule.rand(3, 4, dtype=chainrule.float64)  # the uniform draw rsample inverted
    theirs = torch.tensor(probs, requires_grad=True)
    y = torch.distributions.ContinuousBernoulli(theirs).icdf(torch.tensor(u.numpy()))
    y.sum().backward()
    np.testing.assert_allclose(x.detach().numpy(), y.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.ContinuousBernoulli(0.3)
        e = m.distributions.ContinuousBernoulli(logits=m.zeros(2, 3))
        return (
            e.batch_shape,
            d.event_shape,
            d.batch_shape,
            e.sample((5,)).shape,
            repr(d.support),
            d.probs,
            d.logits,
            e.param_shape,
            d.has_rsample,
            repr(d),
        )

    same_as_torch(scenario)


def test_samples_follow_the_cdf():
    chainrule.manual_seed(0)
    d = ContinuousBernoulli(chainrule.tensor(0.2, dtype=chainrule.float64))
    samples = d.sample((20_000,))
    assert samples.shape == (20_000,) and samples.dtype == chainrule.float64
    assert stats.kstest(samples.numpy(), lambda x: d.cdf(chainrule.tensor(x)).numpy()).pvalue > 0.01


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.ContinuousBernoulli(m.tensor([0.5, 1.5]), validate_args=True),
        lambda m: m.distributions.ContinuousBernoulli(0.3).log_prob(m.tensor(1.5)),
        lambda m: m.distributions.ContinuousBernoulli(probs=0.3, logits=0.0),
    ],
    ids=["probs", "value", "both"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)
