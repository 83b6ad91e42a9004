"""Losses by name and the check that a loss fits the model's output."""

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.train.losses import OneHotTargets, check_loss_inputs, make_loss, model_outputs


def test_each_name_gives_its_pytorch_loss_for_classes():
    assert isinstance(make_loss("cross-entropy", 10), nn.CrossEntropyLoss)
    assert isinstance(make_loss("bce", 2).loss, nn.BCEWithLogitsLoss)
    for name, cls in [
        ("mse", nn.MSELoss),
        ("l1", nn.L1Loss),
        ("smoothl1", nn.SmoothL1Loss),
        ("huber", nn.HuberLoss),
    ]:
        loss = make_loss(name, 3)
        assert isinstance(loss, OneHotTargets) and isinstance(loss.loss, cls)
        assert type(make_loss(name, None)) is cls  # regression: the loss itself


def test_bce_needs_one_output_and_the_others_one_per_class():
    assert model_outputs("bce", 2) == 1 and model_outputs("cross-entropy", 2) == 2
    assert model_outputs("mse", 7) == 7 and model_outputs("mse", None) == 1


def test_bce_on_ten_classes_is_refused_with_the_right_loss_suggested():
    with pytest.raises(ValueError, match=r"loss 'bce' .* but digits has 10 classes: use 'cross-entropy'"):
        make_loss("bce", 10, "digits")


def test_class_losses_on_real_valued_targets_are_refused_with_the_regression_losses_suggested():
    for name in ("cross-entropy", "bce"):
        with pytest.raises(ValueError, match=r"needs class labels, but prices.csv has real-valued targets"):
            make_loss(name, None, "prices.csv")


def test_an_unknown_loss_lists_the_choices():
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; choose one of cross-entropy, bce, mse"):
        make_loss("hinge", 2)


def test_one_hot_targets_compare_outputs_with_one_hot_rows():
    output = chainrule.tensor([[0.5, 0.2, 0.1], [0.0, 1.0, 0.0]])
    loss = make_loss("mse", 3)(output, chainrule.tensor([0, 1]))
    expected = ((output.numpy() - np.eye(3)[[0, 1]]) ** 2).mean()
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_binary_targets_become_a_float_column_for_bce():
    output = chainrule.tensor([[2.0], [-1.0]])
    loss = make_loss("bce", 2)(output, chainrule.tensor([1, 0]))
    expected = nn.BCEWithLogitsLoss()(output, chainrule.tensor([[1.0], [0.0]]))
    assert float(loss) == pytest.approx(float(expected), rel=1e-6)


def test_mse_that_would_broadcast_n_by_1_against_n_is_refused():
    with pytest.raises(
        ValueError, match=r"MSELoss .* output has shape \(4, 1\) and the target \(4,\): make the two"
    ):
        check_loss_inputs(nn.MSELoss(), chainrule.zeros(4, 1), chainrule.zeros(4))


def test_cross_entropy_on_one_output_suggests_bce():
    with pytest.raises(ValueError, match=r"CrossEntropyLoss takes \(N, C\) logits .* use BCEWithLogitsLoss"):
        check_loss_inputs(
            nn.CrossEntropyLoss(), chainrule.zeros(4, 1).squeeze(1), chainrule.tensor([0, 1, 0, 1])
        )


def test_cross_entropy_with_a_class_beyond_the_outputs_names_it():
    with pytest.raises(
        ValueError, match=r"a target is class 9, but the model has 3 outputs \(classes 0..2\)"
    ):
        check_loss_inputs(nn.CrossEntropyLoss(), chainrule.zeros(2, 3), chainrule.tensor([0, 9]))


def test_fitting_losses_pass_the_check():
    assert check_loss_inputs(nn.CrossEntropyLoss(), chainrule.zeros(2, 3), chainrule.tensor([0, 2])) is None
    assert check_loss_inputs(nn.MSELoss(), chainrule.zeros(2, 1), chainrule.zeros(2, 1)) is None
    assert check_loss_inputs(make_loss("bce", 2), chainrule.zeros(2, 1), chainrule.tensor([0, 1])) is None
