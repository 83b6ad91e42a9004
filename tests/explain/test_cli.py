"""``chainrule explain`` on the command line (through chainrule.cli and on its own)."""

import numpy as np
import pytest
from matplotlib import image

from chainrule import cli
from chainrule.explain import cli as explain_cli


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_chainrule_explain_prints_the_walkthrough_with_its_loss(capsys):
    assert cli.main(["explain"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Forward and backward propagation, in numbers")
    X = np.array([[1.8, 0.1], [1.9, -1.7]])  # seed 4, printed in section 1
    W1, b1 = np.array([[0.2, -0.2], [0.6, -0.7]]), np.array([[0.4], [0.1]])
    W2, b2 = np.array([[0.8, 0.1]]), np.array([[-0.1]])
    y = sigmoid(W2 @ sigmoid(W1 @ X + b1) + b2)
    loss = np.mean(0.5 * (y - np.array([[1.0, 0.0]])) ** 2)
    assert "X = [[1.8   0.1]" in out
    assert f"= {loss:.4g}\n" in out
    assert "11 of 11 checks against chainrule's autograd and optimizer passed." in out


def test_the_options_choose_language_format_activation_loss_and_optimizer(capsys):
    status = cli.main(
        [
            "explain",
            "--lang",
            "zh",
            "--format",
            "markdown",
            "--activation",
            "tanh",
            "--loss",
            "Smooth-L1",
            "--optimizer",
            "rmsprop",
            "--steps",
            "2",
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert out.startswith("# 前向传播与反向传播")
    assert "## 5. 更新参数:RMSprop" in out and "### 第 2 步" in out
    assert "Smooth L1(β = 1)" in out and "tanh" in out


def test_html_goes_to_a_file_whose_path_is_printed(tmp_path, capsys):
    target = tmp_path / "walk.html"
    assert cli.main(["explain", "--format", "html", "-o", str(target)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {target}"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("topic", ["losses", "activations"])
def test_the_plots_are_written_as_png_and_their_path_printed(topic, tmp_path, capsys):
    target = tmp_path / f"{topic}.png"
    assert explain_cli.main([topic, "-o", str(target)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {target}"
    pixels = image.imread(target)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 800


def test_an_unknown_loss_is_an_argument_error_naming_the_choices(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["explain", "--loss", "hinge"])
    assert stop.value.code == 2
    assert "choose one of: l1, l2, smooth_l1, cross_entropy" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option, value, problem",
    [
        ("--lr", "inf", "must be a positive finite number"),
        ("--lr", "-1", "must be a positive finite number"),
        ("--seed", "-5", "must be 0 or more"),
        ("--steps", "0", "must be at least 1"),
    ],
)
def test_a_number_out_of_range_is_an_argument_error_naming_the_option(option, value, problem, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["explain", option, value])
    assert stop.value.code == 2
    assert f"error: argument {option}: {problem}, got {value}" in capsys.readouterr().err


def test_explain_has_help_with_examples(capsys):
    with pytest.raises(SystemExit):
        cli.main(["explain", "--help"])
    out = capsys.readouterr().out
    assert "chainrule explain losses" in out and "--lang" in out and "--optimizer" in out


def test_through_time_prints_each_cells_gradient_by_step_and_writes_the_plot_when_asked(tmp_path, capsys):
    target = tmp_path / "bptt.png"
    assert cli.main(["explain", "through-time", "--length", "12", "--hidden", "6", "-o", str(target)]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line[:5].strip().isdigit()]
    assert [int(row[0]) for row in rows] == list(range(12)) and all(len(row) == 5 for row in rows)
    for name in ("RNN", "LSTM", "LSTM f-bias 3", "GRU"):
        assert f"\n{name}: |dL/dh| at the step processed first is" in out
    assert out.strip().endswith(f"wrote {target}")
    assert image.imread(target).shape[1] > 600
    assert cli.main(["explain", "through-time", "--length", "5"]) == 0
    assert "wrote" not in capsys.readouterr().out
