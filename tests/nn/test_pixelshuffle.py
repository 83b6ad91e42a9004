"""PixelShuffle, PixelUnshuffle and ChannelShuffle (and their F forms) against PyTorch."""

import numpy as np
import pytest

import chainrule

from module_oracle import check_module
from oracle import assert_equal, check, raises_like_torch, requires_torch, torch


@pytest.mark.parametrize(
    "fn, shape",
    [
        (lambda m, x: m.nn.functional.pixel_shuffle(x, 2), (2, 8, 3, 2)),
        (lambda m, x: m.nn.functional.pixel_shuffle(x, 3), (9, 2, 1)),
        (lambda m, x: m.nn.functional.pixel_shuffle(x, 2), (2, 3, 4, 2, 3)),
        (lambda m, x: m.nn.functional.pixel_unshuffle(x, 2), (2, 3, 4, 6)),
        (lambda m, x: m.nn.functional.pixel_unshuffle(x, 3), (1, 3, 6)),
        (lambda m, x: m.nn.functional.channel_shuffle(x, 2), (2, 6, 3)),
        (lambda m, x: m.nn.functional.channel_shuffle(x, 3), (2, 6, 2, 2, 2)),
    ],
    ids=[
        "shuffle",
        "shuffle unbatched",
        "shuffle 5d",
        "unshuffle",
        "unshuffle unbatched",
        "channels",
        "channels 5d",
    ],
)
def test_shuffles_match_pytorch_and_finite_differences_to_second_order(fn, shape):
    check(fn, [shape])


@requires_torch
def test_shuffles_move_values_exactly_as_pytorch_in_every_dtype():
    values = np.arange(2 * 8 * 2 * 4).reshape(2, 8, 2, 4) % 5

    def scenario(m, dtype):
        x = m.tensor(values).to(getattr(m, dtype))
        F = m.nn.functional
        return F.pixel_shuffle(x, 2), F.pixel_unshuffle(x, 2), F.channel_shuffle(x, 4)

    for dtype in ("int64", "float16", "bool"):
        assert_equal(scenario(chainrule, dtype), scenario(torch, dtype))


def test_pixel_unshuffle_undoes_pixel_shuffle():
    x = chainrule.randn(2, 12, 3, 5)
    F = chainrule.nn.functional
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())


@requires_torch
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.nn.PixelShuffle(2), (2, 8, 3, 3)),
        (lambda m: m.nn.PixelUnshuffle(2), (2, 2, 4, 6)),
        (lambda m: m.nn.ChannelShuffle(3), (2, 6, 4)),
    ],
    ids=["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"],
)
def test_shuffle_layers_match_pytorch_and_print_as_pytorchs(make, shape):
    ours, theirs = check_module(make, [shape])
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == []


@requires_torch
def test_empty_inputs_shuffle_as_pytorch():
    # PyTorch's pixel_unshuffle returns an empty input with its shape unchanged
    def scenario(m):
        F = m.nn.functional
        return (
            F.pixel_shuffle(m.zeros(0, 4, 2, 2), 2),
            F.pixel_unshuffle(m.zeros(0, 1, 2, 2), 2),
            F.channel_shuffle(m.zeros(0, 6, 3), 2),
        )

    assert_equal(scenario(chainrule), scenario(torch))


SHUFFLE_ERRORS = {
    "shuffle rank": (
        lambda F, m: F.pixel_shuffle(m.randn(8, 3), 2),
        r"pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 dimension\(s\)",
    ),
    "shuffle channels": (
        lambda F, m: F.pixel_shuffle(m.randn(2, 6, 3, 3), 2),
        r"input.size\(-3\)=6 is not divisible by 4",
    ),
    "shuffle zero": (
        lambda F, m: F.pixel_shuffle(m.randn(2, 6, 3, 3), 0),
        "pixel_shuffle expects a positive upscale_factor, but got 0",
    ),
    "shuffle float": (
        lambda F, m: F.pixel_shuffle(m.randn(2, 4, 3, 3), 2.0),
        r"argument 'upscale_factor' \(position 2\) must be int, not float",
    ),
    "unshuffle rank": (
        lambda F, m: F.pixel_unshuffle(m.randn(4, 4), 2),
        "pixel_unshuffle expects input to have at least 3 dimensions",
    ),
    "unshuffle height": (
        lambda F, m: F.pixel_unshuffle(m.randn(2, 2, 5, 6), 2),
        r"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size\(-2\)=5",
    ),
    "unshuffle width": (
        lambda F, m: F.pixel_unshuffle(m.randn(2, 2, 4, 5), 2),
        r"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size\(-1\)=5",
    ),
    "unshuffle negative": (
        lambda F, m: F.pixel_unshuffle(m.randn(2, 5, 3), -1),
        "pixel_unshuffle expects a positive downscale_factor, but got -1",
    ),
    "channels rank": (
        lambda F, m: F.channel_shuffle(m.randn(2, 6), 2),
        r"channel_shuffle expects input with > 2 dims, but got input with sizes \[2, 6\]",
    ),
    "channels groups": (
        lambda F, m: F.channel_shuffle(m.randn(2, 5, 3), 0),
        "Number of groups to divide channels in must be positive. Value of groups:0",
    ),
    "channels indivisible": (
        lambda F, m: m.nn.ChannelShuffle(2)(m.randn(2, 5, 3)),
        "Number of channels must be divisible by groups. Got 5 channels and 2 groups.",
    ),
}


@requires_torch
@pytest.mark.parametrize("scenario, message", SHUFFLE_ERRORS.values(), ids=SHUFFLE_ERRORS.keys())
def test_bad_shuffle_arguments_raise_pytorchs_errors(scenario, message):
    raises_like_torch(lambda m: scenario(m.nn.functional, m), message)
