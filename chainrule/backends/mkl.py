"""``chainrule.backends.mkl`` (``torch.backends.mkl``): whether Intel's MKL runs
the large matrix products (linear layers, ``matmul``); see ops/_blas.py.

>>> import chainrule
>>> chainrule.backends.mkl.is_available() in (True, False)
True
"""

from ..ops._blas import is_available

__all__ = ["is_available"]
