"""Dirichlet and Beta: log_prob, entropy, moments and their gradients against
PyTorch; samples statistically; rsample's gradient; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Beta, Dirichlet

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
CONCENTRATION = RNG.uniform(0.3, 4, (2, 3, 4))
SIMPLEX = RNG.dirichlet(np.ones(4), (2, 3))
A, B, UNIT = RNG.uniform(0.3, 4, (3, 4)), RNG.uniform(0.3, 4, (3, 4)), RNG.uniform(0.05, 0.95, (3, 4))

WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "entropy": lambda d, x: d.entropy(),
    "moments": lambda d, x: (d.mean, d.variance, d.stddev, d.mode),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_dirichlet_values_and_gradients_match_torch(what, dtype):
    def scenario(m, concentration, x):
        return WHATS[what](m.distributions.Dirichlet(concentration), x)

    arrays = [CONCENTRATION, SIMPLEX]
    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    # a finite-difference step in the value leaves the simplex, which validation refuses
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[True, False])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_beta_values_and_gradients_match_torch(what, dtype):
    def scenario(m, a, b, x):
        d = m.distributions.Beta(a, b)
        return WHATS[what](d, x), d.concentration1, d.concentration0

    arrays = [A, B, UNIT]
    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
def test_the_mode_is_a_corner_where_every_concentration_is_below_one():
    def scenario(m, concentration):
        return m.distributions.Dirichlet(concentration).mode, m.distributions.Beta(0.5, 0.7).mode

    check_torch(scenario, None, arrays=[np.array([[0.5, 0.8, 0.3], [2.0, 0.5, 3.0]], np.float32)])


@requires_torch
def test_shapes_support_and_number_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.Dirichlet(m.ones(2, 3))
        b, c = m.distributions.Beta(2, 3.0), m.distributions.Beta(m.ones(2, 1), 2.0)
        return (
            d.batch_shape,
            d.event_shape,
            repr(d.support),
            b.batch_shape,
            b.concentration1,
            c.batch_shape,
            repr(b.support),
            d.has_rsample and b.has_rsample,
        )

    same_as_torch(scenario)


def test_samples_lie_on_the_simplex_with_the_dirichlet_moments():
    chainrule.manual_seed(0)
    concentration = np.array([0.5, 2.0, 4.0])
    samples = Dirichlet(chainrule.tensor(concentration)).sample((100_000,)).numpy()
    assert samples.shape == (100_000, 3) and samples.dtype == np.float64
    np.testing.assert_allclose(samples.sum(-1), 1.0, rtol=1e-12)
    total = concentration.sum()
    # standard errors of the means are below 0.0006 and of the variances below 2%/5
    np.testing.assert_allclose(samples.mean(0), concentration / total, atol=0.003)
    variance = concentration * (total - concentration) / (total**2 * (total + 1))
    np.testing.assert_allclose(samples.var(0), variance, rtol=0.02)
    beta = Beta(chainrule.tensor(2.0), chainrule.tensor(5.0)).sample((100_000,)).numpy()
    np.testing.assert_allclose([beta.mean(), beta.var()], [2 / 7, 10 / (49 * 8)], rtol=0.02)


def test_rsample_gradient_is_unbiased_for_the_mean():
    a = chainrule.tensor([0.5, 3.0], requires_grad=True)
    b = chainrule.tensor([2.0, 1.5], requires_grad=True)
    chainrule.manual_seed(1)
    Beta(a, b).rsample((200_000,)).mean(0).sum().backward()
    # E[x] = a / (a + b): d/da = b / (a + b)^2, d/db = -a / (a + b)^2
    an, bn = np.array([0.5, 3.0]), np.array([2.0, 1.5])
    np.testing.assert_allclose(a.grad.numpy(), bn / (an + bn) ** 2, rtol=0.03)
    np.testing.assert_allclose(b.grad.numpy(), -an / (an + bn) ** 2, rtol=0.03)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Dirichlet(m.tensor(1.0)),
        lambda m: m.distributions.Dirichlet(m.tensor([1.0, -1.0])),
        lambda m: m.distributions.Dirichlet(m.ones(3)).log_prob(m.tensor([0.5, 0.6, 0.1])),
        lambda m: m.distributions.Beta(1.0, 0.0),
        lambda m: m.distributions.Beta(1.0, 1.0).log_prob(m.tensor(1.5)),
    ],
    ids=["dirichlet-scalar", "dirichlet-negative", "dirichlet-value", "beta-zero", "beta-value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)


@requires_torch
def test_messages_are_torchs():
    raises_like_torch(
        lambda m: m.distributions.Dirichlet(m.tensor(1.0)),
        match="`concentration` parameter must be at least one-dimensional.",
    )
    raises_like_torch(
        lambda m: m.distributions.Beta(1.0, -1.0),
        match=r"Expected parameter concentration \(Tensor of shape \(2,\)\)",
    )
