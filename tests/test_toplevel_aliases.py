"""Top-level functions PyTorch 2.13 scripts call, against PyTorch: ``vmap``, the
comparison aliases, ``unravel_index``, ``scalar_tensor``, ``empty_strided``,
``is_same_size``, ``is_inference``, the warning and denormal switches, and the
top-level forms of ``nn.functional`` ops (``torch.conv2d``, ``torch.dropout``, ...)."""

import inspect

import numpy as np
import pytest

import chainrule

from oracle import (
    assert_same,
    assert_same_error,
    check_torch,
    raises_like_torch,
    requires_torch,
    same_as_torch,
    torch,
)

pytestmark = requires_torch


def test_vmap_is_func_vmap_as_in_pytorch():
    assert chainrule.vmap is chainrule.func.vmap
    same_as_torch(lambda lib: lib.vmap(lambda row: row.sum() * 2)(lib.arange(6.0).reshape(2, 3)))


@pytest.mark.parametrize(
    "name, method",
    [("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"), ("not_equal", "ne")],
)
def test_comparison_aliases_are_the_comparisons_as_functions_and_methods(name, method):
    def scenario(lib):
        x, y = lib.tensor([[1.0, 2.0, 3.0]]), lib.tensor([[2.0], [1.0]])
        return getattr(lib, name)(x, y), getattr(x, name)(2), getattr(lib, method)(x, y)

    ours = same_as_torch(scenario)
    assert ours[0].dtype == chainrule.bool


@pytest.mark.parametrize(
    "indices, shape",
    [([4, 7, -13, 30], (3, 4)), (5, (3, 4)), ([[1234], [5678]], (10, 10, 10, 10)), ([1, 2], 3), ([0, 1], ())],
)
def test_unravel_index_gives_pytorchs_coordinates(indices, shape):
    same_as_torch(lambda lib: lib.unravel_index(lib.tensor(indices), shape), rtol=0, atol=0)


def test_unravel_index_of_int32_indices_and_a_size_gives_int64():
    same_as_torch(lambda lib: lib.unravel_index(lib.tensor([0, 3], dtype=lib.int32), lib.Size([2, 2])))


@pytest.mark.parametrize(
    "indices, shape",
    [
        (lambda lib: lib.tensor([1.0]), (3, 4)),
        (lambda lib: lib.tensor(True), (3, 4)),
        (lambda lib: lib.tensor([1]), (3, -4)),
        (lambda lib: lib.tensor([1]), (3.0, 4)),
        (lambda lib: lib.tensor([1]), "34"),
        (lambda lib: lib.tensor([1]), (3, 0)),
        (lambda lib: [1], (3, 4)),
    ],
)
def test_unravel_index_raises_pytorchs_errors(indices, shape):
    assert_same_error(lambda lib: lib.unravel_index(indices(lib), shape))


@pytest.mark.parametrize(
    "value, kwargs",
    [
        (3, {}),
        (True, {}),
        (2, {"dtype": "int64"}),
        (1.5, {"dtype": "float64"}),
        (1.5, {"requires_grad": True}),
    ],
)
def test_scalar_tensor_is_a_0_dim_tensor_of_the_default_float_dtype(value, kwargs):
    def scenario(lib):
        options = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
        return lib.scalar_tensor(value, **options)

    same_as_torch(scenario, rtol=0, atol=0)


def test_scalar_tensor_takes_a_one_element_tensor():
    same_as_torch(lambda lib: lib.scalar_tensor(lib.tensor(2)), rtol=0, atol=0)


@pytest.mark.parametrize(
    "size, stride, kwargs",
    [
        ((2, 3), (1, 2), {}),
        ((2, 3), (3, 1), {"dtype": "int32"}),
        ((4,), (2,), {"requires_grad": True}),
        ((0, 3), (3, 1), {}),
    ],
)
def test_empty_strided_has_pytorchs_shape_strides_and_dtype(size, stride, kwargs):
    def scenario(lib):
        options = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
        t = lib.empty_strided(size, stride, **options)
        return t.shape, t.stride(), t.dtype, t.is_contiguous(), t.requires_grad, t.is_leaf

    same_as_torch(scenario)


@pytest.mark.parametrize("size, stride", [((2, 3), (1,)), ((2, -3), (1, 2)), ((2, 3), (1, -2))])
def test_empty_strided_raises_pytorchs_errors(size, stride):
    assert_same_error(lambda lib: lib.empty_strided(size, stride))


def test_is_same_size_compares_shapes():
    same_as_torch(
        lambda lib: (
            lib.is_same_size(lib.ones(2, 3), lib.zeros(2, 3)),
            lib.is_same_size(lib.ones(2, 3), lib.zeros(3, 2)),
        )
    )
    assert_same_error(lambda lib: lib.is_same_size(lib.ones(1), 1), "(position 2) must be Tensor, not int")
    assert_same_error(lambda lib: lib.is_same_size(1, lib.ones(1)))


def test_is_inference_is_false_outside_inference_mode_and_rejects_non_tensors():
    same_as_torch(lambda lib: lib.is_inference(lib.ones(2)))
    assert_same_error(
        lambda lib: lib.is_inference(1), "argument 'input' (position 1) must be Tensor, not int"
    )


def test_is_inference_is_false_inside_inference_mode_unlike_pytorch():
    # chainrule's inference_mode is no_grad: its tensors are ordinary ones (README).
    with chainrule.inference_mode():
        assert chainrule.is_inference(chainrule.ones(2)) is False


def test_set_warn_always_records_the_flag_as_pytorch_does():
    def scenario(lib):
        before = lib.is_warn_always_enabled()
        try:
            returned = lib.set_warn_always(True)
            return before, returned, lib.is_warn_always_enabled()
        finally:
            lib.set_warn_always(False)

    assert same_as_torch(scenario) == (False, None, True)
    assert_same_error(lambda lib: lib.set_warn_always(1), "expects a bool, but got int")
    assert_same_error(lambda lib: lib.set_warn_always(b=True))


def test_set_flush_denormal_reports_the_mode_cannot_be_set():
    # NumPy cannot switch the FPU's flush-to-zero mode: False, PyTorch's answer on a CPU
    # without it (PyTorch on this CPU answers True).
    assert chainrule.set_flush_denormal(True) is False
    assert chainrule.set_flush_denormal(False) is False
    assert_same_error(lambda lib: lib.set_flush_denormal(1), "flush_denormal expects a bool, but got int")


# --- top-level forms of nn.functional ops ------------------------------------------------

LOG_PROBS = np.log(np.random.default_rng(1).dirichlet(np.ones(4), (6, 2))).astype(np.float32)

# name -> (call with lib and float32 inputs, input shapes or arrays)
FORMS = {
    "conv1d": (lambda lib, x, w, b: lib.conv1d(x, w, b, 2, 1), [(2, 3, 9), (4, 3, 3), (4,)]),
    "conv2d": (lambda lib, x, w: lib.conv2d(x, w, padding="same"), [(2, 3, 6, 6), (4, 3, 3, 3)]),
    "conv3d": (lambda lib, x, w: lib.conv3d(x, w, stride=2), [(1, 2, 5, 5, 5), (3, 2, 3, 3, 3)]),
    "conv_transpose1d": (lambda lib, x, w: lib.conv_transpose1d(x, w, None, 2, 1, 1), [(2, 3, 5), (3, 4, 3)]),
    "conv_transpose2d": (
        lambda lib, x, w: lib.conv_transpose2d(x, w, stride=2),
        [(1, 3, 4, 4), (3, 2, 3, 3)],
    ),
    "conv_transpose3d": (lambda lib, x, w: lib.conv_transpose3d(x, w), [(1, 2, 3, 3, 3), (2, 2, 2, 2, 2)]),
    "dropout": (lambda lib, x: lib.dropout(x, 0.5, False) * lib.dropout(x, 0.0, True), [(3, 4)]),
    "alpha_dropout": (lambda lib, x: lib.alpha_dropout(x, 0.5, False), [(3, 4)]),
    "feature_alpha_dropout": (lambda lib, x: lib.feature_alpha_dropout(x, 0.5, False), [(3, 4, 2)]),
    "embedding": (
        lambda lib, w: lib.embedding(w, lib.tensor([[0, 2], [4, 2]]), 2) * lib.embedding(w, lib.tensor([1])),
        [(5, 3)],
    ),
    "layer_norm": (lambda lib, x, w, b: lib.layer_norm(x, [4], w, b, 1e-3, False), [(3, 4), (4,), (4,)]),
    "group_norm": (lambda lib, x, w, b: lib.group_norm(x, 2, w, b), [(3, 4, 5), (4,), (4,)]),
    "rms_norm": (lambda lib, x, w: lib.rms_norm(x, [4], w), [(3, 4), (4,)]),
    "batch_norm": (
        lambda lib, x, w, b: lib.batch_norm(x, w, b, lib.zeros(4), lib.ones(4), True, 0.1, 1e-5, True),
        [(5, 4, 3), (4,), (4,)],
    ),
    "instance_norm": (
        lambda lib, x, w, b: lib.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
        [(2, 4, 5), (4,), (4,)],
    ),
    "max_pool1d": (lambda lib, x: lib.max_pool1d(x, 2), [(2, 3, 8)]),
    "max_pool2d": (lambda lib, x: lib.max_pool2d(x, 3, 2, 1, 1, True), [(2, 3, 7, 7)]),
    "max_pool3d": (lambda lib, x: lib.max_pool3d(x, 2), [(1, 2, 4, 4, 4)]),
    "max_pool1d_with_indices": (lambda lib, x: lib.max_pool1d_with_indices(x, 3, 2), [(2, 3, 9)]),
    "avg_pool1d": (lambda lib, x: lib.avg_pool1d(x, 3, padding=1, count_include_pad=False), [(2, 3, 8)]),
    "adaptive_avg_pool1d": (lambda lib, x: lib.adaptive_avg_pool1d(x, 3), [(2, 3, 8)]),
    "adaptive_max_pool1d": (lambda lib, x: lib.adaptive_max_pool1d(x, 3), [(2, 3, 8)]),
    "threshold": (lambda lib, x: lib.threshold(x, 0.5, -1.0), [(3, 4)]),
    "threshold_": (lambda lib, x: lib.threshold_(x * 1, 0.5, -1.0), [(3, 4)]),
    "kl_div": (
        lambda lib, x, y: (lib.kl_div(x, y), lib.kl_div(x, y, 2), lib.kl_div(x, y.log(), 0, log_target=True)),
        [(3, 4), np.random.default_rng(2).uniform(0.1, 1, (3, 4)).astype(np.float32)],
    ),
    "poisson_nll_loss": (
        lambda lib, x, y: lib.poisson_nll_loss(x, y, True, True, 1e-8, 2),
        [(3, 4), np.random.default_rng(2).uniform(0.5, 3, (3, 4)).astype(np.float32)],
    ),
    "margin_ranking_loss": (
        lambda lib, a, b: lib.margin_ranking_loss(a, b, lib.tensor([1.0, -1.0, 1.0]), 0.1),
        [(3,), (3,)],
    ),
    "hinge_embedding_loss": (
        lambda lib, x: lib.hinge_embedding_loss(x, lib.tensor([1.0, -1.0, 1.0]), 1.5, 0),
        [(3,)],
    ),
    "cosine_embedding_loss": (
        lambda lib, a, b: lib.cosine_embedding_loss(a, b, lib.tensor([1.0, -1.0]), 0.2, 5),
        [(2, 4), (2, 4)],
    ),
    "triplet_margin_loss": (
        lambda lib, a, p, n: lib.triplet_margin_loss(a, p, n, 0.5, 1.0, swap=True),
        [(3, 4), (3, 4), (3, 4)],
    ),
    "binary_cross_entropy_with_logits": (
        lambda lib, x, w: lib.binary_cross_entropy_with_logits(
            x, lib.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), w, lib.tensor([2.0])
        ),
        [(2, 3), (3,)],
    ),
    "ctc_loss": (
        lambda lib, lp: lib.ctc_loss(lp, lib.tensor([[1, 2], [3, 3]]), [6, 5], [2, 2], 0, 2),
        [LOG_PROBS],
    ),
    "bilinear": (lambda lib, a, b, w, bias: lib.bilinear(a, b, w, bias), [(3, 2), (3, 4), (5, 2, 4), (5,)]),
}


FORWARDED = {
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "bilinear",
    "rms_norm", "adaptive_avg_pool1d", "threshold", "threshold_",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FORMS))
def test_top_level_form_of_a_functional_op_matches_pytorch(name):
    fn, inputs = FORMS[name]
    # chainrule's binary_cross_entropy_with_logits has no gradient for weight
    requires_grad = [True, False] if name == "binary_cross_entropy_with_logits" else None
    arrays = [
        np.random.default_rng(i).uniform(-2, 2, s).astype(np.float32) if isinstance(s, tuple) else s
        for i, s in enumerate(inputs)
    ]
    check_torch(fn, None, arrays=arrays, requires_grad=requires_grad)


def _aten_arguments(name):
    """``torch.<name>``'s arguments as its first ATen schema gives them: (name, required,
    keyword-only), with ``self`` under its Python name ``input``."""
    schema = torch._C._jit_get_schemas_for_operator(f"aten::{name}")[0]
    return [
        ("input" if a.name == "self" else a.name, not a.has_default_value(), a.kwarg_only)
        for a in schema.arguments
    ]


@pytest.mark.parametrize("name", sorted(FORMS))
def test_top_level_form_takes_pytorchs_arguments(name):
    # the forms whose signature is nn.functional's forward their arguments to it
    ours_fn = getattr(chainrule.nn.functional, name) if name in FORWARDED else getattr(chainrule, name)
    params = list(inspect.signature(ours_fn).parameters.values())
    ours = [(p.name, p.default is p.empty, p.kind == p.KEYWORD_ONLY) for p in params]
    theirs = _aten_arguments(name)
    assert ours[: len(theirs)] == theirs
    # nn.functional's extra trailing options (threshold's inplace) may stay, all optional
    assert all(not required for _, required, _ in ours[len(theirs) :])


def test_top_level_forms_take_atens_reduction_enum_not_its_name():
    err = raises_like_torch(lambda lib: lib.kl_div(lib.zeros(2), lib.ones(2), "mean"), "must be int, not str")
    assert "kl_div()" in str(err)
    assert_same_error(lambda lib: lib.hinge_embedding_loss(lib.zeros(2), lib.ones(2), 1.0, True))


def test_top_level_forms_require_what_nn_functional_makes_optional():
    assert_same_error(lambda lib: lib.dropout(lib.ones(2), 0.5))
    assert_same_error(lambda lib: lib.max_pool1d(lib.ones(1, 1, 4), 2, return_indices=True))
    assert_same_error(lambda lib: lib.batch_norm(lib.ones(2, 3), None, None, None, None, True, 0.1, 1e-5))


def test_top_level_dropout_in_training_zeroes_and_rescales():
    out = chainrule.dropout(chainrule.ones(1000), 0.25, True).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert 150 < (out == 0).sum() < 350
    assert_same(chainrule.dropout(chainrule.ones(3), 1.0, True), torch.dropout(torch.ones(3), 1.0, True))
