"""Function: one differentiable operation, and the graph node it leaves behind.

Forward propagation calls ``SomeFunction.apply(...)``. The Function instance
created for that call is at once the ``ctx`` that forward and backward share
and the graph node stored as the output's ``grad_fn``: it remembers where
each input came from (``next_edges``) and what forward saved for backward.
``loss.backward()`` walks these nodes back (see engine.py).

Two kinds of subclass:

* ``Primitive`` -- chainrule's built-in ops (ops/). ``forward`` and
  ``backward`` work on NumPy arrays, which keeps the per-op cost small. Their
  backward is written with operators and NumPy calls that also accept
  Tensors, so when ``create_graph=True`` the engine runs the same rule on
  Tensors and the gradient is itself differentiable.
* a user's ``class MyOp(chainrule.autograd.Function)`` -- PyTorch's
  extension point, with the same contract: ``forward(ctx, *args)`` and
  ``backward(ctx, *grads)`` on Tensors, ``ctx.save_for_backward``,
  ``ctx.saved_tensors``, ``ctx.needs_input_grad``.

>>> import chainrule
>>> class Cube(chainrule.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     def backward(ctx, grad):
...         (x,) = ctx.saved_tensors
...         return grad * 3 * x ** 2
>>> x = chainrule.tensor(2.0, requires_grad=True)
>>> Cube.apply(x).backward()
>>> x.grad
tensor(12.)
"""

import functools
import itertools
import weakref

import numpy as np

from .._tensor import Tensor, inplace_epoch, wrap
from . import grad_mode
from .grad_mode import state as grad_state

_new = object.__new__
_ndarray = np.ndarray
_Tensor = Tensor

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)

# Nodes are numbered in creation order: a node can only depend on nodes
# created before it, so the engine runs them from the highest number down.
_sequence = itertools.count()

# Callbacks run for every node recorded: anomaly mode and explain.trace use
# them to remember where in the user's code each node was created.
record_hooks = []


class Function:
    """Base class of differentiable operations; see the module docstring."""

    __slots__ = (
        "next_edges",
        "needs_input_grad",
        "_sequence_nr",
        "_outputs_meta",
        "_buffer",
        "__dict__",
        "__weakref__",
    )

    # Rarely set, so kept out of the slots: instances override them when needed.
    # _hooks: {output_nr: [hook(grad)]} tensor hooks, None: [hook(grads)] pre-hooks,
    # "retain": {output_nr: weakref to a tensor that called retain_grad()},
    # "post": [hook(grad_inputs, grad_outputs)]. One attribute, so the engine
    # checks a single thing per node.
    _hooks = None
    _trace = None  # where forward created this node (anomaly mode, explain)
    _materialize_grads = True
    _non_differentiable = ()
    _dirty = ()
    _saved = ()
    _saved_from = None
    array_rule = False
    # The positions of apply's arguments that are not Tensors (numbers, dtypes, dims),
    # if any: next_functions leaves them out, as PyTorch does.
    _hidden_arguments = ()

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional (PyTorch 2 style): forward(*args) without ctx, saving done here."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    # --- ctx API used inside forward / backward ----------------------------

    def save_for_backward(self, *tensors):
        """Keep ``tensors`` (inputs or outputs) for backward."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__} (keep other values as ctx attributes)"
                )
        self._saved = tensors

    def mark_non_differentiable(self, *outputs):
        """Outputs that never get a gradient (indices, masks)."""
        self._non_differentiable = tuple(id(o) for o in outputs)

    def mark_dirty(self, *tensors):
        """Inputs that forward modified in place."""
        self._dirty = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        """Whether backward gets zeros (True) or None for outputs that got no gradient."""
        self._materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        """The saved tensors (saved outputs are re-attached to this node)."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        if not self._saved_from:
            # a Packed (autograd/graph.py) under saved_tensors_hooks: unpacked on every access
            return saved if saved.__class__ is tuple else saved.unpack(self, True)
        self.check_saved_versions()
        tensors = []
        for value, source in zip(saved, self._saved_from):
            if source is None:
                tensors.append(value)
            elif source[0] == "output":
                tensors.append(wrap(value, True, self, source[1]))
            else:
                tensors.append(source[1])
        return tuple(tensors)

    # --- graph-node API (grad_fn.*) ------------------------------------------

    @classmethod
    def name(cls):
        return cls.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        """``((node, output_nr), ...)`` per input, as ``grad_fn.next_functions`` in PyTorch."""
        edges = []
        hidden = self._hidden_arguments
        for position, edge in enumerate(self.next_edges):
            if position in hidden:
                continue
            if edge is None:
                edges.append((None, 0))
            elif edge[1] is None:
                edges.append((AccumulateGrad.of(edge[0]), 0))
            else:
                edges.append(edge)
        return tuple(edges)

    @property
    def metadata(self):
        return self.__dict__.setdefault("_metadata", {})

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node's backward."""
        return self.add_hook("post", hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node's backward; it may return new grads."""
        return self.add_hook(None, hook)

    def add_hook(self, key, hook):
        """Register ``hook`` under ``key`` (an output number, None or "post")."""
        if self._hooks is None:
            self._hooks = {}
        hooks = self._hooks.setdefault(key, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def retain_output_grad(self, tensor):
        """Store the gradient of output ``tensor`` in its ``.grad`` (retain_grad)."""
        if self._hooks is None:
            self._hooks = {}
        self._hooks.setdefault("retain", {})[tensor._output_nr] = weakref.ref(tensor)

    def forget_output_grad(self, tensor):
        """Stop storing ``tensor``'s gradient (an in-place op moved it to a new node)."""
        retained = self._hooks.get("retain") if self._hooks else None
        if retained:
            for nr, ref in list(retained.items()):
                if ref() is tensor:
                    del retained[nr]

    # --- saved values (user Functions) ---------------------------------------

    def is_freed(self):
        return self._saved is None

    def check_saved_versions(self):
        """PyTorch's version-counter rule: a saved tensor changed in place since
        forward would give a wrong gradient, so refuse."""
        for value, source in zip(self._saved, self._saved_from or ()):
            if source is not None and source[2][1] > source[3]:
                _raise_modified(self, value, source[2], "output" if source[0] == "output" else "input")

    def release(self):
        """Drop what forward saved (and the saved inputs themselves): called
        after backward unless retain_graph."""
        if self._saved:
            self._saved = None
            self._saved_from = None


def _raise_modified(node, value, box, role):
    from .anomaly import describe_creation  # anomaly imports this module

    shape = list(getattr(value, "shape", ()))
    dtype = getattr(value, "dtype", "")
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{dtype} {shape}], which is an {role} of {node.name()}, is at version "
        f"{box[0]}; expected it unchanged since the forward pass. Hint: the tensor was changed "
        f"in place after {node.name()} saved it for backward; use an out-of-place op "
        "(x = x + 1 instead of x += 1) or clone() it first. " + describe_creation(node)
    )


class Primitive(Function):
    """A built-in op: ``forward(ctx, *arrays)`` and ``backward(ctx, grad)`` on NumPy arrays.

    The docstring of each subclass gives the derivative it implements. In
    ``backward``, ``ctx.saved`` holds what forward saved (arrays, or Tensors
    under ``create_graph=True``). Subclasses whose backward only works on
    arrays set ``once_differentiable = True``: differentiating them twice raises.
    """

    __slots__ = ("saved", "_inputs", "_epoch", "_out_box")
    once_differentiable = False
    array_rule = True  # backward takes and returns arrays (see engine.py)
    # For each value forward saves, the inputs whose gradient uses it (None: all).
    # A value changed in place since forward is an error only if one of those
    # needs a gradient: PyTorch saves ``x`` for ``x * y`` only when y requires grad.
    saved_needed_by = None

    @classmethod
    def name(cls):
        return cls.__name__ + "Backward0"

    def save_for_backward(self, *arrays):
        self.saved = arrays

    @classmethod
    def apply(cls, *args):
        """Run forward on the arrays inside ``args`` and, if any input requires
        grad, record this op in the graph."""
        ctx = _new(cls)
        ctx.saved = ()
        arrays = []
        requires_grad = False
        for a in args:
            if isinstance(a, _Tensor):
                arrays.append(a._data)
                if a._requires_grad:
                    requires_grad = True
            else:
                arrays.append(a)
        out = cls.forward(ctx, *arrays)
        if requires_grad and grad_state.enabled:
            return _record(ctx, args, out)
        if out.__class__ is tuple:
            return tuple(wrap(o) for o in out)
        return wrap(out)

    @classmethod
    def apply_binary(cls, a, b):
        """``apply`` for two Tensor inputs (the hot path of arithmetic)."""
        ctx = _new(cls)
        ctx.saved = ()
        out = cls.forward(ctx, a._data, b._data)
        a_requires = a._requires_grad
        b_requires = b._requires_grad
        if not ((a_requires or b_requires) and grad_state.enabled):
            return wrap(out)
        a_node = a.grad_fn
        b_node = b.grad_fn
        ctx.next_edges = (
            (((a, None) if a_node is None else (a_node, a._output_nr)) if a_requires else None),
            (((b, None) if b_node is None else (b_node, b._output_nr)) if b_requires else None),
        )
        ctx.needs_input_grad = _NEEDS[a_requires + a_requires + b_requires]
        if out.__class__ is not _ndarray or out.dtype.kind != "f":
            return _record_output(ctx, (a, b), out)
        # _record_output's common case, written out: binary arithmetic is most of
        # a graph, and the call saves ~3% of a small step (callgrind)
        ctx._sequence_nr = next(_sequence)
        ctx._buffer = None
        result = _new(_Tensor)
        result._data = out
        result._requires_grad = True
        result.grad_fn = ctx
        result._version_box = version = [0, 0]
        ctx._outputs_meta = ((out.shape, out.dtype),)
        if ctx.saved:
            ctx._inputs = (a, b)
            ctx._epoch = inplace_epoch[0]
            ctx._out_box = version
        if record_hooks:
            for hook in record_hooks:
                hook(ctx, (a, b), result)
        return result

    @classmethod
    def apply_three(cls, a, b, c):
        """``apply`` for two Tensors and a Tensor or None (a linear layer's input,
        weight and bias)."""
        ctx = _new(cls)
        ctx.saved = ()
        out = cls.forward(ctx, a._data, b._data, None if c is None else c._data)
        a_requires = a._requires_grad
        b_requires = b._requires_grad
        c_requires = c is not None and c._requires_grad
        if not ((a_requires or b_requires or c_requires) and grad_state.enabled):
            return wrap(out)
        a_node, b_node = a.grad_fn, b.grad_fn
        c_node = c.grad_fn if c_requires else None
        ctx.next_edges = (
            (((a, None) if a_node is None else (a_node, a._output_nr)) if a_requires else None),
            (((b, None) if b_node is None else (b_node, b._output_nr)) if b_requires else None),
            (((c, None) if c_node is None else (c_node, c._output_nr)) if c_requires else None),
        )
        ctx.needs_input_grad = _NEEDS_THREE[4 * a_requires + 2 * b_requires + c_requires]
        return _record_output(ctx, (a, b, c), out)

    @classmethod
    def apply_unary(cls, x, *params):
        """``apply`` for one Tensor input followed by non-tensor parameters."""
        ctx = _new(cls)
        ctx.saved = ()
        out = cls.forward(ctx, x._data, *params)
        if not (x._requires_grad and grad_state.enabled):
            return wrap(out)
        node = x.grad_fn
        ctx.next_edges = ((x, None) if node is None else (node, x._output_nr),)
        ctx.needs_input_grad = _FIRST_ONLY[len(params)]
        return _record_output(ctx, (x,), out)

    def check_saved_versions(self):
        epoch = self._epoch
        needed_by = self.saved_needed_by
        for k, value in enumerate(self.saved):
            if value.__class__ is not _ndarray:
                continue
            if needed_by is not None and not any(self.needs_input_grad[i] for i in needed_by[k]):
                continue
            for t in self._inputs:
                if isinstance(t, _Tensor) and t._data is value:
                    if t._version_box[1] > epoch:
                        _raise_modified(self, value, t._version_box, "input")
                    break
            else:
                if self._out_box[1] > epoch:
                    _raise_modified(self, value, self._out_box, "output")

    def saved_as_tensors(self):
        """``saved`` with inputs and outputs as graph-connected Tensors (create_graph).

        A saved array that is not an input is this node's output (rules keep
        other arrays they need as plain attributes, e.g. ``ctx.mask``)."""
        tensors = []
        for value in self.saved:
            if value.__class__ is not _ndarray:
                tensors.append(value)
                continue
            for t in self._inputs:
                if isinstance(t, _Tensor) and t._data is value:
                    tensors.append(t)
                    break
            else:
                tensors.append(wrap(value, True, self, self._output_number(value)))
        return tuple(tensors)

    def _output_number(self, array):
        """Which output of this node ``array`` is (see ``_record``)."""
        outputs = self.__dict__.get("_output_arrays")
        if outputs is None:
            return 0
        for k, o in enumerate(outputs):
            if o is array:
                return k
        raise RuntimeError(
            f"{self.name()}: a saved array is neither an input nor an output of the op; keep it as a "
            "plain ctx attribute instead (see docs/architecture.md, 'Writing a primitive')"
        )

    def is_freed(self):
        return self.saved is None

    def release(self):
        if self.saved:
            self.saved = None
            self._inputs = None


# needs_input_grad of apply_unary, by number of parameters: rules may unpack it.
_FIRST_ONLY = tuple((True,) + (False,) * n for n in range(8))
_NEEDS = ((False, False), (False, True), (True, False), (True, True))
_NEEDS_THREE = tuple((a, b, c) for a in (False, True) for b in (False, True) for c in (False, True))


def _record_output(ctx, inputs, out):
    """The common tail of recording: one array output."""
    if out.__class__ is not _ndarray:
        out = _as_output_array(ctx, out)
    if out.dtype.kind != "f":
        return wrap(out)
    ctx._sequence_nr = next(_sequence)
    ctx._buffer = None
    result = _new(_Tensor)  # wrap(out, True, ctx), written out: this runs for every recorded op
    result._data = out
    result._requires_grad = True
    result.grad_fn = ctx
    result._version_box = version = [0, 0]
    ctx._outputs_meta = ((out.shape, out.dtype),)
    if ctx.saved:
        ctx._inputs = inputs
        ctx._epoch = inplace_epoch[0]
        ctx._out_box = version
    if record_hooks:
        for hook in record_hooks:
            hook(ctx, inputs, result)
    return result


def _as_output_array(ctx, value):
    """An ndarray for a forward result that NumPy gave as a scalar (a 0-d op)
    or a list. A saved copy of it is replaced too, so that backward still
    sees the saved value as this node's output (version check, create_graph)."""
    array = np.asarray(value)
    if ctx.saved:
        ctx.saved = tuple(array if s is value else s for s in ctx.saved)
    return array


def _edge(t):
    """Where the gradient for input ``t`` goes: its node, or the leaf itself."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (t, None)


def _record(ctx, args, out):
    """Attach ``ctx`` to the graph: edges to the inputs, outputs, saved values."""
    edges = []
    needs = []
    hidden = None
    for position, a in enumerate(args):
        if isinstance(a, _Tensor) and a._requires_grad:
            node = a.grad_fn
            edges.append((a, None) if node is None else (node, a._output_nr))
            needs.append(True)
        else:
            edges.append(None)
            needs.append(False)
            if not isinstance(a, _Tensor):
                hidden = (position,) if hidden is None else (*hidden, position)
    ctx.next_edges = tuple(edges)
    ctx.needs_input_grad = tuple(needs)
    if hidden is not None:
        ctx._hidden_arguments = hidden
    if out.__class__ is not tuple:
        return _record_output(ctx, args, out)
    ctx._sequence_nr = next(_sequence)
    ctx._buffer = None
    out = tuple(o if o.__class__ is _ndarray else _as_output_array(ctx, o) for o in out)
    outputs = []
    meta = []
    for k, o in enumerate(out):
        if o.dtype.kind == "f" and id(o) not in ctx._non_differentiable:
            outputs.append(wrap(o, True, ctx, k))
        else:
            outputs.append(wrap(o))
        meta.append((o.shape, o.dtype))
    ctx._outputs_meta = tuple(meta)
    result = tuple(outputs)
    if ctx.saved:
        ctx._output_arrays = out
        ctx._inputs = args
        ctx._epoch = inplace_epoch[0]
        ctx._out_box = outputs[0]._version_box
    if record_hooks:
        for hook in record_hooks:
            hook(ctx, args, result)
    return result


# --- user-defined Functions (PyTorch's contract) ------------------------------


def _user_apply(cls, *args, **kwargs):
    ctx = _new(cls)
    needs = tuple(isinstance(a, _Tensor) and a._requires_grad for a in args)
    ctx.needs_input_grad = needs
    requires_grad = grad_state.enabled and any(needs)
    uses_setup_context = cls.setup_context is not Function.setup_context
    with grad_mode.no_grad():
        if uses_setup_context:
            out = cls.forward(*args, **kwargs)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    if uses_setup_context:
        cls.setup_context(ctx, args, out)
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    if not requires_grad:
        return out
    for a in args:
        if id(a) in ctx._dirty and a._requires_grad and a.grad_fn is None:
            raise RuntimeError(
                f"a leaf Variable that requires grad has been used in an in-place operation: "
                f"{cls.__name__}.forward modified it and marked it dirty. Pass a clone() of it."
            )
    ctx.next_edges = tuple(_edge(a) if need else None for a, need in zip(args, needs))
    ctx._hidden_arguments = tuple(i for i, a in enumerate(args) if not isinstance(a, _Tensor))
    ctx._sequence_nr = next(_sequence)
    ctx._buffer = None
    input_ids = {id(a) for a in args if isinstance(a, _Tensor)}
    results = []
    meta = []
    for k, o in enumerate(outs):
        if not isinstance(o, _Tensor):
            results.append(o)
            meta.append(None)
            continue
        if id(o) in input_ids and id(o) not in ctx._dirty:
            o = wrap(o._data)  # an input returned as is: a new tensor sharing its data
        meta.append((o._data.shape, o._data.dtype))
        if o._data.dtype.kind == "f" and id(o) not in ctx._non_differentiable:
            previous = o.grad_fn
            o._requires_grad = True
            o.grad_fn = ctx
            o._output_nr = k
            if o._retains_grad:
                o._follow_history(previous)
        results.append(o)
    ctx._outputs_meta = tuple(meta)
    _remember_saved(ctx, results)
    result = results[0] if single else tuple(results)
    if record_hooks:
        for hook in record_hooks:
            hook(ctx, args, result)
    return result


def _remember_saved(ctx, outputs):
    """Saved outputs are kept as arrays (holding the output tensor itself would
    be a reference cycle); every saved tensor remembers the epoch of its last
    in-place change so backward can refuse stale values."""
    saved = ctx._saved
    if not saved:
        return
    output_index = {id(o): k for k, o in enumerate(outputs) if isinstance(o, _Tensor)}
    epoch = inplace_epoch[0]
    values, sources = [], []
    for s in saved:
        if isinstance(s, _Tensor) and id(s) in output_index:
            values.append(s._data)
            sources.append(("output", output_index[id(s)], s._version_box, epoch))
        elif isinstance(s, _Tensor):
            values.append(s._data)
            sources.append(("input", s, s._version_box, epoch))
        else:
            values.append(s)
            sources.append(None)
    ctx._saved = tuple(values)
    ctx._saved_from = sources


Function.apply = classmethod(_user_apply)


def once_differentiable(backward):
    """Decorator for a user Function's backward that cannot be differentiated again."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            results = backward(ctx, *grads)
        if not (grad_state.enabled and any(isinstance(g, _Tensor) and g._requires_grad for g in grads)):
            return results
        # The results were computed without a graph: hang each on a node that
        # raises if a second derivative ever reaches it (PyTorch does the same).
        if not isinstance(results, tuple):
            return _delayed_error(results)
        return tuple(_delayed_error(r) for r in results)

    return wrapper


def _delayed_error(result):
    if not isinstance(result, _Tensor):
        return result
    return DelayedError.apply(wrap(result._data, True))


class DelayedError(Primitive):
    """Follows a once-differentiable backward: differentiating through it raises."""

    def forward(ctx, x):
        return x

    def backward(ctx, grad):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable"
        )


class AccumulateGrad:
    """The node at a leaf: adds the arriving gradient to ``variable.grad``.

    The engine adds into leaves directly; this object only shows the leaf in
    ``grad_fn.next_functions``, as PyTorch does.
    """

    __slots__ = ("variable", "__weakref__")

    def __init__(self, variable):
        self.variable = variable

    @classmethod
    def of(cls, leaf):
        """The leaf's one AccumulateGrad while anyone holds it (the leaf keeps a
        weak reference, as PyTorch's does, so leaf and node form no cycle)."""
        ref = leaf.__dict__.get("_accumulator")
        node = ref() if ref is not None else None
        if node is None:
            node = cls(leaf)
            leaf.__dict__["_accumulator"] = weakref.ref(node)
        return node

    next_functions = ()

    @staticmethod
    def name():
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class RemovableHandle:
    """Returned by every ``register_*hook``: ``handle.remove()`` unregisters it."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
