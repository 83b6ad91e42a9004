"""Side-by-side timing of chainrule and PyTorch, shared by every benchmark.

This machine is noisy (+-25 % between runs, occasional stalls), so a single
time means little. ``compare`` runs both libraries on the same step in one
process, alternating them in rounds, and reports the median of the
per-round ratios chainrule / PyTorch; a stall then spoils one round, not
the result.

``peak_memory_mb`` runs a snippet in a fresh interpreter and reports its
peak resident memory, so the two libraries never share a process for that
number.
"""

import gc
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))


def _time_per_call(step, min_seconds):
    """Seconds per call of ``step``: repeat until ``min_seconds`` have passed."""
    calls = 0
    start = time.perf_counter()
    while True:
        step()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / calls


def compare(name, chainrule_step, torch_step, rounds=15, min_seconds=0.2, warmup=3):
    """Print and return the median ratio chainrule / PyTorch for one step."""
    for _ in range(warmup):
        chainrule_step()
        torch_step()
    ratios, ours, theirs = [], [], []
    for _ in range(rounds):
        gc.collect()
        t_ours = _time_per_call(chainrule_step, min_seconds)
        t_theirs = _time_per_call(torch_step, min_seconds)
        ours.append(t_ours)
        theirs.append(t_theirs)
        ratios.append(t_ours / t_theirs)
    result = {
        "name": name,
        "chainrule_median_s": statistics.median(ours),
        "torch_median_s": statistics.median(theirs),
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "rounds": rounds,
    }
    print(
        f"{name:44s} chainrule {_fmt(result['chainrule_median_s'])}  "
        f"pytorch {_fmt(result['torch_median_s'])}  "
        f"ratio {result['ratio_median']:.2f}x  (rounds {result['ratio_min']:.2f}-{result['ratio_max']:.2f})"
    )
    return result


def _fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    return f"{seconds * 1e3:8.2f} ms"


def peak_memory_mb(snippet):
    """Peak resident memory (MB) of a fresh Python process running ``snippet``."""
    # VmHWM, not ru_maxrss: the latter is inherited from the parent across fork.
    code = (
        snippet
        + "\nimport json\n"
        + "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        + "print(json.dumps(int(hwm.split()[1]) / 1024))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def report_memory(name, chainrule_snippet, torch_snippet):
    ours = peak_memory_mb(chainrule_snippet)
    theirs = peak_memory_mb(torch_snippet)
    print(f"{name:44s} peak memory chainrule {ours:7.1f} MB  pytorch {theirs:7.1f} MB  "
          f"ratio {ours / theirs:.2f}x")
    return {"name": name, "chainrule_mb": ours, "torch_mb": theirs, "ratio": ours / theirs}
