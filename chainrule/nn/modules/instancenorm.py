"""Instance normalization layers: InstanceNorm1d, InstanceNorm2d and InstanceNorm3d."""

import warnings

from .. import functional as F
from .batchnorm import _BatchNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_BatchNorm):
    """Normalize each channel of each sample over its own values. Batch norm's
    parameters, buffers and printout, but no ``weight`` or running statistics
    by default, and ``num_batches_tracked`` never counts (as PyTorch)."""

    _spatial_dims = None  # the dims after (C,): 1 for InstanceNorm1d, 2 for InstanceNorm2d, 3 for 3d

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=False,
        track_running_stats=False,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input):
        dims = self._spatial_dims
        if input.dim() not in (dims + 1, dims + 2):
            raise ValueError(f"expected {dims + 1}D or {dims + 2}D input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        unbatched = input.dim() == self._spatial_dims + 1
        feature_dim = 0 if unbatched else 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features"
                    f" ({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                "warning by not passing in num_features, which is not used because affine=False",
                stacklevel=2,
            )
        x = input.unsqueeze(0) if unbatched else input
        out = F.instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or unbatched (C, L) input: each channel
    of each sample normalized over L, y = (x - mean) / sqrt(var + eps) * weight + bias
    (``affine``). With ``track_running_stats`` the running statistics are kept in
    training and used in evaluation.

    >>> import chainrule
    >>> norm = chainrule.nn.InstanceNorm1d(3)
    >>> norm(chainrule.randn(4, 3, 10)).shape
    chainrule.Size([4, 3, 10])
    >>> norm
    InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or unbatched (C, H, W) input (see InstanceNorm1d).

    >>> import chainrule
    >>> norm = chainrule.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    >>> norm(chainrule.randn(2, 3, 5, 5)).shape
    chainrule.Size([2, 3, 5, 5])
    >>> list(norm.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or unbatched (C, D, H, W) input (see InstanceNorm1d).

    >>> import chainrule
    >>> chainrule.nn.InstanceNorm3d(3)(chainrule.randn(2, 3, 2, 4, 4)).shape
    chainrule.Size([2, 3, 2, 4, 4])
    """

    _spatial_dims = 3
