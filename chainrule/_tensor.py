"""Tensor: a NumPy array plus what automatic differentiation needs.

A tensor holds its values in ``_data`` (an ``np.ndarray``) and, for
backward propagation, ``requires_grad``, ``grad`` (the gradient accumulated
by ``backward()``) and ``grad_fn`` (the graph node that produced it, see
autograd/function.py). Tensors that share memory (views) share one version
counter, ``_version_box``, a box bumped by every in-place op. A view made by a
view op (indexing, reshape, transpose, ...) also knows ``_base``, the tensor
that owns the memory (for a view of a view, the first one), so that an in-place
op on the view can rewrite its base's history (ops/_helpers.py: write_inplace).

This file holds storage, autograd and conversion methods. The math,
reductions, shape and indexing methods are attached by the ops modules
(ops/*.py), each next to its forward and backward.
"""

import numbers
import warnings
from copy import deepcopy

import numpy as np

from . import _dtype
from ._dtype import FROM_NUMPY, from_numpy_dtype

_new = object.__new__
_ndarray = np.ndarray

# Counts in-place changes across all tensors. A tensor's version box is
# [number of in-place changes, epoch of the last one]; a graph node saving a
# tensor remembers the epoch, so backward can tell the tensor changed since.
inplace_epoch = [0]


def bump_version(tensor):
    """Record an in-place change of ``tensor`` (and of every view sharing its memory)."""
    inplace_epoch[0] += 1
    box = tensor._version_box
    box[0] += 1
    box[1] = inplace_epoch[0]


def wrap(array, requires_grad=False, grad_fn=None, output_nr=0):
    """A Tensor around ``array`` without copying (the fast internal constructor)."""
    t = _new(Tensor)
    if array.__class__ is not _ndarray:
        array = np.asarray(array)
    t._data = array
    t._requires_grad = requires_grad
    t.grad_fn = grad_fn
    if output_nr:
        t._output_nr = output_nr
    t._version_box = [0, 0]
    return t


class Size(tuple):
    """A tensor's shape: a tuple, as ``torch.Size``.

    >>> import chainrule
    >>> chainrule.zeros(2, 3).shape
    chainrule.Size([2, 3])
    """

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self):
        return f"chainrule.Size({list(self)})"

    def __getitem__(self, key):
        result = tuple.__getitem__(self, key)
        return Size(result) if isinstance(key, slice) else result

    def __add__(self, other):  # x.shape + (1,) is a Size, as in PyTorch
        if not isinstance(other, tuple):
            return NotImplemented
        return _size_of(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return _size_of(tuple.__add__(other, self))


def _size_of(items):
    """A Size of ``items``, each an int (PyTorch's TypeError names the first that is not)."""
    for i, item in enumerate(items):
        if not isinstance(item, (int, np.integer)):
            raise TypeError(f"Size() takes an iterable of 'int' (item {i} is '{type(item).__name__}')")
    return Size(items)


class device:
    """Where a tensor lives. chainrule computes on the CPU only.

    >>> import chainrule
    >>> chainrule.device("cpu")
    device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, number = str(type).partition(":")
        if number:
            index = int(number)
        if name != "cpu":
            raise RuntimeError(
                f"chainrule runs on the CPU only; device '{type}' is not available. "
                "Use device='cpu' (chainrule.cuda.is_available() is False)."
            )
        self.type = name
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)

    def __repr__(self):
        return f"device(type='{self.type}')"

    def __str__(self):
        return self.type


CPU = device("cpu")


class layout:
    """How a tensor's elements sit in memory (``torch.layout``); chainrule has dense
    ``strided`` tensors only.

    >>> import chainrule
    >>> chainrule.zeros(2).layout
    chainrule.strided
    """

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"chainrule.{self.name}"


strided = layout("strided")


def _require_cpu(where):
    """Raise unless ``where`` names the CPU (through ``device``'s check)."""
    device(where)


# numpy function -> chainrule function, filled by the ops modules; used by
# __array_ufunc__ / __array_function__ so that backward rules written with
# NumPy calls also run on Tensors (create_graph=True). A NumPy function not
# listed raises TypeError rather than silently returning an array that would
# drop the graph. The few below only read the layout, so they are safe.
NUMPY_FUNCTIONS = {
    np.shape: lambda a: np.shape(as_array(a)),
    np.ndim: lambda a: np.ndim(as_array(a)),
    np.size: lambda a, axis=None: np.size(as_array(a), axis),
}


class _UnpopulatedGrad:
    """``tensor.grad`` before anything set it: None, with PyTorch's warning when the
    tensor is not a leaf (backward fills only leaves' .grad: a common surprise). A
    non-data descriptor, so a .grad that was set (even to None) is read directly."""

    def __get__(self, tensor, owner=None):
        if tensor is not None and tensor.grad_fn is not None and not tensor._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
                "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
                "instead.",
                UserWarning,
                stacklevel=2,
            )
        return None


class Tensor:
    """A multi-dimensional array that can record operations for backward.

    >>> import chainrule
    >>> x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("_data", "_requires_grad", "grad_fn", "_version_box", "__dict__", "__weakref__")
    __array_priority__ = 1000

    # Set on few tensors, so kept out of the slots: instances override these
    # defaults when needed (grad: leaves after backward; _output_nr: the
    # outputs after the first of a multi-output op).
    grad = _UnpopulatedGrad()
    _output_nr = 0
    _hooks = None
    _post_accumulate_hooks = None
    _retains_grad = False
    # Views (set by ops/_helpers.py: view_of): the tensor owning the memory;
    # why in-place ops on this view may not be recorded (None, NO_GRAD_VIEW or
    # MULTI_OUTPUT_VIEW); on a base, weak references to its recorded views.
    _base = None
    _view_meta = None
    _views = None

    def __init__(self, *args, device=None):
        """The legacy constructor, as ``torch.Tensor``: ``Tensor([1, 2])`` copies
        data into the default float dtype, ``Tensor(2, 3)`` or ``Tensor(size)``
        makes that shape (zeros), ``Tensor(other)`` shares ``other``'s memory.

        >>> import chainrule
        >>> chainrule.Tensor([1, 2]), chainrule.Tensor(2, 3).shape
        (tensor([1., 2.]), chainrule.Size([2, 3]))
        """
        if device is not None:
            _require_cpu(device)
        self._requires_grad = False
        self.grad_fn = None
        self._version_box = [0, 0]
        if len(args) == 1 and isinstance(args[0], Tensor):
            self._data = args[0]._data
            self._version_box = args[0]._version_box
        elif len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            self._data = np.array(args[0], dtype=_dtype.default_float())
        else:
            self._data = np.zeros(_size(args) if args else (0,), dtype=_dtype.default_float())

    # --- attributes ----------------------------------------------------------

    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def dtype(self):
        return FROM_NUMPY[self._data.dtype]

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def layout(self):
        return strided

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def is_meta(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self.grad_fn is not None:  # unlike requires_grad_(True), which lets it pass
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables (this tensor was computed "
                "by an op; use .detach() for a copy outside the graph)"
            )
        self.requires_grad_(value)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def data(self):
        """The same values, detached from the graph (shares memory)."""
        return wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has had (PyTorch's counter;
        ``_version_box`` also holds the epoch of the latest, for the graph's checks)."""
        return self._version_box[0]

    def _is_view(self):
        """True for the result of a view op: it shares ``_base``'s memory.

        >>> import chainrule
        >>> x = chainrule.zeros(2, 3)
        >>> x[0]._is_view(), x[0]._base is x, x.detach()._is_view()
        (True, True, False)
        """
        return self._base is not None

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        """The bytes of the elements (``numel() * itemsize``), as PyTorch's, whatever the strides."""
        return self._data.size * self._data.itemsize

    @property
    def is_cpu(self):
        return True

    def get_device(self):
        return -1  # PyTorch's answer for a CPU tensor

    def is_inference(self):
        return False  # chainrule has no inference mode

    def is_same_size(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(
                f"is_same_size(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}"
            )
        return self._data.shape == other._data.shape

    def storage_offset(self):
        """Where this tensor's first element lies in its memory, in elements: from the
        start of its base's for a view, 0 for a tensor owning its memory.

        >>> import chainrule
        >>> x = chainrule.zeros(3, 4)
        >>> x.storage_offset(), x[1:, 2:].storage_offset(), x.t()[1].storage_offset()
        (0, 6, 1)
        """
        if self._base is None:
            return 0
        start = self._data.__array_interface__["data"][0] - self._base._data.__array_interface__["data"][0]
        return start // self._data.itemsize

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[self._wrap_dim(dim)]

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def _wrap_dim(self, dim):
        ndim = max(self._data.ndim, 1)
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
            )
        return dim % ndim

    # --- conversion to Python and NumPy -----------------------------------------

    def item(self):
        """The value of a one-element tensor as a Python number.

        >>> import chainrule
        >>> chainrule.tensor([2.5]).item()
        2.5
        """
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        """The values as (nested) Python lists of Python numbers.

        >>> import chainrule
        >>> chainrule.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return self._data.tolist()

    def numpy(self, force=False):
        """The values as an ndarray that shares memory with this tensor.

        A tensor that requires grad must be detached first (``force=True``
        does that for you).

        >>> import chainrule
        >>> x = chainrule.zeros(2)
        >>> x.numpy()[0] = 5.0
        >>> x
        tensor([5., 0.])
        """
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, element):
        """``element in tensor``: whether any entry equals ``element`` (PyTorch's rule)."""
        if not isinstance(element, (Tensor, numbers.Number)):
            raise RuntimeError(
                f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}."
            )
        return bool((self == element).any())

    def __bool__(self):
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(
                f"Boolean value of Tensor with {amount} is ambiguous "
                f"(shape {tuple(self._data.shape)}); use .any() or .all()"
            )
        return bool(self._data)

    def __float__(self):
        return float(self._python_scalar())

    def __int__(self):
        return int(self._python_scalar())

    def _python_scalar(self):
        if self._data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars "
                f"(this tensor has shape {tuple(self._data.shape)})"
            )
        return self._data.item()

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __hash__(self):
        return id(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __repr__(self):
        from ._printing import tensor_repr

        return tensor_repr(self)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment. If you were attempting to deepcopy a module, "
                "this may be because of a torch.nn.utils.weight_norm usage."
            )
        if id(self) in memo:
            return memo[id(self)]
        copy = _new(type(self))
        memo[id(self)] = copy
        copy._data = self._data.copy()
        copy._requires_grad = self._requires_grad
        copy.grad_fn = None
        copy._version_box = [0, 0]
        for name, value in self.__dict__.items():  # user attributes, as PyTorch's deepcopy
            if name not in _AUTOGRAD_STATE:
                setattr(copy, name, deepcopy(value, memo))
        if self.grad is not None:
            copy.grad = wrap(self.grad._data.copy())
        return copy

    def __copy__(self):
        """``copy.copy``: a new leaf sharing this tensor's memory, as PyTorch's."""
        copy = _new(type(self))
        copy._data = self._data
        copy._requires_grad = self._requires_grad
        copy.grad_fn = None
        copy._version_box = self._version_box
        return copy

    def __reduce_ex__(self, protocol):
        raise TypeError(
            "chainrule tensors are not pickled: use chainrule.save(obj, path), which writes "
            "safetensors + JSON and can never run code when loaded"
        )

    # --- autograd ------------------------------------------------------------------

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Run backward propagation from this tensor (the chain rule, output to leaves).

        Gradients are added to ``.grad`` of every leaf that requires grad (of
        the tensors in ``inputs`` only, when given). ``gradient`` is
        dL/d(self); it may be omitted only for a scalar. The graph's saved
        values are freed unless ``retain_graph``; ``create_graph`` records
        the backward pass too, so the gradients can be differentiated again.

        >>> import chainrule
        >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).backward(chainrule.tensor([1.0, 10.0]))
        >>> x.grad
        tensor([ 2., 40.])
        """
        engine = _engine or _load_engine()
        if gradient is None and inputs is None and not create_graph:
            engine.backward_scalar(self, retain_graph)
        else:
            engine.backward(
                (self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs
            )

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may
        return a replacement gradient. Returns a handle with ``remove()``.

        >>> import chainrule
        >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda grad: grad * 10)
        >>> (x * 3).sum().backward()
        >>> x.grad
        tensor([30., 30.])
        >>> handle.remove()
        """
        from .autograd.function import RemovableHandle

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.add_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` on this leaf once per backward, after its ``.grad`` has
        been accumulated (an optimizer can step there and free the gradient). Returns
        a handle with ``remove()``.

        >>> import chainrule
        >>> w = chainrule.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = w.register_post_accumulate_grad_hook(lambda t: print(t.grad))
        >>> (w * 3).sum().backward()
        tensor([3., 3.])
        """
        from .autograd.function import RemovableHandle

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        if self._hooks is None:
            self._hooks = []  # not None: the engine sends this leaf's gradients the hooked way
        self._post_accumulate_hooks.append(hook)
        return RemovableHandle(self._post_accumulate_hooks, hook)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it).

        >>> import chainrule
        >>> y = chainrule.tensor([1.0, 2.0], requires_grad=True) * 2
        >>> y.retain_grad()
        >>> (y * y).sum().backward()
        >>> y.grad
        tensor([4., 8.])
        """
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self.grad_fn.retain_output_grad(self)
        self._retains_grad = True

    def _follow_history(self, previous_node):
        """An in-place op gave this tensor a new grad_fn: ``retain_grad`` now keeps
        the gradient of the new value, not of the one overwritten (PyTorch's rule)."""
        if previous_node is not None:
            previous_node.forget_output_grad(self)
        self.grad_fn.retain_output_grad(self)

    def requires_grad_(self, requires_grad=True):
        """Start (or stop) recording operations on this leaf; returns the tensor.

        >>> import chainrule
        >>> chainrule.zeros(2).requires_grad_().requires_grad
        True
        """
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients "
                f"(this tensor is {self.dtype}; convert it with .float() first)"
            )
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """The same values (shared memory) as a new leaf outside the graph.

        >>> import chainrule
        >>> y = chainrule.tensor([1.0], requires_grad=True) * 2
        >>> y.detach().requires_grad, y.detach().is_leaf
        (False, True)
        """
        t = wrap(self._data)
        t._version_box = self._version_box
        return t

    def detach_(self):
        """Detach this tensor from the graph in place: it becomes a leaf.

        >>> import chainrule
        >>> y = chainrule.tensor([1.0], requires_grad=True) * 2
        >>> y.detach_().is_leaf
        True
        """
        if self._base is not None:
            # PyTorch refuses views here; chainrule's create_graph gradients can be
            # views (where PyTorch's are copies), and optimizers detach_ them. A
            # detached view keeps the memory but no longer writes through to its base.
            for name in ("_base", "_view_meta"):
                self.__dict__.pop(name, None)
        self.grad_fn = None
        self._requires_grad = False
        self.__dict__.pop("_output_nr", None)
        return self

    # --- dtype and device ---------------------------------------------------------

    def to(self, *args, **kwargs):
        """Convert dtype (differentiably); ``device`` may only be the CPU.

        Accepts ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``
        and the keywords ``dtype``, ``device``, ``copy``, ``non_blocking``.
        Returns the tensor itself when nothing changes (unless ``copy``).
        ``float() double() half() long() int() short() byte() bool()`` and
        ``type_as(other)`` are shorthands for ``to(dtype)``.

        >>> import chainrule
        >>> x = chainrule.tensor([1.5, -2.5])
        >>> x.to(chainrule.int64), x.double().dtype, x.to("cpu") is x
        (tensor([ 1, -2]), chainrule.float64, True)
        """
        target = kwargs.get("dtype")
        copy = kwargs.get("copy", False)
        if "device" in kwargs and kwargs["device"] is not None:
            device(kwargs["device"])
        for a in args:
            if isinstance(a, _dtype.dtype):
                target = a
            elif isinstance(a, Tensor):
                target = a.dtype
            elif a is not None:
                device(a)
        if target is None or target.numpy == self._data.dtype:
            return self.clone() if copy else self
        return self._cast(target.numpy)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        device("cuda")

    def type(self, dtype=None):
        """PyTorch's legacy type name ('chainrule.FloatTensor', 'chainrule.LongTensor', ...),
        or a copy converted to ``dtype`` (a dtype, such a name with either prefix, or a legacy
        type such as ``chainrule.FloatTensor``)."""
        if dtype is None:
            return f"chainrule.{_dtype.scalar_type_name(self._data.dtype)}Tensor"
        if isinstance(dtype, str):
            dtype = _dtype.from_type_name(dtype)
        elif isinstance(dtype, type) and hasattr(dtype, "numpy_dtype"):  # FloatTensor and friends
            dtype = dtype.dtype
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def short(self):
        return self.to(_dtype.int16)

    def byte(self):
        return self.to(_dtype.uint8)

    def bool(self):
        return self.to(_dtype.bool)

    # --- new tensors like this one --------------------------------------------------

    def _new_dtype(self, dtype):
        return self._data.dtype if dtype is None else _dtype.to_numpy_dtype(dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        array = np.array(data._data if isinstance(data, Tensor) else data, dtype=self._new_dtype(dtype))
        return wrap(array).requires_grad_(requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return wrap(np.zeros(_size(size), self._new_dtype(dtype))).requires_grad_(requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return wrap(np.ones(_size(size), self._new_dtype(dtype))).requires_grad_(requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return wrap(np.empty(_size(size), self._new_dtype(dtype))).requires_grad_(requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        array = np.full(_size((size,)), fill_value, self._new_dtype(dtype))
        return wrap(array).requires_grad_(requires_grad)

    def new_empty_strided(self, size, stride, dtype=None, device=None, requires_grad=False):
        """A new tensor with these sizes and element strides (zeros, where PyTorch's
        values are uninitialised), on this tensor's dtype unless ``dtype``.

        >>> import chainrule
        >>> chainrule.zeros(1).new_empty_strided((2, 3), (1, 2)).stride()
        (1, 2)
        """
        size, stride = tuple(size), tuple(stride)
        if len(size) != len(stride):
            raise RuntimeError(
                f"dimensionality of sizes ({len(size)}) must match dimensionality of strides ({len(stride)})"
            )
        extent = 1 + sum((n - 1) * step for n, step in zip(size, stride)) if all(size) else 0
        memory = np.zeros(extent, self._new_dtype(dtype))
        array = np.lib.stride_tricks.as_strided(memory, size, [step * memory.itemsize for step in stride])
        return wrap(array).requires_grad_(requires_grad)

    def new(self, *args, device=None):
        """The legacy constructor on this tensor's dtype: ``x.new(2, 3)`` (zeros, where
        PyTorch's are uninitialised), ``x.new([1, 2])`` (a copy of the data),
        ``x.new(other)`` (``other`` itself, which must have x's dtype), ``x.new()`` (empty).

        >>> import chainrule
        >>> chainrule.tensor([1, 2]).new([3.7, 4.2]), chainrule.zeros(1).new(2, 3).shape
        (tensor([3, 4]), chainrule.Size([2, 3]))
        """
        if device is not None:
            _require_cpu(device)
        dtype = self._data.dtype
        if len(args) == 1 and isinstance(args[0], Tensor):
            other = args[0]
            if other._data.dtype != dtype:
                raise TypeError(f"expected {self.dtype} (got {other.dtype}): convert it with .to(x.dtype)")
            return Tensor(other)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            if np.ndim(args[0]) == 0:
                raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
            return wrap(np.array(args[0]).astype(dtype))
        return wrap(np.zeros(_size(args) if args else (0,), dtype))

    # --- Python callables over elements (PyTorch's CPU-only apply_ and map_) -------

    def apply_(self, callable):
        """Replace each element x by ``callable(x)`` (a Python number), in place: a
        Python loop, for small tensors; not for tensors that require grad.

        >>> import chainrule
        >>> chainrule.tensor([1.0, 2.0]).apply_(lambda x: x * 10)
        tensor([10., 20.])
        """
        if self._requires_grad:
            raise RuntimeError(
                "Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead."
            )
        data = self._data
        for index in np.ndindex(data.shape):
            data[index] = _real_number(callable(data[index].item()))
        bump_version(self)
        return self

    def map_(self, tensor, callable):
        """Replace each element x by ``callable(x, y)``, y the matching element of
        ``tensor`` (broadcast to this shape), in place; not for tensors that require grad.

        >>> import chainrule
        >>> chainrule.tensor([1.0, 2.0]).map_(chainrule.tensor([3.0, 4.0]), lambda x, y: x * y)
        tensor([3., 8.])
        """
        return self._map_elements("map_", {"other": tensor}, callable)

    def map2_(self, x, y, callable):
        """Replace each element a by ``callable(a, b, c)``, b and c the matching elements of
        ``x`` and ``y`` (broadcast to this shape), in place; not for tensors that require grad.

        >>> import chainrule
        >>> a = chainrule.tensor([1.0, 2.0])
        >>> a.map2_(chainrule.tensor([3.0, 4.0]), chainrule.tensor(10.0), lambda a, b, c: a + b * c)
        tensor([31., 42.])
        """
        return self._map_elements("map2_", {"x": x, "y": y}, callable)

    def _map_elements(self, op_name, tensors, callable):
        for position, (name, tensor) in enumerate(tensors.items(), 1):
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    f"{op_name}(): argument '{name}' (position {position}) must be Tensor, "
                    f"not {type(tensor).__name__}"
                )
        if self._requires_grad or any(tensor._requires_grad for tensor in tensors.values()):
            raise RuntimeError(
                f"Can't call {op_name}() on Variable that requires grad. "
                f"Use var.detach().{op_name}() instead."
            )
        data = self._data
        others = []
        for name, tensor in tensors.items():
            if tensor._data.dtype != data.dtype:
                raise TypeError(f"{op_name}: expected {self.type()} for '{name}' (got {tensor.type()})")
            try:
                others.append(np.broadcast_to(tensor._data, data.shape))
            except ValueError:
                raise RuntimeError(
                    f"{op_name}: the shape {list(tensor.shape)} of '{name}' can't broadcast to "
                    f"{list(self.shape)}"
                ) from None
        for index in np.ndindex(data.shape):
            values = (other[index].item() for other in others)
            data[index] = _real_number(callable(data[index].item(), *values))
        bump_version(self)
        return self

    # --- NumPy interoperability -------------------------------------------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        fn = NUMPY_FUNCTIONS.get(ufunc) if method == "__call__" and not kwargs else None
        if fn is None:
            return NotImplemented
        return fn(*inputs)

    def __array_function__(self, func, types, args, kwargs):
        fn = NUMPY_FUNCTIONS.get(func)
        if fn is None:
            return NotImplemented
        return fn(*args, **kwargs)


# Per-tensor autograd bookkeeping kept in __dict__ (see the class attributes
# of Tensor): a deep copy is a fresh leaf and starts without it.
_AUTOGRAD_STATE = frozenset(
    {
        "grad",
        "_output_nr",
        "_hooks",
        "_post_accumulate_hooks",
        "_retains_grad",
        "_accumulator",
        "_base",
        "_view_meta",
        "_views",
    }
)


def _real_number(value):
    """apply_ and map_ store only numbers, as PyTorch (numpy would parse a string)."""
    if not isinstance(value, (int, float, np.number)):
        raise TypeError(f"must be real number, not {type(value).__name__}")
    return value


def _size(size):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` like PyTorch."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = size[0]
    if isinstance(size, Tensor):
        size = size.tolist()
    return tuple(int(s) for s in size)


def as_array(value, dtype=None):
    """The ndarray inside a Tensor, or a new array for anything else."""
    if isinstance(value, Tensor):
        return value._data
    return np.asarray(value, dtype=dtype)


def dtype_of(array):
    return from_numpy_dtype(array.dtype)


_engine = None  # autograd.engine, bound on first use (it imports this module)


def _load_engine():
    global _engine
    from .autograd import engine

    _engine = engine
    return engine
