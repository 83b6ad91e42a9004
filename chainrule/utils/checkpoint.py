"""Activation checkpointing: trade compute for memory, as ``torch.utils.checkpoint``.

``checkpoint(function, *args)`` runs ``function`` without recording a graph and
keeps only its inputs; backward runs it again, this time recording, and
propagates the incoming gradient through the recomputed graph. The random
state is put back as it was before the first run, so dropout draws the same
masks both times and the gradients equal the un-checkpointed model's.

Both of PyTorch's variants run this one algorithm (PyTorch's reentrant one):
the recomputation's gradients reach the function's parameters through their
``.grad``, as ``loss.backward()`` leaves them, so use ``.backward()`` rather
than ``autograd.grad`` across a checkpoint. ``use_reentrant=False`` adds what
PyTorch's other variant gives: keyword arguments for ``function``, and
parameter gradients even when no input requires grad (its output then
requires grad whenever grad mode is on).
"""

import warnings

from .. import autograd
from .._creation import empty
from .._random import get_rng_state, set_rng_state
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad

__all__ = ["checkpoint", "checkpoint_sequential"]


class CheckpointFunction(autograd.Function):
    """Forward without a graph, keeping the inputs; backward recomputes with one.

    ``anchor`` is None, or (``use_reentrant=False``) an empty tensor that requires
    grad, so that backward reaches this node even when no input requires grad."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, kwargs, anchor, *args):
        ctx.run_function, ctx.kwargs, ctx.anchored = run_function, kwargs, anchor is not None
        ctx.rng_state = get_rng_state() if preserve_rng_state else None
        ctx.arguments = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
        with no_grad():
            return run_function(*args, **kwargs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        tensors = iter(ctx.saved_tensors)
        inputs = []
        for argument in ctx.arguments:
            if argument is None:
                saved = next(tensors)
                argument = saved.detach().requires_grad_(saved.requires_grad)
            inputs.append(argument)
        rng_state = get_rng_state()
        if ctx.rng_state is not None:
            set_rng_state(ctx.rng_state)
        try:
            with enable_grad():
                outputs = ctx.run_function(*inputs, **ctx.kwargs)
        finally:
            set_rng_state(rng_state)  # the recomputation must not move the user's random stream
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [
            (output, grad)
            for output, grad in zip(outputs, grad_outputs)
            if isinstance(output, Tensor) and output.requires_grad and grad is not None
        ]
        if pairs:
            autograd.backward([output for output, _ in pairs], [grad for _, grad in pairs])
        elif not ctx.anchored:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        grads = (a.grad if isinstance(a, Tensor) and a.requires_grad else None for a in inputs)
        return (None, None, None, None, *grads)


def checkpoint(function, *args, use_reentrant=None, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, keeping only ``args`` for backward, which runs
    ``function`` again (with the random state of the first run unless
    ``preserve_rng_state=False``). PyTorch's warning when ``use_reentrant`` is not
    given, and its default then (True); keyword arguments need ``use_reentrant=False``.

    >>> import chainrule
    >>> from chainrule.utils.checkpoint import checkpoint
    >>> layer = chainrule.nn.Linear(3, 1)
    >>> x = chainrule.ones(2, 3, requires_grad=True)
    >>> checkpoint(layer, x, use_reentrant=False).sum().backward()
    >>> layer.weight.grad
    tensor([[2., 2., 2.]])
    """
    if use_reentrant is None:
        warnings.warn(
            "chainrule.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the current "
            "default behavior, you can pass use_reentrant=True. Refer to docs for more details on "
            "the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        return CheckpointFunction.apply(function, preserve_rng_state, kwargs, None, *args)
    if not is_grad_enabled():
        return function(*args, **kwargs)
    anchor = empty(0, requires_grad=True)
    return CheckpointFunction.apply(function, preserve_rng_state, kwargs, anchor, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a list or an ``nn.Sequential``) in ``segments`` pieces, each
    but the last checkpointed, as ``torch.utils.checkpoint.checkpoint_sequential``.

    >>> import chainrule
    >>> from chainrule.utils.checkpoint import checkpoint_sequential
    >>> nn = chainrule.nn
    >>> model = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1))
    >>> out = checkpoint_sequential(model, 2, chainrule.ones(4, 3, requires_grad=True), use_reentrant=True)
    >>> out.shape
    chainrule.Size([4, 1])
    """
    if use_reentrant is None:
        warnings.warn(
            "chainrule.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. In version 2.9 we will raise an exception if use_reentrant is not "
            "passed. use_reentrant=False is recommended, but if you need to preserve the current "
            "default behavior, you can pass use_reentrant=True. Refer to docs for more details on "
            "the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    from ..nn import Sequential

    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start, end):
        def forward(x):
            for function in functions[start : end + 1]:
                x = function(x)
            return x

        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
