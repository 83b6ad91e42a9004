"""Issue 2's speed targets: the engine's own overhead against PyTorch eager.

(a) forward + backward of (a*b + c).sum() on shape-(10,) float32 tensors;
(b) one training step of a 784-256-256-10 ReLU MLP, batch 128, float32,
    loss -(log_softmax(h)[arange(128), t]).mean(), SGD update as tensor ops
    under no_grad;
plus peak memory of (b) and the time of `import chainrule`.

Run: .venv/bin/python benchmarks/bench_core.py
"""

import subprocess
import sys

import numpy as np
import torch

import chainrule

from common import compare, report_memory

torch.set_num_threads(2)


def tiny_step(lib):
    a, b, c = (lib.rand(10, requires_grad=True) for _ in range(3))

    def step():
        a.grad = b.grad = c.grad = None
        (a * b + c).sum().backward()

    return step


MLP_SETUP = """
import numpy as np
rng = np.random.default_rng(0)
x_np = rng.standard_normal((128, 784)).astype(np.float32)
t_np = rng.integers(0, 10, 128)
def make_weights(lib):
    weights = []
    for fan_in, fan_out in [(784, 256), (256, 256), (256, 10)]:
        bound = 1 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
        weights.append(lib.tensor(w, requires_grad=True))
        weights.append(lib.tensor(np.zeros(fan_out, np.float32), requires_grad=True))
    return weights
def mlp_step(lib, weights, x, t, rows):
    h = x
    for i in range(0, 6, 2):
        h = h @ weights[i] + weights[i + 1]
        if i < 4:
            h = h.relu()
    loss = -(h.log_softmax(dim=1)[rows, t]).mean()
    loss.backward()
    with lib.no_grad():
        for p in weights:
            p -= 0.01 * p.grad
            p.grad = None
    return loss
"""


def mlp_step(lib):
    namespace = {}
    exec(MLP_SETUP, namespace)
    weights = namespace["make_weights"](lib)
    x, t, rows = lib.tensor(namespace["x_np"]), lib.tensor(namespace["t_np"]), lib.arange(128)
    return lambda: namespace["mlp_step"](lib, weights, x, t, rows)


def memory_snippet(lib):
    threads = "import torch; torch.set_num_threads(2)\n" if lib == "torch" else ""
    run = (
        "w = make_weights(lib)\n"
        "x, t, rows = lib.tensor(x_np), lib.tensor(t_np), lib.arange(128)\n"
        "for _ in range(50):\n    mlp_step(lib, w, x, t, rows)\n"
    )
    return f"import {lib} as lib\n" + threads + MLP_SETUP + run


def import_time(module):
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(5)]
    return float(np.median(times))


if __name__ == "__main__":
    compare("(a) (a*b+c).sum() fwd+bwd, shape (10,)", tiny_step(chainrule), tiny_step(torch),
            rounds=21, min_seconds=0.1)
    compare("(b) MLP 784-256-256-10 step, batch 128", mlp_step(chainrule), mlp_step(torch), rounds=15)
    report_memory("(b) MLP step", memory_snippet("chainrule"), memory_snippet("torch"))
    ours, theirs = import_time("chainrule"), import_time("torch")
    print(f"{'import time':44s} chainrule {ours:.3f} s  pytorch {theirs:.3f} s")
