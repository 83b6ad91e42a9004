"""Connectionist temporal classification: ``ctc_loss`` as in ``torch.nn.functional``.

The negative log-likelihood of each target sequence, summed over every
alignment of it to the input frames, comes from the alpha recursion of Graves
et al. (2006) in log space. It earns a primitive of its own because composing
the recursion from elementwise ops would record several graph nodes per frame;
here one loop over time runs on arrays, vectorised over the batch and the label
axis, and the gradient comes from the matching beta recursion.
"""

import numpy as np

from .._dtype import scalar_type_name
from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from .nn import reduction_mode

__all__ = []  # torch.ctc_loss takes a reduction enum, not F's string: nothing for the top level


def _logsumexp3(a, b, c):
    return np.logaddexp(np.logaddexp(a, b), c)


def _shifted(x, by):
    """``x`` moved ``by`` places along the last axis, -inf shifted in."""
    out = np.full_like(x, -np.inf)
    out[..., by:] = x[..., :-by]
    return out


class CtcLoss(Primitive):
    """Per-sequence CTC loss  L_n = -log p(l|x) = -log sum over alignments a of
    prod_t exp(y[t, a_t])  for log-probabilities y (T, N, C) and the extended labels
    l' = (blank, l_1, blank, ..., blank). With the forward and backward variables
    alpha[t, s] and beta[t, s] (kept in log space; both include the frame's own
    probability exp(y[t, l'_s])), the occupancy of class c at frame t is
    gamma[t, c] = sum_{s: l'_s = c} alpha[t, s] beta[t, s] / exp(y[t, c]) / p(l|x), and
    dL/dy[t, c] = exp(y[t, c]) - gamma[t, c]  times the output gradient, for t below
    the input length (0 after it). That is PyTorch's convention: the exact derivative
    is -gamma; the exp(y) term, which sums to 1 over c, is cancelled by the backward
    of the log_softmax that produces y, so both give the same gradient of the logits.
    A sequence with no alignment has an infinite loss and a NaN gradient, both 0
    with ``zero_infinity``."""

    once_differentiable = True

    def forward(ctx, log_probs, labels, label_lengths, input_lengths, zero_infinity):
        frames, batch, _ = log_probs.shape
        width = labels.shape[1]
        rows = np.arange(batch)[:, None]
        y = log_probs[:, rows, labels]  # (T, N, S'): the log-probability of each extended label
        y[:, np.arange(width) >= label_lengths[:, None]] = -np.inf
        # l'_s may follow l'_(s-2) directly where they differ (never for a blank: both are blanks)
        skip = np.zeros(labels.shape, bool)
        skip[:, 2:] = labels[:, 2:] != labels[:, :-2]
        alpha = np.empty_like(y)
        alpha[0] = np.where(np.arange(width) < 2, y[0], -np.inf)
        for t in range(1, frames):
            previous = alpha[t - 1]
            skipped = np.where(skip, _shifted(previous, 2), -np.inf)
            alpha[t] = _logsumexp3(previous, _shifted(previous, 1), skipped) + y[t]
        last = alpha[np.maximum(input_lengths - 1, 0), np.arange(batch)]  # (N, S')
        ends = np.take_along_axis(last, np.maximum(label_lengths[:, None] - np.array([[1, 2]]), 0), 1)
        ends[label_lengths == 1, 1] = -np.inf  # an empty target ends on its only blank
        nll = -np.logaddexp(ends[:, 0], ends[:, 1])
        nll[input_lengths == 0] = np.where(label_lengths[input_lengths == 0] == 1, -0.0, np.inf)
        ctx.save_for_backward(log_probs, y, alpha)  # released after backward
        ctx.skip, ctx.nll = skip, nll
        ctx.labels, ctx.label_lengths, ctx.input_lengths = labels, label_lengths, input_lengths
        ctx.zero_infinity = zero_infinity
        return np.where(zero_infinity & np.isinf(nll), 0, nll).astype(log_probs.dtype)

    def backward(ctx, grad):
        log_probs, y, alpha = ctx.saved
        skip, nll = ctx.skip, ctx.nll
        frames, batch, classes = log_probs.shape
        width = y.shape[2]
        lengths = ctx.input_lengths
        # beta[t, s] includes y[t, s], as alpha does; it starts at each sequence's own last frame
        start = np.full((batch, width), -np.inf, y.dtype)
        ends = np.maximum(ctx.label_lengths[:, None] - np.array([[1, 2]]), 0)
        start[np.arange(batch)[:, None], ends] = 0
        skip_back = np.zeros_like(skip)
        skip_back[:, :-2] = skip[:, 2:]
        beta = np.full_like(y, -np.inf)
        following = np.full((batch, width), -np.inf, y.dtype)
        for t in range(frames - 1, -1, -1):
            shifted = _shifted(following[:, ::-1], 1)[:, ::-1]
            skipped = np.where(skip_back, _shifted(following[:, ::-1], 2)[:, ::-1], -np.inf)
            recurred = _logsumexp3(following, shifted, skipped)
            following = np.where((t == lengths - 1)[:, None], start, recurred) + y[t]
            following[t >= lengths] = -np.inf
            beta[t] = following
        product = alpha + beta  # -inf where no alignment passes (padding included)
        passes = product > -np.inf
        occupancy = np.exp(np.where(passes, product - np.where(passes, y, 0) + nll[:, None], -np.inf))
        one_hot = ctx.labels[:, :, None] == np.arange(classes)  # (N, S', C)
        gamma = np.matmul(occupancy.transpose(1, 0, 2), one_hot.astype(y.dtype)).transpose(1, 0, 2)
        grad_y = (np.exp(log_probs) - gamma) * grad.astype(y.dtype)[:, None]
        impossible = np.isinf(nll)
        grad_y[:, impossible] = 0 if ctx.zero_infinity else np.nan
        grad_y[np.arange(frames)[:, None] >= lengths] = 0
        return grad_y.astype(log_probs.dtype)


def _lengths(values, name, batch):
    """``input_lengths`` / ``target_lengths`` (a tensor, list or tuple) as an int64 array."""
    array = np.asarray(values._data if isinstance(values, Tensor) else values)
    if array.dtype.kind not in "iu":
        raise RuntimeError(f"{name} must be integral")
    array = array.reshape(-1).astype(np.int64)
    if array.shape[0] != batch:
        raise RuntimeError(f"{name} must be of size batch_size")
    return array


def _check_range(values, name, high):
    for value in values:
        if value < 0:
            raise RuntimeError(
                f"Expected {name} to have value at least 0, but got value {value} "
                "(while checking arguments for ctc_loss_allocate_outputs)"
            )
        if high is not None and value > high:
            raise RuntimeError(
                f"Expected {name} to have value at most {high}, but got value {value} "
                "(while checking arguments for ctc_loss_allocate_outputs)"
            )


def _extended_labels(targets, target_lengths, blank, classes):
    """Each target padded with blanks around every label: (N, 2 max(S) + 1), and its length."""
    batch = len(target_lengths)
    if targets.ndim == 1:
        total = int(target_lengths.sum())
        if targets.shape[0] != total:
            raise RuntimeError(
                f"Expected tensor to have size {total} at dimension 0, but got size {targets.shape[0]} "
                "for argument #2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"
            )
        offsets = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
    else:
        longest = int(target_lengths.max(initial=0))
        if targets.shape[1] < longest:
            raise RuntimeError(
                f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                f"{targets.shape[1]} for argument #2 'targets' (while checking arguments for "
                "ctc_loss_allocate_outputs)"
            )
    width = 2 * int(target_lengths.max(initial=0)) + 1
    labels = np.full((batch, width), blank, np.int64)
    for n, length in enumerate(target_lengths):
        sequence = targets[offsets[n] : offsets[n] + length] if targets.ndim == 1 else targets[n, :length]
        labels[n, 1 : 2 * length : 2] = sequence
    if ((labels < 0) | (labels >= classes)).any():  # PyTorch reads out of bounds; here it is an error
        raise RuntimeError(
            f"ctc_loss: target labels must be in [0, {classes - 1}] (the classes of log_probs)"
        )
    return labels, 2 * target_lengths + 1


def ctc_loss(
    log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False
):
    """CTC loss of log-probabilities (T, N, C) (or (T, C) unbatched) against targets,
    padded (N, S) or concatenated 1-D; 'mean' divides each loss by its target length
    before averaging over the batch, as PyTorch does.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> log_probs = chainrule.full((3, 1, 2), 0.5).log()
    >>> F.ctc_loss(log_probs, chainrule.tensor([[1]]), [3], [1], reduction="sum")
    tensor(0.2877)
    """
    reduction = reduction_mode(None, None, reduction)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0)
    frames, batch, classes = log_probs.shape
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor) or not isinstance(
        input_lengths, (Tensor, list, tuple)
    ):
        raise TypeError(
            "ctc_loss(): input_lengths and target_lengths must be both tensors or both tuples of ints, got "
            f"{type(input_lengths).__name__} and {type(target_lengths).__name__}"
        )
    dtype = log_probs._data.dtype
    if dtype.kind != "f":
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{scalar_type_name(dtype)}'")
    if log_probs.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    input_lengths = _lengths(input_lengths, "input_lengths", batch)
    target_lengths = _lengths(target_lengths, "target_lengths", batch)
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    _check_range(input_lengths, "input_lengths", frames)
    _check_range(target_lengths, "target_lengths", None)
    labels, label_lengths = _extended_labels(targets._data.astype(np.int64), target_lengths, blank, classes)
    loss = CtcLoss.apply(log_probs, labels, label_lengths, input_lengths, zero_infinity)
    if reduction == "mean":
        return (loss / wrap(np.maximum(target_lengths, 1).astype(dtype))).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss
