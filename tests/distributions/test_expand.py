"""Distribution.expand: for every family, the expanded distribution's shapes, parameters,
samples and log_prob (and the gradients reaching the original parameters) against
PyTorch in float32 and float64 and float64 finite differences; PyTorch's errors for
a shape the parameters cannot be expanded to."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Normal

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
A = RNG.uniform(0.2, 0.8, (2,))  # in (0, 1): probabilities, locations, small positives
B = RNG.uniform(1.5, 3.0, (2,))  # above 1: concentrations, scales, degrees of freedom
V = RNG.uniform(-1.5, 1.5, (2, 3))  # a (2, 3) parameter: logits, locations of vector families
UNIT = RNG.uniform(0.1, 0.9, (3, 2))
POSITIVE = RNG.uniform(0.5, 4.0, (3, 2))
REAL = RNG.uniform(-2.0, 2.0, (3, 2))
COUNT = RNG.integers(0, 3, (3, 2)).astype(float)
SIMPLEX = RNG.dirichlet(np.ones(3), (3, 2))
ONE_HOT = np.eye(3)[RNG.integers(0, 3, (3, 2))]
INDEX = RNG.integers(0, 3, (3, 2))


def _scale_tril(m, v):
    """A lower-triangular factor with a positive diagonal, a function of v."""
    return (v[..., :, None] * v[..., None, :] * 0.1).tril(-1) + m.diag_embed(v.exp())


def _d(m):
    return m.distributions


# family: (build(m, a, b, v) over batch (2,), the value to score over batch (3, 2))
FAMILIES = {
    "Normal": (lambda m, a, b, v: _d(m).Normal(a, b), REAL),
    "Bernoulli_probs": (lambda m, a, b, v: _d(m).Bernoulli(probs=a), COUNT.clip(0, 1)),
    "Bernoulli_logits": (lambda m, a, b, v: _d(m).Bernoulli(logits=b), COUNT.clip(0, 1)),
    "Categorical_probs": (lambda m, a, b, v: _d(m).Categorical(probs=v.softmax(-1)), INDEX),
    "Categorical_logits": (lambda m, a, b, v: _d(m).Categorical(logits=v), INDEX),
    "OneHotCategorical": (lambda m, a, b, v: _d(m).OneHotCategorical(logits=v), ONE_HOT),
    "Multinomial": (lambda m, a, b, v: _d(m).Multinomial(1, logits=v), ONE_HOT),
    "Binomial": (lambda m, a, b, v: _d(m).Binomial(3, probs=a), COUNT),
    "NegativeBinomial": (lambda m, a, b, v: _d(m).NegativeBinomial(b, logits=a), COUNT),
    "Geometric": (lambda m, a, b, v: _d(m).Geometric(probs=a), COUNT),
    "Poisson": (lambda m, a, b, v: _d(m).Poisson(b), COUNT),
    "Gamma": (lambda m, a, b, v: _d(m).Gamma(b, a), POSITIVE),
    "Chi2": (lambda m, a, b, v: _d(m).Chi2(b), POSITIVE),
    "Exponential": (lambda m, a, b, v: _d(m).Exponential(b), POSITIVE),
    "InverseGamma": (lambda m, a, b, v: _d(m).InverseGamma(b, a), POSITIVE),
    "Beta": (lambda m, a, b, v: _d(m).Beta(a + 1, b), UNIT),
    "Kumaraswamy": (lambda m, a, b, v: _d(m).Kumaraswamy(a + 1, b), UNIT),
    "ContinuousBernoulli": (lambda m, a, b, v: _d(m).ContinuousBernoulli(probs=a), UNIT),
    "Dirichlet": (lambda m, a, b, v: _d(m).Dirichlet(v.exp()), SIMPLEX),
    "Uniform": (lambda m, a, b, v: _d(m).Uniform(-a, b), UNIT),
    "Laplace": (lambda m, a, b, v: _d(m).Laplace(a, b), REAL),
    "Cauchy": (lambda m, a, b, v: _d(m).Cauchy(a, b), REAL),
    "Gumbel": (lambda m, a, b, v: _d(m).Gumbel(a, b), REAL),
    "StudentT": (lambda m, a, b, v: _d(m).StudentT(b, a, b), REAL),
    "VonMises": (lambda m, a, b, v: _d(m).VonMises(a, b), REAL),
    "HalfNormal": (lambda m, a, b, v: _d(m).HalfNormal(b), POSITIVE),
    "HalfCauchy": (lambda m, a, b, v: _d(m).HalfCauchy(b), POSITIVE),
    "LogNormal": (lambda m, a, b, v: _d(m).LogNormal(a, b), POSITIVE),
    "Weibull": (lambda m, a, b, v: _d(m).Weibull(b, a + 1), POSITIVE),
    "Pareto": (lambda m, a, b, v: _d(m).Pareto(a, b), POSITIVE + 1),
    "FisherSnedecor": (lambda m, a, b, v: _d(m).FisherSnedecor(b, b + 3), POSITIVE),
    "RelaxedBernoulli": (
        lambda m, a, b, v: _d(m).RelaxedBernoulli(m.tensor(0.5, dtype=a.dtype), probs=a),
        UNIT,
    ),
    "RelaxedOneHotCategorical": (
        lambda m, a, b, v: _d(m).RelaxedOneHotCategorical(m.tensor(0.5, dtype=a.dtype), logits=v),
        SIMPLEX,
    ),
    "MultivariateNormal_scale_tril": (
        lambda m, a, b, v: _d(m).MultivariateNormal(v, scale_tril=_scale_tril(m, v)),
        REAL[..., None] + V,
    ),
    "MultivariateNormal_covariance": (
        lambda m, a, b, v: _d(m).MultivariateNormal(a[:, None] * v, _scale_tril(m, v) @ _scale_tril(m, v).mT),
        REAL[..., None] + V,
    ),
    "MultivariateNormal_unbroadcast": (
        lambda m, a, b, v: _d(m).MultivariateNormal(v, scale_tril=_scale_tril(m, v[0])),
        REAL[..., None] + V,
    ),
    "Independent": (
        lambda m, a, b, v: _d(m).Independent(_d(m).Normal(v, b[:, None]), 1),
        REAL[..., None] + V,
    ),
    "MixtureSameFamily": (
        lambda m, a, b, v: _d(m).MixtureSameFamily(_d(m).Categorical(logits=v), _d(m).Normal(v, b[:, None])),
        REAL,
    ),
}


def _expanded_log_prob(family):
    build, value = FAMILIES[family]

    def scenario(m, a, b, v):
        d = build(m, a, b, v).expand((3, 2))
        integer = value.dtype.kind == "i"
        return d.log_prob(m.tensor(value) if integer else m.tensor(value, dtype=a.dtype))

    return scenario


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("family", FAMILIES)
def test_log_prob_of_the_expanded_distribution_and_its_gradients_match_torch(family, dtype):
    arrays = [p.astype(dtype) for p in (A, B, V)]
    check_torch(_expanded_log_prob(family), None, dtype=dtype, arrays=arrays)


@pytest.mark.parametrize(
    "family", ["Normal", "Categorical_logits", "Gamma", "MultivariateNormal_scale_tril", "Weibull"]
)
def test_gradients_through_expand_match_finite_differences(family):
    check_gradcheck(_expanded_log_prob(family), None, arrays=[A, B, V])


@requires_torch
@pytest.mark.parametrize("family", FAMILIES)
def test_shapes_and_parameters_of_the_expanded_distribution_are_torchs(family):
    build = FAMILIES[family][0]

    def scenario(m):
        d = build(m, *(m.tensor(p, dtype=m.float32) for p in (A, B, V)))
        e = d.expand((4, 2))
        parameters = {name: getattr(e, name) for name in d.arg_constraints if name in d.__dict__}
        return (
            e.batch_shape,
            e.event_shape,
            type(e).__name__,
            e.sample().shape,
            e.sample((5,)).shape,
            {name: (value.shape, value) for name, value in parameters.items()},
            None if family.startswith("Relaxed") else e.mean.shape,  # the relaxed ones have no mean
        )

    same_as_torch(scenario)


@requires_torch
def test_expanding_keeps_parameters_views_and_validation():
    def scenario(m):
        loc = m.tensor([0.0, 1.0], requires_grad=True)
        d = m.distributions.Normal(loc, 1.0, validate_args=False).expand((3, 2))
        d.log_prob(m.ones(3, 2)).sum().backward()
        return (
            d._validate_args,
            loc.grad,
            d.loc.shape,
            m.distributions.Normal(0.0, 1.0).expand(()).batch_shape,
        )

    same_as_torch(scenario)


@requires_torch
def test_validation_carries_over_to_the_expanded_distribution():
    raises_like_torch(
        lambda m: m.distributions.Gamma(1.0, 1.0).expand((2,)).log_prob(m.tensor([-1.0, 1.0])),
        match="to be within the support",
    )


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.Normal(m.zeros(2), 1.0).expand((3,)),
        lambda m: m.distributions.Normal(m.zeros(2, 3), 1.0).expand((3,)),
        lambda m: m.distributions.Categorical(logits=m.zeros(2, 4)).expand((3,)),
        lambda m: m.distributions.MultivariateNormal(m.zeros(2, 3), m.eye(3)).expand((3,)),
        lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(2, 3), 1.0), 1).expand((4,)),
        lambda m: m.distributions.LogNormal(m.zeros(2), 1.0).expand((3,)),
    ],
    ids=["Normal", "Normal_fewer_dims", "Categorical", "MultivariateNormal", "Independent", "LogNormal"],
)
def test_an_incompatible_batch_shape_is_refused(scenario):
    raises_like_torch(scenario)


def test_an_expanded_normal_samples_each_copy_independently():
    chainrule.manual_seed(0)
    samples = Normal(chainrule.tensor([0.0, 10.0]), 1.0).expand((1000, 2)).sample().numpy()
    assert samples.shape == (1000, 2)
    np.testing.assert_allclose(samples.mean(0), [0.0, 10.0], atol=0.1)  # 3 standard errors
    assert abs(np.corrcoef(samples[:-1, 0], samples[1:, 0])[0, 1]) < 0.1
