"""kl_divergence: values and gradients against PyTorch for every registered
pair, the infinite cases, and PyTorch's error for unregistered pairs."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Distribution, Normal, kl, kl_divergence, register_kl

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch

DTYPES = [np.float32, np.float64]
RNG = np.random.default_rng(0)
LOCS, SCALES = RNG.uniform(-2, 2, (3, 4)), RNG.uniform(0.5, 2, (3, 4))
NORMAL = [LOCS, SCALES, RNG.uniform(-2, 2, (4,)), RNG.uniform(0.5, 2, (3, 1))]
PROBS = [RNG.uniform(0.05, 0.95, (3, 4)), RNG.uniform(0.05, 0.95, (3, 4))]  # torch's masks need equal shapes
LOGITS = [RNG.uniform(-3, 3, (2, 3, 5)), RNG.uniform(-3, 3, (3, 5))]
LOWS, HIGHS = RNG.uniform(-1, 0, (3, 4)), RNG.uniform(1, 2, (3, 4))
UNIFORM = [LOWS, HIGHS, RNG.uniform(-3, -1, (3, 4)), RNG.uniform(2, 3, (4,))]


def _pair(p, q):
    """``make(m, *parameters)``: p's family from the first parameters, q's from the rest."""
    sizes = {"Normal": 2, "Uniform": 2, "Bernoulli": 1, "Categorical": 1}

    def make(m, *parameters, keyword=None):
        cut = sizes[p]
        first, second = parameters[:cut], parameters[cut:]
        family_p, family_q = getattr(m.distributions, p), getattr(m.distributions, q)
        if keyword:
            return family_p(**{keyword: first[0]}), family_q(**{keyword: second[0]})
        return family_p(*first), family_q(*second)

    return make


PAIRS = {
    "normal": (_pair("Normal", "Normal"), NORMAL),
    "bernoulli-probs": (_pair("Bernoulli", "Bernoulli"), PROBS),
    "bernoulli-logits": (
        lambda m, p, q: _pair("Bernoulli", "Bernoulli")(m, p, q, keyword="logits"),
        [LOGITS[1][:, 0], LOGITS[1][:, 1]],
    ),
    "categorical-probs": (_pair("Categorical", "Categorical"), [np.exp(LOGITS[0]), np.exp(LOGITS[1])]),
    "categorical-logits": (
        lambda m, p, q: _pair("Categorical", "Categorical")(m, p, q, keyword="logits"),
        LOGITS,
    ),
    "uniform": (_pair("Uniform", "Uniform"), UNIFORM),
    "uniform-normal": (_pair("Uniform", "Normal"), [LOWS, HIGHS, NORMAL[2], NORMAL[3]]),
}


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pair", PAIRS)
def test_values_and_gradients_of_both_distributions_parameters_match_torch(pair, dtype):
    make, arrays = PAIRS[pair]

    def scenario(m, *parameters):
        return m.distributions.kl_divergence(*make(m, *parameters))

    check_torch(scenario, None, dtype=dtype, arrays=[a.astype(dtype) for a in arrays])
    check_gradcheck(scenario, None, arrays=[a.astype(np.float64) for a in arrays])


@requires_torch
def test_mass_where_q_has_none_gives_inf_and_zero_mass_in_p_gives_zero():
    def scenario(m, p, q, bp, bq):
        categorical = m.distributions.kl_divergence(
            m.distributions.Categorical(p), m.distributions.Categorical(q)
        )
        bernoulli = m.distributions.kl_divergence(
            m.distributions.Bernoulli(bp), m.distributions.Bernoulli(bq)
        )
        return categorical, bernoulli

    check_torch(
        scenario,
        None,
        arrays=[
            np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]], np.float32),
            np.array([[0.5, 0.0, 0.5], [0.2, 0.3, 0.5]], np.float32),
            np.array([0.0, 1.0, 0.3, 0.3, 0.0], np.float32),
            np.array([0.4, 0.4, 0.0, 1.0, 0.0], np.float32),
        ],
    )


@requires_torch
def test_a_normal_has_infinite_kl_from_any_uniform():
    check_torch(
        lambda m, *parameters: m.distributions.kl_divergence(*_pair("Normal", "Uniform")(m, *parameters)),
        None,
        arrays=[a.astype(np.float32) for a in NORMAL[:2] + UNIFORM[:2]],
    )


@requires_torch
def test_uniform_not_inside_the_other_gives_inf():
    def scenario(m, a, b, c, d):
        return m.distributions.kl_divergence(m.distributions.Uniform(a, b), m.distributions.Uniform(c, d))

    arrays = [np.array(v, np.float32) for v in ([0, 0, 0], [1, 1, 1], [-1, 0.5, 0], [2, 2, 0.5])]
    check_torch(scenario, None, arrays=arrays)


@requires_torch
@pytest.mark.parametrize(
    "pair",
    [
        lambda m: (m.distributions.Normal(0.0, 1.0), m.distributions.Bernoulli(0.5)),
        lambda m: (m.distributions.Bernoulli(0.5), m.distributions.Categorical(m.ones(2))),
        lambda m: (m.distributions.Categorical(m.ones(2)), m.distributions.Uniform(0.0, 1.0)),
    ],
    ids=["normal-bernoulli", "bernoulli-categorical", "categorical-uniform"],
)
def test_an_unregistered_pair_raises_not_implemented_error(pair):
    raises_like_torch(
        lambda m: m.distributions.kl_divergence(*pair(m)), match="No KL\\(p \\|\\| q\\) is implemented"
    )


def test_register_kl_adds_a_pair_and_the_most_specific_registration_wins(monkeypatch):
    monkeypatch.setattr(kl, "_KL_REGISTRY", dict(kl._KL_REGISTRY))  # the registrations end with the test
    monkeypatch.setattr(kl, "_KL_MEMOIZE", {})

    class Shifted(Normal):
        pass

    class Other(Distribution):
        arg_constraints = {}

    register_kl(Other, Normal)(lambda p, q: "other-normal")
    register_kl(Shifted, Normal)(lambda p, q: "shifted-normal")
    normal = Normal(0.0, 1.0)
    assert kl_divergence(Other(), normal) == "other-normal"
    assert kl_divergence(Other(), Shifted(0.0, 1.0)) == "other-normal"
    assert kl_divergence(Shifted(0.0, 1.0), normal) == "shifted-normal"
    np.testing.assert_allclose(kl_divergence(normal, Shifted(1.0, 1.0)).item(), 0.5)


def test_vae_loss_sends_gradients_through_rsample_and_the_kl_term():
    chainrule.manual_seed(0)
    mu = chainrule.tensor([0.3, -0.2], requires_grad=True)
    std = chainrule.tensor([0.8, 1.2], requires_grad=True)
    q = Normal(mu, std)
    z = q.rsample()
    loss = (z**2).sum() + kl_divergence(q, Normal(chainrule.zeros(2), chainrule.ones(2))).sum()
    loss.backward()
    eps = ((z - mu) / std).detach().numpy()
    m, s = mu.detach().numpy(), std.detach().numpy()
    # d/dmu: 2 z + mu; d/dstd: 2 z eps + std - 1/std
    np.testing.assert_allclose(mu.grad.numpy(), 2 * z.detach().numpy() + m, rtol=1e-5)
    np.testing.assert_allclose(std.grad.numpy(), 2 * z.detach().numpy() * eps + s - 1 / s, rtol=1e-5)
