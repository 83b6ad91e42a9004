"""HalfNormal, Gumbel, Cauchy and StudentT: log_prob, cdf, icdf, entropy, moments and
their gradients against PyTorch; KL; samples statistically; rsample's gradient;
PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Cauchy, Gumbel, HalfNormal, StudentT

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
LOC, SCALE, DF = RNG.uniform(-2, 2, (3, 4)), RNG.uniform(0.5, 2, (3, 4)), RNG.uniform(2.5, 8, (3, 4))
REAL, POSITIVE, UNIT = (
    RNG.uniform(-3, 3, (3, 4)),
    RNG.uniform(0.1, 3, (3, 4)),
    RNG.uniform(0.05, 0.95, (3, 4)),
)

# name -> (make(D, *parameters), parameters, value, methods)
FAMILIES = {
    "half_normal": (lambda D, s: D.HalfNormal(s), [SCALE], POSITIVE, ["log_prob", "cdf", "icdf"]),
    "gumbel": (lambda D, a, b: D.Gumbel(a, b), [LOC, SCALE], REAL, ["log_prob", "cdf", "icdf"]),
    "cauchy": (lambda D, a, b: D.Cauchy(a, b), [LOC, SCALE], REAL, ["log_prob", "cdf", "icdf"]),
    "student_t": (lambda D, df, a, b: D.StudentT(df, a, b), [DF, LOC, SCALE], REAL, ["log_prob"]),
}
CASES = [(name, method) for name, family in FAMILIES.items() for method in family[3] + ["entropy", "moments"]]


def _what(d, method, x, q):
    if method == "moments":
        return d.mean, d.mode, d.variance, d.stddev
    if method == "entropy":
        return d.entropy()
    return getattr(d, method)(q if method == "icdf" else x)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "method"), CASES)
def test_values_and_parameter_gradients_match_torch(name, method, dtype):
    make, parameters, value, _ = FAMILIES[name]

    def scenario(m, *arrays):
        *params, x, q = arrays
        return _what(make(m.distributions, *params), method, x, q)

    arrays = parameters + [value, UNIT]
    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    if (name, method) != ("cauchy", "moments"):  # its NaN mean and inf variance defeat finite differences
        check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
@pytest.mark.parametrize("name", ["half_normal", "gumbel", "cauchy"])
def test_kl_between_two_of_a_family_matches_torch(name):
    make, parameters, _, _ = FAMILIES[name]
    others = [RNG.uniform(0.5, 2, p.shape) for p in parameters]

    def scenario(m, *arrays):
        half = len(arrays) // 2
        D = m.distributions
        return D.kl_divergence(make(D, *arrays[:half]), make(D, *arrays[half:]))

    check_torch(scenario, None, arrays=[a.astype(np.float32) for a in parameters + others])
    check_gradcheck(scenario, None, arrays=parameters + others)


@requires_torch
def test_student_t_moments_follow_the_degrees_of_freedom():
    check_torch(
        lambda m, df: (m.distributions.StudentT(df).mean, m.distributions.StudentT(df).variance),
        None,
        arrays=[np.array([0.5, 1.0, 1.5, 2.0, 3.0], np.float32)],
        requires_grad=[False],
    )


@requires_torch
def test_half_normal_gives_minus_infinity_below_zero_without_validation():
    same_as_torch(
        lambda m: m.distributions.HalfNormal(1.0, validate_args=False).log_prob(m.tensor([-1.0, 1.0]))
    )


@requires_torch
def test_shapes_supports_and_number_parameters_are_torchs():
    def scenario(m):
        D = m.distributions
        ds = [D.HalfNormal(2.0), D.Gumbel(0, 1.0), D.Cauchy(m.zeros(2, 1), m.ones(3)), D.StudentT(3.0)]
        return [(d.batch_shape, repr(d.support), d.has_rsample) for d in ds], ds[0].scale, ds[3].loc

    same_as_torch(scenario)


def test_samples_have_the_distributions_quantiles_and_moments():
    chainrule.manual_seed(0)
    n, probs = 200_000, np.array([0.1, 0.25, 0.5, 0.75, 0.9])
    for d in [HalfNormal(2.0), Gumbel(1.0, 2.0), Cauchy(-1.0, 0.5)]:
        samples = d.sample((n,)).numpy()
        assert samples.shape == (n,) and samples.dtype == np.float32
        # the CDF at the empirical quantiles: standard errors below 0.0012
        cdf = d.cdf(chainrule.tensor(np.quantile(samples, probs).astype(np.float32)))
        np.testing.assert_allclose(cdf.numpy(), probs, atol=0.006)
    t = StudentT(5.0, 1.0, 2.0).sample((n,)).numpy()
    # standard errors: 0.006 for the mean, about 0.05 for the variance (20 / 3)
    np.testing.assert_allclose([t.mean(), t.var()], [1.0, 20 / 3], rtol=0.05, atol=0.03)


def test_rsample_sends_gradients_to_the_parameters():
    for make in [
        lambda p: HalfNormal(p),
        lambda p: Cauchy(0.0, p),
        lambda p: StudentT(p + 2, 0.0, p),
        lambda p: Gumbel(p, 1.0),
    ]:
        p = chainrule.tensor([1.5, 0.7], requires_grad=True)
        make(p).rsample((3,)).sum().backward()
        assert p.grad is not None and np.isfinite(p.grad.numpy()).all()
    scale = chainrule.tensor([1.5, 0.7], requires_grad=True)
    chainrule.manual_seed(0)
    z = HalfNormal(scale).rsample((4,))
    z.sum().backward()  # z = scale |eps|: d/d scale = z / scale
    np.testing.assert_allclose(scale.grad.numpy(), (z.detach().numpy() / [1.5, 0.7]).sum(0), rtol=1e-5)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.HalfNormal(-1.0),
        lambda m: m.distributions.HalfNormal(1.0).log_prob(m.tensor(-1.0)),
        lambda m: m.distributions.Gumbel(0.0, 0.0),
        lambda m: m.distributions.Cauchy(0.0, m.tensor([1.0, -1.0])),
        lambda m: m.distributions.StudentT(0.0),
        lambda m: m.distributions.StudentT(1.0, 0.0, -1.0),
    ],
    ids=[
        "half-normal-scale",
        "half-normal-value",
        "gumbel-scale",
        "cauchy-scale",
        "student-df",
        "student-scale",
    ],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
