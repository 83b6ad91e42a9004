"""conv3d, conv_transpose3d, max/avg/adaptive pooling and dropout3d of volumes
(chainrule/ops/volume.py) against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F

from oracle import (
    assert_same,
    assert_same_error,
    check,
    check_gradcheck,
    check_torch,
    graph_node_names,
    random_inputs,
    requires_torch,
    torch,
)

CONV3D_CASES = {
    "plain": dict(),
    "stride": dict(stride=2),
    "padding": dict(padding=1),
    "per-side stride padding dilation": dict(stride=(2, 1, 1), padding=(1, 0, 2), dilation=(2, 1, 2)),
    "all of them": dict(stride=(1, 2, 3), padding=2, dilation=2),
    "same": dict(padding="same"),
    "same with dilation": dict(padding="same", dilation=(1, 2, 1)),
    "valid": dict(padding="valid"),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note about its own copy
@pytest.mark.parametrize("options", CONV3D_CASES.values(), ids=CONV3D_CASES.keys())
def test_conv3d_matches_pytorch_and_finite_differences_to_second_order(options):
    check(
        lambda m, x, w, b: m.nn.functional.conv3d(x, w, b, **options),
        [(2, 2, 5, 4, 5), (3, 2, 2, 3, 2), (3,)],
    )


def test_conv3d_with_groups_and_without_bias_matches_pytorch_and_finite_differences():
    check(
        lambda m, x, w: m.nn.functional.conv3d(x, w, groups=2, padding=1), [(2, 4, 3, 3, 3), (6, 2, 2, 1, 2)]
    )


def test_conv3d_with_an_even_kernel_and_same_padding_pads_the_extra_plane_at_the_end_as_pytorch():
    check_torch(
        lambda m, x, w: m.nn.functional.conv3d(x, w, padding="same"), [(1, 2, 5, 4, 3), (2, 2, 2, 4, 2)]
    )


def test_conv3d_takes_an_unbatched_volume_and_an_empty_batch_as_pytorch():
    check_torch(lambda m, x, w: m.nn.functional.conv3d(x, w, padding=1), [(2, 3, 3, 3), (4, 2, 2, 2, 2)])
    check_torch(lambda m, x, w: m.nn.functional.conv3d(x, w), [(0, 2, 3, 3, 3), (4, 2, 2, 2, 2)])


def test_conv3d_is_one_graph_node_named_as_pytorchs():
    def scenario(m):
        x = m.randn(1, 2, 3, 3, 3, requires_grad=True)
        return graph_node_names(m.nn.functional.conv3d(x, m.randn(1, 2, 2, 2, 2)))

    assert scenario(chainrule) == scenario(torch) == ["ConvolutionBackward0"]


CONV_TRANSPOSE3D_CASES = {
    "plain": dict(),
    "stride": dict(stride=2),
    "padding": dict(stride=2, padding=1),
    "output padding": dict(stride=(2, 3, 2), padding=(1, 0, 1), output_padding=(1, 2, 0)),
    "dilation": dict(dilation=(2, 1, 2), padding=1),
    "output padding past the stride, below the dilation": dict(dilation=3, output_padding=(1, 2, 0)),
}


@pytest.mark.parametrize("options", CONV_TRANSPOSE3D_CASES.values(), ids=CONV_TRANSPOSE3D_CASES.keys())
def test_conv_transpose3d_matches_pytorch_and_finite_differences_to_second_order(options):
    check(
        lambda m, x, w, b: m.nn.functional.conv_transpose3d(x, w, b, **options),
        [(2, 2, 3, 2, 3), (2, 3, 2, 2, 3), (3,)],
    )


def test_conv_transpose3d_with_groups_and_an_unbatched_input_matches_pytorch():
    check(
        lambda m, x, w: m.nn.functional.conv_transpose3d(x, w, groups=2, stride=2),
        [(4, 2, 3, 2), (4, 3, 2, 2, 1)],
    )


@requires_torch
def test_conv_transpose3d_is_the_gradient_of_conv3d_with_respect_to_its_input():
    x, w, g = random_inputs([(2, 3, 6, 5, 4), (4, 3, 3, 2, 2), (2, 4, 3, 3, 3)], np.float64)
    x = chainrule.tensor(x, requires_grad=True)
    y = F.conv3d(x, chainrule.tensor(w), stride=2, padding=1)
    y.backward(chainrule.tensor(g))
    transposed = F.conv_transpose3d(
        chainrule.tensor(g), chainrule.tensor(w), stride=2, padding=1, output_padding=(1, 1, 0)
    )
    np.testing.assert_allclose(transposed.numpy(), x.grad.numpy(), rtol=1e-12)


BAD_CONV3D = {
    "a 3-D input": (
        lambda m: m.nn.functional.conv3d(m.randn(2, 3, 3), m.randn(1, 2, 1, 1, 1)),
        "Expected 4D",
    ),
    "a 4-D weight": (lambda m: m.nn.functional.conv3d(m.randn(1, 2, 3, 3, 3), m.randn(1, 2, 1, 1)), "weight"),
    "channels": (
        lambda m: m.nn.functional.conv3d(m.randn(1, 2, 3, 3, 3), m.randn(1, 3, 1, 1, 1)),
        "channels",
    ),
    "groups": (
        lambda m: m.nn.functional.conv3d(m.randn(1, 4, 3, 3, 3), m.randn(3, 2, 1, 1, 1), groups=2),
        "divisible by 2",
    ),
    "bias": (
        lambda m: m.nn.functional.conv3d(m.randn(1, 2, 3, 3, 3), m.randn(4, 2, 1, 1, 1), m.randn(3)),
        "bias",
    ),
    "a kernel larger than the input": (
        lambda m: m.nn.functional.conv3d(m.randn(1, 2, 3, 3, 3), m.randn(1, 2, 4, 1, 1)),
        "Kernel size can't be greater",
    ),
    "same with a stride": (
        lambda m: m.nn.functional.conv3d(
            m.randn(1, 2, 3, 3, 3), m.randn(1, 2, 1, 1, 1), stride=2, padding="same"
        ),
        "strided",
    ),
    "two strides": (
        lambda m: m.nn.functional.conv3d(m.randn(1, 2, 3, 3, 3), m.randn(1, 2, 1, 1, 1), stride=(1, 2)),
        "stride",
    ),
    "zero stride": (
        lambda m: m.nn.functional.conv3d(m.randn(1, 2, 3, 3, 3), m.randn(1, 2, 1, 1, 1), stride=0),
        "stride",
    ),
    "transposed channels": (
        lambda m: m.nn.functional.conv_transpose3d(m.randn(1, 2, 3, 3, 3), m.randn(3, 2, 1, 1, 1)),
        "channels",
    ),
    "transposed output padding": (
        lambda m: m.nn.functional.conv_transpose3d(
            m.randn(1, 2, 3, 3, 3), m.randn(2, 2, 1, 1, 1), stride=2, output_padding=2
        ),
        "output padding",
    ),
    "transposed on a 6-D input": (
        lambda m: m.nn.functional.conv_transpose3d(m.randn(1, 1, 2, 3, 3, 3), m.randn(2, 2, 1, 1, 1)),
        "Expected 4D",
    ),
}


@requires_torch
@pytest.mark.parametrize("call, message", BAD_CONV3D.values(), ids=BAD_CONV3D.keys())
def test_bad_conv3d_arguments_raise_pytorchs_errors(call, message):
    assert_same_error(call, message)


# --- pooling -----------------------------------------------------------------------------------------

MAX_POOL3D_CASES = {
    "plain": dict(kernel_size=2),
    "stride and padding": dict(kernel_size=3, stride=2, padding=1),
    "per-side": dict(kernel_size=(2, 3, 1), stride=(1, 2, 1), padding=(1, 1, 0)),
    "dilation": dict(kernel_size=2, dilation=(2, 1, 2), padding=1),
    "ceil mode": dict(kernel_size=2, stride=2, ceil_mode=True),
    "ceil mode with padding": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
}


@pytest.mark.parametrize("options", MAX_POOL3D_CASES.values(), ids=MAX_POOL3D_CASES.keys())
def test_max_pool3d_matches_pytorch_and_finite_differences_to_second_order(options):
    # distinct values, so no window has a tie for its maximum
    x = np.random.default_rng(0).permutation(2 * 2 * 5 * 6 * 5).reshape(2, 2, 5, 6, 5) / 7.0
    check(lambda m, x: m.nn.functional.max_pool3d(x, **options), [], arrays=[x.astype(np.float32)])


@requires_torch
@pytest.mark.parametrize("options", MAX_POOL3D_CASES.values(), ids=MAX_POOL3D_CASES.keys())
def test_max_pool3d_returns_pytorchs_indices(options):
    check_torch(
        lambda m, x: m.nn.functional.max_pool3d(x, return_indices=True, **options)[1], [(2, 2, 5, 6, 5)]
    )
    check_torch(lambda m, x: m.nn.functional.max_pool3d_with_indices(x, **options), [(2, 5, 6, 5)])


@requires_torch
def test_max_pool3d_with_ties_and_nans_picks_pytorchs_element():
    x = np.zeros((1, 2, 4, 4, 4), np.float32)
    x[0, 1, 1, 2, 3] = x[0, 1, 3, 0, 0] = np.nan
    check_torch(lambda m, x: m.nn.functional.max_pool3d(x, 2, 1, return_indices=True), [], arrays=[x])


AVG_POOL3D_CASES = {
    "plain": dict(kernel_size=2),
    "stride and padding": dict(kernel_size=3, stride=2, padding=1),
    "padding not counted": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil mode": dict(kernel_size=(2, 3, 2), stride=2, padding=(1, 0, 1), ceil_mode=True),
    "ceil mode, padding not counted": dict(
        kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False
    ),
    "divisor override": dict(kernel_size=2, stride=1, divisor_override=3),
}


@pytest.mark.parametrize("options", AVG_POOL3D_CASES.values(), ids=AVG_POOL3D_CASES.keys())
def test_avg_pool3d_matches_pytorch_and_finite_differences_to_second_order(options):
    check(lambda m, x: m.nn.functional.avg_pool3d(x, **options), [(2, 2, 5, 6, 5)])


def test_avg_pool3d_takes_an_unbatched_volume():
    check(lambda m, x: m.nn.functional.avg_pool3d(x, 2, padding=1), [(2, 3, 4, 5)])


ADAPTIVE_SIZES = [1, 2, (3, 2, 4), (None, 3, 2), (4, 5, 3)]


@pytest.mark.parametrize("size", ADAPTIVE_SIZES, ids=str)
def test_adaptive_avg_pool3d_matches_pytorch_and_finite_differences_to_second_order(size):
    check(lambda m, x: m.nn.functional.adaptive_avg_pool3d(x, size), [(2, 2, 4, 5, 3)])


@pytest.mark.parametrize("size", ADAPTIVE_SIZES, ids=str)
def test_adaptive_max_pool3d_matches_pytorch_and_finite_differences_to_second_order(size):
    x = np.random.default_rng(1).permutation(2 * 2 * 4 * 5 * 3).reshape(2, 2, 4, 5, 3) / 7.0
    check(lambda m, x: m.nn.functional.adaptive_max_pool3d(x, size), [], arrays=[x.astype(np.float32)])
    check_torch(
        lambda m, x: m.nn.functional.adaptive_max_pool3d(x, size, return_indices=True),
        [],
        arrays=[x[0].astype(np.float32)],
    )


def test_pooling_a_volume_keeps_its_graph_node_names_as_pytorch():
    def scenario(m):
        x = m.randn(1, 2, 4, 4, 4, requires_grad=True)
        F = m.nn.functional
        return [
            graph_node_names(F.max_pool3d(x, 2)),
            graph_node_names(F.avg_pool3d(x, 2)),
            graph_node_names(F.adaptive_avg_pool3d(x, 3)),
        ]

    assert scenario(chainrule) == scenario(torch)


BAD_POOL3D = {
    "max of a 3-D input": (lambda m: m.nn.functional.max_pool3d(m.randn(2, 3, 3), 2), "4D or 5D"),
    "max, a window past the input": (
        lambda m: m.nn.functional.max_pool3d(m.randn(1, 1, 2, 3, 3), 3),
        "Output size is too small",
    ),
    "max, padding over half the kernel": (
        lambda m: m.nn.functional.max_pool3d(m.randn(1, 1, 4, 3, 3), 2, padding=2),
        "half of effective kernel size",
    ),
    "max, padding within the dilated kernel": (
        lambda m: m.nn.functional.max_pool3d(m.randn(1, 1, 9, 9, 9), 3, padding=2, dilation=2),
        "half of kernel size",
    ),
    "max, empty channels": (lambda m: m.nn.functional.max_pool3d(m.randn(1, 0, 3, 3, 3), 2), None),
    "max, two kernel sizes": (lambda m: m.nn.functional.max_pool3d(m.randn(1, 1, 3, 3, 3), (2, 2)), None),
    "avg of a 6-D input": (lambda m: m.nn.functional.avg_pool3d(m.randn(1, 1, 2, 3, 3, 3), 2), "4D or 5D"),
    "avg, a zero divisor": (
        lambda m: m.nn.functional.avg_pool3d(m.randn(1, 1, 4, 3, 3), 2, divisor_override=0),
        "divisor must be not zero",
    ),
    "adaptive avg of a 3-D input": (
        lambda m: m.nn.functional.adaptive_avg_pool3d(m.randn(2, 3, 3), 2),
        "Expected 4D or 5D",
    ),
    "adaptive avg, two sizes": (
        lambda m: m.nn.functional.adaptive_avg_pool3d(m.randn(1, 2, 3, 3), (2, 2)),
        "output_size must be 3",
    ),
    "adaptive avg, an empty side": (
        lambda m: m.nn.functional.adaptive_avg_pool3d(m.randn(1, 1, 0, 3, 3), 2),
        "dimension 2 being empty",
    ),
    "adaptive max of integers": (
        lambda m: m.nn.functional.adaptive_max_pool3d(m.ones(1, 1, 3, 3, 3, dtype=m.int64), 2),
        "not implemented for 'Long'",
    ),
    "adaptive max of a 3-D input": (
        lambda m: m.nn.functional.adaptive_max_pool3d(m.randn(2, 3, 3), 2),
        "Expected 4D or 5D",
    ),
}


@requires_torch
@pytest.mark.parametrize("call, message", BAD_POOL3D.values(), ids=BAD_POOL3D.keys())
def test_bad_pooling_arguments_raise_pytorchs_errors(call, message):
    assert_same_error(call, message)


# --- dropout3d ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 6, 2, 3, 2), (6, 2, 3, 2)], ids=["batched", "unbatched"])
def test_dropout3d_zeros_whole_channels_and_scales_the_rest_as_pytorch(shape):
    chainrule.manual_seed(0)
    x = chainrule.rand(*shape) + 1
    x.requires_grad_(True)
    y = F.dropout3d(x, p=0.25)
    y.sum().backward()
    channels = y.detach().numpy().reshape(*shape[: len(shape) - 3], -1)
    kept = (channels != 0).all(-1)
    assert ((channels == 0).all(-1) | kept).all()  # every channel all kept or all dropped
    assert 0 < kept.sum() < kept.size
    ratio = channels / x.detach().numpy().reshape(channels.shape)
    np.testing.assert_allclose(ratio[kept], 1 / 0.75, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy().reshape(channels.shape)[kept], 1 / 0.75, rtol=1e-6)
    assert not x.grad.numpy().reshape(channels.shape)[~kept].any()


@requires_torch
def test_dropout3d_in_eval_mode_or_with_p_0_returns_the_input_and_refuses_a_bad_p_as_pytorch():
    assert_same(
        F.dropout3d(chainrule.ones(1, 2, 1, 1, 2), training=False),
        torch.nn.functional.dropout3d(torch.ones(1, 2, 1, 1, 2), training=False),
    )
    assert_same(
        F.dropout3d(chainrule.ones(2, 1, 1, 2), p=0.0),
        torch.nn.functional.dropout3d(torch.ones(2, 1, 1, 2), p=0.0),
    )
    assert_same_error(lambda m: m.nn.functional.dropout3d(m.ones(1, 2, 1, 1, 2), p=1.5), "between 0 and 1")


@requires_torch
def test_dropout3d_of_another_rank_warns_as_pytorch_and_drops_along_the_first_dim():
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        y = F.dropout3d(chainrule.ones(50, 3, 4), p=0.5)
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        torch.nn.functional.dropout3d(torch.ones(50, 3, 4), p=0.5)
    planes = y.numpy().reshape(50, -1)
    assert ((planes == 0).all(-1) | (planes == 2).all(-1)).all()


def test_dropout3d_in_place_changes_the_input():
    x = chainrule.ones(2, 3, 1, 2, 2)
    y = F.dropout3d(x, p=0.5, inplace=True)
    assert y is x
    assert ((x.numpy() == 0) | (x.numpy() == 2)).all()


def test_gradients_of_volume_ops_agree_with_finite_differences_in_float64_on_frozen_inputs():
    check_gradcheck(
        lambda m, x, w, b: m.nn.functional.conv3d(x, w, b, stride=2, padding=1),
        [(1, 2, 4, 3, 3), (2, 2, 2, 2, 2), (2,)],
        requires_grad=[False, True, True],
        second_order=True,
    )
    check_gradcheck(
        lambda m, x, w: m.nn.functional.conv_transpose3d(x, w, stride=2),
        [(1, 2, 2, 2, 2), (2, 2, 2, 2, 2)],
        requires_grad=[True, False],
        second_order=True,
    )
