"""Anomaly mode: the first NaN/Inf made in backward raises an error that names
the op and the line of the user's forward code that created it."""

import inspect
import warnings

import numpy as np
import pytest

import chainrule

from oracle import requires_torch, torch


def next_line():
    """The line number after the caller's current line."""
    return inspect.currentframe().f_back.f_lineno + 1


def test_a_nan_in_backward_names_the_op_and_the_forward_line():
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    with chainrule.autograd.detect_anomaly():
        line = next_line()
        root = x.sqrt()
        loss = (root * 0).sum()
        with pytest.raises(RuntimeError) as error:
            loss.backward()
    message = str(error.value)
    assert "Function 'SqrtBackward0' returned nan values in its 0th output" in message
    assert f"{__file__}, line {line}" in message
    assert "root = x.sqrt()" in message


@requires_torch
def test_pytorch_raises_the_same_error_for_the_same_nan():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that anomaly mode is slow
        with torch.autograd.detect_anomaly():
            loss = (x.sqrt() * 0).sum()
            with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values"):
                loss.backward()


def test_an_infinity_in_backward_raises_too():
    # PyTorch checks for NaN only; chainrule's API promises NaN and Inf.
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    with chainrule.autograd.detect_anomaly():
        line = next_line()
        loss = x.log().sum()
        with pytest.raises(RuntimeError, match="'LogBackward0' returned inf values") as error:
            loss.backward()
    assert f"line {line}" in str(error.value)


def test_the_error_points_at_the_user_line_that_called_a_library_function():
    x = chainrule.tensor([[0.0, 1.0]], requires_grad=True)
    with chainrule.autograd.detect_anomaly():
        line = next_line()
        hidden = chainrule.nn.functional.linear(x.sqrt(), chainrule.zeros(2, 2))
        with pytest.raises(RuntimeError, match="SqrtBackward0") as error:
            hidden.sum().backward()
    assert f"{__file__}, line {line}" in str(error.value)


def test_an_in_place_error_in_anomaly_mode_names_the_forward_line_too():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with chainrule.autograd.detect_anomaly():
        hidden = x * 1
        line = next_line()
        y = hidden.sin()
        hidden.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as error:
            y.sum().backward()
    assert f"{__file__}, line {line}" in str(error.value)


def test_set_detect_anomaly_works_as_a_call_and_as_a_context_manager():
    chainrule.autograd.set_detect_anomaly(True)
    try:
        assert chainrule.autograd.is_anomaly_enabled()
        x = chainrule.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            (x.sqrt() * 0).sum().backward()
    finally:
        chainrule.autograd.set_detect_anomaly(False)
    assert not chainrule.autograd.is_anomaly_enabled()
    with chainrule.autograd.set_detect_anomaly(True):
        assert chainrule.autograd.is_anomaly_enabled()
    assert not chainrule.autograd.is_anomaly_enabled()


def test_detect_anomaly_decorates_a_function():
    @chainrule.autograd.detect_anomaly()
    def step(x):
        (x.sqrt() * 0).sum().backward()

    with pytest.raises(RuntimeError, match="SqrtBackward0"):
        step(chainrule.tensor([0.0], requires_grad=True))
    assert not chainrule.autograd.is_anomaly_enabled()


def test_without_anomaly_mode_a_nan_gradient_passes_silently_like_pytorch():
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_check_nan_false_records_where_nodes_came_from_without_raising():
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    with chainrule.autograd.detect_anomaly(check_nan=False):
        assert not chainrule.autograd.is_anomaly_check_nan_enabled()
        (x.sqrt() * 0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_finite_gradients_pass_through_anomaly_mode_unchanged():
    x = chainrule.tensor([1.0, 4.0], requires_grad=True)
    with chainrule.autograd.detect_anomaly():
        x.sqrt().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.25])


def test_detect_anomaly_warns_that_it_is_for_debugging_as_pytorch():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        anomaly = chainrule.autograd.detect_anomaly()
    with anomaly:
        assert chainrule.autograd.is_anomaly_enabled()
