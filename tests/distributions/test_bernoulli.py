"""Bernoulli: log_prob, entropy, moments and their gradients against PyTorch,
with probs or logits; samples statistically; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Bernoulli

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

DTYPES = [np.float32, np.float64]
VALUES = np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 1.0]])  # (2, 4): broadcasts against (3, 1)


def _parameter(parametrisation, dtype, shape=(3, 4)):
    low, high = (0.05, 0.95) if parametrisation == "probs" else (-3, 3)
    return np.random.default_rng(0).uniform(low, high, shape).astype(dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("parametrisation", ["probs", "logits"])
@pytest.mark.parametrize(
    "what",
    [
        lambda m, d: (d.probs, d.logits),
        lambda m, d: d.log_prob(m.tensor(VALUES[:1], dtype=d.probs.dtype)),
        lambda m, d: d.entropy(),
        lambda m, d: (d.mean, d.variance, d.stddev),
    ],
    ids=["both-parametrisations", "log_prob", "entropy", "moments"],
)
def test_values_and_parameter_gradients_match_torch(what, parametrisation, dtype):
    def scenario(m, parameter):
        return what(m, m.distributions.Bernoulli(**{parametrisation: parameter}))

    check_torch(scenario, None, dtype=dtype, arrays=[_parameter(parametrisation, dtype)])
    check_gradcheck(scenario, None, arrays=[_parameter(parametrisation, np.float64)])


@requires_torch
def test_log_prob_broadcasts_the_parameters_against_the_value():
    def scenario(m, probs):
        return m.distributions.Bernoulli(probs).log_prob(m.tensor(VALUES, dtype=m.float32))

    check_torch(scenario, None, arrays=[_parameter("probs", np.float32, (3, 1, 1))])


@requires_torch
def test_probabilities_of_zero_and_one_give_finite_log_probs_where_torch_does():
    def scenario(m, probs):
        d = m.distributions.Bernoulli(probs)
        return d.log_prob(m.tensor([0.0, 1.0, 1.0, 0.0])), d.entropy(), d.logits

    check_torch(scenario, None, arrays=[np.array([0.0, 1.0, 0.5, 0.3], np.float32)])


@requires_torch
def test_number_parameters_and_shapes_match_torch():
    def scenario(m):
        d = m.distributions.Bernoulli(0.3)
        batched = m.distributions.Bernoulli(logits=m.zeros(2, 3, dtype=m.float64))
        return (
            d.batch_shape,
            d.probs,
            d.sample().shape,
            d.sample((4,)).dtype,
            batched.sample((5,)).shape,
            batched.sample().dtype,
            batched.param_shape,
            batched.enumerate_support(),
            batched.enumerate_support(expand=False),
        )

    same_as_torch(scenario)


def test_sample_frequencies_follow_the_probabilities_and_stay_outside_the_graph():
    chainrule.manual_seed(0)
    logits = chainrule.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    samples = Bernoulli(logits=logits).sample((100_000,))
    assert samples.shape == (100_000, 3) and samples.dtype == chainrule.float32
    assert not samples.requires_grad
    assert set(np.unique(samples.numpy())) <= {0.0, 1.0}
    expected = 1 / (1 + np.exp(-np.array([-1.0, 0.0, 2.0])))
    # the standard error of each frequency is below 0.0016
    np.testing.assert_allclose(samples.numpy().mean(0), expected, atol=0.008)


def test_manual_seed_repeats_the_draws():
    d = Bernoulli(chainrule.full((4, 5), 0.5))
    chainrule.manual_seed(2)
    first = d.sample((3,))
    chainrule.manual_seed(2)
    np.testing.assert_array_equal(first.numpy(), d.sample((3,)).numpy())


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.distributions.Bernoulli(),
        lambda m: m.distributions.Bernoulli(probs=0.5, logits=0.0),
        lambda m: m.distributions.Bernoulli(m.tensor([0.5, 1.5])),
        lambda m: m.distributions.Bernoulli(m.tensor([-0.1])),
        lambda m: m.distributions.Bernoulli(logits=m.tensor([float("nan")])),
        lambda m: m.distributions.Bernoulli("0.5"),
    ],
    ids=["neither", "both", "above-one", "negative", "nan-logits", "string"],
)
def test_bad_parameters_are_refused_as_torch(make):
    raises_like_torch(make)


@requires_torch
def test_probs_outside_the_unit_interval_name_the_constraint():
    raises_like_torch(
        lambda m: m.distributions.Bernoulli(m.tensor([0.5, 1.5])),
        match=r"Expected parameter probs .* Interval\(lower_bound=0.0, upper_bound=1.0\)",
    )


@requires_torch
def test_log_prob_refuses_values_other_than_zero_and_one():
    raises_like_torch(
        lambda m: m.distributions.Bernoulli(m.tensor([0.5, 0.5])).log_prob(m.tensor([0.5, 1.0])),
        match=r"within the support \(Boolean\(\)\)",
    )
