"""kl_divergence for the families beyond the first ones (exponential, Laplace,
gamma, beta, Dirichlet, transformed distributions): values and gradients of both
distributions' parameters against PyTorch, float64 finite differences."""

import numpy as np
import pytest

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch

RNG = np.random.default_rng(0)


def _positive(*shape):
    return RNG.uniform(0.3, 3, shape)


def _real(*shape):
    return RNG.uniform(-2, 2, shape)


# name -> (make p and q from the arrays, arrays)
PAIRS = {
    "exponential": (
        lambda D, a, b: (D.Exponential(a), D.Exponential(b)),
        [_positive(3, 4), _positive(4)],
    ),
    "laplace": (
        lambda D, a, b, c, d: (D.Laplace(a, b), D.Laplace(c, d)),
        [_real(3, 4), _positive(3, 4), _real(4), _positive(3, 1)],
    ),
    "gamma": (
        lambda D, a, b, c, d: (D.Gamma(a, b), D.Gamma(c, d)),
        [_positive(3, 4), _positive(3, 4), _positive(4), _positive(3, 4)],
    ),
    "beta": (
        lambda D, a, b, c, d: (D.Beta(a, b), D.Beta(c, d)),
        [_positive(3, 4), _positive(3, 4), _positive(3, 4), _positive(4)],
    ),
    "dirichlet": (
        lambda D, a, b: (D.Dirichlet(a), D.Dirichlet(b)),
        [_positive(2, 3, 4), _positive(3, 4)],
    ),
    "log-normal": (
        lambda D, a, b, c, d: (D.LogNormal(a, b), D.LogNormal(c, d)),
        [_real(3, 4), _positive(3, 4), _real(3, 4), _positive(3, 4)],
    ),
    "tanh-normal": (
        lambda D, a, b, c, d: (
            D.TransformedDistribution(D.Normal(a, b), [D.transforms.TanhTransform()]),
            D.TransformedDistribution(D.Normal(c, d), [D.transforms.TanhTransform()]),
        ),
        [_real(3, 4), _positive(3, 4), _real(3, 4), _positive(3, 4)],
    ),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pair", PAIRS)
def test_values_and_gradients_of_both_distributions_parameters_match_torch(pair, dtype):
    make, arrays = PAIRS[pair]

    def scenario(m, *parameters):
        return m.distributions.kl_divergence(*make(m.distributions, *parameters))

    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
def test_kl_of_a_distribution_from_itself_is_zero():
    def scenario(m, a, b):
        D = m.distributions
        return D.kl_divergence(D.Gamma(a, b), D.Gamma(a, b)), D.kl_divergence(D.Beta(a, b), D.Beta(a, b))

    check_torch(scenario, None, arrays=[_positive(4).astype(np.float32), _positive(4).astype(np.float32)])


@requires_torch
@pytest.mark.parametrize(
    "pair",
    [
        lambda D: (
            D.TransformedDistribution(D.Normal(0.0, 1.0), [D.transforms.TanhTransform()]),
            D.TransformedDistribution(D.Normal(0.0, 1.0), [D.transforms.ExpTransform()]),
        ),
        lambda D: (D.Laplace(0.0, 1.0), D.Dirichlet(D.Gamma(1.0, 1.0).mean.expand(2))),
    ],
    ids=["different-transforms", "laplace-dirichlet"],
)
def test_pairs_without_a_formula_raise_not_implemented_error(pair):
    raises_like_torch(lambda m: m.distributions.kl_divergence(*pair(m.distributions)))
