"""``gradient``: the derivative of sampled values estimated by central differences, as
``numpy.gradient`` and PyTorch's ``torch.gradient``, written in tensor ops so that it
is itself differentiable."""

import numbers

import numpy as np

from ._dtype import get_default_dtype
from ._tensor import Tensor, wrap
from .ops.shape import cat


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The derivative of ``input`` along each dim in ``dim`` (all by default), one tensor
    each: ``(f[i+1] - f[i-1]) / 2h`` inside, one-sided differences of order ``edge_order``
    (1 or 2) at the ends. ``spacing`` is the sample distance h (a number, one per dim) or
    the sample coordinates (one 1-D tensor per dim).

    >>> import chainrule
    >>> chainrule.gradient(chainrule.tensor([1.0, 4.0, 9.0, 16.0]))
    (tensor([3., 4., 6., 7.]),)
    >>> chainrule.gradient(chainrule.tensor([1.0, 4.0, 9.0, 16.0]), spacing=2.0)
    (tensor([1.5000, 2.0000, 3.0000, 3.5000]),)
    """
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    ndim = input.dim()
    dims = list(range(ndim)) if dim is None else [dim] if isinstance(dim, numbers.Integral) else list(dim)
    dims = [input._wrap_dim(d) for d in dims]
    if isinstance(spacing, (numbers.Number, Tensor)) and not (isinstance(spacing, Tensor) and spacing.dim()):
        spacing = [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims) and dim is None:
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
            f"'self.dim() = {ndim}', since dim argument was not given, but got a list of length "
            f"{len(spacing)}"
        )
    if len(spacing) != len(dims):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments "
            f"to have the same length, but got a spacing argument of length {len(spacing)} and a dim "
            f"argument of length {len(dims)}."
        )
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    if not input.is_floating_point():
        input = input.to(get_default_dtype())
    return tuple(_along(input, d, h, edge_order) for d, h in zip(dims, spacing))


def _along(f, dim, spacing, edge_order):
    """The derivative of ``f`` along ``dim``: numpy.gradient's formulas."""
    n = f.shape[dim]

    def part(start, stop):
        return f.narrow(dim, start, stop - start)

    def coefficient(values):  # per-position weights, broadcast along ``dim``
        shape = [1] * f.dim()
        shape[dim] = len(values)
        return wrap(values.reshape(shape).astype(f._data.dtype))

    if not (isinstance(spacing, Tensor) and spacing.dim()):  # uniform steps h
        h = float(spacing.item() if isinstance(spacing, Tensor) else spacing)
        interior = (part(2, n) - part(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (part(1, 2) - part(0, 1)) / h, (part(n - 1, n) - part(n - 2, n - 1)) / h
        else:
            first = (part(0, 1) * -1.5 + part(1, 2) * 2.0 - part(2, 3) * 0.5) / h
            last = (part(n - 3, n - 2) * 0.5 - part(n - 2, n - 1) * 2.0 + part(n - 1, n) * 1.5) / h
        return cat([first, interior, last], dim)
    x = spacing.detach().numpy().astype(np.float64)
    if len(x) != n:
        raise RuntimeError(
            f"torch.gradient expected each tensor to be on the same device and have the same length as "
            f"the corresponding dimension of input, but got a tensor of length {len(x)} for dim {dim} of "
            f"size {n}"
        )
    dx = np.diff(x)
    left, right = dx[:-1], dx[1:]
    interior = (
        part(0, n - 2) * coefficient(-right / (left * (left + right)))
        + part(1, n - 1) * coefficient((right - left) / (left * right))
        + part(2, n) * coefficient(left / (right * (left + right)))
    )
    if edge_order == 1:
        first = (part(1, 2) - part(0, 1)) / float(dx[0])
        last = (part(n - 1, n) - part(n - 2, n - 1)) / float(dx[-1])
    else:
        h1, h2 = dx[0], dx[1]
        first = (
            part(0, 1) * float(-(2 * h1 + h2) / (h1 * (h1 + h2)))
            + part(1, 2) * float((h1 + h2) / (h1 * h2))
            + part(2, 3) * float(-h1 / (h2 * (h1 + h2)))
        )
        h1, h2 = dx[-2], dx[-1]
        last = (
            part(n - 3, n - 2) * float(h2 / (h1 * (h1 + h2)))
            + part(n - 2, n - 1) * float(-(h2 + h1) / (h1 * h2))
            + part(n - 1, n) * float((2 * h2 + h1) / (h2 * (h1 + h2)))
        )
    return cat([first, interior, last], dim)


__all__ = ["gradient"]
