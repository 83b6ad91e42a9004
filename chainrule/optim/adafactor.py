"""Adafactor: Adam-like step sizes from a second moment kept in factored form,
one running average per row and one per column of each matrix, so the state
grows with the sum of the dimensions instead of their product, with a step
relative to the parameter's size (``torch.optim.Adafactor``, Shazeer and Stern, 2018)."""

import numpy as np

from .._tensor import Tensor, wrap
from .optimizer import Optimizer, count_step, descent_grad, lerp_, state_zeros, step_counter


def _rms(array):
    """The root mean square, ``||array|| / sqrt(numel)``."""
    return float(np.linalg.norm(array.ravel())) / array.size**0.5


def adafactor_update(param, grad, state, group):
    """One Adafactor step on the array ``param``, in place (t = the step count)::

    rho = min(lr, 1 / sqrt(t));  alpha = max(eps2, rms(param)) * rho
    param = param * (1 - lr * weight_decay)
    matrices (dims > 1):  R = lerp(R, mean(g^2, last dim), t^beta2_decay)
                          C = lerp(C, mean(g^2, second-to-last dim), t^beta2_decay)
                          v = R C / max(mean(R), eps1)
    vectors:              v = lerp(v, g^2, t^beta2_decay)
    u = g / sqrt(max(v, eps1^2));  param = param - alpha / max(1, rms(u) / d) * u
    """
    factored = grad.ndim > 1
    if not state:
        state["step"] = step_counter()
        if factored:
            state["row_var"] = wrap(np.zeros(grad.shape[:-1] + (1,), grad.dtype))
            state["col_var"] = wrap(np.zeros(grad.shape[:-2] + (1, grad.shape[-1]), grad.dtype))
        else:
            state["variance"] = state_zeros(grad)
    lr, d, weight_decay = float(group["lr"]), group["d"], group["weight_decay"]
    eps1, eps2 = group["eps"]
    if eps1 is None:
        eps1 = float(np.finfo(param.dtype).eps)
    grad = descent_grad(param, grad, group["maximize"], 0)
    step = count_step(state)
    one_minus_beta2 = step ** group["beta2_decay"]
    alpha = max(eps2, _rms(param)) * min(lr, 1 / step**0.5)
    if weight_decay != 0:
        param *= 1 - lr * weight_decay

    if factored:
        row_var, col_var = state["row_var"]._data, state["col_var"]._data
        grad_squared = grad * grad
        lerp_(row_var, grad_squared.mean(axis=-1, keepdims=True), one_minus_beta2)
        lerp_(col_var, grad_squared.mean(axis=-2, keepdims=True), one_minus_beta2)
        variance = row_var @ col_var
        variance /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
    else:
        lerp_(state["variance"]._data, grad * grad, one_minus_beta2)
        variance = state["variance"]._data.copy()

    update = np.maximum(variance, eps1 * eps1, out=variance)
    np.sqrt(update, out=update)
    np.divide(grad, update, out=update)
    param -= alpha / max(1.0, _rms(update) / d) * update


class Adafactor(Optimizer):
    """Adafactor (PyTorch 2.5's): ``lr`` caps the relative step ``1 / sqrt(t)``;
    the second moment's decay is ``1 - t^beta2_decay``; ``eps = (eps1, eps2)``
    (``eps1=None`` is the dtype's machine epsilon); ``d`` clips the update's RMS.
    Weight decay is decoupled, as in AdamW. ``foreach`` is accepted for compatibility.

    >>> import chainrule
    >>> w = chainrule.tensor([[3.0, -4.0]], requires_grad=True)
    >>> opt = chainrule.optim.Adafactor([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w   # the first step: lr times w's RMS, against the gradient's sign
    tensor([[ 2.6464, -3.6464]], requires_grad=True)
    """

    update = staticmethod(adafactor_update)

    def __init__(
        self,
        params,
        lr=1e-2,
        beta2_decay=-0.8,
        eps=(None, 1e-3),
        d=1.0,
        weight_decay=0.0,
        *,
        foreach=None,
        maximize=False,
    ):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {
            "lr": lr,
            "beta2_decay": beta2_decay,
            "eps": eps,
            "d": d,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
