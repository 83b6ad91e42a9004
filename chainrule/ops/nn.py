"""Fused neural-network primitives: linear, softmax / log-softmax, the
cross-entropy family, binary cross-entropy, dropout, embedding, hardtanh
and constant padding (and embedding_bag, composed from embedding, gather
and index_add).

Each earns a primitive of its own because composing it from elementwise ops
would be slower (one node and one BLAS call instead of several), would
overflow (e^1000 in softmax and logits losses), or would get PyTorch's
derivative wrong at a kink (hardtanh); the docstring says which. The
user-facing functions here have ``torch.nn.functional``'s signatures and are
gathered under ``chainrule.nn.functional``; the composite activations and
losses (GELU, SiLU, MSE, Huber, ...) are written in nn/functional.py.

Backward rules take arrays, or Tensors under ``create_graph=True``. A rule
that needs a scatter or a softmax of a saved input dispatches on
``isinstance(..., Tensor)`` to a differentiable primitive, so the gradient
can be differentiated again.
"""

import functools
import math
import warnings

import numpy as np

from .._dtype import result_numpy_dtype, scalar_type_name
from .._random import numpy_generator
from .._tensor import Tensor, bump_version, wrap
from ..autograd.function import Primitive
from ..autograd.grad_mode import no_grad
from ..autograd.grad_mode import state as grad_state
from . import _blas
from ._helpers import (
    bind,
    broadcast_error,
    check_inplace,
    clip_to,
    depends_on,
    inplace_on_copy,
    normalize_dim,
    promote,
    select,
    write_inplace,
)
from .elementwise import erf_of_array
from .indexing import gather, index_add, index_put_zeros, index_select
from .reduce import first_axis_sums, last_axis_sums, short_rows

# Only the names that exist with the same signature at torch's top level are
# re-exported as chainrule.<name>; nn/functional.py imports the rest.
__all__ = ["softmax", "log_softmax", "cosine_similarity", "pairwise_distance"]

# --- linear ------------------------------------------------------------------------


class Linear(Primitive):
    """y = x W^T + b  with x: (*, in), W: (out, in), b: (out,) -- one matrix product.
    dL/dx = dL/dy W,   dL/dW = (dL/dy)^T x,   dL/db = sum of dL/dy,
    the last two summed over every leading dim of x (flattened into one batch
    dim, so each gradient is a single BLAS call and nothing is transposed or copied)."""

    saved_needed_by = ((1,), (0,))  # x for dL/dW, W for dL/dx

    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        # ndarray.dot: the least call overhead, for the small layers; BLAS (ops/_blas.py) the large
        y = x2.dot(w.T) if x2.shape[0] * w.size < _blas.MIN_WORK else _blas.matrix_product(x2, w.T)
        if b is not None:
            y += _bias_rows(b, y.shape[0])
        return y if x.ndim == 2 else y.reshape(x.shape[:-1] + (w.shape[0],))

    def backward(ctx, grad):
        x, w = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad
        if grad.ndim != 2:
            grad = grad.reshape(-1, grad.shape[-1])
        # ndarray.dot calls BLAS with a fraction of matmul's overhead (half the cost of
        # the outer product grad @ w when out_features is 1), ops/_blas.py the large products
        # (all three have grad.shape[0] * w.size multiply-adds); Tensors (create_graph)
        # go through np.matmul to chainrule's differentiable matmul.
        if grad.__class__ is not np.ndarray:
            product = np.matmul
        elif grad.shape[0] * w.size < _blas.MIN_WORK:
            product = np.ndarray.dot
        else:
            product = _blas.matrix_product
        grad_x = grad_w = grad_b = None
        if need_x:
            grad_x = product(grad, w)
            if x.ndim != 2:
                grad_x = grad_x.reshape(x.shape)
        if need_w:
            grad_w = product(grad.T, x if x.ndim == 2 else x.reshape(-1, x.shape[-1]))
        if need_b:
            grad_b = grad.sum(axis=0) if isinstance(grad, Tensor) else first_axis_sums(grad)
        return grad_x, grad_w, grad_b


def _bias_rows(b, rows):
    """The bias in the form cheapest to add to each of ``rows`` rows of the product.

    NumPy's broadcast add pays a fixed cost per row (buffered iteration), which
    dominates short rows: a one-element bias is added as a scalar, and a short
    one is first copied into every row (one memcpy per row) so that the add runs
    over contiguous memory -- half the instructions for the rows of small layers.
    """
    if b.shape[0] == 1:
        return b.reshape(())
    if b.shape[0] < 256:
        return b.reshape(1, -1).repeat(rows, 0)
    return b


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: the affine map of ``nn.Linear``, one fused op.

    ``input`` is (*, in_features), ``weight`` (out_features, in_features),
    ``bias`` (out_features,) or None.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.linear(chainrule.ones(2, 3), chainrule.ones(4, 3), chainrule.zeros(4))
    tensor([[3., 3., 3., 3.],
            [3., 3., 3., 3.]])
    """
    x, w = input._data, weight._data
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {x.ndim}D and {w.ndim}D"
        )
    if x.dtype != w.dtype or (bias is not None and bias._data.dtype != w.dtype):
        dtypes = f"input {input.dtype}, weight {weight.dtype}" + (
            f", bias {bias.dtype}" if bias is not None else ""
        )
        raise RuntimeError(
            f"linear(): expected m1 and m2 to have the same dtype, but got {dtypes}; convert the "
            "input with .to(weight.dtype) (or the layer with .to(dtype))"
        )
    if w.ndim == 1:  # a weight vector: input @ weight (+ bias), as PyTorch
        if bias is None:
            return input.matmul(weight)
        if x.ndim > 1:
            raise RuntimeError(
                f"mat2 must be a matrix, got 1-D tensor (linear: weight {tuple(w.shape)} with a bias and "
                f"a {x.ndim}-D input)"
            )
        return input.matmul(weight) + bias
    if w.ndim != 2 or x.shape[-1] != w.shape[1]:
        rows = x.size // x.shape[-1] if x.shape[-1] else 0
        raise RuntimeError(
            f"linear(): mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
            f"{'x'.join(map(str, w.shape[::-1]))}): input {tuple(x.shape)} has {x.shape[-1]} features "
            f"but weight {tuple(w.shape)} (out_features, in_features) expects "
            f"{w.shape[1] if w.ndim == 2 else '?'}"
        )
    if bias is not None and bias._data.shape not in ((w.shape[0],), (), (1,)):
        raise RuntimeError(
            f"linear(): bias of shape {tuple(bias._data.shape)} does not match out_features "
            f"{w.shape[0]} of weight {tuple(w.shape)}"
        )
    return Linear.apply_three(input, weight, bias)


# --- softmax and log-softmax -------------------------------------------------------------


class LogSoftmax(Primitive):
    """y_i = x_i - log sum_j e^(x_j)  (shifted by max x for stability).
    dL/dx_i = dL/dy_i - softmax(x)_i * sum_j dL/dy_j,  with softmax = e^y."""

    def forward(ctx, x, axis):
        y = _log_softmax_array(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad - np.exp(y) * _sum_over(grad, ctx.axis)


class Softmax(Primitive):
    """y_i = e^(x_i) / sum_j e^(x_j)  (shifted by max x for stability).
    dL/dx_i = y_i * (dL/dy_i - sum_j y_j dL/dy_j)."""

    def forward(ctx, x, axis):
        y = _softmax_array(x, axis)
        ctx.axis = axis
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return y * (grad - _sum_over(grad * y, ctx.axis))


def _refuse_integers(input, axis, kernel):
    """PyTorch's error for (log-)softmax of an integer or bool tensor: its kernels
    are float-only (``dtype=`` converts first)."""
    data = input._data
    where = "_lastdim" if axis == data.ndim - 1 or data.ndim == 0 else ""
    raise NotImplementedError(
        f"\"{kernel}{where}_kernel_impl\" not implemented for '{scalar_type_name(data.dtype)}' "
        "(convert the input with .float(), or pass dtype=chainrule.float32)"
    )


def _softmax_input(input, dim, dtype, op_name, stacklevel):
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {op_name} has been deprecated. Change the call to include "
            "dim=X as an argument.",
            UserWarning,
            stacklevel=stacklevel,
        )
        dim = 0 if input._data.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    axis = normalize_dim(dim, input._data.ndim, op_name)
    if input._data.dtype.kind != "f":
        _refuse_integers(input, axis, op_name)
    return input, axis


def log_softmax(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):
    """``log(softmax(input, dim))``, computed stably. Integer tensors need
    ``dtype=`` (or ``.float()``), as in PyTorch.

    >>> import chainrule
    >>> chainrule.log_softmax(chainrule.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    input, axis = _softmax_input(input, dim if axis is None else axis, dtype, "log_softmax", _stacklevel)
    return LogSoftmax.apply_unary(input, axis)


def softmax(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):
    """``exp(input) / sum(exp(input), dim)``: probabilities along ``dim``. Integer
    tensors need ``dtype=`` (or ``.float()``), as in PyTorch.

    >>> import chainrule
    >>> chainrule.softmax(chainrule.tensor([1.0, 1.0, 2.0]), dim=0)
    tensor([0.2119, 0.2119, 0.5761])
    """
    input, axis = _softmax_input(input, dim if axis is None else axis, dtype, "softmax", _stacklevel)
    return Softmax.apply_unary(input, axis)


def _short_rows(x, axis):
    """True for short rows (ops/reduce.py) reduced along the last axis: the max over the
    transposed copy's rows runs as one vectorised pass (128 x 10: 1.7 us, copy included,
    against 8.2), the sum as one BLAS product."""
    return (axis == -1 or axis == x.ndim - 1) and short_rows(x)


def _columns(x):
    """The short rows of ``x`` as the columns of a new (row length, rows) array: OpenBLAS's
    blocked transpose (ops/_blas.py; 4096 rows of 32: 15 us where NumPy's copy takes 65)."""
    rows = x.reshape(-1, x.shape[-1])
    columns = np.empty(rows.shape[::-1], x.dtype)
    _blas.transpose_into(rows, columns)
    return columns


def _max_over(x, axis):
    """``x.max(axis, keepdims=True)``, fast for short rows (exact: the same values)."""
    if _short_rows(x, axis):
        return np.maximum.reduce(_columns(x), axis=0).reshape(x.shape[:-1] + (1,))
    return x.max(axis=axis, keepdims=True)


def _sum_over(x, axis):
    """``x.sum(axis, keepdims=True)``, fast for short rows (128 x 10: 0.6 us against 3.0)."""
    if _short_rows(x, axis):
        return last_axis_sums(x)[..., None]
    return x.sum(axis=axis, keepdims=True)


def _log_softmax_array(x, axis):
    shifted = x - _max_over(x, axis)
    log_sum = _sum_over(np.exp(shifted), axis)
    shifted -= np.log(log_sum, out=log_sum)  # in place: the two temporaries are the step's own
    return shifted


def _softmax_array(x, axis):
    if _short_rows(x, axis):
        # on the transposed rows: NumPy broadcasts a value per row of 32 at half the speed of
        # a same-shape pass, and one per column at full speed (attention's 128x32x32 scores:
        # 179 -> 105 us)
        columns = _columns(x)
        columns -= np.maximum.reduce(columns, axis=0)
        np.exp(columns, out=columns)
        columns /= np.add.reduce(columns, axis=0)
        e = np.empty_like(x)
        _blas.transpose_into(columns, e.reshape(-1, x.shape[-1]))
        return e
    e = np.exp(x - _max_over(x, axis))
    e /= _sum_over(e, axis)
    return e


def _probabilities(x, axis):
    """softmax(x) along ``axis`` for a backward rule: on arrays directly, on
    Tensors (create_graph) through the differentiable Softmax primitive."""
    if isinstance(x, Tensor):
        return Softmax.apply_unary(x, axis)
    return _softmax_array(x, axis)


# --- reductions shared by the losses ---------------------------------------------------------


def reduction_mode(size_average, reduce, reduction):
    """The reduction string, from PyTorch's deprecated ``size_average``/``reduce``
    flags when either is given; ValueError for an unknown string."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
            stacklevel=3,
        )
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction (use 'mean', 'sum' or 'none')")
    return reduction


def _reduce_array(loss, reduction, denominator=None):
    """Reduce an elementwise loss array: as is, summed, or summed / denominator (default: its size)."""
    if reduction == "none":
        return loss
    total = loss.sum(dtype=loss.dtype)
    if reduction == "sum":
        return total
    count = loss.size if denominator is None else denominator
    return np.asarray(total / count if count else np.nan, loss.dtype)  # an empty mean is nan


def _expand_grad(grad, reduction, denominator):
    """The gradient of each element of the unreduced loss: the output gradient
    itself ('none', 'sum': broadcast) or divided by the mean's denominator."""
    if reduction == "mean":
        return grad / denominator
    return grad


def _weighted_grad(ctx, grad):
    """The binary cross-entropies' gradient of each element of the unreduced
    loss (``_expand_grad``), times its ``ctx.weight`` if any."""
    scale = _expand_grad(grad, ctx.reduction, ctx.count)
    return scale if ctx.weight is None else scale * ctx.weight


def _refuse_grad(tensor, op_name, argument):
    if tensor is not None and tensor._requires_grad and grad_state.enabled:
        raise RuntimeError(
            f"The function '{op_name}' is not differentiable with respect to argument '{argument}'. "
            f"This input cannot have requires_grad True (pass {argument}.detach())."
        )


# --- cross-entropy and negative log-likelihood ---------------------------------------------


class _ClassTargets:
    """Class-index targets prepared for a loss over ``x`` (classes on ``axis``):
    ``index`` (target with the class axis kept, ignored entries set to 0) and
    ``weight`` (the class weight of each entry's target, 0 where ignored)."""

    def __init__(self, target, weight, ignore_index, dtype, axis):
        valid = target != ignore_index
        index = np.where(valid, target, 0)
        self.index = index.reshape(index.shape[:axis] + (1,) + index.shape[axis:])  # expand_dims, less set-up
        self.valid = valid
        self.axis = axis
        if weight is None:
            self.weight = valid.astype(dtype)
        else:
            self.weight = np.where(valid, weight[np.where(valid, target, 0)], 0).astype(dtype, copy=False)

    def zero_ignored(self, grad_x):
        """``grad_x`` with exactly 0 for every ignored entry, as in PyTorch, even where
        the output gradient's scale is inf or nan there (a 'mean' over no valid
        entries divides by 0, and 0 * inf would make them nan)."""
        if self.valid.all():
            return grad_x
        kept = np.expand_dims(self.valid, self.axis)
        if isinstance(grad_x, Tensor):
            return np.where(wrap(kept), grad_x, 0.0)
        np.copyto(grad_x, 0, where=~kept)
        return grad_x


def _subtract_at_targets(grad_x, values, index, axis):
    """``grad_x`` minus ``values`` at each target class along ``axis`` (in place
    for arrays; through a one-hot mask, differentiably, for Tensors)."""
    if isinstance(values, Tensor) or isinstance(grad_x, Tensor):
        shape = [1] * grad_x.ndim
        shape[axis] = grad_x.shape[axis]
        return grad_x - values * (np.arange(grad_x.shape[axis]).reshape(shape) == index)
    if grad_x.ndim == 2 and axis == 1:  # (N, C) rows: indexing directly skips take_along_axis's set-up
        grad_x[_row_numbers(grad_x.shape[0]), index[:, 0]] -= np.broadcast_to(values, index.shape)[:, 0]
        return grad_x
    picked = np.take_along_axis(grad_x, index, axis)
    np.put_along_axis(grad_x, index, picked - values, axis)
    return grad_x


def _at_targets(array, index, axis):
    """Each entry's value at its target class: ``array`` with the class axis taken by ``index``."""
    if array.ndim == 2 and axis == 1:
        return array[_row_numbers(array.shape[0]), index[:, 0]]
    return np.take_along_axis(array, index, axis).squeeze(axis)


@functools.lru_cache(maxsize=16)
def _row_numbers(rows):
    """A read-only 0, 1, ..., rows - 1 (a training loop asks for the same batch sizes)."""
    numbers = np.arange(rows)
    numbers.flags.writeable = False
    return numbers


def _class_axis_shape(weight, ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return weight.reshape(shape)


class CrossEntropy(Primitive):
    """Cross-entropy of logits x against class indices t, fused with log-softmax.
    With p = softmax(x), w the class weights (1 without), e the label smoothing
    and C classes, each entry's loss is  -sum_c q_c log p_c  where
    q_c = (1 - e) w_t [c = t] + (e / C) w_c  (0 for an ignored entry), so
    dL/dx_c = p_c * sum_k q_k - q_c  -- "softmax minus one-hot", scaled --
    times the output gradient (divided by sum_i w_(t_i) for 'mean').
    softmax is recomputed from the saved logits in backward rather than kept."""

    def forward(ctx, x, target, weight, ignore_index, smoothing, reduction, axis):
        ctx.save_for_backward(x)
        targets = _ClassTargets(target, weight, ignore_index, x.dtype, axis)
        logp = _log_softmax_array(x, axis)
        picked = _at_targets(logp, targets.index, axis)
        loss = 0 - targets.weight * picked  # 0 - v, not -v: an ignored entry is +0, as in PyTorch
        if smoothing:
            weighted = logp if weight is None else logp * _class_axis_shape(weight, x.ndim, axis)
            smooth = -weighted.sum(axis=axis) * targets.valid
            loss = loss * (1 - smoothing) + smooth * (smoothing / x.shape[axis])
        ctx.targets, ctx.weight, ctx.smoothing = targets, weight, smoothing
        ctx.reduction, ctx.axis = reduction, axis
        ctx.denominator = targets.weight.sum(dtype=x.dtype)
        return _reduce_array(loss, reduction, ctx.denominator)

    def backward(ctx, grad):
        (x,) = ctx.saved
        axis, targets, smoothing = ctx.axis, ctx.targets, ctx.smoothing
        classes = x.shape[axis]
        scale = _expand_grad(grad, ctx.reduction, ctx.denominator)
        if ctx.reduction == "none":
            scale = scale.unsqueeze(axis) if isinstance(scale, Tensor) else np.expand_dims(scale, axis)
        target_weight = np.expand_dims(targets.weight, axis)
        # q summed over classes, per entry
        total = target_weight * (1 - smoothing)
        if smoothing:
            class_weight_sum = classes if ctx.weight is None else ctx.weight.sum()
            total = total + np.expand_dims(targets.valid, axis) * (smoothing / classes * class_weight_sum)
        grad_x = _probabilities(x, axis) * (scale * total)
        grad_x = _subtract_at_targets(grad_x, scale * (target_weight * (1 - smoothing)), targets.index, axis)
        if smoothing:
            per_class = np.expand_dims(targets.valid, axis) * (smoothing / classes)
            if ctx.weight is not None:
                per_class = per_class * _class_axis_shape(ctx.weight, x.ndim, axis)
            grad_x = grad_x - scale * per_class
        return targets.zero_ignored(grad_x)


class CrossEntropyProbabilities(Primitive):
    """Cross-entropy of logits x against class probabilities t (same shape),
    fused with log-softmax: with q = (t (1 - e) + e / C) w (e: label smoothing,
    w: class weights), each entry's loss is  -sum_c q_c log softmax(x)_c, so
    dL/dx_c = softmax(x)_c * sum_k q_k - q_c   and   dL/dt_c = -(1 - e) w_c log softmax(x)_c,
    times the output gradient (divided by the number of entries for 'mean')."""

    def forward(ctx, x, target, weight, smoothing, reduction, axis):
        ctx.save_for_backward(x, target)
        ctx.weight, ctx.smoothing, ctx.reduction, ctx.axis = weight, smoothing, reduction, axis
        ctx.denominator = x.size // x.shape[axis] if x.size else np.nan
        logp = _log_softmax_array(x, axis)
        loss = -(logp * ctx.soft_target(target)).sum(axis=axis)
        return _reduce_array(loss, reduction, ctx.denominator)

    def soft_target(ctx, target):
        """q: the smoothed target times the class weights."""
        q = target * (1 - ctx.smoothing) + ctx.smoothing / target.shape[ctx.axis] if ctx.smoothing else target
        if ctx.weight is not None:
            q = q * _class_axis_shape(ctx.weight, target.ndim, ctx.axis)
        return q

    def backward(ctx, grad):
        x, target = ctx.saved
        axis = ctx.axis
        scale = _expand_grad(grad, ctx.reduction, ctx.denominator)
        if ctx.reduction == "none":
            scale = scale.unsqueeze(axis) if isinstance(scale, Tensor) else np.expand_dims(scale, axis)
        grad_x = grad_target = None
        if ctx.needs_input_grad[0]:
            q = ctx.soft_target(target)
            grad_x = scale * (_probabilities(x, axis) * q.sum(axis=axis, keepdims=True) - q)
        if ctx.needs_input_grad[1]:
            logp = log_softmax(x, axis) if isinstance(x, Tensor) else _log_softmax_array(x, axis)
            factor = (1 - ctx.smoothing) * (
                1 if ctx.weight is None else _class_axis_shape(ctx.weight, x.ndim, axis)
            )
            grad_target = -scale * logp * factor
        return grad_x, grad_target


class NllLoss(Primitive):
    """Negative log-likelihood: loss = -w_t * x_t per entry (x: log-probabilities,
    t: class index, w: class weight, 0 for an ignored entry).
    dL/dx_c = -w_t [c = t] times the output gradient (divided by sum_i w_(t_i) for 'mean')."""

    def forward(ctx, x, target, weight, ignore_index, reduction, axis):
        targets = _ClassTargets(target, weight, ignore_index, x.dtype, axis)
        loss = 0 - targets.weight * _at_targets(x, targets.index, axis)  # +0 where ignored
        ctx.targets, ctx.reduction, ctx.axis, ctx.shape = targets, reduction, axis, x.shape
        ctx.denominator = targets.weight.sum(dtype=x.dtype)
        return _reduce_array(loss, reduction, ctx.denominator)

    def backward(ctx, grad):
        scale = _expand_grad(grad, ctx.reduction, ctx.denominator)
        values = scale * ctx.targets.weight
        values = (
            values.unsqueeze(ctx.axis) if isinstance(values, Tensor) else np.expand_dims(values, ctx.axis)
        )
        zeros = np.zeros(ctx.shape, ctx.targets.weight.dtype)
        return ctx.targets.zero_ignored(_subtract_at_targets(zeros, values, ctx.targets.index, ctx.axis))


def _check_class_targets(op_name, input, target, weight, ignore_index):
    """PyTorch's checks of class-index targets: dtype, shape, range, weight size."""
    x, t = input._data, target._data
    if x.ndim == 0:
        raise ValueError(f"{op_name}: Expected 1 or more dimensions (got 0) for the input")
    if t.dtype != np.int64 and t.dtype != np.uint8:
        raise RuntimeError(
            f"{op_name}: expected target dtype to be Long or Byte, but got {target.dtype}; class-index "
            "targets must be int64 (.long()), probability targets must have the input's shape"
        )
    if x.ndim == 1:
        expected = ()
    else:
        if t.ndim == 0 or x.shape[0] != t.shape[0]:
            raise ValueError(
                f"{op_name}: Expected input batch_size ({x.shape[0]}) to match target batch_size "
                f"({t.shape[0] if t.ndim else 'a scalar'}); input {tuple(x.shape)}, target {tuple(t.shape)}"
            )
        expected = (x.shape[0],) + x.shape[2:]
    if t.shape != expected:
        raise RuntimeError(
            f"{op_name}: Expected target size {list(expected)}, got {list(t.shape)} "
            f"(input {tuple(x.shape)} has classes on dim {0 if x.ndim == 1 else 1})"
        )
    classes = x.shape[0 if x.ndim == 1 else 1]
    # two reductions answer for the common batch; the elementwise test only when they fail
    if t.size and (np.minimum.reduce(t, axis=None) < 0 or np.maximum.reduce(t, axis=None) >= classes):
        bad = (t != ignore_index) & ((t < 0) | (t >= classes))
        if bad.any():
            raise IndexError(
                f"{op_name}: Target {t[bad].flat[0]} is out of bounds: the input has {classes} classes, "
                f"so targets must be in [0, {classes - 1}] (or ignore_index={ignore_index})"
            )
    if weight is not None and weight._data.shape != (classes,):
        raise RuntimeError(
            f"{op_name}: weight tensor should be defined either for all {classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight._data.shape)}"
        )


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    """Cross-entropy between logits ``input`` (N, C, d1, ...) or (C,) and
    ``target``: class indices (N, d1, ...) or class probabilities (the
    input's shape). Fused with log-softmax: stable and one graph node.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.cross_entropy(chainrule.zeros(2, 4), chainrule.tensor([0, 3]))
    tensor(1.3863)
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
        )
    _refuse_grad(weight, "cross_entropy", "weight")
    x, t = input._data, target._data
    axis = 0 if x.ndim == 1 else 1
    if x.dtype.kind != "f":
        _refuse_integers(input, axis, "log_softmax")
    weight_array = None if weight is None else weight._data.astype(x.dtype, copy=False)
    if t.shape == x.shape and x.ndim:
        if t.dtype.kind != "f":
            raise RuntimeError(
                f"cross_entropy: Expected floating point type for target with class probabilities, got "
                f"{target.dtype}; class-index targets have the input's shape without the class dim"
            )
        if ignore_index >= 0:
            raise RuntimeError("cross_entropy: ignore_index is not supported for floating point target")
        if weight is not None and weight._data.shape != (x.shape[axis],):
            raise RuntimeError(
                f"cross_entropy: weight tensor should be defined either for all {x.shape[axis]} classes "
                f"or no classes but got weight tensor of shape: {list(weight._data.shape)}"
            )
        if t.dtype != x.dtype:  # both in the wider dtype, as PyTorch's promotion
            common = np.promote_types(x.dtype, t.dtype)
            input, target = input._cast(common), target._cast(common)
            weight_array = None if weight is None else weight._data.astype(common, copy=False)
        return CrossEntropyProbabilities.apply(
            input, target, weight_array, float(label_smoothing), reduction, axis
        )
    _check_class_targets("cross_entropy", input, target, weight, ignore_index)
    return CrossEntropy.apply(
        input, t, weight_array, int(ignore_index), float(label_smoothing), reduction, axis
    )


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of class indices ``target`` under log-probabilities
    ``input`` (N, C, d1, ...) or (C,): ``-input[n, target[n]]`` per entry, weighted.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.nll_loss(chainrule.tensor([[-1.0, -2.0], [-3.0, -0.5]]), chainrule.tensor([0, 1]))
    tensor(0.7500)
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"nll_loss_out_frame\" not implemented for '{scalar_type_name(input._data.dtype)}' "
            "(nll_loss takes float log-probabilities)"
        )
    _refuse_grad(weight, "nll_loss", "weight")
    _check_class_targets("nll_loss", input, target, weight, ignore_index)
    x = input._data
    weight_array = None if weight is None else weight._data.astype(x.dtype, copy=False)
    return NllLoss.apply(
        input, target._data, weight_array, int(ignore_index), reduction, 0 if x.ndim == 1 else 1
    )


# --- binary cross-entropy ---------------------------------------------------------------------


class BinaryCrossEntropy(Primitive):
    """loss = -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does.
    dL/dx = w (x - t) / max(x (1 - x), 1e-12),   dL/dt = w (log(1 - x) - log x),
    times the output gradient (divided by the number of elements for 'mean')."""

    def forward(ctx, x, t, w, reduction):
        ctx.save_for_backward(x, t)
        ctx.weight, ctx.reduction, ctx.count = w, reduction, x.size
        log_floor, one = _floor_and_one(x.dtype)
        log_x = np.log(x)
        log_1mx = np.log1p(-x)
        np.maximum(log_x, log_floor, out=log_x)
        np.maximum(log_1mx, log_floor, out=log_1mx)
        if w is None and reduction != "none" and x.size:
            # The sum as two BLAS dot products, with no loss array. Both terms are >= 0
            # for x, t in [0, 1], so nothing cancels. An input outside [0, 1] (or nan)
            # makes a log nan and so the sum: only then is the range scanned.
            t_minus_one = t - one
            total = np.vdot(t_minus_one, log_1mx) - np.vdot(t, log_x)
            if not math.isfinite(total):
                _check_probabilities(x)
            # a target outside [0, 1] can give a finite sum: t (t - 1) <= 0 holds exactly
            # in [0, 1] (not for nan), one reduction where min and max are two
            if not np.maximum.reduce(t_minus_one * t, axis=None) <= 0:
                _check_probabilities(t, "target")
            return np.asarray(total / x.size if reduction == "mean" else total)
        _check_probabilities(x)
        _check_probabilities(t, "target")
        loss = (t - one) * log_1mx - t * log_x
        if w is not None:
            loss = loss * w
        return _reduce_array(loss, reduction)

    def backward(ctx, grad):
        x, t = ctx.saved
        scale = _weighted_grad(ctx, grad)
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_x = scale * (x - t) / _at_least((1 - x) * x, 1e-12)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                grad_t = scale * (np.log1p(-x) - np.log(x))
        return grad_x, grad_t


def _at_least(a, low):
    """max(a, low) for an array, or differentiably for a Tensor (create_graph)."""
    return a.clamp(min=low) if isinstance(a, Tensor) else np.maximum(a, low)


def _check_same_size(op_name, input, target, message):
    if target._data.shape != input._data.shape:
        raise ValueError(
            message.format(target=target.size(), input=input.size())
            + f" ({op_name}: give the target the input's shape, e.g. target.view_as(input))"
        )


def _weight_array(op_name, weight, shape, dtype):
    """A per-element weight broadcast to the loss's shape (RuntimeError if it cannot be)."""
    if weight is None:
        return None
    try:
        return np.broadcast_to(weight._data.astype(dtype, copy=False), shape)
    except ValueError:
        raise RuntimeError(
            f"{op_name}: weight of shape {tuple(weight._data.shape)} cannot be broadcast to the input's "
            f"shape {tuple(shape)}"
        ) from None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy between probabilities ``input`` in [0, 1] and
    ``target`` of the same shape; log terms are clamped at -100 (PyTorch's rule).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.binary_cross_entropy(chainrule.tensor([0.5, 0.5]), chainrule.tensor([1.0, 0.0]))
    tensor(0.6931)
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    _check_same_size(
        "binary_cross_entropy",
        input,
        target,
        "Using a target size ({target}) that is different to the input size ({input}) is deprecated. "
        "Please ensure they have the same size.",
    )
    _refuse_grad(weight, "binary_cross_entropy", "weight")
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(
            f"\"binary_cross_entropy\" not implemented for '{scalar_type_name(x.dtype)}' "
            "(the input holds probabilities: a float tensor)"
        )
    if target._data.dtype != x.dtype:
        raise RuntimeError(
            f"Found dtype {scalar_type_name(target._data.dtype)} but expected {scalar_type_name(x.dtype)} "
            "(binary_cross_entropy: give the target the input's dtype, e.g. target.float())"
        )
    w = _weight_array("binary_cross_entropy", weight, x.shape, x.dtype)
    return BinaryCrossEntropy.apply(input, target, w, reduction)


def _check_probabilities(x, role="input"):
    low, high = (x.min(), x.max()) if x.size else (0.5, 0.5)
    if not (low >= 0 and high <= 1):  # (also refuses nan)
        hint = (
            "apply sigmoid first, or use binary_cross_entropy_with_logits"
            if role == "input"
            else "targets are probabilities of the class 1, such as 0.0 and 1.0 labels"
        )
        raise RuntimeError(
            f"binary_cross_entropy: all elements of {role} should be between 0 and 1 (got values in "
            f"[{low}, {high}]); {hint}"
        )


@functools.cache
def _floor_and_one(dtype):
    """-100 (the log floor) and 1 as read-only 0-d arrays of ``dtype``: NumPy combines
    an array with a 0-d array of its own dtype faster than with a Python number."""
    constants = np.array(-100, dtype), np.array(1, dtype)
    for c in constants:
        c.flags.writeable = False
    return constants


def _log_sigmoid(x):
    """log sigmoid(x) = min(x, 0) - log(1 + e^-|x|), stable for any x (arrays or Tensors)."""
    return (x.clamp(max=0) if isinstance(x, Tensor) else np.minimum(x, 0)) - np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    if isinstance(x, Tensor):
        return x.sigmoid()
    return 1 / (1 + np.exp(-x))  # overflow to inf gives the right 0 (warning filtered, see __init__)


class BinaryCrossEntropyWithLogits(Primitive):
    """Binary cross-entropy of logits x, stable for any x:
    loss = w ((1 - t) x - l log sigmoid(x)),  with l = 1 + (p - 1) t  (p: pos_weight, 1 without).
    dL/dx = w (l sigmoid(x) - p t),   dL/dt = -w (x + (p - 1) log sigmoid(x)),
    times the output gradient (divided by the number of elements for 'mean')."""

    def forward(ctx, x, t, w, pos_weight, reduction):
        ctx.save_for_backward(x, t)
        log_sig = _log_sigmoid(x)
        if pos_weight is not None:
            log_sig = log_sig * ((pos_weight - 1) * t + 1)
        loss = (1 - t) * x - log_sig
        if w is not None:
            loss = loss * w
        ctx.weight, ctx.pos_weight, ctx.reduction, ctx.count = w, pos_weight, reduction, x.size
        return _reduce_array(loss, reduction)

    def backward(ctx, grad):
        x, t = ctx.saved
        scale = _weighted_grad(ctx, grad)
        p = ctx.pos_weight
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            if p is None:
                grad_x = scale * (_sigmoid(x) - t)
            else:
                grad_x = scale * (((p - 1) * t + 1) * _sigmoid(x) - p * t)
        if ctx.needs_input_grad[1]:
            grad_t = -scale * (x if p is None else x + (p - 1) * _log_sigmoid(x))
        return grad_x, grad_t


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """Binary cross-entropy of ``sigmoid(input)`` against ``target``, computed
    from the logits directly (stable for any logit). ``pos_weight`` weighs the
    positive term per class (broadcast along the last dim).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(chainrule.zeros(2), chainrule.tensor([1.0, 0.0]))
    tensor(0.6931)
    """
    reduction = reduction_mode(size_average, reduce, reduction)
    _check_same_size(
        "binary_cross_entropy_with_logits",
        input,
        target,
        "Target size ({target}) must be the same as input size ({input})",
    )
    _refuse_grad(weight, "binary_cross_entropy_with_logits", "weight")
    _refuse_grad(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(
            f"\"log_sigmoid_cpu\" not implemented for '{scalar_type_name(x.dtype)}' "
            "(binary_cross_entropy_with_logits takes float logits)"
        )
    target_dtype = target._data.dtype
    if target_dtype.kind == "b":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead. (binary_cross_entropy_with_logits: convert the target "
            "with target.float())"
        )
    if target_dtype.kind != "f":
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {scalar_type_name(target_dtype)} "
            "(binary_cross_entropy_with_logits: convert the target with target.float())"
        )
    if target_dtype != x.dtype:
        target = target._cast(x.dtype)
    w = _weight_array("binary_cross_entropy_with_logits", weight, x.shape, x.dtype)
    p = _weight_array("binary_cross_entropy_with_logits (pos_weight)", pos_weight, x.shape, x.dtype)
    return BinaryCrossEntropyWithLogits.apply(input, target, w, p, reduction)


# --- dropout -------------------------------------------------------------------------------


class Dropout(Primitive):
    """y = x * m / (1 - p) with m ~ Bernoulli(1 - p) drawn once per element (or per
    channel: ``mask_shape`` (N, C, 1, 1) broadcasts one draw over each channel).
    dL/dx = dL/dy * m / (1 - p)  (the mask is a constant of the node)."""

    def forward(ctx, x, p, generator, mask_shape=None):
        shape = x.shape if mask_shape is None else mask_shape
        ctx.keep = numpy_generator(generator).random(shape, dtype=np.float32) >= p
        # in x's precision, as PyTorch's: 1 / float32(1 - p) can differ from float32(1 / (1 - p))
        ctx.scale = 0.0 if p == 1 else x.dtype.type(1) / x.dtype.type(1 - p)
        y = x * ctx.keep
        y *= ctx.scale
        return y

    def backward(ctx, grad):
        return grad * ctx.keep * ctx.scale


def _check_probability(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)`` (training only; otherwise ``input`` is returned as is).

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.dropout(chainrule.ones(4), p=0.5, training=False)
    tensor([1., 1., 1., 1.])
    """
    _check_probability(p)
    if not training or p == 0:
        return input
    if inplace:
        check_inplace(input, "dropout_")
        return write_inplace(input, Dropout.apply_unary(input, p, None), "dropout_")
    return Dropout.apply_unary(input, p, None)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) with probability ``p`` and scale the
    rest by ``1 / (1 - p)`` (training only), as ``dropout2d`` does for images.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> y = F.dropout1d(chainrule.ones(2, 3, 4), p=0.5)
    >>> bool(((y == 0) | (y == 2)).all()), bool((y.std(-1) == 0).all())
    (True, True)
    """
    _check_probability(p)
    ndim = input._data.ndim
    if ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that dropout1d exists "
            "to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an "
            "optional batch dimension (i.e. 2D or 3D inputs)."
        )
    if not training or p == 0:
        return input
    mask_shape = input._data.shape[:-1] + (1,)  # one draw per channel, batched or not
    if inplace:
        check_inplace(input, "feature_dropout_")
        return write_inplace(input, Dropout.apply_unary(input, p, None, mask_shape), "feature_dropout_")
    return Dropout.apply_unary(input, p, None, mask_shape)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) with probability ``p`` and scale the rest by
    ``1 / (1 - p)`` (training only): neighbouring pixels are correlated, so dropping
    single ones regularizes little. A 3-D input is read as (N, C, L), with PyTorch's
    warning.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> y = F.dropout2d(chainrule.ones(2, 3, 4, 4), p=0.5)
    >>> bool(((y == 0) | (y == 2)).all()), bool((y.flatten(2).std(-1) == 0).all())
    (True, True)
    """
    _check_probability(p)
    ndim = input._data.ndim
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    elif ndim != 4:
        warnings.warn(
            f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            UserWarning,
            stacklevel=2,
        )
    if ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0:
        return input
    mask_shape = input._data.shape[:2] + (1,) * (ndim - 2)
    if inplace:
        check_inplace(input, "dropout2d_")
        return write_inplace(input, Dropout.apply_unary(input, p, None, mask_shape), "dropout2d_")
    return Dropout.apply_unary(input, p, None, mask_shape)


# --- embedding -------------------------------------------------------------------------------


class Embedding(Primitive):
    """y = W[i]: the rows of the table W picked by the integer indices i.
    dL/dW = zeros with dL/dy added at each picked row (rows picked twice get
    both), the padding row's zeroed and, with scale_grad_by_freq, each row's
    divided by how often it was picked."""

    def forward(ctx, w, indices, row_scale):
        ctx.indices, ctx.shape, ctx.row_scale = indices, w.shape, row_scale
        return np.take(w, indices, axis=0)

    def backward(ctx, grad):
        grad_w = index_put_zeros(grad, ctx.shape, (ctx.indices,), False)
        if ctx.row_scale is not None:
            grad_w = grad_w * ctx.row_scale
        return grad_w


def _renorm_rows(weight, indices, max_norm, norm_type):
    """Scale the rows of ``weight`` used by ``indices`` whose norm exceeds
    ``max_norm`` down to it, in place (PyTorch's ``embedding_renorm_``)."""
    with no_grad():
        rows = np.unique(indices)
        table = weight._data
        norms = np.linalg.norm(table[rows].astype(np.float64), ord=norm_type, axis=1)
        too_long = norms > max_norm
        if too_long.any():
            scale = (max_norm / (norms[too_long] + 1e-7)).astype(table.dtype)
            table[rows[too_long]] *= scale[:, None]
            bump_version(weight)


def embedding(
    input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False
):
    """Look up rows of ``weight`` (num_embeddings, embedding_dim) at the integer
    indices ``input``; the result has shape ``input.shape + (embedding_dim,)``.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.embedding(chainrule.tensor([2, 0]), chainrule.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]))
    tensor([[4., 5.],
            [0., 1.]])
    """
    indices = input._data
    if indices.dtype != np.int64 and indices.dtype != np.int32:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
            f"Int; but got {input.dtype} instead (while checking arguments for embedding); use .long()"
        )
    table = weight._data
    if table.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D (num_embeddings, dim), got {tuple(table.shape)}")
    num = table.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= num):
        bad = indices.min() if indices.min() < 0 else indices.max()
        raise IndexError(
            f"embedding: index out of range in self: index {bad} for a table of {num} rows "
            f"(indices must be in [0, {num - 1}])"
        )
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings {num}")
        padding_idx %= num
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    row_scale = None
    if weight._requires_grad and (padding_idx is not None or scale_grad_by_freq):
        row_scale = np.ones((num, 1), table.dtype)
        if scale_grad_by_freq:
            counts = np.bincount(indices.reshape(-1), minlength=num)
            row_scale[:, 0] = 1 / np.maximum(counts, 1)
        if padding_idx is not None:
            row_scale[padding_idx] = 0
    return Embedding.apply(weight, indices, row_scale)


def _check_indices(tensor, argument):
    if tensor._data.dtype != np.int64 and tensor._data.dtype != np.int32:
        raise RuntimeError(
            f"Expected tensor for argument #{argument} to have one of the following scalar types: Long, "
            f"Int; but got {tensor.dtype} instead (while checking arguments for embedding_bag); use .long()"
        )


def _bag_starts(input, offsets, per_sample_weights, include_last_offset):
    """The flat indices, each bag's first position and the flat per-sample weights, with
    PyTorch's checks of the 1-D (indices + offsets) and 2-D (one bag a row) forms."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
            f"then it must have the same shape as the input ({input.shape})"
        )
    _check_indices(input, "1 'indices'")
    indices = input._data
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                f"fixed length sequences. However, found offsets of type {type(offsets)}"
            )
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        starts = np.arange(0, indices.size, max(indices.shape[1], 1))
        return indices.reshape(-1), starts, per_sample_weights, 0
    if indices.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {indices.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    _check_indices(offsets, "2 'offsets'")
    starts = offsets._data.astype(np.int64)
    if starts.size and starts[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
            f"position 0. However, got {starts[0]}"
        )
    if starts.size and starts[-1] > indices.size:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {indices.size} but got offsets[-1] of "
            f"{starts[-1]}"
        )
    if np.any(np.diff(starts) < 0):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {starts.tolist()}")
    return indices, starts, per_sample_weights, int(include_last_offset)


def embedding_bag(
    input,
    weight,
    offsets=None,
    max_norm=None,
    norm_type=2,
    scale_grad_by_freq=False,
    mode="mean",
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
):
    """The sum, mean or max of the ``weight`` rows in each bag of indices: the rows of a
    2-D ``input``, or the pieces of a 1-D ``input`` starting at ``offsets``. Indices equal
    to ``padding_idx`` are left out of their bag; an empty bag gives zeros.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> table = chainrule.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> F.embedding_bag(chainrule.tensor([0, 2, 1]), table, chainrule.tensor([0, 2]), mode="sum")
    tensor([[4., 6.],
            [2., 3.]])
    """
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    indices, starts, per_sample_weights, last_offset = _bag_starts(
        input, offsets, per_sample_weights, include_last_offset
    )
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    num, dim = weight.shape
    bad = (indices < 0) | (indices >= num)
    if bad.any():
        position = int(np.argmax(bad))
        raise RuntimeError(
            f"Index {position} of input takes value {indices[position]} which is not in the valid range "
            f"[0, {num})"
        )
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
        )
    bags = starts.size - last_offset
    # each index's bag: the last bag starting at or before it (empty bags share a start);
    # with include_last_offset the indices from the final offset on belong to none
    bag_of = np.searchsorted(starts, np.arange(indices.size), side="right") - 1
    kept = bag_of < bags
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(
                f"padding_idx must be within the number of embeddings, -{num} through {num - 1}, "
                f"but got {padding_idx}"
            )
        kept &= indices != padding_idx % num
    positions, bag_of = np.flatnonzero(kept), bag_of[kept]
    picked = indices[positions]
    if mode == "max":
        # each bag's (first) largest value of each column, then those rows picked from weight
        values = weight._data[picked]
        largest = np.full((bags, dim), -np.inf, values.dtype)
        np.maximum.at(largest, bag_of, values)
        first = np.full((bags, dim), picked.size, np.int64)
        at_max = np.where(values == largest[bag_of], np.arange(picked.size)[:, None], picked.size)
        np.minimum.at(first, bag_of, at_max)
        filled = first < picked.size
        rows = np.append(picked, 0)[first]
        return gather(weight, 0, wrap(rows)) * wrap(filled.astype(values.dtype))
    vectors = embedding(wrap(picked), weight, scale_grad_by_freq=scale_grad_by_freq)
    if per_sample_weights is not None:
        vectors = vectors * index_select(per_sample_weights, 0, wrap(positions)).unsqueeze(1)
    sums = index_add(wrap(np.zeros((bags, dim), weight._data.dtype)), 0, wrap(bag_of), vectors)
    if mode == "sum":
        return sums
    counts = np.bincount(bag_of, minlength=bags)
    return sums / wrap(np.maximum(counts, 1).astype(weight._data.dtype)[:, None])


# --- hardtanh ------------------------------------------------------------------------------------


class Hardtanh(Primitive):
    """y = min(max(x, low), high).   dy/dx = 1 strictly inside (low, high), else 0
    (PyTorch's rule: 0 at the boundaries too, unlike clamp's)."""

    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)  # as PyTorch: changing x in place before backward is an error
        ctx.low, ctx.high = low, high
        return np.clip(x, low, high)

    def backward(ctx, grad):
        (x,) = ctx.saved
        values = x._data if isinstance(x, Tensor) else x
        # selected, not multiplied by the mask: 0 outside even where grad is inf, as PyTorch;
        # under create_graph x stays in the graph with derivative 0 (DependsOn)
        return depends_on(select((values > ctx.low) & (values < ctx.high), grad, 0.0), x)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``clamp(input, min_val, max_val)`` with a zero gradient outside (and at) the bounds.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.hardtanh(chainrule.tensor([-3.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if inplace:
        return inplace_on_copy(input, Hardtanh.apply_unary, "hardtanh_", min_val, max_val)
    return Hardtanh.apply_unary(input, min_val, max_val)


# --- piecewise activations and losses ----------------------------------------------------------
#
# One primitive each, as PyTorch's (LeakyReluBackward0, EluBackward0, GeluBackward0,
# SiluBackward0, SoftplusBackward0, MseLossBackward0, SmoothL1LossBackward0,
# HuberLossBackward0): written from where, clamp and arithmetic they recorded 3-8 nodes
# and as many input-sized arrays (ELU of 128x32x28x28, forward and backward: 23.5 ms,
# PyTorch 3.0). Like PyTorch's they keep their inputs, so changing one in place before
# backward is an error. Their backward rules use operations that arrays and Tensors
# both have, so under create_graph they are differentiable again.


def _at_most(x, bound):
    """min(x, bound), for an array or a Tensor."""
    return x.clamp(max=bound) if isinstance(x, Tensor) else clip_to(x, -np.inf, bound)


def _erf(x):
    """erf x, for an array or a Tensor."""
    return x.erf() if isinstance(x, Tensor) else erf_of_array(x)


def _clipped(x, bound):
    """x clipped to [-bound, bound], for an array or a Tensor."""
    return x.clamp(-bound, bound) if isinstance(x, Tensor) else clip_to(x, -bound, bound)


class LeakyRelu(Primitive):
    """y = x where x > 0, else slope x.   dy/dx = 1 where x > 0, else slope."""

    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return select(x > 0, x, x * slope)

    def backward(ctx, grad):
        (x,) = ctx.saved
        if isinstance(grad, Tensor):  # create_graph: the mask's source stays in the graph
            return depends_on(grad * np.where(x._data > 0, 1, ctx.slope).astype(x._data.dtype), x)
        return select(x > 0, grad, grad * ctx.slope)


class Elu(Primitive):
    """y = x where x > 0, else alpha (e^x - 1).   dy/dx = 1 where x > 0, else alpha e^x."""

    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        # e^x of the positive values, which the other branch drops, could overflow
        return select(x > 0, x, np.expm1(_at_most(x, 0)) * alpha)

    def backward(ctx, grad):
        (x,) = ctx.saved
        # x <= 0 picks the exponential branch, as PyTorch's: at NaN the gradient passes (1)
        return select(x <= 0, grad * ctx.alpha * np.exp(_at_most(x, 0)), grad)


_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_NORMAL_DENSITY_AT_0 = 1 / math.sqrt(2 * math.pi)
_GELU_CUBIC = 0.044715


class Gelu(Primitive):
    """y = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.   dy/dx = Phi(x) + x phi(x), phi the
    standard normal density e^(-x^2/2) / sqrt(2 pi). With approximate='tanh':
    y = x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3);
    dy/dx = (1 + tanh u) / 2 + x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2."""

    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        # kept for backward: scipy's erf takes ~14 ns a value (NumPy's exp 0.9)
        ctx.curve = _gelu_curve(x, approximate)
        if approximate == "tanh":
            return x * 0.5 * (1 + ctx.curve)
        return x * ctx.curve

    def backward(ctx, grad):
        (x,) = ctx.saved
        # forward's values; Tensors (create_graph) make their own, to differentiate them again
        curve = _gelu_curve(x, ctx.approximate) if isinstance(x, Tensor) else ctx.curve
        if ctx.approximate == "tanh":
            slope = (1 - curve * curve) * _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
            return grad * (0.5 * (1 + curve) + 0.5 * x * slope)
        return grad * (curve + x * np.exp(-0.5 * x * x) * _NORMAL_DENSITY_AT_0)


def _gelu_curve(x, approximate):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, or for approximate='tanh' tanh u."""
    if approximate == "tanh":
        return np.tanh((x + x * x * x * _GELU_CUBIC) * _SQRT_2_OVER_PI)
    return 0.5 * (1 + _erf(x * _SQRT_HALF))


class Silu(Primitive):
    """y = x sigmoid(x).   dy/dx = s (1 + x (1 - s)), s = sigmoid(x)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        s = _sigmoid(x)
        return grad * (s * (1 + x * (1 - s)))


class Softplus(Primitive):
    """y = log(1 + e^(beta x)) / beta, and x where beta x > threshold.
    dy/dx = sigmoid(beta x), and 1 where beta x > threshold."""

    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        scaled = x * beta
        # the exponent held at the threshold: e^(beta x) of the values that keep x could overflow
        smooth = np.log1p(np.exp(_at_most(scaled, threshold))) / beta
        return select(scaled > threshold, x, smooth)

    def backward(ctx, grad):
        (x,) = ctx.saved
        scaled = x * ctx.beta
        return select(scaled > ctx.threshold, grad, grad * _sigmoid(scaled))


class _PointwiseLoss(Primitive):
    """A loss of d = x - t per element, reduced: ``loss(d, parameter)`` and its slope
    ``slope(d, parameter)`` = dL/dx = -dL/dt, times the output gradient (/ n for 'mean')."""

    def forward(ctx, x, t, parameter, reduction):
        ctx.save_for_backward(x, t)
        ctx.parameter, ctx.reduction = parameter, reduction
        difference = x - t
        ctx.count = difference.size
        return _reduce_array(ctx.loss(difference, parameter), reduction)

    def backward(ctx, grad):
        x, t = ctx.saved
        grad_x = ctx.slope(x - t, ctx.parameter) * _expand_grad(grad, ctx.reduction, ctx.count)
        need_x, need_t = ctx.needs_input_grad[:2]
        return (grad_x if need_x else None), (-grad_x if need_t else None)


class MseLoss(_PointwiseLoss):
    """loss = (x - t)^2.   dL/dx = 2 (x - t) = -dL/dt, times the output gradient (/ n for 'mean')."""

    @staticmethod
    def loss(d, _):
        return d * d

    @staticmethod
    def slope(d, _):
        return 2 * d


class SmoothL1Loss(_PointwiseLoss):
    """loss = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, with d = x - t.
    dL/dx = clip(d / beta, -1, 1) = -dL/dt, times the output gradient (/ n for 'mean')."""

    @staticmethod
    def loss(d, beta):
        distance = np.abs(d)
        return select(distance < beta, 0.5 * distance * distance / beta, distance - 0.5 * beta)

    @staticmethod
    def slope(d, beta):
        return _clipped(d / beta, 1)


class HuberLoss(_PointwiseLoss):
    """loss = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), with d = x - t.
    dL/dx = clip(d, -delta, delta) = -dL/dt, times the output gradient (/ n for 'mean')."""

    @staticmethod
    def loss(d, delta):
        distance = np.abs(d)
        return select(distance < delta, 0.5 * distance * distance, delta * (distance - 0.5 * delta))

    @staticmethod
    def slope(d, delta):
        return _clipped(d, delta)


# --- log-sigmoid -----------------------------------------------------------------------------------


class LogSigmoid(Primitive):
    """y = log sigmoid(x) = min(x, 0) - log(1 + e^-|x|), stable for any x.
    dy/dx = 1 - sigmoid(x) = sigmoid(-x) (1/2 at 0, where the stable form's pieces have kinks)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _log_sigmoid(x)

    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * _sigmoid(-x)


def logsigmoid(input):
    """``log(sigmoid(input))``, computed without overflow for any input.

    >>> import chainrule
    >>> import chainrule.nn.functional as F
    >>> F.logsigmoid(chainrule.tensor([0.0, -100.0]))
    tensor([  -0.6931, -100.0000])
    """
    data = input._data
    if data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"log_sigmoid_cpu\" not implemented for '{scalar_type_name(data.dtype)}' (call .float() first)"
        )
    return LogSigmoid.apply_unary(input)


# --- similarity and distance ---------------------------------------------------------------------


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 * x2, dim) / (max(||x1||, eps) * max(||x2||, eps))``, the inputs
    broadcast. Each input is divided by its norm first (PyTorch's order, which
    keeps the result in [-1, 1]); the clamp at ``eps`` passes the gradient
    through, as PyTorch's does.

    >>> import chainrule
    >>> chainrule.cosine_similarity(chainrule.tensor([[1.0, 0.0]]), chainrule.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """
    common = result_numpy_dtype(x1, x2)
    if common.kind != "f":
        raise RuntimeError(
            "expected common dtype to be floating point, yet common dtype is "
            f"{scalar_type_name(common)} (cosine_similarity: convert the inputs with .float())"
        )
    x1, x2 = promote("cosine_similarity", x1, x2)
    try:
        shape = np.broadcast_shapes(x1._data.shape, x2._data.shape)
    except ValueError:
        raise broadcast_error("cosine_similarity", x1._data.shape, x2._data.shape) from None
    x1, x2 = x1.expand(shape), x2.expand(shape)
    axis = normalize_dim(dim, len(shape), "cosine_similarity")
    norm1 = x1.norm(2, axis, keepdim=True).clone()
    norm2 = x2.norm(2, axis, keepdim=True).clone()
    with no_grad():
        norm1.clamp_min_(eps)
        norm2.clamp_min_(eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(axis)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of ``x1 - x2 + eps`` over the last dim (rows against rows,
    broadcast; ``eps`` keeps the gradient finite where the rows are equal).

    >>> import chainrule
    >>> chainrule.pairwise_distance(chainrule.tensor([[0.0, 0.0]]), chainrule.tensor([[3.0, 4.0]]))
    tensor([5.0000])
    """
    innermost = max(x1.ndim, x2.ndim) - 1
    return (x1 - x2 + eps).norm(p, innermost, keepdim)


# --- constant padding ---------------------------------------------------------------------------


class ConstantPad(Primitive):
    """y = x surrounded by ``value``: widths[d] = (before, after) per dim.
    dL/dx = dL/dy cut back to the region that holds x."""

    @classmethod
    def name(cls):  # PyTorch's name
        return "ConstantPadNdBackward0"

    def forward(ctx, x, widths, value):
        ctx.region = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return np.pad(x, widths, constant_values=value)

    def backward(ctx, grad):
        return grad[ctx.region]


def constant_pad(input, widths, value):
    """``input`` padded with ``value`` by ``widths`` ((before, after) per dim,
    negative entries crop)."""
    shape = input._data.shape
    crop = tuple(slice(max(-before, 0), n - max(-after, 0)) for (before, after), n in zip(widths, shape))
    if any(s.start or s.stop != n for s, n in zip(crop, shape)):
        input = input[crop]
    positive = tuple((max(before, 0), max(after, 0)) for before, after in widths)
    return ConstantPad.apply_unary(input, positive, value)


bind({"softmax": softmax, "log_softmax": log_softmax})
