"""The fused recurrent primitives of chainrule/ops/rnn.py (LSTMSequence, GRUSequence and
ElmanSequence, tanh and relu), each a whole layer direction as one graph node: their
values and every input gradient equal the same steps composed from the one-step rules,
forward and reverse, with and without b_hh; float64 finite differences of first and
second derivatives; the create_graph path's nested walk leaving the outer walk alone;
the graph freed after backward (and kept with retain_graph); an output changed in place
refused at backward; ``run_layer``'s dispatch; and second derivatives through whole
layers against PyTorch's."""

import numpy as np
import pytest

import chainrule
from chainrule.ops import rnn
from chainrule.ops.rnn import ElmanSequence, GRUSequence, LSTMSequence, run_layer

from oracle import requires_torch, torch

# the layer kinds: (number of gates, number of state tensors, one-step rule, run_layer's mode)
KINDS = {
    "lstm": (4, 2, rnn.lstm_step, "LSTM"),
    "gru": (3, 1, rnn.gru_step, "GRU"),
    "rnn_tanh": (1, 1, rnn.tanh_step, "RNN_TANH"),
    "rnn_relu": (1, 1, rnn.relu_step, "RNN_RELU"),
}
NODE_NAMES = {
    "lstm": "LSTMSequenceBackward0",
    "gru": "GRUSequenceBackward0",
    "rnn_tanh": "ElmanSequenceBackward0",
    "rnn_relu": "ElmanSequenceBackward0",
}


def fused(kind, projected, state, w_hh, b_hh, reverse):
    """The fused primitive of ``kind``: (output (L, N, H), final state tuple)."""
    if kind == "lstm":
        output, h, c = LSTMSequence.apply(projected, state[0], state[1], w_hh, b_hh, reverse)
        return output, (h, c)
    if kind == "gru":
        output, h = GRUSequence.apply(projected, state[0], w_hh, b_hh, reverse)
    else:
        output, h = ElmanSequence.apply(projected, state[0], w_hh, b_hh, reverse, kind == "rnn_relu")
    return output, (h,)


def composed(kind, projected, state, w_hh, b_hh, reverse):
    """The same layer direction as the one-step rules, run in a Python loop over time."""
    step = KINDS[kind][2]
    length = projected.shape[0]
    hidden = [None] * length
    for t in range(length - 1, -1, -1) if reverse else range(length):
        state = step(projected[t], state, w_hh, b_hh)
        hidden[t] = state[0]
    return chainrule.stack(hidden), tuple(state)


def layer_arrays(kind, length=3, batch=2, size=2, bias=True, seed=0):
    """float64 [projected (L, N, gates * H), *initial states (N, H), w_hh (gates * H, H),
    b_hh (gates * H,) or None], O(1) so that no gate saturates."""
    gates, states = KINDS[kind][:2]
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, (length, batch, gates * size))]
    arrays += [rng.uniform(-1, 1, (batch, size)) for _ in range(states)]
    arrays.append(rng.uniform(-0.8, 0.8, (gates * size, size)))
    arrays.append(rng.uniform(-0.5, 0.5, gates * size) if bias else None)
    return arrays


def split(kind, tensors):
    """(projected, state, w_hh, b_hh) from ``layer_arrays``' order."""
    states = KINDS[kind][1]
    return tensors[0], tuple(tensors[1 : 1 + states]), tensors[1 + states], tensors[2 + states]


def leaves(arrays):
    return [None if a is None else chainrule.tensor(a, requires_grad=True) for a in arrays]


def flat_outputs(result):
    output, state = result
    return (output, *state)


def values_and_gradients(run, kind, arrays, reverse, seed=1):
    """The outputs of ``run`` (fused or composed) on ``arrays`` and the gradient of every
    input, under a loss that weighs each output element differently."""
    tensors = leaves(arrays)
    outputs = flat_outputs(run(kind, *split(kind, tensors), reverse))
    rng = np.random.default_rng(seed)
    loss = sum((o * chainrule.tensor(rng.uniform(0.5, 1.5, tuple(o.shape)))).sum() for o in outputs)
    loss.backward()
    return [o.detach().numpy() for o in outputs], [None if t is None else t.grad.numpy() for t in tensors]


PARAMS = pytest.mark.parametrize("kind", KINDS)
DIRECTIONS = pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
BIASES = pytest.mark.parametrize("bias", [True, False], ids=["b_hh", "no-b_hh"])


@PARAMS
@DIRECTIONS
@BIASES
def test_fused_values_and_every_input_gradient_equal_the_composed_steps(kind, reverse, bias):
    arrays = layer_arrays(kind, length=4, batch=3, size=3, bias=bias)
    ours_out, ours_grads = values_and_gradients(fused, kind, arrays, reverse)
    ref_out, ref_grads = values_and_gradients(composed, kind, arrays, reverse)
    for k, (a, b) in enumerate(zip(ours_out, ref_out)):
        assert a.shape == b.shape and a.dtype == b.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13, err_msg=f"output {k}")
    for k, (a, b) in enumerate(zip(ours_grads, ref_grads)):
        if b is None:
            assert a is None
            continue
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13, err_msg=f"gradient of input {k}")


@PARAMS
def test_a_single_step_of_a_single_row_equals_the_one_step_rule(kind):
    arrays = layer_arrays(kind, length=1, batch=1, size=3)
    ours_out, ours_grads = values_and_gradients(fused, kind, arrays, False)
    ref_out, ref_grads = values_and_gradients(composed, kind, arrays, False)
    for a, b in zip(ours_out + ours_grads, ref_out + ref_grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@PARAMS
@DIRECTIONS
@BIASES
def test_fused_backward_matches_finite_differences(kind, reverse, bias):
    tensors = [t for t in leaves(layer_arrays(kind, bias=bias)) if t is not None]

    def run(*inputs):
        projected, state, w_hh, b_hh = split(kind, [*inputs, None] if not bias else list(inputs))
        return flat_outputs(fused(kind, projected, state, w_hh, b_hh, reverse))

    assert chainrule.autograd.gradcheck(run, tensors, eps=1e-6, atol=1e-7, rtol=1e-6)


@PARAMS
@DIRECTIONS
@BIASES
def test_fused_second_derivatives_match_finite_differences(kind, reverse, bias):
    tensors = [
        t for t in leaves(layer_arrays(kind, length=2, batch=1, size=2, bias=bias, seed=2)) if t is not None
    ]
    output = fused(kind, *split(kind, [*tensors, None] if not bias else tensors), reverse)[0]
    assert output.grad_fn.name() == NODE_NAMES[kind]

    def run(*inputs):
        projected, state, w_hh, b_hh = split(kind, [*inputs, None] if not bias else list(inputs))
        return flat_outputs(fused(kind, projected, state, w_hh, b_hh, reverse))

    assert chainrule.autograd.gradgradcheck(run, tensors, eps=1e-6, atol=1e-6, rtol=1e-5)


def _first_and_second_derivatives(run, kind, reverse, into_projection):
    """With h0 = a * 2 used by the layer and again in the loss (and, if
    ``into_projection``, in the layer's input projection too): dL/da and dL/dw_hh
    (create_graph), then the gradients of the sum of their squares."""
    gates = KINDS[kind][0]
    arrays = layer_arrays(kind, length=3, batch=2, size=2, seed=4)
    a = chainrule.tensor(arrays[1], requires_grad=True)
    p, w_hh, b_hh = (chainrule.tensor(arrays[k], requires_grad=True) for k in (0, -2, -1))
    h0 = a * 2
    projected = p + h0.repeat(1, gates) * 0.5 if into_projection else p
    state = (h0, chainrule.tensor(arrays[2])) if kind == "lstm" else (h0,)
    output, final = run(kind, projected, state, w_hh, b_hh, reverse)
    loss = (output * output).sum() + final[0].sum() + (h0 * 3).sum()
    grad_a, grad_w = chainrule.autograd.grad(loss, [a, w_hh], create_graph=True)
    assert grad_a.requires_grad and grad_w.requires_grad
    ((grad_a * grad_a).sum() + (grad_w * grad_w).sum()).backward()
    return [t.detach().numpy().copy() for t in (grad_a, grad_w, a.grad, w_hh.grad, p.grad, b_hh.grad)]


@PARAMS
@DIRECTIONS
@pytest.mark.parametrize(
    "into_projection", [False, True], ids=["state-and-loss", "state-loss-and-projection"]
)
def test_an_initial_state_also_used_elsewhere_gets_the_composed_first_and_second_derivatives(
    kind, reverse, into_projection
):
    ours = _first_and_second_derivatives(fused, kind, reverse, into_projection)
    reference = _first_and_second_derivatives(composed, kind, reverse, into_projection)
    what = ["dL/da", "dL/dw_hh", "a.grad", "w_hh.grad", "p.grad", "b_hh.grad"]
    for a, b, name in zip(ours, reference, what):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12, err_msg=name)


@PARAMS
def test_create_graph_gives_only_the_gradients_of_inputs_that_require_them(kind):
    arrays = layer_arrays(kind, seed=5)
    results = []
    for run in (fused, composed):
        tensors = [None if a is None else chainrule.tensor(a) for a in arrays]
        w_hh = tensors[-2].requires_grad_()
        output, _ = run(kind, *split(kind, tensors), False)
        (grad_w,) = chainrule.autograd.grad((output * output).sum(), w_hh, create_graph=True)
        (grad_w * grad_w).sum().backward()
        assert all(t.grad is None for t in tensors if t is not None and t is not w_hh)
        results.append((grad_w.detach().numpy(), w_hh.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)


@PARAMS
def test_backward_releases_the_cache_and_a_second_backward_raises_pytorchs_error(kind):
    tensors = leaves(layer_arrays(kind))
    output, _ = fused(kind, *split(kind, tensors), False)
    node = output.grad_fn
    assert node.name() == NODE_NAMES[kind] and node.cache is not None
    output.sum().backward()
    assert node.cache is None
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        output.sum().backward()


@PARAMS
def test_backward_with_retain_graph_twice_accumulates_exactly_twice_the_gradient(kind):
    tensors = leaves(layer_arrays(kind))
    output, final = fused(kind, *split(kind, tensors), True)
    loss = (output * output).sum() + final[-1].sum()
    loss.backward(retain_graph=True)
    assert output.grad_fn.cache is not None
    first = [t.grad.numpy().copy() for t in tensors]
    loss.backward()
    for k, (t, g) in enumerate(zip(tensors, first)):
        assert np.any(g), f"input {k} got no gradient"
        np.testing.assert_array_equal(t.grad.numpy(), 2 * g, err_msg=f"input {k}")
    assert output.grad_fn.cache is None


@PARAMS
@pytest.mark.parametrize("under_no_grad", [True, False], ids=["under-no-grad", "recorded"])
def test_an_output_changed_in_place_after_forward_makes_backward_raise(kind, under_no_grad):
    tensors = leaves(layer_arrays(kind))
    output, final = fused(kind, *split(kind, tensors), False)
    loss = final[0].sum()  # the output itself is changed; backward reads the steps it holds
    if under_no_grad:
        with chainrule.no_grad():
            output.add_(1)
    else:
        output.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@PARAMS
def test_a_weight_changed_in_place_between_forward_and_backward_makes_backward_raise(kind):
    tensors = leaves(layer_arrays(kind))
    projected, state, w_hh, b_hh = split(kind, tensors)
    output, _ = fused(kind, projected, state, w_hh, b_hh, False)
    with chainrule.no_grad():
        w_hh.add_(0.1)  # an optimizer step before backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        output.sum().backward()


@PARAMS
@DIRECTIONS
def test_run_layer_projects_the_input_and_runs_the_kinds_fused_node(kind, reverse):
    gates, states, _, mode = KINDS[kind]
    rng = np.random.default_rng(6)
    x, w_ih, b_ih = (rng.uniform(-1, 1, shape) for shape in [(4, 2, 3), (gates * 2, 3), (gates * 2,)])
    arrays = [x, w_ih, b_ih, *layer_arrays(kind, length=4, batch=2, size=2, seed=7)[1:]]
    results = []
    for through_run_layer in (True, False):
        x, w_ih, b_ih, *rest = leaves(arrays)
        state, (w_hh, b_hh) = tuple(rest[:states]), rest[states:]
        if through_run_layer:
            output, final = run_layer(mode, x, state, w_ih, w_hh, b_ih, b_hh, reverse)
            assert output.grad_fn.name() == NODE_NAMES[kind]
            assert all(f.grad_fn is output.grad_fn for f in final)
        else:
            output, final = composed(
                kind, chainrule.nn.functional.linear(x, w_ih, b_ih), state, w_hh, b_hh, reverse
            )
        (output.sum() + sum((f * f).sum() for f in final)).backward()
        tensors = [x, w_ih, b_ih, *state, w_hh, b_hh]
        results.append([output.detach().numpy(), *[f.detach().numpy() for f in final]])
        results[-1] += [t.grad.numpy() for t in tensors]
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


LAYERS = {
    "lstm": lambda m: m.nn.LSTM(3, 4, bidirectional=True),
    "gru": lambda m: m.nn.GRU(3, 4, bidirectional=True),
    "rnn_tanh": lambda m: m.nn.RNN(3, 4, bidirectional=True),
    "rnn_relu": lambda m: m.nn.RNN(3, 4, nonlinearity="relu", bidirectional=True),
}


def _second_order_through_a_layer(lib, kind, state_dict, x, h0):
    """dL/dW_hh and dL/dx with create_graph, then the gradients of their squares' sum."""
    layer = LAYERS[kind](lib).double()
    layer.load_state_dict({k: lib.tensor(v) for k, v in state_dict.items()})
    xs = lib.tensor(x, requires_grad=True)
    hs = lib.tensor(h0, requires_grad=True)
    output, _ = layer(xs, (hs, hs * 0.5) if kind == "lstm" else hs)
    if lib is chainrule:  # the two directions' fused nodes, concatenated
        assert [f.name() for f, _ in output.grad_fn.next_functions] == [NODE_NAMES[kind]] * 2
    w_hh = layer.weight_hh_l0
    grad_w, grad_x = lib.autograd.grad((output * output).sum(), [w_hh, xs], create_graph=True)
    ((grad_w * grad_w).sum() + (grad_x * grad_x).sum()).backward()
    named = [grad_w, grad_x, xs.grad, hs.grad] + [p.grad for _, p in layer.named_parameters()]
    return [t.detach().numpy() for t in named]


@requires_torch
@PARAMS
def test_second_derivatives_through_a_bidirectional_layer_match_pytorchs_in_float64(kind):
    theirs_layer = LAYERS[kind](torch).double()
    state_dict = {k: v.detach().numpy().copy() for k, v in theirs_layer.state_dict().items()}
    rng = np.random.default_rng(8)
    x, h0 = rng.uniform(-1, 1, (4, 2, 3)), rng.uniform(-1, 1, (2, 2, 4))
    ours = _second_order_through_a_layer(chainrule, kind, state_dict, x, h0)
    theirs = _second_order_through_a_layer(torch, kind, state_dict, x, h0)
    names = ["dL/dw_hh", "dL/dx", "x.grad", "h0.grad"] + list(state_dict)
    assert len(ours) == len(theirs) == len(names)
    for a, b, name in zip(ours, theirs, names):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)
