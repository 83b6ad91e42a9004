"""``functional_call``: the deprecated ``torch.nn.utils.stateless`` alias of
``torch.func.functional_call``."""

import warnings

__all__ = ["functional_call"]


def functional_call(
    module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False
):
    """Call ``module`` with the given tensors in place of its parameters and buffers
    (deprecated in PyTorch in favour of ``torch.func.functional_call``).

    >>> import warnings
    >>> import chainrule
    >>> layer = chainrule.nn.Linear(1, 1)
    >>> weights = {"weight": chainrule.ones(1, 1), "bias": chainrule.zeros(1)}
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     chainrule.nn.utils.stateless.functional_call(layer, weights, (chainrule.tensor([[2.0]]),))
    tensor([[2.]])
    """
    from ...func import functional_call as func_functional_call

    warnings.warn(
        "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed "
        "in a future version of PyTorch. Please use `torch.func.functional_call` instead which is a "
        "drop-in replacement.",
        FutureWarning,
        stacklevel=2,
    )

    return func_functional_call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
