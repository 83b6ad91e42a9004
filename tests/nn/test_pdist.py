"""F.pdist against PyTorch and finite differences."""

import math

import numpy as np
import pytest

from oracle import assert_same_error, check, check_torch, requires_torch, same_as_torch

rng = np.random.default_rng(0)
ROWS = rng.uniform(-1, 1, (5, 4)).astype(np.float32)


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, math.inf])
def test_pdist_matches_pytorch_and_finite_differences(p):
    check(lambda m, x: m.nn.functional.pdist(x, p), None, arrays=[ROWS])


@requires_torch
@pytest.mark.parametrize("p", [0, 0.5, 1, 2, math.inf])
def test_identical_rows_give_pytorchs_zero_distance_and_gradient(p):
    rows = np.concatenate([ROWS[:3], ROWS[:1]])  # rows 0 and 3 are equal
    check_torch(lambda m, x: m.nn.functional.pdist(x, p), None, arrays=[rows])


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.nn.functional.pdist(m.ones(1, 3)),
        lambda m: m.nn.functional.pdist(m.ones(0, 3)),
        lambda m: m.nn.functional.pdist(m.ones(3, 0)),
        lambda m: m.nn.functional.pdist(m.ones(3, 2, dtype=m.float64)),
    ],
)
def test_edge_shapes_and_dtypes_give_pytorchs_result(scenario):
    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.nn.functional.pdist(m.ones(2, 3, 4)),
        lambda m: m.nn.functional.pdist(m.ones(3)),
        lambda m: m.nn.functional.pdist(m.ones(3, 2), -1),
        lambda m: m.nn.functional.pdist(m.ones(3, 2, dtype=m.int64)),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)
