"""DataLoader: iterate over a dataset in batches (``torch.utils.data.DataLoader``).

A sampler yields indices (in order, or shuffled), a ``BatchSampler`` groups
them, and ``collate_fn`` (``default_collate`` unless given) turns each list
of samples into a batch: tensors stacked along a new first dimension.

When the dataset is a ``TensorDataset`` (directly or through ``Subset``s, as
``random_split`` makes) and the collate function is the default one, a batch
is made by indexing each tensor with the whole list of indices at once
instead of stacking one row per sample: the same batch, without a Python
loop over the samples.
"""

import collections.abc
import copy
import itertools

import numpy as np

from ..._creation import as_tensor, tensor
from ..._tensor import Tensor
from ...ops.shape import stack
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _mapping_like(original, values):
    """The dict ``values`` as a mapping of ``original``'s type (a copy of it,
    updated, when it is mutable), or as the dict when that type can't be built."""
    try:
        if isinstance(original, collections.abc.MutableMapping):
            clone = copy.copy(original)
            clone.update(values)
            return clone
        return type(original)(values)
    except TypeError:  # a mapping type that can't be built from a dict
        return values


def default_collate(batch):
    """Merge a list of samples into a batch, as PyTorch does: tensors and NumPy
    arrays are stacked (a new first dimension), Python floats become a float64
    tensor and ints an int64 one, strings stay a list, and tuples, lists,
    dicts and namedtuples are collated field by field (a tuple of fields
    becomes a list).

    >>> import chainrule
    >>> from chainrule.utils.data import default_collate
    >>> default_collate([(chainrule.tensor([1.0, 2.0]), 0), (chainrule.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    >>> default_collate([{'x': 0.5, 'name': 'a'}, {'x': 1.5, 'name': 'b'}])
    {'x': tensor([0.5000, 1.5000], dtype=chainrule.float64), 'name': ['a', 'b']}
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return default_collate([as_tensor(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return as_tensor(np.array(batch))
    if isinstance(elem, float):
        return as_tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _mapping_like(elem, {key: default_collate([sample[key] for sample in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(
                "each element in list of batch should be of equal size "
                f"(sizes {sorted({len(sample) for sample in batch})})"
            )
        fields = [default_collate(samples) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, field in enumerate(fields):
                    clone[i] = field
                return clone
            return type(elem)(fields)
        except TypeError:  # a sequence type that can't be built from a list
            return fields
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """Turn NumPy arrays and numbers (inside tuples, lists and dicts) into
    tensors, without batching: the collate function when ``batch_size=None``.

    >>> import numpy as np
    >>> from chainrule.utils.data import default_convert
    >>> default_convert((np.array([1, 2]), 'label'))
    [tensor([1, 2]), 'label']
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.bool_, np.number)):
        return data if data.dtype.kind in "SaUO" else as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _mapping_like(data, {key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                clone[:] = converted
                return clone
            return type(data)(converted)
        except TypeError:
            return converted
    return data


def get_worker_info():
    """Always None: chainrule's DataLoader loads in the main process (no workers)."""
    return None


def _rows_of_tensors(dataset):
    """``(tensors, positions)`` when each sample of ``dataset`` is the row
    ``positions[i]`` of the same tensors (a plain TensorDataset, maybe behind
    plain Subsets); None otherwise. ``positions`` None means row ``i``."""
    positions = None
    while isinstance(dataset, Subset) and type(dataset).__getitems__ is Subset.__getitems__:
        indices = np.asarray(dataset.indices, dtype=np.int64)
        positions = indices if positions is None else indices[positions]
        dataset = dataset.dataset
    if (
        isinstance(dataset, TensorDataset)
        and type(dataset).__getitem__ is TensorDataset.__getitem__
        and getattr(dataset, "__getitems__", None) is None
    ):
        return dataset.tensors, positions
    return None


class DataLoader:
    """Batches from ``dataset``: ``for x, y in DataLoader(data, batch_size=32, shuffle=True)``.

    With PyTorch's arguments and rules: ``shuffle=True`` draws a new order each
    epoch from ``generator`` (a ``chainrule.Generator``) or the default
    generator, so ``chainrule.manual_seed(n)`` repeats it; ``sampler`` /
    ``batch_sampler`` choose indices yourself; ``drop_last`` drops the short
    last batch; ``batch_size=None`` yields single samples (``default_convert``).

    ``num_workers > 0`` is accepted but loading runs in the main process (there
    are no worker processes, so ``worker_init_fn`` is not called and
    ``get_worker_info()`` is None); ``pin_memory``, ``timeout``,
    ``prefetch_factor``, ``persistent_workers`` and the rest are accepted for
    compatibility and change nothing.

    >>> import chainrule
    >>> from chainrule.utils.data import DataLoader, TensorDataset
    >>> data = TensorDataset(chainrule.arange(10).float(), chainrule.arange(10) % 2)
    >>> loader = DataLoader(data, batch_size=4)
    >>> len(loader)
    3
    >>> [y.tolist() for x, y in loader]
    [[0, 1, 0, 1], [0, 1, 0, 1], [0, 1]]
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        if isinstance(dataset, IterableDataset):
            if shuffle not in (False, None):
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
            if sampler is not None and shuffle:
                raise ValueError("sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with "
                    "batch_size, shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )

        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.collate_fn = collate_fn or (default_collate if self._auto_collation else default_convert)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None
        )

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            return self._iterate_stream()
        if not self._auto_collation:
            return (self.collate_fn(self.dataset[index]) for index in self.sampler)
        return self._iterate_batches()

    def _iterate_batches(self):
        rows = _rows_of_tensors(self.dataset) if self.collate_fn is default_collate else None
        for indices in self.batch_sampler:
            if rows is not None:
                tensors, positions = rows
                index = np.asarray(indices, dtype=np.int64)
                if positions is not None:
                    index = positions[index]
                yield [t[index] for t in tensors]
            elif callable(getattr(self.dataset, "__getitems__", None)):
                yield self.collate_fn(self.dataset.__getitems__(indices))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def _iterate_stream(self):
        samples = iter(self.dataset)
        if self.batch_size is None:
            for sample in samples:
                yield self.collate_fn(sample)
            return
        while True:
            batch = list(itertools.islice(samples, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)
