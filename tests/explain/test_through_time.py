"""explain.through_time: every step's state and the gradient that reached it, against
PyTorch's cells stepped by hand with retain_grad (the same weights and inputs); the
layer's own results unchanged; the table, the summary, the plot and the errors."""

import numpy as np
import pytest

import chainrule
from chainrule import explain, nn

from oracle import requires_torch, torch

CELLS = {"RNN": "RNNCell", "LSTM": "LSTMCell", "GRU": "GRUCell"}


def _torch_steps(layer, x, suffix, reverse):
    """PyTorch's states of one layer direction, stepped by hand: a list of (h,) or (h, c)."""
    cell = getattr(torch.nn, CELLS[type(layer).__name__])(layer.input_size, layer.hidden_size)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(torch.from_numpy(getattr(layer, name + suffix).detach().numpy()))
    states = [None] * len(x)
    state = None
    for t in range(len(x) - 1, -1, -1) if reverse else range(len(x)):
        result = cell(x[t], state)
        state = result
        states[t] = result if isinstance(result, tuple) else (result,)
        for tensor in states[t]:
            tensor.retain_grad()
    return states


@requires_torch
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-direction", "bidirectional"])
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_each_steps_gradient_is_pytorchs_stepped_by_hand(kind, bidirectional):
    chainrule.manual_seed(0)
    layer = getattr(nn, kind)(3, 5, bidirectional=bidirectional)
    x = np.random.default_rng(1).standard_normal((6, 2, 3)).astype(np.float32)
    ours = explain.through_time(layer, chainrule.tensor(x), loss=lambda output, final: (output**2).sum())

    xt = torch.from_numpy(x)
    directions = [("_l0", False)] + ([("_l0_reverse", True)] if bidirectional else [])
    theirs = [_torch_steps(layer, xt, suffix, reverse) for suffix, reverse in directions]
    output = torch.cat([torch.stack([states[t][0] for t in range(6)]) for states in theirs], dim=-1)
    (output**2).sum().backward()

    np.testing.assert_allclose(ours.output.numpy(), output.detach().numpy(), rtol=1e-5, atol=1e-6)
    for states, direction in zip(theirs, ("forward", "reverse")):
        record = ours.record(0, direction)
        for k, name in enumerate(("h", "c")[: len(states[0])]):
            values = np.stack([state[k].detach().numpy() for state in states])
            grads = np.stack([state[k].grad.numpy() for state in states])
            np.testing.assert_allclose(record[name], values, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(record["grad_" + name], grads, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_a_deep_batch_first_layer_with_a_state_gives_the_layers_own_results(kind):
    chainrule.manual_seed(2)
    layer = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = chainrule.randn(2, 7, 3)
    h0 = chainrule.randn(4, 2, 4)
    hx = (h0, chainrule.randn(4, 2, 4)) if kind == "LSTM" else h0
    output, final = layer(x, hx)
    seen = {}

    def loss(output, final):
        seen["final"] = final
        return output.sum()

    steps = explain.through_time(layer, x, hx, loss=loss)
    np.testing.assert_allclose(steps.output.numpy(), output.detach().numpy(), rtol=1e-5, atol=1e-6)
    ours, theirs = (seen["final"][0], final[0]) if kind == "LSTM" else (seen["final"], final)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert steps.loss == pytest.approx(float(output.sum()), rel=1e-5)
    assert [(r["layer"], r["direction"]) for r in steps.records] == [
        (0, "forward"),
        (0, "reverse"),
        (1, "forward"),
        (1, "reverse"),
    ]
    assert all(r["h"].shape == (7, 2, 4) and r["grad_h"].shape == (7, 2, 4) for r in steps.records)
    assert all(p.grad is None for p in layer.parameters())  # the layer's parameters are left alone


def test_the_default_loss_reads_the_last_step_so_only_earlier_steps_receive_it_through_time():
    chainrule.manual_seed(3)
    layer = nn.GRU(2, 3, batch_first=True)
    x = chainrule.randn(4, 5, 2)
    steps = explain.through_time(layer, x)
    assert steps.loss == pytest.approx(float(layer(x)[0][:, -1].sum()), rel=1e-5)  # batch first: step 4
    grads = steps.record()["grad_h"]
    np.testing.assert_allclose(grads[-1], np.ones((4, 3)), rtol=0, atol=0)  # d(sum h_T)/dh_T = 1
    assert np.all(steps.grad_norms()[:-1] > 0)


def test_a_tanh_rnn_with_small_weights_vanishes_and_a_relu_rnn_with_large_ones_explodes():
    chainrule.manual_seed(4)
    small = nn.RNN(2, 6)
    with chainrule.no_grad():
        small.weight_hh_l0.mul_(0.2)
    vanishing = explain.through_time(small, chainrule.randn(30, 3, 2))
    assert vanishing.grad_norms()[0] < 1e-10 * vanishing.grad_norms()[-1]
    assert "(vanishing)" in vanishing.summary()

    large = nn.RNN(2, 6, nonlinearity="relu")
    with chainrule.no_grad():
        large.weight_hh_l0.copy_(1.5 * chainrule.eye(6))
        large.bias_hh_l0.zero_()
        large.bias_ih_l0.fill_(1.0)
        large.weight_ih_l0.abs_()
    exploding = explain.through_time(large, chainrule.rand(20, 3, 2))
    # relu'(h) = 1 on positive states: each step back multiplies by W_hh^T = 1.5 I
    np.testing.assert_allclose(exploding.grad_norms()[0] / exploding.grad_norms()[-1], 1.5**19, rtol=1e-4)
    assert "(exploding)" in exploding.summary()


def test_the_table_shows_every_short_sequence_step_and_samples_long_ones_with_both_ends():
    chainrule.manual_seed(5)
    short = str(explain.through_time(nn.LSTM(2, 3), chainrule.randn(4, 1, 2)))
    assert "|dL/dc_t|" in short and "layer 0, forward" in short
    assert [line.split()[0] for line in short.splitlines() if line[:5].strip().isdigit()] == [
        "0",
        "1",
        "2",
        "3",
    ]
    long = str(explain.through_time(nn.RNN(2, 3), chainrule.randn(100, 1, 2)))
    shown = [int(line.split()[0]) for line in long.splitlines() if line[:5].strip().isdigit()]
    assert len(shown) == 40 and shown[0] == 0 and shown[-1] == 99
    assert "over 99 steps back" in long


def test_the_plot_is_written_as_a_png(tmp_path):
    chainrule.manual_seed(6)
    path = explain.through_time(nn.GRU(2, 3, bidirectional=True), chainrule.randn(8, 2, 2)).plot(
        tmp_path / "bptt.png"
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_what_it_cannot_run_is_refused_with_the_reason():
    from chainrule.nn.utils.rnn import pack_padded_sequence

    layer = nn.LSTM(2, 3)
    with pytest.raises(TypeError, match="expected an nn.RNN, nn.LSTM or nn.GRU layer, got Linear"):
        explain.through_time(nn.Linear(2, 3), chainrule.randn(4, 2))
    packed = pack_padded_sequence(chainrule.randn(4, 2, 2), [4, 2])
    with pytest.raises(TypeError, match="padded input tensor, not a PackedSequence"):
        explain.through_time(layer, packed)
    steps = explain.through_time(layer, chainrule.randn(4, 2, 2))
    with pytest.raises(
        ValueError, match=r"no layer 0 in direction 'reverse'; the layer has \(0, 'forward'\)"
    ):
        steps.record(0, "reverse")


def test_compare_cells_runs_the_same_input_through_each_cell_and_a_forget_bias_keeps_the_gradient():
    comparison = explain.compare_cells(length=30, size=8, seed=1)
    results = comparison.results
    assert list(results) == ["RNN", "LSTM", "LSTM f-bias 3", "GRU"]
    # the LSTMs share every weight but the forget gates' bias; sigmoid(3) = 0.95 carries dL/dc back
    lstm, biased = results["LSTM"], results["LSTM f-bias 3"]
    kept = {name: r.grad_norms()[0] / r.grad_norms()[-1] for name, r in (("plain", lstm), ("biased", biased))}
    assert kept["biased"] > 100 * kept["plain"]
    assert all(r.output.shape == (30, 4, 8) for r in results.values())
    text = str(comparison)
    assert text.splitlines()[1].split() == ["t", "RNN", "LSTM", "LSTM", "f-bias", "3", "GRU"]
