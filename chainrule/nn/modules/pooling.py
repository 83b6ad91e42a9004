"""Pooling layers: max, average and adaptive pooling in 1-D, 2-D and 3-D, power-average
pooling and max unpooling in 1-D, 2-D and 3-D, and fractional max pooling."""

from .. import functional as F
from .module import Module

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "FractionalMaxPool2d",
]


class _MaxPoolNd(Module):
    """MaxPool1d, MaxPool2d and MaxPool3d: the same arguments and forward, over ``_spatial`` dims."""

    def __init__(
        self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[self._spatial - 1]
        return pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(_MaxPoolNd):
    """The maximum of each (kH, kW) window of (N, C, H, W); ``stride`` defaults
    to ``kernel_size``. With ``return_indices`` it also returns each maximum's
    flat position in its input plane.

    >>> import chainrule
    >>> pool = chainrule.nn.MaxPool2d(2)
    >>> pool(chainrule.randn(64, 6, 24, 24)).shape
    chainrule.Size([64, 6, 12, 12])
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    _spatial = 2


class MaxPool3d(_MaxPoolNd):
    """The maximum of each (kD, kH, kW) window of (N, C, D, H, W) (or unbatched
    (C, D, H, W)); ``stride`` defaults to ``kernel_size``. With ``return_indices`` it also
    returns each maximum's flat position in its input volume.

    >>> import chainrule
    >>> chainrule.nn.MaxPool3d((1, 2, 2))(chainrule.randn(2, 3, 4, 8, 8)).shape
    chainrule.Size([2, 3, 4, 4, 4])
    """

    _spatial = 3


class MaxPool1d(_MaxPoolNd):
    """The maximum of each window along the last dim of (N, C, L).

    >>> import chainrule
    >>> chainrule.nn.MaxPool1d(3, stride=2)(chainrule.randn(20, 16, 50)).shape
    chainrule.Size([20, 16, 24])
    """

    _spatial = 1


class AvgPool1d(Module):
    """The mean of each window along the last dim of (N, C, L); ``stride`` defaults to
    ``kernel_size``.

    >>> import chainrule
    >>> chainrule.nn.AvgPool1d(3, stride=2)(chainrule.randn(20, 16, 50)).shape
    chainrule.Size([20, 16, 24])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _single(value):
    """PyTorch's 1-D layers keep their sizes as 1-tuples."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class AvgPool2d(Module):
    """The mean of each (kH, kW) window of (N, C, H, W); ``stride`` defaults to
    ``kernel_size``. ``count_include_pad`` counts zero padding in the divisor;
    ``divisor_override`` replaces the divisor.

    >>> import chainrule
    >>> chainrule.nn.AvgPool2d(3, stride=2)(chainrule.randn(20, 16, 50, 32)).shape
    chainrule.Size([20, 16, 24, 15])
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool2d):
    """The mean of each (kD, kH, kW) window of (N, C, D, H, W) (or unbatched (C, D, H, W));
    arguments as AvgPool2d's.

    >>> import chainrule
    >>> chainrule.nn.AvgPool3d(2, stride=2)(chainrule.randn(1, 3, 4, 6, 6)).shape
    chainrule.Size([1, 3, 2, 3, 3])
    """

    def forward(self, input):
        return F.avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (OH, OW) whatever the input's
    (``None`` keeps that side): ``AdaptiveAvgPool2d(1)`` is global average pooling.

    >>> import chainrule
    >>> chainrule.nn.AdaptiveAvgPool2d((5, 7))(chainrule.randn(1, 64, 8, 9)).shape
    chainrule.Size([1, 64, 5, 7])
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average pooling to a fixed output size (OD, OH, OW) whatever the input's (``None``
    keeps that side): ``AdaptiveAvgPool3d(1)`` is global average pooling of volumes.

    >>> import chainrule
    >>> chainrule.nn.AdaptiveAvgPool3d((1, 2, 2))(chainrule.randn(1, 8, 4, 5, 6)).shape
    chainrule.Size([1, 8, 1, 2, 2])
    """

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveAvgPool1d(Module):
    """Average pooling of the last dim of (N, C, L) to ``output_size`` values, whatever L.

    >>> import chainrule
    >>> chainrule.nn.AdaptiveAvgPool1d(5)(chainrule.randn(1, 64, 8)).shape
    chainrule.Size([1, 64, 5])
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (OH, OW) whatever the input's (``None`` keeps
    that side): ``AdaptiveMaxPool2d(1)`` is global max pooling.

    >>> import chainrule
    >>> chainrule.nn.AdaptiveMaxPool2d((5, 7))(chainrule.randn(1, 64, 8, 9)).shape
    chainrule.Size([1, 64, 5, 7])
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """Max pooling to a fixed output size (OD, OH, OW) whatever the input's (``None`` keeps
    that side); with ``return_indices`` it also returns each maximum's flat position.

    >>> import chainrule
    >>> chainrule.nn.AdaptiveMaxPool3d((1, 2, 2))(chainrule.randn(1, 8, 4, 5, 6)).shape
    chainrule.Size([1, 8, 1, 2, 2])
    """

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(Module):
    """Max pooling of the last dim of (N, C, L) to ``output_size`` values, whatever L;
    with ``return_indices`` it also returns each maximum's position along L.

    >>> import chainrule
    >>> chainrule.nn.AdaptiveMaxPool1d(5)(chainrule.randn(1, 64, 8)).shape
    chainrule.Size([1, 64, 5])
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class FractionalMaxPool2d(Module):
    """Max pooling over (kH, kW) windows placed pseudo-randomly to give ``output_size``
    (or ``output_ratio`` times the input's) outputs: see ``F.fractional_max_pool2d``.

    >>> import chainrule
    >>> chainrule.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))(chainrule.randn(1, 4, 10, 12)).shape
    chainrule.Size([1, 4, 5, 6])
    """

    def __init__(
        self, kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None
    ):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, 2)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, 2) if output_size is not None else None
        self.output_ratio = _ntuple(output_ratio, 2) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(
                "FractionalMaxPool2d requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        ratio = self.output_ratio
        if ratio is not None and not (0 < ratio[0] < 1 and 0 < ratio[1] < 1):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        return F.fractional_max_pool2d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class _MaxUnpoolNd(Module):
    """MaxUnpool1d, MaxUnpool2d and MaxUnpool3d: sizes kept as ``_spatial``-tuples, as PyTorch's."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n = self._spatial
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride if stride is not None else kernel_size, n)
        self.padding = _ntuple(padding, n)

    def forward(self, input, indices, output_size=None):
        unpool = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[self._spatial - 1]
        return unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _ntuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d: ``forward(input, indices, output_size=None)`` puts
    each value back at the position ``indices`` (MaxPool2d's, with return_indices=True)
    names, zeros elsewhere; ``output_size`` picks among the sizes that pool to the input's.

    >>> import chainrule
    >>> pool, unpool = chainrule.nn.MaxPool2d(2, return_indices=True), chainrule.nn.MaxUnpool2d(2)
    >>> unpool(*pool(chainrule.randn(1, 3, 5, 5)), output_size=[5, 5]).shape
    chainrule.Size([1, 3, 5, 5])
    """

    _spatial = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d: ``forward(input, indices, output_size=None)`` puts
    each value back at the position ``indices`` (MaxPool3d's, with return_indices=True)
    names, zeros elsewhere.

    >>> import chainrule
    >>> pool, unpool = chainrule.nn.MaxPool3d(2, return_indices=True), chainrule.nn.MaxUnpool3d(2)
    >>> unpool(*pool(chainrule.randn(1, 3, 5, 5, 5)), output_size=[5, 5, 5]).shape
    chainrule.Size([1, 3, 5, 5, 5])
    """

    _spatial = 3


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: ``forward(input, indices, output_size=None)`` puts
    each value back at the position ``indices`` (MaxPool1d's, with return_indices=True)
    names, zeros elsewhere.

    >>> import chainrule
    >>> pool, unpool = chainrule.nn.MaxPool1d(2, return_indices=True), chainrule.nn.MaxUnpool1d(2)
    >>> unpool(*pool(chainrule.tensor([[[1.0, 3.0, 2.0, 0.0]]])))
    tensor([[[0., 3., 2., 0.]]])
    """

    _spatial = 1


class _LPPoolNd(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """The p-norm ``(sum of x^p)^(1/p)`` of each window of (N, C, L) or (C, L), p = ``norm_type``.

    >>> import chainrule
    >>> chainrule.nn.LPPool1d(2, 2)(chainrule.tensor([[[3.0, 4.0]]]))
    tensor([[[5.]]])
    """

    def forward(self, input):
        return F.lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """The p-norm ``(sum of x^p)^(1/p)`` of each (kH, kW) window of (N, C, H, W) or (C, H, W).

    >>> import chainrule
    >>> chainrule.nn.LPPool2d(1, 2)(chainrule.ones(1, 1, 2, 2))
    tensor([[[[4.]]]])
    """

    def forward(self, input):
        return F.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """The p-norm ``(sum of x^p)^(1/p)`` of each (kD, kH, kW) window of (N, C, D, H, W) or (C, D, H, W).

    >>> import chainrule
    >>> chainrule.nn.LPPool3d(1, 2)(chainrule.ones(1, 1, 2, 2, 2))
    tensor([[[[[8.]]]]])
    """

    def forward(self, input):
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)
