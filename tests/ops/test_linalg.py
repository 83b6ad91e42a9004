"""Linear algebra against PyTorch: products, einsum, norms, inverses and determinants,
factorizations, distances and covariance."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule

from oracle import (
    assert_same_error,
    check,
    check_gradcheck,
    check_torch,
    raises_like_torch,
    requires_torch,
    run_both,
    same_as_torch,
    torch,
)

SETTINGS = settings(max_examples=15, deadline=None)
INF = float("inf")


# --- matmul and its special cases ------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ((3,), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((2, 3), (3, 4)),
        ((2, 2, 3), (3,)),
        ((3,), (2, 3, 4)),
        ((2, 2, 3), (3, 4)),
        ((2, 3), (5, 3, 4)),
        ((5, 2, 3), (5, 3, 4)),
        ((2, 1, 2, 3), (3, 3, 2)),
        ((1, 2, 3), (4, 3, 2)),
    ],
)
def test_matmul_of_every_rank_combination_matches_pytorch(a, b):
    check(lambda m, x, y: m.matmul(x, y), [a, b])


@requires_torch
@pytest.mark.parametrize(
    "a, b", [((2, 3, 0), (0, 4)), ((2, 3, 5), (5, 0)), ((0, 3, 5), (5, 2)), ((3, 0), (0, 2))]
)
def test_matmul_with_an_empty_dim_gives_pytorchs_empty_or_zero_gradients(a, b):
    check_torch(lambda m, x, y: m.matmul(x, y), [a, b])


def test_matmul_operator_and_reflected_form():
    check(lambda m, x, y: x @ y, [(2, 3), (3, 2)])
    check(lambda m, x, y: x.matmul(y) + x.__rmatmul__(y), [(2, 2), (2, 2)])


def test_gradient_of_a_broadcast_batch_is_summed_over_the_batch():
    x = chainrule.ones(4, 2, 3)
    w = chainrule.ones(3, 5, requires_grad=True)
    (x @ w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 5), 8.0, np.float32))


def test_mm_bmm_mv_dot_outer_inner_match_pytorch():
    check(lambda m, x, y: m.mm(x, y), [(2, 3), (3, 4)])
    check(lambda m, x, y: x.bmm(y), [(2, 2, 3), (2, 3, 4)])
    check(lambda m, x, y: m.mv(x, y), [(2, 3), (3,)])
    check(lambda m, x, y: x.dot(y), [(3,), (3,)])
    check(lambda m, x, y: m.outer(x, y), [(3,), (4,)])
    check(lambda m, x, y: m.inner(x, y), [(2, 3), (4, 3)])
    check(lambda m, x, y: m.inner(x, y), [(3,), (3,)])


def test_outer_promotes_dtypes_as_pytorch():
    theirs, ours = run_both(lambda m: m.outer(m.tensor([1, 2]), m.tensor([0.5, 1.0])))
    assert ours.dtype == chainrule.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_integer_matmul_stays_integer():
    theirs, ours = run_both(lambda m: m.arange(6).reshape(2, 3) @ m.arange(3))
    assert ours.dtype == chainrule.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.ones(2, 3) @ m.ones(4, 5), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
        (lambda m: m.ones(4) @ m.ones(2, 3), "mat1 and mat2 shapes cannot be multiplied (1x4 and 2x3)"),
        (lambda m: m.ones(2, 2, 3) @ m.ones(2, 4), "cannot be multiplied (4x3 and 2x4)"),
        (lambda m: m.ones(2, 3) @ m.ones(4), "size mismatch, got input (2), mat (2x3), vec (4)"),
        (lambda m: m.ones(2, 2, 3) @ m.ones(4), "size mismatch, got input (4), mat (4x3), vec (4)"),
        (lambda m: m.ones(3) @ m.ones(4), "inconsistent tensor size, expected tensor [3] and src [4]"),
        (lambda m: m.ones(4) @ m.ones(2, 3, 5), "batch2 tensor to be: [2, 4] but got: [2, 3]."),
        (
            lambda m: m.ones(2, 2, 3) @ m.ones(3, 4, 5),
            "size of tensor a (2) must match the size of tensor b (3)",
        ),
        (lambda m: m.ones(2, 3) @ m.ones(3, 2).double(), "expected m1 and m2 to have the same dtype"),
        (lambda m: m.ones(2, 3) @ m.ones(3, 2, dtype=m.int64), "float != long int"),
        (lambda m: m.tensor(1.0) @ m.ones(2), "both arguments to matmul need to be at least 1D"),
        (lambda m: m.mm(m.ones(2, 3), m.ones(3)), "mat2 must be a matrix"),
        (lambda m: m.mm(m.ones(3), m.ones(3, 3)), "self must be a matrix"),
        (lambda m: m.mm(m.ones(2, 3).double(), m.ones(3, 2)), "double != float"),
        (lambda m: m.bmm(m.ones(2, 3), m.ones(2, 3, 4)), "batch1 must be a 3D tensor"),
        (lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 5)), "to be: [2, 3] but got: [3, 3]."),
        (lambda m: m.mv(m.ones(2, 3), m.ones(4)), "size mismatch, got input (2), mat (2x3), vec (4)"),
        (lambda m: m.mv(m.ones(2, 3), m.ones(2, 3)), "vector + matrix @ vector expected, got 1, 2, 2"),
        (lambda m: m.dot(m.ones(2, 3), m.ones(3)), "1D tensors expected, but got 2D and 1D tensors"),
        (lambda m: m.dot(m.ones(3), m.ones(3).double()), "found Float and Double"),
        (lambda m: m.outer(m.ones(2, 3), m.ones(3)), "outer: Expected 1-D argument self, but got 2-D"),
    ],
)
def test_bad_products_raise_pytorchs_exception_and_message(fn, message):
    assert_same_error(fn, message)


# --- einsum --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "equation, shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("ij,jk", [(2, 3), (3, 4)]),
        ("ij->ji", [(2, 3)]),
        ("ij->", [(2, 3)]),
        ("ij->j", [(2, 3)]),
        ("i,j->ij", [(3,), (2,)]),
        ("i,i->", [(3,), (3,)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("bij,bjk->bik", [(2, 2, 3), (1, 3, 2)]),
        ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]),
        ("...ij,...jk", [(5, 2, 3), (1, 3, 2)]),
        ("i...->...", [(2, 3, 4)]),
        ("ii->i", [(3, 3)]),
        ("ii->", [(3, 3)]),
        ("ii", [(3, 3)]),
        ("iij->j", [(3, 3, 2)]),
        ("iji->ij", [(3, 2, 3)]),
        ("ii,i->i", [(3, 3), (3,)]),
        ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]),
        ("ik,jk->ijk", [(2, 3), (4, 3)]),
        (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    ],
)
def test_einsum_matches_pytorch_and_finite_differences(equation, shapes):
    check(lambda m, *xs: m.einsum(equation, *xs), shapes)


def test_einsum_gradient_of_a_repeated_subscript_lives_on_the_diagonal():
    x = chainrule.ones(3, 3, requires_grad=True)
    chainrule.einsum("ii->", x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3, dtype=np.float32))


def test_einsum_takes_a_list_of_operands_and_the_sublist_form():
    check(lambda m, a, b: m.einsum("ij,jk->ik", [a, b]), [(2, 3), (3, 4)])
    check(lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), [(2, 3), (3, 4)])
    check(lambda m, a: m.einsum(a, [Ellipsis, 0], [0, Ellipsis]), [(2, 3)])


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.einsum("ij,jk", m.ones(2, 3), m.ones(4, 4)), "subscript j has size 4 for operand 1"),
        (lambda m: m.einsum("ii->i", m.ones(3, 4)), "subscript i is repeated for operand 0"),
        (lambda m: m.einsum("ij->ii", m.ones(3, 3)), "output subscript i appears more than once"),
        (lambda m: m.einsum("ij->k", m.ones(3, 3)), "output subscript k does not appear"),
        (lambda m: m.einsum("ij,jk->ik", m.ones(2, 3)), "fewer operands were provided"),
        (lambda m: m.einsum("ij", m.ones(3)), "number of subscripts in the equation (2)"),
        (lambda m: m.einsum("ij,jk", m.ones(2, 3), m.ones(3, 4).double()), "Float"),
    ],
)
def test_bad_einsum_equations_raise_pytorchs_exception(fn, message):
    theirs, ours = run_both(fn)
    assert type(ours) is type(theirs)
    if message != "Float":
        assert message in str(ours)


# --- norms ----------------------------------------------------------------------------------------------

VECTOR_ORDS = [2, 1, INF, -INF, 3, 0.5, -1, -2, 1.5]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm_matches_pytorch_for_every_order(ord, dim, keepdim):
    check(lambda m, x: m.linalg.vector_norm(x, ord, dim, keepdim), [(2, 3, 4)], away_from=0.0)


def test_vector_norm_of_order_zero_counts_nonzeros_and_has_zero_gradient():
    check(lambda m, x: m.linalg.vector_norm(x * (x > 0), 0, 1), [(2, 3)], away_from=0.0)


@pytest.mark.parametrize("ord", [2, 1, INF, 3, 0.5, -1])
def test_norm_gradient_at_zero_is_pytorchs_not_nan(ord):
    check_torch(lambda m, x: m.linalg.vector_norm(x * 0, ord, 1), [(2, 3)])


def test_inf_norm_shares_the_gradient_between_tied_maxima():
    check_torch(lambda m, x: m.linalg.vector_norm(x.abs().round(), INF, 1), [(3, 4)], low=-3, high=3)


@pytest.mark.parametrize("ord", ["fro", 1, -1, INF, -INF])
@pytest.mark.parametrize("dim, keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm_matches_pytorch(ord, dim, keepdim):
    check(lambda m, x: m.linalg.matrix_norm(x, ord, dim, keepdim), [(2, 3, 4)])


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
@pytest.mark.parametrize("dim, keepdim", [((-2, -1), False), ((2, 0), True)])
def test_singular_value_norms_match_pytorch_to_second_order(ord, dim, keepdim):
    check(lambda m, x: m.linalg.matrix_norm(x, ord, dim, keepdim), [(2, 3, 4)])


@requires_torch
def test_the_hessian_of_a_nuclear_norm_of_a_computed_matrix_is_pytorchs():
    """svdvals went through a once-differentiable node whose input, not being a leaf,
    let a second derivative through as if its local derivative were constant."""

    def hessian_row(m):
        x = m.tensor([[2.0, 0.5], [0.3, 1.5]], dtype=m.float64, requires_grad=True)
        (grad,) = m.autograd.grad(m.linalg.matrix_norm(m.linalg.inv(x), "nuc"), x, create_graph=True)
        grad.sum().backward()
        return x.grad.numpy()

    np.testing.assert_allclose(hessian_row(chainrule), hessian_row(torch), rtol=1e-10)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.linalg.norm(x),
        lambda m, x: m.linalg.norm(x, keepdim=True),
        lambda m, x: m.linalg.norm(x, dim=1),
        lambda m, x: m.linalg.norm(x, 3, dim=-1),
        lambda m, x: m.linalg.norm(x, INF, dim=(0, 2)),
        lambda m, x: m.linalg.norm(x, "fro", dim=(1, 2), keepdim=True),
        lambda m, x: m.linalg.norm(x[0]),
        lambda m, x: m.linalg.norm(x[0], 1),
        lambda m, x: m.linalg.norm(x[0], -INF),
        lambda m, x: m.linalg.norm(x[0], "fro"),
        lambda m, x: m.linalg.norm(x[0, 0], 0),
        lambda m, x: m.linalg.norm(x[0, 0], 1),
        lambda m, x: m.linalg.norm(x[0, 0], INF),
        lambda m, x: m.linalg.norm(x, dtype=m.float64),
    ],
)
def test_linalg_norm_picks_the_vector_or_matrix_norm_as_pytorch(fn):
    check(fn, [(2, 3, 4)], away_from=0.0)


def test_spectral_and_nuclear_norm_of_a_matrix_through_linalg_norm():
    def norms(m, x):
        return m.linalg.norm(x, 2), m.linalg.norm(x, "nuc"), m.linalg.norm(x, -2)

    check(norms, [(3, 4)], second_order=False)


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.linalg.norm(m.ones(2, 3, 4), 2), "the input must be 1D or 2D. Got 3D."),
        (lambda m: m.linalg.norm(m.ones(2, 3, 4), dim=(0, 1, 2)), "it must be of length 1 or 2"),
        (lambda m: m.linalg.norm(m.ones(2, 3), 0), "Order 0 not supported."),
        (lambda m: m.linalg.norm(m.ones(3), "fro"), "must have at least 2 dimensions"),
        (lambda m: m.linalg.norm(m.ones(3, dtype=m.int64)), "Expected a floating point"),
        (lambda m: m.linalg.vector_norm(m.ones(3), "fro"), "must be Number, not str"),
        (lambda m: m.linalg.vector_norm(m.zeros(0, 3), INF), "cannot compute the inf norm on an empty"),
        (lambda m: m.linalg.matrix_norm(m.ones(3)), "must have at least 2 dimensions"),
        (lambda m: m.linalg.matrix_norm(m.ones(2, 3), dim=(1, 1)), "dims must be different"),
        (lambda m: m.linalg.matrix_norm(m.ones(2, 3), dim=(1,)), "dim must be a 2-tuple"),
        (lambda m: m.linalg.matrix_norm(m.ones(2, 3), 3), "Order 3 not supported."),
    ],
)
def test_bad_norm_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.linalg.vector_norm(m.zeros(0, 3), INF, dim=1),
        lambda m: m.linalg.vector_norm(m.zeros(0, 3)),
        lambda m: m.linalg.vector_norm(m.tensor(-3.0), dim=0),
        lambda m: m.linalg.vector_norm(m.ones(2, 3), 2, dim=()),
        lambda m: m.linalg.vector_norm(m.tensor([0.0, 3.0, 0.0]), -1),
    ],
)
def test_norm_edge_cases_match_pytorch(fn):
    theirs, ours = run_both(fn)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


# --- hypothesis ------------------------------------------------------------------------------------------


@requires_torch
@SETTINGS
@given(
    batch_a=st.lists(st.sampled_from([1, 2]), max_size=2),
    batch_b=st.lists(st.sampled_from([1, 2]), max_size=2),
    n=st.integers(1, 3),
    k=st.integers(1, 3),
    p=st.integers(1, 3),
    a_vector=st.booleans(),
    b_vector=st.booleans(),
)
def test_random_matmul_shapes_match_pytorch(batch_a, batch_b, n, k, p, a_vector, b_vector):
    a = (k,) if a_vector else (*batch_a, n, k)
    b = (k,) if b_vector else (*batch_b, k, p)
    check_torch(lambda m, x, y: x @ y, [a, b])


@requires_torch
@SETTINGS
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple), ord=st.sampled_from(VECTOR_ORDS))
def test_random_vector_norms_match_pytorch(shape, ord):
    check_torch(lambda m, x: m.linalg.vector_norm(x, ord), [shape], away_from=0.0)


# --- bool operands, out= ---------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "fn, kernel",
    [
        (lambda m, a, v: a @ a, "addmm_impl_cpu_"),
        (lambda m, a, v: a @ v, "addmv_impl_cpu"),
        (lambda m, a, v: v @ a, "addmm_impl_cpu_"),
        (lambda m, a, v: v @ v, "dot"),
        (lambda m, a, v: a[None] @ a[None], "bmm"),
        (lambda m, a, v: m.mm(a, a), "addmm_impl_cpu_"),
        (lambda m, a, v: m.mv(a, v), "addmv_impl_cpu"),
        (lambda m, a, v: m.dot(v, v), "dot"),
        (lambda m, a, v: m.bmm(a[None], a[None]), "bmm"),
    ],
)
def test_products_of_bool_tensors_raise_like_pytorch(fn, kernel):
    for lib in (torch, chainrule):
        a, v = lib.tensor([[True, False], [True, True]]), lib.tensor([True, False])
        with pytest.raises(NotImplementedError, match=f"\"{kernel}\" not implemented for 'Bool'"):
            fn(lib, a, v)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a, b: m.matmul(a, b.T, out=m.empty(0)),
        lambda m, a, b: m.mm(a, b.T, out=m.empty(2, 2)),
        lambda m, a, b: m.bmm(a[None], b.T[None], out=m.empty(1, 2, 2)),
        lambda m, a, b: m.mv(a, b[0], out=m.empty(2)),
        lambda m, a, b: m.dot(a[0], b[1], out=m.empty(())),
        lambda m, a, b: m.outer(a[0], b[1], out=m.empty(0, dtype=m.float64)),
        lambda m, a, b: m.inner(a, b, out=m.empty(2, 2)),
    ],
)
def test_matrix_products_write_into_out_as_pytorch(fn):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    theirs, ours = (
        fn(torch, torch.tensor(a), torch.tensor(b)),
        fn(chainrule, chainrule.tensor(a), chainrule.tensor(b)),
    )
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@requires_torch
def test_dot_and_vdot_take_pytorchs_keywords():
    same_as_torch(
        lambda lib: (
            lib.dot(input=lib.tensor([1.0, 2.0]), tensor=lib.tensor([3.0, 4.0])),
            lib.vdot(lib.tensor([1.0, 2.0]), other=lib.tensor([3.0, 4.0])),
        )
    )


# --- square matrices: inverse, determinants, powers, Cholesky --------------------------------------


def _shifted(m, x):
    """x + 4 I: random entries in [-2, 2) made well-conditioned (batches included)."""
    return x + 4 * m.eye(x.shape[-1])


def _spd(m, x):
    """x x^T + I: symmetric positive-definite, for Cholesky."""
    return x @ x.mT + m.eye(x.shape[-1])


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (1, 1)])
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.inverse(_shifted(m, x)),
        lambda m, x: _shifted(m, x).inverse(),
        lambda m, x: m.linalg.inv(_shifted(m, x)),
        lambda m, x: m.det(_shifted(m, x)),
        lambda m, x: _shifted(m, x).det(),
        lambda m, x: m.linalg.det(x - 4 * m.eye(x.shape[-1])),
        lambda m, x: tuple(m.slogdet(x - 4 * m.eye(x.shape[-1]))),
        lambda m, x: _shifted(m, x).logdet(),
        lambda m, x: m.cholesky(_spd(m, x)),
        lambda m, x: _spd(m, x).cholesky(upper=True),
    ],
)
@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
def test_inverse_determinants_and_cholesky_match_pytorch_to_second_order(fn, shape):
    check(fn, [shape])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power_matches_pytorch(n):
    check(lambda m, x: m.matrix_power(_shifted(m, x) / 4, n), [(2, 3, 3)])
    check(lambda m, x: (_shifted(m, x) / 4).matrix_power(n), [(3, 3)])
    check(lambda m, x: m.linalg.matrix_power(_shifted(m, x) / 4, n), [(3, 3)])


@requires_torch
def test_matrix_power_of_integers_and_named_results_match_pytorch():
    same_as_torch(lambda m: m.matrix_power(m.tensor([[1, 1], [0, 1]]), 3))
    same_as_torch(lambda m: m.matrix_power(m.tensor([[1, 1], [0, 1]]), 0))
    theirs, ours = run_both(lambda m: m.slogdet(m.tensor([[0.0, 2.0], [3.0, 0.0]])))
    assert ours._fields == ("sign", "logabsdet") and len(theirs) == 2
    assert ours.sign.item() == theirs.sign.item() == -1.0
    assert ours.logabsdet.item() == pytest.approx(theirs.logabsdet.item())
    assert repr(ours).startswith("chainrule.return_types.slogdet(\nsign=tensor(-1.),")
    same_as_torch(lambda m: (m.logdet(m.tensor([[0.0, 1.0], [1.0, 0.0]])), m.logdet(m.zeros(2, 2))))
    same_as_torch(lambda m: tuple(m.slogdet(m.zeros(2, 2))))


@requires_torch
@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
@pytest.mark.parametrize(
    "fn, message",
    [
        (
            lambda m: m.det(m.ones(2, 3)),
            "linalg.det: A must be batches of square matrices, but they are 2 by 3",
        ),
        (lambda m: m.det(m.ones(3)), "linalg.det: The input tensor A must have at least 2 dimensions."),
        (lambda m: m.det(m.ones(2, 2, dtype=m.int64)), "Expected a floating point or complex tensor"),
        (lambda m: m.inverse(m.ones(2, 3)), "linalg.inv: A must be batches of square matrices"),
        (lambda m: m.slogdet(m.ones(3, 2)), "linalg.slogdet: A must be batches of square matrices"),
        (lambda m: m.logdet(m.ones(3)), "at least 2 dimensions"),
        (lambda m: m.matrix_power(m.ones(2, 3), 2), "linalg.matrix_power: A must be batches of square"),
        (lambda m: m.matrix_power(m.ones(2, 2, dtype=m.int64), -1), "Got Long"),
        (lambda m: m.cholesky(m.ones(2, 3)), "cholesky: A must be batches of square matrices"),
    ],
)
def test_bad_square_matrix_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


@requires_torch
@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.inverse(m.ones(2, 2)),
        lambda m: m.inverse(m.stack([m.eye(3), m.ones(3, 3)])),
        lambda m: m.linalg.inv(m.zeros(1, 1)),
        lambda m: m.matrix_power(m.ones(2, 2), -1),
        lambda m: m.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
        lambda m: m.cholesky(m.stack([m.eye(2), -m.eye(2)])),
    ],
)
def test_singular_and_indefinite_matrices_raise_linalg_error_with_pytorchs_message(fn):
    theirs, ours = run_both(fn)
    assert isinstance(theirs, torch.linalg.LinAlgError)
    assert isinstance(ours, chainrule.linalg.LinAlgError) and isinstance(ours, RuntimeError)
    assert str(ours) == str(theirs)


def test_cholesky_warns_as_pytorch_that_it_is_deprecated():
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        chainrule.cholesky(chainrule.eye(2))


# --- traces and fused multiply-adds --------------------------------------------------------------


def test_trace_matches_pytorch():
    check(lambda m, x: m.trace(x), [(3, 4)])
    check(lambda m, x: x.trace(), [(3, 3)])
    same_as_torch(lambda m: m.arange(6, dtype=m.int32).reshape(2, 3).trace())
    assert_same_error(
        lambda m: m.trace(m.ones(2, 3, 4)), "trace: expected a matrix, but got tensor with dim 3"
    )


@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, -2.0), (0, 3), (2, 0)])
def test_fused_multiply_adds_match_pytorch(beta, alpha):
    kw = {"beta": beta, "alpha": alpha}
    check(lambda m, c, a, b: m.addmm(c, a, b, **kw), [(2, 4), (2, 3), (3, 4)])
    check(lambda m, c, a, b: c.addmm(a, b, **kw), [(4,), (2, 3), (3, 4)])
    check(lambda m, c, a, b: m.addmv(c, a, b, **kw), [(2,), (2, 3), (3,)])
    check(lambda m, c, a, b: c.addmv(a, b, **kw), [(1,), (2, 3), (3,)])
    check(lambda m, c, a, b: m.addr(c, a, b, **kw), [(2, 3), (2,), (3,)])
    check(lambda m, c, a, b: c.addr(a, b, **kw), [(1, 3), (2,), (3,)])
    check(lambda m, c, a, b: m.baddbmm(c, a, b, **kw), [(2, 2, 4), (2, 2, 3), (2, 3, 4)])
    check(lambda m, c, a, b: c.baddbmm(a, b, **kw), [(2, 4), (2, 2, 3), (2, 3, 4)])
    check(lambda m, c, a, b: m.addbmm(c, a, b, **kw), [(2, 4), (3, 2, 3), (3, 3, 4)])
    check(lambda m, c, a, b: c.addbmm(a, b, **kw), [(4,), (3, 2, 3), (3, 3, 4)])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, nan: m.addmm(nan.expand(2, 2), m.ones(2, 3), m.ones(3, 2), beta=0),
        lambda m, nan: m.addmv(nan.expand(2), m.ones(2, 3), m.ones(3), beta=0, alpha=2),
        lambda m, nan: m.addr(nan.expand(2, 3), m.ones(2), m.ones(3), beta=0),
        lambda m, nan: m.baddbmm(nan.expand(2, 2), m.ones(4, 2, 3), m.ones(4, 3, 2), beta=0),
        lambda m, nan: m.addbmm(nan.expand(2, 2), m.ones(4, 2, 3), m.ones(4, 3, 2), beta=0),
    ],
)
def test_beta_zero_ignores_nan_in_input_and_gives_it_a_zero_gradient(fn):
    def scenario(m):
        nan = m.tensor(float("nan"), requires_grad=True)
        out = fn(m, nan)
        out.sum().backward()
        return out.detach(), nan.grad

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.addmm(m.ones(3, 2), m.ones(2, 2), m.ones(2, 2)), "The expanded size of the tensor (2)"),
        (lambda m: m.addmm(m.ones(2), m.ones(2, 2), m.ones(2)), "mat2 must be a matrix, got 1-D tensor"),
        (lambda m: m.addmm(m.ones(2), m.ones(2), m.ones(2, 2)), "mat1 must be a matrix, got 1-D tensor"),
        (lambda m: m.addmm(m.ones(2), m.ones(2, 4), m.ones(3, 4)), "cannot be multiplied (2x4 and 3x4)"),
        (lambda m: m.addmv(m.ones(3), m.ones(2, 2), m.ones(2)), "size mismatch, got input (3), mat (2x2)"),
        (lambda m: m.addmv(m.ones(2), m.ones(2, 2), m.ones(3)), "size mismatch, got input (2), mat (2x2)"),
        (lambda m: m.addr(m.ones(3), m.ones(2), m.ones(2)), "The expanded size of the tensor (2)"),
        (lambda m: m.addr(m.ones(2, 2), m.ones(2, 2), m.ones(2)), "addr: Expected 1-D argument vec1"),
        (lambda m: m.baddbmm(m.ones(3, 2, 2), m.ones(2, 2, 2), m.ones(2, 2, 2)), "expanded size"),
        (lambda m: m.baddbmm(m.ones(2, 2), m.ones(2, 2), m.ones(2, 2, 2)), "batch1 must be a 3D tensor"),
        (lambda m: m.addbmm(m.ones(3, 2), m.ones(2, 2, 2), m.ones(2, 2, 2)), "expanded size"),
        (lambda m: m.addbmm(m.ones(2, 2), m.ones(2, 2, 3), m.ones(3, 3, 2)), "to be: [2, 3] but got: [3, 3]"),
    ],
)
def test_bad_multiply_add_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


# --- products of several tensors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "shapes, dims",
    [
        ([(2, 3, 4), (3, 4, 5)], 2),
        ([(2, 3), (3, 4)], 1),
        ([(2, 3), (4, 5)], 0),
        ([(2, 3, 4), (4, 2, 5)], ([2, 0], [0, 1])),
        ([(2, 3), (4, 3)], ([1], [1])),
        ([(2, 3), (3, 2)], ([-1, 0], [0, -1])),
    ],
)
def test_tensordot_matches_pytorch(shapes, dims):
    check(lambda m, a, b: m.tensordot(a, b, dims=dims), shapes)


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 2)], [(2,), (3,)], [(2, 3), (3,)], [(2, 1, 2), (3, 2)]])
def test_kron_matches_pytorch(shapes):
    check(lambda m, a, b: m.kron(a, b), shapes)
    check(lambda m, a, b: a.kron(b), shapes)


@pytest.mark.filterwarnings("ignore:torch.chain_matmul is deprecated")
def test_chain_matmul_matches_pytorch():
    check(lambda m, a, b, c: m.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 2)])
    check(lambda m, a: m.chain_matmul(a), [(2, 3)])


@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda m, a, b: m.cross(a, b), [(3,), (3,)]),
        (lambda m, a, b: m.cross(a, b), [(2, 3, 4), (2, 3, 4)]),
        (lambda m, a, b: m.cross(a, b), [(2, 3), (1, 3)]),
        (lambda m, a, b: a.cross(b, dim=-1), [(4, 3), (4, 3)]),
        (lambda m, a, b: m.cross(a, b, 0), [(3, 3), (3, 1)]),
        (lambda m, a, b: m.linalg.cross(a, b), [(3, 3), (3, 3)]),
        (lambda m, a, b: m.linalg.cross(a, b, dim=0), [(3, 2), (3, 1)]),
    ],
)
def test_cross_matches_pytorch_and_defaults_to_the_first_dim_of_size_3(fn, shapes):
    check(fn, shapes)


def test_cross_without_dim_warns_as_pytorch():
    with pytest.warns(UserWarning, match="Using torch.cross without specifying the dim arg is deprecated"):
        chainrule.cross(chainrule.ones(3), chainrule.ones(3))


@requires_torch
@pytest.mark.filterwarnings("ignore:torch.chain_matmul is deprecated")
@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 3), dims=([1], [0])), "first has size 3 in dim 1"),
        (lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 3), dims=3), "expects dims < ndim_a or ndim_b"),
        (lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 3), dims=-1), "expects dims >= 0, but got dims=-1"),
        (lambda m: m.tensordot(m.ones(2, 3), m.ones(3), dims=([0, 1], [0])), "same length"),
        (lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 3), dims=(1, 1)), "must be tuple of ints, not int"),
        (lambda m: m.chain_matmul(), "chain_matmul(): Expected one or more matrices"),
        (lambda m: m.chain_matmul(m.ones(2, 3), m.ones(3)), "Tensor dimension is 1, expected 2 instead."),
        (lambda m: m.chain_matmul(m.ones(2, 3), m.ones(4, 2)), "cannot be multiplied (2x3 and 4x2)"),
        (lambda m: m.cross(m.ones(4, 2), m.ones(4, 2)), "no dimension of size 3 in input"),
        (lambda m: m.cross(m.ones(3, 2), m.ones(1, 2)), "dimension 0 must have length 3. Got 3 and 1"),
        (lambda m: m.cross(m.ones(3, 3), m.ones(3)), "must have the same number of dimensions. Got 2 and 1"),
        (lambda m: m.cross(m.ones(2, 3), m.ones(4, 3), dim=1), "size of tensor a (2) must match"),
        (
            lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2)),
            "dimension -1 must have length 3. Got 2 and 2",
        ),
    ],
)
def test_bad_product_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


# --- distances and covariance ----------------------------------------------------------------------


@pytest.mark.parametrize("p", [2, 1, 3, INF, 0.5])
def test_dist_cdist_pdist_match_pytorch(p):
    check(lambda m, a, b: m.dist(a, b, p), [(2, 3), (3,)])
    check(lambda m, a, b: a.dist(b, p=p), [(4,), (4,)])
    check(lambda m, a, b: m.cdist(a, b, p), [(4, 3), (5, 3)])
    check(lambda m, a, b: m.cdist(a, b, p, "donot_use_mm_for_euclid_dist"), [(2, 1, 4, 3), (3, 5, 3)])
    check(lambda m, a: m.pdist(a, p), [(4, 3)])


def test_distance_gradients_at_zero_distance_match_pytorch():
    check_torch(lambda m, a: m.cdist(a, a), [(3, 2)])
    check_torch(lambda m, a: m.pdist(m.cat([a, a])), [(2, 2)])


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.dist(m.ones(2, 3), m.ones(4, 3)), "size of tensor a (2) must match"),
        (lambda m: m.cdist(m.ones(3), m.ones(4, 3)), "cdist only supports at least 2D tensors, X1 got: 1D"),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(4, 2)), "same number of columns. X1: 3 X2: 2"),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3), p=-1), "cdist only supports non-negative p values"),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3), compute_mode="x"), "x is not a valid value"),
        (lambda m: m.cdist(m.ones(2, 3, dtype=m.int64), m.ones(4, 3, dtype=m.int64)), "X1 got: Long"),
        (lambda m: m.pdist(m.ones(2, 3, 2)), "pdist only supports 2D tensors, got: 3D"),
        (lambda m: m.pdist(m.ones(2, 3), p=-1), "pdist only supports non-negative p values"),
    ],
)
def test_bad_distance_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


@pytest.mark.parametrize("correction", [1, 0, 2])
def test_cov_and_corrcoef_match_pytorch(correction):
    check(lambda m, x: m.cov(x, correction=correction), [(3, 5)])
    check(lambda m, x: x.cov(correction=correction), [(5,)])
    check(lambda m, x: m.corrcoef(x), [(3, 5)])
    check(lambda m, x: x.corrcoef(), [(5,)])


@pytest.mark.parametrize("correction", [1, 0, 3])
def test_weighted_cov_matches_pytorch(correction):
    fweights = np.array([1, 2, 0, 3, 1])
    aweights = np.array([0.5, 1.0, 2.0, 0.25, 1.5])

    def cov(m, x, a):
        return (
            m.cov(x, correction=correction, fweights=m.tensor(fweights)),
            m.cov(x, correction=correction, aweights=a),
            m.cov(x, correction=correction, fweights=m.tensor(fweights), aweights=a),
        )

    check(cov, [(2, 5), aweights.astype(np.float32)])


@requires_torch
def test_cov_of_integers_and_of_too_few_observations_match_pytorch():
    same_as_torch(lambda m: (m.cov(m.arange(6).reshape(2, 3)), m.corrcoef(m.arange(6).reshape(2, 3))))
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        same_as_torch(lambda m: (m.cov(m.ones(1)), m.corrcoef(m.tensor([1.0, 2.0, 4.0]))))


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.cov(m.ones(2, 3, 4)), "expected input to have two or fewer dimensions"),
        (lambda m: m.cov(m.ones(2, 3), fweights=m.ones(1, 3, dtype=m.int64)), "fweights with 2 dimensions"),
        (lambda m: m.cov(m.ones(2, 3), fweights=m.ones(3)), "fweights to have integral dtype"),
        (lambda m: m.cov(m.ones(2, 3), fweights=m.ones(4, dtype=m.int64)), "numel as there are observations"),
        (lambda m: m.cov(m.ones(2, 3), fweights=-m.ones(3, dtype=m.int64)), "fweights cannot be negative"),
        (lambda m: m.cov(m.ones(2, 3), aweights=m.ones(3, dtype=m.int64)), "aweights to have floating point"),
        (lambda m: m.cov(m.ones(2, 3), aweights=-m.ones(3)), "aweights cannot be negative"),
    ],
)
def test_bad_cov_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


# --- matrix exponential and factorizations -----------------------------------------------------


@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2), (1, 1)])
def test_matrix_exp_matches_pytorch_to_second_order(shape):
    check(lambda m, x: m.matrix_exp(x / 2), [shape])
    check(lambda m, x: (x / 2).matrix_exp(), [shape])


def _without_signs(result):
    """Each singular vector is determined up to its sign: compare absolute values."""
    return tuple(t.abs() for t in result)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 2, 4), (1, 3)])
def test_svd_matches_pytorch_to_second_order(shape):
    check(lambda m, x: _without_signs(m.svd(x)), [shape])
    check(lambda m, x: _without_signs(x.svd()), [shape])


def test_svd_reconstructs_its_input_and_returns_v_not_its_transpose():
    check(lambda m, x: (lambda r: r.U @ m.diag_embed(r.S) @ r.V.mT)(m.svd(x)), [(4, 3)])


@pytest.mark.parametrize("shape", [(4, 2), (2, 4)])
def test_full_svd_matches_pytorch_and_ignores_the_extra_columns_in_backward(shape):
    check_torch(lambda m, x: _without_signs(m.svd(x, some=False)), [shape])
    k = min(shape)
    check(lambda m, x: (lambda r: (r.U[:, :k].abs(), r.S, r.V[:, :k].abs()))(x.svd(some=False)), [shape])


@requires_torch
def test_svd_without_uv_returns_zeros_for_them_as_pytorch():
    check(lambda m, x: m.svd(x, compute_uv=False).S, [(2, 4, 3)], second_order=False)
    same_as_torch(lambda m: tuple(m.svd(m.tensor([[3.0, 0.0, 1.0], [0.0, -4.0, 2.0]]), compute_uv=False)))


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
@requires_torch
def test_svd_and_qr_return_pytorchs_named_tuples():
    a = np.arange(6, dtype=np.float32).reshape(3, 2)
    theirs, ours = torch.svd(torch.tensor(a)), chainrule.svd(chainrule.tensor(a))
    assert ours._fields == ("U", "S", "V")
    for field in ours._fields:
        np.testing.assert_allclose(getattr(ours, field).numpy(), getattr(theirs, field).numpy(), atol=1e-5)
    theirs, ours = torch.qr(torch.tensor(a)), chainrule.qr(chainrule.tensor(a))
    assert ours._fields == ("Q", "R")
    np.testing.assert_allclose(ours.Q.numpy(), theirs.Q.numpy(), atol=1e-5)
    np.testing.assert_allclose(ours.R.numpy(), theirs.R.numpy(), atol=1e-5)
    assert repr(ours).startswith("chainrule.return_types.qr(\nQ=tensor(")


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
@pytest.mark.parametrize("shape", [(4, 2), (3, 3), (2, 2, 2), (2, 4)])
def test_qr_matches_pytorch_to_second_order(shape):
    check(lambda m, x: tuple(m.qr(x)), [shape])
    check(lambda m, x: tuple(x.qr()), [shape])


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
def test_complete_qr_matches_pytorch():
    check(lambda m, x: tuple(m.qr(x, some=False)), [(2, 4)])
    check_torch(lambda m, x: tuple(m.qr(x, some=False)), [(4, 2)], requires_grad=[False])


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
@requires_torch
def test_complete_qr_of_a_tall_matrix_is_not_differentiable_as_in_pytorch():
    def scenario(m):
        q, r = m.qr(m.ones(3, 2, requires_grad=True) * m.arange(6.0).reshape(3, 2), some=False)
        (q.sum() + r.sum()).backward()

    raises_like_torch(scenario, "not differentiable when mode='complete' and nrows > ncols")


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 2, 4)])
def test_pinverse_matches_pytorch_to_second_order(shape):
    check(lambda m, x: m.pinverse(x), [shape])
    check(lambda m, x: x.pinverse(), [shape])


@requires_torch
def test_pinverse_drops_small_singular_values_as_pytorch():
    same_as_torch(lambda m: m.pinverse(m.tensor([[2.0, 0.0], [0.0, 1e-4]]), rcond=1e-3))
    same_as_torch(lambda m: m.pinverse(m.zeros(2, 3, dtype=m.float64)))
    same_as_torch(lambda m: m.pinverse(m.zeros(0, 3)))


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.matrix_exp(m.ones(2, 3)), "linalg.matrix_exp: A must be batches of square matrices"),
        (lambda m: m.matrix_exp(m.ones(3)), "linalg.matrix_exp: The input tensor A must have at least 2"),
        (lambda m: m.matrix_exp(m.ones(2, 2, dtype=m.int64)), "Expected a floating point"),
        (lambda m: m.svd(m.ones(2, 2, dtype=m.int64)), "linalg.svd: Expected a floating point"),
        (lambda m: m.svd(m.ones(3)), "linalg.svd: input should have at least 2 dimensions, but has 1"),
        (lambda m: m.svd(m.ones(3), compute_uv=False), "input should have at least 2 dimensions"),
        (lambda m: m.qr(m.ones(2, 2, dtype=m.int64)), "linalg.qr: Expected a floating point"),
        (lambda m: m.qr(m.ones(3)), "linalg.qr: The input tensor A must have at least 2 dimensions."),
        (lambda m: m.pinverse(m.ones(3)), "linalg.pinv(Float{[3]}): expected a tensor with 2 or more"),
        (lambda m: m.pinverse(m.ones(2, 2, dtype=m.int64)), "linalg.pinv(Long{[2, 2]})"),
    ],
)
def test_bad_factorization_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


def test_qr_warns_as_pytorch_that_it_is_deprecated():
    with pytest.warns(UserWarning, match="torch.qr is deprecated in favor of torch.linalg.qr"):
        chainrule.qr(chainrule.eye(2))


# --- torch.linalg: factorizations, eigenproblems, linear systems and least squares ---------------


def _symmetric(m, x):
    """x + x^T: symmetric, with distinct eigenvalues for random x."""
    return x + x.mT


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.linalg.cholesky(_spd(m, x)),
        lambda m, x: m.linalg.cholesky(_spd(m, x), upper=True),
        lambda m, x: tuple(m.linalg.cholesky_ex(_spd(m, x))),
        lambda m, x: tuple(m.linalg.cholesky_ex(_spd(m, x), upper=True)),
        lambda m, x: tuple(m.linalg.inv_ex(_shifted(m, x))),
        lambda m, x: tuple(m.linalg.slogdet(x - 4 * m.eye(x.shape[-1]))),
        lambda m, x: m.linalg.matrix_exp(x / 2),
        lambda m, x: _without_signs(m.linalg.eigh(_symmetric(m, x))),
        lambda m, x: _without_signs(m.linalg.eigh(_symmetric(m, x), UPLO="U")),
        lambda m, x: m.linalg.eigvalsh(_symmetric(m, x)),
        lambda m, x: m.linalg.eigvalsh(_symmetric(m, x), UPLO="U"),
        lambda m, x: m.linalg.pinv(_symmetric(m, x), hermitian=True),
        lambda m, x: m.linalg.cond(x),
        lambda m, x: m.linalg.cond(x, -2),
        lambda m, x: m.linalg.cond(_shifted(m, x), "nuc"),
    ],
)
def test_square_matrix_functions_match_pytorch_to_second_order(fn, shape):
    check(fn, [shape])
    check_torch(fn, [shape], dtype=np.float64)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 2, 4)])
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: _without_signs(m.linalg.svd(x, full_matrices=False)),
        lambda m, x: tuple(m.linalg.qr(x)),
        lambda m, x: m.linalg.pinv(x),
        lambda m, x: m.linalg.pinv(x, atol=0.5, rtol=0.1),
    ],
)
def test_factorizations_of_any_shape_match_pytorch_to_second_order(fn, shape):
    check(fn, [shape])
    check_torch(fn, [shape], dtype=np.float64)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
def test_full_svd_returns_vh_and_square_factors_as_pytorch(shape):
    check_torch(lambda m, x: _without_signs(m.linalg.svd(x)), [shape])
    k = min(shape)
    check(lambda m, x: (lambda r: (r.U[:, :k].abs(), r.S, r.Vh[:k].abs()))(m.linalg.svd(x)), [shape])
    check(
        lambda m, x: (lambda r: r.U @ m.diag_embed(r.S) @ r.Vh)(m.linalg.svd(x, full_matrices=False)), [shape]
    )


@pytest.mark.parametrize("p", ["fro", INF, -INF, 1, -1])
def test_cond_in_the_other_norms_matches_pytorch_and_finite_differences(p):
    # PyTorch 2.13's backward of these fails (it changes the inverse it saved in place)
    fn = lambda m, x: m.linalg.cond(_shifted(m, x), p)  # noqa: E731
    check_torch(fn, [(2, 3, 3)], requires_grad=[False])
    check_gradcheck(fn, [(2, 3, 3)], second_order=True)


@requires_torch
def test_r_mode_qr_computes_r_alone_and_refuses_a_gradient_as_pytorch():
    check_torch(lambda m, x: tuple(m.linalg.qr(x, mode="r")), [(2, 4, 3)], requires_grad=[False])

    def scenario(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], requires_grad=True)
        q, r = m.linalg.qr(x, mode="r")
        assert q.shape == (0,) and q.requires_grad and r.requires_grad
        r.sum().backward()

    raises_like_torch(scenario, "not computed when mode='r'")


def test_complete_qr_matches_pytorch_in_linalg():
    check(lambda m, x: tuple(m.linalg.qr(x, mode="complete")), [(2, 4)])
    check_torch(lambda m, x: tuple(m.linalg.qr(x, mode="complete")), [(4, 2)], requires_grad=[False])


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reads_only_the_chosen_triangle_as_pytorch(uplo):
    check_torch(lambda m, x: _without_signs(m.linalg.eigh(x, UPLO=uplo)), [(2, 3, 3)], requires_grad=[False])
    check_torch(lambda m, x: m.linalg.eigvalsh(x, UPLO=uplo), [(3, 3)], requires_grad=[False])


def _solve_args(m, a, b):
    return _shifted(m, a), b


@pytest.mark.parametrize(
    "shapes, left",
    [
        ([(3, 3), (3,)], True),
        ([(3, 3), (3, 2)], True),
        ([(2, 3, 3), (3, 2)], True),
        ([(2, 3, 3), (2, 3)], True),
        ([(3, 3), (2, 3, 4)], True),
        ([(2, 1, 3, 3), (4, 3, 1)], True),
        ([(3, 3), (2, 3)], False),
        ([(2, 3, 3), (1, 4, 3)], False),
    ],
)
def test_solve_matches_pytorch_to_second_order_with_broadcast_batches(shapes, left):
    check(lambda m, a, b: m.linalg.solve(*_solve_args(m, a, b), left=left), shapes)
    check(lambda m, a, b: tuple(m.linalg.solve_ex(*_solve_args(m, a, b), left=left)), shapes)
    check_torch(lambda m, a, b: m.linalg.solve(*_solve_args(m, a, b), left=left), shapes, dtype=np.float64)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_solve_triangular_matches_pytorch_to_second_order(upper, left, unitriangular):
    def fn(m, a, b):
        a = _shifted(m, a) if not unitriangular else a / 4
        return m.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unitriangular)

    check(fn, [(2, 3, 3), (3, 2) if left else (2, 3)])
    check_torch(fn, [(3, 3), (2, 3, 4) if left else (2, 4, 3)], dtype=np.float64)


@pytest.mark.parametrize(
    "shapes", [[(5, 3), (5, 2)], [(2, 5, 3), (2, 5, 2)], [(5, 3), (5,)], [(3, 3), (3, 1)]]
)
def test_lstsq_matches_pytorchs_gelsy_to_second_order(shapes):
    check(lambda m, a, b: tuple(m.linalg.lstsq(a, b)), shapes)
    check_torch(lambda m, a, b: tuple(m.linalg.lstsq(a, b, driver="gelsy")), shapes, dtype=np.float64)


@requires_torch
def test_lstsq_of_a_rank_deficient_matrix_gives_the_least_norm_solution_and_rank_as_pytorch():
    a = [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]
    same_as_torch(
        lambda m: tuple(m.linalg.lstsq(m.tensor(a, dtype=m.float64), m.tensor([1.0, 2.0, 2.0]).double()))
    )
    same_as_torch(lambda m: tuple(m.linalg.lstsq(m.tensor(a), m.ones(3, 2), rcond=0.1)))


@requires_torch
@pytest.mark.parametrize(
    "kwargs", [{}, {"atol": 0.5}, {"rtol": 0.01}, {"atol": 0.01, "rtol": 0.2}, {"hermitian": True}]
)
def test_pinv_and_matrix_rank_cut_off_small_singular_values_as_pytorch(kwargs):
    a = [[2.0, 0.0, 0.0], [0.0, 0.1, 0.0], [0.0, 0.0, 1e-9]]
    same_as_torch(
        lambda m: (m.linalg.pinv(m.tensor(a), **kwargs), m.linalg.matrix_rank(m.tensor(a), **kwargs))
    )
    same_as_torch(lambda m: (m.linalg.pinv(m.tensor(a), 0.01), m.linalg.matrix_rank(m.tensor(a), 0.5)))
    same_as_torch(lambda m: m.linalg.matrix_rank(m.ones(2, 4, 3, dtype=m.float64)))
    same_as_torch(lambda m: m.linalg.matrix_rank(m.ones(3, 3), hermitian=True))
    check_torch(lambda m, x: m.linalg.matrix_rank(x), [(2, 4, 3)], requires_grad=[False])


@requires_torch
def test_cond_of_a_singular_matrix_is_inf_as_pytorch():
    same_as_torch(lambda m: [m.linalg.cond(m.ones(2, 2), p) for p in ("fro", "nuc", INF, -INF, 1, -1)])
    same_as_torch(lambda m: m.linalg.cond(m.stack([m.eye(2), m.ones(2, 2)]), 1))


@requires_torch
def test_ex_functions_report_failures_in_info_as_pytorch():
    bad = [[[1.0, 2.0], [2.0, 1.0]], [[4.0, 2.0], [2.0, 5.0]]]
    theirs, ours = run_both(lambda m: m.linalg.cholesky_ex(m.tensor(bad)))
    np.testing.assert_array_equal(ours.info.numpy(), theirs.info.numpy())
    np.testing.assert_allclose(ours.L[1].numpy(), theirs.L[1].numpy())
    singular = [[[0.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [0.0, 4.0]]]
    for fn in (
        lambda m: m.linalg.inv_ex(m.tensor(singular)),
        lambda m: m.linalg.solve_ex(m.tensor(singular), m.ones(2)),
    ):
        theirs, ours = run_both(fn)
        np.testing.assert_array_equal(ours.info.numpy(), theirs.info.numpy())
        assert ours.info.dtype == chainrule.int32
        np.testing.assert_allclose(ours[0][1].numpy(), theirs[0][1].numpy())


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
        lambda m: m.linalg.cholesky_ex(m.tensor([[1.0, 2.0], [2.0, 1.0]]), check_errors=True),
        lambda m: m.linalg.inv_ex(m.zeros(2, 2), check_errors=True),
        lambda m: m.linalg.solve(m.zeros(2, 2), m.ones(2)),
        lambda m: m.linalg.solve(m.stack([m.eye(2), m.zeros(2, 2)]), m.ones(2, 1)),
        lambda m: m.linalg.solve_ex(m.zeros(2, 2), m.ones(2), check_errors=True),
        lambda m: m.linalg.tensorinv(m.ones(2, 3, 6), ind=2),
    ],
)
def test_singular_and_indefinite_matrices_raise_linalg_error_in_linalg(fn):
    theirs, ours = run_both(fn)
    assert isinstance(theirs, torch.linalg.LinAlgError)
    assert isinstance(ours, chainrule.linalg.LinAlgError)
    assert str(ours) == str(theirs)


@requires_torch
def test_linalg_functions_return_pytorchs_named_tuples():
    a = np.array([[4.0, 2.0], [2.0, 5.0]], np.float32)
    calls = [
        lambda m, x: m.linalg.slogdet(x),
        lambda m, x: m.linalg.svd(x),
        lambda m, x: m.linalg.qr(x),
        lambda m, x: m.linalg.eigh(x),
        lambda m, x: m.linalg.cholesky_ex(x),
        lambda m, x: m.linalg.inv_ex(x),
        lambda m, x: m.linalg.solve_ex(x, x),
        lambda m, x: m.linalg.lstsq(x, x),
    ]
    for call in calls:
        theirs, ours = call(torch, torch.tensor(a)), call(chainrule, chainrule.tensor(a))
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for k, field in enumerate(ours._fields):
            assert getattr(theirs, field) is theirs[k]
            np.testing.assert_allclose(
                np.abs(getattr(ours, field).numpy()), np.abs(theirs[k].numpy()), atol=1e-5
            )
        assert repr(ours).startswith(f"chainrule.return_types.{type(theirs).__name__}(\n{ours._fields[0]}=")


@pytest.mark.parametrize(
    "shapes", [[(2, 3), (3, 4)], [(3,), (3, 4), (4, 2)], [(2, 3), (3, 4), (4,)], [(3,), (3, 4), (4, 2), (2,)]]
)
def test_multi_dot_matches_pytorch(shapes):
    check(lambda m, *xs: m.linalg.multi_dot(xs), shapes)


@pytest.mark.parametrize(
    "shapes, dim", [([(2, 3), (3,)], -1), ([(3, 2), (3, 1)], 0), ([(2, 1, 4), (3, 4)], -1)]
)
def test_vecdot_matches_pytorch(shapes, dim):
    check(lambda m, x, y: m.linalg.vecdot(x, y, dim=dim), shapes)


@pytest.mark.parametrize("kwargs", [{}, {"offset": 1}, {"offset": -1, "dim1": 0, "dim2": 2}])
def test_linalg_diagonal_matches_pytorch(kwargs):
    check(lambda m, x: m.linalg.diagonal(x, **kwargs), [(2, 3, 4)])


@pytest.mark.parametrize("shape, n", [((3,), None), ((2, 4), None), ((3,), 5), ((2, 3), 2)])
def test_vander_matches_pytorch(shape, n):
    check(lambda m, x: m.linalg.vander(x, N=n), [shape])


@requires_torch
def test_vander_of_integers_and_zeros_match_pytorch():
    same_as_torch(lambda m: m.linalg.vander(m.tensor([1, 2, 3]), N=4))
    check(lambda m, x: m.linalg.vander(x), [np.array([0.0, 1.5, -2.0], np.float32)])


def test_tensorinv_and_tensorsolve_match_pytorch():
    def shifted(m, x):
        return (x.reshape(6, 6) + 6 * m.eye(6)).reshape(x.shape)

    check(lambda m, x: m.linalg.tensorinv(shifted(m, x), ind=2), [(2, 3, 6)])
    check(lambda m, x: m.linalg.tensorinv(shifted(m, x).reshape(6, 2, 3), ind=1), [(2, 3, 6)])
    check(lambda m, x, b: m.linalg.tensorsolve(shifted(m, x), b), [(2, 3, 6), (2, 3)])
    check(
        lambda m, x, b: m.linalg.tensorsolve(shifted(m, x).permute(2, 0, 1), b, dims=(0,)),
        [(2, 3, 6), (2, 3)],
    )


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.linalg.cholesky(m.ones(2, 3)), "linalg.cholesky: A must be batches of square matrices"),
        (lambda m: m.linalg.cholesky(m.ones(2, 2, dtype=m.int64)), "Expected a floating point"),
        (lambda m: m.linalg.inv_ex(m.ones(3)), "at least 2 dimensions"),
        (lambda m: m.linalg.slogdet(m.ones(2, 3)), "linalg.slogdet: A must be batches of square matrices"),
        (lambda m: m.linalg.svd(m.ones(3)), "at least 2 dimensions"),
        (lambda m: m.linalg.svd(m.ones(2, 2, dtype=m.int64)), "Expected a floating point"),
        (lambda m: m.linalg.qr(m.ones(2, 2), mode="x"), "qr received unrecognized mode 'x'"),
        (lambda m: m.linalg.qr(m.ones(3)), "linalg.qr: The input tensor A must have at least 2 dimensions."),
        (lambda m: m.linalg.eigh(m.ones(2, 3)), "linalg.eigh: A must be batches of square matrices"),
        (
            lambda m: m.linalg.eigh(m.ones(2, 2), UPLO="X"),
            "Expected UPLO argument to be 'L' or 'U', but got X",
        ),
        (lambda m: m.linalg.eigvalsh(m.ones(2)), "linalg.eigh: The input tensor A must have at least 2"),
        (
            lambda m: m.linalg.eigh(m.ones(2, 2, dtype=m.int64)),
            "\"linalg_eigh_cpu\" not implemented for 'Long'",
        ),
        (lambda m: m.linalg.solve(m.ones(2, 3), m.ones(2)), "linalg.solve: A must be batches of square"),
        (lambda m: m.linalg.solve(m.eye(2), m.ones(3)), "equation AX = B (2x2 and 3x1)"),
        (lambda m: m.linalg.solve(m.eye(2), m.ones(2, 3), left=False), "equation XA = B (2x2 and 2x3)"),
        (lambda m: m.linalg.solve(m.eye(2).expand(4, 2, 2), m.ones(4, 2), left=False), "(2x2 and 2x1)"),
        (lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64)), "Expected A and B to have the same"),
        (lambda m: m.linalg.solve(m.ones(2, 2, dtype=m.int64), m.ones(2, dtype=m.int64)), "Got Long"),
        (lambda m: m.linalg.solve(m.eye(2).expand(3, 2, 2), m.ones(2, 2, 1)), "must match the size"),
        (lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(2), upper=True), "B must have at least 2"),
        (lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(3, 1), upper=True), "(2x2 and 3x1)"),
        (lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(4, 2)), "input.size(-2) should match other.size(-2)"),
        (lambda m: m.linalg.lstsq(m.ones(3), m.ones(3)), "input must have at least 2 dimensions"),
        (lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 2), driver="x"), "`driver` should be one of"),
        (lambda m: m.linalg.pinv(m.ones(3)), "linalg.pinv(Float{[3]}): expected a tensor"),
        (lambda m: m.linalg.pinv(m.ones(2, 3), hermitian=True), "linalg.eigh: A must be batches of square"),
        (
            lambda m: m.linalg.matrix_rank(m.ones(2)),
            "The input tensor input must have at least 2 dimensions.",
        ),
        (lambda m: m.linalg.matrix_rank(m.ones(2, 2, dtype=m.int64)), "types other than float and double"),
        (lambda m: m.linalg.cond(m.ones(2, 3), "fro"), "linalg.cond(ord=fro): A must be batches of square"),
        (lambda m: m.linalg.cond(m.ones(2, 2), 3), "linalg.cond got an invalid norm type: 3"),
        (
            lambda m: m.linalg.cond(m.ones(2)),
            "linalg.cond: The input tensor must have at least 2 dimensions.",
        ),
        (lambda m: m.linalg.multi_dot([m.ones(2)]), "expected at least 2 tensors but got 1"),
        (lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(2, 3)]), "tensors 0 and 1 with shapes [2, 3]"),
        (lambda m: m.linalg.multi_dot([m.ones(2, 3, 3), m.ones(3, 3)]), "the first tensor must be 1D or 2D"),
        (lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(3, 3, 3)]), "the last tensor must be 1D or 2D"),
        (
            lambda m: m.linalg.multi_dot([m.ones(2), m.ones(2, 2, 2), m.ones(2)]),
            "tensor 1 must be 2D but got 3D",
        ),
        (
            lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(3, 3, dtype=m.float64)]),
            "all tensors must have be the same dtype but tensor 0 is float and tensor 1 double",
        ),
        (
            lambda m: m.linalg.vecdot(m.ones(2), m.ones(2, dtype=m.float64)),
            "x of type Float and y of type Double",
        ),
        (lambda m: m.linalg.vecdot(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64)), "Got Long"),
        (lambda m: m.linalg.diagonal(m.ones(3)), None),
        (lambda m: m.linalg.vander(m.ones(3), N=1), "N must be greater than 1."),
        (
            lambda m: m.linalg.tensorinv(m.ones(2, 3, 6), ind=0),
            "strictly positive integer for 'ind', but got 0",
        ),
        (lambda m: m.linalg.tensorinv(m.ones(2, 3, 6), ind=1), "but got 18 != 2"),
        (lambda m: m.linalg.tensorsolve(m.ones(2, 3, 6), m.ones(5)), "but got 18 != 5"),
    ],
)
def test_bad_linalg_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)
