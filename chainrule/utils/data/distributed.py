"""DistributedSampler: each of ``num_replicas`` processes takes every
``num_replicas``-th index, starting at its ``rank`` (``torch.utils.data.distributed``).

chainrule has no process groups, so ``num_replicas`` and ``rank`` must be given;
without them it raises what PyTorch raises when no process group is set up. The
shuffle is chainrule's ``randperm`` from a generator seeded with ``seed + epoch``:
the same on every replica and repeatable, though not PyTorch's permutation."""

import math

from ..._creation import randperm
from ..._random import Generator
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The indices of ``dataset`` that replica ``rank`` of ``num_replicas`` loads:
    all of them (shuffled when ``shuffle``), padded by repeating the first ones to
    a multiple of ``num_replicas`` (or cut to one with ``drop_last``), then every
    ``num_replicas``-th from ``rank``. Call ``set_epoch(epoch)`` before each epoch
    for a new shuffle.

    >>> from chainrule.utils.data import DistributedSampler
    >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
    [1, 3, 0]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            raise ValueError(
                "Default process group has not been initialized, please make sure to call init_process_group."
            )
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if drop_last and len(dataset) % num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        if self.shuffle:
            generator = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(len(self.dataset), generator=generator).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            padding = self.total_size - len(indices)
            indices += (indices * math.ceil(padding / len(indices)))[:padding] if padding else []
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use ``seed + epoch`` for the next shuffle, the same on every replica."""
        self.epoch = epoch
