"""Normal: log_prob, cdf, icdf, entropy, moments and their gradients against PyTorch;
samples statistically; rsample's reparameterised gradient."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Normal

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

DTYPES = [np.float32, np.float64]


def _parameters(dtype, loc_shape=(3, 4), scale_shape=(3, 4), value_shape=(3, 4)):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(-2, 2, loc_shape).astype(dtype),
        rng.uniform(0.5, 2, scale_shape).astype(dtype),
        rng.uniform(-3, 3, value_shape).astype(dtype),
    ]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "what",
    [
        lambda d, x: d.log_prob(x),
        lambda d, x: d.cdf(x),
        lambda d, x: d.icdf((x + 3) / 6 * 0.98 + 0.01),  # probabilities in [0.01, 0.99]
        lambda d, x: d.entropy(),
        lambda d, x: (d.mean, d.variance, d.stddev, d.mode),
        lambda d, x: d.perplexity(),
    ],
    ids=["log_prob", "cdf", "icdf", "entropy", "moments", "perplexity"],
)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, loc, scale, x):
        return what(m.distributions.Normal(loc, scale), x)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_parameters_broadcast_against_each_other_and_the_value():
    def scenario(m, loc, scale, x):
        d = m.distributions.Normal(loc, scale)
        return d.log_prob(x), d.entropy()

    check_torch(scenario, None, arrays=_parameters(np.float32, (3, 1), (4,), (2, 1, 1)))


@requires_torch
def test_number_parameters_give_a_scalar_of_the_default_dtype():
    def scenario(m):
        d = m.distributions.Normal(0, 2.0)
        return d.batch_shape, d.event_shape, d.loc, d.scale, d.log_prob(m.tensor([0.5, 1.0]))

    same_as_torch(scenario)


@requires_torch
def test_a_number_parameter_takes_the_tensor_parameters_dtype():
    same_as_torch(lambda m: m.distributions.Normal(m.zeros(2, dtype=m.float64), 1).scale)


def test_samples_have_the_batch_shape_behind_the_sample_shape_and_the_right_moments():
    chainrule.manual_seed(0)
    d = Normal(chainrule.tensor([-1.0, 3.0]), chainrule.tensor([0.5, 2.0]))
    samples = d.sample((200_000,))
    assert samples.shape == (200_000, 2) and samples.dtype == chainrule.float32
    assert not samples.requires_grad
    # standard errors of mean and std are below 0.005; 5 of them keeps this from flaking
    np.testing.assert_allclose(samples.numpy().mean(0), [-1.0, 3.0], atol=0.025)
    np.testing.assert_allclose(samples.numpy().std(0), [0.5, 2.0], atol=0.025)
    assert d.sample().shape == (2,)
    assert d.sample([3, 4]).shape == (3, 4, 2)


def test_sample_is_outside_the_graph_even_for_parameters_that_require_grad():
    d = Normal(chainrule.zeros(3, requires_grad=True), 1.0)
    assert not d.sample().requires_grad
    assert d.rsample().requires_grad


def test_manual_seed_repeats_the_draws():
    d = Normal(chainrule.zeros(5, dtype=chainrule.float64), 1.0)
    chainrule.manual_seed(3)
    first = d.sample((2,)), d.rsample()
    chainrule.manual_seed(3)
    second = d.sample((2,)), d.rsample()
    for a, b in zip(first, second):
        assert a.dtype == chainrule.float64
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("dtype", [chainrule.float32, chainrule.float64])
def test_rsample_gradient_is_one_for_loc_and_the_standard_draw_for_scale(dtype):
    loc = chainrule.tensor([0.5, -1.0, 2.0], dtype=dtype, requires_grad=True)
    scale = chainrule.tensor([1.5, 0.2, 3.0], dtype=dtype, requires_grad=True)
    chainrule.manual_seed(1)
    z = Normal(loc, scale).rsample((4,))
    assert z.shape == (4, 3) and z.dtype == dtype
    z.sum().backward()
    eps = (z.detach().numpy() - loc.detach().numpy()) / scale.detach().numpy()
    np.testing.assert_allclose(loc.grad.numpy(), [4.0, 4.0, 4.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("scale", [0.0, -1.0, float("nan")])
def test_a_scale_that_is_not_positive_is_refused(scale):
    raises_like_torch(
        lambda m: m.distributions.Normal(m.zeros(2), m.tensor([1.0, scale])),
        match=r"Expected parameter scale \(Tensor of shape \(2,\)\) .* GreaterThan\(lower_bound=0.0\)",
    )


@requires_torch
def test_a_nan_loc_is_refused_and_validate_args_false_turns_the_checks_off():
    raises_like_torch(lambda m: m.distributions.Normal(float("nan"), 1.0), match="constraint Real()")
    same_as_torch(lambda m: m.distributions.Normal(0.0, -1.0, validate_args=False).scale)
    same_as_torch(lambda m: m.distributions.Normal(0.0, 1.0, validate_args=False).log_prob(m.tensor(0.5)))


@requires_torch
@pytest.mark.parametrize(
    "value",
    [lambda m: 0.5, lambda m: m.zeros(3), lambda m: m.tensor(float("nan"))],
    ids=["number", "unbroadcastable", "nan"],
)
def test_log_prob_refuses_values_as_torch(value):
    raises_like_torch(lambda m: m.distributions.Normal(m.zeros(2), 1.0).log_prob(value(m)))


@requires_torch
def test_parameters_that_are_neither_tensors_nor_numbers_are_refused():
    raises_like_torch(lambda m: m.distributions.Normal([0.0], 1.0), match="Input arguments must all be")
