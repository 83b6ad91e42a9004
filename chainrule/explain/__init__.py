"""``chainrule.explain``: make forward and backward propagation visible.

* ``trace(fn_or_model, *inputs, target=None, loss_fn=None)`` records one
  forward and one backward pass: every node's op, the line that created it,
  its shapes, values and gradient, each parameter's gradient beside a
  finite-difference check. Show it as a table (``print(trace)``) or as an
  HTML page with the computational graph (``trace.save_html(path)``).
* ``walkthrough(...)`` walks through a two-layer network with small numbers:
  forward, loss, the chain rule node by node, one optimizer step.
* ``through_time(layer, input)`` runs a recurrent layer step by step and shows
  the gradient that reaches each time step (vanishing and exploding gradients);
  ``compare_cells()`` does it for an RNN, an LSTM and a GRU side by side.
* ``DiagnosticsCallback(out_dir)`` records per-layer activation and gradient
  statistics during training and warns about vanishing or exploding
  gradients, dead ReLUs and NaN or missing gradients.
* ``plot_losses(path)`` and ``plot_activations(path)`` draw the functions and
  their derivatives (computed by autograd).

>>> import chainrule
>>> from chainrule import explain
>>> x = chainrule.tensor(3.0, requires_grad=True)
>>> explain.trace(lambda x: x * x, x).node("x").grad.values
array(6., dtype=float32)
"""

from .snapshot import Snapshot
from .through_time import ThroughTime, compare_cells, through_time
from .trace import FiniteDifferenceCheck, Trace, TraceNode, trace
from .walkthrough import Walkthrough, walkthrough

__all__ = [
    "DiagnosticsCallback",
    "FiniteDifferenceCheck",
    "Snapshot",
    "ThroughTime",
    "Trace",
    "TraceNode",
    "Walkthrough",
    "compare_cells",
    "plot_activations",
    "plot_losses",
    "through_time",
    "trace",
    "walkthrough",
]

# These pull in the training loop or matplotlib: loaded on first use.
_LAZY = {
    "DiagnosticsCallback": "diagnostics",
    "plot_losses": "plots",
    "plot_activations": "plots",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'chainrule.explain' has no attribute '{name}'")
