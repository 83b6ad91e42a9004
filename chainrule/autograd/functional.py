"""Higher-level derivatives of a function of tensors (``torch.autograd.functional``):
vjp, jvp, jacobian, hessian, vhp and hvp, all built on ``autograd.grad``.

A single tensor in gives a single tensor out, a tuple a tuple, as PyTorch.
jvp and hvp use the double-vjp trick: a vjp is linear in its vector, so
differentiating it with respect to that vector gives the forward product.
``vectorize`` is accepted and gives the same values (chainrule loops where
PyTorch vmaps).

>>> import chainrule
>>> from chainrule.autograd.functional import jacobian
>>> jacobian(lambda x: x**2, chainrule.tensor([1.0, 3.0]))
tensor([[2., 0.],
        [0., 6.]])
"""

from .._creation import zeros_like
from .._tensor import Tensor
from ..ops.shape import stack
from .engine import grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(inputs, arg_name, fn_name):
    """(was it a tuple, the tensors as a tuple); PyTorch's TypeError for anything else."""
    is_tuple = isinstance(inputs, tuple)
    items = inputs if is_tuple else (inputs,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                f" {where} has type {type(item)}."
            )
    return is_tuple, items


def _unpack(result, is_tuple):
    return result if is_tuple else result[0]


def _preprocess(tensors, create_graph, need_graph):
    """Fresh graph inputs: a view keeps an outer graph when the result must be
    differentiable (create_graph), else a detached copy of the reference."""
    return tuple(
        t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
        for t in tensors
    )


def _postprocess(tensors, create_graph):
    return tensors if create_graph else tuple(t.detach() for t in tensors)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prefix}v has invalid size: should be {el_other.size()} but got {el_v.size()}."
            )


def _vector(v, reference, is_reference_tuple, create_graph, fn_name, what):
    """The checked vector ``v``; None only where ``reference`` is one single-element tensor."""
    if v is None:
        if len(reference) != 1 or reference[0].numel() != 1:
            raise RuntimeError(
                f"The vector v can only be None if {what} a single Tensor with a single element."
            )
        return None
    v = _preprocess(_as_tuple(v, "v", fn_name)[1], create_graph, need_graph=False)
    _validate_v(v, reference, is_reference_tuple)
    return v


_NOT_DIFFERENTIABLE = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be "
    "computed in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided "
    "function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with "
    "respect to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
    "that your function is twice differentiable and that the jacobian depends on the inputs (this would be "
    "violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is independent of the "
    "input. This is not allowed in strict mode. You should ensure that your function is thrice "
    "differentiable and that the hessian depends on the inputs.",
}


def _check_requires_grad(tensors, kind, strict):
    """Under ``strict``, each of ``tensors`` must exist and depend on the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode."
            )
        if not t.requires_grad:
            raise RuntimeError(_NOT_DIFFERENTIABLE[kind].format(i=i))


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` over the outputs that require grad; None for an unreached input."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad(
        [o for o, _ in pairs],
        inputs,
        [g for _, g in pairs],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
    "when using the double backward trick to compute forward mode gradients. "
    "This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
    "grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick "
    "to replace forward mode AD.",
}


def _fill_in_zeros(grads, references, strict, create_graph, stage):
    """Zeros for the missing gradients, or PyTorch's error for them under ``strict``."""
    result = []
    for i, (g, reference) in enumerate(zip(grads, references)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(reference)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode when create_graph=True."
            )
        result.append(g)
    return tuple(result)


def _run(func, inputs, fn_name, strict):
    """``func(*inputs)`` as a tuple, whether it was one, checked under ``strict``."""
    is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    return is_tuple, outputs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product, one per input.

    >>> import chainrule
    >>> from chainrule.autograd.functional import vjp
    >>> vjp(lambda x: x**2, chainrule.tensor([1.0, 3.0]), chainrule.tensor([1.0, 10.0]))
    (tensor([1., 9.]), tensor([ 2., 60.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _run(func, inputs, "vjp", strict)
        v = _vector(v, outputs, is_outputs_tuple, create_graph, "vjp", "the user-provided function returns")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        products = _fill_in_zeros(
            _grad(outputs, inputs, v, create_graph=create_graph), inputs, strict, create_graph, "back"
        )
    return (
        _unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
        _unpack(_postprocess(products, create_graph), is_inputs_tuple),
    )


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, one per output,
    by the double-vjp trick.

    >>> import chainrule
    >>> from chainrule.autograd.functional import jvp
    >>> jvp(lambda x: x**2, chainrule.tensor([1.0, 3.0]), chainrule.tensor([1.0, 10.0]))
    (tensor([1., 9.]), tensor([ 2., 60.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        v = _vector(
            v, inputs, is_inputs_tuple, create_graph, "jvp", "the input to the user-provided function is"
        )
        is_outputs_tuple, outputs = _run(func, inputs, "jvp", strict)
        # The vjp is linear in its vector, whose value never enters the graph below: zeros will do.
        grad_outputs = tuple(zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        products = _fill_in_zeros(
            _grad(grad_inputs, grad_outputs, v, create_graph=create_graph),
            outputs,
            strict,
            create_graph,
            "back_trick",
        )
    return (
        _unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
        _unpack(_postprocess(products, create_graph), is_outputs_tuple),
    )


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for an output of shape S and an
    input of shape T a tensor of shape S + T, nested (outputs outside, inputs
    inside) when either is a tuple. ``strategy="forward-mode"`` (which PyTorch
    allows only with ``vectorize=True``) gives the same values by reverse mode.

    >>> import chainrule
    >>> from chainrule.autograd.functional import jacobian
    >>> jacobian(lambda x, y: x * y, (chainrule.tensor([2.0]), chainrule.tensor([5.0])))
    (tensor([[5.]]), tensor([[2.]]))
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` "
                'and `strategy="forward-mode"` are not supported together (yet). '
                "Please either set `create_graph=False` or "
                '`strategy="reverse-mode"`.'
            )
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` "
                'and `strategy="forward-mode"` are not supported together (yet). '
                "Please either set `strict=False` or "
                '`strategy="reverse-mode"`.'
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                "only implemented for `vectorize=True`."
            )
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _run(func, inputs, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` "
                "and `vectorized=True` are not supported together. "
                "Please either set `strict=False` or "
                "`vectorize=False`."
            )
        jacobians = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(out.numel()):
                row = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (g, x) in enumerate(zip(row, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of input {j}. "
                                "This is not allowed in strict mode."
                            )
                        g = zeros_like(x)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            f"The jacobian of the user-provided function is independent of input {i}. "
                            "This is not allowed in strict mode when create_graph=True."
                        )
                    rows[j].append(g)
            jacobians.append(
                tuple(_stacked(r, x).reshape(tuple(out.shape) + tuple(x.shape)) for r, x in zip(rows, inputs))
            )
        jacobians = [_postprocess(j, create_graph) for j in jacobians]
    return _unpack(tuple(_unpack(j, is_inputs_tuple) for j in jacobians), is_outputs_tuple)


def _stacked(rows, x):
    """The rows of one Jacobian block stacked; an empty block for an empty output."""
    return stack(rows) if rows else zeros_like(x).reshape(0, *x.shape)


def hessian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    outer_jacobian_strategy="reverse-mode",
):
    """The Hessian of ``func`` (which returns a single-element tensor): the
    Jacobian of its gradient; a tuple of tuples for a tuple of inputs.

    >>> import chainrule
    >>> from chainrule.autograd.functional import hessian
    >>> hessian(lambda x: (x**3).sum(), chainrule.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*xs):
        is_tuple, outputs = _run(func, xs, "hessian", strict)
        if is_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single element"
            )
        return outputs[0].squeeze()

    def gradient(*xs):
        if outer_jacobian_strategy == "forward-mode":
            xs = tuple(x.requires_grad_(True) for x in xs)
        jac = jacobian(single_output, xs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    result = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return result if is_inputs_tuple else result[0][0]


def _single_output(func, inputs, fn_name, strict):
    """``func(*inputs)`` checked to be one single-element tensor, as vhp and hvp need."""
    is_tuple, outputs = _run(func, inputs, fn_name, strict)
    if is_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn_name} should contain a single element"
        )
    return outputs


def _gradient_of_scalar(func, inputs, v, create_graph, strict, fn_name):
    """vhp's and hvp's first half: the checked inputs and vector, the single-element
    output and its gradient (kept in the graph), run under ``enable_grad``."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _preprocess(inputs, create_graph, need_graph=True)
    v = _vector(
        v, inputs, is_inputs_tuple, create_graph, fn_name, "the input to the user-provided function is"
    )
    outputs = _single_output(func, inputs, fn_name, strict)
    jac = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict)
    return is_inputs_tuple, inputs, v, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)``: the vector-Hessian product of a function that
    returns a single-element tensor.

    >>> import chainrule
    >>> from chainrule.autograd.functional import vhp
    >>> vhp(lambda x: (x**3).sum(), chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "vhp"
        )
    with set_grad_enabled(create_graph or is_grad_enabled()):
        products = _fill_in_zeros(
            _grad(jac, inputs, v, create_graph=create_graph), inputs, strict, create_graph, "double_back"
        )
    return _postprocess(outputs, create_graph)[0], _unpack(
        _postprocess(products, create_graph), is_inputs_tuple
    )


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``: the Hessian-vector product of a function that
    returns a single-element tensor, by the double-vjp trick (equal to vhp, H
    being symmetric).

    >>> import chainrule
    >>> from chainrule.autograd.functional import hvp
    >>> hvp(lambda x: (x**3).sum(), chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "hvp"
        )
        grad_jac = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        double_back = _grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        products = _fill_in_zeros(
            _grad(double_back, grad_jac, v, create_graph=create_graph),
            inputs,
            strict,
            create_graph,
            "double_back_trick",
        )
    return _postprocess(outputs, create_graph)[0], _unpack(
        _postprocess(products, create_graph), is_inputs_tuple
    )
