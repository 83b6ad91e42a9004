"""``chainrule.jit`` (``torch.jit``): TorchScript's names, for scripts that use them.

chainrule runs every op eagerly and has no TorchScript compiler, so ``script`` and
``trace`` hand the function or module back unchanged (``trace`` runs it once on the
example inputs, as PyTorch's does, and compares nothing), the decorators return
what they decorate, and nothing is ever a ``ScriptModule`` or ``ScriptFunction``.
The deprecated functions warn as in PyTorch 2.13. ``save`` and ``load`` refuse:
a TorchScript archive holds code to run, and chainrule never runs code from a
file; ``chainrule.save`` writes safetensors.

>>> import warnings, chainrule
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", DeprecationWarning)
...     model = chainrule.jit.script(chainrule.nn.Linear(2, 1))
>>> type(model).__name__, chainrule.jit.is_scripting()
('Linear', False)
"""

import warnings
from typing import Final

__all__ = [
    "Final",
    "Future",
    "ScriptFunction",
    "ScriptModule",
    "annotate",
    "export",
    "fork",
    "freeze",
    "ignore",
    "is_scripting",
    "is_tracing",
    "load",
    "optimize_for_inference",
    "save",
    "script",
    "trace",
    "unused",
    "wait",
]


def _deprecated(message):
    # stacklevel 1, as PyTorch: the warning is attributed to this module, so Python's
    # default filters hide it unless the user turns DeprecationWarnings on
    warnings.warn(message, DeprecationWarning, stacklevel=1)


class ScriptModule:
    """The type of PyTorch's compiled modules, for ``isinstance`` checks: nothing is one,
    as ``script`` and ``trace`` return the module itself."""

    def __new__(cls, *args, **kwargs):
        raise TypeError(
            "chainrule has no TorchScript: chainrule.jit.ScriptModule exists for isinstance checks "
            "only; subclass chainrule.nn.Module instead"
        )


class ScriptFunction:
    """The type of PyTorch's compiled functions, for ``isinstance`` checks: nothing is one."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("ScriptFunction: No constructor defined! (chainrule has no TorchScript)")


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Return ``obj`` (a function, class or module) unchanged: chainrule runs eagerly.

    >>> import warnings, chainrule
    >>> def double(x):
    ...     return x * 2
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     chainrule.jit.script(double) is double
    True
    """
    _deprecated("`torch.jit.script` is deprecated. Please switch to `torch.compile` or `torch.export`.")
    if not callable(obj):
        raise TypeError(f"{type(obj)} is a built-in class: chainrule.jit.script takes a function or module")
    return obj


def trace(
    func,
    example_inputs=None,
    optimize=None,
    check_trace=True,
    check_inputs=None,
    check_tolerance=1e-05,
    strict=True,
    _force_outplace=False,
    _module_class=None,
    _compilation_unit=None,
    example_kwarg_inputs=None,
    _store_inputs=True,
):
    """Run ``func`` once on ``example_inputs`` (a tensor or a tuple of arguments) or
    ``example_kwarg_inputs`` (a dict), as PyTorch's tracer does, and return ``func``
    unchanged. Nothing is checked (PyTorch's ``check_trace`` runs it twice more to
    compare the trace with Python; here there is no trace).

    >>> import warnings, chainrule
    >>> model = chainrule.nn.Linear(3, 2)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     traced = chainrule.jit.trace(model, chainrule.ones(1, 3))
    >>> traced is model
    True
    """
    _deprecated("`torch.jit.trace` is deprecated. Please switch to `torch.compile` or `torch.export`.")
    from ._tensor import Tensor
    from .nn import Module

    if not callable(func):
        raise RuntimeError(f"trace: func must be a function or module, got {type(func).__name__}")
    owner = getattr(func, "__self__", None)
    if isinstance(owner, Module) and func.__name__ != "forward":
        raise AttributeError(
            "trace doesn't support compiling individual module's functions.\nPlease use trace_module"
        )
    # PyTorch traces a module's forward by calling the module, so its hooks run
    run = owner if isinstance(owner, Module) else func
    if example_inputs is None:
        if not isinstance(example_kwarg_inputs, dict):
            if isinstance(run, Module):
                raise RuntimeError("example_kwarg_inputs should be a dict")
            raise TypeError("'NoneType' object is not iterable: trace needs example_inputs to run func on")
        run(**example_kwarg_inputs)
        return func
    if isinstance(example_inputs, (Tensor, dict)):
        example_inputs = (example_inputs,)
    run(*tuple(example_inputs))
    return func


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """Return the module unchanged; PyTorch's freezing inlines weights into a compiled
    graph, and chainrule has none. As in PyTorch the module must be in eval mode.

    >>> import warnings, chainrule
    >>> model = chainrule.nn.Linear(2, 2).eval()
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     chainrule.jit.freeze(model) is model
    True
    """
    _deprecated("`torch.jit.freeze` is deprecated. Please use `torch.compile` instead.")
    from .nn import Module

    if not isinstance(mod, Module):
        raise RuntimeError(
            f"Freezing expects a module as input, got {type(mod).__name__}. "
            "(chainrule.jit.script and trace return the module itself.)"
        )
    if mod.training:
        raise RuntimeError(
            "Freezing is currently only implemented for modules in eval mode. "
            "Please call .eval() on your module before freezing."
        )
    return mod


def optimize_for_inference(mod, other_methods=None):
    """Put the module in eval mode and return it, as PyTorch's does before its graph
    rewrites (of which chainrule has none).

    >>> import warnings, chainrule
    >>> model = chainrule.nn.Dropout(0.5)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     chainrule.jit.optimize_for_inference(model).training
    False
    """
    _deprecated("`torch.jit.optimize_for_inference` is deprecated. Please use `torch.compile` instead.")
    from .nn import Module

    if not isinstance(mod, Module):
        raise RuntimeError(
            f"optimize_for_inference expects a module as input, got {type(mod).__name__}. "
            "(chainrule.jit.script and trace return the module itself.)"
        )
    return freeze(mod.eval(), preserved_attrs=other_methods)


class Future:
    """The result of ``fork``: the call has already run, so ``wait()`` returns at once."""

    __slots__ = ("_value",)

    def __init__(self, value):
        self._value = value

    def done(self):
        return True

    def value(self):
        return self._value

    def wait(self):
        return self._value


def fork(func, *args, **kwargs):
    """Call ``func(*args, **kwargs)`` now, as PyTorch does outside TorchScript, and
    return a ``Future`` holding the result.

    >>> import warnings, chainrule
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     chainrule.jit.wait(chainrule.jit.fork(max, 2, 3))
    3
    """
    _deprecated("`torch.jit.fork` is deprecated. Please use `torch.compile` instead.")
    return Future(func(*args, **kwargs))


def wait(future):
    """The result of a ``fork``."""
    _deprecated("`torch.jit.wait` is deprecated. Please use `torch.compile` instead.")
    if not isinstance(future, Future):
        raise TypeError(
            f"wait(): expected the Future returned by chainrule.jit.fork, got {type(future).__name__}"
        )
    return future.wait()


def annotate(the_type, the_value):
    """Return ``the_value``: the type is for TorchScript's compiler.

    >>> import chainrule
    >>> chainrule.jit.annotate(list[int], [])
    []
    """
    return the_value


def is_scripting():
    """False: code never runs under TorchScript here."""
    return False


def is_tracing():
    """False: ``trace`` runs the function as ordinary Python."""
    return False


def ignore(drop=False, **kwargs):
    """``@ignore`` and ``@ignore(drop=...)``: return the function unchanged.

    >>> import chainrule
    >>> @chainrule.jit.ignore
    ... def helper(x):
    ...     return x + 1
    >>> helper(1)
    2
    """
    if callable(drop):
        return drop
    if not isinstance(drop, bool):
        raise RuntimeError(f"Argument to @torch.jit.ignore must be a bool or a function but got {drop}")
    drop_on_export = kwargs.pop("drop_on_export", None)
    if drop_on_export:
        warnings.warn(
            "ignore(drop_on_export=True) has been deprecated. TorchScript will now drop the function "
            "call on compilation. Use torch.jit.unused now.",
            FutureWarning,
            stacklevel=2,
        )
    elif drop:
        warnings.warn(
            "ignore(True) has been deprecated. TorchScript will now drop the function "
            "call on compilation. Use torch.jit.unused now.",
            FutureWarning,
            stacklevel=2,
        )
    return lambda fn: fn


def unused(fn):
    """Return ``fn`` (a function or property) unchanged."""
    return fn


def export(fn):
    """Return ``fn`` unchanged."""
    return fn


def _refuse(name):
    raise RuntimeError(
        f"chainrule.jit.{name}: TorchScript archives are not supported. They hold code that runs "
        "when loaded, and chainrule never runs code from a file. Use chainrule.save(model.state_dict(), "
        "path), which writes safetensors, and chainrule.load(path) with model.load_state_dict(...)."
    )


def save(m, f, _extra_files=None):
    """Refuse with RuntimeError: chainrule writes no TorchScript archive (``chainrule.save``
    writes safetensors)."""
    _refuse("save")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """Refuse with RuntimeError, without opening ``f``: a TorchScript archive runs code
    when loaded (``chainrule.load`` reads safetensors)."""
    _refuse("load")
