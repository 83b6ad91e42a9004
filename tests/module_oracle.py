"""Layer-level parity with PyTorch: the same layer, the same weights, the same inputs.

``check_module(make, shapes)`` builds the layer with ``make(torch)`` and
``make(chainrule)``, copies PyTorch's weights into chainrule's copy through
``load_state_dict`` (so it also checks that the state_dict keys and shapes
are PyTorch's), then in each mode (train and eval) compares the forward
values, the gradient of every floating input and the gradient of every
parameter, by name:

    check_module(lambda m: m.nn.Linear(3, 4), [(2, 3)])
"""

import numpy as np

import chainrule

from oracle import GRAD_RTOL, VALUE_RTOL, _run, assert_close, random_inputs, requires_torch, torch  # noqa: F401


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
    """Forward values, input gradients and parameter gradients agree with PyTorch."""
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
        our_out, our_grads = _run(chainrule, lambda lib, *xs: ours(*xs), arrays, requires_grad, seed)
        their_out, their_grads = _run(torch, lambda lib, *xs: theirs(*xs), arrays, requires_grad, seed)
        for i, (a, b) in enumerate(zip(our_out, their_out)):
            assert_close(a, b, VALUE_RTOL[precision], atol, f"{mode}: output {i}")
        for i, (a, b) in enumerate(zip(our_grads, their_grads)):
            if b is not None:
                assert a is not None, f"{mode}: no gradient for input {i}"
                assert_close(a, b, GRAD_RTOL[precision], grad_atol, f"{mode}: gradient of input {i}")
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
