"""sort, argsort, topk, msort and unique against PyTorch: values, indices,
gradients (which go back to the picked elements) and errors."""

import numpy as np
import pytest

import chainrule

from oracle import check, requires_torch, run_both, torch


def assert_same(ours, theirs):
    """Equal values (NaN equal to NaN), dtypes and shapes, item by item for tuples."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
        return
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def assert_same_as_pytorch(fn):
    theirs, ours = run_both(fn)
    assert not isinstance(theirs, Exception), theirs
    assert_same(ours, theirs)


# Distinct values (ties are ordered differently by different sorts, except where PyTorch promises stability)
DISTINCT = np.array([[0.5, -1.0, 3.0, 2.0], [7.0, 1.0, -2.0, 0.0], [4.0, 6.0, 5.0, -3.0]], np.float32)
TIES = np.array([[2.0, 1.0, 2.0, 1.0, 3.0], [float("nan"), 0.0, 5.0, 5.0, 0.0]], np.float32)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sort().values,
        lambda m, x: m.sort(x, dim=0).values,
        lambda m, x: x.sort(descending=True).values,
        lambda m, x: m.sort(x, dim=0, descending=True, stable=True)[0],
        lambda m, x: x.topk(2).values,
        lambda m, x: m.topk(x, 2, dim=0, largest=False)[0],
        lambda m, x: x.topk(3, sorted=True).values,
        lambda m, x: m.msort(x),
        lambda m, x: x.sort(axis=0).values,
        lambda m, x: x.topk(1, axis=0).values,
    ],
)
def test_sorted_values_match_pytorch_and_send_gradients_to_the_picked_elements(fn):
    check(fn, None, arrays=[DISTINCT.copy()])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.sort(),
        lambda m, x: x.sort(stable=True, descending=True),
        lambda m, x: m.sort(x, 0),
        lambda m, x: m.sort(x, stable=True, dim=0, descending=True),
        lambda m, x: x.argsort(),
        lambda m, x: m.argsort(x, dim=0, descending=True, stable=True),
        lambda m, x: x.argsort(axis=1, stable=True),
    ],
)
def test_sort_is_stable_and_puts_nan_last_like_pytorch(fn):
    assert_same_as_pytorch(lambda m: fn(m, m.tensor(TIES)))


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.sort(m.tensor([True, False, True])),
        lambda m: m.sort(m.tensor([3, -1, 2]), descending=True),
        lambda m: m.sort(m.tensor(3.0)),
        lambda m: m.topk(m.tensor([1, 5, 3]), 2),
        lambda m: m.topk(m.tensor(1.0), 1),
        lambda m: m.topk(m.tensor([1.0, 3.0, 2.0]), 0),
        lambda m: m.argsort(m.tensor([[2, 1], [0, 3]]), dim=0),
        lambda m: m.msort(m.tensor([[2, 1], [0, 3]])),
        lambda m: m.sort(m.zeros(0, 3), 0),
    ],
)
def test_sorting_integers_bools_scalars_and_empty_tensors_matches_pytorch(fn):
    assert_same_as_pytorch(fn)


def test_sort_returns_a_named_tuple_of_values_and_indices():
    result = chainrule.sort(chainrule.tensor([3.0, 1.0, 2.0]))
    values, indices = result
    assert values is result.values and indices is result.indices
    assert indices.dtype == chainrule.int64
    assert repr(result).startswith("chainrule.return_types.sort(")


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.sort(x, 1, out=(m.empty(0), m.empty(0, dtype=m.int64))),
        lambda m, x: m.topk(x, 2, out=(m.empty(3, 2), m.empty(3, 2, dtype=m.int64))),
        lambda m, x: m.msort(x, out=m.empty(0)),
    ],
)
def test_sorting_writes_into_out_as_pytorch(fn):
    assert_same_as_pytorch(lambda m: fn(m, m.tensor(DISTINCT)))


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.unique(m.tensor([3, 1, 2, 1, 3])),
        lambda m: m.unique(m.tensor([3, 1, 2, 1, 3]), return_inverse=True),
        lambda m: m.unique(m.tensor([3, 1, 2, 1, 3]), return_counts=True),
        lambda m: m.unique(m.tensor([[3.0, 1.0], [1.0, 0.5]]), return_inverse=True, return_counts=True),
        lambda m: m.unique(
            m.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True, return_counts=True
        ),
        lambda m: m.unique(m.tensor([[1, 2, 1], [3, 4, 3]]), dim=1),
        lambda m: m.tensor([True, False, True]).unique(return_counts=True),
        lambda m: m.unique(m.tensor(3), return_inverse=True),
        lambda m: m.unique(m.tensor([]), return_counts=True),
        lambda m: m.tensor([2.0, float("nan"), 1.0]).unique(),
    ],
)
def test_unique_matches_pytorch(fn):
    assert_same_as_pytorch(fn)


def test_unique_is_sorted_also_when_sorted_is_false():
    assert chainrule.unique(chainrule.tensor([3, 1, 2, 1]), sorted=False).tolist() == [1, 2, 3]


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.topk(m.ones(3), 4),
        lambda m: m.topk(m.ones(3), -1),
        lambda m: m.topk(m.tensor([True, False]), 1),
        lambda m: m.sort(m.ones(2, 2), dim=2),
        lambda m: m.unique(m.ones(2, 2), dim=2),
    ],
)
def test_bad_sorting_arguments_raise_pytorchs_exception_type(fn):
    theirs, ours = run_both(fn)
    assert isinstance(theirs, Exception), f"torch raised nothing, returned {theirs!r}"
    assert type(ours) is type(theirs), f"chainrule raised {ours!r}, torch raised {theirs!r}"


@requires_torch
@pytest.mark.parametrize(
    "op",
    [
        lambda m, x: x.median(),
        lambda m, x: x.median(dim=1),
        lambda m, x: m.median(x, 0, keepdim=True),
        lambda m, x: x.kthvalue(3, dim=1),
        lambda m, x: m.kthvalue(x, 1, 0, True),
    ],
    ids=["median", "median-dim", "median-keepdim", "kthvalue", "kthvalue-keepdim"],
)
def test_median_and_kthvalue_match_pytorch_with_nans_and_gradients(op):
    # median and kthvalue were missing; PyTorch's median is the lower middle value, NaN wins
    nan = float("nan")
    rows = [[3.0, 1.0, 2.0, 5.0], [4.0, nan, 0.0, 1.0], [2.5, 7.0, -1.0, 0.5]]

    def scenario(lib):
        x = lib.tensor(rows, requires_grad=True)
        result = op(lib, x)
        values = result if isinstance(result, lib.Tensor) else result.values
        (values * 2).sum().backward()
        picked = (values.detach(),) if isinstance(result, lib.Tensor) else (values.detach(), result.indices)
        return picked + (x.grad,)

    ours, theirs = scenario(chainrule), scenario(torch)
    assert_same(ours, theirs)


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.tensor([4, 1, 3, 2]).median(),
        lambda m: m.tensor([1.0, 2.0, 2.0, 2.0, 3.0]).median(0),
        lambda m: m.tensor([]).median(),
        lambda m: m.tensor(5.0).median(0),
        lambda m: m.tensor(3).kthvalue(1),
    ],
)
def test_median_and_kthvalue_edge_cases_match_pytorch(call):
    theirs, ours = run_both(call)
    assert_same(
        tuple(ours) if isinstance(ours, tuple) else ours,
        tuple(theirs) if isinstance(theirs, tuple) else theirs,
    )


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.ones(2, 0).median(1),
        lambda m: m.tensor([True, False]).median(),
        lambda m: m.tensor([[1.0, 2.0]]).kthvalue(3, 1),
        lambda m: m.tensor([[1.0, 2.0]]).kthvalue(0, 1),
    ],
)
def test_median_and_kthvalue_refuse_what_pytorch_refuses(call):
    theirs, ours = run_both(call)
    assert isinstance(theirs, Exception) and type(ours) is type(theirs)


@requires_torch
@pytest.mark.parametrize(
    "values", [[3.0, 1.0, 2.0, 2.0], [1.0, float("nan"), 2.0, float("nan")]], ids=["ties", "nans"]
)
def test_median_of_all_elements_shares_the_gradient_among_equal_elements(values):
    # the whole gradient went to one of them; PyTorch splits it, as max() does
    def run(lib):
        x = lib.tensor(values, requires_grad=True)
        x.median().backward()
        return x.grad.tolist()

    assert run(chainrule) == run(torch)


@requires_torch
@pytest.mark.parametrize(
    "call", [lambda m: m.tensor([1.0, 2.0]).kthvalue(1.5), lambda m: m.ones(0).kthvalue(1)]
)
def test_kthvalue_refuses_a_fractional_k_and_an_empty_dim_as_pytorch(call):
    theirs, ours = run_both(call)
    assert isinstance(theirs, Exception) and type(ours) is type(theirs)


ORDER_STATISTICS = {
    "median": lambda m, x: x.median(),
    "median-dim": lambda m, x: m.median(x, 1).values,
    "kthvalue": lambda m, x: x.kthvalue(2, dim=0, keepdim=True).values,
}


@pytest.mark.parametrize("op", list(ORDER_STATISTICS.values()), ids=list(ORDER_STATISTICS))
def test_order_statistics_match_pytorch_and_finite_differences(op):
    check(op, [(3, 4)])
