"""linalg.householder_product against PyTorch (values, gradients for A and tau),
float64 finite differences to second order, and PyTorch's errors."""

import numpy as np
import pytest

from oracle import assert_same_error, check, check_torch, requires_torch


def product(lib, A, tau):
    return lib.linalg.householder_product(A, tau)


@pytest.mark.parametrize(
    "shapes",
    [[(5, 3), (3,)], [(4, 4), (4,)], [(5, 3), (2,)], [(2, 4, 3), (2, 3)], [(3, 1), (1,)]],
    ids=["tall", "square", "fewer-reflections", "batched", "one-column"],
)
def test_householder_product_matches_pytorch_and_finite_differences_to_second_order(shapes):
    check(product, shapes, high=1.0, low=-1.0)


def test_without_reflections_the_product_is_the_first_columns_of_the_identity():
    check_torch(product, [(4, 3), (0,)], requires_grad=[False, False])


@requires_torch
@pytest.mark.parametrize(
    "A, tau",
    [
        (np.ones(3), np.ones(1)),
        (np.ones((2, 3)), np.ones(1)),
        (np.ones((4, 3)), np.ones(4)),
        (np.ones((2, 4, 3)), np.ones((3, 2))),
        (np.ones((4, 3)), np.ones((2, 2))),
        (np.ones((4, 3), np.float32), np.ones(2)),
        (np.ones((4, 3), np.int64), np.ones(2, np.int64)),
    ],
    ids=["vector", "wide", "too-many-reflections", "batch", "tau-dims", "dtypes", "integers"],
)
def test_bad_operands_raise_pytorchs_errors(A, tau):
    assert_same_error(lambda lib: product(lib, lib.tensor(A), lib.tensor(tau)))
