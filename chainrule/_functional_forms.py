"""PyTorch's top-level forms of ``nn.functional`` ops whose signatures differ from
``nn.functional``'s: they are ATen's schemas, with arguments ``nn.functional`` makes
optional now required (``torch.dropout(x, p, train)``), another argument order
(``torch.embedding(weight, indices)``, ``torch.batch_norm(x, weight, bias, ...)``) and the
reduction as ATen's enum (0 none, 1 mean, 2 sum) in place of its name. Where the
reduction is left out it is 0, no reduction: ATen's schemas say ``reduction=Mean``, but
PyTorch's Python binding reads that default as 0 (``torch.kl_div(x, y)`` is elementwise). Each adapter
calls the ``nn.functional`` op; ``nn`` lies above ``ops`` and loads on first use.
"""

import numpy as np

from . import _dtype
from ._tensor import wrap


def _functional():
    from .nn import functional

    return functional


def _reduction(op_name, reduction):
    """ATen's reduction enum as ``nn.functional``'s name: 1 mean, 2 sum, any other int none."""
    if not isinstance(reduction, int) or isinstance(reduction, bool):
        raise TypeError(f"{op_name}(): argument 'reduction' must be int, not {type(reduction).__name__}")
    return {1: "mean", 2: "sum"}.get(reduction, "none")


def dropout(input, p, train):
    """``nn.functional.dropout(input, p, training=train)``.

    >>> import chainrule
    >>> chainrule.dropout(chainrule.ones(3), 0.5, False)
    tensor([1., 1., 1.])
    """
    return _functional().dropout(input, p, train)


def _check_dropout_probability(p):
    if not 0.0 <= p <= 1.0:  # ATen's error type, where nn.functional raises ValueError
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout_(input, p, train):
    """``nn.functional.dropout(input, p, training=train, inplace=True)``."""
    _check_dropout_probability(p)
    return _functional().dropout(input, p, train, inplace=True)


def alpha_dropout_(input, p, train):
    """``nn.functional.alpha_dropout(input, p, training=train, inplace=True)``."""
    _check_dropout_probability(p)
    return _functional().alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout_(input, p, train):
    """``nn.functional.feature_alpha_dropout(input, p, training=train, inplace=True)``."""
    _check_dropout_probability(p)
    return _functional().feature_alpha_dropout(input, p, train, inplace=True)


def _channel_mask(input, p, train):
    """Dropout's scaled keep-mask with one draw per (N, C) of ``input`` (N, C, *); None
    when ``input`` passes unchanged."""
    _check_dropout_probability(p)
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not train or p == 0 or input.numel() == 0:
        return None
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    return _functional().dropout(input.new_ones(shape), p, True)


def feature_dropout(input, p, train):
    """Dropout of whole channels of (N, C, *) (``nn.functional.dropout2d``'s, for any
    number of dims after C, without its warnings).

    >>> import chainrule
    >>> chainrule.feature_dropout(chainrule.ones(1, 2, 3), 0.5, False)
    tensor([[[1., 1., 1.],
             [1., 1., 1.]]])
    """
    mask = _channel_mask(input, p, train)
    return input if mask is None else input * mask


def feature_dropout_(input, p, train):
    """``feature_dropout`` written into ``input``."""
    mask = _channel_mask(input, p, train)
    return input if mask is None else input.mul_(mask)


def native_dropout(input, p, train):
    """Dropout that also returns its keep-mask (bool): ``(output, mask)``; out of training
    (``train`` False) a copy of ``input`` and a mask of all True.

    >>> import chainrule
    >>> chainrule.native_dropout(chainrule.ones(2), 0.5, False)
    (tensor([1., 1.]), tensor([True, True]))
    """
    if train is not None and not train:
        return input.clone(), input.new_ones(input.shape, dtype=_dtype.bool)
    from ._creation import rand

    mask = rand(input.shape, dtype=input.dtype) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return input * mask * scale, mask


def constant_pad_nd(input, pad, value=0):
    """``nn.functional.pad(input, pad, 'constant', value)``.

    >>> import chainrule
    >>> chainrule.constant_pad_nd(chainrule.ones(2), (1, 2), 0.5)
    tensor([0.5000, 1.0000, 1.0000, 0.5000, 0.5000])
    """
    return _functional().pad(input, pad, "constant", value)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """The convolution (or, with ``transposed``, the transposed convolution) of as many
    spatial dims as ``weight`` has past its first two: ``nn.functional.conv{1,2,3}d`` or
    ``conv_transpose{1,2,3}d``, every argument required.

    >>> import chainrule
    >>> chainrule.convolution(chainrule.ones(1, 1, 3), chainrule.ones(1, 1, 2), None, [1], [0], [1],
    ...                       False, [0], 1)
    tensor([[[2., 2.]]])
    """
    spatial = weight.dim() - 2
    if spatial not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-D, 4-D or 5-D weight, got {weight.dim()}-D")
    if transposed:
        conv_transpose = getattr(_functional(), f"conv_transpose{spatial}d")
        return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return getattr(_functional(), f"conv{spatial}d")(input, weight, bias, stride, padding, dilation, groups)


def alpha_dropout(input, p, train):
    """``nn.functional.alpha_dropout(input, p, training=train)``."""
    return _functional().alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p, train):
    """``nn.functional.feature_alpha_dropout(input, p, training=train)``."""
    return _functional().feature_alpha_dropout(input, p, train)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """``nn.functional.embedding(indices, weight, ...)``; a negative ``padding_idx`` means none.

    >>> import chainrule
    >>> chainrule.embedding(chainrule.eye(3), chainrule.tensor([2]))
    tensor([[0., 0., 1.]])
    """
    padding_idx = padding_idx if padding_idx >= 0 else None
    return _functional().embedding(
        indices, weight, padding_idx, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse
    )


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """``nn.functional.layer_norm`` (``cudnn_enable`` has no effect on the CPU)."""
    return _functional().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """``nn.functional.group_norm`` (``cudnn_enabled`` has no effect on the CPU)."""
    return _functional().group_norm(input, num_groups, weight, bias, eps)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """``nn.functional.batch_norm`` with ATen's argument order, every argument required."""
    return _functional().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled
):
    """``nn.functional.instance_norm`` with ATen's argument order, every argument required."""
    return _functional().instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """``layer_norm`` that also returns the statistics it normalized with, as ATen's
    CPU kernel: ``(output, mean, rstd)``, the last two of shape ``input.shape[:-k] +
    (1,) * k`` (k normalized dims, rstd = 1 / sqrt(biased var + eps)), not differentiable.

    >>> import chainrule
    >>> out, mean, rstd = chainrule.native_layer_norm(chainrule.tensor([[1.0, 3.0]]), [2], None, None, 0.0)
    >>> out, mean, rstd
    (tensor([[-1.,  1.]]), tensor([[2.]]), tensor([[1.]]))
    """
    normalized_shape = tuple(normalized_shape)
    if not normalized_shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
            "element, but got normalized_shape = []"
        )
    output = _functional().layer_norm(input, normalized_shape, weight, bias, eps)
    x = input.detach().numpy()
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    rstd = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + np.asarray(eps, x.dtype))
    return output, wrap(mean), wrap(rstd)


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """``batch_norm`` that also returns, in training, the batch's mean and 1 / sqrt(biased
    var + eps) per channel, not differentiable (ATen's ``save_mean, save_invstd``); out of
    training, with running statistics, those two are empty, as on PyTorch's CPU.

    >>> import chainrule
    >>> x = chainrule.tensor([[1.0], [3.0]])
    >>> chainrule.native_batch_norm(x, None, None, None, None, True, 0.1, 0.0)
    (tensor([[-1.],
            [ 1.]]), tensor([2.]), tensor([1.]))
    """
    output = _functional().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    x = input.detach().numpy()
    if not training:
        empty = np.empty(0, x.dtype)
        return output, wrap(empty), wrap(empty.copy())
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(axis=axes)
    invstd = 1 / np.sqrt(x.var(axis=axes) + np.asarray(eps, x.dtype))
    return output, wrap(mean), wrap(invstd)


def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """``group_norm`` of ``input`` seen as (N, C, HxW), with each group's mean and
    1 / sqrt(biased var + eps), both (N, group) and, as in PyTorch, differentiable:
    ``(output, mean, rstd)``.

    >>> import chainrule
    >>> x = chainrule.tensor([[[1.0, 3.0]]])
    >>> chainrule.native_group_norm(x, None, None, 1, 1, 2, 1, 0.0)
    (tensor([[[-1.,  1.]]]), tensor([[2.]]), tensor([[1.]]))
    """
    if input.numel() != N * C * HxW:
        raise RuntimeError(
            "Expected X.numel() == N * C * HxW to be true, but got false.  (Could this error message be "
            "improved?  If so, please report an enhancement request to PyTorch.)"
        )
    if weight is not None and tuple(weight.shape) != (C,):
        raise RuntimeError(
            "Expected weight to be a vector of size equal to the number of channels in input, but got "
            f"weight of shape {list(weight.shape)} and input of shape {list(input.shape)}"
        )
    if C % group:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={group}"
        )
    x = input.reshape(N, C, HxW)
    output = _functional().group_norm(x, group, weight, bias, eps).reshape(input.shape)
    grouped = x.reshape(N, group, -1)
    mean = grouped.mean(-1)
    rstd = (grouped.var(-1, correction=0) + eps).rsqrt()
    return output, mean, rstd


_BAG_MODES = ("sum", "mean", "max")


def embedding_bag(
    weight,
    indices,
    offsets,
    scale_grad_by_freq=False,
    mode=0,
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
):
    """ATen's ``embedding_bag`` on the CPU: mode 0 sum, 1 mean, 2 max of the ``weight`` rows
    in the bags of 1-D ``indices`` starting at ``offsets``, returned with the bookkeeping
    its backward uses, ``(output, offset2bag, bag_size, max_indices)``, in the indices'
    dtype: each index's bag (empty for a float32 sum without padding_idx, which PyTorch's
    fast path skips), each bag's count of indices not padding (zeros for sum), and for
    max the row each maximum came from (else bag_size again).

    >>> import chainrule
    >>> table = chainrule.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> out, offset2bag, bag_size, max_indices = chainrule.embedding_bag(
    ...     table, chainrule.tensor([0, 2, 1]), chainrule.tensor([0, 2]), False, 2)
    >>> out, offset2bag, bag_size, max_indices
    (tensor([[4., 5.],
            [2., 3.]]), tensor([0, 0, 1]), tensor([2, 1]), tensor([[2, 2],
            [1, 1]]))
    """
    for tensor in (indices, offsets):
        if tensor.dtype not in (_dtype.int64, _dtype.int32):
            raise RuntimeError(
                "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                f"Long, Int; but got {tensor.type()} instead (while checking arguments for embedding_bag)"
            )
    if mode not in (0, 1, 2):
        raise RuntimeError("`mode` must be sum, mean, or max.")
    if per_sample_weights is not None and mode != 0:
        raise RuntimeError("embedding_bag: per_sample_weights only supported with mode='sum'")
    output = _functional().embedding_bag(
        indices,
        weight,
        offsets,
        scale_grad_by_freq=scale_grad_by_freq,
        mode=_BAG_MODES[mode],
        sparse=sparse and mode != 2,  # ATen ignores sparse for max, nn.functional refuses it
        per_sample_weights=per_sample_weights,
        include_last_offset=include_last_offset,
        padding_idx=padding_idx,
    )
    index, starts = indices.numpy(), offsets.numpy()
    int_type = index.dtype
    num, dim = weight.shape
    bags = starts.size - bool(include_last_offset)
    # ATen's offset2bag: how many offsets lie at or before each position, less one
    bag_of = np.searchsorted(starts, np.arange(index.size), side="right") - 1
    padding = None if padding_idx is None else padding_idx % num
    fast = weight.dtype in (_dtype.float32, _dtype.float16) and padding is None
    offset2bag = bag_of[:0] if mode == 0 and fast else bag_of
    if mode == 0:  # zeros: one per bag for a weight that requires grad, else one per offset
        bag_size = np.zeros(bags if weight.requires_grad else starts.size, int_type)
        return output, *(wrap(a.astype(int_type)) for a in (offset2bag, bag_size, bag_size.copy()))
    bag_size = np.diff(starts[:bags], append=index.size)
    if padding is not None:
        bag_size = bag_size - np.bincount(bag_of[index == padding], minlength=bags)[:bags]
    if mode == 1:
        max_indices = bag_size.copy()
    else:
        # the row of each bag's first largest value per column, 0 for an empty bag
        kept = (bag_of < bags) if padding is None else (bag_of < bags) & (index != padding)
        rows, bag_of_kept = index[kept], bag_of[kept]
        values = weight.detach().numpy()[rows]
        largest = output.detach().numpy()
        position = np.where(values == largest[bag_of_kept], np.arange(rows.size)[:, None], rows.size)
        first = np.full((bags, dim), rows.size, np.int64)
        np.minimum.at(first, bag_of_kept, position)
        max_indices = np.append(rows, 0)[first]
    return output, *(wrap(a.astype(int_type)) for a in (offset2bag, bag_size, max_indices))


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``nn.functional.max_pool1d`` without ``return_indices``; an empty ``stride`` is the kernel's."""
    return _functional().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``nn.functional.max_pool2d`` without ``return_indices``; an empty ``stride`` is the kernel's."""
    return _functional().max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``nn.functional.max_pool3d`` without ``return_indices``; an empty ``stride`` is the kernel's."""
    return _functional().max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``nn.functional.max_pool1d(..., return_indices=True)``: the maxima and their indices."""
    return _functional().max_pool1d(
        input, kernel_size, stride or None, padding, dilation, ceil_mode, return_indices=True
    )


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    """``nn.functional.avg_pool1d``; an empty ``stride`` is the kernel's."""
    return _functional().avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode, count_include_pad)


def adaptive_max_pool1d(input, output_size):
    """``nn.functional.adaptive_max_pool1d(..., return_indices=True)``: the maxima and their indices."""
    return _functional().adaptive_max_pool1d(input, output_size, return_indices=True)


def kl_div(input, target, reduction=0, *, log_target=False):
    """``nn.functional.kl_div`` with ATen's reduction enum (1 is the mean over every
    element, not 'batchmean').

    >>> import chainrule
    >>> chainrule.kl_div(chainrule.zeros(2), chainrule.ones(2), 2)
    tensor(0.)
    """
    reduction = _reduction("kl_div", reduction)
    if reduction == "mean":  # as ATen: no warning that 'mean' is not 'batchmean'
        return _functional().kl_div(input, target, reduction="none", log_target=log_target).mean()
    return _functional().kl_div(input, target, reduction=reduction, log_target=log_target)


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """``nn.functional.poisson_nll_loss``, every argument required, the reduction as ATen's enum."""
    reduction = _reduction("poisson_nll_loss", reduction)
    return _functional().poisson_nll_loss(
        input, target, log_input=log_input, full=full, eps=eps, reduction=reduction
    )


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """``nn.functional.margin_ranking_loss`` with ATen's reduction enum."""
    reduction = _reduction("margin_ranking_loss", reduction)
    return _functional().margin_ranking_loss(input1, input2, target, margin, reduction=reduction)


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """``nn.functional.hinge_embedding_loss`` with ATen's reduction enum."""
    reduction = _reduction("hinge_embedding_loss", reduction)
    return _functional().hinge_embedding_loss(input, target, margin, reduction=reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """``nn.functional.cosine_embedding_loss`` with ATen's reduction enum."""
    reduction = _reduction("cosine_embedding_loss", reduction)
    return _functional().cosine_embedding_loss(input1, input2, target, margin, reduction=reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0):
    """``nn.functional.triplet_margin_loss`` with ATen's reduction enum."""
    reduction = _reduction("triplet_margin_loss", reduction)
    return _functional().triplet_margin_loss(
        anchor, positive, negative, margin, p, eps, swap, reduction=reduction
    )


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """``nn.functional.binary_cross_entropy_with_logits`` with ATen's reduction enum."""
    reduction = _reduction("binary_cross_entropy_with_logits", reduction)
    return _functional().binary_cross_entropy_with_logits(
        input, target, weight, reduction=reduction, pos_weight=pos_weight
    )


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    """``nn.functional.ctc_loss`` with ATen's reduction enum."""
    reduction = _reduction("ctc_loss", reduction)
    return _functional().ctc_loss(
        log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity
    )
