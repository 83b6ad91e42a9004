"""Plumbing shared by the ops (chainrule/ops/_helpers.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from chainrule.ops import _helpers
from chainrule.ops._helpers import select

SPECIAL = [np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45]


@pytest.fixture
def always_branch_free(monkeypatch):
    monkeypatch.setattr(_helpers, "_SELECT_MIN_VALUES", 0)


@settings(max_examples=60, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=5),
    dtype=st.sampled_from([np.float16, np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_select_gives_np_wheres_bits_for_any_broadcast(shapes, dtype, seed):
    _helpers._SELECT_MIN_VALUES, previous = 0, _helpers._SELECT_MIN_VALUES
    try:
        rng = np.random.default_rng(seed)
        condition_shape, x_shape, y_shape = shapes.input_shapes
        condition = rng.random(condition_shape) < 0.5
        x = rng.choice(np.array(SPECIAL + [1.5, -2.5], dtype), x_shape)
        y = rng.choice(np.array(SPECIAL + [3.0, -4.0], dtype), y_shape)
        expected = np.where(condition, x, y)
        result = select(condition, x, y)
        assert result.dtype == expected.dtype and result.shape == expected.shape
        np.testing.assert_array_equal(
            np.atleast_1d(result).view(np.uint8), np.atleast_1d(expected).view(np.uint8)
        )
    finally:
        _helpers._SELECT_MIN_VALUES = previous


def test_select_with_a_number_and_a_strided_array_matches_np_where(always_branch_free):
    x = np.random.default_rng(0).standard_normal((40, 60)).astype(np.float32)[:, ::3]
    condition = x > 0
    for args in ((condition, x, 0.0), (condition, -0.0, x), (condition.T, x.T, np.float32(7))):
        expected = np.where(*args)
        result = select(*args)
        assert result.dtype == expected.dtype == np.float32
        np.testing.assert_array_equal(result.view(np.int32), expected.view(np.int32))


def test_select_leaves_integers_and_mixed_dtypes_to_np_where(always_branch_free):
    condition = np.array([True, False, True])
    ints = np.array([1, 2, 3])
    assert select(condition, ints, 0).dtype == np.where(condition, ints, 0).dtype
    mixed = select(condition, np.ones(3, np.float32), np.zeros(3))
    assert mixed.dtype == np.float64 and mixed.tolist() == [1.0, 0.0, 1.0]
    # a float next to integers makes floats, as in NumPy
    assert select(condition, ints, 0.5).tolist() == np.where(condition, ints, 0.5).tolist() == [1, 0.5, 3]


def test_select_of_plus_zero_keeps_x_bit_for_bit_and_writes_into_out(always_branch_free):
    # the gradient-mask case: inf and nan become +0 where the condition fails
    x = np.array(SPECIAL + [1.5, -2.5], np.float32)
    condition = np.arange(x.size) % 2 == 0
    for zero in (0.0, -0.0):  # -0.0 has a bit set: the general path
        out = np.empty_like(x)
        result = select(condition, x, zero, out)
        assert np.shares_memory(result, out) and result.dtype == np.float32
        np.testing.assert_array_equal(
            result.view(np.int32), np.where(condition, x, np.float32(zero)).view(np.int32)
        )
    small = np.empty(3, np.float32)  # below the branch-free size, through np.where
    _helpers._SELECT_MIN_VALUES = 10
    assert select(np.array([True, False, True]), np.float32([np.inf, np.inf, 2]), 0.0, small) is small
    assert small.tolist() == [np.inf, 0.0, 2.0]
