"""Padding layers: the same padding, output and input gradient as PyTorch's."""

import numpy as np
import pytest

import chainrule

from oracle import assert_same, check_gradcheck, requires_torch, torch

LAYERS = {
    "ZeroPad2d": (lambda nn: nn.ZeroPad2d(2), (1, 2, 3, 3)),
    "ZeroPad2d-sides": (lambda nn: nn.ZeroPad2d((1, 0, 2, 3)), (2, 3, 3)),
    "ConstantPad2d": (lambda nn: nn.ConstantPad2d(1, 3.5), (1, 1, 2, 2)),
    "ConstantPad1d": (lambda nn: nn.ConstantPad1d((1, 2), -1.0), (2, 3)),
    "ReflectionPad2d": (lambda nn: nn.ReflectionPad2d(1), (1, 1, 3, 3)),
    "ReplicationPad2d": (lambda nn: nn.ReplicationPad2d((1, 1, 0, 2)), (1, 2, 3, 3)),
    "ReflectionPad1d": (lambda nn: nn.ReflectionPad1d(2), (1, 2, 4)),
    "ReplicationPad1d": (lambda nn: nn.ReplicationPad1d(1), (1, 2, 3)),
    "ZeroPad1d": (lambda nn: nn.ZeroPad1d(1), (1, 2, 3)),
}


@requires_torch
@pytest.mark.parametrize("make, shape", list(LAYERS.values()), ids=list(LAYERS))
def test_padding_layers_match_pytorch(make, shape):
    # the padding layers were missing (F.pad was there)
    def scenario(lib):
        layer = make(lib.nn)
        x = (lib.arange(float(np.prod(shape))).reshape(shape) / 3).requires_grad_()
        y = layer(x)
        (y * lib.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        return repr(layer), tuple(layer.padding), y.detach(), x.grad

    ours, theirs = scenario(chainrule), scenario(torch)
    assert ours[:2] == theirs[:2]
    assert_same(ours[2:], theirs[2:])


def test_a_padding_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="ZeroPad2d: padding must be an int or a tuple of 4 ints"):
        chainrule.nn.ZeroPad2d((1, 2))


@pytest.mark.parametrize("make, shape", list(LAYERS.values()), ids=list(LAYERS))
def test_padding_layers_match_finite_differences(make, shape):
    check_gradcheck(lambda m, x: make(m.nn)(x), [shape], second_order=True)
