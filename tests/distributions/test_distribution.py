"""The Distribution base: validation switches, warnings, repr and the
methods a family does not have, as PyTorch."""

import warnings

import pytest

import chainrule
from chainrule.distributions import Distribution, Normal

from oracle import raises_like_torch, requires_torch, run_both, same_as_torch


@pytest.fixture
def restore_default_validation():
    yield
    Distribution.set_default_validate_args(True)


@requires_torch
def test_set_default_validate_args_turns_parameter_checks_off_and_on(restore_default_validation):
    def scenario(m):
        m.distributions.Distribution.set_default_validate_args(False)
        scale = m.distributions.Normal(0.0, -1.0).scale
        m.distributions.Distribution.set_default_validate_args(True)
        return scale

    same_as_torch(scenario)
    raises_like_torch(lambda m: m.distributions.Distribution.set_default_validate_args(1.5))


@requires_torch
def test_repr_shows_scalar_parameters_by_value_and_others_by_size():
    theirs, ours = run_both(
        lambda m: (repr(m.distributions.Normal(0.0, 2.0)), repr(m.distributions.Categorical(m.ones(2, 3))))
    )
    assert ours[0] == theirs[0] == "Normal(loc: 0.0, scale: 2.0)"
    assert theirs[1] == "Categorical(probs: torch.Size([2, 3]))"
    assert ours[1] == "Categorical(probs: chainrule.Size([2, 3]))"


@requires_torch
def test_families_without_rsample_raise_not_implemented_error():
    same_as_torch(
        lambda m: [
            d.has_rsample
            for d in (
                m.distributions.Normal(0.0, 1.0),
                m.distributions.Uniform(0.0, 1.0),
                m.distributions.Bernoulli(0.5),
                m.distributions.Categorical(m.ones(2)),
            )
        ]
    )
    raises_like_torch(lambda m: m.distributions.Bernoulli(0.5).rsample())
    raises_like_torch(lambda m: m.distributions.Categorical(m.ones(2)).rsample())


def test_a_subclass_without_constraints_or_support_warns_and_is_not_checked():
    class Coin(Distribution):
        @property
        def variance(self):
            return chainrule.tensor([0.25])

    with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
        coin = Coin()
    with pytest.warns(UserWarning, match="does not define `support`"):
        coin._validate_sample(chainrule.zeros(1))
    assert coin.stddev.item() == 0.5  # the base class's sqrt of the variance
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Coin(validate_args=False)


@requires_torch
def test_log_prob_with_a_value_of_the_wrong_event_shape_is_refused():
    raises_like_torch(
        lambda m: m.distributions.Normal(m.zeros(2, 3), 1.0).log_prob(m.zeros(4, 3)),
        match="Value is not broadcastable with batch_shape\\+event_shape",
    )


def test_validation_is_per_instance():
    d = Normal(0.0, 1.0, validate_args=False)
    assert d.log_prob(chainrule.tensor(float("nan"))).isnan().item()
    assert Normal(0.0, 1.0)._validate_args
