"""Fold and Unfold (and F.fold, F.unfold) against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule

from module_oracle import check_module
from oracle import check, raises_like_torch, requires_torch, same_as_torch


@pytest.mark.parametrize(
    "fn, shape",
    [
        (lambda m, x: m.nn.functional.unfold(x, 2), (2, 3, 4, 5)),
        (lambda m, x: m.nn.functional.unfold(x, (2, 3), padding=1, stride=(2, 1)), (2, 2, 4, 5)),
        (lambda m, x: m.nn.functional.unfold(x, (3, 2), dilation=(1, 2), stride=2), (1, 2, 6, 6)),
        (lambda m, x: m.nn.functional.unfold(x, 2, 2, 1, 1), (3, 4, 4)),
        (lambda m, x: m.nn.functional.fold(x, (4, 5), 2), (2, 12, 12)),
        (lambda m, x: m.nn.functional.fold(x, (4, 5), (2, 3), padding=1, stride=(2, 1)), (2, 12, 15)),
        (lambda m, x: m.nn.functional.fold(x, 5, 2, dilation=2, stride=2), (1, 8, 4)),
        (lambda m, x: m.nn.functional.fold(x, (3, 3), 2), (8, 4)),
    ],
    ids=[
        "unfold",
        "unfold padded strided",
        "unfold dilated",
        "unfold unbatched",
        "fold",
        "fold padded strided",
        "fold dilated",
        "fold unbatched",
    ],
)
def test_fold_and_unfold_match_pytorch_and_finite_differences_to_second_order(fn, shape):
    check(fn, [shape])


@requires_torch
def test_fold_of_unfold_counts_how_many_windows_hold_each_pixel_as_pytorch():
    def scenario(m):
        x = m.ones(1, 2, 5, 5)
        F = m.nn.functional
        return F.fold(F.unfold(x, 3, padding=1, stride=2), (5, 5), 3, padding=1, stride=2)

    same_as_torch(scenario)


def test_a_convolution_is_a_product_with_the_unfolded_input():
    x, w = chainrule.randn(2, 3, 5, 5), chainrule.randn(4, 3, 3, 3)
    F = chainrule.nn.functional
    product = (w.view(4, -1) @ F.unfold(x, 3, padding=1)).view(2, 4, 5, 5)
    np.testing.assert_allclose(product.numpy(), F.conv2d(x, w, padding=1).numpy(), rtol=1e-5, atol=1e-5)


@requires_torch
def test_fold_and_unfold_are_one_graph_node_named_as_pytorchs():
    for lib in (chainrule, __import__("torch")):
        x = lib.randn(1, 4, 4, requires_grad=True)
        assert lib.nn.functional.fold(x, 3, 2).grad_fn.name() == "Col2ImBackward0"
        assert lib.nn.functional.unfold(x.unsqueeze(0), 2).grad_fn.name() == "Im2ColBackward0"


@requires_torch
def test_empty_batches_fold_and_unfold_as_pytorch():
    def scenario(m):
        F = m.nn.functional
        return F.unfold(m.zeros(0, 2, 3, 3), 2), F.fold(m.zeros(0, 8, 4), (3, 3), 2)

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.nn.Unfold(2), (2, 3, 4, 4)),
        (lambda m: m.nn.Unfold((2, 3), dilation=2, padding=1, stride=(1, 2)), (1, 2, 5, 6)),
        (lambda m: m.nn.Fold((4, 5), 2), (2, 12, 12)),
        (lambda m: m.nn.Fold(6, (3, 2), dilation=(1, 2), padding=1, stride=2), (2, 6, 9)),
    ],
    ids=["Unfold", "Unfold options", "Fold", "Fold options"],
)
def test_fold_layers_match_pytorch_and_print_as_pytorchs(make, shape):
    ours, theirs = check_module(make, [shape])
    assert repr(ours) == repr(theirs)


FOLD_ERRORS = {
    "unfold rank 2": (lambda F, m: F.unfold(m.randn(5, 6), 2), "Dimension out of range"),
    "unfold rank 5": (
        lambda F, m: F.unfold(m.randn(1, 2, 3, 5, 6), 2),
        r"Expected 3D or 4D \(batch mode\) tensor with possibly 0 batch size and other non-zero dimensions "
        r"for input, but got: \[1, 2, 3, 5, 6\]",
    ),
    "unfold empty image": (lambda F, m: F.unfold(m.randn(1, 2, 0, 3), 2), "Expected 3D or 4D"),
    "unfold too small": (
        lambda F, m: F.unfold(m.randn(1, 2, 3, 3), 4),
        r"Given input with spatial size \(3, 3\), kernel_size=\(4, 4\), dilation=\(1, 1\), padding=\(0, 0\), "
        r"calculated shape of the array of sliding blocks as \(0, 0\), but its components must be at least "
        "one.",
    ),
    "unfold kernel": (
        lambda F, m: F.unfold(m.randn(1, 2, 3, 3), 0),
        "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0",
    ),
    "unfold dilation first": (
        lambda F, m: F.unfold(m.randn(1, 2, 4, 4), 2, stride=0, dilation=0),
        "dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0",
    ),
    "unfold padding first": (
        lambda F, m: F.unfold(m.randn(1, 2, 4, 4), 2, padding=-1, stride=0),
        "padding should be non-negative, but got pad_height: -1 pad_width: -1",
    ),
    "unfold stride": (
        lambda F, m: F.unfold(m.randn(1, 2, 4, 4), 2, stride=(1, 0)),
        "stride should be greater than zero, but got stride_height: 1 stride_width: 0",
    ),
    "unfold kernel length": (
        lambda F, m: F.unfold(m.randn(1, 2, 3, 3), (2, 2, 2)),
        "It is expected kernel_size equals to 2, but got size 3",
    ),
    "unfold float kernel": (
        lambda F, m: F.unfold(m.randn(1, 2, 3, 3), 2.0),
        "must be tuple of ints, but found element of type float at pos 0",
    ),
    "unfold integer": (lambda F, m: F.unfold(m.ones(1, 2, 3, 3, dtype=m.int64), 2), None),
    "fold rank": (
        lambda F, m: F.fold(m.randn(2, 3, 12, 12), (4, 5), 2),
        r"Expected 2D or 3D \(batch mode\) tensor for input with possibly 0 batch size and non-zero "
        r"dimensions for input, but got: \[2, 3, 12, 12\]",
    ),
    "fold no columns": (lambda F, m: F.fold(m.randn(2, 0, 12), (4, 5), 2), "Expected 2D or 3D"),
    "fold indivisible": (
        lambda F, m: F.fold(m.randn(2, 11, 12), (4, 5), 2),
        r"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
        r"input.size\(1\)=11 and kernel_size=\(2, 2\).",
    ),
    "fold blocks": (
        lambda F, m: F.fold(m.randn(2, 12, 12), 4, 2),
        r"Given output_size=\(4, 4\), kernel_size=\(2, 2\), dilation=\(1, 1\), padding=\(0, 0\), "
        r"stride=\(1, 1\), expected size of input's dimension 2 to match the calculated number of sliding "
        r"blocks 3 \* 3 = 9, but got input.size\(2\)=12.",
    ),
    "fold stride first": (
        lambda F, m: F.fold(m.randn(1, 4, 4), (3, 3), 2, stride=0, dilation=0, padding=-1),
        "stride should be greater than zero",
    ),
    "fold dilation before padding": (
        lambda F, m: F.fold(m.randn(1, 4, 4), (3, 3), 2, dilation=0, padding=-1),
        "dilation should be greater than zero",
    ),
    "fold output_size length": (
        lambda F, m: F.fold(m.randn(2, 12, 12), (4, 5, 6), 2),
        "It is expected output_size equals to 2, but got size 3",
    ),
    "fold integer": (lambda F, m: F.fold(m.ones(2, 12, 12, dtype=m.int64), (4, 5), 2), None),
}


@requires_torch
@pytest.mark.parametrize("scenario, message", FOLD_ERRORS.values(), ids=FOLD_ERRORS.keys())
def test_bad_fold_and_unfold_arguments_raise_pytorchs_errors(scenario, message):
    raises_like_torch(lambda m: scenario(m.nn.functional, m), message)
