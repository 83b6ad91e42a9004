"""``chainrule.backends.mkl`` (``torch.backends.mkl``): whether Intel's MKL is
there for chainrule's large matrix products, as PyTorch answers whether it was
built with MKL. It runs them on Intel processors; on others OpenBLAS does
(ops/_blas.py).

>>> import chainrule
>>> chainrule.backends.mkl.is_available() in (True, False)
True
"""

from ..ops._blas import mkl_is_installed as is_available

__all__ = ["is_available"]
