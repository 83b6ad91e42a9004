"""Lazy layers: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d
and LazyInstanceNorm1d/2d/3d, whose input size is read from the first batch, as in PyTorch.

Until that first forward their parameters are UninitializedParameters (and lazy
batch norm's running statistics UninitializedBuffers). A forward pre-hook then
infers the size, materialises them in place (the same objects, so an optimizer
made earlier keeps working), runs the layer's ``reset_parameters`` and turns the
module into its plain class (``cls_to_become``): ``LazyLinear`` becomes ``Linear``.
"""

from ... import _creation, _dtype
from ...autograd.grad_mode import no_grad
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear

__all__ = [
    "LazyLinear",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
]


class LazyModuleMixin:
    """The lazy behaviour, mixed in before a layer class: the first forward calls
    ``initialize_parameters(*args, **kwargs)``, then the module becomes
    ``cls_to_become``. Loading a state_dict materialises the parameters from the
    loaded shapes (the class changes at the next forward, as in PyTorch).

    >>> import chainrule
    >>> import chainrule.nn as nn
    >>> net = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(1))
    >>> net[0].has_uninitialized_params()
    True
    >>> net(chainrule.zeros(2, 3)).shape
    chainrule.Size([2, 1])
    >>> net[0]
    Linear(in_features=3, out_features=4, bias=True)
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        # an uninitialised tensor goes in as itself: it has no values to detach
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if is_lazy(param) or keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if is_lazy(buffer) or keep_vars else buffer.detach()

    def initialize_parameters(self, *args, **kwargs):
        """Materialise the parameters for this input (each lazy layer writes its own)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def has_uninitialized_params(self):
        """Whether a parameter or buffer of this module is still uninitialised."""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear layer whose ``in_features`` is ``input.shape[-1]`` of the first batch.

    >>> import chainrule
    >>> layer = chainrule.nn.LazyLinear(30)
    >>> layer
    LazyLinear(in_features=0, out_features=30, bias=True)
    >>> layer(chainrule.randn(128, 20)).shape, type(layer).__name__, layer.weight.shape
    (chainrule.Size([128, 30]), 'Linear', chainrule.Size([30, 20]))
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)  # no bias yet: it is replaced right away
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:  # materialised by load_state_dict: check the input against it
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                    f"in_features from self.weight: {self.weight.shape[-1]}"
                )
            self.in_features = input.shape[-1]


class _LazyConvXdMixin(LazyModuleMixin):
    """The lazy convolutions: ``in_channels`` is the input's channel dim."""

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups)
            else:
                shape = (self.out_channels, self.in_channels // self.groups)
            with no_grad():
                self.weight.materialize((*shape, *self.kernel_size))
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()

    def _get_in_channels(self, input):
        unbatched = self._spatial + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(
                f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {input.shape}"
            )
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]


class _LazyConv(_LazyConvXdMixin):
    def __init__(
        self,
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
        # in and out channels 0 and no bias: the parameters are replaced right away
        super().__init__(
            0,
            0,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            False,
            padding_mode,
            device=device,
            dtype=dtype,
        )
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(
        self,
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
        super().__init__(
            0,
            0,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            False,
            dilation,
            padding_mode,
            device=device,
            dtype=dtype,
        )
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """A Conv1d whose ``in_channels`` is read from the first input.

    >>> import chainrule
    >>> conv = chainrule.nn.LazyConv1d(8, 3)
    >>> conv(chainrule.randn(4, 5, 10)).shape, conv.weight.shape
    (chainrule.Size([4, 8, 8]), chainrule.Size([8, 5, 3]))
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """A Conv2d whose ``in_channels`` is read from the first input.

    >>> import chainrule
    >>> conv = chainrule.nn.LazyConv2d(6, kernel_size=5, padding=2)
    >>> conv
    LazyConv2d(0, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
    >>> conv(chainrule.randn(1, 1, 28, 28)).shape, conv
    (chainrule.Size([1, 6, 28, 28]), Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2)))
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """A Conv3d whose ``in_channels`` is read from the first input.

    >>> import chainrule
    >>> conv = chainrule.nn.LazyConv3d(4, 3)
    >>> conv(chainrule.randn(1, 2, 4, 5, 5)).shape, conv.weight.shape
    (chainrule.Size([1, 4, 2, 3, 3]), chainrule.Size([4, 2, 3, 3, 3]))
    """

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """A ConvTranspose1d whose ``in_channels`` is read from the first input.

    >>> import chainrule
    >>> up = chainrule.nn.LazyConvTranspose1d(8, 3, stride=2)
    >>> up(chainrule.randn(4, 16, 12)).shape, up.weight.shape
    (chainrule.Size([4, 8, 25]), chainrule.Size([16, 8, 3]))
    """

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """A ConvTranspose2d whose ``in_channels`` is read from the first input.

    >>> import chainrule
    >>> up = chainrule.nn.LazyConvTranspose2d(8, 2, stride=2)
    >>> up(chainrule.randn(1, 16, 12, 12)).shape, up.weight.shape
    (chainrule.Size([1, 8, 24, 24]), chainrule.Size([16, 8, 2, 2]))
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """A ConvTranspose3d whose ``in_channels`` is read from the first input.

    >>> import chainrule
    >>> up = chainrule.nn.LazyConvTranspose3d(2, 2, stride=2)
    >>> up(chainrule.randn(1, 4, 2, 3, 3)).shape, up.weight.shape
    (chainrule.Size([1, 2, 4, 6, 6]), chainrule.Size([4, 2, 2, 2, 2]))
    """

    cls_to_become = ConvTranspose3d


class _LazyNormBase(LazyModuleMixin):
    """Lazy batch and instance norm: ``num_features`` is the input's dim 1 (batched or
    not, as PyTorch's)."""

    def __init__(
        self,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        # 0 features, no affine parameters and no running statistics: they are replaced right away
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = _creation.tensor(0, dtype=_dtype.int64)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            with no_grad():
                for tensor in (self.weight, self.bias, self.running_mean, self.running_var):
                    if tensor is not None:
                        tensor.materialize((self.num_features,))
                self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """A BatchNorm1d whose ``num_features`` is read from the first input.

    >>> import chainrule
    >>> bn = chainrule.nn.LazyBatchNorm1d()
    >>> bn(chainrule.randn(20, 100)).shape, bn.running_mean.shape
    (chainrule.Size([20, 100]), chainrule.Size([100]))
    """

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """A BatchNorm2d whose ``num_features`` is read from the first input.

    >>> import chainrule
    >>> bn = chainrule.nn.LazyBatchNorm2d()
    >>> bn(chainrule.randn(4, 3, 8, 8)).shape, type(bn).__name__, bn.num_features
    (chainrule.Size([4, 3, 8, 8]), 'BatchNorm2d', 3)
    """

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """A BatchNorm3d whose ``num_features`` is read from the first input.

    >>> import chainrule
    >>> bn = chainrule.nn.LazyBatchNorm3d()
    >>> bn(chainrule.randn(2, 3, 2, 4, 4)).shape, type(bn).__name__, bn.num_features
    (chainrule.Size([2, 3, 2, 4, 4]), 'BatchNorm3d', 3)
    """

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    """An InstanceNorm1d whose ``num_features`` is read from the first input; unlike
    InstanceNorm1d, ``affine`` and ``track_running_stats`` default to True (PyTorch's).

    >>> import chainrule
    >>> norm = chainrule.nn.LazyInstanceNorm1d()
    >>> norm(chainrule.randn(4, 3, 10)).shape, norm.weight.shape
    (chainrule.Size([4, 3, 10]), chainrule.Size([3]))
    """

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    """An InstanceNorm2d whose ``num_features`` is read from the first input; unlike
    InstanceNorm2d, ``affine`` and ``track_running_stats`` default to True (PyTorch's).

    >>> import chainrule
    >>> norm = chainrule.nn.LazyInstanceNorm2d()
    >>> norm(chainrule.randn(2, 3, 4, 4)).shape, norm.running_mean.shape
    (chainrule.Size([2, 3, 4, 4]), chainrule.Size([3]))
    """

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    """An InstanceNorm3d whose ``num_features`` is read from the first input; unlike
    InstanceNorm3d, ``affine`` and ``track_running_stats`` default to True (PyTorch's).

    >>> import chainrule
    >>> norm = chainrule.nn.LazyInstanceNorm3d()
    >>> norm(chainrule.randn(2, 3, 2, 4, 4)).shape, norm.weight.shape
    (chainrule.Size([2, 3, 2, 4, 4]), chainrule.Size([3]))
    """

    cls_to_become = InstanceNorm3d
