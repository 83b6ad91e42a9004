"""The backward engine: backward(), autograd.grad, accumulation, create_graph,
freeing the graph, and which tensors take part at all."""

import warnings

import numpy as np
import pytest

import chainrule

from oracle import check, check_gradcheck


def test_gradients_accumulate_in_leaf_grad_across_backward_calls(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * x).sum().backward()
        return first, x.grad

    first, second = same_as_torch(scenario)
    np.testing.assert_array_equal(second.numpy(), 2 * first.numpy())


def test_accumulation_adds_into_the_existing_grad_tensor_in_place(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).sum().backward()
        kept = x.grad
        (x * 3).sum().backward()
        return kept, kept is x.grad

    same_as_torch(scenario)


def test_non_leaf_grad_stays_none_without_retain_grad(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        (y * y).sum().backward()
        return x.grad, y.is_leaf, y.retains_grad

    same_as_torch(scenario)
    x = chainrule.tensor([1.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed.*retain_grad"):
        assert y.grad is None  # and says why, as PyTorch does


def test_reading_a_populated_or_leaf_grad_does_not_warn():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    kept = x * 2
    kept.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None and kept.grad is None  # a leaf; a tensor that retains its grad
        (h * h + kept).sum().backward(inputs=[h, kept])
        assert h.grad is not None and kept.grad is not None
        assert chainrule.ones(2).grad is None  # needs no gradient: a leaf


def test_retain_grad_keeps_the_gradient_of_an_intermediate_tensor(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        (y * y).sum().backward()
        return x.grad, y.grad, y.retains_grad

    same_as_torch(scenario)


def test_a_retained_gradient_accumulates_across_backward_calls(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        loss = (y * y).sum()
        loss.backward(retain_graph=True)
        first = y.grad
        loss.backward()
        return first, y.grad, x.grad

    same_as_torch(scenario)


def test_backward_of_a_non_scalar_takes_the_gradient_argument(same_as_torch):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x.exp() * 2
        y.backward(lib.tensor([[1.0, 0.5], [-1.0, 2.0]]))
        return x.grad

    same_as_torch(scenario)


def test_backward_of_a_scalar_takes_a_gradient_that_scales_it(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward(lib.tensor(3.0))
        return x.grad

    same_as_torch(scenario)


def test_backward_on_a_leaf_adds_the_gradient_to_its_grad(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.backward(lib.tensor([2.0, 3.0]))
        return x.grad

    same_as_torch(scenario)


def test_backward_inputs_limits_accumulation_to_the_given_leaves(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        (x * w).sum().backward(inputs=[x])
        return x.grad, w.grad

    same_as_torch(scenario)


def test_backward_inputs_may_name_an_intermediate_tensor(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        (h * h).sum().backward(inputs=[h])
        return x.grad, h.grad

    same_as_torch(scenario)


def test_autograd_backward_takes_several_outputs_with_their_gradients(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        lib.autograd.backward([(y * 2).sum(), y * 3], [None, lib.tensor([1.0, 10.0])])
        return x.grad

    same_as_torch(scenario)


def test_autograd_grad_returns_gradients_and_leaves_dot_grad_alone(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0], requires_grad=True)
        grads = lib.autograd.grad((x.sin() * w).sum(), [x, w])
        return grads, x.grad, w.grad

    same_as_torch(scenario)


def test_autograd_grad_of_several_outputs_adds_their_gradients(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        return lib.autograd.grad([y.sum(), (y * y).sum()], [x])

    same_as_torch(scenario)


def test_autograd_grad_with_respect_to_an_intermediate_tensor(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        z = (y * y).sum() + x.sum()
        return lib.autograd.grad(z, [y, x])

    same_as_torch(scenario)


def test_allow_unused_gives_none_and_materialize_grads_gives_zeros(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        unused = lib.tensor([5.0], requires_grad=True)
        loss = (x * 2).sum()
        loose = lib.autograd.grad(loss, [x, unused], retain_graph=True, allow_unused=True)
        zeros = lib.autograd.grad(loss, [x, unused], materialize_grads=True)
        return loose, zeros

    same_as_torch(scenario)


def test_an_input_listed_twice_gets_its_gradient_at_both_places(same_as_torch):
    # tied weights in a hand-built list: the first listing came back None (or zeros)
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        loss = (x * w).sum()
        plain = lib.autograd.grad(loss, [x, w, x], retain_graph=True)
        materialized = lib.autograd.grad(loss, [x, x], materialize_grads=True)
        return plain, materialized

    same_as_torch(scenario)


def test_autograd_grad_raises_for_an_unused_input_unless_allowed(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        lib.autograd.grad((x * 2).sum(), [x, lib.tensor([5.0], requires_grad=True)])

    raises_like_torch(scenario, match="index 1 appears to not have been used")


def test_batched_grad_outputs_give_one_gradient_per_slice(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.sin() * x.sum()
        (jacobian,) = lib.autograd.grad(y, x, lib.eye(3), retain_graph=True, is_grads_batched=True)
        (tracked,) = lib.autograd.grad(y, x, lib.eye(3), create_graph=True, is_grads_batched=True)
        return jacobian, lib.autograd.grad(tracked.sum(), x)

    same_as_torch(scenario)


# --- create_graph: gradients that can be differentiated again -------------------------

SECOND_ORDER_FUNCTIONS = {
    "cube": lambda lib, x: (x**3).sum(),
    "sin_times_x": lambda lib, x: (x.sin() * x).sum(),
    "exp_of_product": lambda lib, x: (x[0] * x[1]).exp(),
    "tanh_layer": lambda lib, x: (
        (x.reshape(2, 2) @ lib.tensor([[0.5, -1.0], [2.0, 0.3]], dtype=x.dtype)).tanh().sum()
    ),
    "log_softmax_pick": lambda lib, x: x.log_softmax(0)[1],
}


@pytest.mark.parametrize("name", SECOND_ORDER_FUNCTIONS)
def test_grad_of_grad_matches_pytorch(same_as_torch, name):
    f = SECOND_ORDER_FUNCTIONS[name]

    def scenario(lib):
        x = lib.tensor([0.3, -0.8, 1.1, 0.5], requires_grad=True)
        (g,) = lib.autograd.grad(f(lib, x), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        return g, gg

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", SECOND_ORDER_FUNCTIONS)
def test_second_derivatives_match_finite_differences(name):
    f = SECOND_ORDER_FUNCTIONS[name]
    check_gradcheck(lambda lib, x: f(lib, x), [(4,)], second_order=True)


def test_hessian_vector_product_matches_pytorch(same_as_torch):
    def scenario(lib):
        x = lib.tensor([0.3, -0.8, 1.1], requires_grad=True)
        v = lib.tensor([1.0, 0.5, -2.0])
        loss = (x.sin() * x.exp()).sum() + (x[0] * x[2]) ** 2
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        (hv,) = lib.autograd.grad(g, x, grad_outputs=v)
        return hv

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


def test_gradient_penalty_backpropagates_to_the_weights(same_as_torch):
    def scenario(lib):
        w = lib.tensor([[0.5, -1.0, 0.2], [2.0, 0.3, -0.7]], requires_grad=True)
        b = lib.tensor([0.1, -0.2, 0.3], requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], requires_grad=True)
        score = ((x @ w + b).tanh() ** 2).sum()
        (dx,) = lib.autograd.grad(score, x, create_graph=True)
        penalty = (dx * dx).sum()
        penalty.backward()
        return w.grad, b.grad, x.grad

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_with_create_graph_leaves_a_differentiable_grad(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x**3).sum().backward(create_graph=True)
        first = x.grad
        x.grad = None
        first.sum().backward()
        return first, x.grad

    same_as_torch(scenario)


def test_third_derivative_through_create_graph(same_as_torch):
    def scenario(lib):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        (g1,) = lib.autograd.grad(x.sin().sum(), x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sum(), x)
        return g1, g2, g3

    same_as_torch(scenario)


# --- the walk and the graph's lifetime --------------------------------------------------


def test_a_chain_of_100000_ops_backpropagates_without_recursion_error():
    x = chainrule.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]
    del y  # freeing the chain is not recursive either


def test_backward_twice_through_a_freed_graph_raises_like_pytorch(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        loss = x.exp().sum()
        loss.backward()
        loss.backward()

    raises_like_torch(scenario, match="Trying to backward through the graph a second time")


def test_autograd_grad_also_frees_the_graph(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        loss = x.tanh().sum()
        lib.autograd.grad(loss, x)
        loss.backward()

    raises_like_torch(scenario, match="backward through the graph a second time")


def test_retain_graph_allows_a_second_backward(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        loss = x.tanh().sum()
        loss.backward(retain_graph=True)
        loss.backward()
        return x.grad

    same_as_torch(scenario)


@pytest.mark.parametrize(
    "op",
    [lambda x: x + 2, lambda x: x + x, lambda x: -x, lambda x: x.view(2, 1) + 1],
    ids=["add", "x+x", "neg", "view"],
)
def test_nodes_that_saved_nothing_can_run_again_like_in_pytorch(same_as_torch, op):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        loss = op(x).sum()
        loss.backward()
        loss.backward()
        return x.grad

    same_as_torch(scenario)


def test_an_error_in_backward_leaves_a_retained_graph_usable():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = y.sum()
    handle = y.register_hook(lambda g: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        loss.backward(retain_graph=True)
    handle.remove()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)


# --- shapes and dtypes of gradients ---------------------------------------------------------


def test_broadcast_gradients_are_summed_back_to_each_input_shape():
    check(lambda lib, x, b, s: (x + b) * s, [(3, 4), (4,), (3, 1)])


def test_gradient_of_a_leaf_has_the_leaf_dtype(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (x.float() * lib.tensor([2.0, 3.0])).sum().backward()
        return x.grad

    same_as_torch(scenario)


def test_a_gradient_of_another_dtype_is_cast_to_the_output_dtype(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward(lib.tensor([1.0, 2.0], dtype=lib.float64))
        return x.grad

    same_as_torch(scenario)


# --- integer and bool tensors never take part --------------------------------------------------


def test_ops_on_integer_and_bool_tensors_build_no_graph(same_as_torch):
    def scenario(lib):
        n = lib.tensor([3, 4])
        flags = lib.tensor([True, False])
        results = [n * 2, n + n, n.sum(), flags & flags, ~flags]
        return [(r.requires_grad, r.grad_fn is None) for r in results]

    same_as_torch(scenario)


def test_a_float_op_mixing_in_an_integer_tensor_has_no_edge_to_it(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        n = lib.tensor([3, 4])
        y = x * n
        edges = [node is None for node, _ in y.grad_fn.next_functions]
        y.sum().backward()
        return y, edges, x.grad, n.grad, n.requires_grad

    same_as_torch(scenario)


def test_comparisons_argmax_and_integer_casts_of_a_float_tensor_are_not_differentiable(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        results = [x > 1, x.argmax(), x.long(), x.bool()]
        return [(r.requires_grad, r.grad_fn is None) for r in results]

    same_as_torch(scenario)


def test_integer_tensors_cannot_require_grad(raises_like_torch):
    def scenario(lib):
        lib.tensor([1, 2]).requires_grad_()

    raises_like_torch(scenario, match="only Tensors of floating point dtype can require gradients")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda lib, x: (x * 2).backward(gradient=[1.0, 2.0]), "either Tensors or None"),
        (lambda lib, x: (x * 2).sum().backward(inputs=[lib.ones(2)]), "require"),
        (lambda lib, x: lib.autograd.grad((x * 2).sum(), []), "cannot be empty"),
        (
            lambda lib, x: lib.autograd.grad((x * 2).sum(), [x], allow_unused=False, materialize_grads=True),
            "allow_unused",
        ),
    ],
    ids=["list-gradient", "input-without-grad", "no-inputs", "materialize-without-allow-unused"],
)
def test_backward_and_grad_refuse_what_pytorch_refuses(raises_like_torch, call, match):
    # each was accepted (a list as a gradient, a no-op backward, an empty result)
    raises_like_torch(lambda lib: call(lib, lib.tensor([1.0, 2.0], requires_grad=True)), match=match)


@pytest.mark.parametrize("convert", ["half", "double"])
def test_a_dtype_conversion_sends_the_gradient_back_in_the_source_dtype(same_as_torch, convert):
    # Cast passed the gradient on unconverted: hooks upstream saw the other dtype and a
    # convolution's backward crashed on it
    def scenario(lib):
        lib.manual_seed(0)
        layer = lib.nn.Conv1d(2, 3, 3)
        x = lib.tensor([[[1.0, -2.0, 0.5, 3.0], [0.0, 1.5, -1.0, 2.0]]], requires_grad=True)
        seen = []
        y = layer(x)
        y.register_hook(lambda g: seen.append(str(g.dtype).split(".")[-1]))
        (getattr(y, convert)() ** 2).sum().backward()
        return seen, x.grad.dtype, layer.weight.grad.dtype

    same_as_torch(scenario)


class _OnceDifferentiableCube(chainrule.autograd.function.Primitive):
    """y = x^3.   dy/dx = 3 x^2, computed on arrays only (once differentiable)."""

    once_differentiable = True

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    def backward(ctx, grad):
        (x,) = ctx.saved
        return 3 * x * x * grad


@pytest.mark.parametrize("make_input", [lambda x: x, lambda x: x * 2], ids=["leaf", "computed"])
def test_a_once_differentiable_primitive_refuses_a_second_derivative_through_its_input(make_input):
    """Its gradient depends on its input as well as on the incoming gradient: a second
    derivative through either must raise, not treat the local derivative as constant."""
    x = chainrule.tensor([1.0, 2.0], dtype=chainrule.float64, requires_grad=True)
    y = _OnceDifferentiableCube.apply(make_input(x)).sum()
    (grad,) = chainrule.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(grad.detach().numpy(), [3.0, 12.0] if make_input(2) == 2 else [24.0, 96.0])
    with pytest.raises(RuntimeError, match="differentiate twice"):
        grad.sum().backward()
