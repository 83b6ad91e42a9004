"""Shape ops against PyTorch: values, gradients, views and errors."""

import re

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


# --- values and gradients (PyTorch parity + float64 finite differences, both orders) ---------


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.reshape(4, 6),
        lambda m, x: x.reshape(-1, 3),
        lambda m, x: m.reshape(x, (24,)),
        lambda m, x: x.view(3, 8),
        lambda m, x: x.view(-1),
        lambda m, x: x.flatten(),
        lambda m, x: x.flatten(1),
        lambda m, x: m.flatten(x, 0, 1),
        lambda m, x: x.unflatten(2, (2, 2)),
        lambda m, x: x.unflatten(1, (-1, 1)),
        lambda m, x: x.permute(2, 0, 1),
        lambda m, x: m.permute(x, (1, 2, 0)),
        lambda m, x: x.transpose(0, 2),
        lambda m, x: m.swapaxes(x, 1, -1),
        lambda m, x: x.swapdims(0, 1),
        lambda m, x: x.mT,
        lambda m, x: x.movedim(0, -1),
        lambda m, x: m.movedim(x, (0, 1), (2, 0)),
        lambda m, x: x.unsqueeze(1).unsqueeze(-1),
        lambda m, x: x.contiguous(),
        lambda m, x: x.clone(),
        lambda m, x: x.transpose(0, 1).contiguous(),
    ],
)
def test_view_like_op_matches_pytorch_and_finite_differences(fn):
    check(fn, [(2, 3, 4)])


def test_transpose_property_reverses_a_matrix_and_its_gradient():
    check(lambda m, x: x.T * 2, [(3, 4)])


def test_t_transposes_a_matrix_and_leaves_a_vector_alone():
    check(lambda m, x: m.t(x), [(3, 4)])
    check(lambda m, x: x.t() * 3, [(4,)])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.squeeze(),
        lambda m, x: x.squeeze(0),
        lambda m, x: x.squeeze(1),
        lambda m, x: x.squeeze((0, 2)),
        lambda m, x: m.squeeze(x, -1),
    ],
)
def test_squeeze_matches_pytorch_for_all_and_chosen_dims(fn):
    check(fn, [(1, 3, 1)])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.expand(2, 3, 4),
        lambda m, x: x.expand(2, -1, 4),
        lambda m, x: x.expand(5, 3, -1),
        lambda m, x: m.broadcast_to(x, (2, 3, 4)),
        lambda m, x: x.expand_as(m.zeros(2, 3, 4)),
        lambda m, x: m.broadcast_tensors(x, m.zeros(2, 1, 1))[0],
    ],
)
def test_expanding_sums_the_gradient_over_the_broadcast_dims(fn):
    check(fn, [(3, 1)])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.repeat(2, 1),
        lambda m, x: x.repeat(3, 2),
        lambda m, x: x.repeat(2, 1, 3),
        lambda m, x: x.tile((2,)),
        lambda m, x: x.tile(2, 1, 2),
        lambda m, x: m.tile(x, (1, 3)),
    ],
)
def test_repeated_copies_add_their_gradients(fn):
    check(fn, [(2, 3)])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.flip(0),
        lambda m, x: x.flip(0, 2),
        lambda m, x: m.flip(x, [-1]),
        lambda m, x: x.fliplr(),
        lambda m, x: x.flipud(),
        lambda m, x: x.roll(1),
        lambda m, x: x.roll(-2, 1),
        lambda m, x: m.roll(x, (1, 3), (0, 2)),
        lambda m, x: x.roll(5, -1),
    ],
)
def test_flip_and_roll_move_the_gradient_back(fn):
    check(fn, [(2, 3, 4)])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.narrow(1, 1, 2),
        lambda m, x: m.narrow(x, -1, -3, 2),
        lambda m, x: x.chunk(2, 2),
        lambda m, x: m.chunk(x, 3, 1),
        lambda m, x: x.chunk(4, 0),
        lambda m, x: x.split(2, -1),
        lambda m, x: x.split([1, 2], 1),
        lambda m, x: m.split(x, [3, 1], 2),
        lambda m, x: x.unbind(1),
        lambda m, x: m.unbind(x),
    ],
)
def test_pieces_of_a_split_send_their_gradients_to_their_slices(fn):
    check(fn, [(2, 3, 4)])


def test_empty_pieces_and_diagonals_match_pytorch():
    # (finite differences have nothing to check on an empty output)
    check_torch(lambda m, x: m.split(x, [3, 0, 1], 2), [(2, 3, 4)])
    check_torch(lambda m, x: (x.diagonal(9), x.narrow(0, 2, 0)), [(3, 3, 4)])


def test_an_unused_piece_of_a_split_gets_zero_gradient():
    check(lambda m, x: x.split(2, 1)[1] * 3, [(2, 5)])
    check(lambda m, x: x.unbind(0)[0].exp(), [(3, 2)])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.tril(),
        lambda m, x: x.tril(1),
        lambda m, x: m.tril(x, -1),
        lambda m, x: x.triu(),
        lambda m, x: x.triu(2),
        lambda m, x: m.triu(x, -2),
    ],
)
def test_triangles_pass_gradient_only_where_they_keep_values(fn):
    check(fn, [(2, 3, 4)])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.diagonal(),
        lambda m, x: x.diagonal(1),
        lambda m, x: x.diagonal(-1, 0, 2),
        lambda m, x: m.diagonal(x, 2, 2, 1),
        lambda m, x: x.diagonal(0, -1, 0),
    ],
)
def test_diagonal_gradient_lands_on_the_diagonal(fn):
    check(fn, [(3, 3, 4)])


@pytest.mark.parametrize(
    "fn, shape",
    [
        (lambda m, x: m.diag(x), (3,)),
        (lambda m, x: m.diag(x, 1), (3,)),
        (lambda m, x: x.diag(-2), (2,)),
        (lambda m, x: m.diag(x), (3, 4)),
        (lambda m, x: m.diag(x, 1), (3, 4)),
        (lambda m, x: x.diag(-2), (3, 4)),
        (lambda m, x: m.diag_embed(x), (2, 3)),
        (lambda m, x: m.diag_embed(x, 1, 0, 2), (2, 3)),
    ],
)
def test_diag_builds_a_matrix_from_a_vector_and_reads_one_back(fn, shape):
    check(fn, [shape])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_gives_each_input_the_gradient_of_its_slice(dim):
    check(lambda m, a, b, c: m.cat([a, b, c], dim), [(2, 3), (2, 3), (2, 3)])


def test_cat_of_different_sizes_along_the_joined_dim():
    check(lambda m, a, b: m.cat((a, b), 1), [(2, 1), (2, 4)])
    check(lambda m, a, b: m.concat([a, b]), [(1, 3), (2, 3)])


def test_cat_skips_empty_vectors_as_pytorch_does():
    check(lambda m, a: m.cat([m.zeros(0), a, m.zeros(0)]), [(2, 3)])


def test_cat_promotes_dtypes_as_pytorch():
    theirs, ours = run_both(lambda m: m.cat([m.tensor([1, 2]), m.tensor([0.5])]))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == chainrule.float32


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_gives_each_input_the_gradient_of_its_entry(dim):
    check(lambda m, a, b: m.stack([a, b], dim), [(2, 3), (2, 3)])


def test_cat_and_stack_of_integer_tensors_keep_the_dtype():
    theirs, ours = run_both(lambda m: m.stack([m.arange(3), m.arange(3)], 1))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == chainrule.int64


def test_reshape_of_a_non_contiguous_tensor_copies_and_keeps_the_gradient_right():
    check(lambda m, x: x.transpose(0, 1).reshape(-1) * m.arange(6.0), [(2, 3)])


# --- views share memory and the version counter -----------------------------------------------

VIEWS = {
    "reshape": lambda m, x: x.reshape(6, 4),
    "view": lambda m, x: x.view(2, 12),
    "flatten": lambda m, x: x.flatten(),
    "unflatten": lambda m, x: x.unflatten(2, (2, 2)),
    "squeeze": lambda m, x: x[:1].squeeze(0),
    "unsqueeze": lambda m, x: x.unsqueeze(0),
    "permute": lambda m, x: x.permute(1, 2, 0),
    "transpose": lambda m, x: x.transpose(0, 2),
    "T": lambda m, x: x[0].T,
    "mT": lambda m, x: x.mT,
    "movedim": lambda m, x: x.movedim(0, 2),
    "narrow": lambda m, x: x.narrow(2, 1, 2),
    "split": lambda m, x: x.split(2, 2)[1],
    "chunk": lambda m, x: x.chunk(3, 1)[2],
    "unbind": lambda m, x: x.unbind(1)[1],
    "diagonal": lambda m, x: x.diagonal(1, 1, 2),
    "getitem": lambda m, x: x[1, :, ::2],
    "contiguous": lambda m, x: x.contiguous(),
}

COPIES = {
    "clone": lambda m, x: x.clone(),
    "flip": lambda m, x: x.flip(0),
    "roll": lambda m, x: x.roll(1, 2),
    "repeat": lambda m, x: x.repeat(1, 1, 2),
    "tril": lambda m, x: x.tril(),
    "diag": lambda m, x: x[0].diag(),
    "transposed_reshape": lambda m, x: x.transpose(0, 1).reshape(-1),
    "cat": lambda m, x: m.cat([x, x]),
    "stack": lambda m, x: m.stack([x]),
    "advanced_index": lambda m, x: x[[0, 1]],
}


@requires_torch
@pytest.mark.parametrize("name", sorted(VIEWS) + sorted(COPIES))
def test_writing_into_the_result_changes_the_input_exactly_when_pytorch_returns_a_view(name):
    fn = {**VIEWS, **COPIES}[name]

    def write(m):
        x = m.arange(24.0).reshape(2, 3, 4)
        fn(m, x).fill_(-1.0)
        return x

    theirs, ours = run_both(write)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_changing_a_view_in_place_is_caught_by_a_graph_that_saved_its_base(name):
    w = chainrule.randn(2, 3, 4, requires_grad=True)
    base = w * 1.0
    y = (base * base).sum()  # Mul saved ``base``
    view = VIEWS[name](chainrule, base)
    with chainrule.no_grad():
        view.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_changing_the_base_in_place_is_caught_by_a_graph_that_saved_the_view():
    w = chainrule.randn(2, 3, requires_grad=True)
    base = w * 1.0
    view = base.transpose(0, 1)
    y = (view * view).sum()  # Mul saved the view
    base.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_a_view_of_a_view_still_shares_memory_with_the_first_base():
    x = chainrule.zeros(2, 3, 4)
    x.transpose(0, 1)[2].narrow(1, 1, 2).fill_(5.0)
    expected = np.zeros((2, 3, 4), np.float32)
    expected[:, 2, 1:3] = 5.0
    np.testing.assert_array_equal(x.numpy(), expected)


def test_views_do_not_copy_memory():
    x = chainrule.zeros(4, 6)
    for view in (x.view(24), x.T, x[1:3], x.diagonal(), x.unsqueeze(0), *x.split(2, 1), *x.unbind(0)):
        assert np.shares_memory(view.numpy(), x.numpy())


def test_gradient_through_a_view_written_in_place_flows_to_the_value():
    w = chainrule.randn(3, requires_grad=True)
    x = chainrule.zeros(2, 3)
    x[0] = w * 2
    (x * x).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 8 * w.detach().numpy(), rtol=1e-6)


# --- errors -------------------------------------------------------------------------------------


def test_reshape_to_a_wrong_size_raises_pytorchs_message():
    with pytest.raises(RuntimeError, match=re.escape("shape '[2, 5]' is invalid for input of size 6")):
        chainrule.arange(6).reshape(2, 5)


def test_view_of_incompatible_strides_raises_and_suggests_reshape():
    with pytest.raises(RuntimeError, match=r"view size is not compatible .* Use \.reshape\(\.\.\.\) instead"):
        chainrule.zeros(2, 3).t().view(6)


def test_cat_of_mismatched_sizes_names_the_sizes_and_the_tensor_number():
    message = (
        "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor "
        "number 1 in the list."
    )
    with pytest.raises(RuntimeError, match=re.escape(message)):
        chainrule.cat([chainrule.zeros(2, 3), chainrule.zeros(3, 2)])


def test_stack_of_mismatched_shapes_names_both_shapes_and_the_entry():
    message = "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 2] at entry 1"
    with pytest.raises(RuntimeError, match=re.escape(message)):
        chainrule.stack([chainrule.zeros(2, 3), chainrule.zeros(3, 2)])


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.zeros(2, 3).reshape(-1, -1), "only one dimension can be inferred"),
        (lambda m: m.zeros(2, 3).view(4, -1), "invalid for input of size 6"),
        (lambda m: m.zeros(2, 3).permute(0), "len(dims) = 1"),
        (lambda m: m.zeros(2, 3).permute(0, 0), "duplicate dims"),
        (lambda m: m.zeros(2, 3).transpose(0, 2), "Dimension out of range"),
        (lambda m: m.zeros(2, 3).unsqueeze(3), "Dimension out of range"),
        (lambda m: m.zeros(2, 3).squeeze(5), "Dimension out of range"),
        (lambda m: m.zeros(2, 3).expand(3, 3), "must match the existing size (2)"),
        (lambda m: m.zeros(2, 3).expand(3), "must be greater or equal to the number of dimensions"),
        (lambda m: m.zeros(2, 3).expand(-1, 2, 3), "leading, non-existing dimension 0"),
        (lambda m: m.zeros(2, 3).flatten(1, 0), "start_dim cannot come after end_dim"),
        (lambda m: m.zeros(2, 3).unflatten(1, (2, 2)), "don't multiply up to the size of dim 1 (3)"),
        (lambda m: m.zeros(2, 3).movedim((0, 1), (1,)), "should contain the same number of dims"),
        (lambda m: m.zeros(2, 3).movedim((0, 0), (1, 0)), "repeated dim in `source`"),
        (lambda m: m.zeros(2, 3).repeat(2), "can not be smaller than number of dimensions"),
        (lambda m: m.zeros(2, 3).flip(2), "Dimension out of range"),
        (lambda m: m.zeros(2, 3).roll((1, 2), (0,)), "shifts and dimensions must align"),
        (lambda m: m.zeros(2, 3).narrow(1, 2, 2), "start (2) + length (2) exceeds dimension size (3)."),
        (lambda m: m.zeros(2, 3).narrow(1, 4, 0), "start out of range"),
        (lambda m: m.zeros(2, 3).narrow(1, 0, -1), "length must be non-negative"),
        (lambda m: m.zeros(2, 3).chunk(0), "chunk expects `chunks` to be greater than 0"),
        (lambda m: m.arange(5).split(0), "split_size can only be 0 if dimension size is 0"),
        (lambda m: m.arange(5).split(-1), "split expects split_size be non-negative"),
        (lambda m: m.arange(5).split([2, 2]), "split_sizes to sum exactly to 5"),
        (lambda m: m.tensor(1.0).unbind(), "tensor has no dimensions"),
        (lambda m: m.arange(3.0).tril(), "tril: input tensor must have at least 2 dimensions"),
        (lambda m: m.arange(3.0).triu(), "triu: input tensor must have at least 2 dimensions"),
        (lambda m: m.zeros(2, 2, 2).diag(), "diag(): Supports 1D or 2D tensors. Got 3D"),
        (lambda m: m.zeros(2, 3).diagonal(0, 1, 1), "diagonal dimensions cannot be identical"),
        (lambda m: m.zeros(2, 3).diagonal(0, 0, 2), "Dimension out of range"),
        (lambda m: m.arange(3.0).mT, "Got 1-D tensor"),
        (lambda m: m.zeros(2, 3, 4).t(), "t() expects a tensor with <= 2 dimensions"),
        (lambda m: m.cat([]), "expected a non-empty list of Tensors"),
        (lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]), "zero-dimensional tensor"),
        (lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 3, 1)]), "same number of dimensions: got 2 and 3"),
        (lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 3)], dim=2), "Dimension out of range"),
        (lambda m: m.cat([m.zeros(2), 5]), "expected Tensor as element 1"),
        (lambda m: m.cat(m.zeros(2, 3)), "must be tuple of Tensors, not Tensor"),
        (lambda m: m.stack([]), "stack expects a non-empty TensorList"),
        (lambda m: m.stack([m.zeros(2), m.zeros(2)], 2), "Dimension out of range"),
        (lambda m: m.zeros(2, 3).view(m.float64), "must be divisible by 2"),
    ],
)
def test_bad_shape_arguments_raise_pytorchs_exception_type(fn, message):
    assert_same_error(fn, message)


# --- integer and edge cases ---------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.arange(6).reshape(2, 3).repeat(2, 0),
        lambda m: m.arange(0).chunk(3),
        lambda m: m.arange(0).split(2),
        lambda m: m.arange(0).split(0),
        lambda m: m.arange(5).chunk(4),
        lambda m: m.arange(6).chunk(4),
        lambda m: m.zeros(2, 0).unbind(1),
        lambda m: m.arange(5).narrow(0, 5, 0),
        lambda m: m.arange(5).narrow(0, m.tensor(1), 3),
        lambda m: m.arange(6).reshape(2, 3).diagonal(5),
        lambda m: m.arange(6).reshape(2, 3).diag(-1),
        lambda m: m.arange(6).reshape(2, 3).tile(()),
        lambda m: m.tensor([1, 2]).flip(()),
        lambda m: m.arange(5).roll(1, dims=()),
        lambda m: m.tensor(1.0).repeat(2, 2),
        lambda m: m.tensor(1.0).flatten(),
        lambda m: m.tensor(1.0).squeeze(0),
        lambda m: m.tensor(1.0).transpose(0, -1),
        lambda m: m.zeros(1, 2, 1).squeeze((0, 2)),
        lambda m: m.arange(8.0).reshape(2, 4).view(m.float64),
        lambda m: m.arange(6.0).reshape(2, 3).view(m.int32),
        lambda m: m.arange(6).reshape(2, 3).split_with_sizes([1, 2], 1),
        lambda m: m.ones(3, 3, dtype=m.int64).tril_(-1),
    ],
)
def test_edge_cases_match_pytorch(fn):
    theirs, ours = run_both(fn)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    ours = ours if isinstance(ours, tuple) else (ours,)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == tuple(b.shape)
        assert a.dtype.name == str(b.dtype).split(".")[-1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_float32_stays_float32_through_shape_ops():
    x = chainrule.ones(2, 3, requires_grad=True)
    outputs = [x.reshape(6), x.flip(0), x.repeat(2, 1), x.tril(), x.diagonal(), chainrule.cat([x, x])]
    outputs += [*x.split(1), *x.unbind(1), x.roll(1), x.T, chainrule.diag(x[0])]
    for out in outputs:
        assert out.dtype == chainrule.float32
    sum(o.sum() for o in outputs).backward()
    assert x.grad.dtype == chainrule.float32


# --- hypothesis: random shapes and arguments against PyTorch ------------------------------------

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


def _arrays(shape):
    return [np.random.default_rng(len(shape)).uniform(-2, 2, shape).astype(np.float32)]


@requires_torch
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_random_permutations_match_pytorch(data, shape):
    order = data.draw(st.permutations(range(len(shape))))
    check_torch(lambda m, x: x.permute(*order), [shape], arrays=_arrays(shape))


@requires_torch
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_random_transposes_and_movedims_match_pytorch(data, shape):
    ndim = len(shape)
    a, b = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    check_torch(lambda m, x: x.transpose(a, b).movedim(a, b) * 2, [shape], arrays=_arrays(shape))


@st.composite
def reshape_targets(draw, shape):
    """A random shape with the same number of elements (maybe with a -1)."""
    factors = [f for n in shape for f in _prime_factors(n)]
    factors = draw(st.permutations(factors))
    groups = draw(st.integers(1, max(1, len(factors))))
    cuts = sorted(draw(st.lists(st.integers(0, len(factors)), min_size=groups - 1, max_size=groups - 1)))
    bounds = [0, *cuts, len(factors)]
    target = [int(np.prod(factors[a:b])) for a, b in zip(bounds, bounds[1:])]
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


def _prime_factors(n):
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@requires_torch
@SETTINGS
@given(data=st.data(), shape=shapes, transposed=st.booleans())
def test_random_reshape_targets_match_pytorch(data, shape, transposed):
    target = data.draw(reshape_targets(shape))

    def fn(m, x):
        return (x.mT if transposed and x.ndim > 1 else x).reshape(target)

    check_torch(fn, [shape], arrays=_arrays(shape))


@requires_torch
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_random_split_sizes_match_pytorch(data, shape):
    dim = data.draw(st.integers(0, len(shape) - 1))
    size = shape[dim]
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, size])]
    step = data.draw(st.integers(1, size))
    check_torch(
        lambda m, x: (*x.split(sizes, dim), *x.split(step, dim), *x.chunk(step, dim)),
        [shape],
        arrays=_arrays(shape),
    )


@requires_torch
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_random_flips_and_rolls_match_pytorch(data, shape):
    dims = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True))
    shifts = [data.draw(st.integers(-5, 5)) for _ in dims]
    check_torch(
        lambda m, x: x.flip(dims).roll(shifts, dims) if dims else x.flip(dims), [shape], arrays=_arrays(shape)
    )


@requires_torch
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_random_cat_and_stack_match_pytorch(data, shape):
    dim = data.draw(st.integers(0, len(shape) - 1))
    other = shape[:dim] + (data.draw(st.integers(1, 3)),) + shape[dim + 1 :]
    arrays = _arrays(shape) + [np.ones(other, np.float32), _arrays(shape)[0] * 2]
    check_torch(
        lambda m, a, b, c: (m.cat([a, b, c], dim), m.stack([a, c], dim)),
        [shape, other, shape],
        arrays=arrays,
    )


@requires_torch
@SETTINGS
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=2, max_size=4).map(tuple))
def test_random_diagonals_and_triangles_match_pytorch(data, shape):
    ndim = len(shape)
    dim1, dim2 = data.draw(st.permutations(range(ndim)))[:2]
    offset = data.draw(st.integers(-4, 4))
    check_torch(
        lambda m, x: (x.diagonal(offset, dim1, dim2), x.tril(offset), x.triu(-offset)),
        [shape],
        arrays=_arrays(shape),
    )


# --- PyTorch's keyword names, NumPy's axis=, out= ----------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.view(size=(4, 6)),
        lambda m, x: x.reshape(shape=(6, -1)),
        lambda m, x: m.reshape(x, shape=(24,)),
        lambda m, x: x[:, :1].expand(size=(2, 5, 4)),
        lambda m, x: x.permute(dims=(2, 0, 1)),
        lambda m, x: m.permute(x, dims=[1, 2, 0]),
        lambda m, x: x.flip(dims=(0, 2)),
        lambda m, x: m.flip(x, dims=[1]),
        lambda m, x: x.tile(dims=(2, 1)),
        lambda m, x: m.tile(x, dims=(1, 2, 1, 1)),
        lambda m, x: x.repeat(repeats=(1, 2, 1)),
        lambda m, x: x.split(split_size=2, dim=2)[1],
        lambda m, x: m.split(x, split_size_or_sections=[1, 2], dim=1)[1],
        lambda m, x: m.cat([x, x * 2], axis=1),
        lambda m, x: m.concatenate([x, x], axis=-1),
        lambda m, x: m.concat([x, x], axis=0),
        lambda m, x: m.stack([x, x * 2], axis=2),
        lambda m, x: x[:1].squeeze(axis=0),
        lambda m, x: x.unsqueeze(axis=1),
        lambda m, x: m.unsqueeze(x, axis=-1),
        lambda m, x: x.chunk(2, axis=2)[0],
        lambda m, x: x.unbind(axis=1)[2],
        lambda m, x: x.narrow(axis=2, start=1, length=2),
    ],
)
def test_shape_ops_take_pytorchs_keyword_names_and_numpys_axis(fn):
    check(fn, [(2, 3, 4)])


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda m, x, y: m.hstack([x, y]), [(2, 3), (2, 1)]),
        (lambda m, x, y: m.hstack((x, y)), [(3,), (2,)]),
        (lambda m, x, y: m.vstack([x, y]), [(3,), (2, 3)]),
        (lambda m, x, y: m.row_stack([x, y]), [(1, 3), (2, 3)]),
        (lambda m, x, y: m.dstack([x, y]), [(2, 3), (2, 3, 2)]),
        (lambda m, x, y: m.dstack([x, y]), [(3,), (3,)]),
        (lambda m, x, y: m.column_stack([x, y]), [(3,), (3, 2)]),
    ],
)
def test_hstack_vstack_dstack_and_column_stack_match_pytorch(fn, shapes):
    check(fn, shapes)


@requires_torch
def test_stacking_zero_dim_tensors_matches_pytorch():
    theirs, ours = run_both(
        lambda m: [m.hstack([m.tensor(1.0), m.tensor(2.0)]), m.vstack([m.tensor(1), m.tensor(2)])]
    )
    for a, b in zip(ours, theirs):
        assert a.tolist() == b.tolist() and a.shape == tuple(b.shape)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a, b: m.cat([a, b], 1, out=m.empty(0)),
        lambda m, a, b: m.stack([a, b], out=m.empty(2, 2, 3)),
        lambda m, a, b: m.hstack([a, b], out=m.empty(0, dtype=m.float64)),
        lambda m, a, b: m.vstack([a, b], out=m.empty(4, 3)),
    ],
)
def test_joining_writes_into_out_as_pytorch(fn):
    a, b = np.ones((2, 3), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)
    ours = fn(chainrule, chainrule.tensor(a), chainrule.tensor(b))
    theirs = fn(torch, torch.tensor(a), torch.tensor(b))
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_cat_with_out_returns_out_itself():
    out = chainrule.empty(4)
    assert chainrule.cat([chainrule.ones(2), chainrule.zeros(2)], out=out) is out
    assert out.tolist() == [1.0, 1.0, 0.0, 0.0]


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(2, 3).view(2, size=(3, 2)),
        lambda m: m.zeros(2, 3).reshape(2, shape=(3, 2)),
        lambda m: m.zeros(2, 3).permute(1, dims=(1, 0)),
        lambda m: m.zeros(2, 3).flip(1, dims=(1, 0)),
        lambda m: m.zeros(2, 3).expand(2, 3, size=(2, 3)),
        lambda m: m.stack([m.ones(2)], out=m.empty(1, 2, dtype=m.int64)),
        lambda m: m.zeros(2, 3).unsqueeze(),
        lambda m: m.cat([m.ones(2, requires_grad=True)], out=m.empty(2)),
        lambda m: m.cat([m.ones(2)], out=m.empty(2, dtype=m.int64)),
    ],
)
def test_bad_keyword_and_out_arguments_raise_pytorchs_exception_type(fn):
    assert_same_error(fn)


@requires_torch
def test_numpy_style_names_take_their_own_keywords():
    # swapaxes(axis0=, axis1=), swapdims(dim0=, dim1=), broadcast_to(size=) were refused
    def scenario(lib):
        x = lib.arange(6.0).reshape(2, 3)
        return (
            x.swapaxes(axis0=0, axis1=1),
            lib.swapaxes(x, 1, 0),
            x.swapdims(dim0=1, dim1=0),
            lib.broadcast_to(input=lib.ones(3), size=(2, 3)),
            x.shape + (1,),
            (1,) + x.shape,
        )

    same_as_torch(scenario)


@requires_torch
def test_in_place_shape_changes_keep_the_tensor_and_record_as_pytorch():
    # squeeze_, unsqueeze_, t_, transpose_, swapaxes_ and swapdims_ were missing
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 1
        same = y.t_() is y
        y.unsqueeze_(0).squeeze_(0).transpose_(0, 1).swapaxes_(0, 1).swapdims_(1, 0)
        (y * lib.arange(6.0).reshape(2, 3)).sum().backward()
        base = lib.arange(6.0).reshape(2, 3)
        row = base[0]
        row.unsqueeze_(0).mul_(10)  # still a view of base
        return same, y.shape, y.detach(), x.grad, base, row.shape

    same_as_torch(scenario)
    raises_like_torch(lambda lib: lib.ones(2, requires_grad=True).unsqueeze_(0), match="leaf")


@pytest.mark.parametrize("shape", [(), (3,)])
def test_t_of_a_vector_or_scalar_is_a_new_view(shape):
    # it returned the tensor itself, so y = x.t() shared x's identity (and leafness)
    def scenario(lib):
        x = lib.ones(shape, requires_grad=True)
        y = x.t()
        (y * 2).sum().backward()
        return y is x, y.is_leaf, y.grad_fn is not None, y._base is x, x.grad

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_pytorch_in_values_and_gradients(indexing):
    # meshgrid was missing (d2l's anchor boxes, plotting a loss surface)
    def scenario(lib):
        x, y = lib.arange(3.0, requires_grad=True), lib.arange(2.0, requires_grad=True)
        z = lib.tensor([5.0, 6.0, 7.0, 8.0], requires_grad=True)
        a, b, c = lib.meshgrid(x, y, z, indexing=indexing)
        ((a * b + c**2) * lib.arange(float(a.numel())).reshape(a.shape)).sum().backward()
        scalar_rows, cols = lib.meshgrid([lib.tensor(3), lib.arange(2)], indexing=indexing)
        return a.detach(), b.detach(), c.detach(), x.grad, y.grad, z.grad, scalar_rows, cols

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.meshgrid(lib.ones(2, 2), indexing="ij"),
        lambda lib: lib.meshgrid(lib.arange(2), indexing="yx"),
        lambda lib: lib.meshgrid(lib.arange(2), lib.arange(2.0), indexing="ij"),
    ],
    ids=["2-D", "indexing", "dtypes"],
)
def test_meshgrid_refuses_what_pytorch_refuses(call):
    raises_like_torch(call)


def test_meshgrid_without_indexing_warns_and_takes_ij():
    with pytest.warns(UserWarning, match="indexing argument"):
        rows, _ = chainrule.meshgrid(chainrule.arange(3), chainrule.arange(2))
    assert rows.shape == (3, 2)


def test_meshgrid_gradients_match_finite_differences_and_pytorch():
    check(lambda m, x, y: m.meshgrid(x, y, indexing="xy"), [(3,), (2,)])


# --- rot90, tensor_split and friends, select, atleast_nd, block_diag, vander, combinations ---------


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.rot90(x),
        lambda m, x: x.rot90(2, (1, 2)),
        lambda m, x: m.rot90(x, -1, (2, 0)),
        lambda m, x: x.rot90(4),
        lambda m, x: m.tensor_split(x, 2, 1),
        lambda m, x: x.tensor_split([1, 0, 5], 2),
        lambda m, x: x.tensor_split(m.tensor([1, 3]), -1),
        lambda m, x: m.hsplit(x, 3),
        lambda m, x: x.vsplit([1]),
        lambda m, x: m.dsplit(x, 2),
        lambda m, x: m.select(x, 1, -1),
        lambda m, x: x.select(2, 3),
        lambda m, x: m.atleast_3d(x[0, 0], x[0], x[0, 0, 0]),
        lambda m, x: m.atleast_2d([x[0, 0, 0]]),
        lambda m, x: m.atleast_1d(x[0, 0, 0]) * 2,
        lambda m, x: m.block_diag(x[0], x[1, 0], x[0, 0, 0]),
        lambda m, x: m.diagflat(x[0, :2], -1),
        lambda m, x: x[0].diagflat(2),
        lambda m, x: m.cartesian_prod(x[0, 0], x[1, 1, :2]),
        lambda m, x: m.combinations(x[0, 0]),
        lambda m, x: m.combinations(x[0, 0], 3, with_replacement=True),
    ],
)
def test_new_shape_op_matches_pytorch_and_finite_differences(fn):
    check(fn, [(2, 3, 4)], low=0.5, high=1.5)


@pytest.mark.parametrize("n, increasing", [(None, False), (3, True), (1, False)])
def test_vander_gradient_is_that_of_the_powers_it_holds(n, increasing):
    # PyTorch 2.13's own vander fails in backward (an in-place write it then differentiates):
    # its values are the oracle here, and the gradient is that of x ** k in PyTorch
    check_gradcheck(lambda m, x: m.vander(x, n, increasing=increasing), [(4,)])
    same_as_torch(lambda m: m.vander(m.tensor([0.5, -1.5, 2.0, 0.0]), n, increasing=increasing))

    def powers(m, x):
        k = m.arange(x.shape[0] if n is None else n, dtype=x.dtype)
        return x.unsqueeze(1) ** (k if increasing else k.flip(0))

    check_torch(
        lambda m, x: m.vander(x, n, increasing=increasing) if m is chainrule else powers(m, x), [(4,)]
    )


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.broadcast_shapes((2, 1), 3, [1]),
        lambda m: m.broadcast_shapes(),
        lambda m: m.vander(m.tensor([1, 2, 3], dtype=m.int8)),
        lambda m: m.vander(m.tensor([True, False])),
        lambda m: m.vander(m.zeros(2), 0),
        lambda m: m.block_diag(),
        lambda m: m.block_diag(m.tensor(1), m.tensor([2.0, 3.0]), m.ones(2, 1, dtype=m.float64)),
        lambda m: m.combinations(m.arange(4), 0),
        lambda m: m.combinations(m.arange(2), 3),
        lambda m: m.cartesian_prod(m.arange(2), m.arange(3), m.arange(2)),
        lambda m: m.atleast_1d(m.tensor(1.0), m.tensor(2.0)),
        lambda m: m.tensor_split(m.arange(7), 3),
        lambda m: m.tensor_split(m.arange(6), m.tensor(4)),
        lambda m: m.hsplit(m.arange(4), [3]),
    ],
)
def test_new_shape_op_gives_pytorchs_values_dtypes_and_shapes(fn):
    same_as_torch(fn)


NEW_VIEWS = {
    "select": lambda m, x: x.select(1, 2),
    "tensor_split": lambda m, x: x.tensor_split(2, 2)[1],
    "hsplit": lambda m, x: m.hsplit(x, [1])[1],
    "vsplit": lambda m, x: x.vsplit(2)[0],
    "dsplit": lambda m, x: m.dsplit(x, 2)[1],
    "atleast_1d": lambda m, x: m.atleast_1d(x[1, 1, 1]),
    "atleast_3d": lambda m, x: m.atleast_3d(x[0]),
    "unfold": lambda m, x: x.unfold(2, 2, 1),
    "as_strided": lambda m, x: x[1].as_strided((2, 2), (1, 2), 3),
    "as_strided_of_transpose": lambda m, x: m.as_strided(x.mT, (3,), (5,)),
    "mH": lambda m, x: x.mH,
    "H": lambda m, x: x[0].H,
    "adjoint": lambda m, x: m.adjoint(x),
    "ravel": lambda m, x: x.ravel(),
}
NEW_COPIES = {
    "rot90": lambda m, x: x.rot90(),
    "rot90_zero": lambda m, x: x.rot90(0),
    "block_diag": lambda m, x: m.block_diag(x[0]),
    "diagflat": lambda m, x: x[0, 0].diagflat(),
    "narrow_copy": lambda m, x: x.narrow_copy(1, 1, 2),
    "select_scatter": lambda m, x: m.select_scatter(x, x[:, 0] * 2, 1, 0),
    "slice_scatter": lambda m, x: x.slice_scatter(x[:, :, :2], 2, 1, None, 2),
    "diagonal_scatter": lambda m, x: m.diagonal_scatter(x, x[:, 0, :3], 1, 1, 2),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(NEW_VIEWS) + sorted(NEW_COPIES))
def test_new_ops_write_through_exactly_when_pytorch_returns_a_view(name):
    fn = {**NEW_VIEWS, **NEW_COPIES}[name]

    def write(m):
        x = m.arange(24.0).reshape(2, 3, 4)
        result = fn(m, x)
        result.fill_(-1.0)
        return x, result._base is not None

    theirs, ours = run_both(write)
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    assert ours[1] == theirs[1]


@pytest.mark.parametrize("name", sorted(NEW_VIEWS))
def test_a_new_view_shares_the_version_counter_with_its_base(name):
    w = chainrule.randn(2, 3, 4, requires_grad=True)
    base = w * 1.0
    y = (base * base).sum()
    with chainrule.no_grad():
        NEW_VIEWS[name](chainrule, base).mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_atleast_nd_returns_a_tensor_with_enough_dims_unchanged():
    x = chainrule.zeros(2, 3)
    assert chainrule.atleast_1d(x) is x and chainrule.atleast_2d(x) is x


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.rot90(m.zeros(2, 2), 1, (0,)),
        lambda m: m.rot90(m.zeros(3)),
        lambda m: m.rot90(m.zeros(2, 2), 1, (0, 0)),
        lambda m: m.rot90(m.zeros(2, 2), 1, (0, 5)),
        lambda m: m.select(m.zeros(2, 3), 0, 5),
        lambda m: m.select(m.tensor(1.0), 0, 0),
        lambda m: m.zeros(2).select(1, 0),
        lambda m: m.tensor_split(m.zeros(4), 0),
        lambda m: m.tensor_split(m.tensor(1.0), 1),
        lambda m: m.tensor_split(m.zeros(4), m.tensor([[1]])),
        lambda m: m.tensor_split(m.zeros(4), m.tensor([1.0])),
        lambda m: m.tensor_split(m.zeros(4), 2.0),
        lambda m: m.hsplit(m.zeros(2, 3), 2),
        lambda m: m.hsplit(m.zeros(2, 3), 0),
        lambda m: m.vsplit(m.zeros(3), 1),
        lambda m: m.dsplit(m.zeros(2, 2), 1),
        lambda m: m.block_diag(m.zeros(2, 2, 2)),
        lambda m: m.vander(m.zeros(2, 2)),
        lambda m: m.vander(m.zeros(2), -1),
        lambda m: m.cartesian_prod(m.zeros(2, 2)),
        lambda m: m.cartesian_prod(m.arange(2), m.arange(2.0)),
        lambda m: m.combinations(m.zeros(2, 2)),
        lambda m: m.combinations(m.zeros(2), -1),
        lambda m: m.broadcast_shapes((2,), (3,)),
        lambda m: m.broadcast_shapes((2, -1)),
        lambda m: m.broadcast_shapes(2.0),
    ],
)
def test_bad_arguments_to_new_shape_ops_raise_pytorchs_exception_type(fn):
    assert_same_error(fn)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: x.unfold(1, 2, 1),
        lambda m, x: x.unfold(-1, 2, 3),
        lambda m, x: x.unfold(0, 1, 1),
        lambda m, x: x.mT.unfold(1, 2, 2),
        lambda m, x: x[1:].unfold(2, 3, 1),
        lambda m, x: m.as_strided(x, (3, 3), (2, 1)),
        lambda m, x: x.as_strided((2, 2, 2), (0, 4, 3), 1),
        lambda m, x: x[1].as_strided((4,), (2,)),
        lambda m, x: x.mT.as_strided((3, 2), (1, 4), 2),
        lambda m, x: x.mH,
        lambda m, x: x[0].H,
        lambda m, x: x.adjoint(),
        lambda m, x: x.ravel(),
        lambda m, x: x.mT.ravel(),
        lambda m, x: x.narrow_copy(2, 1, 2),
        lambda m, x: x.sum_to_size(3, 1),
        lambda m, x: x.sum_to_size((1, 1, 4)),
        lambda m, x: x.sum_to_size(4),
        lambda m, x: x.sum_to_size(2, 3, 4),
        lambda m, x: m.select_scatter(x, x[:, 1] ** 2, 1, 0),
        lambda m, x: m.slice_scatter(x, x[..., 1:] * 3, -1, 0, 3),
        lambda m, x: x.slice_scatter(x[:1] * 2, start=1),
        lambda m, x: m.diagonal_scatter(x, x[:, 1, 1:].sin(), 1, 1, 2),
        lambda m, x: x.diagonal_scatter(x[0, :, :2].exp(), 0, 0, 2),
    ],
)
def test_strided_view_reshaping_and_scatter_ops_match_pytorch_and_finite_differences(fn):
    check(fn, [(2, 3, 4)])


@requires_torch
def test_overlapping_windows_accumulate_their_gradients():
    def grads(m):
        x = m.arange(6.0, requires_grad=True)
        (x.unfold(0, 3, 1) * m.arange(12.0).reshape(4, 3)).sum().backward()
        y = m.arange(4.0, requires_grad=True)
        y.as_strided((3, 2), (1, 1)).pow(2).sum().backward()
        return x.grad, y.grad

    theirs, ours = run_both(grads)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@requires_torch
def test_zero_dim_unfold_adjoint_and_warnings_match_pytorch():
    import warnings

    def scenario(m):
        x = m.tensor(2.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            same = (x.mH is x, x.H is x, x.adjoint() is x)
        return x.unfold(0, 1, 1), x.unfold(0, 1, 1).stride(), same, len(caught)

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(7).unfold(0, 8, 1),
        lambda m: m.zeros(7).unfold(0, 2, 0),
        lambda m: m.zeros(7).unfold(1, 2, 1),
        lambda m: m.tensor(1.0).unfold(0, 2, 1),
        lambda m: m.zeros(2, 3).as_strided((3, 3), (1, 1), 5),
        lambda m: m.zeros(2, 3).as_strided((2,), (-1,)),
        lambda m: m.zeros(2, 3).as_strided((2, 2), (1,)),
        lambda m: m.zeros(3).mH,
        lambda m: m.zeros(3).H,
        lambda m: m.zeros(2, 3, 4).H,
        lambda m: m.zeros(3).adjoint(),
        lambda m: m.zeros(3, 4).sum_to_size(2, 4),
        lambda m: m.zeros(3, 4).sum_to_size(1, 3, 4),
        lambda m: m.zeros(3, 4).narrow_copy(1, 3, 2),
        lambda m: m.select_scatter(m.zeros(3, 4), m.ones(3), 0, 1),
        lambda m: m.slice_scatter(m.zeros(3, 4), m.ones(2, 4)),
        lambda m: m.diagonal_scatter(m.zeros(3, 4), m.ones(2)),
    ],
)
def test_bad_arguments_to_strided_and_scatter_ops_raise_pytorchs_exception(fn):
    assert_same_error(fn)


@requires_torch
def test_strided_views_report_pytorchs_strides_offsets_and_dtypes():
    same_as_torch(
        lambda m: (
            [
                (v.shape, v.stride(), v.storage_offset(), v.dtype, v.is_contiguous())
                for x in [m.arange(24).reshape(2, 3, 4)]
                for v in (x.unfold(1, 2, 1), x[1].as_strided((2, 2), (1, 2), 3), x.mT.unfold(0, 1, 2), x.mH)
            ]
            + [m.select_scatter(m.zeros(2, 2, dtype=m.int64), m.ones(2, dtype=m.float64), 0, 1)]
        )
    )


@requires_torch
def test_resize_keeps_the_memory_in_order_and_grows_it_as_pytorch():
    def scenario(m):
        x = m.arange(6.0)
        same = x.resize_(2, 2) is x
        transposed = m.arange(6.0).reshape(2, 3).t()
        view = m.arange(6.0)[1:]
        view.resize_(2)
        view[0] = -1.0
        grown = m.arange(4.0).resize_(2, 3)[0]
        return (
            same,
            x,
            x.stride(),
            x._version,
            transposed.resize_(3, 2).stride(),
            view,
            view._base,
            grown,
            m.arange(4.0).resize_as_(m.zeros(2, 1)),
            m.arange(6.0).reshape(2, 3).t().contiguous().resize_((6,)),
        )

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.ones(2, requires_grad=True).resize_(3),
        lambda m: m.ones(2, requires_grad=True).resize_(2),
        lambda m: (m.ones(2, requires_grad=True) * 2).resize_as_(m.ones(2)),
        lambda m: m.ones(2).resize_(-1),
    ],
)
def test_resize_refuses_what_pytorch_refuses(fn):
    assert_same_error(fn)
