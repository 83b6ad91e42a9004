"""Folding an eval-mode BatchNorm into the convolution or linear layer before it
(``torch.nn.utils.fusion``): one layer computing what the pair computes."""

import copy

from ..._creation import ones_like, zeros_like
from ...ops.elementwise import rsqrt
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of ``conv`` whose output equals ``bn(conv(x))`` (both in eval mode).

    >>> import chainrule
    >>> conv, bn = chainrule.nn.Conv2d(2, 3, 3).eval(), chainrule.nn.BatchNorm2d(3).eval()
    >>> x = chainrule.randn(1, 2, 5, 5)
    >>> fused = chainrule.nn.utils.fuse_conv_bn_eval(conv, bn)
    >>> bool(chainrule.allclose(fused(x), bn(conv(x)), atol=1e-6))
    True
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused_conv = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused_conv.weight, fused_conv.bias = fuse_conv_bn_weights(
        fused_conv.weight,
        fused_conv.bias,
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
        transpose,
    )
    return fused_conv


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """The weight and bias (Parameters) of a convolution followed by an eval-mode
    BatchNorm with these statistics and affine parameters (None for absent ones).

    >>> import chainrule
    >>> w, b = chainrule.nn.utils.fuse_conv_bn_weights(
    ...     chainrule.ones(2, 1, 1, 1), None, chainrule.zeros(2), chainrule.full((2,), 3.0), 1.0,
    ...     None, chainrule.ones(2))
    >>> w.flatten(), b
    (tensor([0.5000, 0.5000]), Parameter containing:
    tensor([1., 1.]))
    """
    conv_weight_dtype = conv_w.dtype
    conv_bias_dtype = conv_b.dtype if conv_b is not None else conv_weight_dtype
    if conv_b is None:
        conv_b = zeros_like(bn_rm)
    if bn_w is None:
        bn_w = ones_like(bn_rm)
    if bn_b is None:
        bn_b = zeros_like(bn_rm)
    bn_var_rsqrt = rsqrt(bn_rv + bn_eps)
    # the output channels are dim 1 of a transposed convolution's weight
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (len(conv_w.shape) - 2)
    fused_conv_w = (conv_w * (bn_w * bn_var_rsqrt).reshape(shape)).to(dtype=conv_weight_dtype)
    fused_conv_b = ((conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b).to(dtype=conv_bias_dtype)
    return Parameter(fused_conv_w, conv_w.requires_grad), Parameter(fused_conv_b, conv_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` whose output equals ``bn(linear(x))`` (both in eval mode).

    >>> import chainrule
    >>> linear, bn = chainrule.nn.Linear(2, 3).eval(), chainrule.nn.BatchNorm1d(3).eval()
    >>> x = chainrule.randn(4, 2)
    >>> fused = chainrule.nn.utils.fuse_linear_bn_eval(linear, bn)
    >>> bool(chainrule.allclose(fused(x), bn(linear(x)), atol=1e-6))
    True
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused_linear = copy.deepcopy(linear)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
            f"got linear.out_features={linear.out_features} and bn.num_features={bn.num_features}"
        )
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused_linear.weight, fused_linear.bias = fuse_linear_bn_weights(
        fused_linear.weight, fused_linear.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused_linear


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The weight and bias (Parameters) of a linear layer followed by an eval-mode
    BatchNorm with these statistics and affine parameters.

    >>> import chainrule
    >>> w, b = chainrule.nn.utils.fuse_linear_bn_weights(
    ...     chainrule.ones(2, 1), None, chainrule.zeros(2), chainrule.full((2,), 3.0), 1.0,
    ...     chainrule.ones(2), chainrule.ones(2))
    >>> w.flatten()
    tensor([0.5000, 0.5000])
    """
    linear_weight_dtype = linear_w.dtype
    linear_bias_dtype = linear_b.dtype if linear_b is not None else linear_weight_dtype
    if linear_b is None:
        linear_b = zeros_like(bn_rm)
    bn_scale = bn_w * rsqrt(bn_rv + bn_eps)
    fused_w = linear_w * bn_scale.unsqueeze(-1).to(dtype=linear_weight_dtype)
    fused_b = ((linear_b - bn_rm) * bn_scale + bn_b).to(dtype=linear_bias_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)
