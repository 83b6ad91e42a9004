"""F. functions without a layer of their own: one_hot, pad, and the functional
forms' argument handling, against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F

from oracle import (
    assert_same_error,
    check,
    check_torch,
    raises_like_torch,
    requires_torch,
    same_as_torch,
    torch,
)


@requires_torch
@pytest.mark.parametrize("num_classes", [-1, 6])
def test_one_hot_matches_pytorch(num_classes):
    indices = np.array([[0, 3], [2, 1]])
    ours = F.one_hot(chainrule.tensor(indices), num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(indices), num_classes)
    assert ours.dtype == chainrule.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert F.one_hot(chainrule.tensor([], dtype=chainrule.int64), 3).shape == (0, 3)


@requires_torch
@pytest.mark.parametrize(
    "indices, num_classes",
    [
        ([-1, 2], -1),
        ([1, 5], 3),
        (np.array([1.0, 2.0]), -1),
        (np.array([1, 2], np.int32), -1),
        (np.zeros(0, np.int64), -1),
    ],
)
def test_one_hot_of_bad_indices_raises_runtime_error_like_pytorch(indices, num_classes):
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError):
            lib.nn.functional.one_hot(lib.tensor(np.asarray(indices)), num_classes)


PADS = [
    ("constant", (3, 4), (1, 2)),
    ("constant", (2, 3, 4), (1, 0, -1, 2, 2, 1)),
    ("constant", (3, 4), (-1, -2)),
    ("reflect", (2, 5), (2, 3)),
    ("reflect", (1, 2, 4, 5), (1, 2, 3, 0)),
    ("reflect", (1, 2, 3, 4, 5), (1, 1, 2, 1, 0, 2)),
    ("reflect", (1, 2, 4), (-1, 2)),
    ("replicate", (2, 3, 4), (2, 5)),
    ("replicate", (2, 3, 4, 5), (1, 0, 3, 2)),
    ("replicate", (2, 3), (-1, 2)),
    ("circular", (2, 3, 4), (2, 4)),
    ("circular", (1, 2, 3, 4), (1, 2, 3, 1)),
    ("circular", (1, 2, 3), (-1, 2)),
]


@pytest.mark.parametrize("mode, shape, pad", PADS, ids=[f"{m}-{s}-{p}" for m, s, p in PADS])
def test_pad_matches_pytorch_and_finite_differences_to_second_order(mode, shape, pad):
    check(lambda m, x: m.nn.functional.pad(x, pad, mode=mode) ** 2, [shape])


def test_constant_pad_with_a_value_matches_pytorch_and_is_differentiable_twice():
    check(lambda m, x: m.nn.functional.pad(x, (1, 1, 2, 0), value=-3.5) ** 2, [(2, 3)])


@requires_torch
@pytest.mark.parametrize(
    "shape, pad, mode, error",
    [
        ((3, 4), (1,), "constant", RuntimeError),
        ((3, 4), (1, 1, 1, 1, 1, 1), "constant", RuntimeError),
        ((3, 4), (1, 1), "wrap", NotImplementedError),
        ((1, 2, 3), (3, 0), "reflect", RuntimeError),
        ((1, 2, 3), (4, 0), "circular", RuntimeError),
        ((3,), (1, 1), "reflect", NotImplementedError),
        ((1, 2, 3, 4), (1, 1), "replicate", NotImplementedError),
    ],
)
def test_pad_rejects_what_pytorch_rejects(shape, pad, mode, error):
    for lib in (chainrule, torch):
        with pytest.raises(error):
            lib.nn.functional.pad(lib.zeros(shape), pad, mode=mode)


def test_non_constant_pad_refuses_a_value():
    with pytest.raises(RuntimeError, match="doesn't take in value argument"):
        F.pad(chainrule.zeros(1, 2, 3), (1, 1), mode="reflect", value=1.0)


@requires_torch
def test_functional_forms_accept_pytorchs_positional_arguments():
    x = np.random.default_rng(0).uniform(-2, 2, (3, 4)).astype(np.float32)
    check_torch(lambda m, a: m.nn.functional.softplus(a, 2, 3), None, arrays=[x])
    check_torch(lambda m, a: m.nn.functional.leaky_relu(a, 0.2), None, arrays=[x])
    check_torch(lambda m, a: m.nn.functional.hardtanh(a, -0.5, 0.5), None, arrays=[x])
    check_torch(lambda m, a: m.nn.functional.softmax(a, 1, 3, m.float64), None, arrays=[x])
    check_torch(lambda m, a: m.nn.functional.log_softmax(a, -1), None, arrays=[x])
    check_torch(
        lambda m, a, t: m.nn.functional.cross_entropy(a, t, None, None, 1, None, "sum", 0.1),
        None,
        arrays=[x, np.array([0, 1, 3])],
    )


def test_functional_softmax_of_an_integer_tensor_needs_a_float_dtype_as_in_pytorch():
    with pytest.raises(NotImplementedError, match="softmax_lastdim_kernel_impl.*Long"):
        F.softmax(chainrule.tensor([1, 2]), dim=0)
    assert F.softmax(chainrule.tensor([1, 2]), dim=0, dtype=chainrule.float32).dtype == chainrule.float32


# --- relu6, logsigmoid, normalize, similarity and distance -----------------------------------------


@pytest.mark.parametrize(
    "fn, kwargs",
    [
        (lambda m, x: m.nn.functional.relu6(x * 4), {"away_from": [0.0, 1.5]}),
        (lambda m, x: m.nn.functional.relu6(x.clone() * 4, inplace=True), {"away_from": [0.0, 1.5]}),
        (lambda m, x: m.nn.functional.logsigmoid(x * 30), {}),
        (lambda m, x: m.nn.functional.normalize(x), {}),
        (lambda m, x: m.nn.functional.normalize(x, p=1, dim=0), {}),
        (lambda m, x: m.nn.functional.normalize(x, p=3.0, dim=-1, eps=0.5), {}),
    ],
)
def test_activations_and_normalize_match_pytorch_and_finite_differences(fn, kwargs):
    check(fn, [(3, 4)], **kwargs)


@requires_torch
def test_relu6_and_logsigmoid_gradients_at_their_kinks_match_pytorch():
    check_torch(
        lambda m, x: m.nn.functional.relu6(x), None, arrays=[np.array([0.0, 6.0, 3.0, -1.0, 7.0], np.float32)]
    )
    check_torch(
        lambda m, x: m.nn.functional.logsigmoid(x), None, arrays=[np.array([0.0, -200.0, 200.0], np.float32)]
    )


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda m, a, b: m.nn.functional.cosine_similarity(a, b), [(3, 4), (3, 4)]),
        (lambda m, a, b: m.cosine_similarity(a, b, dim=0), [(3, 4), (3, 4)]),
        (lambda m, a, b: m.cosine_similarity(a, b, dim=-1, eps=1e-6), [(2, 3, 4), (4,)]),
        (lambda m, a, b: m.nn.functional.pairwise_distance(a, b), [(3, 4), (3, 4)]),
        (lambda m, a, b: m.pairwise_distance(a, b, p=1.0, keepdim=True), [(3, 4), (4,)]),
        (lambda m, a, b: m.nn.functional.pairwise_distance(a, b, p=3.0, eps=1e-3), [(2, 3, 4), (3, 4)]),
    ],
)
def test_cosine_similarity_and_pairwise_distance_match_pytorch_and_finite_differences(fn, shapes):
    check(fn, shapes)


@requires_torch
def test_cosine_similarity_of_a_zero_vector_clamps_the_norm_but_passes_its_gradient_as_pytorch():
    zero_row = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]], np.float32)
    other = np.array([[1.0, -1.0, 0.5], [0.5, 0.5, 2.0]], np.float32)
    check_torch(lambda m, a, b: m.cosine_similarity(a, b), None, arrays=[zero_row, other])
    check_torch(lambda m, a, b: m.nn.functional.normalize(a), None, arrays=[zero_row, other])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.cosine_similarity(m.tensor([[1, 2]]), m.tensor([[1, 3]])),
        lambda m: m.cosine_similarity(m.ones(2, 3), m.ones(4, 3)),
        lambda m: m.nn.functional.logsigmoid(m.tensor([1, 2])),
        lambda m: m.nn.functional.normalize(m.tensor([[1, 2]])),
    ],
)
def test_bad_similarity_and_activation_arguments_raise_pytorchs_exception_type(fn):
    assert_same_error(fn)


# --- interpolate -----------------------------------------------------------------------------------

INTERPOLATIONS = [
    ((2, 3, 5, 7), {"scale_factor": 2}),
    ((1, 2, 4, 4), {"size": (9, 5)}),
    ((1, 2, 5, 7), {"scale_factor": 1.7}),
    ((1, 2, 6, 6), {"size": 4}),
    ((1, 2, 4, 6), {"scale_factor": (0.5, 2.3)}),
    ((1, 2, 5, 7), {"scale_factor": 2.5, "mode": "nearest-exact"}),
    ((2, 1, 5, 7), {"size": 7, "mode": "bilinear"}),
    ((1, 2, 4, 5), {"size": (4, 11), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 5), {"scale_factor": 1.5, "mode": "bilinear"}),
    ((1, 2, 6, 5), {"scale_factor": 0.6, "mode": "bilinear"}),
    ((1, 2, 4, 5), {"scale_factor": 1.3, "mode": "bilinear", "recompute_scale_factor": True}),
    ((1, 2, 3, 3), {"size": (1, 1), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 6), {"size": (2, 3), "mode": "area"}),
    ((2, 3, 5), {"scale_factor": 2}),
    ((2, 3, 5), {"size": 8, "mode": "linear"}),
    ((2, 3, 5), {"scale_factor": 1.5, "mode": "linear", "align_corners": True}),
    ((1, 2, 3, 4, 3), {"size": (4, 5, 2)}),
    ((1, 2, 3, 4, 3), {"scale_factor": 1.5, "mode": "trilinear"}),
]


@pytest.mark.parametrize("shape, kwargs", INTERPOLATIONS, ids=[f"{s}-{k}" for s, k in INTERPOLATIONS])
def test_interpolate_matches_pytorch_and_finite_differences(shape, kwargs):
    check(lambda m, x: m.nn.functional.interpolate(x, **kwargs), [shape])


@requires_torch
@pytest.mark.parametrize(
    "kwargs",
    [
        {"scale_factor": 2, "align_corners": True},
        {"size": 3, "scale_factor": 2},
        {},
        {"size": (2, 3, 4)},
        {"size": 3, "mode": "linear"},
        {"size": 3, "mode": "bilinear", "recompute_scale_factor": True},
        {"size": 0},
    ],
    ids=str,
)
def test_bad_interpolate_arguments_raise_pytorchs_exception_type(kwargs):
    assert_same_error(lambda lib: lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), **kwargs))


def test_interpolate_names_the_modes_chainrule_lacks():
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(chainrule.ones(1, 1, 2, 2), scale_factor=2, mode="bicubic")
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(chainrule.ones(1, 1, 2, 2), scale_factor=0.5, mode="bilinear", antialias=True)


# Batches of class scores (8+ rows of at most 32 values) take a transposed-copy max
# and a BLAS row sum; the other shapes NumPy's reductions. Both against the oracles.
SOFTMAX_SHAPES = [(16, 10), (8, 1), (64, 3), (9, 32), (7, 10), (16, 33)]


@pytest.mark.parametrize("shape", SOFTMAX_SHAPES)
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.nn.functional.log_softmax(x, dim=1),
        lambda m, x: m.nn.functional.softmax(x, dim=-1),
        lambda m, x: m.nn.functional.cross_entropy(x, m.tensor(np.arange(x.shape[0]) % x.shape[1])),
    ],
    ids=["log_softmax", "softmax", "cross_entropy"],
)
def test_softmax_family_over_batches_of_short_rows_matches_pytorch_and_finite_differences(fn, shape):
    check(fn, [shape], low=-30.0, high=30.0, second_order=False)


@requires_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_over_the_short_last_axis_of_a_4d_array_matches_pytorch(name):
    """Rows of at most 32 values in any number of dims take the one-pass max and sum (ops/nn.py)."""
    check_torch(lambda m, x: getattr(m.nn.functional, name)(x, dim=-1), [(4, 3, 5, 7)])
    check_torch(lambda m, x: getattr(m.nn.functional, name)(x.transpose(1, 3), dim=-1), [(4, 3, 5, 7)])


@requires_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_without_dim_warns_and_picks_pytorchs_legacy_dim(name, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    results = {}
    for lib in (chainrule, torch):
        with pytest.warns(
            UserWarning, match=f"Implicit dimension choice for {name} has been deprecated"
        ) as caught:
            results[lib] = getattr(lib.nn.functional, name)(lib.tensor(x)).numpy()
        assert caught[0].filename == __file__  # the warning points at the caller's line
    np.testing.assert_allclose(results[chainrule], results[torch], rtol=1e-6)


@requires_torch
def test_linear_with_a_weight_vector_is_a_matrix_vector_product():
    same_as_torch(lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.tensor([1.0, 2.0, 3.0])))
    raises_like_torch(
        lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(3), lib.tensor(1.0)),
        match="mat2 must be a matrix",
    )


@requires_torch
def test_linear_with_a_weight_vector_takes_a_bias_for_a_vector_input():
    same_as_torch(lambda lib: lib.nn.functional.linear(lib.ones(3), lib.ones(3), lib.tensor(1.0)))
