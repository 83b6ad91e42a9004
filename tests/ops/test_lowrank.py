"""``svd_lowrank`` and ``pca_lowrank`` against PyTorch 2.13. The random test matrices
differ between the libraries, so the tests compare what does not depend on them: the
low-rank reconstruction and the singular values of matrices whose rank is at most q,
their gradients where q is the full rank (below it they depend on the random matrix),
and finite differences with the seed fixed."""

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, check_gradcheck, check_torch, requires_torch

pytestmark = requires_torch


def low_rank(shape, rank, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    left = rng.uniform(-1, 1, shape[:-1] + (rank,))
    right = rng.uniform(-1, 1, shape[:-2] + (rank, shape[-1]))
    return (left @ right).astype(dtype)


def reconstruction(U, S, V):
    return (U * S.unsqueeze(-2)) @ V.mT


@pytest.mark.parametrize("shape", [(8, 5), (5, 8), (3, 7, 6)])
def test_svd_lowrank_of_a_low_rank_matrix_matches_pytorch(shape):
    def fn(lib, a):
        U, S, V = lib.svd_lowrank(a, q=4)
        assert U.shape == shape[:-1] + (4,) and V.shape == shape[:-2] + (shape[-1], 4)
        return S, reconstruction(U, S, V)

    check_torch(fn, None, arrays=[low_rank(shape, 3)], requires_grad=[False], atol=1e-4)


def test_svd_lowrank_approximates_a_minus_m():
    a, m = low_rank((6, 5), 2), np.random.default_rng(1).uniform(-1, 1, (1, 5)).astype(np.float32)

    def fn(lib, a, m):
        U, S, V = lib.svd_lowrank(a + m, q=3, niter=1, M=m)
        return S, reconstruction(U, S, V)

    check_torch(fn, None, arrays=[a, m], requires_grad=[False, False], atol=1e-4)


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("shape", [(9, 4), (4, 9), (2, 6, 5)])
def test_pca_lowrank_matches_pytorch(center, shape):
    def fn(lib, a):
        U, S, V = lib.pca_lowrank(a, center=center)
        return S, reconstruction(U, S, V)

    check_torch(fn, None, arrays=[low_rank(shape, 3)], requires_grad=[False], atol=1e-4)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (2, 5, 3)])
def test_svd_lowrank_of_full_rank_gives_the_svd_and_its_gradient(shape):
    def fn(lib, a):
        U, S, V = lib.svd_lowrank(a, q=min(shape[-2:]))
        return S, reconstruction(U, S, V)

    check_torch(fn, [shape], atol=1e-5, grad_atol=1e-4)


@pytest.mark.parametrize("center", [True, False])
def test_pca_lowrank_of_full_rank_gives_the_components_and_their_gradient(center):
    def fn(lib, a):
        U, S, V = lib.pca_lowrank(a, q=4, center=center)
        return S, reconstruction(U, S, V)

    check_torch(fn, [(9, 4)], atol=1e-5, grad_atol=1e-4)


@pytest.mark.parametrize("q, niter", [(2, 2), (3, 0), (4, 1)])
def test_svd_lowrank_gradient_agrees_with_finite_differences_for_a_fixed_seed(q, niter):
    def fn(lib, a):
        lib.manual_seed(0)
        U, S, V = lib.svd_lowrank(a, q=q, niter=niter)
        return S, reconstruction(U, S, V)

    check_gradcheck(fn, [(5, 4)])


def test_svd_lowrank_keeps_float64():
    U, S, V = chainrule.svd_lowrank(chainrule.tensor(low_rank((5, 4), 2, dtype=np.float64)), q=2)
    assert U.dtype == S.dtype == V.dtype == chainrule.float64


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.pca_lowrank(lib.ones(4, 3), q=4),
        lambda lib: lib.pca_lowrank(lib.ones(4, 3), q=-1),
        lambda lib: lib.pca_lowrank(lib.ones(4, 3), niter=-1),
        lambda lib: lib.pca_lowrank(lib.ones(4, 3, dtype=lib.int32)),
    ],
)
def test_pca_lowrank_raises_pytorchs_errors(call):
    assert_same_error(call)
