"""RAdam: Adam whose adaptive step is switched on only once the variance of
its estimate is tractable, and rectified (``torch.optim.RAdam``)."""

import numpy as np

from .optimizer import (
    Optimizer,
    average_square_,
    check_adam_family,
    check_lr,
    check_not_differentiable,
    count_step,
    decayed_grad,
    lerp_,
    state_zeros,
    step_counter,
)


def radam_update(param, grad, state, group):
    """One RAdam step on the array ``param``, in place::

    m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
    rho_inf = 2 / (1 - beta2) - 1;     rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    m_hat = m / (1 - beta1^t)
    param = param - lr * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t   if rho_t > 5
    param = param - lr * m_hat                                              otherwise
    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
    """
    if not state:
        state["step"] = step_counter()
        state["exp_avg"] = state_zeros(param)
        state["exp_avg_sq"] = state_zeros(param)
    lr, (beta1, beta2) = float(group["lr"]), group["betas"]
    step = count_step(state)
    grad = decayed_grad(param, grad, group, lr)

    exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
    lerp_(exp_avg, grad, 1 - beta1)
    average_square_(exp_avg_sq, grad, beta2)
    bias_correction2 = 1 - beta2**step
    update = exp_avg / (1 - beta1**step) * lr
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        denom = np.sqrt(exp_avg_sq)
        denom += group["eps"]
        update *= bias_correction2**0.5 / denom
        update *= rect
    param -= update


class RAdam(Optimizer):
    """RAdam (Liu et al., 2019), with PyTorch's options:
    ``decoupled_weight_decay=True`` decays the parameters directly, as AdamW.
    ``foreach`` and ``capturable`` are accepted for compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w   # the first steps are plain momentum SGD: lr times the gradient
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    update = staticmethod(radam_update)

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        check_lr(lr)
        check_adam_family(eps, betas, weight_decay)
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
