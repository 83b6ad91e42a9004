"""Adadelta: step sizes from running averages of squared gradients and squared
updates, so the units of the update match the parameter's (``torch.optim.Adadelta``)."""

import numpy as np

from .optimizer import (
    Optimizer,
    average_square_,
    check_lr,
    check_not_differentiable,
    count_step,
    descent_grad,
    state_zeros,
    step_counter,
)


def adadelta_update(param, grad, state, group):
    """One Adadelta step on the array ``param``, in place::

    v = rho * v + (1 - rho) * g^2
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho * u + (1 - rho) * delta^2
    param = param - lr * delta
    """
    if not state:
        state["step"] = step_counter()
        state["square_avg"] = state_zeros(param)
        state["acc_delta"] = state_zeros(param)
    lr, rho, eps = float(group["lr"]), group["rho"], group["eps"]
    count_step(state)
    grad = descent_grad(param, grad, group["maximize"], group["weight_decay"])
    square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
    average_square_(square_avg, grad, rho)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
    average_square_(acc_delta, delta, rho)
    param += -lr * delta


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012); PyTorch's version scales the update by ``lr``.
    ``foreach`` and ``capturable`` are accepted for compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Adadelta([w])
    >>> (w * w).sum().backward(); opt.step()
    >>> w   # the first step is about sqrt(eps / (1 - rho)), whatever the gradient's size
    tensor([ 0.9968, -1.9968], requires_grad=True)
    """

    update = staticmethod(adadelta_update)

    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
