"""Adagrad: per-coordinate learning rates from the sum of all past squared
gradients (``torch.optim.Adagrad``)."""

import numpy as np

from .optimizer import (
    Optimizer,
    check_lr,
    check_not_differentiable,
    count_step,
    descent_grad,
    state_full,
    step_counter,
)


def adagrad_update(param, grad, state, group):
    """One Adagrad step on the array ``param``, in place::

    lr_t = lr / (1 + (t - 1) * lr_decay)
    s = s + g^2
    param = param - lr_t * g / (sqrt(s) + eps)
    """
    if not state:
        adagrad_initial_state(param, state, group)
    step = count_step(state)
    grad = descent_grad(param, grad, group["maximize"], group["weight_decay"])
    decayed_lr = float(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
    total = state["sum"]._data
    total += grad * grad
    std = np.sqrt(total)
    std += group["eps"]
    param += -decayed_lr * grad / std


def adagrad_initial_state(param, state, group):
    state["step"] = step_counter()
    state["sum"] = state_full(param, group["initial_accumulator_value"])


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011). As in PyTorch, every parameter's state
    (``step``, ``sum`` = ``initial_accumulator_value``) exists from the start.
    ``foreach`` and ``fused`` are accepted for compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w   # the first step is lr against the gradient's sign
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    update = staticmethod(adagrad_update)

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                adagrad_initial_state(p._data, self.state[p], group)
