"""chainrule.explain.trace: one forward and one backward pass, node by node.

Expected values come from NumPy written here, from PyTorch (the oracle) and
from central finite differences, never from the trace itself.
"""

import inspect

import numpy as np
import pytest

import chainrule
from chainrule import explain, nn

from oracle import requires_torch, torch


def numeric_gradient(f, array, eps=1e-6):
    """Central finite differences of the scalar f(array) in float64."""
    array = np.array(array, dtype=np.float64)
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        plus, minus = array.copy(), array.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


W = np.array([[0.5, -1.0], [0.3, 0.2]])
B = np.array([0.1, -0.1])
X = np.array([[2.0, 3.0], [1.0, -1.0]])


def numpy_loss(w=W, b=B):
    return np.mean((sigmoid(X @ w.T + b) - 1.0) ** 2)


def make_layer():
    w = chainrule.tensor(W, dtype=chainrule.float64, requires_grad=True)
    b = chainrule.tensor(B, dtype=chainrule.float64, requires_grad=True)
    x = chainrule.tensor(X, dtype=chainrule.float64)

    def layer(x):
        z = x @ w.T + b
        a = z.sigmoid()
        return ((a - 1.0) ** 2).mean()

    return layer, x, w, b


def test_every_node_is_recorded_in_creation_order_with_its_inputs_first():
    layer, x, w, b = make_layer()
    trace = explain.trace(layer, x)
    labels = [node.label for node in trace.nodes]
    assert labels == ["w", "Permute", "x", "MatMul", "b", "Add", "Sigmoid", "Sub", "Pow", "Mean"]
    for node in trace.nodes:
        assert all(source < node.id for source, _ in node.inputs)
    kinds = {node.label: node.kind for node in trace.nodes}
    assert kinds["w"] == kinds["b"] == "parameter"
    assert kinds["x"] == "input"
    assert trace.node("Mean").is_loss


def test_each_node_keeps_the_value_forward_computed():
    layer, x, w, b = make_layer()
    trace = explain.trace(layer, x)
    z = X @ W.T + B
    np.testing.assert_allclose(trace.node("MatMul").value.values, X @ W.T, rtol=1e-12)
    np.testing.assert_allclose(trace.node("Add").value.values, z, rtol=1e-12)
    np.testing.assert_allclose(trace.node("Sigmoid").value.values, sigmoid(z), rtol=1e-12)
    assert trace.loss == pytest.approx(numpy_loss(), rel=1e-12)


def test_the_gradient_reaching_each_node_is_the_chain_rule_product():
    layer, x, w, b = make_layer()
    trace = explain.trace(layer, x)
    z = X @ W.T + B
    a = sigmoid(z)
    dloss_da = 2 * (a - 1.0) / a.size
    dloss_dz = dloss_da * a * (1 - a)
    np.testing.assert_allclose(trace.node("Sigmoid").grad.values, dloss_da, rtol=1e-12)
    np.testing.assert_allclose(trace.node("Add").grad.values, dloss_dz, rtol=1e-12)
    assert trace.node("Mean").grad.values == 1.0


def test_parameter_gradients_match_finite_differences_and_the_trace_checks_them_itself():
    layer, x, w, b = make_layer()
    trace = explain.trace(layer, x)
    np.testing.assert_allclose(
        trace.node("w").grad.values, numeric_gradient(lambda v: numpy_loss(w=v), W), atol=1e-8
    )
    np.testing.assert_allclose(
        trace.node("b").grad.values, numeric_gradient(lambda v: numpy_loss(b=v), B), atol=1e-8
    )
    for node in trace.parameters:
        assert node.check is not None and node.check.passed
        assert node.check.dtype == "float64"
        assert len(node.check.indices) == node.value.values.size
        assert node.check.max_abs_diff < 1e-7


@requires_torch
def test_parameter_gradients_of_a_module_and_its_loss_match_pytorch():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = chainrule.randn(5, 3)
    target = chainrule.randn(5, 2)
    trace = explain.trace(model, x, target=target, loss_fn=nn.MSELoss())

    reference = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for name, p in reference.named_parameters():
            p.copy_(torch.from_numpy(dict(model.named_parameters())[name].detach().numpy()))
    loss = torch.nn.functional.mse_loss(
        reference(torch.from_numpy(x.numpy())), torch.from_numpy(target.numpy())
    )
    loss.backward()
    assert trace.loss == pytest.approx(loss.item(), rel=1e-5)
    for name, p in reference.named_parameters():
        node = trace.node(name)
        assert node.kind == "parameter"
        np.testing.assert_allclose(node.grad.values, p.grad.numpy(), rtol=1e-4, atol=1e-6)
        assert node.check.passed


def test_a_module_trace_names_the_layer_of_every_node_and_ends_with_the_loss():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    trace = explain.trace(model, chainrule.randn(4, 2), target=chainrule.randn(4, 1), loss_fn=nn.MSELoss())
    ops = [node for node in trace.nodes if node.kind == "op"]
    assert [node.module for node in ops[:3]] == ["0 (Linear)", "1 (ReLU)", "2 (Linear)"]
    assert all(node.module == "loss_fn (MSELoss)" for node in ops[3:])
    assert ops[2].is_output and ops[-1].is_loss and ops[-1] is trace.nodes[-1]
    assert trace.node("target").kind == "constant"
    assert [n.label for n in trace.parameters] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_the_line_of_user_code_that_created_each_node_is_recorded():
    layer, x, w, b = make_layer()
    trace = explain.trace(layer, x)
    source, first = inspect.getsourcelines(make_layer)
    line_of = {text.strip(): first + k for k, text in enumerate(source)}
    sigmoid_node = trace.node("Sigmoid")
    assert sigmoid_node.location.code == "a = z.sigmoid()"
    assert sigmoid_node.location.lineno == line_of["a = z.sigmoid()"]
    assert sigmoid_node.location.function == "layer"
    assert trace.node("Add").location.code == "z = x @ w.T + b"


def test_a_bias_broadcast_over_the_batch_gets_the_sum_of_what_its_add_sent_back():
    layer, x, w, b = make_layer()
    trace = explain.trace(layer, x)
    add = trace.node("Add")
    sent_to_bias = add.grad_inputs[1].values
    assert sent_to_bias.shape == (2, 2)  # one row per sample, before the engine's sum
    np.testing.assert_allclose(trace.node("b").grad.values, sent_to_bias.sum(axis=0), rtol=1e-12)


def test_tracing_leaves_the_grad_attributes_as_they_were():
    layer, x, w, b = make_layer()
    w.grad = chainrule.full((2, 2), 7.0, dtype=chainrule.float64)
    explain.trace(layer, x)
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 2), 7.0))
    assert b.grad is None


def test_large_values_are_kept_as_statistics_only():
    x = chainrule.tensor(np.linspace(-1, 1, 200).reshape(20, 10), requires_grad=True)
    trace = explain.trace(lambda x: (x * 3).sum(), x, check=False)
    value = trace.node("Mul").value
    assert value.values is None
    assert value.shape == (20, 10)
    expected = np.linspace(-1, 1, 200).astype(np.float32) * 3
    assert value.mean == pytest.approx(float(expected.mean()), abs=1e-6)
    assert value.max == pytest.approx(3.0)
    assert value.norm == pytest.approx(float(np.linalg.norm(expected.astype(np.float64))), rel=1e-6)


def test_the_numeric_check_catches_a_wrong_backward_rule():
    class WrongSquare(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x  # should be 2 x

    x = chainrule.tensor([1.0, 2.0], dtype=chainrule.float64, requires_grad=True)
    trace = explain.trace(lambda x: WrongSquare.apply(x).sum(), x)
    check = trace.node("x").check
    assert not check.passed
    np.testing.assert_allclose(check.numeric, [2.0, 4.0], rtol=1e-6)
    np.testing.assert_allclose(check.autograd, [3.0, 6.0])


def test_dropout_draws_the_same_mask_when_the_check_recomputes_the_loss():
    chainrule.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 1))
    trace = explain.trace(model, chainrule.randn(6, 4), target=chainrule.randn(6, 1), loss_fn=nn.MSELoss())
    assert all(node.check.passed for node in trace.parameters)


class Float32Only(nn.Module):
    """Refuses float64, so the numeric check has to run in float32, on the model's own arrays."""

    def forward(self, x):
        if x.dtype != chainrule.float32:
            raise TypeError("float32 only")
        return x


@pytest.mark.parametrize("check_in", ["float64", "float32"])
def test_tracing_leaves_batch_norm_buffers_as_one_forward_pass_does(check_in):
    def make():
        layers = [nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 1)]
        return nn.Sequential(*layers, *([Float32Only()] if check_in == "float32" else []))

    chainrule.manual_seed(0)
    model, twin = make(), make()
    twin.load_state_dict(model.state_dict())
    x, target = chainrule.randn(8, 3), chainrule.randn(8, 1)
    trace = explain.trace(model, x, target=target, loss_fn=nn.MSELoss())
    assert trace.parameters[0].check.dtype == check_in
    twin(x)
    buffers = dict(model.named_buffers())
    assert buffers["1.num_batches_tracked"].item() == 1  # as in PyTorch after one forward in training mode
    for name, expected in twin.named_buffers():
        np.testing.assert_array_equal(buffers[name].numpy(), expected.numpy(), err_msg=name)


def test_an_output_that_is_not_a_scalar_is_traced_as_its_sum():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    trace = explain.trace(lambda x: x * x, x)
    np.testing.assert_allclose(trace.node("x").grad.values, [2.0, 4.0, 6.0])
    assert trace.loss == pytest.approx(14.0)


def test_a_function_whose_output_needs_no_gradient_is_refused_with_advice():
    with pytest.raises(ValueError, match="requires_grad=True"):
        explain.trace(lambda x: x * 2, chainrule.tensor([1.0]))


def test_a_node_no_gradient_reaches_is_shown_as_such():
    x = chainrule.tensor([1.0, -2.0], requires_grad=True)

    def f(x):
        unused = x.exp()  # computed, but the result does not depend on it
        return (x * 2).sum() + unused.detach().sum()

    trace = explain.trace(f, x)
    assert trace.node("Exp").grad is None
    np.testing.assert_allclose(trace.node("x").grad.values, [2.0, 2.0])


def test_the_text_table_lists_every_node_and_the_numeric_check():
    layer, x, w, b = make_layer()
    text = explain.trace(layer, x).to_text(width=160)
    for label in ("w", "Permute", "MatMul", "Add", "Sigmoid", "Mean"):
        assert label in text
    assert "✓" in text and "z = x @ w.T + b" in text


@pytest.mark.parametrize("width", [80, 160])
def test_the_text_table_keeps_node_names_readable_when_values_are_summarised(width):
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x, target = chainrule.randn(40, 2), chainrule.randn(40, 1)  # 80 values: shown as statistics
    text = explain.trace(model, x, target=target, loss_fn=nn.MSELoss()).to_text(width=width)
    for label in ("0.weight", "Linear", "Relu", "0 (Linear)", "#0, #1, #2", "40×3"):
        assert label in text
    assert max(len(line) for line in text.splitlines()) <= width


def test_an_input_computed_before_the_trace_gets_its_value_gradient_and_check():
    a = chainrule.tensor([1.0, -2.0, 3.0], dtype=chainrule.float64, requires_grad=True)
    h = a * 2  # recorded before tracing starts
    trace = explain.trace(lambda h: (h * h).sum(), h)
    node = trace.node("h")
    assert node.kind == "input" and node.requires_grad
    np.testing.assert_array_equal(node.value.values, [2.0, -4.0, 6.0])
    np.testing.assert_allclose(node.grad.values, [4.0, -8.0, 12.0])  # d(h·h)/dh = 2h
    assert node.check.passed


def test_an_op_with_several_outputs_keeps_each_output_and_its_gradient():
    x = chainrule.tensor([1.0, 2.0, 3.0, 4.0], dtype=chainrule.float64, requires_grad=True)

    def f(x):
        first, second = x.chunk(2)
        return (first * 10 + second).sum()

    trace = explain.trace(f, x)
    split = next(node for node in trace.nodes if node.kind == "op" and len(node.outputs) == 2)
    np.testing.assert_array_equal(split.outputs[0].values, [1.0, 2.0])
    np.testing.assert_array_equal(split.outputs[1].values, [3.0, 4.0])
    np.testing.assert_array_equal(split.grads[0].values, [10.0, 10.0])
    np.testing.assert_array_equal(split.grads[1].values, [1.0, 1.0])
    assert any(edge == (split.id, 1) for node in trace.nodes for edge in node.inputs)
    np.testing.assert_array_equal(trace.node("x").grad.values, [10.0, 10.0, 1.0, 1.0])
