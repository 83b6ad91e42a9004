"""Speed targets for convolution, pooling and batch norm, against PyTorch eager.

(c) LeNet-5 training step: conv 1->6 5x5, ReLU, max-pool 2, conv 6->16 5x5,
    ReLU, max-pool 2, flatten, linear 256->120->84->10, cross-entropy, SGD
    step; batch 64 of 1x28x28 float32. Target: <= 1.5x PyTorch's time, and
    peak memory <= 1/3 of PyTorch's.
(d) The Fashion-MNIST CNN of ``chainrule train --model cnn``
    (chainrule/train/models.py): conv 1->32 3x3 pad 1 (no bias), BatchNorm2d,
    ReLU, max-pool 2, conv 32->64 3x3 pad 1 (no bias), BatchNorm2d, ReLU,
    max-pool 2, flatten, linear 3136->128, ReLU, dropout 0.3, linear 128->10,
    cross-entropy, SGD with momentum; batch 128. Target: <= 1.0x PyTorch's time
    per step. ``--layers`` also times each of its layers' forward and backward.

Both libraries run the same script (``lib`` is chainrule or torch) with the
same weights and data, interleaved in rounds (benchmarks/common.py), on the
same number of threads: PyTorch's ``set_num_threads`` and chainrule's (its
own passes, chainrule/ops/_threads.py) get ``--threads``.

NumPy's BLAS idle workers busy-wait for a while after each threaded product,
taking the cores chainrule's passes would use, so chainrule's
``set_num_threads`` holds BLAS to one thread and its own threads run the
products of its convolutions themselves (chainrule/_settings.py). The line
printed first says the thread count and the load of the machine.

Run: .venv/bin/python benchmarks/bench_conv.py [--layers]
     OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_conv.py
"""

# first: chainrule's libraries load before torch's (common.py: load_libraries)
from common import compare, report_memory, setup_line

# isort: split
import argparse
import os

import numpy as np
import torch

import chainrule

MODELS = """
import numpy as np

def lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )

def fashion_cnn(lib):  # chainrule.train.models.CNN(1, 10, (28, 28))
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10),
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


def memory_snippet(lib, threads):
    threads = f"import {lib}; {lib}.set_num_threads({threads})\n"
    run = (
        "model = lenet(lib)\n"
        "step = training_step(lib, model, lib.optim.SGD(model.parameters(), lr=0.01), 64)\n"
        "for _ in range(50):\n    step()\n"
    )
    return f"import {lib} as lib\n" + threads + MODELS + run


def layer_steps(lib, model, batch=128):
    """(name, forward, forward and backward) for each layer of the Fashion CNN, on its
    own input of the shape it sees in the network."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    steps = []
    for index, layer in enumerate(model):
        inputs = lib.tensor(x, requires_grad=index > 0)
        out = layer(inputs)
        grad = lib.tensor(rng.standard_normal(tuple(out.shape)).astype(np.float32))

        def forward(layer=layer, inputs=inputs):
            return layer(inputs)

        def both(layer=layer, inputs=inputs, grad=grad):
            layer(inputs).backward(grad)

        steps.append((f"{index} {type(layer).__name__}", forward, both))
        x = out.detach().numpy()
    return steps


def compare_layers():
    """Forward and forward + backward of every layer of the Fashion CNN."""
    model = namespace["fashion_cnn"](chainrule)
    theirs = namespace["fashion_cnn"](torch)
    copy_weights(theirs, model)
    for (name, ours_f, ours_b), (_, theirs_f, theirs_b) in zip(
        layer_steps(chainrule, model), layer_steps(torch, theirs)
    ):
        if name.endswith(("Flatten", "Dropout")):
            continue
        compare(f"    {name} forward", ours_f, theirs_f, rounds=7, min_seconds=0.1)
        compare(f"    {name} forward + backward", ours_b, theirs_b, rounds=7, min_seconds=0.1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="for both libraries")
    parser.add_argument("--layers", action="store_true", help="also time every layer of the Fashion CNN")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    chainrule.set_num_threads(args.threads)
    print(f"threads: {args.threads} for both; {setup_line()}")
    ours, model = lenet_step(chainrule)
    theirs, _ = lenet_step(torch, model)
    compare("(c) LeNet-5 training step, batch 64", ours, theirs, rounds=15)
    report_memory(
        "(c) LeNet-5, 50 steps",
        memory_snippet("chainrule", args.threads),
        memory_snippet("torch", args.threads),
    )
    ours, model = fashion_step(chainrule)
    theirs, _ = fashion_step(torch, model)
    compare("(d) Fashion-MNIST CNN step, batch 128", ours, theirs, rounds=9, min_seconds=0.5)
    if args.layers:
        compare_layers()
