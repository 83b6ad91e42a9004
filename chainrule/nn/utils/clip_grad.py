"""Gradient clipping, in place on ``.grad``, as ``torch.nn.utils``."""

import types
import warnings

import numpy as np

from ..._tensor import Tensor, bump_version, wrap

__all__ = ["get_total_norm", "clip_grads_with_norm_", "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_"]


def _as_list(tensors):
    if isinstance(tensors, Tensor):
        return [tensors]
    is_generator = isinstance(tensors, types.GeneratorType)
    tensors = list(tensors)
    if is_generator and not tensors:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    return tensors


def _vector_norm(array, norm_type):
    """The ``norm_type``-norm of all elements of ``array``, in its own dtype."""
    flat = array.reshape(-1)
    if norm_type == 2:
        return np.sqrt(np.dot(flat, flat))
    if norm_type == np.inf:
        return np.abs(flat).max(initial=0)
    if norm_type == -np.inf:
        return np.abs(flat).min()
    if norm_type == 0:
        return flat.dtype.type(np.count_nonzero(flat))
    return (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all ``tensors`` together, as if concatenated into one vector
    (``norm_type`` may be ``inf``).

    >>> import chainrule
    >>> chainrule.nn.utils.get_total_norm([chainrule.tensor([3.0]), chainrule.tensor([4.0])])
    tensor(5.)
    """
    tensors = [t._data for t in _as_list(tensors)]
    norm_type = float(norm_type)
    if not tensors:
        return wrap(np.asarray(0.0, np.float32))
    dtype = np.result_type(*tensors)
    norms = np.array([_vector_norm(t, norm_type) for t in tensors], dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`"
        )
    return wrap(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by ``max_norm / (total_norm + 1e-6)`` when that is below 1."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coefficient = np.minimum(total.dtype.type(max_norm) / (total + total.dtype.type(1e-6)), 1.0)
    with np.errstate(invalid="ignore"):  # a non-finite norm makes the gradients nan, as in PyTorch
        for grad in grads:
            grad._data *= coefficient.astype(grad._data.dtype)
            bump_version(grad)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients in place so that their total norm is at most
    ``max_norm``; returns the total norm before clipping.

    >>> import chainrule
    >>> w = chainrule.nn.Parameter(chainrule.zeros(2))
    >>> w.grad = chainrule.tensor([3.0, 4.0])
    >>> chainrule.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The deprecated name of ``clip_grad_norm_``: warns, then clips."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    >>> import chainrule
    >>> w = chainrule.nn.Parameter(chainrule.zeros(3))
    >>> w.grad = chainrule.tensor([-3.0, 0.5, 3.0])
    >>> chainrule.nn.utils.clip_grad_value_([w], 1.0)
    >>> w.grad
    tensor([-1.0000,  0.5000,  1.0000])
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            bump_version(p.grad)
