"""``chainrule.backends.cuda`` (``torch.backends.cuda``): there is no CUDA.

``cuda.matmul.allow_tf32`` and friends can be assigned, as in PyTorch; nothing
reads them.

>>> import chainrule
>>> chainrule.backends.cuda.matmul.allow_tf32 = True
>>> chainrule.backends.cuda.is_built()
False
"""

import types

matmul = types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)


def is_built():
    """False: chainrule is not built with CUDA."""
    return False
