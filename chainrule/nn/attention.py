"""``chainrule.nn.attention`` (``torch.nn.attention``): which kernels
``scaled_dot_product_attention`` may use.

chainrule computes attention one way, PyTorch's math kernel, and answers the
switches as PyTorch's CPU build does: with MATH on it runs; with only
FLASH_ATTENTION on it runs where PyTorch's CPU flash kernel could (checked in
ops/attention.py); with neither (EFFICIENT_ATTENTION, CUDNN_ATTENTION and
OVERRIDEABLE have no CPU kernel) it raises PyTorch's RuntimeError. The switches
are the ones ``chainrule.backends.cuda.enable_math_sdp`` and friends set.
"""

import contextlib
import enum

from ..backends import cuda

__all__ = ["SDPBackend", "sdpa_kernel"]


class SDPBackend(enum.Enum):
    """The kernels of ``scaled_dot_product_attention``, with PyTorch's numbers.

    >>> import chainrule
    >>> chainrule.nn.attention.SDPBackend.MATH, int(chainrule.nn.attention.SDPBackend.FLASH_ATTENTION)
    (<SDPBackend.MATH: 0>, 1)
    """

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self):
        return self.value


# each backend's switch in chainrule.backends.cuda; ERROR has none, so listing only it disables all
_switches = {
    SDPBackend.CUDNN_ATTENTION: "cudnn",
    SDPBackend.FLASH_ATTENTION: "flash",
    SDPBackend.EFFICIENT_ATTENTION: "mem_efficient",
    SDPBackend.MATH: "math",
    SDPBackend.OVERRIDEABLE: "overrideable",
}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Within the block, let ``scaled_dot_product_attention`` use only ``backends``
    (one SDPBackend or a list); the previous switches come back on exit.
    ``set_priority`` orders the backends in PyTorch; chainrule has one kernel, so
    there is nothing to order.

    >>> import chainrule
    >>> from chainrule.nn.attention import SDPBackend, sdpa_kernel
    >>> q = chainrule.ones(1, 1, 2, 4)
    >>> with sdpa_kernel(SDPBackend.MATH):
    ...     chainrule.nn.functional.scaled_dot_product_attention(q, q, q).shape
    chainrule.Size([1, 1, 2, 4])
    >>> chainrule.backends.cuda.flash_sdp_enabled()
    True
    """
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError(
            "Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
            f"got {type(backends).__name__}"
        )
    if isinstance(backends, SDPBackend):
        backends = [backends]
    previous = dict(cuda._sdp_enabled)
    try:
        for backend, switch in _switches.items():
            cuda._sdp_enabled[switch] = backend in backends
        yield {}
    finally:
        cuda._sdp_enabled.update(previous)
