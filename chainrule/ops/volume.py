"""Volumetric (3-D) convolution, pooling and channel dropout, for video and medical images.

The same ideas as ops/conv.py, over (N, C, D, H, W) instead of (N, C, H, W), in
NumPy only (no oneDNN, no Winograd, no threads):

* A convolution views every window of the padded input at once (``as_strided``),
  copies them once into the columns of a matrix (im2col) and multiplies by the
  weights, (groups, out/groups, in/groups * kD * kH * kW), in one batched product::

      cols[g, (c, i, j, k), (n, od, oh, ow)] = x_pad[n, g*C/G + c, od*sd + i*dd, oh*sh + j*dh, ow*sw + k*dw]
      y[n, g*O/G + o, od, oh, ow] = sum_r W[g, o, r] cols[g, r, (n, od, oh, ow)] + b

  Its input gradient multiplies by W^T and adds each column back onto its
  window (col2im): one whole-array slice-add per kernel offset, kD * kH * kW of them.
* Pooling loops over the kernel offsets too, each step one whole-array operation.

Every backward is written in terms of ops that have their own primitive, so under
``create_graph=True`` gradients are differentiable again.
"""

import itertools
import math
import warnings

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._dtype import scalar_type_name
from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from ._helpers import check_inplace, depends_on, write_inplace
from .conv import (
    _adaptive_matrix,
    _adaptive_windows,
    _check_channels,
    _check_conv_inputs,
    _check_positive,
    _conv_padding,
    _max_offsets,
    _pool_arguments,
    _pool_size,
    _tuple,
    _unpool_output_size,
    _WindowMap,
    window_divisors,
)
from .nn import Dropout, _check_probability

__all__ = [
    "conv3d",
    "conv_transpose3d",
    "max_pool3d",
    "max_pool3d_with_indices",
    "max_unpool3d",
    "avg_pool3d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool3d",
    "dropout3d",
]


# --- geometry --------------------------------------------------------------------------------------


class Volume:
    """The sizes of one 3-D window operation: ``size`` (D, H, W) of the input,
    ``out_size`` of the output, ``padding`` ((front, back), (top, bottom), (left, right)),
    and ``padded_size``, what the windows reach (with ceil_mode, past the padding)."""

    __slots__ = (
        "channels",
        "groups",
        "size",
        "kernel",
        "stride",
        "dilation",
        "padding",
        "out_size",
        "padded_size",
    )

    def __init__(self, channels, groups, size, kernel, stride, dilation, padding, out_size):
        self.channels, self.groups = channels, groups
        self.size, self.kernel, self.stride, self.dilation = size, kernel, stride, dilation
        self.padding, self.out_size = padding, out_size
        self.padded_size = tuple(
            max(n + before + after, (o - 1) * s + (k - 1) * d + 1)
            for n, (before, after), o, s, k, d in zip(size, padding, out_size, stride, kernel, dilation)
        )

    @property
    def offsets(self):
        """(i, j, k) for every kernel offset, in row-major order."""
        return list(itertools.product(*map(range, self.kernel)))

    def window(self, padded, offset):
        """The values kernel offset ``offset`` meets, one per output voxel: a strided view
        of ``padded``, shape (N, C, OD, OH, OW)."""
        return padded[
            (slice(None), slice(None))
            + tuple(
                slice(i * d, i * d + (o - 1) * s + 1, s)
                for i, d, o, s in zip(offset, self.dilation, self.out_size, self.stride)
            )
        ]

    def pad(self, x, fill=0):
        """``x`` inside a (N, C, *padded_size) frame of ``fill`` (``x`` itself if nothing is added)."""
        if x.shape[2:] == self.padded_size:
            return x
        padded = np.full(x.shape[:2] + self.padded_size, fill, x.dtype)
        padded[self._inside()] = x
        return padded

    def unpad(self, padded):
        """The inverse of ``pad`` for gradients: the region that holds the input."""
        return np.ascontiguousarray(padded[self._inside()])

    def _inside(self):
        return (slice(None), slice(None)) + tuple(
            slice(before, before + n) for (before, _), n in zip(self.padding, self.size)
        )


# --- the array kernels of convolution ------------------------------------------------------------


def _columns(x, geo):
    """(G, C/G * kD * kH * kW, N * OD * OH * OW): every window of ``x`` as a column,
    made by one copy of a strided view of the padded input."""
    padded = np.ascontiguousarray(geo.pad(x))
    g, per_group = geo.groups, geo.channels // geo.groups
    s_n, s_c, *s_side = padded.strides
    view = as_strided(
        padded,
        (g, per_group, *geo.kernel, x.shape[0], *geo.out_size),
        (
            per_group * s_c,
            s_c,
            *(s * d for s, d in zip(s_side, geo.dilation)),
            s_n,
            *(s * step for s, step in zip(s_side, geo.stride)),
        ),
        writeable=False,
    )
    return view.reshape(g, per_group * math.prod(geo.kernel), -1)


def _batch_first(rows, n, out_size):
    """(G, O/G, N * P) product rows to the (N, O, *out_size) output."""
    channels = rows.shape[0] * rows.shape[1]
    rows = rows.reshape(channels, n, math.prod(out_size))
    return np.ascontiguousarray(rows.swapaxes(0, 1)).reshape(n, channels, *out_size)


def _grouped_rows(y, groups):
    """The inverse of ``_batch_first``: (N, O, *out_size) to (G, O/G, N * P)."""
    n, channels = y.shape[:2]
    pixels = math.prod(y.shape[2:])
    rows = np.ascontiguousarray(y.reshape(n, channels, pixels).swapaxes(0, 1))
    return rows.reshape(groups, channels // groups, n * pixels)


def _add_columns_back(cols, n, geo):
    """(G, C/G * kD * kH * kW, N * P) to (N, C, D, H, W): each column added back onto the
    window it stands for (col2im, the adjoint of ``_columns``)."""
    cols = cols.reshape(geo.channels, *geo.kernel, n, *geo.out_size)
    padded = np.zeros((n, geo.channels, *geo.padded_size), cols.dtype)
    for offset in geo.offsets:
        geo.window(padded, offset)[...] += cols[(slice(None), *offset)].swapaxes(0, 1)
    return geo.unpad(padded)


def conv_forward(x, w, geo):
    """conv3d(x, w) on arrays, without bias."""
    cols = _columns(x, geo)
    return _batch_first(np.matmul(w.reshape(geo.groups, -1, cols.shape[1]), cols), x.shape[0], geo.out_size)


def conv_input_grad(grad, w, geo):
    """dL/dx of conv3d(x, w) on arrays: W^T dL/dy as columns, added back onto their windows."""
    g = geo.groups
    w_rows = w.reshape(g, w.shape[0] // g, -1)
    return _add_columns_back(np.matmul(w_rows.swapaxes(1, 2), _grouped_rows(grad, g)), grad.shape[0], geo)


def conv_weight_grad(x, grad, geo):
    """dL/dw of conv3d(x, w) on arrays: dL/dy @ cols(x)^T, group by group."""
    weight = np.matmul(_grouped_rows(grad, geo.groups), _columns(x, geo).swapaxes(1, 2))
    return weight.reshape(grad.shape[1], geo.channels // geo.groups, *geo.kernel)


def _add_bias(y, b):
    if b is not None:
        y += b.reshape(1, -1, 1, 1, 1)
    return y


# --- convolution primitives ------------------------------------------------------------------------


class Convolution3D(Primitive):
    """y = conv3d(x, w) + b  (cross-correlation, as PyTorch), by im2col and one product.
    dL/dx = conv_transpose3d(dL/dy, w),   dL/dw = dL/dy @ cols(x)^T,
    dL/db = dL/dy summed over batch and voxels."""

    @classmethod
    def name(cls):
        return "ConvolutionBackward0"

    def forward(ctx, x, w, b, geo):
        ctx.geo = geo
        ctx.save_for_backward(x, w)
        return _add_bias(conv_forward(x, w, geo), b)

    def backward(ctx, grad):
        x, w = ctx.saved
        geo = ctx.geo
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_b = grad.sum(axis=(0, 2, 3, 4)) if need_b else None
        if isinstance(grad, Tensor):  # create_graph: through primitives, differentiable again
            grad_x = ConvolutionTranspose3D.apply(grad, w, None, geo, (0, 0, 0)) if need_x else None
            grad_w = ConvolutionWeightGrad3D.apply(x, grad, geo) if need_w else None
        else:
            grad_x = conv_input_grad(grad, w, geo) if need_x else None
            grad_w = conv_weight_grad(x, grad, geo) if need_w else None
        return grad_x, grad_w, grad_b


class ConvolutionTranspose3D(Primitive):
    """y = conv_transpose3d(x, w) + b: the adjoint of the convolution with geometry
    ``geo`` (x plays its dL/dy, y its dL/dx), then ``zero_tail`` planes of zeros.
    dL/dx = conv3d(dL/dy, w),   dL/dw = conv3d_weight_grad(dL/dy, x),
    dL/db = dL/dy summed over batch and voxels."""

    @classmethod
    def name(cls):
        return "ConvolutionBackward0"

    def forward(ctx, x, w, b, geo, zero_tail):
        ctx.geo = geo
        ctx.save_for_backward(x, w)
        y = conv_input_grad(x, w, geo)
        if any(zero_tail):  # planes past every window's reach (see conv_transpose3d)
            y = np.pad(y, ((0, 0), (0, 0)) + tuple((0, t) for t in zero_tail))
        return _add_bias(y, b)

    def backward(ctx, grad):
        x, w = ctx.saved
        geo = ctx.geo
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_b = grad.sum(axis=(0, 2, 3, 4)) if need_b else None
        if grad.shape[2:] != geo.size:  # a zero tail reads nothing: its gradient stops
            grad = grad[(slice(None), slice(None)) + tuple(slice(0, n) for n in geo.size)]
        if isinstance(grad, Tensor):
            grad_x = Convolution3D.apply(grad, w, None, geo) if need_x else None
            grad_w = ConvolutionWeightGrad3D.apply(grad, x, geo) if need_w else None
        else:
            grad_x = conv_forward(grad, w, geo) if need_x else None
            grad_w = conv_weight_grad(grad, x, geo) if need_w else None
        return grad_x, grad_w, grad_b


class ConvolutionWeightGrad3D(Primitive):
    """dw = conv3d_weight_grad(x, g) = g @ cols(x)^T, the weight gradient of a 3-D
    convolution as an op of its own (only recorded under create_graph).
    d(dw)/dx applied to v: conv_transpose3d(g, v);   d(dw)/dg applied to v: conv3d(x, v)."""

    def forward(ctx, x, grad, geo):
        ctx.geo = geo
        ctx.save_for_backward(x, grad)
        return conv_weight_grad(x, grad, geo)

    def backward(ctx, grad_w):
        x, grad = ctx.saved
        geo = ctx.geo
        need_x, need_grad = ctx.needs_input_grad[:2]
        if isinstance(grad_w, Tensor):
            grad_x = ConvolutionTranspose3D.apply(grad, grad_w, None, geo, (0, 0, 0)) if need_x else None
            grad_grad = Convolution3D.apply(x, grad_w, None, geo) if need_grad else None
        else:
            grad_x = conv_input_grad(grad, grad_w, geo) if need_x else None
            grad_grad = conv_forward(x, grad_w, geo) if need_grad else None
        return grad_x, grad_grad


# --- the user-facing convolutions ------------------------------------------------------------------


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) of (N, C_in, D, H, W) (or unbatched
    (C_in, D, H, W)) with weights (C_out, C_in / groups, kD, kH, kW); ``padding`` may
    be a number, a triple, 'valid' or 'same'.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.conv3d(chainrule.arange(8.0).reshape(1, 1, 2, 2, 2), chainrule.ones(1, 1, 2, 2, 1))
    tensor([[[[[12., 16.]]]]])
    """
    op_name = "conv3d"
    input, unbatched = _check_conv_inputs(op_name, input, weight, bias, 3)
    stride = _tuple(stride, 3, "stride", op_name)
    dilation = _tuple(dilation, 3, "dilation", op_name)
    _check_positive(op_name, stride, dilation)
    x_shape, w_shape = input._data.shape, weight._data.shape
    pad = _conv_padding(padding, w_shape[2:], stride, dilation, 3, op_name)
    _check_channels(op_name, x_shape, w_shape, bias, groups, transposed=False)
    pairs = tuple(zip(pad[::2], pad[1::2]))
    out_size = tuple(
        (n + before + after - d * (k - 1) - 1) // s + 1
        for n, (before, after), d, k, s in zip(x_shape[2:], pairs, dilation, w_shape[2:], stride)
    )
    if min(out_size) <= 0:
        padded = [n + before + after for n, (before, after) in zip(x_shape[2:], pairs)]
        raise RuntimeError(
            f"{op_name}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, w_shape[2:]))}). Kernel size can't be greater than actual "
            "input size"
        )
    geo = Volume(x_shape[1], groups, x_shape[2:], w_shape[2:], stride, dilation, pairs, out_size)
    out = Convolution3D.apply(input, weight, bias, geo)
    return out.squeeze(0) if unbatched else out


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution: the gradient of ``conv3d`` with respect to its input,
    used to upsample volumes. ``weight`` is (C_in, C_out / groups, kD, kH, kW); each side
    of the output is (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.conv_transpose3d(chainrule.ones(1, 1, 2, 2, 2), chainrule.ones(1, 1, 2, 2, 2), stride=2).shape
    chainrule.Size([1, 1, 4, 4, 4])
    """
    op_name = "conv_transpose3d"
    input, unbatched = _check_conv_inputs(op_name, input, weight, bias, 3)
    if isinstance(padding, str):
        raise TypeError(f"{op_name}(): argument 'padding' must be tuple of ints, not str")
    stride = _tuple(stride, 3, "stride", op_name)
    dilation = _tuple(dilation, 3, "dilation", op_name)
    _check_positive(op_name, stride, dilation)
    pad = _tuple(padding, 3, "padding", op_name)
    extra = _tuple(output_padding, 3, "output_padding", op_name)
    if any(p < 0 for p in pad):
        raise RuntimeError(f"{op_name}: negative padding is not supported (padding={list(pad)})")
    x_shape, w_shape = input._data.shape, weight._data.shape
    _check_channels(op_name, x_shape, w_shape, bias, groups, transposed=True)
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(extra)}, stride={list(stride)} and dilation={list(dilation)}"
        )
    out_size = [
        (n - 1) * s - 2 * p + d * (k - 1) + e + 1
        for n, s, p, d, k, e in zip(x_shape[2:], stride, pad, dilation, w_shape[2:], extra)
    ]
    if min(out_size) <= 0:
        raise RuntimeError(
            f"{op_name}: Given input size per channel: ({' x '.join(map(str, x_shape[2:]))}). "
            f"Calculated output size per channel: ({' x '.join(map(str, out_size))}). "
            "Output size is too small"
        )
    # The convolution whose input gradient this is, as conv_transpose2d builds it: an
    # output_padding of a stride or more (allowed below the dilation) adds planes no
    # window of it reads, left out of it (its far padding shortened to fit) and, past
    # every window's reach, zeros (plus the bias).
    sides, pairs, zero_tail = [], [], []
    for size, s, p, e in zip(out_size, stride, pad, extra):
        reached = e if e < s else min(e, p)
        sides.append(size - (e - reached))
        pairs.append((p, p if e < s else p - reached + reached % s))
        zero_tail.append(e - reached)
    geo = Volume(
        w_shape[1] * groups, groups, tuple(sides), w_shape[2:], stride, dilation, tuple(pairs), x_shape[2:]
    )
    out = ConvolutionTranspose3D.apply(input, weight, bias, geo, tuple(zero_tail))
    return out.squeeze(0) if unbatched else out


# --- pooling ---------------------------------------------------------------------------------------


def _pool_volume(op_name, input, kernel, stride, pad, dilation, ceil_mode):
    """The geometry of a pooling of ``input`` (N, C, D, H, W), with PyTorch's checks."""
    for p, k, d in zip(pad, kernel, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"{op_name}: pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
        if p > k // 2:
            raise RuntimeError(
                f"{op_name}: pad should be smaller than or equal to half of kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d} (the limit is half the kernel size, whatever the dilation)"
            )
    size = input._data.shape[2:]
    out_size = tuple(
        _pool_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(size, kernel, stride, pad, dilation)
    )
    if min(out_size) < 1:
        c = input._data.shape[1]
        raise RuntimeError(
            f"{op_name}: Given input size: ({'x'.join(map(str, (c, *size)))}). Calculated output size: "
            f"({'x'.join(map(str, (c, *out_size)))}). Output size is too small"
        )
    c = input._data.shape[1]
    return Volume(c, c, size, kernel, stride, dilation, tuple((p, p) for p in pad), out_size)


def _batched(input):
    """(N, C, D, H, W) for a batched or unbatched volume, and whether it was unbatched."""
    unbatched = input._data.ndim == 4
    return (input.unsqueeze(0) if unbatched else input), unbatched


def _scatter_to_windows(grad, offset, geo):
    """Each output voxel's gradient added to the input voxel its window's maximum came
    from (the adjoint of ``_gather_from_windows``)."""
    padded = np.zeros(grad.shape[:2] + geo.padded_size, grad.dtype)
    for k, kernel_offset in enumerate(geo.offsets):
        geo.window(padded, kernel_offset)[...] += grad * (offset == k)
    return geo.unpad(padded)


def _gather_from_windows(x, offset, geo):
    """Per output voxel, the input value at its window's chosen offset."""
    padded = geo.pad(x)
    out = np.zeros(offset.shape, x.dtype)
    for k, kernel_offset in enumerate(geo.offsets):
        out += np.where(offset == k, geo.window(padded, kernel_offset), 0)
    return out


def _flat_indices(offset, geo):
    """PyTorch's max-pooling indices: the flat position (d * H + h) * W + w of each
    maximum within its input volume."""
    index = 0
    for axis, (k, n, o, s, d, (before, _)) in enumerate(
        zip(geo.kernel, geo.size, geo.out_size, geo.stride, geo.dilation, geo.padding)
    ):
        within = (offset // math.prod(geo.kernel[axis + 1 :])) % k
        place = [1, 1, 1]
        place[axis] = o
        position = np.arange(o).reshape(place) * s - before + within.astype(np.int64) * d
        index = index * n + position
    return index


class MaxPool3DWithIndices(Primitive):
    """y = max over each window of x.
    dL/dx = dL/dy at the position of each window's (first) maximum, 0 elsewhere
    (summed where windows overlap). The indices output has no gradient."""

    def forward(ctx, x, geo, return_indices):
        ctx.geo = geo
        ctx.save_for_backward(x)  # under create_graph the gradient depends on it (see DependsOn)
        padded = geo.pad(x, -np.inf)
        windows = [geo.window(padded, offset) for offset in geo.offsets]
        y = np.empty(x.shape[:2] + geo.out_size, x.dtype)
        offset = np.empty(y.shape, np.uint8 if len(windows) < 256 else np.int32)
        _max_offsets(windows, False, y, offset)
        if np.isnan(y).any():  # PyTorch lets a NaN win: the slower exact pass finds its offset
            _max_offsets(windows, True, y, offset)
        ctx.offset = offset
        return (y, _flat_indices(offset, geo)) if return_indices else y

    def backward(ctx, grad, grad_indices=None):
        return depends_on(_MaxPool3DScatter.apply_or_run(grad, ctx.offset, ctx.geo), ctx.saved[0])


class _MaxPool3DScatter(_WindowMap, Primitive):
    """dx = grad scattered to each window's maximum (max pooling's backward).
    Linear in grad; its adjoint gathers: d/dgrad applied to v = v at the maxima."""

    run = staticmethod(_scatter_to_windows)

    @classmethod
    def name(cls):
        return "MaxPool3DWithIndicesBackwardBackward0"

    def backward(ctx, grad_grad_x):
        return _MaxPool3DGather.apply_or_run(grad_grad_x, *ctx.constants)


class _MaxPool3DGather(_WindowMap, Primitive):
    """y = x at each window's recorded maximum. Linear in x; its adjoint scatters."""

    run = staticmethod(_gather_from_windows)

    def backward(ctx, grad):
        return _MaxPool3DScatter.apply_or_run(grad, *ctx.constants)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each (kD, kH, kW) window of (N, C, D, H, W) (or unbatched
    (C, D, H, W)); ``stride`` defaults to the kernel size. ``return_indices`` also gives
    each maximum's flat position (d * H + h) * W + w in its input volume.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.max_pool3d(chainrule.arange(16.0).reshape(1, 1, 2, 2, 4), 2, return_indices=True)
    (tensor([[[[[13., 15.]]]]]), tensor([[[[[13, 15]]]]]))
    """
    op_name = "max_pool3d"
    kernel, stride, pad, dilation = _pool_arguments(op_name, input, kernel_size, stride, padding, dilation, 3)
    x, unbatched = _batched(input)
    geo = _pool_volume(op_name, x, kernel, stride, pad, dilation, ceil_mode)
    out = MaxPool3DWithIndices.apply(x, geo, return_indices)
    if return_indices:
        return tuple(o.squeeze(0) if unbatched else o for o in out)
    return out.squeeze(0) if unbatched else out


def max_pool3d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """``max_pool3d`` returning (values, indices) whatever ``return_indices`` says, as PyTorch's.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.max_pool3d_with_indices(chainrule.arange(8.0).reshape(1, 1, 2, 2, 2), 2)[1]
    tensor([[[[[7]]]]])
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# --- max unpooling: each value put back where max pooling found it -------------------------------


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool3d``: each value of (N, C, D, H, W) (or unbatched
    (C, D, H, W)) written at the flat position ``indices`` (max_pool3d's, with
    return_indices=True) names in its output volume, zeros elsewhere; the gradient
    gathers from those positions.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> y, i = F.max_pool3d(chainrule.arange(8.0).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
    >>> F.max_unpool3d(y, i, 2).flatten()
    tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """
    kernel = _tuple(kernel_size, 3, "kernel_size", "max_unpool3d")
    stride = kernel if stride is None else _tuple(stride, 3, "stride", "max_unpool3d")
    padding = _tuple(padding, 3, "padding", "max_unpool3d")
    out_size = _unpool_output_size(input, kernel, stride, padding, output_size)
    data, idx = input._data, indices._data
    # PyTorch's checks, in its order
    if idx.dtype != np.int64:
        raise RuntimeError("elements in indices should be type int64")
    if data.ndim not in (4, 5):
        raise RuntimeError(
            "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with "
            f"{data.ndim} dimensions."
        )
    if idx.shape != data.shape:
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(data.shape)}) but got "
            f"indices tensor with shape: {list(idx.shape)}"
        )
    for d in range(1, data.ndim):
        if data.shape[d] == 0:
            raise RuntimeError(
                "max_unpooling3d_forward_out_cpu(): Expected input to have non-zero size for non-batch "
                f"dimensions, but got {list(data.shape)} with dimension {d} being empty."
            )
    if min(stride) <= 0:
        raise RuntimeError(f"strides should be greater than zero, but got stride: {list(stride)}")
    if data.dtype.kind != "f":
        raise NotImplementedError(f"\"max_unpool3d\" not implemented for '{scalar_type_name(data.dtype)}'")
    volume = math.prod(out_size)
    invalid = (idx < 0) | (idx >= volume)
    if invalid.any():
        raise RuntimeError(
            f"Found an invalid max index: {idx[invalid][0]} (output volumes are of size "
            f"{'x'.join(str(size) for size in out_size)})"
        )
    flat_shape = data.shape[:-3] + (math.prod(data.shape[-3:]),)
    out = wrap(np.zeros(data.shape[:-3] + (volume,), data.dtype))
    return out.scatter(-1, wrap(idx.reshape(flat_shape)), input.reshape(flat_shape)).reshape(
        data.shape[:-3] + tuple(out_size)
    )


# --- average pooling -------------------------------------------------------------------------------


def _avg_divisors(geo, count_include_pad, divisor_override, dtype):
    pads = [pad for pad, _ in geo.padding]
    return window_divisors(
        geo.out_size, geo.size, geo.kernel, geo.stride, pads, count_include_pad, divisor_override, dtype
    )


def _window_sums(x, geo, divisors):
    padded = geo.pad(x)
    y = np.zeros(x.shape[:2] + geo.out_size, x.dtype)
    for offset in geo.offsets:
        y += geo.window(padded, offset)
    y /= divisors
    return y


def _spread_over_windows(grad, geo, divisors):
    padded = np.zeros(grad.shape[:2] + geo.padded_size, grad.dtype)
    share = grad / divisors
    for offset in geo.offsets:
        geo.window(padded, offset)[...] += share
    return geo.unpad(padded)


class AvgPool3D(_WindowMap, Primitive):
    """y = (sum of each window of x) / divisor.
    dL/dx = dL/dy / divisor spread over every voxel of the window (summed where
    windows overlap)."""

    run = staticmethod(_window_sums)

    def backward(ctx, grad):
        return _AvgPool3DSpread.apply_or_run(grad, *ctx.constants)


class _AvgPool3DSpread(_WindowMap, Primitive):
    """dx = grad / divisor spread over the windows (average pooling's backward).
    Linear in grad; its adjoint is average pooling itself."""

    run = staticmethod(_spread_over_windows)

    @classmethod
    def name(cls):
        return "AvgPool3DBackwardBackward0"

    def backward(ctx, grad_grad_x):
        return AvgPool3D.apply_or_run(grad_grad_x, *ctx.constants)


def avg_pool3d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """The mean of each (kD, kH, kW) window of (N, C, D, H, W) (or unbatched (C, D, H, W));
    ``stride`` defaults to the kernel size. ``count_include_pad`` counts zero padding in
    the divisor; ``divisor_override`` replaces the divisor.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.avg_pool3d(chainrule.arange(16.0).reshape(1, 1, 2, 2, 4), 2)
    tensor([[[[[6.5000, 8.5000]]]]])
    """
    op_name = "avg_pool3d"
    kernel, stride, pad, dilation = _pool_arguments(op_name, input, kernel_size, stride, padding, 1, 3)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool3d: divisor must be not zero")
    x, unbatched = _batched(input)
    geo = _pool_volume(op_name, x, kernel, stride, pad, dilation, ceil_mode)
    divisors = _avg_divisors(geo, count_include_pad, divisor_override, x._data.dtype)
    out = AvgPool3D.apply(x, geo, divisors)
    return out.squeeze(0) if unbatched else out


# --- adaptive pooling ------------------------------------------------------------------------------


def _adaptive_volume(op_name, input, output_size):
    """The input's (D, H, W) and the output's, checked: ``output_size`` an int or a triple
    (``None`` keeping that side), the input (N, C, D, H, W) or (C, D, H, W) of floats."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op_name}(): input must be a Tensor, got {type(input).__name__}")
    shape = input._data.shape
    if len(shape) not in (4, 5):
        raise RuntimeError(f"{op_name}(): Expected 4D or 5D tensor, but got {list(shape)}")
    if 0 in shape[len(shape) - 4 :]:
        empty = len(shape) - 4 + shape[len(shape) - 4 :].index(0)
        raise RuntimeError(
            f"{op_name}(): Expected input to have non-zero size for non-batch dimensions, but input has "
            f"sizes {list(shape)} with dimension {empty} being empty"
        )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{op_name}_cpu\" not implemented for '{scalar_type_name(input._data.dtype)}' (use .float())"
        )
    sizes = (output_size,) * 3 if isinstance(output_size, (int, np.integer)) else tuple(output_size)
    if len(sizes) != 3:
        raise RuntimeError(f"{op_name}: output_size must be 3, got {len(sizes)} values: {sizes}")
    size = shape[-3:]
    out_size = tuple(n if o is None else int(o) for o, n in zip(sizes, size))
    if min(out_size) < 0:
        raise RuntimeError(
            f"{op_name}: elements of output_size must be greater than or equal to 0 but received {out_size}"
        )
    return size, out_size


def _separable(x, matrices):
    """x with the (out, in) matrices applied along D, H and W: one BLAS product each."""
    depth, height, width = matrices
    return np.ascontiguousarray(np.einsum("ncdhw,Dd,Hh,Ww->ncDHW", x, depth, height, width, optimize=True))


class AdaptiveAvgPool3D(Primitive):
    """y = x with A_d, A_h, A_w applied along D, H and W: each output voxel the mean of its
    adaptive window, A the (out, in) matrices of window averages along each side.
    dL/dx = dL/dy with the transposed matrices applied (the same op)."""

    def forward(ctx, x, matrices):
        ctx.matrices = matrices
        return _separable(x, matrices)

    def backward(ctx, grad):
        transposed = tuple(m.T for m in ctx.matrices)
        if isinstance(grad, Tensor):
            return AdaptiveAvgPool3D.apply(grad, transposed)
        return _separable(grad, transposed)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed output size (OD, OH, OW), whatever the input's: output
    voxel (i, j, k) is the mean of planes floor(i*D/OD) .. ceil((i+1)*D/OD) - 1 and the
    matching rows and columns. ``None`` in ``output_size`` keeps that side.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.adaptive_avg_pool3d(chainrule.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
    tensor([[[[[3.5000]]]]])
    """
    size, out_size = _adaptive_volume("adaptive_avg_pool3d", input, output_size)
    x, unbatched = _batched(input)
    matrices = tuple(_adaptive_matrix(n, o, x._data.dtype) for n, o in zip(size, out_size))
    out = AdaptiveAvgPool3D.apply(x, matrices)
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size (OD, OH, OW), whatever the input's (``None``
    keeps that side). The gradient goes to the first largest value of each window;
    ``return_indices`` gives its position in the flattened D*H*W.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.adaptive_max_pool3d(chainrule.arange(8.0).reshape(1, 1, 2, 2, 2), 1, return_indices=True)
    (tensor([[[[[7.]]]]]), tensor([[[[[7]]]]]))
    """
    size, out_size = _adaptive_volume("adaptive_max_pool3d", input, output_size)
    x, unbatched = _batched(input)
    data = x._data
    n, c = data.shape[:2]
    (planes, plane_real), (rows, row_real), (cols, col_real) = (
        _adaptive_windows(side, out) for side, out in zip(size, out_size)
    )
    # every window's values (N, C, OD, OH, OW, KD, KH, KW), the padding positions at -inf
    windows = data[
        :,
        :,
        planes[:, None, None, :, None, None],
        rows[None, :, None, None, :, None],
        cols[None, None, :, None, None, :],
    ]
    real = (
        plane_real[:, None, None, :, None, None]
        & row_real[None, :, None, None, :, None]
        & col_real[None, None, :, None, None, :]
    )
    if not real.all():
        windows = np.where(real, windows, -np.inf)
    best = windows.reshape(n, c, *out_size, -1).argmax(axis=-1)  # the first largest (or the first NaN)
    kh, kw = rows.shape[1], cols.shape[1]
    od, oh, ow = np.ix_(*(np.arange(o) for o in out_size))
    depth = planes[od, best // (kh * kw)]
    height = rows[oh, best // kw % kh]
    width = cols[ow, best % kw]
    index = ((depth * size[1] + height) * size[2] + width).astype(np.int64)
    # the picked values, differentiably: the gradient goes back to those positions
    values = x.reshape(n, c, -1).gather(2, wrap(index.reshape(n, c, -1))).reshape(n, c, *out_size)
    if unbatched:
        values, index = values.squeeze(0), index[0]
    return (values, wrap(index)) if return_indices else values


# --- channel dropout -------------------------------------------------------------------------------


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability ``p`` and
    scale the rest by ``1 / (1 - p)`` (training only), as ``dropout2d`` does for images.
    Other ranks are read as unbatched, with PyTorch's warning.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> y = F.dropout3d(chainrule.ones(2, 3, 2, 2, 2), p=0.5)
    >>> bool(((y == 0) | (y == 2)).all()), bool((y.flatten(2).std(-1) == 0).all())
    (True, True)
    """
    _check_probability(p)
    ndim = input._data.ndim
    if ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
            UserWarning,
            stacklevel=2,
        )
    if not training or p == 0:
        return input
    shape = input._data.shape
    # one draw per channel: (N, C) of a batch, the first dim of anything else (as PyTorch,
    # which adds a batch dim of 1 and drops it again)
    if ndim == 5:
        mask_shape = shape[:2] + (1, 1, 1)
    else:
        mask_shape = shape[:1] + (1,) * (ndim - 1) if ndim > 1 else shape
    if inplace:
        check_inplace(input, "feature_dropout_")
        return write_inplace(input, Dropout.apply_unary(input, p, None, mask_shape), "feature_dropout_")
    return Dropout.apply_unary(input, p, None, mask_shape)
