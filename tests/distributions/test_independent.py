"""Independent: shapes, log_prob, entropy, moments, KL and their gradients against
PyTorch; float64 finite differences; PyTorch's errors."""

import numpy as np
import pytest

import chainrule

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch, torch

RNG = np.random.default_rng(0)
LOC, SCALE, VALUE = (
    RNG.uniform(-2, 2, (2, 3, 4)),
    RNG.uniform(0.5, 2, (2, 3, 4)),
    RNG.uniform(-3, 3, (2, 3, 4)),
)


def _independent(m, loc, scale, dims):
    return m.distributions.Independent(m.distributions.Normal(loc, scale), dims)


@requires_torch
@pytest.mark.parametrize("dims", [0, 1, 2, 3])
def test_shapes_and_repr_are_pytorchs(dims):
    def scenario(m):
        d = _independent(m, m.tensor(LOC), m.tensor(SCALE), dims)
        return d.batch_shape, d.event_shape, d.sample((5,)).shape, d.has_rsample

    same_as_torch(scenario)


@pytest.mark.parametrize("dims", [0, 1, 2])
def test_log_prob_entropy_and_moments_match_pytorch_and_finite_differences(dims):
    def fn(m, loc, scale, value):
        d = _independent(m, loc, scale, dims)
        return d.log_prob(value), d.entropy(), d.mean, d.variance

    check_torch(
        fn,
        None,
        arrays=[a.astype(np.float32) for a in (LOC, SCALE, VALUE)],
        requires_grad=[True, True, False],
    )
    check_gradcheck(fn, [LOC.shape, SCALE.shape, VALUE.shape], low=0.5, high=2.0)


@pytest.mark.parametrize("dims", [1, 2])
def test_kl_between_independent_normals_matches_pytorch(dims):
    def fn(m, loc_p, scale_p, loc_q, scale_q):
        p, q = _independent(m, loc_p, scale_p, dims), _independent(m, loc_q, scale_q, dims)
        return m.distributions.kl_divergence(p, q)

    arrays = [LOC, SCALE, VALUE, SCALE[::-1].copy()]
    check_torch(fn, None, arrays=[a.astype(np.float32) for a in arrays])


@requires_torch
def test_more_reinterpreted_dims_than_batch_dims_and_kl_of_different_dims_raise_as_pytorch():
    raises_like_torch(lambda m: _independent(m, m.zeros(2, 3), m.ones(2, 3), 3))
    raises_like_torch(
        lambda m: m.distributions.kl_divergence(
            _independent(m, m.zeros(2, 3), m.ones(2, 3), 1), _independent(m, m.zeros(2, 3), m.ones(2, 3), 2)
        )
    )


@requires_torch
def test_support_is_the_base_support_read_as_one_event_as_pytorchs():
    ours = chainrule.distributions.Independent(chainrule.distributions.Normal(chainrule.zeros(2, 3), 1.0), 1)
    theirs = torch.distributions.Independent(torch.distributions.Normal(torch.zeros(2, 3), 1.0), 1)
    assert repr(ours.support) == repr(theirs.support) and ours.support.event_dim == theirs.support.event_dim
    value = chainrule.tensor([[0.0, float("inf"), 1.0], [1.0, 2.0, 3.0]])
    assert ours.support.check(value).tolist() == theirs.support.check(torch.tensor(value.numpy())).tolist()
