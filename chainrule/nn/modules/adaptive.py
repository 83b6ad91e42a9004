"""Adaptive softmax (Grave et al., 2016): ``AdaptiveLogSoftmaxWithLoss``, as in PyTorch."""

from collections import namedtuple

import numpy as np

from ..._tensor import wrap
from ...ops.shape import cat
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Log-probabilities of targets over many classes split by ``cutoffs`` into a
    shortlist, scored by the ``head`` with one extra logit per cluster, and tail
    clusters, each a low-rank projection (its width divided by ``div_value`` per
    cluster); a target in cluster k gets head log p(k) + cluster log p(target | k).
    Returns (output: each target's log-probability, loss: the mean of -output).

    >>> import chainrule
    >>> asm = chainrule.nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[4, 7])
    >>> result = asm(chainrule.randn(3, 16), chainrule.tensor([0, 5, 9]))
    >>> result.output.shape, result.loss.shape
    (chainrule.Size([3]), chainrule.Size([]))
    """

    def __init__(
        self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None
    ):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an increasing order, "
                "where each value is between 1 and n_classes-1"
            )
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        factory = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList(
            Sequential(
                Linear(in_features, int(in_features // div_value ** (i + 1)), bias=False, **factory),
                Linear(int(in_features // div_value ** (i + 1)), size, bias=False, **factory),
            )
            for i, size in enumerate(np.diff(self.cutoffs).tolist())
        )

    def reset_parameters(self):
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def forward(self, input, target):
        if target.dim() == 1:
            if input.size(0) != target.size(0):
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input.dim() != 2:
                raise RuntimeError(
                    f"1D target tensor expects 2D input tensors, but found inputs with size {input.size()}"
                )
        elif target.dim() == 0:
            if input.dim() != 1:
                raise RuntimeError(
                    f"0D target tensor expects 1D input tensors, but found inputs with size {input.size()}"
                )
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target.dim() > 0
        if not batched:
            input, target = input.unsqueeze(0), target.unsqueeze(0)
        labels = target._data
        if labels.size and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{labels.min()}, {labels.max()}] were found. "
            )
        cluster = np.searchsorted(self.cutoffs, labels, side="right")  # 0: the shortlist
        head_index = np.where(cluster == 0, labels, self.shortlist_size + cluster - 1)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob.gather(1, wrap(head_index[:, None])).squeeze(1)
        for k in range(1, self.n_clusters + 1):
            (rows,) = np.nonzero(cluster == k)
            if rows.size == 0:
                continue
            rows = wrap(rows)
            cluster_logprob = F.log_softmax(self.tail[k - 1](input.index_select(0, rows)), dim=1)
            relative = wrap(labels[rows._data, None] - self.cutoffs[k - 1])
            output = output.index_add(0, rows, cluster_logprob.gather(1, relative).squeeze(1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input, head_output):
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, : self.shortlist_size]]
        for k, projection in enumerate(self.tail):
            cluster_logprob = F.log_softmax(projection(input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + k].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input):
        """The log-probability of every class: (N, n_classes)."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most probable class of each row, the argmax of ``log_prob`` (the tail
        clusters are evaluated only for rows whose head prefers a cluster)."""
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        not_in_shortlist = output >= self.shortlist_size
        if not not_in_shortlist.any():
            return output
        if not_in_shortlist.all():
            return self._full_log_prob(input, head_output).argmax(dim=1)
        log_prob = self._full_log_prob(input[not_in_shortlist], head_output[not_in_shortlist])
        output[not_in_shortlist] = log_prob.argmax(dim=1)
        return output
