"""Containers: Sequential, ModuleList and ModuleDict hold submodules, and
ParameterList and ParameterDict parameters, under PyTorch's names ("0", "1",
... or the given keys), so they appear in ``state_dict`` as "0.weight",
"encoder.bias", "0", "scale", ..."""

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..._tensor import Tensor
from ...autograd import function
from ..parameter import Parameter
from .activation import ReLU
from .module import Module, _addindent
from .pooling import MaxPool2d

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(index, length, kind):
    """A non-negative position for ``index`` in a container of ``length`` (PyTorch's IndexError)."""
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range ({kind} of length {length})")
    return index % length


class _Indexed(Module):
    """What Sequential and ModuleList share: modules at positions "0", "1", ..."""

    def _set_modules(self, modules):
        """Re-register ``modules`` under consecutive names, dropping the old entries."""
        for name in list(self._modules):
            self._forget(name)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __setitem__(self, index, module):
        key = list(self._modules)[_index(index, len(self), type(self).__name__)]
        setattr(self, key, module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_index(index, len(modules), type(self).__name__)]
        self._set_modules(modules)  # renumbered, as PyTorch does

    def append(self, module):
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Add each of ``modules`` at the end."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index``."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._set_modules(modules)

    def pop(self, index=-1):
        """Remove and return the module at ``index``."""
        module = self[index]
        del self[index]
        return module


def _hooked(module):
    return module._forward_pre_hooks or module._forward_hooks or module._backward_hooks


def _pool_first(relu, pool):
    """Whether the ReLU ``relu`` followed by ``pool`` may run as the pool, then the ReLU.

    A max is taken by the same element before or after ReLU (which keeps the order
    of values and only flattens the negative ones to 0), so both ways give the same
    values and, through that element, the same gradients; pooling first runs the
    ReLU and its backward on an array as many times smaller as a window has values
    (4 for 2x2: the Fashion-MNIST CNN's step 0.93-0.97x, A/B in one process).
    Not when either module has hooks, the ReLU is in place (it would then not
    change its input), or while ``chainrule.explain`` or anomaly mode records the
    graph: they show the ops as the model wrote them.
    """
    return (
        pool.__class__ is MaxPool2d
        and not relu.inplace
        and not pool.return_indices
        and not function.record_hooks
        and not _hooked(relu)
        and not _hooked(pool)
    )


class Sequential(_Indexed):
    """Modules run one after another, each on the previous one's output.

    Built from modules (named "0", "1", ...) or from an OrderedDict of named ones.
    A ReLU directly followed by a MaxPool2d runs after it instead (``_pool_first``):
    the same numbers, less work.

    >>> import chainrule
    >>> import chainrule.nn as nn
    >>> model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    >>> model(chainrule.zeros(3, 2)).shape
    chainrule.Size([3, 1])
    >>> model[0]
    Linear(in_features=2, out_features=4, bias=True)
    >>> len(model), type(model[1:]).__name__
    (3, 'Sequential')
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def insert(self, index, module):
        """Put ``module`` before position ``index``, which must lie in [-len, len] (PyTorch's
        Sequential; a ModuleList, like a list, clamps it)."""
        if not -len(self) <= index <= len(self):
            raise IndexError(f"Index out of range: {index}")
        super().insert(index, module)

    def forward(self, input):
        relu = None  # a ReLU held back until the next module says whether it pools
        for module in self._modules.values():
            if relu is not None:
                if _pool_first(relu, module):
                    input = relu(module(input))
                    relu = None
                    continue
                input = relu(input)
                relu = None
            if module.__class__ is ReLU:
                relu = module
                continue
            input = module(input)
        return input if relu is None else relu(input)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_index(index, len(self), "Sequential")]

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(
                f"add operator supports only objects of Sequential class, but {type(other)} is given."
            )
        return Sequential(*self, *other)


class ModuleList(_Indexed):
    """A list of modules, registered so their parameters belong to the parent.

    >>> import chainrule.nn as nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    >>> layers
    ModuleList(
      (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
    )
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return list(self._modules.values())[_index(index, len(self), "ModuleList")]

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def __repr__(self):
        # Runs of identical consecutive modules print once, as "(0-2): 3 x Linear(...)".
        lines = []
        reprs = [repr(module) for module in self]
        start = 0
        while start < len(reprs):
            end = start
            while end + 1 < len(reprs) and reprs[end + 1] == reprs[start]:
                end += 1
            text = _addindent(reprs[start], 2)
            if end == start:
                lines.append(f"({start}): {text}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {text}")
            start = end + 1
        if not lines:
            return self._get_name() + "()"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules by name, registered so their parameters belong to the parent.

    >>> import chainrule.nn as nn
    >>> heads = nn.ModuleDict({"value": nn.Linear(4, 1), "policy": nn.Linear(4, 3)})
    >>> list(heads.keys()), heads["policy"].out_features
    (['value', 'policy'], 3)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        self._forget(key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        for key in list(self._modules):
            self._forget(key)

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        """Add the modules of a mapping or of an iterable of (name, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module


def _as_parameter(value):
    """A plain tensor becomes a Parameter (sharing its memory), as PyTorch's parameter containers do."""
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value, Parameter) else value


def _entry_lines(entries, type_name):
    """PyTorch's printout of a parameter container: one line per entry, a tensor's
    type as ``type_name(tensor)`` (its dtype in a list, its legacy type name in a dict)."""
    lines = []
    for key, value in entries:
        if isinstance(value, Tensor):
            kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
            size = "x".join(str(n) for n in value.shape)
            lines.append(f"  ({key}): {kind} containing: [{type_name(value)} of size {size}]")
        else:
            lines.append(f"  ({key}): Object of type: {type(value).__name__}")
    return "\n".join(lines)


class ParameterList(Module):
    """A list of parameters, registered under "0", "1", ... so they belong to the
    parent; plain tensors put in become Parameters.

    >>> import chainrule
    >>> import chainrule.nn as nn
    >>> params = nn.ParameterList([chainrule.zeros(2, 3)])
    >>> params.append(nn.Parameter(chainrule.ones(4)))
    ParameterList(
        (0): Parameter containing: [chainrule.float32 of size 2x3]
        (1): Parameter containing: [chainrule.float32 of size 4]
    )
    >>> [name for name, _ in params.named_parameters()]
    ['0', '1']
    """

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _key(self, index):
        return str(_index(index, len(self), "ParameterList"))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)([self[i] for i in range(*index.indices(len(self)))])
        return getattr(self, self._key(index))

    def __setitem__(self, index, value):
        setattr(self, self._key(index), _as_parameter(value))

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values):
        return self.extend(values)

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value):
        """Add ``value`` at the end."""
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values):
        """Add each of ``values`` at the end (a tensor is one value, not a sequence of them)."""
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}"
            )
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return _entry_lines(enumerate(self), lambda tensor: tensor.dtype)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """A dict of parameters by name, registered so they belong to the parent;
    plain tensors put in become Parameters.

    >>> import chainrule
    >>> import chainrule.nn as nn
    >>> params = nn.ParameterDict({"scale": chainrule.ones(3)})
    >>> params["shift"] = nn.Parameter(chainrule.zeros(3))
    >>> list(params.keys()), list(params.state_dict())
    (['scale', 'shift'], ['scale', 'shift'])
    """

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _check_key(key):
        if not isinstance(key, str):
            raise TypeError(
                "Index given to ParameterDict cannot be used as a key as it is not a string "
                f"(type is '{type(key).__name__}'). Open an issue on github if you need non-string keys."
            )
        return key

    def __getitem__(self, key):
        return getattr(self, self._check_key(key))

    def __setitem__(self, key, value):
        self._keys[key] = None
        setattr(self, self._check_key(key), _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, self._check_key(key))

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def copy(self):
        return ParameterDict(OrderedDict((key, self[key]) for key in self._keys))

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def fromkeys(self, keys, default=None):
        return ParameterDict((key, default) for key in keys)

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((key, self[key]) for key in self._keys)

    def values(self):
        return (self[key] for key in self._keys)

    def update(self, parameters):
        """Add the entries of a mapping (a plain dict's in sorted key order, as PyTorch)
        or of an iterable of (key, value) pairs."""
        if not isinstance(parameters, Iterable):
            raise TypeError(
                "ParametersDict.update should be called with an iterable of key/value pairs, but got "
                + type(parameters).__name__
            )
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            for key, value in parameters.items():
                self[key] = value
            return
        if isinstance(parameters, Mapping):
            for key, value in sorted(parameters.items()):
                self[key] = value
            return
        for j, pair in enumerate(parameters):  # pairs, each added before the next is checked
            if not isinstance(pair, Iterable):
                raise TypeError(
                    f"ParameterDict update sequence element #{j} should be Iterable; is{type(pair).__name__}"
                )
            if len(pair) != 2:
                raise ValueError(
                    f"ParameterDict update sequence element #{j} has length {len(pair)}; 2 is required"
                )
            self[pair[0]] = pair[1]

    def extra_repr(self):
        return _entry_lines(self.items(), lambda tensor: tensor.type())

    def __call__(self, input):
        raise RuntimeError("ParameterDict should not be called.")

    def __or__(self, other):
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):
        merged = other.copy()
        merged.update(self)
        return merged

    def __ior__(self, other):
        self.update(other)
        return self
