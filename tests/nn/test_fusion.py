"""nn.utils fusion (Conv/Linear + eval BatchNorm), skip_init and stateless.functional_call
against PyTorch."""

import copy

import numpy as np
import pytest

import chainrule

from module_oracle import copy_weights
from oracle import assert_same_error, raises_like_torch, requires_torch, torch


def trained_bn(m, bn):
    """``bn`` with non-trivial running statistics and affine parameters (set through
    state_dict, so both libraries get the same)."""
    n = bn.num_features
    rng = np.random.default_rng(3)
    state = {
        "weight": rng.uniform(0.5, 2, n),
        "bias": rng.uniform(-1, 1, n),
        "running_mean": rng.uniform(-1, 1, n),
        "running_var": rng.uniform(0.5, 2, n),
    }
    bn.load_state_dict({k: m.tensor(v.astype(np.float32)) for k, v in state.items()}, strict=False)
    return bn.eval()


PAIRS = [
    (lambda m: m.nn.Conv2d(2, 3, 3), lambda m: m.nn.BatchNorm2d(3), (2, 2, 5, 5), False),
    (lambda m: m.nn.Conv1d(2, 3, 3, bias=False), lambda m: m.nn.BatchNorm1d(3), (2, 2, 6), False),
    (lambda m: m.nn.ConvTranspose2d(2, 3, 3), lambda m: m.nn.BatchNorm2d(3), (2, 2, 4, 4), True),
    (lambda m: m.nn.Linear(4, 3), lambda m: m.nn.BatchNorm1d(3), (5, 4), None),
    (lambda m: m.nn.Linear(4, 3, bias=False), lambda m: m.nn.BatchNorm1d(1), (5, 4), None),
]


@requires_torch
@pytest.mark.parametrize("make_layer, make_bn, x_shape, transpose", PAIRS)
def test_fused_layer_matches_pytorchs_values_gradients_and_the_unfused_pair(
    make_layer, make_bn, x_shape, transpose
):
    x = np.random.default_rng(0).uniform(-1, 1, x_shape).astype(np.float32)
    results = {}
    for m in (torch, chainrule):
        layer = make_layer(m).eval()
        if m is chainrule:
            copy_weights(results[torch][2], layer)
        bn = trained_bn(m, make_bn(m))
        if transpose is None:
            fused = m.nn.utils.fuse_linear_bn_eval(layer, bn)
        else:
            fused = m.nn.utils.fuse_conv_bn_eval(layer, bn, transpose=transpose)
        assert fused is not layer and type(fused) is type(layer)
        inputs = m.tensor(x, requires_grad=True)
        out = fused(inputs)
        out.sum().backward()
        if bn.num_features > 1:  # a one-feature BatchNorm fuses, but cannot run after the layer
            unfused = bn(layer(m.tensor(x))).detach().numpy()
            np.testing.assert_allclose(out.detach().numpy(), unfused, rtol=1e-4, atol=1e-5)
        results[m] = (out, inputs, layer, fused)
    (ours, our_x, _, our_fused), (theirs, their_x, _, their_fused) = results[chainrule], results[torch]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(our_x.grad.numpy(), their_x.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert list(our_fused.state_dict()) == list(their_fused.state_dict())
    for name, p in their_fused.named_parameters():
        q = dict(our_fused.named_parameters())[name]
        assert q.requires_grad == p.requires_grad
        assert (q.grad is None) == (p.grad is None)
        if p.grad is not None:
            np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-5)


@requires_torch
def test_fusion_errors_are_pytorchs():
    raises_like_torch(
        lambda m: m.nn.utils.fuse_conv_bn_eval(m.nn.Conv2d(2, 3, 1), m.nn.BatchNorm2d(3)),
        "Fusion only for eval",
    )
    raises_like_torch(
        lambda m: m.nn.utils.fuse_linear_bn_eval(m.nn.Linear(2, 3).eval(), m.nn.BatchNorm1d(4).eval()),
        "linear.out_features == bn.num_features",
    )
    raises_like_torch(
        lambda m: m.nn.utils.fuse_linear_bn_eval(
            m.nn.Linear(2, 3).eval(), m.nn.BatchNorm1d(3, track_running_stats=False).eval()
        ),
        "must not be None",
    )


@requires_torch
def test_skip_init_builds_the_module_and_raises_pytorchs_errors():
    ours = chainrule.nn.utils.skip_init(chainrule.nn.Linear, 5, 2, bias=False)
    theirs = torch.nn.utils.skip_init(torch.nn.Linear, 5, 2, bias=False)
    assert type(ours) is chainrule.nn.Linear
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    assert_same_error(lambda m: m.nn.utils.skip_init(int), "Expected a Module")
    assert_same_error(lambda m: m.nn.utils.skip_init(m.nn.ReLU), "Module must support a 'device' arg")


@requires_torch
def test_stateless_functional_call_matches_pytorch():
    x = np.random.default_rng(0).uniform(-1, 1, (4, 3)).astype(np.float32)
    w = np.random.default_rng(1).uniform(-1, 1, (2, 3)).astype(np.float32)
    results = []
    for m in (chainrule, torch):
        layer = m.nn.Linear(3, 2)
        before = copy.deepcopy(layer.state_dict())
        weight = m.tensor(w, requires_grad=True)
        with pytest.warns(FutureWarning, match="stateless.functional_call` is deprecated"):
            out = m.nn.utils.stateless.functional_call(
                layer, {"weight": weight, "bias": m.zeros(2)}, m.tensor(x)
            )
        out.sum().backward()
        for k, v in layer.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), before[k].numpy())
        results.append((out.detach().numpy(), weight.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
