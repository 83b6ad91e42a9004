"""FisherSnedecor: log_prob, moments and their gradients against PyTorch; the rsample
gradient through the two gamma draws against PyTorch's standard gamma gradient; samples
against scipy's F cdf (KS test); PyTorch's errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule
from chainrule.distributions import FisherSnedecor
from chainrule.distributions.gamma import StandardGamma

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch, torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(2.5, 8, (3, 4)).astype(dtype),  # df1 (mode is NaN below 2)
        rng.uniform(4.5, 10, (3, 4)).astype(dtype),  # df2 (variance is NaN below 4)
        rng.uniform(0.1, 4, (3, 4)).astype(dtype),  # value
    ]


WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "moments": lambda d, x: (d.mean, d.variance, d.stddev, d.mode),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, df1, df2, x):
        return WHATS[what](m.distributions.FisherSnedecor(df1, df2), x)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_undefined_moments_are_nan_as_torchs():
    def scenario(m):
        d = m.distributions.FisherSnedecor(m.tensor([1.0, 3.0, 6.0]), m.tensor([1.5, 3.0, 6.0]))
        return d.mean, d.variance, d.mode

    same_as_torch(scenario)


@requires_torch
def test_rsample_gradient_matches_torchs_standard_gamma_grad_for_the_same_draws():
    df1, df2 = (chainrule.tensor(a, requires_grad=True) for a in _parameters(np.float64)[:2])
    chainrule.manual_seed(0)
    x = FisherSnedecor(df1, df2).rsample()
    x.sum().backward()
    chainrule.manual_seed(0)  # the same two standard gamma draws: x = (s1 / df1) / (s2 / df2)
    s1, s2 = (StandardGamma.apply(df.detach() / 2) for df in (df1, df2))
    a1, a2 = (torch.tensor(df.detach().numpy()) for df in (df1, df2))
    t1, t2 = (torch.tensor(s.numpy()) for s in (s1, s2))
    value = (t1 / a1) / (t2 / a2)
    np.testing.assert_allclose(x.detach().numpy(), value.numpy(), rtol=1e-12)
    # ds / d df = 1/2 ds / d alpha at alpha = df / 2; PyTorch's ds / d alpha is good to about
    # 1e-4 relative, and the two terms of each gradient (of size value / df) partly cancel
    ds1, ds2 = 0.5 * torch._standard_gamma_grad(a1 / 2, t1), 0.5 * torch._standard_gamma_grad(a2 / 2, t2)
    for ours, theirs in ((df1.grad, value * (ds1 / t1 - 1 / a1)), (df2.grad, value * (1 / a2 - ds2 / t2))):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=3e-4, atol=1e-4 * value.max().item())


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.FisherSnedecor(2.0, 3.0)
        e = m.distributions.FisherSnedecor(m.ones(2, 1), 2.0)
        return (
            e.batch_shape,
            d.event_shape,
            d.batch_shape,
            e.sample((5,)).shape,
            repr(d.support),
            d.df1,
            d.df2,
            d.has_rsample,
            repr(d),
        )

    same_as_torch(scenario)


def test_samples_follow_the_f_distribution():
    chainrule.manual_seed(0)
    d = FisherSnedecor(chainrule.tensor(3.0), chainrule.tensor(7.0))
    samples = d.sample((20_000,))
    assert samples.shape == (20_000,) and samples.dtype == chainrule.float32
    assert stats.kstest(samples.numpy(), stats.f(3.0, 7.0).cdf).pvalue > 0.01


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.FisherSnedecor(m.tensor([1.0, 0.0]), 1.0),
        lambda m: m.distributions.FisherSnedecor(1.0, -2.0),
        lambda m: m.distributions.FisherSnedecor(1.0, 1.0).log_prob(m.tensor(-0.5)),
    ],
    ids=["df1", "df2", "value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
