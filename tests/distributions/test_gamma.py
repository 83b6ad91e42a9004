"""Gamma and Chi2: log_prob, cdf, entropy, moments and their gradients against
PyTorch; samples statistically; the implicit reparameterisation gradient of
rsample against PyTorch's and against the exact derivative; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Chi2, Gamma
from chainrule.distributions.gamma import StandardGamma

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch, torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(0.3, 4, (3, 4)).astype(dtype),
        rng.uniform(0.5, 2, (3, 4)).astype(dtype),
        rng.uniform(0.1, 4, (3, 4)).astype(dtype),
    ]


WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "entropy": lambda d, x: d.entropy(),
    "moments": lambda d, x: (d.mean, d.variance, d.stddev, d.mode),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_gamma_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, concentration, rate, x):
        return WHATS[what](m.distributions.Gamma(concentration, rate), x)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
@pytest.mark.parametrize("what", WHATS)
def test_chi2_values_and_df_gradients_match_torch(what):
    def scenario(m, df, x):
        d = m.distributions.Chi2(df)
        return WHATS[what](d, x), d.df

    arrays = _parameters(np.float32)[::2]
    check_torch(scenario, None, arrays=arrays)
    check_gradcheck(scenario, None, arrays=[a.astype(np.float64) for a in arrays])


@requires_torch
def test_cdf_matches_torch():
    # torch has no gradient of gammainc in its first argument, so only the value and d/d rate compare
    def scenario(m, concentration, rate, x):
        return m.distributions.Gamma(concentration, rate).cdf(x)

    check_torch(scenario, None, arrays=_parameters(np.float32), requires_grad=[False, True, True])


@requires_torch
def test_shapes_support_and_number_parameters_are_torchs():
    def scenario(m):
        d, e = m.distributions.Gamma(2, 3.0), m.distributions.Gamma(m.ones(2, 1), m.ones(3))
        return d.batch_shape, e.batch_shape, d.concentration, repr(d.support), d.has_rsample, repr(d)

    same_as_torch(scenario)


@requires_torch
def test_rsample_gradient_matches_torchs_standard_gamma_grad():
    concentration = chainrule.tensor([0.2, 0.9, 1.0, 3.5, 20.0, 150.0], requires_grad=True)
    chainrule.manual_seed(0)
    x = StandardGamma.apply(concentration.expand(50, 6))
    x.sum().backward()
    theirs = torch._standard_gamma_grad(
        torch.tensor(concentration.detach().numpy()).expand(50, 6), torch.tensor(x.detach().numpy())
    )
    # PyTorch approximates dF/dalpha (series, asymptotic expansions) to about 1e-4 relative
    np.testing.assert_allclose(concentration.grad.numpy(), theirs.sum(0).numpy(), rtol=3e-4)


def test_rsample_gradient_is_the_exact_implicit_derivative():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    concentration = chainrule.tensor([0.3, 2.5, 40.0], dtype=chainrule.float64, requires_grad=True)
    chainrule.manual_seed(1)
    x = StandardGamma.apply(concentration)
    x.sum().backward()
    for a, xi, grad in zip(concentration.detach().numpy(), x.detach().numpy(), concentration.grad.numpy()):
        cdf_grad = mpmath.diff(lambda alpha, xi=xi: mpmath.gammainc(alpha, 0, xi, regularized=True), a)
        density = mpmath.mpf(xi) ** (a - 1) * mpmath.exp(-xi) / mpmath.gamma(a)
        np.testing.assert_allclose(grad, float(-cdf_grad / density), rtol=1e-7)


def test_rsample_gradient_is_unbiased_for_the_mean():
    concentration = chainrule.tensor([0.5, 3.0], requires_grad=True)
    rate = chainrule.tensor([2.0, 0.5], requires_grad=True)
    chainrule.manual_seed(2)
    z = Gamma(concentration, rate).rsample((100_000,))
    z.mean(0).sum().backward()
    # d E[z] / d concentration = 1 / rate, d E[z] / d rate = -concentration / rate^2
    np.testing.assert_allclose(concentration.grad.numpy(), [0.5, 2.0], rtol=0.02)
    np.testing.assert_allclose(rate.grad.numpy(), [-0.125, -12.0], rtol=0.02)


def test_standard_gamma_is_once_differentiable():
    concentration = chainrule.tensor([2.0], dtype=chainrule.float64, requires_grad=True)
    (grad,) = chainrule.autograd.grad(
        StandardGamma.apply(concentration).sum(), concentration, create_graph=True
    )
    with pytest.raises(RuntimeError):
        grad.sum().backward()


def test_samples_have_the_gamma_moments_and_are_positive():
    chainrule.manual_seed(0)
    d = Gamma(chainrule.tensor([0.5, 4.0]), chainrule.tensor([1.0, 2.0]))
    samples = d.sample((200_000,)).numpy()
    assert samples.dtype == np.float32 and samples.shape == (200_000, 2) and (samples > 0).all()
    # relative standard errors: of the mean below 0.0032, of the variance below 0.01
    np.testing.assert_allclose(samples.mean(0), [0.5, 2.0], rtol=0.02)
    np.testing.assert_allclose(samples.var(0), [0.5, 1.0], rtol=0.03)
    chi2 = Chi2(chainrule.tensor(3.0)).sample((200_000,)).numpy()
    np.testing.assert_allclose([chi2.mean(), chi2.var()], [3.0, 6.0], rtol=0.03)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Gamma(m.tensor([1.0, 0.0]), 1.0),
        lambda m: m.distributions.Gamma(1.0, -2.0),
        lambda m: m.distributions.Gamma(1.0, 1.0).log_prob(m.tensor(-0.5)),
        lambda m: m.distributions.Chi2(m.tensor([-1.0])),
    ],
    ids=["concentration", "rate", "value", "df"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
