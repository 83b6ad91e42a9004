"""``chainrule.random`` (``torch.random``): the default generator's seeding and state
functions, and ``fork_rng``, which runs a block and then puts the generator back.

The functions are the top-level ones (``chainrule.random.manual_seed is
chainrule.manual_seed``), defined once in ``_random.py``.

>>> import chainrule
>>> _ = chainrule.random.manual_seed(0)
>>> with chainrule.random.fork_rng():
...     inside = chainrule.rand(2)
>>> bool((chainrule.rand(2) == inside).all())
True
"""

import contextlib

from ._random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)

__all__ = [
    "Generator",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """Run the ``with`` block, then restore the default generator's state, even if the
    block raised: draws inside it leave the stream outside as it was. ``enabled=False``
    forks nothing. chainrule has only the CPU generator, so ``devices`` may name no
    device (``None`` or ``[]``), as in PyTorch without CUDA.

    >>> import chainrule
    >>> _ = chainrule.manual_seed(1)
    >>> with chainrule.random.fork_rng(devices=[]):
    ...     _ = chainrule.randn(5)
    >>> first = chainrule.randn(1)
    >>> _ = chainrule.manual_seed(1)
    >>> bool(chainrule.randn(1) == first)
    True
    """
    if device_type == "meta" or not enabled:
        yield
        return
    devices = [] if devices is None else list(devices)  # a generator is read once
    if devices:
        # PyTorch's error when it would fetch a CUDA generator's state without CUDA
        raise AssertionError(
            f"{_caller}: chainrule has no CUDA devices, so {_devices_kw}={devices} names devices "
            f"it cannot fork; leave {_devices_kw} out or pass {_devices_kw}=[] (the CPU generator is "
            "always forked)"
        )
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
