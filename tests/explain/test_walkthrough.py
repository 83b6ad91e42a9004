"""The numeric walkthrough: every number it prints is checked here against an
independent NumPy computation (written per sample, with loops) and against
PyTorch's autograd and optimizers."""

import itertools

import numpy as np
import pytest

from chainrule import explain
from chainrule.explain.walkthrough import ACTIVATIONS, LOSSES, OPTIMIZERS

from oracle import requires_torch, torch


def act(name, z):
    return {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "relu": lambda v: max(v, 0.0)}[name](
        z
    )


def sample_loss(name, y, t):
    d = y - t
    if name == "l2":
        return 0.5 * d * d
    if name == "l1":
        return abs(d)
    if name == "smooth_l1":
        return 0.5 * d * d if abs(d) < 1 else abs(d) - 0.5
    return -(t * np.log(y) + (1 - t) * np.log(1 - y))


def forward_by_loops(p, X, t, hidden, output, loss):
    """The network one sample and one unit at a time; returns every intermediate and L."""
    n_h, m = p["W1"].shape[0], X.shape[1]
    z1 = np.zeros((n_h, m))
    a1 = np.zeros((n_h, m))
    z2 = np.zeros((1, m))
    y = np.zeros((1, m))
    total = 0.0
    for i in range(m):
        for j in range(n_h):
            z1[j, i] = sum(p["W1"][j, k] * X[k, i] for k in range(X.shape[0])) + p["b1"][j, 0]
            a1[j, i] = act(hidden, z1[j, i])
        z2[0, i] = sum(p["W2"][0, j] * a1[j, i] for j in range(n_h)) + p["b2"][0, 0]
        y[0, i] = act(output, z2[0, i])
        total += sample_loss(loss, y[0, i], t[0, i])
    return {"z1": z1, "a1": a1, "z2": z2, "y": y, "L": total / m}


def numeric_gradients(p, X, t, hidden, output, loss, eps=1e-6):
    grads = {}
    for key, value in p.items():
        grads[key] = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in p.items()}
            minus = {k: v.copy() for k, v in p.items()}
            plus[key][index] += eps
            minus[key][index] -= eps
            up = forward_by_loops(plus, X, t, hidden, output, loss)["L"]
            down = forward_by_loops(minus, X, t, hidden, output, loss)["L"]
            grads[key][index] = (up - down) / (2 * eps)
    return grads


def torch_run(p, X, t, hidden, output, loss, optimizer=None, lr=None, steps=0):
    """Gradients of every intermediate (retain_grad) and parameter, then ``steps`` torch.optim steps."""
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
    x = torch.tensor(X, dtype=torch.float64)
    target = torch.tensor(t, dtype=torch.float64)

    def forward():
        z1 = params["W1"] @ x + params["b1"]
        a1 = getattr(torch, hidden)(z1)
        z2 = params["W2"] @ a1 + params["b2"]
        y = getattr(torch, output)(z2)
        F = torch.nn.functional
        losses = {
            "l2": lambda: 0.5 * ((y - target) ** 2).mean(),
            "l1": lambda: (y - target).abs().mean(),
            "smooth_l1": lambda: F.smooth_l1_loss(y, target, beta=1.0),
            "cross_entropy": lambda: F.binary_cross_entropy(y, target),
        }
        return {"z1": z1, "a1": a1, "z2": z2, "y": y, "L": losses[loss]()}

    out = forward()
    for key in ("z1", "a1", "z2", "y"):
        out[key].retain_grad()
    out["L"].backward()
    grads = {k: out[k].grad.numpy().copy() for k in ("z1", "a1", "z2", "y")}
    grads.update({k: v.grad.numpy().copy() for k, v in params.items()})
    history = []
    if steps:
        opt = {
            "sgd": lambda ps: torch.optim.SGD(ps, lr=lr),
            "momentum": lambda ps: torch.optim.SGD(ps, lr=lr, momentum=0.9),
            "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=lr, alpha=0.99, eps=1e-8),
            "adam": lambda ps: torch.optim.Adam(ps, lr=lr, betas=(0.9, 0.999), eps=1e-8),
        }[optimizer](list(params.values()))
        for _ in range(steps):
            opt.zero_grad()
            forward()["L"].backward()
            opt.step()
            history.append({k: v.detach().numpy().copy() for k, v in params.items()})
    return grads, history


def parts(w):
    n = w.numbers
    return {k: n[k] for k in ("W1", "b1", "W2", "b2")}, n["X"], n["t"]


def line(text, prefix, containing=""):
    """The one line of ``text`` (stripped) that starts with ``prefix`` and contains ``containing``."""
    found = [row.strip() for row in text.splitlines() if row.strip().startswith(prefix) and containing in row]
    assert len(found) == 1, (prefix, found)
    return found[0]


def g4(x):
    return "0" if float(x) == 0 else f"{float(x):.4g}"


def test_the_forward_numbers_printed_equal_an_independent_per_sample_computation():
    w = explain.walkthrough()
    text = w.render("text")
    p, X, t = parts(w)
    expected = forward_by_loops(p, X, t, "sigmoid", "sigmoid", "l2")
    for j, i in itertools.product(range(2), range(2)):
        assert line(text, f"z1[{j},{i}] =").endswith(f"= {g4(expected['z1'][j, i])}")
        assert line(text, f"a1[{j},{i}] =").endswith(f"= {g4(expected['a1'][j, i])}")
    for i in range(2):
        assert line(text, f"z2[{i}] =").endswith(f"= {g4(expected['z2'][0, i])}")
        assert line(text, f"y[{i}] =").endswith(f"= {g4(expected['y'][0, i])}")
    assert line(text, "L = (").endswith(f"= {g4(expected['L'])}")


def test_the_printed_gradients_equal_finite_differences_of_the_loss():
    w = explain.walkthrough()
    text = w.render("text")
    p, X, t = parts(w)
    numeric = numeric_gradients(p, X, t, "sigmoid", "sigmoid", "l2")
    for j, k in itertools.product(range(2), range(2)):
        shown = float(line(text, f"∂L/∂W1[{j},{k}] =", containing="·").rpartition("= ")[2])
        assert shown == pytest.approx(numeric["W1"][j, k], rel=1e-3, abs=1e-6)
    for j in range(2):
        shown = float(line(text, f"∂L/∂W2[0,{j}] =").rpartition("= ")[2])
        assert shown == pytest.approx(numeric["W2"][0, j], rel=1e-3, abs=1e-6)
        shown = float(line(text, f"∂L/∂b1[{j}] =").rpartition("= ")[2])
        assert shown == pytest.approx(numeric["b1"][j, 0], rel=1e-3, abs=1e-6)


def test_the_bias_gradient_is_the_sum_over_the_batch_with_both_terms_shown():
    w = explain.walkthrough()
    text = w.render("text")
    p, X, t = parts(w)
    y = forward_by_loops(p, X, t, "sigmoid", "sigmoid", "l2")["y"][0]
    dz2 = [(y[i] - t[0, i]) / 2 * y[i] * (1 - y[i]) for i in range(2)]
    terms = " + ".join(f"({g4(d)})" if d < 0 else g4(d) for d in dz2)
    assert line(text, "∂L/∂b2 =") == f"∂L/∂b2 = {terms} = {g4(sum(dz2))}"
    assert "sums its gradient over the batch" in " ".join(text.split())


@pytest.mark.parametrize("activation,loss", list(itertools.product(ACTIVATIONS, LOSSES)))
def test_every_gradient_matches_finite_differences(activation, loss):
    w = explain.walkthrough(activation=activation, loss=loss)
    p, X, t = parts(w)
    output = "sigmoid" if loss == "cross_entropy" else activation
    numeric = numeric_gradients(p, X, t, activation, output, loss)
    for key in p:
        np.testing.assert_allclose(w.numbers["grads"][key], numeric[key], rtol=1e-5, atol=1e-8)
    assert w.numbers["grads"]["L"] == pytest.approx(forward_by_loops(p, X, t, activation, output, loss)["L"])


@requires_torch
@pytest.mark.parametrize("activation,loss", list(itertools.product(ACTIVATIONS, LOSSES)))
def test_every_intermediate_gradient_matches_pytorch(activation, loss):
    w = explain.walkthrough(activation=activation, loss=loss)
    p, X, t = parts(w)
    output = "sigmoid" if loss == "cross_entropy" else activation
    expected, _ = torch_run(p, X, t, activation, output, loss)
    for key, value in expected.items():
        np.testing.assert_allclose(w.numbers["grads"][key], value, rtol=1e-12, atol=1e-15, err_msg=key)


@requires_torch
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_optimizer_steps_match_pytorch_optimizers(optimizer):
    w = explain.walkthrough(optimizer=optimizer, steps=3)
    p, X, t = parts(w)
    _, history = torch_run(p, X, t, "sigmoid", "sigmoid", "l2", optimizer, w.options["lr"], steps=3)
    for mine, theirs in zip(w.numbers["steps"], history):
        for key in p:
            np.testing.assert_allclose(mine["params"][key], theirs[key], rtol=1e-12, atol=1e-15)


def test_adam_state_and_bias_correction_follow_the_textbook_formula():
    w = explain.walkthrough(optimizer="adam", steps=2)
    p, X, t = parts(w)
    text = w.render("text")
    beta1, beta2, lr, eps = 0.9, 0.999, w.options["lr"], 1e-8
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    params = {k: a.copy() for k, a in p.items()}
    for step in (1, 2):
        grads = numeric_gradients(params, X, t, "sigmoid", "sigmoid", "l2")
        for key in params:
            m[key] = beta1 * m[key] + (1 - beta1) * grads[key]
            v[key] = beta2 * v[key] + (1 - beta2) * grads[key] ** 2
            m_hat = m[key] / (1 - beta1**step)
            v_hat = v[key] / (1 - beta2**step)
            params[key] = params[key] - lr * m_hat / (np.sqrt(v_hat) + eps)
            np.testing.assert_allclose(w.numbers["steps"][step - 1]["params"][key], params[key], atol=1e-9)
            np.testing.assert_allclose(
                w.numbers["steps"][step - 1]["state"][key]["v"], v[key], rtol=1e-5, atol=1e-15
            )
    assert "Bias correction at step t = 1: 1 − β1^t = 0.1, 1 − β2^t = 0.001." in text
    assert "Bias correction at step t = 2: 1 − β1^t = 0.19, 1 − β2^t = 0.001999." in text
    assert "m̂ =" in text and "v̂ =" in text


def test_momentum_and_rmsprop_show_their_state_per_entry():
    momentum = explain.walkthrough(optimizer="momentum", steps=2).render("text")
    assert "W1[0,0]: v = g = " in momentum and "W1[0,0]: v = 0.9·" in momentum
    rmsprop = explain.walkthrough(optimizer="rmsprop").render("text")
    assert "W1[0,0]: s = 0.99·0 + 0.01·" in rmsprop and "/ (√" in rmsprop


def test_one_sgd_step_is_printed_with_the_loss_before_and_after():
    w = explain.walkthrough(optimizer="sgd", lr=0.5)
    p, X, t = parts(w)
    text = w.render("text")
    grads = numeric_gradients(p, X, t, "sigmoid", "sigmoid", "l2")
    new = {k: p[k] - 0.5 * grads[k] for k in p}
    shown = float(line(text, "W1[0,1] = ").rpartition("= ")[2])
    assert shown == pytest.approx(new["W1"][0, 1], abs=1e-4)
    before = forward_by_loops(p, X, t, "sigmoid", "sigmoid", "l2")["L"]
    after = forward_by_loops(new, X, t, "sigmoid", "sigmoid", "l2")["L"]
    assert after < before
    assert (
        f"The loss before the update: {g4(before)}; after: {g4(after)} (down by {g4(before - after)})."
        in text
    )


def test_every_combination_passes_its_checks_against_chainrule():
    for activation, loss, optimizer in itertools.product(ACTIVATIONS, LOSSES, OPTIMIZERS):
        w = explain.walkthrough(activation=activation, loss=loss, optimizer=optimizer, steps=2)
        assert w.passed, (activation, loss, optimizer, [c for c in w.checks if not c.passed])
        assert len(w.checks) == 12
        assert w.numbers["losses"][-1] < w.numbers["losses"][0]


def test_the_chinese_walkthrough_has_chinese_prose_and_the_same_numbers():
    english = explain.walkthrough(lang="en").render("text")
    chinese = explain.walkthrough(lang="zh").render("text")
    assert "前向传播" in chinese and "反向传播" in chinese and "链式法则" in chinese
    assert "Forward propagation" not in chinese
    math = [row for row in english.splitlines() if row.startswith("    ") and "sample" not in row]
    assert math and all(row in chinese.splitlines() for row in math)
    assert "样本 0:" in chinese


def test_relu_explains_a_unit_that_passes_no_gradient():
    text = explain.walkthrough(activation="relu").render("text")
    assert "(z = -0.15 ≤ 0)" in text
    assert "no gradient passes back through it" in text


def test_cross_entropy_uses_a_sigmoid_output_and_shows_the_simplification():
    w = explain.walkthrough(activation="tanh", loss="cross-entropy")
    text = w.render("text")
    assert w.options["output_activation"] == "sigmoid"
    assert "∂L/∂z2[i] = (y[i] − t[i]) / m" in " ".join(text.split())
    p, X, t = parts(w)
    y = forward_by_loops(p, X, t, "tanh", "sigmoid", "cross_entropy")["y"][0]
    for i in range(2):
        assert line(text, f"∂L/∂z2[{i}] =").endswith(g4((y[i] - t[0, i]) / 2))


def test_markdown_and_html_carry_the_same_content():
    w = explain.walkthrough()
    markdown = w.render("markdown")
    assert markdown.startswith("# Forward and backward propagation, in numbers")
    assert "## 4. Backward propagation" in markdown and "```" in markdown
    page = w.render("html")
    assert page.startswith("<!DOCTYPE html>") and "<pre>" in page and 'class="check ok"' in page
    assert "src=" not in page and "<link" not in page
    assert "∂L/∂W1[0,0]" in page


def test_unknown_options_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="choose one of: l1, l2, smooth_l1, cross_entropy"):
        explain.walkthrough(loss="hinge")
    with pytest.raises(ValueError, match="sgd, momentum, rmsprop, adam"):
        explain.walkthrough(optimizer="lbfgs")


@pytest.mark.parametrize("lr", [0.0, -0.5, float("inf"), float("nan")])
def test_a_learning_rate_that_is_not_positive_and_finite_is_refused(lr):
    with pytest.raises(ValueError, match="the learning rate must be positive and finite, got"):
        explain.walkthrough(lr=lr)
