"""ASGD: SGD that also keeps a running average of the parameters, the
estimate Polyak averaging returns (``torch.optim.ASGD``)."""

import numpy as np

from .._dtype import default_float
from .._tensor import wrap
from .optimizer import (
    Optimizer,
    check_lr,
    check_not_differentiable,
    count_step,
    descent_grad,
    state_zeros,
    step_counter,
)


def asgd_update(param, grad, state, group):
    """One ASGD step on the array ``param``, in place::

    param = param * (1 - lambd * eta) - eta * g
    ax = ax + mu * (param - ax)                   (ax = param while mu = 1)
    eta = lr / (1 + lambd * lr * t)^alpha;   mu = 1 / max(1, t - t0)
    """
    if not state:
        state["step"] = step_counter()
        # eta and mu: 0-d default-dtype tensors, as PyTorch keeps them (their values round to it)
        state["eta"] = wrap(np.array(float(group["lr"]), dtype=default_float()))
        state["mu"] = wrap(np.array(1.0, dtype=default_float()))
        state["ax"] = state_zeros(param)
    lr, lambd = float(group["lr"]), group["lambd"]
    step = count_step(state)
    grad = descent_grad(param, grad, group["maximize"], group["weight_decay"])
    eta, mu = state["eta"]._data, state["mu"]._data
    eta_value = eta.item()
    param *= 1 - lambd * eta_value
    param += -eta_value * grad
    ax = state["ax"]._data
    if mu.item() != 1:
        ax += (param - ax) * mu.item()
    else:
        ax[...] = param
    # PyTorch makes the new values default-dtype tensors before copying them in
    eta[...] = default_float().type(lr / ((1 + lambd * lr * step) ** group["alpha"]))
    mu[...] = default_float().type(1 / max(1, step - group["t0"]))


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky, 1992): the average ``state['ax']`` starts
    after ``t0`` steps. ``foreach`` and ``capturable`` are accepted for
    compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.ASGD([w], lr=0.1, lambd=0.0)
    >>> (w * w).sum().backward(); opt.step()
    >>> w   # the first step is plain SGD
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    update = staticmethod(asgd_update)

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0,
        foreach=None,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)
