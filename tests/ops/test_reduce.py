"""Reductions and scans: values and gradients against PyTorch 2.13 (the oracle)
and float64 finite differences (first and second order), over ``dim`` (int,
tuple, negative, empty) and ``keepdim``, with PyTorch's dtype rules and its
empty-tensor and scalar cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule

from oracle import (
    assert_equal,
    assert_same,
    check,
    check_gradcheck,
    check_torch,
    requires_torch,
    run_both,
    torch,
)

F32 = np.float32

# NumPy warns where PyTorch silently returns inf or NaN (empty means, zero variances).
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*encountered in:RuntimeWarning", "ignore:Mean of empty", "ignore:var.*degrees of freedom"
)


def values(rows):
    return np.array(rows, dtype=F32)


def outcome(lib, fn, arrays):
    """What ``fn`` gives in ``lib``: ('ok', value list, dtype name, shape) or ('error', exception type)."""
    try:
        out = fn(lib, *[lib.tensor(a) for a in arrays])
    except (RuntimeError, IndexError, TypeError, ValueError) as error:
        return ("error", type(error).__name__)
    outputs = out if isinstance(out, tuple) else (out,)
    return tuple(("ok", o.tolist(), str(o.dtype).split(".")[-1], tuple(o.shape)) for o in outputs)


def assert_same_outcome_as_pytorch(fn, *arrays):
    ours, theirs = outcome(chainrule, fn, arrays), outcome(torch, fn, arrays)
    if theirs[0] == "error" or ours[0] == "error":
        assert ours == theirs
        return
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a[2:] == b[2:], (a, b)
        np.testing.assert_allclose(np.array(a[1], dtype=float), np.array(b[1], dtype=float), rtol=1e-5)


DIMS = [None, 0, -1, (0, 2), (-1, 0), ()]


@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize(
    "name, op",
    [
        ("sum", lambda m, x, dim, keepdim: x.sum(dim, keepdim)),
        ("mean", lambda m, x, dim, keepdim: m.mean(x, dim, keepdim)),
        ("var", lambda m, x, dim, keepdim: m.var(x, dim, keepdim=keepdim)),
        ("std", lambda m, x, dim, keepdim: x.std(dim, keepdim=keepdim, correction=0)),
        ("amax", lambda m, x, dim, keepdim: m.amax(x, () if dim is None else dim, keepdim)),
        ("amin", lambda m, x, dim, keepdim: x.amin(() if dim is None else dim, keepdim)),
        (
            "logsumexp",
            lambda m, x, dim, keepdim: m.logsumexp(x, (0, 1, 2) if dim in (None, ()) else dim, keepdim),
        ),
        ("norm", lambda m, x, dim, keepdim: x.norm(dim=dim, keepdim=keepdim)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_reduction_over_dims_matches_pytorch_and_finite_differences(name, op, dim, keepdim):
    if name in ("var", "std") and dim == ():
        # PyTorch 2.13 reduces every dim here but its backward takes n = 1 (var: inf
        # gradients, std: n times too large): compare the values only; finite differences
        # check the gradient.
        check_torch(lambda m, x: op(m, x, dim, keepdim), [(2, 3, 2)], seed=3, requires_grad=[False])
        check_gradcheck(lambda m, x: op(m, x, dim, keepdim), [(2, 3, 2)], seed=3, second_order=True)
        return
    check(lambda m, x: op(m, x, dim, keepdim), [(2, 3, 2)], seed=3)


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod_matches_pytorch_and_finite_differences(dim, keepdim):
    if dim is None:
        check(lambda m, x: (x.prod(), m.prod(x)), [(2, 3)], low=0.5, high=1.5)
    else:
        check(lambda m, x: m.prod(x, dim, keepdim), [(2, 3)], low=0.5, high=1.5)


@pytest.mark.parametrize(
    "data",
    [
        [[0.0, 2.0, 3.0], [1.5, -1.0, 2.0]],
        [[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]],
        [[0.0, 0.0, 0.0], [2.0, 3.0, 0.5]],
    ],
    ids=["one zero", "two zeros", "all zeros"],
)
def test_prod_gradient_with_zeros_matches_pytorch_and_finite_differences(data):
    check(lambda m, x: (x.prod(), x.prod(1), x.prod(0, keepdim=True)), [values(data)])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_and_cumprod_match_pytorch_and_finite_differences(dim):
    check(lambda m, x: (m.cumsum(x, dim), x.cumprod(dim)), [(3, 4)], low=0.5, high=1.5)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_a_long_cumsum_accumulates_in_double_as_pytorch(dtype):
    # 100,000 float32 0.1s: 10000.0 in PyTorch, 9998.557 summed in float32
    def scenario(m):
        x = m.full((100_000,), 0.1, dtype=getattr(m, dtype), requires_grad=True)
        sums = x.cumsum(0)
        (sums * m.linspace(0, 1, 100_000, dtype=sums.dtype)).sum().backward()
        return sums.detach(), x.grad

    (theirs_sums, theirs_grad), (ours_sums, ours_grad) = run_both(scenario)
    assert_equal(ours_sums, theirs_sums)  # float32 rounding would be off by 1.4e-4 here
    np.testing.assert_allclose(ours_grad.numpy(), theirs_grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "data",
    [
        [2.0, 0.0, 3.0, 0.5, 4.0],
        [0.0, 2.0, 3.0, 0.0, 4.0],
        [1.5, 2.0, 3.0, -1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [2.0, 0.0, 3.0, 0.0, 4.0],
    ],
    ids=["one zero", "first and later zero", "last zero", "all zeros", "two zeros"],
)
def test_cumprod_gradient_with_zeros_matches_pytorch_and_finite_differences(data):
    rows = values([data, data[::-1]])
    check(lambda m, x: (x.cumprod(1), x.cumprod(0)), [rows])


@requires_torch
def test_cumprod_gradient_of_a_long_sequence_with_zeros_matches_pytorch():
    rng = np.random.default_rng(1)
    data = rng.uniform(0.9, 1.1, (3, 4000)).astype(F32)
    data[0, 1000] = data[1, 5] = data[1, 3000] = 0.0
    check_torch(lambda m, x: x.cumprod(1), None, arrays=[data])


def test_cumprod_double_backward_with_zeros_matches_finite_differences():
    x = chainrule.tensor([[2.0, 0.0, 3.0, 0.0, 0.5]], dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradgradcheck(lambda t: t.cumprod(1), (x,))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_and_min_along_a_dim_return_values_and_indices_like_pytorch(dim, keepdim):
    check(lambda m, x: (*m.max(x, dim, keepdim), *x.min(dim=dim, keepdim=keepdim)), [(3, 4)])


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_max_along_a_middle_or_outer_dim_of_a_3d_tensor_matches_pytorch_to_second_order(dim):
    check(lambda m, x: (m.max(x, dim)[0], x.min(dim=dim, keepdim=True)[0]), [(4, 5, 3)])


def test_max_along_a_dim_sends_the_gradient_to_the_returned_index_only():
    ties = values([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    check_torch(lambda m, x: (x.max(1).values, x.min(0)[0]), None, arrays=[ties])
    x = chainrule.tensor(ties, requires_grad=True)
    result = x.max(dim=1)
    result.values.sum().backward()
    assert result.indices.tolist() == [1, 0]
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_max_returns_a_named_tuple_that_unpacks_and_prints_like_pytorchs():
    values_, indices = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    result = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    assert result.values.tolist() == values_.tolist() == [5.0, 7.0]
    assert result.indices.tolist() == indices.tolist() == [1, 0] and indices.dtype == chainrule.int64
    assert repr(result) == "chainrule.return_types.max(\nvalues=tensor([5., 7.]),\nindices=tensor([1, 0]))"


def test_amax_amin_and_full_max_share_the_gradient_evenly_among_ties():
    ties = values([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]])
    check_torch(lambda m, x: (x.amax(), x.amax(1), m.amin(x, 1), x.max(), x.min()), None, arrays=[ties])
    x = chainrule.tensor(ties, requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 1 / 3, 1 / 3], [1 / 3, 0.0, 0.0]], rtol=1e-6)


def test_full_max_and_min_match_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x: (x.max(), m.min(x), m.max(x)), [(3, 4)])


def test_max_with_nan_gives_pytorchs_values_and_gradients():
    nan = float("nan")
    check_torch(
        lambda m, x: (x.max(), x.amax(1), x.max(1).values),
        None,
        arrays=[values([[1.0, nan, 2.0], [nan, nan, 0.0]])],
    )


def test_max_with_a_tensor_is_the_elementwise_maximum():
    check(lambda m, x, y: (m.max(x, y), m.min(x, y)), [(2, 3), (3,)])


@requires_torch
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_and_argmin_match_pytorch(dim, keepdim):
    data = values([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    assert_same_outcome_as_pytorch(
        lambda m, x: (m.argmax(x, dim, keepdim), x.argmin(dim=dim, keepdim=keepdim)), data
    )


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_and_std_with_a_correction_match_pytorch_and_finite_differences(correction):
    check(
        lambda m, x: (m.var(x, 1, correction=correction), x.std(0, correction=correction, keepdim=True)),
        [(3, 4)],
    )


def test_var_and_std_accept_the_unbiased_argument_positionally_and_by_name():
    check(
        lambda m, x: (x.var(0, False), x.var(unbiased=False), m.std(x, 1, True, True), x.var(False)),
        [(3, 4)],
    )


def test_std_gradient_is_zero_where_the_std_is_zero_as_pytorch():
    check_torch(lambda m, x: (x.std(), x.std(1)), None, arrays=[values([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])])


def test_var_mean_and_std_mean_return_both_statistics():
    check(lambda m, x: (*m.var_mean(x, 1), *m.std_mean(x, 0, keepdim=True)), [(3, 4)])


@pytest.mark.parametrize("p", ["fro", 1, 2, 3, 1.5, 0.5, float("inf"), float("-inf"), 0])
def test_norm_matches_pytorch_and_finite_differences(p):
    check(
        lambda m, x: (x.norm(p), m.norm(x, p, dim=1), x.norm(p, dim=(0, 1), keepdim=True)),
        [(3, 4)],
        away_from=0.0,
    )


def test_norm_gradient_at_the_zero_vector_is_zero_as_pytorch():
    zero_rows = values([[0.0, 0.0], [3.0, -4.0]])
    for p in (2, 3, 1.5, 1, float("inf")):
        check_torch(lambda m, x, p=p: x.norm(p, dim=1), None, arrays=[zero_rows])
    check_torch(lambda m, x: x.norm(0.5, dim=1), None, arrays=[values([[0.0, 2.0], [3.0, 4.0]])])


def test_logsumexp_is_exact_for_large_and_minus_infinite_inputs():
    inf = float("inf")
    check_torch(
        lambda m, x: m.logsumexp(x, 1), None, arrays=[values([[1000.0, 1000.0], [-inf, -inf], [-inf, 1.0]])]
    )


@requires_torch
@pytest.mark.parametrize(
    "op",
    [
        lambda m, x: x.sum(),
        lambda m, x: x.sum(1),
        lambda m, x: x.prod(),
        lambda m, x: x.cumsum(0),
        lambda m, x: x.cumprod(1),
        lambda m, x: m.sum(x, dtype=m.float32),
        lambda m, x: x.mean(),
        lambda m, x: x.mean(dtype=m.float64),
        lambda m, x: x.var(),
        lambda m, x: x.norm(),
        lambda m, x: x.max(),
        lambda m, x: x.amax(1),
        lambda m, x: x.max(1),
        lambda m, x: x.argmax(),
        lambda m, x: m.logsumexp(x, 1),
        lambda m, x: (x.all(), x.any(1), m.all(x, (0, 1)), x.count_nonzero(0)),
    ],
)
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64", "float16", "float64"])
def test_reductions_follow_pytorchs_dtype_rules(op, dtype):
    data = np.array([[1, 0, 3], [2, 2, 0]]).astype(dtype)
    assert_same_outcome_as_pytorch(op, data)


@requires_torch
@pytest.mark.parametrize(
    "op",
    [
        lambda m, x, to: x.sum(dtype=to),
        lambda m, x, to: m.sum(x, 1, dtype=to),
        lambda m, x, to: x.prod(dtype=to),
        lambda m, x, to: x.prod(0, dtype=to),
        lambda m, x, to: x.cumsum(1, dtype=to),
        lambda m, x, to: m.cumprod(x, 0, dtype=to),
    ],
    ids=["sum", "sum-dim", "prod", "prod-dim", "cumsum", "cumprod"],
)
@pytest.mark.parametrize("target", ["bool", "uint8", "int8", "int32", "int64", "float16"])
@pytest.mark.parametrize("source", ["bool", "uint8", "int16", "float32"])
def test_reductions_give_the_dtype_asked_for_wrapping_around(op, source, target):
    # NumPy widens small integers (int32 -> int64, uint8 -> uint64); PyTorch keeps
    # dtype= and wraps: 200 * 100 into int8 is 32
    data = np.array([[200, 100], [0, 3]]).astype(source)
    assert_same_outcome_as_pytorch(lambda m, x: op(m, x, getattr(m, target)), data)


@requires_torch
@pytest.mark.parametrize(
    "op",
    [
        lambda m, x: x.sum(),
        lambda m, x: x.sum(0),
        lambda m, x: x.mean(),
        lambda m, x: x.prod(),
        lambda m, x: x.var(0),
        lambda m, x: x.max(),
        lambda m, x: x.amax(0),
        lambda m, x: x.amax(1),
        lambda m, x: x.max(0),
        lambda m, x: x.max(1),
        lambda m, x: x.argmax(),
        lambda m, x: m.logsumexp(x, 0),
        lambda m, x: x.norm(),
        lambda m, x: x.cumsum(0),
        lambda m, x: x.cumprod(1),
        lambda m, x: (x.all(), x.any()),
    ],
)
def test_reductions_of_empty_tensors_match_pytorch(op):
    assert_same_outcome_as_pytorch(op, np.zeros((0, 3), F32))


@requires_torch
@pytest.mark.parametrize(
    "op",
    [
        lambda m, x: (x.sum(0), x.sum(-1), x.mean(0), x.prod(0), x.amax(0), x.logsumexp(0), x.norm(dim=0)),
        lambda m, x: (*x.max(0), x.argmax(0), x.argmin(-1), x.cumsum(0), x.cumprod(-1), x.all(0)),
        lambda m, x: x.sum(1),
        lambda m, x: x.max(1),
    ],
)
def test_reductions_of_zero_dim_tensors_match_pytorch(op):
    assert_same_outcome_as_pytorch(op, np.array(3.0, F32))


def test_reductions_of_a_zero_dim_tensor_pass_the_gradient_through():
    check(lambda m, x: (x.sum(0), x.mean(-1), x.prod(0), x.cumsum(0), x.cumprod(0), x.max(0).values), [()])


def test_dims_out_of_range_raise_index_error_and_repeated_dims_raise_runtime_error():
    x = chainrule.ones(2, 3)
    for op in (
        lambda: x.sum(2),
        lambda: x.mean(-3),
        lambda: x.max(5),
        lambda: x.cumsum(2),
        lambda: x.amax(2),
    ):
        with pytest.raises(IndexError, match="Dimension out of range"):
            op()
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        x.sum((0, -2))


def test_mean_var_and_norm_of_integer_tensors_raise_like_pytorch():
    x = chainrule.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="mean"):
        x.mean()
    with pytest.raises(RuntimeError, match="floating point"):
        x.var()
    with pytest.raises(RuntimeError, match="floating point"):
        x.norm()
    assert x.mean(dtype=chainrule.float32).item() == 2.0


def test_all_and_any_reduce_over_dims():
    check_torch(
        lambda m, x: (x.all(), x.any(), x.all(1), x.any(0, keepdim=True), m.all(x > 0, (0, 1))),
        None,
        arrays=[values([[1.0, 0.0], [2.0, 3.0]])],
    )


# --- random shapes, dims and keepdim ---------------------------------------------------------------


@st.composite
def shape_dim_keepdim(draw):
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return shape, dim, draw(st.booleans())


REDUCTIONS = {
    "sum": lambda m, x, dim, keepdim: x.sum(dim, keepdim),
    "sum over a tuple": lambda m, x, dim, keepdim: x.sum((dim, 0) if dim % x.dim() else dim, keepdim),
    "mean": lambda m, x, dim, keepdim: x.mean(dim, keepdim),
    "prod": lambda m, x, dim, keepdim: x.prod(dim, keepdim),
    "var": lambda m, x, dim, keepdim: x.var(dim, keepdim=keepdim, correction=0),
    "std": lambda m, x, dim, keepdim: x.std(dim, keepdim=keepdim, correction=0),
    "amax": lambda m, x, dim, keepdim: x.amax(dim, keepdim),
    "amin": lambda m, x, dim, keepdim: x.amin(dim, keepdim),
    "max": lambda m, x, dim, keepdim: x.max(dim, keepdim),
    "min": lambda m, x, dim, keepdim: x.min(dim, keepdim),
    "logsumexp": lambda m, x, dim, keepdim: x.logsumexp(dim, keepdim),
    "norm": lambda m, x, dim, keepdim: x.norm(dim=dim, keepdim=keepdim),
    "cumsum": lambda m, x, dim, keepdim: x.cumsum(dim),
    "cumprod": lambda m, x, dim, keepdim: x.cumprod(dim),
    "nansum": lambda m, x, dim, keepdim: x.nansum(dim, keepdim),
    "nanmean": lambda m, x, dim, keepdim: m.nanmean(x, dim, keepdim),
    "aminmax": lambda m, x, dim, keepdim: x.aminmax(dim=dim, keepdim=keepdim),
    "logcumsumexp": lambda m, x, dim, keepdim: x.logcumsumexp(dim),
    "diff": lambda m, x, dim, keepdim: x.diff(dim=dim, n=2 if keepdim else 1),
    "renorm": lambda m, x, dim, keepdim: x[None].renorm(2 if keepdim else 1, dim, 1.5),  # needs 2 dims
}


@requires_torch
@settings(max_examples=40, deadline=None)
@given(case=shape_dim_keepdim(), name=st.sampled_from(sorted(REDUCTIONS)), seed=st.integers(0, 2**16))
def test_random_shapes_dims_and_keepdim_give_pytorchs_values_and_gradients(case, name, seed):
    shape, dim, keepdim = case
    check_torch(lambda m, x: REDUCTIONS[name](m, x, dim, keepdim), [shape], seed=seed, low=0.5, high=2.0)


@requires_torch
def test_frobenius_norm_over_more_than_two_dims_raises_like_pytorch():
    assert_same_outcome_as_pytorch(lambda m, x: x.norm(dim=(0, 1, 2)), np.ones((2, 2, 2), F32))
    assert_same_outcome_as_pytorch(lambda m, x: x.norm(2, dim=(0, 1, 2)), np.ones((2, 2, 2), F32))


# --- NumPy's axis= and keepdims=, PyTorch's out= ---------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.max(axis=1).values,
        lambda m, x: m.max(x, axis=0, keepdims=True)[0],
        lambda m, x: x.min(axis=-1, keepdims=True).values,
        lambda m, x: x.amax(axis=(0, 1)),
        lambda m, x: m.amin(x, axis=1, keepdims=True),
        lambda m, x: x.std(axis=0),
        lambda m, x: m.var(x, axis=1, keepdims=True),
        lambda m, x: x.prod(axis=1, keepdims=True),
        lambda m, x: x.cumsum(axis=1),
        lambda m, x: m.cumprod(x, axis=0),
        lambda m, x: x.logsumexp(axis=1),
        lambda m, x: m.logsumexp(x, axis=(0, 1), keepdims=True),
        lambda m, x: x.sum(axis=(0, 1), keepdims=True),
        lambda m, x: x.mean(axis=0),
        lambda m, x: m.var_mean(x, axis=1)[0],
        lambda m, x: m.std_mean(x, axis=0, keepdims=True)[1],
    ],
)
def test_reductions_take_numpys_axis_and_keepdims_names(fn):
    check(fn, [(3, 4)])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.argmax(axis=0),
        lambda m, x: m.argmin(x, axis=1, keepdims=True),
        lambda m, x: x.max(axis=1).indices,
        lambda m, x: (x > 0).all(axis=1),
        lambda m, x: m.any(x > 1, axis=0, keepdims=True),
        lambda m, x: x.count_nonzero(axis=(0, 1)),
        lambda m, x: m.softmax(x, axis=1),
        lambda m, x: x.log_softmax(axis=0),
    ],
)
def test_index_and_logical_reductions_take_axis_and_keepdims(fn):
    assert_same_outcome_as_pytorch(fn, values([[1.0, 3.0, 0.0], [2.0, 0.5, 4.0]]))


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.sum(x, 1, out=m.empty(2)),
        lambda m, x: m.sum(x, (0, 1), out=m.empty((), dtype=m.float64)),
        lambda m, x: m.mean(x, 0, keepdim=True, out=m.empty(0)),
        lambda m, x: m.prod(x, 1, out=m.empty(2)),
        lambda m, x: m.std(x, 1, out=m.empty(0)),
        lambda m, x: m.amax(x, 0, out=m.empty(3)),
        lambda m, x: m.argmax(x, 1, out=m.empty(2, dtype=m.int64)),
        lambda m, x: m.logsumexp(x, 1, out=m.empty(2)),
        lambda m, x: m.cumsum(x, 1, out=m.empty(2, 3)),
        lambda m, x: m.all(x, 1, out=m.empty(2, dtype=m.bool)),
        lambda m, x: m.max(x, out=m.empty(())),
        lambda m, x: m.norm(x, 2, 1, out=m.empty(2)),
        lambda m, x: m.max(x, 1, out=(m.empty(2), m.empty(2, dtype=m.int64))),
        lambda m, x: m.min(x, 0, True, out=(m.empty(0), m.empty(0, dtype=m.int64))),
    ],
)
def test_reductions_write_into_out_as_pytorch(fn):
    assert_same_outcome_as_pytorch(fn, values([[1.0, 3.0, 0.0], [2.0, 0.5, 4.0]]))


def test_out_of_a_reduction_is_the_tensor_returned():
    out = chainrule.empty(2)
    assert chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(1, out=out) is out
    assert out.tolist() == [3.0, 7.0]


@requires_torch
def test_out_refuses_inputs_that_require_grad_as_pytorch():
    for lib in (torch, chainrule):
        x = lib.ones(2, 2, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.sum(x, 1, out=lib.empty(2))


@requires_torch
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_over_a_short_last_axis_of_many_rows_matches_pytorch(keepdim):
    """Rows of at most 32 values are summed as one BLAS product with ones (ops/reduce.py)."""
    check_torch(lambda m, x: x.sum(-1, keepdim=keepdim), [(16, 8, 28)])
    check_torch(lambda m, x: x.transpose(0, 2).sum(-1, keepdim=keepdim), [(28, 8, 16)])  # not contiguous


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([[3.0, 1.0], [2.0, 5.0]]).norm("nuc"),
        lambda m: m.arange(24.0).reshape(2, 3, 4).norm("nuc", dim=(0, 2)),
        lambda m: m.tensor([[1.0, 0.0], [2.0, 3.0]]).any(dim=()),  # dim=() reduces nothing here
        lambda m: m.tensor([[1, 0], [2, 3]], dtype=m.uint8).all(dim=[]),
    ],
)
def test_nuclear_tensor_norm_and_logical_reductions_over_no_dims_match_pytorch(fn):
    theirs, ours = run_both(fn)
    assert_same(ours, theirs, rtol=1e-6, atol=1e-6)


def _float16_run(lib, op):
    x = lib.tensor((np.arange(100) * 6).astype(np.float16).reshape(4, 25), requires_grad=True)
    y = op(lib, x)
    y.float().pow(2).sum().backward()
    return y, x.grad


@requires_torch
@pytest.mark.parametrize(
    "op, compare_gradients",
    [
        (lambda m, x: x.var(), True),
        (lambda m, x: x.std(1), True),
        (lambda m, x: m.var_mean(x, 0)[0], True),
        (lambda m, x: x.norm(), True),
        (lambda m, x: x.norm(dim=1), True),
        (lambda m, x: m.linalg.norm(x), True),
        (lambda m, x: m.linalg.vector_norm(x, dim=0), True),
        # PyTorch's float16 backward of a 3-norm overflows (norm squared) to zero gradients
        (lambda m, x: m.linalg.vector_norm(x, 3, dim=0), False),
        (lambda m, x: m.linalg.matrix_norm(x), True),
        # gradients of cosines near 1 are float16 rounding noise on both sides
        (lambda m, x: m.nn.functional.cosine_similarity(x, x + 1), False),
        (lambda m, x: m.nn.functional.pairwise_distance(x, -x), True),
    ],
    ids=[
        "var",
        "std",
        "var_mean",
        "norm",
        "norm-dim",
        "linalg.norm",
        "vector_norm",
        "vector_norm-3",
        "matrix_norm",
        "cosine",
        "pairwise",
    ],
)
def test_float16_sums_of_squares_accumulate_in_float32(op, compare_gradients):
    # 600 squared overflows float16: PyTorch accumulates in float32 (these gave inf, or 0)
    (ours, our_grad), (theirs, their_grad) = (_float16_run(lib, op) for lib in (chainrule, torch))
    assert_same(ours, theirs, rtol=2e-3, atol=0)
    if compare_gradients:
        assert_same(our_grad, their_grad, rtol=2e-3, atol=1e-5, where="gradient")


# --- nansum, nanmean, aminmax, logcumsumexp, diff, the trapezoid rule, renorm ------------------------

NAN = float("nan")
WITH_NANS = values([[1.0, NAN, 2.5, -0.5], [NAN, NAN, NAN, NAN], [0.5, 3.0, NAN, -2.0]])


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), ()], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_nansum_and_nanmean_match_pytorch_and_finite_differences(dim, keepdim):
    check(lambda m, x: (m.nansum(x, dim, keepdim), x.nanmean(dim, keepdim)), [(3, 4)])


def test_nansum_and_nanmean_skip_nans_and_send_them_no_gradient_as_pytorch():
    check_torch(
        lambda m, x: (x.nansum(), m.nansum(x, 1), x.nanmean(0), m.nanmean(x, 1, True)),
        None,
        arrays=[WITH_NANS],
    )


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.nansum(x.int()),
        lambda m, x: m.nansum(x.bool(), 0),
        lambda m, x: m.nansum(x, 1, dtype=m.float64),
        lambda m, x: m.nanmean(x.long()),
        lambda m, x: m.nanmean(x.long(), 1, dtype=m.float64),
        lambda m, x: m.nansum(x, 2),
    ],
)
def test_nansum_and_nanmean_dtypes_and_errors_match_pytorch(fn):
    assert_same_outcome_as_pytorch(fn, values([[1.0, 0.0, 2.0], [3.0, 4.0, 0.0]]))


@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_aminmax_matches_pytorch_and_finite_differences(dim, keepdim):
    check(lambda m, x: tuple(m.aminmax(x, dim=dim, keepdim=keepdim)), [(3, 4)])


@requires_torch
def test_aminmax_shares_the_gradient_among_ties_and_names_its_fields_as_pytorch():
    ties = values([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]])
    check_torch(lambda m, x: (*x.aminmax(), *m.aminmax(x, dim=1)), None, arrays=[ties])
    result = chainrule.aminmax(chainrule.tensor(ties), dim=0)
    assert result.min.tolist() == [1.0, 0.0, 0.0] and result.max.tolist() == [3.0, 3.0, 3.0]
    assert repr(result).startswith("chainrule.return_types.aminmax(\nmin=tensor(")


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.aminmax(x),
        lambda m, x: m.aminmax(x, dim=1),
        lambda m, x: m.aminmax(x[0, 0]),
        lambda m, x: m.aminmax(x, dim=3),
    ],
)
def test_aminmax_of_empty_and_zero_dim_tensors_matches_pytorch(fn):
    assert_same_outcome_as_pytorch(fn, np.zeros((2, 0), F32))
    assert_same_outcome_as_pytorch(fn, np.ones((2, 3), F32))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_matches_pytorch_and_finite_differences_to_second_order(dim):
    check(lambda m, x: m.logcumsumexp(x, dim), [(3, 4)])


def test_logcumsumexp_is_stable_for_large_and_infinite_values_as_pytorch():
    data = values(
        [[1000.0, -1000.0, 999.0, 0.0], [-np.inf, -np.inf, 3.0, -np.inf], [-900.0, -1000.0, -950.0, 1.0]]
    )
    check_torch(lambda m, x: x.logcumsumexp(1), None, arrays=[data])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.logcumsumexp(x[0, 0], 0),
        lambda m, x: x.long().logcumsumexp(0),
        lambda m, x: x.logcumsumexp(2),
    ],
)
def test_logcumsumexp_of_a_scalar_and_of_integers_matches_pytorch(fn):
    assert_same_outcome_as_pytorch(fn, values([[1.0, 2.0], [0.5, -1.0]]))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x, p, a: m.diff(x),
        lambda m, x, p, a: x.diff(n=2, dim=0),
        lambda m, x, p, a: m.diff(x, 1, 1, prepend=p, append=a),
        lambda m, x, p, a: m.diff(x, n=3, dim=-1, append=a),
        lambda m, x, p, a: x.diff(n=0),
    ],
)
def test_diff_matches_pytorch_and_finite_differences(fn):
    check(fn, [(3, 4), (3, 1), (3, 2)])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.diff(x.long(), n=2),
        lambda m, x: (x > 1).diff(dim=0),
        lambda m, x: m.diff(x, n=5),
        lambda m, x: m.diff(x[0, 0]),
        lambda m, x: m.diff(x, prepend=x[0]),
        lambda m, x: m.diff(x, dim=2),
    ],
)
def test_diff_of_integers_and_bools_and_bad_arguments_match_pytorch(fn):
    assert_same_outcome_as_pytorch(fn, values([[1.0, 3.0, 0.0], [4.0, 2.0, 2.0]]))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, y, x: m.trapezoid(y),
        lambda m, y, x: m.trapezoid(y, dx=0.5, dim=0),
        lambda m, y, x: m.trapezoid(y, x),
        lambda m, y, x: m.trapezoid(y, x[0], dim=1),
        lambda m, y, x: m.trapz(y, x, dim=-1),
        lambda m, y, x: m.trapz(y, dx=2.0),
        lambda m, y, x: m.cumulative_trapezoid(y, x),
        lambda m, y, x: m.cumulative_trapezoid(y, x[0]),
        lambda m, y, x: m.cumulative_trapezoid(y, dx=0.5, dim=0),
    ],
)
def test_trapezoid_rules_match_pytorch_and_finite_differences(fn):
    check(fn, [(3, 4), (3, 4)])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, y, x: m.trapezoid(y.long(), x.long()),
        lambda m, y, x: m.trapezoid(y.long()),
        lambda m, y, x: m.cumulative_trapezoid(y.long(), dx=2),
        lambda m, y, x: m.trapezoid(y[:, :0]),
        lambda m, y, x: m.trapezoid(y, x[0, :2]),
        lambda m, y, x: m.trapezoid(y, x, dx=1.0),
        lambda m, y, x: m.trapezoid(y, dim=2),
    ],
)
def test_trapezoid_dtypes_empty_samples_and_bad_arguments_match_pytorch(fn):
    arrays = values([[1.0, 3.0, 0.0], [4.0, 2.0, 2.0]]), values([[0.0, 1.0, 3.0], [1.0, 2.0, 4.0]])
    assert_same_outcome_as_pytorch(fn, *arrays)


@pytest.mark.parametrize("p", [1, 2, 3.0, float("inf")])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_renorm_matches_pytorch_and_finite_differences(p, dim):
    # maxnorm 2: some slices are scaled down, some are left alone
    check(lambda m, x: m.renorm(x, p, dim, 2.0), [(3, 4)], seed=dim + 5)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.renorm(x[0], 2, 0, 1.0),
        lambda m, x: m.renorm(x[None], 2, 2, 1.0),
        lambda m, x: x.clone().renorm_(1, 1, 0.5),
        lambda m, x: m.renorm(x, 0, 0, 1.0),
        lambda m, x: m.renorm(x, 2, 0, -1.0),
        lambda m, x: m.renorm(x.long(), 2, 0, 1.0),
        lambda m, x: m.renorm(x, 2, 2, 1.0),
    ],
)
def test_renorm_in_place_and_with_bad_arguments_matches_pytorch(fn):
    assert_same_outcome_as_pytorch(fn, values([[1.0, -3.0, 0.5], [0.1, 0.2, 0.0]]))
