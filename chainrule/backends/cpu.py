"""``chainrule.backends.cpu`` (``torch.backends.cpu``): the widest vector instruction
set the processor offers, named as PyTorch names the kernels it picks for it.

chainrule's kernels are NumPy's, which pick their own; the answer says what the
processor can do, as PyTorch's does on the same machine.

>>> import chainrule
>>> chainrule.backends.cpu.get_cpu_capability() in ("AVX512", "AVX2", "DEFAULT")
True
"""

__all__ = ["get_cpu_capability"]


def get_cpu_capability():
    """ "AVX512", "AVX2" or "DEFAULT", by PyTorch's rules: AVX512 needs the VL, BW and
    DQ extensions (NumPy's AVX512_SKX group) and FMA; AVX2 needs FMA."""
    # NumPy's run-time CPU detection (what np.show_runtime() reports), on every OS
    from numpy._core._multiarray_umath import __cpu_features__ as features

    if features.get("AVX512_SKX") and features.get("FMA3"):
        return "AVX512"
    if features.get("AVX2") and features.get("FMA3"):
        return "AVX2"
    return "DEFAULT"
