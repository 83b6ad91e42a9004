"""Per-sample normalization layers: LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm and
CrossMapLRN2d."""

import numbers

import numpy as np

from ..._dtype import scalar_type_name
from ...autograd.function import Primitive
from .. import functional as F
from .. import init
from ..parameter import empty_parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d"]


class _AffineNorm(Module):
    """What the normalization layers share (BatchNorm too): an optional
    elementwise ``weight``, starting at 1, and ``bias``, starting at 0."""

    def _add_affine_parameters(self, shape, affine, bias, dtype):
        """``weight`` and ``bias`` of ``shape``; None for ``bias=False`` (both for ``affine=False``)."""
        if affine:
            self.weight = empty_parameter(shape, dtype=dtype)
            if bias:
                self.bias = empty_parameter(shape, dtype=dtype)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        """weight 1, bias 0 (PyTorch's defaults)."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class LayerNorm(_AffineNorm):
    """Normalize each sample over its last dims (``normalized_shape``):
    y = (x - mean) / sqrt(var + eps) * weight + bias, weight and bias of
    ``normalized_shape`` (weight 1 and bias 0 at first).

    >>> import chainrule
    >>> ln = chainrule.nn.LayerNorm(10)
    >>> ln(chainrule.randn(20, 5, 10)).shape
    chainrule.Size([20, 5, 10])
    >>> ln
    LayerNorm((10,), eps=1e-05, elementwise_affine=True, bias=True)
    """

    def __init__(
        self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None
    ):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._add_affine_parameters(self.normalized_shape, elementwise_affine, bias, dtype)
        self.reset_parameters()

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(_AffineNorm):
    """Split the C channels of (N, C, *) into ``num_groups`` groups and normalize
    each group of each sample; then weight and bias per channel (``affine``).

    >>> import chainrule
    >>> gn = chainrule.nn.GroupNorm(3, 6)
    >>> gn(chainrule.randn(20, 6, 10, 10)).shape
    chainrule.Size([20, 6, 10, 10])
    >>> gn
    GroupNorm(3, 6, eps=1e-05, affine=True, bias=True)
    """

    def __init__(
        self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True
    ):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self._add_affine_parameters(num_channels, affine, bias, dtype)
        self.reset_parameters()

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Divide each sample by its root mean square over the last dims
    (``normalized_shape``): y = x / sqrt(mean(x^2) + eps) * weight, weight of
    ``normalized_shape`` (1 at first); ``eps=None`` is the dtype's epsilon.

    >>> import chainrule
    >>> rms = chainrule.nn.RMSNorm([2, 3])
    >>> rms(chainrule.randn(4, 2, 3)).shape
    chainrule.Size([4, 2, 3])
    >>> rms
    RMSNorm((2, 3), eps=None, elementwise_affine=True)
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = empty_parameter(self.normalized_shape, dtype=dtype)
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight 1 (PyTorch's default)."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class _ResponseNorm(Module):
    """What LocalResponseNorm and CrossMapLRN2d share: the window ``size`` and the
    constants of (k + alpha * mean of squares) ** beta; no parameters."""

    def __init__(self, size, alpha, beta, k):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class LocalResponseNorm(_ResponseNorm):
    """Divide each value of (N, C, *) by (k + alpha * mean of the squares over
    ``size`` neighbouring channels) ** beta; no parameters.

    >>> import chainrule
    >>> lrn = chainrule.nn.LocalResponseNorm(2)
    >>> lrn(chainrule.randn(32, 5, 24, 24)).shape
    chainrule.Size([32, 5, 24, 24])
    >>> lrn
    LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__(size, alpha, beta, k)

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)


def _channel_sum(counts, x):
    """sum_j counts[c, j] * x[n, j, h, w] for (N, C, H, W) x: one batched matrix product."""
    n, c, h, w = x.shape
    return np.matmul(counts, x.reshape(n, c, h * w)).reshape(x.shape)


class _CrossMapLRN2d(Primitive):
    """Lua Torch's LRN across channels, kept by PyTorch as a Function with a hand-written
    backward; this reproduces both, windows included. Forward: y = x * scale^-beta with
    scale[c] = k + alpha / size * sum_j W[c, j] x[j]^2, where W is PyTorch's running window
    (it widens as c grows and never drops channel 0). Backward (PyTorch's, not the exact
    derivative of that forward): dL/dx[c] = scale[c]^-beta g[c] - 2 alpha beta / size * x[c] *
    sum of g y / scale over channels c - ceil(size/2) .. c + size - 1 - ceil(size/2)."""

    once_differentiable = True

    @classmethod
    def name(cls):
        return "CrossMapLRN2dBackward"

    def forward(ctx, x, size, alpha, beta, k):
        if x.dtype.kind != "f":
            raise RuntimeError(
                f"result type Float can't be cast to the desired output type {scalar_type_name(x.dtype)}"
            )
        channels = x.shape[1]
        pre_pad = int((size - 1) / 2 + 1)
        # PyTorch's recurrence, one channel at a time, as counts of each channel's square
        window = np.zeros((channels, channels), x.dtype)
        window[0, : min(pre_pad, channels)] = 1
        for c in range(1, channels):
            window[c] = window[c - 1]
            if c < channels - pre_pad + 1:
                window[c, c + pre_pad - 1] += 1
            if c > pre_pad:
                window[c, c - pre_pad] -= 1
        scale = _channel_sum(window, x * x) * (alpha / size) + k
        y = np.power(scale, -beta) * x
        ctx.save_for_backward(x, y, scale)
        ctx.constants = (size, alpha, beta)
        return y

    def backward(ctx, grad):
        x, y, scale = ctx.saved
        size, alpha, beta = ctx.constants
        channels = x.shape[1]
        before = int(size - (size - 1) / 2)
        if before > size - 1:  # PyTorch's padded buffer is too short for size 1
            raise RuntimeError(
                f"start ({before}) + length ({channels}) exceeds dimension size ({channels + size - 1})."
            )
        c = np.arange(channels)[:, None]
        j = np.arange(channels)[None, :]
        window = ((j >= c - before) & (j <= c + size - 1 - before)).astype(x.dtype)
        ratio = _channel_sum(window, grad * y / scale)
        return np.power(scale, -beta) * grad - (2 * alpha * beta / size) * x * ratio


class CrossMapLRN2d(_ResponseNorm):
    """PyTorch's legacy local response normalization across channels of (N, C, H, W)
    (from Lua Torch): its own channel windows and its own backward, both reproduced
    here (see ``_CrossMapLRN2d``); ``LocalResponseNorm`` is the modern layer.

    >>> import chainrule
    >>> lrn = chainrule.nn.CrossMapLRN2d(3)
    >>> lrn(chainrule.randn(2, 4, 5, 5)).shape
    chainrule.Size([2, 4, 5, 5])
    >>> lrn
    CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__(size, alpha, beta, k)

    def forward(self, input):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        return _CrossMapLRN2d.apply(input, self.size, self.alpha, self.beta, self.k)
