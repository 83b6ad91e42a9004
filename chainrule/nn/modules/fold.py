"""Fold and Unfold: an image's sliding windows as columns (im2col) and back (col2im)."""

from .. import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Add the columns of (N, C * kh * kw, L) onto their windows of an
    (N, C, *output_size) image, overlapping windows summed (col2im; see Unfold).

    >>> import chainrule
    >>> fold = chainrule.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
    >>> fold(chainrule.randn(1, 3 * 2 * 2, 12)).shape
    chainrule.Size([1, 3, 4, 5])
    >>> fold
    Fold(output_size=(4, 5), kernel_size=(2, 2), dilation=1, padding=0, stride=1)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """Every (kh, kw) window of (N, C, H, W) as a column: (N, C * kh * kw, L), L the
    number of windows (im2col). A convolution is ``weight.view(O, -1) @ unfold(x)``.

    >>> import chainrule
    >>> unfold = chainrule.nn.Unfold(kernel_size=(2, 3))
    >>> unfold(chainrule.randn(2, 5, 3, 4)).shape
    chainrule.Size([2, 30, 4])
    >>> unfold
    Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
            f"stride={self.stride}"
        )
