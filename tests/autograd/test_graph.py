"""chainrule.autograd.graph: saved-tensor hooks (saved_tensors_hooks, save_on_cpu,
disable_saved_tensors_hooks), Node, GradientEdge, get_gradient_edge and
increment_version, each scenario run in chainrule and PyTorch."""

import pytest

import chainrule
from chainrule.autograd import function


def _logging_hooks(lib, log):
    def pack(t):
        log.append(("pack", t.tolist()))
        return t.detach()

    def unpack(t):
        log.append(("unpack", t.tolist()))
        return t

    return lib.autograd.graph.saved_tensors_hooks(pack, unpack)


def _numpy_hooks(lib):
    """Hooks that keep a NumPy copy of every saved tensor and rebuild it for backward."""
    return lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().numpy().copy(), lib.from_numpy)


def _small_graph(lib, x, w):
    return (x.pow(2) * w).sin().exp().sum()


def _leaves(lib):
    return lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0], requires_grad=True)


def test_every_saved_tensor_is_packed_once_in_forward_and_unpacked_once_in_backward(same_as_torch):
    def scenario(lib):
        x, w = _leaves(lib)
        log = []
        with _logging_hooks(lib, log):
            y = _small_graph(lib, x, w)
        after_forward = list(log)
        y.backward()
        unpacked = log[len(after_forward) :]
        # Within one node the order differs (chainrule's Mul saves x then w, PyTorch's w then x)
        return sorted(after_forward), sorted(unpacked), len(unpacked), x.grad, w.grad

    packed, unpacked, count, _, _ = same_as_torch(scenario)
    assert count == len(packed) == 5 and all(kind == "pack" for kind, _ in packed)


def test_unpacking_follows_the_backward_order_of_the_nodes(same_as_torch):
    def scenario(lib):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        log = []
        with _logging_hooks(lib, log):
            y = x.sin().exp().tanh().sum()
        del log[:]
        y.backward()
        return log

    same_as_torch(scenario)


def test_gradients_through_numpy_copies_equal_those_without_hooks(same_as_torch):
    def scenario(lib):
        x, w = _leaves(lib)
        with _numpy_hooks(lib):
            _small_graph(lib, x, w).backward()
        hooked = (x.grad, w.grad)
        x.grad = w.grad = None
        _small_graph(lib, x, w).backward()
        return hooked, (x.grad, w.grad)

    hooked, plain = same_as_torch(scenario)
    for ours, without in zip(hooked, plain):
        assert ours.tolist() == without.tolist()


def test_a_model_trained_with_hooks_gets_pytorch_gradients(same_as_torch):
    def scenario(lib):
        model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 3))
        with lib.no_grad():
            for k, p in enumerate(model.parameters()):
                p.copy_(lib.linspace(-1.0, 1.0, p.numel()).reshape(p.shape) * (k + 1))
        x = lib.arange(8.0).reshape(2, 4) / 8
        target = lib.tensor([0, 2])
        with _numpy_hooks(lib):
            loss = lib.nn.functional.cross_entropy(model(x), target)
        loss.backward()
        return loss, [p.grad for p in model.parameters()]

    same_as_torch(scenario)


def test_hooks_may_keep_the_saved_tensors_elsewhere_and_reload_them(same_as_torch):
    def scenario(lib):
        store = {}

        def pack(t):
            name = f"tensor{len(store)}"
            store[name] = t.detach().numpy().copy()  # a file, in PyTorch's tutorial
            return name

        def unpack(name):
            return lib.from_numpy(store[name])

        x, w = _leaves(lib)
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = _small_graph(lib, x, w)
        y.backward(retain_graph=True)
        y.backward()  # unpacked again from the store
        return sorted(store), x.grad, w.grad

    same_as_torch(scenario)


def test_a_freed_graph_is_not_unpacked_again(raises_like_torch):
    def scenario(lib):
        x, w = _leaves(lib)
        with _numpy_hooks(lib):
            y = _small_graph(lib, x, w)
        y.backward()
        y.backward()

    raises_like_torch(scenario, match="backward through the graph a second time")


def test_only_the_innermost_hooks_apply_and_the_outer_ones_resume(same_as_torch):
    def scenario(lib):
        log = []

        def hooks(name):
            return lib.autograd.graph.saved_tensors_hooks(
                lambda t: log.append(name) or t.detach(), lambda t: t
            )

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with hooks("outer"):
            with hooks("inner"):
                x.sin()
            x.cos()
        x.exp()
        return log

    assert same_as_torch(scenario) == ["inner", "outer"]


def test_a_node_unpacks_with_the_hooks_it_was_packed_with(same_as_torch):
    def scenario(lib):
        log = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), lambda t: log.append("a") or t):
            y = x.sin()
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), lambda t: log.append("b") or t):
            y.sum().backward()
        return log, x.grad

    same_as_torch(scenario)


def test_a_product_packs_only_the_operand_its_gradient_needs(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        constant = lib.tensor([3.0, 4.0])
        log = []
        with _logging_hooks(lib, log):
            (x * constant).sum().backward()
        return log

    same_as_torch(scenario)


def test_numbers_and_ops_that_record_nothing_are_not_packed(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        log = []
        with _logging_hooks(lib, log):
            x * 2.0
            lib.tensor([1.0]).sin()
            with lib.no_grad():
                x.sin()
        return log

    assert same_as_torch(scenario) == []


def test_a_pack_hook_may_run_ops_whose_saved_tensors_are_not_packed(same_as_torch):
    def scenario(lib):
        calls = []

        def pack(t):
            calls.append(t.tolist())
            (t * t).sum()
            return t.detach()

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            x.sin().sum().backward()
        return calls, x.grad

    same_as_torch(scenario)


def test_the_pack_hook_gets_the_input_and_output_tensors_themselves():
    seen = []
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with chainrule.autograd.graph.saved_tensors_hooks(lambda t: seen.append(t) or t.detach(), lambda t: t):
        y = x.sin()
        z = y.exp()
    assert seen[0] is x and seen[1] is z  # Exp saves its result, as in PyTorch


def test_custom_function_saved_tensors_go_through_the_hooks_at_each_access(same_as_torch):
    def scenario(lib):
        class ScaledProduct(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, scale):
                ctx.save_for_backward(a, None, b)
                ctx.scale = scale
                return a * b * scale

            @staticmethod
            def backward(ctx, grad):
                a, nothing, b = ctx.saved_tensors
                again, _, _ = ctx.saved_tensors  # a second access unpacks again
                return grad * b * ctx.scale, grad * again * ctx.scale, None

        x, w = _leaves(lib)
        log = []
        with _logging_hooks(lib, log):
            out = ScaledProduct.apply(x, w, 2.0)
        out.sum().backward()
        return log, x.grad, w.grad

    same_as_torch(scenario)


def test_second_derivatives_flow_through_unpacked_copies(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, -1.5], requires_grad=True)
        with _numpy_hooks(lib):
            hidden = x * w
            y = (hidden.pow(3) + x.sin()).sum()
            grad_x, grad_w = lib.autograd.grad(y, (x, w), create_graph=True)
        (grad_x * grad_w).sum().backward()
        return grad_x, grad_w, x.grad, w.grad

    same_as_torch(scenario)


def test_second_derivatives_of_a_custom_function_under_hooks(same_as_torch):
    def scenario(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x**3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x**2

        x = lib.tensor([1.0, -2.0], requires_grad=True)
        with _numpy_hooks(lib):
            (grad,) = lib.autograd.grad(Cube.apply(x * 1).sum(), x, create_graph=True)
        grad.sum().backward()
        return grad, x.grad

    same_as_torch(scenario)


def test_an_unpack_hook_must_return_a_tensor(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), lambda t: 3):
            y = x.sin().sum()
        y.backward()

    raises_like_torch(
        scenario,
        match="^Output of saved tensor unpack_hook expected to be a Tensor but got result of type int$",
    )


def test_a_pack_hook_must_not_change_its_input_in_place(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True) * 1
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.mul_(2), lambda t: t):
            x.sin()

    raises_like_torch(scenario, match="A saved tensor pack hook is modifying its input in place")


def test_saved_tensors_under_hooks_have_no_version_check(same_as_torch):
    # PyTorch leaves the saved tensor's correctness to the hooks: no error, the changed values are used
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), lambda t: t):
            y = h.sin().sum()
        with lib.no_grad():
            h.mul_(10)
        y.backward()
        return x.grad

    same_as_torch(scenario)


@pytest.mark.parametrize("pin_memory", [False, True])
def test_save_on_cpu_keeps_the_tensor_itself_or_with_pin_memory_a_copy(same_as_torch, pin_memory):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        with lib.autograd.graph.save_on_cpu(pin_memory=pin_memory):
            y = (h * h).sum()
        with lib.no_grad():
            h.mul_(10)
        y.backward()
        return x.grad

    same_as_torch(scenario)


def test_saved_tensors_hooks_inside_disable_raise_its_message(raises_like_torch):
    def scenario(lib):
        with lib.autograd.graph.disable_saved_tensors_hooks("saved tensors hooks are off"):
            with lib.autograd.graph.save_on_cpu():
                pass

    raises_like_torch(scenario, match="^saved tensors hooks are off$")


def test_the_innermost_disable_message_applies_and_hooks_work_again_after(same_as_torch):
    def scenario(lib):
        graph = lib.autograd.graph
        messages = []
        with graph.disable_saved_tensors_hooks("outer"):
            with graph.disable_saved_tensors_hooks("inner"):
                try:
                    graph.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()
                except RuntimeError as error:
                    messages.append(str(error))
            try:
                graph.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()
            except RuntimeError as error:
                messages.append(str(error))
        with graph.saved_tensors_hooks(lambda t: t.detach(), lambda t: t):
            messages.append("enabled")
        return messages

    assert same_as_torch(scenario) == ["inner", "outer", "enabled"]


def test_disabling_hooks_while_hooks_are_active_raises(raises_like_torch):
    def scenario(lib):
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
                pass

    raises_like_torch(scenario, match="^no hooks here$")


def test_no_recording_callback_is_left_once_the_hooks_exit():
    with pytest.raises(ValueError):
        with chainrule.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            with chainrule.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                raise ValueError
    assert function.record_hooks == []


def test_every_graph_node_is_a_node(same_as_torch):
    def scenario(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.sin()
        node = lib.autograd.graph.Node
        return (
            isinstance(y.grad_fn, node),
            isinstance(y.grad_fn.next_functions[0][0], node),
            isinstance(Double.apply(x).grad_fn, node),
            isinstance(x, node),
        )

    assert same_as_torch(scenario) == (True, True, True, False)


def test_gradient_edges_name_the_node_and_output(same_as_torch):
    def scenario(lib):
        graph = lib.autograd.graph
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        values, indices = (x * 3).max(dim=0)
        leaf_edge = graph.get_gradient_edge(x)
        edge = graph.get_gradient_edge(values)
        return (
            leaf_edge.node is x.sin().grad_fn.next_functions[0][0],
            leaf_edge.output_nr,
            edge.node.name(),
            edge.node is values.grad_fn,
            edge.output_nr,
            edge.ownership_token,
            graph.GradientEdge(edge.node, 1)[1],
        )

    same_as_torch(scenario)


def test_the_gradient_edge_of_a_tensor_without_grad_is_an_error(raises_like_torch):
    raises_like_torch(
        lambda lib: lib.autograd.graph.get_gradient_edge(lib.ones(2)),
        match="^It is not possible to get the gradient edge for a Tensor that does not require gradients$",
    )


def test_increment_version_makes_backward_refuse_the_saved_tensor(raises_like_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        y = h.sin().sum()
        lib.autograd.graph.increment_version([h])
        y.backward()

    raises_like_torch(scenario, match="modified by an inplace operation")


def test_increment_version_counts_like_pytorch(same_as_torch):
    def scenario(lib):
        x = lib.ones(2)
        lib.autograd.graph.increment_version(x)
        lib.autograd.graph.increment_version((x, x))
        return x._version

    assert same_as_torch(scenario) == 3
