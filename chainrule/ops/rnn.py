"""The time loops of recurrent layers: one step of the Elman RNN, LSTM and GRU
cells as differentiable ops, and a fused primitive per cell that runs a whole
sequence of steps as one node of the graph.

The fused primitives earn their place by speed. Composed, an LSTM step is a
dozen nodes (a linear map, a chunk, three sigmoids, two tanhs, products and
sums), so a 50-step sequence put some 600 nodes and their small NumPy calls on
the graph, and a training step of a one-layer LSTM took 3.5x PyTorch's time.
A fused node keeps every step's gates in one preallocated array and runs
backpropagation through time by hand: first, for all steps at once, the parts
of each local derivative that do not depend on the incoming gradient (the
sigmoid's y (1 - y), the tanh's 1 - y^2, ...), then, step by step back in
time, only the recurrence itself: a few products and one matrix product by
W_hh. The weights' gradients are then one matrix product over every step.

Every primitive takes the input projection P = x W_ih^T + b_ih of all L steps
(L, N, gates * H), computed before the loop as one linear op, and the initial
state; it returns the output h_t of every step (L, N, H) and the final state.
Under ``create_graph`` their backward rebuilds the steps from the one-step
rules below and lets the engine differentiate them, so that second
derivatives are the composed graph's.
"""

import numpy as np

from ..autograd.function import Primitive
from ..backends import mkldnn
from . import _blas, _dnnl_lstm
from .elementwise import relu, sigmoid, tanh
from .nn import linear
from .reduce import first_axis_sums
from .shape import stack

__all__ = ["tanh_step", "relu_step", "lstm_step", "gru_step", "run_layer"]


# --- one time step, as differentiable ops ------------------------------------------------------
# Each step takes the input projection of its time step (x W_ih^T + b_ih), the
# state (a tuple: (h,), or (h, c) for LSTM) and the recurrent weights, and
# returns the next state; its first entry is the step's output.


def tanh_step(x_projected, state, w_hh, b_hh, w_hr=None):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return (tanh(x_projected + linear(state[0], w_hh, b_hh)),)


def relu_step(x_projected, state, w_hh, b_hh, w_hr=None):
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return (relu(x_projected + linear(state[0], w_hh, b_hh)),)


def lstm_step(x_projected, state, w_hh, b_hh, w_hr=None):
    """Gates i, f, g, o (in that order along the 4H columns):
    c' = sigmoid(f) c + sigmoid(i) tanh(g),  h' = sigmoid(o) tanh(c'), then
    h' W_hr^T when the layer has a projection."""
    h, c = state
    i, f, g, o = (x_projected + linear(h, w_hh, b_hh)).chunk(4, 1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h = sigmoid(o) * tanh(c)
    return (h if w_hr is None else linear(h, w_hr), c)


def gru_step(x_projected, state, w_hh, b_hh, w_hr=None):
    """Gates r, z, n (in that order along the 3H columns):
    r, z = sigmoid(x_rz + h_rz),  n = tanh(x_n + r * h_n),  h' = (1 - z) n + z h,
    computed as (h - n) z + n like PyTorch."""
    (h,) = state
    size = h.shape[1]
    x_rz, x_n = x_projected.split([2 * size, size], 1)
    h_rz, h_n = linear(h, w_hh, b_hh).split([2 * size, size], 1)
    r, z = sigmoid(x_rz + h_rz).chunk(2, 1)
    n = tanh(x_n + r * h_n)
    return ((h - n) * z + n,)


# --- whole sequences, fused --------------------------------------------------------------------


def run_layer(mode, input, state, w_ih, w_hh, b_ih, b_hh, reverse):
    """One layer direction over a whole sequence ``input`` (L, N, in) from ``state``
    (h_0,) or (h_0, c_0): (h_t of every step, (L, N, H); the final state). ``mode`` is
    'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'. A float32 LSTM runs on oneDNN where it is
    installed and switched on (``chainrule.backends.mkldnn``), as PyTorch's does."""
    if mode == "LSTM" and mkldnn.enabled and _dnnl_lstm.suits(input._data, w_hh.shape[1]):
        output, h, c = LSTMOnDnnl.apply(input, state[0], state[1], w_ih, w_hh, b_ih, b_hh, reverse)
        return output, (h, c)
    return _run_sequence(mode, linear(input, w_ih, b_ih), state, w_hh, b_hh, reverse)


def _run_sequence(mode, projected, state, w_hh, b_hh, reverse):
    """``run_layer`` on NumPy, from the input projection ``projected`` (L, N, gates * H)."""
    if mode == "LSTM":
        output, h, c = LSTMSequence.apply(projected, state[0], state[1], w_hh, b_hh, reverse)
        return output, (h, c)
    if mode == "GRU":
        output, h = GRUSequence.apply(projected, state[0], w_hh, b_hh, reverse)
    else:
        output, h = ElmanSequence.apply(projected, state[0], w_hh, b_hh, reverse, mode == "RNN_RELU")
    return output, (h,)


def _states(length, batch, size, dtype, initial, reverse):
    """A buffer of L + 1 states with ``initial`` in place, and the time steps in
    the order they run as (t, row read, row written): a forward layer writes the
    state after step t in row t + 1 (row 0 holds the initial state), a reverse
    layer in row t (row L holds the initial state)."""
    states = np.empty((length + 1, batch, size), dtype)
    states[length if reverse else 0] = initial
    return states, _steps_in_order(length, reverse)


def _steps_in_order(length, reverse):
    """The (t, row read, row written) of each step, in the order forward runs them."""
    if reverse:
        return [(t, t + 1, t) for t in range(length - 1, -1, -1)]
    return [(t, t, t + 1) for t in range(length)]


def _outputs_and_previous(states, reverse):
    """The rows of ``states`` that are the steps' outputs, and those that are the
    states each step started from (both in time order)."""
    return (states[:-1], states[1:]) if reverse else (states[1:], states[:-1])


def _sigmoid_inplace(x):
    # 1 / (1 + e^-x) in place: four passes, no temporary (scipy's expit is 4x slower
    # here). e^-x overflows to inf for x << 0, and 1 / inf = 0 is right.
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)


def _recurrent_weight_grads(d_recurrent, previous, need_w, need_b):
    """dL/dW_hh = sum_t d_t^T h_(t-1) and dL/db_hh = sum_t d_t, over every step and
    batch row at once, from ``d_recurrent`` (L, N, gates, H), the gradient of
    each step's h_(t-1) W_hh^T + b_hh."""
    rows = d_recurrent.reshape(-1, d_recurrent.shape[2] * d_recurrent.shape[3])
    grad_w = _blas.matrix_product(rows.T, previous.reshape(-1, previous.shape[-1])) if need_w else None
    grad_b = first_axis_sums(rows) if need_b else None
    return grad_w, grad_b


class _Sequence(Primitive):
    """What the fused layers share: ``cache`` holds the arrays backward reads
    (freed with the graph), and under ``create_graph`` backward differentiates
    the composed steps instead. Subclasses set ``step`` (the one-step rule) and
    ``state_count`` (1, or 2 for LSTM's (h, c)); each step's rows are read and
    written in place by ``_blas.matrix_product(..., accumulate=True)`` and ufuncs
    with ``out=``, so a step allocates nothing."""

    __slots__ = ("reverse", "cache")
    step = None
    state_count = 1

    def release(self):
        super().release()
        self.cache = None

    def one_step(ctx):
        """The one-step rule this layer runs, as differentiable ops."""
        return ctx.step

    def recompute(ctx, inputs):
        """The outputs again, as differentiable ops, from the Tensors forward took:
        the projection, the state, w_hh and b_hh."""
        count = ctx.state_count
        projected, state, (w_hh, b_hh) = inputs[0], tuple(inputs[1 : 1 + count]), inputs[1 + count :]
        return ctx.steps_composed(projected, state, w_hh, b_hh)

    def steps_composed(ctx, projected, state, w_hh, b_hh):
        hidden = [None] * projected.shape[0]
        step = ctx.one_step()
        for t, _, _ in _steps_in_order(len(hidden), ctx.reverse):
            state = step(projected[t], state, w_hh, b_hh)
            hidden[t] = state[0]
        return (stack(hidden), *state)

    def composed_backward(ctx, grads):
        """The gradients of the inputs when they must themselves be differentiable:
        the same steps recorded as ops from the saved inputs, then one walk back
        through them. Each input enters through a fresh view, so that the nested
        walk stops there and leaves the pending gradients of the outer one alone."""
        from ..autograd.engine import grad

        inputs = list(ctx.saved[:-1])  # every Tensor forward took (the last saved is its output)
        wanted = [k for k, t in enumerate(inputs) if t is not None and ctx.needs_input_grad[k]]
        for k in wanted:
            inputs[k] = inputs[k].view_as(inputs[k])
        outputs = ctx.recompute(inputs)
        found = grad(outputs, [inputs[k] for k in wanted], grads, create_graph=True, allow_unused=True)
        results = [None] * len(ctx.needs_input_grad)
        for k, g in zip(wanted, found):
            results[k] = g
        return tuple(results)


class LSTMSequence(_Sequence):
    """A whole LSTM layer direction. With z_t = P_t + h_(t-1) W_hh^T + b_hh split into
    the gates' pre-activations [i, f, g, o]:
    c_t = sigmoid(f) c_(t-1) + sigmoid(i) tanh(g),   h_t = sigmoid(o) tanh(c_t).
    Backward through time, dh_t being dL/dh_t from the output and from step t + 1:
    dc_t += dh_t sigmoid(o) (1 - tanh^2 c_t),   dz_o = dh_t tanh(c_t) sigmoid'(o),
    dz_i = dc_t tanh(g) sigmoid'(i),   dz_f = dc_t c_(t-1) sigmoid'(f),
    dz_g = dc_t sigmoid(i) (1 - tanh^2 g),   dc_(t-1) = dc_t sigmoid(f),
    dh_(t-1) = dz_t W_hh;   dL/dP_t = dz_t,   dL/dW_hh = sum_t dz_t^T h_(t-1),
    dL/db_hh = sum_t dz_t (sigmoid' = y (1 - y))."""

    step = staticmethod(lstm_step)
    state_count = 2

    def forward(ctx, projected, h0, c0, w_hh, b_hh, reverse):
        length, batch, width = projected.shape
        size = width // 4
        dtype = projected.dtype
        ctx.reverse = reverse
        # the gates kept in the order i, f, o, g: the three sigmoids side by side, one call a step
        order = (0, 1, 3, 2)
        gates = np.empty((length, batch, 4, size), dtype)
        pre = projected.reshape(length, batch, 4, size)
        bias = None if b_hh is None else b_hh.reshape(4, size)
        for k, gate in enumerate(order):
            if bias is None:
                gates[:, :, k] = pre[:, :, gate]
            else:
                np.add(pre[:, :, gate], bias[gate], out=gates[:, :, k])
        w_t = w_hh.reshape(4, size, size)[list(order)].reshape(width, size).T
        hidden, steps = _states(length, batch, size, dtype, h0, reverse)
        cells, _ = _states(length, batch, size, dtype, c0, reverse)
        cell_tanh = np.empty((length, batch, size), dtype)
        product = np.empty((batch, size), dtype)
        for t, read, write in steps:
            z = gates[t]
            _blas.matrix_product(hidden[read], w_t, z.reshape(batch, width), accumulate=True)
            _sigmoid_inplace(z[:, :3])
            i, f, o, g = z[:, 0], z[:, 1], z[:, 2], z[:, 3]
            np.tanh(g, out=g)
            c = cells[write]
            np.multiply(f, cells[read], out=c)
            np.multiply(i, g, out=product)
            c += product
            np.tanh(c, out=cell_tanh[t])
            np.multiply(o, cell_tanh[t], out=hidden[write])
        output = _outputs_and_previous(hidden, reverse)[0]
        last = steps[-1][2]
        ctx.save_for_backward(projected, h0, c0, w_hh, b_hh, output)
        ctx.cache = (gates, hidden, cells, cell_tanh)
        return output, hidden[last].copy(), cells[last].copy()

    def backward(ctx, grad_output, grad_h, grad_c):
        if grad_output.__class__ is not np.ndarray:
            return ctx.composed_backward((grad_output, grad_h, grad_c))
        w_hh = ctx.saved[3]
        gates, hidden, cells, cell_tanh = ctx.cache
        length, batch, _, size = gates.shape
        i, f, o, g = (gates[:, :, k] for k in range(4))
        previous = _outputs_and_previous(hidden, ctx.reverse)[1]
        c_previous = _outputs_and_previous(cells, ctx.reverse)[1]
        # the local derivatives that do not depend on the incoming gradient, all steps at once
        sigmoid_slopes = gates[:, :, :3] * (1 - gates[:, :, :3])
        to_cell = o * (1 - cell_tanh * cell_tanh)  # dc_t += dh_t * to_cell
        to_o = cell_tanh * sigmoid_slopes[:, :, 2]  # dz_o = dh_t * to_o
        to_ifg = np.empty((length, batch, 3, size), gates.dtype)  # dz_{i,f,g} = dc_t * to_ifg
        np.multiply(sigmoid_slopes[:, :, 0], g, out=to_ifg[:, :, 0])
        np.multiply(sigmoid_slopes[:, :, 1], c_previous, out=to_ifg[:, :, 1])
        np.multiply(i, 1 - g * g, out=to_ifg[:, :, 2])
        d_z = np.empty((length, batch, 4, size), gates.dtype)  # in the weights' order i, f, g, o
        dh = np.array(grad_h, gates.dtype)
        dc = np.array(grad_c, gates.dtype)
        product = np.empty((batch, size), gates.dtype)
        for t, _, _ in reversed(_steps_in_order(length, ctx.reverse)):
            dh += grad_output[t]
            np.multiply(dh, to_cell[t], out=product)
            dc += product
            np.multiply(dh, to_o[t], out=d_z[t, :, 3])
            np.multiply(dc[:, None], to_ifg[t], out=d_z[t, :, :3])
            dc *= f[t]
            _blas.matrix_product(d_z[t].reshape(batch, 4 * size), w_hh, dh)
        need = ctx.needs_input_grad
        grad_w, grad_b = _recurrent_weight_grads(d_z, previous, need[3], need[4])
        return d_z.reshape(length, batch, 4 * size), dh, dc, grad_w, grad_b, None


class LSTMOnDnnl(_Sequence):
    """LSTMSequence's layer with its input projection P = x W_ih^T + b_ih inside, run by
    oneDNN (ops/_dnnl_lstm.py; float32): the same derivatives, and then
    dL/dx_t = dz_t W_ih,   dL/dW_ih = sum_t dz_t^T x_t,   dL/db_ih = dL/db_hh = sum_t dz_t."""

    step = staticmethod(lstm_step)
    state_count = 2

    def recompute(ctx, inputs):
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = inputs
        return ctx.steps_composed(linear(x, w_ih, b_ih), (h0, c0), w_hh, b_hh)

    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        ctx.reverse = reverse
        bias = np.zeros(w_hh.shape[0], np.float32)  # oneDNN's one bias: b_ih + b_hh, either absent
        for b in (b_ih, b_hh):
            if b is not None:
                bias += b
        output, h, c, saved = _dnnl_lstm.forward(x, h0, c0, w_ih, w_hh, bias, reverse)
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, output)
        ctx.cache = (saved, bias, h, c)
        return output, h.copy(), c.copy()

    def backward(ctx, grad_output, grad_h, grad_c):
        if grad_output.__class__ is not np.ndarray:
            return ctx.composed_backward((grad_output, grad_h, grad_c))
        x, h0, c0, w_ih, w_hh, _, _, output = ctx.saved
        saved, bias, h, c = ctx.cache
        results = (output, h, c)
        grads = _dnnl_lstm.backward(saved, x, h0, c0, w_ih, w_hh, bias, *results, grad_output, grad_h, grad_c)
        grad_bias = grads[5]
        need = ctx.needs_input_grad
        return (*grads[:5], grad_bias if need[5] else None, grad_bias.copy() if need[6] else None, None)


class GRUSequence(_Sequence):
    """A whole GRU layer direction. With P_t = [x_r, x_z, x_n] and
    h_(t-1) W_hh^T + b_hh = [h_r, h_z, h_n]:
    r, z = sigmoid(x_rz + h_rz),   n = tanh(x_n + r h_n),   h_t = (h_(t-1) - n) z + n.
    Backward through time, dh_t being dL/dh_t from the output and from step t + 1:
    dn' = dh_t (1 - z) (1 - n^2) (the pre-activation of n),   dz' = dh_t (h_(t-1) - n) z (1 - z),
    dr' = dn' h_n r (1 - r);   dL/dP_t = [dr', dz', dn'],
    d(h_(t-1) W_hh^T + b_hh) = d_t = [dr', dz', dn' r],   dh_(t-1) = dh_t z + d_t W_hh,
    dL/dW_hh = sum_t d_t^T h_(t-1),   dL/db_hh = sum_t d_t."""

    step = staticmethod(gru_step)

    def forward(ctx, projected, h0, w_hh, b_hh, reverse):
        length, batch, width = projected.shape
        size = width // 3
        dtype = projected.dtype
        ctx.reverse = reverse
        pre = projected.reshape(length, batch, 3, size)
        gates = np.empty((length, batch, 3, size), dtype)  # r, z, n after their activations
        hidden_n = np.empty((length, batch, size), dtype)  # h W_hn^T + b_hn
        hidden, steps = _states(length, batch, size, dtype, h0, reverse)
        recurrent = np.empty((batch, 3, size), dtype)
        recurrent_rows = recurrent.reshape(batch, width)
        w_t = w_hh.T
        for t, read, write in steps:
            _blas.matrix_product(hidden[read], w_t, recurrent_rows)
            if b_hh is not None:
                recurrent_rows += b_hh
            rz = gates[t, :, :2]
            np.add(pre[t, :, :2], recurrent[:, :2], out=rz)
            _sigmoid_inplace(rz)
            hidden_n[t] = recurrent[:, 2]
            n = gates[t, :, 2]
            np.multiply(gates[t, :, 0], recurrent[:, 2], out=n)
            n += pre[t, :, 2]
            np.tanh(n, out=n)
            h = hidden[write]
            np.subtract(hidden[read], n, out=h)
            h *= gates[t, :, 1]
            h += n
        output = _outputs_and_previous(hidden, reverse)[0]
        ctx.save_for_backward(projected, h0, w_hh, b_hh, output)
        ctx.cache = (gates, hidden_n, hidden)
        return output, hidden[steps[-1][2]].copy()

    def backward(ctx, grad_output, grad_h):
        if grad_output.__class__ is not np.ndarray:
            return ctx.composed_backward((grad_output, grad_h))
        w_hh = ctx.saved[2]
        gates, hidden_n, hidden = ctx.cache
        length, batch, _, size = gates.shape
        r, z, n = (gates[:, :, k] for k in range(3))
        previous = _outputs_and_previous(hidden, ctx.reverse)[1]
        # the local derivatives that do not depend on the incoming gradient, all steps at once
        n_slope = 1 - n * n
        to_n = (1 - z) * n_slope  # dn' = dh_t * to_n
        to_z = (previous - n) * z * (1 - z)  # dz' = dh_t * to_z
        to_r = hidden_n * r * (1 - r)  # dr' = dn' * to_r
        d_recurrent = np.empty((length, batch, 3, size), gates.dtype)
        d_n = np.empty((length, batch, size), gates.dtype)
        dh = np.array(grad_h, gates.dtype)
        for t, _, _ in reversed(_steps_in_order(length, ctx.reverse)):
            dh += grad_output[t]
            np.multiply(dh, to_n[t], out=d_n[t])
            np.multiply(dh, to_z[t], out=d_recurrent[t, :, 1])
            np.multiply(d_n[t], to_r[t], out=d_recurrent[t, :, 0])
            np.multiply(d_n[t], r[t], out=d_recurrent[t, :, 2])
            dh *= z[t]
            _blas.matrix_product(d_recurrent[t].reshape(batch, 3 * size), w_hh, dh, accumulate=True)
        need = ctx.needs_input_grad
        grad_projected = None
        if need[0]:
            grad_projected = np.empty((length, batch, 3, size), gates.dtype)
            grad_projected[:, :, :2] = d_recurrent[:, :, :2]
            grad_projected[:, :, 2] = d_n
            grad_projected = grad_projected.reshape(length, batch, 3 * size)
        grad_w, grad_b = _recurrent_weight_grads(d_recurrent, previous, need[2], need[3])
        return grad_projected, dh, grad_w, grad_b, None


class ElmanSequence(_Sequence):
    """A whole Elman RNN layer direction: h_t = act(P_t + h_(t-1) W_hh^T + b_hh), act
    tanh or relu. Backward through time, dh_t being dL/dh_t from the output and from
    step t + 1: d_t = dh_t act'(.) (tanh: 1 - h_t^2; relu: 1 where h_t > 0, else 0),
    dh_(t-1) = d_t W_hh;   dL/dP_t = d_t,   dL/dW_hh = sum_t d_t^T h_(t-1),
    dL/db_hh = sum_t d_t."""

    def one_step(ctx):
        return relu_step if ctx.cache[1] else tanh_step

    def forward(ctx, projected, h0, w_hh, b_hh, reverse, relu):
        length, batch, size = projected.shape
        ctx.reverse = reverse
        pre = projected if b_hh is None else projected + b_hh
        hidden, steps = _states(length, batch, size, projected.dtype, h0, reverse)
        w_t = w_hh.T
        for t, read, write in steps:
            h = hidden[write]
            h[...] = pre[t]
            _blas.matrix_product(hidden[read], w_t, h, accumulate=True)
            if relu:
                np.maximum(h, 0, out=h)
            else:
                np.tanh(h, out=h)
        output = _outputs_and_previous(hidden, reverse)[0]
        ctx.save_for_backward(projected, h0, w_hh, b_hh, output)
        ctx.cache = (hidden, relu)
        return output, hidden[steps[-1][2]].copy()

    def backward(ctx, grad_output, grad_h):
        if grad_output.__class__ is not np.ndarray:
            return ctx.composed_backward((grad_output, grad_h))
        w_hh = ctx.saved[2]
        hidden, relu = ctx.cache
        output, previous = _outputs_and_previous(hidden, ctx.reverse)
        slope = (output > 0).astype(output.dtype) if relu else 1 - output * output
        length, batch, size = output.shape
        d_pre = np.empty((length, batch, 1, size), output.dtype)
        dh = np.array(grad_h, output.dtype)
        for t, _, _ in reversed(_steps_in_order(length, ctx.reverse)):
            dh += grad_output[t]
            np.multiply(dh, slope[t], out=d_pre[t, :, 0])
            _blas.matrix_product(d_pre[t, :, 0], w_hh, dh)
        need = ctx.needs_input_grad
        grad_w, grad_b = _recurrent_weight_grads(d_pre, previous, need[2], need[3])
        return d_pre.reshape(length, batch, size), dh, grad_w, grad_b, None, None
