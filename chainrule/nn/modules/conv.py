"""Convolution layers: Conv1d, Conv2d, Conv3d and ConvTranspose1d, 2d and 3d, with PyTorch's
arguments, parameter shapes and default initialisation."""

from .. import functional as F
from .. import init
from ..parameter import empty_parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    return value * n if len(value) == 1 else value


class _ConvNd(Module):
    """What the convolutions share: arguments, parameters, initialisation, repr."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        transposed,
        output_padding,
        groups,
        bias,
        padding_mode,
        dtype,
        spatial,
    ):
        super().__init__()
        if groups <= 0:
            raise ValueError(f"groups must be a positive integer (got groups={groups})")
        if in_channels % groups:
            raise ValueError(f"in_channels must be divisible by groups (got {in_channels} and {groups})")
        if out_channels % groups:
            raise ValueError(f"out_channels must be divisible by groups (got {out_channels} and {groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        kernel_size = _ntuple(kernel_size, spatial)
        stride = _ntuple(stride, spatial)
        dilation = _ntuple(dilation, spatial)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, spatial)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, spatial)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's argument for the non-zero padding modes: last dim first, (before, after) each
        if isinstance(padding, str):
            pads = [0, 0] * spatial
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(spatial - 1, -1, -1)):
                    total = d * (k - 1)
                    pads[2 * i], pads[2 * i + 1] = total // 2, total - total // 2
        else:
            pads = [p for p in reversed(padding) for _ in range(2)]
        self._reversed_padding_repeated_twice = pads
        shape = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        self.weight = empty_parameter(*shape, *kernel_size, dtype=dtype)
        if bias:
            self.bias = empty_parameter(out_channels, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default, as Linear's: W and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init._linear_default_(self.weight, self.bias)

    def _padded_input(self, input):
        """``input`` padded by the non-zero padding mode (then the convolution pads nothing)."""
        return F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)

    def extra_repr(self):
        n = len(self.kernel_size)
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        )
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    """Conv1d, Conv2d and Conv3d: the same arguments and forward, over ``_spatial`` dims."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            False,
            0,
            groups,
            bias,
            padding_mode,
            dtype,
            self._spatial,
        )

    def forward(self, input):
        padding = self.padding
        if self.padding_mode != "zeros":
            input, padding = self._padded_input(input), 0
        convolve = (F.conv1d, F.conv2d, F.conv3d)[self._spatial - 1]
        return convolve(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) (or unbatched (C_in, H, W)):
    weight (out_channels, in_channels / groups, kH, kW), bias (out_channels,).

    ``padding`` is a number, a pair, 'valid' or 'same'; ``padding_mode`` is
    'zeros', 'reflect', 'replicate' or 'circular'.

    >>> import chainrule
    >>> conv = chainrule.nn.Conv2d(1, 6, 5)
    >>> conv(chainrule.randn(64, 1, 28, 28)).shape
    chainrule.Size([64, 6, 24, 24])
    >>> conv
    Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
    """

    _spatial = 2


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) (or unbatched (C_in, D, H, W)), for video
    and medical volumes: weight (out_channels, in_channels / groups, kD, kH, kW), bias
    (out_channels,). ``padding`` and ``padding_mode`` as Conv2d's.

    >>> import chainrule
    >>> conv = chainrule.nn.Conv3d(1, 4, 3, padding=1)
    >>> conv(chainrule.randn(2, 1, 5, 8, 8)).shape
    chainrule.Size([2, 4, 5, 8, 8])
    >>> conv
    Conv3d(1, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))
    """

    _spatial = 3


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) (or unbatched (C_in, L)):
    weight (out_channels, in_channels / groups, k), bias (out_channels,).

    >>> import chainrule
    >>> conv = chainrule.nn.Conv1d(16, 33, 3, stride=2)
    >>> conv(chainrule.randn(20, 16, 50)).shape
    chainrule.Size([20, 33, 24])
    """

    _spatial = 1


class _ConvTransposeNd(_ConvNd):
    """ConvTranspose1d, 2d and 3d: the same arguments and forward, over ``_spatial`` dims."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name} (got {padding_mode!r})')
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be numbers, not the string {padding!r}")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            True,
            output_padding,
            groups,
            bias,
            padding_mode,
            dtype,
            self._spatial,
        )

    def _output_padding(self, input, output_size):
        """output_padding that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        spatial = self._spatial
        non_spatial = 2 if input.dim() == spatial + 2 else 1
        output_size = list(output_size)
        if len(output_size) == non_spatial + spatial:
            output_size = output_size[non_spatial:]
        if len(output_size) != spatial:
            raise ValueError(
                f"ConvTranspose{spatial}D: for {input.dim()}D input, output_size must have {spatial} or "
                f"{non_spatial + spatial} elements (got {len(output_size)})"
            )
        smallest = [
            (input.shape[d + non_spatial] - 1) * self.stride[d]
            - 2 * self.padding[d]
            + self.dilation[d] * (self.kernel_size[d] - 1)
            + 1
            for d in range(spatial)
        ]
        largest = [size + s - 1 for size, s in zip(smallest, self.stride)]
        for size, low, high in zip(output_size, smallest, largest):
            if not low <= size <= high:
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from {smallest} to "
                    f"{largest} (for an input of {list(input.shape[non_spatial:])})"
                )
        return tuple(size - low for size, low in zip(output_size, smallest))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        conv_transpose = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._spatial - 1]
        return conv_transpose(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its
    input; upsamples): weight (in_channels, out_channels / groups, kH, kW).
    Each output side is (in - 1) * stride - 2 * padding + dilation * (k - 1) +
    output_padding + 1; ``forward(input, output_size)`` picks output_padding
    to reach ``output_size``.

    >>> import chainrule
    >>> up = chainrule.nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
    >>> up(chainrule.randn(1, 16, 12, 12), output_size=[1, 8, 24, 24]).shape
    chainrule.Size([1, 8, 24, 24])
    """

    _spatial = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution (the gradient of Conv3d with respect to its input;
    upsamples volumes): weight (in_channels, out_channels / groups, kD, kH, kW);
    ``forward(input, output_size)`` picks output_padding to reach ``output_size``.

    >>> import chainrule
    >>> up = chainrule.nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1)
    >>> up(chainrule.randn(1, 4, 3, 4, 4), output_size=[6, 8, 8]).shape
    chainrule.Size([1, 2, 6, 8, 8])
    """

    _spatial = 3


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C_in, L) (or unbatched (C_in, L)): weight
    (in_channels, out_channels / groups, k). The output length is (L - 1) * stride -
    2 * padding + dilation * (k - 1) + output_padding + 1; ``forward(input, output_size)``
    picks output_padding to reach ``output_size``.

    >>> import chainrule
    >>> up = chainrule.nn.ConvTranspose1d(16, 8, 3, stride=2, padding=1)
    >>> up(chainrule.randn(4, 16, 12), output_size=[24]).shape
    chainrule.Size([4, 8, 24])
    """

    _spatial = 1
