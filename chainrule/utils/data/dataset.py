"""Datasets: anything with ``__getitem__`` and ``__len__`` (``torch.utils.data``).

``TensorDataset`` pairs tensors along their first dimension; ``Subset`` and
``random_split`` select samples by index; ``ConcatDataset`` (also ``a + b``)
chains datasets; ``StackDataset`` zips them, sample by sample. ``IterableDataset``
is a stream the DataLoader iterates (``ChainDataset``, also ``a + b``, chains streams).
"""

import bisect
import itertools
import math
import warnings

from ..._creation import randperm
from ..._random import default_generator


class Dataset:
    """A map-style dataset: subclasses give ``__getitem__(index)`` (one sample)
    and usually ``__len__``.

    >>> from chainrule.utils.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> [Squares()[i] for i in range(4)], len(Squares() + Squares())
    ([0, 1, 4, 9], 8)
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses give ``__iter__``. The DataLoader
    batches consecutive samples (no sampler, no shuffling).

    >>> from chainrule.utils.data import DataLoader, IterableDataset
    >>> class Countdown(IterableDataset):
    ...     def __iter__(self):
    ...         return iter(range(5, 0, -1))
    >>> [batch.tolist() for batch in DataLoader(Countdown() + Countdown(), batch_size=4)]
    [[5, 4, 3, 2], [1, 5, 4, 3], [2, 1]]
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable datasets, one after the other."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)


class TensorDataset(Dataset):
    """Samples are the rows of several tensors with the same first dimension:
    ``dataset[i] == (x[i], y[i])``.

    >>> import chainrule
    >>> from chainrule.utils.data import TensorDataset
    >>> data = TensorDataset(chainrule.arange(6).reshape(3, 2), chainrule.tensor([0, 1, 0]))
    >>> len(data), data[1]
    (3, (tensor([2, 3]), tensor(1)))
    """

    def __init__(self, *tensors):
        sizes = [t.size(0) for t in tensors]
        if any(size != sizes[0] for size in sizes):
            # PyTorch's exception type; raised explicitly so python -O keeps it.
            raise AssertionError(
                f"Size mismatch between tensors: first dimensions {sizes} must all be equal "
                "(one row per sample)"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    >>> import chainrule
    >>> from chainrule.utils.data import Subset, TensorDataset
    >>> part = Subset(TensorDataset(chainrule.arange(10)), [7, 2])
    >>> len(part), part[0]
    (2, (tensor(7),))
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices
        # The DataLoader reads batches through __getitems__, which would bypass
        # an overridden __getitem__.
        if (
            type(self).__getitem__ is not Subset.__getitem__
            and type(self).__getitems__ is Subset.__getitems__
        ):
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. When subclassing "
                "Subset and overriding __getitem__, also override __getitems__, e.g.\n\n"
                "def __getitems__(self, indices):\n    return [self.__getitem__(idx) for idx in indices]"
            )

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other.

    >>> import chainrule
    >>> from chainrule.utils.data import ConcatDataset, TensorDataset
    >>> both = ConcatDataset([TensorDataset(chainrule.zeros(2)), TensorDataset(chainrule.ones(3))])
    >>> len(both), both[2]
    (5, (tensor(1.),))
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError(
                    "absolute value of index should not exceed dataset length "
                    f"(index {idx}, length {len(self)})"
                )
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[dataset_idx - 1] if dataset_idx else 0
        return self.datasets[dataset_idx][idx - start]


class StackDataset(Dataset):
    """Datasets of the same length side by side: sample i is the tuple of their i-th
    samples (``StackDataset(a, b)``) or a dict by name (``StackDataset(x=a, y=b)``).

    >>> import chainrule
    >>> from chainrule.utils.data import StackDataset, TensorDataset
    >>> pairs = StackDataset(chainrule.arange(3), ["a", "b", "c"])
    >>> len(pairs), pairs[1]
    (3, (tensor(1), 'b'))
    >>> StackDataset(image=chainrule.zeros(2, 1), label=[0, 1])[1]
    {'image': tensor([0.]), 'label': 1}
    """

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or"
                "``dict``- (via ``kwargs``) like input/output, but both types are given."
            )
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        datasets = list(args or kwargs.values())
        self._length = len(datasets[0])
        if any(self._length != len(dataset) for dataset in datasets):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args or kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {name: dataset[index] for name, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __getitems__(self, indices):
        # a whole batch from each dataset that can give one (the DataLoader's batched read)
        columns = {}
        named = self.datasets.items() if isinstance(self.datasets, dict) else enumerate(self.datasets)
        for name, dataset in named:
            if callable(getattr(dataset, "__getitems__", None)):
                items = dataset.__getitems__(indices)
                if len(items) != len(indices):
                    raise ValueError(
                        f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)}"
                    )
                columns[name] = items
            else:
                columns[name] = [dataset[index] for index in indices]
        if isinstance(self.datasets, dict):
            return [dict(zip(columns, sample)) for sample in zip(*columns.values())]
        return list(zip(*columns.values()))

    def __len__(self):
        return self._length


def random_split(dataset, lengths, generator=default_generator):
    """Split ``dataset`` into non-overlapping random subsets of the given
    ``lengths``, or of fractions of its length (summing to 1; the remainder
    goes round-robin to the first splits). Reproducible under
    ``chainrule.manual_seed`` or with a ``chainrule.Generator``.

    >>> import chainrule
    >>> from chainrule.utils.data import random_split
    >>> train, test = random_split(range(10), [0.8, 0.2], generator=chainrule.Generator().manual_seed(0))
    >>> len(train), len(test), sorted(list(train) + list(test)) == list(range(10))
    (8, 2, True)
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1 (got {fraction})")
            subset_lengths.append(math.floor(len(dataset) * fraction))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
    if sum(lengths) != len(dataset):
        raise ValueError(
            f"Sum of input lengths ({sum(lengths)}) does not equal the length of the input dataset "
            f"({len(dataset)})!"
        )
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [
        Subset(dataset, indices[end - length : end])
        for end, length in zip(itertools.accumulate(lengths), lengths)
    ]
