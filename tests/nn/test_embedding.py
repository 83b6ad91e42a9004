"""Embedding against PyTorch: lookup, gradients, padding_idx, max_norm, init."""

import numpy as np
import pytest
from scipy import stats

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import assert_drawn_from, check_module
from oracle import check_gradcheck, requires_torch, torch

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
    ours.load_state_dict(theirs.state_dict())
    our_out, their_out = ours(chainrule.tensor(INDICES)), theirs(torch.tensor(INDICES))
    np.testing.assert_allclose(our_out.detach().numpy(), their_out.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-5)
    assert np.abs(np.linalg.norm(ours.weight.detach().numpy()[[0, 1, 3, 4]], axis=1) - 1).max() < 1e-5


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
