"""Rprop: each coordinate moves by its own step size, grown while the
gradient's sign holds and shrunk when it flips; the gradient's size is not
used (``torch.optim.Rprop``)."""

import numpy as np

from .optimizer import (
    Optimizer,
    check_lr,
    check_not_differentiable,
    count_step,
    descent_grad,
    state_full,
    state_zeros,
    step_counter,
)


def rprop_update(param, grad, state, group):
    """One Rprop step on the array ``param``, in place::

    s = g * g_prev
    size = clamp(size * (eta_plus if s > 0, eta_minus if s < 0, else 1), *step_sizes)
    g = 0 where s < 0     (after a sign change, wait a step)
    param = param - sign(g) * size;   g_prev = g
    """
    if not state:
        state["step"] = step_counter()
        state["prev"] = state_zeros(param)
        state["step_size"] = state_full(param, float(group["lr"]))
    (eta_minus, eta_plus), (size_min, size_max) = group["etas"], group["step_sizes"]
    count_step(state)
    grad = descent_grad(param, grad, group["maximize"], 0)
    prev, step_size = state["prev"]._data, state["step_size"]._data
    product = grad * prev
    flipped = product < 0
    factor = np.where(product > 0, eta_plus, np.where(flipped, eta_minus, 1.0)).astype(param.dtype)
    step_size *= factor
    np.clip(step_size, size_min, size_max, out=step_size)
    grad = np.where(flipped, 0, grad)
    param -= np.sign(grad) * step_size
    prev[...] = grad


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller and Braun, 1993), PyTorch's variant:
    every step size starts at ``lr``. ``foreach`` and ``capturable`` are
    accepted for compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w   # 0.1, then 0.1 * 1.2, against the gradient's sign
    tensor([ 0.7800, -1.7800], requires_grad=True)
    """

    update = staticmethod(rprop_update)

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)
