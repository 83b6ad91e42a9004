"""``chainrule.train``: a fit loop with callbacks, and the runs behind the ``chainrule`` command.

``fit(model, loss_fn, optimizer, train_loader, val_loader, epochs=...)``
trains and returns the history; callbacks in the style of Chainer's trainer
extensions add the rest: ``ProgressBar``, ``MetricLog``, ``PlotCurves``,
``Checkpoint``, ``EarlyStopping``, ``GradientClipping``, ``StopOnNaN``. Write
your own by subclassing ``Callback``. ``chainrule.train.run`` holds what
``chainrule train / evaluate / predict`` do, as functions.
"""

from .callbacks import (
    Checkpoint,
    CheckpointError,
    EarlyStopping,
    GradientClipping,
    MetricLog,
    PlotCurves,
    ProgressBar,
    StopOnNaN,
)
from .loop import History, count_correct, evaluate, fit
from .state import Callback, FitState

__all__ = [
    "fit",
    "evaluate",
    "count_correct",
    "History",
    "Callback",
    "FitState",
    "ProgressBar",
    "MetricLog",
    "PlotCurves",
    "Checkpoint",
    "CheckpointError",
    "EarlyStopping",
    "GradientClipping",
    "StopOnNaN",
]
