"""Loss layers: each holds its settings (and class weights, as buffers, so
they appear in ``state_dict`` as in PyTorch) and calls its ``F.`` function."""

from .. import functional as F
from .distance import PairwiseDistance
from .module import Module

__all__ = [
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "SoftMarginLoss",
    "CosineEmbeddingLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "MultiLabelMarginLoss",
    "CTCLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
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
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, reduction=self.reduction
        )


class TripletMarginWithDistanceLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with any ``distance_function`` (default:
    a ``PairwiseDistance`` submodule): see ``F.triplet_margin_with_distance_loss``.

    >>> import chainrule
    >>> loss = chainrule.nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: (x - y).abs().sum(1))
    >>> a = chainrule.zeros(2, 3)
    >>> loss(a, a, a + 10).item()
    0.0
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.distance_function = PairwiseDistance() if distance_function is None else distance_function
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )


class MarginRankingLoss(_Loss):
    """``max(0, -target * (input1 - input2) + margin)``, target 1 or -1: which input should rank higher.

    >>> import chainrule
    >>> loss = chainrule.nn.MarginRankingLoss(margin=0.5)
    >>> loss(chainrule.tensor([1.0]), chainrule.tensor([0.8]), chainrule.tensor([1.0]))
    tensor(0.3000)
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1 (input: a distance).

    >>> import chainrule
    >>> chainrule.nn.HingeEmbeddingLoss()(chainrule.tensor([0.3, 0.4]), chainrule.tensor([1.0, -1.0]))
    tensor(0.4500)
    """

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``log(1 + exp(-target * input))`` for targets 1 and -1: a smooth hinge.

    >>> import chainrule
    >>> chainrule.nn.SoftMarginLoss()(chainrule.tensor([0.0]), chainrule.tensor([1.0]))
    tensor(0.6931)
    """

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for target 1, ``max(0, cos(x1, x2) - margin)`` for -1, row by row.

    >>> import chainrule
    >>> loss = chainrule.nn.CosineEmbeddingLoss()
    >>> loss(chainrule.tensor([[1.0, 0.0]]), chainrule.tensor([[0.0, 1.0]]), chainrule.tensor([1]))
    tensor(1.)
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Binary cross-entropy of logits averaged over the classes (the last dim); ``weight``
    per class.

    >>> import chainrule
    >>> chainrule.nn.MultiLabelSoftMarginLoss()(chainrule.zeros(1, 3), chainrule.tensor([[1.0, 0.0, 1.0]]))
    tensor(0.6931)
    """

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss of scores (N, C) against class indices (N,): see
    ``F.multi_margin_loss``.

    >>> import chainrule
    >>> chainrule.nn.MultiMarginLoss()(chainrule.tensor([[0.1, 0.2, 0.4, 0.8]]), chainrule.tensor([3]))
    tensor(0.3250)
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(
                f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D instead"
            )
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return F.multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight, reduction=self.reduction
        )


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss of scores (N, C) against label rows ended by -1: see
    ``F.multilabel_margin_loss``.

    >>> import chainrule
    >>> loss = chainrule.nn.MultiLabelMarginLoss()
    >>> loss(chainrule.tensor([[0.1, 0.2, 0.4, 0.8]]), chainrule.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss of log-probabilities (T, N, C): see
    ``F.ctc_loss``.

    >>> import chainrule
    >>> log_probs = chainrule.full((3, 1, 2), 0.5).log()
    >>> chainrule.nn.CTCLoss(reduction="sum")(log_probs, chainrule.tensor([[1]]), [3], [1])
    tensor(0.2877)
    """

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            blank=self.blank,
            reduction=self.reduction,
            zero_infinity=self.zero_infinity,
        )


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of counts under Poisson rates (log-rates by default):
    see ``F.poisson_nll_loss``.

    >>> import chainrule
    >>> chainrule.nn.PoissonNLLLoss()(chainrule.tensor([0.0]), chainrule.tensor([1.0]))
    tensor(1.)
    """

    def __init__(
        self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"
    ):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(
            log_input,
            target,
            log_input=self.log_input,
            full=self.full,
            eps=self.eps,
            reduction=self.reduction,
        )


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of ``target`` under normals of mean ``input`` and variance
    ``var``: see ``F.gaussian_nll_loss``.

    >>> import chainrule
    >>> x, target, var = chainrule.tensor([0.0]), chainrule.tensor([1.0]), chainrule.tensor([1.0])
    >>> chainrule.nn.GaussianNLLLoss()(x, target, var)
    tensor(0.5000)
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)
