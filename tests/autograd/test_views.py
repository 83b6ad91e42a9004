"""In-place ops on views, with PyTorch's semantics: a view remembers its base,
and a recorded in-place op on the view rewrites the base's history (the base
gets a CopySlices node, the view reads itself back from it), so gradients,
values and errors are PyTorch's. ``check`` also runs gradcheck and
gradgradcheck in float64: gradients through a rewired base can be
differentiated again."""

import numpy as np
import pytest

import chainrule

from oracle import check


def base(lib, x):
    """A non-leaf tensor to take views of (a view of a leaf refuses in-place ops)."""
    return x * 1


# --- views made by indexing ---------------------------------------------------------------


def test_in_place_on_a_row_of_a_non_leaf_sends_gradients_to_its_base_and_the_operand():
    def scenario(lib, x, w):
        y = base(lib, x)
        y[0].mul_(w)
        return y

    check(scenario, [(3, 4), (4,)])


def test_in_place_on_a_column_slice_sends_gradients_to_its_base_and_the_operand():
    def scenario(lib, x, w):
        y = base(lib, x)
        y[:, 1:3].add_(w).exp_()
        return y

    check(scenario, [(3, 4), (3, 2)], low=-1.0, high=1.0)


def test_in_place_on_a_view_with_a_new_axis_sends_gradients_to_its_base():
    def scenario(lib, x, w):
        y = base(lib, x)
        y[..., None].mul_(w[..., None])
        return y

    check(scenario, [(3, 4), (3, 4)])


def test_zeroing_a_column_of_a_non_leaf_stops_the_gradient_there():
    def scenario(lib, x):
        y = x.exp() * 1
        y[:, 0].zero_()
        return y

    check(scenario, [(3, 4)], low=-1.0, high=1.0)


def test_narrow_view_modified_in_place():
    def scenario(lib, x, w):
        y = base(lib, x)
        y.narrow(1, 1, 2).mul_(w)
        return y

    check(scenario, [(3, 4), (3, 2)])


# --- views made by reordering and reshaping -------------------------------------------------


def test_in_place_on_a_transpose_sends_gradients_to_its_base():
    def scenario(lib, x, w):
        y = base(lib, x)
        y.t().add_(w).mul_(w)
        return y

    check(scenario, [(3, 4), (4, 3)])


def test_in_place_on_a_permuted_view_sends_gradients_to_its_base():
    def scenario(lib, x, w):
        y = base(lib, x)
        y.permute(2, 0, 1).mul_(w)
        return y

    check(scenario, [(2, 3, 4), (4, 2, 3)])


def test_in_place_on_view_and_reshape_views_sends_gradients_to_their_base():
    def scenario(lib, x, w):
        y = base(lib, x)
        y.view(12).mul_(w)
        y.unsqueeze(0).squeeze(0).sub_(x)
        y.reshape(2, 6).tanh_()
        return y

    check(scenario, [(3, 4), (12,)], low=-1.0, high=1.0)


def test_in_place_on_a_diagonal_sends_gradients_to_its_base():
    def scenario(lib, x, w):
        y = base(lib, x)
        y.diagonal().mul_(w)
        y.diagonal(1).add_(2.0)
        return y

    check(scenario, [(3, 4), (3,)])


def test_a_view_of_a_view_writes_into_the_first_base():
    def scenario(lib, x, w):
        y = base(lib, x)
        v = y.t()[1:]
        v.mul_(w)
        return y, v

    check(scenario, [(3, 4), (3, 3)])


def test_a_view_of_a_base_that_does_not_require_grad_gives_it_a_history():
    def scenario(lib, w):
        y = lib.zeros(3, 4, dtype=w.dtype)
        y[1].add_(w)
        return y

    check(scenario, [(4,)])


def test_a_base_laid_out_column_major_takes_in_place_ops_on_its_views():
    def scenario(lib, x, w):
        y = x.t() * 1  # NumPy keeps the transposed layout: a base that is not C-ordered
        y[1].mul_(w)
        y[1:3, 2:].add_(w[:2, None])
        return y

    check(scenario, [(3, 4), (3,)])


def test_a_base_with_gaps_in_its_memory_takes_in_place_ops_on_its_views(same_as_torch):
    def scenario(lib):
        memory = np.arange(24.0).reshape(3, 8)
        y = lib.from_numpy(memory[:, ::2])  # every other column of a larger array
        w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y[1, 1:3].add_(w)
        (y * lib.arange(12.0, dtype=lib.float64).reshape(3, 4)).sum().backward()
        return y, w.grad

    same_as_torch(scenario)


def test_an_empty_view_modified_in_place(same_as_torch):
    def scenario(lib):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 1
        y[:, 4:].mul_(2)
        y.sum().backward()
        return y, y.grad_fn.name(), x.grad

    same_as_torch(scenario)


# --- what the graph looks like ----------------------------------------------------------


def test_the_base_gets_copy_slices_and_the_view_reads_itself_back_like_pytorch(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 1
        v = y[0]
        v.mul_(2)
        return (
            y.grad_fn.name(),
            v.grad_fn.name(),
            v.grad_fn.next_functions[0][0] is y.grad_fn,
            v._base is y,
            v._is_view(),
            y._is_view(),
            y,
            v,
        )

    same_as_torch(scenario)


def test_views_of_views_point_to_the_tensor_owning_the_memory(same_as_torch):
    def scenario(lib):
        y = lib.zeros(2, 3, 4)
        v = y.transpose(0, 2)[1].t().view(6)[2:]
        return v._base is y, y[0][1:]._base is y, y.detach()._is_view(), y[[0, 1]]._is_view()

    same_as_torch(scenario)


def test_a_chain_of_in_place_ops_on_one_view(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], requires_grad=True)
        w = lib.tensor([2.0, -3.0], requires_grad=True)
        y = x.sigmoid() * 1
        v = y[:, 0]
        v.mul_(w)
        v.add_(w)
        v.exp_()
        (y * lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        return y, v.grad_fn.name(), x.grad, w.grad

    same_as_torch(scenario, rtol=1e-5, atol=1e-6)


def test_a_consumer_recorded_before_the_in_place_op_keeps_the_old_values(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 1
        v = y[1]
        before = v + 3  # addition saves nothing, so it may outlive the change
        v.mul_(5)
        (before * lib.tensor([1.0, 10.0])).sum().backward(retain_graph=True)
        first = x.grad.clone()
        x.grad = None
        (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return first, x.grad

    same_as_torch(scenario)


# --- other views of the same base see the change ---------------------------------------------


def test_a_view_taken_before_its_base_changed_reads_the_new_values_gradient(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 1
        v = y.view(-1)
        y.mul_(lib.tensor([2.0, 3.0, 4.0]))
        (v * v).sum().backward()
        return v, v.grad_fn.name(), x.grad

    same_as_torch(scenario)


def test_a_sibling_view_reads_the_gradient_through_the_other_views_change(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        w = lib.tensor([2.0, 3.0, 4.0], requires_grad=True)
        y = x * 1
        row = y[0]
        column = y[:, 0]
        row.mul_(w)
        (column * column).sum().backward()
        return column, x.grad, w.grad

    same_as_torch(scenario)


@pytest.mark.parametrize(
    "pieces", [lambda y: y.unbind(0), lambda y: y.split([1, 2], dim=1)], ids=["unbind", "split"]
)
def test_using_a_split_piece_after_its_base_changed_in_place_raises(raises_like_torch, pieces):
    # PyTorch raises when the piece is used; chainrule when backward reaches it
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 1
        first = pieces(y)[0]
        y.mul_(lib.tensor([2.0, 3.0, 4.0]))
        (first * 2).sum().backward()

    raises_like_torch(scenario, match="its base or another view of its base has been modified inplace")


def test_a_view_of_a_modified_view_reads_the_new_values(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 1
        row = y[0]
        row[1:].mul_(3)
        (row * row).sum().backward()
        return row, x.grad

    same_as_torch(scenario)


# --- setitem on views ---------------------------------------------------------------------


def test_setitem_on_a_view_writes_into_the_base():
    def scenario(lib, x, w):
        y = base(lib, x)
        y[0][1] = w[0]
        y[1][1:3] = w[1:]
        y.t()[3] = 0.5
        return y

    check(scenario, [(3, 4), (3,)])


def test_setitem_on_a_view_of_a_tensor_without_grad_records_the_value(same_as_torch):
    def scenario(lib):
        w = lib.tensor([2.0, 3.0], requires_grad=True)
        out = lib.zeros(3, 2)
        for i in range(3):
            out[i][:] = w * (i + 1)
        (out * out).sum().backward()
        return out, out.grad_fn.name(), w.grad

    same_as_torch(scenario)


# --- under no_grad: values only -------------------------------------------------------------


def test_in_place_through_views_under_no_grad_changes_values_only(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x + 2
        with lib.no_grad():
            x[:, 0].zero_()  # a view of a leaf: allowed, as optimizers and init do
            y[1].mul_(10)
            y.t()[0][0] = -1.0
        (y * x).sum().backward()
        return x, y, y.grad_fn.name(), x.is_leaf, x.grad

    same_as_torch(scenario)


def test_split_and_unbind_pieces_may_change_in_place_under_no_grad(same_as_torch):
    def scenario(lib):
        y = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True) * 1
        with lib.no_grad():
            first, second = y.unbind(0)
            first.add_(1)
            left, right = y.split(1, dim=1)
            right.mul_(-1)
        return y

    same_as_torch(scenario)


# --- what PyTorch refuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda lib, x: x[:2].mul_(2),
        lambda lib, x: x.t()[0].add_(1),
        lambda lib, x: x.view(-1).zero_(),
        lambda lib, x: x.diagonal().fill_(3.0),
        lambda lib, x: x[0].__setitem__(0, 5.0),
        lambda lib, x: x[0].add_(lib.ones(2, requires_grad=True)),
    ],
    ids=["slice", "transpose-row", "view", "diagonal", "setitem", "with-grad-operand"],
)
def test_in_place_on_a_view_of_a_leaf_that_requires_grad_raises(raises_like_torch, change):
    def scenario(lib):
        change(lib, lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True))

    raises_like_torch(scenario, match="a view of a leaf Variable that requires grad")


@pytest.mark.parametrize(
    "pieces",
    [lambda y: y.unbind(0), lambda y: y.split(1), lambda y: y.chunk(2), lambda y: list(y)],
    ids=["unbind", "split", "chunk", "iteration"],
)
def test_in_place_on_a_piece_of_split_or_unbind_raises(raises_like_torch, pieces):
    def scenario(lib):
        y = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True) * 1
        pieces(y)[0].mul_(2)

    raises_like_torch(scenario, match="returns multiple views")


def test_in_place_on_a_view_made_under_no_grad_raises_in_grad_mode(raises_like_torch):
    def scenario(lib):
        y = lib.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
        with lib.no_grad():
            v = y[:2]
        v.mul_(2)

    raises_like_torch(scenario, match="created in no_grad mode")


def test_a_view_made_under_no_grad_of_a_tensor_without_grad_records_an_operand_with_grad():
    # PyTorch refuses this ("A view was created in no_grad mode ..."); chainrule only
    # tells views made under no_grad apart when their base requires grad (that keeps
    # making views cheap), and records the op as if the view had been made outside.
    w = chainrule.ones(2, requires_grad=True)
    y = chainrule.zeros(3)
    with chainrule.no_grad():
        v = y[:2]
    v.add_(w)
    (y * chainrule.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert y.grad_fn.name() == "torch::autograd::CopySlices"
    assert w.grad.tolist() == [1.0, 2.0]


def test_writing_into_an_expanded_view_raises(raises_like_torch):
    def scenario(lib):
        y = lib.tensor([[1.0, 2.0, 3.0]], requires_grad=True) * 1
        y.expand(2, 3).mul_(2)

    raises_like_torch(scenario, match="more than one element of the written-to tensor")


def test_an_expand_that_repeats_nothing_is_a_writable_view(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        y.expand(1, 3).mul_(2)
        y.sum().backward()
        return y, x.grad

    same_as_torch(scenario)


# --- the version counter ----------------------------------------------------------------------


def test_a_graph_that_saved_the_base_raises_when_a_view_changes_it(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * 1
        s = y.sin()
        y[0].mul_(2)
        (s.sum() + y.sum()).backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_in_place_on_a_detached_view_does_not_rewire_but_bumps_the_version(raises_like_torch, same_as_torch):
    def unchanged_history(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        y.detach()[:2].mul_(2)
        y.sum().backward()
        return y, y.grad_fn.name(), x.grad

    same_as_torch(unchanged_history)

    def saved_base(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        s = y.sin()  # saves y
        y.detach()[:2].mul_(2)
        s.sum().backward()

    raises_like_torch(saved_base, match="modified by an inplace operation")


@pytest.mark.parametrize(
    "change",
    [
        lambda y: y.mul_(y),
        lambda y: y.div_(y),
        lambda y: y.mul_(y.detach()),
        lambda y: y[:2].mul_(y[:2]),
    ],
    ids=["y*=y", "y/=y", "detached-self", "two-views"],
)
def test_an_in_place_op_that_reads_its_own_memory_raises_at_backward_like_pytorch(raises_like_torch, change):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        change(y)
        y.sum().backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_augmented_multiplication_by_itself_has_pytorchs_values(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        y *= y
        return y

    same_as_torch(scenario)


def test_an_in_place_op_that_reads_its_own_memory_but_saves_nothing_is_allowed(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        y.add_(y)
        y[:1].sub_(y[2:].detach())
        y.sum().backward()
        return y, x.grad

    same_as_torch(scenario)


# --- double backward ----------------------------------------------------------------------------


def test_double_backward_through_a_rewired_base(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], requires_grad=True)
        w = lib.tensor([2.0, -3.0, 0.5], requires_grad=True)
        y = x * x
        y[0].mul_(w)
        y.t()[1:].add_(x.t()[1:] * w[1:, None])
        loss = (y * y).sum()
        (grad_x,) = lib.autograd.grad(loss, x, create_graph=True)
        (grad_x * grad_x).sum().backward()
        return grad_x, x.grad, w.grad

    same_as_torch(scenario, rtol=1e-5, atol=1e-5)


def test_second_derivatives_of_in_place_view_ops_match_finite_differences():
    def scenario(lib, x, w):
        y = x.tanh() * 1
        y[1:, :2].mul_(w)
        y.t()[0].exp_()
        return y * y

    check(scenario, [(3, 4), (2, 2)], low=-1.0, high=1.0)


# --- memory ------------------------------------------------------------------------------------


def test_views_taken_of_a_long_lived_base_are_not_kept():
    y = chainrule.ones(4, 3, requires_grad=True) * 1
    for i in range(1000):
        (y[i % 4] * 2).sum()
    assert len(y._views) <= 128
