"""utils.data.DistributedSampler against PyTorch: the indices of every rank
(padding, drop_last), lengths, the shuffle's properties, set_epoch and errors."""

import pytest

import chainrule
from chainrule.utils.data import DataLoader, DistributedSampler

from oracle import raises_like_torch, requires_torch, torch

pytestmark = requires_torch


def _ranks(lib, size, replicas, **kwargs):
    samplers = [
        lib.utils.data.DistributedSampler(range(size), num_replicas=replicas, rank=rank, **kwargs)
        for rank in range(replicas)
    ]
    return [(list(sampler), len(sampler), sampler.num_samples, sampler.total_size) for sampler in samplers]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("size, replicas", [(10, 2), (10, 3), (10, 4), (2, 5), (7, 1), (0, 3)])
def test_without_shuffle_every_rank_gets_pytorchs_indices(size, replicas, drop_last):
    assert _ranks(chainrule, size, replicas, shuffle=False, drop_last=drop_last) == _ranks(
        torch, size, replicas, shuffle=False, drop_last=drop_last
    )


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("size, replicas", [(10, 3), (9, 3), (2, 5)])
def test_a_shuffle_splits_one_permutation_among_the_ranks_as_pytorch_does(size, replicas, drop_last):
    """The ranks together cover a permutation padded or cut as PyTorch's; the
    permutation itself is chainrule's generator's."""
    ours = _ranks(chainrule, size, replicas, seed=3, drop_last=drop_last)
    theirs = _ranks(torch, size, replicas, seed=3, drop_last=drop_last)
    assert [entry[1:] for entry in ours] == [entry[1:] for entry in theirs]
    merged = [
        index
        for position in range(ours[0][1])
        for indices, *_ in ours
        for index in indices[position : position + 1]
    ]
    if drop_last:
        assert len(set(merged)) == len(merged) <= size
    else:
        assert set(merged) == set(range(size))
        assert merged[size:] == merged[: len(merged) - size]  # the padding repeats the first indices


def test_the_shuffle_is_reproducible_and_set_epoch_changes_it():
    def order(seed, epoch):
        sampler = DistributedSampler(range(20), num_replicas=2, rank=0, seed=seed)
        sampler.set_epoch(epoch)
        return list(sampler)

    chainrule.manual_seed(0)
    first = order(5, 0)
    chainrule.manual_seed(1)  # the global seed plays no part
    assert order(5, 0) == first
    assert order(5, 1) != first and order(6, 0) != first
    assert order(5, 1) == order(4, 2)  # seed + epoch decides, as in PyTorch
    sampler = DistributedSampler(range(20), num_replicas=2, rank=0, seed=5)
    assert list(sampler) == list(sampler) == first


def test_a_dataloader_with_the_sampler_loads_the_ranks_share():
    data = chainrule.arange(10.0)
    loader = DataLoader(
        data, batch_size=2, sampler=DistributedSampler(data, num_replicas=3, rank=2, shuffle=False)
    )
    assert [batch.tolist() for batch in loader] == [[2.0, 5.0], [8.0, 1.0]]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {},
            "^Default process group has not been initialized, please make sure to call init_process_group.$",
        ),
        ({"num_replicas": 2}, "^Default process group has not been initialized"),
        ({"rank": 0}, "^Default process group has not been initialized"),
        ({"num_replicas": 2, "rank": 2}, r"^Invalid rank 2, rank should be in the interval \[0, 1\]$"),
        ({"num_replicas": 2, "rank": -1}, r"^Invalid rank -1, rank should be in the interval \[0, 1\]$"),
    ],
    ids=["no-process-group", "no-rank", "no-replicas", "rank-too-large", "negative-rank"],
)
def test_bad_arguments_raise_pytorchs_errors(kwargs, match):
    raises_like_torch(lambda lib: lib.utils.data.DistributedSampler(range(4), **kwargs), match=match)
