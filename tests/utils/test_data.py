"""Datasets, samplers, default_collate and the DataLoader against
torch.utils.data: the same batches, lengths, errors and splits."""

import collections
import importlib

import numpy as np
import pytest

import chainrule
from chainrule.utils.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)

from oracle import requires_torch, torch

Point = collections.namedtuple("Point", ["x", "y"])


def plain(value):
    """A batch with every tensor (either library's) replaced by an array, for comparison."""
    if isinstance(value, chainrule.Tensor):
        return ("tensor", value.numpy())
    if torch is not None and isinstance(value, torch.Tensor):
        return ("tensor", value.numpy())
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return ("namedtuple", type(value).__name__, [plain(v) for v in value])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    return value


def assert_same_batch(ours, theirs):
    ours, theirs = plain(ours), plain(theirs)
    _assert_same_tree(ours, theirs, "batch")


def _assert_same_tree(a, b, where):
    if isinstance(b, tuple) and b and b[0] == "tensor":
        assert isinstance(a, tuple) and a[0] == "tensor", f"{where}: torch has a tensor, chainrule {a!r}"
        assert a[1].dtype == b[1].dtype, f"{where}: dtype {a[1].dtype} != torch {b[1].dtype}"
        np.testing.assert_array_equal(a[1], b[1], err_msg=where)
    elif isinstance(b, dict):
        assert isinstance(a, dict) and list(a) == list(b), f"{where}: keys {a!r} != {b!r}"
        for key in b:
            _assert_same_tree(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(b, tuple):
        assert isinstance(a, tuple) and a[:-1] == b[:-1] and len(a[-1]) == len(b[-1]), (
            f"{where}: {a!r} != {b!r}"
        )
        for i, (x, y) in enumerate(zip(a[-1], b[-1])):
            _assert_same_tree(x, y, f"{where}[{i}]")
    else:
        assert a == b and type(a) is type(b), f"{where}: {a!r} != torch {b!r}"


SAMPLE_LISTS = {
    "tensors": lambda lib: [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])],
    "scalar tensors": lambda lib: [lib.tensor(1), lib.tensor(2)],
    "floats": lambda lib: [0.5, 1.5, 2.5],
    "ints": lambda lib: [1, 2, 3],
    "bools": lambda lib: [True, False],
    "numpy arrays": lambda lib: [np.arange(3, dtype=np.float32), np.ones(3, np.float32)],
    "numpy int arrays": lambda lib: [np.arange(3, dtype=np.int32), np.ones(3, np.int32)],
    "numpy scalars": lambda lib: [np.float64(1.5), np.float64(2.5)],
    "numpy float32 scalars": lambda lib: [np.float32(1.5), np.float32(2.5)],
    "strings": lambda lib: ["a", "b"],
    "tuples": lambda lib: [(lib.tensor([1.0]), 0, "a"), (lib.tensor([2.0]), 1, "b")],
    "lists": lambda lib: [[1, 2.0], [3, 4.0]],
    "dicts": lambda lib: [{"x": np.zeros(2, np.float32), "y": 1}, {"x": np.ones(2, np.float32), "y": 0}],
    "nested": lambda lib: [{"pair": (1, [0.5, lib.tensor(2)])}, {"pair": (3, [1.5, lib.tensor(4)])}],
    "namedtuples": lambda lib: [Point(1.0, lib.tensor([1])), Point(2.0, lib.tensor([2]))],
}


@requires_torch
@pytest.mark.parametrize("kind", SAMPLE_LISTS)
def test_default_collate_matches_pytorch(kind):
    from torch.utils.data import default_collate as torch_collate

    assert_same_batch(
        default_collate(SAMPLE_LISTS[kind](chainrule)), torch_collate(SAMPLE_LISTS[kind](torch))
    )


@requires_torch
@pytest.mark.parametrize(
    "batch, error",
    [
        ([[1, 2], [3]], RuntimeError),
        ([object(), object()], TypeError),
        ([np.array(["a"]), np.array(["b"])], TypeError),
    ],
)
def test_default_collate_rejects_what_pytorch_rejects(batch, error):
    from torch.utils.data import default_collate as torch_collate

    for collate in (torch_collate, default_collate):
        with pytest.raises(error):
            collate(batch)


def xy(lib, n=10):
    x = lib.arange(n * 3, dtype=lib.float32).reshape(n, 3)
    return lib.utils.data.TensorDataset(x, lib.arange(n) % 3)


@requires_torch
@pytest.mark.parametrize(
    "batch_size, drop_last", [(1, False), (4, False), (4, True), (10, False), (32, True)]
)
def test_tensor_dataset_batches_and_length_match_pytorch(batch_size, drop_last):
    ours = DataLoader(xy(chainrule), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(xy(torch), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    ours_batches, theirs_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(theirs_batches)
    for a, b in zip(ours_batches, theirs_batches):
        assert_same_batch(a, b)


class Records(Dataset):
    """A map-style dataset of dict samples built from NumPy and Python values."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"features": np.full(2, i, np.float32), "label": i % 2, "weight": i / 10, "id": f"#{i}"}


@requires_torch
def test_a_custom_dataset_of_dicts_batches_like_pytorch():
    class TorchRecords(torch.utils.data.Dataset):
        __len__ = Records.__len__
        __getitem__ = Records.__getitem__

    ours = list(DataLoader(Records(), batch_size=3))
    theirs = list(torch.utils.data.DataLoader(TorchRecords(), batch_size=3))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert_same_batch(a, b)


def test_the_tensor_dataset_fast_path_gives_the_batches_stacking_would():
    data = xy(chainrule, 11)
    fast = list(DataLoader(data, batch_size=4, shuffle=True, generator=chainrule.Generator().manual_seed(3)))
    stacked = list(
        DataLoader(
            data,
            batch_size=4,
            shuffle=True,
            generator=chainrule.Generator().manual_seed(3),
            collate_fn=lambda samples: default_collate(samples),
        )
    )
    assert len(fast) == len(stacked) == 3
    for a, b in zip(fast, stacked):
        assert type(a) is type(b) is list
        for t, u in zip(a, b):
            assert t.dtype == u.dtype and t.shape == u.shape
            np.testing.assert_array_equal(t.numpy(), u.numpy())


def test_the_fast_path_indexes_the_tensors_once_per_batch_instead_of_once_per_sample(monkeypatch):
    calls = []
    original = TensorDataset.__getitem__

    def counting_getitem(self, index):
        calls.append(index)
        return original(self, index)

    monkeypatch.setattr(TensorDataset, "__getitem__", counting_getitem)
    data = xy(chainrule, 10)
    list(DataLoader(data, batch_size=4))
    assert calls == [], "the default collate on a TensorDataset reads whole batches"
    list(DataLoader(data, batch_size=4, collate_fn=lambda samples: default_collate(samples)))
    assert calls == list(range(10)), "a custom collate_fn gets the samples one by one"


def test_the_fast_path_follows_subsets_from_random_split():
    data = xy(chainrule, 12)
    train, _ = random_split(data, [8, 4], generator=chainrule.Generator().manual_seed(0))
    inner = Subset(train, [7, 0, 3, 5, 1])
    fast = list(DataLoader(inner, batch_size=2))
    expected = [data[train.indices[i]] for i in [7, 0, 3, 5, 1]]
    rows = [(x, y) for batch_x, batch_y in fast for x, y in zip(batch_x, batch_y)]
    assert len(rows) == len(expected)
    for (x, y), (ex, ey) in zip(rows, expected):
        assert x.tolist() == ex.tolist() and y.item() == ey.item()


def test_a_tensor_dataset_subclass_with_its_own_getitem_is_read_sample_by_sample():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    (x, y), *_ = DataLoader(Doubled(chainrule.ones(4, 2), chainrule.zeros(4)), batch_size=4)
    assert x.tolist() == [[2.0, 2.0]] * 4


def epoch_orders(loader, epochs=3):
    return [[int(i) for batch in loader for i in batch[1]] for _ in range(epochs)]


def test_shuffling_repeats_under_manual_seed_and_changes_every_epoch():
    data = TensorDataset(chainrule.zeros(20), chainrule.arange(20))
    loader = DataLoader(data, batch_size=6, shuffle=True)
    chainrule.manual_seed(0)
    first = epoch_orders(loader)
    chainrule.manual_seed(0)
    again = epoch_orders(loader)
    assert first == again
    assert all(sorted(order) == list(range(20)) for order in first)
    assert first[0] != first[1] != first[2]
    chainrule.manual_seed(1)
    assert epoch_orders(loader) != first


def test_shuffling_with_a_generator_repeats_and_ignores_the_global_seed():
    data = TensorDataset(chainrule.zeros(20), chainrule.arange(20))
    orders = []
    for global_seed in (0, 1):
        chainrule.manual_seed(global_seed)
        loader = DataLoader(data, batch_size=5, shuffle=True, generator=chainrule.Generator().manual_seed(7))
        orders.append(epoch_orders(loader, epochs=2))
    assert orders[0] == orders[1]


def test_num_workers_is_accepted_and_loads_the_same_batches_in_process():
    data = xy(chainrule, 9)
    with_workers = DataLoader(data, batch_size=4, num_workers=2, persistent_workers=True, prefetch_factor=2)
    for a, b in zip(with_workers, DataLoader(data, batch_size=4)):
        assert all(t.tolist() == u.tolist() for t, u in zip(a, b))
    assert chainrule.utils.data.get_worker_info() is None


@requires_torch
def test_batch_size_none_yields_converted_single_samples_like_pytorch():
    class TorchRecords(torch.utils.data.Dataset):
        __len__ = Records.__len__
        __getitem__ = Records.__getitem__

    ours = list(DataLoader(Records(), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(TorchRecords(), batch_size=None))
    assert len(ours) == len(theirs) == 7
    for a, b in zip(ours, theirs):
        assert_same_batch(a, b)


@requires_torch
def test_a_batch_sampler_chooses_the_batches_like_pytorch():
    batches = [[3, 1], [0, 2, 4], [5]]
    ours = DataLoader(xy(chainrule), batch_sampler=batches)
    theirs = torch.utils.data.DataLoader(xy(torch), batch_sampler=batches)
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert_same_batch(a, b)


class Countdown(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n, 0, -1))

    def __len__(self):
        return self.n


@requires_torch
@pytest.mark.parametrize("batch_size, drop_last", [(3, False), (3, True), (None, False)])
def test_an_iterable_dataset_is_batched_like_pytorch(batch_size, drop_last):
    class TorchCountdown(torch.utils.data.IterableDataset):
        __init__ = Countdown.__init__
        __iter__ = Countdown.__iter__
        __len__ = Countdown.__len__

    ours = DataLoader(Countdown(8), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(TorchCountdown(8), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    ours_batches, theirs_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(theirs_batches)
    for a, b in zip(ours_batches, theirs_batches):
        assert_same_batch(a, b)


@requires_torch
@pytest.mark.parametrize(
    "kwargs",
    [
        {"shuffle": True, "sampler": [0, 1]},
        {"batch_sampler": [[0]], "batch_size": 2},
        {"batch_sampler": [[0]], "drop_last": True},
        {"batch_size": None, "drop_last": True},
        {"num_workers": -1},
        {"prefetch_factor": 2},
        {"persistent_workers": True},
        {"batch_size": 0},
    ],
    ids=str,
)
def test_conflicting_loader_options_raise_value_error_like_pytorch(kwargs):
    for lib in (torch, chainrule):
        with pytest.raises(ValueError):
            lib.utils.data.DataLoader(xy(lib), **kwargs)


@requires_torch
@pytest.mark.parametrize("lengths", [[0.5, 0.3, 0.2], [0.7, 0.3], [1 / 3, 1 / 3, 1 / 3], [4, 7]])
def test_random_split_makes_splits_of_pytorchs_lengths_covering_the_dataset(lengths):
    ours = random_split(range(11), lengths, generator=chainrule.Generator().manual_seed(0))
    theirs = torch.utils.data.random_split(range(11), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    items = [item for split in ours for item in split]
    assert sorted(items) == list(range(11))


def test_random_split_repeats_with_the_same_generator_seed_or_manual_seed():
    def split(**kwargs):
        return [list(s) for s in random_split(range(20), [0.5, 0.5], **kwargs)]

    assert split(generator=chainrule.Generator().manual_seed(5)) == split(
        generator=chainrule.Generator().manual_seed(5)
    )
    chainrule.manual_seed(2)
    first = split()
    chainrule.manual_seed(2)
    assert split() == first


@requires_torch
@pytest.mark.parametrize("lengths", [[5, 5], [0.5, 0.6], [1.2, -0.2]], ids=str)
def test_random_split_with_lengths_that_do_not_fit_raises_value_error_like_pytorch(lengths):
    for split in (torch.utils.data.random_split, random_split):
        with pytest.raises(ValueError):
            split(range(11), lengths)


@requires_torch
def test_concat_dataset_and_subset_index_like_pytorch():
    for lib in (chainrule, torch):
        data = lib.utils.data
        both = data.ConcatDataset([data.TensorDataset(lib.arange(3)), data.TensorDataset(lib.arange(10, 14))])
        part = data.Subset(both, [6, 0, 3])
        assert len(both) == 7 and len(part) == 3
        assert [int(both[i][0]) for i in (0, 2, 3, -1)] == [0, 2, 10, 13]
        assert [int(part[i][0]) for i in range(3)] == [13, 0, 10]
    assert len(ConcatDataset([range(2)]) + ConcatDataset([range(3)])) == 5


@requires_torch
def test_tensor_datasets_of_different_lengths_raise_assertion_error_like_pytorch():
    for lib in (torch, chainrule):
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            lib.utils.data.TensorDataset(lib.zeros(3, 2), lib.zeros(4))


def test_a_bare_dataset_says_what_to_implement():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


@requires_torch
def test_a_subset_subclass_overriding_only_getitem_is_refused_like_pytorch():
    for lib in (torch, chainrule):

        class Shifted(lib.utils.data.Subset):
            def __getitem__(self, index):
                return super().__getitem__(index) + 1

        with pytest.raises(NotImplementedError, match="__getitems__"):
            Shifted(range(5), [0, 1])


def test_a_subset_subclass_with_its_own_getitems_is_read_through_it():
    class Shifted(Subset):
        def __getitem__(self, index):
            return super().__getitem__(index) + 1

        def __getitems__(self, indices):
            return [self[i] for i in indices]

    assert [b.tolist() for b in DataLoader(Shifted(range(10), [4, 5, 6]), batch_size=2)] == [[5, 6], [7]]


# --- WeightedRandomSampler -----------------------------------------------------------------


def test_weighted_random_sampler_draws_indices_in_proportion_to_their_weights():
    sampler = WeightedRandomSampler(
        [1.0, 3.0, 0.0, 6.0], 20000, generator=chainrule.Generator().manual_seed(0)
    )
    counts = collections.Counter(sampler)
    assert len(sampler) == 20000 and sum(counts.values()) == 20000
    assert counts[2] == 0
    np.testing.assert_allclose([counts[i] / 20000 for i in (0, 1, 3)], [0.1, 0.3, 0.6], atol=0.015)


def test_weighted_random_sampler_without_replacement_draws_each_index_at_most_once():
    sampler = WeightedRandomSampler(chainrule.tensor([5.0, 1.0, 1.0, 1.0]), 3, replacement=False)
    drawn = list(sampler)
    assert len(drawn) == len(set(drawn)) == 3 and set(drawn) <= {0, 1, 2, 3}


def test_weighted_random_sampler_repeats_with_a_generator_seed():
    def draw():
        return list(
            WeightedRandomSampler([0.2, 0.3, 0.5], 10, generator=chainrule.Generator().manual_seed(3))
        )

    assert draw() == draw()


def test_weighted_random_sampler_feeds_a_data_loader():
    dataset = TensorDataset(chainrule.arange(4.0))
    loader = DataLoader(dataset, batch_size=3, sampler=WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], 6))
    assert [batch[0].tolist() for batch in loader] == [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]


@requires_torch
@pytest.mark.parametrize(
    "args",
    [([1.0, 2.0], 0), ([1.0, 2.0], 2.5), ([1.0, 2.0], True), ([[1.0, 2.0]], 2), ([1.0, 2.0], 2, 1)],
    ids=["zero samples", "float samples", "bool samples", "2-d weights", "int replacement"],
)
def test_weighted_random_sampler_rejects_what_pytorch_rejects(args):
    for lib in (torch, chainrule):
        with pytest.raises(ValueError):
            importlib.import_module(lib.__name__ + ".utils.data").WeightedRandomSampler(*args)
