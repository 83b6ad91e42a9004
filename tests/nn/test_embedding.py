"""Embedding against PyTorch: lookup, gradients, padding_idx, max_norm, init."""

import numpy as np
import pytest
from scipy import stats

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import assert_drawn_from, check_module
from oracle import assert_same_error, check_gradcheck, requires_torch, torch

INDICES = np.array([[1, 3, 3, 0], [4, 1, 1, 1]])  # repeats: their gradients add up


@requires_torch
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"padding_idx": 1},
        {"padding_idx": -1},
        {"scale_grad_by_freq": True},
        {"padding_idx": 3, "scale_grad_by_freq": True},
    ],
    ids=str,
)
def test_embedding_matches_pytorch_for_values_and_the_weight_gradient(options):
    check_module(lambda m: m.nn.Embedding(5, 3, **options), None, arrays=[INDICES])
    check_module(lambda m: m.nn.Embedding(5, 3, **options), None, arrays=[INDICES[0].astype(np.int32)])


def test_embedding_gradient_matches_finite_differences_to_second_order():
    indices = chainrule.tensor(INDICES)
    # (padding_idx and scale_grad_by_freq change the gradient on purpose, so they are left out here)
    check_gradcheck(lambda m, w: F.embedding(indices, w) ** 2, [(5, 3)], second_order=True)


@requires_torch
def test_max_norm_renormalises_the_looked_up_rows_in_place_like_pytorch():
    theirs = torch.nn.Embedding(6, 4, max_norm=1.0, norm_type=2.0)
    ours = nn.Embedding(6, 4, max_norm=1.0)
    with torch.no_grad():
        theirs.weight.mul_(3)
    before = theirs.weight.detach().numpy().copy()
    ours.load_state_dict(theirs.state_dict())
    our_out, their_out = ours(chainrule.tensor(INDICES)), theirs(torch.tensor(INDICES))
    np.testing.assert_allclose(our_out.detach().numpy(), their_out.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5)
    # looked-up rows longer than max_norm now have norm 1; the rest are as they were
    # (the test assumed every looked-up row too long: 20 draws in 3,000 left one shorter)
    looked_up = np.isin(np.arange(6), INDICES)
    too_long = looked_up & (np.linalg.norm(before, axis=1) > 1.0)
    after = ours.weight.detach().numpy()
    assert too_long.any() and np.abs(np.linalg.norm(after[too_long], axis=1) - 1).max() < 1e-5
    np.testing.assert_array_equal(after[~too_long], before[~too_long])


def test_padding_row_starts_at_zero_and_never_gets_a_gradient():
    table = nn.Embedding(4, 2, padding_idx=2)
    assert table.weight[2].tolist() == [0.0, 0.0]
    table(chainrule.tensor([2, 2, 0])).sum().backward()
    assert table.weight.grad[2].tolist() == [0.0, 0.0] and table.weight.grad[0].tolist() == [1.0, 1.0]


def test_default_init_is_standard_normal():
    chainrule.manual_seed(0)
    weights = nn.Embedding(1000, 50).weight.detach().numpy().ravel()
    assert_drawn_from(weights, stats.norm())


@requires_torch
@pytest.mark.parametrize(
    "indices, error",
    [(np.array([1.0]), RuntimeError), (np.array([5]), IndexError), (np.array([-1]), IndexError)],
)
def test_bad_indices_raise_pytorchs_exception(indices, error):
    for lib in (chainrule, torch):
        with pytest.raises(error):
            lib.nn.functional.embedding(lib.tensor(indices), lib.zeros(3, 2))


def test_padding_idx_outside_the_table_raises_assertion_error():
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=5)


def test_from_pretrained_uses_the_given_table_and_freezes_it_by_default():
    table = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen(chainrule.tensor([1])).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


@requires_torch
def test_embedding_repr_and_state_dict_are_pytorchs():
    for options in ({}, {"padding_idx": 1, "max_norm": 1.0}, {"norm_type": 3.0, "scale_grad_by_freq": True}):
        assert repr(nn.Embedding(3, 2, **options)) == repr(torch.nn.Embedding(3, 2, **options))
    assert list(nn.Embedding(3, 2).state_dict()) == ["weight"]


# --- EmbeddingBag ------------------------------------------------------------------------------

BAG_INDICES = np.array([1, 3, 3, 0, 4, 1, 5, 2])  # repeats within and across bags
BAG_OFFSETS = np.array([0, 3, 3, 6])  # the second bag is empty


@requires_torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize(
    "options, arrays",
    [
        ({}, [BAG_INDICES, BAG_OFFSETS]),
        ({"include_last_offset": True}, [BAG_INDICES, np.array([0, 3, 3, 6, 8])]),
        ({"padding_idx": 3}, [BAG_INDICES, BAG_OFFSETS]),
        ({"padding_idx": -1}, [BAG_INDICES.astype(np.int32), BAG_OFFSETS.astype(np.int32)]),
        ({}, [BAG_INDICES.reshape(2, 4)]),
        ({"padding_idx": 1}, [BAG_INDICES.reshape(4, 2)]),
    ],
    ids=["offsets", "include_last_offset", "padding_idx", "int32", "2d", "2d_padding"],
)
def test_embedding_bag_matches_pytorch_for_values_and_the_weight_gradient(mode, options, arrays):
    check_module(lambda m: m.nn.EmbeddingBag(6, 3, mode=mode, **options), None, arrays=arrays)


@requires_torch
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_per_sample_weights_scale_each_row_and_get_pytorchs_gradient(padding_idx):
    weights = np.random.default_rng(4).uniform(-2, 2, BAG_INDICES.shape).astype(np.float32)

    def call(m, layer, indices, offsets, per_sample_weights):
        return layer(indices, offsets, per_sample_weights=per_sample_weights)

    make = lambda m: m.nn.EmbeddingBag(6, 3, mode="sum", padding_idx=padding_idx)  # noqa: E731
    check_module(make, None, call=call, arrays=[BAG_INDICES, BAG_OFFSETS, weights])
    check_module(
        make,
        None,
        call=lambda m, layer, i, w: layer(i, per_sample_weights=w),
        arrays=[BAG_INDICES.reshape(2, 4), weights.reshape(2, 4)],
    )


@requires_torch
def test_scale_grad_by_freq_divides_each_rows_gradient_by_its_count_as_embedding_does():
    # PyTorch's CPU embedding_bag scales by miscounted frequencies (row 3, picked twice,
    # gets twice its gradient): chainrule follows the documented rule, embedding's
    def bag_sums(m, w):
        looked_up = m.nn.functional.embedding(m.tensor(BAG_INDICES), w, scale_grad_by_freq=True)
        pieces = (looked_up[:3], looked_up[3:3], looked_up[3:6], looked_up[6:])
        return m.stack([piece.sum(0) for piece in pieces])

    def bags(m, w):
        indices, offsets = m.tensor(BAG_INDICES), m.tensor(BAG_OFFSETS)
        return m.nn.functional.embedding_bag(indices, w, offsets, mode="sum", scale_grad_by_freq=True)

    table = np.random.default_rng(2).uniform(-1, 1, (6, 3)).astype(np.float32)
    ours = chainrule.tensor(table, requires_grad=True)
    theirs = torch.tensor(table, requires_grad=True)
    bags(chainrule, ours).sum().backward()
    bag_sums(torch, theirs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradients_match_finite_differences(mode):
    indices, offsets = chainrule.tensor(BAG_INDICES), chainrule.tensor(BAG_OFFSETS)
    check_gradcheck(
        lambda m, w: F.embedding_bag(indices, w, offsets, mode=mode) ** 2,
        [(6, 3)],
        second_order=mode != "max",
    )
    check_gradcheck(
        lambda m, w, s: F.embedding_bag(indices, w, offsets, mode="sum", per_sample_weights=s) ** 2,
        [(6, 3), BAG_INDICES.shape],
        second_order=True,
    )


def test_empty_bags_give_zeros_in_every_mode():
    table = chainrule.randn(6, 3)
    for mode in ("sum", "mean", "max"):
        out = F.embedding_bag(chainrule.tensor(BAG_INDICES), table, chainrule.tensor(BAG_OFFSETS), mode=mode)
        assert out[1].tolist() == [0.0, 0.0, 0.0]


@requires_torch
def test_embedding_bag_repr_init_and_state_dict_are_pytorchs():
    for options in ({}, {"mode": "max", "padding_idx": 1}, {"max_norm": 1.0, "norm_type": 3.0}):
        assert repr(nn.EmbeddingBag(3, 2, **options)) == repr(torch.nn.EmbeddingBag(3, 2, **options))
    assert list(nn.EmbeddingBag(3, 2).state_dict()) == ["weight"]
    chainrule.manual_seed(0)
    bags = nn.EmbeddingBag(1000, 50, padding_idx=7)
    assert bags.weight[7].tolist() == [0.0] * 50
    assert_drawn_from(bags.weight.detach().numpy()[:7], stats.norm())


@requires_torch
def test_embedding_bag_max_norm_renormalises_the_looked_up_rows_like_pytorch():
    theirs = torch.nn.EmbeddingBag(6, 3, max_norm=1.0, mode="sum")
    ours = nn.EmbeddingBag(6, 3, max_norm=1.0, mode="sum")
    with torch.no_grad():
        theirs.weight.mul_(3)
    ours.load_state_dict(theirs.state_dict())
    our_out = ours(chainrule.tensor(BAG_INDICES), chainrule.tensor(BAG_OFFSETS))
    their_out = theirs(torch.tensor(BAG_INDICES), torch.tensor(BAG_OFFSETS))
    np.testing.assert_allclose(our_out.detach().numpy(), their_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5)


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1, 9]), w, m.tensor([0])),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1, 2]), w, m.tensor([1])),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1, 2]), w, m.tensor([0, 3])),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1.0, 2.0]), w, m.tensor([0])),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1, 2]), w, m.tensor([0.0])),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1, 2]), w),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1, 2]), w, m.tensor([[0]])),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([[1, 2]]), w, m.tensor([0])),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([[[1, 2]]]), w),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1, 2]), w[0], m.tensor([0])),
        lambda m, w: m.nn.functional.embedding_bag(m.tensor([1, 2]), w, m.tensor([0]), mode="min"),
        lambda m, w: m.nn.functional.embedding_bag(
            m.tensor([1, 2]), w, m.tensor([0]), mode="max", scale_grad_by_freq=True
        ),
        lambda m, w: m.nn.functional.embedding_bag(
            m.tensor([1, 2]), w, m.tensor([0]), mode="mean", per_sample_weights=m.ones(2)
        ),
        lambda m, w: m.nn.functional.embedding_bag(
            m.tensor([1, 2]), w, m.tensor([0]), mode="sum", per_sample_weights=m.ones(3)
        ),
        lambda m, w: m.nn.EmbeddingBag(3, 2, padding_idx=3),
    ],
)
def test_embedding_bag_bad_arguments_raise_pytorchs_errors(call):
    assert_same_error(lambda m: call(m, m.zeros(5, 2)))
