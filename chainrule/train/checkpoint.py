"""What a training checkpoint holds, and how a fit resumes from one exactly.

A checkpoint is a nested dict that ``chainrule.save`` writes (safetensors +
JSON, atomically): the model, optimizer and scheduler state_dicts, the
position (``epoch`` = epochs finished, ``running.batches`` = batches done in
the next one), the global step, the metrics so far, and the random states:
the default generator's and the DataLoader generator's at the start of the
epoch (to replay its shuffle) and the default generator's now (for what comes
after the batches already done: dropout, augmentation).
"""

from pathlib import Path

from .. import _random
from .state import RunningTotals

__all__ = ["make_checkpoint", "restore_checkpoint", "FORMAT"]

FORMAT = "chainrule.train checkpoint v1"


def make_checkpoint(state):
    """The checkpoint of ``state``, or None while a step is half done (``state.phase == "step"``)."""
    if state.phase == "step":
        return None
    generator = state.loader_generator
    if state.phase == "epoch_done":  # the next epoch starts from here
        epoch, running = state.epoch + 1, RunningTotals()
        rng_start = _random.get_rng_state()
        loader_start = generator.get_state() if generator is not None else None
    else:
        epoch, running = state.epoch, state.running
        rng_start, loader_start = state.rng_at_epoch_start, state.loader_rng_at_epoch_start
    checkpoint = {
        "format": FORMAT,
        "epoch": epoch,
        "epochs": state.epochs,
        "step": state.step,
        "model": state.model.state_dict(),
        "optimizer": state.optimizer.state_dict(),
        "running": running.state_dict(),
        "history": [dict(metrics) for metrics in state.history],
        "rng": {"epoch_start": rng_start, "now": _random.get_rng_state()},
    }
    if state.scheduler is not None:
        checkpoint["scheduler"] = state.scheduler.state_dict()
    if loader_start is not None:
        checkpoint["rng"]["loader_epoch_start"] = loader_start
    return checkpoint


def restore_checkpoint(state, checkpoint):
    """Load ``checkpoint`` (a dict or a path) into ``state``'s objects and position.

    Returns ``(batches_to_skip, rng_after_skip)``: the loop replays the epoch's
    shuffle, skips the batches already done, then restores the default
    generator to ``rng_after_skip``.
    """
    source = "the checkpoint"
    if isinstance(checkpoint, (str, Path)):
        from ..serialization import load

        source = str(checkpoint)
        checkpoint = load(checkpoint)
    if not isinstance(checkpoint, dict):
        raise ValueError(
            f"{source} is not a training checkpoint ({FORMAT}): it holds a {type(checkpoint).__name__}"
        )
    missing = [
        key
        for key in ("format", "epoch", "step", "model", "optimizer", "running", "history", "rng")
        if key not in checkpoint
    ]
    if missing or checkpoint["format"] != FORMAT:
        raise ValueError(
            f"{source} is not a training checkpoint ({FORMAT}): "
            + (f"it lacks {missing}" if missing else f"its format is {checkpoint['format']!r}")
        )
    try:
        state.model.load_state_dict(checkpoint["model"])
        state.optimizer.load_state_dict(checkpoint["optimizer"])
    except (RuntimeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{source} does not fit this run's model and optimizer: {error}") from None
    if ("scheduler" in checkpoint) != (state.scheduler is not None):
        has = "has" if "scheduler" in checkpoint else "has no"
        given = "one was" if state.scheduler is not None else "none was"
        raise ValueError(f"{source} {has} learning-rate scheduler state, but {given} given to fit")
    if state.scheduler is not None:
        state.scheduler.load_state_dict(checkpoint["scheduler"])
    state.epoch = int(checkpoint["epoch"])
    state.step = int(checkpoint["step"])
    state.history = [dict(metrics) for metrics in checkpoint["history"]]
    state.metrics = state.history[-1] if state.history else {}
    state.running = RunningTotals(**checkpoint["running"])
    rng = checkpoint["rng"]
    _random.set_rng_state(rng["epoch_start"])
    generator = state.loader_generator
    if generator is not None and "loader_epoch_start" in rng:
        generator.set_state(rng["loader_epoch_start"])
    state.rng_at_epoch_start = rng["epoch_start"]
    state.loader_rng_at_epoch_start = rng.get("loader_epoch_start")
    skip = state.running.batches
    return skip, (rng["now"] if skip else None)
