"""Batch normalization layers: BatchNorm1d, BatchNorm2d and BatchNorm3d."""

from ... import _creation, _dtype
from .. import functional as F
from .normalization import _AffineNorm

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _BatchNorm(_AffineNorm):
    """Normalize each channel with the batch's statistics in training (and keep
    running averages of them), with the running ones in evaluation."""

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._add_affine_parameters(num_features, affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", _creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", _creation.tensor(0, dtype=_dtype.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def _state_defaults(self):
        # Checkpoints written before PyTorch 0.4.1 have no num_batches_tracked;
        # PyTorch then keeps the layer's own count, and so do we.
        if self.num_batches_tracked is None:
            return {}
        return {"num_batches_tracked": self.num_batches_tracked._data.copy()}

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Running mean 0, running variance 1, weight 1, bias 0 (PyTorch's defaults)."""
        self.reset_running_stats()
        super().reset_parameters()

    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average: the mean of every batch so far
                momentum = 1.0 / float(self.num_batches_tracked)
        # in evaluation without running statistics the batch's own are used, as PyTorch does
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep_running = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if keep_running else None,
            self.running_var if keep_running else None,
            self.weight,
            self.bias,
            use_batch_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input, per channel C.

    In training, y = (x - mean) / sqrt(var + eps) * weight + bias with the
    batch's mean and (biased) variance, and the running statistics move by
    ``momentum`` toward the batch's (unbiased variance; ``momentum=None``
    averages every batch equally); in evaluation the running ones are used.

    >>> import chainrule
    >>> bn = chainrule.nn.BatchNorm1d(100)
    >>> bn(chainrule.randn(20, 100)).shape
    chainrule.Size([20, 100])
    >>> bn
    BatchNorm1d(100, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input, per channel C (see BatchNorm1d).

    >>> import chainrule
    >>> bn = chainrule.nn.BatchNorm2d(3)
    >>> bn(chainrule.randn(4, 3, 8, 8)).shape
    chainrule.Size([4, 3, 8, 8])
    >>> [name for name, _ in bn.state_dict().items()]
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W) input, per channel C (see BatchNorm1d).

    >>> import chainrule
    >>> bn = chainrule.nn.BatchNorm3d(3)
    >>> bn(chainrule.randn(2, 3, 2, 4, 4)).shape
    chainrule.Size([2, 3, 2, 4, 4])
    """

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")
