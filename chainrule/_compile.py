"""``chainrule.compile``: PyTorch's ``torch.compile``, for scripts that call it.

chainrule runs every op eagerly on NumPy and has no compiler, so ``compile``
hands the function or module back unchanged: results and gradients are exactly
the uncompiled ones and nothing gets faster. It checks its arguments as
PyTorch does so a script that PyTorch would refuse is refused here too.
"""

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(  # noqa: A001 - PyTorch's name
    model=None,
    *,
    fullgraph=False,
    dynamic=None,
    backend=None,
    mode=None,
    options=None,
    name=None,
    disable=False,
    recompile_limit=None,
    isolate_recompiles=False,
    shapes_spec=None,
):
    """Return ``model`` (a function or module) unchanged: chainrule runs eagerly.
    Works as ``@compile`` and ``@compile(...)`` too, as ``torch.compile`` does; the
    arguments are checked as PyTorch checks them and otherwise change nothing.

    >>> import chainrule
    >>> @chainrule.compile(mode="max-autotune")
    ... def double(x):
    ...     return x * 2
    >>> double(chainrule.tensor([1.0, 2.0]))
    tensor([2., 4.])
    """
    if model is None:

        def decorate(model):
            if model is None:
                raise RuntimeError("Model can't be None")
            return compile(model, backend=backend, mode=mode, options=options)

        return decorate
    if mode is not None and options is not None:
        raise RuntimeError(
            "Either mode or options can be specified, but both can't be specified at the same time."
        )
    if backend in (None, "inductor") and mode is not None and mode not in _MODES:  # None: inductor
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    return model
