"""The chi-squared distribution (``torch.distributions.Chi2``)."""

from . import constraints
from .gamma import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """Gamma(df / 2, 1 / 2): the sum of ``df`` squared standard normals.

    >>> import chainrule
    >>> from chainrule.distributions import Chi2
    >>> Chi2(chainrule.tensor([2.0])).mean
    tensor([2.])
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    @property
    def df(self):
        return self.concentration * 2
