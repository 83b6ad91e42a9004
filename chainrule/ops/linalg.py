"""Linear algebra: matmul and its special cases, einsum, norms.

For Z = X @ Y the chain rule gives dL/dX = dL/dZ @ Y^T and
dL/dY = X^T @ dL/dZ; batch dims broadcast and the engine sums them back.
"""

import math
import string

import numpy as np

from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from ._blas import matrix_product
from ._helpers import (
    bind,
    in_float32_if_half,
    normalize_dim,
    normalize_dims,
    promote,
    sign_of,
    size_mismatch,
    write_out,
)
from .shape import differentiable

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "einsum"]

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


class SingularValues(Primitive):
    """s = the singular values of A = U diag(s) V^T (each matrix in the last two dims).
    dL/dA = U diag(dL/ds) V^T. Once differentiable: U and V are not tracked."""

    once_differentiable = True

    def forward(ctx, a):
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        ctx.u, ctx.vt = u, vt
        return s

    def backward(ctx, grad):
        return (ctx.u * grad[..., None, :]) @ ctx.vt


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
    return SingularValues.apply_unary(A)


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
    },
    {
        np.matmul: matmul,
        np.einsum: lambda subscripts, *operands, **kw: einsum(subscripts, *operands),
        np.dot: matmul,
    },
)
