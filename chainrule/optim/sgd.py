"""SGD: stochastic gradient descent, with momentum and Nesterov momentum (``torch.optim.SGD``)."""

import numpy as np

from .._tensor import bump_version
from ..ops import _blas
from .optimizer import Optimizer, check_lr, check_not_differentiable, descent_grad, state_copy


def sgd_update(param, grad, state, group):
    """One SGD step on the array ``param``, in place::

    g = grad + weight_decay * param             (L2 penalty, if any)
    b = momentum * b + (1 - dampening) * g      (b = g on the first step)
    g = g + momentum * b  if nesterov  else  b
    param = param - lr * g
    """
    lr, momentum = float(group["lr"]), group["momentum"]
    grad = descent_grad(param, grad, group["maximize"], group["weight_decay"])
    if momentum != 0:
        buffer = state.get("momentum_buffer")
        if buffer is None:
            buffer = state["momentum_buffer"] = state_copy(grad)
        else:
            dampening = group["dampening"]
            _blas.scale_and_add(buffer._data, momentum, grad if dampening == 0 else (1 - dampening) * grad)
        grad = grad + momentum * buffer._data if group["nesterov"] else buffer._data
    _blas.add_multiple(param, -lr, grad)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's formulation:
    the learning rate multiplies the momentum buffer, not the gradient inside it).

    ``foreach``, ``fused`` are accepted for compatibility; chainrule has one
    NumPy implementation.

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()   # gradient 2w
    ...     opt.step()
    >>> w
    tensor([ 0.4600, -0.9200], requires_grad=True)
    """

    update = staticmethod(sgd_update)

    def _update_group(self, group):
        if group["momentum"] or group["weight_decay"] or group["maximize"] or self.update is not sgd_update:
            return super()._update_group(group)
        # Plain descent keeps no state: param -= lr * grad straight on the arrays, the
        # step a 0-d array of the gradient's dtype (the same float32 rounding as the
        # Python float in sgd_update, and NumPy's cheapest form of a scalar).
        minus_lr = -float(group["lr"])
        steps = {}  # the 0-d step of each dtype, made once per group
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            grad = grad._data
            # the size first: small parameters (most steps of a small net) skip the call
            if grad.size < _blas.MIN_VECTOR or not _blas.add_multiple_on_blas(p._data, minus_lr, grad):
                step = steps.get(grad.dtype)
                if step is None:
                    step = steps[grad.dtype] = np.asarray(minus_lr, grad.dtype)
                p._data += grad * step
            bump_version(p)

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
