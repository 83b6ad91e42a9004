"""float32 LSTM layers on oneDNN (chainrule/ops/_dnnl_lstm.py, ops/rnn.py's LSTMOnDnnl):
nn.LSTM's outputs, final states and every gradient against PyTorch's, one fused node per
layer direction; agreement with the NumPy kernels (also for ``run_layer`` given only one
of b_ih and b_hh); second derivatives against PyTorch's; retained and freed graphs; which
layers stay off oneDNN; and the threads: the calling thread's OpenMP count put back,
primitives made and cached for chainrule's thread count, the same results on one thread
as on two, and PyTorch's gradients when the count changes between forward and backward."""

import numpy as np
import pytest

import chainrule
from chainrule.ops import _dnnl, _dnnl_lstm
from chainrule.ops.rnn import run_layer

from module_oracle import check_module
from oracle import graph_node_names, requires_torch, torch


@pytest.fixture(autouse=True)
def onednn():
    if not _dnnl.is_available():
        pytest.fail("oneDNN (the onednn-cpu-gomp wheel, a dependency on x86-64 Linux) does not load")
    assert chainrule.backends.mkldnn.enabled


def on_onednn(expected_nodes):
    """A ``call`` for check_module that also checks chainrule's graph has
    ``expected_nodes`` LSTMOnDnnl nodes and no per-step or projection nodes."""

    def call(m, layer, x, *state):
        result = layer(x, tuple(state)) if state else layer(x)
        if m is chainrule:
            names = graph_node_names(result[0])
            assert names.count("LSTMOnDnnlBackward0") == expected_nodes, names
            assert "LinearBackward0" not in names and "LSTMSequenceBackward0" not in names, names
        return result

    return call


# (LSTM keyword arguments, input shape, with (h0, c0), fused nodes): hidden size 6, 4 input features
CONFIGS = {
    "one-layer": ({}, (5, 3, 4), False, 1),
    "two-layers-bidirectional-batch-first": (
        {"num_layers": 2, "bidirectional": True, "batch_first": True},
        (3, 5, 4),
        False,
        4,
    ),
    "no-bias": ({"bias": False}, (5, 3, 4), False, 1),
    "unbatched": ({}, (5, 4), False, 1),
    "with-initial-state": ({}, (5, 3, 4), True, 1),
    "two-layers-bidirectional-with-initial-state": (
        {"num_layers": 2, "bidirectional": True},
        (5, 3, 4),
        True,
        4,
    ),
    "unbatched-no-bias-with-initial-state": ({"bias": False}, (5, 4), True, 1),
}


@requires_torch
@pytest.mark.parametrize("config", CONFIGS, ids=list(CONFIGS))
def test_lstm_on_onednn_matches_pytorch_outputs_states_and_every_gradient(config):
    kwargs, shape, given_state, nodes = CONFIGS[config]
    shapes = [shape]
    if given_state:
        states = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        state = (states, shape[0 if kwargs.get("batch_first") else 1], 6) if len(shape) == 3 else (states, 6)
        shapes += [state, state]
    check_module(lambda m: m.nn.LSTM(4, 6, **kwargs), shapes, call=on_onednn(nodes), modes=("eval",))


def _layer_results(onednn, arrays, kwargs, grads):
    """Outputs, final states and the gradients of the input, the initial state and every
    parameter of one float32 LSTM, on oneDNN or on the NumPy kernels."""
    x, h0, c0, *parameters = arrays
    layer = chainrule.nn.LSTM(x.shape[-1], h0.shape[-1], **kwargs)
    with chainrule.no_grad():
        for p, value in zip(layer.parameters(), parameters):
            p.copy_(chainrule.tensor(value))
    xs, hs, cs = (chainrule.tensor(a, requires_grad=True) for a in (x, h0, c0))
    with chainrule.backends.mkldnn.flags(enabled=onednn):
        output, (h_n, c_n) = layer(xs, (hs, cs))
    fused = "LSTMOnDnnlBackward0" if onednn else "LSTMSequenceBackward0"
    assert fused in graph_node_names(output)
    g_out, g_h, g_c = (chainrule.tensor(g) for g in grads)
    ((output * g_out).sum() + (h_n * g_h).sum() + (c_n * g_c).sum()).backward()
    results = [output, h_n, c_n, xs.grad, hs.grad, cs.grad, *(p.grad for p in layer.parameters())]
    return [r.detach().numpy() for r in results]


def _realistic_arrays(kwargs, length=20, batch=8, inputs=16, size=32, seed=0):
    directions = 2 if kwargs.get("bidirectional") else 1
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(size)
    layer = chainrule.nn.LSTM(inputs, size, **kwargs)
    arrays = [rng.uniform(-1, 1, (length, batch, inputs))]
    arrays += [rng.uniform(-1, 1, (directions, batch, size)) for _ in range(2)]
    arrays += [rng.uniform(-bound, bound, tuple(p.shape)) for p in layer.parameters()]
    grads = [
        rng.uniform(-1, 1, shape) for shape in [(length, batch, directions * size), *[arrays[1].shape] * 2]
    ]
    return [a.astype(np.float32) for a in arrays], [g.astype(np.float32) for g in grads]


@pytest.mark.parametrize(
    "kwargs", [{}, {"bidirectional": True}, {"bias": False}], ids=["one-layer", "bidirectional", "no-bias"]
)
def test_onednn_and_the_numpy_kernels_agree_to_float32_rounding_on_a_realistic_layer(kwargs):
    arrays, grads = _realistic_arrays(kwargs)
    on_dnnl = _layer_results(True, arrays, kwargs, grads)
    on_numpy = _layer_results(False, arrays, kwargs, grads)
    names = ["output", "h_n", "c_n", "x.grad", "h0.grad", "c0.grad"]
    names += [f"{name}.grad" for name, _ in chainrule.nn.LSTM(16, 32, **kwargs).named_parameters()]
    assert len(on_dnnl) == len(on_numpy) == len(names)
    for ours, theirs, name in zip(on_dnnl, on_numpy, names):
        assert ours.dtype == theirs.dtype == np.float32, name
        scale = np.abs(theirs).max()
        assert scale > 0, name
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5 * scale, err_msg=name)


def _second_order(lib, state_dict, x, h0, c0, v):
    """g = dL/dW_hh of both directions with create_graph, then the gradients of sum(g * v)."""
    layer = lib.nn.LSTM(4, 6, bidirectional=True)
    layer.load_state_dict({k: lib.tensor(a) for k, a in state_dict.items()})
    xs, hs, cs = (lib.tensor(a, requires_grad=True) for a in (x, h0, c0))
    output, (h_n, c_n) = layer(xs, (hs, cs))
    if lib is chainrule:
        assert graph_node_names(output).count("LSTMOnDnnlBackward0") == 2
    loss = (output * output).sum() + (h_n * c_n).sum()
    g, g_reverse = lib.autograd.grad(
        loss, [layer.weight_hh_l0, layer.weight_hh_l0_reverse], create_graph=True
    )
    assert g.requires_grad and g_reverse.requires_grad
    ((g * lib.tensor(v[0])).sum() + (g_reverse * lib.tensor(v[1])).sum()).backward()
    named = [g, g_reverse, xs.grad, hs.grad, cs.grad] + [p.grad for _, p in layer.named_parameters()]
    return [t.detach().numpy() for t in named]


@requires_torch
def test_second_derivatives_through_the_onednn_lstm_match_pytorchs():
    theirs_layer = torch.nn.LSTM(4, 6, bidirectional=True)
    state_dict = {k: a.detach().numpy().copy() for k, a in theirs_layer.state_dict().items()}
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (5, 3, 4)).astype(np.float32)
    h0, c0 = (rng.uniform(-1, 1, (2, 3, 6)).astype(np.float32) for _ in range(2))
    v = rng.uniform(-1, 1, (2, 24, 6)).astype(np.float32)
    ours = _second_order(chainrule, state_dict, x, h0, c0, v)
    theirs = _second_order(torch, state_dict, x, h0, c0, v)
    names = ["dL/dw_hh", "dL/dw_hh_reverse", "x.grad", "h0.grad", "c0.grad"]
    names += [f"{k}.grad" for k in state_dict]
    assert len(ours) == len(theirs) == len(names)
    for a, b, name in zip(ours, theirs, names):
        assert np.any(b), name
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.abs(b).max(), err_msg=name)


def _small_layer_run(seed=2):
    chainrule.manual_seed(seed)
    layer = chainrule.nn.LSTM(4, 6)
    x = chainrule.randn(5, 3, 4, requires_grad=True)
    output, (h_n, c_n) = layer(x)
    assert output.grad_fn.name() == "LSTMOnDnnlBackward0"
    return layer, x, output, h_n, c_n


def test_backward_through_a_retained_graph_twice_accumulates_twice_the_gradients():
    layer, x, output, h_n, c_n = _small_layer_run()
    loss = (output * output).sum() + h_n.sum() + c_n.sum()
    loss.backward(retain_graph=True)
    tensors = [x, *layer.parameters()]
    first = [t.grad.numpy().copy() for t in tensors]
    loss.backward()
    for t, g in zip(tensors, first):
        assert np.any(g)
        np.testing.assert_allclose(t.grad.numpy(), 2 * g, rtol=1e-6, atol=0)


def test_backward_frees_the_graph_and_a_second_backward_raises_pytorchs_error():
    _, _, output, h_n, _ = _small_layer_run()
    node = output.grad_fn
    assert node.cache is not None
    (output.sum() + h_n.sum()).backward()
    assert node.cache is None
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        output.sum().backward()


def test_an_output_changed_in_place_makes_backward_raise():
    _, _, output, h_n, _ = _small_layer_run()
    with chainrule.no_grad():
        output.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h_n.sum().backward()


@pytest.mark.parametrize(
    "dtype, enabled",
    [(chainrule.float64, True), (chainrule.float32, False), (chainrule.float64, False)],
    ids=["float64", "mkldnn-disabled", "float64-mkldnn-disabled"],
)
def test_float64_and_a_disabled_mkldnn_never_use_onednn(dtype, enabled):
    x = chainrule.randn(5, 3, 4, dtype=dtype)
    assert _dnnl_lstm.suits(x.numpy(), 6) == (dtype == chainrule.float32)
    layer = chainrule.nn.LSTM(4, 6, bidirectional=True, dtype=dtype)
    with chainrule.backends.mkldnn.flags(enabled=enabled):
        output, _ = layer(x)
    names = graph_node_names(output)
    assert "LSTMOnDnnlBackward0" not in names, names
    assert names.count("LSTMSequenceBackward0") == 2, names


def test_the_calling_threads_openmp_thread_count_is_the_same_after_forward_and_backward():
    gomp = _dnnl._state["gomp"]
    before = gomp.omp_get_max_threads()
    gomp.omp_set_num_threads(3)
    try:
        layer = chainrule.nn.LSTM(4, 6)
        for _ in range(2):  # primitives made for a shape no other test uses, then run from the cache
            output, (h_n, c_n) = layer(chainrule.randn(13, 2, 4, requires_grad=True))
            assert output.grad_fn.name() == "LSTMOnDnnlBackward0"
            assert gomp.omp_get_max_threads() == 3
            (output.sum() + h_n.sum() + c_n.sum()).backward()
            assert gomp.omp_get_max_threads() == 3
    finally:
        gomp.omp_set_num_threads(before)


@pytest.mark.parametrize("kwargs", [{}, {"bidirectional": True}], ids=["one-layer", "bidirectional"])
def test_one_thread_gives_the_results_of_two_threads(kwargs):
    arrays, grads = _realistic_arrays(kwargs, length=12, batch=8, inputs=8, size=16, seed=3)
    previous = chainrule.get_num_threads()
    try:
        chainrule.set_num_threads(2)
        on_two = _layer_results(True, arrays, kwargs, grads)
        chainrule.set_num_threads(1)
        on_one = _layer_results(True, arrays, kwargs, grads)
    finally:
        chainrule.set_num_threads(previous)
    for a, b in zip(on_one, on_two):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max())


def test_a_layer_run_on_one_thread_gets_primitives_made_for_one_thread():
    previous = chainrule.get_num_threads()
    shape = (7, 5, 3, 11)  # steps, batch, inputs, hidden: used by no other test
    try:
        for threads in (1, 2):
            chainrule.set_num_threads(threads)
            layer = chainrule.nn.LSTM(shape[2], shape[3], bidirectional=True)
            output, _ = layer(chainrule.randn(*shape[:3], requires_grad=True))
            assert graph_node_names(output).count("LSTMOnDnnlBackward0") == 2
            output.sum().backward()
            keys = [k for k in _dnnl._cache if k[0] == "lstm" and tuple(k[2:6]) == shape]
            assert ("lstm", threads, *shape, False) in keys and ("lstm", threads, *shape, True) in keys, keys
            for key in keys:
                primitive = _dnnl._cache[key]
                assert primitive.forward.threads == primitive.backward.threads == key[1], key
    finally:
        chainrule.set_num_threads(previous)


@requires_torch
@pytest.mark.parametrize("forward_threads, backward_threads", [(2, 1), (1, 2)])
def test_a_thread_count_changed_between_forward_and_backward_keeps_pytorchs_gradients(
    forward_threads, backward_threads
):
    arrays, grads = _realistic_arrays({}, length=6, batch=4, inputs=8, size=8, seed=4)
    theirs = torch.nn.LSTM(8, 8)
    with torch.no_grad():
        for p, value in zip(theirs.parameters(), arrays[3:]):
            p.copy_(torch.tensor(value))
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in arrays[:3])
    output, (h_n, c_n) = theirs(xt, (ht, ct))
    g_out, g_h, g_c = (torch.tensor(g) for g in grads)
    ((output * g_out).sum() + (h_n * g_h).sum() + (c_n * g_c).sum()).backward()
    expected = [xt.grad, ht.grad, ct.grad, *(p.grad for p in theirs.parameters())]

    ours = chainrule.nn.LSTM(8, 8)
    with chainrule.no_grad():
        for p, value in zip(ours.parameters(), arrays[3:]):
            p.copy_(chainrule.tensor(value))
    xs, hs, cs = (chainrule.tensor(a, requires_grad=True) for a in arrays[:3])
    previous = chainrule.get_num_threads()
    try:
        chainrule.set_num_threads(forward_threads)
        output, (h_n, c_n) = ours(xs, (hs, cs))
        assert output.grad_fn.name() == "LSTMOnDnnlBackward0"
        chainrule.set_num_threads(backward_threads)
        g_out, g_h, g_c = (chainrule.tensor(g) for g in grads)
        ((output * g_out).sum() + (h_n * g_h).sum() + (c_n * g_c).sum()).backward()
    finally:
        chainrule.set_num_threads(previous)
    got = [xs.grad, hs.grad, cs.grad, *(p.grad for p in ours.parameters())]
    for a, b in zip(got, expected):
        b = b.numpy()
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-4, atol=1e-5 * np.abs(b).max())


@pytest.mark.parametrize("missing", ["b_ih", "b_hh"])
def test_run_layer_with_one_bias_missing_gives_the_numpy_kernels_results_on_onednn(missing):
    """run_layer takes b_ih and b_hh separately, and the NumPy path runs with either of
    them None; the oneDNN path must give the same values and gradients."""
    rng = np.random.default_rng(5)
    shapes = [(5, 3, 4), (3, 6), (3, 6), (24, 4), (24, 6), (24,), (24,)]
    arrays = [rng.uniform(-1, 1, shape).astype(np.float32) for shape in shapes]
    results = []
    for enabled in (False, True):
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = (chainrule.tensor(a, requires_grad=True) for a in arrays)
        b_ih, b_hh = (None, b_hh) if missing == "b_ih" else (b_ih, None)
        with chainrule.backends.mkldnn.flags(enabled=enabled):
            output, (h_n, c_n) = run_layer("LSTM", x, (h0, c0), w_ih, w_hh, b_ih, b_hh, False)
        fused = "LSTMOnDnnlBackward0" if enabled else "LSTMSequenceBackward0"
        assert fused in graph_node_names(output)
        (output.sum() + (h_n * c_n).sum()).backward()
        bias = b_hh if missing == "b_ih" else b_ih
        tensors = [output, h_n, c_n, x.grad, h0.grad, c0.grad, w_ih.grad, w_hh.grad, bias.grad]
        results.append([t.detach().numpy() for t in tensors])
    names = ["output", "h_n", "c_n", "x.grad", "h0.grad", "c0.grad", "w_ih.grad", "w_hh.grad", "bias.grad"]
    for on_numpy, on_dnnl, name in zip(*results, names):
        np.testing.assert_allclose(on_dnnl, on_numpy, rtol=1e-4, atol=1e-5, err_msg=name)
