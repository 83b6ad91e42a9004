"""Uniform: log_prob, cdf, icdf, entropy, moments and their gradients against PyTorch;
samples statistically; rsample's gradient; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Uniform

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

DTYPES = [np.float32, np.float64]


def _parameters(dtype, low_shape=(3, 4), high_shape=(3, 4), value_shape=(3, 4)):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(-2, -1, low_shape).astype(dtype),
        rng.uniform(1, 3, high_shape).astype(dtype),
        rng.uniform(-0.9, 0.9, value_shape).astype(dtype),
    ]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "what",
    [
        lambda d, x: d.log_prob(x),
        lambda d, x: d.cdf(x),
        lambda d, x: d.entropy(),
        lambda d, x: (d.mean, d.variance, d.stddev),
        lambda d, x: d.icdf((x + 1) / 2),
    ],
    ids=["log_prob", "cdf", "entropy", "moments", "icdf"],
)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, low, high, x):
        return what(m.distributions.Uniform(low, high), x)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_parameters_broadcast_and_values_outside_give_minus_inf_without_validation():
    def scenario(m, low, high, x):
        d = m.distributions.Uniform(low, high, validate_args=False)
        return d.log_prob(x * 3), d.cdf(x * 3), d.mode

    check_torch(scenario, None, arrays=_parameters(np.float32, (3, 1), (4,), (2, 1, 1)))


def test_samples_lie_in_the_interval_with_the_right_moments():
    chainrule.manual_seed(0)
    d = Uniform(chainrule.tensor([0.0, -3.0]), chainrule.tensor([1.0, 5.0]))
    samples = d.sample((200_000,)).numpy()
    assert samples.shape == (200_000, 2) and samples.dtype == np.float32
    assert (samples >= [0.0, -3.0]).all() and (samples < [1.0, 5.0]).all()
    # the standard error of the mean is below 0.006
    np.testing.assert_allclose(samples.mean(0), [0.5, 1.0], atol=0.03)
    np.testing.assert_allclose(samples.var(0), [1 / 12, 64 / 12], rtol=0.02)


def test_rsample_gradient_is_one_minus_u_for_low_and_u_for_high():
    low = chainrule.tensor([0.0, -2.0], dtype=chainrule.float64, requires_grad=True)
    high = chainrule.tensor([1.0, 6.0], dtype=chainrule.float64, requires_grad=True)
    chainrule.manual_seed(5)
    z = Uniform(low, high).rsample((3,))
    z.sum().backward()
    u = (z.detach().numpy() - low.detach().numpy()) / (high - low).detach().numpy()
    np.testing.assert_allclose(high.grad.numpy(), u.sum(0), rtol=1e-10)
    np.testing.assert_allclose(low.grad.numpy(), (1 - u).sum(0), rtol=1e-10)
    chainrule.manual_seed(5)
    np.testing.assert_array_equal(Uniform(low, high).sample((3,)).numpy(), z.detach().numpy())


@requires_torch
def test_number_parameters_and_shapes_match_torch():
    def scenario(m):
        d = m.distributions.Uniform(0, 2.0)
        return d.batch_shape, d.low, d.high, d.sample().shape, d.sample((2, 3)).shape, d.rsample().dtype

    same_as_torch(scenario)


@requires_torch
def test_low_not_below_high_is_refused():
    raises_like_torch(
        lambda m: m.distributions.Uniform(m.tensor([0.0, 2.0]), m.tensor([1.0, 2.0])),
        match=r"Expected parameter low \(Tensor of shape \(2,\)\) .* constraint LessThan",
    )


@requires_torch
def test_log_prob_refuses_values_outside_the_interval():
    raises_like_torch(
        lambda m: m.distributions.Uniform(0.0, 1.0).log_prob(m.tensor(1.5)),
        match=r"within the support \(Interval",
    )
