"""Probability distributions with PyTorch's API (``torch.distributions``):
sample, score (``log_prob``), ``entropy``, moments and ``kl_divergence``,
differentiable in their parameters; ``rsample`` (Normal, Uniform) is
reparameterised, so gradients flow through the draw itself.

Draws come from chainrule's generator, so ``chainrule.manual_seed`` repeats
them; the numbers differ from PyTorch's for the same seed (the distribution
is the same, the bits are not).

>>> import chainrule
>>> from chainrule.distributions import Categorical
>>> _ = chainrule.manual_seed(0)
>>> m = Categorical(probs=chainrule.tensor([0.25, 0.75]))
>>> action = m.sample()
>>> action.dtype, m.log_prob(chainrule.tensor(1))
(chainrule.int64, tensor(-0.2877))
"""

from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Independent",
    "Normal",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
