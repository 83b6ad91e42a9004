"""Issue 3's speed targets for nn layers, losses and optim against PyTorch eager.

(a) the seeds' network 2-4-1 (Linear, Tanh, Linear, Sigmoid, BCELoss, SGD),
    one full-batch step on 300 samples -- per-op overhead dominates;
(b) a 784-256-256-10 ReLU MLP of nn.Linear with nn.CrossEntropyLoss and
    optim.SGD(momentum=0.9), batch 128, float32, one step -- BLAS dominates;
plus the peak memory of (b) over 50 steps.
Targets: (a) <= 0.35x PyTorch's time, (b) <= 0.9x, (b)'s peak memory <= 1/3.

The steps are chainrule/bench.py's cases "seed-net" and "mlp" (chainrule's
model is loaded with PyTorch's initial weights; the first losses agree).
Run: .venv/bin/python benchmarks/bench_nn.py
"""

# first: chainrule's libraries load before torch's (common.py: load_libraries)
from common import check_same_training, compare, report_memory, setup_line

# isort: split
import torch

from chainrule.bench import memory_snippet, paired_steps

torch.set_num_threads(2)


if __name__ == "__main__":
    print(setup_line())
    seed_net, mlp = paired_steps("seed-net"), paired_steps("mlp")
    check_same_training(*seed_net)
    check_same_training(*mlp)
    compare("(a) seed net 2-4-1 BCE+SGD step, 300 samples", *seed_net, rounds=21, min_seconds=0.1)
    compare("(b) MLP 784-256-256-10 CE+SGD(m) step, b128", *mlp, rounds=15)
    report_memory(
        "(b) MLP step, 50 steps", memory_snippet("chainrule", "mlp"), memory_snippet("torch", "mlp")
    )
