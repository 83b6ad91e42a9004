"""MaxPool1d, MaxPool2d, AvgPool2d and AdaptiveAvgPool2d (and their functional
forms) against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import assert_same, check, check_gradient_stays_in_the_graph, check_torch, requires_torch, torch

MAX_POOL_CASES = {
    "kernel 2": dict(kernel_size=2),
    "stride 1 (overlapping)": dict(kernel_size=3, stride=1),
    "padding": dict(kernel_size=3, stride=2, padding=1),
    "rectangular ceil_mode": dict(kernel_size=(3, 2), stride=2, ceil_mode=True),
    "dilation ceil_mode": dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True),
    "stride tuple": dict(kernel_size=2, stride=(1, 2)),
}


@pytest.mark.parametrize("options", MAX_POOL_CASES.values(), ids=MAX_POOL_CASES.keys())
def test_max_pool2d_matches_pytorch_and_finite_differences_to_second_order(options):
    check(lambda m, x: m.nn.functional.max_pool2d(x, **options), [(2, 2, 7, 6)])


@requires_torch
@pytest.mark.parametrize("options", MAX_POOL_CASES.values(), ids=MAX_POOL_CASES.keys())
def test_max_pool2d_returns_pytorchs_indices(options):
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 8)).astype(np.float32)
    _, ours = F.max_pool2d(chainrule.tensor(x), return_indices=True, **options)
    _, theirs = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **options)
    assert ours.dtype == chainrule.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
def test_max_pool2d_sends_the_gradient_of_a_tie_to_the_first_maximum_as_pytorch():
    x = np.zeros((1, 2, 4, 4), np.float32)
    x[0, 1, 1:3, 1:3] = 5.0
    check_torch(lambda m, x: m.nn.functional.max_pool2d(x, 2), None, arrays=[x])
    check_torch(lambda m, x: m.nn.functional.max_pool2d(x, 3, stride=1, padding=1), None, arrays=[x])


@requires_torch
def test_max_pool2d_propagates_nan_and_points_its_index_at_it_as_pytorch():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    out, indices = F.max_pool2d(chainrule.tensor(x), 2, return_indices=True)
    their_out, their_indices = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), their_out.numpy())
    np.testing.assert_array_equal(indices.numpy(), their_indices.numpy())


def test_max_pool1d_matches_pytorch_and_finite_differences():
    check(lambda m, x: m.nn.functional.max_pool1d(x, 3, stride=2, padding=1), [(2, 3, 10)])
    check(lambda m, x: m.nn.functional.max_pool1d(x, 2, ceil_mode=True), [(3, 7)])


def test_max_pool2d_takes_an_unbatched_image():
    check(lambda m, x: m.nn.functional.max_pool2d(x, 2), [(3, 4, 5)])


def test_max_pool2d_without_gradients_gives_the_same_values():
    x = chainrule.randn(2, 3, 8, 8)
    with chainrule.no_grad():
        without = F.max_pool2d(x.requires_grad_(), 3, 2, 1)
    np.testing.assert_array_equal(without.numpy(), F.max_pool2d(x, 3, 2, 1).detach().numpy())


AVG_POOL_CASES = {
    "kernel 2": dict(kernel_size=2),
    "padding": dict(kernel_size=3, stride=2, padding=1),
    "padding not counted": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil_mode": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "ceil_mode padding not counted": dict(
        kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False
    ),
    "divisor_override": dict(kernel_size=(3, 2), stride=1, divisor_override=5),
}


@pytest.mark.parametrize("options", AVG_POOL_CASES.values(), ids=AVG_POOL_CASES.keys())
def test_avg_pool2d_matches_pytorch_and_finite_differences_to_second_order(options):
    check(lambda m, x: m.nn.functional.avg_pool2d(x, **options), [(2, 2, 7, 6)])


@pytest.mark.parametrize("output_size", [1, 2, (3, 4), (None, 3), 7, (7, 6)], ids=str)
def test_adaptive_avg_pool2d_matches_pytorch_and_finite_differences_to_second_order(output_size):
    # 7x6 input: some output sizes divide it, others make overlapping windows
    check(lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, output_size), [(2, 2, 7, 6)])


def test_adaptive_avg_pool2d_takes_an_unbatched_image():
    check(lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, (2, 3)), [(3, 5, 5)])


# --- the layers ------------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.nn.MaxPool2d(2),
        lambda m: m.nn.MaxPool2d(3, 2, 1, 2, ceil_mode=True),
        lambda m: m.nn.MaxPool1d(3, stride=2),
        lambda m: m.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda m: m.nn.AvgPool2d(2, divisor_override=3),
        lambda m: m.nn.AdaptiveAvgPool2d((3, None)),
        lambda m: m.nn.AdaptiveAvgPool2d(1),
    ],
    ids=["max", "max padded", "max1d", "avg", "avg divisor", "adaptive", "global"],
)
def test_pooling_layers_match_pytorch(make):
    shape = (2, 3, 11) if "1d" in repr(make(torch)) else (2, 3, 9, 8)
    check_module(make, [shape])


@requires_torch
def test_max_pool_layer_returns_indices_when_asked():
    x = np.random.default_rng(2).standard_normal((2, 3, 6, 6)).astype(np.float32)
    out, indices = nn.MaxPool2d(3, 2, return_indices=True)(chainrule.tensor(x))
    their_out, their_indices = torch.nn.MaxPool2d(3, 2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(out.numpy(), their_out.numpy())
    np.testing.assert_array_equal(indices.numpy(), their_indices.numpy())


@requires_torch
def test_pooling_layers_print_as_pytorchs():
    for make in (
        lambda m: m.nn.MaxPool2d(2),
        lambda m: m.nn.MaxPool2d(3, 2, 1, 2, True, True),
        lambda m: m.nn.MaxPool1d(2),
        lambda m: m.nn.AvgPool2d(3, 2, 1, True, False, 2),
        lambda m: m.nn.AdaptiveAvgPool2d((5, None)),
    ):
        assert repr(make(chainrule)) == repr(make(torch))


def test_max_pool2d_is_one_graph_node_named_as_pytorchs():
    x = chainrule.randn(1, 2, 4, 4, requires_grad=True)
    assert F.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"
    assert F.adaptive_avg_pool2d(x, 3).grad_fn.name() == "AdaptiveAvgPool2DBackward0"


@requires_torch
def test_a_gradient_penalty_through_pooling_matches_pytorch():
    x_array = np.random.default_rng(3).standard_normal((2, 2, 6, 6))
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(x_array, requires_grad=True)
        h = x * x
        y = (lib.nn.functional.max_pool2d(h, 3, 2, 1) + lib.nn.functional.avg_pool2d(h, 2)[..., :3, :3]).sum()
        (grad_x,) = lib.autograd.grad(y, x, create_graph=True)
        (grad_x.square().sum()).backward()
        results[lib] = x.grad.numpy()
    np.testing.assert_allclose(results[chainrule], results[torch], rtol=1e-10)


@requires_torch
def test_max_pool2d_keeps_its_input_in_the_graph_as_pytorch():
    x = np.arange(12.0).reshape(1, 1, 3, 4) % 5
    check_gradient_stays_in_the_graph(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), x)


@requires_torch
def test_changing_max_pool2d_input_in_place_before_backward_raises_as_pytorch():
    for lib in (chainrule, torch):
        h = lib.randn(1, 1, 4, 4, requires_grad=True) * 1
        y = lib.nn.functional.max_pool2d(h, 2)
        h.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


# --- errors ----------------------------------------------------------------------------------------


POOL_ERRORS = {
    "padding larger than half the kernel": (
        lambda: F.max_pool2d(chainrule.randn(2, 3, 8, 8), 3, padding=2),
        r"pad should be at most half of effective kernel size, but got pad=2, kernel_size=3",
    ),
    "padding within the dilated kernel but above half the kernel": (
        lambda: F.max_pool2d(chainrule.randn(2, 3, 9, 9), 3, padding=2, dilation=2),
        r"pad should be smaller than or equal to half of kernel size, but got pad=2, kernel_size=3",
    ),
    "the same in one dimension": (
        lambda: F.max_pool1d(chainrule.randn(2, 3, 9), 3, padding=2, dilation=2),
        r"pad should be smaller than or equal to half of kernel size",
    ),
    "avg padding": (
        lambda: F.avg_pool2d(chainrule.randn(2, 3, 8, 8), 3, padding=2),
        r"pad should be at most half of kernel size",
    ),
    "kernel larger than the input": (
        lambda: F.max_pool2d(chainrule.randn(2, 3, 8, 8), 9),
        r"Given input size: \(3x8x8\). Calculated output size: \(3x0x0\). Output size is too small",
    ),
    "rank": (
        lambda: F.max_pool2d(chainrule.randn(8, 8), 2),
        r"non-empty 3D or 4D \(batch mode\) tensor expected for input, got a tensor of size \[8, 8\]",
    ),
    "adaptive rank": (
        lambda: F.adaptive_avg_pool2d(chainrule.randn(8), 2),
        r"Expected 3D or 4D tensor",
    ),
}


@pytest.mark.parametrize("call, message", POOL_ERRORS.values(), ids=POOL_ERRORS.keys())
def test_bad_pooling_arguments_raise_pytorchs_runtime_error_naming_the_shapes(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_an_empty_batch_is_pooled_to_an_empty_output_but_empty_channels_raise():
    assert F.max_pool2d(chainrule.randn(0, 3, 8, 8), 2).shape == (0, 3, 4, 4)
    assert F.avg_pool2d(chainrule.randn(0, 3, 8, 8), 2).shape == (0, 3, 4, 4)
    with pytest.raises(RuntimeError, match=r"optional 0 dim batch size for input, but got:\[2, 0, 8, 8\]"):
        F.max_pool2d(chainrule.randn(2, 0, 8, 8), 2)


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.AvgPool1d(3),
        lambda nn: nn.AvgPool1d(3, 2, 1),
        lambda nn: nn.AvgPool1d(4, 3, 2, ceil_mode=True, count_include_pad=False),
        lambda nn: nn.AvgPool1d((2,), (2,)),
        lambda nn: nn.AdaptiveAvgPool1d(4),
        lambda nn: nn.AdaptiveAvgPool1d(1),
    ],
)
@pytest.mark.parametrize("shape", [(2, 3, 10), (3, 10)], ids=["batched", "unbatched"])
def test_one_dimensional_average_pools_match_pytorch(make, shape):
    # AvgPool1d and AdaptiveAvgPool1d were missing (d2l's TextCNN pools over time with them)
    def scenario(lib):
        layer = make(lib.nn)
        x = (lib.arange(float(np.prod(shape))).reshape(shape) / 7).requires_grad_()
        y = layer(x)
        (y * lib.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        return repr(layer), y, x.grad

    ours, theirs = scenario(chainrule), scenario(torch)
    assert ours[0] == theirs[0]
    assert_same(ours[1:], theirs[1:])


@pytest.mark.parametrize(
    "op",
    [
        lambda m, x: m.nn.functional.avg_pool1d(x, 3, 2, 1),
        lambda m, x: m.nn.functional.adaptive_avg_pool1d(x, 3),
    ],
    ids=["avg_pool1d", "adaptive_avg_pool1d"],
)
def test_one_dimensional_average_pools_match_finite_differences(op):
    check(op, [(2, 3, 7)])


@requires_torch
@pytest.mark.parametrize("size", [(2, 3), 1, (3, 5), (2, None), (4, 7)], ids=str)
def test_adaptive_max_pool2d_matches_pytorch_with_indices_and_gradients(size):
    # AdaptiveMaxPool2d was missing (global max pooling); (4, 7) makes windows overlap
    rows = [[[[1.0, 5.0, 2.0, 0.0, 3.0], [4.0, 4.0, 1.0, 7.0, 2.0], [0.0, 2.0, 9.0, 1.0, 1.0]]]]

    def scenario(lib):
        x = lib.tensor(rows, requires_grad=True)
        y, index = lib.nn.AdaptiveMaxPool2d(size, return_indices=True)(x)
        (y * lib.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        return y.detach(), index, x.grad, lib.nn.functional.adaptive_max_pool2d(x.detach()[0], size)

    ours, theirs = scenario(chainrule), scenario(torch)
    assert_same(ours, theirs)
    assert repr(chainrule.nn.AdaptiveMaxPool2d(size)) == repr(torch.nn.AdaptiveMaxPool2d(size))


def test_adaptive_max_pool2d_matches_finite_differences():
    check(lambda m, x: m.nn.functional.adaptive_max_pool2d(x, (2, 3)), [(2, 3, 5, 7)])
