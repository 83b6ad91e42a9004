"""``skip_init``: build a module without running its parameter initialisation."""

import inspect

from ..modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` whose parameters are left to be overwritten.

    PyTorch builds it on the meta device and then allocates uninitialised memory;
    chainrule has no meta device, so the values here are the usual initial ones
    (any values are valid for uninitialised memory).

    >>> import chainrule
    >>> chainrule.nn.utils.skip_init(chainrule.nn.Linear, 5, 1).weight.shape
    chainrule.Size([1, 5])
    """
    if not (inspect.isclass(module_cls) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    return module_cls(*args, **kwargs)
