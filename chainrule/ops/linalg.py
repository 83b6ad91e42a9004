"""Linear algebra: matmul and its special cases, einsum, norms.

For Z = X @ Y the chain rule gives dL/dX = dL/dZ @ Y^T and
dL/dY = X^T @ dL/dZ; batch dims broadcast and the engine sums them back.
"""

import string

import numpy as np

from .._tensor import Tensor, wrap
from ..autograd.function import Primitive
from ._helpers import bind, normalize_dims

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "inner", "outer", "ger", "einsum"]


class MatMul(Primitive):
    """Z = X @ Y.   dL/dX = dL/dZ @ Y^T,  dL/dY = X^T @ dL/dZ
    (1-D operands act as a row or column vector)."""

    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.matmul(x, y)

    def backward(ctx, grad):
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        x_vector, y_vector = x.ndim == 1, y.ndim == 1
        if x_vector:
            x = x.reshape((1, -1))
            grad = np.expand_dims(grad, -2)
        if y_vector:
            y = y.reshape((-1, 1))
            grad = np.expand_dims(grad, -1)
        grad_x = grad_y = None
        if need_x:
            grad_x = np.matmul(grad, np.swapaxes(y, -1, -2))
            if x_vector:
                grad_x = np.squeeze(grad_x, -2)
        if need_y:
            grad_y = np.matmul(np.swapaxes(x, -1, -2), grad)
            if y_vector:
                grad_y = np.squeeze(grad_y, -1)
        return grad_x, grad_y


def _matmul_error(op_name, a, b):
    a_shape, b_shape = tuple(a._data.shape), tuple(b._data.shape)
    if len(a_shape) == 1 and len(b_shape) == 1:
        return RuntimeError(
            f"{op_name}: inconsistent tensor size, expected tensor [{a_shape[0]}] and src "
            f"[{b_shape[0]}] to have the same number of elements, but got {a_shape[0]} and "
            f"{b_shape[0]} elements respectively"
        )
    left = "x".join(map(str, a_shape[-2:] if len(a_shape) > 1 else (1,) + a_shape))
    right = "x".join(map(str, b_shape[-2:] if len(b_shape) > 1 else b_shape + (1,)))
    return RuntimeError(
        f"{op_name}: mat1 and mat2 shapes cannot be multiplied ({left} and {right}); "
        f"input shapes are {a_shape} and {b_shape}"
    )


def matmul(input, other):
    """Matrix product with NumPy/PyTorch broadcasting of batch dims.

    >>> import chainrule
    >>> w = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x = chainrule.tensor([1.0, 1.0])
    >>> w @ x
    tensor([3., 7.])
    """
    if not isinstance(other, Tensor):
        other = wrap(np.asarray(other))
    if input._data.ndim == 0 or other._data.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are "
            f"{input._data.ndim}D and {other._data.ndim}D"
        )
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {input.dtype.name} != {other.dtype.name}"
        )
    try:
        return MatMul.apply(input, other)
    except ValueError:
        raise _matmul_error("matmul", input, other) from None


def _check_dims(op_name, tensor, ndim, what):
    if tensor._data.ndim != ndim:
        raise RuntimeError(
            f"{op_name}: {what} must be a {ndim}D tensor, got {tensor._data.ndim}D "
            f"with shape {tuple(tensor._data.shape)}"
        )


def mm(input, mat2):
    """Product of two matrices (2-D only)."""
    _check_dims("mm", input, 2, "self")
    _check_dims("mm", mat2, 2, "mat2")
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched product of (b, n, m) and (b, m, p) tensors."""
    _check_dims("bmm", input, 3, "batch1")
    _check_dims("bmm", mat2, 3, "batch2")
    if input._data.shape[0] != mat2._data.shape[0]:
        raise RuntimeError(
            f"bmm: batch1 and batch2 must have the same batch size, got shapes "
            f"{tuple(input._data.shape)} and {tuple(mat2._data.shape)}"
        )
    return matmul(input, mat2)


def mv(input, vec):
    """Matrix times vector."""
    _check_dims("mv", input, 2, "self")
    _check_dims("mv", vec, 1, "vec")
    return matmul(input, vec)


def dot(input, other):
    """Dot product of two 1-D tensors."""
    _check_dims("dot", input, 1, "self")
    _check_dims("dot", other, 1, "tensor")
    return matmul(input, other)


inner = dot


def outer(input, vec2):
    """Outer product ``input[i] * vec2[j]``."""
    _check_dims("outer", input, 1, "self")
    _check_dims("outer", vec2, 1, "vec2")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


class Einsum(Primitive):
    """Einstein summation. The gradient for operand k is the einsum of the output
    gradient with the other operands, written out to operand k's subscripts."""

    def forward(ctx, equation, *operands):
        inputs, output = equation
        ctx.save_for_backward(*operands)
        ctx.equation = equation
        return np.einsum(",".join(inputs) + "->" + output, *operands, optimize=len(operands) > 2)

    def backward(ctx, grad):
        operands = ctx.saved
        inputs, output = ctx.equation
        grads = [None]
        for k, need in enumerate(ctx.needs_input_grad[1:]):
            if not need:
                grads.append(None)
                continue
            target = inputs[k]
            others = [s for i, s in enumerate(inputs) if i != k]
            available = set(output).union(*others) if others else set(output)
            kept = "".join(dict.fromkeys(c for c in target if c in available))
            terms = [output] + others
            values = [grad] + [operands[i] for i in range(len(inputs)) if i != k]
            partial = np.einsum(",".join(terms) + "->" + kept, *values)
            if kept != target:
                partial = _embed(partial, kept, target, operands[k].shape)
            grads.append(partial)
        return tuple(grads)


def _embed(partial, kept, target, shape):
    """Broadcast ``partial`` (subscripts ``kept``) to operand subscripts ``target``."""
    if len(set(target)) != len(target):
        raise NotImplementedError("einsum backward with a repeated index in one operand (a diagonal)")
    order = [kept.index(c) for c in target if c in kept]
    partial = np.transpose(partial, order) if order != sorted(order) else partial
    expanded_shape = tuple(shape[i] if c in kept else 1 for i, c in enumerate(target))
    partial = partial.reshape(expanded_shape)
    return np.broadcast_to(partial, shape)


def _parse_einsum(equation, operands):
    equation = equation.replace(" ", "")
    if "->" in equation:
        lhs, output = equation.split("->")
    else:
        lhs, output = equation, None
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > len(inputs)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    unused = [c for c in string.ascii_letters if c not in equation]
    ellipsis_dims = max(
        (op._data.ndim - len(s.replace("...", "")) for s, op in zip(inputs, operands) if "..." in s),
        default=0,
    )
    ellipsis = "".join(unused[:ellipsis_dims])
    expanded = []
    for s, op in zip(inputs, operands):
        if "..." in s:
            n = op._data.ndim - len(s.replace("...", ""))
            s = s.replace("...", ellipsis[ellipsis_dims - n :])
        if len(s) != op._data.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(s)}) does not match the "
                f"number of dimensions ({op._data.ndim}) for operand {len(expanded)}"
                + ("" if "..." in equation else " and no ellipsis was given")
            )
        expanded.append(s)
    if output is None:
        counts = {}
        for s in expanded:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        output = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis))
    else:
        output = output.replace("...", ellipsis)
    return tuple(expanded), output


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    >>> import chainrule
    >>> a = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> chainrule.einsum("ii->", a)
    tensor(5.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    parsed = _parse_einsum(equation, operands)
    try:
        return Einsum.apply(parsed, *operands)
    except ValueError as error:
        raise RuntimeError(
            f"einsum(): {error} (operand shapes {[tuple(o._data.shape) for o in operands]})"
        ) from None


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The vector ``ord``-norm over ``dim`` (all elements when None)."""
    from .reduce import norm

    if dim is not None:
        dim = normalize_dims(dim, x._data.ndim, "vector_norm")
    return norm(x, ord, dim, keepdim, dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The Frobenius norm (``ord='fro'``) of the matrices in the last two dims."""
    from .reduce import amax, amin, sum

    if ord == "fro":
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if ord in (1, -1, float("inf"), float("-inf")):
        row_dim, col_dim = dim if ord in (float("inf"), float("-inf")) else dim[::-1]
        sums = sum(A.abs(), col_dim, keepdim=True)
        pick = amax if ord > 0 else amin
        result = pick(sums, row_dim, keepdim=True)
        return result if keepdim else result.squeeze(dim)
    raise NotImplementedError(f"matrix_norm with ord={ord!r} (supported: 'fro', 1, -1, inf, -inf)")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``dim`` has two
    entries (or A is 2-D and ``ord`` is a matrix norm)."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if (dim is not None and len(dim) == 2) or (dim is None and A._data.ndim == 2 and isinstance(ord, str)):
        return matrix_norm(A, ord, dim or (-2, -1), keepdim, dtype=dtype)
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
        "inner": inner,
        "outer": outer,
        "ger": outer,
    },
    {
        np.matmul: matmul,
        np.einsum: lambda equation, *operands, **kw: einsum(equation, *operands),
        np.dot: matmul,
    },
)
