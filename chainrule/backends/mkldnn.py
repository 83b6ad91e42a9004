"""``chainrule.backends.mkldnn`` (``torch.backends.mkldnn``): oneDNN, the library
that runs float32 convolutions where it is installed (ops/_dnnl.py).

``enabled = False`` (or ``with mkldnn.flags(enabled=False):``) sends them to
chainrule's own NumPy kernels instead, as PyTorch's flag does to its own;
the results agree to float rounding.

>>> import chainrule
>>> with chainrule.backends.mkldnn.flags(enabled=False):
...     chainrule.backends.mkldnn.enabled
False
>>> chainrule.backends.mkldnn.enabled
True
"""

import contextlib

from ..ops._dnnl import is_available

enabled = True
# recorded only: chainrule's convolutions give the same bits run after run, and float32
# products never round through TF32
deterministic = False
fp32_precision = "none"

__all__ = ["enabled", "deterministic", "fp32_precision", "flags", "is_available"]


@contextlib.contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    """Set the flags inside the ``with`` block, as PyTorch's ``flags`` (``allow_tf32`` is
    accepted and changes nothing, as on a CPU without TF32)."""
    module = globals()
    names = ("enabled", "deterministic", "fp32_precision")
    old = [module[name] for name in names]
    module.update(zip(names, (enabled, deterministic, fp32_precision)))
    try:
        yield
    finally:
        module.update(zip(names, old))
