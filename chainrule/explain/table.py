"""A Trace as terminal tables (rich): one row per node, then the parameters.

The first table follows forward propagation (top to bottom: inputs and
parameters, each op after its inputs, the loss last). Its last column is
backward propagation: the gradient dL/d(node) the engine delivered to each
node. The second table puts each parameter's gradient beside the numeric
finite-difference check.

>>> import chainrule
>>> from chainrule import explain
>>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
>>> text = explain.trace(lambda x: (x * x).sum(), x).to_text()
>>> "Sum" in text and "dL/d(node)" in text
True
"""

import io

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

_KIND_STYLE = {"input": "cyan", "parameter": "green", "constant": "dim", "op": "bold"}


def _shape(snapshot):
    return "×".join(str(d) for d in snapshot.shape) if snapshot.shape else "scalar"


def _node_name(node):
    name = Text(node.label, style=_KIND_STYLE.get(node.kind, ""))
    if node.is_loss:
        name.append("  (loss)", style="bold magenta")
    elif node.is_output:
        name.append("  (output)", style="magenta")
    if node.kind != "op":
        name.append(f"\n{node.kind}", style="dim")
    return name


def _origin(node):
    parts = []
    if node.module:
        parts.append(node.module)
    if node.location is not None:
        parts.append(f"{node.location}  {node.location.code}".rstrip())
    return Text("\n".join(parts), style="dim")


def _inputs(node):
    return ", ".join(f"#{i}" if nr == 0 else f"#{i}[{nr}]" for i, nr in node.inputs)


def _snapshots_text(snapshots):
    """One snapshot's values, or each output's (``[k] ...``) for a node with several outputs."""
    shown = [(k, s) for k, s in enumerate(snapshots) if s is not None]
    style = "red" if any(s.has_nonfinite for _, s in shown) else ""
    if len(snapshots) == 1:
        return Text(shown[0][1].text(width=44) if shown else "", style=style)
    return Text("\n".join(f"[{k}] {s.text(width=40)}" for k, s in shown), style=style)


def _grad_text(node):
    if not node.requires_grad:
        return Text("(no grad needed)", style="dim")
    if node.grad is None and not any(node.grads):
        return Text("no gradient reached this node", style="yellow")
    return _snapshots_text(node.grads)


def trace_table(trace):
    """The nodes in creation order: op, origin, inputs, shape, value and gradient."""
    table = Table(
        title=f"Forward and backward pass: {trace.description}",
        caption=f"loss = {trace.loss:.6g}; dL/d(node) is what backward delivered to the node's output",
        box=box.SIMPLE_HEAD,
        show_lines=True,
    )
    # Minimum widths keep the node's identity readable when values are wide:
    # rich would otherwise shrink these columns to nothing and give the values
    # their full width; a value too wide for what is left wraps instead.
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("node", min_width=10)
    table.add_column("created by", min_width=10, max_width=34)
    table.add_column("inputs")
    table.add_column("shape")
    table.add_column("value (forward)", overflow="fold")
    table.add_column("dL/d(node) (backward)", overflow="fold")
    for node in trace.nodes:
        value = node.value
        table.add_row(
            str(node.id),
            _node_name(node),
            _origin(node),
            _inputs(node),
            "" if value is None else _shape(value),
            _snapshots_text(node.outputs),
            _grad_text(node),
        )
    return table


def parameter_table(trace):
    """Each leaf that requires grad: its gradient and the finite-difference check."""
    table = Table(
        title="Gradients of the parameters, checked by finite differences",
        caption="numeric = (L(w + eps) - L(w - eps)) / (2 eps) for the entries with the largest gradient",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("parameter")
    table.add_column("shape")
    table.add_column("gradient dL/dw")
    table.add_column("entry")
    table.add_column("autograd", justify="right")
    table.add_column("numeric", justify="right")
    table.add_column("check")
    for node in trace.parameters:
        grad = node.grad
        grad_text = "no gradient" if grad is None else grad.text(width=40)
        check = node.check
        if check is None or not check.indices:
            table.add_row(node.label, _shape(node.value), grad_text, "", "", "", "")
            continue
        for k, index in enumerate(check.indices):
            mark = Text("✓", style="green") if check.passed else Text("✗", style="bold red")
            if k == 0:
                mark.append(f" max diff {check.max_abs_diff:.1e} ({check.dtype})", style="dim")
            table.add_row(
                node.label if k == 0 else "",
                _shape(node.value) if k == 0 else "",
                grad_text if k == 0 else "",
                str(list(index)),
                f"{check.autograd[k]:.6g}",
                f"{check.numeric[k]:.6g}",
                mark if k == 0 else "",
            )
    return table


def show(trace, console=None):
    """Print both tables."""
    console = console or Console()
    console.print(Group(trace_table(trace), parameter_table(trace)))


def to_text(trace, width=120):
    """Both tables as plain text (no colours)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, legacy_windows=False)
    show(trace, console)
    return buffer.getvalue()
