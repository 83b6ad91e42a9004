"""nn.utils.parametrizations.orthogonal against PyTorch: the weight and state_dict
after registration, values and gradients on the same weights, orthogonality after
SGD steps, assignment through right_inverse and PyTorch's errors."""

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, raises_like_torch, requires_torch, torch

pytestmark = requires_torch

MAPS = ["matrix_exp", "cayley", "householder"]
SHAPES = [(4, 4), (5, 3), (3, 5), (2, 3, 3)]


def _module(lib, shape, seed=1):
    module = lib.nn.Module()
    weight = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    module.weight = lib.nn.Parameter(lib.tensor(weight))
    return module


def _both(shape, orthogonal_map, use_trivialization):
    """The same module made orthogonal in both libraries; chainrule takes PyTorch's
    state (a wide or tall weight's base is completed with random columns)."""
    modules = {}
    for lib in (torch, chainrule):
        modules[lib] = lib.nn.utils.parametrizations.orthogonal(
            _module(lib, shape), orthogonal_map=orthogonal_map, use_trivialization=use_trivialization
        )
    state = {key: chainrule.tensor(value.numpy()) for key, value in modules[torch].state_dict().items()}
    modules[chainrule].load_state_dict(state)
    return modules


def _orthonormality_error(weight):
    w = weight.detach().numpy().astype(np.float64)
    if w.shape[-2] < w.shape[-1]:
        w = np.swapaxes(w, -1, -2)
    return np.abs(np.swapaxes(w, -1, -2) @ w - np.eye(w.shape[-1])).max()


@pytest.mark.parametrize("use_trivialization", [True, False], ids=["trivialization", "plain"])
@pytest.mark.parametrize("orthogonal_map", [None, *MAPS])
@pytest.mark.parametrize("shape", SHAPES, ids=["square", "tall", "wide", "batched"])
def test_registration_gives_pytorchs_weight_and_state_dict(shape, orthogonal_map, use_trivialization):
    ours, theirs = (
        lib.nn.utils.parametrizations.orthogonal(
            _module(lib, shape), orthogonal_map=orthogonal_map, use_trivialization=use_trivialization
        )
        for lib in (chainrule, torch)
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), atol=1e-6)
    assert _orthonormality_error(ours.weight) < 1e-5
    square = shape[-1] == shape[-2]
    if square or not use_trivialization:  # a non-square base has random columns
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), atol=1e-6, err_msg=key)


@pytest.mark.parametrize("use_trivialization", [True, False], ids=["trivialization", "plain"])
@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("shape", SHAPES, ids=["square", "tall", "wide", "batched"])
def test_sgd_steps_keep_the_weight_orthogonal_with_pytorchs_values_and_gradients(
    shape, orthogonal_map, use_trivialization
):
    modules = _both(shape, orthogonal_map, use_trivialization)
    target = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    for step in range(4):
        results = {}
        for lib, module in modules.items():
            original = module.parametrizations.weight.original
            optimizer = lib.optim.SGD([original], lr=0.1)
            optimizer.zero_grad()
            loss = ((module.weight - lib.tensor(target)) ** 2).sum()
            loss.backward()
            results[lib] = (module.weight.detach().numpy(), original.grad.numpy().copy())
            optimizer.step()
        ours, theirs = results[chainrule], results[torch]
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-5, err_msg=f"weight, step {step}")
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-4, atol=1e-4, err_msg=f"gradient, step {step}")
        assert _orthonormality_error(modules[chainrule].weight) < 1e-5


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_the_parametrized_weight_passes_float64_finite_differences(orthogonal_map):
    module = chainrule.nn.utils.parametrizations.orthogonal(
        _module(chainrule, (4, 3)).double(), orthogonal_map=orthogonal_map, use_trivialization=False
    )
    parametrization = module.parametrizations.weight[0]
    original = module.parametrizations.weight.original.detach()
    # householder reads the diagonal's signs as integers, a step function: vary the rest
    diagonal = original - original.tril(-1) if orthogonal_map == "householder" else 0.0
    lower = original.tril(-1).clone().requires_grad_(True)
    assert chainrule.autograd.gradcheck(
        lambda x: parametrization(diagonal + x.tril(-1)), (lower,), eps=1e-6, atol=1e-6, rtol=1e-5
    )


@pytest.mark.parametrize("orthogonal_map", MAPS)
def test_assigning_an_orthogonal_matrix_sets_the_weight_to_it(orthogonal_map):
    def scenario(lib):
        module = lib.nn.utils.parametrizations.orthogonal(_module(lib, (3, 3)), orthogonal_map=orthogonal_map)
        module.weight = lib.tensor(
            np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))[0].astype(np.float32)
        )
        return module.weight.detach(), module.parametrizations.weight[0].base

    (ours_weight, ours_base), (theirs_weight, theirs_base) = scenario(chainrule), scenario(torch)
    np.testing.assert_allclose(ours_weight.numpy(), theirs_weight.numpy(), atol=1e-6)
    np.testing.assert_allclose(ours_base.numpy(), theirs_base.numpy(), atol=1e-6)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley"])
def test_assigning_without_trivialization_is_not_implemented_for_exp_and_cayley(orthogonal_map):
    def scenario(lib):
        module = lib.nn.utils.parametrizations.orthogonal(
            _module(lib, (3, 3)), orthogonal_map=orthogonal_map, use_trivialization=False
        )
        module.weight = lib.eye(3)

    raises_like_torch(scenario, match="^It is not possible to assign to the matrix exponential")


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), "kernel"),
            "has no parameter",
        ),
        (
            lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), "bias"),
            "^Expected a matrix",
        ),
        (
            lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), orthogonal_map="qr"),
            '^orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: qr$',
        ),
    ],
    ids=["no-such-tensor", "vector", "unknown-map"],
)
def test_bad_arguments_raise_pytorchs_errors(make, match):
    raises_like_torch(make, match=match)


def test_assigning_a_matrix_of_another_shape_raises_pytorchs_error():
    def scenario(lib):
        module = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 2))
        module.weight = lib.eye(3)

    assert_same_error(scenario, "Expected a matrix or batch of matrices of shape")
