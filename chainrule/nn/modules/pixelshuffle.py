"""Layers that rearrange channels and pixels: PixelShuffle, PixelUnshuffle and ChannelShuffle."""

from .. import functional as F
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]


class PixelShuffle(Module):
    """(*, C * r^2, H, W) to (*, C, H * r, W * r), r = ``upscale_factor`` (sub-pixel
    convolution's upsampling step).

    >>> import chainrule
    >>> shuffle = chainrule.nn.PixelShuffle(3)
    >>> shuffle(chainrule.randn(1, 9, 4, 4)).shape
    chainrule.Size([1, 1, 12, 12])
    >>> shuffle
    PixelShuffle(upscale_factor=3)
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H * r, W * r) to (*, C * r^2, H, W), r = ``downscale_factor``: the
    inverse of PixelShuffle.

    >>> import chainrule
    >>> unshuffle = chainrule.nn.PixelUnshuffle(3)
    >>> unshuffle(chainrule.randn(1, 1, 12, 12)).shape
    chainrule.Size([1, 9, 4, 4])
    >>> unshuffle
    PixelUnshuffle(downscale_factor=3)
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the ``groups`` groups of channels of (N, C, *) (ShuffleNet).

    >>> import chainrule
    >>> shuffle = chainrule.nn.ChannelShuffle(2)
    >>> shuffle(chainrule.arange(4.0).reshape(1, 4, 1, 1)).flatten()
    tensor([0., 2., 1., 3.])
    >>> shuffle
    ChannelShuffle(groups=2)
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
