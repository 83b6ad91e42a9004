"""Layer-level parity with PyTorch: the same layer, the same weights, the same inputs.

``check_module(make, shapes)`` builds the layer with ``make(torch)`` and
``make(chainrule)``, copies PyTorch's weights into chainrule's copy through
``load_state_dict`` (so it also checks that the state_dict keys and shapes
are PyTorch's), then in each mode (train and eval) compares the forward
values, the gradient of every floating input and the gradient of every
parameter, by name:

    check_module(lambda m: m.nn.Linear(3, 4), [(2, 3)])

``call=`` says how to call the layer on the inputs, for an initial state
passed as a tuple or for keyword options:

    check_module(lambda m: m.nn.LSTM(4, 6), [(5, 3, 4), (1, 3, 6), (1, 3, 6)],
                 call=lambda m, lstm, x, h, c: lstm(x, (h, c)))
"""

import numpy as np
from scipy import stats

import chainrule

from oracle import GRAD_RTOL, _run, assert_close, assert_same_run, random_inputs, torch


def copy_weights(torch_module, module):
    """Load ``torch_module``'s state_dict into ``module`` (as chainrule tensors)."""
    state = {
        name: chainrule.tensor(value.detach().numpy().copy())
        for name, value in torch_module.state_dict().items()
    }
    assert list(module.state_dict()) == list(state), "state_dict keys differ from PyTorch's"
    module.load_state_dict(state)


def check_module(
    make,
    shapes,
    *,
    call=None,
    modes=("train", "eval"),
    arrays=None,
    requires_grad=None,
    dtype=np.float32,
    low=-2.0,
    high=2.0,
    seed=0,
    atol=1e-6,
    grad_atol=1e-5,
):
    """Forward values, input gradients and parameter gradients agree with PyTorch;
    ``call(m, layer, *inputs)`` calls the layer (default: ``layer(*inputs)``)."""
    call = call or (lambda m, layer, *inputs: layer(*inputs))
    theirs = make(torch)
    ours = make(chainrule)
    if dtype == np.float64:
        theirs, ours = theirs.double(), ours.double()
    copy_weights(theirs, ours)
    arrays = arrays or random_inputs(shapes, dtype, low, high, seed)
    requires_grad = requires_grad or [True] * len(arrays)
    precision = np.dtype(dtype).type
    for mode in modes:
        theirs.train(mode == "train")
        ours.train(mode == "train")
        theirs.zero_grad()
        ours.zero_grad()
        assert_same_run(
            _run(chainrule, lambda m, *xs: call(m, ours, *xs), arrays, requires_grad, seed),
            _run(torch, lambda m, *xs: call(m, theirs, *xs), arrays, requires_grad, seed),
            precision,
            atol,
            grad_atol,
            f"{mode}: ",
        )
        their_params = dict(theirs.named_parameters())
        our_params = dict(ours.named_parameters())
        assert list(our_params) == list(their_params), "parameter names differ from PyTorch's"
        for name, p in their_params.items():
            if p.grad is None:
                assert our_params[name].grad is None, f"{mode}: {name} has a gradient, PyTorch's has none"
                continue
            assert our_params[name].grad is not None, f"{mode}: no gradient for {name}"
            assert_close(
                our_params[name].grad.numpy(),
                p.grad.numpy(),
                GRAD_RTOL[precision],
                grad_atol,
                f"{mode}: {name}.grad",
            )
    return ours, theirs


def assert_drawn_from(values, distribution):
    """``values`` look like draws from the scipy ``distribution`` (Kolmogorov-Smirnov
    with a fixed seed: deterministic, and strict enough to catch a scale off by a
    few percent)."""
    assert stats.kstest(np.asarray(values, np.float64).ravel(), distribution.cdf).pvalue > 1e-3


def assert_uniform(values, bound):
    """``values`` look like draws from U(-bound, bound), PyTorch's default
    initialisation of most layers."""
    values = np.asarray(values, np.float64).ravel()
    assert np.abs(values).max() <= bound
    assert_drawn_from(values, stats.uniform(-bound, 2 * bound))
