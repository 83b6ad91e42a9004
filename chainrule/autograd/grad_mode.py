"""Switching graph recording on and off: no_grad, enable_grad, set_grad_enabled,
inference_mode.

Every op reads ``state.enabled`` before it records a node, so evaluation and
optimizer updates under ``no_grad`` build no graph at all. Each context
manager is also a decorator, as in PyTorch.
"""

import functools


class _State:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


state = _State()


def is_grad_enabled():
    """True when ops record the graph for backward.

    >>> import chainrule
    >>> chainrule.is_grad_enabled()
    True
    >>> with chainrule.no_grad():
    ...     chainrule.is_grad_enabled()
    False
    """
    return state.enabled


class _GradModeContext:
    """Base: a context manager that sets grad mode and restores it on exit."""

    _mode = True

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self._mode

    def __exit__(self, *exc):
        state.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Run ops without recording a graph (for evaluation and weight updates).

    >>> import chainrule
    >>> w = chainrule.ones(2, requires_grad=True)
    >>> with chainrule.no_grad():
    ...     (w * 2).requires_grad
    False
    """

    _mode = False


class enable_grad(_GradModeContext):
    """Record the graph again inside a ``no_grad`` block."""

    _mode = True


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (chainrule has no separate inference tensors).

    ``inference_mode(False)`` leaves grad mode as it is.
    """

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        self._previous = state.enabled
        if self.mode:
            state.enabled = False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off: as a call, or as a context manager that restores it."""

    def __init__(self, mode):
        self._previous = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.enabled = self._previous
        return False

    def __call__(self, fn):
        state.enabled = self._previous
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper
