"""Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop against PyTorch, with the
harness of test_optimizers.py: the same trajectory at every step, the same
state_dict, parameter groups, and save / load mid-run."""

import numpy as np
import pytest

import chainrule

from optim import test_optimizers as harness
from oracle import requires_torch, torch

CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1}),
    ("Adadelta", {"eps": 1e-3, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "betas": (0.5, 0.9), "weight_decay": 0.1}),
    ("Adamax", {"eps": 1e-3, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "momentum_decay": 0.1, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"betas": (0.5, 0.9), "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "betas": (0.5, 0.9), "weight_decay": 0.1}),  # rectified from step 6
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.7), "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"betas": (0.9, 0.8), "maximize": True, "eps": 1e-4}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.1, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.05, "t0": 0, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.5)}),
    ("Rprop", {"maximize": True, "step_sizes": (1e-3, 0.05)}),
]
CASE_IDS = [f"{name}-{kwargs}" for name, kwargs in CASES]
NAMES = sorted({name for name, _ in CASES})


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_trajectory_and_state_match_pytorch_at_every_step(name, kwargs, dtype):
    harness.test_trajectory_and_state_match_pytorch_at_every_step(name, kwargs, dtype)


@requires_torch
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_parameter_groups_with_their_own_options_match_pytorch(name, kwargs):
    harness.test_parameter_groups_with_their_own_options_match_pytorch(name, kwargs)


@requires_torch
@pytest.mark.parametrize("name, kwargs", CASES[1::2], ids=CASE_IDS[1::2])
def test_state_dict_round_trip_through_a_file_continues_like_pytorch_s_round_trip(name, kwargs, tmp_path):
    """Both libraries save mid-run and resume in a fresh optimizer. Loading casts
    NAdam's ``mu_product`` and ASGD's ``eta`` and ``mu`` to the parameters' dtype
    (PyTorch keeps only ``step`` as saved), so the resumed run is compared with
    PyTorch's resumed run."""
    initial, gradients = harness.make_problem(np.float64, steps=20)
    ours = [chainrule.tensor(a, requires_grad=True) for a in initial]
    theirs = [torch.tensor(a, requires_grad=True) for a in initial]
    ours_opt = getattr(chainrule.optim, name)(ours, **kwargs)
    theirs_opt = getattr(torch.optim, name)(theirs, **kwargs)
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
    ours_opt = getattr(chainrule.optim, name)(ours, **kwargs)
    ours_opt.load_state_dict(checkpoint["optimizer"])
    saved = theirs_opt.state_dict()
    theirs = [p.detach().clone().requires_grad_(True) for p in theirs]
    theirs_opt = getattr(torch.optim, name)(theirs, **kwargs)
    theirs_opt.load_state_dict(saved)
    harness.assert_same_state_dict(ours_opt.state_dict(), theirs_opt.state_dict(), np.float64)
    harness.step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients[10:], np.float64)


@requires_torch
@pytest.mark.parametrize("name, kwargs", CASES[::2], ids=CASE_IDS[::2])
def test_a_pytorch_state_dict_loaded_into_a_fresh_optimizer_continues_like_pytorch(name, kwargs):
    harness.test_a_pytorch_state_dict_loaded_into_a_fresh_optimizer_continues_like_pytorch(name, kwargs)


@requires_torch
@pytest.mark.parametrize("name", NAMES)
def test_defaults_fill_every_group_like_pytorch(name):
    harness.test_defaults_fill_every_group_like_pytorch(name)


@requires_torch
@pytest.mark.parametrize("name", NAMES)
def test_training_a_linear_model_through_backward_matches_pytorch(name):
    harness.test_training_a_linear_model_through_backward_matches_pytorch(name)


@pytest.mark.parametrize("name", NAMES)
def test_step_updates_parameters_in_place_keeping_their_identity_and_memory(name):
    harness.test_step_updates_parameters_in_place_keeping_their_identity_and_memory(name)


@requires_torch
@pytest.mark.parametrize("name", NAMES)
def test_state_is_made_on_the_first_step_with_pytorch_keys_dtypes_and_shapes(name):
    states = {}
    for lib in (chainrule, torch):
        params = [lib.ones(2, 3, dtype=lib.float64, requires_grad=True), lib.ones(4, requires_grad=True)]
        opt = getattr(lib.optim, name)(params, lr=0.1)
        assert opt.state_dict()["state"] == {}
        params[0].grad = lib.ones(2, 3, dtype=lib.float64)
        opt.step()
        states[lib] = harness.to_numpy_tree(opt.state_dict()["state"])
    assert states[chainrule].keys() == states[torch].keys() == {0}
    ours, theirs = states[chainrule][0], states[torch][0]
    assert list(ours) == list(theirs)
    for key in ours:
        assert ours[key].dtype == theirs[key].dtype and ours[key].shape == theirs[key].shape, key
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-7, err_msg=key)


def ones(lib):
    return [lib.ones(2, requires_grad=True)]


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.optim.Adadelta(ones(lib), lr=-1.0),
        lambda lib: lib.optim.Adadelta(ones(lib), rho=1.5),
        lambda lib: lib.optim.Adadelta(ones(lib), eps=-1.0),
        lambda lib: lib.optim.Adadelta(ones(lib), weight_decay=-1.0),
        lambda lib: lib.optim.Adamax(ones(lib), betas=(1.0, 0.9)),
        lambda lib: lib.optim.Adamax(ones(lib), betas=(0.9, -0.1)),
        lambda lib: lib.optim.Adamax(ones(lib), eps=-1.0),
        lambda lib: lib.optim.Adamax(ones(lib), lr=lib.tensor([0.1, 0.2])),
        lambda lib: lib.optim.NAdam(ones(lib), momentum_decay=-1.0),
        lambda lib: lib.optim.NAdam(ones(lib), betas=(0.9, 1.0)),
        lambda lib: lib.optim.NAdam(ones(lib), weight_decay=-0.1),
        lambda lib: lib.optim.RAdam(ones(lib), betas=(-0.5, 0.9)),
        lambda lib: lib.optim.RAdam(ones(lib), eps=-1e-8),
        lambda lib: lib.optim.RAdam(ones(lib), lr=-0.1),
        lambda lib: lib.optim.ASGD(ones(lib), lr=-0.1),
        lambda lib: lib.optim.ASGD(ones(lib), weight_decay=-0.1),
        lambda lib: lib.optim.Rprop(ones(lib), etas=(1.5, 1.2)),
        lambda lib: lib.optim.Rprop(ones(lib), etas=(0.5, 0.9)),
        lambda lib: lib.optim.Rprop(ones(lib), lr=-1.0),
    ],
)
def test_invalid_arguments_raise_pytorch_s_error(make):
    errors = []
    for lib in (torch, chainrule):
        with pytest.raises(ValueError) as error:
            make(lib)
        errors.append(str(error.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_is_refused_with_a_clear_error(name):
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(chainrule.optim, name)([chainrule.ones(1, requires_grad=True)], differentiable=True)
