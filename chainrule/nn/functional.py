"""``chainrule.nn.functional`` (``F``), as ``torch.nn.functional``: the
stateless forms of layers, activations and losses.

Fused ops live with their primitives in ops/ (linear, softmax, the
cross-entropy family, dropout, embedding, hardtanh, leaky_relu, elu,
gelu, silu, softplus, mse_loss, smooth_l1_loss and huber_loss in ops/nn.py;
convolution, pooling, norms, attention and grid sampling in their own files) and are
gathered here. The composite activations and losses are written below from
existing primitives, so they get their gradients (and second derivatives)
for free.
"""

import math
import warnings

import numpy as np

from .._dtype import scalar_type_name
from .._random import numpy_generator
from .._tensor import Tensor, wrap
from ..autograd.grad_mode import no_grad
from ..ops._helpers import broadcast_error, inplace_on_copy, normalize_dim, promote, write_out
from ..ops.attention import *  # noqa: F403
from ..ops.conv import *  # noqa: F403
from ..ops.conv import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ..ops.ctc import ctc_loss  # noqa: F401
from ..ops.elementwise import clamp, erf, exp, log, log1p, minimum, sigmoid, tanh, where  # noqa: F401
from ..ops.indexing import index_select
from ..ops.linalg import einsum, pdist  # noqa: F401
from ..ops.nn import (  # noqa: F401
    Elu,
    Gelu,
    HuberLoss,
    LeakyRelu,
    MseLoss,
    Silu,
    SmoothL1Loss,
    Softmax,
    Softplus,
    _check_probability,
    _refuse_grad,
    _softmax_input,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    constant_pad,
    cosine_similarity,
    cross_entropy,
    dropout,
    dropout1d,
    dropout2d,
    embedding,
    embedding_bag,
    hardtanh,
    linear,
    log_softmax,
    logsigmoid,
    nll_loss,
    pairwise_distance,
    reduction_mode,
    softmax,
)
from ..ops.norm import *  # noqa: F403
from ..ops.sampling import *  # noqa: F403
from ..ops.shape import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: F401
from ..ops.volume import *  # noqa: F403
from ..ops.volume import avg_pool3d, max_pool3d

# --- activations -------------------------------------------------------------------------


def relu_(input):
    """In-place ``relu``."""
    return input.relu_()


def relu(input, inplace=False):
    """``max(input, 0)``, the rectified linear unit.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.relu(chainrule.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return input.relu_() if inplace else input.relu()


def _leaky_relu(input, negative_slope):
    return LeakyRelu.apply_unary(input, negative_slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``input`` where positive, ``negative_slope * input`` elsewhere.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.leaky_relu(chainrule.tensor([-2.0, 3.0]), 0.1)
    tensor([-0.2000,  3.0000])
    """
    if inplace:
        return inplace_on_copy(input, _leaky_relu, "leaky_relu_", negative_slope)
    return _leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def _elu(input, alpha):
    return Elu.apply_unary(input, alpha)


def elu(input, alpha=1.0, inplace=False):
    """``input`` where positive, ``alpha * (exp(input) - 1)`` elsewhere.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.elu(chainrule.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    if inplace:
        return inplace_on_copy(input, _elu, "elu_", alpha)
    return _elu(input, alpha)


def elu_(input, alpha=1.0):
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def gelu(input, approximate="none"):
    """Gaussian error linear unit ``x * Phi(x)`` (Phi: the standard normal CDF);
    ``approximate='tanh'`` uses ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.gelu(chainrule.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate in ("none", "tanh"):
        return Gelu.apply_unary(input, approximate)
    raise RuntimeError(f"gelu: approximate argument must be either none or tanh (got {approximate!r}).")


def _silu(input):
    return Silu.apply_unary(input)


def silu(input, inplace=False):
    """``input * sigmoid(input)`` (a.k.a. swish).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.silu(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7311])
    """
    return inplace_on_copy(input, _silu, "silu_") if inplace else _silu(input)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * input)) / beta``, and ``input`` itself where
    ``beta * input > threshold`` (where the two agree to float precision).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.softplus(chainrule.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    return Softplus.apply_unary(input, beta, threshold)


def _mish(input):
    return input * tanh(softplus(input))


def mish(input, inplace=False):
    """``input * tanh(softplus(input))``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.mish(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8651])
    """
    return inplace_on_copy(input, _mish, "mish_") if inplace else _mish(input)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """``min(max(input, 0), 6)``: ``hardtanh(input, 0, 6)``, whose gradient is 0
    at 0 and 6 too (as PyTorch's).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.relu6(chainrule.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def _refuse_integers(input, kernel):
    """PyTorch's error for an activation whose kernel takes floating inputs only."""
    dtype = input._data.dtype
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}' (convert the input with .float())"
        )


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu(input):
    return _elu(input, _SELU_ALPHA) * _SELU_SCALE


def selu(input, inplace=False):
    """``scale * elu(input, alpha)`` with the self-normalising constants alpha = 1.6733
    and scale = 1.0507 (Klambauer et al., 2017).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.selu(chainrule.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """
    _refuse_integers(input, "elu_cpu")
    return inplace_on_copy(input, _selu, "selu_") if inplace else _selu(input)


def selu_(input):
    """In-place ``selu``."""
    return selu(input, inplace=True)


def _celu(input, alpha):
    # alpha * elu(x / alpha): x where positive, alpha (e^(x/alpha) - 1) elsewhere, with
    # elu's guard against overflow and PyTorch's gradient 1 at 0
    return _elu(input / alpha, 1.0) * alpha


def celu(input, alpha=1.0, inplace=False):
    """``max(0, input) + min(0, alpha * (exp(input / alpha) - 1))``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.celu(chainrule.tensor([-1.0, 1.0]), alpha=2.0)
    tensor([-0.7869,  1.0000])
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    _refuse_integers(input, "elu_cpu")
    return inplace_on_copy(input, _celu, "celu_", alpha) if inplace else _celu(input, alpha)


def celu_(input, alpha=1.0):
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


def _hardswish(input):
    # Built from where, as PyTorch's gradient is: x/3 + 1/2 strictly inside (-3, 3), 0 at
    # and below -3, 1 at and above 3, at +inf and at NaN (x * hardtanh(x + 3, 0, 6) / 6
    # would give NaN at NaN and +-inf). The quadratic piece sees x clamped to [-3, 3], so an
    # infinite x does not make its unused gradient 0 * inf = NaN; x * 0 below -3 is
    # PyTorch's value there (-0, and NaN at -inf).
    held = input.clamp(-3.0, 3.0)
    return where(input <= -3, input * 0, where(input < 3, held * (held + 3) / 6, input))


def hardswish(input, inplace=False):
    """``input * relu6(input + 3) / 6`` (MobileNetV3's cheap swish).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.hardswish(chainrule.tensor([-1.0, 1.0, 4.0]))
    tensor([-0.3333,  0.6667,  4.0000])
    """
    _refuse_integers(input, "hardswish_cpu")
    return inplace_on_copy(input, _hardswish, "hardswish_") if inplace else _hardswish(input)


def _hardsigmoid(input):
    # hardtanh's gradient is 0 at its bounds, as PyTorch's hardsigmoid's is at -3 and 3
    return hardtanh(input + 3, 0.0, 6.0) / 6


def hardsigmoid(input, inplace=False):
    """``relu6(input + 3) / 6``: 0 up to -3, 1 from 3, linear between.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.hardsigmoid(chainrule.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    _refuse_integers(input, "hardsigmoid_cpu")
    return inplace_on_copy(input, _hardsigmoid, "hardsigmoid_") if inplace else _hardsigmoid(input)


def softsign(input):
    """``input / (1 + |input|)``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.softsign(chainrule.tensor([-3.0, 1.0]))
    tensor([-0.7500,  0.5000])
    """
    return input / (input.abs() + 1)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-input, dim)``: probabilities that favour the smallest values.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.softmin(chainrule.tensor([1.0, 1.0, 2.0]), dim=0)
    tensor([0.4223, 0.4223, 0.1554])
    """
    input, axis = _softmax_input(input, dim, dtype, "softmin", _stacklevel)
    return Softmax.apply_unary(-input, axis)


def _threshold(input, threshold, value):
    # `<=` as PyTorch: the gradient is 0 at the threshold, and NaN is kept with its gradient
    replacement = wrap(np.array(value).astype(input._data.dtype))
    return where(input <= threshold, replacement, input)


def threshold(input, threshold, value, inplace=False):
    """``input`` where it is above ``threshold``, ``value`` elsewhere.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.threshold(chainrule.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    if inplace:
        return inplace_on_copy(input, _threshold, "threshold_", threshold, value)
    return _threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place ``threshold``."""
    return inplace_on_copy(input, _threshold, "threshold_", threshold, value)


def glu(input, dim=-1):
    """Gated linear unit ``a * sigmoid(b)``, a and b the two halves of ``input`` along ``dim``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.glu(chainrule.tensor([2.0, 4.0, 0.0, 0.0]))
    tensor([1., 2.])
    """
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = normalize_dim(dim, input.ndim)
    size = input.shape[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size}")
    _refuse_integers(input, "glu_cpu")
    half = size // 2
    return input.narrow(axis, 0, half) * sigmoid(input.narrow(axis, half, half))


def tanhshrink(input):
    """``input - tanh(input)``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.tanhshrink(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """
    return input - tanh(input)


def softshrink(input, lambd=0.5):
    """``input - lambd`` above ``lambd``, ``input + lambd`` below ``-lambd``, 0 between.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.softshrink(chainrule.tensor([-2.0, 0.3, 2.0]))
    tensor([-1.5000,  0.0000,  1.5000])
    """
    dtype = input._data.dtype
    _refuse_integers(input, "softshrink_check")
    largest = float(np.finfo(dtype).max)
    if not 0 <= lambd <= largest:
        raise RuntimeError(
            f"lambda must be in range [0, {largest:g}] for input dtype {scalar_type_name(dtype)}, "
            f"but found {lambd:g}"
        )
    # x minus x held in [-lambd, lambd]: exactly 0 inside, x -+ lambd outside. clamp's
    # gradient (1 at the bounds, 0 at NaN) makes this one 0 at +-lambd and 1 at NaN, as PyTorch's
    return input - input.clamp(-lambd, lambd)


def hardshrink(input, lambd=0.5):
    """``input`` where ``|input| > lambd``, 0 elsewhere.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.hardshrink(chainrule.tensor([-2.0, 0.3, 2.0]))
    tensor([-2.,  0.,  2.])
    """
    _refuse_integers(input, "hardshrink_cpu")
    # 0 with gradient 0 at +-lambd too, and NaN kept with its gradient, as PyTorch's
    return where(input.abs() <= lambd, 0.0, input)


def prelu(input, weight):
    """``input`` where positive, ``weight * input`` elsewhere: ``weight`` holds one
    learned slope for every channel (dim 1), or a single one for all.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.prelu(chainrule.tensor([[-1.0, -1.0], [2.0, 2.0]]), chainrule.tensor([0.1, 0.2]))
    tensor([[-0.1000, -0.2000],
            [ 2.0000,  2.0000]])
    """
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {scalar_type_name(input._data.dtype)} and "
            f"{scalar_type_name(weight._data.dtype)}"
        )
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    count = weight.numel()
    if count == 1:
        slope = weight.reshape(())
    else:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim > 1 else 1
        if channels != count:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{count} and channel size = {channels}."
            )
        slope = weight.reshape((count,) + (1,) * (input.ndim - 2))
    _refuse_integers(input, "prelu_cpu")
    # the gradient at 0 is the slope's, as PyTorch's
    return where(input > 0, input, slope * input)


def _rrelu_sampled(input, lower, upper):
    # Slopes drawn from chainrule's generator (NumPy's PCG64): PyTorch's distribution,
    # U(lower, upper) where x <= 0 and 1 elsewhere, but not its bits. The gradient is the
    # drawn slope, as PyTorch's.
    data = input._data
    drawn = numpy_generator().uniform(lower, upper, data.shape).astype(data.dtype)
    return input * wrap(np.where(data <= 0, drawn, data.dtype.type(1)))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomised leaky ReLU: in training, ``input`` where positive and ``a * input``
    elsewhere, ``a`` drawn from U(lower, upper) for every element; in evaluation,
    ``leaky_relu`` with slope ``(lower + upper) / 2``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.rrelu(chainrule.tensor([-1.0, 1.0]), 0.1, 0.3)
    tensor([-0.2000,  1.0000])
    """
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        _refuse_integers(input, "leaky_relu_cpu")
        return leaky_relu(input, (lower + upper) / 2, inplace)
    _refuse_integers(input, "rrelu_with_noise_out_cpu")
    if inplace:
        return inplace_on_copy(input, _rrelu_sampled, "rrelu_", lower, upper)
    return _rrelu_sampled(input, lower, upper)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``: unit-norm vectors.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.normalize(chainrule.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        return write_out(out, normalize(input, p, dim, eps), "normalize")
    denominator = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denominator


# --- layers as functions ---------------------------------------------------------------------


def bilinear(input1, input2, weight, bias=None):
    """``y_o = input1^T weight_o input2 + bias_o`` for inputs (*, in1) and (*, in2),
    weight (out, in1, in2).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.bilinear(chainrule.ones(1, 2), chainrule.ones(1, 3), chainrule.ones(4, 2, 3)).shape
    chainrule.Size([1, 4])
    """
    a, b, w = input1._data, input2._data, weight._data
    if (
        w.ndim != 3
        or a.shape[-1:] != w.shape[1:2]
        or b.shape[-1:] != w.shape[2:3]
        or a.shape[:-1] != b.shape[:-1]
    ):
        raise RuntimeError(
            f"bilinear(): input1 {tuple(a.shape)} and input2 {tuple(b.shape)} do not fit weight "
            f"{tuple(w.shape)}: expected (*, in1), (*, in2) with the same leading dims and weight "
            "(out, in1, in2)"
        )
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias


def one_hot(tensor, num_classes=-1):
    """Class indices (int64) as one-hot rows: shape ``tensor.shape + (num_classes,)``,
    ``num_classes`` inferred as ``max + 1`` when -1.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.one_hot(chainrule.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    data = tensor._data
    if data.dtype != np.int64:
        raise RuntimeError(
            "one_hot is only applicable to index tensor of type LongTensor "
            f"(got {tensor.dtype}; use .long())."
        )
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    if data.size and data.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if data.size and data.max() >= num_classes:
        raise RuntimeError(
            f"Class values must be smaller than num_classes ({num_classes}; got {data.max()})."
        )
    return wrap((data[..., None] == np.arange(num_classes)).astype(np.int64))


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_positions(mode, size, before, after, dim, shape):
    """The source position of each output position along a padded dim."""
    positions = np.arange(-before, size + after)
    if mode == "reflect":
        if before >= size or after >= size:
            raise RuntimeError(
                "pad: Argument #4: Padding size should be less than the corresponding input dimension, but "
                f"got: padding ({before}, {after}) at dimension {dim} of input {list(shape)}"
            )
        positions = np.abs(positions)
        return np.where(positions >= size, 2 * (size - 1) - positions, positions)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    if before > size or after > size:
        raise RuntimeError(
            f"pad: Padding value causes wrapping around more than once (padding ({before}, {after}) at "
            f"dimension {dim} of size {size})."
        )
    return positions % size


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (last_left, last_right,
    second_last_left, ...)``. Modes: 'constant' (``value``, any dims; negative
    entries crop), 'reflect', 'replicate', 'circular' (last 1-3 dims of a
    batched or unbatched input).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.pad(chainrule.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    shape = input._data.shape
    ndim = len(shape)
    if len(pad) % 2:
        raise RuntimeError(f"pad: Padding length must be divisible by 2 (got {len(pad)}: {tuple(pad)})")
    padded = len(pad) // 2
    if padded > ndim:
        raise RuntimeError(
            "pad: Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {ndim}"
        )
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode} (use one of {', '.join(_PAD_MODES)})")
    widths = [(0, 0)] * (ndim - padded) + [
        (int(pad[2 * k]), int(pad[2 * k + 1])) for k in reversed(range(padded))
    ]
    if mode == "constant":
        return constant_pad(input, widths, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if padded > 3 or ndim not in (padded + 1, padded + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    # negative entries crop first; the rest copies existing values (index_select adds
    # the gradient of every copy back to its source)
    crop = tuple(slice(max(-before, 0), n - max(-after, 0)) for (before, after), n in zip(widths, shape))
    if any(s.start or s.stop != n for s, n in zip(crop, shape)):
        input = input[crop]
    for dim, (before, after) in enumerate(widths):
        before, after = max(before, 0), max(after, 0)
        if before or after:
            positions = _pad_positions(mode, input._data.shape[dim], before, after, dim, shape)
            input = index_select(input, dim, wrap(positions))
    return input


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """``softmax((logits + g) / tau)`` with g ~ Gumbel(0, 1) drawn from chainrule's
    generator; ``hard=True`` returns the one-hot of its argmax with the soft sample's
    gradient (the straight-through estimator).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.gumbel_softmax(chainrule.zeros(2, 3), hard=True).sum(-1)
    tensor([1., 1.])
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    data = logits._data
    gumbels = -np.log(numpy_generator().exponential(size=data.shape)).astype(data.dtype)
    y_soft = ((logits + wrap(gumbels)) / tau).softmax(dim)
    if not hard:
        return y_soft
    axis = normalize_dim(dim, data.ndim)
    y_hard = np.zeros_like(data)
    np.put_along_axis(y_hard, y_soft._data.argmax(axis, keepdims=True), 1, axis)
    return wrap(y_hard) - y_soft.detach() + y_soft


# SELU's negative saturation value, -scale * alpha: alpha dropout's dropped units take it
_SELU_SATURATION = 1.7580993408473766


def _alpha_dropped(input, p, feature):
    # x * m * a + (m - 1) * s * a + s * a * p, with m ~ Bernoulli(1 - p) and s SELU's saturation:
    # PyTorch's affine formula, which keeps SELU's zero mean and unit variance
    if p == 1:
        return input * 0
    data = input._data
    shape = data.shape[:2] + (1,) * (data.ndim - 2) if feature else data.shape
    keep = (numpy_generator().random(shape) >= p).astype(data.dtype)
    scale = 1 / math.sqrt((_SELU_SATURATION**2 * p + 1) * (1 - p))
    # in the input's precision, in PyTorch's order
    real = data.dtype.type
    shift = (keep - 1) * real(_SELU_SATURATION * scale) + real(_SELU_SATURATION * scale * p)
    return input * wrap(keep * real(scale)) + wrap(shift)


def _alpha_dropout(input, p, training, inplace, feature, op_name):
    _check_probability(p)
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0 or input.numel() == 0:
        return input
    if inplace:
        return inplace_on_copy(input, _alpha_dropped, op_name, p, feature)
    return _alpha_dropped(input, p, feature)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: in training, each element is set to SELU's negative
    saturation with probability ``p``, then all are scaled and shifted so that the
    mean and variance are kept (PyTorch's affine formula).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.alpha_dropout(chainrule.ones(3), p=0.5)
    tensor([1., 1., 1.])
    """
    return _alpha_dropout(input, p, training, inplace, False, "alpha_dropout_")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """``alpha_dropout`` of whole channels: one draw for each (N, C) of (N, C, *).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.feature_alpha_dropout(chainrule.ones(1, 2, 2), p=0.5)
    tensor([[[1., 1.],
             [1., 1.]]])
    """
    return _alpha_dropout(input, p, training, inplace, True, "feature_alpha_dropout_")


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, area, avg_pool, max_pool):
    # PyTorch's composition: (window sum of x^p)^(1/p), the sum as the mean times the area,
    # sign(out) * relu(|out|) giving the gradient 0 where the sum is 0
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(area).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm ``(sum of x^p)^(1/p)`` of each window of (N, C, L), p = ``norm_type``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.lp_pool1d(chainrule.tensor([[[3.0, 4.0]]]), 2, 2)
    tensor([[[5.]]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, kernel_size, avg_pool1d, max_pool1d)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm ``(sum of x^p)^(1/p)`` of each (kH, kW) window of (N, C, H, W), p = ``norm_type``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.lp_pool2d(chainrule.ones(1, 1, 2, 2), 2, 2)
    tensor([[[[2.]]]])
    """
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, kh * kw, avg_pool2d, max_pool2d)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm ``(sum of x^p)^(1/p)`` of each (kD, kH, kW) window of (N, C, D, H, W),
    p = ``norm_type``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.lp_pool3d(chainrule.ones(1, 1, 2, 2, 2), 2, 2)
    tensor([[[[[2.8284]]]]])
    """
    kd, kh, kw = (kernel_size,) * 3 if isinstance(kernel_size, int) else kernel_size
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, kd * kh * kw, avg_pool3d, max_pool3d)


def _fractional_starts(sample, size, out, pool):
    """PyTorch's pseudo-random window starts along one side, one row per plane: start i is
    ``int((i + u) a) - int(u a)`` with ``a = (size - pool) / (out - 1)`` in the input's
    dtype, and the last window ends at the edge."""
    starts = np.zeros(sample.shape + (out,), np.int64)
    if out > 1:
        alpha = sample.dtype.type(size - pool) / sample.dtype.type(out - 1)
        steps = np.arange(out).astype(sample.dtype) + sample[..., None]
        starts = (steps * alpha).astype(np.int64) - (sample * alpha).astype(np.int64)[..., None]
    starts[..., -1] = size - pool
    return starts


def fractional_max_pool2d(
    input, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None
):
    """Max pooling of (N, C, H, W) (or (C, H, W)) over (kH, kW) windows placed
    pseudo-randomly to give ``output_size`` (or ``output_ratio`` times the input's)
    outputs (Graham, 2014): one uniform draw per plane and side, from chainrule's
    generator unless ``_random_samples`` (N, C, 2) gives them (width, then height).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> x = chainrule.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.fractional_max_pool2d(x, 2, output_size=2, _random_samples=chainrule.full((1, 1, 2), 0.5))
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    if output_size is None and output_ratio is None:
        raise ValueError("fractional_max_pool2d requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if len(output_ratio) > 2:
            raise ValueError(
                "fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints."
            )
        output_size = [int(input.size(-2) * output_ratio[0]), int(input.size(-1) * output_ratio[1])]
    if input.ndim not in (3, 4):
        raise RuntimeError(f"fractional_max_pool2d(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    batch, channels, height, width = x.shape
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    for side, pool, size, out in (("height", kh, height, oh), ("width", kw, width, ow)):
        if out + pool - 1 > size:
            raise RuntimeError(
                f"fractional_max_pool2d(): pool {side} {pool} too large relative to input {side} {size} "
                f"(output {side} {out} needs at least {out + pool - 1})"
            )
    if _random_samples is None:
        samples = numpy_generator().random((batch, channels, 2)).astype(x._data.dtype)
    else:
        _refuse_grad(_random_samples, "fractional_max_pool2d", "random_samples")
        samples = _random_samples._data
        if samples.dtype != x._data.dtype:
            raise RuntimeError("Expect _random_samples to have the same dtype as input")
        if samples.ndim != 3 or samples.shape[0] < batch:
            raise RuntimeError(
                f"Expect _random_samples to be (N, C, 2) with N at least the batch size {batch}; "
                f"got {list(samples.shape)}."
            )
        if samples.shape[1] != channels:
            raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
        if samples.shape[2] != 2:
            raise RuntimeError(f"Expect _random_samples.size(2) equals to 2; got {samples.shape[2]}.")
    rows = _fractional_starts(samples[:batch, :, 1], height, oh, kh)  # (N, C, OH)
    cols = _fractional_starts(samples[:batch, :, 0], width, ow, kw)  # (N, C, OW)
    # the flat position of each window element: (N, C, OH, OW, kH * kW), rows outer as PyTorch scans
    window_rows = rows[:, :, :, None, None, None] + np.arange(kh)[:, None]
    window_cols = cols[:, :, None, :, None, None] + np.arange(kw)
    flat = (window_rows * width + window_cols).reshape(batch, channels, oh, ow, kh * kw)
    windows = x.reshape(batch, channels, height * width).gather(2, wrap(flat.reshape(batch, channels, -1)))
    output, which = windows.reshape(batch, channels, oh, ow, kh * kw).max(-1)
    if input.ndim == 3:
        output = output.squeeze(0)
    if not return_indices:
        return output
    indices = np.take_along_axis(flat, which._data[..., None], -1)[..., 0]
    return output, wrap(indices if input.ndim == 4 else indices[0])


# --- resampling ---------------------------------------------------------------------------------

# The linear modes and the input dims each takes: (N, C, W), (N, C, H, W), (N, C, D, H, W).
_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}
_NEAREST_MODES = ("nearest", "nearest-exact")


def _output_size(input, size, scale_factor, recompute_scale_factor):
    """The output's spatial sizes and the scale factors the source positions use
    (None where PyTorch computes them from the sizes)."""
    spatial = input.ndim - 2
    given = size if size is not None else scale_factor
    values = list(given) if isinstance(given, (list, tuple)) else [given] * spatial
    if len(values) != spatial:
        what = "output size" if size is not None else "scale_factor"
        raise ValueError(
            "Input and output must have the same number of spatial dimensions, but got input with "
            f"spatial dimensions of {list(input.shape[2:])} and {what} of {given}. Please provide input "
            "tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
        )
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return [int(n) for n in values], [None] * spatial
    sizes = [math.floor(n * float(scale)) for n, scale in zip(input.shape[2:], values)]
    return sizes, [None] * spatial if recompute_scale_factor else [float(v) for v in values]


def _ratio(n_in, n_out, scale, compute):
    """PyTorch's ``compute_scales_value``: 1/scale_factor when given, else n_in / n_out."""
    if scale is not None and scale > 0:
        return compute(1.0 / scale)
    return compute(n_in) / compute(n_out)


def _nearest_positions(n_in, n_out, scale, exact):
    """The source index of each output index (PyTorch's float32 arithmetic)."""
    destination = np.arange(n_out)
    if not exact and n_out == 2 * n_in:
        return destination >> 1
    ratio = _ratio(n_in, n_out, scale, np.float32)
    position = destination.astype(np.float32)
    if exact:
        position = position + np.float32(0.5)
    return np.minimum(np.floor(position * ratio).astype(np.int64), n_in - 1)


def _linear_weights(n_in, n_out, scale, align_corners, compute):
    """For each output index: the two source indices and their weights (PyTorch's
    ``area_pixel_compute_source_index`` and ``guard_index_and_lambda``)."""
    destination = np.arange(n_out).astype(compute)
    if align_corners:
        ratio = compute(n_in - 1) / compute(n_out - 1) if n_out > 1 else compute(0)
        source = ratio * destination
    else:
        ratio = _ratio(n_in, n_out, scale, compute)
        source = np.maximum(ratio * (destination + compute(0.5)) - compute(0.5), compute(0))
    first = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    weight_second = np.clip(source - first.astype(compute), compute(0), compute(1))
    second = first + (first < n_in - 1)
    return first, second, compute(1) - weight_second, weight_second


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """Resize the spatial dims of (N, C, ...) to ``size`` or by ``scale_factor``.
    Modes: 'nearest' and 'nearest-exact' (3-D to 5-D input), 'linear' (3-D),
    'bilinear' (4-D), 'trilinear' (5-D), with ``align_corners`` as PyTorch
    (True: the corner pixels' centres line up; False: their outer edges do),
    and 'area' (adaptive average pooling, 4-D). Built from index_select and
    weighted sums, so gradients (and second derivatives) come for free.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> x = chainrule.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> F.interpolate(x, scale_factor=2)[0, 0]
    tensor([[1., 1., 2., 2.],
            [1., 1., 2., 2.],
            [3., 3., 4., 4.],
            [3., 3., 4., 4.]])
    >>> F.interpolate(x, size=3, mode="bilinear", align_corners=True)[0, 0]
    tensor([[1.0000, 1.5000, 2.0000],
            [2.0000, 2.5000, 3.0000],
            [3.0000, 3.5000, 4.0000]])
    """
    if mode in _NEAREST_MODES or mode == "area":
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    ndim = input.ndim
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by chainrule")
    if mode in _LINEAR_MODES and ndim in (3, 4, 5) and ndim != _LINEAR_MODES[mode]:
        raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {_LINEAR_MODES[mode]}D input")
    if mode == "bicubic" or (mode == "area" and ndim != 4) or ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: chainrule's interpolate supports 3D, 4D and 5D input tensors for the modes "
            f"nearest | nearest-exact | linear | bilinear | trilinear, and 4D ones for area "
            f"(got {ndim}D, mode {mode!r})"
        )
    if mode not in _LINEAR_MODES and mode not in _NEAREST_MODES and mode != "area":
        raise NotImplementedError(f"interpolate: unknown mode {mode!r}")
    sizes, scales = _output_size(
        input, size, scale_factor, recompute_scale_factor or (mode == "area" and size is None)
    )
    in_sizes = tuple(input.shape[2:])
    if any(n <= 0 for n in sizes) or any(n <= 0 for n in in_sizes):
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input {in_sizes} output {tuple(sizes)}"
        )
    if mode == "area":
        return adaptive_avg_pool2d(input, sizes)
    compute = np.float64 if input._data.dtype == np.float64 else np.float32  # PyTorch's opmath type
    result = input
    # the last dim first: the sums then group as PyTorch's kernels group them
    for d in reversed(range(ndim - 2)):
        axis = d + 2
        n_in, n_out = in_sizes[d], sizes[d]
        if n_in == n_out:
            continue
        if mode in _NEAREST_MODES:
            positions = _nearest_positions(n_in, n_out, scales[d], mode == "nearest-exact")
            result = index_select(result, axis, wrap(positions))
            continue
        first, second, weight_first, weight_second = _linear_weights(
            n_in, n_out, scales[d], align_corners, compute
        )
        along = (n_out,) + (1,) * (ndim - axis - 1)
        dtype = input._data.dtype
        result = index_select(result, axis, wrap(first)) * wrap(
            weight_first.astype(dtype).reshape(along)
        ) + index_select(result, axis, wrap(second)) * wrap(weight_second.astype(dtype).reshape(along))
    return input.clone() if result is input else result


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The old name of :func:`interpolate` (deprecated in PyTorch too).

    >>> import warnings, chainrule
    >>> import chainrule.nn.functional as F
    >>> with warnings.catch_warnings(record=True):
    ...     F.upsample(chainrule.ones(1, 1, 2), scale_factor=2).shape
    chainrule.Size([1, 1, 4])
    """
    warnings.warn(
        "nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """The old name of nearest-neighbour :func:`interpolate` (deprecated in PyTorch too).

    >>> import warnings, chainrule
    >>> import chainrule.nn.functional as F
    >>> with warnings.catch_warnings(record=True):
    ...     F.upsample_nearest(chainrule.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """The old name of bilinear :func:`interpolate` with ``align_corners=True``
    (deprecated in PyTorch too).

    >>> import warnings, chainrule
    >>> import chainrule.nn.functional as F
    >>> with warnings.catch_warnings(record=True):
    ...     F.upsample_bilinear(chainrule.tensor([[[[0.0, 3.0]]]]), size=(1, 4))
    tensor([[[[0., 1., 2., 3.]]]])
    """
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# --- losses -----------------------------------------------------------------------------------


def _check_target_shape(op_name, input, target):
    """PyTorch warns when a pointwise loss's target shape differs from the input's
    (it then broadcasts); shapes that cannot broadcast raise, naming both."""
    if target._data.shape == input._data.shape:
        return
    warnings.warn(
        f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
        "This will likely lead to incorrect results due to broadcasting. "
        "Please ensure they have the same size.",
        stacklevel=3,
    )
    try:
        np.broadcast_shapes(input._data.shape, target._data.shape)
    except ValueError:
        raise broadcast_error(op_name, input._data.shape, target._data.shape) from None


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _weighted_reduce(loss, weight, input, reduction, mean_by_weight):
    """PyTorch's per-element ``weight`` of l1/mse/huber: 'mean' divides by the weights'
    sum (l1, mse) or by the number of elements (huber)."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight._data.shape != input._data.shape:
        raise ValueError(
            f"Weights and input must have the same size (weight {tuple(weight.shape)}, "
            f"input {tuple(input.shape)})."
        )
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or sum) absolute error ``|input - target|``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.l1_loss(chainrule.tensor([1.0, 2.0]), chainrule.tensor([2.0, 4.0]))
    tensor(1.5000)
    """
    _check_target_shape("l1_loss", input, target)
    reduction = reduction_mode(size_average, reduce, reduction)
    return _weighted_reduce((input - target).abs(), weight, input, reduction, True)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or sum) squared error ``(input - target)^2``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.mse_loss(chainrule.tensor([1.0, 2.0]), chainrule.tensor([2.0, 4.0]))
    tensor(2.5000)
    """
    _check_target_shape("mse_loss", input, target)
    reduction = reduction_mode(size_average, reduce, reduction)
    if weight is None:
        return MseLoss.apply(*promote("mse_loss", input, target), None, reduction)
    return _weighted_reduce((input - target).square(), weight, input, reduction, True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.smooth_l1_loss(chainrule.tensor([0.5, 3.0]), chainrule.zeros(2))
    tensor(1.3125)
    """
    _check_target_shape("smooth_l1_loss", input, target)
    reduction = reduction_mode(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (got {beta}).")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return SmoothL1Loss.apply(*promote("smooth_l1_loss", input, target), beta, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (d = input - target).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.huber_loss(chainrule.tensor([0.5, 3.0]), chainrule.zeros(2), delta=2.0)
    tensor(2.0625)
    """
    _check_target_shape("huber_loss", input, target)
    reduction = reduction_mode(None, None, reduction)
    if weight is None:
        return HuberLoss.apply(*promote("huber_loss", input, target), delta, reduction)
    diff = input - target
    distance = diff.abs()
    loss = where(distance < delta, diff * diff * 0.5, (distance - 0.5 * delta) * delta)
    return _weighted_reduce(loss, weight, input, reduction, False)


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin=1.0,
    p=2,
    eps=1e-6,
    swap=False,
    size_average=None,
    reduce=None,
    reduction="mean",
):
    """``max(d(a, p) - d(a, n) + margin, 0)``, d the ``p``-norm distance of rows: an anchor
    should lie nearer its positive than its negative by ``margin``. ``swap`` uses the
    positive's distance to the negative when that is smaller.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> anchor, positive = chainrule.tensor([[0.0, 0.0]]), chainrule.tensor([[0.0, 1.0]])
    >>> F.triplet_margin_loss(anchor, positive, chainrule.tensor([[3.0, 0.0]]), eps=0.0)
    tensor(0.)
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
            f"{negative.ndim}D"
        )
    to_positive = pairwise_distance(anchor, positive, p, eps)
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = minimum(to_negative, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + to_positive - to_negative).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(
    anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False, reduction="mean"
):
    """``triplet_margin_loss`` with any ``distance_function(x1, x2)`` (default
    ``pairwise_distance``): ``max(d(a, p) - d(a, n) + margin, 0)``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> a = chainrule.zeros(1, 2)
    >>> F.triplet_margin_with_distance_loss(a, a, a + 3, distance_function=lambda x, y: (x - y).abs().sum(1))
    tensor(0.)
    """
    reduction = reduction_mode(None, None, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
            f"{negative.ndim}D inputs"
        )
    distance = pairwise_distance if distance_function is None else distance_function
    to_positive = distance(anchor, positive)
    to_negative = distance(anchor, negative)
    if swap:
        to_negative = minimum(to_negative, distance(positive, negative))
    return _reduce((margin + to_positive - to_negative).clamp_min(0), reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 asks for
    ``input1`` to rank higher than ``input2`` by ``margin``, -1 for the reverse.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> x1, x2 = chainrule.tensor([1.0, 1.0]), chainrule.tensor([0.5, 0.5])
    >>> F.margin_ranking_loss(x1, x2, chainrule.tensor([1.0, -1.0]))
    tensor(0.2500)
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    return _reduce((-target * (input1 - input2) + float(margin)).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1
    (``input`` usually a distance; other target values get both terms, as in PyTorch).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.hinge_embedding_loss(chainrule.tensor([0.3, 0.4]), chainrule.tensor([1.0, -1.0]), reduction="none")
    tensor([0.3000, 0.6000])
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    below_margin = (float(margin) - input).clamp_min(0)
    return _reduce(where(target != 1, below_margin, 0.0) + where(target != -1, input, 0.0), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-target * input))``, a smooth hinge for targets 1 and -1. As
    PyTorch's, the loss is inf where ``-target * input`` overflows exp (above about
    88 in float32), ``target`` must broadcast to ``input``'s shape and gets no gradient,
    and the loss keeps ``input``'s dtype.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.soft_margin_loss(chainrule.tensor([0.0, 2.0]), chainrule.tensor([1.0, -1.0]), reduction="none")
    tensor([0.6931, 2.1269])
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    _refuse_grad(target, "soft_margin_loss", "target")
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"soft_margin_loss: result type Float can't be cast to the desired output type "
            f"{scalar_type_name(input._data.dtype)} (call input.float() first)"
        )
    try:
        shape = np.broadcast_shapes(input._data.shape, target._data.shape)
    except ValueError:
        raise broadcast_error("soft_margin_loss", input._data.shape, target._data.shape) from None
    if shape != input._data.shape:
        raise RuntimeError(
            f"soft_margin_loss: output with shape {list(input.shape)} doesn't match the broadcast shape "
            f"{list(shape)} (the target {list(target.shape)} must broadcast to the input's shape)"
        )
    margin = -input * target
    if margin.dtype != input.dtype:  # PyTorch multiplies in place into a tensor of input's dtype
        margin = margin.to(input.dtype)
    return _reduce(log1p(exp(margin)), reduction)


_COSINE_EMBEDDING_EPS = 1e-12  # added to each squared norm, as PyTorch does


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(input1, input2)`` where ``target`` is 1, ``max(0, cos - margin)``
    where it is -1; rows of (N, D) inputs with an (N,) target, or (D,) inputs with a
    0-d target.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> x = chainrule.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> y = chainrule.tensor([[1.0, 1.0], [1.0, 1.0]])
    >>> F.cosine_embedding_loss(x, y, chainrule.tensor([1, -1]), reduction="none")
    tensor([0.2929, 0.7071])
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    dim = target.ndim
    if dim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != dim + 1 or input2.ndim != dim + 1:
        raise RuntimeError(
            f"{dim}D target tensor expects {dim + 1}D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    products = (input1 * input2).sum(dim)
    squared_norm1 = (input1 * input1).sum(dim) + _COSINE_EMBEDDING_EPS
    squared_norm2 = (input2 * input2).sum(dim) + _COSINE_EMBEDDING_EPS
    cosine = products / (squared_norm1 * squared_norm2).sqrt()
    similar = where(target == 1, 1 - cosine, 0.0)
    dissimilar = where(target == -1, (cosine - float(margin)).clamp_min(0), 0.0)
    return _reduce(similar + dissimilar, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy of logits, averaged over the classes (the last dim):
    ``-(target log sigmoid(x) + (1 - target) log sigmoid(-x))``, times ``weight``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> target = chainrule.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    >>> F.multilabel_soft_margin_loss(chainrule.zeros(2, 3), target)
    tensor(0.6931)
    """
    if size_average is not None or reduce is not None:
        reduction = reduction_mode(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.size(class_dim)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not valid (use 'mean', 'sum' or 'none')")
    return _reduce(loss, reduction)


def _check_multi_margin(input, target, weight):
    """PyTorch's argument checks of multi_margin_loss; the (samples, classes) of ``input``."""
    shape = tuple(input.shape)
    if not (len(shape) == 2 and shape[1] or len(shape) == 1 and shape[0] or not shape):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(shape)}"
        )
    samples, classes = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0] if shape else 1)
    if target.ndim > 1 or target.numel() != samples:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples "
            f"(batch size). Expected target size [{samples}], but got {list(target.shape)}. "
            f"Input has shape {list(shape)}."
        )
    if weight is not None and (weight.ndim > 1 or weight.numel() != classes):
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {list(weight.shape)}")
    if input.numel() == 0:
        return samples, classes
    dtype = input._data.dtype
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"multi_margin_loss_cpu_kernel\" not implemented for '{scalar_type_name(dtype)}' "
            "(call input.float() first)"
        )
    if target._data.dtype != np.int64:
        raise RuntimeError(
            f"expected scalar type Long but found {scalar_type_name(target._data.dtype)} "
            "(multi_margin_loss takes class indices: call target.long())"
        )
    if weight is not None and weight._data.dtype != dtype:
        raise RuntimeError(
            f"expected scalar type {scalar_type_name(dtype)} but found "
            f"{scalar_type_name(weight._data.dtype)} (multi_margin_loss: give weight the input's dtype)"
        )
    if ((target._data < 0) | (target._data >= classes)).any():
        raise RuntimeError(f"target out of range (multi_margin_loss: classes are 0 to {classes - 1})")
    return samples, classes


def multi_margin_loss(
    input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """Multi-class hinge loss of scores (N, C) against class indices (N,): the mean
    over the other classes j of ``weight[y] * max(0, margin - x[y] + x[j])^p``.
    A score exactly at the margin gets no gradient, as in PyTorch.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.multi_margin_loss(chainrule.tensor([[0.1, 0.2, 0.4, 0.8]]), chainrule.tensor([3]))
    tensor(0.3250)
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _refuse_grad(weight, "multi_margin_loss", "weight")
    samples, classes = _check_multi_margin(input, target, weight)
    scores = input.reshape(samples, classes)
    index = target._data.reshape(samples, 1).astype(np.int64, copy=False)
    gap = (float(margin) - scores.gather(1, wrap(index))) + scores
    others = wrap(np.arange(classes) != index)  # the target's own class adds nothing
    hinge = where(others & (gap > 0), gap, 0.0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * wrap(weight._data[index])
    loss = (hinge.sum(1) / classes).reshape(target.shape)
    if reduction == "mean" and not samples:
        return loss.sum()  # PyTorch's mean of no samples is 0, not nan
    return _reduce(loss, reduction)


def _check_multilabel_margin(input, target):
    """PyTorch's argument checks of multilabel_margin_loss; the (samples, classes) of ``input``."""
    shape = tuple(input.shape)
    if not (len(shape) == 2 and shape[1] or len(shape) == 1 and shape[0] or not shape):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(shape)}"
        )
    if tuple(target.shape) != shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(shape)}")
    samples, classes = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0] if shape else 1)
    dtype = input._data.dtype
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"multilabel_margin_loss_forward_out_frame\" not implemented for '{scalar_type_name(dtype)}' "
            "(call input.float() first)"
        )
    if target._data.dtype != np.int64:
        raise RuntimeError(
            f"expected scalar type Long but found {scalar_type_name(target._data.dtype)} "
            "(multilabel_margin_loss takes class indices: call target.long())"
        )
    if ((target._data < -1) | (target._data >= classes)).any():
        raise RuntimeError(
            f"argument #2 'target' is out of range (multilabel_margin_loss: classes are 0 to {classes - 1}, "
            "-1 ends a sample's labels)"
        )
    return samples, classes


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss of scores (N, C): each sample's target row lists its
    classes, ended by -1; the loss sums ``max(0, 1 - (x[y] - x[i]))`` over its
    labels y and the classes i that are not labels, divided by C. A score exactly
    at the margin gets no gradient, as in PyTorch.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.multilabel_margin_loss(chainrule.tensor([[0.1, 0.2, 0.4, 0.8]]), chainrule.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    samples, classes = _check_multilabel_margin(input, target)
    labels = target._data.reshape(samples, classes)
    listed = np.cumprod(labels != -1, axis=1).astype(bool)  # the labels before the first -1
    index = np.where(listed, labels, 0)
    is_label = np.zeros((samples, classes), bool)
    is_label[np.nonzero(listed)[0], labels[listed]] = True
    scores = input.reshape(samples, classes)
    # gap[n, j, i] = 1 - x[n, y_j] + x[n, i]; a repeated label counts once per listing, as in PyTorch
    gap = (1 - scores.gather(1, wrap(index))).unsqueeze(2) + scores.unsqueeze(1)
    pairs = wrap(listed[:, :, None] & ~is_label[:, None, :])
    loss = (where(pairs & (gap > 0), gap, 0.0).sum((1, 2)) / classes).reshape(input.shape[:-1])
    if reduction == "mean" and not samples:
        return loss.sum()  # PyTorch's mean of no samples is uninitialised memory; 0 here
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"
):
    """Negative log-likelihood of ``target`` counts under Poisson rates: ``exp(input)
    - target * input`` for log-rates (``log_input``), else ``input - target * log(input
    + eps)``; ``full`` adds Stirling's ``target log(target) - target + log(2 pi target) / 2``
    where ``target > 1``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.poisson_nll_loss(chainrule.tensor([0.0, 1.0]), chainrule.tensor([1.0, 2.0]), reduction="none")
    tensor([1.0000, 0.7183])
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        stirling = target * log(target) - target + 0.5 * log(2 * math.pi * target)
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def _homoscedastic_var(input, var):
    """``var`` shaped to broadcast against ``input`` as PyTorch accepts it: the same
    shape, one dim fewer (a variance per row), or one dim of size 1."""
    if var.shape == input.shape:
        return var
    if input.shape[:-1] == var.shape:
        return var.unsqueeze(-1)
    if input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var
    raise ValueError(
        f"var is of incorrect size (var {list(var.shape)} for input {list(input.shape)}: give the input's "
        "shape, the input's shape without its last dim, or the input's shape with one dim of size 1)"
    )


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of ``target`` under normal distributions of mean
    ``input`` and variance ``var``: ``(log(var) + (input - target)^2 / var) / 2``
    (plus ``log(2 pi) / 2`` when ``full``). ``var`` is clamped at ``eps`` for the
    value only: its gradient passes through the clamp, as in PyTorch.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.gaussian_nll_loss(chainrule.tensor([0.0, 1.0]), chainrule.tensor([1.0, 1.0]), 1.0)
    tensor(0.2500)
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * input.new_ones(input.shape)
    elif not isinstance(var, Tensor):
        raise TypeError(f"gaussian_nll_loss(): var must be a Tensor or a float, got {type(var).__name__}")
    elif (var < 0).any():
        raise ValueError("var has negative entry/entries")
    var = _homoscedastic_var(input, var)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not valid (use 'mean', 'sum' or 'none')")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence ``target * (log(target) - input)`` with ``input``
    log-probabilities (and ``target`` log-probabilities too when ``log_target``).
    ``reduction='batchmean'`` divides the sum by the batch size (the true KL).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> p = chainrule.tensor([[0.5, 0.5]])
    >>> F.kl_div(p.log(), p, reduction="batchmean")
    tensor(0.)
    """
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    batchmean = reduction == "batchmean"
    reduction = reduction_mode(size_average, reduce, "sum" if batchmean else reduction)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        # target * log(target), taken as 0 where target is 0
        loss = target * (log(where(target == 0, 1.0, target)) - input)
    if batchmean:
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)
