"""Optimizer: what every optimizer shares (``torch.optim.Optimizer``).

An optimizer holds ``param_groups`` (lists of parameters, each group with its
own hyper-parameters, defaults filled in) and ``state`` (one dict per
parameter: momentum buffers, running averages, step counts, as chainrule
tensors so ``state_dict()`` looks like PyTorch's and saves with
``chainrule.save``).

``step()`` hands every parameter that has a gradient to the subclass's
``update(param, grad, state, group)``: a pure function of the parameter's
array, its gradient's array, its state and the group's hyper-parameters
that changes the parameter and the state in place. So a parameter keeps its
identity and its memory across steps, and the whole update of one parameter
is a handful of vectorized NumPy operations on one screen.
"""

import copy
import warnings
from collections import defaultdict
from itertools import chain

import numpy as np

from .._dtype import default_float
from .._tensor import Tensor, bump_version, wrap
from ..autograd.grad_mode import enable_grad


def state_zeros(param):
    """A zero state tensor shaped like the parameter array ``param``."""
    return wrap(np.zeros_like(param))


def state_copy(array):
    """A state tensor holding a copy of ``array``."""
    return wrap(array.copy())


def state_full(param, value):
    """A state tensor shaped like ``param``, filled with ``value``."""
    return wrap(np.full_like(param, value))


def step_counter():
    """The per-parameter step count: a 0-d float tensor, as PyTorch keeps it."""
    return wrap(np.array(0.0, dtype=default_float()))


def count_step(state):
    """Add one to ``state['step']`` and return the new count as a Python number."""
    counter = state["step"]._data
    counter += 1
    return counter.item()


def descent_grad(param, grad, maximize, weight_decay):
    """The gradient an update descends: negated for ``maximize``, plus the L2
    penalty's ``weight_decay * param``."""
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = grad + weight_decay * param
    return grad


def decayed_grad(param, grad, group, lr):
    """``descent_grad`` with ``group``'s weight decay: in the gradient (L2), or with
    ``decoupled_weight_decay`` (AdamW) applied to ``param`` in place, ``param *= 1 - lr * wd``."""
    weight_decay = group["weight_decay"]
    if not group["decoupled_weight_decay"]:
        return descent_grad(param, grad, group["maximize"], weight_decay)
    grad = descent_grad(param, grad, group["maximize"], 0)
    if weight_decay != 0:
        param *= 1 - lr * weight_decay
    return grad


def average_square_(average, grad, decay, scratch=None):
    """``average = decay * average + (1 - decay) * grad^2`` in place: the running
    mean of the squared gradient (Adam's ``exp_avg_sq``, RMSprop's ``square_avg``).
    ``scratch``, an array like ``grad``, takes the intermediate values."""
    average *= decay
    squares = np.multiply(grad, 1 - decay, out=scratch)
    squares *= grad
    average += squares


def lerp_(start, end, weight, scratch=None):
    """``start += weight * (end - start)`` in place, in PyTorch's two-branch form
    (the exact one at both ends of ``weight``), so results match ``Tensor.lerp_``.
    ``scratch``, an array like ``start``, takes the intermediate values."""
    difference = np.subtract(end, start, out=scratch)
    if abs(weight) < 0.5:
        difference *= weight
        start += difference
    else:
        difference *= 1 - weight
        np.subtract(end, difference, out=start)


def check_lr(lr):
    """PyTorch's checks on a learning rate (a number or a one-element tensor)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_adam_family(eps, betas, weight_decay):
    """PyTorch's checks, in its order, on the arguments the Adam family shares."""
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for index in (0, 1):
        if not 0.0 <= betas[index] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {betas[index]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def check_not_differentiable(differentiable):
    if differentiable:
        raise NotImplementedError(
            "differentiable=True (backpropagating through the optimizer step) is not supported by "
            "chainrule's optimizers; leave it False"
        )


class Optimizer:
    """The base class: parameter groups, per-parameter state, ``zero_grad``,
    ``step``, ``state_dict`` / ``load_state_dict`` and ``add_param_group``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of
    dicts (parameter groups: ``{'params': [...], 'lr': ...}``); a group's
    missing options take the values in ``defaults``.

    A subclass gives ``defaults`` and an ``update(param, grad, state, group)``
    function on arrays (see sgd.py), or overrides ``step`` entirely, as in
    PyTorch.

    >>> import chainrule
    >>> w = chainrule.ones(2, requires_grad=True)
    >>> b = chainrule.zeros(1, requires_grad=True)
    >>> opt = chainrule.optim.SGD([{'params': [w]}, {'params': [b], 'lr': 0.5}], lr=0.1)
    >>> [group['lr'] for group in opt.param_groups]
    [0.1, 0.5]
    >>> (w.sum() + 2 * b.sum()).backward()
    >>> opt.step()
    >>> w, b
    (tensor([0.9000, 0.9000], requires_grad=True), tensor([-1.], requires_grad=True))
    """

    @staticmethod
    def update(param, grad, state, group):
        """Change ``param`` (an array) in place from ``grad`` and ``state``."""
        raise NotImplementedError("an Optimizer subclass defines update() or overrides step()")

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {params.type()}; wrap it in a list: [tensor]"
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"

    # --- the update ------------------------------------------------------------

    def step(self, closure=None):
        """Update every parameter that has a gradient (those whose ``grad`` is None
        are skipped). ``closure``, if given, re-evaluates the model and returns the
        loss; it runs with gradients enabled and its loss is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # The updates work on arrays, so nothing they do can be recorded: no need to
        # switch grad mode off (PyTorch does; only code inside step could tell).
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group):
        """``update`` each parameter of ``group`` that has a gradient, in place."""
        update, states = self.update, self.state
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            # Only parameters that keep state get an entry, as in PyTorch
            # (plain SGD keeps none, so its state_dict()['state'] is empty).
            state = states.get(p) or {}
            update(p._data, grad._data, state, group)
            if state:
                states[p] = state
            bump_version(p)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set ``.grad`` to None (the default), or fill it
        with zeros when ``set_to_none=False``."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    grad = p.grad
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad_(False)
                    grad._data[...] = 0
                    bump_version(grad)

    # --- parameter groups --------------------------------------------------------

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``'params'`` and optional
        hyper-parameters), e.g. layers unfrozen during fine-tuning."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list instead."
            )
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(param_group["params"]):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names

        for i, param in enumerate(param_group["params"]):
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params (index {i}) is "
                    f"{type(param).__module__}.{type(param).__name__}"
                )
            if not (param.is_leaf or param.retains_grad):
                raise ValueError(
                    f"can't optimize a non-leaf Tensor (param {i}, made by {type(param.grad_fn).__name__}); "
                    "optimize the leaf tensors it was computed from"
                )
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        existing = set()
        for group in self.param_groups:
            existing.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                with_names = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {with_names} to the optimizer"
                )
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # --- saving and restoring -------------------------------------------------------

    def state_dict(self):
        """The optimizer's state as PyTorch lays it out: ``{'state': {index: {...}},
        'param_groups': [{..., 'params': [index, ...]}]}``, parameters replaced by
        their position in the groups. The tensors are the live state (as in
        PyTorch): save them, or deep-copy the dict to keep a snapshot.

        >>> import chainrule
        >>> w = chainrule.ones(2, requires_grad=True)
        >>> opt = chainrule.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> w.sum().backward(); opt.step()
        >>> sd = opt.state_dict()
        >>> sd['state']
        {0: {'momentum_buffer': tensor([1., 1.])}}
        >>> sd['param_groups'][0]['params'], sd['param_groups'][0]['momentum']
        ([0], 0.9)
        """
        index_of = {}
        param_groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            param_groups.append(packed)
        state = {index_of[id(p)] if isinstance(p, Tensor) else p: v for p, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Restore the state from ``state_dict()`` (this optimizer's, another one's
        with the same groups, or one read back by ``chainrule.load``).

        State tensors are copied (cast to each parameter's floating dtype, except
        ``'step'``), so the optimizer never shares buffers with ``state_dict``.
        """
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}) than this optimizer ({len(groups)})"
            )
        for i, (group, saved) in enumerate(zip(groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group (group {i}: {len(saved['params'])} saved, "
                    f"{len(group['params'])} in the optimizer)"
                )
        param_of = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in param_of:
                param = param_of[key]
                state[param] = {name: _cast_state(param, v, name) for name, v in value.items()}
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups


def _cast_state(param, value, key):
    """A copy of one saved state value for ``param``: floating tensors take the
    parameter's dtype, except the step count (PyTorch keeps it as saved)."""
    if isinstance(value, Tensor):
        array = value._data
        if key != "step" and param.is_floating_point() and array.dtype != param._data.dtype:
            return wrap(array.astype(param._data.dtype))
        return wrap(array.copy())
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v, None) for v in value)
    return value
