"""Padding layers: ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and CircularPad in
1-D, 2-D and 3-D, each ``F.pad`` with its mode and the padding kept as PyTorch keeps it."""

from .. import functional as F
from .module import Module

__all__ = [
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


class _Pad(Module):
    """``F.pad(input, padding, mode)``; ``padding`` an int (every side) or a tuple of
    (left, right[, top, bottom[, front, back]]) for the ``dims`` last dims."""

    mode = "constant"
    dims = 1

    def __init__(self, padding):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * self.dims)
        padding = tuple(padding)
        if len(padding) != 2 * self.dims:
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or a tuple of {2 * self.dims} ints, "
                f"got {padding}"
            )
        self.padding = padding

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last dim with ``value``.

    >>> import chainrule
    >>> chainrule.nn.ConstantPad1d((1, 2), -1.0)(chainrule.ones(1, 2))
    tensor([[-1.,  1.,  1., -1., -1.]])
    """


class ConstantPad2d(_ConstantPad):
    """Pad the last two dims with ``value``: (left, right, top, bottom).

    >>> import chainrule
    >>> chainrule.nn.ConstantPad2d(1, 3.5)(chainrule.ones(1, 1, 2, 2)).shape
    chainrule.Size([1, 1, 4, 4])
    """

    dims = 2


class ConstantPad3d(_ConstantPad):
    """Pad the last three dims with ``value``: (left, right, top, bottom, front, back).

    >>> import chainrule
    >>> chainrule.nn.ConstantPad3d((1, 0, 0, 2, 1, 1), 3.5)(chainrule.ones(1, 1, 2, 2, 2)).shape
    chainrule.Size([1, 1, 4, 4, 3])
    """

    dims = 3


class ZeroPad1d(_Pad):
    """Pad the last dim with zeros.

    >>> import chainrule
    >>> chainrule.nn.ZeroPad1d(1)(chainrule.ones(1, 2))
    tensor([[0., 1., 1., 0.]])
    """


class ZeroPad2d(_Pad):
    """Pad the last two dims with zeros: (left, right, top, bottom).

    >>> import chainrule
    >>> chainrule.nn.ZeroPad2d((1, 0, 2, 3))(chainrule.ones(1, 1, 2, 2)).shape
    chainrule.Size([1, 1, 7, 3])
    """

    dims = 2


class ZeroPad3d(_Pad):
    """Pad the last three dims with zeros: (left, right, top, bottom, front, back).

    >>> import chainrule
    >>> chainrule.nn.ZeroPad3d(1)(chainrule.ones(1, 1, 2, 2, 2)).sum()
    tensor(8.)
    """

    dims = 3


class ReflectionPad1d(_Pad):
    """Pad the last dim with its reflection (the edge value not repeated).

    >>> import chainrule
    >>> chainrule.nn.ReflectionPad1d(2)(chainrule.arange(4.0).reshape(1, 1, 4))
    tensor([[[2., 1., 0., 1., 2., 3., 2., 1.]]])
    """

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pad the last two dims with their reflection: (left, right, top, bottom)."""

    dims = 2


class ReflectionPad3d(ReflectionPad1d):
    """Pad the last three dims with their reflection: (left, right, top, bottom, front, back)."""

    dims = 3


class ReplicationPad1d(_Pad):
    """Pad the last dim by repeating its edge values.

    >>> import chainrule
    >>> chainrule.nn.ReplicationPad1d(1)(chainrule.arange(3.0).reshape(1, 1, 3))
    tensor([[[0., 0., 1., 2., 2.]]])
    """

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pad the last two dims by repeating their edge values: (left, right, top, bottom)."""

    dims = 2


class ReplicationPad3d(ReplicationPad1d):
    """Pad the last three dims by repeating their edge values: (left, right, top, bottom,
    front, back)."""

    dims = 3


class CircularPad1d(_Pad):
    """Pad the last dim of (N, C, W) or (C, W) with its values wrapped around: the end
    pads the beginning and the beginning the end.

    >>> import chainrule
    >>> chainrule.nn.CircularPad1d(2)(chainrule.arange(4.0).reshape(1, 1, 4))
    tensor([[[2., 3., 0., 1., 2., 3., 0., 1.]]])
    """

    mode = "circular"

    def forward(self, input):
        if input.dim() not in (self.dims + 1, self.dims + 2):
            raise ValueError(
                f"expected {self.dims + 1}D or {self.dims + 2}D input (got {input.dim()}D input)"
            )
        return super().forward(input)


class CircularPad2d(CircularPad1d):
    """Pad the last two dims of (N, C, H, W) or (C, H, W) circularly: (left, right, top, bottom)."""

    dims = 2


class CircularPad3d(CircularPad1d):
    """Pad the last three dims of (N, C, D, H, W) or (C, D, H, W) circularly: (left, right,
    top, bottom, front, back)."""

    dims = 3
