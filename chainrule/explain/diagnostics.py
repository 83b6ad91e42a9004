"""Training diagnostics: per-layer activation and gradient statistics, and
plain-language warnings when training goes wrong.

``DiagnosticsCallback(out_dir)`` is a ``chainrule.train`` callback (what
``chainrule train --diagnose`` adds). While the model trains it records

* per layer with parameters: the gradient norm (all its parameters together)
  after every backward pass, averaged over each epoch;
* per layer without children (Linear, ReLU, Sigmoid, ...): the mean, the
  standard deviation and the fraction of exact zeros of its output, through
  forward hooks; for ReLUs the fraction of dead units (zero for every sample
  of the epoch), for Sigmoid/Tanh the fraction of saturated outputs.

It warns (``TrainingDiagnosticWarning``, once per problem and layer) when a
layer's gradients vanish or explode, when ReLUs are dead or sigmoids/tanhs
saturated, when a gradient is NaN/Inf, zero, or missing because the path to
the loss is cut. For NaN and missing gradients it traces the last batch with
``chainrule.explain.trace`` to name the op, the layer and the line of code
where it starts (``log(0)``, a ``.detach()``). At the end of training it writes
``diagnostics.png`` (the plots) and ``diagnostics.json`` (the numbers and the
warnings) into ``out_dir``.

>>> import warnings
>>> import chainrule
>>> from chainrule import nn
>>> from chainrule.train import fit
>>> from chainrule.utils.data import DataLoader, TensorDataset
>>> _ = chainrule.manual_seed(0)
>>> X = chainrule.randn(32, 2); y = (X[:, :1] > 0).float()
>>> model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
>>> diagnostics = DiagnosticsCallback(out_dir=None, plot=False)
>>> _ = fit(model, nn.MSELoss(), chainrule.optim.SGD(model.parameters(), lr=0.1),
...         DataLoader(TensorDataset(X, y), batch_size=8), epochs=2, callbacks=[diagnostics])
>>> sorted(diagnostics.epochs[-1]["layers"])
['0', '1', '2']
>>> diagnostics.epochs[-1]["layers"]["0"]["grad_norm"] > 0
True
"""

import json
import math
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..train import Callback

ACTIVATIONS_WITH_DEAD_UNITS = ("ReLU", "ReLU6")
SATURATING = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0)}


class TrainingDiagnosticWarning(UserWarning):
    """A problem DiagnosticsCallback found while training (the message says what and where)."""


@dataclass
class Diagnosis:
    """One problem: its kind, the (first) layer it names, the epoch (from 1), the
    explanation, and every layer it concerns."""

    kind: str
    layer: str
    epoch: int
    message: str
    layers: tuple = ()


class _EpochStats:
    """Running sums for one epoch."""

    def __init__(self):
        self.grad_norms = {}  # layer -> [norm per step]
        self.zero_grad_steps = {}  # parameter -> steps with an all-zero gradient
        self.steps = 0
        self.activations = {}  # layer -> {"mean": [...], "std": [...], "zeros": [...], ...}
        self.alive = {}  # layer -> boolean array: unit was positive at least once
        self.saturated = {}  # layer -> [fraction per batch]


class DiagnosticsCallback(Callback):
    """Record per-layer statistics each epoch, warn about problems, plot them.

    ``out_dir``: where diagnostics.png and diagnostics.json go (default: the
    run folder; with neither, nothing is written and the numbers stay in
    ``epochs`` and ``diagnoses``). The thresholds: a layer's
    gradients *vanish* when their norm is below ``vanishing_ratio`` times the
    largest layer's (or below ``vanishing_floor``), *explode* above
    ``exploding_norm``; ReLUs are *dead* in a layer when more than
    ``dead_fraction`` of its units never fire in an epoch; a Sigmoid/Tanh is
    *saturated* when more than ``saturated_fraction`` of its outputs are
    within 0.01 of a limit.
    """

    def __init__(
        self,
        out_dir=None,
        vanishing_ratio=1e-3,
        vanishing_floor=1e-8,
        exploding_norm=1e3,
        dead_fraction=0.5,
        saturated_fraction=0.9,
        plot=True,
    ):
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.vanishing_ratio = vanishing_ratio
        self.vanishing_floor = vanishing_floor
        self.exploding_norm = exploding_norm
        self.dead_fraction = dead_fraction
        self.saturated_fraction = saturated_fraction
        self.plot = plot
        self.epochs = []
        self.diagnoses = []
        self.files = []
        self._warned = set()
        self._handles = []
        self._current = _EpochStats()
        self._last_batch = None
        self._last_target = None
        self._tracing = False

    # --- the callback moments -------------------------------------------------------

    def on_fit_start(self, state):
        if self.out_dir is None and state.run_dir is not None:
            self.out_dir = Path(state.run_dir)
        model = state.model
        self._layers = dict(model.named_modules())
        self._types = {name: type(module).__name__ for name, module in self._layers.items()}
        self._param_layer = {}
        for layer, module in self._layers.items():
            for pname, _ in module.named_parameters(recurse=False):
                self._param_layer[f"{layer}.{pname}" if layer else pname] = layer
        for name, module in self._layers.items():
            if not list(module.children()):
                self._handles.append(module.register_forward_hook(self._activation_hook(name)))
        self._handles.append(model.register_forward_pre_hook(self._remember_inputs))
        if _is_module(state.loss_fn):
            self._handles.append(state.loss_fn.register_forward_pre_hook(self._remember_target))

    def on_epoch_start(self, state):
        self._current = _EpochStats()

    def on_before_step(self, state):
        # after backward, before optimizer.step(): the gradients of this step, the weights not yet
        # changed by them (so a trace of the batch shows where a NaN starts)
        self._record_gradients(state)

    def on_epoch_end(self, state):
        epoch = state.epoch + 1
        summary = self._summarise(epoch)
        self.epochs.append(summary)
        self._judge(summary)
        self._write_json()

    def on_fit_end(self, state):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._write_json()
        if self.plot and self.epochs and self.out_dir is not None:
            from .plots import plot_diagnostics

            path = self.out_dir / "diagnostics.png"
            plot_diagnostics(self.epochs, path)
            self.files.append(path)
            print(f"diagnostics: {path}")

    # --- recording ---------------------------------------------------------------------

    def _remember_inputs(self, module, args):
        if not self._tracing and module.training and is_grad_enabled():
            self._last_batch = args

    def _remember_target(self, module, args):
        if not self._tracing and is_grad_enabled() and len(args) > 1:
            self._last_target = args[1]

    def _activation_hook(self, name):
        def hook(module, args, output):
            if self._tracing or not module.training or not is_grad_enabled() or not hasattr(output, "_data"):
                return
            values = output._data
            stats = self._current.activations.setdefault(name, {"mean": [], "std": [], "zeros": []})
            finite = values if np.isfinite(values).all() else values[np.isfinite(values)]
            stats["mean"].append(float(finite.mean(dtype=np.float64)) if finite.size else math.nan)
            stats["std"].append(float(finite.std(dtype=np.float64)) if finite.size else math.nan)
            stats["zeros"].append(float(np.mean(values == 0)))
            kind = type(module).__name__
            if kind in ACTIVATIONS_WITH_DEAD_UNITS:
                fired = values > 0
                if fired.ndim >= 2:  # a unit (feature, or channel of a feature map) fired for any sample
                    units = fired.any(axis=0).reshape(fired.shape[1], -1).any(axis=1)
                else:
                    units = np.array([fired.any()])
                previous = self._current.alive.get(name)
                self._current.alive[name] = (
                    units if previous is None or previous.shape != units.shape else previous | units
                )
            if kind in SATURATING:
                low, high = SATURATING[kind]
                near = (values < low + 0.01) | (values > high - 0.01)
                self._current.saturated.setdefault(name, []).append(float(np.mean(near)))

        return hook

    def _record_gradients(self, state):
        current = self._current
        current.steps += 1
        squares = {}
        for pname, param in state.model.named_parameters():
            layer = self._param_layer.get(pname, pname.rpartition(".")[0])
            if not param.requires_grad:
                continue
            if param.grad is None:
                self._no_gradient(state, pname, layer)
                continue
            grad = np.asarray(param.grad._data, dtype=np.float64)
            if not np.all(np.isfinite(grad)):
                self._nonfinite_gradient(state, pname, layer)
            finite = grad[np.isfinite(grad)]
            squares[layer] = squares.get(layer, 0.0) + float(np.sum(finite * finite))
            if not np.any(grad):
                current.zero_grad_steps[pname] = current.zero_grad_steps.get(pname, 0) + 1
        for layer, square in squares.items():
            current.grad_norms.setdefault(layer, []).append(math.sqrt(square))

    def _summarise(self, epoch):
        current = self._current
        layers = {}
        for name in self._layers:
            row = {"type": self._types[name]}
            if name in current.grad_norms:
                norms = current.grad_norms[name]
                row["grad_norm"] = float(np.mean(norms))
                row["grad_norm_max"] = float(np.max(norms))
            if name in current.activations:
                stats = current.activations[name]
                row["activation_mean"] = float(np.nanmean(stats["mean"])) if stats["mean"] else math.nan
                row["activation_std"] = float(np.nanmean(stats["std"])) if stats["std"] else math.nan
                row["zero_fraction"] = float(np.mean(stats["zeros"]))
            if name in current.alive:
                row["dead_fraction"] = float(1.0 - np.mean(current.alive[name]))
            if name in current.saturated:
                row["saturated_fraction"] = float(np.mean(current.saturated[name]))
            if len(row) > 1:
                layers[name or self._types[name]] = row
        zero = [p for p, n in current.zero_grad_steps.items() if n == current.steps and current.steps]
        return {"epoch": epoch, "steps": current.steps, "layers": layers, "zero_gradients": zero}

    # --- judging ------------------------------------------------------------------------

    def _diagnose(self, kind, layers, epoch, message):
        """Record a problem; warn the first time this kind of problem shows in these layers."""
        layers = tuple(layers) if isinstance(layers, (list, tuple)) else (layers,)
        diagnosis = Diagnosis(kind, layers[0], epoch, message, layers)
        self.diagnoses.append(diagnosis)
        new = [layer for layer in layers if (kind, layer) not in self._warned]
        if new:
            self._warned.update((kind, layer) for layer in layers)
            warnings.warn(message, TrainingDiagnosticWarning, stacklevel=2)
        return diagnosis

    def _judge(self, summary):
        epoch, layers = summary["epoch"], summary["layers"]
        dead = [name for name, row in layers.items() if row.get("dead_fraction", 0.0) > self.dead_fraction]
        saturated = [
            name
            for name, row in layers.items()
            if row.get("saturated_fraction", 0.0) > self.saturated_fraction
        ]
        culprits = [f"layer '{name}' is dead" for name in dead] + [
            f"layer '{name}' is saturated" for name in saturated
        ]
        norms = {name: row["grad_norm"] for name, row in layers.items() if "grad_norm" in row}
        finite = {name: n for name, n in norms.items() if math.isfinite(n) and n > 0}
        if finite:
            top = max(finite, key=finite.get)
            exploding = [name for name, norm in finite.items() if norm > self.exploding_norm]
            vanishing = [
                name
                for name, norm in finite.items()
                if norm < self.vanishing_ratio * finite[top] or norm < self.vanishing_floor
            ]
            if exploding:
                worst = max(exploding, key=finite.get)
                self._diagnose(
                    "exploding",
                    exploding,
                    epoch,
                    f"Exploding gradients in {_names(exploding)}: the gradient norm of layer '{worst}' "
                    f"({layers[worst]['type']}) is {finite[worst]:.2e} in epoch {epoch}, above "
                    f"{self.exploding_norm:g}. Updates this large overshoot, and training can diverge "
                    "to NaN. Lower the learning rate, clip the gradients (nn.utils.clip_grad_norm_, or "
                    "`chainrule train --clip-grad 1`), or initialise the weights smaller.",
                )
            if vanishing:
                worst = min(vanishing, key=finite.get)
                self._diagnose(
                    "vanishing",
                    vanishing,
                    epoch,
                    f"Vanishing gradients in {_names(vanishing)}: the gradient norm of layer '{worst}' "
                    f"({layers[worst]['type']}) is {finite[worst]:.2e} in epoch {epoch}, "
                    f"{finite[worst] / finite[top]:.1e} times that of layer '{top}' ({finite[top]:.2e}), so "
                    "its weights barely change. Each layer between it and the loss multiplies the gradient "
                    "by its local derivative: sigmoid layers (slope at most 0.25), saturated tanh layers or "
                    "small weights shrink it layer after layer"
                    + (f" (here {' and '.join(culprits)})" if culprits else "")
                    + ". Use ReLU-family activations, a better initialisation (nn.init.kaiming_normal_), "
                    "normalisation layers or residual connections.",
                )
        for name in dead:
            row = layers[name]
            self._diagnose(
                "dead_relu",
                name,
                epoch,
                f"Dead ReLUs in layer '{name}' ({row['type']}): {row['dead_fraction']:.0%} of its units "
                f"output 0 for every sample in epoch {epoch}. A dead unit passes no gradient back "
                "(relu'(z) = 0 for z ≤ 0), so the weights feeding it stop learning. Lower the learning "
                "rate, check the bias initialisation, or use LeakyReLU or GELU.",
            )
        for name in saturated:
            row = layers[name]
            slope = "σ'(z) = σ(z)(1 − σ(z))" if row["type"] == "Sigmoid" else "tanh'(z) = 1 − tanh²(z)"
            self._diagnose(
                "saturated",
                name,
                epoch,
                f"Saturated activation in layer '{name}' ({row['type']}): "
                f"{row['saturated_fraction']:.0%} of its outputs are within 0.01 of their limits in "
                f"epoch {epoch}, where the slope {slope} is below 0.01: almost no gradient passes back "
                "through it to the layers before. "
                "Normalise the inputs, initialise the weights smaller, or use a ReLU-family activation.",
            )
        by_layer = {}
        for pname in summary["zero_gradients"]:
            by_layer.setdefault(self._param_layer.get(pname, pname.rpartition(".")[0]), []).append(pname)
        because = (
            f" Probably because {' and '.join(culprits)}: its local derivative is 0, so the chain rule "
            "multiplies every gradient that passes through it by 0."
            if culprits
            else " Every path from it to the loss multiplies by a zero local derivative (a dead ReLU, a "
            "saturated activation, a comparison or rounding), or the loss does not depend on it."
        )
        for layer, pnames in by_layer.items():
            self._diagnose(
                "zero_gradient",
                layer,
                epoch,
                (
                    f"The gradient of parameter '{pnames[0]}' (layer '{layer}') was exactly zero at "
                    f"every step of epoch {epoch}, so it does not learn."
                    if len(pnames) == 1
                    else f"The gradients of {_names(pnames, 'parameter')} (layer '{layer}') were exactly "
                    f"zero at every step of epoch {epoch}, so they do not learn."
                )
                + because,
            )

    def _no_gradient(self, state, pname, layer):
        if ("no_gradient", layer) in self._warned:
            return
        reason = (
            " It was not used in the forward pass, or the path from it to the loss is cut by a .detach(), "
            ".data, .item(), .numpy() or a new tensor built from its values."
        )
        finding = self._trace_last_batch(state)
        if finding is not None:
            ops = [
                n for n in finding.nodes if n.kind == "op" and n.module and n.module.split(" ")[0] == layer
            ]
            if ops and all(n.grad is None for n in ops):
                last = ops[-1]
                where = f" at {last.location} `{last.location.code}`" if last.location is not None else ""
                reason = (
                    f" The layer computed its output ({last.label}{where}), but no gradient came back to it: "
                    "the graph is cut between this layer and the loss, by a .detach(), .data, .item(), "
                    ".numpy() or a new tensor built from its values. Without an edge from the loss to the "
                    "layer, backward propagation cannot reach its parameters."
                )
            elif not ops and all(n.label != pname for n in finding.nodes):
                reason = " The layer was not used in the forward pass, so the loss does not depend on it."
        self._diagnose(
            "no_gradient",
            layer,
            state.epoch + 1,
            f"Parameter '{pname}' (layer '{layer}') got no gradient in epoch {state.epoch + 1}, step "
            f"{state.batch_index + 1}: .grad is None after backward.{reason}",
        )

    def _nonfinite_gradient(self, state, pname, layer):
        if ("nan_gradient", layer) in self._warned:
            return
        cause = ""
        finding = self._trace_last_batch(state)
        if finding is not None:
            cause = " " + nonfinite_cause(finding)
        self._diagnose(
            "nan_gradient",
            layer,
            state.epoch + 1,
            f"The gradient of '{pname}' (layer '{layer}') contains NaN or Inf in epoch {state.epoch + 1}, "
            f"step {state.batch_index + 1}; one such step makes the weights NaN.{cause}",
        )

    def _trace_last_batch(self, state):
        """Trace the model (and loss) on the last training batch, or None."""
        from .trace import trace

        if self._last_batch is None:
            return None
        self._tracing = True
        try:
            if self._last_target is not None:
                return trace(
                    state.model,
                    *self._last_batch,
                    target=self._last_target,
                    loss_fn=state.loss_fn,
                    check=False,
                )
            return trace(state.model, *self._last_batch, check=False)
        except (RuntimeError, ValueError, TypeError):
            return None
        finally:
            self._tracing = False

    # --- files -----------------------------------------------------------------------------

    def _write_json(self):
        if self.out_dir is None:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / "diagnostics.json"
        content = {"epochs": self.epochs, "warnings": [asdict(d) for d in self.diagnoses]}
        path.write_text(
            json.dumps(content, indent=1, default=_json_default, allow_nan=True), encoding="utf-8"
        )
        if path not in self.files:
            self.files.append(path)


def nonfinite_cause(trace):
    """Where NaN/Inf first appears in a trace, in words: the forward op whose
    output is first non-finite, else the first op (in backward order) that
    turned a finite gradient into a non-finite one.

    >>> import chainrule
    >>> from chainrule import explain
    >>> x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    >>> with np.errstate(divide="ignore", invalid="ignore"):  # NumPy would warn about log(0)
    ...     finding = explain.trace(lambda x: x.log().sum(), x, check=False)
    >>> print(nonfinite_cause(finding))  # doctest: +ELLIPSIS
    It starts in forward propagation at Log (...): log(0) = -inf, and its derivative 1/x is infinite at 0. ...
    """
    nodes = trace.nodes
    for node in nodes:
        if node.kind != "op" or node.value is None or not node.value.has_nonfinite:
            continue
        inputs = [nodes[i].outputs[nr] for i, nr in node.inputs]
        if all(s is not None and not s.has_nonfinite for s in inputs):
            return f"It starts in forward propagation at {_where(node)}: {_explain(node, inputs)}"
    for node in reversed(nodes):
        if node.kind != "op" or node.grad is None or node.grad.has_nonfinite:
            continue
        if any(g is not None and g.has_nonfinite for g in node.grad_inputs):
            inputs = [nodes[i].outputs[nr] for i, nr in node.inputs]
            return f"It starts in backward propagation at {_where(node)}: {_explain(node, inputs)}"
    return "The traced batch has finite values and gradients everywhere; the NaN came from an earlier batch."


def _where(node):
    details = []
    if node.module:
        details.append(f"in layer '{node.module}'")
    if node.location is not None:
        details.append(f"at {node.location} `{node.location.code}`")
    return f"{node.label} ({', '.join(details)})" if details else node.label


def _explain(node, inputs):
    op = node.label
    has_zero = any(s is not None and s.zeros > 0 for s in inputs[:1])
    negative = any(s is not None and s.min < 0 for s in inputs[:1])
    if op in ("Log", "Log2", "Log10") and has_zero:
        return (
            "log(0) = -inf, and its derivative 1/x is infinite at 0. Add a small epsilon (log(x + 1e-8)), "
            "clamp the input, or use a fused stable op (log_softmax, F.cross_entropy, BCEWithLogitsLoss)."
        )
    if op in ("Log", "Log2", "Log10", "Sqrt") and negative:
        return f"{op.lower()} of a negative number is NaN. Clamp the input to be positive."
    if op in ("Sqrt", "Pow", "Rsqrt") and has_zero:
        return (
            f"{op.lower()} has an infinite derivative at 0 (d√x/dx = 1/(2√x)). Add a small epsilon before it."
        )
    if op in ("Div", "Reciprocal"):
        return "a division by zero. Add a small epsilon to the denominator."
    if op in ("Exp", "Pow"):
        return "the result overflowed to Inf. Scale the input down or use a stable formulation (logsumexp)."
    return f"{op} turned finite numbers into NaN/Inf."


def _names(names, what="layer"):
    quoted = ", ".join(f"'{n}'" for n in names)
    return f"{what}s {quoted}" if len(names) > 1 else f"{what} {quoted}"


def _is_module(obj):
    from ..nn import Module

    return isinstance(obj, Module)


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to diagnostics.json")
