"""Fused neural-network primitives: softmax and log-softmax (for numerical
stability and speed), and later linear, convolution, pooling, norms and losses.

Each earns a primitive of its own because composing it from elementwise ops
would be slower or would overflow (e^1000); the docstring says which.
"""

import numpy as np

from .._dtype import default_float
from ..autograd.function import Primitive
from ._helpers import bind, normalize_dim

__all__ = ["softmax", "log_softmax"]


class LogSoftmax(Primitive):
    """y_i = x_i - log sum_j e^(x_j)  (shifted by max x for stability).
    dL/dx_i = dL/dy_i - softmax(x)_i * sum_j dL/dy_j,  with softmax = e^y."""

    def forward(ctx, x, axis):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad - np.exp(y) * grad.sum(axis=ctx.axis, keepdims=True)


class Softmax(Primitive):
    """y_i = e^(x_i) / sum_j e^(x_j)  (shifted by max x for stability).
    dL/dx_i = y_i * (dL/dy_i - sum_j y_j dL/dy_j)."""

    def forward(ctx, x, axis):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        y = e / np.sum(e, axis=axis, keepdims=True)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return y * (grad - (grad * y).sum(axis=ctx.axis, keepdims=True))


def _softmax_input(input, dim, dtype, op_name):
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind != "f":
        input = input._cast(default_float())
    if dim is None:
        dim = 0 if input._data.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    return input, normalize_dim(dim, input._data.ndim, op_name)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(input, dim))``, computed stably.

    >>> import chainrule
    >>> chainrule.log_softmax(chainrule.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    input, axis = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply_unary(input, axis)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(input) / sum(exp(input), dim)``: probabilities along ``dim``.

    >>> import chainrule
    >>> chainrule.softmax(chainrule.tensor([1.0, 1.0, 2.0]), dim=0)
    tensor([0.2119, 0.2119, 0.5761])
    """
    input, axis = _softmax_input(input, dim, dtype, "softmax")
    return Softmax.apply_unary(input, axis)


bind({"softmax": softmax, "log_softmax": log_softmax})
