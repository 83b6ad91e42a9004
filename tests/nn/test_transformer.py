"""The Transformer's encoder, decoder and whole model: outputs, input and parameter
gradients as PyTorch's with its weights, in each arrangement (post- and pre-norm, GELU,
batch first, without biases), with causal and padding masks."""

import numpy as np
import pytest
from scipy import stats

import chainrule

from module_oracle import assert_drawn_from, assert_uniform, check_module
from oracle import assert_same_error, check_gradcheck, requires_torch, same_as_torch

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


DECODER_CONFIGS = {
    "post-norm": {},
    "pre-norm": {"norm_first": True},
    "gelu-batch-first": {"activation": "gelu", "batch_first": True},
    "pre-norm-batch-first": {"norm_first": True, "batch_first": True},
    "no-bias": {"bias": False},
}


def _decoder_shapes(options, target=5, source=6, batch=3):
    if options.get("batch_first"):
        return [(batch, target, 8), (batch, source, 8)]
    return [(target, batch, 8), (source, batch, 8)]


def _bool_causal(lib, size):
    return lib.triu(lib.ones(size, size, dtype=lib.bool), diagonal=1)


@requires_torch
@pytest.mark.parametrize("options", list(DECODER_CONFIGS.values()), ids=list(DECODER_CONFIGS))
def test_decoder_layer_matches_pytorch(options):
    def make(lib):
        return lib.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, **options)

    def padded(lib, layer, tgt, memory):
        # the first target position padded too: with the causal mask its row hides every key
        return layer(
            tgt,
            memory,
            tgt_mask=_bool_causal(lib, 5),
            tgt_key_padding_mask=lib.tensor([[False, False, False, True, True]] * 2 + [[True] + [False] * 4]),
            memory_key_padding_mask=lib.tensor([[False] * 4 + [True] * 2] * 3),
        )

    def float_masks(lib, layer, tgt, memory):
        memory_mask = lib.zeros(5, 6)
        memory_mask[:, 4] = float("-inf")
        return layer(tgt, memory, tgt_mask=_causal(lib, 5), memory_mask=memory_mask, tgt_is_causal=True)

    check_module(make, _decoder_shapes(options), call=padded)
    check_module(make, _decoder_shapes(options), call=float_masks)


@requires_torch
def test_decoder_layer_takes_unbatched_inputs_and_a_callable_activation():
    def make(lib):
        return lib.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation=lib.tanh)

    def call(lib, layer, tgt, memory):
        return layer(
            tgt, memory, tgt_mask=_causal(lib, 5), memory_key_padding_mask=lib.tensor([False] * 5 + [True])
        )

    check_module(make, [(5, 8), (6, 8)], call=call)


@requires_torch
def test_decoder_stacks_copies_of_the_layer_and_a_final_norm():
    def make(lib):
        layer = lib.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)
        return lib.nn.TransformerDecoder(layer, num_layers=2, norm=lib.nn.LayerNorm(8))

    def call(lib, decoder, tgt, memory):
        padding = lib.zeros(3, 5)
        padding[:, 3:] = float("-inf")
        return decoder(
            tgt,
            memory,
            tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(5),
            tgt_key_padding_mask=padding,
        )

    ours, theirs = check_module(make, [(5, 3, 8), (6, 3, 8)], call=call)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("chainrule", "torch") == repr(theirs)


TRANSFORMER_CONFIGS = {
    "post-norm": {},
    "pre-norm-gelu": {"norm_first": True, "activation": "gelu"},
    "batch-first": {"batch_first": True},
}


@requires_torch
@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("options", list(TRANSFORMER_CONFIGS.values()), ids=list(TRANSFORMER_CONFIGS))
def test_transformer_matches_pytorch(options):
    # nn.Transformer was missing (the sequence-to-sequence tutorials)
    def make(lib):
        return lib.nn.Transformer(
            d_model=8,
            nhead=2,
            num_encoder_layers=2,
            num_decoder_layers=2,
            dim_feedforward=16,
            dropout=0.0,
            **options,
        )

    def call(lib, model, src, tgt):
        source_padding = lib.tensor([[False] * 4 + [True] * 2] * 3)
        return model(
            src,
            tgt,
            tgt_mask=model.generate_square_subsequent_mask(5),
            src_key_padding_mask=source_padding,
            tgt_key_padding_mask=lib.tensor([[False, False, False, True, True]] * 3),
            memory_key_padding_mask=source_padding,
        )

    src_shape, tgt_shape = _decoder_shapes(options)[::-1]
    ours, theirs = check_module(make, [src_shape, tgt_shape], call=call)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("chainrule", "torch") == repr(theirs)


@requires_torch
@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_uses_a_custom_encoder_and_decoder():
    def make(lib):
        encoder = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0), 1)
        decoder = lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(8, 2, 16, 0.0, norm_first=True), 1)
        return lib.nn.Transformer(8, 2, custom_encoder=encoder, custom_decoder=decoder)

    ours, theirs = check_module(
        make, [(6, 3, 8), (5, 3, 8)], call=lambda lib, model, src, tgt: model(src, tgt)
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_transformer_starts_every_matrix_xavier_uniform():
    chainrule.manual_seed(0)
    model = chainrule.nn.Transformer(
        d_model=32, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64
    )
    layer = model.decoder.layers[0]
    assert_uniform(layer.linear1.weight.detach().numpy(), np.sqrt(6 / (32 + 64)))
    assert_uniform(layer.multihead_attn.in_proj_weight.detach().numpy(), np.sqrt(6 / (32 + 96)))
    # vectors keep their layers' own start: Linear's bias U(+-1/sqrt(fan_in)), LayerNorm's ones
    assert_drawn_from(layer.linear1.bias.detach().numpy(), stats.uniform(-(32**-0.5), 2 * 32**-0.5))
    np.testing.assert_array_equal(model.encoder.norm.weight.detach().numpy(), np.ones(32, np.float32))


@requires_torch
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_generate_square_subsequent_mask_is_pytorchs(dtype):
    def scenario(lib):
        return lib.nn.Transformer.generate_square_subsequent_mask(4, dtype=dtype and getattr(lib, dtype))

    same_as_torch(scenario)


def test_decoder_layer_gradients_match_finite_differences():
    def fn(lib, tgt, memory):
        lib.manual_seed(0)
        layer = lib.nn.TransformerDecoderLayer(d_model=4, nhead=2, dim_feedforward=6, dropout=0.0)
        return layer.double()(
            tgt,
            memory,
            tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(3, dtype=lib.float64),
            memory_key_padding_mask=lib.tensor([[False, False, True, False]] * 2),
        )

    check_gradcheck(fn, [(3, 2, 4), (4, 2, 4)])


ERRORS = {
    "a memory of another d_model": lambda lib, layer: layer(lib.zeros(5, 3, 8), lib.zeros(6, 3, 4)),
    "a target of another d_model": lambda lib, layer: layer(lib.zeros(5, 3, 4), lib.zeros(6, 3, 8)),
    "a memory of another batch size": lambda lib, layer: layer(lib.zeros(5, 3, 8), lib.zeros(6, 2, 8)),
    "the causal hint without a mask": lambda lib, layer: layer(
        lib.zeros(5, 3, 8), lib.zeros(6, 3, 8), tgt_is_causal=True
    ),
    "a tgt_mask of the wrong shape": lambda lib, layer: layer(
        lib.zeros(5, 3, 8), lib.zeros(6, 3, 8), tgt_mask=lib.zeros(4, 4)
    ),
    "a memory_mask of the wrong shape": lambda lib, layer: layer(
        lib.zeros(5, 3, 8), lib.zeros(6, 3, 8), memory_mask=lib.zeros(5, 5)
    ),
}


@requires_torch
@pytest.mark.parametrize("call", list(ERRORS.values()), ids=list(ERRORS))
def test_decoder_layer_raises_pytorchs_errors(call):
    assert_same_error(lambda lib: call(lib, lib.nn.TransformerDecoderLayer(8, 2, 16)))


@requires_torch
@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize(
    "batch_first, src_shape, tgt_shape, message",
    [
        (False, (5, 3, 8), (6, 2, 8), "the batch number of src and tgt must be equal"),
        (True, (3, 5, 8), (2, 6, 8), "the batch number of src and tgt must be equal"),
        (False, (5, 3, 8), (6, 3, 4), "the feature number of src and tgt must be equal to d_model"),
        (False, (5, 4), (6, 8), "the feature number of src and tgt must be equal to d_model"),
    ],
)
def test_transformer_refuses_mismatched_batches_and_features(batch_first, src_shape, tgt_shape, message):
    def scenario(lib):
        model = lib.nn.Transformer(8, 2, 1, 1, 16, batch_first=batch_first)
        return model(lib.zeros(*src_shape), lib.zeros(*tgt_shape))

    assert_same_error(scenario, message)


def test_an_unknown_decoder_activation_is_refused():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        chainrule.nn.TransformerDecoderLayer(8, 2, activation="tanh")
