"""Recurrent layers: RNN, LSTM and GRU over whole sequences, and their one-step
cells RNNCell, LSTMCell and GRUCell, as in PyTorch.

A layer runs each direction in two phases. First it projects the input of
every time step at once, ``x W_ih^T + b_ih`` for the whole (L, N, H_in)
sequence in one matrix product. Then it walks the time steps, adding the
recurrent term ``h W_hh^T + b_hh`` and applying the cell's gates: for a
padded batch, as one fused node per layer and direction that runs
backpropagation through time by hand (ops/rnn.py), otherwise step by step
with the one-step rules composed of differentiable ops.

A ``PackedSequence`` input runs as it is packed: its data, time-major with the
longest sequence first, is projected in one product too, and step t carries
only the ``batch_sizes[t]`` sequences still running, so each sequence's final
state is the one at its own last step and padding is never computed.
"""

import math
import numbers
import warnings

from ..._tensor import Tensor
from ...ops.rnn import gru_step, lstm_step, relu_step, run_layer, tanh_step
from ...ops.shape import cat, stack
from .. import functional as F
from .. import init
from ..parameter import empty_parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


_STEPS = {"RNN_TANH": tanh_step, "RNN_RELU": relu_step, "LSTM": lstm_step, "GRU": gru_step}
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _walk(step, steps, state, reverse, w_hh, b_hh, w_hr, recorded=None):
    """Run ``step`` over the projected inputs ``steps`` (backwards when ``reverse``)
    from ``state``: (the output of every step, the final state). A step may hold
    fewer rows than the one before it (a packed batch, longest sequence first):
    forwards, the rows of sequences that have ended keep their last state aside;
    backwards, the rows of sequences that begin join from the initial ``state``.
    ``recorded``, a list of one None per step, receives each step's state."""
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    initial = state
    first_rows = steps[order[0]].shape[0]
    if first_rows < state[0].shape[0]:
        state = tuple(s[:first_rows] for s in state)
    ended = []
    hidden = [None] * len(steps)
    for t in order:
        rows, running = steps[t].shape[0], state[0].shape[0]
        if rows < running:
            ended.append(tuple(s[rows:] for s in state))
            state = tuple(s[:rows] for s in state)
        elif rows > running:
            state = tuple(cat([s, s0[running:rows]]) for s, s0 in zip(state, initial))
        state = step(steps[t], state, w_hh, b_hh, w_hr)
        hidden[t] = state[0]
        if recorded is not None:
            recorded[t] = state
    if ended:  # the longest sequences end last: their rows come first
        state = tuple(cat(parts) for parts in zip(state, *reversed(ended)))
    return hidden, state


def _uniform_start(layer):
    """Every parameter of a recurrent layer or cell from U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)), as PyTorch starts them."""
    bound = 1.0 / math.sqrt(layer.hidden_size)
    for weight in layer.parameters():
        init.uniform_(weight, -bound, bound)


def _refuse_unknown(layer, kwargs):
    """PyTorch's RNN and GRU take ``proj_size`` only to refuse it with a ValueError."""
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(f"{layer}.__init__() got unexpected keyword arguments {sorted(kwargs)}")


# --- whole sequences ------------------------------------------------------------------------


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction
    (``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``,
    ``weight_hr_l{k}`` for an LSTM projection, ``_reverse`` for the backward
    direction), their U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) start, and
    the forward pass. ``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.
    """

    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element "
                f"being zeroed (got {dropout!r})"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,
            )
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero (got {value})")
        if num_layers <= 0:
            raise ValueError(f"num_layers must be greater than zero (got {num_layers})")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError(
                f"proj_size has to be smaller than hidden_size (got proj_size={proj_size}, "
                f"hidden_size={hidden_size})"
            )
        if mode not in _STEPS:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        output_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else output_size * num_directions
            for direction in range(num_directions):
                shapes = {"weight_ih": (gate_size, layer_input_size), "weight_hh": (gate_size, output_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                names = [kind + suffix for kind in shapes]
                for name, shape in zip(names, shapes.values()):
                    setattr(self, name, empty_parameter(*shape, dtype=dtype))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_start(self)

    def flatten_parameters(self):
        """Does nothing: PyTorch packs the weights for cuDNN here, and on NumPy
        they are used where they are."""

    @property
    def all_weights(self):
        """The parameters of each layer and direction, as lists in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    def _weights(self, index):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of layer-direction ``index``, None where absent."""
        weights = [getattr(self, name) for name in self._all_weights[index]]
        w_ih, w_hh = weights[:2]
        b_ih, b_hh = weights[2:4] if self.bias else (None, None)
        w_hr = weights[-1] if self.proj_size > 0 else None
        return w_ih, w_hh, b_ih, b_hh, w_hr

    def _state_sizes(self):
        """Feature size of each state tensor: (h,) or (h, c)."""
        output_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (output_size, self.hidden_size) if self.mode == "LSTM" else (output_size,)

    def _sequence_forward(self, input, hx, record_steps=None):
        """Check and lay out the input and the initial state ``hx`` (a tuple of
        tensors or None), run every layer, and lay the results out as the input was.
        ``record_steps``, a list, receives every layer and direction's states step by
        step (see ``_run_layers``; chainrule.explain.through_time reads them)."""
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            if record_steps is not None:
                raise TypeError(f"{name}: steps are recorded for a padded input tensor, not a PackedSequence")
            return self._packed_forward(input, hx)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor or PackedSequence input, got {type(input).__name__}")
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        batched = input.dim() == 3
        if hx is not None:
            hx = tuple(hx)
            dims = tuple(h.dim() for h in hx)
            if any(d != input.dim() for d in dims):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                dims_text = ", ".join(f"{d}-D" for d in dims)
                raise RuntimeError(
                    f"{name}: for {kind} input, the initial state should also be {input.dim()}-D but got "
                    f"({dims_text}) tensors"
                )
        if not batched:
            input = input.unsqueeze(1)
            hx = None if hx is None else tuple(h.unsqueeze(1) for h in hx)
        elif self.batch_first:
            input = input.transpose(0, 1)
        self._check_input(input)
        state = self._start_state(hx, input, input.shape[1])
        output, final = self._run_layers(input, state, None, record_steps)
        if not batched:
            return output.squeeze(1), tuple(h.squeeze(1) for h in final)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, final

    def _packed_forward(self, packed, hx):
        """Run a PackedSequence: a given initial state is put in the packed batch's
        order (longest first), and the final states back in the caller's."""
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        if data.dim() != 2:
            raise RuntimeError(f"{type(self).__name__}: input must have 2 dimensions, got {data.dim()}")
        self._check_input(data)
        sizes = batch_sizes.tolist()
        hx = None if hx is None else tuple(hx)
        state = self._start_state(hx, data, sizes[0])
        if hx is not None and sorted_indices is not None:
            state = tuple(h.index_select(1, sorted_indices) for h in state)
        output, final = self._run_layers(data, state, sizes)
        if unsorted_indices is not None:
            final = tuple(h.index_select(1, unsorted_indices) for h in final)
        return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), final

    def _start_state(self, hx, input, batch):
        """The initial state: ``hx`` checked against (layers * directions, batch,
        features) for each state tensor, or zeros of that shape when None."""
        num_states = self.num_layers * (2 if self.bidirectional else 1)
        expected = [(num_states, batch, size) for size in self._state_sizes()]
        if hx is None:
            return tuple(input.new_zeros(shape) for shape in expected)
        for i, (h, shape) in enumerate(zip(hx, expected)):
            if tuple(h.shape) != shape:
                which = f"hidden[{i}]" if len(expected) == 2 else "hidden"
                raise RuntimeError(
                    f"{type(self).__name__}: Expected {which} size {shape} (num_layers * num_directions, "
                    f"batch, features), got {list(h.shape)}"
                )
        return hx

    def _check_input(self, input):
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(
                f"{type(self).__name__} input dtype ({input.dtype}) does not match weight dtype "
                f"({weight_dtype}). Convert input: input.to({weight_dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{type(self).__name__}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]} (input of shape {tuple(input.shape)})"
            )
        if input.shape[0] == 0:
            raise RuntimeError(f"Expected sequence length to be larger than 0 in {type(self).__name__}")

    def _run_layers(self, input, hx, batch_sizes=None, record_steps=None):
        """``input`` (L, N, H_in), or packed data (sum of lengths, H_in) with its
        ``batch_sizes`` list, and ``hx``, a tuple of (layers * directions, N, H)
        states, through every layer: (output laid out as the input with
        directions * H features, final states). With a list ``record_steps`` the
        steps run one by one, composed of the one-step rules, and each layer and
        direction appends its states in time order (a list of (h_t,) or (h_t, c_t)),
        so that their gradients can be read (slower: no fused node)."""
        step = _STEPS[self.mode]
        num_directions = 2 if self.bidirectional else 1
        # hx[k] holds state k (h, or c) of every layer and direction: split it per layer and direction
        initial = [states.unbind(0) for states in hx]
        final = [[] for _ in hx]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                index = layer * num_directions + direction
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(index)
                state = tuple(states[index] for states in initial)
                if batch_sizes is None and w_hr is None and record_steps is None:
                    output, state = run_layer(self.mode, input, state, w_ih, w_hh, b_ih, b_hh, direction == 1)
                else:
                    projected = F.linear(input, w_ih, b_ih)
                    steps = projected.unbind(0) if batch_sizes is None else projected.split(batch_sizes)
                    recorded = None if record_steps is None else [None] * len(steps)
                    hidden, state = _walk(step, steps, state, direction == 1, w_hh, b_hh, w_hr, recorded)
                    output = stack(hidden) if batch_sizes is None else cat(hidden)
                    if recorded is not None:
                        record_steps.append(recorded)
                outputs.append(output)
                for states, last in zip(final, state):
                    states.append(last)
            input = outputs[0] if num_directions == 1 else cat(outputs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                input = F.dropout(input, self.dropout)
        return input, tuple(stack(states) for states in final)


class RNN(RNNBase):
    """An Elman recurrent network: for each layer and time step
    ``h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)`` (or relu with
    ``nonlinearity='relu'``).

    Input (L, N, H_in), (N, L, H_in) with ``batch_first``, unbatched
    (L, H_in), or a ``PackedSequence`` of sequences of different lengths (the
    output is then packed too, and h_n is each sequence's state at its own
    last step); optional ``h_0`` (num_layers * num_directions, N, H) defaults to
    zeros. Returns ``(output, h_n)``: the last layer's h_t for every t (both
    directions side by side when bidirectional) and the final h of every layer
    and direction. ``dropout`` drops the outputs of all but the last layer
    while training.

    >>> import chainrule
    >>> rnn = chainrule.nn.RNN(10, 20, num_layers=2)
    >>> output, h_n = rnn(chainrule.randn(5, 3, 10))
    >>> output.shape, h_n.shape
    (chainrule.Size([5, 3, 20]), chainrule.Size([2, 3, 20]))
    >>> from chainrule.nn.utils.rnn import pack_padded_sequence
    >>> packed = pack_padded_sequence(chainrule.randn(5, 3, 10), [5, 2, 4], enforce_sorted=False)
    >>> output, h_n = rnn(packed)
    >>> output.data.shape, output.batch_sizes, h_n.shape
    (chainrule.Size([11, 20]), tensor([3, 3, 2, 2, 1]), chainrule.Size([2, 3, 20]))
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
        **kwargs,
    ):
        _refuse_unknown("RNN", kwargs)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        output, (h_n,) = self._sequence_forward(input, None if hx is None else (hx,))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory: for each layer and time step, with gates
    ``i, f, g, o`` from ``x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh`` (in that
    order), ``c_t = sigmoid(f) c_(t-1) + sigmoid(i) tanh(g)`` and
    ``h_t = sigmoid(o) tanh(c_t)`` (times ``W_hr^T`` when ``proj_size > 0``).

    Input as ``RNN``'s; optional ``(h_0, c_0)``. Returns
    ``(output, (h_n, c_n))``.

    >>> import chainrule
    >>> lstm = chainrule.nn.LSTM(10, 20, batch_first=True, bidirectional=True)
    >>> output, (h_n, c_n) = lstm(chainrule.randn(3, 5, 10))
    >>> output.shape, h_n.shape, c_n.shape
    (chainrule.Size([3, 5, 40]), chainrule.Size([2, 3, 20]), chainrule.Size([2, 3, 20]))
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )

    def forward(self, input, hx=None):
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}")
        output, (h_n, c_n) = self._sequence_forward(input, hx)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit: for each layer and time step, with gates ``r, z, n``
    (in that order), ``r, z = sigmoid(x_t W_i{r,z}^T + b_i{r,z} + h W_h{r,z}^T +
    b_h{r,z})``, ``n = tanh(x_t W_in^T + b_in + r * (h W_hn^T + b_hn))`` and
    ``h_t = (1 - z) * n + z * h_(t-1)``.

    Input and output as ``RNN``'s.

    >>> import chainrule
    >>> gru = chainrule.nn.GRU(10, 20)
    >>> output, h_n = gru(chainrule.randn(5, 10))
    >>> output.shape, h_n.shape
    (chainrule.Size([5, 20]), chainrule.Size([1, 20]))
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
        **kwargs,
    ):
        _refuse_unknown("GRU", kwargs)
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
        )

    def forward(self, input, hx=None):
        output, (h_n,) = self._sequence_forward(input, None if hx is None else (hx,))
        return output, h_n


# --- one step ------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """What the cells share: ``weight_ih`` (gates * H, H_in), ``weight_hh``
    (gates * H, H), ``bias_ih`` and ``bias_hh`` (gates * H,), all drawn from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), and the input checks."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = empty_parameter(num_chunks * hidden_size, input_size, dtype=dtype)
        self.weight_hh = empty_parameter(num_chunks * hidden_size, hidden_size, dtype=dtype)
        if bias:
            self.bias_ih = empty_parameter(num_chunks * hidden_size, dtype=dtype)
            self.bias_hh = empty_parameter(num_chunks * hidden_size, dtype=dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_start(self)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _step(self, step, input, hx, num_states):
        """Check ``input`` (N, H_in) or (H_in,) and the state ``hx`` (a tuple of
        (N, H) or (H,) tensors, or None for zeros), then run one ``step``."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for i, h in enumerate(hx):
                if h.dim() not in (1, 2):
                    which = f"hx[{i}]" if num_states == 2 else "hidden"
                    raise ValueError(f"{name}: Expected {which} to be 1D or 2D, got {h.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            hx = None if hx is None else tuple(h.unsqueeze(0) for h in hx)
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}"
            )
        if hx is None:
            hx = (input.new_zeros((input.shape[0], self.hidden_size)),) * num_states
        for i, h in enumerate(hx):
            if h.shape[0] != input.shape[0]:
                raise RuntimeError(
                    f"{name}: Input batch size {input.shape[0]} doesn't match hidden{i} batch size "
                    f"{h.shape[0]}"
                )
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"{name}: hidden{i} has inconsistent hidden_size: got {h.shape[1]}, expected "
                    f"{self.hidden_size}"
                )
        projected = F.linear(input, self.weight_ih, self.bias_ih)
        state = step(projected, hx, self.weight_hh, self.bias_hh)
        return state if batched else tuple(h.squeeze(0) for h in state)


class RNNCell(RNNCellBase):
    """One step of ``RNN``: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).
    Input (N, H_in) or (H_in,); ``hx`` defaults to zeros.

    >>> import chainrule
    >>> cell = chainrule.nn.RNNCell(10, 20)
    >>> cell(chainrule.randn(3, 10)).shape
    chainrule.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity} (use 'tanh' or 'relu')")
        step = tanh_step if self.nonlinearity == "tanh" else relu_step
        (h,) = self._step(step, input, None if hx is None else (hx,), 1)
        return h


class LSTMCell(RNNCellBase):
    """One step of ``LSTM``: returns ``(h', c')`` from input (N, H_in) or (H_in,)
    and ``hx = (h, c)`` (zeros when None).

    >>> import chainrule
    >>> cell = chainrule.nn.LSTMCell(10, 20)
    >>> h, c = cell(chainrule.randn(3, 10))
    >>> h.shape, c.shape
    (chainrule.Size([3, 20]), chainrule.Size([3, 20]))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        return self._step(lstm_step, input, hx, 2)


class GRUCell(RNNCellBase):
    """One step of ``GRU``: ``h'`` from input (N, H_in) or (H_in,) and ``hx``
    (zeros when None).

    >>> import chainrule
    >>> cell = chainrule.nn.GRUCell(10, 20)
    >>> cell(chainrule.randn(10)).shape
    chainrule.Size([20])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        (h,) = self._step(gru_step, input, None if hx is None else (hx,), 1)
        return h
