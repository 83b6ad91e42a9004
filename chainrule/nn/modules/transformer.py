"""The Transformer: TransformerEncoderLayer (self-attention, then a feed-forward block,
each with a residual connection and layer norm), TransformerDecoderLayer (self-attention,
attention over the encoder's output, then a feed-forward block), TransformerEncoder and
TransformerDecoder (stacks of copies of one layer) and Transformer (an encoder and a
decoder), with PyTorch's submodules, so state_dicts move between the two."""

import copy

from ... import _creation
from ...ops.shape import triu
from .. import functional as F
from .. import init
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = [
    "Transformer",
    "TransformerEncoder",
    "TransformerDecoder",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
]


def _attend(attention, query, memory, mask, key_padding_mask, is_causal):
    """``attention``'s output for ``query`` over ``memory`` (keys and values), without weights."""
    return attention(
        query,
        memory,
        memory,
        attn_mask=mask,
        key_padding_mask=key_padding_mask,
        need_weights=False,
        is_causal=is_causal,
    )[0]


def _activation(activation):
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """``x + SelfAttention(x)`` then ``x + FeedForward(x)``, each followed by a layer norm
    (``norm_first``: each preceded by it instead). Inputs are (S, N, E), or (N, S, E) with
    ``batch_first``; ``src_mask`` and ``src_key_padding_mask`` as in MultiheadAttention.

    >>> import chainrule
    >>> layer = chainrule.nn.TransformerEncoderLayer(d_model=8, nhead=2, batch_first=True)
    >>> layer(chainrule.randn(3, 5, 8)).shape
    chainrule.Size([3, 5, 8])
    """

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=F.relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)
        if dtype is not None or device is not None:
            self.to(device=device, dtype=dtype)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._attention_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward_block(self.norm2(x))
        x = self.norm1(x + self._attention_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward_block(x))

    def _attention_block(self, x, mask, key_padding_mask, is_causal):
        attended = _attend(self.self_attn, x, x, mask, key_padding_mask, is_causal)
        return self.dropout1(attended)

    def _feed_forward_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm`` if given.
    ``enable_nested_tensor`` and ``mask_check`` are accepted for compatibility (chainrule
    always computes the padded positions; PyTorch's nested-tensor fast path in evaluation
    gives 0 there).

    >>> import chainrule
    >>> layer = chainrule.nn.TransformerEncoderLayer(d_model=8, nhead=2)
    >>> chainrule.nn.TransformerEncoder(layer, num_layers=2)(chainrule.randn(5, 3, 8)).shape
    chainrule.Size([5, 3, 8])
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        output = src
        for layer in self.layers:
            output = layer(
                output, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal)
            )
        return output if self.norm is None else self.norm(output)


class TransformerDecoderLayer(Module):
    """``x + SelfAttention(x)``, then ``x + Attention(x, memory)``, then ``x + FeedForward(x)``,
    each followed by a layer norm (``norm_first``: each preceded by it instead). ``tgt`` is
    (T, N, E) and ``memory`` (S, N, E), or (N, T, E) and (N, S, E) with ``batch_first``; the
    masks as in MultiheadAttention (``tgt_mask`` (T, T), ``memory_mask`` (T, S)).

    >>> import chainrule
    >>> layer = chainrule.nn.TransformerDecoderLayer(d_model=8, nhead=2, batch_first=True)
    >>> layer(chainrule.randn(3, 4, 8), chainrule.randn(3, 6, 8)).shape
    chainrule.Size([3, 4, 8])
    """

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation=F.relu,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)
        if dtype is not None or device is not None:
            self.to(device=device, dtype=dtype)

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=False,
        memory_is_causal=False,
    ):
        x = tgt
        if self.norm_first:
            x = x + self._self_attention_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._memory_attention_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            return x + self._feed_forward_block(self.norm3(x))
        x = self.norm1(x + self._self_attention_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(
            x
            + self._memory_attention_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
        )
        return self.norm3(x + self._feed_forward_block(x))

    def _self_attention_block(self, x, mask, key_padding_mask, is_causal):
        attended = _attend(self.self_attn, x, x, mask, key_padding_mask, is_causal)
        return self.dropout1(attended)

    def _memory_attention_block(self, x, memory, mask, key_padding_mask, is_causal):
        attended = _attend(self.multihead_attn, x, memory, mask, key_padding_mask, is_causal)
        return self.dropout2(attended)

    def _feed_forward_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn to ``tgt`` (each attending
    to the same ``memory``), then ``norm`` if given.

    >>> import chainrule
    >>> layer = chainrule.nn.TransformerDecoderLayer(d_model=8, nhead=2)
    >>> decoder = chainrule.nn.TransformerDecoder(layer, num_layers=2)
    >>> decoder(chainrule.randn(4, 3, 8), chainrule.randn(6, 3, 8)).shape
    chainrule.Size([4, 3, 8])
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        # PyTorch's default ``tgt_is_causal=None`` looks for a causal ``tgt_mask`` to pick a
        # faster kernel; applying the mask itself gives the same result.
        output = tgt
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """An encoder of ``num_encoder_layers`` TransformerEncoderLayers and a decoder of
    ``num_decoder_layers`` TransformerDecoderLayers, each ending in a LayerNorm (or
    ``custom_encoder`` / ``custom_decoder``): ``decoder(tgt, encoder(src))``. Every parameter
    with more than one dimension starts xavier-uniform. The encoder computes the source
    positions that ``src_key_padding_mask`` hides, as TransformerEncoder does, so without a
    ``memory_key_padding_mask`` hiding them too, the output can differ from that of
    PyTorch's nested-tensor fast path (evaluation without grad, ``batch_first``).

    >>> import chainrule
    >>> model = chainrule.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1)
    >>> mask = chainrule.nn.Transformer.generate_square_subsequent_mask(4)
    >>> model(chainrule.randn(6, 3, 8), chainrule.randn(4, 3, 8), tgt_mask=mask).shape
    chainrule.Size([4, 3, 8])
    """

    def __init__(
        self,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        activation=F.relu,
        custom_encoder=None,
        custom_decoder=None,
        layer_norm_eps=1e-5,
        batch_first=False,
        norm_first=False,
        bias=True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        layer_options = (dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        factory = {"device": device, "dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(d_model, nhead, *layer_options, **factory)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(d_model, nhead, *layer_options, **factory)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src,
        tgt,
        src_mask=None,
        tgt_mask=None,
        memory_mask=None,
        src_key_padding_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        src_is_causal=None,
        tgt_is_causal=None,
        memory_is_causal=False,
    ):
        batch_dim = 0 if self.batch_first else 1
        if src.dim() == 3 and src.size(batch_dim) != tgt.size(batch_dim):
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask for a sequence of ``sz``: -inf above the diagonal, 0 elsewhere.

        >>> import chainrule
        >>> chainrule.nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[0., -inf, -inf],
                [0., 0., -inf],
                [0., 0., 0.]])
        """
        return triu(_creation.full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)
