"""F. functions without a layer of their own: one_hot, pad, and the functional
forms' argument handling, against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F

from oracle import check, check_torch, requires_torch, torch


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


def test_functional_softmax_of_an_integer_tensor_is_float():
    assert F.softmax(chainrule.tensor([1, 2]), dim=0).dtype == chainrule.float32
