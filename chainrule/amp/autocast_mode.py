"""``autocast``: PyTorch's automatic mixed precision, where chainrule can be honest about it.

Under ``torch.autocast("cpu")`` PyTorch runs matrix products, convolutions and
other eligible ops in bfloat16. chainrule has no bfloat16 dtype and no per-op
casting policy, so an enabled CPU autocast raises an error that says so
rather than running float32 while the script believes otherwise. What does
work is what PyTorch does on a machine like chainrule's: ``enabled=False`` is
a plain context; ``"cuda"`` (no CUDA here) warns and disables itself; a CPU
dtype other than bfloat16 / float16 warns and disables itself.
"""

import functools
import warnings

from .. import _dtype
from .._tensor import device as _device


class autocast:  # noqa: N801 - PyTorch's name
    """A context manager (and decorator) that, in chainrule, runs its body unchanged
    when PyTorch's would be disabled, and refuses CPU mixed precision it cannot give.

    >>> import chainrule
    >>> with chainrule.autocast("cpu", enabled=False):
    ...     (chainrule.ones(2, 2) @ chainrule.ones(2, 2)).dtype
    chainrule.float32
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = enabled
        if device_type == "cuda":
            if enabled:
                warnings.warn("CUDA is not available. Disabling autocast.", stacklevel=2)
            self._enabled = False
            return
        _device(device_type)  # chainrule's error for a device it cannot run on
        if not enabled:
            return
        if dtype is not None and dtype not in (_dtype.float16,):
            warnings.warn(
                "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                "CPU Autocast only supports dtypes of chainrule.bfloat16, chainrule.float16 currently.",
                stacklevel=2,
            )
            self._enabled = False
            return
        raise RuntimeError(
            f"chainrule.autocast('cpu', dtype={'bfloat16' if dtype is None else dtype}) is not supported: "
            "chainrule has no bfloat16 dtype and does not cast ops to lower precision automatically. "
            "Use autocast('cpu', enabled=False) to run in full precision, or convert the model "
            "explicitly (model.half())."
        )

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def run_in_autocast(*args, **kwargs):
            with self:
                return function(*args, **kwargs)

        return run_in_autocast
