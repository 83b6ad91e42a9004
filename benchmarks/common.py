"""The side-by-side harness shared by the benchmarks; it lives in the package
(chainrule/bench.py) so that `chainrule bench` uses the same code."""

import os

from chainrule.bench import compare, peak_memory_mb, report_memory
from chainrule.ops._blas import describe

__all__ = ["compare", "peak_memory_mb", "report_memory", "setup_line"]


def setup_line():
    """What the ratios depend on besides the code: the library running chainrule's
    large products (and its kernels) and how busy the machine is."""
    return f"chainrule's products on {describe()}; load average {os.getloadavg()[0]:.2f}"
