"""Dropout: randomly zero activations while training (or, alpha dropout, set them to
SELU's saturation value)."""

from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class Dropout(Module):
    """In training mode, zero each element with probability ``p`` and scale the
    others by ``1 / (1 - p)``; in eval mode, return the input unchanged.

    >>> import chainrule
    >>> layer = chainrule.nn.Dropout(p=0.5)
    >>> layer.eval()(chainrule.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """In training mode, zero whole channels of (N, C, H, W) with probability ``p`` and
    scale the others by ``1 / (1 - p)``; in eval mode, return the input unchanged.

    >>> import chainrule
    >>> layer = chainrule.nn.Dropout2d(p=0.5)
    >>> layer.eval()(chainrule.ones(1, 2, 2, 2)).sum()
    tensor(8.)
    """

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """In training mode, zero whole channels of (N, C, D, H, W) (or unbatched (C, D, H, W))
    with probability ``p`` and scale the others by ``1 / (1 - p)``; in eval mode, return
    the input unchanged.

    >>> import chainrule
    >>> layer = chainrule.nn.Dropout3d(p=0.5)
    >>> layer.eval()(chainrule.ones(1, 2, 2, 2, 2)).sum()
    tensor(16.)
    """

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)


class Dropout1d(Dropout):
    """In training mode, zero whole channels of (N, C, L) (or unbatched (C, L)) with
    probability ``p`` and scale the others by ``1 / (1 - p)``; in eval mode, return the
    input unchanged.

    >>> import chainrule
    >>> layer = chainrule.nn.Dropout1d(p=0.5)
    >>> layer.eval()(chainrule.ones(1, 2, 4)).sum()
    tensor(8.)
    """

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class AlphaDropout(Dropout):
    """Dropout for SELU networks: in training mode, set each element to SELU's negative
    saturation with probability ``p``, then scale and shift all so that the mean and
    variance are kept; in eval mode, return the input unchanged.

    >>> import chainrule
    >>> layer = chainrule.nn.AlphaDropout(p=0.2)
    >>> layer.eval()(chainrule.ones(3))
    tensor([1., 1., 1.])
    """

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """``AlphaDropout`` of whole channels of (N, C, *): one draw for each (N, C).

    >>> import chainrule
    >>> layer = chainrule.nn.FeatureAlphaDropout(p=0.2)
    >>> layer.eval()(chainrule.ones(1, 2, 2)).sum()
    tensor(4.)
    """

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training)
