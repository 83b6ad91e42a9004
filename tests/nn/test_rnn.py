"""RNN, LSTM, GRU and their cells against PyTorch: the same weights and inputs give
the same outputs, input gradients and parameter gradients, padded or packed
(nn.utils.rnn.PackedSequence); float64 finite differences; state_dict layout,
initialisation, dropout, errors and training."""

import math
import warnings

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

from module_oracle import assert_uniform, check_module
from oracle import graph_node_names, requires_torch, torch


def with_state(m, layer, x, *state):
    """Calls the layer as ``layer(x, h0)``, or ``layer(x, (h0, c0))`` for LSTMs."""
    return layer(x, state[0] if len(state) == 1 else state)


LAYERS = {
    "rnn_tanh": lambda m, *args, **kwargs: m.nn.RNN(*args, **kwargs),
    "rnn_relu": lambda m, *args, **kwargs: m.nn.RNN(*args, nonlinearity="relu", **kwargs),
    "lstm": lambda m, *args, **kwargs: m.nn.LSTM(*args, **kwargs),
    "gru": lambda m, *args, **kwargs: m.nn.GRU(*args, **kwargs),
}

# (layer keyword arguments, input shape): sequence length 5, batch 3, 4 input features, hidden 6
CONFIGS = {
    "one-layer": ({}, (5, 3, 4)),
    "two-layers-bidirectional": ({"num_layers": 2, "bidirectional": True}, (5, 3, 4)),
    "batch-first": ({"batch_first": True}, (3, 5, 4)),
    "no-bias-three-layers": ({"bias": False, "num_layers": 3}, (5, 3, 4)),
    "unbatched": ({}, (5, 4)),
    "unbatched-batch-first-bidirectional": ({"batch_first": True, "bidirectional": True}, (5, 4)),
}


@pytest.fixture(params=["onednn", "numpy"])
def rnn_path(request):
    """Float32 LSTM layers run on oneDNN (ops/_dnnl_lstm.py) where it loads, or on the
    NumPy kernels (ops/rnn.py) with ``backends.mkldnn`` off, as every other layer does."""
    if request.param == "onednn" and not chainrule.backends.mkldnn.is_available():
        pytest.fail("oneDNN (the onednn-cpu-gomp wheel, a dependency on x86-64 Linux) does not load")
    with chainrule.backends.mkldnn.flags(enabled=request.param == "onednn"):
        yield request.param


@requires_torch
@pytest.mark.parametrize("config", CONFIGS, ids=list(CONFIGS))
@pytest.mark.parametrize("kind", LAYERS)
def test_recurrent_layer_matches_pytorch_on_the_same_weights(kind, config, rnn_path):
    kwargs, shape = CONFIGS[config]
    check_module(lambda m: LAYERS[kind](m, 4, 6, **kwargs), [shape], modes=("eval",))


def _state_shapes(kind, kwargs, input_shape, hidden=6):
    directions = 2 if kwargs.get("bidirectional") else 1
    states = kwargs.get("num_layers", 1) * directions
    if len(input_shape) == 2:
        batch = ()
    else:
        batch = (input_shape[0] if kwargs.get("batch_first") else input_shape[1],)
    h = (states, *batch, kwargs.get("proj_size") or hidden)
    return [h, (states, *batch, hidden)] if kind == "lstm" else [h]


STATE_CONFIGS = {
    "one-layer": ({}, (5, 3, 4)),
    "two-layers-bidirectional-batch-first": (
        {"num_layers": 2, "bidirectional": True, "batch_first": True},
        (3, 5, 4),
    ),
    "unbatched-two-layers": ({"num_layers": 2}, (5, 4)),
}


@requires_torch
@pytest.mark.parametrize("config", STATE_CONFIGS, ids=list(STATE_CONFIGS))
@pytest.mark.parametrize("kind", LAYERS)
def test_initial_state_is_used_and_gets_pytorchs_gradient(kind, config, rnn_path):
    kwargs, shape = STATE_CONFIGS[config]
    classes = {"rnn_tanh": "RNN", "rnn_relu": "RNN", "lstm": "LSTM", "gru": "GRU"}
    extra = {"nonlinearity": "relu"} if kind == "rnn_relu" else {}
    check_module(
        lambda m: getattr(m.nn, classes[kind])(4, 6, **kwargs, **extra),
        [shape, *_state_shapes(kind, kwargs, shape)],
        call=with_state,
        modes=("eval",),
    )


@requires_torch
@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"proj_size": 2}, (5, 3, 4)),
        ({"proj_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True}, (3, 5, 4)),
        ({"proj_size": 2, "bias": False}, (5, 4)),
    ],
    ids=["one-layer", "two-layers-bidirectional", "unbatched-no-bias"],
)
def test_lstm_with_a_projection_matches_pytorch(kwargs, shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch notes that oneDNN has no projections
        check_module(
            lambda m: m.nn.LSTM(4, 6, **kwargs),
            [shape, *_state_shapes("lstm", kwargs, shape)],
            call=with_state,
        )


@requires_torch
def test_lstm_matches_pytorch_in_float64():
    ours, _ = check_module(
        lambda m: m.nn.LSTM(4, 6, num_layers=2, bidirectional=True), [(7, 3, 4)], dtype=np.float64
    )
    assert ours.weight_ih_l0.dtype == chainrule.float64


@requires_torch
def test_long_sequences_stay_within_float32_tolerance_of_pytorch(rnn_path):
    # rounding differences could compound along the recurrence; over 60 steps they
    # stay far below the float32 tolerances (about 1e-7 on outputs)
    check_module(lambda m: m.nn.LSTM(8, 16, num_layers=2), [(60, 4, 8)], modes=("eval",))
    check_module(lambda m: m.nn.GRU(8, 16), [(60, 4, 8)], modes=("eval",))


@pytest.mark.parametrize("kind", LAYERS)
def test_backward_matches_finite_differences_for_input_state_and_every_parameter(kind):
    chainrule.manual_seed(0)
    layer = LAYERS[kind](chainrule, 2, 2, num_layers=2, bidirectional=True).double()
    x = chainrule.randn(3, 2, 2, dtype=chainrule.float64, requires_grad=True)
    h0, c0 = (chainrule.randn(4, 2, 2, dtype=chainrule.float64, requires_grad=True) for _ in range(2))
    states = [h0, c0] if kind == "lstm" else [h0]

    def run(x, *states_then_parameters):  # gradcheck perturbs the parameters in place; the layer reads them
        state = tuple(states_then_parameters[:2]) if kind == "lstm" else states_then_parameters[0]
        output, final = layer(x, state)
        return (output, *final) if kind == "lstm" else (output, final)

    assert chainrule.autograd.gradcheck(run, [x, *states, *layer.parameters()], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("kind", LAYERS)
def test_second_derivatives_match_finite_differences(kind):
    chainrule.manual_seed(1)
    layer = LAYERS[kind](chainrule, 2, 2).double()
    x = chainrule.randn(2, 1, 2, dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradgradcheck(
        lambda x, *_: layer(x)[0], [x, layer.weight_hh_l0, layer.bias_ih_l0]
    )


# --- packed sequences -------------------------------------------------------------------------

# (layer keyword arguments, lengths of the 4 sequences, padded to 5 steps); unsorted lengths pack
# with enforce_sorted=False, so the initial and final states go through the sorting permutation
PACKED_CONFIGS = {
    "one-layer": ({}, [5, 3, 3, 1]),
    "two-layers-bidirectional": ({"num_layers": 2, "bidirectional": True}, [5, 3, 3, 1]),
    "batch-first-unsorted": ({"batch_first": True}, [3, 5, 1, 3]),
    "two-layers-bidirectional-batch-first-unsorted": (
        {"num_layers": 2, "bidirectional": True, "batch_first": True},
        [3, 5, 1, 3],
    ),
    "bidirectional-unsorted-all-one-length": ({"bidirectional": True}, [4, 4, 4, 4]),
}


def packed_call(lengths):
    """Calls the layer on the padded input packed with ``lengths``, and returns the
    packed output, the output padded again, its lengths and the final states."""
    enforce_sorted = lengths == sorted(lengths, reverse=True)

    def call(m, layer, x, *state):
        packed = m.nn.utils.rnn.pack_padded_sequence(x, lengths, layer.batch_first, enforce_sorted)
        output, final = with_state(m, layer, packed, *state) if state else layer(packed)
        assert isinstance(output, m.nn.utils.rnn.PackedSequence)
        padded, padded_lengths = m.nn.utils.rnn.pad_packed_sequence(output, layer.batch_first)
        return tuple(output), padded, padded_lengths, final

    return call


@requires_torch
@pytest.mark.parametrize("with_initial_state", [False, True], ids=["zero-state", "initial-state"])
@pytest.mark.parametrize("config", PACKED_CONFIGS, ids=list(PACKED_CONFIGS))
@pytest.mark.parametrize("kind", LAYERS)
def test_packed_input_matches_pytorch_outputs_final_states_and_gradients(kind, config, with_initial_state):
    kwargs, lengths = PACKED_CONFIGS[config]
    shape = (4, 5, 4) if kwargs.get("batch_first") else (5, 4, 4)
    states = _state_shapes(kind, kwargs, shape) if with_initial_state else []
    check_module(
        lambda m: LAYERS[kind](m, 4, 6, **kwargs),
        [shape, *states],
        call=packed_call(lengths),
        modes=("eval",),
    )


@requires_torch
def test_packed_input_to_an_lstm_with_a_projection_matches_pytorch():
    kwargs = {"proj_size": 3, "num_layers": 2, "bidirectional": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch notes that oneDNN has no projections
        check_module(
            lambda m: m.nn.LSTM(4, 6, **kwargs),
            [(5, 4, 4), *_state_shapes("lstm", kwargs, (5, 4, 4))],
            call=packed_call([2, 5, 1, 3]),
            modes=("eval",),
        )


@requires_torch
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_packed_input_with_dropout_of_one_matches_pytorch_in_training(kind):
    check_module(
        lambda m: LAYERS[kind](m, 4, 6, num_layers=2, dropout=1.0),
        [(5, 4, 4)],
        call=packed_call([4, 5, 2, 4]),
        modes=("train",),
    )


@pytest.mark.parametrize("kind", LAYERS)
def test_packed_backward_matches_finite_differences(kind):
    chainrule.manual_seed(3)
    layer = LAYERS[kind](chainrule, 2, 2, num_layers=2, bidirectional=True).double()
    x = chainrule.randn(4, 3, 2, dtype=chainrule.float64, requires_grad=True)
    h0, c0 = (chainrule.randn(4, 3, 2, dtype=chainrule.float64, requires_grad=True) for _ in range(2))
    states = [h0, c0] if kind == "lstm" else [h0]

    def run(x, *states_then_parameters):
        state = tuple(states_then_parameters[:2]) if kind == "lstm" else states_then_parameters[0]
        packed = nn.utils.rnn.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
        output, final = layer(packed, state)
        return (output.data, *final) if kind == "lstm" else (output.data, final)

    assert chainrule.autograd.gradcheck(run, [x, *states, *layer.parameters()], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("kind", LAYERS)
def test_padded_steps_of_a_packed_input_get_no_gradient(kind):
    layer = LAYERS[kind](chainrule, 3, 4, bidirectional=True)
    x = chainrule.randn(6, 3, 3, requires_grad=True)
    output, _ = layer(nn.utils.rnn.pack_padded_sequence(x, [6, 4, 1]))
    output.data.sum().backward()
    for b, length in enumerate([6, 4, 1]):
        assert not x.grad[length:, b].numpy().any()
        assert x.grad[:length, b].numpy().any()


@requires_torch
@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda m, layer: layer(m.nn.utils.rnn.PackedSequence(m.zeros(6, 1, 3), m.tensor([3, 2, 1]))),
            RuntimeError,
            "input must have 2 dimensions, got 3",
        ),
        (
            lambda m, layer: layer(
                m.nn.utils.rnn.pack_sequence([m.zeros(3, 3), m.zeros(2, 3)]), (m.zeros(1, 3, 4),) * 2
            ),
            RuntimeError,
            r"Expected hidden\[0\] size \(1, 2, 4\).*got \[1, 3, 4\]",
        ),
        (
            lambda m, layer: layer(m.nn.utils.rnn.pack_sequence([m.zeros(3, 2), m.zeros(2, 2)])),
            RuntimeError,
            "Expected 3, got 2",
        ),
    ],
    ids=["three-dimensional-data", "state-of-the-wrong-batch", "wrong-input-size"],
)
def test_bad_packed_inputs_raise_pytorchs_errors(call, error, match):
    with pytest.raises(error):
        call(torch, torch.nn.LSTM(3, 4))
    with pytest.raises(error, match=match):
        call(chainrule, nn.LSTM(3, 4))


# --- parameters: names, shapes, layout, initialisation ----------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "kind, kwargs",
    [
        ("rnn_tanh", {"num_layers": 3}),
        ("lstm", {"num_layers": 2, "bidirectional": True}),
        ("lstm", {"num_layers": 2, "proj_size": 3, "bidirectional": True}),
        ("lstm", {"bias": False, "proj_size": 3}),
        ("gru", {"bias": False, "bidirectional": True}),
    ],
)
def test_state_dict_keys_shapes_and_weight_lists_are_pytorchs(kind, kwargs):
    ours, theirs = LAYERS[kind](chainrule, 4, 6, **kwargs), LAYERS[kind](torch, 4, 6, **kwargs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == [
        [tuple(w.shape) for w in ws] for ws in theirs.all_weights
    ]


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.nn.RNN(4, 6),
        lambda m: m.nn.RNN(4, 6, 2, "relu", False, True, 0.5, True),
        lambda m: m.nn.LSTM(4, 6, 2, proj_size=3, batch_first=True),
        lambda m: m.nn.GRU(4, 6, bidirectional=True),
        lambda m: m.nn.RNNCell(4, 6, bias=False, nonlinearity="relu"),
        lambda m: m.nn.LSTMCell(4, 6),
    ],
)
def test_repr_is_pytorchs(make):
    assert repr(make(chainrule)) == repr(make(torch))


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.LSTM(16, 64, num_layers=2, bidirectional=True, proj_size=8),
        lambda: nn.GRU(16, 64),
        lambda: nn.RNN(16, 64),
        lambda: nn.LSTMCell(16, 64),
    ],
)
def test_every_parameter_starts_uniform_in_plus_minus_one_over_sqrt_hidden_size(make):
    chainrule.manual_seed(0)
    layer = make()
    for name, param in layer.named_parameters():
        assert param.dtype == chainrule.float32, name
        assert_uniform(param.detach().numpy(), 1 / math.sqrt(64))


def test_dtype_argument_creates_float64_parameters_and_flatten_parameters_is_a_no_op():
    layer = nn.GRU(3, 4, dtype=chainrule.float64)
    assert all(p.dtype == chainrule.float64 for p in layer.parameters())
    assert layer.flatten_parameters() is None
    assert layer(chainrule.zeros(2, 3, dtype=chainrule.float64))[0].dtype == chainrule.float64


# --- dropout between layers ------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("kind", LAYERS)
def test_dropout_layer_matches_pytorch_in_eval_mode(kind):
    check_module(lambda m: LAYERS[kind](m, 4, 6, num_layers=2, dropout=0.5), [(5, 3, 4)], modes=("eval",))


@requires_torch
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_dropout_of_one_zeroes_every_layer_input_but_the_first_as_pytorch_does(kind):
    # p = 1 is the one training-mode dropout whose mask does not depend on the random stream
    check_module(lambda m: LAYERS[kind](m, 4, 6, num_layers=3, dropout=1.0), [(5, 3, 4)], modes=("train",))


def test_training_mode_dropout_changes_the_output_and_eval_mode_does_not():
    chainrule.manual_seed(0)
    layer = nn.LSTM(4, 8, num_layers=2, dropout=0.5)
    x = chainrule.randn(5, 3, 4)
    first, second = layer(x)[0], layer(x)[0]
    assert not np.allclose(first.detach().numpy(), second.detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x)[0].detach().numpy(), layer(x)[0].detach().numpy())


def test_dropout_with_one_layer_warns_as_pytorch_does():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)


# --- how it is computed ----------------------------------------------------------------------


@pytest.mark.parametrize("onednn", [True, False], ids=["onednn", "numpy"])
@pytest.mark.parametrize("kind", LAYERS)
def test_a_padded_batch_runs_each_layer_and_direction_as_one_fused_node(kind, onednn):
    with chainrule.backends.mkldnn.flags(enabled=onednn):
        output, _ = LAYERS[kind](chainrule, 4, 6, num_layers=2, bidirectional=True)(chainrule.randn(7, 3, 4))
    names = graph_node_names(output)
    if kind == "lstm" and onednn and chainrule.backends.mkldnn.is_available():
        assert names.count("LSTMOnDnnlBackward0") == 4 and "LinearBackward0" not in names, names
    else:
        assert sum(name.endswith("SequenceBackward0") for name in names) == 4, names
        assert names.count("LinearBackward0") == 4, names  # one whole-sequence input projection each
    assert len(names) < 20, names  # nothing per time step (7 steps, 4 layer-directions)


def test_gradient_reaches_every_parameter_and_the_initial_state():
    layer = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    h0 = chainrule.zeros(4, 2, 4, requires_grad=True)
    output, h_n = layer(chainrule.randn(6, 2, 3), h0)
    (output.sum() + h_n.sum()).backward()
    assert h0.grad is not None and h0.grad.abs().sum().item() > 0
    assert all(p.grad is not None and p.grad.abs().sum().item() > 0 for p in layer.parameters())


def test_an_lstm_learns_to_remember_the_first_element_of_a_sequence():
    chainrule.manual_seed(0)
    rng = np.random.default_rng(0)
    inputs = chainrule.tensor(rng.choice([-1.0, 1.0], size=(64, 8, 1)).astype(np.float32))
    targets = inputs[:, 0]
    lstm, head = nn.LSTM(1, 16, batch_first=True), nn.Linear(16, 1)
    optimizer = chainrule.optim.Adam([*lstm.parameters(), *head.parameters()], lr=0.03)
    losses = []
    for _ in range(40):
        _, (h_n, _) = lstm(inputs)
        loss = nn.functional.mse_loss(head(h_n[-1]), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0], losses


# --- cells ----------------------------------------------------------------------------------------

CELLS = {
    "rnn_tanh": lambda m, *args, **kwargs: m.nn.RNNCell(*args, **kwargs),
    "rnn_relu": lambda m, *args, **kwargs: m.nn.RNNCell(*args, nonlinearity="relu", **kwargs),
    "lstm": lambda m, *args, **kwargs: m.nn.LSTMCell(*args, **kwargs),
    "gru": lambda m, *args, **kwargs: m.nn.GRUCell(*args, **kwargs),
}


@requires_torch
@pytest.mark.parametrize("shape", [(3, 4), (4,)], ids=["batched", "unbatched"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", CELLS)
def test_cell_matches_pytorch_with_and_without_a_state(kind, bias, shape):
    check_module(lambda m: CELLS[kind](m, 4, 6, bias=bias), [shape], modes=("eval",))
    cls_name = {"rnn_tanh": "RNNCell", "rnn_relu": "RNNCell", "lstm": "LSTMCell", "gru": "GRUCell"}[kind]
    extra = {"nonlinearity": "relu"} if kind == "rnn_relu" else {}
    state = shape[:-1] + (6,)
    check_module(
        lambda m: getattr(m.nn, cls_name)(4, 6, bias=bias, **extra),
        [shape, state, state][: 3 if kind == "lstm" else 2],
        call=with_state,
        modes=("eval",),
    )


@pytest.mark.parametrize("kind", CELLS)
def test_cell_backward_matches_finite_differences(kind):
    chainrule.manual_seed(2)
    cell = CELLS[kind](chainrule, 2, 3).double()
    x, h, c = (chainrule.randn(2, n, dtype=chainrule.float64, requires_grad=True) for n in (2, 3, 3))
    if kind == "lstm":
        run, inputs = lambda x, h, c, *parameters: cell(x, (h, c)), [x, h, c]
    else:
        run, inputs = lambda x, h, *parameters: cell(x, h), [x, h]
    assert chainrule.autograd.gradcheck(run, [*inputs, *cell.parameters()], atol=1e-6, rtol=1e-5)


def test_a_cell_stepped_by_hand_equals_the_whole_sequence_layer():
    layer, cell = nn.LSTM(3, 5), nn.LSTMCell(3, 5)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = chainrule.randn(4, 2, 3)
    state = None
    for t in range(4):
        state = cell(x[t], state)
    _, (h_n, c_n) = layer(x)
    np.testing.assert_allclose(state[0].detach().numpy(), h_n[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state[1].detach().numpy(), c_n[0].detach().numpy(), rtol=1e-5, atol=1e-6)


# --- errors ------------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "make, args, error, match",
    [
        (
            lambda m: m.nn.GRU(3, 4),
            lambda m: (m.zeros(5, 2, 2, 3),),
            ValueError,
            "GRU: Expected input to be 2D or 3D, got 4D",
        ),
        (lambda m: m.nn.GRU(3, 4), lambda m: (m.zeros(5, 2, 4),), RuntimeError, "Expected 3, got 4"),
        (
            lambda m: m.nn.RNN(3, 4),
            lambda m: (m.zeros(5, 2, 3), m.zeros(2, 2, 4)),
            RuntimeError,
            r"Expected hidden size \(1, 2, 4\).*got \[2, 2, 4\]",
        ),
        (
            lambda m: m.nn.LSTM(3, 4),
            lambda m: (m.zeros(5, 2, 3), (m.zeros(1, 2, 4), m.zeros(1, 3, 4))),
            RuntimeError,
            r"Expected hidden\[1\] size \(1, 2, 4\).*got \[1, 3, 4\]",
        ),
        (
            lambda m: m.nn.LSTM(3, 4),
            lambda m: (m.zeros(5, 3), (m.zeros(1, 1, 4), m.zeros(1, 1, 4))),
            RuntimeError,
            "2-D",
        ),
        (
            lambda m: m.nn.GRU(3, 4),
            lambda m: (m.zeros(5, 2, 3, dtype=m.float64),),
            ValueError,
            "does not match weight dtype",
        ),
        (
            lambda m: m.nn.LSTM(3, 4),
            lambda m: (m.zeros(0, 2, 3),),
            RuntimeError,
            "sequence length to be larger than 0",
        ),
        (
            lambda m: m.nn.GRUCell(3, 4),
            lambda m: (m.zeros(2, 2),),
            RuntimeError,
            "inconsistent input_size: got 2 expected 3",
        ),
        (
            lambda m: m.nn.GRUCell(3, 4),
            lambda m: (m.zeros(2, 3), m.zeros(3, 4)),
            RuntimeError,
            "batch size 2 doesn't match hidden0 batch size 3",
        ),
        (
            lambda m: m.nn.LSTMCell(3, 4),
            lambda m: (m.zeros(2, 3), (m.zeros(2, 5), m.zeros(2, 4))),
            RuntimeError,
            "hidden_size: got 5, expected 4",
        ),
        (
            lambda m: m.nn.RNNCell(3, 4),
            lambda m: (m.zeros(1, 2, 3),),
            ValueError,
            "Expected input to be 1D or 2D, got 3D",
        ),
    ],
)
def test_bad_inputs_raise_pytorchs_error_types_with_messages_naming_the_shapes(make, args, error, match):
    with pytest.raises(error):
        make(torch)(*args(torch))
    with pytest.raises(error, match=match):
        make(chainrule)(*args(chainrule))


@requires_torch
@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda m: m.nn.RNN(3, 4, 1, "sigmoid"), ValueError, "Unknown nonlinearity 'sigmoid'"),
        (lambda m: m.nn.GRU(3, 4, proj_size=2), ValueError, "only supported for LSTM"),
        (lambda m: m.nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller than hidden_size"),
        (
            lambda m: m.nn.LSTM(3, 4, num_layers=2, dropout=1.5),
            ValueError,
            "dropout should be a number in range",
        ),
        (lambda m: m.nn.RNN(3, 0), ValueError, "hidden_size must be greater than zero"),
        (lambda m: m.nn.RNN(3, 4, num_layers=0), ValueError, "num_layers must be greater than zero"),
        (lambda m: m.nn.RNN(3.0, 4), TypeError, "input_size should be of type int"),
        (lambda m: m.nn.LSTM(3, 4, bias=1), TypeError, "bias should be of type bool"),
    ],
)
def test_bad_settings_raise_pytorchs_errors(make, error, match):
    with pytest.raises(error):
        make(torch)
    with pytest.raises(error, match=match):
        make(chainrule)


def test_lstm_state_that_is_not_a_pair_raises_type_error():
    with pytest.raises(TypeError, match=r"tuple \(h_0, c_0\)"):
        nn.LSTM(3, 4)(chainrule.zeros(5, 2, 3), chainrule.zeros(1, 2, 4))
