"""Linear algebra: matmul and its special cases, einsum, norms, inverses and
determinants, factorizations (Cholesky, QR, SVD), distances and covariance.

For Z = X @ Y the chain rule gives dL/dX = dL/dZ @ Y^T and
dL/dY = X^T @ dL/dZ; batch dims broadcast and the engine sums them back.
"""

import math
import string
import warnings
from collections import namedtuple

import numpy as np

from .._dtype import default_float
from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from ._blas import matrix_product
from ._helpers import (
    bind,
    in_float32_if_half,
    inplace,
    normalize_dim,
    normalize_dims,
    promote,
    sign_of,
    size_mismatch,
    write_out,
    write_outs,
)
from .elementwise import where
from .shape import broadcast_tensors, cat, differentiable

__all__ = [
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "vdot",
    "inner",
    "outer",
    "ger",
    "einsum",
    "inverse",
    "det",
    "slogdet",
    "logdet",
    "matrix_power",
    "cholesky",
    "cholesky_solve",
    "cholesky_inverse",
    "triangular_solve",
    "matrix_exp",
    "svd",
    "pinverse",
    "qr",
    "trace",
    "addmm",
    "addmv",
    "addr",
    "baddbmm",
    "addbmm",
    "tensordot",
    "kron",
    "chain_matmul",
    "cross",
    "dist",
    "cdist",
    "pdist",
    "cov",
    "corrcoef",
]

# PyTorch names dtypes by their C++ type in these messages
_C_NAMES = {
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


_SCALAR_NAMES = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


class MatMul(Primitive):
    """Z = X @ Y.   dL/dX = dL/dZ @ Y^T,  dL/dY = X^T @ dL/dZ
    (a 1-D operand acts as a row or column vector; broadcast batch dims are
    summed back by the engine)."""

    saved_needed_by = ((1,), (0,))  # X for dL/dY, Y for dL/dX

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        if x.ndim == 2 and y.ndim == 2:
            return matrix_product(x, y)
        return np.matmul(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        x_vector, y_vector = x.ndim == 1, y.ndim == 1
        if x_vector and y_vector:  # a dot product: z is a number
            return (grad * y if need_x else None), (grad * x if need_y else None)
        if x_vector:
            x = x.reshape((1, -1))
            grad = np.expand_dims(grad, -2)
        if y_vector:
            y = y.reshape((-1, 1))
            grad = np.expand_dims(grad, -1)
        grad_x = grad_y = None
        product = (
            matrix_product
            if grad.__class__ is np.ndarray and grad.ndim == 2 and x.ndim == 2 and y.ndim == 2
            else np.matmul
        )
        if need_x:
            grad_x = product(grad, np.swapaxes(y, -1, -2))
            if x_vector:
                grad_x = np.squeeze(grad_x, -2)
        if need_y:
            if y.ndim == 2 and x.ndim > 2:
                # one matrix shared by a batch (a linear layer): fold the batch into
                # the rows, one product instead of a stack of them to add up
                # (explicit row counts, not -1: an inner dim of 0 leaves -1 undefined)
                batch = math.prod(x.shape[:-1])
                grad_y = np.matmul(
                    np.swapaxes(x.reshape((batch, x.shape[-1])), 0, 1), grad.reshape((batch, grad.shape[-1]))
                )
            else:
                grad_y = product(np.swapaxes(x, -1, -2), grad)
            if y_vector:
                grad_y = np.squeeze(grad_y, -1)
        return grad_x, grad_y


def _matrix(shape):
    return "x".join(map(str, shape))


def _matmul_shape_error(a_shape, b_shape):
    """PyTorch's error for operands that cannot be multiplied, or None if they can."""
    a_nd, b_nd = len(a_shape), len(b_shape)
    if a_nd == 1 and b_nd == 1:
        if a_shape != b_shape:
            return RuntimeError(
                f"inconsistent tensor size, expected tensor [{a_shape[0]}] and src [{b_shape[0]}] to "
                f"have the same number of elements, but got {a_shape[0]} and {b_shape[0]} elements "
                "respectively"
            )
        return None
    if b_nd == 1:  # matrix (or a batch folded into one) times a vector
        rows = int(np.prod(a_shape[:-1]))
        if a_shape[-1] != b_shape[0]:
            return RuntimeError(
                f"size mismatch, got input ({rows}), mat ({rows}x{a_shape[-1]}), vec ({b_shape[0]})"
            )
        return None
    if b_nd == 2:  # a vector, matrix or batch folded into one, times a matrix
        a_matrix = (1, a_shape[0]) if a_nd == 1 else (int(np.prod(a_shape[:-1])), a_shape[-1])
        if a_matrix[1] != b_shape[0]:
            return RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({_matrix(a_matrix)} and {_matrix(b_shape)})"
            )
        return None
    a_batch, b_batch = a_shape[:-2], b_shape[:-2]
    mismatch = size_mismatch(a_batch, b_batch)
    if mismatch is not None:
        return RuntimeError(mismatch)
    inner = a_shape[-1]
    if inner != b_shape[-2]:
        batch = int(np.prod(np.broadcast_shapes(a_batch, b_batch)))
        return RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {inner}] but "
            f"got: [{batch}, {b_shape[-2]}]."
        )
    return None


def _dtype_error(a, b, what="expected m1 and m2 to have the same dtype, but got: {} != {}"):
    return RuntimeError(what.format(_C_NAMES[a.dtype.name], _C_NAMES[b.dtype.name]))


def _bool_error(a_ndim, b_ndim):
    """PyTorch has no bool matrix product: the error names the kernel it would use."""
    if a_ndim == 1 and b_ndim == 1:
        kernel = "dot"
    elif b_ndim == 1:
        kernel = "addmv_impl_cpu"
    elif b_ndim == 2:
        kernel = "addmm_impl_cpu_"
    else:
        kernel = "bmm"
    return NotImplementedError(
        f"\"{kernel}\" not implemented for 'Bool' (matmul of bool tensors: convert them with "
        ".int() or .float() first)"
    )


def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch broadcasting of batch dims; 1-D operands
    act as vectors (and their dim is removed from the result).

    >>> import chainrule
    >>> w = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x = chainrule.tensor([1.0, 1.0])
    >>> w @ x
    tensor([3., 7.])
    """
    if out is not None:
        return write_out(out, matmul(input, other), "matmul")
    if not isinstance(input, Tensor):  # an array, from a backward rule under create_graph
        input = wrap(np.asarray(input))
    if not isinstance(other, Tensor):
        other = wrap(np.asarray(other))
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    if a.dtype is not b.dtype:
        raise _matmul_shape_error(a.shape, b.shape) or _dtype_error(input, other)
    if a.dtype.kind == "b":
        raise _bool_error(a.ndim, b.ndim)
    try:
        return MatMul.apply_binary(input, other)
    except ValueError:
        raise _matmul_shape_error(a.shape, b.shape) from None


def mm(input, mat2, *, out=None):
    """Product of two matrices (2-D only).

    >>> import chainrule
    >>> chainrule.mm(chainrule.ones(2, 3), chainrule.ones(3, 1))
    tensor([[3.],
            [3.]])
    """
    if out is not None:
        return write_out(out, mm(input, mat2), "mm")
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2, *, out=None):
    """Batched product of (b, n, m) and (b, m, p) tensors (no broadcasting).

    >>> import chainrule
    >>> chainrule.bmm(chainrule.ones(4, 2, 3), chainrule.ones(4, 3, 5)).shape
    chainrule.Size([4, 2, 5])
    """
    if out is not None:
        return write_out(out, bmm(input, mat2), "bmm")
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (batch, _, inner), got = input._data.shape, mat2._data.shape[:2]
    if got != (batch, inner):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {inner}] but "
            f"got: [{got[0]}, {got[1]}]."
        )
    return matmul(input, mat2)


def mv(input, vec, *, out=None):
    """Matrix times vector.

    >>> import chainrule
    >>> chainrule.mv(chainrule.eye(2), chainrule.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """
    if out is not None:
        return write_out(out, mv(input, vec), "mv")
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    return matmul(input, vec)


def dot(input, tensor, *, out=None):
    """Dot product of two 1-D tensors.

    >>> import chainrule
    >>> chainrule.dot(chainrule.tensor([1.0, 2.0]), chainrule.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if out is not None:
        return write_out(out, dot(input, tensor), "dot")
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors"
        )
    if input._data.dtype is not tensor._data.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{_SCALAR_NAMES[input.dtype.name]} and {_SCALAR_NAMES[tensor.dtype.name]}"
        )
    return matmul(input, tensor)


def vdot(input, other, *, out=None):
    """The dot product with the first vector conjugated: ``dot`` for real numbers.

    >>> import chainrule
    >>> chainrule.vdot(chainrule.tensor([1.0, 2.0]), chainrule.tensor([3.0, 4.0]))
    tensor(11.)
    """
    return dot(input, other, out=out)


def inner(input, other, *, out=None):
    """Sum of products over the last dims: ``out[i.., j..] = sum_k input[i.., k] * other[j.., k]``.

    >>> import chainrule
    >>> chainrule.inner(chainrule.ones(2, 3), chainrule.ones(4, 3)).shape
    chainrule.Size([2, 4])
    """
    if out is not None:
        return write_out(out, inner(input, other), "inner")
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input._data.shape)} and {list(other._data.shape)}"
        )
    input, other = promote("inner", input, other)
    lead_a, lead_b = input._data.shape[:-1], other._data.shape[:-1]
    k = input._data.shape[-1]
    rows = matmul(input.reshape(-1, k), other.reshape(-1, k).T)
    return rows.reshape(lead_a + lead_b)


def outer(input, vec2, *, out=None):
    """Outer product ``out[i, j] = input[i] * vec2[j]``.

    >>> import chainrule
    >>> chainrule.outer(chainrule.tensor([1, 2]), chainrule.tensor([1, 10]))
    tensor([[ 1, 10],
            [ 2, 20]])
    """
    if out is not None:
        return write_out(out, outer(input, vec2), "outer")
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


# --- einsum ------------------------------------------------------------------------------


class Einsum(Primitive):
    """Einstein summation y = einsum(equation, x_1, ..., x_n).
    dL/dx_k = einsum of dL/dy with the other operands, written to x_k's subscripts:
    broadcast along the subscripts only x_k has (summed away in y), and placed
    on the diagonal for a subscript x_k repeats (its dL/dx_k is 0 off it)."""

    def forward(ctx, equation, *operands):
        inputs, output, sizes = equation
        ctx.save_for_backward(*operands)
        ctx.equation = equation
        return np.einsum(",".join(inputs) + "->" + output, *operands, optimize=len(operands) > 2)

    def backward(ctx, grad):
        operands = ctx.saved
        inputs, output, sizes = ctx.equation
        grads = [None]
        for k, need in enumerate(ctx.needs_input_grad[1:]):
            if not need:
                grads.append(None)
                continue
            target = inputs[k]
            unique = "".join(dict.fromkeys(target))
            others = [s for i, s in enumerate(inputs) if i != k]
            available = set(output).union(*others)
            kept = "".join(c for c in unique if c in available)
            values = [grad] + [operands[i] for i in range(len(inputs)) if i != k]
            partial = np.einsum(",".join([output, *others]) + "->" + kept, *values, optimize=len(values) > 2)
            if kept != unique:  # constant along the subscripts that were summed away
                partial = partial.reshape(tuple(sizes[c] if c in kept else 1 for c in unique))
                partial = np.broadcast_to(partial, tuple(sizes[c] for c in unique))
            if unique != target:
                shape = tuple(sizes[c] for c in target)
                partial = differentiable(EinsumDiagonalEmbed, partial, unique, target, shape)
            grads.append(partial)
        return tuple(grads)


class EinsumDiagonalEmbed(Primitive):
    """y = zeros of subscripts ``target`` (with repeats, e.g. 'ii') holding x (subscripts
    ``unique``, e.g. 'i') where the repeated subscripts agree: the adjoint of
    einsum('ii->i').   dL/dx = einsum(target -> unique, dL/dy), the diagonal of dL/dy."""

    def forward(ctx, x, unique, target, shape):
        ctx.subscripts = f"{target}->{unique}"
        out = np.zeros(shape, x.dtype)
        np.einsum(ctx.subscripts, out)[...] = x  # einsum returns a writable view of the diagonal
        return out

    def backward(ctx, grad):
        return np.einsum(ctx.subscripts, grad), None, None, None


def _sublist_equation(args):
    """Convert einsum's sublist form ``(op1, [0, 1], op2, [1, 2], [0, 2])`` to a string."""

    def letters(sublist):
        return "".join("..." if s is Ellipsis else string.ascii_letters[s] for s in sublist)

    operands = args[0::2]
    sublists = list(args[1::2])
    output = None
    if len(operands) > len(sublists):
        output = operands[-1]
        operands = operands[:-1]
    equation = ",".join(letters(s) for s in sublists)
    if output is not None:
        equation += "->" + letters(output)
    return equation, operands


def _parse_einsum(equation, operands):
    """(input subscripts, output subscripts, {subscript: size}) with '...' spelled
    out in letters the equation does not use; PyTorch's errors for bad equations."""
    equation = equation.replace(" ", "")
    lhs, arrow, output = equation.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        more = len(operands) > len(inputs)
        raise RuntimeError(
            f"einsum(): {'more' if more else 'fewer'} operands were provided than specified in the equation"
        )
    unused = [c for c in string.ascii_letters if c not in equation]
    ellipsis_dims = max(
        (op._data.ndim - len(s.replace("...", "")) for s, op in zip(inputs, operands) if "..." in s),
        default=0,
    )
    ellipsis = "".join(unused[:ellipsis_dims])
    expanded = []
    sizes = {}
    for k, (s, op) in enumerate(zip(inputs, operands)):
        shape = op._data.shape
        if "..." in s:
            s = s.replace("...", ellipsis[len(ellipsis) - (len(shape) - len(s) + 3) :])
        if len(s) != len(shape):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(s.replace('...', ''))}) does "
                f"not match the number of dimensions ({len(shape)}) for operand {k}"
                + ("" if "..." in inputs[k] else " and no ellipsis was given")
            )
        seen = {}
        for c, n in zip(s, shape):
            if c in seen and seen[c] != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't match, "
                    f"{n} != {seen[c]}"
                )
            seen[c] = n
            previous = sizes.get(c, 1)
            if n != previous and n != 1 and previous != 1:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {k} which does not broadcast "
                    f"with previously seen size {previous}"
                )
            sizes[c] = max(n, previous) if n and previous else 0
        expanded.append(s)
    if arrow:
        output = output.replace("...", ellipsis)
        for c in output:
            if output.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in sizes:
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any input operand"
                )
    else:
        counts = {}
        for s in expanded:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        output = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis))
    return tuple(expanded), output, sizes


def einsum(*args):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)`` is ``a @ b``; also the
    implicit form ('ij,jk'), '...' for batch dims, and repeated subscripts ('ii->i').

    >>> import chainrule
    >>> a = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> chainrule.einsum("ii->", a), chainrule.einsum("ii->i", a)
    (tensor(5.), tensor([1., 4.]))
    """
    if isinstance(args[0], str):
        equation, operands = args[0], args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    dtypes = {op._data.dtype for op in operands}
    if len(dtypes) > 1:
        first, *rest = operands
        other = next(op for op in rest if op._data.dtype is not first._data.dtype)
        raise RuntimeError(
            f"einsum(): expected all operands to have the same dtype, but got {first.dtype.name} and "
            f"{other.dtype.name}"
        )
    return Einsum.apply(_parse_einsum(equation, operands), *operands)


# --- norms -------------------------------------------------------------------------------


class VectorNorm(Primitive):
    """y = (sum_i |x_i|^p)^(1/p) over ``axes``.   dy/dx_i = sign(x_i) |x_i|^(p-1) / y^(p-1):
    x_i / y for p = 2, sign(x_i) for p = 1, sign(x_i) / k at the k entries where
    |x_i| = y for p = +-inf, 0 for p = 0 (the count of nonzeros); 0 where y = 0.
    Fused for the zero cases, which the composite sqrt(sum(x^2)) turns into NaN."""

    @classmethod
    def name(cls):  # PyTorch's name
        return "LinalgVectorNormBackward0"

    def forward(ctx, x, ord, axes, keepdim):
        ctx.ord = ord
        ctx.axes = axes
        ctx.keepdim = keepdim
        absolute = np.abs(x)
        if ord == 2:
            y = np.sqrt(np.add.reduce(x * x, axis=axes, keepdims=keepdim))
        elif ord == 1:
            y = np.add.reduce(absolute, axis=axes, keepdims=keepdim)
        elif ord == float("inf"):
            y = np.max(absolute, axis=axes, keepdims=keepdim)
        elif ord == float("-inf"):
            y = np.min(absolute, axis=axes, keepdims=keepdim)
        elif ord == 0:
            y = np.add.reduce(x != 0, axis=axes, keepdims=keepdim, dtype=x.dtype)
        else:
            with np.errstate(divide="ignore"):  # 0 ** (negative p) = inf, as PyTorch
                y = np.add.reduce(absolute**ord, axis=axes, keepdims=keepdim) ** (1 / ord)
        y = np.asarray(y, x.dtype)
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, grad):
        x, y = ctx.saved
        p = ctx.ord
        if not ctx.keepdim:
            kept = tuple(1 if ctx.axes is None or i in ctx.axes else n for i, n in enumerate(x.shape))
            grad = grad.reshape(kept)
            y = y.reshape(kept)
        if p == 0:
            return np.broadcast_to(grad * 0, x.shape), None, None, None
        if p == 1:
            return sign_of(x) * grad, None, None, None
        if p in (float("inf"), float("-inf")):
            picked = np.abs(x) == y
            count = picked.sum(axis=ctx.axes, keepdims=True, dtype=x.dtype)
            return sign_of(x) * picked * (grad / count), None, None, None
        zero = y == 0
        if p == 2:
            return x * np.where(zero, 0.0, grad / np.where(zero, 1.0, y)), None, None, None
        absolute = np.abs(x)
        if p < 1:
            x_part = sign_of(x) * np.where(x == 0, 0.0, np.where(x == 0, 1.0, absolute) ** (p - 1))
            return x_part * grad * y ** (1 - p), None, None, None
        x_part = sign_of(x) * absolute ** (p - 1)
        return x_part * np.where(zero, 0.0, grad / np.where(zero, 1.0, y) ** (p - 1)), None, None, None


def _floating(A, op_name, dtype):
    if dtype is not None:
        A = A.to(dtype)
    if A._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op_name}: Expected a floating point or complex tensor as input. Got "
            f"{_SCALAR_NAMES[A.dtype.name]}"
        )
    return A


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ``ord``-norm (sum |x_i|^ord)^(1/ord) over ``dim`` (all elements when
    None); ``ord`` may be inf, -inf or 0 (the number of nonzeros).

    >>> import chainrule
    >>> chainrule.linalg.vector_norm(chainrule.tensor([3.0, -4.0]))
    tensor(5.)
    """
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}"
        )
    x = _floating(x, "linalg.vector_norm", dtype)
    shape = x._data.shape
    axes = normalize_dims(dim, len(shape)) if dim is not None else None
    if axes == () or not shape:
        axes = None
    if ord in (float("inf"), float("-inf")):
        reduced = shape if axes is None else [shape[a] for a in axes]
        if 0 in reduced:
            raise RuntimeError(
                "linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
                "operation does not have an identity"
            )
    return in_float32_if_half(lambda x: VectorNorm.apply_unary(x, float(ord), axes, bool(keepdim)), x)


def svdvals(A):
    """The singular values of the matrices in the last two dims, in descending order.

    >>> import chainrule
    >>> chainrule.linalg.svdvals(chainrule.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor([4., 3.])
    """
    A = _floating(A, "linalg.svd", None)
    if A._data.ndim < 2:
        raise RuntimeError(
            f"linalg.svd: The input tensor A must have at least 2 dimensions. Got {A._data.ndim}"
        )
    return Svd.apply(A, False)[1]  # through the full SVD: differentiable twice, as PyTorch's


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix norm of each matrix in dims ``dim``: 'fro' (Frobenius), 'nuc' (sum
    of singular values), 2 / -2 (largest / smallest singular value), 1 / -1 (max /
    min absolute column sum), inf / -inf (max / min absolute row sum).

    >>> import chainrule
    >>> chainrule.linalg.matrix_norm(chainrule.tensor([[1.0, -2.0], [3.0, 4.0]]), 1)
    tensor(6.)
    """
    from .reduce import amax, amin

    A = _floating(A, "linalg.matrix_norm", dtype)
    ndim = A._data.ndim
    if ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {len(dim)}")
    rows, cols = normalize_dim(dim[0], ndim), normalize_dim(dim[1], ndim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(A.movedim((rows, cols), (-2, -1)))
        result = s.sum(-1) if ord == "nuc" else amax(s, -1) if ord == 2 else amin(s, -1)
        if keepdim:
            for d in sorted((rows, cols)):
                result = result.unsqueeze(d)
        return result
    if ord in (1, -1, float("inf"), float("-inf")):
        summed, picked = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = A.abs().sum(summed, keepdim=True)
        result = (amax if ord > 0 else amin)(sums, picked, keepdim=True)
        return result if keepdim else result.squeeze((rows, cols))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.norm``: the 2-norm of all elements when ``ord`` and ``dim`` are
    None; else a vector norm over one dim, or a matrix norm over two dims (or of a
    2-D tensor).

    >>> import chainrule
    >>> chainrule.linalg.norm(chainrule.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(5.)
    """
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}"
            )
    elif ord is not None and A._data.ndim not in (1, 2):
        raise RuntimeError(
            "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
            f"Got {A._data.ndim}D."
        )
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if (dim is not None and len(dim) == 2) or (dim is None and A._data.ndim == 2) or isinstance(ord, str):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


# --- square matrices: inverse, determinants, powers, Cholesky ------------------------------


class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a singular or non-positive-definite matrix."""


def _square(A, op_name):
    """``A`` checked as PyTorch checks a batch of square floating-point matrices."""
    shape = A._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"{op_name}: The input tensor A must have at least 2 dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(
            f"{op_name}: A must be batches of square matrices, "
            f"but they are {shape[-2]} by {shape[-1]} matrices"
        )
    return _floating(A, op_name, None)


def _batch_prefix(a, index):
    return f"(Batch element {index}): " if a.ndim > 2 else ""


def _inv(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        import scipy.linalg  # only to name the zero pivot, as PyTorch's message does

        flat = a.reshape((-1,) + a.shape[-2:])
        for index, matrix in enumerate(flat):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pivots = np.diagonal(scipy.linalg.lu_factor(matrix, check_finite=False)[0])
            zero = np.flatnonzero(pivots == 0)
            if zero.size:
                raise LinAlgError(
                    f"linalg.inv: {_batch_prefix(a, index)}The diagonal element {zero[0] + 1} is zero, the "
                    "inversion could not be completed because the input matrix is singular."
                ) from None
        raise


class Inverse(Primitive):
    """Y = A^-1.   dL/dA = -Y^T dL/dY Y^T."""

    @classmethod
    def name(cls):  # PyTorch's name
        return "LinalgInvExBackward0"

    def forward(ctx, a):
        y = _inv(a)
        ctx.save_for_backward(y)
        return y

    def backward(ctx, grad):
        (y,) = ctx.saved
        return -(y.mT @ grad @ y.mT)


class Det(Primitive):
    """y = det A.   dy/dA = det(A) A^-T (Jacobi's formula; A must be invertible)."""

    @classmethod
    def name(cls):
        return "LinalgDetBackward0"

    def forward(ctx, a):
        y = np.linalg.det(a)
        ctx.save_for_backward(a, y)
        return y

    def backward(ctx, grad):
        a, y = ctx.saved
        return (grad * y)[..., None, None] * differentiable(Inverse, a).mT


class SlogDet(Primitive):
    """sign, log|det A|.   d log|det A| / dA = A^-T; the sign is piecewise constant (no gradient)."""

    @classmethod
    def name(cls):
        return "LinalgSlogdetBackward0"

    def forward(ctx, a):
        sign, logabsdet = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return np.asarray(sign, a.dtype), np.asarray(logabsdet, a.dtype)

    def backward(ctx, grad_sign, grad_logabsdet):
        (a,) = ctx.saved
        return grad_logabsdet[..., None, None] * differentiable(Inverse, a).mT


class Cholesky(Primitive):
    """L = cholesky(A), A = L L^T.   With P = tril(L^T dL/dL) with its diagonal halved and
    S = L^-T P L^-1: dL/dA = (S + S^T) / 2."""

    def forward(ctx, a):
        try:
            lower = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise _not_positive_definite(a) from None
        ctx.save_for_backward(lower)
        ctx.dtype = a.dtype
        return lower

    def backward(ctx, grad):
        (lower,) = ctx.saved
        n = lower.shape[-1]
        halved_tril = np.tril(np.ones((n, n), ctx.dtype)) - np.eye(n, dtype=ctx.dtype) / 2
        inverse = differentiable(Inverse, lower)
        s = inverse.mT @ ((lower.mT @ grad) * halved_tril) @ inverse
        return (s + s.mT) / 2


def _not_positive_definite(a):
    """PyTorch's error, naming the first batch element and leading minor that fail."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for index, matrix in enumerate(flat):
        for order in range(1, matrix.shape[-1] + 1):
            try:
                np.linalg.cholesky(matrix[:order, :order])
            except np.linalg.LinAlgError:
                return LinAlgError(
                    f"cholesky: {_batch_prefix(a, index)}The factorization could not be completed because "
                    f"the input is not positive-definite (the leading minor of order {order} is not "
                    "positive-definite)."
                )
    return LinAlgError("cholesky: The factorization could not be completed.")


def inverse(input, *, out=None):
    """The inverse of each square matrix in the last two dims; ``LinAlgError`` if singular.

    >>> import chainrule
    >>> chainrule.inverse(chainrule.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    if out is not None:
        return write_out(out, inverse(input), "inverse")
    return Inverse.apply_unary(_square(input, "linalg.inv"))


def det(input):
    """The determinant of each square matrix in the last two dims.

    >>> import chainrule
    >>> chainrule.det(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    return Det.apply_unary(_square(input, "linalg.det"))


def _return_type(name, fields):
    """A named tuple printed like ``torch.return_types.<name>``."""
    base = namedtuple(name, fields)

    def __repr__(self):
        items = ",\n".join(f"{field}={value!r}" for field, value in zip(fields, self))
        return f"chainrule.return_types.{name}(\n{items})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__})


_SLOGDET = _return_type("slogdet", ["sign", "logabsdet"])
_SVD = _return_type("svd", ["U", "S", "V"])
_QR = _return_type("qr", ["Q", "R"])


def slogdet(input):
    """``(sign, logabsdet)``: the sign of the determinant and the log of its absolute value.

    >>> import chainrule
    >>> chainrule.slogdet(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])).sign
    tensor(-1.)
    """
    return _SLOGDET(*SlogDet.apply(_square(input, "linalg.slogdet")))


def logdet(input):
    """log det A: NaN where the determinant is negative, -inf where it is 0.

    >>> import chainrule
    >>> chainrule.logdet(chainrule.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    sign, logabsdet = slogdet(input)
    return sign.detach().log() + logabsdet


def matrix_power(input, n):
    """A^n for an integer ``n`` by repeated squaring: the identity for n = 0, powers of
    the inverse for n < 0.

    >>> import chainrule
    >>> chainrule.matrix_power(chainrule.tensor([[1, 1], [0, 1]]), 3)
    tensor([[1, 3],
            [0, 1]])
    """
    shape = input._data.shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        _square(input, "linalg.matrix_power")  # raises PyTorch's error
    if n == 0:
        identity = np.broadcast_to(np.eye(shape[-1], dtype=input._data.dtype), shape)
        return _ignoring(input, wrap(np.array(identity)))
    if n < 0:
        input, n = inverse(input), -n
    result = None
    while n:  # input is A^(2^k) at step k
        if n & 1:
            result = input if result is None else matmul(result, input)
        n >>= 1
        if n:
            input = matmul(input, input)
    return result


def cholesky(input, upper=False, *, out=None):
    """The Cholesky factor L (A = L L^T) of each symmetric positive-definite matrix, or
    U = L^T with ``upper=True``; deprecated in PyTorch for ``linalg.cholesky``, and warns.

    >>> import chainrule, warnings
    >>> warnings.simplefilter("ignore")
    >>> chainrule.cholesky(chainrule.tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
        "PyTorch release.",
        UserWarning,
        stacklevel=2,
    )
    if out is not None:
        return write_out(out, cholesky(input, upper), "cholesky")
    lower = Cholesky.apply_unary(_square(input, "cholesky"))
    return lower.mT if upper else lower


def _cholesky_product(L, upper, op_name):
    """A = L L^T (U^T U with ``upper``) from the factor's triangle, as LAPACK reads it,
    with PyTorch's gradient, which treats the whole of L as the factor: the other
    triangle is subtracted as a constant, so its entries get gradient but no value."""
    L = _square(L, op_name)
    factor = L - (L.tril(-1) if upper else L.triu(1)).detach()
    return factor.mT @ factor if upper else factor @ factor.mT


def _refuse_integers(t, kernel):
    if t._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_SCALAR_NAMES[t.dtype.name]}'")


def _check_right_hand_side(b, A, dims_message, kernel):
    """PyTorch's checks of the b of cholesky_solve and triangular_solve: a (batch of) matrix
    (``dims_message`` names the op's wording) of A's floating-point dtype."""
    if b._data.ndim < 2:
        raise RuntimeError(dims_message.format(b._data.ndim))
    if b._data.dtype != A._data.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {_SCALAR_NAMES[b.dtype.name]} "
            f"and A of type {_SCALAR_NAMES[A.dtype.name]} instead."
        )
    _refuse_integers(b, kernel)


def cholesky_solve(input, input2, upper=False, *, out=None):
    """X with A X = B for A = L L^T (or U^T U with ``upper``), given B = ``input`` and
    the Cholesky factor L = ``input2`` (only its triangle is read); batch dims broadcast.

    >>> import chainrule
    >>> chainrule.cholesky_solve(chainrule.tensor([[2.0], [8.0]]), chainrule.tensor([[1.0, 0.0], [0.0, 2.0]]))
    tensor([[2.],
            [2.]])
    """
    if out is not None:
        return write_out(out, cholesky_solve(input, input2, upper), "cholesky_solve")
    _check_right_hand_side(
        input,
        input2,
        "b should have at least 2 dimensions, but has {} dimensions instead",
        "cholesky_solve_cpu",
    )
    return _solve(_cholesky_product(input2, upper, "cholesky_solve"), input, True, "cholesky_solve")


def cholesky_inverse(input, upper=False, *, out=None):
    """A^-1 for A = L L^T (or U^T U with ``upper``), given the Cholesky factor L
    (only its triangle is read).

    >>> import chainrule
    >>> chainrule.cholesky_inverse(chainrule.tensor([[1.0, 0.0], [0.0, 2.0]]))
    tensor([[1.0000, 0.0000],
            [0.0000, 0.2500]])
    """
    if out is not None:
        return write_out(out, cholesky_inverse(input, upper), "cholesky_inverse")
    _refuse_integers(input, "cholesky_inverse_out_cpu")
    return inverse(_cholesky_product(input, upper, "cholesky_inverse"))


_TRIANGULAR_SOLVE = _return_type("triangular_solve", ["solution", "cloned_coefficient"])


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """``(solution, cloned_coefficient)``: X with A X = b (A^T X = b with ``transpose``)
    for triangular A, and a copy of A; deprecated in PyTorch for
    ``linalg.solve_triangular`` (whose arguments are the other way round), and warns.

    >>> import chainrule, warnings
    >>> warnings.simplefilter("ignore")
    >>> a = chainrule.tensor([[2.0, 1.0], [0.0, 4.0]])
    >>> chainrule.triangular_solve(chainrule.tensor([[3.0], [4.0]]), a).solution
    tensor([[1.],
            [1.]])
    """
    warnings.warn(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular and will be removed "
        "in a future PyTorch release. X = torch.triangular_solve(B, A).solution should be replaced with "
        "X = torch.linalg.solve_triangular(A, B).",
        UserWarning,
        stacklevel=2,
    )
    if out is not None:
        result = triangular_solve(input, A, upper, transpose, unitriangular)
        return write_outs(out, result, "triangular_solve")
    _check_right_hand_side(
        input,
        A,
        "torch.triangular_solve: Expected b to have at least 2 dimensions, but it has {} dimensions instead",
        "triangular_solve_cpu",
    )
    coefficient = A.mT if transpose else A
    solution = solve_triangular(coefficient, input, upper=upper != transpose, unitriangular=unitriangular)
    return _TRIANGULAR_SOLVE(solution, A.clone())


# --- matrix exponential and factorizations -------------------------------------------------


class MatrixExp(Primitive):
    """Y = e^A.   dL/dA = the top-right block of exp([[A^T, dL/dY], [0, A^T]]) (the
    derivative of a matrix function as a block triangular matrix, Mathias 1996)."""

    @classmethod
    def name(cls):
        return "LinalgMatrixExpBackward0"

    def forward(ctx, a):
        import scipy.linalg  # scipy is imported on first use, as in ops/elementwise.py

        ctx.save_for_backward(a)
        return scipy.linalg.expm(a)

    def backward(ctx, grad):
        (a,) = ctx.saved
        n = a.shape[-1]
        top = np.concatenate([a.mT, grad], -1)
        block = np.concatenate([top, np.concatenate([grad * 0, a.mT], -1)], -2)
        return differentiable(MatrixExp, block)[..., :n, n:]


def matrix_exp(input):
    """The exponential e^A = I + A + A^2/2! + ... of each square matrix.

    >>> import chainrule
    >>> chainrule.matrix_exp(chainrule.tensor([[0.0, 1.0], [0.0, 0.0]]))
    tensor([[1., 1.],
            [0., 1.]])
    """
    return MatrixExp.apply_unary(_square(input, "linalg.matrix_exp"))


class Svd(Primitive):
    """A = U diag(S) V^T, k = min(m, n) singular values. With skew(X) = X - X^T,
    E_ij = S_j^2 - S_i^2 (1 on the diagonal) and
    J = (skew(U^T dL/dU) S_j + S_i skew(V^T dL/dV)) / E + diag(dL/dS):
    dL/dA = U J V^T, plus (I - U U^T) dL/dU S^-1 V^T when m > n, or
    U S^-1 dL/dV^T (I - V V^T) when m < n. Only the first k columns of U and V get a
    gradient (``some=False``), as in PyTorch."""

    @classmethod
    def name(cls):
        return "LinalgSvdBackward0"

    def forward(ctx, a, full):
        u, s, vh = np.linalg.svd(a, full_matrices=full)
        v = vh.mT
        ctx.dtype = a.dtype
        ctx.save_for_backward(u, s, v)
        return u, s, v

    def backward(ctx, grad_u, grad_s, grad_v):
        u, s, v = ctx.saved
        k = s.shape[-1]
        u, v, grad_u, grad_v = u[..., :k], v[..., :k], grad_u[..., :k], grad_v[..., :k]
        m, n = u.shape[-2], v.shape[-2]
        s_row, s_col = s[..., None, :], s[..., :, None]
        ut_gu = u.mT @ grad_u
        vt_gv = v.mT @ grad_v
        eye = np.eye(k, dtype=ctx.dtype)
        j = ((ut_gu - ut_gu.mT) * s_row + s_col * (vt_gv - vt_gv.mT)) / (s_row * s_row - s_col * s_col + eye)
        j = j + grad_s[..., None] * eye
        if m > n:
            gu_sinv = grad_u / s_row
            return (u @ j + gu_sinv - u @ (u.mT @ gu_sinv)) @ v.mT, None
        if m < n:
            gv_sinv = grad_v / s_row
            return u @ (j @ v.mT + gv_sinv.mT - (gv_sinv.mT @ v) @ v.mT), None
        return u @ j @ v.mT, None


def svd(input, some=True, compute_uv=True, *, out=None):
    """``(U, S, V)`` with input = U diag(S) V^T: V, not V^T as ``linalg.svd`` returns;
    U and V have min(m, n) columns, or are square with ``some=False``; with
    ``compute_uv=False`` they are zeros and only S is computed.

    >>> import chainrule
    >>> chainrule.svd(chainrule.tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    if out is not None:
        return write_out(out, svd(input, some, compute_uv), "svd")
    input = _floating(input, "linalg.svd", None)
    if input._data.ndim < 2:
        raise RuntimeError(
            f"linalg.svd: input should have at least 2 dimensions, but has {input._data.ndim} dimensions "
            "instead"
        )
    if not compute_uv:
        s = svdvals(input)
        shape = input._data.shape
        u = np.zeros(shape[:-1] + (shape[-2],), input._data.dtype)
        v = np.zeros(shape[:-2] + (shape[-1], shape[-1]), input._data.dtype)
        return _SVD(wrap(u), s, wrap(v))
    return _SVD(*Svd.apply(input, not some))


def pinverse(input, rcond=1e-15):
    """The Moore-Penrose pseudo-inverse V diag(1/S) U^T, dropping singular values at or
    below ``rcond`` times the largest.

    >>> import chainrule
    >>> chainrule.pinverse(chainrule.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    if input._data.ndim < 2 or input._data.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.pinv({_SCALAR_NAMES[input.dtype.name]}{{{list(input._data.shape)}}}): expected a tensor "
            "with 2 or more dimensions of float, double, cfloat or cdouble types"
        )
    u, s, v = svd(input)
    if not s._data.size:
        return input.mT * 0
    kept = s._data > rcond * s._data.max(-1, keepdims=True)
    s_inv = where(kept, 1 / where(kept, s, 1), 0)
    return (v * s_inv.unsqueeze(-2)) @ u.mT


class Qr(Primitive):
    """A = Q R. For m >= n: with M = R dL/dR^T - dL/dQ^T Q and copyltu(M) its lower
    triangle mirrored, dL/dA = (dL/dQ + Q copyltu(M)) R^-T. For m < n, A = [X | Y] and
    R = [U | V]: dL/dY = Q dL/dV, and dL/dX is the square case with Q, U and
    dL/dQ + Y dL/dV^T."""

    @classmethod
    def name(cls):
        return "LinalgQrBackward0"

    def forward(ctx, a, complete):
        q, r = np.linalg.qr(a, mode="complete" if complete else "reduced")
        ctx.complete_tall = complete and a.shape[-2] > a.shape[-1]
        ctx.dtype = a.dtype
        ctx.save_for_backward(a, q, r)
        return q, r

    def backward(ctx, grad_q, grad_r):
        if ctx.complete_tall:
            raise RuntimeError(
                "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
            )
        a, q, r = ctx.saved
        m, n = a.shape[-2:]
        if m >= n:
            return _qr_backward(q, r, grad_q, grad_r, ctx.dtype), None
        y, u = a[..., m:], r[..., :m]
        grad_x = _qr_backward(q, u, grad_q + y @ grad_r[..., m:].mT, grad_r[..., :m], ctx.dtype)
        return np.concatenate([grad_x, q @ grad_r[..., m:]], -1), None


def _qr_backward(q, r, grad_q, grad_r, dtype):
    n = r.shape[-1]
    lower = np.tril(np.ones((n, n), dtype))
    m = r @ grad_r.mT - grad_q.mT @ q
    copyltu = m * lower + (m * (lower - np.eye(n, dtype=dtype))).mT
    return (grad_q + q @ copyltu) @ differentiable(Inverse, r).mT


def qr(input, some=True, *, out=None):
    """``(Q, R)`` with input = Q R, Q's columns orthonormal and R upper triangular;
    Q is square with ``some=False``; deprecated in PyTorch for ``linalg.qr``, and warns.

    >>> import chainrule, warnings
    >>> warnings.simplefilter("ignore")
    >>> chainrule.qr(chainrule.tensor([[3.0], [4.0]])).R
    tensor([[-5.]])
    """
    warnings.warn(
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
        "release.\n"
        "The boolean parameter 'some' has been replaced with a string parameter 'mode'.",
        UserWarning,
        stacklevel=2,
    )
    if out is not None:
        return write_out(out, qr(input, some), "qr")
    input = _floating(input, "linalg.qr", None)
    if input._data.ndim < 2:
        raise RuntimeError("linalg.qr: The input tensor A must have at least 2 dimensions.")
    return _QR(*Qr.apply(input, not some))


def _ignoring(input, value):
    """``value``, with ``input`` in the graph and a zero gradient: PyTorch ignores an input
    scaled by beta = 0 or raised to the power 0, NaN and inf included."""
    return where(np.zeros(value._data.shape, bool), input, value)


# --- traces and fused multiply-adds --------------------------------------------------------


def trace(input):
    """The sum of the main diagonal of a matrix.

    >>> import chainrule
    >>> chainrule.trace(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return input.diagonal().sum()


def _add_product(input, product, beta, alpha):
    """beta * input + alpha * product, input broadcast to the product's shape."""
    input = input.expand(product.shape)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return _ignoring(input, product)
    return (input if beta == 1 else input * beta) + product


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2) for matrices.

    >>> import chainrule
    >>> chainrule.addmm(chainrule.ones(2, 2), chainrule.eye(2), chainrule.eye(2), beta=0.5)
    tensor([[1.5000, 0.5000],
            [0.5000, 1.5000]])
    """
    if out is not None:
        return write_out(out, addmm(input, mat1, mat2, beta=beta, alpha=alpha), "addmm")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
    if mat1._data.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1._data.ndim}-D tensor")
    return _add_product(input, matmul(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec).

    >>> import chainrule
    >>> chainrule.addmv(chainrule.ones(2), chainrule.eye(2), chainrule.tensor([1.0, 2.0]))
    tensor([2., 3.])
    """
    if out is not None:
        return write_out(out, addmv(input, mat, vec, beta=beta, alpha=alpha), "addmv")
    if mat._data.ndim != 2 or vec._data.ndim != 1 or input._data.ndim > 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input._data.ndim}, {mat._data.ndim}, {vec._data.ndim}"
        )
    rows, columns = mat._data.shape
    if vec._data.shape[0] != columns or input._data.shape not in ((), (1,), (rows,)):
        raise RuntimeError(
            f"size mismatch, got input ({input._data.shape[0] if input._data.ndim else 1}), "
            f"mat ({rows}x{columns}), vec ({vec._data.shape[0]})"
        )
    return _add_product(input, matmul(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2).

    >>> import chainrule
    >>> chainrule.addr(chainrule.zeros(2, 2), chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 3.0]))
    tensor([[1., 3.],
            [2., 6.]])
    """
    if out is not None:
        return write_out(out, addr(input, vec1, vec2, beta=beta, alpha=alpha), "addr")
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return _add_product(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2).

    >>> import chainrule
    >>> chainrule.baddbmm(chainrule.zeros(1, 2), chainrule.ones(3, 2, 4), chainrule.ones(3, 4, 2)).shape
    chainrule.Size([3, 2, 2])
    """
    if out is not None:
        return write_out(out, baddbmm(input, batch1, batch2, beta=beta, alpha=alpha), "baddbmm")
    return _add_product(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i]).

    >>> import chainrule
    >>> chainrule.addbmm(chainrule.zeros(2, 2), chainrule.ones(3, 2, 4), chainrule.ones(3, 4, 2))
    tensor([[12., 12.],
            [12., 12.]])
    """
    if out is not None:
        return write_out(out, addbmm(input, batch1, batch2, beta=beta, alpha=alpha), "addbmm")
    return _add_product(input, bmm(batch1, batch2).sum(0), beta, alpha)


# --- products of several tensors ----------------------------------------------------------


def tensordot(a, b, dims=2, out=None):
    """Sum of products over ``dims``: the last ``dims`` dims of a with the first of b
    (an int), or the dims listed in a pair ``([dims of a], [dims of b])``.

    >>> import chainrule
    >>> chainrule.tensordot(chainrule.ones(2, 3, 4), chainrule.ones(3, 4, 5)).shape
    chainrule.Size([2, 5])
    """
    if out is not None:
        return write_out(out, tensordot(a, b, dims), "tensordot")
    a_ndim, b_ndim = a._data.ndim, b._data.ndim
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a_ndim, b_ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(a_ndim - dims, a_ndim)), list(range(dims))
    else:
        for k, d in enumerate(dims):
            if not isinstance(d, (list, tuple)):
                raise TypeError(
                    f"tensordot(): argument '{('dims_self', 'dims_other')[k]}' (position {k + 3}) must be "
                    f"tuple of ints, not {type(d).__name__}"
                )
        dims_a, dims_b = (list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError("both dimension lists should have same length")
    dims_a = [normalize_dim(d, a_ndim) for d in dims_a]
    dims_b = [normalize_dim(d, b_ndim) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a._data.shape[da] != b._data.shape[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a._data.shape[da]} in dim {da} "
                f"and second has size {b._data.shape[db]} in dim {db}"
            )
    free_a = [d for d in range(a_ndim) if d not in dims_a]
    free_b = [d for d in range(b_ndim) if d not in dims_b]
    size = math.prod(a._data.shape[d] for d in dims_a)
    left = a.permute(free_a + dims_a).reshape(-1, size)
    right = b.permute(dims_b + free_b).reshape(size, -1)
    shape = [a._data.shape[d] for d in free_a] + [b._data.shape[d] for d in free_b]
    return matmul(left, right).reshape(shape)


def kron(input, other, *, out=None):
    """The Kronecker product: every element of input times all of other, in blocks.

    >>> import chainrule
    >>> chainrule.kron(chainrule.eye(2), chainrule.tensor([[1.0, 2.0]]))
    tensor([[1., 2., 0., 0.],
            [0., 0., 1., 2.]])
    """
    if out is not None:
        return write_out(out, kron(input, other), "kron")
    ndim = max(input._data.ndim, other._data.ndim)
    a_shape = (1,) * (ndim - input._data.ndim) + input._data.shape
    b_shape = (1,) * (ndim - other._data.ndim) + other._data.shape
    # interleave: a's dim k at 2k, b's at 2k + 1, then merge each pair
    a = input.reshape([n for m in a_shape for n in (m, 1)])
    b = other.reshape([n for m in b_shape for n in (1, m)])
    return (a * b).reshape([m * n for m, n in zip(a_shape, b_shape)])


def chain_matmul(*matrices, out=None):
    """The product of a chain of matrices (PyTorch deprecates it for ``linalg.multi_dot``).

    >>> import chainrule, warnings
    >>> warnings.simplefilter("ignore")
    >>> chainrule.chain_matmul(chainrule.ones(2, 3), chainrule.ones(3, 4), chainrule.ones(4, 1))
    tensor([[12.],
            [12.]])
    """
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
        "parameters.",
        UserWarning,
        stacklevel=2,
    )
    if out is not None:
        return write_out(out, chain_matmul(*matrices), "chain_matmul")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m._data.ndim}, expected 2 instead.")
    result = matrices[0]
    for m in matrices[1:]:
        result = mm(result, m)
    return result if len(matrices) > 1 else result.clone()


def _cross(input, other, dim):
    """The 3-vector cross product along ``dim`` of two broadcast tensors."""
    input, other = broadcast_tensors(input, other)
    a = [input.narrow(dim, k, 1) for k in range(3)]
    b = [other.narrow(dim, k, 1) for k in range(3)]
    return cat([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], dim)


def _cross_checked(input, other, dim):
    a_shape, b_shape = input._data.shape, other._data.shape
    if len(a_shape) != len(b_shape):
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions. Got {len(a_shape)} and "
            f"{len(b_shape)}"
        )
    axis = normalize_dim(dim, len(a_shape))
    if a_shape[axis] != 3 or b_shape[axis] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. "
            f"Got {a_shape[axis]} and {b_shape[axis]}"
        )
    mismatch = size_mismatch(a_shape, b_shape)
    if mismatch is not None:
        raise RuntimeError(mismatch)
    return _cross(input, other, axis)


def cross(input, other, dim=None, *, out=None):
    """The cross product of 3-vectors along ``dim``; by default (deprecated, with a
    warning) the first dim of size 3, where ``linalg.cross`` takes the last.

    >>> import chainrule
    >>> chainrule.cross(chainrule.tensor([1.0, 0.0, 0.0]), chainrule.tensor([0.0, 1.0, 0.0]), dim=0)
    tensor([0., 0., 1.])
    """
    if out is not None:
        return write_out(out, cross(input, other, dim), "cross")
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
            "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
            "with that of linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        dim = next((d for d, n in enumerate(input._data.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _cross_checked(input, other, dim)


def linalg_cross(input, other, *, dim=-1, out=None):
    """``torch.linalg.cross``: the cross product of 3-vectors along ``dim`` (the last by default).

    >>> import chainrule
    >>> chainrule.linalg.cross(chainrule.tensor([0.0, 1.0, 0.0]), chainrule.tensor([0.0, 0.0, 1.0]))
    tensor([1., 0., 0.])
    """
    if out is not None:
        return write_out(out, linalg_cross(input, other, dim=dim), "linalg.cross")
    return _cross_checked(input, other, dim)


# --- distances and covariance -------------------------------------------------------------


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast).

    >>> import chainrule
    >>> chainrule.dist(chainrule.tensor([0.0, 0.0]), chainrule.tensor([3.0, 4.0]))
    tensor(5.)
    """
    return vector_norm(input - other, p)


_CDIST_MODES = (
    "use_mm_for_euclid_dist_if_necessary",
    "use_mm_for_euclid_dist",
    "donot_use_mm_for_euclid_dist",
)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2
    (..., R, M): a (..., P, R) tensor. ``compute_mode`` is accepted; every mode computes
    the differences directly (PyTorch's matrix-product shortcut trades accuracy for speed).

    >>> import chainrule
    >>> chainrule.cdist(chainrule.tensor([[0.0, 0.0]]), chainrule.tensor([[3.0, 4.0], [0.0, 1.0]]))
    tensor([[5., 1.]])
    """
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: {_SCALAR_NAMES[t.dtype.name]}"
            )
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. "
            f"X1: {x1._data.shape[-1]} X2: {x2._data.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def pdist(input, p=2):
    """The p-norm distances between the rows of an (N, M) matrix: the N (N - 1) / 2
    pairs i < j, row by row.

    >>> import chainrule
    >>> chainrule.pdist(chainrule.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"pdist only supports floating-point dtypes, got: {_SCALAR_NAMES[input.dtype.name]}"
        )
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    first, second = np.triu_indices(input._data.shape[0], 1)
    return vector_norm(input[first] - input[second], p, -1)


def _cov_weights(name, w, observations, floating):
    if w._data.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
            f"{w._data.ndim} dimensions"
        )
    if (w._data.dtype.kind == "f") != floating:
        kind = "floating point" if floating else "integral"
        raise RuntimeError(
            f"cov(): expected {name} to have {kind} dtype but got {name} with "
            f"{_SCALAR_NAMES[w.dtype.name]} dtype"
        )
    if w._data.size != observations:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the input but got "
            f"{w._data.size} != {observations}"
        )
    if (w._data < 0).any():
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance of the variables in the rows of ``input`` (observations in the
    columns), optionally weighted by integer frequencies and float importances.

    >>> import chainrule
    >>> chainrule.cov(chainrule.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if input._data.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input._data.ndim} dimensions"
        )
    x = input.reshape(1, -1) if input._data.ndim < 2 else input
    if x._data.dtype.kind != "f":
        x = x._cast(default_float())
    observations = x._data.shape[1]
    weights = None
    if fweights is not None:
        _cov_weights("fweights", fweights, observations, False)
        weights = fweights
    if aweights is not None:
        _cov_weights("aweights", aweights, observations, True)
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        total = observations
        mean = x.mean(1)
    else:
        total = weights.sum()
        mean = (x * weights).sum(1) / total
    if aweights is not None and correction != 0:
        dof = total - correction * (weights * aweights).sum() / total
    else:
        dof = total - correction
    if float(dof) <= 0:
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
            "observations.",
            UserWarning,
            stacklevel=2,
        )
        dof = dof * 0
    centred = x - mean.unsqueeze(1)
    weighted = centred if weights is None else centred * weights
    return (matmul(centred, weighted.T) / dof).squeeze()


def corrcoef(input):
    """Pearson's correlation coefficients of the rows of ``input``: cov normalized by the
    standard deviations, clipped to [-1, 1].

    >>> import chainrule
    >>> chainrule.corrcoef(chainrule.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]]))
    tensor([[ 1.0000, -0.9820],
            [-0.9820,  1.0000]])
    """
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    return c.clip(-1, 1)


bind(
    {
        "matmul": matmul,
        "__matmul__": matmul,
        "__rmatmul__": lambda self, other: matmul(other, self),
        "mm": mm,
        "bmm": bmm,
        "mv": mv,
        "dot": dot,
        "vdot": vdot,
        "inner": inner,
        "outer": outer,
        "ger": outer,
        "inverse": inverse,
        "det": det,
        "slogdet": slogdet,
        "logdet": logdet,
        "matrix_power": matrix_power,
        "cholesky": cholesky,
        "cholesky_solve": cholesky_solve,
        "cholesky_inverse": cholesky_inverse,
        "triangular_solve": triangular_solve,
        "matrix_exp": matrix_exp,
        "svd": svd,
        "pinverse": pinverse,
        "qr": qr,
        "trace": trace,
        "addmm": addmm,
        "addmv": addmv,
        "addr": addr,
        "baddbmm": baddbmm,
        "addbmm": addbmm,
        "addmm_": inplace(addmm, "addmm_"),
        "addmv_": inplace(addmv, "addmv_"),
        "addr_": inplace(addr, "addr_"),
        "baddbmm_": inplace(baddbmm, "baddbmm_"),
        "addbmm_": inplace(addbmm, "addbmm_"),
        "kron": kron,
        "cross": cross,
        "dist": dist,
        "cov": cov,
        "corrcoef": corrcoef,
    },
    {
        np.matmul: matmul,
        np.einsum: lambda subscripts, *operands, **kw: einsum(subscripts, *operands),
        np.dot: matmul,
    },
)


# --- torch.linalg: the functions only chainrule.linalg names -------------------------------------


_LINALG_SLOGDET = _return_type("linalg_slogdet", ["sign", "logabsdet"])
_LINALG_SVD = _return_type("linalg_svd", ["U", "S", "Vh"])
_LINALG_QR = _return_type("linalg_qr", ["Q", "R"])
_LINALG_EIGH = _return_type("linalg_eigh", ["eigenvalues", "eigenvectors"])
_CHOLESKY_EX = _return_type("linalg_cholesky_ex", ["L", "info"])
_INV_EX = _return_type("linalg_inv_ex", ["inverse", "info"])
_SOLVE_EX = _return_type("linalg_solve_ex", ["result", "info"])
_LSTSQ = _return_type("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def _renamed(error, op_name):
    """A LinAlgError raised by a shared helper, with ``op_name`` as its first word."""
    return LinAlgError(op_name + str(error)[str(error).index(":") :])


def _singular_info(a):
    """LAPACK's getrf info for each matrix in ``a``: the 1-based index of the first zero
    pivot of its LU factorization, 0 where it is invertible."""
    import scipy.linalg

    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.zeros(len(flat), np.int32)
    for index, matrix in enumerate(flat):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zero = np.flatnonzero(np.diagonal(scipy.linalg.lu_factor(matrix, check_finite=False)[0]) == 0)
        info[index] = zero[0] + 1 if zero.size else 0
    return info.reshape(a.shape[:-2])


def _each_or_nan(primitive, A, info):
    """``primitive`` applied to each matrix of A whose LAPACK ``info`` is 0, NaN in the
    others (LAPACK leaves them undefined); the identity stands in for those in the graph."""
    failed = (info != 0)[..., None, None]
    eye = np.eye(A._data.shape[-1], dtype=A._data.dtype)
    result = primitive.apply_unary(where(failed, eye, A))
    return where(failed, np.array(np.nan, A._data.dtype), result)


def linalg_cholesky(A, *, upper=False, out=None):
    """The Cholesky factor L (A = L L^T) of each symmetric positive-definite matrix, or
    U = L^T with ``upper=True``; ``LinAlgError`` if one is not positive-definite.

    >>> import chainrule
    >>> chainrule.linalg.cholesky(chainrule.tensor([[4.0, 2.0], [2.0, 5.0]]), upper=True)
    tensor([[2., 1.],
            [0., 2.]])
    """
    if out is not None:
        return write_out(out, linalg_cholesky(A, upper=upper), "linalg.cholesky")
    try:
        lower = Cholesky.apply_unary(_square(A, "linalg.cholesky"))
    except LinAlgError as error:
        raise _renamed(error, "linalg.cholesky") from None
    return lower.mT if upper else lower


def _cholesky_info(a):
    """LAPACK's potrf info: the order of the first leading minor that is not positive-definite."""
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.zeros(len(flat), np.int32)
    for index, matrix in enumerate(flat):
        for order in range(1, matrix.shape[-1] + 1):
            try:
                np.linalg.cholesky(matrix[:order, :order])
            except np.linalg.LinAlgError:
                info[index] = order
                break
    return info.reshape(a.shape[:-2])


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: ``linalg.cholesky`` that reports a matrix that is not positive-definite
    in ``info`` (the order of its first such leading minor, 0 if none) instead of raising;
    L is NaN there.

    >>> import chainrule
    >>> chainrule.linalg.cholesky_ex(chainrule.tensor([[1.0, 2.0], [2.0, 1.0]])).info
    tensor(2, dtype=chainrule.int32)
    """
    if out is not None:
        return write_out(out, cholesky_ex(A, upper=upper, check_errors=check_errors), "linalg.cholesky_ex")
    A = _square(A, "linalg.cholesky_ex")
    info = _cholesky_info(A._data)
    if check_errors and info.any():
        raise _renamed(_not_positive_definite(A._data), "linalg.cholesky_ex")
    lower = _each_or_nan(Cholesky, A, info)
    return _CHOLESKY_EX(lower.mT if upper else lower, wrap(info))


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: ``linalg.inv`` that reports a singular matrix in ``info`` (the
    1-based index of the first zero pivot of its LU factorization, 0 if none) instead of
    raising; the inverse is NaN there.

    >>> import chainrule
    >>> chainrule.linalg.inv_ex(chainrule.tensor([[2.0, 0.0], [0.0, 4.0]])).info
    tensor(0, dtype=chainrule.int32)
    """
    if out is not None:
        return write_out(out, inv_ex(A, check_errors=check_errors), "linalg.inv_ex")
    A = _square(A, "linalg.inv_ex")
    info = _singular_info(A._data)
    if check_errors and info.any():
        try:
            _inv(A._data)
        except LinAlgError as error:
            raise _renamed(error, "linalg.inv_ex") from None
    return _INV_EX(_each_or_nan(Inverse, A, info), wrap(info))


def linalg_slogdet(A, *, out=None):
    """``(sign, logabsdet)`` of each square matrix, as ``torch.linalg.slogdet``.

    >>> import chainrule
    >>> chainrule.linalg.slogdet(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])).logabsdet
    tensor(0.6931)
    """
    if out is not None:
        return write_out(out, linalg_slogdet(A), "linalg.slogdet")
    return _LINALG_SLOGDET(*SlogDet.apply(_square(A, "linalg.slogdet")))


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with A = U diag(S) Vh; U and Vh are square by default, or have
    min(m, n) columns / rows with ``full_matrices=False``.

    >>> import chainrule
    >>> chainrule.linalg.svd(chainrule.tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    if out is not None:
        return write_out(out, linalg_svd(A, full_matrices, driver=driver), "linalg.svd")
    A = _floating(A, "linalg.svd", None)
    if A._data.ndim < 2:
        raise RuntimeError(
            f"linalg.svd: input should have at least 2 dimensions, but has {A._data.ndim} dimensions instead"
        )
    u, s, v = Svd.apply(A, bool(full_matrices))
    return _LINALG_SVD(u, s, v.mT)


def linalg_qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` with A = Q R: Q with min(m, n) orthonormal columns ('reduced'), square
    ('complete'), or empty with only R computed ('r').

    >>> import chainrule
    >>> chainrule.linalg.qr(chainrule.tensor([[3.0], [4.0]]), mode="r").R
    tensor([[-5.]])
    """
    if out is not None:
        return write_out(out, linalg_qr(A, mode), "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
            "'complete'"
        )
    A = _floating(A, "linalg.qr", None)
    if A._data.ndim < 2:
        raise RuntimeError("linalg.qr: The input tensor A must have at least 2 dimensions.")
    return _LINALG_QR(*(QrR.apply(A) if mode == "r" else Qr.apply(A, mode == "complete")))


class QrR(Primitive):
    """R of A = Q R, with Q left empty (``mode='r'``). Not differentiable, as in
    PyTorch: the derivative of R needs Q."""

    @classmethod
    def name(cls):
        return "LinalgQrBackward0"

    def forward(ctx, a):
        return np.zeros((0,), a.dtype), np.linalg.qr(a, mode="r")

    def backward(ctx, grad_q, grad_r):
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
            "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
        )


def _check_householder_operands(A, tau):
    a, t = A._data, tau._data
    name = "torch.linalg.householder_product"
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if a.shape[-2] < a.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if t.ndim != a.ndim - 1:
        raise RuntimeError(
            f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
            f"{t.ndim} and input.ndim is equal to {a.ndim}"
        )
    if a.shape[-1] < t.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(
            f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
            f"{list(t.shape[:-1])}"
        )
    if t.dtype != a.dtype:
        raise RuntimeError(
            f"{name}: tau dtype {_SCALAR_NAMES[tau.dtype.name]} does not match input dtype "
            f"{_SCALAR_NAMES[A.dtype.name]}"
        )
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"orgqr_cpu\" not implemented for '{_SCALAR_NAMES[A.dtype.name]}'")


def householder_product(A, tau, *, out=None):
    """The first n columns of H_1 H_2 ... H_k for A (..., m, n) and tau (..., k), with
    H_i = I - tau_i v_i v_i^T and v_i column i of A below the diagonal, 1 on it (how a
    QR factorization stores Q). Composed of matrix products, so the gradients (for A's
    strictly lower part and tau) come from theirs.

    >>> import chainrule
    >>> v = chainrule.tensor([[0.0], [1.0]])
    >>> chainrule.linalg.householder_product(v, chainrule.tensor([1.0]))
    tensor([[ 0.],
            [-1.]])
    """
    if out is not None:
        return write_out(out, householder_product(A, tau), "linalg.householder_product")
    _check_householder_operands(A, tau)
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    reflectors = A.tril(-1)[..., :k] + wrap(np.eye(m, k, dtype=A._data.dtype))
    Q = wrap(np.broadcast_to(np.eye(m, n, dtype=A._data.dtype), A.shape).copy())
    # apply H_k first, so that each step is one rank-one update Q - tau v (v^T Q)
    for i in reversed(range(k)):
        v = reflectors[..., i : i + 1]
        Q = Q - (tau[..., i, None, None] * v) @ (v.mT @ Q)
    return Q


# --- symmetric eigenproblems ---------------------------------------------------------------------


class Eigh(Primitive):
    """A = V diag(L) V^T for symmetric A (read from the ``UPLO`` triangle). With
    E_ij = L_j - L_i and skew(X) = (X - X^T) / 2:
    dL/dA = V (diag(dL/dL) + skew(V^T dL/dV) / E off the diagonal) V^T
    (eigenvalues must be distinct)."""

    @classmethod
    def name(cls):
        return "LinalgEighBackward0"

    def forward(ctx, a, uplo):
        values, vectors = np.linalg.eigh(a, UPLO=uplo)
        ctx.dtype = a.dtype
        ctx.save_for_backward(values, vectors)
        return values, vectors

    def backward(ctx, grad_values, grad_vectors):
        values, vectors = ctx.saved
        eye = np.eye(values.shape[-1], dtype=ctx.dtype)
        vt_gv = vectors.mT @ grad_vectors
        gaps = values[..., None, :] - values[..., :, None] + eye
        inner = (vt_gv - vt_gv.mT) / 2 / gaps * (1 - eye) + grad_values[..., None, :] * eye
        return vectors @ inner @ vectors.mT, None


def _eigh_input(A, uplo, op_name):
    if A._data.dtype.kind != "f":
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{_SCALAR_NAMES[A.dtype.name]}'")
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    return _square(A, op_name)


def eigh(A, UPLO="L", *, out=None):
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix, read from its lower
    (``UPLO='L'``) or upper triangle; eigenvalues ascending, eigenvectors in the columns.

    >>> import chainrule
    >>> chainrule.linalg.eigh(chainrule.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    tensor([1., 3.])
    """
    if out is not None:
        return write_out(out, eigh(A, UPLO), "linalg.eigh")
    return _LINALG_EIGH(*Eigh.apply(_eigh_input(A, UPLO, "linalg.eigh"), UPLO))


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of each symmetric matrix, ascending.

    >>> import chainrule
    >>> chainrule.linalg.eigvalsh(chainrule.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    if out is not None:
        return write_out(out, eigvalsh(A, UPLO), "linalg.eigvalsh")
    return Eigh.apply(_eigh_input(A, UPLO, "linalg.eigh"), UPLO)[0]


# --- linear systems ------------------------------------------------------------------------------


class Solve(Primitive):
    """X = A^-1 B (batch dims broadcast).   dL/dB = A^-T dL/dX,  dL/dA = -dL/dB X^T."""

    @classmethod
    def name(cls):
        return "LinalgSolveExBackward0"

    def forward(ctx, a, b):
        try:
            x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
            info = _singular_info(np.broadcast_to(a, batch + a.shape[-2:]))
            index = int(np.flatnonzero(info)[0])
            raise LinAlgError(
                f"torch.linalg.solve: {_batch_prefix(info[..., None, None], index)}The solver failed because "
                "the input matrix is singular."
            ) from None
        ctx.save_for_backward(a, x)
        return x

    def backward(ctx, grad):
        a, x = ctx.saved
        grad_b = differentiable(Solve, a.mT, grad)
        return (-(grad_b @ x.mT) if ctx.needs_input_grad[0] else None), grad_b


def _solve_operands(A, B, left, op_name):
    """A and B checked as PyTorch checks them, and whether B is a (batch of) vector(s)
    (never for solve_triangular, whose B is always a matrix)."""
    for t in (A, B):
        _floating(t, op_name, None)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(
            f"{op_name}: Expected A and B to have the same dtype, but found A of type "
            f"{_SCALAR_NAMES[A.dtype.name]} and B of type {_SCALAR_NAMES[B.dtype.name]} instead"
        )
    A = _square(A, op_name)
    a_shape, b_shape = A._data.shape, B._data.shape
    vector = op_name == "linalg.solve" and (
        len(b_shape) == 1 or (len(b_shape) == len(a_shape) - 1 and b_shape == a_shape[:-1])
    )
    if vector:
        B = B.unsqueeze(-1)
    rows, columns = B._data.shape[-2:]
    if (rows if left else columns) != a_shape[-1]:
        raise RuntimeError(
            f"{op_name}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
            f"({_matrix(a_shape[-2:])} and {rows}x{columns})"
        )
    mismatch = size_mismatch(a_shape[:-2], B._data.shape[:-2])
    if mismatch is not None:
        raise RuntimeError(mismatch)
    return A, B, vector


def _solve(A, B, left, op_name):
    A, B, vector = _solve_operands(A, B, left, op_name)
    try:
        x = Solve.apply(A, B) if left else Solve.apply(A.mT, B.mT).mT
    except LinAlgError as error:
        raise _renamed(error, "torch." + op_name) from None
    return x.squeeze(-1) if vector else x


def solve(A, B, *, left=True, out=None):
    """X with A X = B (or X A = B with ``left=False``) for square A; B may be a (batch
    of) vector(s), and batch dims broadcast. ``LinAlgError`` if A is singular.

    >>> import chainrule
    >>> chainrule.linalg.solve(chainrule.tensor([[2.0, 0.0], [0.0, 4.0]]), chainrule.tensor([1.0, 1.0]))
    tensor([0.5000, 0.2500])
    """
    if out is not None:
        return write_out(out, solve(A, B, left=left), "linalg.solve")
    return _solve(A, B, left, "linalg.solve")


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)``: ``linalg.solve`` that reports a singular A in ``info`` (as
    ``inv_ex``) instead of raising; the result is NaN there.

    >>> import chainrule
    >>> chainrule.linalg.solve_ex(chainrule.zeros(2, 2), chainrule.ones(2)).info
    tensor(1, dtype=chainrule.int32)
    """
    if out is not None:
        return write_out(out, solve_ex(A, B, left=left, check_errors=check_errors), "linalg.solve_ex")
    A_checked, _, vector = _solve_operands(A, B, left, "linalg.solve")
    info = _singular_info(A_checked._data)
    if check_errors and info.any():
        try:
            _solve(A, B, left, "linalg.solve")
        except LinAlgError as error:
            raise _renamed(error, "torch.linalg.solve_ex") from None
    eye = np.eye(A_checked._data.shape[-1], dtype=A_checked._data.dtype)
    failed = (info != 0)[..., None, None]
    x = _solve(where(failed, eye, A_checked), B, left, "linalg.solve")
    failed = failed[..., 0] if vector else failed
    return _SOLVE_EX(where(failed, np.array(np.nan, x._data.dtype), x), wrap(info))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (or X A = B with ``left=False``) for triangular A, read from its
    upper or lower triangle (and with ones on its diagonal if ``unitriangular``).

    >>> import chainrule
    >>> a = chainrule.tensor([[2.0, 1.0], [0.0, 4.0]])
    >>> chainrule.linalg.solve_triangular(a, chainrule.tensor([[3.0], [4.0]]), upper=True)
    tensor([[1.],
            [1.]])
    """
    if out is not None:
        result = solve_triangular(A, B, upper=upper, left=left, unitriangular=unitriangular)
        return write_out(out, result, "linalg.solve_triangular")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    A = _square(A, "linalg.solve_triangular")
    triangle = A.triu() if upper else A.tril()
    if unitriangular:
        n = A._data.shape[-1]
        triangle = where(np.eye(n, dtype=bool), np.ones((), A._data.dtype), triangle)
    return _solve(triangle, B, left, "linalg.solve_triangular")


# --- pseudo-inverses, ranks, condition numbers and least squares ---------------------------------


def _tolerance(A, s_max, atol, rtol):
    """PyTorch's cut-off max(atol, rtol * s_max) for the singular values kept: rtol
    defaults to eps * max(m, n) when neither is given, and to 0 when only atol is."""
    if rtol is None:
        rtol = np.finfo(A._data.dtype).eps * max(A._data.shape[-2:]) if atol is None or atol <= 0 else 0.0
    atol = 0.0 if atol is None else atol
    return np.maximum(atol, rtol * s_max)


def _check_pinv_input(A, op_name):
    if A._data.ndim < 2 or A._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op_name}({_SCALAR_NAMES[A.dtype.name]}{{{list(A._data.shape)}}}): expected a tensor "
            "with 2 or more dimensions of float, double, cfloat or cdouble types"
        )


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse, from the SVD (or, with ``hermitian=True``, the
    eigendecomposition of the lower triangle), dropping singular values at or below
    max(``atol``, ``rtol`` * the largest); ``rcond`` is PyTorch's older name for rtol.

    >>> import chainrule
    >>> chainrule.linalg.pinv(chainrule.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    if out is not None:
        return write_out(out, pinv(A, rcond, hermitian, atol=atol, rtol=rtol), "linalg.pinv")
    _check_pinv_input(A, "linalg.pinv")
    rtol = rcond if rtol is None else rtol
    if hermitian:
        values, vectors = eigh(A)
        magnitude = values.abs()
    else:
        vectors, magnitude, v = svd(A)
    if not magnitude._data.size:
        return A.mT * 0
    kept = magnitude._data > _tolerance(A, magnitude._data.max(-1, keepdims=True), atol, rtol)
    inverted = where(kept, 1 / where(kept, values if hermitian else magnitude, 1), 0)
    return ((vectors if hermitian else v) * inverted.unsqueeze(-2)) @ vectors.mT


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values (absolute eigenvalues with ``hermitian=True``) above
    max(``atol``, ``rtol`` * the largest); ``tol`` is PyTorch's older name for atol.

    >>> import chainrule
    >>> chainrule.linalg.matrix_rank(chainrule.ones(3, 3))
    tensor(1)
    """
    if out is not None:
        return write_out(out, matrix_rank(A, tol, hermitian, atol=atol, rtol=rtol), "linalg.matrix_rank")
    if A._data.ndim < 2:
        raise RuntimeError(
            "torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions."
        )
    if A._data.dtype.kind != "f":
        raise RuntimeError("This function doesn't handle types other than float and double")
    atol = tol if atol is None else atol
    if hermitian:
        _square(A, "linalg.eigh")
        s = np.abs(np.linalg.eigvalsh(A._data))
    else:
        s = np.linalg.svd(A._data, compute_uv=False)
    if not s.size:
        return wrap(np.zeros(A._data.shape[:-2], np.int64))
    kept = s > _tolerance(A, s.max(-1, keepdims=True), atol, rtol)
    return wrap(kept.sum(-1).astype(np.int64))


_COND_ORDERS = (None, 2, -2, "fro", "nuc", float("inf"), float("-inf"), 1, -1)


def cond(A, p=None, *, out=None):
    """The condition number ||A|| ||A^-1|| in the norm ``p``: for None, 2 and -2 the
    ratio of the extreme singular values (any shape); for 'fro', 'nuc', inf, -inf, 1
    and -1 of square matrices, inf where A is singular.

    >>> import chainrule
    >>> chainrule.linalg.cond(chainrule.tensor([[1.0, 0.0], [0.0, 4.0]]))
    tensor(4.)
    """
    from .reduce import amax, amin

    if out is not None:
        return write_out(out, cond(A, p), "linalg.cond")
    if p not in _COND_ORDERS:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p in (None, 2, -2):
        s = Svd.apply(_floating(A, "linalg.cond", None), False)[1]
        largest, smallest = amax(s, -1), amin(s, -1)
        return smallest / largest if p == -2 else largest / smallest
    A = _square(A, f"linalg.cond(ord={p})")
    failed = _singular_info(A._data) != 0
    eye = np.eye(A._data.shape[-1], dtype=A._data.dtype)
    inverted = inverse(where(failed[..., None, None], eye, A))  # the identity stands in where singular
    if p == "nuc":  # the singular values from Svd, which is twice differentiable
        value = Svd.apply(A, False)[1].sum(-1) * Svd.apply(inverted, False)[1].sum(-1)
    else:
        value = matrix_norm(A, p) * matrix_norm(inverted, p)
    return where(failed, np.array(np.inf, value._data.dtype), value)


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)``: the X minimizing ||A X - B|| (the
    one of least norm when A is rank-deficient), filled as PyTorch's CPU default driver
    'gelsy' fills them: residuals and singular_values empty, rank the number of singular
    values above ``rcond`` (default eps * max(m, n)) times the largest. The solution is
    pinv(A) B, and differentiable as that.

    >>> import chainrule
    >>> chainrule.linalg.lstsq(chainrule.tensor([[2.0], [0.0]]), chainrule.tensor([4.0, 1.0])).solution
    tensor([2.])
    """
    if driver is not None and driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(
            "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
        )
    if driver not in (None, "gelsy"):
        raise NotImplementedError(f"linalg.lstsq: chainrule has the driver 'gelsy' only, not '{driver}'")
    if A._data.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    vector = B._data.ndim == A._data.ndim - 1
    if B._data.shape[-1 if vector else -2] != A._data.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    A = _floating(A, "torch.linalg.lstsq", None)
    if rcond is None:
        rcond = np.finfo(A._data.dtype).eps * max(A._data.shape[-2:])
    solution = matmul(pinv(A, rtol=rcond), B.unsqueeze(-1) if vector else B)
    rank = matrix_rank(A.detach(), rtol=rcond)
    residuals, singular_values = (wrap(np.zeros((0,), A._data.dtype)) for _ in range(2))
    return _LSTSQ(solution.squeeze(-1) if vector else solution, residuals, rank, singular_values)


# --- products, diagonals and tensor equations ----------------------------------------------------


def multi_dot(tensors, *, out=None):
    """The product of two or more matrices, the first and last of which may be vectors
    (their dim is then removed from the result).

    >>> import chainrule
    >>> chainrule.linalg.multi_dot([chainrule.ones(3), chainrule.ones(3, 2), chainrule.ones(2)])
    tensor(6.)
    """
    if out is not None:
        return write_out(out, multi_dot(tensors), "linalg.multi_dot")
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for t, which in ((tensors[0], "first"), (tensors[-1], "last")):
        if t._data.ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {t._data.ndim}D")
    for k, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {k} must be 2D but got {t._data.ndim}D")
    for k, t in enumerate(tensors[1:], 1):
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError(
                f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                f"{_C_NAMES[tensors[0].dtype.name]} and tensor {k} {_C_NAMES[t.dtype.name]}"
            )
    first_vector, last_vector = tensors[0]._data.ndim == 1, tensors[-1]._data.ndim == 1
    matrices = list(tensors)
    if first_vector:
        matrices[0] = matrices[0].unsqueeze(0)
    if last_vector:
        matrices[-1] = matrices[-1].unsqueeze(-1)
    for k in range(n - 1):
        a, b = matrices[k]._data.shape, matrices[k + 1]._data.shape
        if a[1] != b[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {k} and {k + 1} with shapes {list(tensors[k]._data.shape)} and "
                f"{list(tensors[k + 1]._data.shape)} cannot be multiplied"
            )
    result = matrices[0]
    for m in matrices[1:]:
        result = matmul(result, m)
    if first_vector:
        result = result.squeeze(0)
    return result.squeeze(-1) if last_vector else result


def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along ``dim``, batch dims broadcast.

    >>> import chainrule
    >>> chainrule.linalg.vecdot(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]), chainrule.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if out is not None:
        return write_out(out, vecdot(x, y, dim=dim), "linalg.vecdot")
    for t in (x, y):
        _floating(t, "linalg.vecdot", None)
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(
            f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
            f"{_SCALAR_NAMES[x.dtype.name]} and y of type {_SCALAR_NAMES[y.dtype.name]} instead"
        )
    return (x * y).sum(dim)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal ``offset`` of each matrix in dims ``dim1``, ``dim2`` (the last two by default).

    >>> import chainrule
    >>> chainrule.linalg.diagonal(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([1., 4.])
    """
    return A.diagonal(offset, dim1, dim2)


def vander(x, *, N=None):
    """The Vandermonde matrix of the last dim of x: column j holds x^j, j = 0 ... N - 1
    (N = x.size(-1) by default), as a running product so that x = 0 has gradients.

    >>> import chainrule
    >>> chainrule.linalg.vander(chainrule.tensor([1, 2, 3]))
    tensor([[1, 1, 1],
            [1, 2, 4],
            [1, 3, 9]])
    """
    from .reduce import cumprod

    N = (x._data.shape[-1] if x._data.ndim else 1) if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    column = x.unsqueeze(-1)
    powers = cat([wrap(np.ones(column._data.shape, x._data.dtype)), column.expand(*x._data.shape, N - 1)], -1)
    return cumprod(powers, -1)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of A for ``tensordot(A, ., ind)``: A read as a matrix with its first
    ``ind`` dims as rows, inverted, and shaped back to A.shape[ind:] + A.shape[:ind].

    >>> import chainrule
    >>> chainrule.linalg.tensorinv(2 * chainrule.eye(4).reshape(4, 2, 2), ind=1).shape
    chainrule.Size([2, 2, 4])
    """
    if out is not None:
        return write_out(out, tensorinv(A, ind), "linalg.tensorinv")
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = A._data.shape
    rows, columns = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != columns:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), "
            f"but got {columns} != {rows}"
        )
    try:
        return inverse(A.reshape(rows, columns)).reshape(shape[ind:] + shape[:ind])
    except LinAlgError as error:
        raise _renamed(error, "inv") from None


def tensorsolve(A, B, dims=None, *, out=None):
    """X with ``tensordot(A, X, X.ndim) = B``: A read as a matrix with B's shape as rows;
    ``dims`` are moved to the end of A first.

    >>> import chainrule
    >>> chainrule.linalg.tensorsolve(2 * chainrule.eye(4).reshape(4, 2, 2), chainrule.ones(4)).shape
    chainrule.Size([2, 2])
    """
    if out is not None:
        return write_out(out, tensorsolve(A, B, dims), "linalg.tensorsolve")
    if dims is not None:
        dims = [normalize_dim(d, A._data.ndim) for d in dims]
        A = A.movedim(dims, list(range(A._data.ndim - len(dims), A._data.ndim)))
    rest = A._data.shape[B._data.ndim :]
    if math.prod(rest) != B._data.size:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {math.prod(rest)} != {B._data.size}"
        )
    return solve(A.reshape(B._data.size, -1), B.reshape(-1)).reshape(rest)
