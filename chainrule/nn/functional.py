"""``chainrule.nn.functional`` (``F``), as ``torch.nn.functional``: the
stateless forms of layers, activations and losses. The functions live with
their primitives in ops/; this module gathers them under PyTorch's names."""

from ..ops.attention import *  # noqa: F403
from ..ops.conv import *  # noqa: F403
from ..ops.elementwise import relu, sigmoid, tanh  # noqa: F401
from ..ops.nn import *  # noqa: F403
from ..ops.norm import *  # noqa: F403
