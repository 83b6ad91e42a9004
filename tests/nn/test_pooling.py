"""The pooling and max-unpooling layers (and their functional
forms) against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import (
    assert_same,
    assert_same_error,
    check,
    check_gradient_stays_in_the_graph,
    check_torch,
    requires_torch,
    torch,
)

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


@requires_torch
def test_global_average_pooling_and_a_one_pixel_input_match_pytorch_on_realistic_sizes():
    # one output pixel (a ResNet's head) and one input pixel take their own NumPy routes
    check_torch(lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 1), [(8, 64, 16, 16)])
    check_torch(lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, (3, 5)), [(4, 6, 1, 1)])


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


# --- max unpooling, adaptive max pooling in 1-D ----------------------------------------------------


def _distinct(shape):
    """float32 values of ``shape`` all different (so no window has a tie)."""
    return np.random.default_rng(3).permutation(int(np.prod(shape))).reshape(shape).astype(np.float32)


def _pooled_indices(m, shape, spatial, **options):
    """max_pool's indices for a fixed input of ``shape``."""
    pool = m.nn.functional.max_pool2d if spatial == 2 else m.nn.functional.max_pool1d
    return pool(m.tensor(_distinct(shape)), return_indices=True, **options)[1]


UNPOOL2D_CASES = {
    "kernel 2": ((2, 3, 6, 8), dict(kernel_size=2), None),
    "kernel 3 stride 3 padding 1": ((2, 3, 7, 6), dict(kernel_size=3, stride=3, padding=1), (7, 6)),
    "rectangular": ((2, 3, 6, 6), dict(kernel_size=(2, 3)), None),
    "output size": ((2, 3, 7, 7), dict(kernel_size=2), (7, 7)),
    "whole output shape": ((2, 3, 5, 6), dict(kernel_size=2), [2, 3, 5, 6]),
    "unbatched": ((3, 6, 4), dict(kernel_size=2), None),
}


@pytest.mark.parametrize("shape, options, output_size", UNPOOL2D_CASES.values(), ids=UNPOOL2D_CASES.keys())
def test_max_unpool2d_matches_pytorch_and_finite_differences_to_second_order(shape, options, output_size):
    def fn(m, x):
        indices = _pooled_indices(m, shape, 2, **options)
        return m.nn.functional.max_unpool2d(x, indices, output_size=output_size, **options)

    pooled_shape = tuple(_pooled_indices(chainrule, shape, 2, **options).shape)
    check(fn, [pooled_shape])


UNPOOL1D_CASES = {
    "kernel 2": ((2, 3, 9), dict(kernel_size=2), None),
    "kernel 3 stride 3 padding 1": ((2, 3, 8), dict(kernel_size=3, stride=3, padding=1), [8]),
    "output size": ((2, 3, 9), dict(kernel_size=2), [9]),
    "unbatched": ((3, 8), dict(kernel_size=2), None),
}


@pytest.mark.parametrize("shape, options, output_size", UNPOOL1D_CASES.values(), ids=UNPOOL1D_CASES.keys())
def test_max_unpool1d_matches_pytorch_and_finite_differences_to_second_order(shape, options, output_size):
    def fn(m, x):
        indices = _pooled_indices(m, shape, 1, **options)
        return m.nn.functional.max_unpool1d(x, indices, output_size=output_size, **options)

    pooled_shape = tuple(_pooled_indices(chainrule, shape, 1, **options).shape)
    check(fn, [pooled_shape])


@requires_torch
@pytest.mark.parametrize("spatial", [1, 2])
def test_max_unpool_layers_undo_max_pool_layers_as_pytorch(spatial):
    shape = (2, 3, 9) if spatial == 1 else (2, 3, 5, 7)

    def unpool_pooled(m, layer, x):
        pool = (
            m.nn.MaxPool1d(2, return_indices=True) if spatial == 1 else m.nn.MaxPool2d(2, return_indices=True)
        )
        return layer(*pool(x), output_size=list(shape[2:]))

    make = (lambda m: m.nn.MaxUnpool1d(2)) if spatial == 1 else (lambda m: m.nn.MaxUnpool2d(2, stride=2))
    check_module(make, [shape], call=unpool_pooled)
    for make_unpool in (
        lambda m: m.nn.MaxUnpool1d(2),
        lambda m: m.nn.MaxUnpool1d((3,), stride=2, padding=1),
        lambda m: m.nn.MaxUnpool2d((2, 3)),
        lambda m: m.nn.MaxUnpool2d(2, stride=1, padding=1),
    ):
        ours, theirs = make_unpool(chainrule), make_unpool(torch)
        assert repr(ours) == repr(theirs)
        assert (ours.kernel_size, ours.stride, ours.padding) == (
            theirs.kernel_size,
            theirs.stride,
            theirs.padding,
        )


UNPOOL_ERRORS = {
    "index past the output": (lambda m, x, i: m.nn.functional.max_unpool2d(x, i + 6 * (i == 15), 2),
                              "Found an invalid max index: 21 (output volumes are of size 4x4)"),
    "negative index": (lambda m, x, i: m.nn.functional.max_unpool2d(x, i - 20 * (i == 15), 2),
                       "Found an invalid max index: -5"),
    "float indices": (lambda m, x, i: m.nn.functional.max_unpool2d(x, i.float(), 2),
                      "elements in indices should be type int64 but got: Float"),
    "int32 indices": (lambda m, x, i: m.nn.functional.max_unpool2d(x, i.int(), 2),
                      "elements in indices should be type int64 but got: Int"),
    "indices shape": (lambda m, x, i: m.nn.functional.max_unpool2d(x, i[:, :1], 2),
                      "Expected shape of indices to be same as that of the input tensor ([1, 2, 2, 2])"),
    "2-D input": (lambda m, x, i: m.nn.functional.max_unpool2d(x[0, 0], i[0, 0], 2),
                  "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 2 dimensions"),
    "integer input": (lambda m, x, i: m.nn.functional.max_unpool2d(x.int(), i, 2),
                      "\"max_unpool2d\" not implemented for 'Int'"),
    "output size too far": (lambda m, x, i: m.nn.functional.max_unpool2d(x, i, 2, output_size=(7, 5)),
                            'invalid output_size "(7, 5)" (dim 0 must be between 2 and 6)'),
    "output size length": (lambda m, x, i: m.nn.functional.max_unpool2d(x, i, 2, output_size=(1, 2, 5)),
                           "output_size should be a sequence containing 2 or 4 elements"),
    "negative size": (lambda m, x, i: m.nn.functional.max_unpool2d(x, i, 2, padding=3),
                      "output_size must contain non-negative spatial dimensions, but got output_size[0]=-2"),
    "empty channels": (lambda m, x, i: m.nn.functional.max_unpool2d(x[:, :0], i[:, :0], 2),
                       "Expected input to have non-zero size for non-batch dimensions, but got [1, 0, 2, 2]"),
    "1-D index past the output": (lambda m, x, i: m.nn.functional.max_unpool1d(x[0], i[0] + 10, 2),
                                  "(output volumes are of size 4x1)"),
    "1-D input of 4 dims": (lambda m, x, i: m.nn.functional.max_unpool1d(x, i, 2),
                            "but got a tensor with 5 dimensions"),
}  # fmt: skip


@requires_torch
@pytest.mark.parametrize("call", UNPOOL_ERRORS.values(), ids=UNPOOL_ERRORS.keys())
def test_bad_max_unpool_arguments_raise_pytorchs_errors(call):
    call, message = call
    x = np.arange(16.0, dtype=np.float32).reshape(1, 1, 4, 4).repeat(2, axis=1)

    def scenario(m):
        values, indices = m.nn.functional.max_pool2d(m.tensor(x), 2, return_indices=True)
        return call(m, values, indices)

    assert_same_error(scenario, message)


def test_max_unpool_on_an_empty_batch_gives_an_empty_output():
    x = chainrule.zeros(0, 3, 2, 2, requires_grad=True)
    y = F.max_unpool2d(x, chainrule.zeros(0, 3, 2, 2, dtype=chainrule.int64), 2)
    assert y.shape == (0, 3, 4, 4)


@requires_torch
@pytest.mark.parametrize("name", ["max_pool1d_with_indices", "max_pool2d_with_indices"])
def test_max_pool_with_indices_returns_values_and_indices_whatever_return_indices_says(name):
    shape = (2, 3, 9) if "1d" in name else (2, 3, 7, 6)
    for return_indices in (False, True):
        assert_same(
            *(
                getattr(m.nn.functional, name)(m.tensor(_distinct(shape)), 3, 2,
                                               return_indices=return_indices)
                for m in (chainrule, torch)
            )
        )  # fmt: skip


@requires_torch
@pytest.mark.parametrize("size", [3, (2,), 1, 7, 10], ids=str)
def test_adaptive_max_pool1d_matches_pytorch_with_indices_and_gradients(size):
    def scenario(lib):
        x = lib.tensor(_distinct((2, 3, 7)), requires_grad=True)
        y, index = lib.nn.AdaptiveMaxPool1d(size, return_indices=True)(x)
        (y * lib.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        unbatched = lib.nn.functional.adaptive_max_pool1d(x.detach()[0], size, True)
        return y.detach(), index, x.grad, unbatched, lib.nn.functional.adaptive_max_pool1d(x.detach(), size)

    assert_same(scenario(chainrule), scenario(torch))
    assert repr(chainrule.nn.AdaptiveMaxPool1d(size)) == repr(torch.nn.AdaptiveMaxPool1d(size))


def test_adaptive_max_pool1d_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x: m.nn.functional.adaptive_max_pool1d(x, 3), [(2, 3, 8)])
    check_module(lambda m: m.nn.AdaptiveMaxPool1d(4), [(2, 3, 9)])


ADAPTIVE_MAX_POOL1D_ERRORS = {
    "two sizes": ((3, 7), (3, 2), "argument 'output_size' should contain one int (got 2)"),
    "4-D input": ((1, 3, 3, 7), 3, "Expected 2 to 3 dimensions, but got 4-dimensional tensor"),
    "1-D input": ((7,), 3, "Expected 2 to 3 dimensions, but got 1-dimensional tensor"),
    "empty length": ((2, 3, 0), 3, "with dimension 2 being empty"),
    "empty channels": ((2, 0, 3), 3, "with dimension 1 being empty"),
    "no size": ((2, 3, 5), None, "must be tuple of ints, not NoneType"),
    "negative size": ((2, 3, 5), -1, None),
}


@requires_torch
@pytest.mark.parametrize(
    "shape, size, message", ADAPTIVE_MAX_POOL1D_ERRORS.values(), ids=ADAPTIVE_MAX_POOL1D_ERRORS.keys()
)
def test_bad_adaptive_max_pool1d_arguments_raise_pytorchs_errors(shape, size, message):
    assert_same_error(lambda m: m.nn.functional.adaptive_max_pool1d(m.ones(shape), size, True), message)
    assert_same_error(
        lambda m: m.nn.functional.adaptive_max_pool1d(m.ones(2, 3, 5, dtype=m.int32), 2),
        "not implemented for 'Int'",
    )


# --- power-average (LP) pooling ----------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "norm_type, kernel_size, stride, ceil_mode",
    [(2, 2, None, False), (1, 3, 1, False), (3, (2, 3), (1, 2), False), (1.5, 2, 1, True), (2, 3, 2, True)],
)
def test_lp_pool2d_matches_pytorch_for_values_and_gradients(norm_type, kernel_size, stride, ceil_mode):
    # positive inputs: x^p of a negative x is NaN for a fractional p in both libraries
    make = lambda m: m.nn.LPPool2d(norm_type, kernel_size, stride, ceil_mode)  # noqa: E731
    check_module(make, [(2, 3, 5, 7)], low=0.1, high=2.0)
    check_module(make, [(3, 5, 7)], low=0.1, high=2.0)
    assert repr(make(chainrule)) == repr(make(torch))


@requires_torch
@pytest.mark.parametrize(
    "norm_type, kernel_size, stride, ceil_mode", [(2, 2, None, False), (1, 3, 1, False), (3, 2, 2, True)]
)
def test_lp_pool1d_matches_pytorch_for_values_and_gradients(norm_type, kernel_size, stride, ceil_mode):
    make = lambda m: m.nn.LPPool1d(norm_type, kernel_size, stride, ceil_mode)  # noqa: E731
    check_module(make, [(2, 3, 9)], low=0.1, high=2.0)
    check_module(make, [(3, 8)], low=0.1, high=2.0)
    assert repr(make(chainrule)) == repr(make(torch))


@requires_torch
@pytest.mark.parametrize("norm_type", [2, 4, float("inf"), -float("inf")])
def test_lp_pool_of_signed_inputs_matches_pytorch(norm_type):
    # even powers and the infinite norms (max of |x|, and minus the max of -|x|) take any sign
    check_torch(lambda m, x: m.nn.functional.lp_pool2d(x, norm_type, 2), [(2, 3, 4, 6)])
    check_torch(lambda m, x: m.nn.functional.lp_pool1d(x, norm_type, 3, 2), [(2, 3, 9)])


@requires_torch
def test_lp_pool_of_an_all_zero_window_matches_pytorch():
    arrays = [np.zeros((1, 1, 2, 4), np.float32)]
    arrays[0][..., 2:] = 1.5
    check_torch(lambda m, x: m.nn.functional.lp_pool2d(x, 2, 2), None, arrays=arrays)


@pytest.mark.parametrize("norm_type", [1, 2, 3])
def test_lp_pool_gradients_match_finite_differences_to_second_order(norm_type):
    check(lambda m, x: m.nn.functional.lp_pool2d(x, norm_type, 2, 1), [(1, 2, 4, 5)], low=0.2, high=2.0)
    check(lambda m, x: m.nn.functional.lp_pool1d(x, norm_type, 2), [(2, 2, 6)], low=0.2, high=2.0)


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.functional.lp_pool2d(m.ones(1, 1, 2, 2), 2, 3),
        lambda m: m.nn.functional.lp_pool1d(m.ones(1, 1, 4), 2, 2, 0),
        lambda m: m.nn.functional.lp_pool2d(m.ones(1, 2, 2), 2, (1,)),
    ],
)
def test_lp_pool_bad_arguments_raise_pytorchs_errors(call):
    assert_same_error(call)
