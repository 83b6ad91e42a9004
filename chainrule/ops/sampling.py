"""Spatial sampling: ``affine_grid`` and ``grid_sample`` (the spatial-transformer
pair), as in ``torch.nn.functional``, for 4-D inputs.

Both are composed of existing primitives (matmul, arithmetic, where, gather), so
their gradients, and second derivatives, come from those rules. The integer
parts of the coordinates (the corner pixels, the reflection count, nearest's
rounding) are read from the arrays: they are constants of the graph, as in
PyTorch's kernels, where only the fractional weights carry a gradient to the grid.
"""

import warnings

import numpy as np

from .._dtype import scalar_type_name
from .._tensor import wrap
from ._helpers import depends_on
from .elementwise import where
from .indexing import gather
from .linalg import matmul

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_CORNERS_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
    "Please specify align_corners=True if the old behavior is desired. "
    "See the documentation of grid_sample for details."
)


def _linspace_from_neg_one(steps, align_corners, dtype):
    """Pixel centres in [-1, 1]: the corners' centres at -1 and 1 with ``align_corners``,
    else the image's edges (PyTorch's ``linspace_from_neg_one``)."""
    if steps <= 1:
        return np.zeros(1, dtype)
    points = np.linspace(-1, 1, steps, dtype=dtype)
    return points if align_corners else points * dtype.type((steps - 1) / steps)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of the affine maps ``theta`` (N, 2, 3) for an
    output of ``size`` (N, C, H, W): each output pixel's (x, y) in [-1, 1] mapped by theta.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> theta = chainrule.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> F.affine_grid(theta, (1, 1, 2, 2), align_corners=True)
    tensor([[[[-1., -1.],
              [ 1., -1.]],
    <BLANKLINE>
             [[-1.,  1.],
              [ 1.,  1.]]]])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, stacklevel=2)
        align_corners = False
    data = theta._data
    if data.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 5:
        raise NotImplementedError("affine_grid: 3-D affine transforms (5-D sizes) are not supported yet")
    if len(size) != 4:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
            f"Got size {size}."
        )
    if data.ndim != 3 or data.shape[-2:] != (2, 3):
        raise ValueError(
            f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got {theta.shape}."
        )
    n, _, h, w = size
    if align_corners and min(h, w) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. "
            "See the documentation of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if data.shape[0] != n:
        raise RuntimeError(
            f"affine_grid: theta holds {data.shape[0]} matrices, but size asks for a batch of {n}"
        )
    base = np.ones((h, w, 3), data.dtype)
    base[..., 0] = _linspace_from_neg_one(w, align_corners, data.dtype)
    base[..., 1] = _linspace_from_neg_one(h, align_corners, data.dtype)[:, None]
    # (1, H*W, 3) @ (N, 3, 2): every output pixel's homogeneous (x, y, 1) through theta
    return matmul(wrap(base.reshape(1, h * w, 3)), theta.transpose(1, 2)).reshape(n, h, w, 2)


def _clip(x, size):
    """x held to [0, size - 1]; the borders count as outside, where the gradient is 0 (PyTorch's rule)."""
    values = x._data
    return where(wrap((values > 0) & (values < size - 1)), x, wrap(np.clip(values, 0, size - 1)))


def _reflect(x, twice_low, twice_high):
    """x reflected off the bounds twice_low / 2 and twice_high / 2 until it lies between
    them; the gradient is 1 or -1 by the number of reflections (PyTorch's reflect_coordinates)."""
    if twice_low == twice_high:
        return x * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (x - low).abs()
    whole_spans = distance._data - np.fmod(distance._data, span)
    extra = distance - wrap(whole_spans)
    even = wrap(np.floor(distance._data / span) % 2 == 0)
    return where(even, extra + low, (span + low) - extra)


def _source_coordinates(coordinate, size, padding_mode, align_corners):
    """Grid values in [-1, 1] as pixel coordinates of an axis of ``size`` pixels, padded."""
    if align_corners:
        x = (coordinate + 1) * ((size - 1) / 2)
    else:
        x = ((coordinate + 1) * size - 1) / 2
    if padding_mode == "border":
        return _clip(x, size)
    if padding_mode == "reflection":
        if align_corners:
            return _reflect(x, 0, 2 * (size - 1))
        return _clip(_reflect(x, -1, 2 * size - 1), size)
    return x


def _pixels(flat, rows, cols, height, width):
    """``flat`` (N, C, H*W) at integer (rows, cols) of shape (N, L): (N, C, L), 0 outside the image."""
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    index = np.where(inside, rows * width + cols, 0).astype(np.int64)[:, None, :]
    index = np.broadcast_to(index, (flat.shape[0], flat.shape[1], index.shape[2]))
    return gather(flat, 2, wrap(index)) * wrap(inside[:, None, :].astype(flat._data.dtype))


def _check_grid_sample(input, grid, mode, padding_mode):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
            f"but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    x, g = input._data, grid._data
    if x.dtype != g.dtype:
        raise RuntimeError(
            "grid_sampler(): expected input and grid to have same dtype, but input has "
            f"{scalar_type_name(x.dtype)} and grid has {scalar_type_name(g.dtype)}"
        )
    if x.ndim != g.ndim or x.ndim not in (4, 5):
        raise RuntimeError(
            "grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got "
            f"input with sizes {list(x.shape)} and grid with sizes {list(g.shape)}"
        )
    if x.ndim == 5 or mode == "bicubic":
        raise NotImplementedError("grid_sample: 5-D inputs and mode='bicubic' are not supported yet")
    if x.shape[0] != g.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
            f"{list(x.shape)} and grid with sizes {list(g.shape)}"
        )
    if g.shape[-1] != 2:
        raise RuntimeError(
            "grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes "
            f"{list(g.shape)}"
        )


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """``input`` (N, C, H, W) sampled at ``grid`` (N, H_out, W_out, 2), whose (x, y) in
    [-1, 1] span the image: the result is (N, C, H_out, W_out), each value bilinearly
    interpolated between (or, mode='nearest', taken from) the nearest pixels.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> image = chainrule.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    >>> F.grid_sample(image, chainrule.tensor([[[[0.0, 0.0]]]]), align_corners=True)
    tensor([[[[1.5000]]]])
    """
    _check_grid_sample(input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_CORNERS_WARNING, stacklevel=2)
        align_corners = False
    n, c, height, width = input.shape
    _, out_height, out_width, _ = grid.shape
    points = grid.reshape(n, out_height * out_width, 2)
    x = _source_coordinates(points[..., 0], width, padding_mode, align_corners)
    y = _source_coordinates(points[..., 1], height, padding_mode, align_corners)
    flat = input.reshape(n, c, height * width)
    if mode == "nearest":
        # np.rint rounds halves to even, as PyTorch's nearbyint; the grid's gradient is 0
        out = _pixels(
            flat, np.rint(y._data).astype(np.int64), np.rint(x._data).astype(np.int64), height, width
        )
        return depends_on(out, grid).reshape(n, c, out_height, out_width)
    left, top = np.floor(x._data), np.floor(y._data)
    tx, ty = (x - wrap(left)).unsqueeze(1), (y - wrap(top)).unsqueeze(1)
    left, top = left.astype(np.int64), top.astype(np.int64)
    out = (
        _pixels(flat, top, left, height, width) * ((1 - tx) * (1 - ty))
        + _pixels(flat, top, left + 1, height, width) * (tx * (1 - ty))
        + _pixels(flat, top + 1, left, height, width) * ((1 - tx) * ty)
        + _pixels(flat, top + 1, left + 1, height, width) * (tx * ty)
    )
    return out.reshape(n, c, out_height, out_width)
