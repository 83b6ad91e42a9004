"""``chainrule.utils.checkpoint``: the same values and gradients as the model run
without checkpointing and as PyTorch 2.13's checkpoint, dropout masks recomputed
identically, and PyTorch's warnings and errors."""

import warnings

import numpy as np
import pytest

import chainrule
from chainrule.utils.checkpoint import checkpoint, checkpoint_sequential

from oracle import check_gradcheck, graph_node_names, layer_inputs, requires_torch, same_as_torch, torch

REENTRANT = [True, False]


def block(lib, x, w, b, scale):
    """Two layers with a non-tensor argument; differentiable in x, w and b."""
    return lib.tanh(x @ w.T + b) * scale


def run(lib, use_checkpoint, use_reentrant, requires_grad=(True, True, False)):
    """Values and every gradient of ``block`` run on fixed inputs, checkpointed or not."""
    x, w, b = (lib.tensor(a, requires_grad=g) for a, g in zip(layer_inputs((4, 3), (5, 3)), requires_grad))
    if use_checkpoint:
        out = checkpoint_of(lib)(block, lib, x, w, b, 0.5, use_reentrant=use_reentrant)
    else:
        out = block(lib, x, w, b, 0.5)
    (out * lib.arange(20.0).reshape(4, 5)).sum().backward()
    return [out.detach().numpy()] + [None if t.grad is None else t.grad.numpy() for t in (x, w, b)]


def checkpoint_of(lib):
    return checkpoint if lib is chainrule else torch.utils.checkpoint.checkpoint


def assert_all_close(ours, theirs, rtol=1e-5):
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b is None:
            assert a is None, f"item {i}: torch has no gradient"
        else:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6, err_msg=f"item {i}")


@requires_torch
@pytest.mark.parametrize("use_reentrant", REENTRANT)
@pytest.mark.parametrize("requires_grad", [(True, True, False), (False, True, True), (True, False, False)])
def test_values_and_gradients_equal_pytorchs_checkpoint_and_the_plain_model(use_reentrant, requires_grad):
    ours = run(chainrule, True, use_reentrant, requires_grad)
    assert_all_close(ours, run(torch, True, use_reentrant, requires_grad), rtol=1e-4)
    assert_all_close(ours, run(chainrule, False, use_reentrant, requires_grad), rtol=0)


@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_gradients_of_the_inputs_agree_with_finite_differences(use_reentrant):
    check_gradcheck(
        lambda m, x, w: checkpoint(lambda x, w: (x @ w).sin(), x, w, use_reentrant=use_reentrant),
        [(3, 4), (4, 2)],
    )


def dropout_network():
    chainrule.manual_seed(0)
    nn = chainrule.nn
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 16), nn.Dropout(0.3))


@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_dropout_masks_are_recomputed_so_gradients_equal_the_plain_models(use_reentrant):
    model = dropout_network()
    x = chainrule.tensor(np.random.default_rng(1).normal(size=(8, 6)).astype(np.float32), requires_grad=True)
    results = []
    for checkpointed in (False, True):
        model.zero_grad()
        x.grad = None
        chainrule.manual_seed(5)
        out = checkpoint(model, x, use_reentrant=use_reentrant) if checkpointed else model(x)
        out.square().sum().backward()
        after = chainrule.rand(3)  # the user's random stream continues as without checkpointing
        results.append([out.detach().numpy(), x.grad.numpy(), after.numpy()])
        results[-1] += [p.grad.numpy().copy() for p in model.parameters()]
    for plain, checkpointed in zip(*results):
        np.testing.assert_array_equal(checkpointed, plain)


def test_without_preserving_the_random_state_the_recomputed_mask_differs():
    masks = []

    def drop(x):
        mask = chainrule.rand(x.shape) > 0.5
        masks.append(mask.numpy())
        return x * mask

    x = chainrule.ones(50, requires_grad=True)
    checkpoint(drop, x, use_reentrant=False, preserve_rng_state=False).sum().backward()
    assert not np.array_equal(masks[0], masks[1])
    masks.clear()
    checkpoint(drop, x, use_reentrant=False).sum().backward()
    np.testing.assert_array_equal(masks[0], masks[1])


@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_forward_records_one_node_and_keeps_no_graph_inside_the_checkpoint(use_reentrant):
    x = chainrule.ones(2, 3, requires_grad=True)
    out = checkpoint(lambda x: x.exp().sin().sum(1), x, use_reentrant=use_reentrant)
    assert graph_node_names(out) == ["CheckpointFunctionBackward"]


@requires_torch
def test_the_reentrant_node_is_named_as_pytorchs():
    same_as_torch(
        lambda lib: checkpoint_of(lib)(
            lambda x: x * 2, lib.ones(2, requires_grad=True), use_reentrant=True
        ).grad_fn.name()
    )


def test_several_outputs_and_non_tensor_outputs_pass_through():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    double, label, square = checkpoint(lambda x: (x * 2, "label", x * x), x, use_reentrant=True)
    assert label == "label"
    (double.sum() + square.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 6.0])


@requires_torch
def test_without_inputs_that_require_grad_only_the_non_reentrant_variant_reaches_the_parameters():
    def parameter_grads(lib, use_reentrant):
        lib.manual_seed(0)
        layer = lib.nn.Linear(3, 2)
        with lib.no_grad():
            layer.weight.fill_(1.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = checkpoint_of(lib)(layer, lib.ones(4, 3), use_reentrant=use_reentrant)
        if out.requires_grad:
            out.sum().backward()
        grad = layer.weight.grad
        return None if grad is None else grad.numpy(), [
            "Gradients will be None" in str(w.message) for w in caught
        ]

    for use_reentrant in REENTRANT:
        ours, theirs = parameter_grads(chainrule, use_reentrant), parameter_grads(torch, use_reentrant)
        assert ours[1] == theirs[1]
        assert (ours[0] is None) == (theirs[0] is None)
        if theirs[0] is not None:
            np.testing.assert_allclose(ours[0], theirs[0])


@requires_torch
@pytest.mark.parametrize("fn", ["checkpoint", "checkpoint_sequential"])
def test_leaving_out_use_reentrant_warns_as_pytorch_and_defaults_to_reentrant(fn):
    for lib, module in ((chainrule, chainrule.utils.checkpoint), (torch, torch.utils.checkpoint)):
        x = lib.ones(2, requires_grad=True)
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
            if fn == "checkpoint":
                out = module.checkpoint(lambda x: x * 3, x)
            else:
                out = module.checkpoint_sequential([lambda x: x * 3, lambda x: x + 1], 2, x)
        out.sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]


@requires_torch
def test_keyword_arguments_need_the_non_reentrant_variant():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(ValueError, match="Unexpected keyword arguments: power"):
            checkpoint_of(lib)(lambda x, power: x**power, x, use_reentrant=True, power=3)
        checkpoint_of(lib)(lambda x, power: x**power, x, use_reentrant=False, power=3).sum().backward()
        assert x.grad.tolist() == [3.0, 12.0]


def test_under_no_grad_the_function_runs_plainly():
    x = chainrule.ones(2, requires_grad=True)
    with chainrule.no_grad():
        out = checkpoint(lambda x: x * 2, x, use_reentrant=False)
    assert not out.requires_grad and out.tolist() == [2.0, 2.0]


@requires_torch
@pytest.mark.parametrize("segments", [1, 2, 3])
@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_checkpoint_sequential_matches_pytorch(segments, use_reentrant):
    def run_sequential(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(
            lib.nn.Linear(4, 6), lib.nn.Tanh(), lib.nn.Linear(6, 6), lib.nn.Sigmoid(), lib.nn.Linear(6, 2)
        )
        arrays = layer_inputs((6, 4), (6, 4), bias=False)
        with lib.no_grad():
            for p, seed in zip(model.parameters(), range(10)):
                p.copy_(
                    lib.tensor(np.random.default_rng(seed).uniform(-0.5, 0.5, tuple(p.shape)).astype("f"))
                )
        x = lib.tensor(arrays[0], requires_grad=True)
        module = chainrule.utils.checkpoint if lib is chainrule else torch.utils.checkpoint
        out = module.checkpoint_sequential(model, segments, x, use_reentrant=use_reentrant)
        (out * lib.tensor([1.0, -2.0])).sum().backward()
        return [out.detach().numpy(), x.grad.numpy()] + [p.grad.numpy() for p in model.parameters()]

    assert_all_close(run_sequential(chainrule), run_sequential(torch), rtol=1e-4)


def test_checkpoint_sequential_refuses_unknown_keyword_arguments():
    with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
        checkpoint_sequential([lambda x: x], 1, chainrule.ones(1), use_reentrant=True, foo=1)
