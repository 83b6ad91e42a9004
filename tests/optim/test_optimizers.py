"""Optimizers against PyTorch: the same parameters and the same gradients give
the same trajectory, step after step, and the same state_dict."""

import copy

import numpy as np
import pytest

import chainrule

from oracle import requires_torch, torch
from same_bits import assert_same_bits_on_threads

SHAPES = [(3, 4), (4,), ()]
STEPS = 25

# rtol as the project's float32 / float64 standard; atol covers the one or two
# ulps that PyTorch's fused multiply-adds leave on a parameter crossing zero,
# where a relative error means nothing.
TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-13)}

CASES = [
    ("SGD", {}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9, "lr": 0.001}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.01, "maximize": True}),
    ("RMSprop", {"alpha": 0.3, "centered": True, "eps": 1e-4}),
    ("Adagrad", {}),
    ("Adagrad", {"lr_decay": 0.01}),
    ("Adagrad", {"initial_accumulator_value": 0.1, "weight_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "maximize": True, "eps": 1e-6}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"weight_decay": 0.01}),
    ("Adam", {"betas": (0.3, 0.9), "maximize": True}),
    ("Adam", {"lr": 0.01, "eps": 1e-6, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {}),
    ("AdamW", {"amsgrad": True, "lr": 0.01}),
    ("AdamW", {"weight_decay": 0.1, "lr": 0.01}),
    ("AdamW", {"maximize": True, "betas": (0.8, 0.99)}),
]
CASE_IDS = [f"{name}-{kwargs}" for name, kwargs in CASES]


def make_problem(dtype, steps=STEPS, seed=0):
    """Initial values and a fixed gradient sequence; the scalar parameter gets
    no gradient every third step (it must then be left alone)."""
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    gradients = []
    for step in range(steps):
        row = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
        if step % 3 == 1:
            row[2] = None
        gradients.append(row)
    return initial, gradients


def set_gradients(lib, params, row):
    for p, g in zip(params, row):
        p.grad = None if g is None else lib.tensor(g)


def values(params):
    return [p.detach().numpy().copy() for p in params]


def assert_same_values(ours, theirs, dtype, what):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.dtype == b.dtype, f"{what}, parameter {i}: dtype {a.dtype} != torch {b.dtype}"
        np.testing.assert_allclose(a, b, **TOLERANCE[dtype], err_msg=f"{what}, parameter {i}")


def to_numpy_tree(value):
    """A state_dict with every tensor (either library's) replaced by an array."""
    if isinstance(value, chainrule.Tensor):
        return value.detach().numpy()
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().numpy()
    if isinstance(value, dict):
        return {k: to_numpy_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy_tree(v) for v in value)
    return value


def torch_state_to_chainrule(value):
    if isinstance(value, torch.Tensor):
        return chainrule.tensor(value.detach().numpy())
    if isinstance(value, dict):
        return {k: torch_state_to_chainrule(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(torch_state_to_chainrule(v) for v in value)
    return value


def assert_same_state_dict(ours, theirs, dtype):
    ours, theirs = to_numpy_tree(ours), to_numpy_tree(theirs)
    assert ours["param_groups"] == theirs["param_groups"]
    assert ours["state"].keys() == theirs["state"].keys()
    for index, state in ours["state"].items():
        assert state.keys() == theirs["state"][index].keys(), f"state of parameter {index}"
        for key, value in state.items():
            expected = theirs["state"][index][key]
            assert value.shape == expected.shape and value.dtype == expected.dtype, f"state[{index}][{key}]"
            np.testing.assert_allclose(value, expected, **TOLERANCE[dtype], err_msg=f"state[{index}][{key}]")


def step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients, dtype):
    """Both optimizers step through ``gradients``; the parameters agree after every
    step and the state_dicts at the end."""
    for step, row in enumerate(gradients):
        set_gradients(chainrule, ours, row)
        set_gradients(torch, theirs, row)
        ours_opt.step()
        theirs_opt.step()
        assert_same_values(values(ours), values(theirs), dtype, f"step {step}")
    assert_same_state_dict(ours_opt.state_dict(), theirs_opt.state_dict(), dtype)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_trajectory_and_state_match_pytorch_at_every_step(name, kwargs, dtype):
    initial, gradients = make_problem(dtype)
    ours = [chainrule.tensor(a, requires_grad=True) for a in initial]
    theirs = [torch.tensor(a, requires_grad=True) for a in initial]
    ours_opt = getattr(chainrule.optim, name)(ours, **kwargs)
    theirs_opt = getattr(torch.optim, name)(theirs, **kwargs)
    assert_same_state_dict(ours_opt.state_dict(), theirs_opt.state_dict(), dtype)
    step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients, dtype)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", [kwargs for name, kwargs in CASES if name == "SGD"], ids=str)
def test_sgd_with_its_vector_updates_on_blas_matches_pytorch(kwargs, dtype, monkeypatch):
    """Large parameters' SGD updates run as BLAS's axpy / axpby (ops/_blas.py): every
    parameter takes that path here."""
    from chainrule.ops import _blas

    monkeypatch.setattr(_blas, "MIN_VECTOR", 0)
    test_trajectory_and_state_match_pytorch_at_every_step("SGD", kwargs, dtype)


@requires_torch
@pytest.mark.parametrize("name, kwargs", CASES[1::2], ids=CASE_IDS[1::2])
def test_parameter_groups_with_their_own_options_match_pytorch(name, kwargs):
    initial, gradients = make_problem(np.float32)
    ours = [chainrule.tensor(a, requires_grad=True) for a in initial]
    theirs = [torch.tensor(a, requires_grad=True) for a in initial]

    def groups(params):
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003, "weight_decay": 0.2}]

    ours_opt = getattr(chainrule.optim, name)(groups(ours), **kwargs)
    theirs_opt = getattr(torch.optim, name)(groups(theirs), **kwargs)
    step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients, np.float32)


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_training_a_linear_model_through_backward_matches_pytorch(name):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    w0, b0 = rng.standard_normal((3, 1)).astype(np.float32), np.zeros(1, np.float32)
    trajectories = []
    for lib in (chainrule, torch):
        w, b = lib.tensor(w0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        opt = getattr(lib.optim, name)([w, b], lr=0.05)
        trajectory = []
        for _ in range(30):
            opt.zero_grad()
            loss = ((lib.tensor(x) @ w + b - lib.tensor(y)) ** 2).mean()
            loss.backward()
            opt.step()
            trajectory.append(values([w, b]))
        trajectories.append(trajectory)
    for step, (ours, theirs) in enumerate(zip(*trajectories)):
        assert_same_values(ours, theirs, np.float32, f"step {step}")


@requires_torch
@pytest.mark.parametrize("name, kwargs", CASES[1::2], ids=CASE_IDS[1::2])
def test_state_dict_round_trip_through_a_file_continues_the_same_trajectory(name, kwargs, tmp_path):
    initial, gradients = make_problem(np.float64, steps=20)
    params = [chainrule.tensor(a, requires_grad=True) for a in initial]
    theirs = [torch.tensor(a, requires_grad=True) for a in initial]
    opt = getattr(chainrule.optim, name)(params, **kwargs)
    theirs_opt = getattr(torch.optim, name)(theirs, **kwargs)
    for row in gradients[:10]:
        set_gradients(chainrule, params, row)
        set_gradients(torch, theirs, row)
        opt.step()
        theirs_opt.step()

    chainrule.save({"optimizer": opt.state_dict(), "params": [p.detach() for p in params]}, tmp_path / "ckpt")
    checkpoint = chainrule.load(tmp_path / "ckpt")
    resumed = [p.clone().requires_grad_(True) for p in checkpoint["params"]]
    resumed_opt = getattr(chainrule.optim, name)(resumed, **kwargs)
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    assert_same_state_dict(resumed_opt.state_dict(), opt.state_dict(), np.float64)

    for step, row in enumerate(gradients[10:], start=10):
        for group in (params, resumed, theirs):
            set_gradients(torch if group is theirs else chainrule, group, row)
        opt.step()
        resumed_opt.step()
        theirs_opt.step()
        for a, b in zip(values(resumed), values(params)):
            np.testing.assert_array_equal(a, b, err_msg=f"resumed run differs at step {step}")
        assert_same_values(values(resumed), values(theirs), np.float64, f"step {step}")


@requires_torch
@pytest.mark.parametrize("name, kwargs", CASES[::3], ids=CASE_IDS[::3])
def test_a_pytorch_state_dict_loaded_into_a_fresh_optimizer_continues_like_pytorch(name, kwargs):
    initial, gradients = make_problem(np.float32, steps=20)
    theirs = [torch.tensor(a, requires_grad=True) for a in initial]
    theirs_opt = getattr(torch.optim, name)(theirs, **kwargs)
    for row in gradients[:10]:
        set_gradients(torch, theirs, row)
        theirs_opt.step()
    ours = [chainrule.tensor(p.detach().numpy(), requires_grad=True) for p in theirs]
    ours_opt = getattr(chainrule.optim, name)(ours, **kwargs)
    ours_opt.load_state_dict(torch_state_to_chainrule(theirs_opt.state_dict()))
    for step, row in enumerate(gradients[10:], start=10):
        set_gradients(chainrule, ours, row)
        set_gradients(torch, theirs, row)
        ours_opt.step()
        theirs_opt.step()
        assert_same_values(values(ours), values(theirs), np.float32, f"step {step}")


def test_a_deep_copied_state_dict_loads_into_a_fresh_optimizer_that_continues_identically():
    initial, gradients = make_problem(np.float32)
    params = [chainrule.tensor(a, requires_grad=True) for a in initial]
    opt = chainrule.optim.Adam(params, lr=0.01, amsgrad=True)
    for row in gradients[:5]:
        set_gradients(chainrule, params, row)
        opt.step()
    snapshot = copy.deepcopy(opt.state_dict())
    copies = [p.detach().clone().requires_grad_(True) for p in params]
    fresh = chainrule.optim.Adam(copies, lr=0.01, amsgrad=True)
    fresh.load_state_dict(snapshot)
    for row in gradients[5:]:
        set_gradients(chainrule, params, row)
        set_gradients(chainrule, copies, row)
        opt.step()
        fresh.step()
    for a, b in zip(values(params), values(copies)):
        np.testing.assert_array_equal(a, b)


def test_loaded_state_is_copied_so_two_optimizers_never_share_buffers():
    w = chainrule.ones(3, requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = chainrule.ones(3)
    opt.step()
    other = chainrule.optim.SGD([chainrule.ones(3, requires_grad=True)], lr=0.1, momentum=0.9)
    other.load_state_dict(opt.state_dict())
    opt.step()
    assert other.state_dict()["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0, 1.0]
    assert opt.state_dict()["state"][0]["momentum_buffer"].tolist() == pytest.approx([1.9] * 3)


def test_load_state_dict_casts_state_to_the_parameter_dtype_but_keeps_the_step_count():
    w = chainrule.ones(2, dtype=chainrule.float64, requires_grad=True)
    opt = chainrule.optim.Adam([w])
    saved = {
        "state": {
            0: {"step": chainrule.tensor(3.0), "exp_avg": chainrule.ones(2), "exp_avg_sq": chainrule.ones(2)}
        },
        "param_groups": opt.state_dict()["param_groups"],
    }
    opt.load_state_dict(saved)
    state = opt.state[w]
    assert state["exp_avg"].dtype == chainrule.float64
    assert state["exp_avg_sq"].dtype == chainrule.float64
    assert state["step"].dtype == chainrule.float32


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adam", "AdamW"])
def test_step_updates_parameters_in_place_keeping_their_identity_and_memory(name):
    w = chainrule.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    array, address, version = w.detach().numpy(), w.data_ptr(), w._version
    opt = getattr(chainrule.optim, name)([w], lr=0.1)
    w.grad = chainrule.ones(2, 2)
    opt.step()
    assert opt.param_groups[0]["params"][0] is w
    assert w.data_ptr() == address
    assert w.detach().numpy() is array or np.shares_memory(w.detach().numpy(), array)
    assert not np.array_equal(array, [[1.0, -2.0], [3.0, 0.5]]), "the update is visible through the old array"
    assert w._version == version + 1, "an in-place update bumps the version counter, as in PyTorch"
    assert w.dtype == chainrule.float32 and w.requires_grad and w.is_leaf


def test_parameters_without_a_gradient_are_skipped_and_get_no_state():
    used, unused = chainrule.ones(2, requires_grad=True), chainrule.ones(2, requires_grad=True)
    opt = chainrule.optim.Adam([used, unused], lr=0.1)
    used.grad = chainrule.ones(2)
    opt.step()
    assert unused.tolist() == [1.0, 1.0]
    assert list(opt.state_dict()["state"]) == [0]


@requires_torch
def test_plain_sgd_keeps_no_state_like_pytorch():
    for lib in (chainrule, torch):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        w.grad = lib.ones(2)
        opt.step()
        assert opt.state_dict()["state"] == {}, lib.__name__


@requires_torch
def test_sgd_groups_with_and_without_momentum_each_follow_pytorch():
    initial, gradients = make_problem(np.float32)
    ours = [chainrule.tensor(a, requires_grad=True) for a in initial]
    theirs = [torch.tensor(a, requires_grad=True) for a in initial]

    def groups(params):
        return [{"params": params[:1]}, {"params": params[1:], "momentum": 0.9}]

    ours_opt, theirs_opt = chainrule.optim.SGD(groups(ours), lr=0.1), torch.optim.SGD(groups(theirs), lr=0.1)
    step_side_by_side(ours, theirs, ours_opt, theirs_opt, gradients, np.float32)


def test_a_subclass_of_sgd_with_its_own_update_gets_it_called():
    calls = []

    class Recording(chainrule.optim.SGD):
        @staticmethod
        def update(param, grad, state, group):
            calls.append(grad.copy())

    w = chainrule.ones(2, requires_grad=True)
    opt = Recording([w], lr=0.1)
    w.grad = chainrule.full((2,), 3.0)
    opt.step()
    assert len(calls) == 1 and calls[0].tolist() == [3.0, 3.0]
    assert w.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}], ids=["plain", "momentum"])
def test_backward_through_a_graph_that_saved_a_parameter_before_sgd_stepped_raises(kwargs):
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1, **kwargs)
    loss = (w * w).sum()
    w.grad = chainrule.ones(2)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adam", "AdamW"])
def test_defaults_fill_every_group_like_pytorch(name):
    groups = {}
    for lib in (chainrule, torch):
        opt = getattr(lib.optim, name)(
            [
                {"params": [lib.ones(1, requires_grad=True)]},
                {"params": [lib.ones(2, requires_grad=True)], "lr": 0.5},
            ]
        )
        groups[lib] = to_numpy_tree(opt.state_dict())["param_groups"]
    assert groups[chainrule] == groups[torch]


def test_zero_grad_sets_gradients_to_none_by_default():
    w = chainrule.ones(2, requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1)
    w.sum().backward()
    opt.zero_grad()
    assert w.grad is None


def test_zero_grad_with_set_to_none_false_zeroes_the_same_gradient_tensor():
    w = chainrule.ones(2, requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1)
    w.sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    assert grad.tolist() == [0.0, 0.0]


def test_step_with_a_closure_evaluates_it_with_gradients_enabled_and_returns_its_loss():
    w = chainrule.tensor([2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with chainrule.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0
    assert w.tolist() == [1.0]


def test_add_param_group_adds_parameters_with_defaults_filled_in():
    a, b = chainrule.ones(1, requires_grad=True), chainrule.ones(1, requires_grad=True)
    opt = chainrule.optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "eps": 1e-3})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["eps"] == 1e-3


def test_named_parameters_are_accepted_and_their_names_kept_in_the_state_dict():
    w = chainrule.ones(1, requires_grad=True)
    opt = chainrule.optim.SGD([("layer.weight", w)], lr=0.1)
    assert opt.param_groups[0]["params"] == [w]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["layer.weight"]


@requires_torch
@pytest.mark.parametrize(
    "make, error",
    [
        (lambda lib: lib.optim.SGD(lib.ones(2, requires_grad=True)), TypeError),
        (lambda lib: lib.optim.SGD([]), ValueError),
        (lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=-1), ValueError),
        (lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True)], momentum=-0.1), ValueError),
        (lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True)], nesterov=True), ValueError),
        (lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True) * 2]), ValueError),
        (lambda lib: lib.optim.SGD([[1.0, 2.0]]), TypeError),
        (lambda lib: lib.optim.SGD([{"params": {lib.ones(2, requires_grad=True)}}]), TypeError),
        (lambda lib: lib.optim.Adam([lib.ones(2, requires_grad=True)], betas=(1.0, 0.9)), ValueError),
        (lambda lib: lib.optim.Adam([lib.ones(2, requires_grad=True)], betas=(0, 0.9)), ValueError),
        (lambda lib: lib.optim.Adam([lib.ones(2, requires_grad=True)], eps=-1.0), ValueError),
        (lambda lib: lib.optim.AdamW([lib.ones(2, requires_grad=True)], weight_decay=-1.0), ValueError),
        (lambda lib: lib.optim.RMSprop([lib.ones(2, requires_grad=True)], alpha=-1.0), ValueError),
        (lambda lib: lib.optim.Adagrad([lib.ones(2, requires_grad=True)], lr_decay=-1.0), ValueError),
    ],
)
def test_invalid_arguments_raise_the_exception_pytorch_raises(make, error):
    for lib in (torch, chainrule):
        with pytest.raises(error):
            make(lib)


def test_a_parameter_in_two_groups_is_rejected():
    w = chainrule.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        chainrule.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)


def test_loading_a_state_dict_with_other_groups_names_the_mismatch():
    opt = chainrule.optim.SGD([chainrule.ones(1, requires_grad=True)], lr=0.1)
    two = chainrule.optim.SGD(
        [chainrule.ones(1, requires_grad=True), chainrule.ones(1, requires_grad=True)], lr=0.1
    )
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(two.state_dict())
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})


def test_differentiable_optimizers_are_refused_with_a_clear_error():
    with pytest.raises(NotImplementedError, match="differentiable"):
        chainrule.optim.Adam([chainrule.ones(1, requires_grad=True)], differentiable=True)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("kwargs", [{}, {"amsgrad": True, "weight_decay": 0.1}])
def test_adam_over_many_slices_and_threads_gives_the_same_bits_as_in_one_piece(threads, kwargs, monkeypatch):
    from chainrule.optim import adam

    def run():
        initial, gradients = make_problem(np.float32, steps=5)
        params = [chainrule.tensor(a, requires_grad=True) for a in initial]
        optimizer = chainrule.optim.Adam(params, **kwargs)
        for row in gradients:
            set_gradients(chainrule, params, row)
            optimizer.step()
        return values(params)

    expected = run()
    monkeypatch.setattr(adam, "_CHUNK_VALUES", 1)  # a slice per row
    assert_same_bits_on_threads(threads, run, expected)
