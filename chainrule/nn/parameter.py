"""Parameter: a Tensor that a Module registers as a learnable weight."""

import numpy as np

from .. import _creation
from .._tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad by default and that ``Module`` collects in
    ``parameters()``. It shares memory with the tensor it is made from.

    >>> import chainrule
    >>> w = chainrule.nn.Parameter(chainrule.zeros(2))
    >>> w.requires_grad, isinstance(w, chainrule.Tensor)
    (True, True)
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor(0)
        if isinstance(data, Tensor):
            self._data = data._data
            self._version_box = data._version_box
        else:
            self._data = np.asarray(data)
            self._version_box = [0, 0]
        self._requires_grad = False
        self.grad_fn = None
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def empty_parameter(*shape, dtype=None):
    """A Parameter of ``shape``, uninitialised: the layers' ``reset_parameters`` fill it in."""
    return Parameter(_creation.empty(*shape, dtype=dtype))
