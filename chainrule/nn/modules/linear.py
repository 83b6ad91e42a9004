"""Linear layers: Identity, Linear and Bilinear, with PyTorch's default initialisation."""

import math

from .. import functional as F
from .. import init
from ..parameter import empty_parameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged (a placeholder; arguments are accepted and ignored).

    >>> import chainrule
    >>> chainrule.nn.Identity(54, unused="argument")(chainrule.tensor([1.0]))
    tensor([1.])
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x W^T + b`` with W of shape (out_features, in_features).

    Initialised as PyTorch does: W ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_
    with a = sqrt(5)) and b ~ U(-1/sqrt(in), 1/sqrt(in)).

    >>> import chainrule
    >>> layer = chainrule.nn.Linear(20, 30)
    >>> layer(chainrule.randn(128, 20)).shape
    chainrule.Size([128, 30])
    >>> layer
    Linear(in_features=20, out_features=30, bias=True)
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = empty_parameter(out_features, in_features, dtype=dtype)
        if bias:
            self.bias = empty_parameter(out_features, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._linear_default_(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )


class Bilinear(Module):
    """``y_o = x1^T W_o x2 + b_o`` with W of shape (out, in1, in2).

    Initialised with W and b ~ U(-1/sqrt(in1), 1/sqrt(in1)), as PyTorch does.

    >>> import chainrule
    >>> layer = chainrule.nn.Bilinear(20, 30, 40)
    >>> layer(chainrule.randn(128, 20), chainrule.randn(128, 30)).shape
    chainrule.Size([128, 40])
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = empty_parameter(out_features, in1_features, in2_features, dtype=dtype)
        if bias:
            self.bias = empty_parameter(out_features, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
