"""``nn.utils``: gradient clipping, conversion between parameters and one vector,
``rnn`` (padded and packed batches of sequences), ``parametrize`` and
``parametrizations`` (tensors computed from others on each read), the legacy
weight and spectral normalization hooks, ``prune`` (masking parameters' entries),
Conv/Linear-BatchNorm fusion, ``skip_init`` and ``stateless.functional_call``."""

from . import parametrizations, parametrize, prune, rnn, stateless  # noqa: F401 - submodules, as in PyTorch
from .clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .init import skip_init
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
    "get_total_norm",
    "parameters_to_vector",
    "remove_spectral_norm",
    "remove_weight_norm",
    "skip_init",
    "spectral_norm",
    "vector_to_parameters",
    "weight_norm",
]
