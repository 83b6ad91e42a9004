"""The fit loop: epochs of steps, validation, callbacks around both.

One step is ``zero_grad, forward, loss, backward, step``; everything else
(progress bars, logs, plots, checkpoints, early stopping, clipping, NaN
checks) is a callback (see ``callbacks.py``), so this file stays short.
"""

import re
import signal
import sys
import threading
import time
import warnings

from .. import _random
from ..autograd.grad_mode import no_grad
from .checkpoint import restore_checkpoint
from .losses import check_loss_inputs
from .state import FitState

__all__ = ["fit", "evaluate", "count_correct", "History"]


class History(list):
    """The per-epoch metric dicts that ``fit`` returns; ``stop_reason`` says why it stopped early
    (None when it did not)."""

    def __init__(self, epochs, stop_reason=None):
        super().__init__(epochs)
        self.stop_reason = stop_reason


def fit(
    model,
    loss_fn,
    optimizer,
    train_loader,
    val_loader=None,
    epochs=10,
    scheduler=None,
    callbacks=(),
    run_dir=None,
    resume=None,
    scheduler_interval="epoch",
):
    """Train ``model`` for ``epochs`` epochs and return the history (one metrics dict per epoch).

    ``scheduler.step()`` runs after every epoch (``scheduler_interval="epoch"``,
    with the validation loss for ``ReduceLROnPlateau``) or after every step
    (``"step"``, for ``OneCycleLR``). ``resume`` is a checkpoint (the dict
    that ``callbacks.Checkpoint`` saves, or its path): training continues
    exactly where it stopped, also in the middle of an epoch, ending with
    the same weights and metrics as a run that was never interrupted.

    Ctrl-C stops at the end of the current step (a second Ctrl-C at once):
    the callbacks get ``on_fit_end`` with ``state.interrupted`` set (the
    Checkpoint callback saves then), and the KeyboardInterrupt propagates.

    >>> import chainrule
    >>> from chainrule import nn
    >>> from chainrule.utils.data import DataLoader, TensorDataset
    >>> _ = chainrule.manual_seed(0)
    >>> X = chainrule.randn(64, 2); y = (X[:, 0] > 0).long()
    >>> model = nn.Linear(2, 2)
    >>> history = fit(model, nn.CrossEntropyLoss(), chainrule.optim.SGD(model.parameters(), lr=0.5),
    ...               DataLoader(TensorDataset(X, y), batch_size=16), epochs=5)
    >>> len(history), history[-1]["train_accuracy"] > 0.9
    (5, True)
    """
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}")
    state = FitState(model, loss_fn, optimizer, train_loader, val_loader, epochs, scheduler, run_dir)
    callbacks = list(callbacks)
    skip, rng_after_skip = restore_checkpoint(state, resume) if resume is not None else (0, None)
    if resume is None:
        _begin_epoch(state)
    try:
        with _StopAtStepEnd() as ctrl_c:
            _notify(callbacks, "on_fit_start", state)
            while state.epoch < epochs and not state.stop_training:
                if not _train_epoch(state, callbacks, ctrl_c, skip, rng_after_skip, scheduler_interval):
                    break
                skip, rng_after_skip = 0, None
                _end_epoch(state, callbacks, scheduler_interval)
                if ctrl_c.requested:
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        state.interrupted = True
        state.stop_reason = f"interrupted in epoch {state.epoch + 1} after {state.step} steps"
        raise
    finally:
        _notify(callbacks, "on_fit_end", state)
    return History(state.history, state.stop_reason)


def _begin_epoch(state):
    """Fresh sums, and the random states a resumed run needs to replay this epoch's shuffle."""
    state.running = type(state.running)()
    state.rng_at_epoch_start = _random.get_rng_state()
    generator = state.loader_generator
    state.loader_rng_at_epoch_start = generator.get_state() if generator is not None else None


def _train_epoch(state, callbacks, ctrl_c, skip, rng_after_skip, scheduler_interval):
    """One pass over the training data; False when stopped before its end."""
    model, optimizer = state.model, state.optimizer
    model.train()
    _notify(callbacks, "on_epoch_start", state)
    started = time.perf_counter()
    if skip > len(state.train_loader):
        raise ValueError(
            f"the checkpoint is at batch {skip} of epoch {state.epoch + 1}, but the training data now has "
            f"{len(state.train_loader)} batches per epoch: the data or the batch size changed since"
        )
    batches = iter(state.train_loader)
    for _ in range(skip):  # resuming mid-epoch: replay the shuffle, skip what was done
        next(batches)
    if rng_after_skip is not None:
        _random.set_rng_state(rng_after_skip)
    for state.batch_index, (inputs, targets) in enumerate(batches, start=skip):
        state.phase = "step"
        optimizer.zero_grad()
        output = model(inputs)
        if state.running.batches == 0:  # a wrong loss for the model fails here, clearly
            check_loss_inputs(state.loss_fn, output, targets)
        loss = state.loss_fn(output, targets)
        loss.backward()
        _notify(callbacks, "on_before_step", state)
        optimizer.step()
        if state.scheduler is not None and scheduler_interval == "step":
            state.scheduler.step()
        state.loss = loss.item()
        state.running.add(state.loss, len(targets), count_correct(output, targets))
        state.step += 1
        state.phase = "between_steps"
        _notify(callbacks, "on_step_end", state)
        if ctrl_c.requested:
            raise KeyboardInterrupt
        if state.stop_training:
            state.running.seconds += time.perf_counter() - started
            return False
    state.running.seconds += time.perf_counter() - started
    return True


def _end_epoch(state, callbacks, scheduler_interval):
    state.phase = "validating"
    started = time.perf_counter()
    metrics = {"epoch": state.epoch + 1, "train_loss": state.running.loss}
    if state.running.accuracy is not None:
        metrics["train_accuracy"] = state.running.accuracy
    if state.val_loader is not None:
        result = evaluate(state.model, state.val_loader, state.loss_fn)
        metrics["val_loss"] = result["loss"]
        if result["accuracy"] is not None:
            metrics["val_accuracy"] = result["accuracy"]
    metrics["lr"] = state.optimizer.param_groups[0]["lr"]
    if state.scheduler is not None and scheduler_interval == "epoch":
        _step_scheduler(state.scheduler, metrics.get("val_loss", metrics["train_loss"]))
    metrics["seconds"] = state.running.seconds + time.perf_counter() - started
    state.metrics = metrics
    state.history.append(metrics)
    state.phase = "epoch_done"
    _notify(callbacks, "on_epoch_end", state)
    state.epoch += 1
    _begin_epoch(state)
    state.phase = "between_steps"


def _step_scheduler(scheduler, monitored):
    from ..optim.lr_scheduler import ReduceLROnPlateau

    with warnings.catch_warnings():
        # Resumed right after an epoch's last step, this process steps the scheduler before the
        # optimizer: the order was right, in the run that was interrupted.
        warnings.filterwarnings("ignore", message=re.escape("Detected call of `lr_scheduler.step()` before"))
        if isinstance(scheduler, ReduceLROnPlateau):
            scheduler.step(monitored)
        else:
            scheduler.step()


def count_correct(output, target):
    """How many predictions in ``output`` match the class indices ``target``; None if not classification.

    (N, C) outputs predict their argmax; (N,) or (N, 1) outputs (one logit, as
    for ``BCEWithLogitsLoss``) predict class 1 where the logit is positive.
    Float targets (regression, probabilities) have no accuracy.

    >>> import chainrule
    >>> count_correct(chainrule.tensor([[2.0, 1.0], [0.0, 3.0]]), chainrule.tensor([0, 0]))
    1
    """
    if target.is_floating_point() or target.dim() != 1 or output.shape[0] != target.shape[0]:
        return None
    if output.dim() == 2 and output.shape[1] > 1:
        predicted = output.argmax(1)
    elif output.numel() == target.numel():
        predicted = (output.reshape(target.shape) > 0).long()
    else:
        return None
    return int((predicted == target).sum().item())


def evaluate(model, loader, loss_fn=None, return_outputs=False):
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode and without gradients.

    Returns ``{"loss", "accuracy", "count"}`` (loss None without ``loss_fn``,
    accuracy None unless classification) and, with ``return_outputs=True``,
    ``"outputs"`` and ``"targets"``: every batch's, concatenated.

    >>> import chainrule
    >>> from chainrule.utils.data import DataLoader, TensorDataset
    >>> data = TensorDataset(chainrule.tensor([[1.0, 0.0], [0.0, 1.0]]), chainrule.tensor([0, 0]))
    >>> evaluate(chainrule.nn.Identity(), DataLoader(data))["accuracy"]
    0.5
    """
    from .._creation import tensor
    from ..ops.shape import cat

    model.eval()
    loss_sum, correct, count, accuracy_known = 0.0, 0, 0, True
    outputs, targets = [], []
    with no_grad():
        for inputs, target in loader:
            output = model(inputs)
            count += len(target)
            if loss_fn is not None:
                loss_sum += loss_fn(output, target).item() * len(target)
            batch_correct = count_correct(output, target)
            accuracy_known = accuracy_known and batch_correct is not None
            correct += batch_correct or 0
            if return_outputs:
                outputs.append(output)
                targets.append(target)
    result = {
        "loss": loss_sum / count if loss_fn is not None and count else None,
        "accuracy": correct / count if accuracy_known and count else None,
        "count": count,
    }
    if return_outputs:
        result["outputs"] = cat(outputs) if outputs else tensor([])
        result["targets"] = cat(targets) if targets else tensor([])
    return result


def _notify(callbacks, moment, state):
    for callback in callbacks:
        getattr(callback, moment)(state)


class _StopAtStepEnd:
    """While training, the first Ctrl-C asks the loop to stop after the current step (so a checkpoint
    holds a consistent state); a second one interrupts at once."""

    def __enter__(self):
        self.requested = False
        self.installed = (
            threading.current_thread() is threading.main_thread()
        )  # signals go to the main thread
        if self.installed:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        sys.stderr.write("\nstopping after this step and saving (Ctrl-C again to stop at once)\n")

    def __exit__(self, *exc_info):
        if self.installed:  # None: a handler not set from Python, which we cannot put back; use the default
            signal.signal(
                signal.SIGINT, self.previous if self.previous is not None else signal.default_int_handler
            )
        return False
