"""Hooks on what forward saves for backward, and graph inspection (``torch.autograd.graph``).

Under ``saved_tensors_hooks(pack_hook, unpack_hook)`` every tensor an op
saves for backward goes through ``pack_hook`` when the op is recorded, and
the graph keeps only what pack returned; backward calls ``unpack_hook`` to
get the tensor back before the op's rule runs. Ops save arrays in
``ctx.saved``: packing happens in a ``record_hooks`` callback (function.py),
installed only while some hooks are active, and a node with packed values
is sent down the engine's general path, which unpacks them. So forward and
backward cost nothing extra when no hooks are active.

>>> import chainrule
>>> from chainrule.autograd.graph import saved_tensors_hooks
>>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
>>> calls = []
>>> def pack(t):
...     calls.append("pack")
...     return t.detach().numpy().copy()
>>> def unpack(array):
...     calls.append("unpack")
...     return chainrule.from_numpy(array)
>>> with saved_tensors_hooks(pack, unpack):
...     y = (x * x).sum()
>>> y.backward()
>>> x.grad, calls
(tensor([2., 4.]), ['pack', 'pack', 'unpack', 'unpack'])
"""

import abc
import contextlib
import weakref
from typing import NamedTuple

import numpy as np

from .._tensor import Tensor, bump_version, wrap
from . import engine, function
from .function import AccumulateGrad, Function, Primitive

_ndarray = np.ndarray

# (pack_hook, unpack_hook) pairs of the active saved_tensors_hooks, innermost last.
_stack = []


class _State:
    disabled_message = None  # set by disable_saved_tensors_hooks
    packing = False  # ops a pack hook runs save nothing through the hooks (as PyTorch)


_state = _State()


class saved_tensors_hooks:
    """Context manager: ``pack_hook(tensor)`` runs on every tensor an op saves for
    backward and ``unpack_hook(packed)`` gives it back when backward needs it.

    Nested, only the innermost pair applies; a node keeps the unpack hook it
    was packed with. Numbers and Nones a node saves are not passed to the hooks.

    >>> import chainrule
    >>> x = chainrule.tensor(3.0, requires_grad=True)
    >>> with saved_tensors_hooks(lambda t: t.detach() * 1, lambda t: t):
    ...     y = x.sin()
    >>> y.backward()
    >>> x.grad
    tensor(-0.9900)
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _state.disabled_message is not None:
            raise RuntimeError(_state.disabled_message)
        if not _stack:
            function.record_hooks.append(_pack_saved)
        _stack.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc):
        _stack.pop()
        if not _stack:
            function.record_hooks.remove(_pack_saved)


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device for
    backward. Everything is on the CPU here, so, as in a CPU-only PyTorch, the
    tensor itself is kept, or a copy of it with ``pin_memory=True``.

    >>> import chainrule
    >>> x = chainrule.tensor(2.0, requires_grad=True)
    >>> with save_on_cpu(pin_memory=True):
    ...     y = x * x
    >>> y.backward()
    >>> x.grad
    tensor(4.)
    """

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack_to_cpu(tensor):
            if not pin_memory:
                return (tensor.device, tensor.cpu())
            return (tensor.device, tensor.detach().clone())

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message):
    """Context manager: using saved_tensors_hooks inside raises RuntimeError(error_message).

    >>> with disable_saved_tensors_hooks("no hooks here"):
    ...     with saved_tensors_hooks(lambda t: t, lambda t: t):
    ...         pass
    Traceback (most recent call last):
    RuntimeError: no hooks here
    """
    if _stack:  # PyTorch refuses to disable hooks that are in use
        raise RuntimeError(error_message)
    previous = _state.disabled_message
    _state.disabled_message = error_message
    try:
        yield
    finally:
        _state.disabled_message = previous


class Packed:
    """What a node saved, once packed: per saved value, ``None`` where it is kept
    as is (a number, None, an array no needed gradient uses) or where the
    tensor came from (``("input", position)``, ``("output", number)`` or
    ``("other", None)``) with ``values`` holding what pack_hook returned."""

    __slots__ = ("values", "sources", "unpack_hook")

    def __init__(self, values, sources, unpack_hook):
        self.values = values
        self.sources = sources
        self.unpack_hook = unpack_hook

    def unpack(self, node, as_tensors):
        """The saved values for ``node``'s rule: arrays, or with ``as_tensors``
        Tensors attached to the graph where the originals were (PyTorch's
        SavedVariable.unpack), so that the gradient can be differentiated again."""
        unpacked = []
        for value, source in zip(self.values, self.sources):
            if source is None:
                unpacked.append(value)
                continue
            tensor = self.unpack_hook(value)
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    "Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                    f"{type(tensor).__name__}"
                )
            unpacked.append(_reattach(node, source, tensor) if as_tensors else tensor._data)
        return tuple(unpacked)


def _reattach(node, source, tensor):
    """``tensor``'s values with the graph position of the tensor it replaces."""
    data = tensor._data
    kind, index = source
    if kind == "output":
        return wrap(data, True, node, index)
    edge = node.next_edges[index] if kind == "input" else None
    if edge is None:
        return wrap(data)
    if edge[1] is not None:
        return wrap(data, True, edge[0], edge[1])
    leaf = edge[0]
    return leaf if data is leaf._data else _Unpacked.apply(leaf, data)


class _Unpacked(Primitive):
    """An unpacked copy of a saved leaf under create_graph: y = data, dy/dleaf = 1,
    so a second derivative still reaches the leaf."""

    def forward(ctx, leaf, data):
        return data

    def backward(ctx, grad):
        return grad, None


def _pack_saved(node, inputs, outputs):
    """``record_hooks`` callback: pack what ``node`` saved with the innermost hooks."""
    if _state.packing:
        return
    outputs = outputs if outputs.__class__ is tuple else (outputs,)
    if isinstance(node, Primitive):
        saved = node.saved
        needed_by = node.saved_needed_by
        needs = node.needs_input_grad
        saved_from = None
    else:
        saved = node._saved
        needed_by = None
        saved_from = node._saved_from
    if not saved:
        return
    pack_hook, unpack_hook = _stack[-1]
    values, sources = [], []
    for k, value in enumerate(saved):
        # PyTorch saves x of x * y only when y requires grad: the same values are packed here
        if value.__class__ is not _ndarray or (
            needed_by is not None and not any(needs[i] for i in needed_by[k])
        ):
            values.append(value)
            sources.append(None)
            continue
        source, tensor = _origin(value, inputs, outputs, saved_from and saved_from[k])
        values.append(_call_pack(pack_hook, tensor))
        sources.append(source)
    if not any(sources):
        return
    packed = Packed(tuple(values), tuple(sources), unpack_hook)
    if isinstance(node, Primitive):
        node.saved = packed
        node._inputs = None  # the packed values replace the inputs' arrays
        node.array_rule = False  # engine.py: the general path, which unpacks
    else:
        node._saved = packed
        node._saved_from = None  # PyTorch checks no versions of hooked saved tensors


def _origin(array, inputs, outputs, saved_from):
    """The tensor a saved array belongs to, and where it is in the graph
    (``saved_from``: a user Function's record of the tensor it saved)."""
    for position, t in enumerate(inputs):
        if isinstance(t, Tensor) and t._data is array:
            return ("input", position), t
    for number, t in enumerate(outputs):
        if isinstance(t, Tensor) and t._data is array:
            return ("output", number), t
    if saved_from is not None and saved_from[0] == "input":
        return ("other", None), saved_from[1]  # a tensor forward made and saved
    return ("other", None), wrap(array)


def _call_pack(pack_hook, tensor):
    version = tensor._version_box[0]
    _state.packing = True
    try:
        packed = pack_hook(tensor)
    finally:
        _state.packing = False
    if tensor._version_box[0] != version:
        raise RuntimeError(
            "A saved tensor pack hook is modifying its input in place. Tensors provided as input to pack "
            "hook cannot be modified by in-place operations as this can lead to unexpected side-effects. "
            "Please open an issue if you need to perform in-place operations on the input to a pack hook."
        )
    return packed


class Node(abc.ABC):
    """A node of the backward graph: every ``grad_fn`` (and the AccumulateGrad
    of a leaf) is an instance, as in PyTorch.

    >>> import chainrule
    >>> a = chainrule.tensor([0.0, 0.0], requires_grad=True)
    >>> b = a.clone()
    >>> isinstance(b.grad_fn, Node), b.grad_fn.name()
    (True, 'CloneBackward0')
    """

    @abc.abstractmethod
    def name(self):
        raise NotImplementedError

    @property
    @abc.abstractmethod
    def next_functions(self):
        raise NotImplementedError


Node.register(Function)
Node.register(AccumulateGrad)


class GradientEdge(NamedTuple):
    """Where the gradient of a tensor is computed: output ``output_nr`` of ``node``.

    >>> import chainrule
    >>> x = chainrule.tensor(1.0, requires_grad=True)
    >>> edge = get_gradient_edge(x * 2)
    >>> edge.node.name(), edge.output_nr
    ('MulBackward0', 0)
    """

    node: Node
    output_nr: int
    ownership_token: Node | None = None  # PyTorch's keeps a C++ graph alive; nodes here are Python objects


def get_gradient_edge(tensor):
    """The GradientEdge of ``tensor``: its ``grad_fn``, or its AccumulateGrad if a leaf."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "It is not possible to get the gradient edge for a Tensor that does not require gradients"
        )
    if tensor.grad_fn is None:
        return GradientEdge(AccumulateGrad.of(tensor), 0)
    return GradientEdge(tensor.grad_fn, tensor._output_nr)


class _MultiHandle:
    """The handle of a multi-grad hook: ``remove()`` removes its hook from every tensor."""

    __slots__ = ("handles",)

    def __init__(self, handles):
        self.handles = handles

    def remove(self):
        for handle in self.handles:
            handle.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """Call ``fn`` once per backward that reaches any of ``tensors``.

    ``mode="all"``: ``fn(grads)`` after the gradients of all of ``tensors`` that this
    backward computes have been, with None for those it does not reach.
    ``mode="any"``: ``fn(grad)`` with the first of them computed. A tensor hook on
    each tensor counts the calls; ``engine.will_reach`` says how many to wait for.
    Returns a handle with ``remove()``.

    >>> import chainrule
    >>> a = chainrule.tensor([1.0], requires_grad=True)
    >>> b = chainrule.tensor([2.0], requires_grad=True)
    >>> handle = register_multi_grad_hook((a, b, a * b), lambda grads: print(grads))
    >>> (a * 3).sum().backward()
    [tensor([3.]), None, None]
    >>> handle.remove()
    """
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    if mode == "any":
        ran = set()  # ids of the backwards (engine walks) that have called fn

        def any_hook(grad):
            walk = _current_walk()
            key = id(walk)
            if key in ran:
                return
            ran.add(key)
            weakref.finalize(walk, ran.discard, key)
            fn(grad)

        return _MultiHandle(tuple(t.register_hook(any_hook) for t in tensors if t.requires_grad))
    for t in tensors:
        if not t.requires_grad:  # PyTorch's _get_grad_fn_or_grad_acc
            raise AssertionError("Expected gradient function to be set")
    pending = {}  # id(walk) -> [gradients so far, calls still to come]

    def all_hook(index):
        def hook(grad):
            walk = _current_walk()
            key = id(walk)
            entry = pending.get(key)
            if entry is None:
                entry = pending[key] = [[None] * len(tensors), sum(engine.will_reach(tensors))]
                weakref.finalize(walk, pending.pop, key, None)  # a backward that failed midway
            entry[0][index] = grad
            entry[1] -= 1
            if entry[1] == 0:
                del pending[key]
                fn(entry[0])

        return hook

    return _MultiHandle(tuple(t.register_hook(all_hook(i)) for i, t in enumerate(tensors)))


def _current_walk():
    walk = engine.current_walk()
    if walk is None:
        raise AssertionError("expected this hook to be called inside a backward call")
    return walk


def increment_version(tensor):
    """Tell autograd that ``tensor`` (or each tensor of an iterable) was changed in
    place behind its back, so a node that saved it refuses to use it.

    >>> import chainrule
    >>> x = chainrule.ones(2)
    >>> increment_version(x)
    >>> x._version
    1
    """
    for t in (tensor,) if isinstance(tensor, Tensor) else tensor:
        bump_version(t)
