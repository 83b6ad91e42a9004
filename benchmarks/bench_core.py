"""Issue 2's speed targets: the engine's own overhead against PyTorch eager.

(a) forward + backward of (a*b + c).sum() on shape-(10,) float32 tensors;
(b) one training step of a 784-256-256-10 ReLU MLP, batch 128, float32,
    loss -(log_softmax(h)[arange(128), t]).mean(), SGD update as tensor ops
    under no_grad;
plus the peak memory of (b) and the time of `import chainrule`.
Targets: (a) <= 0.3x, (b) <= 0.9x, (b)'s memory <= 100 MB, import <= 0.2 s.

The steps are chainrule/bench.py's cases "tiny" and "mlp-tensor-ops".
Run: .venv/bin/python benchmarks/bench_core.py
"""

# first: chainrule's libraries load before torch's (common.py: load_libraries)
from common import compare, report_memory, setup_line

# isort: split
import statistics
import subprocess
import sys

import torch

from chainrule.bench import memory_snippet, paired_steps

torch.set_num_threads(2)


def import_time(module):
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(5)
    ]
    return statistics.median(float(r.stdout) for r in runs)


if __name__ == "__main__":
    print(setup_line())
    compare("(a) (a*b+c).sum() fwd+bwd, shape (10,)", *paired_steps("tiny"), rounds=21, min_seconds=0.1)
    compare("(b) MLP 784-256-256-10 step, batch 128", *paired_steps("mlp-tensor-ops"), rounds=15)
    report_memory(
        "(b) MLP step, 50 steps",
        memory_snippet("chainrule", "mlp-tensor-ops"),
        memory_snippet("torch", "mlp-tensor-ops"),
    )
    ours, theirs = import_time("chainrule"), import_time("torch")
    print(f"{'import time':44s} chainrule {ours:.3f} s  pytorch {theirs:.3f} s")
