"""Models of tutorials against PyTorch eager, beyond the issues' target cases: the
project's "as fast as PyTorch on the models they train", measured.

Each is a training step of chainrule/bench.py's cases, chainrule's model loaded
with PyTorch's initial weights and fed the same data (the first losses agree):
a convolutional autoencoder, a DCGAN generator, a CIFAR ResNet block, a text CNN,
a transformer encoder classifier, a VAE, an MLP with batch norm and a CIFAR CNN.
Run: .venv/bin/python benchmarks/bench_models.py [case ...]
"""

# first: chainrule's libraries load before torch's (common.py: load_libraries)
from common import check_same_training, compare, setup_line

# isort: split
import sys

import torch

from chainrule.bench import paired_steps

torch.set_num_threads(2)

MODELS = [
    "conv-autoencoder",
    "dcgan-generator",
    "resnet-block",
    "text-cnn",
    "transformer",
    "vae",
    "mlp-batchnorm",
    "cifar-cnn",
]


if __name__ == "__main__":
    print(setup_line())
    for case in sys.argv[1:] or MODELS:
        steps = paired_steps(case)
        check_same_training(*steps)
        compare(case, *steps, rounds=11)
