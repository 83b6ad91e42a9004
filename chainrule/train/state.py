"""FitState (what the loop shares with its callbacks) and the Callback base class."""

import math


class Callback:
    """A training-loop extension, in the style of Chainer's trainer extensions.

    Override the moments you need; each receives the :class:`FitState`. A
    callback may set ``state.stop_training = True`` to stop after the current
    step (from ``on_step_end``) or epoch (from ``on_epoch_end``).

    * ``on_fit_start(state)``: before the first epoch (also when resuming).
    * ``on_epoch_start(state)``: ``state.epoch`` is the 0-based epoch about to run.
    * ``on_before_step(state)``: after ``loss.backward()``, before
      ``optimizer.step()``: the gradients are in ``.grad`` (gradient clipping).
    * ``on_step_end(state)``: after ``optimizer.step()``; ``state.loss`` is the
      step's loss as a float, ``state.batch_index`` the batch's index in the
      epoch, ``state.step`` the global step count (1 after the first step).
    * ``on_epoch_end(state)``: after validation; ``state.metrics`` is the epoch's
      dict (``epoch`` counts from 1, ``train_loss``, ``train_accuracy``,
      ``val_loss``, ``val_accuracy``, ``lr``, ``seconds``), already appended to
      ``state.history``.
    * ``on_fit_end(state)``: always, also after Ctrl-C (``state.interrupted``)
      or a stop (``state.stop_reason``).

    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, state):
    ...         print(f"epoch {state.metrics['epoch']}: {state.metrics['train_loss']:.3f}")
    """

    def on_fit_start(self, state):
        pass

    def on_epoch_start(self, state):
        pass

    def on_before_step(self, state):
        pass

    def on_step_end(self, state):
        pass

    def on_epoch_end(self, state):
        pass

    def on_fit_end(self, state):
        pass


class RunningTotals:
    """The sums behind the current epoch's training loss and accuracy (saved to resume mid-epoch)."""

    def __init__(self, loss_sum=0.0, correct=0, count=0, batches=0, seconds=0.0, accuracy_known=True):
        self.loss_sum = loss_sum
        self.correct = correct
        self.count = count
        self.batches = batches
        self.seconds = seconds
        self.accuracy_known = accuracy_known

    def add(self, loss, batch_size, correct):
        self.loss_sum += loss * batch_size
        self.count += batch_size
        self.batches += 1
        if correct is None:
            self.accuracy_known = False
        else:
            self.correct += correct

    @property
    def loss(self):
        return self.loss_sum / self.count if self.count else math.nan

    @property
    def accuracy(self):
        return self.correct / self.count if self.count and self.accuracy_known else None

    def state_dict(self):
        return dict(vars(self))


class FitState:
    """Everything the loop knows, shared with the callbacks.

    Attributes: ``model loss_fn optimizer scheduler train_loader val_loader``;
    ``epoch`` (0-based, the current epoch), ``epochs`` (the total),
    ``step`` (global step count), ``batch_index`` (index of the current batch
    in the epoch), ``loss`` (the last step's loss, a float), ``metrics`` (the
    last epoch's dict), ``history`` (one dict per finished epoch), ``run_dir``
    (a Path or None), ``stop_training`` (set it to stop), ``stop_reason``
    (why the fit stopped early, or None), ``interrupted`` (Ctrl-C),
    ``running`` (the current epoch's sums).

    ``phase`` says where the loop is: ``"step"`` while a batch is being
    processed (the weights may be half-updated), ``"between_steps"``,
    ``"validating"``, ``"epoch_done"``. A checkpoint is consistent in every
    phase but ``"step"``.
    """

    def __init__(self, model, loss_fn, optimizer, train_loader, val_loader, epochs, scheduler, run_dir):
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.epochs = epochs
        self.run_dir = run_dir
        self.epoch = 0
        self.step = 0
        self.batch_index = 0
        self.loss = None
        self.metrics = {}
        self.history = []
        self.stop_training = False
        self.stop_reason = None
        self.interrupted = False
        self.phase = "between_steps"
        self.running = RunningTotals()
        self.rng_at_epoch_start = None
        self.loader_rng_at_epoch_start = None

    @property
    def loader_generator(self):
        """The train loader's own Generator (PyTorch's ``DataLoader.generator``), or None."""
        return getattr(self.train_loader, "generator", None)
