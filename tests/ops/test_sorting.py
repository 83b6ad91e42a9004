"""sort, argsort, topk, msort and unique against PyTorch: values, indices,
gradients (which go back to the picked elements) and errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule

from oracle import check, check_torch, requires_torch, run_both, torch


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
        lambda m, x: x.nanmedian(),
        lambda m, x: x.nanmedian(dim=1),
        lambda m, x: m.nanmedian(x, 0, keepdim=True),
    ],
    ids=[
        "median",
        "median-dim",
        "median-keepdim",
        "kthvalue",
        "kthvalue-keepdim",
        "nanmedian",
        "nanmedian-dim",
        "nanmedian-keepdim",
    ],
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
        lambda m: m.tensor([4, 1, 3, 2]).nanmedian(),
        lambda m: m.tensor([[4, 1], [3, 2]]).nanmedian(1),
        lambda m: m.tensor([]).nanmedian(),
        lambda m: m.tensor(5.0).nanmedian(0),
        lambda m: m.tensor(NAN).nanmedian(),
        # an all-NaN slice of 3: PyTorch's index depends on its selection algorithm beyond that
        lambda m: m.tensor([[NAN, 2.0, 2.0, 1.0, 2.0, NAN], [5.0, NAN, 4.0, NAN, 6.0, 7.0]]).nanmedian(1),
        lambda m: m.tensor([[NAN, NAN, NAN], [2.0, NAN, 2.0]]).nanmedian(1, keepdim=True),
        lambda m: m.tensor([[NAN, NAN], [NAN, 2.0], [1.0, NAN]]).nanmedian(0, keepdim=True),
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
        lambda m: m.ones(2, 0).nanmedian(1),
        lambda m: m.ones(0, 2).nanmedian(0),
        lambda m: m.tensor([True, False]).nanmedian(),
        lambda m: m.ones(2).nanmedian(1),
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
        y = lib.tensor(values, requires_grad=True)
        y.nanmedian().backward()
        z = lib.tensor([NAN, NAN, NAN], requires_grad=True)
        z.nanmedian().backward()
        return x.grad.tolist(), y.grad.tolist(), z.grad.tolist()

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
    "nanmedian": lambda m, x: x.nanmedian(),
    "nanmedian-dim": lambda m, x: m.nanmedian(x, 1).values,
}


@pytest.mark.parametrize("op", list(ORDER_STATISTICS.values()), ids=list(ORDER_STATISTICS))
def test_order_statistics_match_pytorch_and_finite_differences(op):
    check(op, [(3, 4)])


# --- cummax, cummin, mode, quantile ------------------------------------------------------------------

NAN = float("nan")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_and_cummin_match_pytorch_and_finite_differences(dim):
    check(lambda m, x: (*m.cummax(x, dim), *x.cummin(dim)), None, arrays=[DISTINCT.copy()])


@requires_torch
@pytest.mark.parametrize("dim", [0, 1])
def test_cummax_and_cummin_send_the_gradient_to_pytorchs_index_among_ties_and_nans(dim):
    rows = np.array(
        [[1.0, 3.0, 3.0, 2.0, 3.0, NAN, 1.0, NAN], [2.0, 1.0, 1.0, 4.0, 1.0, 0.0, 0.0, 5.0]], np.float32
    )

    def scenario(lib):
        x = lib.tensor(rows, requires_grad=True)
        high, low = x.cummax(dim), lib.cummin(x, dim)
        (high.values * 2 + low.values).nansum().backward()
        return high.values.detach(), high.indices, low.values.detach(), low.indices, x.grad

    assert_same(scenario(chainrule), scenario(torch))


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.cummax(m.tensor([True, False, True]), 0),
        lambda m: m.cummin(m.tensor([[3, 1], [2, 5]]), 0),
        lambda m: m.cummax(m.tensor(2.0), 0),
        lambda m: m.cummin(m.zeros(0, 2), 0),
        lambda m: m.cummax(m.tensor([1.0, 2.0]), 1),
    ],
)
def test_cummax_and_cummin_of_integers_scalars_and_empty_tensors_match_pytorch(fn):
    _same_or_same_error(fn)


def _same_or_same_error(fn):
    theirs, ours = run_both(fn)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"chainrule gave {ours!r}, torch raised {theirs!r}"
        return
    assert_same(
        tuple(ours) if isinstance(ours, tuple) else ours,
        tuple(theirs) if isinstance(theirs, tuple) else theirs,
    )


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.mode(m.tensor([[3, 1, 1, 3, 2], [5, 5, 4, 4, 0], [7, 7, 7, 1, 1]]), 1),
        lambda m: m.tensor([[3, 1, 1, 3], [5, 5, 4, 3], [5, 1, 1, 3]]).mode(0, keepdim=True),
        lambda m: m.mode(m.tensor([2.0, 1.0, 2.0, 1.0])),
        lambda m: m.mode(m.tensor(4.0)),
        lambda m: m.mode(m.tensor([True, False, False])),
        lambda m: m.mode(m.zeros(2, 0)),
        lambda m: m.mode(m.tensor([1, 2]), 1),
    ],
)
def test_mode_picks_pytorchs_value_and_index_among_ties(fn):
    _same_or_same_error(fn)


def test_mode_sends_the_gradient_to_the_returned_index():
    ties = np.array([[2.0, 1.0, 2.0, 1.0, 3.0], [0.5, 0.5, 0.5, 4.0, 4.0]], np.float32)
    check_torch(lambda m, x: (*x.mode(1), *m.mode(x, 0)), None, arrays=[ties])
    check(lambda m, x: (*x.mode(1), *m.mode(x, 0, True)), None, arrays=[DISTINCT.copy()])


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize(
    "q_dim_keepdim",
    [
        (0.3, None, False),
        (0.75, 1, False),
        (1.0, 0, True),
        ([0.0, 0.25, 0.5, 0.9], 1, True),
        ([0.4, 0.6], None, True),
    ],
    ids=str,
)
def test_quantile_matches_pytorch_and_finite_differences(interpolation, q_dim_keepdim):
    q, dim, keepdim = q_dim_keepdim

    def fn(m, x):
        qs = m.tensor(q, dtype=x.dtype) if isinstance(q, list) else q
        return m.quantile(x, qs, dim, keepdim, interpolation=interpolation), x.nanquantile(
            qs, dim, keepdim, interpolation=interpolation
        )

    check(fn, [(3, 5)])


@requires_torch
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q", [0.5, 0.2, [0.1, 0.6, 0.95]], ids=str)
def test_quantile_with_nans_and_ties_matches_pytorchs_values_and_gradients(interpolation, q):
    rows = np.array(
        [[1.0, NAN, 3.0, 2.0, 2.0], [NAN, NAN, NAN, NAN, NAN], [2.0, 2.0, 2.0, 5.0, 0.0]], np.float32
    )

    def fn(m, x):
        qs = m.tensor(q) if isinstance(q, list) else q
        quantiles = m.quantile(x, qs, 1, interpolation=interpolation)
        return quantiles, m.nanquantile(x, qs, dim=1, interpolation=interpolation)

    check_torch(fn, None, arrays=[rows])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.quantile(x, 1.5),
        lambda m, x: m.quantile(x, m.tensor([[0.5]])),
        lambda m, x: m.quantile(x.long(), 0.5),
        lambda m, x: m.quantile(x, 0.5, interpolation="bad"),
        lambda m, x: m.quantile(x[:0], 0.5),
        lambda m, x: m.quantile(x, m.tensor(0.5, dtype=m.float64)),
        lambda m, x: m.nanquantile(x, m.tensor([0.5, 2.0])),
        lambda m, x: m.quantile(x, 0.5, dim=2),
        lambda m, x: m.quantile(x[0, 0], 0.5, dim=0, keepdim=True),
        lambda m, x: x.double().quantile(m.tensor(0.25, dtype=m.float64), keepdim=True),
    ],
)
def test_quantile_bad_arguments_and_scalars_match_pytorch(fn):
    _same_or_same_error(lambda m: fn(m, m.tensor([[1.0, 4.0], [2.0, 3.0]])))


@st.composite
def shapes_and_dims(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    return shape, draw(st.integers(-len(shape), len(shape) - 1)), draw(st.booleans())


@requires_torch
@settings(max_examples=30, deadline=None)
@given(case=shapes_and_dims(), q=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_random_shapes_give_pytorchs_cummax_mode_and_quantile(case, q, seed):
    shape, dim, keepdim = case
    check_torch(
        lambda m, x: (*x.cummax(dim), *m.cummin(x, dim), *x.mode(dim, keepdim), x.quantile(q, dim, keepdim)),
        [shape],
        seed=seed,
    )


# --- counting and searching ---------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.bincount(m.tensor([1, 1, 3, 0])),
        lambda m: m.tensor([1, 1, 3]).bincount(minlength=6),
        lambda m: m.bincount(m.tensor([1, 1, 3]), m.tensor([0.5, 0.25, 1.0])),
        lambda m: m.bincount(m.tensor([1, 2]), weights=m.tensor([1, 2])),
        lambda m: m.bincount(m.tensor([1, 2]), weights=m.tensor([1.0, 2.0], dtype=m.float64)),
        lambda m: m.bincount(m.tensor([], dtype=m.int64)),
        lambda m: m.bincount(m.tensor([2, 0], dtype=m.uint8)),
        lambda m: m.bincount(m.tensor([1.0, 2.0])),
        lambda m: m.bincount(m.tensor([-1, 2])),
        lambda m: m.bincount(m.tensor([[1, 2]])),
        lambda m: m.bincount(m.tensor([1, 2]), minlength=-1),
        lambda m: m.bincount(m.tensor([1, 2]), weights=m.tensor([1.0])),
    ],
)
def test_bincount_matches_pytorch(fn):
    _same_or_same_error(fn)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.histc(m.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3),
        lambda m: m.tensor([0.5, 2.25, -1.0, 7.0, 3.0]).histc(bins=5),
        lambda m: m.histc(m.tensor([[0.1, 0.2], [0.9, 1.0]], dtype=m.float64), 3, 0.0, 1.0),
        lambda m: m.histc(m.tensor([2.0, 2.0]), bins=2),
        lambda m: m.histc(m.tensor([]), bins=3),
        lambda m: m.histc(m.linspace(-1, 1, 101), bins=7, min=-0.9, max=0.8),
        lambda m: m.histc(m.tensor([1, 2])),
        lambda m: m.histc(m.tensor([1.0, 2.0]), bins=0),
        lambda m: m.histc(m.tensor([1.0, 2.0]), min=3, max=1),
        lambda m: m.histc(m.tensor([1.0, NAN])),
    ],
)
def test_histc_matches_pytorch(fn):
    _same_or_same_error(fn)


def _histogram(m, *args, **kwargs):
    """``m.histogram(...)`` as a plain tuple (the named tuples' types differ)."""
    return tuple(m.histogram(*args, **kwargs))


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: _histogram(m, m.tensor([1.0, 2.0, 1.0, 4.0, 2.5]), 4),
        lambda m: _histogram(m, m.tensor([1.0, 2.0, 1.0, 4.0, 2.5]), bins=3, range=(0.0, 3.0), density=True),
        lambda m: tuple(m.tensor([[0.1, 0.7], [0.9, 1.0]], dtype=m.float64).histogram(3, range=[0, 1])),
        lambda m: _histogram(m, m.linspace(-1, 1, 101), bins=8, range=(-0.75, 1.25)),
        lambda m: _histogram(
            m, m.tensor([1.0, 2.0, 2.5]), m.tensor([0.0, 1.5, 3.0]), weight=m.tensor([1.0, 2, 4])
        ),
        lambda m: _histogram(m, m.tensor([1.0, 2.0, 9.0]), m.tensor([0.0, 1.0, 1.5, 4.0]), density=True),
        lambda m: _histogram(m, m.tensor([1.0, 2.0]), m.tensor([3.0, 1.0])),
        lambda m: _histogram(m, m.tensor([1.0, 1.0]), 2),
        lambda m: _histogram(m, m.tensor([]), 2),
        lambda m: _histogram(m, m.tensor([]), 2, range=(2.0, 2.0)),
        lambda m: _histogram(m, m.tensor([1.0, NAN]), 2, range=(0.0, 2.0)),
        lambda m: _histogram(m, m.tensor([[1.0, 2.0]]), 2, weight=m.tensor([[0.5, 4.0]]), density=True),
        lambda m: _histogram(m, m.tensor([1, 2]), 3),
        lambda m: _histogram(m, m.tensor([1.0]), 0),
        lambda m: _histogram(m, m.tensor([1.0]), 2, range=(3.0, 1.0)),
        lambda m: _histogram(m, m.tensor([1.0]), 2, range=(0.0, float("inf"))),
        lambda m: _histogram(m, m.tensor([1.0, NAN]), 2),
        lambda m: _histogram(m, m.tensor([1.0]), 2, weight=m.ones(3)),
        lambda m: _histogram(m, m.tensor([1.0]), 2, weight=m.ones(1, dtype=m.float64)),
        lambda m: _histogram(m, m.tensor([1.0]), m.tensor([1, 2])),
        lambda m: _histogram(m, m.tensor([1.0]), m.tensor([[0.0, 1.0]])),
        lambda m: _histogram(m, m.tensor([1.0]), m.tensor([0.0])),
    ],
)
def test_histogram_matches_pytorch(fn):
    _same_or_same_error(fn)


SEQUENCE = [[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]]


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.searchsorted(m.tensor([1, 3, 5, 7]), m.tensor([[3, 6, 9], [0, 1, 7]])),
        lambda m: m.searchsorted(m.tensor([1, 3, 5, 7]), m.tensor([3, 6, 9]), right=True),
        lambda m: m.searchsorted(m.tensor([1, 3, 5, 7]), 5, side="right"),
        lambda m: m.searchsorted(m.tensor(SEQUENCE), m.tensor([[3, 9], [4, 1]]), out_int32=True),
        lambda m: m.searchsorted(m.tensor(SEQUENCE), m.tensor([[3, 9], [4, 1]]), side="right"),
        lambda m: m.searchsorted(m.tensor([5, 1, 7, 3]), m.tensor([3, 6]), sorter=m.tensor([1, 3, 0, 2])),
        lambda m: m.searchsorted(m.tensor([1.0, 2.0]), m.tensor([1, 2])),
        lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor([1.5, 2.0])),
        lambda m: m.searchsorted(m.tensor([1, 2]), 3, side="left", right=True),
        lambda m: m.searchsorted(m.tensor([1, 2]), 3, side="middle"),
        lambda m: m.searchsorted(m.tensor([[1, 2]]), m.tensor([1])),
        lambda m: m.bucketize(m.tensor([[3, 6, 9]]), m.tensor([1, 3, 5, 7])),
        lambda m: m.bucketize(m.tensor([[3, 6, 9]]), m.tensor([1, 3, 5, 7]), right=True, out_int32=True),
        lambda m: m.bucketize(3, m.tensor([1, 3, 5, 7])),
        lambda m: m.bucketize(m.tensor([1]), m.tensor([[1, 2]])),
    ],
)
def test_searchsorted_and_bucketize_match_pytorch(fn):
    _same_or_same_error(fn)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.isin(m.tensor([[1, 2], [3, 4]]), m.tensor([2, 3])),
        lambda m: m.isin(m.tensor([1, 2, 3]), 2, invert=True),
        lambda m: m.isin(2, m.tensor([1, 2])),
        lambda m: m.isin(m.tensor([1, 2]), m.tensor([1.0])),
        lambda m: m.isin(m.tensor([3, 1, 2]), m.tensor([1, 2]), assume_unique=True),
        lambda m: m.isin(m.tensor([1.0, NAN]), m.tensor([NAN])),
        lambda m: m.isin(1, 2),
    ],
)
def test_isin_matches_pytorch(fn):
    _same_or_same_error(fn)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.unique_consecutive(m.tensor([1, 1, 2, 2, 3, 1, 1, 2])),
        lambda m: m.tensor([1, 1, 2, 2, 3, 1, 1, 2]).unique_consecutive(
            return_inverse=True, return_counts=True
        ),
        lambda m: m.unique_consecutive(m.tensor([[1, 1], [2, 1]]), return_inverse=True),
        lambda m: m.unique_consecutive(m.tensor([[1, 1], [1, 1], [2, 3]]), dim=0, return_counts=True),
        lambda m: m.unique_consecutive(m.tensor([[1, 1, 2], [3, 3, 4]]), True, True, dim=1),
        lambda m: m.unique_consecutive(m.tensor([[1.0, 1.0], [1.0, 1.0]]), return_inverse=True, dim=-1),
        lambda m: m.unique_consecutive(m.tensor(3)),
        lambda m: m.unique_consecutive(m.tensor([], dtype=m.int64), return_counts=True),
        lambda m: m.unique_consecutive(m.tensor([[1, 2]]), dim=2),
    ],
)
def test_unique_consecutive_matches_pytorch(fn):
    _same_or_same_error(fn)
