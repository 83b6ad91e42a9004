"""CTC loss (F.ctc_loss, nn.CTCLoss) against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule

from module_oracle import check_module
from oracle import assert_same_error, check_gradcheck, check_torch, raises_like_torch, requires_torch

rng = np.random.default_rng(0)
LOGITS = rng.normal(size=(7, 3, 5)).astype(np.float32)  # (T, N, C)
PADDED = np.array([[1, 2, 2], [3, 3, 1], [4, 1, 4]])  # no label is the blank 0
INPUT_LENGTHS = [7, 5, 6]
TARGET_LENGTHS = [3, 2, 0]
CONCATENATED = np.array([1, 2, 2, 3, 3])


def _log_softmax(x):
    shifted = x - x.max(-1, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))).astype(x.dtype)


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("targets", [PADDED, CONCATENATED], ids=["padded", "concatenated"])
def test_ctc_loss_of_log_softmax_gives_pytorchs_values_and_logit_gradients(reduction, targets):
    check_torch(
        lambda m, x, t: m.nn.functional.ctc_loss(
            x.log_softmax(2), t, INPUT_LENGTHS, TARGET_LENGTHS, reduction=reduction
        ),
        None,
        arrays=[LOGITS, targets],
        requires_grad=[True, False],
    )


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_gradient_of_log_probs_follows_pytorchs_convention(reduction):
    # PyTorch's gradient of a log_probs leaf is exp(log_probs) - occupancy, not -occupancy
    check_torch(
        lambda m, lp, t, il, tl: m.nn.functional.ctc_loss(lp, t, il, tl, reduction=reduction),
        None,
        arrays=[_log_softmax(LOGITS), PADDED, np.array(INPUT_LENGTHS), np.array(TARGET_LENGTHS)],
        requires_grad=[True, False, False, False],
    )


@requires_torch
def test_blank_other_than_zero_and_repeated_labels_give_pytorchs_result():
    targets = np.array([[0, 0, 1], [2, 1, 1], [3, 3, 3]])  # blank 4; repeats need a blank between
    check_torch(
        lambda m, x, t: m.nn.functional.ctc_loss(x.log_softmax(2), t, [7, 6, 7], [3, 3, 3], blank=4),
        None,
        arrays=[LOGITS, targets],
        requires_grad=[True, False],
    )


@requires_torch
def test_unbatched_input_gives_pytorchs_result():
    check_torch(
        lambda m, x, t: m.nn.functional.ctc_loss(
            x.log_softmax(1), t, m.tensor(6), m.tensor(2), reduction="none"
        ),
        None,
        arrays=[LOGITS[:, 0], np.array([3, 1])],
        requires_grad=[True, False],
    )


@requires_torch
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_impossible_alignments_give_pytorchs_infinity_or_zero(zero_infinity):
    # sample 1 has 2 frames for 2 labels and one blank between the repeated 3s: no alignment
    check_torch(
        lambda m, x, t: m.nn.functional.ctc_loss(
            x.log_softmax(2), t, [7, 2, 6], [3, 2, 0], reduction="none", zero_infinity=zero_infinity
        ),
        None,
        arrays=[LOGITS, PADDED],
        requires_grad=[True, False],
    )


@requires_torch
def test_empty_inputs_and_targets_give_pytorchs_result():
    check_torch(
        lambda m, x, t: m.nn.functional.ctc_loss(x.log_softmax(2), t, [0, 0, 6], [0, 1, 0], reduction="none"),
        None,
        arrays=[LOGITS, PADDED],
        requires_grad=[True, False],
    )


@requires_torch
def test_float64_stays_float64():
    check_torch(
        lambda m, x, t: m.nn.functional.ctc_loss(x.log_softmax(2), t, INPUT_LENGTHS, TARGET_LENGTHS),
        None,
        dtype=np.float64,
        arrays=[LOGITS.astype(np.float64), PADDED],
        requires_grad=[True, False],
    )


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_ctc_loss_matches_finite_differences(reduction):
    check_gradcheck(
        lambda m, x, t: m.nn.functional.ctc_loss(
            x.log_softmax(2), t, [7, 5, 6], [3, 2, 1], reduction=reduction
        ),
        None,
        arrays=[LOGITS.astype(np.float64), PADDED],
        requires_grad=[True, False],
    )


@requires_torch
def test_ctc_loss_is_once_differentiable_like_pytorch():
    def scenario(m):
        x = m.tensor(LOGITS, requires_grad=True)
        loss = m.nn.functional.ctc_loss(x.log_softmax(2), m.tensor(PADDED), INPUT_LENGTHS, TARGET_LENGTHS)
        (grad,) = m.autograd.grad(loss, x, create_graph=True)
        grad.sum().backward()

    raises_like_torch(scenario)


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_ctc_loss_layer_matches_pytorch(reduction):
    check_module(
        lambda m: m.nn.CTCLoss(blank=0, reduction=reduction, zero_infinity=True),
        None,
        arrays=[LOGITS, PADDED],
        requires_grad=[True, False],
        call=lambda m, layer, x, t: layer(x.log_softmax(2), t, [7, 2, 6], [3, 2, 0]),
    )


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, [8, 5, 6], TARGET_LENGTHS),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, [-1, 5, 6], TARGET_LENGTHS),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, INPUT_LENGTHS, [3, -1, 0]),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, INPUT_LENGTHS, [4, 1, 0]),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t[0], INPUT_LENGTHS, [3, 2, 0]),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, [7, 5], TARGET_LENGTHS),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, INPUT_LENGTHS, TARGET_LENGTHS, blank=5),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, INPUT_LENGTHS, TARGET_LENGTHS, blank=-1),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, INPUT_LENGTHS, TARGET_LENGTHS, reduction="avg"),
        lambda m, x, t: m.nn.functional.ctc_loss(x.long(), t, INPUT_LENGTHS, TARGET_LENGTHS),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, m.tensor([7.0, 5, 6]), m.tensor(TARGET_LENGTHS)),
        lambda m, x, t: m.nn.functional.ctc_loss(x, t, m.tensor(INPUT_LENGTHS), TARGET_LENGTHS),
        lambda m, x, t: m.nn.functional.ctc_loss(x[:, 0], t[0], 7, 3),
        lambda m, x, t: m.nn.functional.ctc_loss(x[:0], t, [0, 0, 0], [0, 0, 0]),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(scenario):
    assert_same_error(lambda m: scenario(m, m.tensor(_log_softmax(LOGITS)), m.tensor(PADDED)))


def test_labels_outside_the_classes_raise_instead_of_reading_out_of_bounds():
    # PyTorch reads past the class axis here; chainrule refuses
    with pytest.raises(RuntimeError, match="target labels must be in"):
        chainrule.nn.functional.ctc_loss(
            chainrule.tensor(_log_softmax(LOGITS)),
            chainrule.tensor(PADDED + 3),
            INPUT_LENGTHS,
            TARGET_LENGTHS,
        )
