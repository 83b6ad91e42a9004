"""Global switches of PyTorch's that chainrule accepts: thread counts and
deterministic algorithms.

chainrule's own code runs on one thread; the parallel work is NumPy's BLAS
(matrix products, convolutions). The BLAS library picks its thread count
when it loads (from ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` or
``MKL_NUM_THREADS``), and changing it afterwards needs ``threadpoolctl``,
which chainrule does not depend on. So ``set_num_threads(n)`` records ``n``
for ``get_num_threads()`` and does not change how many threads BLAS uses: to
limit them, set one of those variables before starting Python.

chainrule's results are deterministic (the same inputs and seed give the
same numbers), so ``use_deterministic_algorithms`` only records its flag.
"""

import os

_state = {"threads": None, "interop_threads": None, "deterministic": False, "warn_only": False}


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def set_num_threads(n):
    """Record ``n`` as the number of threads (see the module's docstring: NumPy's
    BLAS threads are not changed).

    >>> import chainrule
    >>> chainrule.set_num_threads(1)
    >>> chainrule.get_num_threads()
    1
    """
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    _state["threads"] = n


def get_num_threads():
    """The number given to ``set_num_threads``, or else the CPUs this process may use.

    >>> import chainrule
    >>> chainrule.get_num_threads() >= 1
    True
    """
    return _state["threads"] or _cpu_count()


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
