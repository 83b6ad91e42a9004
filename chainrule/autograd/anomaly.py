"""Anomaly detection: find the forward line behind the first NaN in backward.

Inside ``detect_anomaly()`` every recorded node remembers the stack of the
forward call that created it. When a backward rule returns NaN or Inf the
error names the op (``SqrtBackward0``) and that forward line.

>>> import chainrule
>>> x = chainrule.tensor([0.0], requires_grad=True)
>>> with chainrule.autograd.detect_anomaly():
...     y = (x.sqrt() * 0).sum()
...     y.backward()
Traceback (most recent call last):
...
RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output. ...
"""

import functools
import os
import traceback
import warnings

import numpy as np

from . import function

# Frames inside the library are left out of the reported forward stack: the
# user wants the line of their own code that called the op.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class _State:
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


state = _State()


def _remember_creation(node, inputs, outputs):
    stack = traceback.extract_stack()[:-1]
    node._trace = [frame for frame in stack if not frame.filename.startswith(_PACKAGE_DIR)] or stack


def _enable(enabled, check_nan):
    state.enabled = enabled
    state.check_nan = check_nan
    hooks = function.record_hooks
    if enabled and _remember_creation not in hooks:
        hooks.append(_remember_creation)
    elif not enabled and _remember_creation in hooks:
        hooks.remove(_remember_creation)


class detect_anomaly:
    """Context manager and decorator: record forward stacks and stop at the
    first backward rule that produces NaN or Inf (``check_nan=False`` only
    records the stacks).

    >>> import chainrule
    >>> with chainrule.autograd.detect_anomaly():
    ...     chainrule.autograd.is_anomaly_enabled()
    True
    """

    def __init__(self, check_nan=True, _warn=True):
        self.check_nan = check_nan
        if _warn:  # PyTorch's reminder, once per detect_anomaly() made
            warnings.warn(
                "Anomaly Detection has been enabled. This mode will increase the runtime and should "
                "only be enabled for debugging.",
                stacklevel=2,
            )

    def __enter__(self):
        self._previous = (state.enabled, state.check_nan)
        _enable(True, self.check_nan)

    def __exit__(self, *exc):
        _enable(*self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan, _warn=False):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: as a call it takes effect at once; as
    a context manager it restores the previous setting on exit.

    >>> import chainrule
    >>> with chainrule.autograd.set_detect_anomaly(True):
    ...     chainrule.autograd.is_anomaly_enabled()
    True
    >>> chainrule.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode, check_nan=True):
        self._previous = (state.enabled, state.check_nan)
        _enable(bool(mode), check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _enable(*self._previous)
        return False


def is_anomaly_enabled():
    """True inside ``detect_anomaly()`` or after ``set_detect_anomaly(True)``."""
    return state.enabled


def is_anomaly_check_nan_enabled():
    """True when anomaly mode also checks backward results for NaN/Inf."""
    return state.enabled and state.check_nan


def check_backward_result(node, grads):
    """Raise if a gradient that ``node`` returned holds NaN or Inf."""
    if not state.check_nan:
        return
    for i, g in enumerate(grads):
        if g is None:
            continue
        values = getattr(g, "_data", g)
        if not np.all(np.isfinite(values)):
            kind = "nan" if np.any(np.isnan(values)) else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output. "
                + describe_creation(node)
            )


def describe_creation(node):
    """Where in the user's forward code ``node`` was created, if it was recorded."""
    if not node._trace:
        return "Run the forward pass inside chainrule.autograd.detect_anomaly() to see where it was created."
    frame = node._trace[-1]
    return (
        f"It was created in the forward pass at {frame.filename}, line {frame.lineno}, "
        f"in {frame.name}: {frame.line}\nTraceback of the forward call that created it:\n"
        + "".join(traceback.format_list(node._trace))
    )
