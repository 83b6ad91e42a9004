"""``chainrule.backends.mps`` (``torch.backends.mps``): Apple's Metal backend is not there.

>>> import chainrule
>>> chainrule.backends.mps.is_available(), chainrule.backends.mps.is_built()
(False, False)
"""


def is_available():
    """False: chainrule computes on the CPU only."""
    return False


def is_built():
    """False: chainrule has no MPS support."""
    return False
