"""The backward pass: walk the graph from the output back to the leaves.

``backward`` and ``grad`` both come here. The walk is iterative, so a chain
of 100,000 ops needs no recursion. Nodes are numbered in creation order and a
node only depends on nodes created before it, so running the pending nodes
from the highest number down (a heap) guarantees that every node has received
all of its gradient before it runs. Each node applies its local derivative
(the chain rule) and passes the products to its inputs; leaves add what
reaches them to ``.grad``.

Broadcasting is undone here, in one place: a rule returns the gradient for
the broadcast shape and ``unbroadcast`` sums it back to the input's shape.

Normally gradients are NumPy arrays and rules run without recording. With
``create_graph=True`` they are Tensors and the rules record a new graph, so
the gradient can be differentiated again.
"""

from heapq import heappop, heappush

import numpy as np

from .._dtype import from_numpy_dtype
from .._tensor import Tensor, inplace_epoch, wrap
from . import anomaly
from .function import FREED_MESSAGE, AccumulateGrad, DelayedError
from .grad_mode import state as grad_state

_ndarray = np.ndarray
_new = object.__new__
_anomaly = anomaly.state


def unbroadcast(grad, shape):
    """Sum ``grad`` (for a broadcast result) back to an input of ``shape``.

    Broadcasting copied the input along new leading axes and along axes of
    size 1; each copy received its share of the gradient, so the shares add.

    >>> unbroadcast(np.ones((4, 3)), (3,))
    array([4., 4., 4.])
    """
    grad_shape = grad.shape
    if grad_shape == shape:
        return grad
    extra = len(grad_shape) - len(shape)
    if extra < 0:  # the input had leading 1s the result dropped (x[0] = v with v of shape (1, n))
        grad = grad.reshape((1,) * -extra + tuple(grad_shape))
        grad_shape = grad.shape
        extra = 0
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad_shape[i + extra] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def _conform(g, shape, dtype, create_graph):
    """Give ``g`` the shape and dtype of the tensor it is the gradient of."""
    if create_graph:
        if not isinstance(g, Tensor):
            g = wrap(np.asarray(g))
        if g._data.shape != shape:
            g = unbroadcast(g, shape)
        if g._data.dtype != dtype:
            g = g.to(from_numpy_dtype(dtype))
        return g
    if g.shape != shape:
        g = unbroadcast(g, shape)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


def _root_grads(outputs, grad_outputs, create_graph):
    """Pair each output with the gradient backward starts from."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad_outputs has {len(grad_outputs)} entries but there are {len(outputs)} outputs"
        )
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"backward expects tensors, got {type(out).__name__}")
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        data = out._data
        if g is None:
            if data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs "
                    f"(this output has shape {tuple(data.shape)}); pass gradient= "
                    "(dL/d(output), same shape) or reduce it first, e.g. loss.sum()"
                )
            g = np.ones(data.shape, data.dtype)
            g = wrap(g) if create_graph else g
        else:
            if not isinstance(g, Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
            array = g._data
            if array.shape != data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(array.shape)} "
                    f"and output[{i}] has a shape of {tuple(data.shape)}."
                )
            if not create_graph:
                g = array if array.dtype == data.dtype else array.astype(data.dtype)
        roots.append((out, g))
    return roots


_ONES = {}


def backward_scalar(output, retain_graph):
    """``loss.backward()``: the common case, started from a gradient of 1."""
    data = output._data
    if not output._requires_grad or data.size != 1:
        backward((output,), None, retain_graph)
        return
    one = _ONES.get(data.dtype)
    if one is None:
        one = _ONES[data.dtype] = np.ones((), data.dtype)
        one.flags.writeable = False
    if data.shape:
        one = one.reshape(data.shape)
    node = output.grad_fn
    if node is not None and node._buffer is None and len(node._outputs_meta) == 1:
        node._buffer = [one]
        _run_simple([], retain_graph, None, node)
    else:
        hooked = _Walk()
        _run_simple(_seed(((output, one),), False, None, hooked), retain_graph, hooked)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradients of ``tensors`` and add them to the leaves' ``.grad``.

    ``inputs``, when given, limits accumulation to those tensors.
    """
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    if isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _root_grads(tuple(tensors), grad_tensors, create_graph)
    targets = None
    if inputs is not None:
        targets = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not targets:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        for i, t in enumerate(targets):
            if not t._requires_grad:
                raise RuntimeError(
                    f"backward: inputs[{i}] does not require grad, so no gradient can be accumulated into it"
                )
    _execute(roots, retain_graph, create_graph, targets, capture=False)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Return d(outputs)/d(inputs) without touching any ``.grad``.

    With ``is_grads_batched``, each grad_output has a leading batch dimension
    and the result one too: one backward pass per slice (a loop, where
    PyTorch vmaps; the values are the same).

    >>> import chainrule
    >>> x = chainrule.tensor(3.0, requires_grad=True)
    >>> chainrule.autograd.grad(x ** 2, x)
    (tensor(6.),)
    """
    if isinstance(outputs, Tensor):
        outputs = (outputs,)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    inputs, edges = ((inputs,), ()) if isinstance(inputs, Tensor) else _edge_targets(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
            "allow_unused=False."
        )
    if is_grads_batched:
        return _batched_grad(
            outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads
        )
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = _root_grads(tuple(outputs), grad_outputs, create_graph)
    results = _execute(roots, retain_graph, create_graph, list(inputs), capture=True)
    grads = []
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None:
            if materialize_grads and i in edges:
                raise RuntimeError("materialize_grads cannot be used when the given input is a GradientEdge")
            if materialize_grads:
                g = np.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
        if g is not None and not isinstance(g, Tensor):
            g = wrap(g)
        grads.append(g)
    return tuple(grads)


def _edge_targets(inputs):
    """``grad``'s inputs as tensors, and the positions of GradientEdges (graph.py)
    among them: an edge stands for the output of its node, as a tensor attached
    there (a leaf's edge for the leaf)."""
    from .graph import GradientEdge

    inputs = (inputs,) if isinstance(inputs, GradientEdge) else tuple(inputs)
    targets, edges = [], []
    for i, t in enumerate(inputs):
        if isinstance(t, GradientEdge):
            edges.append(i)
            node, nr = t.node, t.output_nr
            if isinstance(node, AccumulateGrad):
                t = node.variable
            else:
                shape, dtype = node._outputs_meta[nr]
                t = wrap(np.broadcast_to(np.zeros((), dtype), shape), True, node, nr)
        targets.append(t)
    return tuple(targets), edges


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """``grad`` once per slice of the batched grad_outputs, results stacked."""
    if grad_outputs is None or any(g is None or g.ndim == 0 for g in grad_outputs):
        raise ValueError(
            "autograd.grad(is_grads_batched=True) needs grad_outputs with a leading batch dimension"
        )
    size = len(grad_outputs[0])
    rows = [
        grad(
            outputs,
            inputs,
            [g[i] for g in grad_outputs],
            retain_graph=retain_graph or i + 1 < size,
            create_graph=create_graph,
            allow_unused=allow_unused,
            materialize_grads=materialize_grads,
        )
        for i in range(size)
    ]
    # np.stack dispatches to chainrule's stack, which records it under create_graph
    return tuple(None if column[0] is None else np.stack(column) for column in zip(*rows))


class _Targets:
    """What ``grad(..., inputs)`` or ``backward(inputs=...)`` asks for."""

    def __init__(self, targets, roots, capture):
        self.capture = capture
        self.captured = [None] * len(targets)
        self.leaves = {}
        self.nodes = {}
        self.repeats = []  # (index, index of its first listing) of a leaf listed again
        for i, t in enumerate(targets):
            if t.grad_fn is None:
                if t in self.leaves:
                    self.repeats.append((i, self.leaves[t]))
                else:
                    self.leaves[t] = i
            else:
                self.nodes.setdefault(t.grad_fn, []).append((t._output_nr, i, t))
        self.needed = self._needed_nodes([out.grad_fn for out, _ in roots if out.grad_fn is not None])

    def _needed_nodes(self, root_nodes):
        """Nodes on a path from a root to a target (iterative post-order DFS)."""
        needed = set()
        done = set()
        stack = [(node, False) for node in root_nodes]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                if node in self.nodes or self.leads_on(node, needed):
                    needed.add(node)
                continue
            if node in done:
                continue
            done.add(node)
            stack.append((node, True))
            for edge in node.next_edges:
                if edge is not None and edge[1] is not None and edge[0] not in done:
                    stack.append((edge[0], False))
        return needed

    def leads_on(self, node, needed):
        """True if one of ``node``'s inputs is needed or a target leaf."""
        for edge in node.next_edges:
            if edge is not None and (edge[0] in needed if edge[1] is not None else edge[0] in self.leaves):
                return True
        return False

    def take_node_grads(self, node, grads, create_graph):
        for nr, i, t in self.nodes[node]:
            if self.capture:
                self.captured[i] = grads[nr]
            else:
                _accumulate(t, grads[nr], False, create_graph)


def _seed(roots, create_graph, wanted, hooked=None):
    """Put each root's starting gradient into its node's buffer; returns the heap."""
    heap = []
    for out, g in roots:
        node = out.grad_fn
        if node is None:
            _deliver_to_leaf(out, g, False, create_graph, wanted, hooked)
            continue
        buffer = node._buffer
        if buffer is None:
            buffer = node._buffer = [None] * len(node._outputs_meta)
            heappush(heap, (-node._sequence_nr, node))
        nr = out._output_nr
        buffer[nr] = g if buffer[nr] is None else buffer[nr] + g
    return heap


def _clear_buffers(heap):
    """After an error, forget pending gradients so a retained graph starts clean."""
    for _, node in heap:
        node._buffer = None


def _execute(roots, retain_graph, create_graph, targets, capture):
    """Run backward from ``roots`` [(output, grad)].

    ``targets`` None: accumulate into every leaf. Otherwise only into (or,
    when ``capture``, return the gradients of) the tensors in ``targets``.
    """
    hooked = _Walk()
    if targets is None and not create_graph:
        return _run_simple(_seed(roots, False, None, hooked), retain_graph, hooked)
    wanted = _Targets(targets, roots, capture) if targets is not None else None
    needed = wanted.needed if wanted is not None else None
    heap = _seed(roots, create_graph, wanted, hooked)
    previous_mode = grad_state.enabled
    grad_state.enabled = create_graph
    try:
        while heap:
            node = heappop(heap)[1]
            grads = node._buffer
            node._buffer = None
            if needed is not None and node not in needed:
                continue
            if node._hooks is not None:
                grads = _run_pre_hooks(node, grads, create_graph, hooked, heap, needed, wanted)
            if wanted is not None and node in wanted.nodes:
                wanted.take_node_grads(node, grads, create_graph)
                if not wanted.leads_on(node, needed):
                    continue
            results = _call_backward(node, grads, create_graph)
            if not retain_graph:
                node.release()
            for edge, g in zip(node.next_edges, results):
                if edge is None or g is None:
                    continue
                target, nr = edge
                if nr is None:
                    data = target._data
                    g = _conform(g, data.shape, data.dtype, create_graph)
                    owned = not create_graph and _is_owned(g, grads, results)
                    _deliver_to_leaf(target, g, owned, create_graph, wanted, hooked)
                elif needed is None or target in needed:
                    shape, dtype = target._outputs_meta[nr]
                    _buffer(target, nr, _conform(g, shape, dtype, create_graph), heap)
        _finish_hooked_leaves(hooked, create_graph, wanted)
    except BaseException:
        _clear_buffers(heap)
        raise
    finally:
        grad_state.enabled = previous_mode
    if wanted is None:
        return None
    for i, first in wanted.repeats:
        wanted.captured[i] = wanted.captured[first]
    return wanted.captured


def _buffer(node, nr, g, heap):
    """Add gradient ``g`` for output ``nr`` of ``node``; schedule the node."""
    buffer = node._buffer
    if buffer is None:
        buffer = node._buffer = [None] * len(node._outputs_meta)
        heappush(heap, (-node._sequence_nr, node))
    buffer[nr] = g if buffer[nr] is None else buffer[nr] + g


def _run_simple(heap, retain_graph, hooked=None, ready=None):
    """``_execute`` for the common case (every leaf, no create_graph), from a
    seeded heap. The loop body is written out, not split into helpers,
    because it runs for every op of every training step.

    Gradients reaching a node are checked for shape only: built-in rules
    return their inputs' dtype (a Cast node converts between dtypes), and
    leaves check both.
    """
    check_anomaly = _anomaly.enabled
    previous_mode = grad_state.enabled
    grad_state.enabled = False
    # ``ready``: the only pending node when the heap is empty; along a chain
    # of ops the walk then needs no heap at all.
    try:
        while True:
            if ready is not None:
                node = ready
                ready = None
            elif heap:
                node = heappop(heap)[1]
            else:
                break
            grads = node._buffer
            node._buffer = None
            hooks = node._hooks
            if hooks is not None:
                if hooked is None:
                    hooked = _Walk()
                grads = _run_pre_hooks(node, grads, False, hooked, heap)
            grad = grads[0]
            if node.array_rule and len(grads) == 1 and grad is not None:
                saved = node.saved
                if saved:
                    if inplace_epoch[0] != node._epoch:
                        node.check_saved_versions()
                    results = node.backward(grad)
                    if not retain_graph:
                        node.saved = None
                        node._inputs = None
                elif saved is None:
                    raise RuntimeError(FREED_MESSAGE)
                else:
                    results = node.backward(grad)
                if results.__class__ is not tuple:
                    results = (results,)
                if hooks is not None and "post" in hooks:
                    results = _run_post_hooks(node, results, grads, False)
                if check_anomaly:
                    anomaly.check_backward_result(node, results)
            else:
                results = _call_backward(node, grads, False)
                if not retain_graph:
                    node.release()
                grad = None  # user rules: never let a leaf keep their arrays uncopied
            for edge, g in zip(node.next_edges, results):
                if edge is None or g is None:
                    continue
                target, nr = edge
                if nr is not None:
                    meta = target._outputs_meta
                    if g.shape != meta[nr][0]:
                        g = _conform(g, meta[nr][0], meta[nr][1], False)
                    buffer = target._buffer
                    if buffer is None:
                        if len(meta) == 1:
                            target._buffer = [g]
                        else:
                            buffer = target._buffer = [None] * len(meta)
                            buffer[nr] = g
                        if ready is None and not heap:
                            ready = target
                        else:
                            if ready is not None:
                                heappush(heap, (-ready._sequence_nr, ready))
                                ready = None
                            heappush(heap, (-target._sequence_nr, target))
                    elif buffer[nr] is None:
                        buffer[nr] = g
                    else:
                        buffer[nr] = buffer[nr] + g
                    continue
                data = target._data
                if g.shape != data.shape or g.dtype is not data.dtype:
                    g = _conform(g, data.shape, data.dtype, False)
                if target._hooks is not None:
                    hooked = _hold_for_hooks(hooked, target, g)
                elif target.grad is None:
                    # a leaf may keep a fresh array as its .grad; the incoming
                    # gradient, a view, or an array returned twice is copied
                    if (
                        g is grad
                        or grad is None
                        or g.__class__ is not _ndarray
                        or g.base is not None
                        or (len(results) == 2 and results[0] is results[1])
                    ):
                        g = np.array(g)
                    leaf_grad = _new(Tensor)  # wrap(g), written out: this runs for every leaf
                    leaf_grad._data = g
                    leaf_grad._requires_grad = False
                    leaf_grad.grad_fn = None
                    leaf_grad._version_box = [0, 0]
                    target.grad = leaf_grad
                else:
                    _accumulate(target, g, False, False)
        if hooked:
            _finish_hooked_leaves(hooked, False, None)
    except BaseException:
        if ready is not None:
            ready._buffer = None
        _clear_buffers(heap)
        raise
    finally:
        grad_state.enabled = previous_mode


def _call_backward(node, grads, create_graph):
    """Run one node's local chain-rule step; returns one gradient per input."""
    if len(grads) > 1 or grads[0] is None:
        grads = _materialize(node, grads, create_graph)
    if node.array_rule:
        saved = node.saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        if saved and inplace_epoch[0] != node._epoch:
            node.check_saved_versions()
        results = _tensor_rule(node, grads) if create_graph else node.backward(*grads)
    elif node.__class__.array_rule:  # a built-in op that saved under saved_tensors_hooks (graph.py)
        packed = node.saved
        if packed is None:
            raise RuntimeError(FREED_MESSAGE)
        as_tensors = create_graph and not node.once_differentiable
        node.saved = packed.unpack(node, as_tensors)
        try:
            results = _tensor_rule(node, grads) if create_graph and not as_tensors else node.backward(*grads)
        finally:
            node.saved = packed
    else:
        if node.is_freed():
            raise RuntimeError(FREED_MESSAGE)
        if node._saved_from:
            node.check_saved_versions()
        results = _call_user_backward(node, grads, create_graph)
    if results.__class__ is not tuple:
        results = (results,)
    if node._hooks is not None and "post" in node._hooks:
        results = _run_post_hooks(node, results, grads, create_graph)
    if _anomaly.enabled:
        anomaly.check_backward_result(node, results)
    return results


def _tensor_rule(node, grads):
    """Run a primitive's rule on Tensors, so that it records a graph (create_graph)."""
    cls = node.__class__
    arrays = node.saved
    if cls.once_differentiable:
        results = cls.backward(node, *[g._data for g in grads])
        results = results if results.__class__ is tuple else (results,)
        # the results depend on the node's inputs too: a second derivative through
        # either an input in the graph or the incoming gradient must raise
        differentiable = any(g._requires_grad for g in grads) or any(e is not None for e in node.next_edges)
        return tuple(
            None
            if r is None
            else DelayedError.apply(wrap(np.asarray(r), True))
            if differentiable
            else wrap(np.asarray(r))
            for r in results
        )
    node.saved = node.saved_as_tensors()
    try:
        return cls.backward(node, *grads)
    finally:
        node.saved = arrays


def _is_owned(g, grads, results):
    """True when ``g`` is a fresh array nobody else holds, so a leaf may keep
    it as its ``.grad`` without a copy."""
    if g.__class__ is not _ndarray or g.base is not None:
        return False
    for incoming in grads:
        if g is incoming:
            return False
    count = 0
    for r in results:
        if r is g:
            count += 1
    return count == 1


def _deliver_to_leaf(leaf, g, owned, create_graph, wanted, hooked):
    """Send ``g`` to a leaf: into ``.grad``, into what ``grad()`` returns, or,
    for a leaf with hooks, into ``hooked`` until the walk ends."""
    if wanted is not None:
        index = wanted.leaves.get(leaf)
        if index is None:
            return
        if wanted.capture:
            previous = wanted.captured[index]
            wanted.captured[index] = g if previous is None else previous + g
            return
    if leaf._hooks is not None and hooked is not None:
        _hold_for_hooks(hooked, leaf, g)
        return
    _accumulate(leaf, g, owned, create_graph)


def _hold_for_hooks(hooked, leaf, g):
    """Sum the gradients reaching a leaf with hooks: its hooks see the total."""
    if hooked is None:
        hooked = _Walk()
    hooked[leaf] = g if leaf not in hooked else hooked[leaf] + g
    return hooked


def _finish_hooked_leaves(hooked, create_graph, wanted):
    """Run each hooked leaf's hooks once, on everything that reached it, as
    PyTorch's AccumulateGrad node does; then accumulate (or return) the result and
    run the leaf's post-accumulate hooks."""
    global _running
    previous = _running
    _running = (hooked, (), None, None, None, wanted)
    try:
        for leaf, g in hooked.items():
            _accumulate(leaf, g, False, create_graph)
            if leaf._post_accumulate_hooks:
                for hook in list(leaf._post_accumulate_hooks):
                    if hook(leaf) is not None:
                        raise TypeError(f"post accumulate grad hook {hook} must return None")
        if wanted is not None and wanted.capture:
            for leaf, index in wanted.leaves.items():
                g = wanted.captured[index]
                if leaf._hooks and g is not None:
                    wanted.captured[index] = _run_tensor_hooks(leaf._hooks, g, create_graph)
    finally:
        _running = previous


class _Walk(dict):
    """leaf -> the gradient held for its hooks until the walk ends. One is made
    per backward that meets a hook, so it also names that backward for the hooks
    that must tell one from another (graph.register_multi_grad_hook)."""

    __slots__ = ("__weakref__",)


# While hooks run: (walk, heap of pending nodes, node whose pre-hooks run, its
# gradients, needed nodes, targets) of their backward; see will_reach.
_running = None


def current_walk():
    """The backward whose hooks are running, or None outside hooks (PyTorch's
    graph task id)."""
    return None if _running is None else _running[0]


def will_reach(tensors):
    """For each tensor, True if the backward whose hooks are running computes its
    gradient in what is left of the walk: its node runs, or gradient reaches the leaf
    (PyTorch's _will_engine_execute_node). Only what is left is searched, which
    answers for tensors whose hooks have not run yet in this backward."""
    walk, heap, node, grads, needed, wanted = _running
    runs, leaves = set(), set()
    stack = [entry[1] for entry in heap]
    if node is not None:
        stack.append(node)
    while stack:
        n = stack.pop()
        if n in runs or (needed is not None and n not in needed):
            continue
        runs.add(n)
        for edge in n.next_edges:
            if edge is not None:
                if edge[1] is None:
                    leaves.add(edge[0])
                else:
                    stack.append(edge[0])
    if wanted is not None:
        leaves = {leaf for leaf in leaves if leaf in wanted.leaves}
    reached = []
    for t in tensors:
        fn = t.grad_fn
        if fn is None:
            if wanted is not None and wanted.capture:
                raise RuntimeError(
                    "A leaf node was passed to _will_engine_execute_node but we are currently running "
                    "autograd.grad(). This is currently not supported."
                )
            reached.append(t in walk or t in leaves)
        elif fn is node:  # a tensor hook runs only for a gradient that arrived
            reached.append(grads[t._output_nr] is not None)
        else:
            reached.append(fn in runs)
    return reached


def _accumulate(tensor, g, owned, create_graph):
    """Add ``g`` into ``tensor.grad`` (PyTorch's AccumulateGrad)."""
    if tensor._hooks:
        g = _run_tensor_hooks(tensor._hooks, g, create_graph)
        owned = False
    existing = tensor.__dict__.get("grad")  # not .grad: a non-leaf's warns when unset
    if create_graph:
        if not isinstance(g, Tensor):
            g = wrap(np.asarray(g))
        tensor.grad = g if existing is None else existing + g
        return
    if existing is None:
        if g.__class__ is not _ndarray:
            g = np.array(g)
        elif not owned:
            g = g.copy()
        tensor.grad = wrap(g)
    elif existing.grad_fn is None and existing._data.flags.writeable:
        np.add(existing._data, g, out=existing._data)
    else:
        tensor.grad = wrap(existing._data + g)


def _run_tensor_hooks(hooks, g, create_graph):
    as_tensor = g if create_graph else wrap(g)
    for hook in list(hooks):
        result = hook(as_tensor)
        if result is not None:
            _check_hook_result(hook, as_tensor, result)
            as_tensor = result
    return as_tensor if create_graph else as_tensor._data


def _check_hook_result(hook, grad, result):
    """A tensor hook may change a gradient's values, not its type or size (PyTorch's errors)."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}' (hook '{name}')")
    if result._data.dtype != grad._data.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {grad.type()} got {result.type()})"
        )
    if result._data.shape != grad._data.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value (was {tuple(grad.shape)} got {tuple(result.shape)})"
        )


def _run_pre_hooks(node, grads, create_graph, walk, heap, needed=None, wanted=None):
    """Tensor hooks, then retain_grad, then node pre-hooks (PyTorch's order).
    ``walk``, ``heap``, ``needed`` and ``wanted`` describe the running backward
    to the hooks that ask (``will_reach``)."""
    global _running
    previous = _running
    _running = (walk, heap, node, grads, needed, wanted)
    try:
        grads = list(grads)
        hooks = node._hooks
        for nr in range(len(grads)):
            if grads[nr] is not None and nr in hooks:
                grads[nr] = _run_tensor_hooks(hooks[nr], grads[nr], create_graph)
        for nr, ref in hooks.get("retain", {}).items():
            t = ref()
            if t is not None and grads[nr] is not None:
                _retain(t, grads[nr], create_graph)
        if None in hooks:
            as_tensors = tuple(g if g is None or create_graph else wrap(g) for g in grads)
            for hook in list(hooks[None]):
                result = hook(as_tensors)
                if result is not None:
                    as_tensors = tuple(result)
            grads = [g if g is None or create_graph else _as_array(g) for g in as_tensors]
        return grads
    finally:
        _running = previous


def _retain(tensor, g, create_graph):
    """retain_grad: keep a copy of ``g`` in ``tensor.grad``, adding to what an
    earlier backward left there (out of place, as PyTorch)."""
    existing = tensor.__dict__.get("grad")  # not .grad: a non-leaf's warns when unset
    if create_graph:
        tensor.grad = g if existing is None else existing + g
    else:
        tensor.grad = wrap(np.array(g, copy=True) if existing is None else existing._data + g)


def _materialize(node, grads, create_graph):
    """Zeros for outputs that received no gradient (multi-output nodes)."""
    filled = []
    for g, meta in zip(grads, node._outputs_meta):
        if g is None and meta is not None and node._materialize_grads:
            g = np.zeros(meta[0], meta[1])
            g = wrap(g) if create_graph else g
        filled.append(g)
    return filled


def _call_user_backward(node, grads, create_graph):
    """Run a user Function's backward on Tensors and check what it returns, as
    PyTorch does: one gradient per input of ``apply`` (extra trailing Nones
    allowed), each of a shape the input broadcasts to."""
    if not create_graph:
        grads = [None if g is None else wrap(g) for g in grads]
    results = node.__class__.backward(node, *grads)
    if isinstance(results, list):
        raise RuntimeError(
            f"function {node.name()} returned a list: backward returns a gradient, or a tuple of "
            "them (one per input of forward)"
        )
    if not isinstance(results, tuple):
        results = (results,)
    edges = node.next_edges
    if len(results) > len(edges) and all(r is None for r in results[len(edges) :]):
        results = results[: len(edges)]
    if len(results) != len(edges):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(edges)}, got {len(results)})"
        )
    checked = []
    for i, (r, edge) in enumerate(zip(results, edges)):
        if r is not None and i in node._hidden_arguments:
            raise RuntimeError(
                f"function {node.name()} returned a gradient different than None at position {i + 1}, "
                "but the corresponding forward input was not a Variable (return None for it)"
            )
        if r is None or edge is None:
            checked.append(None)
            continue
        if not isinstance(r, Tensor):
            r = wrap(np.asarray(r))
        target, nr = edge
        shape = target._data.shape if nr is None else target._outputs_meta[nr][0]
        if r._data.shape != shape and not _broadcasts_to(shape, r._data.shape):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(r._data.shape)} but expected shape compatible with {list(shape)}"
            )
        checked.append(r if create_graph else r._data)
    return tuple(checked)


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _run_post_hooks(node, results, grads, create_graph):
    """``hook(grad_inputs, grad_outputs)`` after a node's backward; a hook may
    return replacement grad_inputs."""

    def as_tensors(values):
        return tuple(v if v is None or create_graph else wrap(v) for v in values)

    grad_outputs = as_tensors(grads)
    for hook in list(node._hooks["post"]):
        replaced = hook(as_tensors(results), grad_outputs)
        if replaced is not None:
            replaced = replaced if isinstance(replaced, (tuple, list)) else (replaced,)
            results = tuple(r if r is None or create_graph else _as_array(r) for r in replaced)
    return results


def _as_array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)
