"""chainrule runs on the CPU; this module lets device checks in PyTorch scripts run.

>>> import chainrule
>>> chainrule.cuda.is_available()
False
"""

import warnings


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Accepted and ignored: there is no GPU generator to seed."""


def manual_seed_all(seed):
    """Accepted and ignored: there is no GPU generator to seed."""


class amp:  # noqa: N801 -- PyTorch's module name, kept for ``torch.cuda.amp.GradScaler(...)``
    """``torch.cuda.amp``: the older spellings of ``chainrule.amp.GradScaler('cuda', ...)``
    and ``chainrule.amp.autocast('cuda', ...)``, with PyTorch's FutureWarning. Without
    CUDA both are disabled, as in PyTorch on such a machine, so scripts written for a
    GPU train here in float32 with the scaler passing everything through.

    >>> import warnings, chainrule
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     chainrule.cuda.amp.GradScaler().is_enabled()
    False
    """

    @staticmethod
    def GradScaler(*args, **kwargs):  # noqa: N802
        warnings.warn(
            "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
            "`torch.amp.GradScaler('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        from .amp import GradScaler

        return GradScaler("cuda", *args, **kwargs)

    @staticmethod
    def autocast(*args, **kwargs):
        warnings.warn(
            "`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
            "`torch.amp.autocast('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        from .amp import autocast

        return autocast("cuda", *args, **kwargs)
