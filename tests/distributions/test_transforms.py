"""Transforms: forward, inverse and log |det J| with their gradients against PyTorch,
sign, domain and codomain, caching, inverses and composition."""

import numpy as np
import pytest

import chainrule
from chainrule.distributions import transforms

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch

RNG = np.random.default_rng(0)
REAL = RNG.uniform(-2, 2, (3, 4))
POSITIVE = RNG.uniform(0.3, 2, (3, 4))
UNIT = RNG.uniform(0.05, 0.95, (3, 4))
OPEN_SYMMETRIC = RNG.uniform(-0.9, 0.9, (3, 4))

# name -> (make(m), inputs to the forward map, inputs to the inverse map)
TRANSFORMS = {
    "exp": (lambda m: m.distributions.transforms.ExpTransform(), REAL, POSITIVE),
    "sigmoid": (lambda m: m.distributions.transforms.SigmoidTransform(), REAL, UNIT),
    "tanh": (lambda m: m.distributions.transforms.TanhTransform(), REAL, OPEN_SYMMETRIC),
    "softplus": (lambda m: m.distributions.transforms.SoftplusTransform(), REAL, POSITIVE),
    "affine": (lambda m: m.distributions.transforms.AffineTransform(0.5, -2.0), REAL, REAL),
    "power": (lambda m: m.distributions.transforms.PowerTransform(m.tensor(1.5)), POSITIVE, POSITIVE),
    "compose": (
        lambda m: m.distributions.transforms.ComposeTransform(
            [m.distributions.transforms.AffineTransform(1.0, 0.5), m.distributions.transforms.ExpTransform()]
        ),
        REAL,
        POSITIVE,
    ),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", TRANSFORMS)
def test_forward_inverse_and_log_det_jacobian_match_torch(name, dtype):
    make, x, y = TRANSFORMS[name]

    def scenario(m, x, y):
        t = make(m)
        return t(x), t.log_abs_det_jacobian(x, t(x)), t.inv(y), t.inv.log_abs_det_jacobian(y, t.inv(y))

    check_torch(scenario, None, dtype=dtype, arrays=[x.astype(dtype), y.astype(dtype)])
    check_gradcheck(scenario, None, arrays=[x, y])


@requires_torch
def test_abs_maps_to_the_magnitude_and_inverts_to_it():
    same_as_torch(
        lambda m: (lambda t, x: (t(x), t.inv(t(x)), t.bijective))(
            m.distributions.transforms.AbsTransform(), m.tensor([-1.5, 0.0, 2.0])
        )
    )


@requires_torch
def test_affine_with_tensor_parameters_and_an_event_dim_sums_the_log_det_over_the_event():
    def scenario(m, loc, scale, x):
        t = m.distributions.transforms.AffineTransform(loc, scale, event_dim=1)
        return t(x), t.log_abs_det_jacobian(x, t(x)), t.inv(t(x))

    check_torch(scenario, None, arrays=[REAL[0].astype(np.float32), -POSITIVE[0].astype(np.float32), REAL])
    check_gradcheck(scenario, None, arrays=[REAL[0], -POSITIVE[0], REAL])


@requires_torch
@pytest.mark.parametrize("name", TRANSFORMS)
def test_sign_bijective_domain_codomain_and_shapes_are_torchs(name):
    make = TRANSFORMS[name][0]

    def scenario(m):
        t = make(m)
        sign = t.sign if isinstance(t.sign, int) else t.sign.item()
        return (
            sign,
            t.bijective,
            repr(t.domain),
            repr(t.codomain),
            t.event_dim,
            tuple(t.forward_shape((3, 4))),
            tuple(t.inv.inverse_shape((3, 4))),
            repr(t.inv.domain),
            t.inv.sign if isinstance(t.inv.sign, int) else t.inv.sign.item(),
        )

    same_as_torch(scenario)


@requires_torch
def test_affine_event_dim_domain_and_compose_event_dims_are_torchs():
    def scenario(m):
        tr = m.distributions.transforms
        affine = tr.AffineTransform(0.0, 1.0, event_dim=2)
        compose = tr.ComposeTransform([tr.ExpTransform(), tr.AffineTransform(0.0, 1.0, event_dim=1)])
        return repr(affine.domain), repr(compose.domain), repr(compose.codomain), compose.domain.event_dim

    same_as_torch(scenario)


@requires_torch
def test_a_cache_size_other_than_zero_or_one_is_refused():
    raises_like_torch(
        lambda m: m.distributions.transforms.ExpTransform(cache_size=2), match="cache_size must be 0 or 1"
    )


@pytest.mark.parametrize("cache_size", [0, 1])
def test_with_a_cache_the_inverse_of_the_latest_output_is_the_input_itself(cache_size):
    t = transforms.TanhTransform(cache_size=cache_size)
    x = chainrule.tensor([30.0, -0.5])  # tanh(30) rounds to 1, where atanh is inf
    y = t(x)
    assert (t.inv(y) is x) == (cache_size == 1)
    assert (t(x) is y) == (cache_size == 1)
    if cache_size == 0:
        assert np.isinf(t.inv(y).numpy()[0])


def test_the_inverse_of_the_inverse_is_the_transform_and_with_cache_gives_a_cached_copy():
    t = transforms.ExpTransform()
    assert t.inv.inv is t
    assert t.with_cache(0) is t
    cached = t.inv.with_cache(1)
    assert cached.inv._cache_size == 1 and cached == t.inv and cached != t
    compose = transforms.ComposeTransform([t, transforms.AffineTransform(1.0, 2.0)])
    assert compose.inv.inv is compose
    assert all(part._cache_size == 1 for part in compose.with_cache(1).parts)


def test_equality_compares_the_parameters():
    assert transforms.AffineTransform(1.0, 2.0) == transforms.AffineTransform(1.0, 2.0)
    assert transforms.AffineTransform(1.0, 2.0) != transforms.AffineTransform(1.0, 3.0)
    assert transforms.PowerTransform(2.0) == transforms.PowerTransform(chainrule.tensor(2.0))
    assert transforms.ExpTransform() == transforms.ExpTransform() != transforms.TanhTransform()


def test_an_empty_composition_is_the_identity_with_zero_log_det():
    t = transforms.ComposeTransform([])
    x = chainrule.tensor([1.0, 2.0])
    assert t(x) is x
    np.testing.assert_array_equal(t.log_abs_det_jacobian(x, x).numpy(), [0.0, 0.0])
