"""``chainrule.compile`` hands the model back unchanged (chainrule runs eagerly), as a
call and as a decorator, with PyTorch's argument errors."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

from oracle import assert_same_error, requires_torch


def make_model():
    chainrule.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def values_and_gradients(model, x):
    model.zero_grad()
    out = model(x)
    out.square().sum().backward()
    return [out.detach().numpy()] + [p.grad.numpy().copy() for p in model.parameters()]


def test_a_compiled_module_is_the_module_itself_with_the_same_results_and_gradients():
    model = make_model()
    x = chainrule.randn(5, 4)
    eager = values_and_gradients(model, x)
    compiled = chainrule.compile(model, mode="reduce-overhead", fullgraph=True, dynamic=False)
    assert compiled is model
    for a, b in zip(values_and_gradients(compiled, x), eager):
        np.testing.assert_array_equal(a, b)


def test_compile_works_as_a_decorator_with_and_without_arguments():
    def loss(x):
        return (x.sin() * x).sum()

    bare = chainrule.compile(loss)

    @chainrule.compile(backend="eager", disable=True)
    def decorated(x):
        return (x.sin() * x).sum()

    for fn in (bare, decorated):
        x = chainrule.tensor([0.5, -1.0, 2.0], requires_grad=True)
        fn(x).backward()
        expected = (x.detach().sin() + x.detach() * x.detach().cos()).numpy()
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
    assert bare is loss


@requires_torch
def test_compile_refuses_mode_and_options_together():
    assert_same_error(
        lambda lib: lib.compile(lambda x: x, mode="default", options={}),
        "Either mode or options can be specified",
    )


@requires_torch
def test_compile_refuses_an_unknown_mode_for_inductor():
    assert_same_error(lambda lib: lib.compile(lambda x: x, mode="fastest"), "Unrecognized mode=fastest")


@pytest.mark.parametrize("mode", ["default", "max-autotune", "max-autotune-no-cudagraphs", "lite"])
def test_compile_accepts_pytorchs_modes(mode):
    assert chainrule.compile(len, mode=mode) is len


@requires_torch
def test_the_decorator_refuses_none():
    assert_same_error(lambda lib: lib.compile()(None), "Model can't be None")


@requires_torch
def test_compile_takes_pytorchs_parameters_and_defaults():
    import inspect

    import torch

    def defaults(fn):
        return {name: p.default for name, p in inspect.signature(fn).parameters.items()}

    assert defaults(chainrule.compile) == defaults(torch.compile)
