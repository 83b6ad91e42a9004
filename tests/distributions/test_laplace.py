"""Laplace: log_prob, cdf, icdf, entropy, moments and their gradients against
PyTorch; samples statistically; rsample's gradient; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Laplace

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(-2, 2, (3, 4)).astype(dtype),
        rng.uniform(0.5, 2, (3, 4)).astype(dtype),
        rng.uniform(-3, 3, (3, 4)).astype(dtype),
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
    def scenario(m, loc, scale, x, q):
        return what(m.distributions.Laplace(loc, scale), x, q)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_shapes_and_number_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.Laplace(0, 2.0)
        e = m.distributions.Laplace(m.zeros(3, 1), m.ones(2))
        return d.batch_shape, e.batch_shape, d.loc, d.scale, repr(d.support), d.has_rsample

    same_as_torch(scenario)


def test_samples_have_the_laplace_moments_and_rsample_is_loc_plus_scale_times_a_standard_draw():
    chainrule.manual_seed(0)
    loc = chainrule.tensor([-1.0, 3.0], requires_grad=True)
    scale = chainrule.tensor([0.5, 2.0], requires_grad=True)
    samples = Laplace(loc, scale).sample((200_000,)).numpy()
    # standard error of the mean is scale * 0.0032, of the std about scale * 0.006
    np.testing.assert_allclose(samples.mean(0), [-1.0, 3.0], atol=0.04)
    np.testing.assert_allclose(samples.std(0), [0.5 * 2**0.5, 2.0 * 2**0.5], rtol=0.03)
    z = Laplace(loc, scale).rsample((4,))
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [4.0, 4.0])
    standard = (z.detach().numpy() - loc.detach().numpy()) / scale.detach().numpy()
    np.testing.assert_allclose(scale.grad.numpy(), standard.sum(0), rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Laplace(0.0, m.tensor([1.0, -1.0])),
        lambda m: m.distributions.Laplace(float("nan"), 1.0),
        lambda m: m.distributions.Laplace(m.zeros(2), 1.0).log_prob(m.zeros(3)),
    ],
    ids=["scale", "loc", "value-shape"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)
