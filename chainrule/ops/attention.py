"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``
(the computation behind ``nn.MultiheadAttention``), as in ``torch.nn.functional``.

Both are composed of existing primitives (linear, matmul, softmax, where,
dropout, reshapes), so their gradients, and second derivatives, come from
those rules: attention needs no derivative of its own.
"""

import math
import warnings

import numpy as np

from .._tensor import wrap
from ..backends import cuda
from .elementwise import where
from .linalg import matmul
from .nn import dropout, linear, softmax
from .shape import cat

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _attend(query, key, value, mask, dropout_p, scale, zero_fully_masked_rows):
    """``softmax(query key^T * scale + mask) value`` and the attention weights.

    ``mask`` is None, a bool tensor (True takes part) or a float tensor that is
    added to the scores. A row whose every score is -inf has no softmax; with
    ``zero_fully_masked_rows`` its weights are 0 (SDPA's rule), otherwise NaN
    (MultiheadAttention's when it returns the weights).
    """
    scores = matmul(query * scale, key.transpose(-2, -1))
    if mask is not None:
        if mask._data.dtype == np.bool_:
            scores = where(mask, scores, -math.inf)
        else:
            scores = scores + mask
    fully_masked = None
    if mask is not None:
        fully_masked = np.isneginf(scores._data).all(axis=-1, keepdims=True)
        fully_masked = wrap(fully_masked) if fully_masked.any() else None
    if fully_masked is None:
        weights = softmax(scores, -1)
    elif zero_fully_masked_rows:
        # a finite row keeps softmax (and its gradient) free of NaN; its weights are then set to 0
        weights = where(fully_masked, 0.0, softmax(where(fully_masked, 0.0, scores), -1))
    else:
        with np.errstate(invalid="ignore"):  # NaN rows, as PyTorch gives, without NumPy's warning
            weights = softmax(scores, -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return matmul(weights, value), weights


def _repeat_heads(x, groups):
    """Each head (dim -3) repeated ``groups`` times in place: ``repeat_interleave(groups, -3)``."""
    shape = tuple(x.shape)
    expanded = x.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * groups, *shape[-2:])


def _check_attention_inputs(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa):
    q, k, v = query._data, key._data, value._data
    shapes = f"query {tuple(q.shape)}, key {tuple(k.shape)}, value {tuple(v.shape)}"
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise RuntimeError(
            f"scaled_dot_product_attention: expected query, key and value to be at least 2-D "
            f"(..., sequence, features), but got {shapes}"
        )
    if not q.dtype == k.dtype == v.dtype:
        raise RuntimeError(
            f"scaled_dot_product_attention: expected query, key, and value to have the same dtype, but got "
            f"query.dtype: {query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead; "
            "convert them with .to(query.dtype)"
        )
    if q.dtype.kind != "f":
        raise RuntimeError(
            f"scaled_dot_product_attention: expected floating-point query, key and value, got {query.dtype}"
        )
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query and key need the same number of features (last dim) and "
            f"key and value the same sequence length (dim -2), but got {shapes}"
        )
    if enable_gqa and min(q.ndim, k.ndim, v.ndim) >= 3:
        if k.shape[-3] != v.shape[-3] or q.shape[-3] % k.shape[-3]:
            raise RuntimeError(
                "scaled_dot_product_attention: with enable_gqa=True, key and value need the same number of "
                f"heads (dim -3) and it must divide the query's, but got {shapes}"
            )
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if attn_mask is None:
        return
    if is_causal:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True "
            "(pass one or the other)"
        )
    mask = attn_mask._data
    if mask.dtype != np.bool_ and mask.dtype != q.dtype:
        raise RuntimeError(
            f"scaled_dot_product_attention: expected attn_mask dtype to be bool or to match query dtype, "
            f"but got attn_mask.dtype: {attn_mask.dtype} and query.dtype: {query.dtype} instead; pass a bool "
            "mask (True takes part) or a float mask of query's dtype (added to the scores)"
        )


def _flash_kernel_refusal(query, key, value, attn_mask, dropout_p, enable_gqa):
    """Why PyTorch's CPU flash kernel would not run on these inputs (its first
    failing rule, in its words), or None when it would."""
    q, k, v = query.shape, key.shape, value.shape
    if dropout_p > 0:
        return "Both fused kernels do not support non-zero dropout."
    if not query.ndim == key.ndim == value.ndim == 4:
        return (
            "All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: "
            f"{query.ndim}, Key dim: {key.ndim}, Value dim: {value.ndim} instead."
        )
    broadcast_hint = (
        "To broadcast dense inputs, try using unsqueeze and expand_to before passing them into the kernel."
    )
    if not q[0] == k[0] == v[0]:
        return (
            "For dense inputs, both fused kernels require query, key and value to have the same batch_size. "
            f"Query.sizes(): {list(q)}, Key.sizes(): {list(k)}, Value.sizes(): {list(v)} instead. "
            + broadcast_hint
        )
    if not (q[1] == k[1] == v[1] or enable_gqa):
        return (
            "For dense input, both fused kernels require query, key and value to have the same num_heads. "
            f"Query.sizes(): {list(q)}, Key sizes(): {list(k)}, Value sizes(): {list(v)} instead. "
            + broadcast_hint
        )
    if attn_mask is not None and attn_mask.ndim not in (2, 4):
        return (
            "Please use the following attn mask shapes: 2d - ({Q_seq_len, 1}  x {KV_seq_len, 1}); "
            "4d - ({Batch, 1} x {Num_heads, 1} x {Q_seq_len, 1}  x {KV_seq_len, 1})"
        )
    if not q[-1] == k[-1] == v[-1]:
        return (
            "Flash attention requires q,k,v to have the same last dimension. Got Query.size(-1): "
            f"{q[-1]}, Key.size(-1): {k[-1]}, Value.size(-1): {v[-1]} instead."
        )
    return None


def _check_kernel_switches(query, key, value, attn_mask, dropout_p, enable_gqa):
    """PyTorch's CPU build runs the math kernel, or, with math switched off, its
    flash kernel where that applies; chainrule computes both the math way."""
    switches = cuda._sdp_enabled
    if switches["math"]:
        return
    if not switches["flash"]:
        raise RuntimeError(
            "No viable backend for scaled_dot_product_attention was found. This is likely due to turning "
            "off both the math kernel and the fused kernels."
        )
    refusal = _flash_kernel_refusal(query, key, value, attn_mask, dropout_p, enable_gqa)
    if refusal is not None:
        warnings.warn("Flash attention kernel not used because:", stacklevel=3)
        warnings.warn(refusal, stacklevel=3)
        raise RuntimeError("No available kernel.  Aborting execution.")


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, *, scale=None, enable_gqa=False
):
    """``softmax(query key^T * scale + mask) value`` for query (..., L, E), key
    (..., S, E) and value (..., S, Ev): output (..., L, Ev).

    ``scale`` defaults to ``1 / sqrt(E)``. A bool ``attn_mask`` marks the pairs
    that *take part* (False is masked out); a float one is added to the scores.
    ``is_causal=True`` lets query i see keys 0..i (upper-left aligned). A query
    that sees no key gets zeros. ``dropout_p`` drops attention weights whenever
    it is above 0 (pass 0 in eval mode). ``enable_gqa`` shares each key/value
    head among ``heads_q / heads_kv`` query heads (dim -3).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> q = k = chainrule.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> v = chainrule.tensor([[1.0], [3.0]])
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)
    tensor([[1.0000],
            [2.3395]])
    """
    _check_attention_inputs(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    _check_kernel_switches(query, key, value, attn_mask, dropout_p, enable_gqa)
    if enable_gqa and min(query.ndim, key.ndim) >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    length, source_length = query.shape[-2], key.shape[-2]
    try:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise RuntimeError(
            "scaled_dot_product_attention: the leading (batch and head) dims of query "
            f"{tuple(query.shape)}, key {tuple(key.shape)} and value {tuple(value.shape)} do not broadcast"
        ) from None
    scores_shape = tuple(batch) + (length, source_length)
    if attn_mask is not None:
        try:
            fits = np.broadcast_shapes(attn_mask.shape, scores_shape) == scores_shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(
                f"scaled_dot_product_attention: attn_mask of shape {tuple(attn_mask.shape)} does not "
                f"broadcast to the attention weights' shape {scores_shape} (batch..., L, S)"
            )
    if is_causal:
        attn_mask = wrap(np.tril(np.ones((length, source_length), dtype=np.bool_)))
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    output, _ = _attend(query, key, value, attn_mask, dropout_p, scale, zero_fully_masked_rows=True)
    return output


# --- multi-head attention ----------------------------------------------------------------


def _canonical_mask(mask, mask_name, other_mask, other_name, dtype):
    """A bool mask (True = masked out) as a float mask of -inf and 0 in ``dtype``;
    a float mask as it is. PyTorch warns when the two masks' dtypes differ."""
    if mask is None:
        return None
    mask_dtype = mask._data.dtype
    if mask_dtype != np.bool_ and mask_dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported (got {mask.dtype})")
    if other_mask is not None and other_mask._data.dtype != mask_dtype:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. "
            "Use same type for both instead.",
            stacklevel=3,
        )
    if mask_dtype == np.bool_:
        return wrap(np.where(mask._data, -np.inf, 0.0).astype(dtype))
    return mask


def _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's shape rules; returns whether the inputs are batched."""
    dims = query.dim()
    if dims not in (2, 3):
        raise AssertionError(
            f"query should be unbatched 2D or batched 3D tensor but received {dims}-D query tensor"
        )
    batched = dims == 3
    which = f"For {'batched' if batched else 'unbatched'} ({dims}-D) `query`"
    if key.dim() != dims or value.dim() != dims:
        raise AssertionError(
            f"{which}, expected `key` and `value` to be {dims}-D"
            f" but found {key.dim()}-D and {value.dim()}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.dim() != dims - 1:
        raise AssertionError(
            f"{which}, expected `key_padding_mask` to be `None` or {dims - 1}-D"
            f" but found {key_padding_mask.dim()}-D tensor instead"
        )
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(
                f"{which}, expected `attn_mask` to be `None`, 2-D or 3-D"
                f" but found {attn_mask.dim()}-D tensor instead"
            )
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}"
            )
    return batched


def _in_projection(query, key, value, embed_dim, in_proj_weight, in_proj_bias, separate_weights):
    """q, k, v = the query, key and value mapped by their slices of the input projection."""
    if separate_weights is None:
        if key is value and query is key:  # self-attention: one matrix product
            return linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        weights = in_proj_weight.split([embed_dim, 2 * embed_dim])
        biases = (None, None) if in_proj_bias is None else in_proj_bias.split([embed_dim, 2 * embed_dim])
        q = linear(query, weights[0], biases[0])
        if key is value:  # encoder-decoder attention: keys and values in one product
            return (q, *linear(key, weights[1], biases[1]).chunk(2, -1))
        w_k, w_v = weights[1].chunk(2)
        b_k, b_v = (None, None) if in_proj_bias is None else biases[1].chunk(2)
        return q, linear(key, w_k, b_k), linear(value, w_v, b_v)
    biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
    expected = [(embed_dim, x.shape[-1]) for x in (query, key, value)]
    for name, w, shape in zip(("query", "key", "value"), separate_weights, expected):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got {tuple(w.shape)}")
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), separate_weights, biases))


def _append_key(mask):
    """A float mask with one more key position (column) that is not masked."""
    return cat([mask, wrap(np.zeros(tuple(mask.shape[:-1]) + (1,), mask._data.dtype))], -1)


def _heads(x, length, batch_heads, head_dim, static, name):
    """(length, batch, embed) -> (batch * heads, length, head_dim), or ``static`` as given."""
    if static is None:
        return x.reshape(length, batch_heads, head_dim).transpose(0, 1)
    if static.shape[0] != batch_heads or static.shape[2] != head_dim:
        raise AssertionError(
            f"expecting static_{name} of shape ({batch_heads}, *, {head_dim}) (batch * heads, source "
            f"length, head_dim), but got {tuple(static.shape)}"
        )
    return static


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn,
    dropout_p,
    out_proj_weight,
    out_proj_bias,
    training=True,
    key_padding_mask=None,
    need_weights=True,
    attn_mask=None,
    use_separate_proj_weight=False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights=True,
    is_causal=False,
):
    """Multi-head attention of ``nn.MultiheadAttention`` on sequence-first inputs:
    query (L, N, E), key (S, N, E_k), value (S, N, E_v), or unbatched (L, E).

    Returns ``(attn_output, attn_output_weights)``: (L, N, E) and, when
    ``need_weights``, (N, L, S) averaged over heads or (N, num_heads, L, S);
    otherwise None. Bool masks mark the positions to *leave out* (the opposite
    of ``scaled_dot_product_attention``); float masks are added to the scores.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> x = chainrule.ones(3, 1, 4)
    >>> out, weights = F.multi_head_attention_forward(
    ...     x, x, x, 4, 2, chainrule.ones(12, 4), None, None, None, False, 0.0, chainrule.eye(4), None)
    >>> out.shape, weights
    (chainrule.Size([3, 1, 4]), tensor([[[0.3333, 0.3333, 0.3333],
             [0.3333, 0.3333, 0.3333],
             [0.3333, 0.3333, 0.3333]]]))
    """
    batched = _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    length, batch, embed_dim = query.shape
    source_length = key.shape[0]
    dtype = query._data.dtype
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone: scaled_dot_product_attention builds the causal mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dtype)
        is_causal = False  # the mask itself is applied
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                f"{tuple(value.shape[:2])}"
            )
        separate = (q_proj_weight, k_proj_weight, v_proj_weight)
        if any(w is None for w in separate):
            raise AssertionError("use_separate_proj_weight is True but q/k/v_proj_weight is None")
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(
                f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}"
            )
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        separate = None
    q, k, v = _in_projection(query, key, value, embed_dim, in_proj_weight, in_proj_bias, separate)

    if attn_mask is not None:  # 2-D or 3-D, as checked above
        if attn_mask.dim() == 2:
            expected = (length, source_length)
        else:
            expected = (batch * num_heads, length, source_length)
        if tuple(attn_mask.shape) != expected:
            raise RuntimeError(
                f"The shape of the {attn_mask.dim()}D attn_mask is {tuple(attn_mask.shape)}, but should be "
                f"{expected}."
            )
        if attn_mask.dim() == 2:
            attn_mask = attn_mask.unsqueeze(0)
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must be given together")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k = cat([k, bias_k.repeat(1, batch, 1)])
        v = cat([v, bias_v.repeat(1, batch, 1)])
        attn_mask = None if attn_mask is None else _append_key(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _append_key(key_padding_mask)

    batch_heads = batch * num_heads
    q = q.reshape(length, batch_heads, head_dim).transpose(0, 1)
    k = _heads(k, k.shape[0], batch_heads, head_dim, static_k, "k")
    v = _heads(v, v.shape[0], batch_heads, head_dim, static_v, "v")
    if add_zero_attn:
        zeros = wrap(np.zeros((batch_heads, 1, head_dim), dtype))
        k, v = cat([k, zeros], 1), cat([v, zeros], 1)
        attn_mask = None if attn_mask is None else _append_key(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _append_key(key_padding_mask)
    source_length = k.shape[1]

    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (batch, source_length):
            raise AssertionError(
                f"Expected key_padding_mask of shape {(batch, source_length)} (batch, source length), "
                f"but got {tuple(key_padding_mask.shape)}"
            )
        key_padding_mask = (
            key_padding_mask.reshape(batch, 1, 1, source_length)
            .expand(-1, num_heads, -1, -1)
            .reshape(batch_heads, 1, source_length)
        )
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0

    if need_weights:
        output, weights = _attend(q, k, v, attn_mask, dropout_p, math.sqrt(1.0 / head_dim), False)
        output = output.transpose(0, 1).reshape(length * batch, embed_dim)
        weights = weights.reshape(batch, num_heads, length, source_length)
        if average_attn_weights:
            weights = weights.mean(dim=1)
    else:
        if attn_mask is not None:
            attn_mask = (
                attn_mask.unsqueeze(0)
                if attn_mask.shape[0] == 1
                else attn_mask.reshape(batch, num_heads, -1, source_length)
            )
        q, k, v = (x.reshape(batch, num_heads, -1, head_dim) for x in (q, k, v))
        output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
        output = output.permute(2, 0, 1, 3).reshape(length * batch, embed_dim)
        weights = None
    output = linear(output, out_proj_weight, out_proj_bias).reshape(length, batch, embed_dim)
    if not batched:
        output = output.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return output, weights
