"""L-BFGS: the same trajectory as PyTorch's for the same closure, with and without the
strong-Wolfe line search, through a short history, and across a saved checkpoint."""

import numpy as np
import pytest

import chainrule

from oracle import requires_torch, torch

RNG = np.random.default_rng(0)
X = RNG.standard_normal((20, 3))
Y = np.sin(X.sum(1, keepdims=True))
WEIGHTS = [RNG.standard_normal((5, 3)) * 0.5, np.zeros(5), RNG.standard_normal((1, 5)) * 0.5]


def _problem(lib, dtype, **options):
    params = [lib.tensor(w.copy(), dtype=dtype, requires_grad=True) for w in WEIGHTS]
    x, y = lib.tensor(X, dtype=dtype), lib.tensor(Y, dtype=dtype)
    optimizer = lib.optim.LBFGS(params, **options)

    def closure():
        optimizer.zero_grad()
        hidden = lib.tanh(x @ params[0].T + params[1])
        loss = ((hidden @ params[2].T - y) ** 2).mean()
        loss.backward()
        return loss

    return params, optimizer, closure


def _run(lib, dtype, steps, **options):
    params, optimizer, closure = _problem(lib, dtype, **options)
    losses = [optimizer.step(closure).item() for _ in range(steps)]
    state = optimizer.state[params[0]]
    counts = (state["func_evals"], state["n_iter"], len(state["old_dirs"]))
    return losses, [p.detach().numpy().copy() for p in params], counts


@requires_torch
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [100, 3])
def test_lbfgs_follows_pytorchs_trajectory(line_search_fn, history_size):
    # LBFGS was missing (PyTorch's neural style transfer tutorial uses it)
    options = {"lr": 1 if line_search_fn else 0.5, "max_iter": 7, "history_size": history_size}
    options["line_search_fn"] = line_search_fn
    ours, theirs = (_run(lib, lib.float64, 4, **options) for lib in (chainrule, torch))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    assert ours[2] == theirs[2]


@requires_torch
def test_lbfgs_in_float32_stays_close_to_pytorch():
    ours, theirs = (
        _run(lib, lib.float32, 2, max_iter=5, line_search_fn="strong_wolfe") for lib in (chainrule, torch)
    )
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4)


def test_lbfgs_resumed_from_a_checkpoint_continues_the_same_trajectory(tmp_path):
    options = {"max_iter": 4, "history_size": 5, "line_search_fn": "strong_wolfe"}
    _, straight, _ = _run(chainrule, chainrule.float64, 3, **options)
    params, optimizer, closure = _problem(chainrule, chainrule.float64, **options)
    optimizer.step(closure)
    chainrule.save(
        {"params": [p.detach() for p in params], "optimizer": optimizer.state_dict()}, tmp_path / "c"
    )
    saved = chainrule.load(tmp_path / "c")
    params, optimizer, closure = _problem(chainrule, chainrule.float64, **options)
    with chainrule.no_grad():
        for p, value in zip(params, saved["params"]):
            p.copy_(value)
    optimizer.load_state_dict(saved["optimizer"])
    for _ in range(2):
        optimizer.step(closure)
    for a, b in zip(straight, params):
        np.testing.assert_array_equal(a, b.detach().numpy())


def test_lbfgs_refuses_parameter_groups_and_unknown_line_searches():
    w = chainrule.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="parameter groups"):
        chainrule.optim.LBFGS([{"params": [w]}, {"params": [chainrule.zeros(1, requires_grad=True)]}])
    optimizer = chainrule.optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="strong_wolfe"):
        optimizer.step(lambda: (w**2).sum())
