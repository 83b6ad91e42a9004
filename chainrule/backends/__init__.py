"""``chainrule.backends``: PyTorch's backend switches, for scripts that set them.

chainrule computes on the CPU, so there is no cuDNN, CUDA or MPS
backend: ``is_available()`` is False and the flags (``cudnn.benchmark``,
``cudnn.deterministic``, ...) can be read and assigned as in PyTorch but change
nothing. chainrule's results are deterministic whatever they say.
``mkl.is_available()`` says whether Intel's MKL runs the large matrix
products (it does on Intel processors where the ``mkl`` wheel is installed,
as on x86-64 Linux; on AMD's OpenBLAS runs them: ops/_blas.py), and
``mkldnn`` whether oneDNN runs float32 convolutions (ops/_dnnl.py);
``mkldnn.enabled = False`` switches it off, as in PyTorch. ``cpu``, ``openmp``,
``opt_einsum`` and ``mha`` answer queries and record flags the same way.

>>> import chainrule
>>> chainrule.backends.cudnn.deterministic = True
>>> chainrule.backends.cudnn.benchmark, chainrule.backends.mps.is_available()
(False, False)
>>> chainrule.backends.cudnn.deterministic = False
"""

from . import cpu, cuda, cudnn, mha, mkl, mkldnn, mps, openmp, opt_einsum

__all__ = ["cpu", "cuda", "cudnn", "mha", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
