"""nn.utils.parametrize, parametrizations (weight_norm, spectral_norm) and the legacy
weight_norm / spectral_norm hooks against PyTorch, with weights copied through state_dict."""

import copy
import pickle
import warnings

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

from module_oracle import check_module, copy_weights
from oracle import assert_same_error, check_gradcheck, raises_like_torch, requires_torch, torch

P = "parametrizations"


def symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

    return Symmetric()


def scaled(lib):
    class Scaled(lib.nn.Module):
        def forward(self, x):
            return 2 * x

        def right_inverse(self, x):
            return x / 2

    return Scaled()


LAYERS = [
    (lambda m: m.nn.Linear(4, 5), [(3, 4)]),
    (lambda m: m.nn.Conv2d(2, 3, 3), [(2, 2, 5, 5)]),
    (lambda m: m.nn.ConvTranspose2d(2, 3, 3), [(2, 2, 4, 4)]),
]


@requires_torch
@pytest.mark.parametrize("make, shapes", LAYERS)
def test_a_parametrized_weight_matches_pytorch_in_values_gradients_and_keys(make, shapes):
    def parametrized(m):
        layer = make(m)
        return m.nn.utils.parametrize.register_parametrization(layer, "bias", scaled(m))

    ours, theirs = check_module(parametrized, shapes)
    assert type(ours).__name__ == type(theirs).__name__ == f"Parametrized{type(make(torch)).__name__}"
    assert isinstance(ours, type(make(chainrule)))
    assert list(ours.state_dict()) == list(theirs.state_dict())


@requires_torch
def test_register_chains_parametrizations_and_the_setter_calls_right_inverse():
    def build(m):
        layer = m.nn.Linear(3, 3)
        m.nn.utils.parametrize.register_parametrization(layer, "weight", symmetric(m))
        m.nn.utils.parametrize.register_parametrization(layer, "weight", scaled(m))
        return layer

    ours, theirs = check_module(build, [(2, 3)])
    assert (
        list(ours.state_dict())
        == list(theirs.state_dict())
        == [
            "bias",
            f"{P}.weight.original",
        ]
    )
    value = np.arange(9, dtype=np.float32).reshape(3, 3)
    with pytest.raises(RuntimeError):  # Symmetric has no right_inverse
        ours.weight = chainrule.tensor(value)
    for lib, layer in ((chainrule, ours), (torch, theirs)):
        lib.nn.utils.parametrize.remove_parametrizations(layer, "weight")
        lib.nn.utils.parametrize.register_parametrization(layer, "weight", scaled(lib))
        layer.weight = lib.tensor(value)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    np.testing.assert_allclose(ours.parametrizations.weight.original.detach().numpy(), value / 2)


@requires_torch
@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_parametrizations_restores_a_plain_parameter(leave_parametrized):
    layers = {}
    for lib in (chainrule, torch):
        layer = lib.nn.Linear(3, 2)
        lib.nn.utils.parametrize.register_parametrization(layer, "weight", scaled(lib))
        layers[lib] = layer
    copy_weights(layers[torch], layers[chainrule])
    for lib, layer in layers.items():
        original = layer.parametrizations.weight.original
        lib.nn.utils.parametrize.remove_parametrizations(layer, "weight", leave_parametrized)
        assert layer.weight is original  # the same Parameter object, as in PyTorch
        assert type(layer) is lib.nn.Linear
        assert not hasattr(layer, P)
    assert list(layers[chainrule].state_dict()) == list(layers[torch].state_dict())
    np.testing.assert_allclose(
        layers[chainrule].weight.detach().numpy(), layers[torch].weight.detach().numpy()
    )
    # the hot path is back to the plain attribute
    assert layers[chainrule].__dict__["weight"] is layers[chainrule].weight


@requires_torch
def test_is_parametrized_type_before_and_cached():
    for lib in (chainrule, torch):
        parametrize = lib.nn.utils.parametrize
        layer = lib.nn.Linear(2, 2)
        assert not parametrize.is_parametrized(layer)
        parametrize.register_parametrization(layer, "weight", scaled(lib))
        assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
        assert not parametrize.is_parametrized(layer, "bias")
        assert parametrize.type_before_parametrizations(layer) is lib.nn.Linear
        assert layer.weight is not layer.weight
        with parametrize.cached():
            assert layer.weight is layer.weight
        assert layer.weight is not layer.weight


@requires_torch
def test_parametrization_errors_are_pytorchs():
    register = lambda m, layer, p, **kw: m.nn.utils.parametrize.register_parametrization(
        layer, "weight", p, **kw
    )

    def wrong_shape(m):
        class Flat(m.nn.Module):
            def forward(self, x):
                return x.flatten()

        return Flat()

    raises_like_torch(lambda m: register(m, m.nn.Linear(2, 2), wrong_shape(m)), "may not change the shape")
    raises_like_torch(
        lambda m: m.nn.utils.parametrize.register_parametrization(m.nn.Linear(2, 2), "nope", scaled(m)),
        "does not have a parameter, a buffer",
    )
    raises_like_torch(
        lambda m: m.nn.utils.parametrize.remove_parametrizations(m.nn.Linear(2, 2), "weight"),
        "does not have a parametrization on weight",
    )

    def second_changes_shape(m):
        layer = register(m, m.nn.Linear(2, 2), scaled(m))
        return register(m, layer, wrong_shape(m))

    raises_like_torch(second_changes_shape, "may not change the shape")
    unsafe = lambda m: register(m, m.nn.Linear(2, 2), wrong_shape(m), unsafe=True).weight.shape
    assert tuple(unsafe(chainrule)) == tuple(unsafe(torch)) == (4,)

    def leave_unparametrized_weight_norm(m):
        layer = m.nn.utils.parametrizations.weight_norm(m.nn.Linear(2, 2))
        m.nn.utils.parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)

    raises_like_torch(leave_unparametrized_weight_norm, "Cannot leave unparametrized")


@requires_torch
def test_a_parametrized_module_deep_copies_but_does_not_pickle():
    for lib in (chainrule, torch):
        layer = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2))
        replica = copy.deepcopy(layer)
        assert type(replica) is type(layer)
        assert replica.parametrizations.weight.original1 is not layer.parametrizations.weight.original1
        np.testing.assert_array_equal(replica.weight.detach().numpy(), layer.weight.detach().numpy())
        with pytest.raises(RuntimeError, match="only supported through state_dict"):
            pickle.dumps(layer)


# --- parametrizations.weight_norm / spectral_norm ---------------------------------------


@requires_torch
@pytest.mark.parametrize("make, shapes", LAYERS)
@pytest.mark.parametrize("dim", [0, 1, None, -2])
def test_weight_norm_parametrization_matches_pytorch(make, shapes, dim):
    def build(m):
        return m.nn.utils.parametrizations.weight_norm(make(m), dim=dim)

    ours, theirs = check_module(build, shapes)
    keys = list(ours.state_dict())
    assert keys == list(theirs.state_dict())
    assert f"{P}.weight.original0" in keys and f"{P}.weight.original1" in keys
    g, v = (getattr(ours.parametrizations.weight, f"original{i}") for i in (0, 1))
    their_g = theirs.parametrizations.weight.original0
    assert tuple(g.shape) == tuple(their_g.shape)
    for lib, layer in ((chainrule, ours), (torch, theirs)):
        lib.nn.utils.parametrize.remove_parametrizations(layer, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5)
    assert isinstance(ours.weight, nn.Parameter)


def test_weight_norm_gradients_agree_with_finite_differences():
    from chainrule.nn.utils.weight_norm import _weight_norm

    def fn(m, v, g, x):
        return _weight_norm(v, g, 0) @ x

    check_gradcheck(fn, [(3, 4), (3, 1), (4, 2)], low=0.5, second_order=True)


@requires_torch
@pytest.mark.parametrize("make, shapes", LAYERS)
@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_spectral_norm_parametrization_matches_pytorch_over_several_steps(make, shapes, n_power_iterations):
    def build(m):
        return m.nn.utils.parametrizations.spectral_norm(make(m), n_power_iterations=n_power_iterations)

    ours, theirs = check_module(build, shapes)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # a few more training steps, then eval: the buffers follow PyTorch's
    ours.train(), theirs.train()
    x = np.random.default_rng(1).standard_normal(shapes[0]).astype(np.float32)
    saved = ours.state_dict()  # its buffers change in place, as PyTorch's
    for _ in range(3):
        ours(chainrule.tensor(x))
        theirs(torch.tensor(x))
    # u and v after several power iterations in float32 (see the legacy test below)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(saved[name].numpy(), value.numpy(), rtol=1e-5, atol=1e-5)
    check_module(lambda m: build(m).eval(), shapes, modes=("eval",))


@requires_torch
def test_spectral_norm_parametrization_of_a_vector_and_its_errors():
    check_module(lambda m: m.nn.utils.parametrizations.spectral_norm(m.nn.Linear(3, 4), "bias"), [(2, 3)])
    sn = lambda m, **kw: m.nn.utils.parametrizations.spectral_norm(m.nn.Linear(3, 4), **kw)
    raises_like_torch(lambda m: sn(m, name="nope"), "has no parameter or buffer with name 'nope'")
    raises_like_torch(lambda m: sn(m, n_power_iterations=0), "Expected n_power_iterations to be positive")
    raises_like_torch(lambda m: sn(m, dim=2), "Dimension out of range")


# --- the legacy hooks -----------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("make, shapes", LAYERS)
@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm_matches_pytorch_and_warns(make, shapes, dim):
    def build(m):
        with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
            return m.nn.utils.weight_norm(make(m), dim=dim)

    ours, theirs = check_module(build, shapes)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for lib, layer in ((chainrule, ours), (torch, theirs)):
        lib.nn.utils.remove_weight_norm(layer)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5)
    assert isinstance(ours.weight, nn.Parameter)


@requires_torch
@pytest.mark.parametrize("make, shapes", LAYERS)
def test_legacy_spectral_norm_matches_pytorch_in_train_and_eval(make, shapes):
    def build(m):
        return m.nn.utils.spectral_norm(make(m), n_power_iterations=2)

    ours, theirs = check_module(build, shapes)
    assert list(ours.state_dict())[-3:] == ["weight_orig", "weight_u", "weight_v"]
    ours.train(), theirs.train()
    x = np.random.default_rng(1).standard_normal(shapes[0]).astype(np.float32)
    saved = ours.state_dict()  # its buffers change in place, as PyTorch's
    for _ in range(3):
        ours(chainrule.tensor(x))
        theirs(torch.tensor(x))
    # u and v (unit vectors, entries ~0.3) after five power iterations in float32: the
    # products' rounding, which varies with the library and threads, reaches ~1.5e-6
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(saved[name].numpy(), value.numpy(), rtol=1e-5, atol=1e-5)
    for lib, layer in ((chainrule, ours), (torch, theirs)):
        lib.nn.utils.remove_spectral_norm(layer)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5)


@requires_torch
def test_legacy_hook_errors_are_pytorchs():
    def twice(m, apply):
        layer = apply(m.nn.Linear(2, 2))
        apply(layer)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        assert_same_error(lambda m: twice(m, m.nn.utils.weight_norm), "Cannot register two weight_norm hooks")
        assert_same_error(
            lambda m: m.nn.utils.remove_weight_norm(m.nn.Linear(2, 2)), "weight_norm of 'weight'"
        )
    assert_same_error(lambda m: twice(m, m.nn.utils.spectral_norm), "Cannot register two spectral_norm hooks")
    assert_same_error(
        lambda m: m.nn.utils.remove_spectral_norm(m.nn.Linear(2, 2)), "spectral_norm of 'weight'"
    )
    assert_same_error(lambda m: m.nn.utils.spectral_norm(m.nn.Linear(2, 2), n_power_iterations=0))
    assert_same_error(lambda m: m.nn.utils.spectral_norm(m.nn.Linear(2, 2, bias=False), "bias"))
