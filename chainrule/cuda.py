"""chainrule runs on the CPU; this module lets device checks in PyTorch scripts run.

>>> import chainrule
>>> chainrule.cuda.is_available()
False
"""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Accepted and ignored: there is no GPU generator to seed."""


def manual_seed_all(seed):
    """Accepted and ignored: there is no GPU generator to seed."""
