"""The shared test harness: one call checks an op both ways.

``check(fn, shapes)`` runs ``fn(lib, *inputs)`` with ``lib`` = chainrule and
``lib`` = torch on the same random inputs and compares

* forward values (float32: rtol 1e-5) and the gradient of every input
  (float32: rtol 1e-4) against PyTorch 2.13, the reference oracle, and
* chainrule's gradients against finite differences in float64
  (``chainrule.autograd.gradcheck``), which needs no torch at all.

Because one lambda serves both libraries, the test also proves the script
runs unchanged after ``import chainrule as torch``:

    check(lambda m, x, y: m.maximum(x, y) * 2, [(3, 4), (4,)])

Scenario helpers for what ``check`` does not cover (attributes, containers,
errors) take ``scenario(lib)`` and run it with both libraries:
``same_as_torch``, ``raises_like_torch``, ``run_both``, ``assert_same_error``.
"""

import math

import numpy as np
import pytest

import chainrule

try:
    import torch
except ImportError:  # parity checks skip, finite differences still run
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle) is not installed")

VALUE_RTOL = {np.float32: 1e-5, np.float64: 1e-10}
GRAD_RTOL = {np.float32: 1e-4, np.float64: 1e-10}


def random_inputs(shapes, dtype=np.float32, low=-2.0, high=2.0, seed=0, away_from=None):
    """Random arrays of ``shapes``; ``away_from`` keeps values at least 0.1 from
    points where an op is not differentiable (e.g. 0 for abs)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        if isinstance(shape, np.ndarray):
            arrays.append(shape)
            continue
        a = rng.uniform(low, high, shape)
        if away_from is not None:
            for point in np.atleast_1d(away_from):
                near = np.abs(a - point) < 0.15
                a = np.where(near, point + np.where(a >= point, 0.2, -0.2), a)
        arrays.append(a.astype(dtype))
    return arrays


def layer_inputs(x_shape, w_shape, bias=True, weight_dims=(1,), seed=0):
    """float32 input in [-1, 1) and weights scaled as a layer's default init
    (U(+-1/sqrt(fan_in))), so outputs are O(1) as in a network and float32
    rounding stays far below the 1e-5 tolerance."""
    rng = np.random.default_rng(seed)
    fan_in = math.prod(w_shape[d] for d in weight_dims) * math.prod(w_shape[2:])
    bound = 1 / math.sqrt(fan_in)
    arrays = [rng.uniform(-1, 1, x_shape), rng.uniform(-bound, bound, w_shape)]
    if bias:
        arrays.append(rng.uniform(-bound, bound, w_shape[0 if weight_dims == (1,) else 1]))
    return [a.astype(np.float32) for a in arrays]


def _to_numpy(x):
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, chainrule.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _flatten(item)]
    return [out]


def _run(lib, fn, arrays, requires_grad, seed):
    inputs = []
    for a, grad in zip(arrays, requires_grad):
        t = lib.tensor(a)
        if grad and a.dtype.kind == "f":
            t.requires_grad_(True)
        inputs.append(t)
    out = fn(lib, *inputs)
    outputs = [o for o in _flatten(out) if isinstance(o, lib.Tensor)]
    differentiable = [o for o in outputs if o.requires_grad]
    if differentiable:
        rng = np.random.default_rng(seed + 1)
        total = None
        for o in differentiable:
            weights = lib.tensor(rng.uniform(0.5, 1.5, tuple(o.shape)).astype(_to_numpy(o).dtype))
            term = (o * weights).sum()
            total = term if total is None else total + term
        total.backward()
    grads = [None if t.grad is None else _to_numpy(t.grad) for t in inputs]
    return [_to_numpy(o) for o in outputs], grads


def assert_close(actual, expected, rtol, atol, what):
    """Arrays of the same shape and dtype, equal within ``rtol`` / ``atol`` (NaN equals NaN)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != torch {expected.dtype}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what, equal_nan=True)


def check_torch(
    fn,
    shapes,
    dtype=np.float32,
    requires_grad=None,
    low=-2.0,
    high=2.0,
    seed=0,
    away_from=None,
    atol=1e-6,
    grad_atol=1e-5,
    arrays=None,
):
    """Forward values and input gradients agree with PyTorch on the same inputs."""
    if torch is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    arrays = arrays or random_inputs(shapes, dtype, low, high, seed, away_from)
    requires_grad = requires_grad or [True] * len(arrays)
    ours = _run(chainrule, fn, arrays, requires_grad, seed)
    theirs = _run(torch, fn, arrays, requires_grad, seed)
    assert_same_run(ours, theirs, np.dtype(dtype).type, atol, grad_atol)


def assert_same_run(ours, theirs, precision, atol, grad_atol, where=""):
    """``_run``'s (outputs, input gradients) in chainrule equal PyTorch's."""
    (ours_out, ours_grads), (theirs_out, theirs_grads) = ours, theirs
    assert len(ours_out) == len(theirs_out), f"{where}different number of outputs"
    for i, (a, b) in enumerate(zip(ours_out, theirs_out)):
        assert_close(a, b, VALUE_RTOL.get(precision, 1e-5), atol, f"{where}output {i}")
    for i, (a, b) in enumerate(zip(ours_grads, theirs_grads)):
        if b is None:
            assert a is None or not np.any(a), f"{where}input {i}: torch has no gradient, chainrule has {a}"
            continue
        assert a is not None, f"{where}input {i}: chainrule computed no gradient"
        assert_close(a, b, GRAD_RTOL.get(precision, 1e-4), grad_atol, f"{where}gradient of input {i}")


def check_gradcheck(
    fn,
    shapes,
    requires_grad=None,
    low=-2.0,
    high=2.0,
    seed=0,
    away_from=None,
    arrays=None,
    second_order=False,
):
    """Backward agrees with float64 finite differences (and, optionally, so does
    the backward of the backward)."""
    arrays = arrays or random_inputs(shapes, np.float64, low, high, seed, away_from)
    requires_grad = requires_grad or [True] * len(arrays)
    inputs = []
    for a, grad in zip(arrays, requires_grad):
        a = a.astype(np.float64) if a.dtype.kind == "f" else a
        inputs.append(chainrule.tensor(a, requires_grad=bool(grad and a.dtype.kind == "f")))

    def f(*xs):
        return tuple(o for o in _flatten(fn(chainrule, *xs)) if isinstance(o, chainrule.Tensor))

    assert chainrule.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-6, rtol=1e-5)
    if second_order:
        assert chainrule.autograd.gradgradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def check(fn, shapes, *, second_order=True, **kwargs):
    """Both checks: PyTorch parity in float32 and finite differences in float64."""
    gradcheck_kwargs = {
        k: v
        for k, v in kwargs.items()
        if k in ("requires_grad", "low", "high", "seed", "away_from", "arrays")
    }
    check_gradcheck(fn, shapes, second_order=second_order, **gradcheck_kwargs)
    check_torch(fn, shapes, **kwargs)


# --- scenarios: ``scenario(lib)`` run with lib = chainrule and lib = torch ------------------------


def assert_same(ours, theirs, rtol=1e-5, atol=1e-6, where="result"):
    """Tensors (values, dtype, shape, requires_grad), nested tuples / lists /
    dicts, dtypes, devices, sizes and plain values equal PyTorch's."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, chainrule.Tensor), f"{where}: torch gives a tensor, chainrule {type(ours)}"
        assert ours.requires_grad == theirs.requires_grad, f"{where}: requires_grad differs"
        assert_close(ours.detach().numpy(), theirs.detach().numpy(), rtol, atol, where)
    elif isinstance(theirs, torch.Size):
        assert isinstance(ours, chainrule.Size) and tuple(ours) == tuple(theirs), (
            f"{where}: {ours} != {theirs}"
        )
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs), f"{where}: {type(ours)} != torch {type(theirs)}"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} items != torch {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, rtol, atol, f"{where}[{i}]")
    elif isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), f"{where}: keys {ours.keys()} != torch {theirs.keys()}"
        for key in theirs:
            assert_same(ours[key], theirs[key], rtol, atol, f"{where}[{key!r}]")
    elif isinstance(theirs, (torch.dtype, torch.device)):
        assert str(ours).split(".")[-1] == str(theirs).split(".")[-1], f"{where}: {ours} != {theirs}"
    elif isinstance(theirs, float):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert ours == theirs, f"{where}: {ours!r} != torch {theirs!r}"


def assert_equal(ours, theirs, where="result"):
    """:func:`assert_same` with exact values (NaN equals NaN)."""
    assert_same(ours, theirs, 0, 0, where)


def same_as_torch(scenario, rtol=1e-5, atol=1e-6):
    """Run ``scenario(lib)`` with both libraries and compare the results with
    :func:`assert_same`; returns chainrule's."""
    ours = scenario(chainrule)
    assert_same(ours, scenario(torch), rtol, atol)
    return ours


def graph_node_names(tensor):
    """The names of the nodes of the graph behind ``tensor``, AccumulateGrad nodes left out."""
    nodes, stack = [], [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in nodes:
            nodes.append(node)
            stack.extend(edge[0] for edge in node.next_functions if edge is not None)
    return [node.name() for node in nodes if not node.name().endswith("AccumulateGrad")]


def check_one_node_keeping_its_input(apply, grad_fn_name):
    """In both libraries ``apply(lib, x)`` records one node named ``grad_fn_name`` that
    keeps ``x``: changing x in place before backward raises PyTorch's error."""
    for lib in (chainrule, torch):
        x = lib.tensor([0.3, -2.0, 1.5], requires_grad=True) * 1
        out = apply(lib, x)
        assert out.grad_fn.name() == grad_fn_name, lib.__name__
        x.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


def check_gradient_stays_in_the_graph(apply, x_array):
    """``grad(apply(lib, x).sum(), x, create_graph=True)`` requires grad in both
    libraries, and differentiating its squares again gives x PyTorch's gradient
    (zeros for a piecewise-linear op, whose backward reads only a mask of x)."""
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(x_array, requires_grad=True)
        (grad_x,) = lib.autograd.grad(apply(lib, x).sum(), x, create_graph=True)
        assert grad_x.requires_grad, lib.__name__
        (grad_x**2).sum().backward()
        results[lib] = (grad_x.detach().numpy(), x.grad.numpy())
    for ours, theirs in zip(results[chainrule], results[torch]):
        np.testing.assert_array_equal(ours, theirs)


def raises_like_torch(scenario, match=None):
    """Both libraries raise the same exception type from ``scenario(lib)`` and
    chainrule's message matches ``match``; returns chainrule's exception."""
    with pytest.raises(Exception) as theirs:
        scenario(torch)
    with pytest.raises(theirs.type, match=match) as ours:
        scenario(chainrule)
    return ours.value


def run_both(fn):
    """``fn(torch)`` and ``fn(chainrule)``: the results, or the exceptions raised."""
    results = []
    for lib in (torch, chainrule):
        try:
            results.append(fn(lib))
        except Exception as error:  # noqa: BLE001 - the exception is the result compared
            results.append(error)
    return results


def assert_same_error(fn, message=None):
    """Both libraries raise the same exception type (and chainrule's says ``message``)."""
    theirs, ours = run_both(fn)
    assert isinstance(theirs, Exception), f"torch raised nothing, returned {theirs!r}"
    assert type(ours) is type(theirs), f"chainrule raised {ours!r}, torch raised {theirs!r}"
    if message is not None:
        assert message in str(ours), f"{message!r} not in {str(ours)!r}"
