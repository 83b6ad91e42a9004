"""The ``chainrule`` command: help, train, evaluate, predict, the explain hooks, errors and Ctrl-C."""

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule.cli import build_parser, main
from chainrule.train import Callback

REPO = Path(__file__).resolve().parents[1]
MOONS = ["--dataset", "moons", "--model", "seed-net", "--epochs", "2", "--lr", "0.05", "--quiet"]


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("cli") / "moons"
    assert main(["train", *MOONS, "--out", str(run_dir)]) == 0
    return run_dir


@pytest.mark.parametrize("command", [[], ["train"], ["evaluate"], ["predict"], ["explain"]])
def test_every_command_answers_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: chainrule {' '.join(command)}".rstrip())


def test_train_help_lists_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for option in (
        "--model",
        "--dataset",
        "--epochs",
        "--batch-size",
        "--lr",
        "--optimizer",
        "--loss",
        "--seed",
        "--out",
        "--resume",
        "--diagnose",
        "seed-net",
        "fashion-mnist",
        "csv:PATH",
        "adamw",
        "smoothl1",
    ):
        assert option in out


@pytest.mark.parametrize(
    "arguments",
    [
        ["train", "--clip-grad", "-1"],
        ["train", "--clip-grad", "0"],
        ["train", "--clip-grad", "nan"],
        ["train", "--clip-grad", "inf"],
        ["train", "--lr", "inf"],
        ["train", "--lr", "nan"],
        ["bench", "tiny", "--seconds", "nan"],
        ["bench", "tiny", "--seconds", "-1"],
    ],
    ids=" ".join,
)
def test_a_size_that_is_not_positive_and_finite_is_an_error_naming_the_option(arguments, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(arguments)
    assert exit_.value.code == 2
    option, value = arguments[-2:]
    assert capsys.readouterr().err.endswith(
        f"error: argument {option}: must be a positive finite number, got {value}\n"
    )


def test_the_patience_help_says_the_run_keeps_its_last_epochs_weights(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "the run keeps its last epoch's weights, not the best epoch's" in help_text


def test_python_dash_m_chainrule_runs_the_command():
    result = subprocess.run(
        [sys.executable, "-m", "chainrule", "--help"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0 and "train" in result.stdout and "predict" in result.stdout


def test_train_with_no_options_is_an_mlp_on_the_bundled_digits_in_a_timestamped_folder(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("training mlp on digits (1294 training examples, 144 for validation): 1 epochs")
    assert "epoch 1/1  train loss" in out and "test accuracy: " in out and "on 359 examples" in out
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert run_dir.name.endswith("-mlp-digits")
    assert (
        f"runs/{run_dir.name}/checkpoint.safetensors" in out
        and f"runs/{run_dir.name}/misclassified.png" in out
    )


def test_train_prints_the_test_accuracy_and_every_path_it_wrote(moons_run, capsys):
    assert main(["evaluate", str(moons_run)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("test accuracy: ") and "on 200 examples" in out
    assert str(moons_run / "confusion_matrix.png") in out and str(moons_run / "decision_regions.png") in out
    assert json.loads((moons_run / "config.json").read_text())["config"]["epochs"] == 2


def test_predict_prints_one_class_per_row_of_a_csv_or_npy_file(moons_run, tmp_path, capsys):
    (tmp_path / "points.csv").write_text("x,y\n0.0,1.0\n1.0,-0.5\n")
    np.save(tmp_path / "points.npy", np.array([[0.0, 1.0], [1.0, -0.5]]))
    for name in ("points.csv", "points.npy"):
        assert main(["predict", str(moons_run), str(tmp_path / name)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == "row,class,label,confidence"
        assert [line.split(",")[:3] for line in lines[1:]] == [["1", "0", "0"], ["2", "1", "1"]]


def test_predict_on_a_csv_that_still_has_its_label_column_of_words_says_so(moons_run, tmp_path, capsys):
    (tmp_path / "rows.csv").write_text("x,y,label\n0.5,0.2,red\n1.0,-0.3,blue\n")
    assert main(["predict", str(moons_run), str(tmp_path / "rows.csv")]) == 1
    err = capsys.readouterr().err
    assert "rows.csv, row 2, column 3 ('label'): 'red' is not a number" in err
    assert err.endswith("(does it still have its label column?)\n")


def test_predict_on_digits_takes_rows_of_64_raw_pixels(tmp_path, capsys):
    run_dir = tmp_path / "digits"
    assert main(["train", "--epochs", "3", "--out", str(run_dir), "--quiet"]) == 0
    X, y = chainrule.datasets.load_digits()
    np.savetxt(tmp_path / "digits.csv", X.numpy()[:20], delimiter=",", fmt="%d")
    capsys.readouterr()
    assert main(["predict", str(run_dir), str(tmp_path / "digits.csv")]) == 0
    predicted = [int(line.split(",")[1]) for line in capsys.readouterr().out.splitlines()[1:]]
    assert len(predicted) == 20 and np.mean(np.array(predicted) == y.numpy()[:20]) >= 0.8


def test_a_loss_that_does_not_fit_is_an_error_that_suggests_the_right_one(tmp_path, capsys):
    assert main(["train", "--loss", "bce", "--out", str(tmp_path / "run"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule train: error: loss 'bce' (binary cross-entropy) needs two classes")
    assert "digits has 10 classes: use 'cross-entropy'" in err and not (tmp_path / "run").exists()


def test_bce_trains_a_two_class_dataset(tmp_path, capsys):
    assert main(["train", *MOONS, "--loss", "bce", "--out", str(tmp_path / "run")]) == 0
    assert "test accuracy: " in capsys.readouterr().out


def test_a_ragged_csv_is_an_error_naming_the_row(tmp_path, capsys):
    (tmp_path / "data.csv").write_text("a,b,label\n1,2,0\n3,4\n")
    assert main(["train", "--dataset", f"csv:{tmp_path / 'data.csv'}", "--out", str(tmp_path / "run")]) == 1
    assert "data.csv, row 3: 2 cells, but row 1 has 3" in capsys.readouterr().err


def test_a_csv_with_a_word_among_the_numbers_is_an_error_naming_row_and_column(tmp_path, capsys):
    (tmp_path / "data.csv").write_text("a,b,label\n1,2,0\n3,four,1\n")
    assert main(["train", "--dataset", f"csv:{tmp_path / 'data.csv'}", "--out", str(tmp_path / "run")]) == 1
    assert "data.csv, row 3, column 2 ('b'): 'four' is not a number" in capsys.readouterr().err


def test_a_missing_dataset_is_an_error_naming_the_files_and_where_they_were_looked_for(tmp_path, capsys):
    args = [
        "train",
        "--dataset",
        "fashion-mnist",
        "--data-root",
        str(tmp_path / "data"),
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "FashionMNIST files (train-images-idx3-ubyte.gz" in err and str(tmp_path / "data") in err


def test_a_dataset_not_found_is_an_error_that_names_the_data_root_option(tmp_path, capsys):
    assert main(["train", "--dataset", "mnist", "--quiet", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule train: error: MNIST files (train-images-idx3-ubyte.gz")
    assert err.endswith(
        "not found (no --data-root given); pass --data-root DIR, the folder that holds them\n"
    )


def test_a_corrupt_dataset_file_is_an_error_naming_the_file(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for name in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        (data / f"{name}.gz").write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 9, 1, 2])))
    assert main(["train", "--dataset", "mnist", "--data-root", str(data), "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte.gz is truncated: the header says shape (9,)" in err


def test_an_unwritable_output_folder_is_an_error_before_training(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["train", *MOONS, "--out", str(tmp_path / "file" / "run")]) == 1
    assert "cannot write in the output folder" in capsys.readouterr().err


def test_a_disk_that_fills_up_during_training_keeps_the_last_checkpoint_and_says_how_to_resume(
    tmp_path, monkeypatch, capsys, fill_disk
):
    real_save = chainrule.serialization.save

    def fills_up_after_the_first(obj, f):
        real_save(obj, f)
        fill_disk()

    monkeypatch.setattr(chainrule.serialization, "save", fills_up_after_the_first)
    assert main(["train", *MOONS, "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule train: error: could not write the checkpoint after epoch 2 to ")
    assert "No space left on device; the previous checkpoint (epoch 1) is intact" in err
    assert f"once there is room: chainrule train --resume {tmp_path / 'run'}" in err
    assert chainrule.load(tmp_path / "run" / "checkpoint.safetensors")["epoch"] == 1


def test_a_checkpoint_that_cannot_be_written_for_another_reason_is_named_without_disk_advice(
    tmp_path, monkeypatch, capsys
):
    def refuses(obj, f):  # what chainrule.save raises for a directory where the file should go
        raise IsADirectoryError(f"chainrule.save: {f} is a directory; give a file name")

    monkeypatch.setattr(chainrule.serialization, "save", refuses)
    assert main(["train", *MOONS, "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule train: error: could not write the checkpoint after epoch 1 to ")
    assert "checkpoint.safetensors is a directory" in err and "[Errno" not in err
    assert "once there is room" not in err


def test_resume_keeps_the_runs_settings_and_folder(moons_run, capsys):
    assert main(["train", "--resume", str(moons_run), "--lr", "0.5"]) == 1
    assert "was trained with lr=0.05" in capsys.readouterr().err
    assert main(["train", "--resume", str(moons_run), "--out", "elsewhere"]) == 1
    assert "leave out --out" in capsys.readouterr().err


def test_resuming_a_finished_run_scores_it_again(moons_run, capsys):
    before = json.loads((moons_run / "results.json").read_text())
    assert main(["train", "--resume", str(moons_run), "--quiet"]) == 0
    assert json.loads((moons_run / "results.json").read_text())["test_accuracy"] == before["test_accuracy"]
    assert f"{before['test_accuracy']:.2%}" in capsys.readouterr().out


def test_resuming_a_run_that_stopped_early_scores_it_again_and_trains_no_further(tmp_path, capsys):
    run_dir = tmp_path / "early"
    options = ["--dataset", "moons", "--model", "seed-net", "--optimizer", "sgd", "--lr", "0.5"]
    assert (
        main(["train", *options, "--epochs", "40", "--patience", "1", "--quiet", "--out", str(run_dir)]) == 0
    )
    before = {name: (run_dir / name).read_bytes() for name in ("checkpoint.safetensors", "metrics.json")}
    results = json.loads((run_dir / "results.json").read_text())
    assert results["epochs"] < 40 and results["stop_reason"].startswith("early stopping")
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert f"{run_dir} already finished after epoch {results['epochs']}; scoring it again" in out
    assert (
        f"stopped early: {results['stop_reason']}" in out and "epoch " + str(results["epochs"] + 1) not in out
    )
    assert {name: (run_dir / name).read_bytes() for name in before} == before
    assert json.loads((run_dir / "results.json").read_text()) == results


def test_the_explain_command_is_added_by_chainrule_explain_cli(monkeypatch):
    def register(subparsers):
        subparsers.add_parser("explain", help="show forward and backward propagation").set_defaults(
            handler=None
        )

    fake = types.ModuleType("chainrule.explain.cli")
    fake.register = register
    monkeypatch.setitem(sys.modules, "chainrule.explain.cli", fake)
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    assert "explain" in subparsers.choices


def test_diagnose_adds_the_diagnostics_callback_writing_into_the_run_folder(tmp_path, monkeypatch):
    calls = []

    class DiagnosticsCallback(Callback):
        def __init__(self, out_dir):
            calls.append(("init", Path(out_dir)))

        def on_epoch_end(self, state):
            calls.append(("epoch_end", state.epoch))

    fake = types.ModuleType("chainrule.explain.diagnostics")
    fake.DiagnosticsCallback = DiagnosticsCallback
    monkeypatch.setitem(sys.modules, "chainrule.explain.diagnostics", fake)
    assert main(["train", *MOONS, "--diagnose", "--out", str(tmp_path / "run")]) == 0
    assert calls == [("init", tmp_path / "run"), ("epoch_end", 0), ("epoch_end", 1)]
    calls.clear()
    assert main(["train", "--resume", str(tmp_path / "run"), "--quiet"]) == 0
    assert calls == [("init", tmp_path / "run")]  # diagnosed as it was; nothing left to train


def test_ctrl_c_saves_a_checkpoint_and_exits_cleanly_with_how_to_resume(tmp_path):
    run_dir = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "chainrule",
        "train",
        "--dataset",
        "moons",
        "--model",
        "seed-net",
        "--epochs",
        "100000",
        "--out",
        str(run_dir),
        "--quiet",
    ]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    checkpoint = run_dir / "checkpoint.safetensors"
    deadline = time.monotonic() + 300
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert checkpoint.exists(), process.communicate()
    os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted: checkpoint saved (step " in err and f"chainrule train --resume {run_dir}" in err
    assert "Traceback" not in err
    saved = chainrule.load(checkpoint)
    assert saved["step"] >= 23 and saved["epoch"] >= 1 and len(saved["history"]) == saved["epoch"]


@pytest.mark.parametrize(
    "checkpoint, message",
    [
        ({"weights": [1.0]}, "holds no model weights"),
        ({"model": {"0.weight": chainrule.ones(1, 1)}}, "does not fit the model its config.json describes"),
    ],
    ids=["no model entry", "wrong shapes"],
)
def test_evaluate_on_a_checkpoint_that_does_not_fit_is_a_one_line_error(
    moons_run, tmp_path, capsys, checkpoint, message
):
    run = tmp_path / "run"
    shutil.copytree(moons_run, run)
    chainrule.save(checkpoint, run / "checkpoint.safetensors")
    assert main(["evaluate", str(run)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule evaluate: error: ") and message in err and "Traceback" not in err


def test_resume_from_a_checkpoint_of_another_model_is_a_one_line_error(moons_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(moons_run, run)
    checkpoint = chainrule.load(run / "checkpoint.safetensors")
    checkpoint["model"] = {name: value[..., :1] for name, value in checkpoint["model"].items()}
    chainrule.save(checkpoint, run / "checkpoint.safetensors")
    assert main(["train", "--resume", str(run)]) == 1
    assert "does not fit this run's model and optimizer" in capsys.readouterr().err


def test_a_csv_label_that_is_not_finite_is_named(tmp_path, capsys):
    table = tmp_path / "table.csv"
    table.write_text("a,b,label\n1,2,inf\n3,4,1\n5,6,0\n7,8,1\n")
    assert main(["train", "--dataset", f"csv:{table}", "--out", str(tmp_path / "run")]) == 1
    assert "label 'inf' in data row 1 is not a finite number" in capsys.readouterr().err


def test_predict_on_an_empty_or_npz_input_is_a_one_line_error(moons_run, tmp_path, capsys):
    empty, archive = tmp_path / "empty.npy", tmp_path / "archive.npy"
    empty.write_bytes(b"")
    with open(archive, "wb") as file:
        np.savez(file, x=np.ones((3, 2), np.float32))
    assert main(["predict", str(moons_run), str(empty)]) == 1
    assert "empty.npy is not a readable .npy array" in capsys.readouterr().err
    assert main(["predict", str(moons_run), str(archive)]) == 1
    assert "archive.npy is an .npz archive" in capsys.readouterr().err
    np.save(tmp_path / "nan.npy", np.array([[0.5, np.nan]], np.float32))
    assert main(["predict", str(moons_run), str(tmp_path / "nan.npy")]) == 1
    assert "nan.npy holds nan or infinite values" in capsys.readouterr().err
