"""``chainrule.backends.openmp`` (``torch.backends.openmp``): chainrule is not built
with OpenMP; its ops share out work on a thread pool of its own (_settings.py).

>>> import chainrule
>>> chainrule.backends.openmp.is_available()
False
"""

__all__ = ["is_available"]


def is_available():
    """False: chainrule's threads are its own pool's, not OpenMP's."""
    return False
