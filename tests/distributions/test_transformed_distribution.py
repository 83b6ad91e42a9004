"""TransformedDistribution: SAC's tanh-squashed Normal (rsample on the same noise,
log_prob through the cache) and other chains against PyTorch, shapes, support,
cdf, samples and PyTorch's errors."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import Normal, TransformedDistribution
from chainrule.distributions.transforms import ExpTransform, TanhTransform

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
MU, STD, EPS = RNG.uniform(-2, 2, (5, 3)), RNG.uniform(0.3, 1.5, (5, 3)), RNG.standard_normal((5, 3))


def _squashed(m, mu, std, eps, cache_size=1):
    """SAC's policy with the base draw fixed to mu + eps * std (the same noise in both libraries)."""
    d = m.distributions.TransformedDistribution(
        m.distributions.Normal(mu, std), [m.distributions.transforms.TanhTransform(cache_size=cache_size)]
    )
    d.base_dist.rsample = lambda sample_shape=(): mu + eps * std
    return d


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sac_tanh_squashed_normal_rsample_and_log_prob_match_torch(dtype):
    def scenario(m, mu, std, eps):
        d = _squashed(m, mu, std, eps)
        action = d.rsample()
        return action, d.log_prob(action).sum(-1)

    arrays = [a.astype(dtype) for a in (MU, STD, EPS)]
    check_torch(scenario, None, dtype=dtype, arrays=arrays, requires_grad=[True, True, False])
    check_gradcheck(scenario, None, arrays=[MU, STD, EPS], requires_grad=[True, True, False])


@requires_torch
def test_the_cache_keeps_log_prob_finite_where_tanh_saturates():
    def scenario(m, mu, std, eps):
        d = _squashed(m, mu, std, eps)
        action = d.rsample()
        return action, d.log_prob(action)

    arrays = [np.array([0.0, 9.0], np.float32), np.ones(2, np.float32), np.array([0.5, 10.0], np.float32)]
    check_torch(scenario, None, arrays=arrays, requires_grad=[True, True, False])


@requires_torch
def test_log_prob_of_a_fresh_value_inverts_the_chain():
    def scenario(m, loc, scale, y):
        tr = m.distributions.transforms
        d = m.distributions.TransformedDistribution(
            m.distributions.Normal(loc, scale), [tr.AffineTransform(1.0, 2.0), tr.ExpTransform()]
        )
        return d.log_prob(y), d.cdf(y), d.batch_shape, d.event_shape

    arrays = [MU.astype(np.float32), STD.astype(np.float32), RNG.uniform(0.2, 5, (5, 3)).astype(np.float32)]
    check_torch(scenario, None, arrays=arrays)
    check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
def test_a_decreasing_chain_flips_the_cdf():
    def scenario(m, loc, scale, y):
        d = m.distributions.TransformedDistribution(
            m.distributions.Normal(loc, scale), m.distributions.transforms.AffineTransform(0.5, -3.0)
        )
        return d.cdf(y)

    check_torch(scenario, None, arrays=[a.astype(np.float32) for a in (MU, STD, EPS)])


@requires_torch
def test_an_event_dim_transform_moves_batch_dims_into_the_event():
    def scenario(m, loc, scale, y):
        d = m.distributions.TransformedDistribution(
            m.distributions.Normal(loc, scale),
            [m.distributions.transforms.AffineTransform(1.0, 2.0, event_dim=1)],
        )
        return d.batch_shape, d.event_shape, d.log_prob(y), repr(d.support), type(d.base_dist).__name__

    check_torch(scenario, None, arrays=[a.astype(np.float32) for a in (MU, STD, EPS)])


@requires_torch
def test_support_and_has_rsample_follow_the_transforms_and_the_base():
    def scenario(m):
        d = m.distributions.TransformedDistribution(
            m.distributions.Normal(0.0, 1.0), [m.distributions.transforms.TanhTransform()]
        )
        b = m.distributions.TransformedDistribution(m.distributions.Bernoulli(0.5), [])
        return repr(d.support), d.has_rsample, b.has_rsample, repr(b.support)

    same_as_torch(scenario)


def test_samples_are_tanh_of_normal_draws_and_only_rsample_keeps_the_graph():
    chainrule.manual_seed(0)
    mu = chainrule.tensor([0.0, 1.0], requires_grad=True)
    d = TransformedDistribution(Normal(mu, 0.5), [TanhTransform(cache_size=1)])
    samples = d.sample((100_000,))
    assert samples.shape == (100_000, 2) and not samples.requires_grad
    assert d.rsample((3,)).requires_grad
    expected = np.tanh(np.random.default_rng(1).normal([0.0, 1.0], 0.5, (1_000_000, 2)))
    # tanh of a Normal has standard deviation below 0.5: standard error < 0.002
    np.testing.assert_allclose(samples.numpy().mean(0), expected.mean(0), atol=0.01)
    np.testing.assert_allclose(samples.numpy().std(0), expected.std(0), atol=0.01)


def test_log_normal_built_by_hand_samples_positive_values():
    chainrule.manual_seed(0)
    d = TransformedDistribution(Normal(0.0, 1.0), ExpTransform())
    assert bool((d.sample((1000,)) > 0).all())


@requires_torch
@pytest.mark.parametrize(
    "transforms",
    [lambda m: "tanh", lambda m: [m.distributions.transforms.ExpTransform(), "tanh"]],
    ids=["not-a-list", "not-transforms"],
)
def test_transforms_that_are_not_transforms_are_refused(transforms):
    raises_like_torch(
        lambda m: m.distributions.TransformedDistribution(m.distributions.Normal(0.0, 1.0), transforms(m)),
        match="transforms must be a Transform",
    )


@requires_torch
def test_a_base_smaller_than_the_transforms_event_is_refused():
    raises_like_torch(
        lambda m: m.distributions.TransformedDistribution(
            m.distributions.Normal(0.0, 1.0),
            m.distributions.transforms.AffineTransform(0.0, 1.0, event_dim=1),
        ),
        match="base_distribution needs to have shape with size at least 1",
    )


@requires_torch
def test_log_prob_outside_the_support_is_refused():
    raises_like_torch(
        lambda m: m.distributions.TransformedDistribution(
            m.distributions.Normal(0.0, 1.0), m.distributions.transforms.TanhTransform()
        ).log_prob(m.tensor(1.5)),
        match="to be within the support",
    )


@requires_torch
def test_transforms_that_broadcast_the_base_shape_expand_the_base_distribution():
    def scenario(m):
        loc = m.tensor([[0.5], [-1.0]])
        d = m.distributions.TransformedDistribution(
            m.distributions.Normal(m.tensor([0.0, 1.0, 2.0]), 1.0),
            m.distributions.transforms.AffineTransform(loc, 2.0),
        )
        return d.batch_shape, d.base_dist.batch_shape, d.sample((4,)).shape, d.log_prob(m.zeros(2, 3))

    same_as_torch(scenario)
