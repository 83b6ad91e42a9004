"""RMSprop: divide the gradient by a running root-mean-square of recent gradients
(``torch.optim.RMSprop``)."""

import numpy as np

from .optimizer import (
    Optimizer,
    average_square_,
    check_lr,
    check_not_differentiable,
    count_step,
    descent_grad,
    lerp_,
    state_zeros,
    step_counter,
)


def rmsprop_update(param, grad, state, group):
    """One RMSprop step on the array ``param``, in place::

    v = alpha * v + (1 - alpha) * g^2
    avg = sqrt(v - mean(g)^2) + eps  if centered  else  sqrt(v) + eps
    b = momentum * b + g / avg;  param -= lr * b     (with momentum)
    param -= lr * g / avg                            (without)
    """
    if not state:
        state["step"] = step_counter()
        state["square_avg"] = state_zeros(param)
        if group["momentum"] > 0:
            state["momentum_buffer"] = state_zeros(param)
        if group["centered"]:
            state["grad_avg"] = state_zeros(param)
    lr, alpha, momentum = float(group["lr"]), group["alpha"], group["momentum"]
    count_step(state)
    grad = descent_grad(param, grad, group["maximize"], group["weight_decay"])

    square_avg = state["square_avg"]._data
    average_square_(square_avg, grad, alpha)
    if group["centered"]:
        grad_avg = state["grad_avg"]._data
        lerp_(grad_avg, grad, 1 - alpha)
        avg = np.sqrt(square_avg - grad_avg * grad_avg)
    else:
        avg = np.sqrt(square_avg)
    avg += group["eps"]

    if momentum > 0:
        buffer = state["momentum_buffer"]._data
        buffer *= momentum
        buffer += grad / avg
        param += -lr * buffer
    else:
        param += -lr * grad / avg


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), with PyTorch's options: ``centered``
    subtracts the squared running mean of the gradient, ``momentum`` adds a
    momentum buffer. ``capturable`` and ``foreach`` are accepted for
    compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step()
    >>> w   # the first step is lr / sqrt(1 - alpha) against the gradient's sign
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    update = staticmethod(rmsprop_update)

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
