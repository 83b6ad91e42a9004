"""Global switches of PyTorch's that chainrule accepts: thread counts,
deterministic algorithms, float32 matrix-product precision and the default device.

chainrule runs its heavy ops (convolution, pooling, batch norm, Adam's
update) on a small pool of threads of its own, each taking a slice of the
batch (ops/_threads.py). ``set_num_threads(n)`` sizes that pool and holds
NumPy's BLAS to one thread: OpenBLAS's idle workers busy-wait for about 0.1 s
after every threaded product, on the very cores the pool's threads need
(measured on 2 cores: the Fashion-MNIST CNN step 1.3x slower with BLAS on 2
threads than with BLAS on 1 and the pool on 2). BLAS is reached through
threadpoolctl, the well-kept library that knows how to reach OpenBLAS, MKL
and BLIS at run time. ``import chainrule`` calls ``set_num_threads`` with
the thread count NumPy's BLAS loaded with, so that is the default; on a busy
machine the difference is large (an MLP training step: 30 ms with BLAS on 2
threads while another process holds one core, 3.4 ms with BLAS on 1 and the
pool on 2). A script that wants NumPy's threaded BLAS back for its own
products can call ``threadpoolctl.threadpool_limits`` after the import; the
pool then stays on one thread.

Large matrix products go to a BLAS library of chainrule's own (MKL on Intel
processors, OpenBLAS on others: ops/_blas.py), which gets the ``n`` threads:
its workers sleep 5 ms (MKL) or ~0.4 ms (OpenBLAS) after a product, not 0.1 s,
so they share the cores with the pool (measured with MKL: the MLP step with another
process holding one core: 2.1 ms, against 1.8 ms with NumPy's BLAS alone
and 1.4 ms on a quiet machine).

chainrule's results are deterministic (the same inputs and seed give the
same numbers), so ``use_deterministic_algorithms`` only records its flag.
Likewise ``set_float32_matmul_precision``: PyTorch's 'high' and 'medium' let
float32 products use TF32 or bfloat16 where the hardware has them; chainrule's
products are always full float32, so it records the setting and nothing changes.

Memory: every op's result is a fresh ndarray, and a training step frees and
allocates arrays of many megabytes. glibc's malloc hands such blocks back to
the kernel (munmap, or trimming the heap) and takes them again, and each
page then faults in anew: on this project's 2-core VM the Fashion-MNIST CNN
step took 4,600 page faults and 50 ms of kernel time, against none for
PyTorch. ``keep_freed_memory`` (called by ``import chainrule``) tells malloc
to serve blocks up to 32 MB from its heap and to keep up to 256 MB of free
heap: no faults, and the step's peak memory unchanged (163 MB). A user's
own MALLOC_* settings or GLIBC_TUNABLES win.
"""

import ctypes
import os
import platform
import sys
import warnings

_state = {
    "threads": None,
    "interop_threads": None,
    "deterministic": False,
    "warn_only": False,
    "matmul_precision": "highest",
    "device": None,
    "warn_always": False,
}


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def set_num_threads(n):
    """Run chainrule's ops on at most ``n`` threads (NumPy's BLAS then runs on one).

    >>> import chainrule
    >>> chainrule.set_num_threads(1)
    >>> chainrule.get_num_threads()
    1
    """
    from threadpoolctl import threadpool_limits

    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    threadpool_limits(limits=1, user_api="blas")  # called, not entered: the limit stays
    _state["threads"] = n
    blas = sys.modules.get("chainrule.ops._blas")
    if blas is not None:  # chainrule's BLAS library, once loaded, gets the n threads (ops/_blas.py)
        blas.set_threads(n)


def get_num_threads():
    """The number of threads chainrule's ops run on: the one given to
    ``set_num_threads``, or else the BLAS library's thread count when first asked
    (the most of any BLAS loaded), which follows ``OMP_NUM_THREADS`` and the CPUs.

    >>> import chainrule
    >>> chainrule.get_num_threads() >= 1
    True
    """
    if _state["threads"] is None:  # asked once: threadpool_info reads /proc, ~1 ms a call
        from threadpoolctl import threadpool_info

        counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
        _state["threads"] = max(counts) if counts else _cpu_count()
    return _state["threads"]


def set_num_interop_threads(n):
    """Record ``n`` as the number of inter-op threads (chainrule runs ops one at a time).

    >>> import chainrule
    >>> chainrule.set_num_interop_threads(2)
    >>> chainrule.get_num_interop_threads()
    2
    """
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise RuntimeError(f"set_num_interop_threads expects a positive integer, got {n!r}")
    _state["interop_threads"] = n


def get_num_interop_threads():
    """The number given to ``set_num_interop_threads``, or else the CPUs this process may use."""
    return _state["interop_threads"] or _cpu_count()


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record the flag: chainrule's algorithms are deterministic either way.

    >>> import chainrule
    >>> chainrule.use_deterministic_algorithms(True)
    >>> chainrule.are_deterministic_algorithms_enabled()
    True
    >>> chainrule.use_deterministic_algorithms(False)
    """
    _state["deterministic"] = bool(mode)
    _state["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled():
    """The flag last given to ``use_deterministic_algorithms`` (False at first)."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    """The ``warn_only`` flag last given to ``use_deterministic_algorithms``."""
    return _state["warn_only"]


def set_float32_matmul_precision(precision):
    """Record PyTorch's float32 matrix-product precision: 'highest' (the default),
    'high' or 'medium'. chainrule's products are full float32 whatever it says.
    Another string is ignored with PyTorch's warning.

    >>> import chainrule
    >>> chainrule.set_float32_matmul_precision("high")
    >>> chainrule.get_float32_matmul_precision()
    'high'
    >>> chainrule.set_float32_matmul_precision("highest")
    """
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; "
            "the current set_float32_matmul_precision call has no effect.",
            stacklevel=2,
        )
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision():
    """The precision last given to ``set_float32_matmul_precision`` ('highest' at first)."""
    return _state["matmul_precision"]


def set_default_device(device):
    """Make ``device`` the default device of new tensors: the CPU (by name or
    ``chainrule.device``), or None for the CPU again. Any other device raises the
    error ``chainrule.device`` gives for it.

    >>> import chainrule
    >>> chainrule.set_default_device("cpu")
    >>> chainrule.get_default_device()
    device(type='cpu')
    >>> chainrule.set_default_device(None)
    """
    from ._tensor import device as _device

    _state["device"] = None if device is None else _device(device)


def get_default_device():
    """The device new tensors are made on: always the CPU in chainrule."""
    from ._tensor import CPU

    return _state["device"] or CPU


def set_warn_always(b, /):
    """Record PyTorch's flag that repeats once-per-process warnings (chainrule's warnings
    follow Python's ``warnings`` filters whatever it says).

    >>> import chainrule
    >>> chainrule.set_warn_always(True)
    >>> chainrule.is_warn_always_enabled()
    True
    >>> chainrule.set_warn_always(False)
    """
    if not isinstance(b, bool):
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _state["warn_always"] = b


def is_warn_always_enabled():
    """The flag last given to ``set_warn_always`` (False at first)."""
    return _state["warn_always"]


def set_flush_denormal(mode):
    """Whether subnormal floats could be flushed to zero: False, as PyTorch answers on a
    CPU without the feature, because NumPy cannot change the floating-point unit's mode.

    >>> import chainrule
    >>> chainrule.set_flush_denormal(True)
    False
    """
    if not isinstance(mode, bool):
        raise RuntimeError(f"flush_denormal expects a bool, but got {type(mode).__name__}")
    return False


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory():
    """Keep freed blocks in glibc's heap for reuse (why: this module's docstring)."""
    if platform.libc_ver()[0] != "glibc" or "GLIBC_TUNABLES" in os.environ:
        return
    if any(name.startswith("MALLOC_") for name in os.environ):
        return
    libc = ctypes.CDLL(None)
    libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # the most glibc accepts on 64-bit
    libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
