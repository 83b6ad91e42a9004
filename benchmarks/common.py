"""The side-by-side harness shared by the benchmarks; it lives in the package
(chainrule/bench.py) so that `chainrule bench` uses the same code."""

from chainrule.bench import (
    check_same_training,
    compare,
    load_libraries,
    peak_memory_mb,
    report_memory,
    setup_line,
)

# Imported before torch by each benchmark: chainrule's libraries load first (load_libraries).
load_libraries()

__all__ = ["check_same_training", "compare", "peak_memory_mb", "report_memory", "setup_line"]
