"""Indexing against PyTorch: x[key], x[key] = v, gather/scatter and masks."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule

from oracle import assert_equal, assert_same_error, check, check_torch, requires_torch, run_both, torch

SETTINGS = settings(max_examples=15, deadline=None)


# --- x[key]: values and gradients ----------------------------------------------------------------

KEYS = {
    "int": lambda m: 1,
    "negative_ints": lambda m: (-1, -2),
    "all_ints": lambda m: (1, 2, 3),
    "slice": lambda m: slice(0, 2),
    "slices_with_steps": lambda m: (slice(None), slice(None, None, 2), slice(1, None, 2)),
    "none_and_ellipsis": lambda m: (None, 0, ..., None),
    "ellipsis_then_int": lambda m: (..., 1),
    "int_tensor": lambda m: m.tensor([1, 0, 1]),
    "int_list": lambda m: [0, 1],
    "range": lambda m: range(2),  # a list of ints, as in "What is torch.nn really?"'s nll
    "ranges_and_tensor": lambda m: (range(2), slice(None), m.tensor([3, 1])),
    "repeated_list": lambda m: [0, 0, 1],
    "int_and_list": lambda m: (0, [2, 0, 2]),
    "two_lists": lambda m: ([0, 1], [1, 2]),
    "broadcast_lists": lambda m: ([[0], [1]], [[0, 2]]),
    "lists_split_by_slice": lambda m: ([1, 0], slice(None), [3, 1]),
    # an Ellipsis for no dims does not split them: their dim stays in place, as in PyTorch
    "lists_around_an_empty_ellipsis": lambda m: (slice(None), [0, 2, 1], ..., m.tensor([1, 3, 0])),
    "list_and_slice": lambda m: (slice(None), [2, 0], slice(1, 3)),
    "int_slice_none_list": lambda m: (slice(0, 1), 0, None, m.tensor([0, 2, 3])),
    "int_none_slice_list": lambda m: (1, None, slice(None), [1, 2]),
    "int_slice_list2d": lambda m: (0, slice(None), [[1, 2]]),
    "negative_list": lambda m: [-1, -2],
    "zero_dim_int_tensor": lambda m: m.tensor(1),
    "zero_dim_tensor_and_list": lambda m: (m.tensor(1), [0, 2]),
    "bool_mask_first_dim": lambda m: m.tensor([True, False]),
    "bool_mask_two_dims": lambda m: m.tensor([[True, False, True], [False, False, True]]),
    "bool_mask_middle": lambda m: (slice(None), m.tensor([True, False, True])),
    "bool_mask_last": lambda m: (..., m.tensor([True, False, True, False])),
    "bool_mask_and_int": lambda m: (m.tensor([False, True]), 2),
    "bool_list": lambda m: [True, False],
    "python_true": lambda m: True,
    "zero_dim_bool": lambda m: m.tensor(True),
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_getitem_matches_pytorch_and_finite_differences(name):
    key = KEYS[name]
    check(lambda m, x: x[key(m)], [(2, 3, 4)])


def test_keys_that_select_nothing_match_pytorch():
    # (finite differences have nothing to check on an empty output)
    check_torch(lambda m, x: (x[[]], x[0, False], x[m.tensor([False, False])]), [(2, 3, 4)])


def test_full_mask_of_the_tensors_shape_picks_elements_in_order():
    check(lambda m, x: x[x > 0], [(2, 3, 4)])


def test_repeated_indices_accumulate_their_gradients():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 1.0, 0.0])
    check(lambda m, x: x[[0, 0, 1]] * m.tensor([1.0, 2.0, 3.0]), [(3,)])
    check(lambda m, x: x[m.tensor([[2, 2], [2, 0]])], [(3, 2)])


def test_basic_indexing_returns_a_view_and_advanced_a_copy():
    x = chainrule.zeros(3, 4)
    x[1][::2].fill_(1.0)
    x[:, [0]].fill_(5.0)  # a copy: x is unchanged by it
    expected = np.zeros((3, 4), np.float32)
    expected[1, ::2] = 1.0
    np.testing.assert_array_equal(x.numpy(), expected)


def test_an_element_of_a_matrix_is_a_zero_dim_view():
    x = chainrule.zeros(2, 3)
    element = x[1, 2]
    assert element.shape == ()
    element.fill_(4.0)
    assert x[1, 2].item() == 4.0


def test_changing_a_basic_index_result_in_place_is_caught_by_the_graph():
    w = chainrule.randn(3, 4, requires_grad=True)
    base = w * 1.0
    y = (base * base).sum()
    with chainrule.no_grad():
        base[1, 1:].zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_indexing_twice_is_differentiable_twice():
    check(lambda m, x: (x[:, [0, 2]] ** 2)[0, 1:] * x[1, :2], [(2, 3)])


# --- x[key] = value -------------------------------------------------------------------------------

SET_KEYS = {
    "int": (lambda m: 1, (4,)),
    "slice_step": (lambda m: (slice(None), slice(None, None, 2)), (3, 1)),
    "broadcast_row": (lambda m: slice(0, 2), (4,)),
    "list": (lambda m: [0, 2], (2, 4)),
    "range": (lambda m: (range(1, 3), range(2)), (2,)),
    "mask": (lambda m: m.tensor([True, False, True]), (4,)),
    "mask_elements": (lambda m: m.tensor([[True, False, True, False]] * 3), (6,)),
    "int_and_list": (lambda m: (1, [0, 3]), (2,)),
    "leading_ones": (lambda m: 0, (1, 4)),
    "ellipsis": (lambda m: (..., 1), (3,)),
}


@pytest.mark.parametrize("name", sorted(SET_KEYS))
def test_setitem_gradient_flows_to_the_value_and_to_the_untouched_elements(name):
    key, value_shape = SET_KEYS[name]

    def fn(m, x, value):
        y = x * 1.0  # a non-leaf: it may be written in place while recording
        y[key(m)] = value
        return y * y

    check(fn, [(3, 4), value_shape])


@requires_torch
def test_setitem_through_lists_around_an_empty_ellipsis_matches_pytorch():
    def scenario(m):
        x = m.zeros(2, 3, 4)
        x[:, [0, 2, 1], ..., [1, 3, 0]] = m.arange(6.0).reshape(2, 3)
        return x

    assert_equal(*run_both(scenario)[::-1])


def test_setitem_with_a_number_or_list_writes_in_place():
    theirs, ours = run_both(_write_numbers)
    assert_equal(ours, theirs)


def _write_numbers(m):
    x = m.zeros(3, 4, dtype=m.int64)
    x[0] = 7
    x[1, [0, 2]] = m.tensor([1, 2])
    x[2, 1:] = 2.9  # converted to the tensor's dtype
    x[x == 0] = -1
    return x


def test_setitem_on_a_leaf_that_requires_grad_raises_pytorchs_error():
    x = chainrule.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        x[0] = 1.0
    with chainrule.no_grad():
        x[0] = 1.0
    assert x[0].item() == 1.0


def test_setitem_of_a_value_that_requires_grad_into_a_plain_tensor_records_it():
    value = chainrule.tensor([2.0, 3.0], requires_grad=True)
    x = chainrule.zeros(2, 2)
    x[:, 1] = value
    assert x.requires_grad
    (x * chainrule.tensor([[1.0, 10.0], [100.0, 1000.0]])).sum().backward()
    np.testing.assert_array_equal(value.grad.numpy(), [10.0, 1000.0])


def test_setitem_bumps_the_version_seen_by_a_graph():
    w = chainrule.randn(3, requires_grad=True)
    base = w * 1.0
    y = base.exp()  # Exp saved its output y
    with chainrule.no_grad():
        y[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_setitem_with_a_value_of_the_wrong_shape_raises():
    with pytest.raises(RuntimeError, match=re.escape("shape mismatch: value tensor of shape [2]")):
        chainrule.zeros(3, 4)[0] = chainrule.ones(2)


# --- errors -----------------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "key, message",
    [
        (lambda m: 2, "index 2 is out of bounds for dimension 0 with size 2"),
        (lambda m: (0, 3), "index 3 is out of bounds for dimension 1 with size 3"),
        (lambda m: (None, 0, 5), "index 5 is out of bounds for dimension 2 with size 3"),
        (lambda m: (..., -5), "index -5 is out of bounds for dimension 1 with size 4"),
        (lambda m: (0, 0, 0, 0), "too many indices for tensor of dimension 3"),
        (lambda m: (slice(None), [5]), "index 5 is out of bounds for dimension 0 with size 3"),
        (lambda m: ([1, 0], slice(None), [1, 9]), "index 9 is out of bounds for dimension 1 with size 4"),
        (lambda m: (0, m.tensor([-4])), "index -4 is out of bounds for dimension 0 with size 3"),
        (lambda m: m.tensor([True, False, True]), "The shape of the mask [3] at index 0 does not match"),
        (lambda m: m.tensor([[True, False], [False, True]]), "mask [2, 2] at index 1 does not match"),
        (lambda m: (0, m.tensor([[True] * 4] * 2)), "indexed tensor [3, 4] at index 0"),
        (lambda m: 1.5, "only integers, slices"),
        (lambda m: (0, m.tensor([0.0])), "tensors used as indices must be long, int, byte or bool tensors"),
        (lambda m: slice(None, None, -1), "step must be greater than zero"),
    ],
)
def test_bad_keys_raise_pytorchs_exception_and_message(key, message):
    assert_same_error(lambda m: m.arange(24.0).reshape(2, 3, 4)[key(m)], message)


@requires_torch
def test_out_of_range_setitem_raises_index_error():
    def write(m):
        m.zeros(2, 3)[0, 3] = 1.0

    assert_same_error(write, "index 3 is out of bounds for dimension 1 with size 3")


# --- gather, scatter and friends --------------------------------------------------------------------


def test_gather_matches_pytorch_and_accumulates_repeated_picks():
    index = [[0, 0], [2, 1], [1, 1]]
    check(lambda m, x: x.gather(1, m.tensor(index)), [(3, 3)])
    check(lambda m, x: m.gather(x, 0, m.tensor([[2, 0, 0]])), [(3, 3)])
    check(lambda m, x: x.gather(-1, m.tensor([[[1], [0]]])), [(1, 2, 3)])


def test_take_along_dim_matches_pytorch_with_broadcasting():
    check(lambda m, x: x.take_along_dim(m.tensor([[0, 2], [1, 1]]), 1), [(2, 3)])
    check(lambda m, x: m.take_along_dim(x, m.tensor([[2], [0]]), 1), [(2, 3)])
    check(lambda m, x: x.take_along_dim(m.tensor([[0, 2]]), 1), [(2, 3)])
    check(lambda m, x: x.take_along_dim(m.tensor([5, 0, 5])), [(2, 3)])
    check(lambda m, x: x.take_along_dim(m.tensor([[-1, 0]]), 1), [(2, 3)])


def test_scatter_gives_the_gradient_to_the_source_and_to_the_untouched_input():
    index = [[1, 0, 2], [0, 2, 1]]
    check(lambda m, x, src: x.scatter(1, m.tensor(index), src), [(2, 3), (2, 3)])
    check(lambda m, x, src: m.scatter(x, 0, m.tensor([[1, 0]]), src), [(3, 2), (1, 2)])
    # a source larger than the index: PyTorch has no gradient for it
    check(
        lambda m, x, src: x.scatter(0, m.tensor([[1, 0]]), src), [(3, 2), (2, 3)], requires_grad=[True, False]
    )
    check(lambda m, x: x.scatter(1, m.tensor([[2], [0]]), 1.5), [(2, 3)])


def test_scatter_add_adds_repeated_positions():
    check(lambda m, x, src: x.scatter_add(0, m.tensor([1, 1, 0, 1]), src), [(3,), (4,)])
    check(lambda m, x, src: m.scatter_add(x, 1, m.tensor([[0, 0], [2, 2]]), src), [(2, 3), (2, 2)])


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce_matches_pytorch_values_and_is_not_differentiable(reduce):
    theirs, ours = run_both(
        lambda m: m.ones(3).scatter(0, m.tensor([1, 1]), m.tensor([2.0, 3.0]), reduce=reduce)
    )
    assert_equal(ours, theirs)
    src = chainrule.tensor([2.0, 3.0], requires_grad=True)
    out = chainrule.ones(3).scatter(0, chainrule.tensor([1, 1]), src, reduce=reduce)
    with pytest.raises(RuntimeError, match="derivative for aten::scatter"):
        out.sum().backward()


def test_index_select_matches_pytorch_with_repeats():
    check(lambda m, x: x.index_select(1, m.tensor([2, 0, 2])), [(2, 3)])
    check(lambda m, x: m.index_select(x, 0, m.tensor(1)), [(2, 3)])
    check(lambda m, x: x.index_select(-1, m.tensor([1], dtype=m.int32)), [(2, 3)])


def test_index_add_and_index_put_match_pytorch():
    check(lambda m, x, s: x.index_add(1, m.tensor([0, 0]), s, alpha=2.0), [(2, 3), (2, 2)])
    check(lambda m, x, v: x.index_put((m.tensor([0, 1]),), v), [(2, 3), (3,)])
    check(lambda m, x, v: x.index_put((m.tensor([0, 0]), m.tensor([1, 1])), v, accumulate=True), [(2, 3), ()])
    check(lambda m, x, v: x.index_put([m.tensor([True, False])], v), [(2, 3), (1, 3)])


def test_masked_fill_matches_pytorch_and_sends_the_masked_gradient_to_the_value():
    mask = [[True, False, True], [False, False, True]]
    check(lambda m, x: x.masked_fill(m.tensor(mask), 0.5), [(2, 3)])
    check(lambda m, x: m.masked_fill(x, m.tensor([True, False, True]), -1.0), [(2, 3)])
    check(lambda m, x, v: x.masked_fill(m.tensor(mask), v), [(2, 3), ()])
    check(lambda m, x: x.masked_fill(m.tensor([[True], [False]]), 2.0), [(3,)])


def test_masked_fill_keeps_the_input_dtype():
    theirs, ours = run_both(
        lambda m: m.zeros(3, dtype=m.int64).masked_fill(m.tensor([True, False, True]), 2.5)
    )
    assert_equal(ours, theirs)


def test_masked_select_matches_pytorch_with_broadcasting():
    check(lambda m, x: x.masked_select(m.tensor([True, False, True])), [(2, 3)])
    check(lambda m, x: m.masked_select(x, m.tensor([[True, False, True], [False, False, True]])), [(3,)])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([[0, 1], [2, 0]]).nonzero(),
        lambda m: m.tensor([[0, 1], [2, 0]]).nonzero(as_tuple=True),
        lambda m: m.tensor([0.0, 1.5, 0.0, -2.0]).nonzero(),
        lambda m: m.tensor(5).nonzero(),
        lambda m: m.tensor(0).nonzero(),
        lambda m: m.tensor(5).nonzero(as_tuple=True),
        lambda m: m.zeros(0, 3).nonzero(),
        lambda m: m.argwhere(m.tensor([[True, False], [True, True]])),
    ],
)
def test_nonzero_matches_pytorch(fn):
    theirs, ours = run_both(fn)
    if isinstance(theirs, tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_equal(a, b)
    else:
        assert_equal(ours, theirs)


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.zeros(2, 3).gather(1, m.tensor([[5]])), "index 5 is out of bounds for dimension 1"),
        (lambda m: m.zeros(2, 3).gather(1, m.tensor([[-1]])), "index -1 is out of bounds"),
        (lambda m: m.zeros(2, 3).gather(1, m.tensor([1])), "same number of dimensions"),
        (lambda m: m.zeros(2, 3).gather(1, m.tensor([[1.0]])), "Expected dtype int32/int64 for index"),
        (lambda m: m.zeros(2, 3).gather(1, m.zeros(3, 1, dtype=m.int64)), "no larger than self [2, 3]"),
        (lambda m: m.zeros(2, 3).index_select(1, m.tensor([5])), "out of bounds"),
        (lambda m: m.zeros(2, 3).index_select(1, m.tensor([[1]])), "Index is supposed to be a vector"),
        (lambda m: m.zeros(2, 3).index_select(1, m.tensor([1.0])), "Expected dtype int32 or int64"),
        (lambda m: m.zeros(3).scatter(0, m.tensor([5]), m.ones(1)), "index 5 is out of bounds"),
        (lambda m: m.zeros(3).scatter(0, m.tensor([1]), m.ones(1), reduce="mean"), "add or multiply"),
        (lambda m: m.zeros(3).scatter(0, m.tensor([1]), m.tensor([2])), "self.dtype to be equal to src"),
        (lambda m: m.ones(3).scatter_add(0, m.tensor([1, 1, 0, 0]), m.ones(3)), "no larger size than src"),
        (lambda m: m.zeros(2, 3).index_add(1, m.tensor([0, 5]), m.ones(2, 2)), "index 5 is out of bounds"),
        (lambda m: m.zeros(2, 3).index_add(1, m.tensor([0, 1]), m.ones(2, 3)), "Number of indices (2)"),
        (lambda m: m.zeros(3).masked_fill(m.tensor([1, 0, 1]), 5), "only supports boolean masks"),
        (lambda m: m.zeros(3).masked_fill(m.tensor([True] * 3), m.tensor([1.0])), "0-dimensional value"),
        (lambda m: m.zeros(3).masked_select(m.tensor([1, 0, 1])), "expected BoolTensor for mask"),
        (lambda m: m.zeros(2, 3).take_along_dim(m.tensor([0, 2]), 1), "same number of dimensions"),
        (lambda m: m.zeros(2, 3).take_along_dim(m.tensor([[0]], dtype=m.int32), 1), "should be Long"),
    ],
)
def test_bad_gather_scatter_and_mask_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


# --- hypothesis -----------------------------------------------------------------------------------


@requires_torch
@SETTINGS
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
def test_random_integer_and_mask_indices_match_pytorch(data, shape):
    dim = data.draw(st.integers(0, len(shape) - 1))
    size = shape[dim]
    picks = data.draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=5))
    mask = data.draw(st.lists(st.booleans(), min_size=size, max_size=size))
    lead = (slice(None),) * dim
    array = np.random.default_rng(0).uniform(-2, 2, shape).astype(np.float32)

    def fn(m, x):
        return x[(*lead, picks)], x[(*lead, m.tensor(mask))], x[(*lead, slice(None, None, 2))]

    check_torch(fn, [shape], arrays=[array])


@requires_torch
@SETTINGS
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
def test_random_gathers_match_pytorch(data, shape):
    dim = data.draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(data.draw(st.integers(1, n)) for n in shape)
    index_shape = index_shape[:dim] + (data.draw(st.integers(1, 4)),) + index_shape[dim + 1 :]
    flat = data.draw(st.lists(st.integers(0, shape[dim] - 1), min_size=int(np.prod(index_shape))))
    index = np.array(flat[: int(np.prod(index_shape))], np.int64).reshape(index_shape)
    array = np.random.default_rng(1).uniform(-2, 2, shape).astype(np.float32)
    check_torch(lambda m, x: x.gather(dim, m.tensor(index)), [shape], arrays=[array])


# --- in-place scatters, index_fill, masked_scatter, repeat_interleave ------------------------------


def test_scatter_in_place_builds_one_hot_rows():
    one_hot = chainrule.zeros(2, 4).scatter_(1, chainrule.tensor([[1], [3]]), 1.0)
    assert one_hot.tolist() == [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda m, x, src: x.clone().scatter_(1, m.tensor([[2, 0], [1, 2]]), src), [(2, 3), (2, 2)]),
        (lambda m, x, src: x.clone().scatter_add_(0, m.tensor([[1, 1, 0]]), src), [(2, 3), (1, 3)]),
        (lambda m, x, src: x.clone().scatter_(axis=1, index=m.tensor([[0], [2]]), src=src), [(2, 3), (2, 1)]),
        (lambda m, x, src: x.scatter_add(axis=0, index=m.tensor([[1, 1, 0]]), src=src), [(2, 3), (1, 3)]),
    ],
)
def test_in_place_scatters_match_pytorch_and_finite_differences(fn, shapes):
    check(fn, shapes)


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda m, x: x.index_fill(1, m.tensor([0, 2]), -1.5), [(2, 3)]),
        (lambda m, x: x.index_fill(0, m.tensor([1, 1, -1]), 2.0), [(3, 2)]),
        (lambda m, x: m.index_fill(x, 0, m.tensor(0), 7.0), [(3,)]),
        (lambda m, x, v: x.index_fill(1, m.tensor([0, 2, 0]), v), [(2, 3), ()]),
        (lambda m, x, v: x.clone().index_fill_(axis=0, index=m.tensor([1]), value=v), [(2, 3), ()]),
    ],
)
def test_index_fill_matches_pytorch_and_the_value_gets_the_gradient_of_each_slot_once(fn, shapes):
    check(fn, shapes)


@requires_torch
def test_index_fill_of_an_integer_tensor_converts_the_value_as_pytorch():
    theirs, ours = run_both(lambda m: m.zeros(3, dtype=m.int64).index_fill(0, m.tensor([0, 2]), 1.7))
    assert ours.tolist() == theirs.tolist() and ours.dtype == chainrule.int64


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (
            lambda m, x, s: x.masked_scatter(m.tensor([[True, False, True], [False, True, True]]), s),
            [(2, 3), (6,)],
        ),
        (lambda m, x, s: x.masked_scatter(m.tensor([True, False, True]), s), [(2, 3), (2, 5)]),
        (lambda m, x, s: x.masked_scatter(m.tensor([[True], [False]]), s), [(3,), (4,)]),
        (lambda m, x, s: x.clone().masked_scatter_(m.tensor([False, True, True]), s), [(2, 3), (7,)]),
    ],
)
def test_masked_scatter_fills_masked_places_in_order_from_the_source(fn, shapes):
    check(fn, shapes)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.repeat_interleave(2),
        lambda m, x: x.repeat_interleave(3, dim=0),
        lambda m, x: m.repeat_interleave(x, m.tensor([1, 0, 2]), dim=1),
        lambda m, x: x.repeat_interleave(m.tensor([2]), dim=-1),
        lambda m, x: m.repeat_interleave(x, repeats=2, axis=1),
        lambda m, x: x.repeat_interleave(m.tensor([1, 2, 1, 0, 0, 3])),
    ],
)
def test_repeat_interleave_matches_pytorch_and_adds_the_gradients_of_copies(fn):
    check(fn, [(2, 3)])


@requires_torch
def test_repeat_interleave_of_counts_alone_repeats_their_indices():
    theirs, ours = run_both(
        lambda m: [m.repeat_interleave(m.tensor([2, 0, 3])), m.tensor(5).repeat_interleave(3)]
    )
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.gather(axis=1, index=m.tensor([[0, 0], [2, 1]])),
        lambda m, x: m.index_select(x, axis=1, index=m.tensor([2, 0])),
        lambda m, x: x.index_add(axis=0, index=m.tensor([1, 1]), source=x),
        lambda m, x: m.take_along_dim(x, m.tensor([[1], [0]]), axis=1),
        lambda m, x: x.scatter(axis=0, index=m.tensor([[1, 0, 1]]), value=2.0),
    ],
)
def test_indexing_ops_take_numpys_axis_for_dim(fn):
    check(fn, [(2, 3)])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.gather(x, 1, m.tensor([[0], [2]]), out=m.empty(0)),
        lambda m, x: m.index_select(x, 0, m.tensor([1]), out=m.empty(1, 3)),
        lambda m, x: m.masked_select(x, x > 1, out=m.empty(0)),
        lambda m, x: m.nonzero(x, out=m.empty(0, dtype=m.int64)),
        lambda m, x: m.take_along_dim(x, m.tensor([[1], [0]]), 1, out=m.empty(2, 1)),
    ],
)
def test_indexing_ops_write_into_out_as_pytorch(fn):
    x = np.array([[0.0, 1.5, 2.0], [3.0, 0.0, 1.0]], np.float32)
    theirs, ours = fn(torch, torch.tensor(x)), fn(chainrule, chainrule.tensor(x))
    assert ours.tolist() == theirs.tolist() and ours.dtype.name == str(theirs.dtype).split(".")[-1]


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.zeros(3).index_fill(0, m.tensor([0]), m.tensor([1.0, 2.0])), "0-dimensional value"),
        (lambda m: m.zeros(3).index_fill(0, m.tensor([[0]]), 1.0), "vector/scalar"),
        (lambda m: m.zeros(3).index_fill(0, m.tensor([0.0]), 1.0), "Expected dtype int64"),
        (lambda m: m.zeros(3).index_fill(0, m.tensor([5]), 1.0), "out of bounds"),
        (
            lambda m: m.zeros(2, 3).masked_scatter(m.tensor([True, False, True]), m.arange(3.0)),
            "Number of elements",
        ),
        (lambda m: m.zeros(2, 3).masked_scatter(m.tensor([1, 0, 1]), m.arange(9.0)), "boolean masks"),
        (lambda m: m.zeros(2, 3).masked_scatter(m.tensor([True, False, True]), m.arange(9)), "same dtypes"),
        (lambda m: m.ones(2, 2).repeat_interleave(m.tensor([1, 2, 3]), dim=1), "same size as input"),
        (lambda m: m.ones(2, 2).repeat_interleave(m.tensor([-1, 2]), dim=1), "can not be negative"),
        (lambda m: m.ones(2, 2).repeat_interleave(-1, dim=1), "non-negative"),
        (lambda m: m.ones(2, 2).repeat_interleave(m.tensor([[1, 2]]), dim=1), "0-dim or 1-dim"),
        (
            lambda m: m.ones(2, 2).repeat_interleave(m.tensor([1.0, 2.0]), dim=1),
            "not implemented for 'Float'",
        ),
        (lambda m: m.zeros(3, requires_grad=True).scatter_(0, m.tensor([1]), 1.0), "leaf Variable"),
        # masks and indices that do not broadcast: named with both shapes
        (
            lambda m: m.ones(2, 3).masked_fill(m.ones(3, 2, dtype=m.bool), 0),
            "masked_fill: shapes (2, 3) and (3, 2)",
        ),
        (lambda m: m.ones(2, 3).masked_fill_(m.ones(3, 2, dtype=m.bool), 0), "masked_fill: shapes"),
        (lambda m: m.ones(2, 3).masked_select(m.ones(3, 2, dtype=m.bool)), "masked_select: shapes"),
        (
            lambda m: m.ones(2, 3).masked_scatter(m.ones(3, 2, dtype=m.bool), m.ones(6)),
            "masked_scatter: shapes",
        ),
        (
            lambda m: m.take_along_dim(m.ones(2, 3), m.tensor([[0]] * 3), 1),
            "take_along_dim: shapes (2, 1) and (3, 1)",
        ),
    ],
)
def test_bad_fill_and_repeat_arguments_raise_pytorchs_exception(fn, message):
    assert_same_error(fn, message)


# --- scatter_reduce, take, index_copy, is_nonzero ------------------------------------------------

REDUCES = ["sum", "prod", "mean", "amax", "amin"]
# repeated targets along dim 0, and ties and zeros among the values
SCATTER_INDEX = np.array([[0, 1, 0], [0, 1, 2], [2, 1, 0]])
SCATTER_TIES = [
    np.array([[1.0, 2.0, 0.0], [3.0, 2.0, 5.0], [-1.0, 0.5, 4.0]], np.float32),
    np.array([[3.0, 2.0, 0.0], [3.0, 0.5, -1.0], [0.0, 0.0, 4.0]], np.float32),
]


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_matches_pytorch_and_finite_differences(reduce, include_self):
    def fn(m, x, src):
        return x.scatter_reduce(0, m.tensor(SCATTER_INDEX), src, reduce, include_self=include_self)

    check(fn, [(3, 3), (3, 3)], low=0.5, high=1.5, second_order=reduce in ("sum", "mean", "prod"))


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_gradient_at_ties_and_zeros_is_pytorchs(reduce, include_self):
    check_torch(
        lambda m, x, src: m.scatter_reduce(
            x, 0, m.tensor(SCATTER_INDEX), src, reduce, include_self=include_self
        ),
        None,
        arrays=[a.copy() for a in SCATTER_TIES],
    )


@requires_torch
@pytest.mark.parametrize("reduce", [*REDUCES, "max", "min"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_of_integers_and_in_place_is_pytorchs(reduce, include_self):
    def fn(m):
        x = m.tensor([5, 7, 9, -3])
        index = m.tensor([0, 0, 1, 3, 3])
        src = m.tensor([2, -3, 4, 6, 1])
        out = x.scatter_reduce(0, index, src, reduce, include_self=include_self)
        return out, x.clone().scatter_reduce_(0, index, src, reduce, include_self=include_self)

    assert_equal(*run_both(fn)[::-1])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.take(x, m.tensor([[5, 0], [-1, 5]])),
        lambda m, x: x.take(m.tensor(3)),
        lambda m, x: x.index_copy(1, m.tensor([2, 0]), x[:, :2] * 3),
        lambda m, x: m.index_copy(x, 0, m.tensor(1), x[:1] + 1),
        lambda m, x: x.clone().index_copy_(0, m.tensor([1]), x[:1] * 2),
    ],
)
def test_take_and_index_copy_match_pytorch_and_finite_differences(fn):
    check(fn, [(2, 3)])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.is_nonzero(m.tensor([0.0])),
        lambda m: m.tensor(float("nan")).is_nonzero(),
        lambda m: m.tensor([[3]]).is_nonzero(),
    ],
)
def test_is_nonzero_is_pytorchs(fn):
    theirs, ours = run_both(fn)
    assert ours == theirs


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.arange(6.0).scatter_reduce(0, m.tensor([0]), m.ones(1), "foo"),
        lambda m: m.arange(6.0).scatter_reduce(0, m.tensor([0]), m.ones(1, dtype=m.float64), "sum"),
        lambda m: m.arange(6.0).scatter_reduce(0, m.tensor([0]), 1.0, "sum"),
        lambda m: m.arange(6.0).scatter_reduce(0, m.tensor([7]), m.ones(1), "sum"),
        lambda m: m.arange(6.0).scatter_reduce(0, m.tensor([0.0]), m.ones(1), "sum"),
        lambda m: m.take(m.zeros(2, 3), m.tensor([1], dtype=m.int32)),
        lambda m: m.take(m.zeros(2, 3), m.tensor([6])),
        lambda m: m.take(m.zeros(2, 3), m.tensor([-7])),
        lambda m: m.zeros(2, 3).index_copy(0, m.tensor([0], dtype=m.int32), m.zeros(1, 3)),
        lambda m: m.zeros(2, 3).index_copy(0, m.tensor([[0]]), m.zeros(1, 3)),
        lambda m: m.zeros(2, 3).index_copy(0, m.tensor([5]), m.zeros(1, 3)),
        lambda m: m.zeros(2, 3).index_copy(0, m.tensor([-1]), m.zeros(1, 3)),
        lambda m: m.zeros(2, 3).index_copy(0, m.tensor([0]), m.zeros(1, 3, dtype=m.float64)),
        lambda m: m.zeros(2, 3).index_copy(0, m.tensor([0, 1]), m.zeros(1, 3)),
        lambda m: m.zeros(2, 3).index_copy(0, m.tensor([0]), m.zeros(1, 2)),
        lambda m: m.tensor([1, 2]).is_nonzero(),
        lambda m: m.tensor([]).is_nonzero(),
    ],
)
def test_bad_arguments_to_scatter_reduce_take_and_index_copy_raise_pytorchs_exception_type(fn):
    assert_same_error(fn)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x, s: x.put(m.tensor([[5, 0], [-3, 2]]), s[0, :2].reshape(2, 1).expand(2, 2) * 1),
        lambda m, x, s: x.put(m.tensor([0, 0, 4]), s[1], accumulate=True),
        lambda m, x, s: x.clone().put_(m.tensor([1, -2, 3]), s[0] ** 2),
        lambda m, x, s: x.mT.put(m.tensor([1, 4, 2]), s[0]),
    ],
)
def test_put_matches_pytorch_and_finite_differences(fn):
    check(fn, [(2, 3), (2, 3)])


def test_put_with_repeated_positions_and_integers_is_pytorchs():
    assert_equal(
        *run_both(
            lambda m: (
                m.tensor([[1, 2], [3, 4]]).put(m.tensor([0, 0, 3]), m.tensor([5, 6, 7]), accumulate=True),
                m.arange(4.0).put_(m.tensor([[2]]), m.tensor([[9.0]])),
            )
        )[::-1]
    )


@pytest.mark.filterwarnings("ignore:index_reduce")
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_matches_pytorch_and_finite_differences(reduce, include_self):
    def fn(m, x, src):
        return x.index_reduce(1, m.tensor([2, 0, 2]), src, reduce, include_self=include_self)

    check(fn, [(2, 3), (2, 3)], low=0.5, high=1.5, second_order=reduce in ("mean", "prod"))


@requires_torch
@pytest.mark.filterwarnings("ignore:index_reduce")
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_of_integers_and_in_place_is_pytorchs(reduce, include_self):
    def fn(m):
        x = m.tensor([[5, 7, 9], [-3, 4, 2]])
        index, src = m.tensor([0, 0, 2]), m.tensor([[2, -3, 4], [6, 1, -2]])
        out = x.index_reduce(1, index, src, reduce, include_self=include_self)
        return out, x.T.clone().index_reduce_(0, index, src.T, reduce, include_self=include_self)

    assert_equal(*run_both(fn)[::-1])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.clone().fill_diagonal_(2.0),
        lambda m, x: x[:, :2].clone().fill_diagonal_(-1.0),
        lambda m, x: x.mT.clone().fill_diagonal_(0.5, wrap=True),
    ],
)
def test_fill_diagonal_matches_pytorch_and_finite_differences(fn):
    check(fn, [(3, 4)])


def test_fill_diagonal_wraps_tall_matrices_and_fills_cubes_as_pytorch():
    assert_equal(
        *run_both(
            lambda m: (
                m.zeros(7, 3).fill_diagonal_(1, wrap=True),
                m.zeros(7, 3).fill_diagonal_(1),
                m.zeros(3, 3, 3, dtype=m.int64).fill_diagonal_(2.7),
                m.zeros(2, 2).fill_diagonal_(m.tensor(4.0)),
            )
        )[::-1]
    )


@requires_torch
@pytest.mark.filterwarnings("ignore:index_reduce")
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(3).put_(m.tensor([5]), m.tensor([1.0])),
        lambda m: m.zeros(3).put_(m.tensor([1]), m.tensor([1.0, 2.0])),
        lambda m: m.zeros(3).put_(m.tensor([1.0]), m.tensor([1.0])),
        lambda m: m.zeros(3).put_(m.tensor([1]), m.tensor([1.0], dtype=m.float64)),
        lambda m: m.zeros(3).index_reduce_(0, m.tensor([1]), m.ones(1), "sum"),
        lambda m: m.zeros(3).index_reduce_(0, m.tensor([1, 2]), m.ones(1), "prod"),
        lambda m: m.zeros(3).index_reduce_(0, m.tensor([3]), m.ones(1), "prod"),
        lambda m: m.zeros(3).index_reduce_(0, m.tensor([-1]), m.ones(1), "prod"),
        lambda m: m.zeros(3).index_reduce_(0, m.tensor([[1]]), m.ones(1), "prod"),
        lambda m: m.zeros(3).index_reduce_(0, m.tensor([1]), m.ones(1, dtype=m.float64), "prod"),
        lambda m: m.zeros(3).fill_diagonal_(1),
        lambda m: m.zeros(3, 2, 3).fill_diagonal_(1),
        lambda m: m.ones(2, 2, requires_grad=True).fill_diagonal_(1),
    ],
)
def test_bad_arguments_to_put_index_reduce_and_fill_diagonal_raise_pytorchs_exception_type(fn):
    assert_same_error(fn)


# --- adding into repeated rows -------------------------------------------------------------------


@pytest.mark.parametrize(
    "table_shape, rows",
    [
        ((10, 4), [3, 3, 0, 9, 3]),
        ((7, 2, 3), [[1, 6], [1, 1]]),  # 2-D rows, rows of rows
        ((5, 3), [-1, 4, -5, 0]),  # negative rows, -1 and 4 the same row
        ((6,), [2, 2, 2]),  # rows of one value
    ],
    ids=["repeats", "rows-of-a-3d-table", "negative", "1d-table"],
)
def test_adding_at_repeated_rows_gives_np_add_at_bit_for_bit(table_shape, rows):
    from chainrule.ops.indexing import _add_at_rows

    rng = np.random.default_rng(0)
    rows = np.array(rows)
    table = rng.standard_normal(table_shape).astype(np.float32)
    values = rng.standard_normal(rows.shape + table_shape[1:]).astype(np.float32)
    expected = table.copy()
    np.add.at(expected, rows, values)
    assert _add_at_rows(table, rows, values)
    np.testing.assert_array_equal(table, expected)


@pytest.mark.parametrize(
    "case",
    ["strided table", "broadcast values", "bool rows", "row out of range", "no rows"],
)
def test_adding_at_rows_declines_what_it_cannot_do_and_changes_nothing(case):
    from chainrule.ops.indexing import _add_at_rows

    table = np.zeros((6, 4), np.float32)
    rows, values = np.array([1, 1]), np.ones((2, 4), np.float32)
    if case == "strided table":
        table = np.zeros((6, 8), np.float32)[:, ::2]
    elif case == "broadcast values":
        values = np.ones(4, np.float32)
    elif case == "bool rows":
        rows, values = np.array([True, False, True, False, False, False]), np.ones((2, 4), np.float32)
    elif case == "row out of range":
        rows = np.array([1, 6])
    else:
        rows, values = np.zeros(0, np.int64), np.ones((0, 4), np.float32)
    before = table.copy()
    assert not _add_at_rows(table, rows, values)
    np.testing.assert_array_equal(table, before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "table_shape, rows_shape",
    [((300, 64), (400,)), ((50, 4, 16), (20, 30))],
    ids=["embedding", "2-d rows of a 3-d table"],
)
def test_summing_many_values_into_rows_gives_np_add_at_bit_for_bit(table_shape, rows_shape, dtype):
    """Past _SPARSE_MIN_VALUES values the rows are summed by a sparse product
    (_sum_into_rows); repeated and negative rows included."""
    from chainrule.ops.indexing import _SPARSE_MIN_VALUES, IndexKey

    rng = np.random.default_rng(1)
    rows = rng.integers(-table_shape[0], table_shape[0], rows_shape)
    values = rng.standard_normal(rows_shape + table_shape[1:]).astype(dtype)
    assert values.size >= _SPARSE_MIN_VALUES
    expected = np.zeros(table_shape, dtype)
    np.add.at(expected, rows, values)
    scattered = IndexKey(None, (rows,), True).scatter(table_shape, values)
    assert scattered.dtype == dtype
    np.testing.assert_array_equal(scattered, expected)


@requires_torch
def test_an_embeddings_gradient_with_repeated_indices_matches_pytorch():
    check_torch(
        lambda m, w: m.nn.functional.embedding(m.tensor([[3, 1, 3], [0, 3, 1]]), w),
        None,
        arrays=[np.random.default_rng(2).standard_normal((5, 6)).astype(np.float32)],
    )


@requires_torch
def test_a_large_embeddings_gradient_matches_pytorch():
    """32 sentences of 100 tokens of 100 values into a 5,000-row table, by the sparse
    sum (_sum_into_rows): it adds each row's values in token order (equal to PyTorch's
    CPU kernel to the bit here; compared to float32 rounding, as PyTorch's order may
    depend on its threads)."""
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, 5000, (32, 100))
    table = rng.standard_normal((5000, 100)).astype(np.float32)
    grad = rng.standard_normal((32, 100, 100)).astype(np.float32)
    results = []
    for m in (chainrule, torch):
        weight = m.tensor(table, requires_grad=True)
        m.nn.functional.embedding(m.tensor(tokens), weight).backward(m.tensor(grad))
        results.append(weight.grad.numpy())
    np.testing.assert_allclose(*results, rtol=1e-6, atol=1e-6)
