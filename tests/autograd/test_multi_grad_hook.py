"""autograd.graph.register_multi_grad_hook: the calls it makes, in the same scenarios
as PyTorch (each scenario returns the log of calls and the gradients)."""

import pytest


def _record(calls, tag=None):
    """A hook that logs what it gets: a list of gradients (clones, or None), or one."""

    def fn(grads):
        if isinstance(grads, (list, tuple)):
            calls.append((tag, [None if g is None else g.clone() for g in grads]))
        else:
            calls.append((tag, grads.clone()))

    return fn


@pytest.mark.parametrize("mode", ["all", "any"])
def test_called_once_per_backward_with_the_gradients_it_computes(same_as_torch, mode):
    def scenario(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        c = a * b
        d = a * b
        calls = []
        lib.autograd.graph.register_multi_grad_hook((a, b, c, d), _record(calls), mode=mode)
        (c * 2).sum().backward(retain_graph=True)
        (c * 3).sum().backward(inputs=(a,), retain_graph=True)
        (d.sum() + c.sum()).backward()
        return calls, a.grad, b.grad

    same_as_torch(scenario)


def test_all_mode_from_the_docs_example(same_as_torch):
    def scenario(lib):
        a = lib.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        b = lib.tensor([[4.0, 5.0, 6.0]], requires_grad=True)
        c, d = a * b, a * b
        flags = []
        lib.autograd.graph.register_multi_grad_hook(
            (a, b, c, d), lambda grads: flags.append([g is not None for g in grads])
        )
        c.sum().backward(retain_graph=True)
        c.sum().backward(inputs=(a,), retain_graph=True)
        return flags

    assert same_as_torch(scenario) == [[True, True, True, False], [True, False, True, False]]


def test_tensors_the_backward_does_not_reach_are_none(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        unused = lib.tensor([5.0], requires_grad=True)
        y = x.exp()
        z = y * 2
        w = x.sin()  # on no path to the loss
        calls = []
        lib.autograd.graph.register_multi_grad_hook((w, unused, z, y, x), _record(calls))
        z.sum().backward()
        return calls, x.grad

    same_as_torch(scenario)


def test_only_non_leaf_tensors_and_a_branch_running_late(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        early = x * 3
        late = x.tanh()
        loss = (early * late).sum() + (late**2).sum()
        calls = []
        lib.autograd.graph.register_multi_grad_hook((late, early), _record(calls))
        loss.backward()
        return calls, x.grad

    same_as_torch(scenario)


def test_autograd_grad_with_chosen_inputs(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0], requires_grad=True)
        h, k = x * w, x.exp()
        calls = []
        lib.autograd.graph.register_multi_grad_hook((k, h), _record(calls))
        loss = (h**2).sum() + k.sum()
        first = lib.autograd.grad(loss, (h,), retain_graph=True)
        second = lib.autograd.grad(loss, (x, w))
        return calls, first, second

    same_as_torch(scenario)


def test_a_leaf_under_autograd_grad_is_refused_as_pytorch_does(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        lib.autograd.graph.register_multi_grad_hook((x, h), print)
        lib.autograd.grad(h.sum(), x)

    raises_like_torch(scenario, match="A leaf node was passed to _will_engine_execute_node")


def test_removed_handle_stops_the_calls(same_as_torch):
    def scenario(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0], requires_grad=True)
        calls = []
        handle = lib.autograd.graph.register_multi_grad_hook((a, b), _record(calls))
        (a.sum() * b).sum().backward()
        handle.remove()
        (a.sum() * b).sum().backward()
        return calls, a.grad, b.grad

    same_as_torch(scenario)


def test_ordinary_tensor_hooks_before_it_change_what_it_sees(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        order = []
        y.register_hook(lambda g: order.append("y before") or g * 10)
        calls = []
        lib.autograd.graph.register_multi_grad_hook((x, y), _record(calls, "multi"), mode="all")
        y.register_hook(lambda g: order.append("y after") or g + 1)
        (y**2).sum().backward()
        return calls, order, x.grad

    same_as_torch(scenario)


@pytest.mark.parametrize("mode", ["all", "any"])
def test_under_create_graph_the_gradients_can_be_differentiated(same_as_torch, mode):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x**3
        seen = []
        lib.autograd.graph.register_multi_grad_hook((y, x), seen.append, mode=mode)
        y.sum().backward(create_graph=True)
        flat = seen[0] if mode == "all" else [seen[0]]
        requires = [g is not None and g.requires_grad for g in flat]
        gx = x.grad
        x.grad = None
        gx.sum().backward()
        return len(seen), requires, gx, x.grad

    same_as_torch(scenario)


def test_a_backward_inside_the_hook_is_a_backward_of_its_own(same_as_torch):
    def scenario(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        inner = lib.tensor([2.0], requires_grad=True)
        calls = []

        def fn(grads):
            calls.append([None if g is None else g.clone() for g in grads])
            if len(calls) == 1:
                with lib.enable_grad():  # hooks run with grad mode off in both libraries
                    (inner * b.detach().sum()).sum().backward()

        lib.autograd.graph.register_multi_grad_hook((a, b), fn)
        lib.autograd.graph.register_multi_grad_hook((inner,), _record(calls, "inner"), mode="any")
        (a * b).sum().backward()
        return calls, inner.grad

    same_as_torch(scenario)


def test_any_mode_skips_tensors_that_do_not_require_grad(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        calls = []
        handle = lib.autograd.graph.register_multi_grad_hook((lib.ones(2), x), _record(calls), mode="any")
        (x * 2).sum().backward()
        return calls, len(handle.handles)

    same_as_torch(scenario)


def test_errors(raises_like_torch):
    def bad_mode(lib):
        x = lib.tensor([1.0], requires_grad=True)
        lib.autograd.graph.register_multi_grad_hook((x,), print, mode="some")

    def all_mode_without_grad(lib):
        lib.autograd.graph.register_multi_grad_hook((lib.ones(2),), print)

    raises_like_torch(bad_mode, match="Expects mode to be one of")
    raises_like_torch(all_mode_without_grad, match="Expected gradient function to be set")


def test_grad_with_respect_to_a_gradient_edge(same_as_torch):
    def scenario(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        u = w * 2
        v = (u**2).sum()
        edge = lib.autograd.graph.get_gradient_edge
        by_node = lib.autograd.grad(v, edge(u), retain_graph=True)
        mixed = lib.autograd.grad(v, [edge(w), u], retain_graph=True)
        unused = lib.autograd.grad(v, [edge(w * 3), w], retain_graph=True, allow_unused=True)
        materialized = lib.autograd.grad(v, [edge(u), w * 4], retain_graph=True, materialize_grads=True)
        return by_node, mixed, unused, materialized

    same_as_torch(scenario)


def test_materialize_grads_refuses_an_unreached_gradient_edge(raises_like_torch):
    def scenario(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        edge = lib.autograd.graph.get_gradient_edge(w * 3)
        lib.autograd.grad((w * w).sum(), edge, materialize_grads=True)

    raises_like_torch(
        scenario, match="materialize_grads cannot be used when the given input is a GradientEdge"
    )
