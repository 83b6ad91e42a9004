"""Module: the base class of every layer and model, as ``torch.nn.Module``.

Assigning a ``Parameter``, a ``Module`` or a registered buffer to an
attribute registers it (``__setattr__``) in ``_parameters``, ``_modules``
or ``_buffers``, so ``parameters()``, ``state_dict()`` and ``to()`` can walk
the model by PyTorch's dotted names ("fc1.weight", "layers.0.bias").
Registered entries are also mirrored in the instance ``__dict__``, so
reading ``self.weight`` in ``forward`` is a plain attribute lookup rather
than a call to ``__getattr__`` (every layer reads its weights on every
step; the fallback costs about 0.4 us a read). Register through
``__setattr__``/``register_*``/``del``, which keep both in step; an entry
written straight into ``_parameters`` is still found by ``__getattr__``.
"""

import itertools
from collections import OrderedDict, namedtuple

import numpy as np

from ..._compile import compile as _compile
from ..._dtype import dtype as _dtype_class
from ..._tensor import Tensor, _require_cpu, bump_version, device, wrap
from ..._tensor import device as _device
from ...autograd.function import Function, RemovableHandle
from ...autograd.grad_mode import no_grad
from ..parameter import Buffer, Parameter, is_lazy

__all__ = ["Module"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not match."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class _KeyedHookHandle(RemovableHandle):
    """The handle of a hook kept by id in an OrderedDict, PyTorch's layout for
    ``_forward_pre_hooks``, which code such as ``nn.utils.prune`` reads and edits by key."""

    __slots__ = ("_extra",)
    _ids = itertools.count()

    def __init__(self, hooks, extra=None):
        super().__init__(hooks, next(self._ids))
        self._extra = extra

    @property
    def id(self):
        return self._hook

    def remove(self):
        self._hooks.pop(self._hook, None)
        if self._extra is not None:
            self._extra.pop(self._hook, None)


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _typename(value):
    if isinstance(value, Tensor):
        return value.type()
    return type(value).__name__


def _array_from(value):
    """The values of a state_dict entry as an ndarray: a chainrule Tensor, a NumPy
    array, or a PyTorch tensor (read through its ``numpy()``); None otherwise."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return None


class _BackwardHook(Function):
    """An identity on tensors whose backward hands the gradients that pass to
    ``on_gradients`` (which may replace them): how ``register_full_backward_hook``
    sees a module's grad_output (after forward) and grad_input (before it)."""

    @staticmethod
    def forward(ctx, on_gradients, *tensors):
        ctx.on_gradients = on_gradients
        return tensors if len(tensors) > 1 else tensors[0]

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_gradients(grads))


def _through_hook(on_gradients, values):
    """``values`` with the tensors among them that require grad passed through one
    _BackwardHook node; also returns their positions."""
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if positions:
        wrapped = _BackwardHook.apply(on_gradients, *(values[i] for i in positions))
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        values = list(values)
        for i, t in zip(positions, wrapped):
            values[i] = t
    return tuple(values), positions


class _FullBackwardHooks:
    """One forward call's state for a module's full backward hooks: the
    gradients with respect to its outputs arrive first, then those with respect
    to its positional tensor inputs, and the hooks run with both."""

    def __init__(self, module, hooks):
        self.module = module
        self.hooks = hooks
        self.grad_output = None
        self.input_slots = []
        self.output_slots = (0, [])
        self.constant_inputs = {}
        self.n_args = 0

    def wrap_inputs(self, args):
        self.n_args = len(args)
        # tensor inputs without grad get zeros in grad_input, as in PyTorch
        self.constant_inputs = {
            i: (a._data.shape, a._data.dtype)
            for i, a in enumerate(args)
            if isinstance(a, Tensor) and not a.requires_grad
        }
        args, self.input_slots = _through_hook(self.on_grad_input, args)
        return args

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        if not single and not isinstance(output, tuple):
            return output
        outputs, positions = _through_hook(self.on_grad_output, (output,) if single else output)
        self.output_slots = (len(outputs), positions)
        return outputs[0] if single else outputs

    def on_grad_output(self, grads):
        count, positions = self.output_slots
        grad_output = [None] * count  # None for outputs that are not tensors requiring grad
        for i, g in zip(positions, grads):
            grad_output[i] = g
        self.grad_output = tuple(grad_output)
        if not self.input_slots:  # no input needs a gradient: PyTorch calls the hooks now
            self.run_hooks((None,) * self.n_args)
        return grads

    def on_grad_input(self, grads):
        grad_input = [None] * self.n_args
        for i, (shape, dtype) in self.constant_inputs.items():
            grad_input[i] = wrap(np.zeros(shape, dtype))
        for i, g in zip(self.input_slots, grads):
            grad_input[i] = g
        grad_input = self.run_hooks(tuple(grad_input))
        return tuple(grad_input[i] for i in self.input_slots)

    def run_hooks(self, grad_input):
        for hook in list(self.hooks):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = (result,) if isinstance(result, Tensor) else tuple(result)
                if len(result) != len(grad_input):
                    raise RuntimeError(
                        f"Backward hook of {type(self.module).__name__} returned {len(result)} gradients "
                        f"but the module has {len(grad_input)} positional inputs"
                    )
                grad_input = result
        return grad_input


class Module:
    """Base class for all layers and models. Subclass it, assign layers and
    Parameters in ``__init__`` and write ``forward``; call the module to run it.

    >>> import chainrule
    >>> import chainrule.nn as nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(2, 3)
    ...         self.fc2 = nn.Linear(3, 1)
    ...     def forward(self, x):
    ...         return self.fc2(chainrule.relu(self.fc1(x)))
    >>> net = Net()
    >>> [name for name, _ in net.named_parameters()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    >>> net(chainrule.zeros(4, 2)).shape
    chainrule.Size([4, 1])
    """

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}: "
                "Module.__init__ takes none (call super().__init__() without arguments)"
            )
        set_attribute = object.__setattr__
        set_attribute(self, "training", True)
        set_attribute(self, "_parameters", {})
        set_attribute(self, "_buffers", {})
        set_attribute(self, "_non_persistent_buffers_set", set())
        set_attribute(self, "_modules", {})
        set_attribute(self, "_forward_pre_hooks", OrderedDict())
        set_attribute(self, "_forward_pre_hooks_with_kwargs", {})
        set_attribute(self, "_forward_hooks", [])
        set_attribute(self, "_backward_hooks", [])
        set_attribute(self, "_state_dict_pre_hooks", OrderedDict())
        set_attribute(self, "_state_dict_hooks", OrderedDict())
        set_attribute(self, "_load_state_dict_pre_hooks", OrderedDict())
        set_attribute(self, "_load_state_dict_post_hooks", OrderedDict())

    # --- running ---------------------------------------------------------------

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args, kwargs):
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                            f"but got {result}."
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward_hooks = None
        if self._backward_hooks:
            backward_hooks = _FullBackwardHooks(self, self._backward_hooks)
            args = backward_hooks.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        if backward_hooks is not None:
            output = backward_hooks.wrap_outputs(output)
        return output

    def compile(self, *args, **kwargs):
        """``torch.compile`` this module's calls: the arguments are checked as
        ``chainrule.compile`` checks them and the module keeps running eagerly."""
        _compile(self.forward, *args, **kwargs)

    # --- hooks -----------------------------------------------------------------------

    @staticmethod
    def _add_hook(hooks, entry, prepend):
        if prepend:
            hooks.insert(0, entry)
        else:
            hooks.append(entry)
        return RemovableHandle(hooks, entry)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args)`` before each forward; a non-None result replaces
        ``args``. With ``with_kwargs``: ``hook(module, args, kwargs)`` -> ``(args, kwargs)``.
        Returns a handle whose ``remove()`` unregisters it.

        >>> import chainrule
        >>> layer = chainrule.nn.Identity()
        >>> handle = layer.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
        >>> layer(chainrule.tensor([1.0]))
        tensor([2.])
        >>> handle.remove()
        """
        handle = _KeyedHookHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Call ``hook(module, args, output)`` after each forward; a non-None result
        replaces the output. Returns a handle whose ``remove()`` unregisters it.

        >>> import chainrule
        >>> layer = chainrule.nn.Identity()
        >>> seen = []
        >>> handle = layer.register_forward_hook(lambda module, args, output: seen.append(output.shape))
        >>> _ = layer(chainrule.zeros(3))
        >>> seen
        [chainrule.Size([3])]
        """
        return self._add_hook(self._forward_hooks, (hook, with_kwargs), prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with
        respect to the module's positional inputs have been computed; returning a
        tuple replaces ``grad_input``. Returns a handle with ``remove()``.

        >>> import chainrule
        >>> layer = chainrule.nn.Linear(2, 1)
        >>> seen = []
        >>> hook = lambda module, grad_in, grad_out: seen.append((grad_in[0].shape, grad_out[0].shape))
        >>> _ = layer.register_full_backward_hook(hook)
        >>> layer(chainrule.ones(4, 2, requires_grad=True)).sum().backward()
        >>> seen
        [(chainrule.Size([4, 2]), chainrule.Size([4, 1]))]
        """
        return self._add_hook(self._backward_hooks, hook, prepend)

    @staticmethod
    def _add_keyed_hook(hooks, hook):
        handle = _KeyedHookHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook):
        """Call ``hook(module, prefix, keep_vars)`` when ``state_dict`` reaches this
        module, before its entries are added. Returns a handle with ``remove()``."""
        return self._add_keyed_hook(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        """Call ``hook(module, state_dict, prefix, local_metadata)`` once ``state_dict``
        has added this module's and its descendants' entries; it may edit
        ``state_dict`` in place and must return None.

        >>> import chainrule
        >>> layer = chainrule.nn.Linear(2, 1)
        >>> def drop_bias(module, state, prefix, local_metadata):
        ...     del state[prefix + "bias"]
        >>> _ = layer.register_state_dict_post_hook(drop_bias)
        >>> list(layer.state_dict())
        ['weight']
        """
        return self._add_keyed_hook(self._state_dict_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook):
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` when ``load_state_dict`` reaches this module,
        before its entries are read: ``state_dict`` (a copy holding the keys under
        ``prefix``) may be edited, e.g. to rename old keys.

        >>> import chainrule
        >>> layer = chainrule.nn.Linear(2, 1)
        >>> def rename(module, state, prefix, *rest):
        ...     state[prefix + "weight"] = state.pop(prefix + "w")
        >>> _ = layer.register_load_state_dict_pre_hook(rename)
        >>> layer.load_state_dict({"w": chainrule.ones(1, 2), "bias": chainrule.zeros(1)})
        <All keys matched successfully>
        """
        return self._add_keyed_hook(self._load_state_dict_pre_hooks, hook)

    def register_load_state_dict_post_hook(self, hook):
        """Call ``hook(module, incompatible_keys)`` after ``load_state_dict`` has loaded
        this module and its descendants; editing ``incompatible_keys.missing_keys``
        or ``unexpected_keys`` in place changes what ``strict`` refuses and what is
        returned. It must return None.

        >>> import chainrule
        >>> layer = chainrule.nn.Linear(2, 1)
        >>> _ = layer.register_load_state_dict_post_hook(lambda module, keys: keys.missing_keys.clear())
        >>> layer.load_state_dict({"weight": chainrule.ones(1, 2)})
        <All keys matched successfully>
        """
        return self._add_keyed_hook(self._load_state_dict_post_hooks, hook)

    def _call_load_state_dict_post_hooks(self, incompatible_keys):
        """PyTorch's order: each module's hooks after its descendants'."""
        for child in self._modules.values():
            if child is not None:
                child._call_load_state_dict_post_hooks(incompatible_keys)
        for hook in self._load_state_dict_post_hooks.values():
            if hook(self, incompatible_keys) is not None:
                raise AssertionError(
                    "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                    "expected to return new values, if incompatible_keys need to be modified, "
                    "it should be done inplace."
                )

    # --- registration ------------------------------------------------------------------

    def _check_new_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')

    def register_parameter(self, name, param):
        """Add ``param`` (a Parameter, or None for an absent one such as ``bias=False``)
        under ``name``.

        >>> import chainrule
        >>> m = chainrule.nn.Module()
        >>> m.register_parameter("scale", chainrule.nn.Parameter(chainrule.ones(1)))
        >>> [name for name, _ in m.named_parameters()]
        ['scale']
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_new_name(name, "parameter")
        if name in self.__dict__ and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(chainrule.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                f"explicitly. To express '{name}' as a function of another Tensor, compute the value in "
                "the forward() method."
            )
        self._parameters[name] = param
        self.__dict__[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not a parameter (running statistics, masks).
        Persistent buffers are saved in ``state_dict``.

        >>> import chainrule
        >>> m = chainrule.nn.Module()
        >>> m.register_buffer("count", chainrule.zeros(1))
        >>> list(m.state_dict())
        ['count']
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_new_name(name, "buffer")
        if name in self.__dict__ and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(chainrule Tensor or None required)"
            )
        self._buffers[name] = tensor
        self.__dict__[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module under ``name`` (as ``self.name = module`` does).

        >>> import chainrule
        >>> m = chainrule.nn.Module()
        >>> m.add_module("act", chainrule.nn.ReLU())
        >>> m
        Module(
          (act): ReLU()
        )
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_new_name(name, "module")
        if name in self.__dict__ and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module
        self.__dict__[name] = module

    register_module = add_module

    def _forget(self, name, keep=None):
        """Remove ``name`` from every registry but ``keep`` (it is being deleted, or
        re-registered as something else; an entry kept keeps its position)."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent_buffers_set.discard(name)
        if keep is None or name not in keep:
            self.__dict__.pop(name, None)

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep=params)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(chainrule.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if self.__dict__.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
            self.__dict__[name] = value
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(chainrule.nn.Module or None expected)"
                )
            self._modules[name] = None
            self.__dict__[name] = None
        elif name in self.__dict__.get("_buffers", ()) or isinstance(value, Buffer):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(chainrule.nn.Buffer, chainrule Tensor or None expected)"
                )
            # a Buffer says whether it is saved; a plain tensor keeps the old buffer's choice
            if isinstance(value, Buffer):
                persistent = value.persistent
            else:
                persistent = name not in self._non_persistent_buffers_set
            self.register_buffer(name, value, persistent)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Registered names are mirrored in __dict__, so this runs only for names that
        # are not there: unknown ones, or entries written straight into a registry.
        attributes = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = attributes.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._forget(name)
        else:
            object.__delattr__(self, name)

    # --- walking the tree ------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(name, module)`` for this module and every descendant, depth first.

        >>> import chainrule.nn as nn
        >>> [name for name, _ in nn.Sequential(nn.Linear(2, 2), nn.ReLU()).named_modules()]
        ['', '0', '1']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self, remove_duplicate=True):
        """This module and every descendant, depth first (a module shared twice
        once, unless ``remove_duplicate=False``).

        >>> import chainrule.nn as nn
        >>> [type(m).__name__ for m in nn.Sequential(nn.Linear(2, 2), nn.ReLU()).modules()]
        ['Sequential', 'Linear', 'ReLU']
        """
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    def named_children(self):
        memo = set()
        for name, module in self._modules.items():
            if module is not None and module not in memo:
                memo.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``(dotted name, Parameter)`` pairs, each shared parameter once.

        >>> import chainrule.nn as nn
        >>> [name for name, _ in nn.Linear(2, 3).named_parameters()]
        ['weight', 'bias']
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Every Parameter of the module and its descendants (what an optimizer takes).

        >>> import chainrule.nn as nn
        >>> sum(p.numel() for p in nn.Linear(2, 3).parameters())
        9
        """
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def set_submodule(self, target, module, strict=False):
        """Put ``module`` at the dotted path ``target``, replacing the submodule there;
        with ``strict`` the name must exist already.

        >>> import chainrule.nn as nn
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> net.set_submodule("1", nn.Tanh())
        >>> net
        Sequential(
          (0): Linear(in_features=2, out_features=2, bias=True)
          (1): Tanh()
        )
        """
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_submodule(self, target):
        """The descendant at the dotted path ``target`` ("" is this module)."""
        module = self
        for part in target.split(".") if target else ():
            if part not in module._modules:
                raise AttributeError(f"{module._get_name()} has no attribute `{part}`")
            module = module._modules[part]
        return module

    def _get_member(self, target, registry, what):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if name not in getattr(module, registry):
            raise AttributeError(f"`{name}` is not {what}")
        return getattr(module, registry)[name]

    def get_parameter(self, target):
        """The Parameter at the dotted path ``target`` (e.g. ``"0.weight"``).

        >>> import chainrule.nn as nn
        >>> nn.Sequential(nn.Linear(2, 3)).get_parameter("0.bias").shape
        chainrule.Size([3])
        """
        return self._get_member(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target):
        """The buffer at the dotted path ``target`` (e.g. ``"1.running_mean"``).

        >>> import chainrule.nn as nn
        >>> nn.Sequential(nn.BatchNorm1d(2)).get_buffer("0.running_mean")
        tensor([0., 0.])
        """
        return self._get_member(target, "_buffers", "a buffer")

    def apply(self, fn):
        """Call ``fn`` on every descendant, then on this module (e.g. custom init).

        >>> import chainrule.nn as nn
        >>> names = []
        >>> _ = nn.Sequential(nn.ReLU(), nn.Tanh()).apply(lambda m: names.append(type(m).__name__))
        >>> names
        ['ReLU', 'Tanh', 'Sequential']
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- modes and gradients -------------------------------------------------------------

    def train(self, mode=True):
        """Set training mode (dropout active, batch norm updating) here and below.

        >>> import chainrule.nn as nn
        >>> nn.Dropout().eval().training
        False
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        object.__setattr__(self, "training", mode)
        for module in self.children():  # through train(), so a subclass may override it
            module.train(mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` of every parameter (False freezes the module)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the parameters' gradients (``set_to_none=False``: fill them with 0)."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                grad = param.grad
                if grad.grad_fn is not None:
                    grad = param.grad = grad.detach()
                grad._data[...] = 0
                bump_version(grad)

    # --- dtype and device ------------------------------------------------------------------

    def _apply(self, convert, recurse=True):
        """Replace the values of every parameter, gradient and buffer by
        ``convert(array)``, keeping the Parameter objects (optimizers hold them)."""
        for module in self.modules() if recurse else (self,):
            for param in module._parameters.values():
                if param is None:
                    continue
                if is_lazy(param):  # no values yet: convert the placeholder that sets its dtype
                    param._placeholder = convert(param._placeholder)
                    continue
                new = convert(param._data)
                if new is not param._data:
                    param._data = new
                    if param.grad is not None:
                        param.grad = wrap(convert(param.grad._data))
            for name, buffer in module._buffers.items():
                if is_lazy(buffer):
                    buffer._placeholder = convert(buffer._placeholder)
                elif buffer is not None:
                    new = convert(buffer._data)
                    if new is not buffer._data:
                        buffer = wrap(new)
                        module._buffers[name] = buffer
                        module.__dict__[name] = buffer
        return self

    def _convert_floating(self, np_dtype):
        def convert(array):
            return array.astype(np_dtype) if array.dtype.kind == "f" and array.dtype != np_dtype else array

        return self._apply(convert)

    def to(self, *args, **kwargs):
        """Convert floating-point parameters and buffers to a dtype; the device may
        only be the CPU. Accepts ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(tensor)`` and the keywords ``dtype``, ``device``, ``non_blocking``.

        >>> import chainrule
        >>> chainrule.nn.Linear(2, 2).to(chainrule.float64).weight.dtype
        chainrule.float64
        """
        target = kwargs.get("dtype")
        if kwargs.get("device") is not None:
            device(kwargs["device"])
        for a in args:
            if isinstance(a, _dtype_class):
                target = a
            elif isinstance(a, Tensor):
                target = a.dtype
            elif a is not None:
                device(a)
        if target is None:
            return self
        if not target.is_floating_point:
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={target}"
            )
        return self._convert_floating(target.numpy)

    def float(self):
        return self._convert_floating(np.dtype(np.float32))

    def double(self):
        return self._convert_floating(np.dtype(np.float64))

    def half(self):
        return self._convert_floating(np.dtype(np.float16))

    def type(self, dst_type):
        return self.to(dst_type)

    def cpu(self):
        return self

    def cuda(self, device=None):
        _require_cpu("cuda")

    def to_empty(self, *, device, recurse=True):
        """Give every parameter and buffer new, uninitialized values of the same
        shape and dtype (PyTorch moves a model built on the "meta" device this way;
        chainrule's only device is the CPU).

        >>> import chainrule
        >>> chainrule.nn.Linear(3, 2).to_empty(device="cpu").weight.shape
        chainrule.Size([2, 3])
        """
        if device is not None:
            _device(device)
        return self._apply(np.empty_like, recurse=recurse)

    # --- state_dict ---------------------------------------------------------------------------

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An OrderedDict of every parameter and persistent buffer by dotted name,
        with PyTorch's keys and shapes (the tensors share memory with the model).

        >>> import chainrule.nn as nn
        >>> {k: tuple(v.shape) for k, v in nn.Linear(3, 2).state_dict().items()}
        {'weight': (2, 3), 'bias': (2,)}
        """
        if args:
            destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args) :])[:3]
        if destination is None:
            destination = OrderedDict()
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        # every path to a shared submodule gets its own keys, as in PyTorch
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            if hook(self, destination, prefix, {"version": 1}) is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def _local_state(self):
        state = {name: p for name, p in self._parameters.items() if p is not None}
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                state[name] = buffer
        return state

    def _state_defaults(self):
        """Values for state entries that older checkpoints may lack ({name: array});
        load_state_dict uses them instead of reporting the key missing."""
        return {}

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values into the parameters and buffers by name, in place (with
        ``assign=True``, make the checkpoint's tensors the module's state instead).

        Every entry is checked first: with ``strict=True`` missing or unexpected
        keys raise a RuntimeError, and a shape mismatch always does; when it
        raises, nothing has been changed. Values may be chainrule tensors, NumPy
        arrays or PyTorch tensors. Returns ``(missing_keys, unexpected_keys)``.

        >>> import chainrule.nn as nn
        >>> a, b = nn.Linear(2, 2), nn.Linear(2, 2)
        >>> b.load_state_dict(a.state_dict())
        <All keys matched successfully>
        >>> bool((a.weight == b.weight).all())
        True
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict((key, state_dict[key]) for key in state_dict.keys())  # pre-hooks may edit it
        missing, unexpected, errors, copies = [], [], [], []
        for prefix, module in self.named_modules(remove_duplicate=False):
            prefix = prefix + "." if prefix else ""
            if module._load_state_dict_pre_hooks:
                state_dict = module._run_load_state_dict_pre_hooks(
                    state_dict, prefix, metadata, assign, missing, unexpected, errors
                )
            local = module._local_state()
            defaults = module._state_defaults()
            for name, tensor in local.items():
                key = prefix + name
                if key in state_dict:
                    value = state_dict[key]
                elif name in defaults:
                    value = defaults[name]
                else:
                    missing.append(key)
                    continue
                if is_lazy(value):
                    if is_lazy(tensor):  # neither has values: nothing to load, as in PyTorch
                        continue
                    value.shape  # noqa: B018 - raises PyTorch's RuntimeError (shapeless into shaped)
                array = _array_from(value)
                if array is None:
                    errors.append(
                        f'While copying the parameter named "{key}", expected chainrule.Tensor or '
                        f"Tensor-like object from checkpoint but received {type(value)}"
                    )
                elif not is_lazy(tensor) and array.shape != tensor._data.shape:
                    errors.append(
                        f"size mismatch for {key}: copying a param with shape {wrap(array).shape} from "
                        f"checkpoint, the shape in current model is {tensor.shape}."
                    )
                else:
                    copies.append((module, name, tensor, array))
            for key in state_dict.keys():
                if not key.startswith(prefix):
                    continue
                head, _, rest = key[len(prefix) :].partition(".")
                if (head not in module._modules) if rest else (head not in local):
                    unexpected.append(key)
        if not errors and any(module._load_state_dict_post_hooks for module in self.modules()):
            # PyTorch calls them with the values loaded, before the strict check they may change
            self._copy_loaded(copies, assign)
            copies = []
            self._call_load_state_dict_post_hooks(_IncompatibleKeys(missing, unexpected))
        if strict:
            if unexpected:
                errors.insert(
                    0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected))
                )
            if missing:
                errors.insert(
                    0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing))
                )
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(
                    type(self).__name__, "\n\t".join(errors)
                )
            )
        self._copy_loaded(copies, assign)
        return _IncompatibleKeys(missing, unexpected)

    @staticmethod
    def _copy_loaded(copies, assign):
        with no_grad():
            for module, name, tensor, array in copies:
                if is_lazy(tensor):  # a lazy layer takes the checkpoint's shape
                    tensor.materialize(array.shape)
                if assign:  # the checkpoint's tensors themselves become the state, as in PyTorch
                    value = wrap(array)
                    if isinstance(tensor, Parameter):
                        value = Parameter(value, requires_grad=tensor.requires_grad)
                    setattr(module, name, value)
                else:
                    np.copyto(tensor._data, array, casting="unsafe")
                    bump_version(tensor)

    def _run_load_state_dict_pre_hooks(
        self, state_dict, prefix, metadata, assign, missing, unexpected, errors
    ):
        """The hooks get the entries under ``prefix`` in a dict of their own, as in
        PyTorch; what they leave there replaces those entries in ``state_dict``."""
        local_state = OrderedDict((key, value) for key, value in state_dict.items() if key.startswith(prefix))
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        if assign:
            local_metadata["assign_to_params_buffers"] = assign
        for hook in self._load_state_dict_pre_hooks.values():
            hook(self, local_state, prefix, local_metadata, True, missing, unexpected, errors)
        others = [(key, value) for key, value in state_dict.items() if not key.startswith(prefix)]
        return OrderedDict(others + list(local_state.items()))

    # --- printing ----------------------------------------------------------------------------------

    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The layer's settings shown inside its repr, e.g. ``in_features=2, out_features=3``."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_addindent(repr(module), 2)}" for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
