"""nn layers, losses and optim against PyTorch eager: one full training step.

(a) the seeds' network 2-4-1 (Linear, Tanh, Linear, Sigmoid, BCELoss, SGD),
    one full-batch step on 300 samples -- per-op overhead dominates;
(b) a 784-256-256-10 ReLU MLP of nn.Linear with nn.CrossEntropyLoss and
    optim.SGD(momentum=0.9), batch 128, float32, one step -- BLAS dominates;
plus the peak memory of (b) over 50 steps.

Targets: (a) <= 0.35x PyTorch's time, (b) <= 0.9x, (b)'s peak memory <= 1/3.
Run: .venv/bin/python benchmarks/bench_nn.py
"""

import torch

import chainrule

from common import compare, report_memory

torch.set_num_threads(2)

SETUP = """
import numpy as np
rng = np.random.default_rng(0)

def seed_network_step(lib):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    criterion = nn.BCELoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=1.2)
    x = lib.tensor(rng.standard_normal((300, 2)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 2, (300, 1)).astype(np.float32))

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step, model

def mlp_step(lib):
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    criterion = nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, 128))

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), t)
        loss.backward()
        optimizer.step()
        return loss

    return step, model
"""


def make(name):
    """The step of benchmark ``name`` for both libraries, chainrule's model holding
    PyTorch's initial weights (loaded straight from its state_dict)."""
    steps = {}
    for lib in (torch, chainrule):
        namespace = {}
        exec(SETUP, namespace)
        steps[lib], model = namespace[name](lib)
        if lib is torch:
            weights = model.state_dict()
        else:
            model.load_state_dict(weights)
    return steps[chainrule], steps[torch]


def memory_snippet(lib):
    threads = "import torch; torch.set_num_threads(2)\n" if lib == "torch" else ""
    run = "step, _ = mlp_step(lib)\nfor _ in range(50):\n    step()\n"
    return f"import {lib} as lib\n" + threads + SETUP + run


def check_same_training(ours, theirs):
    """Both libraries do the same work: from the same weights and data, the losses of
    the first steps agree."""
    for _ in range(3):
        a, b = ours().item(), theirs().item()
        assert abs(a - b) <= 1e-4 * abs(b), (a, b)


if __name__ == "__main__":
    seed_ours, seed_theirs = make("seed_network_step")
    mlp_ours, mlp_theirs = make("mlp_step")
    check_same_training(seed_ours, seed_theirs)
    check_same_training(mlp_ours, mlp_theirs)
    compare(
        "(a) seed net 2-4-1 BCE+SGD step, 300 samples", seed_ours, seed_theirs, rounds=21, min_seconds=0.1
    )
    compare("(b) MLP 784-256-256-10 CE+SGD(m) step, b128", mlp_ours, mlp_theirs, rounds=15)
    report_memory("(b) MLP step, 50 steps", memory_snippet("chainrule"), memory_snippet("torch"))
