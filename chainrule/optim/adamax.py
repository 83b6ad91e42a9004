"""Adamax: Adam with the infinity norm of past gradients in place of their
root-mean-square (``torch.optim.Adamax``)."""

import numpy as np

from .optimizer import (
    Optimizer,
    check_adam_family,
    check_lr,
    check_not_differentiable,
    count_step,
    descent_grad,
    lerp_,
    state_zeros,
    step_counter,
)


def adamax_update(param, grad, state, group):
    """One Adamax step on the array ``param``, in place::

    m = beta1 * m + (1 - beta1) * g
    u = max(beta2 * u, |g| + eps)
    param = param - lr / (1 - beta1^t) * m / u
    """
    if not state:
        state["step"] = step_counter()
        state["exp_avg"] = state_zeros(param)
        state["exp_inf"] = state_zeros(param)
    lr, (beta1, beta2) = float(group["lr"]), group["betas"]
    step = count_step(state)
    grad = descent_grad(param, grad, group["maximize"], group["weight_decay"])
    exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
    lerp_(exp_avg, grad, 1 - beta1)
    exp_inf *= beta2
    np.maximum(exp_inf, np.abs(grad) + group["eps"], out=exp_inf)
    param += -lr / (1 - beta1**step) * exp_avg / exp_inf


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, 2014, section 7). ``foreach`` and ``capturable``
    are accepted for compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Adamax([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w   # the first step is lr against the gradient's sign
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    update = staticmethod(adamax_update)

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        check_lr(lr)
        check_adam_family(eps, betas, weight_decay)
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)
