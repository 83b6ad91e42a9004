"""StackDataset: datasets zipped sample by sample, as tuples or dicts, against torch.utils.data."""

import numpy as np
import pytest

from oracle import assert_same_error, requires_torch, same_as_torch

pytestmark = requires_torch


def parts(lib):
    """A tensor dataset, a list and a dataset with a batched read, all of length 5."""

    class Batched(lib.utils.data.Dataset):
        def __getitem__(self, index):
            return index * 10

        def __getitems__(self, indices):
            return [f"batch {index}" for index in indices]

        def __len__(self):
            return 5

    features = lib.utils.data.TensorDataset(lib.tensor(np.arange(10.0, dtype=np.float32).reshape(5, 2)))
    return features, ["a", "b", "c", "d", "e"], Batched()


def test_positional_datasets_give_tuples_of_their_samples():
    def scenario(lib):
        stack = lib.utils.data.StackDataset(*parts(lib))
        return len(stack), stack[0], stack[-1], type(stack.datasets).__name__

    same_as_torch(scenario)


def test_named_datasets_give_dicts_of_their_samples():
    def scenario(lib):
        features, letters, batched = parts(lib)
        stack = lib.utils.data.StackDataset(x=features, letter=letters, number=batched)
        return len(stack), stack[2], list(stack.datasets)

    same_as_torch(scenario)


@pytest.mark.parametrize("named", [False, True])
def test_getitems_reads_a_batch_from_each_dataset_that_can_give_one(named):
    def scenario(lib):
        features, letters, batched = parts(lib)
        if named:
            stack = lib.utils.data.StackDataset(x=features, letter=letters, number=batched)
        else:
            stack = lib.utils.data.StackDataset(features, letters, batched)
        return stack.__getitems__([3, 0, 3]), stack.__getitems__([])

    same_as_torch(scenario)


def test_a_data_loader_over_a_stack_gives_pytorchs_batches():
    def scenario(lib):
        features, letters, _ = parts(lib)
        named = lib.utils.data.StackDataset(x=features, letter=letters)
        positional = lib.utils.data.StackDataset(features, letters)
        loader = lib.utils.data.DataLoader
        return list(loader(named, batch_size=2)), list(loader(positional, batch_size=3))

    same_as_torch(scenario)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda lib: lib.utils.data.StackDataset([1, 2], [1, 2, 3]), "Size mismatch between datasets"),
        (lambda lib: lib.utils.data.StackDataset(a=[1, 2], b=[1]), "Size mismatch between datasets"),
        (lambda lib: lib.utils.data.StackDataset([1], b=[1]), "but both types are given"),
        (lambda lib: lib.utils.data.StackDataset(), "At least one dataset should be passed"),
        (lambda lib: lib.utils.data.StackDataset(iter([1])), None),
        (lambda lib: lib.utils.data.StackDataset([1, 2], [3, 4])[2], None),
    ],
)
def test_bad_stacks_raise_pytorchs_errors(make, message):
    assert_same_error(make, message)


@pytest.mark.parametrize("named", [False, True])
def test_a_nested_batched_read_of_the_wrong_size_raises_value_error(named):
    def scenario(lib):
        class Short(lib.utils.data.Dataset):
            def __getitems__(self, indices):
                return indices[:-1]

            def __len__(self):
                return 3

        stack = lib.utils.data.StackDataset(a=Short()) if named else lib.utils.data.StackDataset(Short())
        stack.__getitems__([0, 1])

    assert_same_error(scenario, "Nested dataset's output size mismatch. Expected 2, got 1")
