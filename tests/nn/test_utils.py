"""nn.utils: gradient clipping and parameter/vector conversion against PyTorch."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

from oracle import requires_torch, torch

GRADS = [np.array([[3.0, -4.0], [1.0, 0.5]], np.float32), np.array([-2.0, 6.0, 0.25], np.float32)]


def parameters_with_grads(lib, grads=GRADS):
    params = []
    for g in grads:
        p = lib.nn.Parameter(lib.zeros(g.shape))
        p.grad = lib.tensor(g)
        params.append(p)
    params.append(lib.nn.Parameter(lib.zeros(2)))  # no gradient: skipped
    return params


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf")])
@pytest.mark.parametrize("max_norm", [1.0, 100.0])
def test_clip_grad_norm_returns_the_total_norm_and_scales_gradients_like_pytorch(norm_type, max_norm):
    ours, theirs = parameters_with_grads(chainrule), parameters_with_grads(torch)
    our_norm = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    their_norm = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert our_norm.dtype == chainrule.float32
    np.testing.assert_allclose(our_norm.numpy(), their_norm.numpy(), rtol=1e-6)
    for p, q in zip(ours[:2], theirs[:2]):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)
    assert ours[2].grad is None


@requires_torch
def test_clip_grad_norm_accepts_a_single_tensor_and_a_generator():
    p = parameters_with_grads(chainrule)[0]
    q = parameters_with_grads(torch)[0]
    np.testing.assert_allclose(
        nn.utils.clip_grad_norm_(p, 1.0).numpy(), torch.nn.utils.clip_grad_norm_(q, 1.0).numpy()
    )
    layer = nn.Linear(2, 2)
    layer(chainrule.ones(1, 2)).sum().backward()
    assert nn.utils.clip_grad_norm_(layer.parameters(), 0.1).item() > 0.1
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0


@requires_torch
def test_non_finite_total_norm_raises_only_when_asked_like_pytorch():
    grads = [np.array([np.inf, 1.0], np.float32)]
    for lib in (nn.utils, torch.nn.utils):
        params = parameters_with_grads(chainrule if lib is nn.utils else torch, grads)
        with pytest.raises(RuntimeError, match="non-finite"):
            lib.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    ours, theirs = parameters_with_grads(chainrule, grads), parameters_with_grads(torch, grads)
    nn.utils.clip_grad_norm_(ours, 1.0)
    torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    np.testing.assert_array_equal(ours[0].grad.numpy(), theirs[0].grad.numpy())


@requires_torch
def test_clip_grad_value_clamps_every_gradient_like_pytorch():
    ours, theirs = parameters_with_grads(chainrule), parameters_with_grads(torch)
    assert nn.utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours[:2], theirs[:2]):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


@requires_torch
def test_get_total_norm_and_clip_grads_with_norm_compose_to_clip_grad_norm():
    ours, theirs = parameters_with_grads(chainrule), parameters_with_grads(torch)
    our_norm = nn.utils.get_total_norm([p.grad for p in ours if p.grad is not None], 3.0)
    their_norm = torch.nn.utils.get_total_norm([p.grad for p in theirs if p.grad is not None], 3.0)
    np.testing.assert_allclose(our_norm.numpy(), their_norm.numpy(), rtol=1e-6)
    nn.utils.clip_grads_with_norm_(ours, 2.0, our_norm)
    torch.nn.utils.clip_grads_with_norm_(theirs, 2.0, their_norm)
    np.testing.assert_allclose(ours[1].grad.numpy(), theirs[1].grad.numpy(), rtol=1e-6)


@requires_torch
def test_parameters_to_vector_and_back_round_trip_like_pytorch():
    theirs = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    ours.load_state_dict(theirs.state_dict())
    vector = nn.utils.parameters_to_vector(ours.parameters())
    np.testing.assert_array_equal(
        vector.detach().numpy(), torch.nn.utils.parameters_to_vector(theirs.parameters()).detach().numpy()
    )
    nn.utils.vector_to_parameters(chainrule.arange(8.0), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(8.0), theirs.parameters())
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_parameters_to_vector_is_differentiable():
    layer = nn.Linear(2, 1)
    (nn.utils.parameters_to_vector(layer.parameters()) * chainrule.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert layer.weight.grad.tolist() == [[1.0, 2.0]] and layer.bias.grad.tolist() == [3.0]


def test_vector_to_parameters_of_a_non_tensor_raises_type_error():
    with pytest.raises(TypeError, match="expected chainrule.Tensor"):
        nn.utils.vector_to_parameters([1.0, 2.0, 3.0], nn.Linear(2, 1).parameters())
