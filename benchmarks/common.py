"""The side-by-side harness shared by the benchmarks; it lives in the package
(chainrule/bench.py) so that `chainrule bench` uses the same code."""

from chainrule.bench import check_same_training, compare, peak_memory_mb, report_memory, setup_line

__all__ = ["check_same_training", "compare", "peak_memory_mb", "report_memory", "setup_line"]
