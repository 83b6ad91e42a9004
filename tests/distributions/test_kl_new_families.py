"""kl_divergence for the pairs PyTorch registers with ContinuousBernoulli and Pareto:
values and gradients of both distributions' parameters against PyTorch (float32,
float64), including where the divergence is infinite, and float64 finite differences
where it is finite."""

import numpy as np
import pytest

from oracle import check_gradcheck, check_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)


def _uniform(low, high, shape=(3, 4)):
    return RNG.uniform(low, high, shape)


def _cb_probs(shape=(3, 4)):
    """Probabilities outside (0.4, 0.6): near 1/2 the continuous Bernoulli's entropy cancels to
    ~1e-4 and float32 keeps only a few digits of its gradient, in PyTorch as in chainrule."""
    x = RNG.uniform(0.15, 0.85, shape)
    return np.where(x < 0.5, x - 0.1, x + 0.1)


# name -> (make p and q from the arrays, arrays where KL is finite, arrays with infinite entries too)
PAIRS = {
    "cb-cb": (
        lambda D, a, b: (D.ContinuousBernoulli(probs=a), D.ContinuousBernoulli(logits=(b / (1 - b)).log())),
        [_cb_probs(), _cb_probs((4,))],
        None,
    ),
    "beta-cb": (
        lambda D, a, b, c: (D.Beta(a, b), D.ContinuousBernoulli(probs=c)),
        [_uniform(0.5, 3), _uniform(0.5, 3), _cb_probs()],
        None,
    ),
    "uniform-cb": (
        lambda D, a, b, c: (D.Uniform(a, b), D.ContinuousBernoulli(probs=c)),
        [_uniform(0.05, 0.4), _uniform(0.5, 0.95), _cb_probs()],
        [_uniform(-0.2, 0.4), _uniform(0.5, 1.2), _cb_probs()],
    ),
    "cb-exponential": (
        lambda D, a, b: (D.ContinuousBernoulli(probs=a), D.Exponential(b)),
        [_cb_probs(), _uniform(0.3, 3)],
        None,
    ),
    "cb-normal": (
        lambda D, a, b, c: (D.ContinuousBernoulli(probs=a), D.Normal(b, c)),
        [_cb_probs(), _uniform(-2, 2), _uniform(0.3, 3)],
        None,
    ),
    "cb-uniform": (
        lambda D, a, b, c: (D.ContinuousBernoulli(probs=a), D.Uniform(b, c)),
        [_cb_probs(), _uniform(-1.5, -0.1), _uniform(1.1, 2)],
        [_cb_probs(), _uniform(-0.5, 0.2), _uniform(0.8, 1.5)],
    ),
    "pareto-pareto": (
        lambda D, a, b, c, d: (D.Pareto(a, b), D.Pareto(c, d)),
        [_uniform(1.5, 3), _uniform(0.5, 4), _uniform(0.5, 1.4), _uniform(0.5, 4)],
        [_uniform(0.5, 2), _uniform(0.5, 4), _uniform(0.5, 2), _uniform(0.5, 4)],
    ),
    "pareto-exponential": (
        lambda D, a, b, c: (D.Pareto(a, b), D.Exponential(c)),
        [_uniform(0.5, 2), _uniform(1.1, 4), _uniform(0.3, 3)],
        [_uniform(0.5, 2), _uniform(0.5, 4), _uniform(0.3, 3)],
    ),
    "pareto-gamma": (
        lambda D, a, b, c, d: (D.Pareto(a, b), D.Gamma(c, d)),
        [_uniform(0.5, 2), _uniform(1.1, 4), _uniform(0.5, 3), _uniform(0.3, 3)],
        [_uniform(0.5, 2), _uniform(0.5, 4), _uniform(0.5, 3), _uniform(0.3, 3)],
    ),
    "pareto-normal": (
        lambda D, a, b, c, d: (D.Pareto(a, b), D.Normal(c, d)),
        [_uniform(0.5, 2), _uniform(2.1, 5), _uniform(-2, 2), _uniform(0.3, 3)],
        [_uniform(0.5, 2), _uniform(1.5, 5), _uniform(-2, 2), _uniform(0.3, 3)],
    ),
    "uniform-pareto": (
        lambda D, a, b, c, d: (D.Uniform(a, a + b), D.Pareto(c, d)),
        [_uniform(1.5, 2), _uniform(0.5, 2), _uniform(0.5, 1.4), _uniform(0.5, 4)],
        [_uniform(0.5, 2), _uniform(0.5, 2), _uniform(0.5, 1.5), _uniform(0.5, 4)],
    ),
}


def _scenario(make):
    def scenario(m, *parameters):
        return m.distributions.kl_divergence(*make(m.distributions, *parameters))

    return scenario


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pair", PAIRS)
def test_values_and_gradients_match_torch(pair, dtype):
    make, finite, mixed = PAIRS[pair]
    for arrays in (finite, mixed) if mixed else (finite,):
        check_torch(_scenario(make), None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    check_gradcheck(_scenario(make), None, arrays=finite)


@requires_torch
@pytest.mark.parametrize("pair", [name for name, (_, _, mixed) in PAIRS.items() if mixed])
def test_the_mixed_parameters_give_both_finite_and_infinite_divergences(pair):
    make, _, mixed = PAIRS[pair]

    def scenario(m):
        kl = _scenario(make)(m, *(m.tensor(a) for a in mixed))
        return kl.isinf().any(), kl.isfinite().any()

    same_as_torch(scenario)


INFINITE = {
    "beta-pareto": lambda D: (D.Beta(2.0, 3.0), D.Pareto(1.0, 2.0)),
    "cb-pareto": lambda D: (D.ContinuousBernoulli(0.3), D.Pareto(1.0, 2.0)),
    "exponential-cb": lambda D: (D.Exponential(2.0), D.ContinuousBernoulli(0.3)),
    "exponential-pareto": lambda D: (D.Exponential(2.0), D.Pareto(1.0, 2.0)),
    "gamma-cb": lambda D: (D.Gamma(2.0, 3.0), D.ContinuousBernoulli(0.3)),
    "gamma-pareto": lambda D: (D.Gamma(2.0, 3.0), D.Pareto(1.0, 2.0)),
    "gumbel-cb": lambda D: (D.Gumbel(0.0, 1.0), D.ContinuousBernoulli(0.3)),
    "gumbel-pareto": lambda D: (D.Gumbel(0.0, 1.0), D.Pareto(1.0, 2.0)),
    "laplace-cb": lambda D: (D.Laplace(0.0, 1.0), D.ContinuousBernoulli(0.3)),
    "laplace-pareto": lambda D: (D.Laplace(0.0, 1.0), D.Pareto(1.0, 2.0)),
    "normal-cb": lambda D: (D.Normal(0.0, 1.0), D.ContinuousBernoulli(0.3)),
    "normal-pareto": lambda D: (D.Normal(0.0, 1.0), D.Pareto(1.0, 2.0)),
    "pareto-beta": lambda D: (D.Pareto(1.0, 2.0), D.Beta(2.0, 3.0)),
    "pareto-cb": lambda D: (D.Pareto(1.0, 2.0), D.ContinuousBernoulli(0.3)),
    "pareto-uniform": lambda D: (D.Pareto(1.0, 2.0), D.Uniform(0.0, 5.0)),
}


@requires_torch
@pytest.mark.parametrize("pair", INFINITE)
def test_pairs_with_mass_outside_the_other_support_are_infinite(pair):
    def scenario(m):
        p, q = INFINITE[pair](m.distributions)
        return m.distributions.kl_divergence(p, q), m.distributions.kl_divergence(p.expand((2,)), q)

    same_as_torch(scenario)
