"""scaled_dot_product_attention and MultiheadAttention against PyTorch (values,
input gradients, parameter gradients, masks, layouts) and finite differences."""

import math

import numpy as np
import pytest
from scipy import stats

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import assert_drawn_from, check_module
from oracle import check, check_torch, requires_torch, torch


def sdpa(m, *args, **kwargs):
    return m.nn.functional.scaled_dot_product_attention(*args, **kwargs)


def _floats(*shapes, seed=5):
    """Random float32 inputs of ``shapes``."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, shape).astype(np.float32) for shape in shapes]


def _bool_mask(shape, seed=0, fully_masked_row=None):
    """A random bool mask in which every row has at least one True."""
    mask = np.random.default_rng(seed).random(shape) < 0.6
    mask[..., 0] = True
    if fully_masked_row is not None:
        mask[..., fully_masked_row, :] = False
    return mask


# --- scaled_dot_product_attention -------------------------------------------------------------


@pytest.mark.parametrize(
    "shapes",
    [
        [(2, 3, 4), (2, 5, 4), (2, 5, 6)],
        [(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)],
        [(3, 4), (5, 4), (5, 2)],
        [(2, 3, 4), (5, 4), (5, 6)],
    ],
    ids=["batched", "heads", "unbatched", "broadcast-key-value"],
)
def test_sdpa_matches_pytorch_and_finite_differences_to_second_order(shapes):
    check(lambda m, q, k, v: sdpa(m, q, k, v), shapes)


@pytest.mark.parametrize("length, source_length", [(4, 4), (3, 5), (5, 3)], ids=["square", "wide", "tall"])
def test_sdpa_is_causal_lets_query_i_see_keys_up_to_i(length, source_length):
    shapes = [(2, length, 3), (2, source_length, 3), (2, source_length, 2)]
    check(lambda m, q, k, v: sdpa(m, q, k, v, is_causal=True), shapes)


@pytest.mark.parametrize(
    "mask_shape", [(3, 5), (2, 3, 5), (2, 1, 5)], ids=["per-position", "per-batch", "per-key"]
)
def test_sdpa_bool_mask_keeps_the_true_positions(mask_shape):
    mask = _bool_mask(mask_shape)
    check(lambda m, q, k, v: sdpa(m, q, k, v, attn_mask=m.tensor(mask)), [(2, 3, 4), (2, 5, 4), (2, 5, 6)])


def test_sdpa_float_mask_is_added_to_the_scores_and_gets_a_gradient():
    check(
        lambda m, q, k, v, bias: sdpa(m, q, k, v, attn_mask=bias), [(2, 3, 4), (2, 5, 4), (2, 5, 6), (3, 5)]
    )


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_query_that_sees_no_key_gets_zeros_as_in_pytorch(kind):
    mask = _bool_mask((2, 3, 5), fully_masked_row=1)
    if kind == "float":
        mask = np.where(mask, 0.0, -np.inf).astype(np.float32)
    out = sdpa(chainrule, *(chainrule.randn(2, n, 4) for n in (3, 5, 5)), attn_mask=chainrule.tensor(mask))
    assert not out[:, 1].numpy().any() and np.isfinite(out.numpy()).all()
    check_torch(
        lambda m, q, k, v: sdpa(m, q, k, v, attn_mask=m.tensor(mask)), [(2, 3, 4), (2, 5, 4), (2, 5, 6)]
    )


def test_sdpa_scale_replaces_one_over_sqrt_of_the_feature_size():
    check(lambda m, q, k, v: sdpa(m, q, k, v, scale=0.3), [(2, 3, 4), (2, 5, 4), (2, 5, 6)])


def test_sdpa_grouped_query_attention_shares_key_and_value_heads():
    check(lambda m, q, k, v: sdpa(m, q, k, v, enable_gqa=True), [(2, 4, 3, 2), (2, 2, 5, 2), (2, 2, 5, 3)])


def test_sdpa_dropout_drops_attention_weights_and_rescales_the_survivors():
    chainrule.manual_seed(0)
    # equal scores: each weight is 1/8, so each output counts the surviving keys, times 2 / 8
    q, k = chainrule.zeros(4000, 1, 2), chainrule.zeros(4000, 8, 2)
    out = sdpa(chainrule, q, k, chainrule.ones(4000, 8, 1), dropout_p=0.5).numpy()
    survivors = out * 8 / 2
    np.testing.assert_allclose(survivors, np.round(survivors), atol=1e-5)
    assert abs(out.mean() - 1.0) < 0.02  # the rescaling keeps the mean
    assert len(np.unique(np.round(survivors))) > 5


@requires_torch
def test_sdpa_dropout_of_one_gives_zeros_as_in_pytorch():
    check_torch(lambda m, q, k, v: sdpa(m, q, k, v, dropout_p=1.0), [(2, 3, 4), (2, 5, 4), (2, 5, 6)])


def test_sdpa_keeps_float64():
    out = sdpa(chainrule, *(chainrule.randn(2, 3, dtype=chainrule.float64) for _ in range(3)))
    assert out.dtype == chainrule.float64


@requires_torch
@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (lambda m: (m.zeros(2, 3, 4), m.zeros(2, 5, 4, dtype=m.float64), m.zeros(2, 5, 6)), {}, "same dtype"),
        (lambda m: (m.zeros(2, 3, 4), m.zeros(2, 5, 3), m.zeros(2, 5, 6)), {}, r"key \(2, 5, 3\)"),
        (lambda m: (m.zeros(2, 3, 4), m.zeros(2, 5, 4), m.zeros(2, 4, 6)), {}, r"value \(2, 4, 6\)"),
        (lambda m: (m.zeros(4), m.zeros(4), m.zeros(4)), {}, "at least 2-D"),
        (
            lambda m: (m.zeros(2, 3, 4), m.zeros(2, 5, 4), m.zeros(2, 5, 6)),
            {"attn_mask": lambda m: m.ones(3, 5, dtype=m.int64)},
            "bool or to match query dtype",
        ),
        (
            lambda m: (m.zeros(2, 3, 4), m.zeros(2, 5, 4), m.zeros(2, 5, 6)),
            {"attn_mask": lambda m: m.ones(3, 4)},
            r"\(3, 4\) does not broadcast to .*\(2, 3, 5\)",
        ),
        (
            lambda m: (m.zeros(2, 3, 4), m.zeros(2, 5, 4), m.zeros(2, 5, 6)),
            {"attn_mask": lambda m: m.ones(3, 5, dtype=m.bool), "is_causal": True},
            "should not be set when is_causal=True",
        ),
        (
            lambda m: (m.zeros(2, 4, 3, 4), m.zeros(2, 3, 5, 4), m.zeros(2, 3, 5, 6)),
            {"enable_gqa": True},
            "must divide",
        ),
        (
            lambda m: (m.zeros(2, 3, 4), m.zeros(2, 5, 4), m.zeros(2, 5, 6)),
            {"dropout_p": 1.5},
            "between 0 and 1",
        ),
    ],
)
def test_sdpa_bad_arguments_raise_runtime_error_naming_the_problem(args, kwargs, match):
    def call(m):
        options = {name: value(m) if callable(value) else value for name, value in kwargs.items()}
        return sdpa(m, *args(m), **options)

    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match=match):
        call(chainrule)


def test_sdpa_scale_is_keyword_only_as_in_pytorch():
    with pytest.raises(TypeError):
        F.scaled_dot_product_attention(*(chainrule.zeros(2, 3) for _ in range(3)), None, 0.0, False, 0.5)


# --- MultiheadAttention: layouts and options ----------------------------------------------------

E, HEADS, L, S, N = 8, 2, 3, 4, 2  # embed_dim, heads, target length, source length, batch

LAYOUTS = {
    "sequence-first": ({}, [(L, N, E), (S, N, E), (S, N, E)]),
    "batch-first": ({"batch_first": True}, [(N, L, E), (N, S, E), (N, S, E)]),
    "unbatched": ({}, [(L, E), (S, E), (S, E)]),
    "no-bias": ({"bias": False}, [(L, N, E), (S, N, E), (S, N, E)]),
    "bias-kv-and-zero-attention": (
        {"add_bias_kv": True, "add_zero_attn": True},
        [(L, N, E), (S, N, E), (S, N, E)],
    ),
    "other-key-and-value-sizes": (
        {"kdim": 5, "vdim": 3, "batch_first": True},
        [(N, L, E), (N, S, 5), (N, S, 3)],
    ),
    "dropout-in-eval-mode": ({"dropout": 0.5}, [(L, N, E), (S, N, E), (S, N, E)]),
}


@requires_torch
@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_multihead_attention_matches_pytorch_on_the_same_weights(layout):
    kwargs, shapes = LAYOUTS[layout]
    check_module(lambda m: m.nn.MultiheadAttention(E, HEADS, **kwargs), shapes, modes=("eval",))


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights", [True, False])
def test_self_attention_with_one_tensor_for_query_key_and_value_matches_pytorch(batch_first, need_weights):
    check_module(
        lambda m: m.nn.MultiheadAttention(E, HEADS, batch_first=batch_first),
        [(L, N, E)],
        call=lambda m, attention, x: attention(x, x, x, need_weights=need_weights),
        modes=("eval",),
    )


@requires_torch
def test_encoder_decoder_attention_with_one_tensor_for_key_and_value_matches_pytorch():
    check_module(
        lambda m: m.nn.MultiheadAttention(E, HEADS),
        [(L, N, E), (S, N, E)],
        call=lambda m, attention, q, kv: attention(q, kv, kv),
        modes=("eval",),
    )


@requires_torch
@pytest.mark.parametrize("average", [True, False])
@pytest.mark.parametrize("shapes", [[(L, N, E), (S, N, E), (S, N, E)], [(L, E), (S, E), (S, E)]])
def test_attention_weights_per_head_or_averaged_have_pytorchs_shape_and_values(average, shapes):
    def call(m, attention, q, k, v):
        return attention(q, k, v, average_attn_weights=average)

    ours, _ = check_module(lambda m: m.nn.MultiheadAttention(E, HEADS), shapes, call=call, modes=("eval",))
    _, weights = call(chainrule, ours, *(chainrule.randn(*shape) for shape in shapes))
    batch = (N,) if len(shapes[0]) == 3 else ()
    assert tuple(weights.shape) == batch + (() if average else (HEADS,)) + (L, S)


MASKS = {
    "padding-bool": lambda: {"key_padding_mask": _bool_mask((N, S))},
    "padding-float": lambda: {"key_padding_mask": np.where(_bool_mask((N, S)), -1.5, 0.0).astype(np.float32)},
    "attention-bool-2d": lambda: {"attn_mask": _bool_mask((L, S), seed=1)},
    "attention-float-2d": lambda: {
        "attn_mask": np.random.default_rng(2).normal(size=(L, S)).astype(np.float32)
    },
    "attention-bool-3d": lambda: {"attn_mask": _bool_mask((N * HEADS, L, S), seed=3)},
    "both-bool": lambda: {"key_padding_mask": _bool_mask((N, S)), "attn_mask": _bool_mask((L, S), seed=4)},
}


@requires_torch
@pytest.mark.parametrize(
    "extras", [{}, {"add_bias_kv": True, "add_zero_attn": True}], ids=["plain", "bias-kv"]
)
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("masks", MASKS, ids=list(MASKS))
def test_masks_match_pytorch(masks, need_weights, extras):
    # _bool_mask marks the pairs that take part, MultiheadAttention's bool masks the ones left out;
    # key 0 always takes part, so every query sees a key. Float masks get a gradient too.
    arrays = {name: ~mask if mask.dtype == bool else mask for name, mask in MASKS[masks]().items()}
    names = list(arrays)
    check_module(
        lambda m: m.nn.MultiheadAttention(E, HEADS, **extras),
        None,
        call=lambda m, attention, q, k, v, *masks: attention(
            q, k, v, need_weights=need_weights, **dict(zip(names, masks))
        ),
        arrays=[*_floats((L, N, E), (S, N, E), (S, N, E)), *arrays.values()],
        requires_grad=[True, True, True] + [mask.dtype != bool for mask in arrays.values()],
        modes=("eval",),
    )


@requires_torch
def test_unbatched_masks_match_pytorch():
    check_module(
        lambda m: m.nn.MultiheadAttention(E, HEADS),
        None,
        call=lambda m, attention, q, k, v, padding, mask: attention(
            q, k, v, key_padding_mask=padding, attn_mask=mask
        ),
        arrays=[
            *_floats((L, E), (S, E), (S, E)),
            ~_bool_mask((S,)),
            ~_bool_mask((HEADS, L, S), seed=1),
        ],
        requires_grad=[True, True, True, False, False],
        modes=("eval",),
    )


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_is_causal_hint_with_a_causal_mask_matches_pytorch(need_weights):
    causal = ~np.tril(np.ones((L, L), dtype=bool))
    check_module(
        lambda m: m.nn.MultiheadAttention(E, HEADS),
        [(L, N, E)],
        call=lambda m, attention, x: attention(
            x, x, x, attn_mask=m.tensor(causal), is_causal=True, need_weights=need_weights
        ),
        modes=("eval",),
    )


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_a_query_whose_keys_are_all_padding_gets_pytorchs_result(need_weights):
    # PyTorch gives NaN when it returns the weights, and zeros (then the output
    # projection's bias) when it does not
    padding = np.zeros((N, S), dtype=bool)
    padding[1] = True

    def call(m, attention, q, k, v):
        return attention(q, k, v, key_padding_mask=m.tensor(padding), need_weights=need_weights)

    ours, _ = check_module(
        lambda m: m.nn.MultiheadAttention(E, HEADS),
        [(L, N, E), (S, N, E), (S, N, E)],
        call=call,
        modes=("eval",),
    )
    out, _ = call(chainrule, ours, *(chainrule.randn(n, N, E) for n in (L, S, S)))
    assert np.isnan(out[:, 1].detach().numpy()).all() == need_weights


@requires_torch
def test_dropout_of_one_in_training_leaves_only_the_output_bias_as_in_pytorch():
    # p = 1 is the one training-mode dropout whose mask does not depend on the random stream
    check_module(
        lambda m: m.nn.MultiheadAttention(E, HEADS, dropout=1.0),
        [(L, N, E), (S, N, E), (S, N, E)],
        modes=("train",),
    )


def test_training_dropout_changes_the_weights_and_eval_mode_does_not():
    chainrule.manual_seed(0)
    attention = nn.MultiheadAttention(E, HEADS, dropout=0.5)
    x = chainrule.randn(L, N, E)
    weights = lambda: attention(x, x, x)[1].detach().numpy()
    assert not np.allclose(weights(), weights())
    attention.eval()
    np.testing.assert_array_equal(weights(), weights())


@requires_torch
def test_multihead_attention_matches_pytorch_in_float64():
    check_module(
        lambda m: m.nn.MultiheadAttention(E, HEADS, add_bias_kv=True),
        [(L, N, E), (S, N, E), (S, N, E)],
        dtype=np.float64,
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3, "vdim": 2}],
    ids=["packed", "separate"],
)
def test_multihead_attention_backward_matches_finite_differences_for_inputs_and_parameters(kwargs):
    chainrule.manual_seed(0)
    attention = nn.MultiheadAttention(4, 2, **kwargs).double()
    q = chainrule.randn(2, 1, 4, dtype=chainrule.float64, requires_grad=True)
    k = chainrule.randn(3, 1, kwargs.get("kdim", 4), dtype=chainrule.float64, requires_grad=True)
    v = chainrule.randn(3, 1, kwargs.get("vdim", 4), dtype=chainrule.float64, requires_grad=True)
    mask = chainrule.tensor([[0.0, -1.0, 0.5], [0.3, 0.0, -2.0]], dtype=chainrule.float64, requires_grad=True)

    def run(q, k, v, mask, *parameters):  # gradcheck perturbs the parameters in place; the layer reads them
        return attention(q, k, v, attn_mask=mask)

    assert chainrule.autograd.gradcheck(run, [q, k, v, mask, *attention.parameters()], atol=1e-6, rtol=1e-5)


def test_multihead_attention_second_derivatives_match_finite_differences():
    chainrule.manual_seed(1)
    attention = nn.MultiheadAttention(4, 2).double()
    x = chainrule.randn(2, 1, 4, dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradgradcheck(
        lambda x, *_: attention(x, x, x)[0], [x, attention.in_proj_weight]
    )


# --- MultiheadAttention: parameters ----------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"bias": False}, {"kdim": 5, "vdim": 3}, {"add_bias_kv": True, "kdim": 5}],
    ids=["packed", "no-bias", "separate", "bias-kv"],
)
def test_parameter_names_shapes_and_repr_are_pytorchs(kwargs):
    ours, theirs = nn.MultiheadAttention(E, HEADS, **kwargs), torch.nn.MultiheadAttention(E, HEADS, **kwargs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert [name for name, _ in ours.named_parameters()] == [name for name, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    assert (ours.head_dim, ours.kdim, ours.vdim, ours._qkv_same_embed_dim) == (
        theirs.head_dim,
        theirs.kdim,
        theirs.vdim,
        theirs._qkv_same_embed_dim,
    )


def test_projections_start_xavier_uniform_and_biases_at_zero():
    chainrule.manual_seed(0)
    attention = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = math.sqrt(6 / (64 + 3 * 64))  # fan_in 64, fan_out 3 * 64
    assert_drawn_from(attention.in_proj_weight.detach().numpy(), stats.uniform(-bound, 2 * bound))
    assert_drawn_from(attention.out_proj.weight.detach().numpy(), stats.uniform(-1 / 8, 2 / 8))
    assert not attention.in_proj_bias.detach().numpy().any()
    assert not attention.out_proj.bias.detach().numpy().any()
    # xavier_normal_ of (1, 1, 64): fan_in = fan_out = 64
    assert_drawn_from(
        np.concatenate([attention.bias_k.detach().numpy(), attention.bias_v.detach().numpy()]),
        stats.norm(0, 1 / 8),
    )


def test_separate_projections_each_start_xavier_uniform():
    chainrule.manual_seed(0)
    attention = nn.MultiheadAttention(64, 4, kdim=32, vdim=16)
    for weight, fan_in in (
        (attention.q_proj_weight, 64),
        (attention.k_proj_weight, 32),
        (attention.v_proj_weight, 16),
    ):
        bound = math.sqrt(6 / (fan_in + 64))
        assert_drawn_from(weight.detach().numpy(), stats.uniform(-bound, 2 * bound))
    assert attention.in_proj_weight is None


# --- MultiheadAttention: errors --------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda m: m.nn.MultiheadAttention(6, 4), AssertionError, "divisible by num_heads"),
        (lambda m: m.nn.MultiheadAttention(0, 2), ValueError, "greater than 0"),
    ],
)
def test_bad_settings_raise_pytorchs_errors(make, error, match):
    with pytest.raises(error):
        make(torch)
    with pytest.raises(error, match=match):
        make(chainrule)


@requires_torch
@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (
            ((L, N, E), (S, N, E), (S, N, E)),
            {"key_padding_mask": lambda m: m.zeros(N, S + 1, dtype=m.bool)},
            AssertionError,
            r"\(2, 4\)",
        ),
        (
            ((L, N, E), (S, N, E), (S, N, E)),
            {"attn_mask": lambda m: m.zeros(L, S + 1, dtype=m.bool)},
            RuntimeError,
            r"\(3, 5\).*should be \(3, 4\)",
        ),
        (
            ((L, N, E), (S, N, E), (S, N, E)),
            {"attn_mask": lambda m: m.zeros(HEADS, L, S, dtype=m.bool)},
            RuntimeError,
            r"should be \(4, 3, 4\)",
        ),
        (
            ((L, N, E), (S, N, E), (S, N, E)),
            {"attn_mask": lambda m: m.zeros(L, S, dtype=m.int64)},
            AssertionError,
            "only bool and floating",
        ),
        (((L, N, E), (S, N, E), (S, N, E)), {"is_causal": True}, RuntimeError, "Need attn_mask"),
        (((1, L, N, E), (1, S, N, E), (1, S, N, E)), {}, AssertionError, "4-D query"),
        (((L, N, E), (S, E), (S, E)), {}, AssertionError, "found 2-D and 2-D"),
        (((L, N, E), (S, N, E), (S + 1, N, E)), {}, AssertionError, "does not match value shape"),
        (
            ((L, N, E + 1), (S, N, E + 1), (S, N, E + 1)),
            {},
            AssertionError,
            "embedding dimension of 8, but got 9",
        ),
    ],
)
def test_bad_inputs_raise_pytorchs_errors_naming_the_shapes(args, kwargs, error, match):
    def call(m):
        options = {name: value(m) if callable(value) else value for name, value in kwargs.items()}
        return m.nn.MultiheadAttention(E, HEADS)(*(m.zeros(*shape) for shape in args), **options)

    with pytest.raises(error):
        call(torch)
    with pytest.raises(error, match=match):
        call(chainrule)


def test_masks_of_different_dtypes_warn_as_pytorch_does():
    x = chainrule.randn(L, N, E)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        nn.MultiheadAttention(E, HEADS)(
            x,
            x,
            x,
            key_padding_mask=chainrule.zeros(N, L, dtype=chainrule.bool),
            attn_mask=chainrule.zeros(L, L),
        )
