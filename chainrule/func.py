"""Function transforms, as ``torch.func``: grad, grad_and_value, vjp, jvp,
linearize, jacrev, jacfwd, hessian and vmap; and functional_call and
stack_module_state to run a module on parameters given as tensors.

Each transform is built on ``autograd.grad``. A call gives the arguments it
differentiates fresh graph inputs (a new leaf for a tensor no graph tracks;
an identity node for one that an outer transform or ``backward()`` tracks, so
gradients still flow out to it), runs the function with grad mode on and
differentiates. When the result must itself be differentiable (the function
reached a tensor tracked outside), it differentiates with
``create_graph=True``; otherwise the results come back as plain tensors. So
the transforms compose: ``grad(grad(f))``, ``hessian = jacrev(jacrev(f))``,
``vmap(grad(f))``, and a ``grad`` result can be ``backward()``-ed into the
weights a function closes over.

Arguments and results may be nested tuples, lists and dicts of tensors (what
torch.func calls pytrees), e.g. a dict of parameters.

Differs from torch.func on purpose: ``vmap`` is a loop. It runs the function
once per item of the mapped dimension and stacks the results, so it is exactly
as fast as that loop; ``randomness`` and ``chunk_size`` are accepted and
ignored (each item draws its own random numbers). Forward mode (``jvp``,
``linearize``, ``jacfwd``) is reverse mode twice over (the double-vjp trick),
with the values of PyTorch's dual numbers.

>>> import chainrule
>>> from chainrule.func import grad
>>> x = chainrule.tensor([1.0, 2.0])
>>> grad(lambda t: (t ** 3).sum())(x)
tensor([ 3., 12.])
>>> grad(lambda t: grad(lambda u: (u ** 3).sum())(t).sum())(x)
tensor([ 6., 12.])
"""

import functools

from . import autograd
from ._creation import zeros, zeros_like
from ._tensor import Tensor
from .autograd.function import Primitive
from .autograd.grad_mode import enable_grad, is_grad_enabled
from .ops.shape import stack

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "stack_module_state",
    "vjp",
    "vmap",
]


# --- nested containers (pytrees) ----------------------------------------------------


def _flatten(tree):
    """The leaves of nested tuples / lists / dicts, and the structure to rebuild them."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            item_leaves, spec = _flatten(item)
            leaves += item_leaves
            specs.append(spec)
        return leaves, (type(tree), None, specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for value in tree.values():
            value_leaves, spec = _flatten(value)
            leaves += value_leaves
            specs.append(spec)
        return leaves, (dict, list(tree), specs)
    return [tree], None


def _unflatten(leaves, spec):
    """Rebuild the structure ``spec`` (from ``_flatten``) around ``leaves``."""
    return _rebuild(iter(leaves), spec)


def _rebuild(leaves, spec):
    if spec is None:
        return next(leaves)
    kind, keys, specs = spec
    items = [_rebuild(leaves, s) for s in specs]
    if kind is dict:
        return dict(zip(keys, items))
    if hasattr(kind, "_fields"):  # a namedtuple
        return kind(*items)
    return kind(items)


# --- fresh graph inputs and what the results may keep -------------------------------------


class _Alias(Primitive):
    """y = x: a new graph node over the same values.   dy/dx = 1."""

    def forward(ctx, x):
        return x

    def backward(ctx, grad):
        return grad


def _graph_input(value):
    if not isinstance(value, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(value)}")
    if value.requires_grad:
        return _Alias.apply(value)
    return value.detach().requires_grad_()


def _graph_inputs(args, argnums):
    """``args`` with those at ``argnums`` replaced by fresh graph inputs.

    Returns the new args, per argnum the fresh tensors and their structure,
    and all the fresh tensors in one list."""
    numbers = (argnums,) if isinstance(argnums, int) else argnums
    if not isinstance(numbers, tuple) or not all(isinstance(n, int) for n in numbers):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not numbers:
        raise RuntimeError("argnums must be non-empty")
    normalized = []
    for n in numbers:
        if not -len(args) <= n < len(args):
            raise RuntimeError(f"Got argnum={n}, but only {len(args)} positional inputs")
        normalized.append(n % len(args))
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    args = list(args)
    trees = []
    for n in normalized:
        leaves, spec = _flatten(args[n])
        fresh = [_graph_input(t) for t in leaves]
        args[n] = _unflatten(fresh, spec)
        trees.append((fresh, spec))
    return args, trees, [t for tree, _ in trees for t in tree]


def _reaches_outside(tensors, fresh):
    """True if the graph behind ``tensors`` leads to a tensor that requires grad
    and is not one of our ``fresh`` leaves: someone outside this transform
    (an outer transform, a later backward()) may still differentiate them."""
    fresh_ids = {id(t) for t in fresh}
    pending = []
    for t in tensors:
        if isinstance(t, Tensor) and t.requires_grad:
            if t.grad_fn is None:
                if id(t) not in fresh_ids:
                    return True
            else:
                pending.append(t.grad_fn)
    seen = set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for edge in node.next_edges:
            if edge is None:
                continue
            target, output_nr = edge
            if output_nr is not None:
                pending.append(target)
            elif id(target) not in fresh_ids:
                return True
    return False


def _release(tree, fresh, outside_records):
    """Detach the tensors in ``tree`` that nothing outside this transform can
    differentiate: their graph only leads to our ``fresh`` leaves, or grad mode
    was off outside (``outside_records`` False)."""
    leaves, spec = _flatten(tree)
    released = [
        t.detach()
        if isinstance(t, Tensor)
        and t.requires_grad
        and not (outside_records and _reaches_outside([t], fresh))
        else t
        for t in leaves
    ]
    return _unflatten(released, spec)


def _split_aux(result, has_aux, api):
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return result


def _gradients(outputs, inputs, cotangents, create_graph):
    """d(outputs)/d(inputs) weighted by ``cotangents``; zeros where unused."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not pairs:
        return [zeros(t.shape, dtype=t.dtype) for t in inputs]
    return autograd.grad(
        [o for o, _ in pairs],
        inputs,
        [c for _, c in pairs],
        retain_graph=True,
        create_graph=create_graph,
        materialize_grads=True,
    )


def _per_argnum(values, trees, argnums):
    """Split a flat list (one value per fresh tensor) back into the argnums'
    structures: one structure for an int ``argnums``, else a tuple of them."""
    results, start = [], 0
    for fresh, spec in trees:
        results.append(_unflatten(values[start : start + len(fresh)], spec))
        start += len(fresh)
    return results[0] if isinstance(argnums, int) else tuple(results)


# --- the transforms -------------------------------------------------------------------


def grad_and_value(func, argnums=0, has_aux=False):
    """Like ``grad``, but the function returns ``(gradient, value)``, or
    ``(gradient, (value, aux))`` with ``has_aux``, as torch.func.grad_and_value.

    >>> import chainrule
    >>> from chainrule.func import grad_and_value
    >>> grad_and_value(lambda x: (x * x).sum())(chainrule.tensor([1.0, 2.0]))
    (tensor([2., 4.]), tensor(5.))
    """
    api = "grad_and_value(f)(*args)"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        differentiate_outside = is_grad_enabled()
        with enable_grad():
            args, trees, fresh = _graph_inputs(args, argnums)
            output, aux = _split_aux(func(*args, **kwargs), has_aux, api)
            if not isinstance(output, Tensor):
                raise RuntimeError(f"{api}: Expected f(*args) to return a Tensor, got {type(output)}")
            if output.dim() != 0:
                raise RuntimeError(
                    f"{api}: Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            create_graph = differentiate_outside and _reaches_outside([output], fresh)
            grads = _gradients([output], fresh, [None], create_graph)
        grads = _release(list(grads), fresh, differentiate_outside)
        value = _release(output, fresh, differentiate_outside)
        gradient = _per_argnum(grads, trees, argnums)
        if has_aux:
            return gradient, (value, _release(aux, fresh, differentiate_outside))
        return gradient, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The function that returns the gradient of ``func`` (which returns a
    scalar) with respect to its argument(s) ``argnums``; with ``has_aux``,
    ``func`` returns ``(output, aux)`` and the result is ``(gradient, aux)``.

    >>> import chainrule
    >>> from chainrule.func import grad
    >>> x, y = chainrule.tensor(2.0), chainrule.tensor(3.0)
    >>> grad(lambda a, b: a * a * b, argnums=(0, 1))(x, y)
    (tensor(12.), tensor(4.))
    """
    transformed = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = transformed(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def vjp(func, *primals, has_aux=False):
    """Run ``func(*primals)`` and return ``(output, vjp_fn)``: ``vjp_fn(v)`` is
    the vector-Jacobian product v^T J, one gradient per primal (a tuple).
    With ``has_aux``, ``func`` returns ``(output, aux)`` and so does vjp:
    ``(output, vjp_fn, aux)``. ``vjp_fn`` may be called many times.

    >>> import chainrule
    >>> from chainrule.func import vjp
    >>> out, vjp_fn = vjp(lambda x: x ** 2, chainrule.tensor([1.0, 3.0]))
    >>> vjp_fn(chainrule.tensor([1.0, 10.0]))
    (tensor([ 2., 60.]),)
    """
    api = "vjp(f, *primals)"
    differentiate_outside = is_grad_enabled()
    with enable_grad():
        args, trees, fresh = _graph_inputs(primals, tuple(range(len(primals)))) if primals else ([], [], [])
        output, aux = _split_aux(func(*args), has_aux, api)
    outputs, output_spec = _flatten(output)
    if not outputs or not all(isinstance(o, Tensor) for o in outputs):
        kinds = sorted({type(o).__name__ for o in outputs if not isinstance(o, Tensor)})
        raise RuntimeError(
            f"{api}: expected f(*primals) to return only tensors, got unsupported type {kinds or 'nothing'}"
        )
    outside = differentiate_outside and _reaches_outside(outputs, fresh)

    def vjp_fn(cotangents):
        cotangent_list, cotangent_spec = _flatten(cotangents)
        if cotangent_spec != output_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents: {_describe(cotangent_spec)}, primal output: "
                f"{_describe(output_spec)}"
            )
        tracked = any(isinstance(c, Tensor) and c.requires_grad for c in cotangent_list)
        create_graph = is_grad_enabled() and (outside or tracked)
        with enable_grad():
            grads = _gradients(outputs, fresh, cotangent_list, create_graph)
        return _per_argnum(_release(list(grads), fresh, is_grad_enabled()), trees, argnums=())

    released = _release(output, fresh, differentiate_outside)
    if has_aux:
        return released, vjp_fn, _release(aux, fresh, differentiate_outside)
    return released, vjp_fn


def _describe(spec):
    """A structure as torch.func prints it: ``*`` for a leaf, ``(*, *)`` for a tuple."""
    if spec is None:
        return "*"
    kind, keys, specs = spec
    inner = ", ".join(_describe(s) for s in specs)
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {_describe(s)}" for k, s in zip(keys, specs)) + "}"
    return f"[{inner}]" if kind is list else f"({inner})"


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """The function that returns the Jacobian of ``func`` with respect to the
    argument(s) ``argnums``, by reverse mode: one backward pass per output
    element. For an output of shape S and an input of shape T the Jacobian has
    shape S + T; several outputs or argnums give nested tuples (outputs outside,
    argnums inside), as torch.func.jacrev. ``chunk_size`` is ignored.

    >>> import chainrule
    >>> from chainrule.func import jacrev
    >>> jacrev(lambda x: x ** 2)(chainrule.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    api = "jacrev(f, ...)(*args)"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        differentiate_outside = is_grad_enabled()
        with enable_grad():
            args, trees, fresh = _graph_inputs(args, argnums)
            output, aux = _split_aux(func(*args, **kwargs), has_aux, api)
            outputs, output_spec = _flatten(output)
            for o in outputs:
                if not isinstance(o, Tensor):
                    raise RuntimeError(
                        f"{api}: Expected f to return only tensors, got unsupported type {type(o)}"
                    )
            create_graph = differentiate_outside and _reaches_outside(outputs, fresh)
            jacobians = [_jacobian(o, fresh, create_graph) for o in outputs]
        per_output = [
            _per_argnum(_release(j, fresh, differentiate_outside), trees, argnums) for j in jacobians
        ]
        result = _unflatten(per_output, output_spec)
        return (result, _release(aux, fresh, differentiate_outside)) if has_aux else result

    return wrapper


def _jacobian(output, inputs, create_graph):
    """d(output)/d(each input), of shape output.shape + input.shape."""
    rows = []
    for k in range(output.numel()):
        onehot = zeros(output.numel(), dtype=output.dtype)
        onehot[k] = 1
        rows.append(_gradients([output], inputs, [onehot.reshape(output.shape)], create_graph))
    jacobians = []
    for i, x in enumerate(inputs):
        shape = tuple(output.shape) + tuple(x.shape)
        if rows:
            jacobians.append(stack([row[i] for row in rows]).reshape(shape))
        else:
            jacobians.append(zeros(shape, dtype=x.dtype))
    return jacobians


def hessian(func, argnums=0):
    """The function that returns the Hessian of ``func`` (which returns a
    scalar): ``jacrev(jacrev(func, argnums), argnums)``. torch.func uses
    forward-over-reverse mode; the values are the same.

    >>> import chainrule
    >>> from chainrule.func import hessian
    >>> hessian(lambda x: (x ** 3).sum())(chainrule.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacrev(jacrev(func, argnums), argnums)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func``, as torch.func.jacfwd: the same values and
    nesting as ``jacrev`` (chainrule computes both by reverse mode);
    ``randomness`` is accepted and ignored.

    >>> import chainrule
    >>> from chainrule.func import jacfwd
    >>> jacfwd(lambda x: x.sum() * x)(chainrule.tensor([1.0, 2.0]))
    tensor([[4., 1.],
            [2., 5.]])
    """
    return jacrev(func, argnums, has_aux=has_aux)


_JVP = "jvp(f, primals, tangents)"


def linearize(func, *primals):
    """Run ``func(*primals)`` and return ``(output, jvp_fn)``: ``jvp_fn(*tangents)``
    is the Jacobian-vector product at ``primals``, from one graph kept for all
    calls (the gradient of a vjp with respect to its vector, linear in it).

    >>> import chainrule
    >>> from chainrule.func import linearize
    >>> out, jvp_fn = linearize(lambda x: x**2, chainrule.tensor([1.0, 3.0]))
    >>> jvp_fn(chainrule.tensor([1.0, 10.0]))
    tensor([ 2., 60.])
    """
    output, push, _ = _linearized(func, primals, "linearize", has_aux=False, strict=False)
    return output, lambda *tangents: push(tangents)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)``: the output and the Jacobian-vector
    product, each with the output's structure; with ``has_aux`` also ``aux``.
    With ``strict``, an output that does not depend on the primals raises.

    >>> import chainrule
    >>> from chainrule.func import jvp
    >>> jvp(lambda x: x**2, (chainrule.tensor([1.0, 3.0]),), (chainrule.tensor([1.0, 10.0]),))
    (tensor([1., 9.]), tensor([ 2., 60.]))
    """
    if not isinstance(primals, tuple):
        raise RuntimeError(
            f"{_JVP}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals)."
        )
    primals_spec, tangents_spec = _flatten(primals)[1], _flatten(tangents)[1]
    if primals_spec != tangents_spec:
        raise RuntimeError(
            f"{_JVP}: Expected primals and tangents to have the same python structure. For example, if "
            f"primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
            f"{_describe(primals_spec)} and tangents with structure {_describe(tangents_spec)}"
        )
    output, push, aux = _linearized(func, primals, _JVP, has_aux, strict)
    product = push(tangents)
    return (output, product, aux) if has_aux else (output, product)


def _linearized(func, primals, api, has_aux, strict):
    """``func(*primals)``, the function from tangents to the Jacobian-vector
    product (the primals' structure in, the output's out) and aux."""
    differentiate_outside = is_grad_enabled()
    with enable_grad():
        args, _, fresh = _graph_inputs(primals, tuple(range(len(primals)))) if primals else ([], [], [])
        output, aux = _split_aux(func(*args), has_aux, api)
        outputs, output_spec = _flatten(output)
        if not outputs or not all(isinstance(o, Tensor) for o in outputs):
            raise RuntimeError(f"{api}: Expected output of f to be a Tensor or Tensors, got {type(output)}")
        if strict and not all(o.requires_grad for o in outputs):
            raise RuntimeError(
                f"{api[:-1]}, strict=True): The output of f is independent of the inputs. "
                "This is not allowed with strict=True."
            )
        # The vjp is linear in its vector, whose value never enters the graph below: zeros will do.
        vectors = [zeros_like(o, requires_grad=True) for o in outputs]
        vjps = _gradients(outputs, fresh, vectors, create_graph=True)
    outside = differentiate_outside and _reaches_outside(outputs, fresh)

    def push(tangents):
        tangent_list = _flatten(tangents)[0]
        for i, (t, primal) in enumerate(zip(tangent_list, fresh)):
            if tuple(t.shape) != tuple(primal.shape):
                raise RuntimeError(
                    f"tangent:{i} with shape {t.shape} in flattened pytree doesn't match the shape "
                    f"{primal.shape} of the corresponding primal."
                )
        tracked = any(t.requires_grad for t in tangent_list)
        create_graph = is_grad_enabled() and (outside or tracked)
        with enable_grad():
            products = _gradients(vjps, vectors, tangent_list, create_graph)
        return _unflatten(_release(list(products), fresh, is_grad_enabled()), output_spec)

    released = _release(output, fresh, differentiate_outside)
    return released, push, (_release(aux, fresh, differentiate_outside) if has_aux else None)


# --- modules as functions of their parameters ---------------------------------------


def functional_call(
    module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False
):
    """Call ``module(*args, **kwargs)`` with the tensors of
    ``parameter_and_buffer_dicts`` (a dict, or a tuple of dicts, by dotted name)
    in place of its parameters and buffers; gradients flow to the given tensors
    and the module's own are put back afterwards, even on error. With
    ``tie_weights``, a tensor given for one of several tied names serves all.

    >>> import chainrule
    >>> from chainrule.func import functional_call
    >>> layer = chainrule.nn.Linear(2, 1, bias=False)
    >>> functional_call(layer, {"weight": chainrule.ones(1, 2)}, (chainrule.tensor([1.0, 2.0]),))
    tensor([3.])
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        given = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (tuple, list)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        keys = [k for d in parameter_and_buffer_dicts for k in d]
        repeated = list(dict.fromkeys(k for k in keys if keys.count(k) > 1))
        if repeated:
            raise ValueError(
                f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous"
            )
        given = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, "
            f"but got {type(parameter_and_buffer_dicts)}"
        )
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    own = dict(module.named_parameters(remove_duplicate=False))
    own.update(module.named_buffers(remove_duplicate=False))
    if tie_weights:
        given = _untie(own, given)
    if strict:
        errors = []
        unexpected, missing = sorted(set(given) - set(own)), sorted(set(own) - set(given))
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError(
                f"Error(s) in reparametrizing for {type(module).__name__}:\n\t" + "\n\t".join(errors)
            )
    undos = []
    try:
        for name, value in given.items():
            undos.append(_swap(module, name, value))
        return module(*args, **(kwargs or {}))
    finally:
        for undo in reversed(undos):
            undo()


def _untie(own, given):
    """``given`` plus the names tied to (the same tensor as) a given name."""
    names_of = {}
    for name, tensor in own.items():
        names_of.setdefault(id(tensor), []).append(name)
    result = dict(given)
    for names in names_of.values():
        values = {id(given[n]): given[n] for n in names if n in given}
        if len(values) > 1:
            raise ValueError(
                f"functional_call got multiple values for keys {sorted(n for n in names if n in given)}, "
                "which are tied. Consider using tie_weights=False"
            )
        if values:
            result.update(dict.fromkeys(names, next(iter(values.values()))))
    return result


_ABSENT = object()


def _swap(module, name, value):
    """Put ``value`` at the dotted ``name`` of ``module`` (its registry and the
    ``__dict__`` mirror of it); returns the function that undoes that."""
    *path, leaf = name.split(".")
    for part in path:
        module = getattr(module, part)
    places = [r for r in (module._parameters, module._buffers) if leaf in r] + [module.__dict__]
    olds = [place.get(leaf, _ABSENT) for place in places]
    for place in places:
        place[leaf] = value

    def undo():
        for place, old in zip(places, olds):
            if old is _ABSENT:
                del place[leaf]
            else:
                place[leaf] = old

    return undo


def stack_module_state(models):
    """The parameters and buffers of same-class ``models`` stacked along a new
    first dimension, as two dicts by name: with ``functional_call`` and ``vmap``,
    one call runs an ensemble. Stacked parameters are new leaves.

    >>> import chainrule
    >>> from chainrule.func import stack_module_state
    >>> params, buffers = stack_module_state([chainrule.nn.Linear(3, 2) for _ in range(4)])
    >>> params["weight"].shape, params["weight"].requires_grad
    (chainrule.Size([4, 2, 3]), True)
    """
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if len({type(m) for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    per_model = [dict(m.named_parameters()) for m in models], [dict(m.named_buffers()) for m in models]
    return tuple(
        {name: _stacked_leaf([d[name] for d in dicts], name) for name in dicts[0]} for dicts in per_model
    )


def _stacked_leaf(tensors, name):
    flags = {t.requires_grad for t in tensors}
    if len(flags) > 1:
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = stack([t.detach() for t in tensors])
    return result.requires_grad_() if flags == {True} else result


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Map ``func`` over dimension ``in_dims`` of its arguments (None: pass an
    argument unmapped) and stack the results along ``out_dims``.

    chainrule's vmap is a loop: ``func`` runs once per item and the results
    are stacked, which gives torch.func.vmap's values (and composes with
    grad, jacrev and backward) at the speed of that loop.

    >>> import chainrule
    >>> from chainrule.func import vmap
    >>> dot = vmap(lambda row, w: (row * w).sum(), in_dims=(0, None))
    >>> dot(chainrule.ones(3, 2), chainrule.tensor([1.0, 2.0]))
    tensor([3., 3., 3.])
    """
    name = getattr(func, "__name__", "func")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        api = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        dims = _in_dims_per_leaf(args, in_dims, api)
        leaves, spec = _flatten(list(args))
        sizes = []
        for leaf, dim in zip(leaves, dims):
            if dim is None:
                continue
            if not isinstance(leaf, Tensor):
                raise ValueError(
                    f"{api}: Got in_dim={dim} for an input but the input is of type {type(leaf)}. "
                    "We cannot vmap over non-Tensor arguments, please use None as the respective in_dim"
                )
            if not -max(leaf.dim(), 0) <= dim < leaf.dim():
                raise ValueError(
                    f"{api}: Got in_dim={dim} for some input, but that input is a Tensor of "
                    f"dimensionality {leaf.dim()} so expected in_dim to satisfy "
                    f"-{leaf.dim()} <= in_dim < {leaf.dim()}."
                )
            sizes.append(leaf.shape[dim])
        if not sizes:
            raise ValueError(
                f"{api}: at least one of the inputs must be batched (an in_dim that is not None)."
            )
        if len(set(sizes)) > 1:
            raise ValueError(
                f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                f"{sizes} for the mapped dimension"
            )
        if sizes[0] == 0:
            raise ValueError(
                f"{api}: the mapped dimension has size 0; chainrule's vmap runs func once per item."
            )
        results = []
        for i in range(sizes[0]):
            item = [leaf if dim is None else _select(leaf, dim, i) for leaf, dim in zip(leaves, dims)]
            results.append(func(*_unflatten(item, spec), **kwargs))
        return _stack_results(results, out_dims, name)

    return wrapper


def _select(tensor, dim, index):
    """``tensor`` indexed at ``index`` along ``dim`` (that dim removed)."""
    return tensor[(slice(None),) * (dim % tensor.dim()) + (index,)]


def _in_dims_per_leaf(args, in_dims, api):
    """One in_dim per tensor of ``args`` (an int or None applies to a whole argument)."""
    if isinstance(in_dims, int):
        in_dims = (in_dims,) * len(args)
    elif not isinstance(in_dims, tuple):
        raise ValueError(
            f"{api}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
            f"structure of inputs, got: {type(in_dims)}."
        )
    if len(in_dims) != len(args):
        raise ValueError(
            f"{api}: in_dims is not compatible with the structure of `inputs`: in_dims has "
            f"{len(in_dims)} entries but there are {len(args)} inputs."
        )
    dims = []
    for arg, dim in zip(args, in_dims):
        dims += [dim] * len(_flatten(arg)[0])
    return dims


def _stack_results(results, out_dims, name):
    """Stack each output of the per-item results along its out_dim."""
    per_item = [_flatten(r) for r in results]
    spec = per_item[0][1]
    n_outputs = len(per_item[0][0])
    dims = (out_dims,) * n_outputs if not isinstance(out_dims, tuple) else out_dims
    if len(dims) != n_outputs:
        raise ValueError(
            f"vmap({name}, ...): out_dims has {len(dims)} entries but {name} returned {n_outputs} outputs"
        )
    stacked = []
    for k, dim in enumerate(dims):
        items = [leaves[k] for leaves, _ in per_item]
        if dim is None:
            stacked.append(items[0])
            continue
        if not all(isinstance(t, Tensor) for t in items):
            raise ValueError(
                f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(items[0])}. "
                "Did you mean to set out_dims= to None for output?"
            )
        stacked.append(stack(items, dim=dim))
    return _unflatten(stacked, spec)
