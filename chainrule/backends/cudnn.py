"""``chainrule.backends.cudnn`` (``torch.backends.cudnn``): there is no cuDNN.

The flags are plain module attributes, so ``cudnn.benchmark = True`` and
``cudnn.deterministic = True`` work as in PyTorch; nothing reads them.

>>> import chainrule.backends.cudnn as cudnn
>>> cudnn.benchmark = True
>>> cudnn.is_available(), cudnn.version()
(False, None)
>>> cudnn.benchmark = False
"""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10


def is_available():
    """False: chainrule has no cuDNN."""
    return False


def version():
    """None, PyTorch's answer when cuDNN is not there."""
    return None
