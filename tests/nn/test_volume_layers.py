"""The 3-D layers (Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d,
AdaptiveMaxPool3d, BatchNorm3d, InstanceNorm3d, Dropout3d, the 3-D padding layers and
CircularPad1d/2d, and their lazy forms) against PyTorch on the same weights."""

import math

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

from module_oracle import assert_uniform, check_module
from oracle import assert_same_error, requires_torch, same_as_torch

pytestmark = requires_torch

# --- convolutions ----------------------------------------------------------------------------------

CONV3D_LAYERS = {
    "default": dict(),
    "stride padding dilation": dict(stride=(1, 2, 1), padding=(1, 0, 2), dilation=(2, 1, 1)),
    "same": dict(padding="same"),
    "groups without bias": dict(groups=2, bias=False),
    "reflect": dict(padding=1, padding_mode="reflect"),
    "replicate": dict(padding=(0, 1, 2), padding_mode="replicate"),
    "circular": dict(padding=1, padding_mode="circular"),
}


@pytest.mark.parametrize("options", CONV3D_LAYERS.values(), ids=CONV3D_LAYERS.keys())
def test_conv3d_layer_matches_pytorch_on_the_same_weights(options):
    check_module(lambda m: m.nn.Conv3d(4, 6, (3, 2, 3), **options), [(2, 4, 5, 4, 5)])


def test_conv3d_layer_takes_an_unbatched_volume_and_float64():
    check_module(lambda m: m.nn.Conv3d(2, 3, 2, padding=1), [(2, 3, 4, 3)])
    check_module(lambda m: m.nn.Conv3d(2, 3, 2), [(2, 2, 3, 3, 3)], dtype=np.float64)


CONV_TRANSPOSE3D_LAYERS = {
    "default": dict(),
    "output padding": dict(stride=2, padding=1, output_padding=(1, 0, 1)),
    "dilation groups": dict(stride=2, dilation=2, groups=2, bias=False),
}


@pytest.mark.parametrize("options", CONV_TRANSPOSE3D_LAYERS.values(), ids=CONV_TRANSPOSE3D_LAYERS.keys())
def test_conv_transpose3d_layer_matches_pytorch_on_the_same_weights(options):
    check_module(lambda m: m.nn.ConvTranspose3d(4, 6, (2, 3, 2), **options), [(2, 4, 3, 2, 3)])


def test_conv_transpose3d_layer_reaches_a_requested_output_size_as_pytorch():
    def scenario(m):
        m.manual_seed(0)
        up = m.nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1)
        return tuple(up(m.zeros(1, 2, 3, 4, 4), output_size=[6, 8, 7]).shape)

    assert same_as_torch(scenario) == (1, 3, 6, 8, 7)
    assert_same_error(
        lambda m: m.nn.ConvTranspose3d(2, 3, 3, stride=2)(m.zeros(1, 2, 3, 4, 4), output_size=[20, 8, 7])
    )


@pytest.mark.parametrize(
    "make, fan_in",
    [(lambda: nn.Conv3d(4, 64, 3), 4 * 27), (lambda: nn.ConvTranspose3d(50, 12, 2, groups=2), 6 * 8)],
    ids=["conv3d", "conv_transpose3d"],
)
def test_default_init_draws_weight_and_bias_from_pytorchs_uniform_of_one_over_sqrt_fan_in(make, fan_in):
    chainrule.manual_seed(0)
    layer = make()
    assert_uniform(layer.weight.detach().numpy(), 1 / math.sqrt(fan_in))
    assert np.abs(layer.bias.detach().numpy()).max() <= 1 / math.sqrt(fan_in)


LAYERS_TO_PRINT = {
    "Conv3d": lambda m: m.nn.Conv3d(3, 4, (3, 2, 1), stride=2, padding=1, bias=False, padding_mode="reflect"),
    "Conv3d same": lambda m: m.nn.Conv3d(3, 6, 3, padding="same", groups=3),
    "ConvTranspose3d": lambda m: m.nn.ConvTranspose3d(3, 4, 3, stride=2, output_padding=1),
    "MaxPool3d": lambda m: m.nn.MaxPool3d(3, stride=2, padding=1, ceil_mode=True),
    "AvgPool3d": lambda m: m.nn.AvgPool3d((2, 1, 2), divisor_override=3),
    "AdaptiveAvgPool3d": lambda m: m.nn.AdaptiveAvgPool3d((None, 2, 3)),
    "AdaptiveMaxPool3d": lambda m: m.nn.AdaptiveMaxPool3d(2, return_indices=True),
    "BatchNorm3d": lambda m: m.nn.BatchNorm3d(3, momentum=None, affine=False),
    "InstanceNorm3d": lambda m: m.nn.InstanceNorm3d(3, affine=True),
    "Dropout3d": lambda m: m.nn.Dropout3d(0.2, inplace=True),
    "ConstantPad3d": lambda m: m.nn.ConstantPad3d((1, 0, 2, 0, 1, 1), 2.5),
    "ZeroPad3d": lambda m: m.nn.ZeroPad3d(1),
    "ReflectionPad3d": lambda m: m.nn.ReflectionPad3d(2),
    "ReplicationPad3d": lambda m: m.nn.ReplicationPad3d((1, 2, 0, 1, 2, 0)),
    "CircularPad1d": lambda m: m.nn.CircularPad1d(2),
    "CircularPad2d": lambda m: m.nn.CircularPad2d((1, 0, 2, 1)),
    "CircularPad3d": lambda m: m.nn.CircularPad3d(1),
}


@pytest.mark.parametrize("make", LAYERS_TO_PRINT.values(), ids=LAYERS_TO_PRINT.keys())
def test_3d_layers_print_and_keep_their_state_as_pytorchs(make):
    def scenario(m):
        layer = make(m)
        return repr(layer), {name: tuple(t.shape) for name, t in layer.state_dict().items()}

    same_as_torch(scenario)


# --- pooling ---------------------------------------------------------------------------------------

POOLS = {
    "max": lambda m: m.nn.MaxPool3d(3, stride=2, padding=1),
    "max, ceil mode and dilation": lambda m: m.nn.MaxPool3d(2, dilation=(1, 2, 1), ceil_mode=True),
    "max with indices": lambda m: m.nn.MaxPool3d((2, 2, 1), return_indices=True),
    "avg": lambda m: m.nn.AvgPool3d(3, stride=2, padding=1, count_include_pad=False),
    "avg, ceil mode": lambda m: m.nn.AvgPool3d(2, ceil_mode=True),
    "adaptive avg": lambda m: m.nn.AdaptiveAvgPool3d((2, None, 3)),
    "adaptive max": lambda m: m.nn.AdaptiveMaxPool3d((3, 2, 2), return_indices=True),
}


@pytest.mark.parametrize("make", POOLS.values(), ids=POOLS.keys())
def test_pooling_layers_match_pytorch_batched_and_unbatched(make):
    # distinct values, so no window has a tie for its maximum
    x = np.random.default_rng(0).permutation(2 * 3 * 5 * 4 * 5).reshape(2, 3, 5, 4, 5).astype(np.float32) / 7
    check_module(make, [], arrays=[x])
    check_module(make, [], arrays=[x[0]])


# --- normalization and dropout ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [dict(), dict(momentum=None), dict(affine=False, track_running_stats=False), dict(bias=False)],
    ids=["default", "cumulative average", "no affine, no stats", "no bias"],
)
def test_batch_norm3d_matches_pytorch_in_training_and_evaluation_with_its_running_statistics(options):
    def make(m):
        return m.nn.BatchNorm3d(3, **options)

    ours, theirs = check_module(make, [(4, 3, 2, 3, 2)])
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "options",
    [dict(), dict(affine=True), dict(affine=True, track_running_stats=True)],
    ids=["default", "affine", "running stats"],
)
def test_instance_norm3d_matches_pytorch_batched_and_unbatched(options):
    ours, theirs = check_module(lambda m: m.nn.InstanceNorm3d(3, **options), [(2, 3, 3, 2, 3)])
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-5, atol=1e-7)
    check_module(lambda m: m.nn.InstanceNorm3d(3, **options), [(3, 3, 2, 3)])


BAD_INPUTS = {
    "BatchNorm3d of 4-D": (lambda m: m.nn.BatchNorm3d(2)(m.randn(2, 2, 3, 3)), "expected 5D input"),
    "InstanceNorm3d of 3-D": (lambda m: m.nn.InstanceNorm3d(2)(m.randn(2, 3, 3)), "expected 4D or 5D input"),
    "InstanceNorm3d, affine, wrong channels": (
        lambda m: m.nn.InstanceNorm3d(2, affine=True)(m.randn(1, 3, 2, 2, 2)),
        "num_features",
    ),
    "Conv3d, wrong channels": (lambda m: m.nn.Conv3d(2, 3, 1)(m.randn(1, 3, 2, 2, 2)), "channels"),
    "Conv3d of 3-D": (lambda m: m.nn.Conv3d(2, 3, 1)(m.randn(2, 2, 2)), "Expected 4D"),
    "Conv3d, groups": (lambda m: m.nn.Conv3d(3, 4, 1, groups=2), "divisible by groups"),
    "Conv3d, strided same": (lambda m: m.nn.Conv3d(3, 4, 1, stride=2, padding="same"), "strided"),
    "ConvTranspose3d, reflect": (lambda m: m.nn.ConvTranspose3d(2, 2, 1, padding_mode="reflect"), "zeros"),
    "MaxPool3d of 3-D": (lambda m: m.nn.MaxPool3d(2)(m.randn(2, 4, 4)), "4D or 5D"),
    "CircularPad3d of 3-D": (lambda m: m.nn.CircularPad3d(1)(m.randn(2, 4, 4)), "expected 4D or 5D input"),
    "CircularPad2d of 5-D": (
        lambda m: m.nn.CircularPad2d(1)(m.randn(1, 1, 2, 4, 4)),
        "expected 3D or 4D input",
    ),
    "ReflectionPad3d of 3-D": (lambda m: m.nn.ReflectionPad3d(1)(m.randn(2, 4, 4)), "not supported"),
    "ReflectionPad3d wider than the input": (
        lambda m: m.nn.ReflectionPad3d(2)(m.randn(1, 1, 2, 4, 4)),
        "Padding size should be less",
    ),
}


@pytest.mark.parametrize("call, message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_inputs_to_3d_layers_raise_pytorchs_errors(call, message):
    assert_same_error(call, message)


def test_dropout3d_layer_drops_whole_channels_in_training_only():
    layer = nn.Dropout3d(0.5)
    x = chainrule.ones(4, 8, 2, 2, 2)
    y = layer(x).numpy().reshape(4, 8, -1)
    assert ((y == 0).all(-1) | (y == 2).all(-1)).all() and 0 < (y == 0).sum() < y.size
    assert (layer.eval()(x).numpy() == 1).all()


# --- padding ---------------------------------------------------------------------------------------

PADS = {
    "ConstantPad3d": lambda m: m.nn.ConstantPad3d((1, 0, 2, 0, 1, 1), 2.5),
    "ConstantPad3d cropping": lambda m: m.nn.ConstantPad3d((-1, 0, 2, -1, 1, 0), 1.0),
    "ZeroPad3d": lambda m: m.nn.ZeroPad3d(1),
    "ReflectionPad3d": lambda m: m.nn.ReflectionPad3d((1, 2, 0, 1, 2, 0)),
    "ReplicationPad3d": lambda m: m.nn.ReplicationPad3d((2, 0, 1, 3, 0, 2)),
    "CircularPad3d": lambda m: m.nn.CircularPad3d((1, 2, 0, 1, 2, 1)),
}


@pytest.mark.parametrize("make", PADS.values(), ids=PADS.keys())
def test_3d_padding_layers_match_pytorch_batched_and_unbatched(make):
    check_module(make, [(2, 2, 3, 4, 3)])
    check_module(make, [(2, 3, 4, 3)])


def test_circular_padding_in_1d_and_2d_matches_pytorch():
    check_module(lambda m: m.nn.CircularPad1d((2, 1)), [(2, 3, 4)])
    check_module(lambda m: m.nn.CircularPad1d(1), [(3, 4)])
    check_module(lambda m: m.nn.CircularPad2d((1, 0, 2, 1)), [(2, 2, 3, 4)])
    check_module(lambda m: m.nn.CircularPad2d(1), [(2, 3, 4)])


# --- lazy layers -----------------------------------------------------------------------------------

LAZY = {
    "LazyConv3d": (lambda m: m.nn.LazyConv3d(4, 2, padding=1, groups=2), (2, 6, 3, 3, 3)),
    "LazyConv3d, unbatched": (lambda m: m.nn.LazyConv3d(4, 2, bias=False), (3, 3, 3, 3)),
    "LazyConvTranspose3d": (lambda m: m.nn.LazyConvTranspose3d(4, 2, stride=2), (1, 6, 2, 2, 2)),
    "LazyBatchNorm3d": (lambda m: m.nn.LazyBatchNorm3d(), (2, 3, 2, 2, 2)),
    "LazyBatchNorm3d, no affine": (lambda m: m.nn.LazyBatchNorm3d(affine=False), (2, 3, 2, 2, 2)),
    "LazyInstanceNorm3d": (lambda m: m.nn.LazyInstanceNorm3d(), (2, 3, 2, 2, 2)),
    "LazyInstanceNorm3d, no stats": (
        lambda m: m.nn.LazyInstanceNorm3d(track_running_stats=False, bias=False),
        (2, 3, 2, 2, 2),
    ),
}


@pytest.mark.parametrize("make, shape", LAZY.values(), ids=LAZY.keys())
def test_lazy_3d_layers_infer_pytorchs_shapes_and_become_the_plain_class(make, shape):
    def scenario(m):
        layer = make(m)
        before = (repr(layer), type(layer).__name__, layer.has_uninitialized_params())
        out = layer(m.zeros(*shape))
        state = {name: tuple(t.shape) for name, t in layer.state_dict().items()}
        return before, tuple(out.shape), state, repr(layer), type(layer).__name__

    *_, name = same_as_torch(scenario)
    assert "Lazy" not in name


def test_lazy_instance_norm3d_of_an_unbatched_volume_reads_dim_1_and_fails_as_pytorch():
    assert_same_error(lambda m: m.nn.LazyInstanceNorm3d()(m.zeros(3, 2, 2, 2)), "num_features")
