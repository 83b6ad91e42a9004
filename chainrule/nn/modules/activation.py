"""Activation layers: each wraps its ``F.`` function and shows its settings in repr."""

from ...ops.elementwise import sigmoid, tanh
from .. import functional as F
from .. import init
from ..parameter import empty_parameter
from .module import Module

__all__ = [
    "ReLU",
    "LeakyReLU",
    "ELU",
    "GELU",
    "SiLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Softplus",
    "Hardtanh",
    "ReLU6",
    "LogSigmoid",
    "Mish",
    "PReLU",
    "RReLU",
    "SELU",
    "CELU",
    "Hardswish",
    "Hardsigmoid",
    "Softsign",
    "Softmin",
    "Softmax2d",
    "Threshold",
    "GLU",
    "Tanhshrink",
    "Softshrink",
    "Hardshrink",
]


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


class ReLU(Module):
    """``max(x, 0)``.

    >>> import chainrule
    >>> chainrule.nn.ReLU()(chainrule.tensor([-1.0, 1.0]))
    tensor([0., 1.])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> import chainrule
    >>> chainrule.nn.LeakyReLU(0.1)(chainrule.tensor([-1.0, 1.0]))
    tensor([-0.1000,  1.0000])
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> import chainrule
    >>> chainrule.nn.ELU()(chainrule.tensor([-1.0, 1.0]))
    tensor([-0.6321,  1.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """``x * Phi(x)``, exact (``approximate='none'``) or with the tanh approximation.

    >>> import chainrule
    >>> chainrule.nn.GELU(approximate="tanh")(chainrule.tensor([1.0]))
    tensor([0.8412])
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * sigmoid(x)``.

    >>> import chainrule
    >>> chainrule.nn.SiLU()(chainrule.tensor([1.0]))
    tensor([0.7311])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``.

    >>> import chainrule
    >>> chainrule.nn.Sigmoid()(chainrule.tensor([0.0]))
    tensor([0.5000])
    """

    def forward(self, input):
        return sigmoid(input)


class Tanh(Module):
    """The hyperbolic tangent.

    >>> import chainrule
    >>> chainrule.nn.Tanh()(chainrule.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return tanh(input)


class Softmax(Module):
    """Probabilities along ``dim``: ``exp(x) / sum(exp(x), dim)``.

    >>> import chainrule
    >>> chainrule.nn.Softmax(dim=1)(chainrule.zeros(1, 4))
    tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x, dim))``, computed stably.

    >>> import chainrule
    >>> chainrule.nn.LogSoftmax(dim=1)(chainrule.zeros(1, 2))
    tensor([[-0.6931, -0.6931]])
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta``, linear past ``threshold``.

    >>> import chainrule
    >>> chainrule.nn.Softplus()(chainrule.tensor([0.0]))
    tensor([0.6931])
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``clamp(x, min_val, max_val)``.

    >>> import chainrule
    >>> chainrule.nn.Hardtanh()(chainrule.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:
            min_val = min_value  # deprecated spellings, still accepted by PyTorch
        if max_value is not None:
            max_val = max_value
        if max_val <= min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``: a Hardtanh from 0 to 6, as in PyTorch.

    >>> import chainrule
    >>> chainrule.nn.ReLU6()(chainrule.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class LogSigmoid(Module):
    """``log(sigmoid(x))``, stable for any x.

    >>> import chainrule
    >>> chainrule.nn.LogSigmoid()(chainrule.tensor([0.0]))
    tensor([-0.6931])
    """

    def forward(self, input):
        return F.logsigmoid(input)


class Mish(Module):
    """``x * tanh(softplus(x))``.

    >>> import chainrule
    >>> chainrule.nn.Mish()(chainrule.tensor([1.0]))
    tensor([0.8651])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.mish(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class PReLU(Module):
    """``x`` where positive, ``a * x`` elsewhere, with the slope ``a`` learned: one for
    all channels, or one per channel (dim 1) when ``num_parameters`` is the channel count.

    >>> import chainrule
    >>> layer = chainrule.nn.PReLU(2, init=0.1)
    >>> layer
    PReLU(num_parameters=2)
    >>> layer(chainrule.tensor([[-1.0, -2.0]])).detach()
    tensor([[-0.1000, -0.2000]])
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = empty_parameter(num_parameters, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomised leaky ReLU: in training, slopes drawn from U(lower, upper) for the
    non-positive values; in evaluation, the fixed slope ``(lower + upper) / 2``.

    >>> import chainrule
    >>> chainrule.nn.RReLU(0.1, 0.3).eval()(chainrule.tensor([-1.0, 1.0]))
    tensor([-0.2000,  1.0000])
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class SELU(Module):
    """``scale * elu(x, alpha)`` with the self-normalising alpha = 1.6733, scale = 1.0507.

    >>> import chainrule
    >>> chainrule.nn.SELU()(chainrule.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.selu(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class CELU(Module):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    >>> import chainrule
    >>> chainrule.nn.CELU(2.0)(chainrule.tensor([-1.0, 1.0]))
    tensor([-0.7869,  1.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardswish(Module):
    """``x * relu6(x + 3) / 6``. Its repr does not show ``inplace``, as PyTorch's.

    >>> import chainrule
    >>> chainrule.nn.Hardswish()(chainrule.tensor([-1.0, 1.0, 4.0]))
    tensor([-0.3333,  0.6667,  4.0000])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Hardsigmoid(Module):
    """``relu6(x + 3) / 6``. Its repr does not show ``inplace``, as PyTorch's.

    >>> import chainrule
    >>> chainrule.nn.Hardsigmoid()(chainrule.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Softsign(Module):
    """``x / (1 + |x|)``.

    >>> import chainrule
    >>> chainrule.nn.Softsign()(chainrule.tensor([-3.0, 1.0]))
    tensor([-0.7500,  0.5000])
    """

    def forward(self, input):
        return F.softsign(input)


class Softmin(Module):
    """``softmax(-x, dim)``: probabilities that favour the smallest values.

    >>> import chainrule
    >>> chainrule.nn.Softmin(dim=1)(chainrule.zeros(1, 4))
    tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels at every position of a (N, C, H, W) or (C, H, W) input.

    >>> import chainrule
    >>> chainrule.nn.Softmax2d()(chainrule.zeros(2, 1, 1))
    tensor([[[0.5000]],
    <BLANKLINE>
            [[0.5000]]])
    """

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3)


class Threshold(Module):
    """``x`` where it is above ``threshold``, ``value`` elsewhere.

    >>> import chainrule
    >>> chainrule.nn.Threshold(1.0, -1.0)(chainrule.tensor([0.5, 2.0]))
    tensor([-1.,  2.])
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """Gated linear unit ``a * sigmoid(b)``, a and b the halves of the input along ``dim``.

    >>> import chainrule
    >>> chainrule.nn.GLU()(chainrule.tensor([2.0, 4.0, 0.0, 0.0]))
    tensor([1., 2.])
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Tanhshrink(Module):
    """``x - tanh(x)``.

    >>> import chainrule
    >>> chainrule.nn.Tanhshrink()(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """

    def forward(self, input):
        return F.tanhshrink(input)


class Softshrink(Module):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between.

    >>> import chainrule
    >>> chainrule.nn.Softshrink()(chainrule.tensor([-2.0, 0.3, 2.0]))
    tensor([-1.5000,  0.0000,  1.5000])
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, 0 elsewhere.

    >>> import chainrule
    >>> chainrule.nn.Hardshrink()(chainrule.tensor([-2.0, 0.3, 2.0]))
    tensor([-2.,  0.,  2.])
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"
