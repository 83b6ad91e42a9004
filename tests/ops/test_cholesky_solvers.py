"""cholesky_solve, cholesky_inverse and the legacy triangular_solve against PyTorch and
finite differences."""

import warnings

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, check, check_gradcheck, check_torch, requires_torch, same_as_torch

rng = np.random.default_rng(0)


def _factor(n, batch=(), upper=False, dtype=np.float32):
    """A well-conditioned Cholesky factor: a positive diagonal, zeros in the other triangle
    (with other values there, PyTorch's gradient multiplies by them; chainrule's reads the
    factor's triangle only, as the forward does)."""
    lower = np.tril(rng.uniform(-0.5, 0.5, batch + (n, n))) + 2 * np.eye(n)
    return (np.swapaxes(lower, -1, -2) if upper else lower).astype(dtype)


def _noisy(factor, upper):
    """``factor`` with values in the triangle cholesky_solve does not read."""
    noise = rng.uniform(-3, 3, factor.shape).astype(factor.dtype)
    return factor + (np.tril(noise, -1) if upper else np.triu(noise, 1))


def _triangle(factor, upper):
    return factor.triu() if upper else factor.tril()


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize(
    "b_shape, batch",
    [((3, 2), ()), ((4, 3, 1), (4,)), ((2, 3, 2), (4, 1))],
    ids=["matrix", "batch", "broadcast"],
)
def test_cholesky_solve_matches_pytorch(upper, b_shape, batch):
    # PyTorch's gradient reaches the factor's unread triangle too (its formula treats L as full)
    check_torch(
        lambda m, b, factor: m.cholesky_solve(b, factor, upper=upper),
        None,
        arrays=[rng.uniform(-1, 1, b_shape).astype(np.float32), _factor(3, batch, upper)],
    )


@requires_torch
@pytest.mark.parametrize("upper", [False, True])
def test_only_the_factors_triangle_is_read_as_in_pytorch(upper):
    b, factor = rng.uniform(-1, 1, (3, 2)).astype(np.float32), _noisy(_factor(3, (), upper), upper)
    same_as_torch(
        lambda m: (
            m.cholesky_solve(m.tensor(b), m.tensor(factor), upper),
            m.cholesky_inverse(m.tensor(factor), upper),
        )
    )


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_matches_finite_differences_through_the_read_triangle(upper):
    # finite differences see no effect of the unread triangle, where PyTorch's gradient is not 0
    check_gradcheck(
        lambda m, b, factor: m.cholesky_solve(b, _triangle(factor, upper), upper=upper),
        None,
        arrays=[rng.uniform(-1, 1, (2, 3, 2)), _factor(3, (2,), upper, np.float64)],
        second_order=True,
    )


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_matches_pytorch_and_finite_differences(upper):
    check_torch(lambda m, factor: m.cholesky_inverse(factor, upper), None, arrays=[_factor(3, (2,), upper)])
    check_gradcheck(
        lambda m, factor: m.cholesky_inverse(_triangle(factor, upper), upper),
        None,
        arrays=[_factor(3, (2,), upper, np.float64)],
        second_order=True,
    )


@pytest.mark.filterwarnings("ignore:torch.triangular_solve is deprecated")
@pytest.mark.parametrize(
    "upper, transpose, unitriangular",
    [(True, False, False), (False, False, False), (True, True, False), (False, True, True)],
)
def test_triangular_solve_matches_pytorch_and_finite_differences(upper, transpose, unitriangular):
    check(
        lambda m, b, a: m.triangular_solve(b, a, upper, transpose, unitriangular),
        None,
        arrays=[rng.uniform(-1, 1, (2, 3, 2)).astype(np.float32), _factor(3, (2,), upper)],
    )


@requires_torch
def test_triangular_solve_returns_a_named_pair_with_a_copy_of_the_coefficients():
    def scenario(m):
        a = m.tensor([[2.0, 1.0], [0.0, 4.0]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = m.triangular_solve(m.tensor([[3.0], [4.0]]), a)
        solution, cloned = result
        a[0, 0] = 7.0
        return result.solution is solution, result.cloned_coefficient is cloned, solution, cloned

    same_as_torch(scenario)


@requires_torch
def test_triangular_solve_warns_that_it_is_deprecated():
    with pytest.warns(UserWarning, match="torch.triangular_solve is deprecated"):
        chainrule.triangular_solve(chainrule.ones(2, 1), chainrule.eye(2))


@requires_torch
@pytest.mark.filterwarnings("ignore:torch.triangular_solve is deprecated")
def test_tensor_methods_match_pytorch():
    factor = _factor(3)
    b = rng.uniform(-1, 1, (3, 2)).astype(np.float32)
    check_torch(
        lambda m, b, f: (b.cholesky_solve(f), f.cholesky_inverse(), b.triangular_solve(f.mT).solution),
        None,
        arrays=[b, factor],
    )


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.cholesky_solve(m.ones(3), m.eye(3)),
        lambda m: m.cholesky_solve(m.ones(3, 2), m.ones(2, 3)),
        lambda m: m.cholesky_solve(m.ones(4, 2), m.eye(3)),
        lambda m: m.cholesky_solve(m.ones(3, 2, dtype=m.float64), m.eye(3)),
        lambda m: m.cholesky_solve(m.ones(3, 2, dtype=m.int64), m.eye(3, dtype=m.int64)),
        lambda m: m.cholesky_inverse(m.ones(3)),
        lambda m: m.cholesky_inverse(m.ones(2, 3)),
        lambda m: m.triangular_solve(m.ones(3), m.eye(3)),
        lambda m: m.triangular_solve(m.ones(3, 2, dtype=m.float64), m.eye(3)),
        lambda m: m.triangular_solve(m.ones(3, 2, dtype=m.int64), m.eye(3, dtype=m.int64)),
        lambda m: m.cholesky_inverse(m.eye(3, dtype=m.int64)),
    ],
)
@pytest.mark.filterwarnings("ignore:torch.triangular_solve is deprecated")
def test_bad_arguments_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)


@requires_torch
def test_float64_stays_float64():
    factor = _factor(3, dtype=np.float64)
    same_as_torch(lambda m: m.cholesky_solve(m.ones(3, 1, dtype=m.float64), m.tensor(factor)))
