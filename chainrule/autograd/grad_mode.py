"""Switching graph recording on and off: no_grad, enable_grad, set_grad_enabled,
inference_mode.

Every op reads ``state.enabled`` before it records a node, so evaluation and
optimizer updates under ``no_grad`` build no graph at all. Each context
manager is also a decorator, as in PyTorch: ``@no_grad()`` and ``@no_grad``
both work, and a decorated generator runs under the mode at every step
(its body runs between ``next()`` calls, outside any ``with`` around the call).
"""

import functools
import inspect
import threading


class _State(threading.local):
    """Per thread, as in PyTorch: a ``no_grad`` in one thread (say, evaluation in
    the background) leaves another's recording on, and every thread starts with
    recording on."""

    def __init__(self):
        self.enabled = True
        self.inference = False


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


def is_inference_mode_enabled():
    """True inside ``inference_mode()``.

    >>> import chainrule
    >>> with chainrule.inference_mode():
    ...     chainrule.autograd.grad_mode.is_inference_mode_enabled()
    True
    """
    return state.inference


def _decorate(make_context, fn):
    """``fn`` run under a fresh context from ``make_context()`` (PyTorch's context_decorator)."""
    if inspect.isgeneratorfunction(fn):
        return _decorate_generator(make_context, fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_context():
            return fn(*args, **kwargs)

    return wrapper


def _decorate_generator(make_context, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        generator = fn(*args, **kwargs)
        try:
            with make_context():
                response = generator.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_context():
                        generator.close()
                    raise
                except BaseException as error:
                    with make_context():
                        response = generator.throw(error)
                else:
                    with make_context():
                        response = generator.send(request)
        except StopIteration as stop:
            return stop.value

    return wrapper


class _GradModeContext:
    """Base: a context manager that sets grad mode and restores it on exit.

    ``no_grad`` and ``enable_grad`` also decorate without parentheses
    (``@no_grad``): called with a function, the class returns it wrapped.
    """

    _mode = True

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return _decorate(cls, orig_func)

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self._mode

    def __exit__(self, *exc):
        state.enabled = self._previous
        return False

    def __call__(self, fn):
        return _decorate(self.clone, fn)

    def clone(self):
        return self.__class__()


class no_grad(_GradModeContext):
    """Run ops without recording a graph (for evaluation and weight updates).

    >>> import chainrule
    >>> w = chainrule.ones(2, requires_grad=True)
    >>> with chainrule.no_grad():
    ...     (w * 2).requires_grad
    False
    >>> @chainrule.no_grad()
    ... def double(x):
    ...     return x * 2
    >>> double(w).requires_grad
    False
    """

    _mode = False


class enable_grad(_GradModeContext):
    """Record the graph again inside a ``no_grad`` block.

    >>> import chainrule
    >>> w = chainrule.ones(2, requires_grad=True)
    >>> with chainrule.no_grad():
    ...     with chainrule.enable_grad():
    ...         (w * 2).requires_grad
    True
    """

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off: as a call (it takes effect at once), or as a
    context manager or decorator that restores the previous mode afterwards.

    >>> import chainrule
    >>> w = chainrule.ones(2, requires_grad=True)
    >>> with chainrule.set_grad_enabled(False):
    ...     (w * 2).requires_grad
    False
    >>> chainrule.is_grad_enabled()
    True
    """

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        if not isinstance(mode, bool):
            kind = type(mode)
            name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {name}")
        self._previous = state.enabled
        self.mode = mode
        state.enabled = self.mode

    def __enter__(self):
        state.enabled = self.mode

    def __call__(self, fn):
        # used as a decorator, the constructor's immediate switch is undone
        state.enabled = self._previous
        return _decorate(self.clone, fn)

    def clone(self):
        return self.__class__(self.mode)

    def __repr__(self):
        return f"chainrule.autograd.grad_mode.set_grad_enabled(mode={self.mode})"


class inference_mode(_GradModeContext):
    """``inference_mode()`` is ``no_grad()``; ``inference_mode(False)`` turns
    recording on, as PyTorch's does.

    Differs from PyTorch on purpose: chainrule has no separate inference
    tensors, so a tensor made here may later take part in a recorded graph.

    >>> import chainrule
    >>> w = chainrule.ones(2, requires_grad=True)
    >>> with chainrule.inference_mode():
    ...     (w * 2).requires_grad
    False
    """

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return object.__new__(cls)
        return _decorate(cls, mode)

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        self._previous = (state.enabled, state.inference)
        state.enabled = not self.mode
        state.inference = self.mode

    def __exit__(self, *exc):
        state.enabled, state.inference = self._previous
        return False

    def clone(self):
        return self.__class__(self.mode)
