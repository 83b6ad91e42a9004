"""Upsampling layers against PyTorch: the same outputs and input gradients, and reprs."""

import pytest

import chainrule

from module_oracle import check_module
from oracle import requires_torch, torch

LAYERS = {
    "nearest": (lambda m: m.nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    "nearest-size": (lambda m: m.nn.Upsample(size=(7, 3)), (1, 2, 4, 5)),
    "bilinear": (lambda m: m.nn.Upsample(scale_factor=1.5, mode="bilinear"), (1, 2, 4, 5)),
    "bilinear-corners": (lambda m: m.nn.Upsample(size=6, mode="bilinear", align_corners=True), (1, 2, 4, 5)),
    "linear": (lambda m: m.nn.Upsample(scale_factor=(2.5,), mode="linear"), (2, 3, 4)),
    "UpsamplingNearest2d": (lambda m: m.nn.UpsamplingNearest2d(scale_factor=3), (1, 2, 2, 3)),
    "UpsamplingBilinear2d": (lambda m: m.nn.UpsamplingBilinear2d(size=(5, 4)), (1, 2, 2, 3)),
}


@requires_torch
@pytest.mark.parametrize("name", LAYERS)
def test_upsampling_layer_matches_pytorch(name):
    make, shape = LAYERS[name]
    check_module(make, [shape])


@requires_torch
@pytest.mark.parametrize("name", LAYERS)
def test_upsampling_reprs_are_pytorchs(name):
    make, _ = LAYERS[name]
    assert repr(make(chainrule)) == repr(make(torch))
