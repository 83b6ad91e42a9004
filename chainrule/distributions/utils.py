"""Helpers shared by the distributions: parameter broadcasting and the
probability <-> logit conversions (``torch.distributions.utils``)."""

import numpy as np

from .._creation import tensor
from .._dtype import get_default_dtype
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..ops.nn import softmax
from ..ops.shape import broadcast_tensors

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values):
    """Tensors and numbers broadcast to one shape; numbers become tensors of the
    first tensor's dtype (the default dtype if there is none).

    >>> import chainrule
    >>> from chainrule.distributions.utils import broadcast_all
    >>> [v.shape for v in broadcast_all(chainrule.zeros(2, 1), 1.0)]
    [chainrule.Size([2, 1]), chainrule.Size([2, 1])]
    """
    if not all(isinstance(v, (Tensor, int, float, bool)) for v in values):
        raise ValueError(
            "Input arguments must all be instances of Number, "
            "torch.Tensor or objects implementing __torch_function__."
        )
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), get_default_dtype())
    return broadcast_tensors(*(v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values))


def logits_to_probs(logits, is_binary=False):
    """sigmoid of log-odds, or softmax of unnormalised log-probabilities over the last dim."""
    return logits.sigmoid() if is_binary else softmax(logits, dim=-1)


def clamp_probs(probs):
    """Probabilities clamped to [eps, 1 - eps] of their dtype, so their logs stay finite."""
    eps = float(np.finfo(probs.dtype.numpy).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log-odds log(p) - log(1 - p), or log(p), of the clamped probabilities."""
    clamped = clamp_probs(probs)
    return clamped.log() - (-clamped).log1p() if is_binary else clamped.log()


class lazy_property:
    """A property computed on first use (with gradients on) and then kept as an
    instance attribute, as PyTorch's: Categorical(logits=...) gets ``probs`` this way."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class BinaryParameters:
    """``probs`` and ``logits`` of a distribution over success/failure trials (Bernoulli,
    Binomial, NegativeBinomial, Geometric, the relaxed Bernoulli): whichever one was
    given, the other computed from it on first use."""

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    def _count_trials(self, total_count, probs, logits):
        """Set ``total_count`` broadcast with whichever of ``probs`` and ``logits`` is given
        (exactly one, else PyTorch's ValueError), in its dtype (Binomial, NegativeBinomial)."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        total_count, self._param = broadcast_all(total_count, probs if probs is not None else logits)
        self.total_count = total_count.type_as(self._param)
        if probs is not None:
            self.probs = self._param
        else:
            self.logits = self._param
