"""Seconds per training epoch of ``chainrule train``'s models, against the same model in PyTorch.

Both libraries train the same architecture (``chainrule.train.models``;
PyTorch's copy is built from the same state_dict, so both start from the same
weights) on the same Fashion-MNIST batches (the Debian files, or random images
of the same shape when they are missing), with the same batch size and
optimizer (Adam, lr 1e-3). The steps are ``zero_grad, forward, loss,
backward, step``, as in ``chainrule.train.fit``. They run interleaved:
``--rounds`` rounds of ``--steps`` steps of chainrule, then of PyTorch, so a
stall of this shared machine spoils one round, not the result. Reported:
median seconds per step of each, times the steps in one epoch of
``chainrule train`` (54,000 images / batch 128 = 422), and the median of the
per-round ratios chainrule / PyTorch.

Both get ``set_num_threads(n)``, n the CPUs or ``OPENBLAS_NUM_THREADS`` if set
(chainrule then runs its own pool on n threads and NumPy's BLAS on one).

Run:
    .venv/bin/python benchmarks/bench_train.py                  # cnn, 6 rounds x 50 steps
    .venv/bin/python benchmarks/bench_train.py --model mlp
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_train.py
"""

# first: chainrule's libraries load before torch's (common.py: load_libraries)
import common  # noqa: F401

# isort: split
import argparse
import json
import math
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import chainrule
from chainrule.bench import libraries
from chainrule.train.models import CNN, MLP

TRAIN_IMAGES = 54_000  # chainrule train's Fashion-MNIST training split (60,000 less 10 % for validation)


def load_images(count, seed=0):
    """Standardized Fashion-MNIST training images (N, 1, 28, 28) and labels, and where they came from."""
    try:
        data = chainrule.datasets.FashionMNIST()
        images, labels, source = data.data.numpy()[:count], data.targets.numpy()[:count], str(data.root)
    except FileNotFoundError:
        rng = np.random.default_rng(seed)
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels, source = rng.integers(0, 10, count), "random images (Fashion-MNIST not found)"
    images = images.astype(np.float32)
    images = (images - images.mean()) / images.std()
    return images[:, None].astype(np.float32), labels.astype(np.int64), source


def build_models(name):
    chainrule.manual_seed(0)
    if name == "cnn":
        ours = CNN(1, 10, (28, 28))
        theirs = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(32),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(64),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(64 * 7 * 7, 128),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.3),
            torch.nn.Linear(128, 10),
        )
    else:
        ours = MLP(784, 10)
        theirs = torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Linear(784, 256),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(256, 128),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(128, 10),
        )
    theirs.load_state_dict(
        {key: torch.from_numpy(value.numpy().copy()) for key, value in ours.state_dict().items()}
    )
    return ours, theirs


def make_trainer(lib, model, images, labels, batches):
    """A function that runs ``count`` training steps on the next batches of the fixed order."""
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.CrossEntropyLoss()
    position = [0]
    model.train()

    def train(count):
        for _ in range(count):
            index = batches[position[0] % len(batches)]
            position[0] += 1
            x, y = lib.from_numpy(images[index]), lib.from_numpy(labels[index])
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        return float(loss.item())

    return train


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=("cnn", "mlp"), default="cnn")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=50, help="steps per round and library")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()

    threads = int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))
    torch.set_num_threads(threads)
    chainrule.set_num_threads(threads)
    images, labels, source = load_images(8192)
    rng = np.random.default_rng(0)
    batches = [rng.choice(len(images), args.batch_size, replace=False) for _ in range(64)]
    ours, theirs = build_models(args.model)
    train_ours = make_trainer(chainrule, ours, images, labels, batches)
    train_theirs = make_trainer(torch, theirs, images, labels, batches)
    train_ours(3), train_theirs(3)  # warm up

    per_step_ours, per_step_theirs, ratios = [], [], []
    for round_ in range(args.rounds):
        start = time.perf_counter()
        train_ours(args.steps)
        ours_s = (time.perf_counter() - start) / args.steps
        start = time.perf_counter()
        train_theirs(args.steps)
        theirs_s = (time.perf_counter() - start) / args.steps
        per_step_ours.append(ours_s)
        per_step_theirs.append(theirs_s)
        ratios.append(ours_s / theirs_s)
        print(
            f"round {round_ + 1}/{args.rounds}: chainrule {ours_s * 1e3:7.1f} ms/step, "
            f"pytorch {theirs_s * 1e3:7.1f} ms/step, ratio {ours_s / theirs_s:.2f}",
            flush=True,
        )

    steps_per_epoch = math.ceil(TRAIN_IMAGES / args.batch_size)
    result = {
        "model": args.model,
        "batch_size": args.batch_size,
        "steps_measured_each": args.rounds * args.steps,
        "threads": threads,
        "data": source,
        "chainrule_seconds_per_epoch": statistics.median(per_step_ours) * steps_per_epoch,
        "pytorch_seconds_per_epoch": statistics.median(per_step_theirs) * steps_per_epoch,
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "torch_version": torch.__version__,
        "chainrule_libraries": libraries(),
    }
    print(
        f"{args.model}, batch {args.batch_size}, {threads} thread(s), "
        f"{result['steps_measured_each']} steps each: "
        f"chainrule {result['chainrule_seconds_per_epoch']:.1f} s/epoch, "
        f"pytorch {result['pytorch_seconds_per_epoch']:.1f} s/epoch ({steps_per_epoch} steps), "
        f"ratio {result['ratio_median']:.2f} (rounds {result['ratio_min']:.2f}-{result['ratio_max']:.2f}); "
        f"{result['chainrule_libraries']}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
