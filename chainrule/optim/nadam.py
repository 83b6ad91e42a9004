"""NAdam: Adam with Nesterov momentum, its momentum warming up by
``momentum_decay`` (``torch.optim.NAdam``)."""

import numpy as np

from .._dtype import default_float
from .._tensor import wrap
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


def nadam_update(param, grad, state, group):
    """One NAdam step on the array ``param``, in place::

    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay));   P_t = mu_1 * ... * mu_t
    m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
    d = sqrt(v / (1 - beta2^t)) + eps
    param = param - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d
    """
    if not state:
        state["step"] = step_counter()
        # the running product of the momenta, a 0-d float tensor as PyTorch keeps it
        state["mu_product"] = wrap(np.array(1.0, dtype=default_float()))
        state["exp_avg"] = state_zeros(param)
        state["exp_avg_sq"] = state_zeros(param)
    lr, (beta1, beta2) = float(group["lr"]), group["betas"]
    step = count_step(state)
    grad = decayed_grad(param, grad, group, lr)

    momentum_decay = group["momentum_decay"]
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    mu_product = state["mu_product"]._data
    mu_product *= mu  # in the counter's precision, as PyTorch
    mu_product = mu_product.item()
    exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
    lerp_(exp_avg, grad, 1 - beta1)
    average_square_(exp_avg_sq, grad, beta2)
    denom = np.sqrt(exp_avg_sq / (1 - beta2**step))
    denom += group["eps"]
    param += -lr * (1.0 - mu) / (1.0 - mu_product) * grad / denom
    param += -lr * mu_next / (1.0 - mu_product * mu_next) * exp_avg / denom


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), with PyTorch's options: ``decoupled_weight_decay=True``
    decays the parameters directly, as AdamW (NAdamW). ``foreach`` and
    ``capturable`` are accepted for compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.8944, -1.8944], requires_grad=True)
    """

    update = staticmethod(nadam_update)

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        check_lr(lr)
        check_adam_family(eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
