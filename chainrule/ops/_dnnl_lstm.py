"""LSTM layers on oneDNN, as PyTorch's CPU LSTM runs them (``mkldnn_rnn_layer``): the
whole sequence of one layer and direction, input projection included, forward and
backward, through oneDNN's LSTM primitive (ctypes, with ops/_dnnl.py's machinery).

Why: per time step an LSTM is one small matrix product (N x H by H x 4H) and a
dozen element-wise passes over N x 4H values. NumPy pays a call for each pass
and the product goes through a general BLAS routine: ops/rnn.py's fused NumPy
kernel takes about twice PyTorch's time for a 50-step, 32 x 128 layer. oneDNN
runs the gates in one JIT-compiled pass after each product. With the same
weights its outputs and gradients are PyTorch's to the bit (the same library
doing the same arithmetic).

Threads: the layer runs on the calling thread's OpenMP team of
``chainrule.get_num_threads()`` threads (one in a forked child: _dnnl.team_size),
as PyTorch's does: each time step is one small product, which oneDNN splits over the threads;
cut into slices of the batch run on chainrule's pool, the products are half as
tall and the layer took 1.3x PyTorch's time instead of 1.1x (50 steps of 32 x
128, forward and backward, 2 threads). The primitives of each shape are made for
that thread count and cached with the convolutions'. Weights are handed over in
PyTorch's layout (4H, in) and reordered into the one the primitive chose; the
weight gradients, which oneDNN adds to, start from zeros.
"""

import weakref

import numpy as np

from ._dnnl import (
    _FORWARD_TRAINING,
    _QUERY_DIFF_WEIGHTS,
    _QUERY_WEIGHTS,
    _TAG_ABDEC,
    _aligned_empty,
    _any_desc,
    _cached,
    _destroy_descs,
    _Layout,
    _made,
    _Memories,
    _plain_desc,
    _state,
    _user_scratchpad_attr,
    is_available,
    team_size,
)

# oneDNN 3's C API (oneapi/dnnl/dnnl_types.h)
_BACKWARD = 128
_LEFT_TO_RIGHT, _RIGHT_TO_LEFT = 1, 2
_QUERY_WORKSPACE = 135
_SRC_LAYER, _SRC_ITER, _SRC_ITER_C = 1, 2, 3
_DST_LAYER, _DST_ITER, _DST_ITER_C = 17, 18, 19
_WEIGHTS_LAYER, _WEIGHTS_ITER, _BIAS, _WORKSPACE = 33, 34, 41, 64
_DIFF = 128  # DNNL_ARG_DIFF_X = DNNL_ARG_X + 128 for the sources, destinations and weights
_DIFF_BIAS = 169


class _LSTM:
    """The forward (training) and backward primitives of one LSTM shape, and the
    layouts of their weights; destroyed when the last reference goes."""

    def __init__(self, steps, batch, inputs, size, reverse):
        library, engine = _state["library"], _state["engine"]
        self.descs = []
        weakref.finalize(self, _destroy_descs, library, self.descs).atexit = False
        # PyTorch's (4H, in) weight is oneDNN's (layers, directions, in, gates, H) in the
        # order l, d, g, o, i ("ldgoi")
        w_layer = _plain_desc((1, 1, inputs, 4, size), _TAG_ABDEC)
        w_iter = _plain_desc((1, 1, size, 4, size), _TAG_ABDEC)
        x, y = _plain_desc((steps, batch, inputs)), _plain_desc((steps, batch, size))
        state, bias = _plain_desc((1, 1, batch, size)), _plain_desc((1, 1, 4, size))
        w_layer_any, w_iter_any = _any_desc((1, 1, inputs, 4, size)), _any_desc((1, 1, size, 4, size))
        self.descs += [w_layer, w_iter, x, y, state, bias, w_layer_any, w_iter_any]
        direction = _RIGHT_TO_LEFT if reverse else _LEFT_TO_RIGHT
        forward_descs = (x, state, state, w_layer_any, w_iter_any, None, None, bias, y, state, state)
        attr = _user_scratchpad_attr()
        try:
            self.forward = _made(
                library.dnnl_lstm_forward_primitive_desc_create, "an LSTM forward pass",
                engine, _FORWARD_TRAINING, direction, *forward_descs, 0, attr,
            )  # fmt: skip
            self.backward = _made(
                library.dnnl_lstm_backward_primitive_desc_create, "an LSTM backward pass",
                engine, _BACKWARD, direction, *forward_descs, *forward_descs, 0, self.forward.desc, attr,
            )  # fmt: skip
        finally:
            library.dnnl_primitive_attr_destroy(attr)
        f, b = self.forward, self.backward
        self.w_layer = _Layout(w_layer, f.query(_QUERY_WEIGHTS, 0))
        self.w_iter = _Layout(w_iter, f.query(_QUERY_WEIGHTS, 1))
        self.w_layer_back = _Layout(w_layer, b.query(_QUERY_WEIGHTS, 0))
        self.w_iter_back = _Layout(w_iter, b.query(_QUERY_WEIGHTS, 1))
        self.grad_w_layer = _Layout(w_layer, b.query(_QUERY_DIFF_WEIGHTS, 0), result=True)
        self.grad_w_iter = _Layout(w_iter, b.query(_QUERY_DIFF_WEIGHTS, 1), result=True)
        self.workspace = f.query(_QUERY_WORKSPACE)
        self.workspace_bytes = library.dnnl_memory_desc_get_size(self.workspace)
        self.x, self.y, self.state, self.bias = x, y, state, bias

    def arguments(self, memories, x, h0, c0, bias, y, h, c, workspace):
        """The arguments forward and backward share, but for the weights."""
        wrap = memories.wrap
        return [
            (_SRC_LAYER, wrap(self.x, x)),
            (_SRC_ITER, wrap(self.state, h0)),
            (_SRC_ITER_C, wrap(self.state, c0)),
            (_BIAS, wrap(self.bias, bias)),
            (_DST_LAYER, wrap(self.y, y)),
            (_DST_ITER, wrap(self.state, h)),
            (_DST_ITER_C, wrap(self.state, c)),
            (_WORKSPACE, wrap(self.workspace, workspace)),
        ]


def _lstm(steps, batch, inputs, size, reverse):
    threads = team_size()
    shape = (steps, batch, inputs, size, reverse)
    return _cached(("lstm", threads, *shape), lambda: _LSTM(*shape), threads)


def suits(x, size):
    """Whether oneDNN can run an LSTM layer over ``x`` (L, N, in) with ``size`` hidden units."""
    steps, batch, inputs = x.shape
    return (
        x.dtype == np.float32
        and steps > 0
        and batch > 0
        and is_available()
        and _lstm(steps, batch, inputs, size, False) is not None
    )


def forward(x, h0, c0, w_ih, w_hh, bias, reverse):
    """(y, h_n, c_n, saved) of one LSTM layer direction: ``x`` (L, N, in), ``h0`` and
    ``c0`` (N, H), PyTorch's ``w_ih`` (4H, in) and ``w_hh`` (4H, H), ``bias``
    b_ih + b_hh (4H,), all float32; ``saved`` is what ``backward`` needs besides them."""
    steps, batch, inputs = x.shape
    size = h0.shape[1]
    lstm = _lstm(steps, batch, inputs, size, reverse)
    y = np.empty((steps, batch, size), np.float32)
    h = np.empty((batch, size), np.float32)
    c = np.empty((batch, size), np.float32)
    workspace = _aligned_empty(lstm.workspace_bytes)
    with _Memories() as memories:
        args = lstm.arguments(memories, *_plain(x, h0, c0), bias, y, h, c, workspace)
        args.append((_WEIGHTS_LAYER, lstm.w_layer.into(memories, np.ascontiguousarray(w_ih))[0]))
        args.append((_WEIGHTS_ITER, lstm.w_iter.into(memories, np.ascontiguousarray(w_hh))[0]))
        lstm.forward.run(memories, args)
    return y, h, c, (lstm, workspace)


def _plain(*arrays):
    return [np.ascontiguousarray(a, np.float32) for a in arrays]


def backward(saved, x, h0, c0, w_ih, w_hh, bias, y, h, c, grad_y, grad_h, grad_c):
    """dL/dx, dL/dh0, dL/dc0, dL/dw_ih, dL/dw_hh and dL/dbias of ``forward``'s layer,
    from the gradients of its three results."""
    lstm, workspace = saved
    grad_x = np.empty(x.shape, np.float32)
    grad_h0 = np.empty(h0.shape, np.float32)
    grad_c0 = np.empty(c0.shape, np.float32)
    grad_w_ih = np.empty(w_ih.shape, np.float32)
    grad_w_hh = np.empty(w_hh.shape, np.float32)
    grad_bias = np.zeros(bias.shape, np.float32)
    with _Memories() as memories:
        wrap = memories.wrap
        args = lstm.arguments(memories, *_plain(x, h0, c0), bias, *_plain(y, h, c), workspace)
        grad_layer, finish_layer = lstm.grad_w_layer.output(memories, grad_w_ih, zeroed=True)
        grad_iter, finish_iter = lstm.grad_w_iter.output(memories, grad_w_hh, zeroed=True)
        grad_y, grad_h, grad_c = _plain(grad_y, grad_h, grad_c)
        args += [
            (_WEIGHTS_LAYER, lstm.w_layer_back.into(memories, np.ascontiguousarray(w_ih))[0]),
            (_WEIGHTS_ITER, lstm.w_iter_back.into(memories, np.ascontiguousarray(w_hh))[0]),
            (_DIFF + _SRC_LAYER, wrap(lstm.x, grad_x)),
            (_DIFF + _SRC_ITER, wrap(lstm.state, grad_h0)),
            (_DIFF + _SRC_ITER_C, wrap(lstm.state, grad_c0)),
            (_DIFF + _WEIGHTS_LAYER, grad_layer),
            (_DIFF + _WEIGHTS_ITER, grad_iter),
            (_DIFF_BIAS, wrap(lstm.bias, grad_bias)),
            (_DIFF + _DST_LAYER, wrap(lstm.y, grad_y)),
            (_DIFF + _DST_ITER, wrap(lstm.state, grad_h)),
            (_DIFF + _DST_ITER_C, wrap(lstm.state, grad_c)),
        ]
        lstm.backward.run(memories, args)
        finish_layer()
        finish_iter()
    return grad_x, grad_h0, grad_c0, grad_w_ih, grad_w_hh, grad_bias
