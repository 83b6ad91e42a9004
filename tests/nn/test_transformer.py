"""The Transformer encoder: outputs, input and parameter gradients as PyTorch's with its
weights, in each arrangement (post- and pre-norm, GELU, batch first, without biases)."""

import pytest

import chainrule

from module_oracle import check_module
from oracle import check_gradcheck, requires_torch

CONFIGS = {
    "post-norm": {},
    "pre-norm": {"norm_first": True},
    "gelu-batch-first": {"activation": "gelu", "batch_first": True},
    "no-bias": {"bias": False},
}


def _causal(lib, size):
    return lib.triu(lib.full((size, size), float("-inf")), diagonal=1)


@requires_torch
@pytest.mark.parametrize("options", list(CONFIGS.values()), ids=list(CONFIGS))
def test_encoder_layer_matches_pytorch(options):
    # TransformerEncoderLayer and TransformerEncoder were missing (the nn.Transformer tutorial)
    def make(lib):
        return lib.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, **options)

    def call(lib, layer, x):
        return layer(x, src_key_padding_mask=lib.tensor([[False, False, False, True, True]] * 3))

    shape = (3, 5, 8) if options.get("batch_first") else (5, 3, 8)
    check_module(make, [shape], call=call, modes=("eval",))
    check_module(
        make, [shape], call=lambda lib, layer, x: layer(x, src_mask=_causal(lib, 5)), modes=("train",)
    )


@requires_torch
def test_encoder_stacks_copies_of_the_layer_and_a_final_norm():
    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)
        return lib.nn.TransformerEncoder(
            layer, num_layers=2, norm=lib.nn.LayerNorm(8), enable_nested_tensor=False
        )

    ours, theirs = check_module(
        make, [(5, 3, 8)], call=lambda lib, encoder, x: encoder(x, mask=_causal(lib, 5))
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("chainrule", "torch") == repr(theirs)


def test_encoder_layer_gradients_match_finite_differences():
    def fn(lib, x):
        lib.manual_seed(0)
        layer = lib.nn.TransformerEncoderLayer(d_model=4, nhead=2, dim_feedforward=6, dropout=0.0).double()
        return layer(x)

    check_gradcheck(fn, [(3, 2, 4)])


def test_an_unknown_activation_is_refused():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        chainrule.nn.TransformerEncoderLayer(8, 2, activation="tanh")
