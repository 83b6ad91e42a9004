"""Hooks and the graph's structure: Tensor.register_hook, retain_grad,
grad_fn.register_hook / register_prehook, next_functions and name()."""

import pytest

import chainrule


def test_a_leaf_hook_may_replace_the_gradient_and_its_handle_removes_it(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        handle = x.register_hook(lambda g: g * 10)
        (x * x).sum().backward()
        hooked = x.grad.clone()
        handle.remove()
        x.grad = None
        (x * x).sum().backward()
        return hooked, x.grad

    same_as_torch(scenario)


def test_a_leaf_hook_runs_once_on_the_sum_of_everything_that_reached_the_leaf(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()) or g + 1)
        (x * x + x * 3).sum().backward()
        return seen, x.grad

    same_as_torch(scenario)


def test_leaf_hooks_apply_to_the_result_of_autograd_grad(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 2)
        x.register_hook(lambda g: g + 1)
        return lib.autograd.grad((x * x).sum(), x), x.grad

    same_as_torch(scenario)


def test_leaf_hooks_run_under_create_graph(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 3)
        (g,) = lib.autograd.grad((x**3).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg

    same_as_torch(scenario)


def test_a_non_leaf_hook_changes_the_gradient_flowing_further(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(g.clone()) or g * 3)
        (y * y).sum().backward()
        return seen, x.grad

    same_as_torch(scenario)


def test_retain_grad_stores_the_gradient_after_the_tensor_hooks(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        before, after = x * 2, x * 3
        before.retain_grad()
        before.register_hook(lambda g: g * 10)
        after.register_hook(lambda g: g * 10)
        after.retain_grad()
        (before * after).sum().backward()
        return before.grad, after.grad, x.grad

    same_as_torch(scenario)


def _in_place_after_retain_grad(lib, change):
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    change(lib, h)
    (h * h).sum().backward()
    return h.grad, x.grad


def _dirtying_double(lib, h):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            a.mul_(2)
            ctx.mark_dirty(a)
            return a

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    Double.apply(h)


@pytest.mark.parametrize(
    "change",
    [
        lambda lib, h: h.relu_(),
        lambda lib, h: h.mul_(3),
        lambda lib, h: h[0].mul_(3),  # through a view: h's node becomes the view's copy
        lambda lib, h: h.add_(1).sub_(1),
        _dirtying_double,
    ],
    ids=["relu_", "mul_", "view-mul_", "twice", "mark_dirty"],
)
def test_retain_grad_follows_the_tensor_through_in_place_ops(same_as_torch, change):
    # .grad is the gradient of the tensor's latest value (it held the overwritten one's)
    same_as_torch(lambda lib: _in_place_after_retain_grad(lib, change))


def test_retain_grad_forgets_the_overwritten_value_still_used_elsewhere(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        h = x * 2
        h.retain_grad()
        y = h * 1  # reads the value before the in-place op
        h.mul_(2)
        (h.sum() + y.sum()).backward()
        return h.grad, x.grad

    same_as_torch(scenario)


def test_a_retained_view_written_in_place_is_off_the_loss_path(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * 2
        v = h[:2]
        v.retain_grad()
        v.mul_(3)
        (h * h).sum().backward()  # through h's new node, which v's new node is not on
        return v.grad, x.grad

    same_as_torch(scenario)


def test_a_node_prehook_may_replace_the_incoming_gradients(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.retain_grad()
        y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 2,))
        y.sum().backward()
        return x.grad, y.grad

    same_as_torch(scenario)


def test_a_node_hook_sees_its_gradients_and_may_replace_grad_inputs(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        y = x * w
        seen = []

        def hook(grad_inputs, grad_outputs):
            seen.append((grad_inputs, grad_outputs))
            return (grad_inputs[0] * 0, grad_inputs[1])

        y.grad_fn.register_hook(hook)
        y.sum().backward()
        return seen, x.grad, w.grad

    same_as_torch(scenario)


def test_hooks_run_in_pytorchs_order(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        order = []
        y.grad_fn.register_prehook(lambda grads: order.append("node prehook"))
        y.register_hook(lambda g: order.append("tensor hook"))
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: order.append("node hook"))
        y.sum().backward()
        return order

    same_as_torch(scenario)


def test_a_hook_on_a_tensor_that_does_not_require_grad_raises(raises_like_torch):
    def scenario(lib):
        lib.tensor([1.0]).register_hook(lambda g: g)

    raises_like_torch(scenario, match="doesn't require gradient")


def graph_names(node):
    """The graph under ``node`` as nested (name, [children]) lists."""
    if node is None:
        return None
    return [node.name(), [(graph_names(child), nr) for child, nr in node.next_functions]]


@pytest.mark.parametrize(
    "build",
    [
        lambda lib, a, b: (a * b + b).exp().sum(),
        lambda lib, a, b: (a / b - a).tanh().mean(),
        lambda lib, a, b: (-(a - b).abs()).sum(),
        lambda lib, a, b: (a.sigmoid() * b.sqrt()).pow(2).log(),
        lambda lib, a, b: lib.cat([a.clone(), a * b]).double().sum(),
        lambda lib, a, b: lib.nn.functional.pad(a, (1, 1)).norm() + lib.linalg.vector_norm(a - b, 1),
    ],
    ids=[
        "mul-add-exp-sum",
        "div-sub-tanh-mean",
        "sub-abs-neg-sum",
        "sigmoid-sqrt-pow-log",
        "clone-cat-double",
        "pad-norm-vector_norm",
    ],
)
def test_next_functions_and_names_match_pytorchs_graph(same_as_torch, build):
    def scenario(lib):
        a = lib.tensor([[1.0, 2.0]], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        return graph_names(build(lib, a, b).grad_fn)

    same_as_torch(scenario)


def test_a_constant_input_has_no_next_function(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        return graph_names((x * lib.tensor([3.0, 4.0])).grad_fn)

    same_as_torch(scenario)


def test_arguments_that_are_not_tensors_have_no_entry_in_next_functions(same_as_torch):
    # a constant tensor has (None, 0); a number, a dim or a dtype has no entry at all
    def scenario(lib):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, y):
                return x * k + y

            @staticmethod
            def backward(ctx, grad):
                return grad, None, grad

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        custom = Scale.apply(x, 3.0, lib.ones(2))
        return [graph_names(t.grad_fn) for t in (custom, lib.stack([x, x], 1), x.norm(3), x.to(lib.float64))]

    same_as_torch(scenario)


def test_accumulate_grad_is_one_node_per_leaf_that_points_at_it(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        first, second = (node for node, _ in y.grad_fn.next_functions)
        return first is second, first.variable is x, y.grad_fn.next_functions[0][0] is first

    same_as_torch(scenario)


def test_leaves_have_no_grad_fn_and_results_have_one(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        return x.grad_fn is None, x.is_leaf, y.grad_fn is not None, y.is_leaf, lib.tensor([1.0]).is_leaf

    same_as_torch(scenario)


def test_grad_fn_repr_names_the_node():
    y = chainrule.tensor([1.0], requires_grad=True).exp()
    assert repr(y.grad_fn).startswith("<ExpBackward0 object at 0x")


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non-leaf"])
@pytest.mark.parametrize(
    "hook, match",
    [
        (lambda g: g.double(), "changed the type of value"),
        (lambda g: g.int(), "changed the type of value"),
        (lambda g: g[:1], "changed the size of value"),
        (lambda g: 1.0, "hook returned 'float'"),
    ],
    ids=["double", "int", "size", "number"],
)
def test_a_hook_may_not_change_the_gradients_type_or_size(raises_like_torch, leaf, hook, match):
    # a non-leaf's was cast back silently, a leaf's kept in .grad; a size change gave NumPy's error
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x if leaf else x * 1
        y.register_hook(hook)
        (y * 2).sum().backward()

    raises_like_torch(scenario, match=match)
