"""Categorical: normalisation, log_prob, entropy, moments and their gradients
against PyTorch; sample shapes, dtype and frequencies; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Categorical

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

DTYPES = [np.float32, np.float64]


def _probs(dtype, shape=(3, 4)):
    return np.random.default_rng(0).uniform(0.1, 2, shape).astype(dtype)  # unnormalised on purpose


def _logits(dtype, shape=(3, 4)):
    return np.random.default_rng(1).uniform(-3, 3, shape).astype(dtype)


VALUES = np.array([[0, 3, 1], [2, 2, 0]], dtype=np.int64)  # (2, 3): broadcasts against batch (3,)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("parametrisation", ["probs", "logits"])
@pytest.mark.parametrize(
    "what",
    [
        lambda m, d: (d.probs, d.logits),
        lambda m, d: d.log_prob(m.tensor(VALUES)),
        lambda m, d: d.entropy(),
        lambda m, d: d.perplexity(),
    ],
    ids=["normalised", "log_prob", "entropy", "perplexity"],
)
def test_values_and_parameter_gradients_match_torch(what, parametrisation, dtype):
    def scenario(m, parameter):
        return what(m, m.distributions.Categorical(**{parametrisation: parameter}))

    make = _probs if parametrisation == "probs" else _logits
    check_torch(scenario, None, dtype=dtype, arrays=[make(dtype)])
    check_gradcheck(scenario, None, arrays=[make(np.float64)])


@requires_torch
def test_mean_and_variance_are_nan_and_the_mode_is_the_most_likely_class():
    def scenario(m):
        d = m.distributions.Categorical(m.tensor([[1.0, 3.0, 2.0], [4.0, 0.0, 1.0]]))
        return d.mean, d.variance, d.mode

    same_as_torch(scenario)


@requires_torch
def test_zero_probabilities_give_minus_inf_log_prob_and_no_nan_entropy():
    def scenario(m, probs):
        d = m.distributions.Categorical(probs)
        return d.log_prob(m.tensor([0, 1])), d.entropy()

    check_torch(scenario, None, arrays=[np.array([[0.0, 1.0, 3.0], [2.0, 2.0, 0.0]], np.float32)])


@requires_torch
@pytest.mark.parametrize("batch", [(), (5,), (2, 3)])
def test_shapes_match_torch(batch):
    def scenario(m):
        d = m.distributions.Categorical(logits=m.zeros(*batch, 4))
        return (
            d.batch_shape,
            d.event_shape,
            d.param_shape,
            d.sample().shape,
            d.sample((7,)).shape,
            d.sample((2, 1)).shape,
            d.sample().dtype,
            d.enumerate_support(),
            d.enumerate_support(expand=False),
        )

    same_as_torch(scenario)


def test_sample_frequencies_follow_the_normalised_probabilities():
    chainrule.manual_seed(0)
    d = Categorical(chainrule.tensor([[1.0, 2.0, 7.0], [5.0, 0.0, 5.0]]))
    samples = d.sample((100_000,))
    assert samples.shape == (100_000, 2) and samples.dtype == chainrule.int64
    counts = np.stack([np.bincount(samples.numpy()[:, i], minlength=3) for i in range(2)]) / 100_000
    # the standard error of each frequency is below 0.0016
    np.testing.assert_allclose(counts, [[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]], atol=0.008)


def test_manual_seed_repeats_the_draws():
    d = Categorical(logits=chainrule.zeros(3, 10))
    chainrule.manual_seed(4)
    first = d.sample((5,))
    chainrule.manual_seed(4)
    np.testing.assert_array_equal(first.numpy(), d.sample((5,)).numpy())


def test_reinforce_step_sends_the_log_prob_gradient_to_the_policy():
    # PyTorch's examples/reinforcement_learning/reinforce.py, one step
    chainrule.manual_seed(0)
    logits = chainrule.tensor([0.2, -0.4, 1.0], requires_grad=True)
    m = Categorical(chainrule.softmax(logits, dim=0))
    action = m.sample()
    (-m.log_prob(action) * 2.0).backward()
    expected = -2.0 * (np.eye(3)[action.item()] - chainrule.softmax(logits, dim=0).detach().numpy())
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.distributions.Categorical(),
        lambda m: m.distributions.Categorical(probs=m.ones(2), logits=m.ones(2)),
        lambda m: m.distributions.Categorical(m.tensor(1.0)),
        lambda m: m.distributions.Categorical(logits=m.tensor(1.0)),
        lambda m: m.distributions.Categorical(m.tensor([0.5, -0.1, 0.6])),
        lambda m: m.distributions.Categorical(logits=m.tensor([0.5, float("nan")])),
    ],
    ids=["neither", "both", "scalar-probs", "scalar-logits", "negative-probs", "nan-logits"],
)
def test_bad_parameters_are_refused_as_torch(make):
    raises_like_torch(make)


@requires_torch
def test_negative_probs_name_the_simplex_constraint():
    raises_like_torch(
        lambda m: m.distributions.Categorical(m.tensor([0.5, -0.1, 0.6])),
        match=r"Expected parameter probs \(Tensor of shape \(3,\)\) .* constraint Simplex\(\)",
    )


@requires_torch
@pytest.mark.parametrize("value", [[3], [-1], [0.5]], ids=["too-big", "negative", "fraction"])
def test_log_prob_refuses_values_outside_the_support(value):
    raises_like_torch(
        lambda m: m.distributions.Categorical(m.ones(3)).log_prob(m.tensor(value)),
        match=r"within the support \(IntegerInterval\(lower_bound=0, upper_bound=2\)\)",
    )
