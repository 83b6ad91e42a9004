"""The fit loop: the callback protocol, stopping, Ctrl-C, NaN, and exact resume."""

import math
import os
import signal

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.train import (
    Callback,
    Checkpoint,
    CheckpointError,
    EarlyStopping,
    GradientClipping,
    MetricLog,
    PlotCurves,
    ProgressBar,
    StopOnNaN,
    fit,
)
from chainrule.utils.data import DataLoader, TensorDataset

BATCHES_PER_EPOCH = 6


def make_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5)
    return chainrule.from_numpy(X), chainrule.from_numpy(y)


def build(seed=0, dropout=0.3):
    """A model with every kind of state a resume must restore: batch-norm buffers, dropout draws,
    Adam moments, a schedule, and a shuffling DataLoader with its own generator."""
    chainrule.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3)
    )
    generator = chainrule.Generator().manual_seed(seed)
    X, y = make_data()
    train = DataLoader(TensorDataset(X[:96], y[:96]), batch_size=16, shuffle=True, generator=generator)
    val = DataLoader(TensorDataset(X[:32], y[:32]), batch_size=16)
    optimizer = chainrule.optim.Adam(model.parameters(), lr=0.02)
    scheduler = chainrule.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    return dict(
        model=model,
        loss_fn=nn.CrossEntropyLoss(),
        optimizer=optimizer,
        train_loader=train,
        val_loader=val,
        scheduler=scheduler,
    )


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_fit_start(self, state):
        self.events.append(("fit_start", state.epoch, state.step))

    def on_epoch_start(self, state):
        self.events.append(("epoch_start", state.epoch, state.step))

    def on_before_step(self, state):
        self.events.append(("before_step", state.epoch, state.batch_index))

    def on_step_end(self, state):
        self.events.append(("step_end", state.epoch, state.batch_index, state.step, state.loss))

    def on_epoch_end(self, state):
        self.events.append(("epoch_end", state.epoch, dict(state.metrics), len(state.history)))

    def on_fit_end(self, state):
        self.events.append(("fit_end", state.epoch, state.step))


class InterruptAt(Callback):
    """Raises KeyboardInterrupt (as Ctrl-C would) at a global step, or at the end of an epoch."""

    def __init__(self, step=None, epoch=None):
        self.step, self.epoch = step, epoch

    def on_step_end(self, state):
        if state.step == self.step:
            raise KeyboardInterrupt

    def on_epoch_end(self, state):
        if state.epoch == self.epoch:
            raise KeyboardInterrupt


def weights(model):
    return {name: tensor.numpy().copy() for name, tensor in model.state_dict().items()}


def without_seconds(history):
    return [{k: v for k, v in metrics.items() if k != "seconds"} for metrics in history]


def test_fit_returns_one_metrics_dict_per_epoch_and_learns():
    history = fit(**build(dropout=0.0), epochs=4)
    assert [m["epoch"] for m in history] == [1, 2, 3, 4]
    assert set(history[0]) == {
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "lr",
        "seconds",
    }
    assert history[-1]["train_loss"] < history[0]["train_loss"] and history[-1]["val_accuracy"] > 0.8
    assert [m["lr"] for m in history] == [0.02, 0.02, 0.01, 0.01]
    assert history.stop_reason is None


def test_callbacks_are_called_in_the_documented_order_with_the_state_filled_in():
    recorder = Recorder()
    fit(**build(), epochs=2, callbacks=[recorder])
    kinds = [event[0] for event in recorder.events]
    one_epoch = ["epoch_start"] + ["before_step", "step_end"] * BATCHES_PER_EPOCH + ["epoch_end"]
    assert kinds == ["fit_start", *one_epoch, *one_epoch, "fit_end"]
    steps = [event for event in recorder.events if event[0] == "step_end"]
    assert [s[3] for s in steps] == list(range(1, 13))
    assert [s[2] for s in steps] == list(range(6)) * 2
    assert all(isinstance(s[4], float) for s in steps)
    epoch_ends = [event for event in recorder.events if event[0] == "epoch_end"]
    assert [(e[1], e[2]["epoch"], e[3]) for e in epoch_ends] == [(0, 1, 1), (1, 2, 2)]
    assert recorder.events[-1] == ("fit_end", 2, 12)


def test_train_loss_is_the_sample_weighted_mean_of_the_step_losses():
    recorder = Recorder()
    history = fit(**build(), epochs=1, callbacks=[recorder])
    losses = [event[4] for event in recorder.events if event[0] == "step_end"]
    assert history[0]["train_loss"] == pytest.approx(sum(losses) / len(losses), rel=1e-12)


def test_a_callback_stops_training_after_the_current_step():
    class StopAtStep(Callback):
        def on_step_end(self, state):
            if state.step == 8:
                state.stop_training, state.stop_reason = True, "enough"

    recorder = Recorder()
    history = fit(**build(), epochs=5, callbacks=[StopAtStep(), recorder])
    assert len(history) == 1 and history.stop_reason == "enough"
    assert recorder.events[-2][3] == 8 and recorder.events[-1][0] == "fit_end"


def test_early_stopping_stops_when_the_monitored_metric_stalls_and_says_why():
    class Score(Callback):  # a made-up metric: best at epoch 2, then no better
        def on_epoch_end(self, state):
            state.metrics["score"] = [3.0, 2.0, 2.5, 2.1, 2.4, 1.0][state.epoch]

    history = fit(**build(), epochs=6, callbacks=[Score(), EarlyStopping("score", patience=3)])
    assert len(history) == 5
    assert (
        history.stop_reason == "early stopping: score has not improved for 3 epochs (best 2.0000 at epoch 2)"
    )


def test_a_fit_resumed_after_it_stopped_early_trains_no_further(tmp_path):
    class Score(Callback):
        def on_epoch_end(self, state):
            state.metrics["score"] = [3.0, 2.0, 2.5, 2.1, 2.4, 1.0][state.epoch]

    path = tmp_path / "checkpoint.safetensors"
    first = fit(
        **build(), epochs=6, callbacks=[Score(), Checkpoint(path), EarlyStopping("score", patience=3)]
    )
    resumed, recorder = build(), Recorder()
    history = fit(
        **resumed, epochs=6, resume=path, callbacks=[Score(), EarlyStopping("score", patience=3), recorder]
    )
    assert len(history) == len(first) == 5 and history.stop_reason == first.stop_reason
    assert [event[0] for event in recorder.events] == ["fit_start", "fit_end"]
    saved = chainrule.load(path)["model"]
    for name, value in weights(resumed["model"]).items():
        np.testing.assert_array_equal(value, saved[name].numpy(), err_msg=name)


def test_early_stopping_maximizes_accuracies():
    class Accuracy(Callback):
        def on_epoch_end(self, state):
            state.metrics["val_accuracy"] = [0.5, 0.9, 0.8, 0.7][state.epoch]

    history = fit(**build(), epochs=4, callbacks=[Accuracy(), EarlyStopping("val_accuracy", patience=2)])
    assert len(history) == 4 and "best 0.9000 at epoch 2" in history.stop_reason


def test_early_stopping_names_the_metrics_when_its_key_is_missing():
    with pytest.raises(KeyError, match=r"EarlyStopping monitors 'val_acc', but the metrics are \["):
        fit(**build(), epochs=1, callbacks=[EarlyStopping("val_acc")])


def test_gradient_clipping_caps_the_norm_before_the_optimizer_steps():
    class Norms(Callback):
        def __init__(self):
            self.norms = []

        def on_before_step(self, state):
            squares = sum(float((p.grad**2).sum()) for p in state.model.parameters() if p.grad is not None)
            self.norms.append(math.sqrt(squares))

    norms = Norms()
    fit(**build(), epochs=1, callbacks=[GradientClipping(0.01), norms])
    assert len(norms.norms) == BATCHES_PER_EPOCH and max(norms.norms) <= 0.01 * (1 + 1e-5)


class NaNAtStep:
    """Cross-entropy whose value becomes NaN from a given call on."""

    def __init__(self, step):
        self.step, self.calls, self.loss = step, 0, nn.CrossEntropyLoss()

    def __call__(self, output, target):
        if chainrule.is_grad_enabled():
            self.calls += 1
        loss = self.loss(output, target)
        return loss * float("nan") if self.calls >= self.step else loss


def test_a_nan_loss_stops_the_fit_naming_epoch_and_step_and_keeps_the_last_good_checkpoint(tmp_path):
    parts = build()
    parts["loss_fn"] = NaNAtStep(8)
    guard, saver = StopOnNaN(), Checkpoint(tmp_path / "checkpoint.safetensors")
    history = fit(**parts, epochs=3, callbacks=[guard, saver])
    assert len(history) == 1
    assert (
        history.stop_reason == guard.reason == "the loss became nan in epoch 2, step 2 of 6 (global step 8)"
    )
    saved = chainrule.load(tmp_path / "checkpoint.safetensors")
    assert saved["epoch"] == 1 and len(saved["history"]) == 1
    assert all(np.isfinite(t.numpy()).all() for t in saved["model"].values())


class BlowUpInEpoch2sLastStep(Callback):
    """An infinite gradient in epoch 2's last step: that step's loss is still finite, the weights after it
    are not."""

    def on_before_step(self, state):
        if state.epoch == 1 and state.batch_index == BATCHES_PER_EPOCH - 1:
            state.model[0].weight.grad.fill_(float("inf"))


def test_weights_that_blow_up_in_an_epochs_last_step_stop_the_fit_at_validation_and_are_not_saved(
    tmp_path,
):
    guard, saver = StopOnNaN(), Checkpoint(tmp_path / "checkpoint.safetensors")
    history = fit(**build(), epochs=4, callbacks=[BlowUpInEpoch2sLastStep(), guard, saver])
    assert history.stop_reason == guard.reason == "val_loss became nan in epoch 2"
    assert len(history) == 2 and math.isfinite(history[-1]["train_loss"])
    saved = chainrule.load(tmp_path / "checkpoint.safetensors")
    assert saved["epoch"] == 1 and saver.saved == "epoch 1"
    assert all(np.isfinite(t.numpy()).all() for t in saved["model"].values())


def test_without_validation_non_finite_weights_stop_the_fit_and_are_not_saved(tmp_path):
    parts = build()
    parts["val_loader"] = None
    saver, guard = Checkpoint(tmp_path / "checkpoint.safetensors"), StopOnNaN()
    history = fit(**parts, epochs=4, callbacks=[BlowUpInEpoch2sLastStep(), saver, guard])
    assert history.stop_reason == "parameter 0.weight became NaN or infinite in epoch 2"
    saved = chainrule.load(tmp_path / "checkpoint.safetensors")
    assert saved["epoch"] == 1
    assert all(np.isfinite(t.numpy()).all() for t in saved["model"].values())


def test_a_loss_that_does_not_fit_the_output_is_named_with_the_shapes_and_the_fix():
    parts = build()
    parts["loss_fn"] = nn.BCEWithLogitsLoss()
    with pytest.raises(
        ValueError,
        match=r"BCEWithLogitsLoss .* output has shape \(16, 3\) and the target \(16,\) "
        r"\(class indices\): for 3 classes use CrossEntropyLoss",
    ):
        fit(**parts, epochs=1)


def test_ctrl_c_stops_after_the_current_step_and_the_checkpoint_holds_that_step(tmp_path):
    class CtrlC(Callback):
        def on_step_end(self, state):
            if state.step == 3:
                os.kill(os.getpid(), signal.SIGINT)

    recorder = Recorder()
    with pytest.raises(KeyboardInterrupt):
        fit(**build(), epochs=3, callbacks=[CtrlC(), recorder, Checkpoint(tmp_path / "c.safetensors")])
    assert [e[3] for e in recorder.events if e[0] == "step_end"] == [1, 2, 3]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    saved = chainrule.load(tmp_path / "c.safetensors")
    assert (saved["epoch"], saved["step"], saved["running"]["batches"]) == (0, 3, 3)


@pytest.mark.parametrize(
    "interrupt",
    [InterruptAt(epoch=1), InterruptAt(step=9), InterruptAt(step=6)],
    ids=["after-epoch-2", "mid-epoch", "last-step-of-an-epoch"],
)
def test_a_resumed_run_ends_bit_identical_to_an_uninterrupted_one(tmp_path, interrupt):
    straight = build()
    history = fit(**straight, epochs=4)
    rng_at_the_end = chainrule.get_rng_state().tolist()

    interrupted = build()
    path = tmp_path / "checkpoint.safetensors"
    with pytest.raises(KeyboardInterrupt):
        fit(**interrupted, epochs=4, callbacks=[Checkpoint(path), interrupt])
    chainrule.manual_seed(12345)  # whatever happens in between must not matter
    resumed = build()
    resumed_history = fit(**resumed, epochs=4, resume=path)

    assert without_seconds(resumed_history) == without_seconds(history)
    expected, actual = weights(straight["model"]), weights(resumed["model"])
    assert expected.keys() == actual.keys()
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)
    for a, b in zip(straight["optimizer"].state.values(), resumed["optimizer"].state.values()):
        np.testing.assert_array_equal(a["exp_avg"].numpy(), b["exp_avg"].numpy())
    assert chainrule.get_rng_state().tolist() == rng_at_the_end


def test_resuming_mid_epoch_with_fewer_batches_than_the_checkpoint_says_so(tmp_path):
    path = tmp_path / "checkpoint.safetensors"
    with pytest.raises(KeyboardInterrupt):
        fit(**build(), epochs=2, callbacks=[Checkpoint(path), InterruptAt(step=5)])
    parts = build()
    X, y = make_data()
    parts["train_loader"] = DataLoader(TensorDataset(X[:48], y[:48]), batch_size=16, shuffle=True)
    with pytest.raises(
        ValueError, match=r"checkpoint is at batch 5 of epoch 1, but the training data now has 3"
    ):
        fit(**parts, epochs=2, resume=path)


def test_resuming_from_a_file_that_is_not_a_checkpoint_says_so(tmp_path):
    path = tmp_path / "weights.safetensors"
    chainrule.save({"weight": chainrule.zeros(2)}, path)
    with pytest.raises(ValueError, match=r"weights.safetensors is not a training checkpoint"):
        fit(**build(), epochs=1, resume=path)


def test_a_failed_checkpoint_write_leaves_the_previous_checkpoint_and_names_the_epoch(tmp_path, fill_disk):
    path = tmp_path / "checkpoint.safetensors"

    class DiskFullAfterEpoch1(Callback):
        def on_epoch_end(self, state):
            if state.epoch == 0:  # runs after the Checkpoint callback: from now on, the disk is full
                fill_disk()

    with pytest.raises(CheckpointError) as error:
        fit(**build(), epochs=3, callbacks=[Checkpoint(path), DiskFullAfterEpoch1()])
    assert str(path) in str(error.value) and "after epoch 2" in str(error.value)
    assert "No space left on device" in str(error.value) and "previous checkpoint (epoch 1) is intact" in str(
        error.value
    )
    assert chainrule.load(path)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.safetensors"]


def test_metric_log_and_plot_write_the_history_as_csv_json_and_png(tmp_path):
    fit(**build(), epochs=2, callbacks=[MetricLog(tmp_path), PlotCurves(tmp_path)])
    lines = (tmp_path / "metrics.csv").read_text().splitlines()
    assert lines[0] == "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds" and len(lines) == 3
    import json

    assert [m["epoch"] for m in json.loads((tmp_path / "metrics.json").read_text())] == [1, 2]
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_the_progress_bar_prints_one_line_per_epoch_with_the_time_left(capsys):
    fit(**build(), epochs=2, callbacks=[ProgressBar()])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2  train loss ") and " acc " in lines[0] and lines[0].endswith("left")
    assert lines[1].startswith("epoch 2/2  train loss ") and "val loss" in lines[1]
