"""The Transformer encoder: TransformerEncoderLayer (self-attention, then a feed-forward
block, each with a residual connection and layer norm) and TransformerEncoder (a stack
of copies of one layer), with PyTorch's submodules, so state_dicts move between the two."""

import copy

from .. import functional as F
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["TransformerEncoderLayer", "TransformerEncoder"]


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
        attended = self.self_attn(
            x,
            x,
            x,
            attn_mask=mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
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
