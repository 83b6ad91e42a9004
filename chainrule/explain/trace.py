"""Record one forward and one backward pass, node by node.

``trace(fn, *inputs)`` runs ``fn`` once with a record hook installed (the
``record_hooks`` of autograd/function.py, which anomaly mode also uses), so
every graph node the forward pass creates is remembered together with the
line of user code that created it, the module it ran in and a copy of its
output. Each recorded node also gets a post hook, which the engine calls when
it runs that node's backward: it copies the gradient that arrived at the node
(dL/d output) and the gradient the node sent back to each input. Leaves get
their gradient in ``.grad`` as usual. So a trace re-implements no op and walks
no graph of its own: it keeps what the forward pass and the engine hand it.

>>> import chainrule
>>> from chainrule import explain
>>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
>>> tr = explain.trace(lambda x: (x * x).sum(), x)
>>> [node.label for node in tr.nodes]
['x', 'Mul', 'Sum']
>>> tr.node("x").grad.values
array([2., 4.], dtype=float32)
>>> tr.node("x").check.passed
True
"""

import inspect
import linecache
import os
import sys
from dataclasses import dataclass, field

import numpy as np

from .. import _random
from .._tensor import Tensor
from ..autograd import function as _function
from ..autograd.grad_mode import no_grad
from .snapshot import Snapshot, _json_number

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


@dataclass
class Location:
    """Where user code created a node: file, line, function and the source line."""

    filename: str
    lineno: int
    function: str
    code: str

    def __str__(self):
        return f"{os.path.basename(self.filename)}:{self.lineno}"


@dataclass
class FiniteDifferenceCheck:
    """Autograd's gradient beside a numeric one, for a few entries of a leaf.

    numeric = (L(w + eps) - L(w - eps)) / (2 eps), one entry at a time, the
    other entries unchanged. ``dtype`` is the precision the loss was
    recomputed in (float64 when the function allows it)."""

    indices: list
    autograd: list
    numeric: list
    eps: float
    dtype: str
    rtol: float
    atol: float

    @property
    def max_abs_diff(self):
        return float(np.max(np.abs(np.subtract(self.autograd, self.numeric)))) if self.indices else 0.0

    @property
    def passed(self):
        return bool(np.allclose(self.numeric, self.autograd, rtol=self.rtol, atol=self.atol))

    def to_dict(self):
        return {
            "indices": [list(i) for i in self.indices],
            "autograd": [_json_number(v) for v in self.autograd],
            "numeric": [_json_number(v) for v in self.numeric],
            "eps": self.eps,
            "dtype": self.dtype,
            "max_abs_diff": _json_number(self.max_abs_diff),
            "passed": self.passed,
        }


@dataclass
class TraceNode:
    """One node of the traced graph.

    ``kind`` is "input" (a tensor given to the function), "parameter" (any
    other leaf that requires grad: a module's parameters, a tensor the
    function closes over), "constant" (a tensor that requires no grad, such
    as a target) or "op" (a graph node created by forward). ``inputs`` lists
    (node id, output number) per tensor input. ``outputs`` are the forward
    values; ``grads`` the gradient dL/d output that backward delivered (for a
    leaf: what was accumulated into ``.grad``); ``grad_inputs`` what an op
    sent back to each input, before the engine summed it over broadcast axes.
    """

    id: int
    kind: str
    label: str
    op: str = None
    module: str = None
    location: Location = None
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    grads: list = field(default_factory=list)
    grad_inputs: list = field(default_factory=list)
    check: FiniteDifferenceCheck = None
    requires_grad: bool = False
    is_output: bool = False
    is_loss: bool = False

    @property
    def value(self):
        """The (first) output's values."""
        return self.outputs[0] if self.outputs else None

    @property
    def grad(self):
        """dL/d(first output), or None if no gradient reached this node."""
        return self.grads[0] if self.grads else None

    @property
    def is_leaf(self):
        return self.kind != "op"


class Trace:
    """The nodes of one forward and backward pass, in creation order (each
    node after its inputs), with the loss backward started from.

    Show it with ``print(trace)`` or ``trace.show()`` (a table),
    ``trace.to_html()`` / ``trace.save_html(path)`` (the graph), and read
    ``trace.nodes``, ``trace.node(label)``, ``trace.parameters``.
    """

    def __init__(self, nodes, loss, description):
        self.nodes = nodes
        self.loss = loss
        self.description = description

    def node(self, label):
        """The first node with this label ("x", "fc1.weight", "Sigmoid", ...)."""
        for node in self.nodes:
            if node.label == label:
                return node
        raise KeyError(f"no node labelled {label!r}; labels: {[n.label for n in self.nodes]}")

    @property
    def parameters(self):
        """Leaves (and inputs) that require grad: the tensors gradients are computed for."""
        return [n for n in self.nodes if n.is_leaf and n.requires_grad]

    @property
    def loss_node(self):
        return next((n for n in self.nodes if n.is_loss), None)

    def table(self):
        """The nodes as a rich Table."""
        from .table import trace_table

        return trace_table(self)

    def show(self, console=None):
        """Print the tables to the terminal (rich)."""
        from .table import show

        show(self, console)

    def to_text(self, width=120):
        from .table import to_text

        return to_text(self, width)

    def to_html(self):
        """A self-contained HTML page with the graph (inline SVG, CSS and JS)."""
        from .html import trace_page

        return trace_page(self)

    def save_html(self, path):
        """Write ``to_html()`` to ``path``; returns the path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_html())
        return path

    def to_dict(self):
        """Everything in the trace as JSON-ready dicts (what the HTML page reads)."""
        return {
            "description": self.description,
            "loss": _json_number(self.loss),
            "nodes": [_node_dict(n) for n in self.nodes],
        }

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return f"<Trace: {len(self.nodes)} nodes, loss {self.loss:.6g}>"


def trace(fn_or_model, *inputs, target=None, loss_fn=None, check=True, check_entries=6):
    """Run ``fn_or_model(*inputs)`` forward and backward once and record every node.

    With ``loss_fn`` the loss ``loss_fn(output, target)`` is part of the
    trace. Backward starts from the loss (or the output); a non-scalar output
    is treated as ``output.sum()``. For up to ``check_entries`` entries of
    every leaf that requires grad (those with the largest gradients), the
    gradient is compared with a central finite difference (``check=False``
    skips this; it recomputes the forward pass twice per entry).

    Gradients of leaves are read from ``.grad``; the ``.grad`` each leaf had
    before is put back afterwards, so tracing does not change what an
    optimizer would see.

    >>> import chainrule
    >>> from chainrule import explain
    >>> w = chainrule.tensor([0.5, -1.0], requires_grad=True)
    >>> x = chainrule.tensor([2.0, 3.0])
    >>> tr = explain.trace(lambda x: (w * x).sum().sigmoid(), x)
    >>> [(n.label, n.kind) for n in tr.nodes]
    [('w', 'parameter'), ('x', 'input'), ('Mul', 'op'), ('Sum', 'op'), ('Sigmoid', 'op')]
    >>> round(float(tr.node("Sum").grad.values), 4)  # dL/ds = sigmoid'(s) = y (1 - y), s = -2
    0.105
    """
    if loss_fn is None and target is not None:
        raise ValueError(
            "trace: a target was given without a loss_fn; pass loss_fn=nn.MSELoss() (or another loss)"
        )
    modules = _named_modules(fn_or_model, loss_fn)
    names = _tensor_names(fn_or_model, inputs, target)
    # Lines inside the caller's own call to trace() say nothing new (a module from
    # chainrule.nn has no user line of its own): such nodes show their layer only.
    recorder = _Recorder(sys._getframe(1))
    handles = [h for name, module in modules for h in _module_hooks(recorder, name, module)]
    rng_state = _random.get_rng_state()
    try:
        with recorder:
            output = fn_or_model(*inputs)
            loss = _loss(output, target, loss_fn)
    finally:
        for handle in handles:
            handle.remove()
    if not isinstance(loss, Tensor) or loss.grad_fn is None:
        raise ValueError(
            "trace: the output does not depend on any tensor that requires grad, so there is no backward "
            "pass to record. Create an input with requires_grad=True or trace an nn.Module."
        )
    graph = _Graph(recorder, names, inputs)
    graph.mark(output, loss)
    previous = {id(leaf): leaf.grad for leaf in graph.leaf_tensors}
    leaf_grads = {}
    for leaf in graph.leaf_tensors:
        leaf.grad = None
    for node, tensor in graph.earlier_tensors:
        recorder.grad_handles.append(tensor.register_hook(_grad_catcher(node, leaf_grads)))
    try:
        loss.backward(None if loss.ndim == 0 else _ones_like(loss))
        for node, leaf in graph.leaf_nodes():
            if leaf.grad is not None:
                leaf_grads[node.id] = np.array(leaf.grad._data)
                node.grads = [Snapshot(leaf_grads[node.id])]
    finally:
        for handle in recorder.grad_handles:
            handle.remove()
        for leaf in graph.leaf_tensors:
            leaf.grad = previous[id(leaf)]
    graph.collect_grads()
    if check:
        after_forward = _random.get_rng_state()
        checker = _FiniteDifferences(fn_or_model, inputs, target, loss_fn, rng_state, graph, modules)
        for node, leaf in graph.leaf_nodes() + graph.earlier_tensors:
            if node.id in leaf_grads:
                node.check = checker.check(leaf, leaf_grads[node.id], check_entries)
        _random.set_rng_state(after_forward)
    description = _describe(fn_or_model, loss_fn, loss)
    return Trace(graph.nodes, float(np.sum(loss._data)), description)


def _grad_catcher(node, grads):
    """A tensor hook that keeps the gradient backward computes for an input
    that was itself computed before the trace."""

    def catch(grad):
        grads[node.id] = np.array(grad._data)
        node.grads = [Snapshot(grads[node.id])]

    return catch


def _loss(output, target, loss_fn):
    if loss_fn is None:
        if not isinstance(output, Tensor):
            raise TypeError(
                f"trace: the function returned {type(output).__name__}; it must return one Tensor "
                "(or give loss_fn to turn its output into a loss)"
            )
        return output
    return loss_fn(output) if target is None else loss_fn(output, target)


def _ones_like(t):
    from .._tensor import wrap

    return wrap(np.ones_like(t._data))


def _describe(fn_or_model, loss_fn, loss):
    name = (
        type(fn_or_model).__name__
        if _is_module(fn_or_model)
        else getattr(fn_or_model, "__name__", "function")
    )
    text = name
    if loss_fn is not None:
        text += " + " + (
            type(loss_fn).__name__ if _is_module(loss_fn) else getattr(loss_fn, "__name__", "loss")
        )
    if loss.ndim != 0:
        text += " (backward from the sum of the output)"
    return text


# --- forward: the record hook -------------------------------------------------------


class _Recorder:
    """Installed in ``record_hooks`` while forward runs: remembers each node,
    its inputs and a snapshot of its outputs, and hooks the node's backward."""

    def __init__(self, caller):
        self.caller = caller
        self.records = []
        self.module_stack = []
        self.grad_handles = []

    def __enter__(self):
        _function.record_hooks.append(self)
        return self

    def __exit__(self, *exc):
        _function.record_hooks.remove(self)
        return False

    def __call__(self, node, inputs, result):
        outputs = result if isinstance(result, tuple) else (result,)
        module = self.module_stack[-1] if self.module_stack else None
        record = _Record(node, inputs, outputs, module, _user_location(self.caller))
        self.records.append(record)
        self.grad_handles.append(node.add_hook("post", record.on_backward))


class _Record:
    __slots__ = ("node", "inputs", "snapshots", "module", "location", "grad_outputs", "grad_inputs")

    def __init__(self, node, inputs, outputs, module, location):
        self.node = node
        self.inputs = inputs
        self.snapshots = [Snapshot(o._data) if isinstance(o, Tensor) else None for o in outputs]
        self.module = module
        self.location = location
        self.grad_outputs = None
        self.grad_inputs = None

    def on_backward(self, grad_inputs, grad_outputs):
        self.grad_outputs = [None if g is None else Snapshot(_array(g)) for g in grad_outputs]
        self.grad_inputs = [None if g is None else Snapshot(_array(g)) for g in grad_inputs]


def _array(g):
    return g._data if isinstance(g, Tensor) else np.asarray(g)


def _user_location(caller):
    """The innermost frame outside the chainrule package: the user's line
    (None when that is the call to trace() itself)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None or frame is caller:
        return None
    filename = frame.f_code.co_filename
    code = linecache.getline(filename, frame.f_lineno).strip()
    return Location(filename, frame.f_lineno, frame.f_code.co_name, code)


# --- modules: which layer created a node --------------------------------------------


def _is_module(obj):
    try:
        from ..nn import Module
    except ImportError:
        return False
    return isinstance(obj, Module)


def _named_modules(model, loss_fn):
    named = []
    if _is_module(model):
        for name, module in model.named_modules():
            named.append((name or type(model).__name__, module))
    if _is_module(loss_fn):
        named.append(("loss_fn", loss_fn))
    return named


def _module_hooks(recorder, name, module):
    label = f"{name} ({type(module).__name__})" if name != type(module).__name__ else name

    def enter(module, args):
        recorder.module_stack.append(label)

    def leave(module, args, output):
        recorder.module_stack.pop()

    return module.register_forward_pre_hook(enter), module.register_forward_hook(leave)


def _tensor_names(fn_or_model, inputs, target):
    """Names for leaves: parameter names, argument names, closed-over variables."""
    names = {}
    if _is_module(fn_or_model):
        names.update((id(t), name) for name, t in fn_or_model.named_buffers())
        names.update((id(t), name) for name, t in fn_or_model.named_parameters())
        signature_of = fn_or_model.forward
    else:
        signature_of = fn_or_model
        try:
            closure = inspect.getclosurevars(fn_or_model)
        except TypeError:
            closure = None
        if closure is not None:
            for scope in (closure.globals, closure.nonlocals):
                names.update((id(v), k) for k, v in scope.items() if isinstance(v, Tensor))
    try:
        parameters = [
            p.name
            for p in inspect.signature(signature_of).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        parameters = []
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor):
            names[id(t)] = parameters[i] if i < len(parameters) else f"input{i}"
    if isinstance(target, Tensor):
        names[id(target)] = "target"
    return names


# --- the graph the records describe ------------------------------------------------


class _Graph:
    """Turns the records into TraceNodes, numbered so each node follows its inputs."""

    def __init__(self, recorder, names, inputs):
        self.nodes = []
        self.names = names
        self.input_ids = {id(t) for t in inputs if isinstance(t, Tensor)}
        self.leaf_tensors = []
        self.constant_tensors = []
        self._leaf_index = {}
        self._op_index = {}
        self._leaf_node_ids = []
        self._records = {}
        self.earlier_tensors = []
        for record in recorder.records:
            self._add_op(record)

    def _add_op(self, record):
        node = record.node
        inputs = []
        for i, edge in enumerate(node.next_edges):
            if edge is None:
                arg = record.inputs[i] if i < len(record.inputs) else None
                if isinstance(arg, Tensor):
                    inputs.append((self._leaf(arg), arg._output_nr))
            elif edge[1] is None:
                inputs.append((self._leaf(edge[0]), 0))
            elif edge[0] in self._op_index:
                inputs.append((self._op_index[edge[0]], edge[1]))
            else:
                arg = record.inputs[i] if i < len(record.inputs) else None
                inputs.append((self._earlier(edge[0], edge[1], arg), 0))
        trace_node = TraceNode(
            id=len(self.nodes),
            kind="op",
            label=type(node).__name__,
            op=node.name(),
            module=record.module,
            location=record.location,
            inputs=inputs,
            outputs=record.snapshots,
            requires_grad=True,
        )
        self._op_index[node] = trace_node.id
        self.nodes.append(trace_node)
        self._records[trace_node.id] = record

    def _leaf(self, tensor):
        key = id(tensor)
        if key in self._leaf_index:
            return self._leaf_index[key]
        requires_grad = tensor.requires_grad and tensor.grad_fn is None
        if key in self.input_ids:
            kind = "input"
        else:
            kind = "parameter" if requires_grad else "constant"
        label = self.names.get(key)
        if label is None:
            label = _number_label(tensor) if kind == "constant" else f"leaf{len(self.leaf_tensors)}"
        node = TraceNode(
            id=len(self.nodes),
            kind=kind,
            label=label,
            outputs=[Snapshot(tensor._data)],
            requires_grad=requires_grad,
        )
        self.nodes.append(node)
        self._leaf_index[key] = node.id
        if requires_grad:
            self.leaf_tensors.append(tensor)
            self._leaf_node_ids.append(node.id)
        elif tensor.grad_fn is None:
            self.constant_tensors.append(tensor)
        return node.id

    def _earlier(self, grad_fn, output_nr, tensor):
        """The output of a node created before tracing started (an input that is
        itself the result of earlier ops): shown as an input; backward's gradient
        for it is caught by a tensor hook (``earlier_tensors``)."""
        key = ("earlier", id(grad_fn), output_nr)
        if key not in self._leaf_index:
            label = self.names.get(id(tensor)) or f"{grad_fn.name()} output (before the trace)"
            node = TraceNode(
                id=len(self.nodes),
                kind="input",
                label=label,
                outputs=[Snapshot(tensor._data)],
                requires_grad=True,
            )
            self.nodes.append(node)
            self._leaf_index[key] = node.id
            self.earlier_tensors.append((node, tensor))
        return self._leaf_index[key]

    def leaf_nodes(self):
        """(TraceNode, tensor) for each leaf that requires grad."""
        return [(self.nodes[i], t) for i, t in zip(self._leaf_node_ids, self.leaf_tensors)]

    def mark(self, output, loss):
        for tensor, attribute in ((output, "is_output"), (loss, "is_loss")):
            if isinstance(tensor, Tensor) and tensor.grad_fn in self._op_index:
                setattr(self.nodes[self._op_index[tensor.grad_fn]], attribute, True)

    def collect_grads(self):
        """Copy what each op's post hook saw during backward into its TraceNode."""
        for node_id, record in self._records.items():
            node = self.nodes[node_id]
            node.grads = record.grad_outputs or []
            node.grad_inputs = record.grad_inputs or []


def _number_label(tensor):
    if tensor.numel() == 1:
        return np.format_float_positional(float(tensor._data.reshape(-1)[0]), precision=4, trim="-")
    return "constant"


# --- the numeric check -------------------------------------------------------------


class _FiniteDifferences:
    """Recompute the loss with one entry of one leaf moved by +-eps.

    The loss is recomputed in float64 when the function allows it (leaves,
    inputs, constants and buffers are swapped for float64 copies while the
    check runs), so the numbers agree to many digits; otherwise in the
    tensors' own precision with a larger eps. The random state is reset
    before every evaluation so dropout draws the same masks as the traced
    pass, and every module buffer (running statistics, and integer counters
    such as ``num_batches_tracked``) gets back the values the traced pass
    left in it.
    """

    def __init__(self, fn, inputs, target, loss_fn, rng_state, graph, modules):
        self.fn = fn
        self.inputs = inputs
        self.target = target
        self.loss_fn = loss_fn
        self.rng_state = rng_state
        tensors = list(graph.leaf_tensors) + list(graph.constant_tensors)
        tensors += [tensor for _, tensor in graph.earlier_tensors]
        tensors += [t for t in inputs if isinstance(t, Tensor)]
        if isinstance(target, Tensor):
            tensors.append(target)
        buffers = [buffer for _, module in modules for _, buffer in module.named_buffers(recurse=False)]
        self.buffer_values = [
            (buffer, buffer._data.copy()) for buffer in {id(b): b for b in buffers}.values()
        ]
        unique = {id(t): t for t in tensors + buffers if t._data.dtype.kind == "f"}
        self.tensors = list(unique.values())
        self.float64 = self._float64_works()

    def evaluate(self):
        _random.set_rng_state(self.rng_state)
        with no_grad():
            value = _loss(self.fn(*self.inputs), self.target, self.loss_fn)
        return float(np.sum(value._data, dtype=np.float64))

    def _swapped(self, arrays):
        for t, a in zip(self.tensors, arrays):
            t._data = a

    def _put_back(self, originals):
        """Each tensor's own array, and each buffer's values as the traced pass left them (a forward in
        training mode updates running statistics and counters in place)."""
        self._swapped(originals)
        for buffer, values in self.buffer_values:
            np.copyto(buffer._data, values)

    def _float64_works(self):
        originals = [t._data for t in self.tensors]
        try:
            self._swapped([a.astype(np.float64) for a in originals])
            self.evaluate()
            return True
        except (RuntimeError, TypeError, ValueError):
            return False
        finally:
            self._put_back(originals)

    def check(self, leaf, grad_values, entries):
        """Compare ``grad_values`` (autograd's) with finite differences at the
        ``entries`` entries where the gradient is largest."""
        originals = [t._data for t in self.tensors]
        leaf_dtype = leaf._data.dtype
        flat = np.abs(grad_values.reshape(-1))
        order = np.argsort(-flat, kind="stable")[:entries]
        indices = [tuple(int(i) for i in np.unravel_index(k, grad_values.shape)) for k in sorted(order)]
        try:
            if self.float64:
                self._swapped([a.astype(np.float64) for a in originals])
                eps, dtype = 1e-6, "float64"
            else:
                eps, dtype = 1e-3, str(leaf._data.dtype)
            # autograd's gradient has the leaf's precision, the numeric one ``dtype``'s
            if not self.float64:
                rtol, atol = 2e-2, 2e-3
            elif leaf_dtype == np.float64:
                rtol, atol = 1e-6, 1e-9
            else:
                rtol, atol = 1e-3, 1e-5
            data = leaf._data
            numeric = []
            for index in indices:
                saved = data[index].copy()
                step = eps * max(1.0, abs(float(saved)))
                data[index] = saved + step
                plus = self.evaluate()
                data[index] = saved - step
                minus = self.evaluate()
                data[index] = saved
                numeric.append((plus - minus) / (2 * step))
        finally:
            self._put_back(originals)
        autograd = [float(grad_values[index]) for index in indices]
        return FiniteDifferenceCheck(indices, autograd, numeric, eps, dtype, rtol, atol)


def _node_dict(node):
    return {
        "id": node.id,
        "kind": node.kind,
        "label": node.label,
        "op": node.op,
        "module": node.module,
        "location": None
        if node.location is None
        else {"file": str(node.location), "function": node.location.function, "code": node.location.code},
        "inputs": [list(edge) for edge in node.inputs],
        "outputs": [None if s is None else s.to_dict() for s in node.outputs],
        "grads": [None if s is None else s.to_dict() for s in node.grads],
        "grad_inputs": [None if s is None else s.to_dict() for s in node.grad_inputs],
        "check": None if node.check is None else node.check.to_dict(),
        "requires_grad": node.requires_grad,
        "is_output": node.is_output,
        "is_loss": node.is_loss,
    }
