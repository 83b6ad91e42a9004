"""The transforms that act on whole events or parts of a tensor (softmax, stick-breaking,
lower Cholesky, reshape, independent, cat, stack, cumulative distribution): forward,
inverse and log |det J| with their gradients against PyTorch (float32, float64) and
float64 finite differences; domains, codomains, event dims and shapes; PyTorch's errors."""

import numpy as np
import pytest

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
REAL = RNG.uniform(-2, 2, (3, 4))
SIMPLEX = RNG.dirichlet(np.ones(5), 3)
SQUARE = RNG.uniform(-2, 2, (2, 3, 3))
LOWER = np.tril(SQUARE, -1) + np.eye(3) * RNG.uniform(0.5, 2, (2, 1, 3))
POSITIVE = RNG.uniform(0.3, 2, (3, 4))


def _t(m):
    return m.distributions.transforms


# name -> (make(m), inputs to the forward map, inputs to the inverse map, has log |det J|)
TRANSFORMS = {
    "stick_breaking": (lambda m: _t(m).StickBreakingTransform(), REAL, SIMPLEX, True),
    "softmax": (lambda m: _t(m).SoftmaxTransform(), REAL, SIMPLEX, False),
    "lower_cholesky": (lambda m: _t(m).LowerCholeskyTransform(), SQUARE, LOWER, False),
    "reshape": (lambda m: _t(m).ReshapeTransform((4,), (2, 2)), REAL, REAL.reshape(3, 2, 2), True),
    "independent": (lambda m: _t(m).IndependentTransform(_t(m).ExpTransform(), 1), REAL, POSITIVE, True),
    "cat_batch": (
        lambda m: _t(m).CatTransform([_t(m).ExpTransform(), _t(m).AffineTransform(1.0, -2.0)], 0, [1, 2]),
        REAL,
        POSITIVE,
        True,
    ),
    "cat_event": (
        lambda m: _t(m).CatTransform(
            [
                _t(m).IndependentTransform(_t(m).ExpTransform(), 1),
                _t(m).IndependentTransform(_t(m).AffineTransform(1.0, -2.0), 1),
            ],
            -1,
            [1, 3],
        ),
        REAL,
        np.concatenate([POSITIVE[:, :1], REAL[:, 1:]], -1),
        True,
    ),
    "stack": (
        lambda m: _t(m).StackTransform([_t(m).ExpTransform(), _t(m).SigmoidTransform()], dim=1),
        REAL[:, :2],
        POSITIVE[:, :2] / 2.1,
        True,
    ),
    "cumulative_distribution": (
        lambda m: _t(m).CumulativeDistributionTransform(
            m.distributions.Laplace(m.tensor(0.5), m.tensor(1.5))
        ),
        REAL,
        SIMPLEX[:, :4] + 0.1,
        True,
    ),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", TRANSFORMS)
def test_forward_inverse_and_log_det_jacobian_match_torch(name, dtype):
    make, x, y, has_log_det = TRANSFORMS[name]

    def scenario(m, x, y):
        t = make(m)
        results = (t(x), t.inv(y))
        if has_log_det:
            results += (t.log_abs_det_jacobian(x, t(x)), t.inv.log_abs_det_jacobian(y, t.inv(y)))
        return results

    check_torch(scenario, None, dtype=dtype, arrays=[x.astype(dtype), y.astype(dtype)])
    check_gradcheck(scenario, None, arrays=[x, y])


def _shapes(t, shape):
    try:
        return t.forward_shape(shape), t.inverse_shape(t.forward_shape(shape))
    except NotImplementedError:
        return None


@requires_torch
@pytest.mark.parametrize("name", TRANSFORMS)
def test_domain_codomain_event_dims_and_shapes_are_torchs(name):
    make, x, y, _ = TRANSFORMS[name]

    def scenario(m):
        t = make(m)
        return (
            t.bijective,
            repr(t.domain) if not name.startswith(("cat", "stack")) else type(t.domain).__name__,
            repr(t.codomain) if not name.startswith(("cat", "stack")) else type(t.codomain).__name__,
            t.domain.event_dim,
            t.codomain.event_dim,
            t.domain.check(m.tensor(x)),
            t.codomain.check(m.tensor(y)),
            tuple(t.forward_shape(m.Size(x.shape))),
            tuple(t.inverse_shape(m.Size(y.shape))),
            t.inv.forward_shape(m.Size(y.shape)),
            t.with_cache(1)(m.tensor(x)).shape,
        )

    same_as_torch(scenario)


@requires_torch
def test_reprs_and_the_cat_event_dim_are_torchs():
    def scenario(m):
        t = _t(m)
        return (
            repr(t.StickBreakingTransform()),
            repr(t.IndependentTransform(t.ExpTransform(), 2)),
            repr(t.ReshapeTransform((4,), (2, 2)).inv),
            t.CatTransform([t.StickBreakingTransform(), t.ExpTransform()], -1, [2, 1]).event_dim,
            t.IndependentTransform(t.ExpTransform(), 2).domain.event_dim,
        )

    same_as_torch(scenario)


@requires_torch
def test_a_gaussian_copula_with_laplace_marginals_matches_torch():
    def scenario(m, loc, a, u):
        base = m.distributions.MultivariateNormal(loc, scale_tril=a.tril(-1) + m.eye(2, dtype=a.dtype))
        transform = _t(m).CumulativeDistributionTransform(m.distributions.Laplace(0.0, 1.0))
        copula = m.distributions.TransformedDistribution(base, [transform])
        return copula.log_prob(u), copula.batch_shape, copula.event_shape

    arrays = [RNG.uniform(-0.5, 0.5, (2,)), RNG.uniform(-1, 1, (2, 2)), RNG.uniform(0.1, 0.9, (3, 2))]
    check_torch(scenario, None, dtype=np.float64, arrays=arrays)
    check_gradcheck(scenario, None, arrays=arrays)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: _t(m).ReshapeTransform((4,), (3,)),
        lambda m: _t(m).ReshapeTransform((4,), (2, 2)).forward_shape(m.Size([3, 5])),
        lambda m: _t(m).ReshapeTransform((4,), (2, 2)).inverse_shape(m.Size([2])),
        lambda m: _t(m).StickBreakingTransform().forward_shape(m.Size([])),
        lambda m: _t(m).SoftmaxTransform().inverse_shape(m.Size([])),
        lambda m: _t(m).IndependentTransform(_t(m).ExpTransform(), 2)(m.zeros(3)),
        lambda m: _t(m).CatTransform([_t(m).ExpTransform()], 0, [1, 2]),
        lambda m: _t(m).CatTransform([m.distributions.Normal(0.0, 1.0)]),
        lambda m: _t(m).CatTransform([_t(m).ExpTransform()], 0, [2])(m.zeros(3)),
        lambda m: _t(m).CatTransform([_t(m).ExpTransform()], 1, [2])(m.zeros(2)),
        lambda m: _t(m).StackTransform([_t(m).ExpTransform()], 0)(m.zeros(3)),
        lambda m: _t(m).StackTransform([_t(m).ExpTransform()], 0).inv(m.zeros(3)),
        lambda m: _t(m).LowerCholeskyTransform().log_abs_det_jacobian(m.zeros(2, 2), m.zeros(2, 2)),
    ],
    ids=[
        "reshape-numel",
        "reshape-forward-shape",
        "reshape-inverse-dims",
        "stick-breaking-dims",
        "softmax-dims",
        "independent-dims",
        "cat-lengths",
        "cat-not-transforms",
        "cat-length",
        "cat-dim",
        "stack-size",
        "stack-inverse-size",
        "lower-cholesky-log-det",
    ],
)
def test_bad_arguments_are_refused(scenario):
    raises_like_torch(scenario)


@requires_torch
def test_cat_and_stack_constraints_check_each_block():
    def scenario(m):
        constraints = m.distributions.constraints
        cat = constraints.cat([constraints.positive, constraints.unit_interval], -1, [1, 2])
        stack = constraints.stack([constraints.positive, constraints.unit_interval], 0)
        value = m.tensor([[-1.0, 0.5, 2.0], [1.0, 0.0, 1.0]])
        return (
            cat.check(value),
            cat.event_dim,
            cat.is_discrete,
            stack.check(value),
            stack.event_dim,
            constraints.stack([constraints.real_vector], -1).event_dim,
        )

    same_as_torch(scenario)
