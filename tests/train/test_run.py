"""Runs in folders: what ``chainrule train``, ``evaluate`` and ``predict`` do."""

import errno
import json
import os
import shutil

import numpy as np
import pytest

import chainrule
from chainrule.train import Callback
from chainrule.train.run import (
    RunConfig,
    RunInterrupted,
    TrainingDiverged,
    default_run_dir,
    evaluate_run,
    predict_run,
    resume_run,
    train_run,
)

MOONS = RunConfig(model="seed-net", dataset="moons", epochs=3, lr=0.05, seed=1)


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "moons"
    return train_run(MOONS, run_dir, progress=False)


def test_a_run_writes_checkpoint_metrics_config_results_and_plots(moons_run):
    names = {path.name for path in moons_run.files}
    assert names == {
        "config.json",
        "checkpoint.safetensors",
        "metrics.csv",
        "metrics.json",
        "curves.png",
        "confusion_matrix.png",
        "decision_regions.png",
        "results.json",
    }
    assert all(path.is_file() for path in moons_run.files)
    config = json.loads((moons_run.run_dir / "config.json").read_text())
    assert config["config"]["model"] == "seed-net" and config["config"]["epochs"] == 3
    assert config["data"]["input_shape"] == [2] and config["data"]["classes"] == ["0", "1"]
    results = json.loads((moons_run.run_dir / "results.json").read_text())
    assert results["test_accuracy"] == moons_run.test["accuracy"] > 0.8 and results["test_count"] == 200


def test_every_file_of_a_run_gets_the_mode_a_new_file_gets_from_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        result = train_run(
            RunConfig(model="seed-net", dataset="moons", epochs=1), tmp_path / "run", progress=False
        )
    finally:
        os.umask(previous)
    modes = {path.name: oct(path.stat().st_mode & 0o777) for path in result.files}
    assert modes == dict.fromkeys(modes, oct(0o640))


def test_the_checkpoint_holds_model_optimizer_scheduler_position_rng_and_metrics(moons_run):
    checkpoint = chainrule.load(moons_run.run_dir / "checkpoint.safetensors")
    assert {"model", "optimizer", "scheduler", "epoch", "step", "rng", "history"} <= set(checkpoint)
    assert checkpoint["epoch"] == 3 and len(checkpoint["history"]) == 3
    assert set(checkpoint["rng"]) == {"epoch_start", "now", "loader_epoch_start"}


def score(result):
    return {key: result.test[key] for key in ("loss", "accuracy", "count")}


def test_evaluate_scores_the_checkpoint_exactly_as_the_run_did(moons_run):
    assert score(evaluate_run(moons_run.run_dir)) == score(moons_run)


def test_predict_classifies_csv_rows_and_npy_arrays(moons_run, tmp_path):
    points = np.array([[0.0, 1.0], [1.0, -0.5], [2.0, 0.2]], dtype=np.float32)
    np.savetxt(tmp_path / "points.csv", points, delimiter=",")
    np.save(tmp_path / "points.npy", points)
    from_csv = predict_run(moons_run.run_dir, tmp_path / "points.csv")
    from_npy = predict_run(moons_run.run_dir, tmp_path / "points.npy")
    assert from_csv[0].tolist() == from_npy[0].tolist() == [0, 1, 1]
    assert from_csv[2] == ["0", "1", "1"] and all(0.5 <= p <= 1 for p in from_csv[1].tolist())


def test_a_resumed_run_ends_as_the_uninterrupted_run(moons_run, tmp_path):
    class CtrlCInEpoch2(Callback):
        def on_step_end(self, state):
            if state.epoch == 1 and state.batch_index == 4:
                raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as stop:
        train_run(MOONS, tmp_path / "run", callbacks=[CtrlCInEpoch2()], progress=False)
    assert stop.value.checkpoint == "step 28 (epoch 2, batch 5)"
    resumed = resume_run(tmp_path / "run", progress=False)
    assert [{k: v for k, v in m.items() if k != "seconds"} for m in resumed.history] == [
        {k: v for k, v in m.items() if k != "seconds"} for m in moons_run.history
    ]
    assert score(resumed) == score(moons_run)
    original = chainrule.load(moons_run.run_dir / "checkpoint.safetensors")["model"]
    again = chainrule.load(tmp_path / "run" / "checkpoint.safetensors")["model"]
    for name in original:
        np.testing.assert_array_equal(again[name].numpy(), original[name].numpy())


def test_a_resumed_run_keeps_its_settings(moons_run, tmp_path):
    shutil.copytree(moons_run.run_dir, tmp_path / "copy")
    with pytest.raises(ValueError, match=r"was trained with lr=0.05; a resumed run continues with its own"):
        resume_run(tmp_path / "copy", {"lr": 0.1})


def test_a_nan_loss_stops_the_run_naming_epoch_and_step_and_keeps_the_last_good_checkpoint(tmp_path):
    class Poison(Callback):  # ruins a weight after epoch 1, step 3: the next loss is NaN
        def on_step_end(self, state):
            if state.epoch == 1 and state.batch_index == 2:
                with chainrule.no_grad():
                    next(state.model.parameters()).fill_(float("nan"))

    with pytest.raises(TrainingDiverged) as error:
        train_run(MOONS, tmp_path / "run", callbacks=[Poison()], progress=False)
    assert str(error.value).startswith("the loss became nan in epoch 2, step 4 of 23 (global step 27)")
    _assert_the_last_good_checkpoint_is_epoch_1(error.value, tmp_path / "run")
    assert len(json.loads((tmp_path / "run" / "metrics.json").read_text())) == 1


def _assert_the_last_good_checkpoint_is_epoch_1(error, run_dir):
    assert "the last good checkpoint (epoch 1) is in" in str(error)
    checkpoint = chainrule.load(run_dir / "checkpoint.safetensors")
    assert checkpoint["epoch"] == 1
    assert all(np.isfinite(t.numpy()).all() for t in checkpoint["model"].values())


def test_weights_that_blow_up_in_an_epochs_last_step_are_not_called_the_last_good_checkpoint(tmp_path):
    class InfiniteGradient(Callback):  # epoch 2's last step: its loss is finite, the weights after it not
        def on_before_step(self, state):
            if state.epoch == 1 and state.batch_index == len(state.train_loader) - 1:
                next(state.model.parameters()).grad.fill_(float("inf"))

    with pytest.raises(TrainingDiverged) as error:
        train_run(MOONS, tmp_path / "run", callbacks=[InfiniteGradient()], progress=False)
    assert str(error.value).startswith("val_loss became nan in epoch 2; training stopped")
    _assert_the_last_good_checkpoint_is_epoch_1(error.value, tmp_path / "run")


def test_an_output_folder_that_cannot_be_created_is_refused_before_training(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OSError, match=r"cannot write in the output folder .*file/run: Not a directory"):
        train_run(MOONS, tmp_path / "file" / "run", progress=False)


def test_a_new_run_never_overwrites_an_earlier_one(moons_run):
    with pytest.raises(
        ValueError, match=r"moons already holds a run; resume it, or train into another folder"
    ):
        train_run(MOONS, moons_run.run_dir, progress=False)


def test_a_new_run_whose_checkpoint_path_is_taken_is_refused_before_training(tmp_path):
    (tmp_path / "run" / "checkpoint.safetensors").mkdir(parents=True)
    with pytest.raises(
        ValueError, match=r"run/checkpoint.safetensors is in the way: a new run writes its checkpoint"
    ):
        train_run(MOONS, tmp_path / "run", progress=False)
    assert [path.name for path in (tmp_path / "run").iterdir()] == ["checkpoint.safetensors"]


def test_runs_started_in_the_same_second_get_folders_of_their_own(tmp_path, monkeypatch):
    monkeypatch.setattr("time.strftime", lambda pattern: "20250101-120000")
    first = default_run_dir(MOONS, tmp_path)
    first.mkdir()
    assert first.name == "20250101-120000-seed-net-moons"
    assert default_run_dir(MOONS, tmp_path).name == "20250101-120000-seed-net-moons-2"


def test_a_full_disk_is_refused_before_training(tmp_path, monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=1000))
    with pytest.raises(
        OSError, match=r"not enough free space in .*run: the run needs about .* MB.*0.0 MB are free"
    ) as e:
        train_run(MOONS, tmp_path / "run", progress=False)
    assert e.value.errno == errno.ENOSPC and not (tmp_path / "run" / "config.json").exists()


def test_a_missing_run_folder_or_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"run folder not found: .*nowhere"):
        evaluate_run(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"empty is not a run folder: it has no config.json"):
        predict_run(tmp_path / "empty", tmp_path / "x.csv")


def test_options_are_checked_before_any_work():
    with pytest.raises(ValueError, match=r"unknown optimizer 'lbfgs'; choose one of sgd, momentum"):
        RunConfig(optimizer="lbfgs").resolved()
    with pytest.raises(
        ValueError, match=r"flip augmentation mirrors images, but moons is not an image dataset"
    ):
        train_run(RunConfig(dataset="moons", augment="flip"), progress=False)


@pytest.mark.parametrize("lr", [0.0, -1.0, float("inf"), float("nan")])
def test_a_learning_rate_that_is_not_positive_and_finite_is_refused(lr):
    with pytest.raises(ValueError, match=r"the learning rate must be positive and finite, got"):
        RunConfig(lr=lr).resolved()


@pytest.mark.parametrize("norm", [0.0, -1.0, float("inf"), float("nan")])
def test_a_gradient_clipping_norm_that_is_not_positive_and_finite_is_refused(norm):
    with pytest.raises(ValueError, match=r"the gradient clipping norm must be positive and finite, got"):
        RunConfig(clip_grad=norm).resolved()


def test_defaults_depend_on_dataset_model_and_optimizer():
    fashion_cnn = RunConfig(model="cnn", dataset="fashion-mnist").resolved()
    assert (fashion_cnn.epochs, fashion_cnn.batch_size, fashion_cnn.augment, fashion_cnn.lr) == (
        20,
        128,
        "flip",
        1e-3,
    )
    digits = RunConfig().resolved()
    assert (digits.model, digits.epochs, digits.batch_size, digits.augment) == ("mlp", 30, 32, "none")
    assert RunConfig(optimizer="sgd").resolved().lr == 0.1
