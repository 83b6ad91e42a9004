"""Check backward against finite differences, as ``torch.autograd.gradcheck``.

The numerical Jacobian perturbs each input element by +-eps and measures the
change of every output (central differences); the analytical Jacobian asks
backward for one output element at a time. They must agree within
``atol + rtol * |numerical|``. Use float64 inputs: float32 rounding is far
larger than these tolerances.
"""

import warnings

import numpy as np

from .._tensor import Tensor, wrap
from . import engine
from .grad_mode import enable_grad


class GradcheckError(RuntimeError):
    """The analytical and numerical gradients disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable_outputs(outputs):
    return [o for o in outputs if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _numerical_jacobians(func, inputs, index, eps, output_sizes):
    """d(each output)/d(inputs[index]) as arrays of shape (output.numel, input.numel)."""
    data = inputs[index]._data
    if data.size == 0:
        return [np.zeros((size, 0)) for size in output_sizes]
    columns = []
    # Writes go straight into the input's memory (element by element, so a
    # non-contiguous input works too): no graph, no version bump.
    for position in np.ndindex(data.shape):
        original = data[position].item()
        data[position] = original + eps
        plus = [o._data.astype(np.float64).copy() for o in _differentiable_outputs(_as_tuple(func(*inputs)))]
        data[position] = original - eps
        minus = [o._data.astype(np.float64).copy() for o in _differentiable_outputs(_as_tuple(func(*inputs)))]
        data[position] = original
        columns.append([(p - m).reshape(-1) / (2 * eps) for p, m in zip(plus, minus)])
    return [np.stack([c[k] for c in columns], axis=1) for k in range(len(output_sizes))]


def _analytical_jacobians(outputs, inputs, diff_indices):
    """Rows of the Jacobian from backward, one output element at a time."""
    jacobians = []
    for out in outputs:
        rows = {i: [] for i in diff_indices}
        for k in range(out._data.size):
            if not out._requires_grad:
                for i in diff_indices:
                    rows[i].append(np.zeros(inputs[i]._data.size))
                continue
            onehot = np.zeros(out._data.size, out._data.dtype)
            onehot[k] = 1
            grads = engine.grad(
                out,
                [inputs[i] for i in diff_indices],
                wrap(onehot.reshape(out._data.shape)),
                retain_graph=True,
                allow_unused=True,
            )
            for i, g in zip(diff_indices, grads):
                rows[i].append(
                    np.zeros(inputs[i]._data.size) if g is None else g._data.astype(np.float64).reshape(-1)
                )
        jacobians.append(
            {i: np.array(rows[i]).reshape(out._data.size, inputs[i]._data.size) for i in diff_indices}
        )
    return jacobians


def gradcheck(
    func,
    inputs,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_batched_forward_grad=False,
    check_forward_ad=False,
    check_backward_ad=True,
    fast_mode=False,
    masked=None,
):
    """True when backward matches finite differences for every input that requires grad.

    >>> import chainrule
    >>> x = chainrule.randn(3, dtype=chainrule.float64, requires_grad=True)
    >>> chainrule.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    diff_indices = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not diff_indices:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, "
            "but none of them have requires_grad=True."
        )
    for i in diff_indices:
        if inputs[i]._data.dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point.",
                stacklevel=2,
            )
    with enable_grad():
        outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    analytical = _analytical_jacobians(outputs, inputs, diff_indices)
    for i in diff_indices:
        numerical = _numerical_jacobians(func, inputs, i, eps, [o._data.size for o in outputs])
        for k in range(len(outputs)):
            a, n = analytical[k][i], numerical[k]
            if a.shape != n.shape or not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {k} with respect to input {i},\n"
                    f"numerical:{wrap(n)}\nanalytical:{wrap(a)}\n"
                )
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    gen_non_contig_grad_outputs=False,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_fwd_over_rev=False,
    check_rev_over_rev=True,
    fast_mode=False,
    masked=False,
):
    """Check second derivatives: gradcheck applied to the first derivative
    computed with ``create_graph=True``.

    >>> import chainrule
    >>> x = chainrule.randn(3, dtype=chainrule.float64, requires_grad=True)
    >>> chainrule.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    diff_indices = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    with enable_grad():
        outputs = _differentiable_outputs(_as_tuple(func(*inputs)))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype)).requires_grad_() for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n_inputs = len(inputs)

    def first_derivative(*args):
        xs, gs = args[:n_inputs], args[n_inputs:]
        outs = [o for o in _differentiable_outputs(_as_tuple(func(*xs))) if o._requires_grad]
        grads = engine.grad(
            outs, [xs[i] for i in diff_indices], gs[: len(outs)], create_graph=True, allow_unused=True
        )
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivative,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
