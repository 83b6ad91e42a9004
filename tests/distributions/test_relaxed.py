"""RelaxedBernoulli and RelaxedOneHotCategorical (and their logit / log base
distributions): log_prob with gradients in temperature and parameters against
PyTorch, rsample on the same uniform noise, samples, PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import (
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
    relaxed_bernoulli,
    relaxed_categorical,
)

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch, torch

RNG = np.random.default_rng(0)
TEMPERATURE = np.array(0.7)
BERNOULLI_LOGITS, UNIT = RNG.uniform(-2, 2, (3, 4)), RNG.uniform(0.05, 0.95, (3, 4))
LOGITS = RNG.uniform(-2, 2, (2, 4))
SIMPLEX = RNG.dirichlet(np.ones(4), 2)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keyword", ["probs", "logits"])
def test_relaxed_bernoulli_log_prob_matches_torch(keyword, dtype):
    def scenario(m, temperature, param, x):
        d = m.distributions.RelaxedBernoulli(temperature, **{keyword: param})
        base = d.base_dist
        return d.log_prob(x), base.log_prob(x.logit()), d.probs, d.logits, d.temperature, d.batch_shape

    param = BERNOULLI_LOGITS if keyword == "logits" else UNIT[::-1].copy()
    arrays = [TEMPERATURE, param, UNIT]
    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keyword", ["probs", "logits"])
def test_relaxed_one_hot_categorical_log_prob_matches_torch(keyword, dtype):
    def scenario(m, temperature, param, x):
        d = m.distributions.RelaxedOneHotCategorical(temperature, **{keyword: param})
        return d.log_prob(x), d.base_dist.log_prob(x.log()), d.probs, d.logits, d.batch_shape, d.event_shape

    param = LOGITS if keyword == "logits" else np.exp(LOGITS)
    arrays = [TEMPERATURE, param, SIMPLEX]
    check_torch(
        scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays], requires_grad=[1, 1, 0]
    )
    # a finite-difference step in the value leaves the simplex, which validation refuses
    check_gradcheck(scenario, None, arrays=arrays, requires_grad=[1, 1, 0])


@requires_torch
@pytest.mark.parametrize("family", ["RelaxedBernoulli", "RelaxedOneHotCategorical"])
def test_rsample_on_the_same_uniform_noise_matches_torch(family, monkeypatch):
    noise = {}
    monkeypatch.setattr(torch, "rand", lambda shape, **kwargs: noise[torch])
    for module in (relaxed_bernoulli, relaxed_categorical):
        monkeypatch.setattr(module, "rand", lambda shape, **kwargs: noise[chainrule])

    def scenario(m, temperature, logits, u):
        noise[m] = u
        d = getattr(m.distributions, family)(temperature, logits=logits)
        z = d.rsample((5,))
        return z, d.log_prob(z)

    logits = BERNOULLI_LOGITS[0] if family == "RelaxedBernoulli" else LOGITS
    u = RNG.uniform(0.01, 0.99, (5,) + logits.shape)
    arrays = [TEMPERATURE.astype(np.float32), logits.astype(np.float32), u.astype(np.float32)]
    check_torch(scenario, None, arrays=arrays, requires_grad=[1, 1, 0], atol=1e-5, grad_atol=1e-4)


def test_samples_approach_the_discrete_distribution_at_low_temperature():
    chainrule.manual_seed(0)
    probs = chainrule.tensor([0.2, 0.5, 0.3])
    cold = RelaxedOneHotCategorical(chainrule.tensor(0.05), probs).sample((50_000,)).numpy()
    np.testing.assert_allclose(cold.sum(-1), 1.0, rtol=1e-5)
    # standard errors of the frequencies are below 0.0023
    np.testing.assert_allclose((cold == cold.max(-1, keepdims=True)).mean(0), [0.2, 0.5, 0.3], atol=0.012)
    bernoulli = RelaxedBernoulli(chainrule.tensor(0.05), chainrule.tensor([0.3])).sample((50_000,)).numpy()
    assert ((bernoulli > 0) & (bernoulli < 1)).all()
    np.testing.assert_allclose((bernoulli > 0.5).mean(), 0.3, atol=0.012)


def test_rsample_keeps_the_graph_and_sample_does_not():
    logits = chainrule.zeros(3, requires_grad=True)
    d = RelaxedOneHotCategorical(chainrule.tensor(0.5), logits=logits)
    assert d.rsample().requires_grad and not d.sample().requires_grad


@requires_torch
def test_supports_are_torchs():
    def scenario(m):
        t = m.tensor(1.0)
        d, c = (
            m.distributions.RelaxedBernoulli(t, 0.3),
            m.distributions.RelaxedOneHotCategorical(t, m.ones(3)),
        )
        return repr(d.support), repr(c.support), d.has_rsample, c.has_rsample, d.batch_shape

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.RelaxedBernoulli(m.tensor(1.0)),
        lambda m: m.distributions.RelaxedBernoulli(m.tensor(1.0), m.tensor(1.5)),
        lambda m: m.distributions.RelaxedBernoulli(m.tensor(1.0), 0.5).log_prob(m.tensor(1.5)),
        lambda m: m.distributions.RelaxedOneHotCategorical(m.tensor(1.0), m.tensor([-1.0, 1.0])),
        lambda m: m.distributions.RelaxedOneHotCategorical(m.tensor(1.0), m.ones(2)).log_prob(
            m.tensor([0.7, 0.7])
        ),
    ],
    ids=["neither", "probs", "value", "categorical-probs", "categorical-value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario)
