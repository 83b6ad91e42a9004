"""In-place ops and the version counter: a graph refuses tensors changed since
it saved them, a leaf that requires grad refuses in-place ops while recording,
and in-place ops on other tensors are recorded."""

import pytest

from oracle import check


def test_in_place_ops_on_a_non_leaf_are_recorded():
    def doubled_plus_one_exp(lib, x):
        y = x * 2
        y.add_(1)
        y.exp_()
        return y

    check(doubled_plus_one_exp, [(3, 2)], low=-1.0, high=1.0)


def test_augmented_assignment_on_a_non_leaf_is_recorded():
    def scaled(lib, x, w):
        y = x * 1
        y += w
        y *= 3
        y -= x
        return y

    check(scaled, [(3,), (3,)])


def test_in_place_op_takes_over_the_graph_node_like_pytorch(same_as_torch):
    def scenario(lib):
        y = lib.tensor([1.0, 2.0], requires_grad=True) * 2
        y.add_(1)
        return y.grad_fn.name(), y.is_leaf, y.requires_grad

    same_as_torch(scenario)


def put_slice(lib, x, v):
    y = x * 1
    y[1:3] = v
    return y


def put_indices(lib, x, v):
    y = x * 1
    y[lib.tensor([0, 3])] = v
    return y


def put_mask(lib, x, v):
    y = x * 1
    y[x > 0] = v[0]
    return y


def put_column(lib, x, v):
    y = x.reshape(2, 2) * 1
    y[:, 0] = v
    return y


@pytest.mark.parametrize("put", [put_slice, put_indices, put_mask, put_column])
def test_setitem_sends_gradients_to_the_tensor_and_to_the_value(put):
    check(put, [(4,), (2,)], away_from=0.0)


def test_setitem_with_a_number_zeroes_the_gradient_there():
    def put_number(lib, x):
        y = x * 1
        y[0] = 5.0
        return y

    check(put_number, [(3,)])


def test_modifying_a_saved_input_raises_at_backward_naming_the_op(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = x * 1
        y = a.sin()
        a.mul_(2)
        y.sum().backward()

    error = raises_like_torch(scenario, match="modified by an inplace operation")
    assert "SinBackward0" in str(error)


def test_modifying_a_saved_output_raises_at_backward_naming_the_op(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    error = raises_like_torch(scenario, match="modified by an inplace operation")
    assert "ExpBackward0" in str(error)


def test_modifying_a_saved_zero_dimensional_output_raises(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.sum().exp()
        y.mul_(2)
        y.backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_modifying_a_saved_tensor_through_a_view_raises(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = x * 1
        y = a.sin()
        a[:2].mul_(2)
        y.sum().backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_modifying_a_saved_tensor_through_detach_raises(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = x * 1
        y = a.sin()
        a.detach().add_(1)
        y.sum().backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_modifying_a_saved_tensor_under_no_grad_still_raises(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = x * 1
        y = a.sin()
        with lib.no_grad():
            a.add_(1)
        y.sum().backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_setitem_on_a_saved_output_raises(raises_like_torch):
    def scenario(lib):
        y = lib.tensor([1.0, 2.0, 3.0], requires_grad=True).exp()
        y[0] = 0.0
        y.sum().backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_modifying_a_tensor_no_node_saved_is_allowed(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a = x * 2
        y = a + 3  # addition saves nothing
        a.zero_()
        y.sum().backward()
        return x.grad

    same_as_torch(scenario)


# An op keeps each saved value for the gradients that use it: changing a value
# in place is an error only when a gradient that needs it is wanted (PyTorch's
# rule; x * w saves x only for w's gradient).
NOT_NEEDED = {
    "x * 2, then x changes": lambda lib, x, w: (lambda a: (lambda z: (a.add_(1), z)[1])(a * 2))(x * 1),
    "x * w (no grad), then x changes": lambda lib, x, w: (lambda a: (lambda z: (a.add_(1), z)[1])(a * w))(
        x * 1
    ),
    "x / 2, then the result changes": lambda lib, x, w: (lambda z: (z.add_(1), z)[1])(x / 2),
    "2 / x, then the result changes": lambda lib, x, w: (lambda z: (z.add_(1), z)[1])(2 / x),
    # a number over a tensor is reciprocal(x) * 2 in PyTorch: the graph keeps 1 / x, not x
    "2 / x, then x changes": lambda lib, x, w: (lambda a: (lambda z: (a.add_(1), z)[1])(2 / a))(x * 1),
    "x ** 2, then the result changes": lambda lib, x, w: (lambda z: (z.mul_(3), z)[1])(x**2),
    "x @ W (no grad), then x changes": lambda lib, x, w: (
        lambda a: (lambda z: (a.mul_(2), z)[1])(a @ lib.ones(3, 2))
    )(x * 1),
    "linear with a frozen weight, then x changes": lambda lib, x, w: (
        lambda a: (lambda z: (a.mul_(2), z)[1])(lib.nn.functional.linear(a, lib.ones(2, 3)))
    )(x * 1),
}


@pytest.mark.parametrize("name", NOT_NEEDED)
def test_changing_a_saved_value_no_wanted_gradient_needs_is_allowed(name, same_as_torch):
    def scenario(lib):
        x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        NOT_NEEDED[name](lib, x, lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return x.grad

    same_as_torch(scenario)


@pytest.mark.parametrize(
    "change",
    [
        lambda lib, x, w: (lambda z: (w.add_(1), z)[1])(x * w),  # w is needed for x's gradient
        lambda lib, x, w: (lambda z: (x.add_(1), z)[1])(x / w),  # x is needed for w's gradient
        lambda lib, x, w: (lambda z: (z.add_(1), z)[1])(x**w),  # the result, for w's gradient
    ],
    ids=["x * w, w changes", "x / w, x changes", "x ** w, the result changes"],
)
def test_changing_a_saved_value_a_wanted_gradient_needs_still_raises(change, raises_like_torch):
    def scenario(lib):
        x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
        change(lib, x * 1, w).sum().backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_changes_through_data_are_not_tracked_like_pytorch(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.data.add_(1)
        y.sum().backward()
        return x.grad

    same_as_torch(scenario)


def test_in_place_on_a_leaf_that_requires_grad_raises(raises_like_torch):
    def scenario(lib):
        lib.tensor([1.0, 2.0], requires_grad=True).add_(1)

    raises_like_torch(scenario, match="a leaf Variable that requires grad is being used in an in-place")


def test_setitem_on_a_leaf_that_requires_grad_raises(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x[0] = 3.0

    raises_like_torch(scenario, match="a leaf Variable that requires grad")


def test_in_place_on_a_leaf_under_no_grad_is_allowed(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with lib.no_grad():
            x.mul_(2)
            x[0] = 5.0
        return x, x.is_leaf, x.grad_fn is None

    same_as_torch(scenario)


def test_a_second_in_place_op_after_a_recorded_one_gives_pytorchs_gradient(same_as_torch):
    def scenario(lib):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = x.sigmoid() * 1
        y.mul_(3)
        y.sub_(x)
        y.sum().backward()
        return y, x.grad

    same_as_torch(scenario, rtol=1e-5, atol=1e-6)


def test_in_place_on_a_view_of_a_leaf_that_requires_grad_raises(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x[:2].mul_(2)

    raises_like_torch(scenario, match="view of a leaf Variable")


def test_in_place_on_a_view_changes_the_gradient_of_its_base(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        base = x * 1
        base[:2].mul_(2)
        (base * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return x.grad

    same_as_torch(scenario)


def test_version_counter_is_an_int_shared_with_views_like_pytorch(same_as_torch):
    def scenario(lib):
        x = lib.zeros(4)
        view = x[1:]
        before = (x._version, view._version)
        view.add_(1)
        x.mul_(2)
        return before, x._version, view._version, type(x._version).__name__

    same_as_torch(scenario)
