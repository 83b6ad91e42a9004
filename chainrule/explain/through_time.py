"""Backpropagation through time, step by step: how much gradient reaches each
time step of a recurrent layer.

``through_time(layer, input)`` runs an ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU``
one time step at a time with its one-step rules (not the fused kernel that
training uses), so that each step's state h_t (and an LSTM's cell state c_t) is
a node of the graph; it backpropagates a loss and reads dL/dh_t, the gradient
that reached step t from the output and, by the chain rule, through every
later step. In a tanh RNN each step back multiplies it by
W_hh^T diag(1 - h_t^2), so over many steps it shrinks or grows geometrically:
the vanishing and exploding gradients that LSTMs and GRUs were designed
against (an LSTM's cell state passes it on through the forget gate, by
dc_(t-1) = dc_t sigmoid(f), with no weight matrix in between).

>>> import chainrule
>>> from chainrule import explain, nn
>>> _ = chainrule.manual_seed(0)
>>> steps = explain.through_time(nn.RNN(4, 8), chainrule.randn(30, 2, 4))
>>> steps.grad_norms().shape  # layer 0's |dL/dh_t| for t = 0, ..., 29
(30,)
>>> bool(steps.grad_norms()[0] < steps.grad_norms()[-1])  # smaller 29 steps back
True
"""

import numpy as np

from ..autograd.grad_mode import enable_grad

__all__ = ["CellComparison", "ThroughTime", "compare_cells", "through_time"]

_MAX_ROWS = 40  # steps printed per layer and direction; longer sequences are sampled evenly


def through_time(layer, input, hx=None, loss=None):
    """Run the recurrent ``layer`` (``nn.RNN``, ``nn.LSTM`` or ``nn.GRU``) over the
    padded ``input`` one time step at a time, backpropagate ``loss`` and return a
    ``ThroughTime`` with every step's state and the gradient that reached it.

    ``hx`` is the layer's initial state, as for ``layer(input, hx)``. ``loss`` is a
    function of the layer's results ``(output, h_n)`` (``(output, (h_n, c_n))`` for an
    LSTM) that returns a scalar; by default the sum of the output's last time step,
    as a classifier that reads h_T. The layer's parameters get no ``.grad``.
    """
    from ..nn.modules.rnn import RNNBase

    if not isinstance(layer, RNNBase):
        kind = type(layer).__name__
        raise TypeError(f"through_time: expected an nn.RNN, nn.LSTM or nn.GRU layer, got {kind}")
    recorded = []
    with enable_grad():
        states = None if hx is None else (tuple(hx) if layer.mode == "LSTM" else (hx,))
        output, final = layer._sequence_forward(input, states, record_steps=recorded)
        if loss is None:
            time_dim = 1 if layer.batch_first and output.dim() == 3 else 0
            value = output.select(time_dim, -1).sum()
        else:
            value = loss(output, final if layer.mode == "LSTM" else final[0])
        targets = [tensor for steps in recorded for state in steps for tensor in state]
        grads = iter(_gradients(value, targets))
    directions = 2 if layer.bidirectional else 1
    records = []
    for index, steps in enumerate(recorded):
        names = ("h", "c")[: len(steps[0])]
        step_grads = [[next(grads) for _ in names] for _ in steps]
        record = {"layer": index // directions, "direction": ("forward", "reverse")[index % directions]}
        for k, name in enumerate(names):
            record[name] = np.stack([state[k].detach().numpy() for state in steps])
            record["grad_" + name] = np.stack([found[k] for found in step_grads])
        records.append(record)
    return ThroughTime(type(layer).__name__, records, output.detach(), float(value.detach()))


def _gradients(value, targets):
    """dL/d(target) of each step's state (zeros where the loss does not reach it),
    leaving every leaf's .grad as it was."""
    from ..autograd.engine import grad

    found = grad(value, targets, allow_unused=True, materialize_grads=True)
    return [g.detach().numpy() for g in found]


class ThroughTime:
    """What ``through_time`` measured. ``records`` holds, per layer and direction (in
    the layer's order: layer 0 forward, layer 0 reverse, layer 1 ...), a dict with
    ``layer``, ``direction``, and arrays (L, N, H) over the time steps: ``h`` and
    ``grad_h`` (dL/dh_t), and for an LSTM ``c`` and ``grad_c``. ``output`` is the
    layer's output and ``loss`` the value backpropagated."""

    def __init__(self, layer_name, records, output, loss):
        self.layer_name = layer_name
        self.records = records
        self.output = output
        self.loss = loss

    def record(self, layer=0, direction="forward"):
        for record in self.records:
            if record["layer"] == layer and record["direction"] == direction:
                return record
        available = ", ".join(f"({r['layer']}, {r['direction']!r})" for r in self.records)
        raise ValueError(f"no layer {layer} in direction {direction!r}; the layer has {available}")

    def grad_norms(self, layer=0, direction="forward", state="h"):
        """|dL/dh_t| (or |dL/dc_t| with ``state='c'``) at each time step t: the 2-norm over
        the batch and the features."""
        grads = self.record(layer, direction)["grad_" + state]
        return np.sqrt((grads.astype(np.float64) ** 2).reshape(len(grads), -1).sum(axis=1))

    def state_norms(self, layer=0, direction="forward", state="h"):
        """|h_t| (or |c_t|) at each time step: the 2-norm over the batch and the features."""
        values = self.record(layer, direction)[state]
        return np.sqrt((values.astype(np.float64) ** 2).reshape(len(values), -1).sum(axis=1))

    def summary(self, layer=0, direction="forward"):
        """One sentence on how the gradient changed between the step that reads the loss
        and the step processed first."""
        norms = self.grad_norms(layer, direction)
        first, last = (norms[-1], norms[0]) if direction == "reverse" else (norms[0], norms[-1])
        steps = len(norms) - 1
        if steps == 0:
            return "one step: nothing flows through time"
        if last == 0:
            return "no gradient reaches the step processed last"
        ratio = first / last
        factor = ratio ** (1 / steps)
        trend = "vanishing" if factor < 0.9 else "exploding" if factor > 1.1 else "roughly kept"
        return (
            f"|dL/dh| at the step processed first is {ratio:.3g} times that at the step processed last: "
            f"a factor of {factor:.3g} per step over {steps} steps back ({trend})"
        )

    def __str__(self):
        lines = [f"backpropagation through time in {self.layer_name}: loss {self.loss:.6g}"]
        for record in self.records:
            layer, direction = record["layer"], record["direction"]
            has_cell = "c" in record
            lines.append("")
            lines.append(f"layer {layer}, {direction}")
            header = f"{'t':>5}  {'|h_t|':>11}  {'|dL/dh_t|':>11}"
            if has_cell:
                header += f"  {'|c_t|':>11}  {'|dL/dc_t|':>11}"
            lines.append(header)
            columns = [self.state_norms(layer, direction), self.grad_norms(layer, direction)]
            if has_cell:
                columns += [self.state_norms(layer, direction, "c"), self.grad_norms(layer, direction, "c")]
            for t in _shown_steps(len(columns[0])):
                lines.append(f"{t:>5}  " + "  ".join(f"{column[t]:>11.4g}" for column in columns))
            lines.append(self.summary(layer, direction))
        return "\n".join(lines)

    def plot(self, path="through_time.png"):
        """|dL/dh_t| against t for every layer and direction, on a log scale (PNG)."""
        curves = {
            f"layer {r['layer']}, {r['direction']}": self.grad_norms(r["layer"], r["direction"])
            for r in self.records
        }
        return _plot_norms(curves, f"{self.layer_name}: gradient reaching each time step", path)


def _shown_steps(count):
    """The time steps a table shows: all of them, or an even sample with both ends."""
    if count <= _MAX_ROWS:
        return range(count)
    return sorted({round(k * (count - 1) / (_MAX_ROWS - 1)) for k in range(_MAX_ROWS)})


def compare_cells(length=50, size=32, seed=0):
    """``through_time`` of a fresh ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` (PyTorch's
    initialisation, 8 input features, ``size`` hidden units) over the same random
    input of ``length`` steps, and of the LSTM again with its forget gates' bias
    raised to 3: how far back each carries the gradient. (An LSTM passes dL/dc
    back by the forget gate alone, dc_(t-1) = dc_t sigmoid(f); at PyTorch's
    initialisation sigmoid(f) is about 0.5, and a forget bias of 1 to 3, as
    Jozefowicz et al. 2015 recommend, keeps more of it.)

    >>> comparison = compare_cells(length=10, size=4)
    >>> list(comparison.results)
    ['RNN', 'LSTM', 'LSTM f-bias 3', 'GRU']
    """
    import chainrule

    from .. import nn

    chainrule.manual_seed(seed)
    x = chainrule.randn(length, 4, 8)
    layers = {"RNN": nn.RNN(8, size), "LSTM": nn.LSTM(8, size)}
    layers["LSTM f-bias 3"] = nn.LSTM(8, size)
    layers["LSTM f-bias 3"].load_state_dict(layers["LSTM"].state_dict())
    with chainrule.no_grad():
        layers["LSTM f-bias 3"].bias_ih_l0[size : 2 * size] = 3.0  # gates i, f, g, o: f is the second
        layers["LSTM f-bias 3"].bias_hh_l0[size : 2 * size] = 0.0
    layers["GRU"] = nn.GRU(8, size)
    return CellComparison({name: through_time(layer, x) for name, layer in layers.items()})


class CellComparison:
    """``compare_cells``' results: ``results[name]`` is each layer's ``ThroughTime``."""

    def __init__(self, results):
        self.results = results

    def __str__(self):
        names = list(self.results)
        norms = {name: self.results[name].grad_norms() for name in names}
        length = len(next(iter(norms.values())))
        lines = [
            f"|dL/dh_t|: the gradient of the sum of the last step's output reaching step t "
            f"({length} steps, the same input)",
            f"{'t':>5}  " + "  ".join(f"{name:>13}" for name in names),
        ]
        for t in _shown_steps(length):
            lines.append(f"{t:>5}  " + "  ".join(f"{norms[name][t]:>13.4g}" for name in names))
        lines += [f"{name}: {self.results[name].summary()}" for name in names]
        return "\n".join(lines)

    def plot(self, path="through_time.png"):
        """|dL/dh_t| against t for each layer, on a log scale (PNG)."""
        curves = {name: result.grad_norms() for name, result in self.results.items()}
        return _plot_norms(curves, "gradient reaching each time step", path)


def _plot_norms(curves, title, path):
    """Curves of |dL/dh_t| against t on a log scale, saved as a PNG at ``path``."""
    from .plots import _figure, _save

    figure = _figure(7, 4)
    axes = figure.add_subplot()
    for label, norms in curves.items():
        axes.semilogy(np.arange(len(norms)), np.maximum(norms, 1e-45), label=label)
    axes.set(title=title, xlabel="time step t", ylabel="|dL/dh_t|")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    return _save(figure, path)
