"""Plots (matplotlib, PNG): losses and activations with their derivatives,
and the training diagnostics.

The derivatives are not written by hand: each curve is evaluated on a grid
of points that require grad, and ``backward()`` gives the slope at every
point (the functions act elementwise, so the gradient of their sum is the
derivative at each point). The plots thereby also show what autograd does at
the kinks: relu'(0) = 0, d|x|/dx = 0 at 0, as in PyTorch.

>>> import tempfile, os
>>> path = plot_losses(os.path.join(tempfile.mkdtemp(), "losses.png"))
>>> os.path.getsize(path) > 10_000
True
"""

from pathlib import Path

import numpy as np


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def curve_and_slope(function, x):
    """Values ``function(x)`` and the derivative at every point of the 1-D
    array ``x``, computed by chainrule's autograd.

    >>> import chainrule
    >>> values, slopes = curve_and_slope(chainrule.tanh, np.array([0.0, 1.0]))
    >>> [round(float(s), 4) for s in slopes]  # tanh'(x) = 1 - tanh(x)^2
    [1.0, 0.42]
    """
    import chainrule

    points = chainrule.tensor(x, dtype=chainrule.float64, requires_grad=True)
    values = function(points)
    values.sum().backward()
    return values.detach().numpy().copy(), points.grad.numpy().copy()


def loss_functions(beta=1.0, delta=2.0):
    """The losses of the seeds, each as (label, function of d = y − t), elementwise."""
    import chainrule
    from chainrule.nn import functional as F

    def against_zero(loss, **options):
        return lambda d: loss(d, chainrule.zeros_like(d), reduction="none", **options)

    return [
        ("L1  |d|", against_zero(F.l1_loss)),
        ("L2 (MSE)  d²", against_zero(F.mse_loss)),
        (f"Smooth L1 (β = {beta:g})", against_zero(F.smooth_l1_loss, beta=beta)),
        (f"Huber (δ = {delta:g})", against_zero(F.huber_loss, delta=delta)),
    ]


def activation_functions():
    """The activations, each as (label, function), from chainrule.nn.functional."""
    from chainrule.nn import functional as F

    return [
        ("sigmoid", F.sigmoid),
        ("tanh", F.tanh),
        ("ReLU", F.relu),
        ("leaky ReLU (0.1)", lambda x: F.leaky_relu(x, 0.1)),
        ("ELU", F.elu),
        ("GELU", F.gelu),
        ("SiLU (swish)", F.silu),
        ("softplus", F.softplus),
        ("Mish", F.mish),
    ]


def plot_losses(path="losses.png", beta=1.0, delta=2.0):
    """L1, L2, Smooth L1 and Huber as functions of the error d = y − t, and
    their derivatives (autograd), side by side. Returns the PNG's path."""
    d = np.linspace(-3.0, 3.0, 601)
    figure = _figure(11, 4.4)
    left, right = figure.subplots(1, 2)
    for label, function in loss_functions(beta, delta):
        values, slopes = curve_and_slope(function, d)
        left.plot(d, values, label=label, linewidth=2)
        right.plot(d, slopes, label=label, linewidth=2)
    left.set(title="loss ℓ(d) for one sample", xlabel="error d = y − t", ylabel="ℓ", ylim=(-0.2, 4.5))
    right.set(title="derivative dℓ/dd (chainrule autograd)", xlabel="error d = y − t", ylabel="dℓ/dd")
    for axes in (left, right):
        axes.axhline(0, color="0.6", linewidth=0.8)
        axes.axvline(0, color="0.6", linewidth=0.8)
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(
        "Losses compared: L2 punishes large errors most and its slope grows with the error; L1's slope "
        "is ±1; Smooth L1 and Huber are quadratic near 0 and linear beyond β or δ "
        "(Huber(δ) = δ · SmoothL1(β = δ))",
        fontsize=9,
        wrap=True,
    )
    return _save(figure, path)


def plot_activations(path="activations.png"):
    """Each activation (solid) with its derivative (dashed, autograd), one panel each.
    Returns the PNG's path."""
    x = np.linspace(-4.0, 4.0, 801)
    functions = activation_functions()
    columns = 3
    rows = -(-len(functions) // columns)
    figure = _figure(4 * columns, 3 * rows)
    axes = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    for panel, (label, function) in zip(axes, functions):
        values, slopes = curve_and_slope(function, x)
        panel.plot(x, values, linewidth=2, label="f(x)")
        panel.plot(x, slopes, linewidth=2, linestyle="--", label="f'(x) (autograd)")
        panel.axhline(0, color="0.6", linewidth=0.8)
        panel.axvline(0, color="0.6", linewidth=0.8)
        panel.set(title=label, ylim=(-1.5, 4.2))
        panel.grid(alpha=0.3)
        panel.legend(loc="upper left", fontsize=8)
    for panel in axes[len(functions) :]:
        panel.set_visible(False)
    figure.suptitle(
        "Activations and their derivatives: where f' is near 0, backward propagation passes no gradient"
    )
    return _save(figure, path)


def plot_diagnostics(epochs, path):
    """The DiagnosticsCallback's per-epoch statistics, four panels. Returns the path."""
    figure = _figure(12, 8)
    (norms, depth), (activations, zeros) = figure.subplots(2, 2)
    x = [e["epoch"] for e in epochs]
    names = list(dict.fromkeys(name for e in epochs for name in e["layers"]))

    def series(name, key):
        return [e["layers"].get(name, {}).get(key, np.nan) for e in epochs]

    with_grads = [n for n in names if any(np.isfinite(series(n, "grad_norm")))]
    for name in with_grads:
        norms.plot(x, series(name, "grad_norm"), marker="o", label=name)
    norms.set(title="gradient norm per layer (mean over the epoch's steps)", xlabel="epoch", yscale="log")
    last = epochs[-1]["layers"]
    values = [last.get(n, {}).get("grad_norm", np.nan) for n in with_grads]
    depth.bar(range(len(with_grads)), values, color="tab:blue")
    depth.set(
        title=f"gradient norm by layer, epoch {epochs[-1]['epoch']} (input → output)",
        yscale="log",
        xticks=range(len(with_grads)),
    )
    depth.set_xticklabels(with_grads, rotation=45, ha="right", fontsize=8)
    for name in names:
        means = series(name, "activation_mean")
        if any(np.isfinite(means)):
            line = activations.plot(x, means, marker="o", label=f"{name} mean")[0]
            activations.plot(x, series(name, "activation_std"), linestyle="--", color=line.get_color())
    activations.set(title="layer outputs: mean (solid) and std (dashed)", xlabel="epoch")
    for name in names:
        dead, saturated = series(name, "dead_fraction"), series(name, "saturated_fraction")
        if any(np.isfinite(dead)):
            zeros.plot(x, dead, marker="o", label=f"{name} dead ReLUs")
        if any(np.isfinite(saturated)):
            zeros.plot(x, saturated, marker="s", linestyle="--", label=f"{name} saturated")
    zeros.set(title="fraction of dead ReLU units / saturated outputs", xlabel="epoch", ylim=(-0.05, 1.05))
    for axes in (norms, activations, zeros):
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=7)
    return _save(figure, path)


def _save(figure, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path
