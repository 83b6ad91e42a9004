"""``chainrule.utils.hooks`` (``torch.utils.hooks``): ``RemovableHandle``, the type of
what every ``register_*hook`` returns, for annotations and ``isinstance`` checks.

>>> import chainrule
>>> handle = chainrule.nn.Linear(2, 2).register_forward_hook(lambda module, args, output: None)
>>> isinstance(handle, chainrule.utils.hooks.RemovableHandle)
True
>>> handle.remove()
"""

from ..autograd.function import RemovableHandle

__all__ = ["RemovableHandle"]
