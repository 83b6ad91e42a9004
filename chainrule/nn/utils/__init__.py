"""``nn.utils``: gradient clipping, conversion between parameters and one vector, and
``rnn`` (padded and packed batches of sequences)."""

from . import rnn  # noqa: F401 - nn.utils.rnn, a submodule as in PyTorch
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]
