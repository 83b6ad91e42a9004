"""Custom autograd.Function: the same Function class body runs under chainrule
and under PyTorch, and gives the same values and gradients."""

import numpy as np
import pytest

import chainrule


def cube_function(lib):
    class Cube(lib.autograd.Function):
        """y = x^3 with a backward written in differentiable tensor ops."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2

    return Cube


def exp_function(lib):
    class Exp(lib.autograd.Function):
        """Saves its output, not its input."""

        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    return Exp


def scaled_product_function(lib):
    class ScaledProduct(lib.autograd.Function):
        """(k * x * y, x + y) with a number k between the tensors: two outputs."""

        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.save_for_backward(x, y)
            return k * x * y, x + y

        @staticmethod
        def backward(ctx, grad_product, grad_sum):
            x, y = ctx.saved_tensors
            need_x, need_k, need_y = ctx.needs_input_grad
            grad_x = grad_product * ctx.k * y + grad_sum if need_x else None
            grad_y = grad_product * ctx.k * x + grad_sum if need_y else None
            return grad_x, None, grad_y

    return ScaledProduct


def test_a_function_gives_pytorchs_values_and_gradients(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        y = cube_function(lib).apply(x)
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return y, x.grad, y.grad_fn.name()

    same_as_torch(scenario)


def test_a_function_matches_finite_differences():
    x = chainrule.tensor([1.0, -2.0, 0.5], dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(cube_function(chainrule).apply, (x,))
    assert chainrule.autograd.gradgradcheck(cube_function(chainrule).apply, (x,))


def test_double_backward_through_a_differentiable_backward_matches_pytorch(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        (g,) = lib.autograd.grad(cube_function(lib).apply(x).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg

    same_as_torch(scenario)


def test_double_backward_through_a_saved_output_matches_pytorch(same_as_torch):
    def scenario(lib):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        (g,) = lib.autograd.grad(exp_function(lib).apply(x * 2).sum(), x, create_graph=True)
        g.sum().backward()
        return g, x.grad

    same_as_torch(scenario)


def test_several_outputs_and_a_number_argument(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0])
        product, total = scaled_product_function(lib).apply(x, 3.0, y)
        (product.sum() + 2 * total.sum()).backward()
        return product, total, x.grad, y.grad, product.grad_fn is total.grad_fn

    same_as_torch(scenario)


def test_needs_input_grad_tells_which_inputs_need_a_gradient(same_as_torch):
    def scenario(lib):
        seen = []

        class Add(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, y):
                return x + y

            @staticmethod
            def backward(ctx, grad):
                seen.append(ctx.needs_input_grad)
                return grad, None, grad

        x = lib.tensor([1.0], requires_grad=True)
        Add.apply(x, 2, lib.tensor([3.0])).sum().backward()
        return seen, x.grad

    same_as_torch(scenario)


def test_mark_non_differentiable_outputs_get_no_gradient(same_as_torch):
    def scenario(lib):
        class MaxWithIndex(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                index = x.argmax()
                ctx.mark_non_differentiable(index)
                ctx.save_for_backward(index)
                ctx.size = x.shape[0]
                return x.max(), index

            @staticmethod
            def backward(ctx, grad, grad_index):
                (index,) = ctx.saved_tensors
                onehot = lib.zeros(ctx.size)
                onehot[index] = 1.0
                return grad * onehot

        x = lib.tensor([1.0, 3.0, 2.0], requires_grad=True)
        value, index = MaxWithIndex.apply(x)
        value.backward()
        return value, index, index.requires_grad, x.grad

    same_as_torch(scenario)


def add_one_in_place_function(lib):
    class AddOneInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    return AddOneInPlace


def test_mark_dirty_records_an_in_place_function_on_a_non_leaf(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = add_one_in_place_function(lib).apply(y)
        (z * z).sum().backward()
        return z, z is y, y.grad_fn.name(), x.grad

    same_as_torch(scenario)


def test_mark_dirty_on_a_leaf_that_requires_grad_raises(raises_like_torch):
    def scenario(lib):
        add_one_in_place_function(lib).apply(lib.tensor([1.0, 2.0], requires_grad=True))

    raises_like_torch(scenario, match="a leaf Variable that requires grad has been used in an in-place")


def two_outputs_function(lib, materialize, seen):
    class TwoOutputs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_double, grad_triple):
            seen.append((grad_double is None, grad_triple is None))
            total = 0
            if grad_double is not None:
                total = total + 2 * grad_double
            if grad_triple is not None:
                total = total + 3 * grad_triple
            return total

    return TwoOutputs


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads_decides_between_zeros_and_none(same_as_torch, materialize):
    def scenario(lib):
        seen = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        double, _ = two_outputs_function(lib, materialize, seen).apply(x)
        double.sum().backward()
        return seen, x.grad

    same_as_torch(scenario)


def test_the_setup_context_style_works_and_differentiates_twice(same_as_torch):
    def scenario(lib):
        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(x, y):
                return x * y

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(*inputs)

            @staticmethod
            def backward(ctx, grad):
                x, y = ctx.saved_tensors
                return grad * y, grad * x

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        z = Mul.apply(x, y)
        grads = lib.autograd.grad(z.sum(), (x, y), create_graph=True)
        (grads[0] * grads[1]).sum().backward()
        return z, grads, x.grad, y.grad

    same_as_torch(scenario)


def square_once_differentiable(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    return Square


def test_once_differentiable_gives_a_first_derivative(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (g,) = lib.autograd.grad(square_once_differentiable(lib).apply(x).sum(), x, create_graph=True)
        return g

    same_as_torch(scenario)


def test_once_differentiable_raises_on_a_second_derivative(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        # squared again, so the gradient reaching Square depends on x
        loss = (square_once_differentiable(lib).apply(x) ** 2).sum()
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        g.sum().backward()

    raises_like_torch(scenario, match="once_differentiable")


def test_a_function_applied_without_grad_builds_no_graph(same_as_torch):
    def scenario(lib):
        plain = cube_function(lib).apply(lib.tensor([2.0]))
        with lib.no_grad():
            tracked_input = cube_function(lib).apply(lib.tensor([2.0], requires_grad=True))
        return plain, plain.grad_fn is None, tracked_input

    same_as_torch(scenario)


def test_an_input_returned_as_is_becomes_a_new_output_tensor(same_as_torch):
    def scenario(lib):
        class Identity(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = Identity.apply(x)
        y.sum().backward()
        return y is x, y.grad_fn.name(), x.grad

    same_as_torch(scenario)


def test_integer_outputs_of_a_function_do_not_require_grad(same_as_torch):
    def scenario(lib):
        class Round(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.long()

            @staticmethod
            def backward(ctx, grad):
                return grad

        y = Round.apply(lib.tensor([1.5], requires_grad=True))
        return y, y.grad_fn is None

    same_as_torch(scenario)


def test_a_saved_input_changed_in_place_raises_at_backward(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a = x * 1
        y = cube_function(lib).apply(a)
        a.add_(1)
        y.sum().backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_a_second_backward_through_a_function_that_saved_tensors_raises(raises_like_torch):
    def scenario(lib):
        loss = cube_function(lib).apply(lib.tensor([1.0, 2.0], requires_grad=True)).sum()
        loss.backward()
        loss.backward()

    raises_like_torch(scenario, match="backward through the graph a second time")


def test_a_function_that_saved_nothing_can_run_backward_twice(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        product, _ = scaled_product_function(lib).apply(x, 2.0, lib.tensor([1.0, 1.0]))
        loss = product.sum()
        loss.backward(retain_graph=True)
        loss.backward()
        return x.grad

    same_as_torch(scenario)


@pytest.mark.parametrize(
    "returned", [lambda grad: (grad, grad), lambda grad: ()], ids=["too-many", "too-few"]
)
def test_backward_returning_the_wrong_number_of_gradients_raises(raises_like_torch, returned):
    def scenario(lib):
        class Wrong(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return returned(grad)

        Wrong.apply(lib.tensor([1.0], requires_grad=True)).sum().backward()

    raises_like_torch(scenario, match="returned an incorrect number of gradients")


def test_trailing_none_gradients_beyond_the_inputs_are_allowed(same_as_torch):
    def scenario(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad * 2, None, None

        x = lib.tensor([1.0], requires_grad=True)
        Double.apply(x).sum().backward()
        return x.grad

    same_as_torch(scenario)


def test_backward_returning_a_gradient_of_the_wrong_shape_raises(raises_like_torch):
    def scenario(lib):
        class Wrong(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad.sum()

        Wrong.apply(lib.tensor([1.0, 2.0], requires_grad=True)).sum().backward()

    raises_like_torch(scenario, match="invalid gradient at index 0")


def test_a_broadcast_gradient_is_summed_to_the_input_shape(same_as_torch):
    def scenario(lib):
        class Expand(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return (grad * 2).expand(3, 2)

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        Expand.apply(x).sum().backward()
        return x.grad

    same_as_torch(scenario)


def test_saved_tensors_after_backward_raise():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = cube_function(chainrule).apply(x)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="after they have already been freed"):
        _ = node.saved_tensors


def test_a_function_works_in_a_larger_graph_with_float64():
    def composite(lib, x, w):
        return cube_function(lib).apply(x * w).sum(0)

    x = chainrule.tensor(np.linspace(-1, 1, 6).reshape(3, 2), requires_grad=True, dtype=chainrule.float64)
    w = chainrule.tensor([0.5, -2.0], requires_grad=True, dtype=chainrule.float64)
    assert chainrule.autograd.gradcheck(lambda a, b: composite(chainrule, a, b), (x, w))


def _scale_function(lib, backward):
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, factor):
            ctx.factor = factor
            return a * factor

    Scale.backward = staticmethod(backward)
    return Scale


@pytest.mark.parametrize(
    "backward, match",
    [
        (lambda ctx, g: (g * ctx.factor, g), "different than None at position 2"),
        (lambda ctx, g: [g * ctx.factor, None], "list"),
    ],
    ids=["gradient-for-a-number", "list"],
)
def test_a_function_backward_returning_the_wrong_kind_of_result_raises(raises_like_torch, backward, match):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        _scale_function(lib, backward).apply(x, 3.0).sum().backward()

    raises_like_torch(scenario, match=match)


def test_save_for_backward_takes_tensors_only(raises_like_torch):
    def scenario(lib):
        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(3)
                return a * 1

            @staticmethod
            def backward(ctx, grad):
                return grad

        Keep.apply(lib.tensor([1.0], requires_grad=True))

    raises_like_torch(scenario, match="can only save variables")
