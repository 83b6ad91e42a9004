"""Linear algebra against PyTorch: products, einsum and norms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule

from oracle import assert_same_error, check, check_torch, requires_torch, run_both, same_as_torch, torch

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
def test_singular_value_norms_match_pytorch_once_differentiable(ord, dim, keepdim):
    check(lambda m, x: m.linalg.matrix_norm(x, ord, dim, keepdim), [(2, 3, 4)], second_order=False)


def test_singular_value_norms_refuse_a_second_derivative():
    x = chainrule.randn(3, 3, dtype=chainrule.float64, requires_grad=True)
    y = chainrule.linalg.matrix_norm(x, 2) ** 2
    (grad,) = chainrule.autograd.grad(y, x, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice"):
        grad.sum().backward()


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
