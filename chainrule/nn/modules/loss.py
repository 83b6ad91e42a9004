"""Loss layers: each holds its settings (and class weights, as buffers, so
they appear in ``state_dict`` as in PyTorch) and calls its ``F.`` function."""

from .. import functional as F
from .module import Module

__all__ = [
    "TripletMarginLoss",
    "L1Loss",
    "MSELoss",
    "SmoothL1Loss",
    "HuberLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F.reduction_mode(size_average, reduce, reduction)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|`` (or its sum, or per element).

    >>> import chainrule
    >>> chainrule.nn.L1Loss()(chainrule.tensor([1.0, 3.0]), chainrule.tensor([2.0, 2.0]))
    tensor(1.)
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)^2`` (or its sum, or per element).

    >>> import chainrule
    >>> chainrule.nn.MSELoss()(chainrule.tensor([1.0, 3.0]), chainrule.tensor([2.0, 2.0]))
    tensor(1.)
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above (scaled to meet smoothly).

    >>> import chainrule
    >>> chainrule.nn.SmoothL1Loss(beta=1.0)(chainrule.tensor([0.5]), chainrule.tensor([0.0]))
    tensor(0.1250)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta`` times the absolute error above.

    >>> import chainrule
    >>> chainrule.nn.HuberLoss(delta=1.0)(chainrule.tensor([3.0]), chainrule.tensor([0.0]))
    tensor(2.5000)
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits (N, C, d1, ...) against class indices (N, d1, ...)
    or class probabilities; softmax is part of the loss.

    >>> import chainrule
    >>> loss = chainrule.nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss(chainrule.zeros(3, 5), chainrule.tensor([1, 0, 4]))
    tensor(1.6094)
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index=-100,
        reduce=None,
        reduction="mean",
        label_smoothing=0.0,
    ):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices under log-probabilities (use after LogSoftmax).

    >>> import chainrule
    >>> chainrule.nn.NLLLoss()(chainrule.tensor([[-0.5, -1.0]]), chainrule.tensor([1]))
    tensor(1.)
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(
            input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities in [0, 1] (use after Sigmoid); log terms clamp at -100.

    >>> import chainrule
    >>> chainrule.nn.BCELoss()(chainrule.tensor([0.5]), chainrule.tensor([1.0]))
    tensor(0.6931)
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits: Sigmoid and BCELoss in one stable step;
    ``pos_weight`` weighs the positive examples of each class.

    >>> import chainrule
    >>> chainrule.nn.BCEWithLogitsLoss()(chainrule.tensor([0.0]), chainrule.tensor([1.0]))
    tensor(0.6931)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of ``target`` from log-probabilities ``input``;
    ``reduction='batchmean'`` gives the true KL per sample.

    >>> import chainrule
    >>> p = chainrule.tensor([[0.25, 0.75]])
    >>> chainrule.nn.KLDivLoss(reduction="batchmean")(p.log(), p)
    tensor(0.)
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` for (anchor, positive, negative) rows: see
    ``F.triplet_margin_loss``.

    >>> import chainrule
    >>> loss = chainrule.nn.TripletMarginLoss(margin=1.0)
    >>> a = chainrule.zeros(2, 3)
    >>> loss(a, a, a + 10).item()
    0.0
    """

    def __init__(
        self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"
    ):
        super().__init__(size_average, reduce, reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, reduction=self.reduction
        )
