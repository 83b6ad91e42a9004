"""Convolution and pooling: strided windows plus one matrix product.

float32 convolutions run on oneDNN where it is installed (ops/_dnnl.py, the
library PyTorch's convolutions run on; which ones: its ``suits``); this module's
NumPy kernels compute the others, and all of them while
``chainrule.backends.mkldnn.enabled`` is False.

How a convolution runs (im2col)
-------------------------------
A convolution multiplies every window of the input by the same weights.
``as_strided`` views all the windows at once without copying; one copy lays
them out as the columns of a matrix ("im2col") and one matrix product (BLAS)
with the weights, reshaped to (out_channels, in_channels * kh * kw), gives
every output pixel of every image::

    cols[(c, i, j), (n, oh, ow)] = x_padded[n, c, oh * s + i * d, ow * s + j * d]
    y[n, o, oh, ow] = sum_k W[o, k] cols[k, (n, oh, ow)] + b[o]

Backward reuses ``cols``: dL/dW = dL/dy @ cols^T is one more product, and
dL/dx comes from dL/dcols = W^T @ dL/dy, whose columns are added back onto
the windows they were copied from ("col2im": one whole-array slice-add per
kernel offset, kh * kw of them).

What keeps it fast:

* The bias rides in the product: a row of ones in ``cols`` and the bias as an
  extra weight column, so the same product adds it in forward and sums its
  gradient in backward.
* The memory order of the columns follows the sizes (``Geometry.layout``):

  - "per-image": images outermost, one product per image. For small weight
    matrices (few channels, say a first layer): a BLAS product with a small
    result and a very long inner dimension is several times slower than many
    medium ones.
  - "batch": images outermost, one product for the batch.
  - "batch-last": the batch innermost, (c, i, j) x (oh, ow, n), one product.
    For small images: im2col and col2im then move rows of ``OW * N`` values
    instead of ``OW``-long pieces (a few values each for an 8x8 image). It
    costs transposing the input and output, cheap while they fit in cache.

* Large scratch arrays (the columns and their gradient) are recycled
  (``scratch``) instead of freshly allocated each step, and their rows never
  lie a multiple of 4 KB apart (``_row_pitch``): a batch of 64 8x8 outputs
  makes rows of exactly 16 KB, which the CPU's caches hold badly.
* With a vertical stride of 1, im2col copies in two steps (``_fill_columns``):
  the padded rows shifted once per kernel column, then each kernel offset's
  windows as one run per image, instead of one short run per output row.
* 3x3 convolutions with stride 1 and enough channels skip im2col: Winograd's
  F(2x2, 3x3) computes them with 2.25 times fewer multiplies, a few images at
  a time on every core (the Winograd section below).

Pooling uses the same windows: a loop over the kh * kw kernel offsets of
whole-array operations (never over pixels), max pooling keeping the offset of
each window's maximum so backward can route the gradient to it. Max pooling
runs over slices of the batch on every core (ops/_threads.py).

Every backward is written in terms of ops that have their own primitive
(convolution, transposed convolution and the weight gradient; pooling and its
adjoint), so under ``create_graph=True`` gradients are differentiable again.
"""

import functools
import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._dtype import scalar_type_name
from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from ..autograd.grad_mode import state as grad_state
from ..backends import mkldnn
from . import _dnnl
from ._blas import batched_product, matrix_product, transpose_into
from ._helpers import depends_on
from ._threads import run_chunks, thread_buffer
from .reduce import last_axis_sums

__all__ = [
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "unfold",
    "fold",
]

# Weight matrices (out channels x columns per group) up to this many entries
# run one BLAS product per image; larger ones one product for the batch.
_PER_IMAGE_PRODUCT_MAX = 1024
# Output rows shorter than this make im2col copy too little per row, and
# activations up to this many values are cheap to transpose: the batch goes last.
_SHORT_ROW = 16
_SMALL_ACTIVATION = 1 << 18
# im2col, and the products of the per-image layout, run over slices of the batch whose
# columns take about this many bytes, on every core.
_COLUMN_CHUNK_BYTES = 1 << 20


def _row_pitch(length, itemsize):
    """The distance in elements between rows of ``length`` to allocate: a cache line
    more than ``length`` when rows would lie a multiple of 4 KB apart. Such rows fall
    in the same few sets of the core's caches, so a BLAS product or a transposing
    copy that walks down a column evicts what it has just read: (16x151) @
    (151x4096) in float32 takes 339 us with rows 16,384 bytes apart and 175 us
    with 16,448; a (64, 1024) -> (1024, 64) transposing copy 218 us and 39."""
    if length and (length * itemsize) % 4096 == 0:
        return length + 64 // itemsize
    return length


def _rows_of(memory, shape):
    """A ``shape`` view of the flat or padded array ``memory`` allocated for it, its
    rows spaced by ``_row_pitch``."""
    pitch = _row_pitch(shape[-1], memory.itemsize)
    return memory.reshape(shape[:-1] + (pitch,))[..., : shape[-1]]


def unaliased_empty(shape, dtype):
    """``np.empty(shape, dtype)``, its rows spaced by ``_row_pitch``: a view of a
    slightly wider array when they would lie a multiple of 4 KB apart."""
    dtype = np.dtype(dtype)
    return _rows_of(np.empty(math.prod(shape[:-1]) * _row_pitch(shape[-1], dtype.itemsize), dtype), shape)


def copy_transposed(source, axes, out):
    """``out[...] = source.transpose(axes)`` for a C-contiguous ``source``. When the
    axis that ends up innermost has a stride that is a multiple of 4 KB, the copy
    would read down such a column (see ``_row_pitch``): ``source`` is first copied,
    row by row, into rows spaced a cache line wider."""
    axis = axes[-1]
    if axis < source.ndim - 1 and source.strides[axis] % 4096 == 0 and source.flags.c_contiguous:
        staged = unaliased_empty(
            (math.prod(source.shape[: axis + 1]), math.prod(source.shape[axis + 1 :])), source.dtype
        )
        np.copyto(staged, source.reshape(staged.shape))
        source = staged.reshape(source.shape, copy=False)
    np.copyto(out, source.transpose(axes))


class ScratchArrays:
    """Recycles the large arrays that never leave this module (im2col columns,
    Winograd tiles, their gradients): a fresh multi-megabyte array costs the
    operating system a page fault per 4 KB the first time it is written, which
    took a third of a small CNN's training step. Holds at most ``max_bytes`` of
    free arrays (the oldest go first), so memory does not grow with the number
    of steps. Rows are spaced as ``unaliased_empty`` spaces them."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.free = []
        self.lock = threading.Lock()

    def take(self, shape, dtype):
        """An uninitialised array of ``shape`` and ``dtype``, recycled if one is free."""
        dtype = np.dtype(dtype)
        size = math.prod(shape[:-1]) * _row_pitch(shape[-1], dtype.itemsize)
        with self.lock:
            for k, free in enumerate(self.free):
                if free.size == size and free.dtype == dtype:
                    return _rows_of(self.free.pop(k), shape)
        return unaliased_empty(shape, dtype)

    def give(self, array):
        """Hand back a whole array taken here; no one may use it afterwards."""
        flat = array if array.base is None else array.base
        with self.lock:
            self.free.append(flat.reshape(-1))
            held = sum(free.nbytes for free in self.free)
            while held > self.max_bytes:
                held -= self.free.pop(0).nbytes


# enough for the working set of one 3x3 convolution of a batch of 128 32-channel 14x14 images
scratch = ScratchArrays(max_bytes=128 << 20)


# --- geometry --------------------------------------------------------------------------------------


class Geometry:
    """The sizes of one 2-D window operation (a 1-D one has height 1), computed
    once per input shape and reused.

    ``padding`` is (top, bottom, left, right); ``height``/``width`` are the
    input's, ``out_height``/``out_width`` the output's; a convolution's
    ``layout`` is the memory order of its columns (see the module docstring).
    """

    __slots__ = (
        "batch",
        "channels",
        "out_channels",
        "groups",
        "height",
        "width",
        "kernel",
        "stride",
        "dilation",
        "padding",
        "padded_height",
        "padded_width",
        "out_height",
        "out_width",
        "columns",
        "layout",
        "winograd",
        "one_window",
    )

    def __init__(
        self,
        batch,
        channels,
        out_channels,
        groups,
        height,
        width,
        kernel,
        stride,
        dilation,
        padding,
        out_size,
    ):
        self.batch, self.channels, self.out_channels, self.groups = batch, channels, out_channels, groups
        self.height, self.width = height, width
        self.kernel, self.stride, self.dilation, self.padding = kernel, stride, dilation, padding
        top, bottom, left, right = padding
        self.out_height, self.out_width = out_size
        # rows/columns the windows reach (ceil_mode may reach past the padding)
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        self.padded_height = max(height + top + bottom, (self.out_height - 1) * sh + (kh - 1) * dh + 1)
        self.padded_width = max(width + left + right, (self.out_width - 1) * sw + (kw - 1) * dw + 1)
        self.columns = channels // groups * kh * kw
        self.layout = None
        self.winograd = False
        # one window covering each whole, unpadded image: a Linear layer's product (see below)
        self.one_window = (
            groups == 1 and out_size == (1, 1) and padding == (0, 0, 0, 0) and kernel == (height, width)
        )

    @property
    def offsets(self):
        """(i, j) for every kernel offset, row by row."""
        kh, kw = self.kernel
        return [(i, j) for i in range(kh) for j in range(kw)]

    def window(self, padded, i, j):
        """The input values that kernel offset (i, j) meets, one per output pixel:
        a strided view of ``padded``, shape (N, C, out_height, out_width)."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        top, left = i * dh, j * dw
        return padded[
            :,
            :,
            top : top + (self.out_height - 1) * sh + 1 : sh,
            left : left + (self.out_width - 1) * sw + 1 : sw,
        ]

    def pad(self, x, fill=0):
        """``x`` inside a (N, C, padded_height, padded_width) frame of ``fill``
        (``x`` itself when there is nothing to add)."""
        top, _, left, _ = self.padding
        hp, wp = self.padded_height, self.padded_width
        if x.shape[2:] == (hp, wp):
            return x
        padded = np.full(x.shape[:2] + (hp, wp), fill, x.dtype)
        padded[:, :, top : top + self.height, left : left + self.width] = x
        return padded

    def unpad(self, padded):
        """The inverse of ``pad`` for gradients: the region that holds the input."""
        top, _, left, _ = self.padding
        h, w = self.height, self.width
        return np.ascontiguousarray(padded[:, :, top : top + h, left : left + w])


@functools.lru_cache(maxsize=512)
def _conv_geometry(x_shape, w_shape, stride, padding, dilation, groups):
    n, c, h, w = x_shape
    o, _, kh, kw = w_shape
    top, bottom, left, right = padding
    out_h = (h + top + bottom - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (w + left + right - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    geo = Geometry(n, c, o, groups, h, w, (kh, kw), stride, dilation, padding, (out_h, out_w))
    largest = n * max(c * h * w, o * out_h * out_w)
    if out_w < _SHORT_ROW and largest <= _SMALL_ACTIVATION:
        geo.layout = "batch-last"
    elif (o // groups) * (geo.columns + 1) <= _PER_IMAGE_PRODUCT_MAX:
        geo.layout = "per-image"
    else:
        geo.layout = "batch"
    geo.winograd = _winograd_suits(geo)
    return geo


# --- the array kernels of convolution ------------------------------------------------------------


def _padded_input(x, geo):
    """``x`` with its zero padding, as an (N, C, Hp, Wp) array or, for the
    batch-last layout, an (N, C, Hp, Wp) view of a (C, Hp, Wp, N) array."""
    if geo.layout != "batch-last":
        return geo.pad(x)
    top, _, left, _ = geo.padding
    padded = np.zeros((x.shape[1], geo.padded_height, geo.padded_width, x.shape[0]), x.dtype)
    padded[:, top : top + geo.height, left : left + geo.width] = x.transpose(1, 2, 3, 0)
    return padded.transpose(3, 0, 1, 2)


def _im2col(x, geo, ones_row):
    """cols (groups, C/groups * kh * kw [+ 1 row of ones], N * OH * OW): every
    window of ``x`` as a column, the columns ordered (n, oh, ow), or
    (oh, ow, n) for the batch-last layout."""
    n, k = x.shape[0], geo.columns
    pixels = geo.out_height * geo.out_width
    cols = scratch.take((geo.groups, k + ones_row, n * pixels), x.dtype)
    if geo.layout == "batch-last":
        _fill_columns(x, geo, cols[:, :k])
    else:  # images outermost: a slice of the batch at a time, on every core

        def images(start, stop):
            _fill_columns(x[start:stop], geo, cols[:, :k, start * pixels : stop * pixels])

        run_chunks(images, n, _column_chunk(geo, x.itemsize))
    if ones_row:
        cols[:, k] = 1
    return cols


def _column_chunk(geo, itemsize):
    """How many images' columns make a slice of about _COLUMN_CHUNK_BYTES."""
    per_image = (geo.columns + 1) * geo.groups * geo.out_height * geo.out_width * itemsize
    return max(1, _COLUMN_CHUNK_BYTES // per_image)


def _fill_columns(x, geo, cols):
    """Every window of the images ``x`` into ``cols`` (groups, columns, images * OH * OW)."""
    padded = _padded_input(x, geo)
    n = x.shape[0]
    g, kh, kw = geo.groups, *geo.kernel
    per_group = geo.channels // g
    oh, ow = geo.out_height, geo.out_width
    (dh, dw), (sh, sw) = geo.dilation, geo.stride
    s_n, s_c, s_h, s_w = padded.strides
    if geo.layout != "batch-last" and sh == 1:
        # Two copies instead of one: a copy of every padded row shifted for each kernel
        # column, in which each kernel offset's windows are then one run of OH * OW
        # values per image. NumPy copies short rows (OW values) slowly, and this makes
        # fewer of them: LeNet-5's first layer 334 -> 216 us.
        rows_needed = oh + (kh - 1) * dh
        shifted = thread_buffer("im2col shifted rows", (geo.channels, kw, n, rows_needed, ow), x.dtype)
        np.copyto(shifted, as_strided(padded, shifted.shape, (s_c, dw * s_w, s_n, s_h, sw * s_w)))
        r_c, r_j, r_n, r_h, r_w = shifted.strides
        windows = as_strided(
            shifted, (g, per_group, kh, kw, n, oh * ow), (per_group * r_c, r_c, dh * r_h, r_j, r_n, r_w)
        )
        np.copyto(cols.reshape((g, per_group, kh, kw, n, oh * ow), copy=False), windows)
        return
    windows = as_strided(
        padded,
        (g, per_group, kh, kw, n, oh, ow),
        (per_group * s_c, s_c, dh * s_h, dw * s_w, s_n, sh * s_h, sw * s_w),
    )
    if geo.layout == "batch-last":
        target = cols.reshape((g, per_group, kh, kw, oh, ow, n), copy=False).transpose(0, 1, 2, 3, 6, 4, 5)
    else:
        target = cols.reshape((g, per_group, kh, kw, n, oh, ow), copy=False)
    np.copyto(target, windows)


def _weight_matrix(w, b, geo):
    """W as (groups, out/groups, columns [+ 1 bias column])."""
    g = geo.groups
    matrix = w.reshape(g, w.shape[0] // g, -1)
    if b is None:
        return matrix
    return np.concatenate([matrix, b.reshape(g, -1, 1)], axis=2)


def _images(cols, geo):
    """The per-image columns of the per-image layout: (N, G, K, OH * OW) views."""
    g, k = cols.shape[:2]
    return cols.reshape(g, k, geo.batch, geo.out_height * geo.out_width).transpose(2, 0, 1, 3)


def _matmul(a, b, out=None):
    """np.matmul of stacks of matrices; a stack of one (one group) as a single 2-D
    product, which goes to the BLAS library when it is large (ops/_blas.py)."""
    if a.shape[0] != 1 or b.shape[0] != 1 or a.ndim != 3 or b.ndim != 3:
        return np.matmul(a, b, out=out)
    return matrix_product(a[0], b[0], None if out is None else out[0])[None]


def _product(matrix, cols, geo):
    """y = W @ cols, as (N, O, OH, OW)."""
    n, o, oh, ow = geo.batch, geo.out_channels, geo.out_height, geo.out_width
    if geo.layout == "per-image":  # (G, O/G, K) @ (N, G, K, OH*OW), already image-major
        images = _images(cols, geo)
        y = np.empty((n, geo.groups, o // geo.groups, oh * ow), cols.dtype)
        if geo.groups == 1 and batched_product(
            np.broadcast_to(matrix[0], (n,) + matrix.shape[1:]), images[:, 0], y[:, 0]
        ):
            return y.reshape(n, o, oh, ow)

        def products(start, stop):
            np.matmul(matrix, images[start:stop], out=y[start:stop])

        run_chunks(products, n, _column_chunk(geo, cols.itemsize))
        return y.reshape(n, o, oh, ow)
    products = _matmul(matrix, cols, out=scratch.take((geo.groups, o // geo.groups, n * oh * ow), cols.dtype))
    if geo.layout == "batch-last" and products.flags.c_contiguous:
        # (O*OH*OW, N) -> (N, O*OH*OW), one 2-D transpose: 1 -> 16 3x3 stride 2 on 64 28x28
        # images took 170 us as NumPy's strided copy of the 4-D view, 20 us so
        y = np.empty((n, o, oh, ow), cols.dtype)
        transpose_into(products.reshape(o * oh * ow, n), y.reshape(n, o * oh * ow))
        scratch.give(products)
        return y
    if geo.layout == "batch-last":
        y = products.reshape(o, oh, ow, n).transpose(3, 0, 1, 2)
    else:
        y = products.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)
    if y.flags.c_contiguous:  # one image, or one output pixel: the products are y, and stay out of scratch
        return y
    y = np.ascontiguousarray(y)
    scratch.give(products)
    return y


def _grad_columns(grad, geo):
    """dL/dy ordered like the columns: (N, G, O/G, OH*OW) per image, else
    (G, O/G, N*OH*OW)."""
    n, g = geo.batch, geo.groups
    if geo.layout == "per-image":
        return np.ascontiguousarray(grad).reshape(n, g, geo.out_channels // g, geo.out_height * geo.out_width)
    o, oh, ow = geo.out_channels, geo.out_height, geo.out_width
    grad_cols = unaliased_empty((g, o // g, n * oh * ow), grad.dtype)
    if geo.layout == "batch-last" and grad_cols.flags.c_contiguous and grad.flags.c_contiguous:
        transpose_into(grad.reshape(n, o * oh * ow), grad_cols.reshape(o * oh * ow, n))  # as in _product
    elif geo.layout == "batch-last":
        copy_transposed(grad, (1, 2, 3, 0), grad_cols.reshape((o, oh, ow, n), copy=False))
    else:
        copy_transposed(grad, (1, 0, 2, 3), grad_cols.reshape((o, n, oh, ow), copy=False))
    return grad_cols


def _weight_grad(cols, grad_cols, geo):
    """dL/dW (and dL/db when cols has its row of ones) = dL/dy @ cols^T, computed
    as (cols @ dL/dy^T)^T: BLAS runs this long inner dimension faster that way."""
    if geo.layout == "per-image":  # (N, G, K, P) @ (N, G, P, O/G), summed over the images
        images, grad_images = _images(cols, geo), grad_cols.transpose(0, 1, 3, 2)
        per_image = np.empty((geo.batch, images.shape[2], grad_images.shape[3]), cols.dtype)
        if geo.groups == 1 and batched_product(images[:, 0], grad_images[:, 0], per_image):
            # summed over the images in one order: the same bits on any thread count
            return per_image.sum(axis=0).T.reshape(geo.out_channels, -1)

        def products(start, stop):
            return np.matmul(images[start:stop], grad_images[start:stop]).sum(axis=0)

        parts = run_chunks(products, geo.batch, _column_chunk(geo, cols.itemsize))
        # added in slice order, from zeros for an empty batch: the same bits on any thread count
        product = sum(parts, np.zeros(images.shape[1:3] + grad_images.shape[3:], cols.dtype))
    else:
        product = _matmul(cols, grad_cols.transpose(0, 2, 1))  # (G, K, O/G)
    return product.transpose(0, 2, 1).reshape(geo.out_channels, -1)


def _col2im(grad_cols, w, geo):
    """dL/dx: dL/dcols = W^T @ dL/dy, each column added back onto its window."""
    n, c, g = geo.batch, geo.channels, geo.groups
    kh, kw = geo.kernel
    oh, ow = geo.out_height, geo.out_width
    matrix_t = w.reshape(g, w.shape[0] // g, -1).transpose(0, 2, 1)  # (G, K, O/G)
    buffer = scratch.take(grad_cols.shape[:-2] + (matrix_t.shape[1], grad_cols.shape[-1]), grad_cols.dtype)
    cols = _matmul(matrix_t, grad_cols, out=buffer)
    if geo.layout == "per-image":
        cols = cols.reshape(n, c, kh, kw, oh, ow)
        padded = np.zeros((n, c, geo.padded_height, geo.padded_width), cols.dtype)
    elif geo.layout == "batch":  # accumulate in (C, N, Hp, Wp) memory, the columns' order
        cols = cols.reshape(c, kh, kw, n, oh, ow).transpose(3, 0, 1, 2, 4, 5)
        padded = np.zeros((c, n, geo.padded_height, geo.padded_width), cols.dtype).transpose(1, 0, 2, 3)
    else:  # batch-last: accumulate in (C, Hp, Wp, N) memory, viewed as (N, C, Hp, Wp)
        cols = cols.reshape(c, kh, kw, oh, ow, n).transpose(5, 0, 1, 2, 3, 4)
        padded = np.zeros((c, geo.padded_height, geo.padded_width, n), cols.dtype).transpose(3, 0, 1, 2)
    for i, j in geo.offsets:
        geo.window(padded, i, j)[...] += cols[:, :, i, j]
    scratch.give(buffer)
    return geo.unpad(padded)


def _on_dnnl(x, geo, bias=False, transposed=False):
    """Whether oneDNN runs this convolution, or with ``transposed`` its transposed
    convolution (ops/_dnnl.py: suits): float32, installed, switched on."""
    return mkldnn.enabled and _dnnl.suits(x, geo, bias, transposed)


# A kernel as large as its unpadded input has one window per image, so the convolution
# is a Linear layer's product over the flattened images: y = X @ W^T with X (N, C*H*W) and
# W (O, C*H*W); dL/dX = dL/dy @ W, dL/dW = dL/dy^T @ X. A DCGAN generator's first layer
# (the transposed convolution of 1x1 noise images, 100 -> 128 channels, 7x7; batch 64,
# forward and weight gradient) took 2.55 ms by oneDNN, 0.56 ms as these products
# (PyTorch: 1.41-1.47 ms).


def _one_window_forward(x, w):
    """conv(x, w) for ``geo.one_window``: (N, O, 1, 1)."""
    n, o = x.shape[0], w.shape[0]
    return matrix_product(x.reshape(n, -1), w.reshape(o, -1).T).reshape(n, o, 1, 1)


def _one_window_input_grad(grad, w, geo):
    """dL/dx of conv(x, w) for ``geo.one_window``: (N, C, H, W)."""
    n, o = grad.shape[:2]
    product = matrix_product(np.ascontiguousarray(grad).reshape(n, o), w.reshape(o, -1))
    return product.reshape(n, geo.channels, geo.height, geo.width)


def _one_window_weight_grad(x, grad):
    """dL/dw of conv(x, w) for ``geo.one_window``: (O, C, kH, kW)."""
    n, o = grad.shape[:2]
    product = matrix_product(np.ascontiguousarray(grad).reshape(n, o).T, x.reshape(n, -1))
    return product.reshape((o,) + x.shape[1:])


def conv_forward(x, w, geo):
    """y = conv(x, w)."""
    if geo.one_window:
        return _one_window_forward(x, w)
    if _on_dnnl(x, geo):
        return _dnnl.conv_forward(x, w, None, geo, keep=False)[0]
    cols = _im2col(x, geo, False)
    y = _product(_weight_matrix(w, None, geo), cols, geo)
    scratch.give(cols)
    return y


def conv_input_grad(grad, w, geo):
    """dL/dx of y = conv(x, w): the transposed convolution of ``grad``."""
    if geo.one_window:
        return _one_window_input_grad(grad, w, geo)
    if _on_dnnl(grad, geo, transposed=True):
        return _dnnl.conv_grads(grad, None, w, geo, True, False, False, None)[0]
    return _col2im(_grad_columns(grad, geo), w, geo)


def conv_weight_grad(x, grad, geo):
    """dL/dw of y = conv(x, w)."""
    if geo.one_window:
        return _one_window_weight_grad(x, grad)
    if _on_dnnl(x, geo):
        return _dnnl.conv_grads(grad, x, None, geo, False, True, False, None)[1]
    cols = _im2col(x, geo, False)
    grad_w = _weight_grad(cols, _grad_columns(grad, geo), geo).reshape(_weight_shape(geo))
    scratch.give(cols)
    return grad_w


def _weight_shape(geo):
    return (geo.out_channels, geo.channels // geo.groups) + geo.kernel


def _as_2d(array, one_d):
    """A 1-D convolution's (N, C, L) array as (N, C, 1, L)."""
    if not one_d or array is None:
        return array
    return array.reshape(array.shape[:2] + (1,) + array.shape[2:])


def _as_1d(array, one_d):
    """The inverse of ``_as_2d`` (None, a gradient nobody needs, stays None)."""
    if not one_d or array is None:
        return array
    return array.reshape(array.shape[:2] + array.shape[3:])


# --- Winograd F(2x2, 3x3) -------------------------------------------------------------------------
#
# A 3x3 convolution with stride 1 computes each 2x2 block ("tile") of an output
# plane from the 4x4 block of input under it. Winograd's minimal filtering
# algorithm (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
# 2016) does that with 16 products per input channel instead of 36:
#
#     y_tile = A^T [ sum_c (G w_oc G^T) * (B^T d_c B) ] A        (* elementwise, 4x4)
#
# where d_c is channel c's 4x4 input block and A, B, G are constant matrices
# whose entries are 0, +-1 and +-1/2, so the transforms are exact adds and
# subtracts. Summed over the channels, each of the 16 positions of the tile is
# one matrix product (tiles x C_in) @ (C_in x C_out): one batched np.matmul,
# 2.25 times fewer multiplies than im2col's product. Backward runs the same
# algebra transposed, with M the 16 products and V the input tiles:
#
#     dL/dM = A dL/dy A^T
#     dL/dV = dL/dM @ U^T,   dL/dx = B dL/dV B^T, added up where tiles overlap
#     dL/dU = V^T @ dL/dM,   dL/dw = G^T dL/dU G
#
# The tiles and products are 4 to 8 times the size of the input and output,
# so they are never made for the whole batch: a few images at a time go
# through all the steps while their arrays are still in the core's cache
# (ops/_threads.py, which also spreads the chunks over the cores), and
# backward makes the input tiles again rather than keeping forward's. Every
# transform is a few whole-array adds on strided views of arrays laid out
# (rows, columns, images, channels), so that each NumPy pass runs over rows of
# images x channels contiguous values.
#
# Rounding: the transformed values are sums of up to 9 terms, so float32
# results are a little less exact than im2col's. With a layer's weights
# (outputs O(1)) both stay within 1e-5 of PyTorch's; where outputs near 0 are
# differences of large terms, Winograd's can be off by a few 1e-6 more.

# U = G w G^T for a 3x3 filter w
_WINOGRAD_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
# U[a, b] = sum over i, j of G[a, i] G[b, j] w[i, j]: G (x) G maps the 9 weights to the 16 positions
_WINOGRAD_GG = np.kron(_WINOGRAD_G, _WINOGRAD_G)
# dL/dM = A g A^T has A's last row (0, -1): its minus sign is left out of the tiles and
# put on the small matrices they meet instead, sparing a pass over the tiles
_WINOGRAD_SIGNS = np.outer([1.0, 1.0, 1.0, -1.0], [1.0, 1.0, 1.0, -1.0]).reshape(16, 1, 1)
# With fewer channels the transforms cost more than the products they save (measured on
# 2 cores: 8 -> 16 channels lose by 1.3x, 8 -> 32 and 16 -> 16 win, 32 -> 64 by 1.7x).
_WINOGRAD_MIN_CHANNELS = 8
_WINOGRAD_MIN_PRODUCT = 256  # input channels x output channels
# The tiles and products of one chunk of images stay below this (a core's L2 cache).
_WINOGRAD_CHUNK_BYTES = 1 << 21


def _winograd_suits(geo):
    """True for the convolutions the Winograd kernels compute: 3x3, stride 1, no
    dilation, one group, and enough input channels to pay for the transforms."""
    return (
        geo.kernel == (3, 3)
        and geo.stride == (1, 1)
        and geo.dilation == (1, 1)
        and geo.groups == 1
        and geo.channels >= _WINOGRAD_MIN_CHANNELS
        and geo.channels * geo.out_channels >= _WINOGRAD_MIN_PRODUCT
    )


def _winograd_plan(geo, dtype):
    """(tile rows, tile columns, images per chunk): the output padded up to even
    sides in 2x2 tiles, and how many images' tiles fit the chunk budget."""
    rows_t, cols_t = -(-geo.out_height // 2), -(-geo.out_width // 2)
    per_image = 16 * rows_t * cols_t * (geo.channels + geo.out_channels) * np.dtype(dtype).itemsize
    return rows_t, cols_t, max(1, _WINOGRAD_CHUNK_BYTES // per_image)


def _even_sides(plan, oh, ow):
    """True when the output fills its 2x2 tiles exactly: then a chunk's blocks are one
    (OH * OW, images * channels) matrix, and the layout change one 2-D transpose."""
    rows_t, cols_t, _ = plan
    return oh == 2 * rows_t and ow == 2 * cols_t


def _winograd_filters(w):
    """U = G w G^T for every filter: (16, C_in, C_out), position (a, b) of the 4x4 tile
    first; one product with G (x) G (16 x 9) for all the filters."""
    o, c = w.shape[:2]
    u = _WINOGRAD_GG.astype(w.dtype) @ w.reshape(o * c, 9).T  # (16, C_out * C_in)
    return np.ascontiguousarray(u.reshape(16, o, c).transpose(0, 2, 1))


def _winograd_input_tiles(x, geo, plan):
    """V = B^T d B for every 4x4 input block d (tiles 2 apart) and channel of the
    images ``x``: (16, tile rows * tile columns * images, C_in), a thread buffer."""
    k, c, h, w = x.shape
    top, _, left, _ = geo.padding
    rows_t, cols_t, chunk = plan
    width = 2 * cols_t + 2
    frame = thread_buffer("winograd frame", (2 * rows_t + 2, width, chunk, c), x.dtype)[:, :, :k]
    frame[:top] = 0
    frame[top + h :] = 0
    frame[top : top + h, :left] = 0
    frame[top : top + h, left + w :] = 0
    np.copyto(frame[top : top + h, left : left + w], x.transpose(2, 3, 0, 1))
    d = [frame[i : i + 2 * rows_t : 2] for i in range(4)]  # row i of every tile
    r = thread_buffer("winograd rows", (4, rows_t, width, chunk, c), x.dtype)[..., :k, :]  # B^T d
    np.subtract(d[0], d[2], out=r[0])
    np.add(d[1], d[2], out=r[1])
    np.subtract(d[2], d[1], out=r[2])
    np.subtract(d[1], d[3], out=r[3])
    q = [r[:, :, j : j + 2 * cols_t : 2] for j in range(4)]  # column j of every tile
    tiles = thread_buffer("winograd tiles", (16, rows_t * cols_t * chunk, c), x.dtype)
    tiles = tiles[:, : rows_t * cols_t * k]
    v = tiles.reshape((4, 4, rows_t, cols_t, k, c), copy=False)  # (B^T d) B
    np.subtract(q[0], q[2], out=v[:, 0])
    np.add(q[1], q[2], out=v[:, 1])
    np.subtract(q[2], q[1], out=v[:, 2])
    np.subtract(q[1], q[3], out=v[:, 3])
    return tiles


def _winograd_output(products, bias, plan, y):
    """y = A^T M A (+ bias) into the (images, C_out, OH, OW) array ``y``, from every
    tile's 16 summed products M (16, tiles, C_out), which it overwrites."""
    k, o, oh, ow = y.shape
    rows_t, cols_t, chunk = plan
    m = products.reshape((4, 4, rows_t, cols_t, k, o), copy=False)
    if bias is not None:  # A^T e A is all ones for e at position (1, 1)
        m[1, 1] += bias
    # A^T M, in place: row 1 becomes M0 + M1 + M2, row 3 becomes M1 - M2 - M3
    np.subtract(m[1], m[3], out=m[3])
    m[3] -= m[2]
    m[1] += m[0]
    m[1] += m[2]
    r = m[1::2]
    blocks = thread_buffer("winograd blocks", (rows_t, 2, cols_t, 2, chunk, o), products.dtype)[..., :k, :]
    out = blocks.transpose(1, 3, 0, 2, 4, 5)  # (2, 2, tile rows, tile columns, images, C_out)
    np.add(r[:, 0], r[:, 1], out=out[:, 0])
    out[:, 0] += r[:, 2]
    np.subtract(r[:, 1], r[:, 2], out=out[:, 1])
    out[:, 1] -= r[:, 3]
    if _even_sides(plan, oh, ow):
        transpose_into(blocks.reshape((oh * ow, k * o), copy=False), y.reshape((k * o, oh * ow), copy=False))
        return
    planes = blocks.reshape((2 * rows_t, 2 * cols_t, k, o), copy=False)[:oh, :ow]
    np.copyto(y, planes.transpose(2, 3, 0, 1))


def _winograd_grad_tiles(grad, plan):
    """dL/dM = A g A^T for every 2x2 tile g of the output gradient ``grad``
    (images, C_out, OH, OW), the sign of A's last row left out (see
    _WINOGRAD_SIGNS): (16, tiles, C_out), a thread buffer."""
    k, o, oh, ow = grad.shape
    rows_t, cols_t, chunk = plan
    blocks = thread_buffer("winograd grad blocks", (rows_t, 2, cols_t, 2, chunk, o), grad.dtype)[..., :k, :]
    if _even_sides(plan, oh, ow) and grad.flags.c_contiguous:
        transpose_into(grad.reshape(k * o, oh * ow), blocks.reshape((oh * ow, k * o), copy=False))
    else:
        planes = blocks.reshape((2 * rows_t, 2 * cols_t, k, o), copy=False)
        planes[oh:] = 0
        planes[:, ow:] = 0
        np.copyto(planes[:oh, :ow], grad.transpose(2, 3, 0, 1))
    tiles = thread_buffer("winograd grad tiles", (16, rows_t * cols_t * chunk, o), grad.dtype)
    tiles = tiles[:, : rows_t * cols_t * k]
    t = tiles.reshape((4, 4, rows_t, cols_t, k, o), copy=False)
    # g A^T for both rows of every tile, written straight into rows 0 and 3 of A (g A^T)
    g = blocks.transpose(1, 3, 0, 2, 4, 5)  # (2 rows, 2 columns, tile rows, tile columns, images, C_out)
    ends = t[::3]
    np.copyto(ends[:, 0], g[:, 0])
    np.add(g[:, 0], g[:, 1], out=ends[:, 1])
    np.subtract(g[:, 0], g[:, 1], out=ends[:, 2])
    np.copyto(ends[:, 3], g[:, 1])
    np.add(t[0], t[3], out=t[1])
    np.subtract(t[0], t[3], out=t[2])
    return tiles


def _add_tiles_back(target, v, count, axis):
    """The adjoint of taking B^T's combinations of the 4 rows (or columns) of
    tiles 2 apart along ``axis``: target[2t + i] = sum over tiles t and i of
    (B v)[i] of tile t, ``v`` (4, ...) holding one gradient per combination, the
    overlapping tiles added up. ``target`` has 2 * count + 2 entries along
    ``axis`` and is overwritten."""

    def along(start, stop, step=None):
        return target[(slice(None),) * axis + (slice(start, stop, step),)]

    along(2 * count, None)[...] = 0
    even, even_next = along(0, 2 * count, 2), along(2, 2 * count + 2, 2)
    odd, odd_next = along(1, 2 * count, 2), along(3, 2 * count + 2, 2)
    np.copyto(even, v[0])
    even_next += v[1]
    even_next += v[2]
    even_next -= v[0]
    np.subtract(v[1], v[2], out=odd)
    odd += v[3]
    odd_next -= v[3]


def _winograd_input_grad(tile_grads, geo, plan, grad_x):
    """dL/dx into the (images, C_in, H, W) array ``grad_x`` from dL/dV (16, tiles,
    C_in): B dL/dV B^T per tile, added up where tiles overlap, less the padding."""
    k, c, h, w = grad_x.shape
    top, _, left, _ = geo.padding
    rows_t, cols_t, chunk = plan
    width = 2 * cols_t + 2
    v = tile_grads.reshape((4, 4, rows_t, cols_t, k, c), copy=False).transpose(1, 0, 2, 3, 4, 5)
    r = thread_buffer("winograd rows", (4, rows_t, width, chunk, c), grad_x.dtype)[..., :k, :]
    _add_tiles_back(r, v, cols_t, axis=2)
    frame = thread_buffer("winograd frame", (2 * rows_t + 2, width, chunk, c), grad_x.dtype)[:, :, :k]
    _add_tiles_back(frame, r, rows_t, axis=0)
    np.copyto(grad_x, frame[top : top + h, left : left + w].transpose(2, 3, 0, 1))


def winograd_conv(x, w, b, geo):
    """y = conv(x, w) + b by Winograd F(2x2, 3x3), a chunk of images at a time."""
    plan = _winograd_plan(geo, x.dtype)
    rows_t, cols_t, chunk = plan
    filters = _winograd_filters(w)
    y = np.empty((geo.batch, geo.out_channels, geo.out_height, geo.out_width), x.dtype)

    def images(start, stop):
        tiles = _winograd_input_tiles(x[start:stop], geo, plan)
        products = thread_buffer(
            "winograd products", (16, chunk * rows_t * cols_t, geo.out_channels), x.dtype
        )
        products = products[:, : tiles.shape[1]]
        np.matmul(tiles, filters, out=products)
        _winograd_output(products, b, plan, y[start:stop])

    run_chunks(images, geo.batch, chunk)
    return y


def winograd_conv_grads(grad, x, w, geo, need_x, need_w, need_b):
    """dL/dx, dL/dw, dL/db of y = conv(x, w) + b by Winograd F(2x2, 3x3), a chunk
    of images at a time (each chunk's input tiles made again for dL/dw)."""
    plan = _winograd_plan(geo, grad.dtype)
    rows_t, cols_t, chunk = plan
    signs = _WINOGRAD_SIGNS.astype(grad.dtype)
    filters_t = np.ascontiguousarray((_winograd_filters(w) * signs).transpose(0, 2, 1)) if need_x else None
    grad_x = np.empty(x.shape, grad.dtype) if need_x else None
    filter_grads = np.zeros((16, geo.channels, geo.out_channels), grad.dtype)
    grad_b = np.zeros(geo.out_channels, grad.dtype) if need_b else None

    def images(start, stop):
        grad_tiles = _winograd_grad_tiles(grad[start:stop], plan)
        if need_x:
            tile_grads = thread_buffer(
                "winograd tile grads", (16, chunk * rows_t * cols_t, geo.channels), grad.dtype
            )
            tile_grads = tile_grads[:, : grad_tiles.shape[1]]
            np.matmul(grad_tiles, filters_t, out=tile_grads)
            _winograd_input_grad(tile_grads, geo, plan, grad_x[start:stop])
        weights = bias = None
        if need_w:
            tiles = _winograd_input_tiles(x[start:stop], geo, plan)
            weights = np.matmul(tiles.transpose(0, 2, 1), grad_tiles)  # (16, C_in, C_out)
        if need_b:  # position (1, 1) of dL/dM is the sum of each tile's gradient
            bias = grad_tiles[5].sum(axis=0)
        return weights, bias

    for weights, bias in run_chunks(images, geo.batch, chunk):  # summed in chunk order: deterministic
        if need_w:
            filter_grads += weights
        if need_b:
            grad_b += bias
    grad_w = None
    if need_w:
        filter_grads *= signs  # dL/dw = G^T dL/dU G: the transpose of G (x) G
        grad_w = (_WINOGRAD_GG.T.astype(grad.dtype) @ filter_grads.transpose(0, 2, 1).reshape(16, -1)).T
        grad_w = grad_w.reshape(w.shape)
    return grad_x, grad_w, grad_b


# --- convolution primitives ------------------------------------------------------------------------


class Convolution(Primitive):
    """y = conv(x, w) + b  (cross-correlation, as PyTorch), by im2col and one product.
    dL/dx = conv_transpose(dL/dy, w),   dL/dw = dL/dy @ cols(x)^T,
    dL/db = dL/dy summed over batch and pixels."""

    def forward(ctx, x, w, b, geo, one_d, keep_cols):
        ctx.geo, ctx.one_d = geo, one_d
        ctx.save_for_backward(x, w)
        ctx.on_dnnl = not geo.one_window and _on_dnnl(x, geo, b is not None)
        if geo.one_window:
            ctx.cols = None
            y = _one_window_forward(_as_2d(x, one_d), _as_2d(w, one_d))
            if b is not None:
                y += b.reshape(1, -1, 1, 1)
            return _as_1d(y, one_d)
        if ctx.on_dnnl:  # keeps its own copy of x, in oneDNN's layout, for the weight gradient
            ctx.cols = None
            y, ctx.dnnl_input = _dnnl.conv_forward(_as_2d(x, one_d), _as_2d(w, one_d), b, geo, keep_cols)
            return _as_1d(y, one_d)
        if geo.winograd:  # backward makes the input tiles again (see the Winograd section)
            ctx.cols = None
            return winograd_conv(x, w, b, geo)
        cols = _im2col(_as_2d(x, one_d), geo, b is not None)
        y = _product(_weight_matrix(_as_2d(w, one_d), b, geo), cols, geo)
        if keep_cols:  # for the weight gradient
            ctx.cols = cols
        else:
            ctx.cols = None
            scratch.give(cols)
        return _as_1d(y, one_d)

    def backward(ctx, grad):
        geo, one_d = ctx.geo, ctx.one_d
        x, w = (_as_2d(a, one_d) for a in ctx.saved)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad = _as_2d(grad, one_d)
        # forward's columns serve one backward (a retained graph's second one rebuilds them)
        cols, ctx.cols = ctx.cols, None
        if isinstance(grad, Tensor):  # create_graph: through primitives, differentiable again
            grad_x = ConvolutionTranspose.apply(grad, w, None, geo, False) if need_x else None
            grad_w = ConvolutionWeightGrad.apply(x, grad, geo) if need_w else None
            grad_b = grad.sum(axis=(0, 2, 3)) if need_b else None
        elif geo.one_window:
            grad_x = _one_window_input_grad(grad, w, geo) if need_x else None
            grad_w = _one_window_weight_grad(x, grad) if need_w else None
            grad_b = grad.sum(axis=(0, 2, 3)) if need_b else None
        elif ctx.on_dnnl:  # forward's copy of x serves one backward, as the columns do
            saved_input, ctx.dnnl_input = ctx.dnnl_input, None
            grads = _dnnl.conv_grads(grad, x, w, geo, need_x, need_w, need_b, saved_input)
            return _as_1d(grads[0], one_d), _as_1d(grads[1], one_d), grads[2]
        elif geo.winograd:
            return winograd_conv_grads(grad, x, w, geo, need_x, need_w, need_b)
        else:
            grad_x = grad_w = grad_b = None
            grad_cols = _grad_columns(grad, geo)
            if need_x:
                grad_x = _col2im(grad_cols, w, geo)
            if need_w or need_b:
                if cols is None:
                    cols = _im2col(x, geo, need_b)
                both = _weight_grad(cols, grad_cols, geo)
                grad_w = both[:, : geo.columns].reshape(_weight_shape(geo)) if need_w else None
                grad_b = both[:, geo.columns] if need_b else None
        if cols is not None:
            scratch.give(cols)
        return _as_1d(grad_x, one_d), _as_1d(grad_w, one_d), grad_b


class ConvolutionTranspose(Primitive):
    """y = conv_transpose(x, w) + b: the adjoint of the convolution with
    geometry ``geo`` (x plays dL/dy, y plays dL/dx).
    dL/dx = conv(dL/dy, w),   dL/dw = conv_weight_grad(dL/dy, x),
    dL/db = dL/dy summed over batch and pixels."""

    @classmethod
    def name(cls):
        return "ConvolutionBackward0"

    def forward(ctx, x, w, b, geo, one_d, zero_tail=(0, 0)):
        ctx.geo, ctx.one_d = geo, one_d
        ctx.save_for_backward(x, w)
        y = conv_input_grad(_as_2d(x, one_d), _as_2d(w, one_d), geo)
        if zero_tail != (0, 0):  # rows and columns past every window (see conv_transpose2d)
            y = np.pad(y, ((0, 0), (0, 0), (0, zero_tail[0]), (0, zero_tail[1])))
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return _as_1d(y, one_d)

    def backward(ctx, grad):
        geo, one_d = ctx.geo, ctx.one_d
        x, w = (_as_2d(a, one_d) for a in ctx.saved)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad = _as_2d(grad, one_d)
        grad_b = grad.sum(axis=(0, 2, 3)) if need_b else None
        if grad.shape[2:] != (geo.height, geo.width):  # a zero tail reads nothing: its gradient stops
            grad = grad[:, :, : geo.height, : geo.width]
            grad = grad if isinstance(grad, Tensor) else np.ascontiguousarray(grad)
        if isinstance(grad, Tensor):
            grad_x = Convolution.apply(grad, w, None, geo, False, False) if need_x else None
            grad_w = ConvolutionWeightGrad.apply(grad, x, geo) if need_w else None
        elif geo.one_window:  # dL/dx: the convolution itself; dL/dw: its weight gradient
            grad_x = _one_window_forward(grad, w) if need_x else None
            grad_w = _one_window_weight_grad(grad, x) if need_w else None
        elif _on_dnnl(
            grad, geo, transposed=True
        ):  # dL/dx: the convolution itself; dL/dw: its weight gradient
            grad_x = _dnnl.conv_forward(grad, w, None, geo, keep=False)[0] if need_x else None
            grad_w = _dnnl.conv_grads(x, grad, None, geo, False, True, False, None)[1] if need_w else None
        else:
            grad_x = grad_w = None
            if need_x or need_w:
                cols = _im2col(grad, geo, False)
                if need_x:
                    grad_x = _product(_weight_matrix(w, None, geo), cols, geo)
                if need_w:
                    grad_w = _weight_grad(cols, _grad_columns(x, geo), geo).reshape(w.shape)
                scratch.give(cols)
        return _as_1d(grad_x, one_d), _as_1d(grad_w, one_d), grad_b


class ConvolutionWeightGrad(Primitive):
    """dw = conv_weight_grad(x, g) = g @ cols(x)^T, the weight gradient of a
    convolution as an op of its own (only recorded under create_graph).
    d(dw)/dx applied to v: conv_transpose(g, v);   d(dw)/dg applied to v: conv(x, v)."""

    def forward(ctx, x, grad, geo):
        ctx.geo = geo
        ctx.save_for_backward(x, grad)
        return conv_weight_grad(x, grad, geo)

    def backward(ctx, grad_w):
        x, grad = ctx.saved
        geo = ctx.geo
        need_x, need_grad = ctx.needs_input_grad[:2]
        if isinstance(grad_w, Tensor):
            grad_x = ConvolutionTranspose.apply(grad, grad_w, None, geo, False) if need_x else None
            grad_grad = Convolution.apply(x, grad_w, None, geo, False, False) if need_grad else None
        else:
            grad_x = conv_input_grad(grad, grad_w, geo) if need_x else None
            grad_grad = conv_forward(x, grad_w, geo) if need_grad else None
        return grad_x, grad_grad


# --- the user-facing convolutions ------------------------------------------------------------------


def _tuple(value, n, name, op_name):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(
            f"{op_name}: expected {name} to be a single integer value or a list of {n} values to match "
            f"the convolution dimensions, but got {name}={list(value)}"
        )
    return value


def _check_conv_inputs(op_name, input, weight, bias, spatial):
    """PyTorch's checks on ranks and dtypes; returns (batched input, unbatched flag)."""
    dims = spatial + 2
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"{op_name}(): input and weight must be Tensors, got {type(input).__name__} "
            f"and {type(weight).__name__}"
        )
    if input._data.ndim not in (dims - 1, dims):
        raise RuntimeError(
            f"Expected {dims - 1}D (unbatched) or {dims}D (batched) input to {op_name}, but got input of "
            f"size: {list(input._data.shape)}"
        )
    if weight._data.ndim != dims:
        raise RuntimeError(
            f"{op_name}: weight should have {dims} dimensions (out_channels, in_channels / groups, "
            f"kernel size), but got weight of size {list(weight._data.shape)}"
        )
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op_name}: expected a floating point input, got {input.dtype}; convert it with .float()"
        )
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"Input type ({input.dtype}) and weight type ({weight.dtype}) should be the same: "
            f"convert the input with .to({weight.dtype}) (or the layer with .to({input.dtype}))"
        )
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(f"Input type ({input.dtype}) and bias type ({bias.dtype}) should be the same")
    unbatched = input._data.ndim == dims - 1
    return (input.unsqueeze(0) if unbatched else input), unbatched


def _check_positive(op_name, stride, dilation):
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op_name}: non-positive stride is not supported (stride={list(stride)})")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op_name}: non-positive dilation is not supported (dilation={list(dilation)})")


def _conv_padding(padding, kernel, stride, dilation, spatial, op_name):
    """(top, bottom, left, right) for an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * spatial)
        if padding != "same":
            raise RuntimeError(
                f"{op_name}: Invalid padding string: '{padding}' (use 'valid', 'same' or numbers)"
            )
        if any(s != 1 for s in stride):
            raise RuntimeError(f"{op_name}: padding='same' is not supported for strided convolutions")
        pads = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]  # PyTorch pads the odd one out at the end
        return tuple(pads)
    pad = _tuple(padding, spatial, "padding", op_name)
    if any(p < 0 for p in pad):
        raise RuntimeError(f"{op_name}: negative padding is not supported (padding={list(pad)})")
    return tuple(p for p in pad for _ in range(2))


def _convolution(op_name, input, weight, bias, stride, padding, dilation, groups, spatial):
    input, unbatched = _check_conv_inputs(op_name, input, weight, bias, spatial)
    stride = _tuple(stride, spatial, "stride", op_name)
    dilation = _tuple(dilation, spatial, "dilation", op_name)
    _check_positive(op_name, stride, dilation)
    x_shape, w_shape = input._data.shape, weight._data.shape
    pad = _conv_padding(padding, w_shape[2:], stride, dilation, spatial, op_name)
    one_d = spatial == 1
    if one_d:  # a 1-D convolution is a 2-D one on images of height 1
        x_shape, w_shape = x_shape[:2] + (1,) + x_shape[2:], w_shape[:2] + (1,) + w_shape[2:]
        stride, dilation, pad = (1,) + stride, (1,) + dilation, (0, 0) + pad
    _check_channels(op_name, x_shape, w_shape, bias, groups, transposed=False)
    geo = _conv_geometry(x_shape, w_shape, stride, pad, dilation, groups)
    if geo.out_height <= 0 or geo.out_width <= 0:
        padded = [x_shape[2] + pad[0] + pad[1], x_shape[3] + pad[2] + pad[3]][2 - spatial :]
        raise RuntimeError(
            f"{op_name}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, weight._data.shape[2:]))}). Kernel size can't be greater "
            "than actual input size"
        )
    # the columns are kept for backward only if a weight gradient will need them
    keep_cols = grad_state.enabled and (weight._requires_grad or (bias is not None and bias._requires_grad))
    out = Convolution.apply(input, weight, bias, geo, one_d, keep_cols)
    return out.squeeze(0) if unbatched else out


def _check_channels(op_name, x_shape, w_shape, bias, groups, transposed):
    if groups <= 0:
        raise RuntimeError(f"{op_name}: non-positive groups is not supported (groups={groups})")
    if w_shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size {list(w_shape)} instead"
        )
    expected = w_shape[0] if transposed else w_shape[1] * groups
    if x_shape[1] != expected:
        raise RuntimeError(
            f"Given {'transposed=1' if transposed else f'groups={groups}'}, weight of size {list(w_shape)}, "
            f"expected input{list(x_shape)} to have {expected} channels, but got {x_shape[1]} channels "
            "instead"
        )
    out_channels = w_shape[1] * groups if transposed else w_shape[0]
    if bias is not None and bias._data.shape != (out_channels,):
        raise RuntimeError(
            f"Given weight of size {list(w_shape)}, expected bias to be 1-dimensional with {out_channels} "
            f"elements, but got bias of size {list(bias._data.shape)} instead"
        )


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of (N, C_in, H, W) with weights
    (C_out, C_in / groups, kH, kW); ``padding`` may be a number, a pair,
    'valid' or 'same'.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> x = chainrule.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.conv2d(x, chainrule.ones(1, 1, 2, 2), stride=2)
    tensor([[[[10., 18.],
              [42., 50.]]]])
    """
    return _convolution("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) of (N, C_in, L) with weights (C_out, C_in / groups, k).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.conv1d(chainrule.tensor([[[1.0, 2.0, 3.0, 4.0]]]), chainrule.tensor([[[1.0, -1.0]]]))
    tensor([[[-1., -1., -1.]]])
    """
    return _convolution("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution ("deconvolution"): the gradient of ``conv2d``
    with respect to its input, used to upsample. ``weight`` is
    (C_in, C_out / groups, kH, kW); each side of the output is
    (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.conv_transpose2d(chainrule.ones(1, 1, 2, 2), chainrule.ones(1, 1, 2, 2), stride=2).shape
    chainrule.Size([1, 1, 4, 4])
    """
    return _conv_transpose(
        "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups, dilation, 2
    )


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution of (N, C_in, L) with weights (C_in, C_out / groups, k): the
    gradient of ``conv1d`` with respect to its input; the output has length
    (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.conv_transpose1d(chainrule.tensor([[[1.0, 2.0]]]), chainrule.tensor([[[1.0, 10.0]]]), stride=2)
    tensor([[[ 1., 10.,  2., 20.]]])
    """
    return _conv_transpose(
        "conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups, dilation, 1
    )


def _conv_transpose(op_name, input, weight, bias, stride, padding, output_padding, groups, dilation, spatial):
    input, unbatched = _check_conv_inputs(op_name, input, weight, bias, spatial)
    if isinstance(padding, str):
        raise TypeError(f"{op_name}(): argument 'padding' must be tuple of ints, not str")
    stride = _tuple(stride, spatial, "stride", op_name)
    dilation = _tuple(dilation, spatial, "dilation", op_name)
    _check_positive(op_name, stride, dilation)
    pad = _tuple(padding, spatial, "padding", op_name)
    extra = _tuple(output_padding, spatial, "output_padding", op_name)
    if any(p < 0 for p in pad):
        raise RuntimeError(f"{op_name}: negative padding is not supported (padding={list(pad)})")
    x_shape, w_shape = input._data.shape, weight._data.shape
    _check_channels(op_name, x_shape, w_shape, bias, groups, transposed=True)
    one_d = spatial == 1
    if one_d:  # a 1-D transposed convolution is a 2-D one on images of height 1
        x_shape, w_shape = x_shape[:2] + (1,) + x_shape[2:], w_shape[:2] + (1,) + w_shape[2:]
        stride, dilation, pad, extra = (1,) + stride, (1,) + dilation, (0,) + pad, (0,) + extra
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {extra[0]} output_padding_width: {extra[1]} stride_height: {stride[0]} "
            f"stride_width: {stride[1]} dilation_height: {dilation[0]} dilation_width: {dilation[1]}"
        )
    n, _, h, w = x_shape
    out_size = [
        (size - 1) * s - 2 * p + d * (k - 1) + e + 1
        for size, s, p, d, k, e in zip((h, w), stride, pad, dilation, w_shape[2:], extra)
    ]
    if min(out_size) <= 0:
        raise RuntimeError(
            f"{op_name}: Given input size per channel: ({' x '.join(map(str, [h, w][2 - spatial :]))}). "
            f"Calculated output size per channel: ({' x '.join(map(str, out_size[2 - spatial :]))}). "
            "Output size is too small"
        )
    # The convolution whose input gradient this is: it maps the output's shape to the
    # input's. An output_padding of a stride or more (allowed below the dilation) adds
    # rows no window of that convolution reads: they are left out of it (its far padding
    # shortened to fit), and past every window's reach they are zeros (plus the bias).
    sides, far_pads, zero_tail = [], [], []
    for size, s, p, e in zip(out_size, stride, pad, extra):
        reached = e if e < s else min(e, p)
        sides.append(size - (e - reached))
        far_pads.append(p if e < s else p - reached + reached % s)
        zero_tail.append(e - reached)
    out_channels = w_shape[1] * groups
    conv_w_shape = (w_shape[0], w_shape[1]) + w_shape[2:]
    pads = (pad[0], far_pads[0], pad[1], far_pads[1])
    geo = _conv_geometry((n, out_channels, *sides), conv_w_shape, stride, pads, dilation, groups)
    out = ConvolutionTranspose.apply(input, weight, bias, geo, one_d, tuple(zero_tail))
    return out.squeeze(0) if unbatched else out


# --- pooling ---------------------------------------------------------------------------------------


def _pool_size(size, kernel, stride, pad, dilation, ceil_mode):
    """PyTorch's pooling_output_shape: the number of windows along one side."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:  # the last window must start inside the input
        out -= 1
    return out


@functools.lru_cache(maxsize=512)
def _pool_geometry(x_shape, kernel, stride, padding, dilation, ceil_mode):
    n, c, h, w = x_shape
    out = tuple(
        _pool_size(size, k, s, p, d, ceil_mode)
        for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation)
    )
    pad = (padding[0], padding[0], padding[1], padding[1])
    return Geometry(n, c, c, c, h, w, kernel, stride, dilation, pad, out)


def _overlapping(geo):
    """True if some input pixel lies in two windows (stride shorter than the dilated kernel)."""
    return any(s < d * (k - 1) + 1 for k, s, d in zip(geo.kernel, geo.stride, geo.dilation))


def _max_offsets(windows, exact_nan, best, offset):
    """Into ``best`` and ``offset``: the running maximum over the windows and, per
    output pixel, the (first, as PyTorch) kernel offset that holds it."""
    np.copyto(best, windows[0])
    offset[...] = 0
    for k, window in enumerate(windows[1:], 1):
        larger = window > best
        if exact_nan:  # PyTorch lets a NaN win (and later NaNs win over it)
            larger |= np.isnan(window)
            np.copyto(best, window, where=larger)
        else:
            np.maximum(best, window, out=best)
        # k grows, so the offset of the latest strictly larger value is the largest (and no
        # masked write, which NumPy does several times slower)
        np.maximum(offset, np.multiply(larger, k, dtype=offset.dtype), out=offset)


# Pooling runs over slices of the batch of about this many bytes of input, on every core.
_POOL_CHUNK_BYTES = 1 << 20


def _pool_chunk(geo, itemsize):
    """How many images make a slice for pooling."""
    return max(1, _POOL_CHUNK_BYTES // max(1, geo.channels * geo.padded_height * geo.padded_width * itemsize))


def _tiles(geo):
    """True if the windows cover the (padded) input exactly once: stride = kernel, no dilation."""
    return (
        geo.kernel == geo.stride
        and geo.dilation == (1, 1)
        and geo.padded_height == geo.out_height * geo.stride[0]
        and geo.padded_width == geo.out_width * geo.stride[1]
    )


def _scatter_to_windows(grad, offset, geo):
    """Each output pixel's gradient added to the input pixel its window's
    maximum came from (the adjoint of ``_gather_from_windows``)."""
    shape = grad.shape[:2] + (geo.padded_height, geo.padded_width)
    overlapping = _overlapping(geo)
    # windows that tile the input write every pixel below, so nothing needs zeroing first
    padded = np.empty(shape, grad.dtype) if _tiles(geo) else np.zeros(shape, grad.dtype)

    def images(start, stop):
        g, chosen_offset, target = grad[start:stop], offset[start:stop], padded[start:stop]
        for k, (i, j) in enumerate(geo.offsets):
            chosen = chosen_offset == k
            window = geo.window(target, i, j)
            if overlapping:
                window += g * chosen
            else:  # every input pixel is in one window at most
                np.multiply(g, chosen, out=window)

    run_chunks(images, grad.shape[0], _pool_chunk(geo, grad.itemsize))
    return geo.unpad(padded)


def _gather_from_windows(x, offset, geo):
    """Per output pixel, the input value at its window's chosen offset."""
    padded = geo.pad(x)
    out = np.zeros(offset.shape, x.dtype)
    for k, (i, j) in enumerate(geo.offsets):
        out += np.where(offset == k, geo.window(padded, i, j), 0)
    return out


class MaxPool2DWithIndices(Primitive):
    """y = max over each window of x.
    dL/dx = dL/dy at the position of each window's (first) maximum, 0 elsewhere
    (summed where windows overlap). The indices output has no gradient."""

    def forward(ctx, x, geo, with_offsets, return_indices):
        ctx.geo = geo
        # kept as PyTorch keeps it: changing x in place before backward is an error, and
        # under create_graph the gradient depends on it (see DependsOn)
        ctx.save_for_backward(x)
        padded = geo.pad(x, -np.inf)
        y = np.empty(x.shape[:2] + (geo.out_height, geo.out_width), x.dtype)
        # nothing may need the positions of the maxima
        offset = np.empty(y.shape, np.uint8 if len(geo.offsets) < 256 else np.int32) if with_offsets else None

        def images(start, stop):
            windows = [geo.window(padded[start:stop], i, j) for i, j in geo.offsets]
            if offset is not None:
                _max_offsets(windows, False, y[start:stop], offset[start:stop])
                return
            np.copyto(y[start:stop], windows[0])
            for window in windows[1:]:
                np.maximum(y[start:stop], window, out=y[start:stop])

        run_chunks(images, x.shape[0], _pool_chunk(geo, x.itemsize))
        if offset is None:
            return y
        if np.isnan(y).any():
            _max_offsets([geo.window(padded, i, j) for i, j in geo.offsets], True, y, offset)
        ctx.offset = offset
        return (y, _flat_indices(offset, geo)) if return_indices else y

    def backward(ctx, grad, grad_indices=None):
        return depends_on(_MaxPoolScatter.apply_or_run(grad, ctx.offset, ctx.geo), ctx.saved[0])


class _WindowMap:
    """Mixed into the pooling primitives that are linear in their one array
    argument x, with constant arguments (the geometry, the chosen offsets, the
    divisors): backward rules call them through ``apply_or_run``, recorded when
    x is a Tensor, so that double backward can differentiate them, and run on
    the array otherwise. Subclasses set ``run`` to ``fn(x, *constants)``."""

    @classmethod
    def apply_or_run(cls, x, *constants):
        if isinstance(x, Tensor):
            return cls.apply(x, *constants)
        return cls.run(x, *constants)

    def forward(ctx, x, *constants):
        ctx.constants = constants
        return ctx.run(x, *constants)


class _MaxPoolScatter(_WindowMap, Primitive):
    """dx = grad scattered to each window's maximum (max pooling's backward).
    Linear in grad; its adjoint gathers: d/dgrad applied to v = v at the maxima."""

    run = staticmethod(_scatter_to_windows)

    @classmethod
    def name(cls):
        return "MaxPool2DWithIndicesBackwardBackward0"

    def backward(ctx, grad_grad_x):
        return _MaxPoolGather.apply_or_run(grad_grad_x, *ctx.constants)


class _MaxPoolGather(_WindowMap, Primitive):
    """y = x at each window's recorded maximum. Linear in x; its adjoint scatters."""

    run = staticmethod(_gather_from_windows)

    def backward(ctx, grad):
        return _MaxPoolScatter.apply_or_run(grad, *ctx.constants)


def _flat_indices(offset, geo):
    """PyTorch's max-pooling indices: the flat position h * W + w of each
    maximum within its input plane."""
    kw, (sh, sw), (dh, dw) = geo.kernel[1], geo.stride, geo.dilation
    top, _, left, _ = geo.padding
    offset = offset.astype(np.int64)
    rows = np.arange(geo.out_height).reshape(-1, 1) * sh - top + (offset // kw) * dh
    cols = np.arange(geo.out_width) * sw - left + (offset % kw) * dw
    return rows * geo.width + cols


def _pool_arguments(op_name, input, kernel_size, stride, padding, dilation, spatial):
    kernel = _tuple(kernel_size, spatial, "kernel_size", op_name)
    stride = (
        kernel
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else _tuple(stride, spatial, "stride", op_name)
    )
    pad = _tuple(padding, spatial, "padding", op_name)
    dilation = _tuple(dilation, spatial, "dilation", op_name)
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{op_name}: kernel size should be greater than zero, but got {list(kernel)}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op_name}: stride should be greater than zero, but got {list(stride)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op_name}: dilation should be greater than zero, but got {list(dilation)}")
    if not isinstance(input, Tensor):
        raise TypeError(f"{op_name}(): input must be a Tensor, got {type(input).__name__}")
    dims = spatial + 2
    shape = input._data.shape
    if len(shape) not in (dims - 1, dims):
        raise RuntimeError(
            f"{op_name}: non-empty {dims - 1}D or {dims}D (batch mode) tensor expected for input, got a "
            f"tensor of size {list(shape)}"
        )
    if 0 in shape[len(shape) - dims + 1 :]:  # an empty batch is fine, empty channels or images are not
        raise RuntimeError(
            f"{op_name}: Expected {dims - 1}D or {dims}D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got:{list(shape)}"
        )
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op_name}: expected a floating point input, got {input.dtype}")
    return kernel, stride, pad, dilation


def _pool_geometry_checked(op_name, x_shape, kernel, stride, pad, dilation, ceil_mode, effective):
    for p, k, d in zip(pad, kernel, dilation):
        if p <= k // 2:
            continue
        if effective and p <= (d * (k - 1) + 1) // 2:  # within the dilated kernel: PyTorch's second check
            raise RuntimeError(
                f"{op_name}: pad should be smaller than or equal to half of kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d} (the limit is half the kernel size, whatever the dilation)"
            )
        raise RuntimeError(
            f"{op_name}: pad should be at most half of {'effective ' if effective else ''}kernel size, "
            f"but got pad={p}, kernel_size={k} and dilation={d}"
        )
    geo = _pool_geometry(x_shape, kernel, stride, pad, dilation, ceil_mode)
    if geo.out_height < 1 or geo.out_width < 1:
        shape = "x".join(map(str, x_shape[1:]))
        raise RuntimeError(
            f"{op_name}: Given input size: ({shape}). Calculated output size: "
            f"({x_shape[1]}x{geo.out_height}x{geo.out_width}). Output size is too small"
        )
    return geo


def _as_batched_image(input, spatial):
    """(N, C, H, W) for a batched or unbatched 1-D or 2-D input, and how to undo it."""
    unbatched = input._data.ndim == spatial + 1
    x = input.unsqueeze(0) if unbatched else input
    if spatial == 1:
        x = x.unsqueeze(2)
    return x, unbatched


def _restore(out, unbatched, spatial):
    if spatial == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def _max_pool(op_name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, spatial):
    kernel, stride, pad, dilation = _pool_arguments(
        op_name, input, kernel_size, stride, padding, dilation, spatial
    )
    x, unbatched = _as_batched_image(input, spatial)
    if spatial == 1:
        kernel, stride, pad, dilation = (1,) + kernel, (1,) + stride, (0,) + pad, (1,) + dilation
    geo = _pool_geometry_checked(op_name, x._data.shape, kernel, stride, pad, dilation, ceil_mode, True)
    with_offsets = return_indices or (x._requires_grad and grad_state.enabled)
    out = MaxPool2DWithIndices.apply(x, geo, with_offsets, return_indices)
    if return_indices:
        return tuple(_restore(o, unbatched, spatial) for o in out)
    return _restore(out, unbatched, spatial)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each (kH, kW) window of (N, C, H, W); ``stride`` defaults
    to the kernel size. ``return_indices`` also gives each maximum's flat
    position h * W + w in its input plane.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.max_pool2d(chainrule.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _max_pool(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2
    )


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each window of length ``kernel_size`` along the last dim of (N, C, L).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.max_pool1d(chainrule.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2)
    tensor([[[3., 2.]]])
    """
    return _max_pool(
        "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1
    )


def max_pool2d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """``max_pool2d`` returning (values, indices) whatever ``return_indices`` says, as PyTorch's.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.max_pool2d_with_indices(chainrule.arange(4.0).reshape(1, 1, 2, 2), 2)[1]
    tensor([[[[3]]]])
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """``max_pool1d`` returning (values, indices) whatever ``return_indices`` says, as PyTorch's.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.max_pool1d_with_indices(chainrule.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)[1]
    tensor([[[1, 2]]])
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# --- max unpooling: each value put back where max pooling found it -------------------------------


def _unpool_output_size(input, kernel, stride, padding, output_size):
    """PyTorch's F._unpool_output_size: the default (in - 1) * stride + kernel - 2 * padding
    per side, or ``output_size`` (its spatial sizes) if within a stride of it."""
    spatial = len(kernel)
    shape = input._data.shape[-spatial:]
    default = [(size - 1) * s + k - 2 * p for size, k, s, p in zip(shape, kernel, stride, padding)]
    sizes = default
    if output_size is not None:
        sizes = [int(v) for v in output_size]
        if len(sizes) == spatial + 2:
            sizes = sizes[2:]
        if len(sizes) != spatial:
            raise ValueError(
                f"output_size should be a sequence containing {spatial} or {spatial + 2} elements, but it "
                f"has a length of '{len(sizes)}'"
            )
        for d, (size, s) in enumerate(zip(sizes, stride)):
            if not default[d] - s < size < default[d] + s:
                raise ValueError(
                    f'invalid output_size "{output_size}" (dim {d} must be between {default[d] - s} and '
                    f"{default[d] + s})"
                )
    for d, size in enumerate(sizes):
        if size < 0:
            raise ValueError(
                "max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                f"output_size[{d}]={size}"
            )
    return sizes


def _max_unpool2d(input, indices, out_h, out_w):
    """PyTorch's max_unpool2d kernel on (N, C, H, W) or (C, H, W): zeros of (OH, OW) per
    plane with each input value written at its flat index; its gradient gathers from there."""
    data, idx = input._data, indices._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {scalar_type_name(idx.dtype)}")
    if data.ndim not in (3, 4):
        raise RuntimeError(
            "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with "
            f"{data.ndim} dimensions."
        )
    if idx.shape != data.shape:
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(data.shape)}) but got "
            f"indices tensor with shape: {list(idx.shape)}"
        )
    for d in range(data.ndim - 3, data.ndim):
        if data.shape[d] == 0:
            raise RuntimeError(
                "max_unpooling2d_forward_out_cpu(): Expected input to have non-zero size for non-batch "
                f"dimensions, but got {list(data.shape)} with dimension {d} being empty."
            )
    if data.dtype.kind != "f":
        raise NotImplementedError(f"\"max_unpool2d\" not implemented for '{scalar_type_name(data.dtype)}'")
    invalid = (idx < 0) | (idx >= out_h * out_w)
    if invalid.any():
        raise RuntimeError(
            f"Found an invalid max index: {idx[invalid][0]} (output volumes are of size {out_h}x{out_w})"
        )
    flat_shape = data.shape[:-2] + (data.shape[-2] * data.shape[-1],)
    out = wrap(np.zeros(data.shape[:-2] + (out_h * out_w,), data.dtype))
    return out.scatter(-1, wrap(idx.reshape(flat_shape)), input.reshape(flat_shape)).reshape(
        data.shape[:-2] + (out_h, out_w)
    )


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d``: each value of (N, C, H, W) written at the
    position ``indices`` (max_pool2d's, with return_indices=True) names, zeros elsewhere.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> y, i = F.max_pool2d(chainrule.tensor([[[[1.0, 2.0], [4.0, 3.0]]]]), 2, return_indices=True)
    >>> F.max_unpool2d(y, i, 2)
    tensor([[[[0., 0.],
              [4., 0.]]]])
    """
    kernel = _tuple(kernel_size, 2, "kernel_size", "max_unpool2d")
    stride = kernel if stride is None else _tuple(stride, 2, "stride", "max_unpool2d")
    padding = _tuple(padding, 2, "padding", "max_unpool2d")
    out_h, out_w = _unpool_output_size(input, kernel, stride, padding, output_size)
    return _max_unpool2d(input, indices, out_h, out_w)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool1d``: each value of (N, C, L) written at the
    position ``indices`` (max_pool1d's, with return_indices=True) names, zeros elsewhere.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> y, i = F.max_pool1d(chainrule.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2, return_indices=True)
    >>> F.max_unpool1d(y, i, 2)
    tensor([[[0., 3., 2., 0.]]])
    """
    kernel = _tuple(kernel_size, 1, "kernel_size", "max_unpool1d")
    stride = kernel if stride is None else _tuple(stride, 1, "stride", "max_unpool1d")
    padding = _tuple(padding, 1, "padding", "max_unpool1d")
    (length,) = _unpool_output_size(input, kernel, stride, padding, output_size)
    # as PyTorch: the 2-D kernel on planes of width 1 (its errors name that shape)
    return _max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), length, 1).squeeze(-1)


# --- average pooling -------------------------------------------------------------------------------


def window_divisors(out_size, size, kernel, stride, pads, count_include_pad, divisor_override, dtype):
    """What each window's sum is divided by, for any number of sides (each side's output
    and input length, kernel, stride and leading padding): PyTorch's rule, which counts
    the padding (clipped to the padded input) or only the input's values."""
    if divisor_override:
        return dtype.type(divisor_override)
    counts = []
    for out, length, k, s, pad in zip(out_size, size, kernel, stride, pads):
        start = np.arange(out) * s - pad
        end = np.minimum(start + k, length + pad)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, length)
        counts.append(end - start)
    return functools.reduce(np.multiply.outer, counts).astype(dtype)


def _avg_divisors(geo, count_include_pad, divisor_override, dtype):
    return window_divisors(
        (geo.out_height, geo.out_width), (geo.height, geo.width), geo.kernel, geo.stride,
        geo.padding[::2], count_include_pad, divisor_override, dtype,
    )  # fmt: skip


def _window_sums(x, geo, divisors):
    padded = geo.pad(x)
    windows = [geo.window(padded, i, j) for i, j in geo.offsets]
    y = windows[0].copy()
    for window in windows[1:]:
        y += window
    y /= divisors
    return y


def _spread_over_windows(grad, geo, divisors):
    padded = np.zeros(grad.shape[:2] + (geo.padded_height, geo.padded_width), grad.dtype)
    share = grad / divisors
    for i, j in geo.offsets:
        geo.window(padded, i, j)[...] += share
    return geo.unpad(padded)


class AvgPool2D(_WindowMap, Primitive):
    """y = (sum of each window of x) / divisor.
    dL/dx = dL/dy / divisor spread over every pixel of the window (summed where
    windows overlap)."""

    run = staticmethod(_window_sums)

    def backward(ctx, grad):
        return _AvgPoolSpread.apply_or_run(grad, *ctx.constants)


class _AvgPoolSpread(_WindowMap, Primitive):
    """dx = grad / divisor spread over the windows (average pooling's backward).
    Linear in grad; its adjoint is average pooling itself."""

    run = staticmethod(_spread_over_windows)

    @classmethod
    def name(cls):
        return "AvgPool2DBackwardBackward0"

    def backward(ctx, grad_grad_x):
        return AvgPool2D.apply_or_run(grad_grad_x, *ctx.constants)


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """The mean of each (kH, kW) window of (N, C, H, W); ``stride`` defaults to
    the kernel size. ``count_include_pad`` counts zero padding in the divisor;
    ``divisor_override`` replaces the divisor.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.avg_pool2d(chainrule.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    op_name = "avg_pool2d"
    kernel, stride, pad, dilation = _pool_arguments(op_name, input, kernel_size, stride, padding, 1, 2)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    x, unbatched = _as_batched_image(input, 2)
    geo = _pool_geometry_checked(op_name, x._data.shape, kernel, stride, pad, dilation, ceil_mode, False)
    divisors = _avg_divisors(geo, count_include_pad, divisor_override, x._data.dtype)
    return _restore(AvgPool2D.apply(x, geo, divisors), unbatched, 2)


def _adaptive_matrix(size, out, dtype):
    """(out, size): row o averages input positions floor(o*size/out) .. ceil((o+1)*size/out) - 1."""
    matrix = np.zeros((out, size), dtype)
    for o in range(out):
        start, end = (o * size) // out, -((-(o + 1) * size) // out)
        matrix[o, start:end] = 1 / (end - start)
    return matrix


def _separable(x, rows, cols):
    """rows @ x @ cols^T on the last two axes of (N, C, H, W): two BLAS products, but
    for one output pixel (global average pooling, a ResNet's head) and for one input
    pixel (its gradient), where products with an inner size of 1 are slow (32x64x32x32:
    0.09 ms and 0.15 ms, against 0.12 ms and 3.1 ms). With one input pixel every window
    holds it alone, so the matrices' columns are uniform."""
    n, c, h, w = x.shape
    oh, ow = rows.shape[0], cols.shape[0]
    if oh == ow == 1 and rows.min() == rows.max() and cols.min() == cols.max():  # a scaled sum
        sums = last_axis_sums(np.ascontiguousarray(x).reshape(n * c, h * w))
        return (sums * (rows[0, 0] * cols[0, 0])).reshape(n, c, 1, 1)
    if h == w == 1:  # the one pixel in every window, with the same weight everywhere
        y = np.empty((n, c, oh, ow), x.dtype)
        y[...] = x * (rows[0, 0] * cols[0, 0])  # a broadcast copy: 0.15 ms where a multiply took 0.41
        return y
    t = np.matmul(x.reshape(n * c * h, w), cols.T)  # (N*C*H, OW)
    t = t.reshape(n, c, h, ow).transpose(0, 1, 3, 2).reshape(n * c * ow, h)  # (N*C*OW, H)
    y = np.matmul(t, rows.T).reshape(n, c, ow, oh)  # (N, C, OW, OH)
    return np.ascontiguousarray(y.transpose(0, 1, 3, 2))


class AdaptiveAvgPool2D(Primitive):
    """y = A_h x A_w^T: each output pixel the mean of its adaptive window, A the
    (out, in) matrices of window averages along each side.
    dL/dx = A_h^T dL/dy A_w (the same op with transposed matrices)."""

    def forward(ctx, x, rows, cols):
        ctx.rows, ctx.cols = rows, cols
        return _separable(x, rows, cols)

    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return AdaptiveAvgPool2D.apply(grad, ctx.rows.T, ctx.cols.T)
        return _separable(grad, ctx.rows.T, ctx.cols.T)


def _adaptive_sizes(op_name, input, output_size):
    """The input's (H, W) and the output's, checked: ``output_size`` an int or a pair
    (``None`` keeping that side), the input (N, C, H, W) or (C, H, W)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op_name}(): input must be a Tensor, got {type(input).__name__}")
    if input._data.ndim not in (3, 4) or 0 in input._data.shape[-2:]:
        raise RuntimeError(
            f"{op_name}(): Expected 3D or 4D tensor with non-zero height and width, but got "
            f"input of size {list(input._data.shape)}"
        )
    sizes = (output_size, output_size) if isinstance(output_size, (int, np.integer)) else tuple(output_size)
    if len(sizes) != 2:
        raise RuntimeError(f"{op_name}: output_size must be 2, got {len(sizes)} values: {sizes}")
    h, w = input._data.shape[-2:]
    out_h, out_w = (size if out is None else int(out) for out, size in zip(sizes, (h, w)))
    if out_h < 0 or out_w < 0:
        raise RuntimeError(
            f"{op_name}: elements of output_size must be greater than or equal to 0 but received "
            f"({out_h}, {out_w})"
        )
    return (h, w), (out_h, out_w)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (OH, OW), whatever the input's:
    output pixel (i, j) is the mean of rows floor(i*H/OH) .. ceil((i+1)*H/OH) - 1
    and the matching columns. ``None`` in ``output_size`` keeps that side.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.adaptive_avg_pool2d(chainrule.arange(16.0).reshape(1, 1, 4, 4), 1)
    tensor([[[[7.5000]]]])
    """
    if isinstance(input, Tensor) and input._data.dtype.kind != "f":
        raise RuntimeError(f"adaptive_avg_pool2d: expected a floating point input, got {input.dtype}")
    (h, w), (out_h, out_w) = _adaptive_sizes("adaptive_avg_pool2d", input, output_size)
    x, unbatched = _as_batched_image(input, 2)
    dtype = x._data.dtype
    rows, cols = _adaptive_matrix(h, out_h, dtype), _adaptive_matrix(w, out_w, dtype)
    return _restore(AdaptiveAvgPool2D.apply(x, rows, cols), unbatched, 2)


# --- 1-D average pooling: the 2-D ops on a height of 1 ----------------------------------------------


def _one_length(value, op_name, name):
    """An int, or a 1-tuple of one, as PyTorch's 1-D pooling arguments."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise RuntimeError(f"{op_name}: {name} must be an int or a tuple of one int, got {tuple(value)}")
        value = value[0]
    return int(value)


def _as_rows(input, op_name):
    """(N, C, L) or (C, L) as images of height 1."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op_name}(): input must be a Tensor, got {type(input).__name__}")
    if input._data.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {input._data.ndim}-dimensional tensor for argument #1 "
            f"'self' (while checking arguments for {op_name})"
        )
    return input.unsqueeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean of each window of length ``kernel_size`` along the last dim of (N, C, L).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.avg_pool1d(chainrule.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2)
    tensor([[[2., 1.]]])
    """
    kernel = _one_length(kernel_size, "avg_pool1d", "kernel_size")
    stride = kernel if stride is None or stride == () else _one_length(stride, "avg_pool1d", "stride")
    padding = _one_length(padding, "avg_pool1d", "padding")
    rows = _as_rows(input, "avg_pool1d")
    return avg_pool2d(rows, (1, kernel), (1, stride), (0, padding), ceil_mode, count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of the last dim of (N, C, L) to ``output_size`` values, whatever L.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.adaptive_avg_pool1d(chainrule.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
    tensor([[[2., 4.]]])
    """
    size = _one_length(output_size, "adaptive_avg_pool1d", "output_size")
    return adaptive_avg_pool2d(_as_rows(input, "adaptive_avg_pool1d"), (1, size)).squeeze(-2)


# --- adaptive max pooling: the windows as one gather ---------------------------------------------


def _adaptive_windows(size, out):
    """(out, longest) input positions of each adaptive window along one side, and a mask of
    the real ones (windows differ in length by one at most; the short ones are padded)."""
    starts = (np.arange(out) * size) // out
    ends = -((-(np.arange(out) + 1) * size) // out)
    longest = int((ends - starts).max()) if out else 0
    positions = starts[:, None] + np.arange(longest)
    return np.minimum(positions, size - 1), positions < ends[:, None]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size (OH, OW), whatever the input's: output pixel
    (i, j) is the largest value of rows floor(i*H/OH) .. ceil((i+1)*H/OH) - 1 and the
    matching columns (``None`` keeps that side). The gradient goes to the first largest
    value of each window; ``return_indices`` gives its position in the flattened H*W.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.adaptive_max_pool2d(chainrule.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    (h, w), (out_h, out_w) = _adaptive_sizes("adaptive_max_pool2d", input, output_size)
    x, unbatched = _as_batched_image(input, 2)
    data = x._data
    n, c = data.shape[:2]
    rows, row_real = _adaptive_windows(h, out_h)  # (OH, KH)
    cols, col_real = _adaptive_windows(w, out_w)  # (OW, KW)
    # every window's values (N, C, OH, OW, KH, KW), the padding positions at -inf
    windows = data[:, :, rows[:, None, :, None], cols[None, :, None, :]]
    real = row_real[:, None, :, None] & col_real[None, :, None, :]
    if not real.all():
        windows = np.where(real, windows, -np.inf)
    flat = windows.reshape(n, c, out_h, out_w, -1)
    best = flat.argmax(axis=-1)  # the first largest (or the first NaN), in row-major window order
    kw = cols.shape[1]
    window_row, window_col = np.arange(out_h)[:, None], np.arange(out_w)[None, :]
    index = (rows[window_row, best // kw] * w + cols[window_col, best % kw]).astype(np.int64)
    # the picked values, differentiably: the gradient goes back to those positions
    values = x.reshape(n, c, h * w).gather(2, wrap(index.reshape(n, c, -1))).reshape(n, c, out_h, out_w)
    values = _restore(values, unbatched, 2)
    return (values, wrap(index[0] if unbatched else index)) if return_indices else values


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of the last dim of (N, C, L) to ``output_size`` values, whatever L:
    output i is the largest of positions floor(i*L/O) .. ceil((i+1)*L/O) - 1;
    ``return_indices`` gives each one's position along L.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.adaptive_max_pool1d(chainrule.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2, return_indices=True)
    (tensor([[[3., 6.]]]), tensor([[[1, 3]]]))
    """
    if output_size is None:
        raise TypeError(
            "adaptive_max_pool1d(): argument 'output_size' (position 2) must be tuple of ints, not NoneType"
        )
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise RuntimeError(
                "adaptive_max_pool1d() argument 'output_size' should contain one int "
                f"(got {len(output_size)})"
            )
        (output_size,) = output_size
    rows = _as_rows(input, "adaptive_max_pool1d")
    if 0 in input._data.shape[1:]:
        d = input._data.ndim - 1 - input._data.shape[::-1].index(0)
        raise RuntimeError(
            "adaptive_max_pool1d(): Expected input to have non-zero size for non-batch dimensions, but input "
            f"has sizes {list(input._data.shape)} with dimension {d} being empty"
        )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"adaptive_max_pool2d\" not implemented for '{scalar_type_name(input._data.dtype)}'"
        )
    out = adaptive_max_pool2d(rows, (1, int(output_size)), return_indices)
    if return_indices:
        return tuple(o.squeeze(-2) for o in out)
    return out.squeeze(-2)


# --- unfold and fold: im2col and col2im as ops ----------------------------------------------------


def _window_columns(x, geo):
    """(N, C, H, W) to (N, C * kh * kw, L): each window's values as one column,
    channel by channel, the L windows row by row (im2col)."""
    padded = geo.pad(x)
    n, c = x.shape[:2]
    cols = np.empty((n, c, len(geo.offsets), geo.out_height, geo.out_width), x.dtype)
    for k, (i, j) in enumerate(geo.offsets):
        cols[:, :, k] = geo.window(padded, i, j)
    return cols.reshape(n, c * len(geo.offsets), geo.out_height * geo.out_width)


def _add_columns_back(cols, geo):
    """(N, C * kh * kw, L) to (N, C, H, W): each column's values added onto the
    window it came from (col2im, the adjoint of ``_window_columns``)."""
    n, c = cols.shape[0], geo.channels
    cols = cols.reshape(n, c, len(geo.offsets), geo.out_height, geo.out_width)
    padded = np.zeros((n, c, geo.padded_height, geo.padded_width), cols.dtype)
    for k, (i, j) in enumerate(geo.offsets):
        geo.window(padded, i, j)[...] += cols[:, :, k]
    return geo.unpad(padded)


class Im2Col(_WindowMap, Primitive):
    """y[n, (c, i, j), (oh, ow)] = x_padded[n, c, oh * sh + i * dh, ow * sw + j * dw] (unfold).
    Linear in x: dL/dx = col2im(dL/dy), each column's gradient added back onto its window."""

    run = staticmethod(_window_columns)

    def backward(ctx, grad):
        return Col2Im.apply_or_run(grad, *ctx.constants)


class Col2Im(_WindowMap, Primitive):
    """y = the columns of x added onto the windows they stand for (fold), the adjoint
    of Im2Col: dL/dx = im2col(dL/dy)."""

    run = staticmethod(_add_columns_back)

    def backward(ctx, grad):
        return Im2Col.apply_or_run(grad, *ctx.constants)


def _int_pair(value, name, op_name, position):
    """``value`` (an int or two) as a pair of ints, with PyTorch's errors."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    for pos, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(
                f"{op_name}(): argument '{name}' (position {position}) must be tuple of ints, but found "
                f"element of type {type(v).__name__} at pos {pos}"
            )
    if len(values) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(values)}")
    return tuple(int(v) for v in values)


def _window_arguments(op_name, first, kernel_size, dilation, padding, stride, order):
    """The pairs (kernel, dilation, padding, stride), checked in PyTorch's ``order``."""
    kernel, dilation, padding, stride = (
        _int_pair(value, name, op_name, first + k)
        for k, (value, name) in enumerate(
            ((kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"), (stride, "stride"))
        )
    )
    rules = {  # the pair, the bound it must exceed, the message, the name in it
        "kernel": (kernel, 0, "kernel size should be greater than zero", "kernel"),
        "dilation": (dilation, 0, "dilation should be greater than zero", "dilation"),
        "padding": (padding, -1, "padding should be non-negative", "pad"),
        "stride": (stride, 0, "stride should be greater than zero", "stride"),
    }
    for rule in order:
        pair, bound, message, name = rules[rule]
        if min(pair) <= bound:
            raise RuntimeError(f"{message}, but got {name}_height: {pair[0]} {name}_width: {pair[1]}")
    return kernel, dilation, padding, stride


def _window_description(kernel, dilation, padding, stride=None):
    text = f"kernel_size={kernel}, dilation={dilation}, padding={padding}"
    return text if stride is None else f"{text}, stride={stride}"


def _check_float_windows(op_name, input):
    if input._data.dtype.kind != "f":  # PyTorch's kernels: "im2col_out_cpu" not implemented for 'Long'
        raise NotImplementedError(
            f"{op_name}: expected a floating point input, got {input.dtype}; use .float()"
        )


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every (kh, kw) window of (N, C, H, W) (or unbatched (C, H, W)) as a column:
    (N, C * kh * kw, L), L the number of windows (im2col).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.unfold(chainrule.arange(9.0).reshape(1, 1, 3, 3), 2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold(): input must be a Tensor, got {type(input).__name__}")
    kernel, dilation, padding, stride = _window_arguments(
        "im2col", 2, kernel_size, dilation, padding, stride, ("kernel", "dilation", "padding", "stride")
    )
    shape = input._data.shape
    if len(shape) < 3:  # where PyTorch's kernel looks for the channel dim
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-len(shape)}, {len(shape) - 1}], but got "
            f"{len(shape)})"
        )
    if len(shape) > 4 or 0 in shape[-3:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions "
            f"for input, but got: {list(shape)}"
        )
    _check_float_windows("unfold", input)
    x = input.unsqueeze(0) if len(shape) == 3 else input
    n, c, h, w = x._data.shape
    out = tuple(
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, d, p, s in zip((h, w), kernel, dilation, padding, stride)
    )
    if min(out) < 1:
        raise RuntimeError(
            f"Given input with spatial size ({h}, {w}), {_window_description(kernel, dilation, padding)}, "
            f"calculated shape of the array of sliding blocks as {out}, but its components must be at "
            "least one."
        )
    pad = (padding[0], padding[0], padding[1], padding[1])
    geo = Geometry(n, c, c, c, h, w, kernel, stride, dilation, pad, out)
    cols = Im2Col.apply(x, geo)
    return cols.squeeze(0) if len(shape) == 3 else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The columns of (N, C * kh * kw, L) (or unbatched (C * kh * kw, L)) added
    onto their windows of an (N, C, *output_size) image: the adjoint of
    ``unfold`` (col2im), overlapping windows summed.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.fold(chainrule.ones(1, 4, 4), (3, 3), 2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"fold(): input must be a Tensor, got {type(input).__name__}")
    size = _int_pair(output_size, "output_size", "col2im", 2)
    kernel, dilation, padding, stride = _window_arguments(
        "col2im", 3, kernel_size, dilation, padding, stride, ("kernel", "stride", "dilation", "padding")
    )
    shape = input._data.shape
    if len(shape) not in (2, 3) or 0 in shape[-2:]:
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
            f"dimensions for input, but got: {list(shape)}"
        )
    per_window = kernel[0] * kernel[1]
    if shape[-2] % per_window:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={shape[-2]} and kernel_size={kernel}."
        )
    blocks = tuple(
        (side + 2 * p - d * (k - 1) - 1) // s + 1
        for side, k, d, p, s in zip(size, kernel, dilation, padding, stride)
    )
    described = f"Given output_size={size}, {_window_description(kernel, dilation, padding, stride)}"
    if shape[-1] != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"{described}, expected size of input's dimension 2 to match the calculated number of sliding "
            f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={shape[-1]}."
        )
    if min(blocks) < 1:
        raise RuntimeError(
            f"{described}, calculated shape of the array of sliding blocks as {blocks}, which is too small "
            "(non-positive)"
        )
    _check_float_windows("fold", input)
    x = input.unsqueeze(0) if len(shape) == 2 else input
    n, channels = x._data.shape[0], x._data.shape[1] // per_window
    pad = (padding[0], padding[0], padding[1], padding[1])
    geo = Geometry(n, channels, channels, channels, *size, kernel, stride, dilation, pad, blocks)
    image = Col2Im.apply(x, geo)
    return image.squeeze(0) if len(shape) == 2 else image
