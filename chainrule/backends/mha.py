"""``chainrule.backends.mha`` (``torch.backends.mha``): the switch for PyTorch's fused
C++ kernel behind ``nn.MultiheadAttention`` and ``nn.TransformerEncoder`` in
inference. chainrule has no such kernel, so the flag is recorded and changes nothing.

>>> import chainrule
>>> chainrule.backends.mha.set_fastpath_enabled(False)
>>> chainrule.backends.mha.get_fastpath_enabled()
False
>>> chainrule.backends.mha.set_fastpath_enabled(True)
"""

__all__ = ["get_fastpath_enabled", "set_fastpath_enabled"]

_is_fastpath_enabled = True


def get_fastpath_enabled():
    """The flag last set, True by default."""
    return _is_fastpath_enabled


def set_fastpath_enabled(value):
    """Record the flag (PyTorch takes any value and stores it as given)."""
    global _is_fastpath_enabled
    _is_fastpath_enabled = value
