"""Speed targets for convolution, pooling and batch norm, against PyTorch eager.

(c) LeNet-5 training step: conv 1->6 5x5, ReLU, max-pool 2, conv 6->16 5x5,
    ReLU, max-pool 2, flatten, linear 256->120->84->10, cross-entropy, SGD
    step; batch 64 of 1x28x28 float32. Target: <= 1.5x PyTorch's time, and
    peak memory <= 1/3 of PyTorch's.
(d) The Fashion-MNIST CNN: conv 1->32 3x3 pad 1, BatchNorm2d, ReLU, max-pool 2,
    conv 32->64 3x3 pad 1, BatchNorm2d, ReLU, max-pool 2, flatten, linear
    3136->128, ReLU, linear 128->10, cross-entropy, SGD with momentum; batch
    128. Target: <= 1.0x PyTorch's time per step.

Both libraries run the same script (``lib`` is chainrule or torch) with the
same weights and data, interleaved in rounds (benchmarks/common.py).

Run: .venv/bin/python benchmarks/bench_conv.py
"""

import torch

import chainrule

from common import compare, report_memory

torch.set_num_threads(2)

MODELS = """
import numpy as np

def lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )

def fashion_cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10),
    )

def training_step(lib, model, optimizer, batch):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, batch))
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        return loss

    return step
"""

namespace = {}
exec(MODELS, namespace)


def copy_weights(torch_model, chainrule_model):
    """chainrule's initial weights into the torch model, so both compute the same thing."""
    with torch.no_grad():
        for target, source in zip(torch_model.parameters(), chainrule_model.parameters()):
            target.copy_(torch.from_numpy(source.detach().numpy().copy()))


def lenet_step(lib, reference=None):
    model = namespace["lenet"](lib)
    if reference is not None:
        copy_weights(model, reference)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    return namespace["training_step"](lib, model, optimizer, 64), model


def fashion_step(lib, reference=None):
    model = namespace["fashion_cnn"](lib)
    if reference is not None:
        copy_weights(model, reference)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return namespace["training_step"](lib, model, optimizer, 128), model


def memory_snippet(lib):
    threads = "import torch; torch.set_num_threads(2)\n" if lib == "torch" else ""
    run = (
        "model = lenet(lib)\n"
        "step = training_step(lib, model, lib.optim.SGD(model.parameters(), lr=0.01), 64)\n"
        "for _ in range(50):\n    step()\n"
    )
    return f"import {lib} as lib\n" + threads + MODELS + run


if __name__ == "__main__":
    ours, model = lenet_step(chainrule)
    theirs, _ = lenet_step(torch, model)
    compare("(c) LeNet-5 training step, batch 64", ours, theirs, rounds=15)
    report_memory("(c) LeNet-5, 50 steps", memory_snippet("chainrule"), memory_snippet("torch"))
    ours, model = fashion_step(chainrule)
    theirs, _ = fashion_step(torch, model)
    compare("(d) Fashion-MNIST CNN step, batch 128", ours, theirs, rounds=9, min_seconds=0.5)
