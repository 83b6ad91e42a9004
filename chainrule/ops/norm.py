"""Normalization: batch, layer, group, instance, RMS and local response norm.

All three standardize x over some axes, xhat = (x - mean) / sqrt(var + eps)
with the biased variance, then scale and shift it: y = xhat * w + b. Batch
norm takes the statistics per channel over the batch and the pixels, layer
norm per sample over its last dims, group norm per sample over groups of
channels.

They are fused primitives, for speed and memory: composed from mean, var,
sqrt and arithmetic they would record a dozen nodes and keep as many
input-sized arrays for backward, where the fused op keeps only x (and the
per-row statistics) and uses the closed form. With m the number of values
each mean is taken over and gh = dL/dy * w:

    dL/dx = invstd * (gh - mean(gh) - xhat * mean(gh * xhat))
    dL/dw = sum of dL/dy * xhat,   dL/db = sum of dL/dy

(the last two over everything but the affine axis). Under
``create_graph=True`` the statistics are recomputed from x with Tensor ops,
so the same formula is differentiable again.

Instance norm is batch norm of (1, N * C, *), as PyTorch computes it; RMS norm
and local response norm are composites of Tensor ops (PyTorch's CPU kernels
compose them too), so their gradients come from the ops they are built of.
"""

import math

import numpy as np

from .._settings import get_num_threads
from .._tensor import Tensor, bump_version, wrap
from ..autograd.function import Primitive
from ._helpers import in_float32_if_half
from ._threads import run_chunks, thread_buffer
from .conv import avg_pool2d
from .nn import constant_pad
from .reduce import first_axis_sums, last_axis_sums

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm"]


def _standardized_grad(grad_hat, xhat, invstd, axes):
    """dL/dx from gh = dL/dy * w for xhat standardized over ``axes`` (arrays or Tensors)."""
    count = 1
    for axis in axes:
        count *= xhat.shape[axis]
    mean_grad = _sums(grad_hat, axes) / count
    mean_projection = _sums(grad_hat * xhat, axes) / count
    return (grad_hat - mean_grad - xhat * mean_projection) * invstd


def _sums(a, axes):
    """``a.sum(axis=axes, keepdims=True)``; the rows of a C-contiguous float matrix as one
    BLAS product with ones (NumPy's reduction pays a fixed cost per row)."""
    if (
        a.__class__ is np.ndarray
        and axes == (1,)
        and a.ndim == 2
        and a.dtype.kind == "f"
        and a.flags.c_contiguous
    ):
        return last_axis_sums(a)[:, None]
    return a.sum(axis=axes, keepdims=True)


def _statistics(x, axes, eps):
    """mean and 1/sqrt(var + eps) over ``axes`` (kept as size 1), from Tensors:
    the differentiable recomputation used under create_graph."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    return mean, ((centered * centered).mean(axis=axes, keepdims=True) + eps) ** -0.5


# --- batch norm --------------------------------------------------------------------------------------


class NativeBatchNorm(Primitive):
    """y = (x - mean_c) * invstd_c * w_c + b_c per channel c, the statistics over
    batch and pixels (training) or the running ones (evaluation).
    Training: dL/dx = w invstd (g - mean(g) - xhat mean(g xhat)) over each channel;
    evaluation: dL/dx = g w invstd.   dL/dw = sum g xhat,   dL/db = sum g."""

    def forward(ctx, x, w, b, running_mean, running_var, training, momentum, eps):
        ctx.training, ctx.eps = training, eps
        ctx.save_for_backward(x, w)
        x3 = _as_3d(x)
        if not training:
            ctx.mean = running_mean.astype(x.dtype, copy=False)
            ctx.invstd = 1 / np.sqrt(running_var.astype(x.dtype, copy=False) + eps)
            return _normalized(x3, ctx.mean, ctx.invstd if w is None else ctx.invstd * w, b).reshape(x.shape)
        count = x3.shape[0] * x3.shape[2]
        y = np.empty(x3.shape, x3.dtype)
        mean, var, slice_means = _channel_statistics(x3, y)
        invstd = 1 / np.sqrt(var + eps)
        ctx.mean, ctx.invstd = mean, invstd
        _normalized_in_place(y, slice_means, mean, invstd if w is None else invstd * w, b)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += momentum * var * (count / (count - 1))  # the unbiased variance, as PyTorch
        return y.reshape(x.shape)

    def backward(ctx, grad):
        x, w = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if isinstance(grad, Tensor):
            return _batch_norm_grad_tensors(ctx, grad, x, w, need_x, need_w, need_b)
        x3 = _as_3d(x)
        g3 = grad.reshape(x3.shape)
        sum_g, projection = _gradient_sums(g3, x3, ctx.mean)
        projection *= ctx.invstd  # sum of g * xhat
        grad_x = None
        if need_x:
            scale = ctx.invstd if w is None else ctx.invstd * w
            if ctx.training:
                # scale * (g - sum_g / m - xhat * projection / m), xhat = (x - mean) * invstd
                count = x3.shape[0] * x3.shape[2]
                grad_x = _standardized_gradient(
                    g3, x3, ctx.mean, scale, -scale * ctx.invstd * projection / count, -scale * sum_g / count
                )
            else:
                scale = _rows(scale, x3)
                grad_x = _chunks_of(g3, lambda g, out: np.multiply(g, scale, out=out))
            grad_x = grad_x.reshape(x.shape)
        return grad_x, (projection if need_w else None), (sum_g if need_b else None)


def _as_3d(x):
    """(N, C, *) as (N, C, S), S the product of the other dims (an empty batch too)."""
    return x.reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))


# Batch norm reads and writes whole activations a few times: it runs over slices of
# a few samples, on every core. Slices of 2 MB (N, C, S) were 8-10 % faster than 1 MB
# and 1.2-1.5x faster than 256-512 KB (A/B in one process, 2 cores of a Zen 5 EPYC:
# the cost per slice outweighs what smaller working sets gain in cache).
_CHUNK_BYTES = 1 << 21


def _rows(vector, x3):
    """A per-channel vector as a (C, S) array, each value repeated along its channel's
    S values: a pass over (N, C, S) runs ~1.6x faster with this operand than with a
    (C, 1) column, whose stride-0 inner loop NumPy does not vectorize (measured)."""
    return np.repeat(vector, x3.shape[2]).reshape(x3.shape[1:])


def _chunk_size(x3):
    """How many samples of (N, C, S) make a slice; for an array of 1 MB or more, at
    most one thread's share (for less, waking a thread costs more than it saves)."""
    by_bytes = _CHUNK_BYTES // max(1, x3.shape[1] * x3.shape[2] * x3.itemsize)
    if x3.nbytes >= _CHUNK_BYTES // 2:
        by_bytes = min(by_bytes, -(-x3.shape[0] // get_num_threads()))
    return max(1, by_bytes)


def _chunks_of(x3, fill, *others):
    """A new array like ``x3`` (N, C, S), each slice of samples written by
    ``fill(x3[slice], *(a[slice] for a in others), out[slice])``."""
    out = np.empty(x3.shape, x3.dtype)

    def part(start, stop):
        fill(x3[start:stop], *(a[start:stop] for a in others), out[start:stop])

    run_chunks(part, x3.shape[0], _chunk_size(x3))
    return out


# Per-channel sums over batch and pixels of (N, C, S): how fast each NumPy way is
# depends on S, the length of the innermost rows (2 cores of a Zen 5 EPYC, float32).
# Rows of 64 values and more: BLAS dots along them (vecdot), half einsum's time at
# S = 784. Rows of fewer than 32 (BatchNorm1d's S = 1, small feature maps): NumPy pays
# per row, so the sums run down the batch over (N, C * S) first: the dots of two
# 128x64x4 arrays in 8 us, against einsum's 31 and vecdot's 35 (128x256x1: vecdot 58).
_LONG_ROWS, _SHORT_ROWS = 64, 32


def _channel_sums(a):
    """Per channel of an (N, C, S) array: the sum over batch and pixels."""
    n, c, s = a.shape
    if s < _SHORT_ROWS and a.flags.c_contiguous:
        return np.add.reduce(a.reshape(n, c * s), 0).reshape(c, s).sum(1)
    return np.einsum("ncs->c", a)


def _channel_dots(a, b):
    """Per channel of (N, C, S) arrays: the sum of a * b over batch and pixels."""
    n, c, s = a.shape
    if s >= _LONG_ROWS:
        return np.vecdot(a, b).sum(axis=0)
    if s >= _SHORT_ROWS or not (a.flags.c_contiguous and b.flags.c_contiguous):
        return np.einsum("ncs,ncs->c", a, b)
    return _channel_sums(a * b)


def _channel_statistics(x3, centered):
    """Each channel's mean and biased variance over batch and pixels of (N, C, S),
    from each slice's mean and sum of squared deviations (Chan et al.'s pairwise
    update, which stays as accurate as two passes over the whole array). Each
    slice's deviations from its own rounded mean are left in ``centered`` (an
    array like ``x3``); the third result is those means, slice by slice."""

    def part(start, stop):
        x, deviations = x3[start:stop], centered[start:stop]
        count = x.shape[0] * x.shape[2]
        rough = _channel_sums(x) / count
        np.subtract(x, _rows(rough, x), out=deviations)
        # the deviations' own mean corrects the rounding of the first (Bjorck's two-pass update)
        correction = _channel_sums(deviations).astype(np.float64) / count
        squares = _channel_dots(deviations, deviations) - count * correction**2
        return count, rough + correction, squares, rough

    parts = run_chunks(part, x3.shape[0], _chunk_size(x3))
    if len(parts) == 1:  # a small batch (BatchNorm1d's): nothing to combine
        count, mean, squares, rough = parts[0]
        return mean.astype(x3.dtype), (squares / count).astype(x3.dtype), [rough]
    total = sum(part[0] for part in parts)
    mean = sum(count * part_mean for count, part_mean, _, _ in parts) / total
    squares = sum(squares + count * (part_mean - mean) ** 2 for count, part_mean, squares, _ in parts)
    return mean.astype(x3.dtype), (squares / total).astype(x3.dtype), [part[3] for part in parts]


def _normalized_in_place(centered, slice_means, mean, scale, shift):
    """``centered`` (N, C, S), each slice's values less that slice's mean (from
    ``_channel_statistics``), becomes (x - mean) * scale + shift per channel, as
    centered * scale + ((slice mean - mean) * scale + shift): two passes, where
    normalizing x again would take three."""
    rows_scale = _rows(scale, centered)
    chunk = _chunk_size(centered)
    mean = mean.astype(np.float64)

    def part(start, stop):
        values = centered[start:stop]
        offset = (slice_means[start // chunk] - mean) * scale
        if shift is not None:
            offset += shift
        values *= rows_scale
        values += _rows(offset.astype(centered.dtype), centered)

    run_chunks(part, centered.shape[0], chunk)
    return centered


def _normalized(x3, mean, scale, shift):
    """(x - mean) * scale + shift per channel of (N, C, S)."""
    mean, scale = _rows(mean, x3), _rows(scale, x3)
    shift = None if shift is None else _rows(shift, x3)

    def fill(x, out):
        np.subtract(x, mean, out=out)
        out *= scale
        if shift is not None:
            out += shift

    return _chunks_of(x3, fill)


def _gradient_sums(g3, x3, mean):
    """Per channel: the sum of g and the sum of g * (x - mean), over batch and pixels."""
    chunk = _chunk_size(x3)
    mean = _rows(mean, x3)

    def part(start, stop):
        g, x = g3[start:stop], x3[start:stop]
        centered = thread_buffer("batch norm centered", (chunk,) + x.shape[1:], x.dtype)[: x.shape[0]]
        np.subtract(x, mean, out=centered)
        return _channel_sums(g), _channel_dots(g, centered)

    zeros = np.zeros(x3.shape[1], x3.dtype)  # the sums over an empty batch
    parts = run_chunks(part, x3.shape[0], chunk)
    return sum((p[0] for p in parts), zeros), sum((p[1] for p in parts), zeros)


def _standardized_gradient(g3, x3, mean, scale, centered_scale, shift):
    """g * scale + (x - mean) * centered_scale + shift per channel of (N, C, S), as
    g * scale + x * centered_scale + (shift - mean * centered_scale)."""
    chunk = _chunk_size(x3)
    offset = _rows(shift - mean * centered_scale, x3)
    scale, centered_scale = _rows(scale, x3), _rows(centered_scale, x3)

    def fill(g, x, out):
        scaled = thread_buffer("batch norm scaled", (chunk,) + x.shape[1:], x.dtype)[: x.shape[0]]
        np.multiply(x, centered_scale, out=scaled)
        np.multiply(g, scale, out=out)
        out += scaled
        out += offset

    return _chunks_of(g3, fill, x3)


def _batch_norm_grad_tensors(ctx, grad, x, w, need_x, need_w, need_b):
    """The batch-norm gradients from Tensor ops (create_graph)."""
    channels = x.shape[1]
    x3 = x.reshape((x.shape[0], channels, -1))
    g3 = grad.reshape(x3.shape)
    axes = (0, 2)
    if ctx.training:
        mean, invstd = _statistics(x3, axes, ctx.eps)
    else:
        mean, invstd = (wrap(a.reshape(1, channels, 1)) for a in (ctx.mean, ctx.invstd))
    xhat = (x3 - mean) * invstd
    grad_x = None
    if need_x:
        grad_hat = g3 if w is None else g3 * w.reshape((1, channels, 1))
        grad_x = _standardized_grad(grad_hat, xhat, invstd, axes) if ctx.training else grad_hat * invstd
        grad_x = grad_x.reshape(x.shape)
    grad_w = (g3 * xhat).sum(axis=axes) if need_w else None
    grad_b = g3.sum(axis=axes) if need_b else None
    return grad_x, grad_w, grad_b


def _check_channel_vector(name, tensor, channels):
    if tensor is not None and tensor._data.size != channels:
        raise RuntimeError(f"batch_norm: {name} should contain {channels} elements not {tensor._data.size}")


def _check_float(op_name, input, *others):
    """A float input, and parameters of its dtype; float32 ones may come with a float16
    input, as in PyTorch (see ``in_float32_if_half``)."""
    if input._data.dtype.kind != "f":  # PyTorch's kernels: "... not implemented for 'Long'"
        raise NotImplementedError(
            f"{op_name}: expected a floating point input, got {input.dtype}; use .float()"
        )
    half = input._data.dtype == np.float16
    for name, tensor in others:
        if tensor is None or (half and tensor._data.dtype == np.float32):
            continue
        if tensor._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"{op_name}: expected {name} to have the input's dtype {input.dtype}, but got "
                f"{tensor.dtype}; convert it (or the layer) with .to({input.dtype})"
            )


def batch_norm(
    input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05
):
    """Normalize each channel (dim 1) of (N, C, *) over the batch and the other
    dims, then scale by ``weight`` and shift by ``bias``. In training the batch's
    statistics are used and ``running_mean``/``running_var`` (if given) are
    updated in place, ``running = (1 - momentum) * running + momentum * batch``
    with the unbiased variance; in evaluation the running ones are used.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> x = chainrule.tensor([[1.0], [3.0]])
    >>> F.batch_norm(x, None, None, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): input must be a Tensor, got {type(input).__name__}")
    shape = input._data.shape
    if len(shape) < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got {list(shape)}")
    _check_float("batch_norm", input, ("weight", weight), ("bias", bias))
    channels = shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var)):
        _check_channel_vector(name, tensor, channels)
    _check_channel_vector("weight", weight, channels)
    _check_channel_vector("bias", bias, channels)
    if training:
        if input._data.size // channels == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {input.shape}"
            )
    elif running_mean is None or running_var is None:
        raise RuntimeError(
            "batch_norm: running_mean must be defined in evaluation mode (pass running_mean and running_var, "
            "or training=True)"
        )
    if input._data.size == 0:  # an empty batch: nothing to normalize, the statistics stay (PyTorch)
        view = (1, channels) + (1,) * (len(shape) - 2)
        out = input * 1 if weight is None else input * weight.reshape(view)
        return (out if bias is None else out + bias.reshape(view))._cast(input._data.dtype)
    running = None
    if running_mean is not None and running_var is not None:
        running = [running_mean._data.reshape(-1), running_var._data.reshape(-1)]
    half = input._data.dtype == np.float16
    if half:  # statistics in float32, as PyTorch's (600 squared overflows float16)
        input, weight, bias = (None if t is None else t._cast(np.float32) for t in (input, weight, bias))
        running = None if running is None else [r.astype(np.float32) for r in running]
    out = NativeBatchNorm.apply(
        input, weight, bias, *(running or (None, None)), bool(training), momentum, eps
    )
    if training and running is not None:
        for buffer, updated in zip((running_mean, running_var), running):
            if half:
                np.copyto(buffer._data, updated.reshape(buffer._data.shape), casting="unsafe")
            bump_version(buffer)
    return out._cast(np.float16) if half else out


# --- layer norm and group norm -----------------------------------------------------------------------


class _RowNorm(Primitive):
    """Standardize each row of x viewed as (rows, values): y = xhat * w + b,
    with w and b (of ``param_shape``) along axis 1 of x viewed as
    ``affine_shape``. Layer norm and group norm are its two cases."""

    def forward(ctx, x, w, b, rows, affine_shape, param_shape, eps):
        ctx.rows, ctx.affine_shape, ctx.param_shape, ctx.eps = rows, affine_shape, param_shape, eps
        ctx.save_for_backward(x, w)
        x2 = _as_rows(x, rows)
        mean = _sums(x2, (1,)) / x2.shape[1]
        y = x2 - mean
        var = np.vecdot(y, y).reshape(rows, 1) / x2.shape[1]  # half the time of einsum (see _channel_dots)
        invstd = 1 / np.sqrt(var + eps)
        ctx.mean, ctx.invstd = mean, invstd
        y *= invstd
        y = y.reshape(affine_shape)
        if w is not None:
            y *= w.reshape(_affine_view(affine_shape))
        if b is not None:
            y += b.reshape(_affine_view(affine_shape))
        return y.reshape(x.shape)

    def backward(ctx, grad):
        x, w = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        rows, affine_shape = ctx.rows, ctx.affine_shape
        x2 = _as_rows(x, rows)
        if affine_shape[::2] == (rows, 1) and rows and not isinstance(grad, Tensor):  # layer norm's layout
            grads = _row_parameter_grads(
                _as_rows(grad, rows), x2, w, ctx.mean, ctx.invstd, need_x, need_w, need_b
            )
            grad_x, grad_w, grad_b = grads
            return (
                None if grad_x is None else grad_x.reshape(x.shape),
                None if grad_w is None else grad_w.reshape(ctx.param_shape),
                None if grad_b is None else grad_b.reshape(ctx.param_shape),
            )
        if isinstance(grad, Tensor):
            mean, invstd = _statistics(x2, (1,), ctx.eps)
        else:
            mean, invstd = ctx.mean, ctx.invstd
        xhat = ((x2 - mean) * invstd).reshape(affine_shape)
        g = grad.reshape(affine_shape)
        affine = _affine_view(affine_shape)
        sum_axes = tuple(i for i in range(len(affine_shape)) if affine[i] == 1)
        grad_x = None
        if need_x:
            grad_hat = g if w is None else g * w.reshape(affine)
            grad_x = _standardized_grad(_as_rows(grad_hat, rows), _as_rows(xhat, rows), invstd, (1,))
            grad_x = grad_x.reshape(x.shape)
        grad_w = (g * xhat).sum(axis=sum_axes).reshape(ctx.param_shape) if need_w else None
        grad_b = g.sum(axis=sum_axes).reshape(ctx.param_shape) if need_b else None
        return grad_x, grad_w, grad_b


def _row_parameter_grads(g, x, w, mean, invstd, need_x, need_w, need_b):
    """The gradients of ``_RowNorm`` whose parameters run along each row (layer norm), on
    (rows, values) arrays, in place where the arrays are its own: the parameters' sums over
    the rows as BLAS products with ones (NumPy's axis-0 sums of 1024 rows of 64 took 15 µs
    each, the products 3), the rows' two means as a product and a dot product per row.
    A transformer layer's norm (32x32x64), backward 134 -> 60 µs."""
    n = x.shape[1]
    xhat = np.subtract(x, mean)
    xhat *= invstd
    grad_w = first_axis_sums(g * xhat) if need_w else None
    grad_b = first_axis_sums(g) if need_b else None
    if not need_x:
        return None, grad_w, grad_b
    grad_hat = g if w is None else g * w.reshape(n)
    mean_grad = last_axis_sums(grad_hat)[:, None] / n
    projection = np.vecdot(grad_hat, xhat)[:, None] / n
    grad_x = np.subtract(grad_hat, mean_grad, out=None if w is None else grad_hat)
    xhat *= projection
    grad_x -= xhat
    grad_x *= invstd
    return grad_x, grad_w, grad_b


def _as_rows(x, rows):
    """``x`` (an array or a Tensor) as (rows, values); with no rows, as (0, 1):
    NumPy cannot infer the length of rows that do not exist."""
    return x.reshape((rows, -1)) if rows else x.reshape((0, 1))


def _affine_view(affine_shape):
    """How the affine parameters broadcast against x viewed as ``affine_shape``
    (batch, parameters, rest): size 1 everywhere but the parameter axis."""
    return (1, affine_shape[1], 1)


class NativeLayerNorm(_RowNorm):
    """y = (x - mean) / sqrt(var + eps) * w + b over the last dims of each sample.
    dL/dx = invstd (gh - mean(gh) - xhat mean(gh xhat)) per row, gh = g w;
    dL/dw = sum g xhat,   dL/db = sum g (over the leading dims)."""


class NativeGroupNorm(_RowNorm):
    """y = (x - mean) / sqrt(var + eps) * w_c + b_c, the statistics over each
    group of channels of each sample.
    dL/dx = invstd (gh - mean(gh) - xhat mean(gh xhat)) per group, gh = g w_c;
    dL/dw_c = sum g xhat,   dL/db_c = sum g (over batch and pixels)."""


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalize over the last ``len(normalized_shape)`` dims of each sample, then
    scale by ``weight`` and shift by ``bias`` (both of ``normalized_shape``).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.layer_norm(chainrule.tensor([[1.0, 2.0, 3.0]]), (3,))
    tensor([[-1.2247,  0.0000,  1.2247]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm(): input must be a Tensor, got {type(input).__name__}")
    shape = input._data.shape
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError(
            "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int "
            f"(write ({normalized_shape},))"
        )
    normalized = tuple(int(n) for n in normalized_shape)
    dims = len(normalized)
    if dims == 0 or len(shape) < dims or tuple(shape[len(shape) - dims :]) != normalized:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized)}, expected input with shape [*, "
            f"{', '.join(map(str, normalized))}], but got input of size{list(shape)}"
        )
    _check_float("layer_norm", input, ("weight", weight), ("bias", bias))
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor._data.shape) != normalized:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(tensor._data.shape)} and normalized_shape = {list(normalized)}"
            )
    if input._data.dtype == np.float16:
        return in_float32_if_half(lambda x, w, b: layer_norm(x, normalized, w, b, eps), input, weight, bias)
    size = int(np.prod(normalized))
    rows = input._data.size // size if size else 0
    return NativeLayerNorm.apply(input, weight, bias, rows, (rows, size, 1), normalized, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Split the channels (dim 1) of (N, C, *) into ``num_groups`` groups and
    normalize each group of each sample, then scale and shift per channel.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.group_norm(chainrule.tensor([[[1.0], [3.0], [5.0], [9.0]]]), 2).flatten()
    tensor([-1.0000,  1.0000, -1.0000,  1.0000])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"group_norm(): input must be a Tensor, got {type(input).__name__}")
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"group_norm: expected an input of at least 2 dims (N, C, ...), got {list(shape)}")
    channels = shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(shape)} and num_groups={num_groups}"
        )
    _check_float("group_norm", input, ("weight", weight), ("bias", bias))
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor._data.shape) != (channels,):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, but got "
                f"{name} of shape {list(tensor._data.shape)} and input of shape {list(shape)}"
            )
    if input._data.dtype == np.float16:
        return in_float32_if_half(lambda x, w, b: group_norm(x, num_groups, w, b, eps), input, weight, bias)
    n = shape[0]
    rest = input._data.size // (n * channels) if n * channels else 0
    return NativeGroupNorm.apply(input, weight, bias, n * num_groups, (n, channels, rest), (channels,), eps)


# --- instance norm, RMS norm and local response norm -------------------------------------------------


def instance_norm(
    input,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats=True,
    momentum=0.1,
    eps=1e-05,
):
    """Normalize each channel of each sample of (N, C, *) over its own values,
    then scale by ``weight`` and shift by ``bias`` per channel. With
    ``use_input_stats`` the running statistics (if given) move toward the
    batch's mean over the samples; without it they are used instead.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.instance_norm(chainrule.tensor([[[1.0, 3.0], [0.0, 4.0]]]))
    tensor([[[-1.0000,  1.0000],
             [-1.0000,  1.0000]]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"instance_norm(): input must be a Tensor, got {type(input).__name__}")
    shape = input._data.shape
    if use_input_stats and math.prod(shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError(
            "Expected running_mean and running_var to be defined when use_input_stats is false"
        )
    # batch norm of (1, N * C, *): each channel of each sample is a channel of its own
    n, channels = shape[0], shape[1]
    weight, bias = (None if t is None else t.repeat(n) for t in (weight, bias))
    running = [
        None if t is None else wrap(np.tile(t._data.reshape(-1), n)) for t in (running_mean, running_var)
    ]
    out = batch_norm(
        input.reshape((1, n * channels) + shape[2:]), *running, weight, bias, use_input_stats, momentum, eps
    )
    if use_input_stats:
        for buffer, updated in zip((running_mean, running_var), running):
            if buffer is not None:  # the samples' statistics averaged, as PyTorch
                np.copyto(buffer._data, updated._data.reshape(n, channels).mean(axis=0), casting="unsafe")
                bump_version(buffer)
    return out.reshape(shape)


def _normalized_dims(op_name, input, normalized_shape):
    """``normalized_shape`` as a tuple that ends ``input``'s shape (PyTorch's errors otherwise)."""
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError(
            f"{op_name}(): argument 'normalized_shape' (position 2) must be tuple of ints, not int "
            f"(write ({normalized_shape},))"
        )
    normalized = tuple(int(n) for n in normalized_shape)
    if not normalized:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, "
            "but got normalized_shape = []"
        )
    shape = input._data.shape
    if len(shape) < len(normalized) or tuple(shape[len(shape) - len(normalized) :]) != normalized:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized)}, expected input with shape "
            f"[*{', '.join(map(str, normalized))}], but got input of size{list(shape)}"
        )
    return normalized


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Divide by the root mean square over the last ``len(normalized_shape)`` dims,
    y = x / sqrt(mean(x^2) + eps) * weight; ``eps=None`` is the machine epsilon of
    the dtype computed in (float32 for a float16 input, as PyTorch).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.rms_norm(chainrule.tensor([[3.0, -1.0]]), (2,))
    tensor([[ 1.3416, -0.4472]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"rms_norm(): input must be a Tensor, got {type(input).__name__}")
    normalized = _normalized_dims("rms_norm", input, normalized_shape)
    _check_float("rms_norm", input)
    if weight is not None and tuple(weight._data.shape) != normalized:
        raise RuntimeError(
            f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight._data.shape)} and normalized_shape = {list(normalized)}"
        )
    dims = tuple(range(-len(normalized), 0))

    def compute(x, w):
        epsilon = np.finfo(x._data.dtype).eps if eps is None else eps
        y = x * (x * x).mean(dims, keepdim=True).add(epsilon).rsqrt()
        return y if w is None else (y * w)._cast(x._data.dtype)

    return in_float32_if_half(compute, input, weight)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Divide each value of (N, C, *) by (k + alpha * mean of the squares over
    ``size`` neighbouring channels) ** beta, the window zero-padded at the ends.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.local_response_norm(chainrule.tensor([[[2.0], [2.0]]]), 2, alpha=1.0, beta=1.0)
    tensor([[[0.6667],
             [0.4000]]])
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input._data.size == 0:
        return input
    shape = input._data.shape
    # the mean over channel windows, as an average pool of (N, 1, C, rest) with a (size, 1) kernel
    squares = (input * input).reshape((shape[0], 1, shape[1], -1))
    squares = constant_pad(squares, ((0, 0), (0, 0), (size // 2, (size - 1) // 2), (0, 0)), 0)
    div = avg_pool2d(squares, (size, 1), stride=1).reshape(shape)
    return input / (div * alpha + k) ** beta
