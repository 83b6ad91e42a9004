"""Parameters as one flat vector and back, as ``torch.nn.utils``."""

from ..._tensor import Tensor
from ...ops.shape import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one vector (differentiable).

    >>> import chainrule
    >>> chainrule.nn.utils.parameters_to_vector(chainrule.nn.Linear(2, 1).parameters()).shape
    chainrule.Size([3])
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Make each parameter's values the next slice of ``vec`` (the parameters then
    share ``vec``'s memory, as in PyTorch).

    >>> import chainrule
    >>> layer = chainrule.nn.Linear(2, 1)
    >>> chainrule.nn.utils.vector_to_parameters(chainrule.tensor([1.0, 2.0, 3.0]), layer.parameters())
    >>> layer.weight, layer.bias
    (Parameter containing:
    tensor([[1., 2.]], requires_grad=True), Parameter containing:
    tensor([3.], requires_grad=True))
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected chainrule.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        count = param.numel()
        param.data = vec._data[pointer : pointer + count].reshape(param.shape)
        pointer += count
