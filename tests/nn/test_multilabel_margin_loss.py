"""Multi-label hinge loss (F.multilabel_margin_loss, nn.MultiLabelMarginLoss) against
PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import assert_same_error, check, check_torch, requires_torch, same_as_torch, torch

rng = np.random.default_rng(0)
SCORES = rng.uniform(-1, 1, (4, 5)).astype(np.float32)
# labels end at the first -1; a repeated label counts twice; a row may list every class or none
LABELS = np.array([[3, 0, -1, 1, 2], [2, 2, 4, -1, -1], [0, 1, 2, 3, 4], [-1, 3, 3, 3, 3]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss_matches_pytorch_and_finite_differences(reduction):
    check(
        lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, reduction=reduction),
        None,
        arrays=[SCORES, LABELS],
        requires_grad=[True, False],
    )


@requires_torch
@pytest.mark.parametrize(
    "scores, labels",
    [
        (np.array([0.3, -0.2, 0.9], np.float32), np.array([2, -1, 0])),
        (np.array(0.4, np.float32), np.array(0)),
        (np.array(0.4, np.float32), np.array(-1)),
    ],
    ids=["vector", "scalar", "scalar-no-label"],
)
def test_unbatched_inputs_give_pytorchs_result(scores, labels):
    check_torch(
        lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, reduction="none"),
        None,
        arrays=[scores, labels],
        requires_grad=[True, False],
    )


@requires_torch
def test_a_score_exactly_at_the_margin_gets_no_gradient():
    check_torch(
        lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t, reduction="sum"),
        None,
        arrays=[np.array([[1.0, 0.0, 2.0], [0.5, 0.5, 0.5]], np.float32), np.array([[2, -1, 0], [0, -1, 1]])],
        requires_grad=[True, False],
    )


@requires_torch
def test_float64_stays_float64():
    check_torch(
        lambda m, x, t: m.nn.functional.multilabel_margin_loss(x, t),
        None,
        dtype=np.float64,
        arrays=[SCORES.astype(np.float64), LABELS],
        requires_grad=[True, False],
    )


@requires_torch
def test_an_empty_batch_gives_no_loss_per_sample_like_pytorch():
    same_as_torch(
        lambda m: m.nn.functional.multilabel_margin_loss(
            m.zeros(0, 3), m.zeros(0, 3, dtype=m.int64), reduction="none"
        )
    )


def test_mean_over_an_empty_batch_is_zero():
    # PyTorch returns uninitialised memory here; chainrule returns the sum of no losses
    loss = F.multilabel_margin_loss(chainrule.zeros(0, 3), chainrule.zeros(0, 3, dtype=chainrule.int64))
    assert loss.shape == () and loss.item() == 0


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss_layer_matches_pytorch(reduction):
    check_module(
        lambda m: m.nn.MultiLabelMarginLoss(reduction=reduction),
        None,
        arrays=[SCORES, LABELS],
        requires_grad=[True, False],
    )


@requires_torch
def test_deprecated_size_average_gives_pytorchs_reduction():
    with pytest.warns(UserWarning):
        ours = F.multilabel_margin_loss(
            chainrule.tensor(SCORES), chainrule.tensor(LABELS), size_average=False
        )
    with pytest.warns(UserWarning):
        theirs = torch.nn.functional.multilabel_margin_loss(
            torch.tensor(SCORES), torch.tensor(LABELS), size_average=False
        )
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3), m.ones(2, 2, dtype=m.int64)),
        lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3), m.ones(2, 3, dtype=m.int32)),
        lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3), m.tensor([[0, 3, 1], [0, 1, 2]])),
        lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3), m.tensor([[0, -1, -2], [0, 1, 2]])),
        lambda m: m.nn.functional.multilabel_margin_loss(
            m.ones(2, 3, dtype=m.int64), m.ones(2, 3, dtype=m.int64)
        ),
        lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2, 3, 4), m.ones(2, 3, 4, dtype=m.int64)),
        lambda m: m.nn.functional.multilabel_margin_loss(m.ones(2), m.ones(1, 2, dtype=m.int64)),
        lambda m: m.nn.functional.multilabel_margin_loss(
            m.ones(2, 3), m.zeros(2, 3, dtype=m.int64), reduction="x"
        ),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)
