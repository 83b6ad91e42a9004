"""LU factorization against PyTorch 2.13: ``linalg.lu_factor`` / ``lu_factor_ex`` / ``lu`` /
``lu_solve``, ``lu_unpack`` and the legacy ``torch.lu`` / ``torch.lu_solve`` (values, 1-based
int32 pivots, gradients, float64 finite differences to second order, errors)."""

import warnings

import numpy as np
import pytest

import chainrule

from oracle import assert_equal, assert_same_error, check_gradcheck, check_torch, requires_torch, torch

pytestmark = requires_torch

SHAPES = [(3, 3), (2, 4, 4), (5, 3), (3, 5), (2, 1, 5, 3), (2, 3, 4)]


def well_conditioned(shape, seed=0, dtype=np.float32):
    """A random matrix plus 3 on its diagonal, so float32 gradients stay within 1e-4."""
    a = np.random.default_rng(seed).uniform(-1, 1, shape)
    k = min(shape[-2:])
    a[..., range(k), range(k)] += 3
    return a.astype(dtype)


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_gives_pytorchs_packed_lu_and_pivots(shape):
    a = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    ours, theirs = chainrule.linalg.lu_factor(chainrule.tensor(a)), torch.linalg.lu_factor(torch.tensor(a))
    assert type(ours).__name__ == "linalg_lu_factor"
    np.testing.assert_allclose(ours.LU.numpy(), theirs.LU.numpy(), rtol=1e-5, atol=1e-6)
    assert_equal(ours.pivots, theirs.pivots)


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_gradient_matches_pytorch(shape):
    check_torch(lambda lib, a: lib.linalg.lu_factor(a).LU, None, arrays=[well_conditioned(shape)])


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_gradient_agrees_with_finite_differences_to_second_order(shape):
    arrays = [well_conditioned(shape, dtype=np.float64)]
    check_gradcheck(lambda lib, a: lib.linalg.lu_factor(a).LU, None, arrays=arrays, second_order=True)


@pytest.mark.parametrize("shape", SHAPES)
def test_linalg_lu_gives_pytorchs_p_l_u_and_gradients(shape):
    def fn(lib, a):
        P, L, U = lib.linalg.lu(a)
        return P, L, U

    check_torch(fn, None, arrays=[well_conditioned(shape)])
    check_gradcheck(
        lambda lib, a: lib.linalg.lu(a)[1:], None, arrays=[well_conditioned(shape, dtype=np.float64)]
    )


def test_lu_factor_ex_reports_a_singular_matrix_in_info():
    def scenario(lib):
        a = lib.tensor([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]])
        return tuple(lib.linalg.lu_factor_ex(a))

    assert_equal(scenario(chainrule), scenario(torch))
    assert type(chainrule.linalg.lu_factor_ex(chainrule.eye(2))).__name__ == "linalg_lu_factor_ex"


def test_lu_factor_of_a_singular_matrix_raises_pytorchs_error():
    assert_same_error(
        lambda lib: lib.linalg.lu_factor(lib.tensor([[1.0, 2.0], [2.0, 4.0]])),
        "torch.linalg.lu_factor: U[2,2] is zero and using it on lu_solve would result in a division by zero.",
    )
    assert_same_error(
        lambda lib: lib.linalg.lu_factor(lib.zeros(2, 3, 3)), "(Batch element 0): U[1,1] is zero"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.linalg.lu_factor(lib.ones(3)),
        lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.int64)),
        lambda lib: lib.linalg.lu_factor(lib.eye(3), pivot=False),
        lambda lib: lib.linalg.lu(lib.eye(3), pivot=False),
    ],
)
def test_lu_factor_raises_pytorchs_errors_for_bad_input(call):
    assert_same_error(call)


def test_lu_factor_of_empty_matrices_matches_pytorch():
    for shape in [(0, 0), (2, 0, 3), (3, 0)]:
        ours, theirs = (
            chainrule.linalg.lu_factor_ex(chainrule.ones(shape)),
            torch.linalg.lu_factor_ex(torch.ones(shape)),
        )
        assert_equal(tuple(ours), tuple(theirs))


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_unpack_gives_pytorchs_p_l_u_and_gradient(shape):
    pivots = torch.linalg.lu_factor(torch.tensor(well_conditioned(shape))).pivots.numpy()

    def fn(lib, packed):
        return tuple(lib.lu_unpack(packed, lib.tensor(pivots)))

    check_torch(fn, None, arrays=[well_conditioned(shape)])


def test_lu_unpack_leaves_out_what_it_is_not_asked_for():
    def scenario(lib):
        LU, pivots = lib.linalg.lu_factor(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
        return tuple(lib.lu_unpack(LU, pivots, False, True)), tuple(lib.lu_unpack(LU, pivots, True, False))

    assert_equal(scenario(chainrule), scenario(torch))
    assert type(chainrule.lu_unpack(*chainrule.linalg.lu_factor(chainrule.eye(2)))).__name__ == "lu_unpack"


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("a_shape, b_shape", [((3, 3), (3, 2)), ((2, 4, 4), (4, 4)), ((4, 4), (3, 4, 4))])
def test_lu_solve_matches_pytorch_and_finite_differences(left, adjoint, a_shape, b_shape):
    if not left:
        b_shape = b_shape[:-2] + b_shape[:-3:-1]
    b = np.random.default_rng(2).uniform(-1, 1, b_shape)

    def fn(lib, a, b):
        LU, pivots = lib.linalg.lu_factor(a)
        return lib.linalg.lu_solve(LU, pivots, b, left=left, adjoint=adjoint)

    check_torch(fn, None, arrays=[well_conditioned(a_shape), b.astype(np.float32)])
    check_gradcheck(fn, None, arrays=[well_conditioned(a_shape, dtype=np.float64), b], second_order=True)


def test_lu_solve_gradient_reaches_the_packed_lu_as_in_pytorch():
    pivots = torch.linalg.lu_factor(torch.tensor(well_conditioned((2, 3, 3)))).pivots.numpy()
    check_torch(
        lambda lib, packed, b: lib.linalg.lu_solve(packed, lib.tensor(pivots), b, adjoint=True),
        None,
        arrays=[well_conditioned((2, 3, 3)), well_conditioned((3, 2), seed=3)],
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, LU, p: lib.linalg.lu_solve(LU, p, lib.ones(3)),
        lambda lib, LU, p: lib.linalg.lu_solve(LU, p, lib.ones(2, 2)),
        lambda lib, LU, p: lib.linalg.lu_solve(LU, p, lib.ones(3, 2), left=False),
        lambda lib, LU, p: lib.linalg.lu_solve(LU[:2], p[:2], lib.ones(2, 2)),
        lambda lib, LU, p: lib.linalg.lu_solve(LU, p.long(), lib.ones(3, 2)),
        lambda lib, LU, p: lib.linalg.lu_solve(LU, p, lib.ones(3, 2, dtype=lib.float64)),
    ],
)
def test_lu_solve_raises_pytorchs_errors(call):
    def scenario(lib):
        LU, pivots = lib.linalg.lu_factor(lib.tensor([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]]))
        return call(lib, LU, pivots)

    assert_same_error(scenario)


def test_legacy_lu_is_lu_factor_ex_that_warns_and_never_raises_for_singular_input():
    def scenario(lib):
        a = lib.tensor([[1.0, 2.0], [2.0, 4.0]])
        with pytest.warns(UserWarning, match="torch.lu is deprecated"):
            packed = lib.lu(a)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return packed, tuple(lib.lu(a, get_infos=True)), a.lu(), tuple(a.lu(True, True))

    ours, theirs = scenario(chainrule), scenario(torch)
    assert_equal(ours, theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert type(chainrule.lu(chainrule.eye(2), get_infos=True)).__name__ == "_lu_with_info"


def test_legacy_lu_solve_takes_b_first_and_warns():
    a = well_conditioned((2, 3, 3))
    b = np.random.default_rng(4).uniform(-1, 1, (2, 3, 2)).astype(np.float32)

    def fn(lib, a, b):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            LU, pivots = lib.lu(a)
            return lib.lu_solve(b, LU, pivots), b.lu_solve(LU, pivots)

    check_torch(fn, None, arrays=[a, b])
    with pytest.warns(UserWarning, match="torch.lu_solve is deprecated"):
        chainrule.lu_solve(chainrule.ones(2, 1), *chainrule.linalg.lu_factor(chainrule.eye(2)))
