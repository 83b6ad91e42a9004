"""Parameter: a Tensor that a Module registers as a learnable weight; Buffer: a Tensor
that a Module registers as state; UninitializedParameter and UninitializedBuffer: the
shapeless ones that lazy layers hold until their first forward."""

import sys

import numpy as np

from .. import _creation
from .._tensor import Size, Tensor, _require_cpu, dtype_of


class Parameter(Tensor):
    """A tensor that requires grad by default and that ``Module`` collects in
    ``parameters()``. It shares memory with the tensor it is made from.

    >>> import chainrule
    >>> w = chainrule.nn.Parameter(chainrule.zeros(2))
    >>> w.requires_grad, isinstance(w, chainrule.Tensor)
    (True, True)
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor(0)
        if isinstance(data, Tensor):
            self._data = data._data
            self._version_box = data._version_box
        else:
            self._data = np.asarray(data)
            self._version_box = [0, 0]
        self._requires_grad = False
        self.grad_fn = None
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class _BufferMeta(type):
    # A Buffer is a plain Tensor carrying the ``_is_buffer`` flag, so isinstance reads the flag.
    def __instancecheck__(cls, instance):
        if cls is Buffer and isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """A tensor that ``Module`` registers as a buffer when it is assigned as an
    attribute, as ``register_buffer(name, data, persistent)`` does. As in PyTorch,
    ``Buffer(data)`` returns a plain Tensor (``data`` detached, sharing its memory)
    flagged as a buffer; ``persistent=False`` keeps it out of ``state_dict``.

    >>> import chainrule
    >>> m = chainrule.nn.Module()
    >>> m.count = chainrule.nn.Buffer(chainrule.zeros(1))
    >>> m.scratch = chainrule.nn.Buffer(chainrule.zeros(1), persistent=False)
    >>> [name for name, _ in m.named_buffers()], list(m.state_dict())
    (['count', 'scratch'], ['count'])
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _creation.empty(0)
        tensor = data.detach().requires_grad_(data.requires_grad)
        tensor.persistent = persistent
        tensor._is_buffer = True
        return tensor


def empty_parameter(*shape, dtype=None):
    """A Parameter of ``shape``, uninitialised: the layers' ``reset_parameters`` fill it in."""
    return Parameter(_creation.empty(*shape, dtype=dtype))


# The slot that holds a tensor's array. An uninitialised tensor keeps an empty array
# of the dtype to come there, read only through this descriptor.
_DATA = Tensor.__dict__["_data"]


class UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share: no values and
    no shape yet. Every op reads a tensor's values through ``_data``, so making
    that raise refuses every use; ``materialize`` gives the tensor its shape and
    turns it, in place, into ``cls_to_become``."""

    __slots__ = ()
    cls_to_become = None

    def _refuse(self, function):
        return ValueError(
            f"Attempted to use an uninitialized parameter in {function}. "
            "This error happens when you are using a `LazyModule` or explicitly manipulating "
            f"`chainrule.nn.parameter.{type(self).__name__}` objects. When using LazyModules Call "
            "`forward` with a dummy batch to initialize the parameters before calling chainrule functions"
        )

    @property
    def _data(self):
        # PyTorch names the function that was refused: the caller here
        raise self._refuse(sys._getframe(1).f_code.co_qualname)

    @_data.setter
    def _data(self, value):
        _DATA.__set__(self, value)

    @property
    def _placeholder(self):
        """The empty array whose dtype the materialised tensor takes (``Module.to`` converts it)."""
        return _DATA.__get__(self)

    @_placeholder.setter
    def _placeholder(self, array):
        _DATA.__set__(self, array)

    def materialize(self, shape, device=None, dtype=None):
        """Give the tensor ``shape`` (zeros; the layer's ``reset_parameters`` fills it in)
        and make it a plain ``cls_to_become``: the same object, so optimizers holding it
        keep working.

        >>> import chainrule
        >>> p = chainrule.nn.UninitializedParameter()
        >>> p.materialize((2, 3))
        >>> type(p).__name__, p.shape
        ('Parameter', chainrule.Size([2, 3]))
        """
        if device is not None:
            _require_cpu(device)
        np_dtype = self._placeholder.dtype if dtype is None else _creation.empty(0, dtype=dtype)._data.dtype
        _DATA.__set__(self, np.zeros(shape, np_dtype))
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. "
            "This error usually happens in `load_state_dict` when trying to load "
            "an uninitialized parameter into an initialized one. "
            "Call `forward` to initialize the parameters before accessing their attributes."
        )

    @property
    def dtype(self):
        return dtype_of(self._placeholder)

    def size(self, dim=None):
        return Size((0,)) if dim is None else Size((0,))[dim]

    def is_floating_point(self):
        return self._placeholder.dtype.kind == "f"

    # these two check requires_grad before they read any values
    def numpy(self, force=False):
        raise self._refuse("Tensor.numpy")

    def requires_grad_(self, requires_grad=True):
        raise self._refuse("Tensor.requires_grad_")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, dtype=self.dtype)
        return memo[id(self)]


def is_lazy(param):
    """Whether ``param`` is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet: what lazy layers hold until their
    first forward. Only its dtype, ``requires_grad`` and ``materialize`` may be used;
    anything else raises.

    >>> import chainrule
    >>> p = chainrule.nn.UninitializedParameter()
    >>> p, p.requires_grad, p.dtype
    (<UninitializedParameter>, True, chainrule.float32)
    """

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        self._placeholder = _creation.empty(0, dtype=dtype, device=device)._data
        self._requires_grad = requires_grad
        self.grad_fn = None
        self._version_box = [0, 0]


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (lazy batch norm's running statistics);
    it becomes a plain Tensor when materialised.

    >>> import chainrule
    >>> chainrule.nn.UninitializedBuffer()
    <UninitializedBuffer>
    """

    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        self._placeholder = _creation.empty(0, dtype=dtype, device=device)._data
        self._requires_grad = requires_grad
        self.grad_fn = None
        self._version_box = [0, 0]
        self.persistent = persistent
