"""Automatic differentiation: the graph nodes, the backward engine, grad
mode, gradient checks, anomaly detection and saved-tensor hooks (``torch.autograd``)."""

import importlib
import warnings

import numpy as np

from .._tensor import Tensor as _Tensor
from .._tensor import wrap as _wrap
from . import anomaly, engine, function, grad_mode, graph
from .anomaly import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import Function, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck


def __getattr__(name):
    # functional builds on ops, which import this package, and profiler is rarely
    # needed: loaded on first use.
    if name in ("functional", "profiler"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _Tensor)


class Variable(metaclass=_VariableMeta):
    """The legacy constructor from before tensors carried autograd: ``Variable(x,
    requires_grad=True)`` is a new tensor sharing ``x``'s data, and every tensor
    is an instance of Variable, as in PyTorch.

    >>> import chainrule
    >>> from chainrule.autograd import Variable
    >>> v = Variable(chainrule.tensor([1.0, 2.0]), requires_grad=True)
    >>> v, isinstance(v, Variable)
    (tensor([1., 2.], requires_grad=True), True)
    """

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        if data is None:
            data = _wrap(np.zeros(0, np.float32))
        if not isinstance(data, _Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


__all__ = [
    "Function",
    "GradcheckError",
    "Variable",
    "anomaly",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "engine",
    "function",
    "functional",
    "grad",
    "grad_mode",
    "gradcheck",
    "gradgradcheck",
    "graph",
    "inference_mode",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "once_differentiable",
    "profiler",
    "set_detect_anomaly",
    "set_grad_enabled",
]
