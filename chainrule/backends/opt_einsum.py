"""``chainrule.backends.opt_einsum`` (``torch.backends.opt_einsum``): whether ``einsum``
picks the order in which it contracts three or more operands.

chainrule's always does, with NumPy's path optimizer (a port of the opt_einsum
package's greedy one), so ``is_available()`` is True whether or not opt_einsum is
installed. ``enabled`` and ``strategy`` can be read and assigned, or set inside
``with flags(...)``, as in PyTorch; they change nothing.

>>> import chainrule
>>> oe = chainrule.backends.opt_einsum
>>> with oe.flags(strategy="optimal"):
...     oe.strategy
'optimal'
>>> oe.is_available(), oe.enabled, oe.strategy
(True, True, 'auto')
"""

import contextlib

__all__ = ["enabled", "flags", "is_available", "strategy"]

enabled = True
strategy = "auto"


def is_available():
    """True: chainrule's einsum always has a contraction-path optimizer (NumPy's)."""
    return True


@contextlib.contextmanager
def flags(enabled=None, strategy=None):
    """Set ``enabled`` and ``strategy`` ("auto", "greedy" or "optimal") inside the
    ``with`` block, checked as PyTorch checks them; None leaves one as it is."""
    module = globals()
    old = (module["enabled"], module["strategy"])
    if strategy is not None:
        if not (old[0] if enabled is None else enabled):
            raise ValueError(
                f"opt_einsum is not enabled, so setting a `strategy` to {strategy} will not be meaningful. "
                "Please set `enabled` to `True` as well or unset `strategy`."
            )
        if strategy not in ("auto", "greedy", "optimal"):
            raise ValueError(
                f"`strategy` must be one of the following: [auto, greedy, optimal] but is {strategy}"
            )
        module["strategy"] = strategy
    if enabled is not None:
        module["enabled"] = enabled
    try:
        yield
    finally:
        module["enabled"], module["strategy"] = old
