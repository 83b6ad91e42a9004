"""``chainrule.backends.cuda`` (``torch.backends.cuda``): there is no CUDA.

``cuda.matmul.allow_tf32`` and friends, and the switches of the fused attention
kernels (``enable_flash_sdp(False)``, ``flash_sdp_enabled()``, ...) can be set, as in
PyTorch; only scaled_dot_product_attention reads the attention switches, as PyTorch's
CPU build does (math, or flash where its CPU kernel applies).

>>> import chainrule
>>> chainrule.backends.cuda.matmul.allow_tf32 = True
>>> chainrule.backends.cuda.is_built()
False
>>> chainrule.backends.cuda.matmul.allow_tf32 = False
"""

import types

matmul = types.SimpleNamespace(
    allow_tf32=False,
    allow_fp16_reduced_precision_reduction=True,
    allow_bf16_reduced_precision_reduction=True,
    allow_fp16_accumulation=False,
)
# which scaled_dot_product_attention kernels PyTorch may pick; chainrule has one, and
# ops/attention.py reads these as PyTorch's CPU build does (nn.attention.sdpa_kernel sets them)
_sdp_enabled = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True, "overrideable": True}


def is_built():
    """False: chainrule is not built with CUDA."""
    return False


def flash_sdp_enabled():
    """Whether the flash attention kernel may be used (its CPU version, when math is off)."""
    return _sdp_enabled["flash"]


def enable_flash_sdp(enabled):
    _sdp_enabled["flash"] = enabled


def mem_efficient_sdp_enabled():
    """Whether the memory-efficient attention kernel may be used (recorded only)."""
    return _sdp_enabled["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    _sdp_enabled["mem_efficient"] = enabled


def math_sdp_enabled():
    """Whether the math attention kernel may be used (on by default; chainrule's one kernel).

    >>> import chainrule
    >>> chainrule.backends.cuda.enable_math_sdp(False)
    >>> chainrule.backends.cuda.math_sdp_enabled()
    False
    >>> chainrule.backends.cuda.enable_math_sdp(True)
    """
    return _sdp_enabled["math"]


def enable_math_sdp(enabled):
    _sdp_enabled["math"] = enabled


def cudnn_sdp_enabled():
    """Whether the cuDNN attention kernel may be used (recorded only)."""
    return _sdp_enabled["cudnn"]


def enable_cudnn_sdp(enabled):
    _sdp_enabled["cudnn"] = enabled
