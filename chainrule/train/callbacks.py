"""The standard callbacks, one small class each (Chainer's trainer extensions are the model).

``ProgressBar`` (rich), ``MetricLog`` (CSV + JSON), ``PlotCurves`` (PNG),
``Checkpoint`` (every epoch, and on Ctrl-C), ``EarlyStopping``,
``GradientClipping`` and ``StopOnNaN``.

The progress bar is rich's: chainrule already depends on rich for the
explain tables, so the bar costs no second library; it computes the ETA
itself, and draws nothing when the output is not a terminal (a log file then
gets only the one summary line per epoch).
"""

import csv
import io
import math
import sys
import time
from pathlib import Path

from .checkpoint import make_checkpoint
from .files import write_json_atomic, write_text_atomic
from .state import Callback

__all__ = [
    "Callback",
    "ProgressBar",
    "MetricLog",
    "PlotCurves",
    "Checkpoint",
    "CheckpointError",
    "EarlyStopping",
    "GradientClipping",
    "StopOnNaN",
]


def _duration(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return (
        f"{hours}h {minutes:02d}m" if hours else (f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s")
    )


def format_metrics(metrics, epochs):
    """One line for an epoch.

    >>> metrics = {"epoch": 3, "train_loss": 0.312, "train_accuracy": 0.889, "lr": 1e-3, "seconds": 12.34}
    >>> format_metrics(metrics, epochs=10)
    'epoch 3/10  train loss 0.3120 acc 88.90%  lr 0.001  12.3s'
    """
    parts = [f"epoch {metrics['epoch']}/{epochs}"]
    for split, name in (("train", "train"), ("val", "val")):
        if f"{split}_loss" in metrics:
            part = f"{name} loss {metrics[f'{split}_loss']:.4f}"
            if f"{split}_accuracy" in metrics:
                part += f" acc {metrics[f'{split}_accuracy']:.2%}"
            parts.append(part)
    parts.append(f"lr {metrics['lr']:.3g}")
    parts.append(f"{metrics['seconds']:.1f}s")
    return "  ".join(parts)


class ProgressBar(Callback):
    """A bar per epoch with the running loss and accuracy and the time left in the epoch (on stderr),
    then one summary line per epoch with the time left for the whole run (on ``file``, default stdout)."""

    def __init__(self, file=None):
        self.file = file
        self.progress = None

    def on_epoch_start(self, state):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn(f"epoch {state.epoch + 1}/{state.epochs}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[metrics]}"),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,  # the summary line replaces it
        )
        self.progress.start()
        self.task = self.progress.add_task(
            "", total=len(state.train_loader), completed=state.running.batches, metrics=""
        )

    def on_step_end(self, state):
        running = state.running
        metrics = f"loss {running.loss:.4f}"
        if running.accuracy is not None:
            metrics += f" acc {running.accuracy:.2%}"
        self.progress.update(self.task, advance=1, metrics=metrics)

    def on_epoch_end(self, state):
        self._stop()
        line = format_metrics(state.metrics, state.epochs)
        remaining = state.epochs - state.metrics["epoch"]
        if remaining > 0:
            seconds = [m["seconds"] for m in state.history[-3:]]
            line += f"  ~{_duration(remaining * sum(seconds) / len(seconds))} left"
        print(line, file=self.file or sys.stdout, flush=True)

    def on_fit_end(self, state):
        self._stop()

    def _stop(self):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class MetricLog(Callback):
    """``metrics.csv`` and ``metrics.json`` in ``folder``: the whole history, rewritten (atomically)
    after every epoch."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def on_epoch_end(self, state):
        columns = list(dict.fromkeys(key for metrics in state.history for key in metrics))
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(state.history)
        write_text_atomic(self.folder / "metrics.csv", text.getvalue())
        write_json_atomic(self.folder / "metrics.json", state.history)


class PlotCurves(Callback):
    """``curves.png`` in ``folder``: loss and accuracy per epoch, training and validation.

    Redrawn after an epoch when ``min_interval`` seconds have passed since the
    last drawing (a plot takes a good fraction of a second, more than a whole
    epoch of a small model), and always when the fit ends.
    """

    def __init__(self, folder, min_interval=10.0):
        self.path = Path(folder) / "curves.png"
        self.min_interval = min_interval
        self.drawn_at = None
        self.drawn_epochs = 0

    def _draw(self, state):
        from .plots import plot_curves

        plot_curves(state.history, self.path)
        self.drawn_at, self.drawn_epochs = time.monotonic(), len(state.history)

    def on_epoch_end(self, state):
        if self.drawn_at is None or time.monotonic() - self.drawn_at >= self.min_interval:
            self._draw(state)

    def on_fit_end(self, state):
        if state.history and self.drawn_epochs != len(state.history):
            self._draw(state)


class CheckpointError(OSError):
    """A checkpoint could not be written to ``path``; the previous one (if any) is intact."""

    def __init__(self, errno, message, path):
        super().__init__(errno, message)
        self.path = Path(path)


class Checkpoint(Callback):
    """Save the training state to ``path`` after every epoch and when Ctrl-C stops the fit.

    An epoch with a metric (training or validation) that is not finite, or
    weights that are not, is not saved, so the file keeps the last good state.
    ``chainrule.save`` writes atomically: if a write fails (disk full), the
    previous checkpoint stays and a CheckpointError says so.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.saved = None  # description of the last checkpoint written

    def on_epoch_end(self, state):
        if _nonfinite_metric(state.metrics) is None and _nonfinite_parameter(state.model) is None:
            self._save(state, f"epoch {state.metrics['epoch']}")

    def on_fit_end(self, state):
        if (
            state.interrupted
            and state.loss is not None
            and math.isfinite(state.loss)
            and _nonfinite_parameter(state.model) is None
        ):
            self._save(state, f"step {state.step} (epoch {state.epoch + 1}, batch {state.running.batches})")

    def _save(self, state, what):
        from ..serialization import save

        checkpoint = make_checkpoint(state)
        if checkpoint is None:
            return
        try:
            save(checkpoint, self.path)
        except OSError as error:
            kept = (
                f"the previous checkpoint ({self.saved}) is intact"
                if self.saved
                else "no checkpoint was kept"
            )
            raise CheckpointError(
                error.errno,
                f"could not write the checkpoint after {what} to {self.path}: "
                f"{error.strerror or error}; {kept}",
                self.path,
            ) from error
        self.saved = what


class EarlyStopping(Callback):
    """Stop when ``monitor`` (a metrics key) has not improved by ``min_delta`` for ``patience`` epochs.

    The model keeps the weights of the last epoch, not those of the best one (as Keras's
    ``EarlyStopping`` with its default ``restore_best_weights=False``); the stop reason names the
    best epoch.

    ``mode`` is ``"min"`` or ``"max"``; ``"auto"`` means max for accuracies, min otherwise. Its memory is
    the history itself, so a resumed run stops exactly where the uninterrupted one would, and a run
    resumed after it stopped early trains no further.

    >>> from types import SimpleNamespace
    >>> history = [{"epoch": k, "val_loss": loss} for k, loss in ((1, 0.5), (2, 0.6), (3, 0.7))]
    >>> state = SimpleNamespace(history=history, metrics=history[-1], stop_training=False)
    >>> EarlyStopping("val_loss", patience=2).on_epoch_end(state)
    >>> state.stop_training, state.stop_reason
    (True, 'early stopping: val_loss has not improved for 2 epochs (best 0.5000 at epoch 1)')
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto"):
        if mode == "auto":
            mode = "max" if "accuracy" in monitor else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode

    def _improves(self, value, best):
        return value < best - self.min_delta if self.mode == "min" else value > best + self.min_delta

    def on_fit_start(self, state):
        if state.history:  # resumed
            self.on_epoch_end(state)

    def on_epoch_end(self, state):
        if self.monitor not in state.metrics:
            raise KeyError(
                f"EarlyStopping monitors {self.monitor!r}, but the metrics are {sorted(state.metrics)}"
            )
        best_epoch, best = None, None
        for metrics in state.history:
            value = metrics[self.monitor]
            if best is None or self._improves(value, best):
                best_epoch, best = metrics["epoch"], value
        waited = state.metrics["epoch"] - best_epoch
        if waited >= self.patience:
            state.stop_training = True
            state.stop_reason = (
                f"early stopping: {self.monitor} has not improved for {waited} epochs "
                f"(best {best:.4f} at epoch {best_epoch})"
            )


class GradientClipping(Callback):
    """Before each step, rescale the gradients so that their total ``norm_type``-norm is at most
    ``max_norm``."""

    def __init__(self, max_norm, norm_type=2.0):
        self.max_norm, self.norm_type = max_norm, norm_type

    def on_before_step(self, state):
        from ..nn.utils import clip_grad_norm_

        clip_grad_norm_(state.model.parameters(), self.max_norm, norm_type=self.norm_type)


def _nonfinite_metric(metrics):
    """The name of the first NaN or infinite value in an epoch's metrics, or None."""
    return next(
        (key for key, value in metrics.items() if isinstance(value, float) and not math.isfinite(value)), None
    )


def _nonfinite_parameter(model):
    """The name of the first parameter holding a NaN or infinite value, or None."""
    return next((name for name, p in model.named_parameters() if not p.detach().isfinite().all()), None)


class StopOnNaN(Callback):
    """Stop as soon as a step's loss is NaN or infinite; ``reason`` then names the epoch and step.

    At the end of an epoch it also checks the metrics (a step's loss is taken
    before its update, so weights that blow up in the epoch's last step show
    first in the validation loss) and the parameters.

    >>> from types import SimpleNamespace
    >>> state = SimpleNamespace(loss=float("nan"), epoch=1, batch_index=4, step=15, train_loader=range(10))
    >>> guard = StopOnNaN()
    >>> guard.on_step_end(state)
    >>> state.stop_training, guard.reason
    (True, 'the loss became nan in epoch 2, step 5 of 10 (global step 15)')
    """

    def __init__(self):
        self.reason = None

    def on_step_end(self, state):
        if not math.isfinite(state.loss):
            reason = (
                f"the loss became {state.loss} in epoch {state.epoch + 1}, step {state.batch_index + 1} "
                f"of {len(state.train_loader)} (global step {state.step})"
            )
            self._stop(state, reason)

    def on_epoch_end(self, state):
        metric, parameter = _nonfinite_metric(state.metrics), _nonfinite_parameter(state.model)
        if metric is not None:
            self._stop(state, f"{metric} became {state.metrics[metric]} in epoch {state.metrics['epoch']}")
        elif parameter is not None:
            self._stop(
                state, f"parameter {parameter} became NaN or infinite in epoch {state.metrics['epoch']}"
            )

    def _stop(self, state, reason):
        self.reason = reason
        state.stop_training = True
        state.stop_reason = reason
