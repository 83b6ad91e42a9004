"""LayerNorm and GroupNorm (and F.layer_norm, F.group_norm) against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import assert_same, check, requires_torch, torch


def test_layer_norm_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x, w, b: m.nn.functional.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)])
    check(lambda m, x, w: m.nn.functional.layer_norm(x, (4,), w, eps=1e-3), [(3, 4), (4,)])
    check(lambda m, x: m.nn.functional.layer_norm(x, (5,)), [(2, 2, 5)])


def test_group_norm_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x, w, b: m.nn.functional.group_norm(x, 2, w, b), [(2, 4, 3, 2), (4,), (4,)])
    check(lambda m, x, w: m.nn.functional.group_norm(x, 3, w, eps=1e-3), [(2, 6), (6,)])
    check(lambda m, x: m.nn.functional.group_norm(x, 1), [(3, 2, 5)])


@requires_torch
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.nn.LayerNorm(5), (2, 3, 5)),
        (lambda m: m.nn.LayerNorm((3, 5), eps=1e-3), (2, 3, 5)),
        (lambda m: m.nn.LayerNorm(5, bias=False), (4, 5)),
        (lambda m: m.nn.LayerNorm(5, elementwise_affine=False), (4, 5)),
        (lambda m: m.nn.GroupNorm(2, 4), (2, 4, 3, 3)),
        (lambda m: m.nn.GroupNorm(4, 4), (3, 4, 5)),
        (lambda m: m.nn.GroupNorm(1, 6, affine=False), (2, 6, 2, 2)),
        (lambda m: m.nn.GroupNorm(3, 6, bias=False), (2, 6, 2, 2)),
    ],
    ids=["ln", "ln 2 dims", "ln no bias", "ln no affine", "gn", "gn instance", "gn no affine", "gn no bias"],
)
def test_normalization_layers_match_pytorch_on_the_same_weights(make, shape):
    check_module(make, [shape])


@requires_torch
def test_normalization_layers_match_pytorch_in_float64():
    check_module(lambda m: m.nn.LayerNorm(3), [(2, 3)], dtype=np.float64)
    check_module(lambda m: m.nn.GroupNorm(2, 4), [(2, 4, 3)], dtype=np.float64)


def test_normalization_layers_state_dict_keys_and_initial_values_are_pytorchs():
    ln = nn.LayerNorm((2, 3))
    assert {k: tuple(v.shape) for k, v in ln.state_dict().items()} == {"weight": (2, 3), "bias": (2, 3)}
    np.testing.assert_array_equal(ln.weight.detach().numpy(), np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(ln.bias.detach().numpy(), np.zeros((2, 3), np.float32))
    assert list(nn.LayerNorm(3, elementwise_affine=False).state_dict()) == []
    assert {k: tuple(v.shape) for k, v in nn.GroupNorm(2, 6).state_dict().items()} == {
        "weight": (6,),
        "bias": (6,),
    }
    assert list(nn.GroupNorm(2, 6, bias=False).state_dict()) == ["weight"]


@requires_torch
def test_normalization_layers_print_as_pytorchs():
    for make in (
        lambda m: m.nn.LayerNorm((3, 4)),
        lambda m: m.nn.LayerNorm(3, bias=False),
        lambda m: m.nn.LayerNorm(3, elementwise_affine=False),
        lambda m: m.nn.GroupNorm(2, 4),
        lambda m: m.nn.GroupNorm(2, 4, affine=False),
    ):
        assert repr(make(chainrule)) == repr(make(torch))


def test_normalizations_are_one_graph_node_named_as_pytorchs():
    x = chainrule.randn(2, 4, 3, requires_grad=True)
    assert F.layer_norm(x, (3,)).grad_fn.name() == "NativeLayerNormBackward0"
    assert F.group_norm(x, 2).grad_fn.name() == "NativeGroupNormBackward0"


NORM_ERRORS = {
    "normalized_shape": (
        lambda: F.layer_norm(chainrule.randn(2, 3, 8, 8), (7,)),
        RuntimeError,
        r"Given normalized_shape=\[7\], expected input with shape \[\*, 7\], "
        r"but got input of size\[2, 3, 8, 8\]",
    ),
    "layer norm weight": (
        lambda: F.layer_norm(chainrule.randn(2, 8), (8,), chainrule.ones(7)),
        RuntimeError,
        r"Expected weight to be of same shape as normalized_shape, but got weight of shape \[7\]",
    ),
    "normalized_shape int": (
        lambda: F.layer_norm(chainrule.randn(2, 8), 8),
        TypeError,
        r"argument 'normalized_shape' \(position 2\) must be tuple of ints, not int",
    ),
    "groups": (
        lambda: F.group_norm(chainrule.randn(2, 3, 8), 2),
        RuntimeError,
        r"Expected number of channels in input to be divisible by num_groups, "
        r"but got input of shape \[2, 3, 8\]",
    ),
    "group norm weight": (
        lambda: F.group_norm(chainrule.randn(2, 4, 8), 2, chainrule.ones(3)),
        RuntimeError,
        r"Expected weight to be a vector of size equal to the number of channels in input",
    ),
    "GroupNorm channels": (
        lambda: nn.GroupNorm(3, 4),
        ValueError,
        r"num_channels \(4\) must be divisible by num_groups \(3\)",
    ),
}


@pytest.mark.parametrize("call, error, message", NORM_ERRORS.values(), ids=NORM_ERRORS.keys())
def test_bad_normalization_inputs_raise_pytorchs_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@requires_torch
@pytest.mark.parametrize(
    "make",
    [lambda lib: lib.nn.LayerNorm(5), lambda lib: lib.nn.GroupNorm(1, 3), lambda lib: lib.nn.BatchNorm1d(3)],
    ids=["LayerNorm", "GroupNorm", "BatchNorm1d"],
)
def test_float16_input_with_float32_parameters_normalizes_in_float32(make):
    # refused with "expected weight to have the input's dtype"; PyTorch takes the mix
    values = (np.arange(60).reshape(4, 3, 5) % 7 * 40).astype(np.float16)
    results = []
    for lib in (chainrule, torch):
        lib.manual_seed(0)
        layer = make(lib)
        x = lib.tensor(values, requires_grad=True)
        y = layer(x)
        (y.float() ** 2 * lib.arange(5.0)).sum().backward()
        results.append((y, x.grad, layer.weight.grad))
    for ours, theirs, what in zip(*results, ["output", "input gradient", "weight gradient"]):
        assert_same(ours, theirs, rtol=2e-3, atol=1e-3, where=what)


@requires_torch
@pytest.mark.parametrize(
    "make",
    [lambda lib: lib.nn.BatchNorm1d(3), lambda lib: lib.nn.LayerNorm(3), lambda lib: lib.nn.GroupNorm(1, 3)],
    ids=["BatchNorm1d", "LayerNorm", "GroupNorm"],
)
def test_an_integer_input_raises_pytorchs_exception_type(make):
    # batch norm raised RuntimeError where PyTorch's kernel raises NotImplementedError
    with pytest.raises(Exception) as theirs:
        make(torch)(torch.ones(4, 3, dtype=torch.int64))
    with pytest.raises(theirs.type, match="floating point input"):
        make(chainrule)(chainrule.ones(4, 3, dtype=chainrule.int64))
