"""NegativeBinomial: log_prob and moments and their gradients against PyTorch, by probs
and by logits; samples statistically; PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import NegativeBinomial

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(0.5, 6, (3, 4)).astype(dtype),  # total_count
        rng.uniform(0.1, 0.9, (3, 4)).astype(dtype),  # probs
        rng.integers(0, 8, (3, 4)).astype(dtype),  # value
    ]


WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "moments": lambda d, x: (d.mean, d.variance, d.stddev, d.mode),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("parameter", ["probs", "logits"])
@pytest.mark.parametrize("what", WHATS)
def test_values_and_parameter_gradients_match_torch(what, parameter, dtype):
    def scenario(m, total_count, p, x):
        d = m.distributions.NegativeBinomial(
            total_count, **{parameter: p if parameter == "probs" else p.logit()}
        )
        return WHATS[what](d, x)

    # the value is a count: no gradient
    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype), requires_grad=[True, True, False])
    check_gradcheck(scenario, None, arrays=_parameters(np.float64), requires_grad=[True, True, False])


@requires_torch
def test_zero_total_count_at_zero_has_probability_one():
    def scenario(m):
        return m.distributions.NegativeBinomial(m.tensor([0.0, 2.0]), probs=m.tensor(0.3)).log_prob(
            m.tensor(0.0)
        )

    same_as_torch(scenario)


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.NegativeBinomial(3.0, logits=m.tensor(0.2))
        e = m.distributions.NegativeBinomial(m.ones(2, 1), probs=m.full((3,), 0.25))
        return (
            e.batch_shape,
            d.event_shape,
            d.batch_shape,
            e.sample((5,)).shape,
            repr(d.support),
            d.probs,
            e.logits,
            e.param_shape,
            d.has_rsample,
            repr(d.arg_constraints["probs"]),
        )

    same_as_torch(scenario)


def test_samples_have_the_negative_binomial_moments():
    chainrule.manual_seed(0)
    d = NegativeBinomial(chainrule.tensor([2.5, 10.0]), probs=chainrule.tensor([0.3, 0.6]))
    samples = d.sample((100_000,)).numpy()
    assert samples.shape == (100_000, 2) and (samples == np.round(samples)).all() and (samples >= 0).all()
    # mean r p / (1 - p), variance mean / (1 - p); relative standard errors below 0.6%
    np.testing.assert_allclose(samples.mean(0), [2.5 * 0.3 / 0.7, 15.0], rtol=0.02)
    np.testing.assert_allclose(samples.var(0), [2.5 * 0.3 / 0.49, 37.5], rtol=0.03)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.NegativeBinomial(m.tensor([1.0, -1.0]), probs=m.tensor(0.5)),
        lambda m: m.distributions.NegativeBinomial(1.0, probs=m.tensor(1.0)),
        lambda m: m.distributions.NegativeBinomial(1.0, probs=m.tensor(0.5)).log_prob(m.tensor(1.5)),
    ],
    ids=["total_count", "probs-one", "value-not-integer"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")


@requires_torch
def test_probs_and_logits_together_are_refused():
    raises_like_torch(
        lambda m: m.distributions.NegativeBinomial(1.0, probs=m.tensor(0.5), logits=m.tensor(0.0)),
        match="Either `probs` or `logits`",
    )
