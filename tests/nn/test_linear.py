"""Linear, Bilinear, Identity, Flatten and Unflatten against PyTorch."""

import math

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import assert_uniform, check_module
from oracle import check, check_torch, requires_torch


@requires_torch
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3,)], ids=["batch", "leading-dims", "unbatched"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_pytorch_on_the_same_weights(shape, bias):
    check_module(lambda m: m.nn.Linear(3, 6, bias=bias), [shape])


@requires_torch
@pytest.mark.parametrize("out_features", [1, 4, 300])
def test_linear_adds_the_bias_of_one_few_or_many_output_features_like_pytorch(out_features):
    # The bias is added as a scalar, row by row, or broadcast, depending on its length.
    check_module(lambda m: m.nn.Linear(3, out_features), [(7, 3)])
    check_module(lambda m: m.nn.Linear(3, out_features), [(2, 7, 3)])


@requires_torch
def test_linear_matches_pytorch_in_float64():
    ours, _ = check_module(lambda m: m.nn.Linear(3, 2), [(4, 3)], dtype=np.float64)
    assert ours.weight.dtype == chainrule.float64


def test_functional_linear_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(2, 4, 3), (5, 3), (5,)])
    check(lambda m, x, w: m.nn.functional.linear(x, w), [(3,), (2, 3)])
    check(lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(4, 3), (1, 3), (1,)])


def test_linear_is_one_graph_node_whose_inputs_are_the_leaves():
    layer = nn.Linear(3, 2)
    x = chainrule.randn(4, 3, requires_grad=True)
    y = layer(x)
    assert y.grad_fn.name() == "LinearBackward0"
    leaves = [node.variable for node, _ in y.grad_fn.next_functions]
    assert leaves[0] is x and leaves[1] is layer.weight and leaves[2] is layer.bias


def test_linear_keeps_float32_and_returns_gradients_of_the_parameters_shapes():
    layer = nn.Linear(3, 2)
    y = layer(chainrule.randn(5, 4, 3))
    assert y.dtype == chainrule.float32 and y.shape == (5, 4, 2)
    y.sum().backward()
    assert layer.weight.grad.shape == (2, 3) and layer.bias.grad.shape == (2,)
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(2, 20.0))


def test_linear_default_init_draws_weight_and_bias_from_uniform_of_one_over_sqrt_fan_in():
    chainrule.manual_seed(0)
    layer = nn.Linear(400, 300)
    assert_uniform(layer.weight.detach().numpy(), 1 / math.sqrt(400))
    assert_uniform(layer.bias.detach().numpy(), 1 / math.sqrt(400))


def test_manual_seed_makes_layer_initialisation_repeatable():
    chainrule.manual_seed(3)
    first = nn.Linear(4, 4).weight.detach().numpy().copy()
    chainrule.manual_seed(3)
    assert np.array_equal(nn.Linear(4, 4).weight.detach().numpy(), first)


def test_linear_dtype_argument_creates_parameters_of_that_dtype():
    layer = nn.Linear(2, 3, dtype=chainrule.float64)
    assert layer.weight.dtype == chainrule.float64 and layer.bias.dtype == chainrule.float64


def test_linear_without_bias_registers_bias_as_none():
    layer = nn.Linear(2, 3, bias=False)
    assert layer.bias is None
    assert list(layer.state_dict()) == ["weight"]
    assert repr(layer) == "Linear(in_features=2, out_features=3, bias=False)"


def test_linear_with_the_wrong_number_of_input_features_raises_naming_both_shapes():
    with pytest.raises(
        RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x4 and 3x5\).*\(2, 4\)"
    ):
        nn.Linear(3, 5)(chainrule.zeros(2, 4))


def test_linear_with_an_input_of_another_dtype_raises_naming_both_dtypes():
    with pytest.raises(RuntimeError, match="same dtype.*float64.*float32"):
        nn.Linear(3, 5)(chainrule.zeros(2, 3, dtype=chainrule.float64))


def test_linear_of_a_scalar_raises():
    with pytest.raises(RuntimeError, match="at least 1D"):
        F.linear(chainrule.tensor(1.0), chainrule.zeros(2, 1))


@requires_torch
@pytest.mark.parametrize("shape1, shape2", [((4, 3), (4, 2)), ((2, 5, 3), (2, 5, 2))])
def test_bilinear_matches_pytorch_on_the_same_weights(shape1, shape2):
    check_module(lambda m: m.nn.Bilinear(3, 2, 4), [shape1, shape2])


def test_functional_bilinear_matches_pytorch_and_finite_differences():
    check(lambda m, a, b, w, bias: m.nn.functional.bilinear(a, b, w, bias), [(3, 2), (3, 4), (5, 2, 4), (5,)])


def test_bilinear_default_init_draws_from_uniform_of_one_over_sqrt_in1_features():
    chainrule.manual_seed(0)
    layer = nn.Bilinear(25, 10, 40)
    assert_uniform(layer.weight.detach().numpy(), 1 / 5)
    assert layer.weight.shape == (40, 25, 10)
    assert np.abs(layer.bias.detach().numpy()).max() <= 1 / 5


def test_bilinear_with_mismatched_inputs_raises_naming_the_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(2, 5\).*\(4, 3, 2\)"):
        nn.Bilinear(3, 2, 4)(chainrule.zeros(2, 3), chainrule.zeros(2, 5))


def test_identity_returns_its_input_and_ignores_constructor_arguments():
    x = chainrule.ones(2)
    assert nn.Identity(3, flag=True)(x) is x


@requires_torch
def test_flatten_and_unflatten_match_pytorch():
    check_module(lambda m: m.nn.Flatten(), [(2, 3, 4)])
    check_module(lambda m: m.nn.Flatten(0, 1), [(2, 3, 4)])
    check_module(lambda m: m.nn.Unflatten(1, (3, 4)), [(2, 12)])
    check_torch(lambda m, x: m.nn.Unflatten(-1, [2, 2])(x), [(3, 4)])


def test_flatten_and_unflatten_reprs_are_pytorchs():
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 5))) == "Unflatten(dim=1, unflattened_size=(2, 5))"


def test_unflatten_with_a_size_that_is_not_ints_raises_type_error():
    with pytest.raises(TypeError, match="unflattened_size"):
        nn.Unflatten(1, 5)
