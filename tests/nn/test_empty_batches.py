"""A batch of zero samples (the last batch of a filtered dataset, a split that came
out empty) goes through every kind of layer and loss as it does in PyTorch: the
same output shape, an input gradient of that shape, and PyTorch's value (nan for
a mean over nothing) or error."""

import math

import pytest

import chainrule

from oracle import requires_torch, torch

LAYERS = {
    "Linear": lambda nn: (nn.Linear(3, 2), (0, 3)),
    "Conv1d": lambda nn: (nn.Conv1d(2, 3, 3), (0, 2, 10)),
    "ConvTranspose2d": lambda nn: (nn.ConvTranspose2d(2, 3, 3, stride=2), (0, 2, 5, 5)),
    "MaxPool2d": lambda nn: (nn.MaxPool2d(2), (0, 2, 8, 8)),
    "MaxPool2d overlapping": lambda nn: (nn.MaxPool2d(3, stride=2), (0, 2, 9, 9)),
    "AvgPool2d": lambda nn: (nn.AvgPool2d(2), (0, 2, 8, 8)),
    "AdaptiveAvgPool2d": lambda nn: (nn.AdaptiveAvgPool2d(2), (0, 2, 8, 8)),
    "LayerNorm": lambda nn: (nn.LayerNorm(4), (0, 4)),
    "GroupNorm": lambda nn: (nn.GroupNorm(2, 4), (0, 4, 3, 3)),
    "BatchNorm2d eval": lambda nn: (nn.BatchNorm2d(2).eval(), (0, 2, 3, 3)),
    "Dropout": lambda nn: (nn.Dropout(0.5), (0, 4)),
    "Flatten": lambda nn: (nn.Flatten(), (0, 2, 3)),
    "RNN": lambda nn: (nn.RNN(3, 4, batch_first=True), (0, 5, 3)),
    "LSTM": lambda nn: (nn.LSTM(3, 4, batch_first=True), (0, 5, 3)),
    "GRU": lambda nn: (nn.GRU(3, 4, batch_first=True), (0, 5, 3)),
    "Upsample": lambda nn: (nn.Upsample(scale_factor=2), (0, 2, 3, 3)),
    "LogSoftmax": lambda nn: (nn.LogSoftmax(dim=1), (0, 4)),
}


@requires_torch
@pytest.mark.parametrize("name", LAYERS)
def test_a_layer_takes_an_empty_batch_like_pytorch(name):
    def scenario(lib):
        layer, shape = LAYERS[name](lib.nn)
        x = lib.zeros(shape, requires_grad=True)
        y = layer(x)
        y = y[0] if isinstance(y, tuple) else y
        y.sum().backward()
        return tuple(y.shape), tuple(x.grad.shape)

    assert scenario(chainrule) == scenario(torch)


LOSSES = {
    "cross_entropy mean": lambda lib, F: F.cross_entropy(
        lib.zeros(0, 3, requires_grad=True), lib.zeros(0).long()
    ),
    "cross_entropy sum": lambda lib, F: F.cross_entropy(
        lib.zeros(0, 3, requires_grad=True), lib.zeros(0).long(), reduction="sum"
    ),
    "nll_loss": lambda lib, F: F.nll_loss(lib.zeros(0, 3, requires_grad=True), lib.zeros(0).long()),
    "mse_loss": lambda lib, F: F.mse_loss(lib.zeros(0, requires_grad=True), lib.zeros(0)),
    "l1_loss": lambda lib, F: F.l1_loss(lib.zeros(0, requires_grad=True), lib.zeros(0)),
    "binary_cross_entropy": lambda lib, F: F.binary_cross_entropy(
        lib.zeros(0, requires_grad=True), lib.zeros(0)
    ),
}


@requires_torch
@pytest.mark.parametrize("name", LOSSES)
def test_a_loss_of_an_empty_batch_is_pytorchs(name):
    def scenario(lib):
        loss = LOSSES[name](lib, lib.nn.functional)
        value = loss.item()
        loss.backward()
        return "nan" if math.isnan(value) else value

    assert scenario(chainrule) == scenario(torch)
