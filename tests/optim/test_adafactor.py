"""Adafactor against PyTorch, with the harness of test_optimizers.py: the same
trajectory at every step for matrices (factored second moments, also batched
over a leading dimension), vectors and scalars, the same state_dict, parameter
groups, and save / load mid-run."""

import numpy as np
import pytest

import chainrule

from optim import test_optimizers as harness
from oracle import requires_torch, torch

SHAPES = [(3, 4), (2, 3, 5), (6,), ()]
STEPS = 25

CASES = [
    {},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.3, "beta2_decay": -0.5, "eps": (1e-6, 1e-2), "d": 1.5, "maximize": True},
    {"lr": 1.0, "eps": (1e-3, 0.5)},  # the update's RMS clipped by d in early steps
    {"foreach": True, "weight_decay": 0.05},
]


def make_problem(dtype, steps=STEPS, seed=0):
    """Initial values and a fixed gradient sequence; the scalar gets no gradient
    every third step (it must then be left alone)."""
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    gradients = []
    for step in range(steps):
        row = [(rng.standard_normal(shape) * (1 + step % 4)).astype(dtype) for shape in SHAPES]
        if step % 3 == 1:
            row[-1] = None
        gradients.append(row)
    return initial, gradients


def start(dtype, kwargs, groups=lambda params: params):
    initial, gradients = make_problem(dtype)
    ours = [chainrule.tensor(a, requires_grad=True) for a in initial]
    theirs = [torch.tensor(a, requires_grad=True) for a in initial]
    return (
        ours,
        theirs,
        chainrule.optim.Adafactor(groups(ours), **kwargs),
        torch.optim.Adafactor(groups(theirs), **kwargs),
        gradients,
    )


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_trajectory_and_state_match_pytorch_at_every_step(kwargs, dtype):
    ours, theirs, ours_opt, theirs_opt, gradients = start(dtype, kwargs)
    harness.assert_same_state_dict(ours_opt.state_dict(), theirs_opt.state_dict(), dtype)
    harness.step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients, dtype)


@requires_torch
@pytest.mark.parametrize("kwargs", CASES[:3], ids=str)
def test_parameter_groups_with_their_own_options_match_pytorch(kwargs):
    def groups(params):
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003, "weight_decay": 0.2, "d": 2.0}]

    ours, theirs, ours_opt, theirs_opt, gradients = start(np.float32, kwargs, groups)
    harness.step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients, np.float32)


@requires_torch
@pytest.mark.parametrize("kwargs", CASES[1:3], ids=str)
def test_state_dict_round_trip_through_a_file_continues_like_pytorch(kwargs, tmp_path):
    ours, theirs, ours_opt, theirs_opt, gradients = start(np.float64, kwargs)
    for row in gradients[:10]:
        harness.set_gradients(chainrule, ours, row)
        harness.set_gradients(torch, theirs, row)
        ours_opt.step()
        theirs_opt.step()

    chainrule.save(
        {"optimizer": ours_opt.state_dict(), "params": [p.detach() for p in ours]}, tmp_path / "ckpt"
    )
    checkpoint = chainrule.load(tmp_path / "ckpt")
    ours = [p.clone().requires_grad_(True) for p in checkpoint["params"]]
    ours_opt = chainrule.optim.Adafactor(ours, **kwargs)
    ours_opt.load_state_dict(checkpoint["optimizer"])
    harness.assert_same_state_dict(ours_opt.state_dict(), theirs_opt.state_dict(), np.float64)
    harness.step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients[10:], np.float64)


@requires_torch
def test_a_pytorch_state_dict_loaded_into_a_fresh_optimizer_continues_like_pytorch():
    ours, theirs, _, theirs_opt, gradients = start(np.float32, CASES[1])
    for row in gradients[:10]:
        harness.set_gradients(torch, theirs, row)
        theirs_opt.step()
    ours = [chainrule.tensor(p.detach().numpy(), requires_grad=True) for p in theirs]
    ours_opt = chainrule.optim.Adafactor(ours, **CASES[1])
    ours_opt.load_state_dict(harness.torch_state_to_chainrule(theirs_opt.state_dict()))
    harness.step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients[10:], np.float32)


@requires_torch
def test_state_is_made_on_the_first_step_with_pytorch_keys_dtypes_and_shapes():
    states = {}
    for lib in (chainrule, torch):
        params = [lib.ones(shape, dtype=lib.float64, requires_grad=True) for shape in SHAPES]
        opt = lib.optim.Adafactor(params)
        assert opt.state_dict()["state"] == {}
        for p in params[:3]:
            p.grad = lib.full(p.shape, 0.5, dtype=lib.float64)
        opt.step()
        states[lib] = harness.to_numpy_tree(opt.state_dict()["state"])
    assert states[chainrule].keys() == states[torch].keys() == {0, 1, 2}
    for index, theirs in states[torch].items():
        ours = states[chainrule][index]
        assert list(ours) == list(theirs)
        for key in ours:
            assert ours[key].dtype == theirs[key].dtype and ours[key].shape == theirs[key].shape, key
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, err_msg=key)


@requires_torch
def test_defaults_fill_every_group_like_pytorch():
    harness.test_defaults_fill_every_group_like_pytorch("Adafactor")


@requires_torch
def test_training_a_linear_model_through_backward_matches_pytorch():
    harness.test_training_a_linear_model_through_backward_matches_pytorch("Adafactor")


def test_step_updates_parameters_in_place_keeping_their_identity_and_memory():
    harness.test_step_updates_parameters_in_place_keeping_their_identity_and_memory("Adafactor")


def ones(lib):
    return [lib.ones(2, requires_grad=True)]


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.optim.Adafactor(ones(lib), lr=-1.0),
        lambda lib: lib.optim.Adafactor(ones(lib), lr=lib.tensor([0.1, 0.2])),
        lambda lib: lib.optim.Adafactor(ones(lib), beta2_decay=0.5),
        lambda lib: lib.optim.Adafactor(ones(lib), eps=(-1.0, 1e-3)),
        lambda lib: lib.optim.Adafactor(ones(lib), eps=(None, -1e-3)),
        lambda lib: lib.optim.Adafactor(ones(lib), d=0.5),
        lambda lib: lib.optim.Adafactor(ones(lib), weight_decay=-0.1),
    ],
)
def test_invalid_arguments_raise_pytorch_s_error(make):
    errors = []
    for lib in (torch, chainrule):
        with pytest.raises(ValueError) as error:
            make(lib)
        errors.append(str(error.value))
    assert errors[0] == errors[1]
