"""chainrule.func against torch.func: grad, grad_and_value, vjp, jacrev,
hessian and vmap give the same values on the same functions, and compose."""

import numpy as np
import pytest

import chainrule
import chainrule.func

from oracle import assert_same, check_gradcheck, raises_like_torch, requires_torch, same_as_torch, torch

# torch.func's first use warns about torch.jit inside torch itself.
pytestmark = [requires_torch, pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")]

if torch is not None:
    import torch.func


def vector(lib, values=(0.5, -1.2, 2.0)):
    return lib.tensor(list(values))


SCALAR_FUNCTIONS = {
    "cubes": lambda lib, x: (x**3).sum(),
    "sin_times_exp": lambda lib, x: (x.sin() * x.exp()).sum(),
    "logsumexp": lambda lib, x: x.logsumexp(0),
    "product_exp": lambda lib, x: (x[0] * x[1]).exp() + x[2] ** 2,
    "tanh_layer": lambda lib, x: (lib.outer(x, x).tanh() @ x).sum(),
}


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_grad_matches_torch_func(name):
    f = SCALAR_FUNCTIONS[name]
    same_as_torch(lambda lib: lib.func.grad(lambda x: f(lib, x))(vector(lib)), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_grad_of_grad_matches_torch_func(name):
    f = SCALAR_FUNCTIONS[name]

    def scenario(lib):
        inner = lib.func.grad(lambda x: f(lib, x))
        return lib.func.grad(lambda x: (inner(x) * vector(lib, (1.0, 2.0, -1.0))).sum())(vector(lib))

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_hessian_matches_torch_func(name):
    f = SCALAR_FUNCTIONS[name]
    same_as_torch(lambda lib: lib.func.hessian(lambda x: f(lib, x))(vector(lib)), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", SCALAR_FUNCTIONS)
def test_hessian_matches_finite_differences_of_grad(name):
    f = SCALAR_FUNCTIONS[name]
    check_gradcheck(lambda lib, x: lib.func.grad(lambda t: f(lib, t))(x), [(3,)])


def test_grad_with_argnums_aux_and_a_dict_argument():
    def scenario(lib):
        def loss(params, x, scale):
            prediction = (params["w"] * x).sum() + params["b"]
            return prediction**2 * scale, prediction

        params = {"w": vector(lib), "b": lib.tensor(0.3)}
        by_params, aux = lib.func.grad(loss, has_aux=True)(params, vector(lib, (1.0, 2.0, 3.0)), 2.0)
        by_both = lib.func.grad(loss, argnums=(0, 1), has_aux=True)(params, vector(lib, (1.0, 2.0, 3.0)), 2.0)
        last = lib.func.grad(lambda a, b: (a * b).sum(), argnums=-1)(
            vector(lib), vector(lib, (4.0, 5.0, 6.0))
        )
        return by_params, aux, by_both, last

    same_as_torch(scenario)


def test_grad_and_value_returns_both():
    def scenario(lib):
        plain = lib.func.grad_and_value(lambda x: (x * x).sum())(vector(lib))
        with_aux = lib.func.grad_and_value(lambda x: ((x * x).sum(), x.mean()), has_aux=True)(vector(lib))
        return plain, with_aux

    same_as_torch(scenario)


def test_grad_of_an_unused_argument_is_zero():
    same_as_torch(lambda lib: lib.func.grad(lambda x, y: (x * 2).sum(), argnums=1)(vector(lib), vector(lib)))


def test_grad_of_a_function_that_closes_over_weights_stays_differentiable_in_them():
    def scenario(lib):
        w = vector(lib, (1.0, 2.0, 3.0)).requires_grad_()
        g = lib.func.grad(lambda x: (x * x * w).sum())(vector(lib))
        g.sum().backward()
        return g, w.grad

    same_as_torch(scenario)


def test_grad_of_a_tensor_that_requires_grad_can_be_differentiated_again():
    def scenario(lib):
        x = vector(lib).requires_grad_()
        g = lib.func.grad(lambda t: (t**3).sum())(x)
        return g, lib.autograd.grad(g.sum(), x)

    same_as_torch(scenario)


def test_grad_ignores_an_outer_no_grad():
    def scenario(lib):
        with lib.no_grad():
            return lib.func.grad(lambda x: (x**2).sum())(vector(lib))

    same_as_torch(scenario)


def test_under_an_outer_no_grad_results_do_not_require_grad_even_with_tracked_weights():
    def scenario(lib):
        w = vector(lib, (1.0, 2.0, 3.0)).requires_grad_()
        with lib.no_grad():
            return lib.func.grad_and_value(lambda x: (x * w).sum())(vector(lib))

    same_as_torch(scenario)


def test_vjp_gives_vector_jacobian_products_and_can_be_called_twice():
    def scenario(lib):
        output, vjp_fn = lib.func.vjp(lambda x: x.exp() * x, vector(lib))
        return output, vjp_fn(vector(lib, (1.0, 0.0, 2.0))), vjp_fn(lib.ones(3))

    same_as_torch(scenario)


def test_vjp_of_several_primals_and_outputs():
    def scenario(lib):
        output, vjp_fn = lib.func.vjp(
            lambda x, y: (x * y, (x + y).sum()), vector(lib), vector(lib, (3.0, 4.0, 5.0))
        )
        return output, vjp_fn((lib.ones(3), lib.tensor(2.0)))

    same_as_torch(scenario)


def test_vjp_with_aux():
    def scenario(lib):
        output, vjp_fn, aux = lib.func.vjp(lambda x: (x.sin(), x.cos()), vector(lib), has_aux=True)
        return output, vjp_fn(lib.ones(3)), aux

    same_as_torch(scenario)


def test_grad_of_vjp_composes():
    def scenario(lib):
        def first_row_sum(x):
            _, vjp_fn = lib.func.vjp(lambda t: t**3, x)
            return vjp_fn(lib.ones(3))[0].sum()

        return lib.func.grad(first_row_sum)(vector(lib))

    same_as_torch(scenario)


VECTOR_FUNCTIONS = {
    "elementwise": lambda lib, x: x.sin() * x.sum(),
    "matrix": lambda lib, x: x @ lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    "to_matrix": lambda lib, x: lib.outer(x, x.exp()),
    "scalar": lambda lib, x: (x**2).sum(),
}


@pytest.mark.parametrize("name", VECTOR_FUNCTIONS)
def test_jacrev_matches_torch_func(name):
    f = VECTOR_FUNCTIONS[name]
    same_as_torch(lambda lib: lib.func.jacrev(lambda x: f(lib, x))(vector(lib)), rtol=1e-4, atol=1e-5)


def test_jacrev_of_a_matrix_input_has_the_output_then_input_shape():
    def scenario(lib):
        weights = lib.tensor([[1.0, 2.0], [0.5, -1.0], [0.1, 0.2]])
        return lib.func.jacrev(lambda w: (w @ vector(lib, (1.0, -2.0))).tanh())(weights)

    jacobian = same_as_torch(scenario)
    assert jacobian.shape == (3, 3, 2)


def test_jacrev_with_several_outputs_argnums_and_aux():
    def scenario(lib):
        def f(x, y):
            return (x * y, {"total": x.sum()}), x.mean()

        return lib.func.jacrev(f, argnums=(0, 1), has_aux=True)(vector(lib), vector(lib, (3.0, 4.0, 5.0)))

    same_as_torch(scenario)


def test_hessian_with_two_argnums():
    def scenario(lib):
        return lib.func.hessian(lambda x, y: (x**3 * y).sum(), argnums=(0, 1))(vector(lib), vector(lib))

    same_as_torch(scenario)


def test_vmap_maps_over_a_dimension_and_stacks_the_results():
    def scenario(lib):
        batch = lib.arange(6.0).reshape(3, 2)
        return (
            lib.func.vmap(lambda row: row * 2 + 1)(batch),
            lib.func.vmap(lambda row, w: (row * w).sum(), in_dims=(0, None))(batch, vector(lib, (1.0, -1.0))),
            lib.func.vmap(lambda column: column.sum(), in_dims=1)(batch),
            lib.func.vmap(lambda row: (row, row.sum()), out_dims=(1, 0))(batch),
            lib.func.vmap(lambda row: row * 2, in_dims=-1)(batch),
            lib.func.vmap(lambda d: d["a"] * 2)({"a": batch}),
        )

    same_as_torch(scenario)


def test_vmap_of_grad_gives_per_example_gradients():
    def scenario(lib):
        w = vector(lib, (0.5, -1.0))
        per_example = lib.func.vmap(lib.func.grad(lambda w, x: ((w * x).sum() - 1) ** 2), in_dims=(None, 0))
        return per_example(w, lib.arange(6.0).reshape(3, 2))

    same_as_torch(scenario)


def test_vmap_results_take_part_in_backward():
    def scenario(lib):
        w = vector(lib, (1.0, 2.0)).requires_grad_()
        lib.func.vmap(lambda x: (x * w).sum().exp())(lib.ones(3, 2) * 0.1).sum().backward()
        return w.grad

    same_as_torch(scenario)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.func.grad(lambda x: x * 2)(vector(lib)),
        lambda lib: lib.func.grad(lambda x: 3)(vector(lib)),
        lambda lib: lib.func.grad(lambda x: x.sum(), argnums=2)(vector(lib)),
        lambda lib: lib.func.grad(lambda x: x.sum(), argnums=(0, 0))(vector(lib)),
        lambda lib: lib.func.grad(lambda x: x.sum(), argnums=())(vector(lib)),
        lambda lib: lib.func.grad(lambda x: x.sum())(3.0),
        lambda lib: lib.func.grad(lambda x: x.sum())(lib.tensor([1, 2])),
        lambda lib: lib.func.grad(lambda x: x.sum(), has_aux=True)(vector(lib)),
        lambda lib: lib.func.vjp(lambda x: (x * 2, x * 3), vector(lib))[1](lib.ones(3)),
        lambda lib: lib.func.vjp(lambda x: x * 2, vector(lib))[1](lib.ones(2)),
        lambda lib: lib.func.vmap(lambda x, y: x * y)(lib.ones(3, 2), lib.ones(2, 2)),
        lambda lib: lib.func.vmap(lambda x: x.sum())(lib.tensor(3.0)),
        lambda lib: lib.func.vmap(lambda x: 3)(lib.ones(3, 2)),
        lambda lib: lib.func.vmap(lambda x: x, in_dims=(0, 0))(lib.ones(3)),
    ],
    ids=[
        "grad-of-non-scalar",
        "grad-of-non-tensor",
        "argnum-out-of-range",
        "repeated-argnums",
        "empty-argnums",
        "grad-of-a-number",
        "grad-of-an-integer-tensor",
        "aux-missing",
        "vjp-structure-mismatch",
        "vjp-shape-mismatch",
        "vmap-sizes-differ",
        "vmap-of-a-scalar",
        "vmap-returns-a-number",
        "vmap-in-dims-mismatch",
    ],
)
def test_misuse_raises_like_torch_func(call):
    raises_like_torch(call)


def test_vmap_is_the_loop_it_replaces():
    batch = chainrule.tensor(np.random.default_rng(0).standard_normal((4, 3)))
    mapped = chainrule.func.vmap(lambda row: row.softmax(0))(batch)
    looped = chainrule.stack([row.softmax(0) for row in batch])
    np.testing.assert_array_equal(mapped.numpy(), looped.numpy())


# --- forward mode: jvp, linearize, jacfwd ---------------------------------------------


def two_args(x, y):
    return (x.sin() * y[0], (x * y).exp().sum())


def primals(lib):
    return vector(lib), vector(lib, (0.3, 1.5, -0.8))


def tangents(lib):
    return vector(lib, (1.0, -2.0, 0.5)), vector(lib, (0.1, 0.2, 0.3))


def test_jvp_matches_torch_func():
    same_as_torch(lambda lib: lib.func.jvp(two_args, primals(lib), tangents(lib)), rtol=1e-5)
    same_as_torch(lambda lib: lib.func.jvp(lambda x: x.tanh(), (vector(lib),), (vector(lib),)), rtol=1e-5)


def test_jvp_with_aux_and_an_unused_primal():
    same_as_torch(
        lambda lib: lib.func.jvp(
            lambda x, y: (x**2, {"y": y * 2}), primals(lib), tangents(lib), has_aux=True
        ),
        rtol=1e-5,
    )


def test_jvp_matches_finite_differences():
    x, v, eps = np.array([0.5, -1.2, 2.0]), np.array([0.3, 1.0, -0.4]), 1e-6

    def f(a):
        return np.tanh(a) * np.exp(a).sum()

    _, product = chainrule.func.jvp(
        lambda t: t.tanh() * t.exp().sum(), (chainrule.tensor(x),), (chainrule.tensor(v),)
    )
    np.testing.assert_allclose(product.numpy(), (f(x + eps * v) - f(x - eps * v)) / (2 * eps), rtol=1e-7)


def test_grad_of_jvp_composes():
    def scenario(lib):
        w = vector(lib, (0.2, -0.4, 0.9))

        def product_norm(x):
            _, out = lib.func.jvp(lambda t: (t * w).sin(), (x,), (vector(lib, (1.0, 1.0, 1.0)),))
            return (out**2).sum()

        return lib.func.grad(product_norm)(vector(lib))

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Attempted to insert a get_attr Node")  # torch.func.linearize's own fx
def test_linearize_matches_torch_func_and_can_be_called_twice():
    def scenario(lib):
        out, jvp_fn = lib.func.linearize(two_args, *primals(lib))
        return out, jvp_fn(*tangents(lib)), jvp_fn(*primals(lib))

    same_as_torch(scenario, rtol=1e-5)


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacfwd_matches_torch_func(argnums):
    same_as_torch(lambda lib: lib.func.jacfwd(two_args, argnums)(*primals(lib)), rtol=1e-5)


def test_jacfwd_with_aux_and_hessian_of_jacfwd_over_jacrev():
    same_as_torch(
        lambda lib: lib.func.jacfwd(lambda x: (x.exp(), x.sum()), has_aux=True)(vector(lib)), rtol=1e-5
    )
    same_as_torch(
        lambda lib: lib.func.jacfwd(lib.func.jacrev(lambda x: (x**3).sum()))(vector(lib)), rtol=1e-5
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.func.jvp(lambda x: x, vector(lib), vector(lib)),
        lambda lib: lib.func.jvp(lambda x: x, (vector(lib),), [vector(lib)]),
        lambda lib: lib.func.jvp(lambda x: x, (vector(lib),), (lib.ones(4),)),
        lambda lib: lib.func.jvp(lambda x: x, (vector(lib),), (vector(lib),), has_aux=True),
        lambda lib: lib.func.jvp(lambda x: 3.0, (vector(lib),), (vector(lib),)),
        lambda lib: lib.func.jvp(lambda x: lib.ones(2), (vector(lib),), (vector(lib),), strict=True),
    ],
    ids=[
        "primals-not-a-tuple",
        "structure-mismatch",
        "shape-mismatch",
        "aux-missing",
        "non-tensor-output",
        "strict-independent-output",
    ],
)
def test_jvp_misuse_raises_like_torch_func(call):
    raises_like_torch(call)


def test_jvp_strict_message():
    call = lambda lib: lib.func.jvp(lambda x: lib.ones(2), (vector(lib),), (vector(lib),), strict=True)  # noqa: E731
    raises_like_torch(call, match=r"jvp\(f, primals, tangents, strict=True\): The output of f is independent")


# --- modules as functions: functional_call, stack_module_state -------------------------


def mlp(lib, seed=0):
    """A small MLP with the same weights in both libraries."""
    rng = np.random.default_rng(seed)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    model.load_state_dict(
        {
            k: lib.tensor(rng.standard_normal(tuple(v.shape)).astype(np.float32))
            for k, v in model.state_dict().items()
        }
    )
    return model


def new_params(lib, model, seed=1):
    rng = np.random.default_rng(seed)
    return {
        k: lib.tensor(rng.standard_normal(tuple(v.shape)).astype(np.float32), requires_grad=True)
        for k, v in model.named_parameters()
    }


def batch(lib, n=5, seed=2):
    rng = np.random.default_rng(seed)
    return lib.tensor(rng.standard_normal((n, 3)).astype(np.float32)), lib.tensor(rng.integers(0, 2, n))


def test_functional_call_values_and_gradients_flow_to_the_given_tensors():
    def scenario(lib):
        model = mlp(lib)
        params = new_params(lib, model)
        x, _ = batch(lib)
        out = lib.func.functional_call(model, params, (x,))
        out.square().sum().backward()
        restored = {k: v.detach() for k, v in model.named_parameters()}
        return out.detach(), {k: v.grad for k, v in params.items()}, restored, model[0].weight.grad

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


def test_functional_call_with_a_tuple_of_dicts_a_single_arg_and_kwargs():
    def scenario(lib):
        model, bn = mlp(lib), lib.nn.BatchNorm1d(3)
        x, _ = batch(lib)
        params = new_params(lib, model)
        halves = (
            {k: v for k, v in params.items() if "0." in k},
            {k: v for k, v in params.items() if "2." in k},
        )
        stats = {
            "running_mean": lib.ones(3),
            "running_var": lib.full((3,), 2.0),
            "num_batches_tracked": lib.tensor(0),
        }
        bn.eval()
        return (
            lib.func.functional_call(model, halves, x),
            lib.func.functional_call(bn, stats, args=(), kwargs={"input": x}),
            lib.func.functional_call(model, {"0.bias": lib.zeros(4)}, (x,)).detach(),
        )

    same_as_torch(scenario, rtol=1e-5)


def test_functional_call_restores_the_parameters_after_an_error():
    for lib in (chainrule, torch):
        model = mlp(lib)
        before = model[0].weight
        with pytest.raises(RuntimeError):
            lib.func.functional_call(model, new_params(lib, model), (lib.ones(2, 5),))
        assert model[0].weight is before
        assert dict(model.named_parameters())["0.weight"] is before


def test_functional_call_ties_shared_weights():
    def scenario(lib, tie_weights):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Linear(2, 2, bias=False))
        model[0].weight = lib.nn.Parameter(lib.tensor([[0.5, -1.0], [2.0, 0.1]]))
        model[1].weight = model[0].weight
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        return lib.func.functional_call(model, {"0.weight": w}, (lib.ones(1, 2),), tie_weights=tie_weights)

    for tie in (True, False):
        assert_same(scenario(chainrule, tie).detach(), scenario(torch, tie).detach())


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.func.functional_call(
            mlp(lib), {"0.weight": lib.ones(4, 3)}, (lib.ones(1, 3),), strict=True
        ),
        lambda lib: lib.func.functional_call(
            mlp(lib), {**new_params(lib, mlp(lib)), "x": lib.ones(1)}, (lib.ones(1, 3),), strict=True
        ),
        lambda lib: lib.func.functional_call(
            mlp(lib), ({"0.bias": lib.ones(4)}, {"0.bias": lib.ones(4)}), (lib.ones(1, 3),)
        ),
        lambda lib: lib.func.functional_call(mlp(lib), ({"0.bias": lib.ones(4)}, 3), (lib.ones(1, 3),)),
        lambda lib: lib.func.functional_call(mlp(lib), 3, (lib.ones(1, 3),)),
    ],
    ids=["strict-missing", "strict-unexpected", "repeated-keys", "not-dicts", "not-a-dict"],
)
def test_functional_call_misuse_raises_like_torch(call):
    raises_like_torch(call)


def test_functional_call_rejects_two_values_for_tied_weights():
    def scenario(lib):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Linear(2, 2, bias=False))
        model[1].weight = model[0].weight
        given = {"0.weight": lib.ones(2, 2), "1.weight": lib.zeros(2, 2)}
        return lib.func.functional_call(model, given, (lib.ones(1, 2),))

    raises_like_torch(scenario, match="which are tied")


def test_functional_call_strict_message_names_the_keys():
    error = raises_like_torch(
        lambda lib: lib.func.functional_call(
            mlp(lib), {"0.weight": lib.ones(4, 3)}, (lib.ones(1, 3),), strict=True
        )
    )
    assert str(error) == str(
        pytest.raises(
            RuntimeError,
            torch.func.functional_call,
            mlp(torch),
            {"0.weight": torch.ones(4, 3)},
            (torch.ones(1, 3),),
            strict=True,
        ).value
    )


def test_per_sample_gradients_with_vmap_grad_functional_call():
    """The official torch.func tutorial pattern."""

    def scenario(lib):
        model = mlp(lib)
        params = {k: v.detach() for k, v in model.named_parameters()}
        buffers = {k: v.detach() for k, v in model.named_buffers()}

        def loss(params, buffers, sample, target):
            out = lib.func.functional_call(model, (params, buffers), (sample.unsqueeze(0),))
            return lib.nn.functional.cross_entropy(out, target.unsqueeze(0))

        x, y = batch(lib)
        return lib.func.vmap(lib.func.grad(loss), in_dims=(None, None, 0, 0))(params, buffers, x, y)

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


def test_stack_module_state_and_an_ensemble_under_vmap():
    def scenario(lib):
        models = [mlp(lib, seed) for seed in range(3)]
        params, buffers = lib.func.stack_module_state(models)
        x, _ = batch(lib)

        def run(p, b, data):
            return lib.func.functional_call(models[0], (p, b), (data,))

        out = lib.func.vmap(run, in_dims=(0, 0, None))(params, buffers, x)
        out.sum().backward()
        return {k: (v.detach(), v.requires_grad, v.is_leaf, v.grad) for k, v in params.items()}, out.detach()

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.func.stack_module_state([]),
        lambda lib: lib.func.stack_module_state([mlp(lib), mlp(lib).eval()]),
        lambda lib: lib.func.stack_module_state([mlp(lib), lib.nn.Linear(3, 4)]),
        lambda lib: lib.func.stack_module_state([mlp(lib), mlp(lib).requires_grad_(False)]),
    ],
    ids=["no-models", "mixed-modes", "mixed-classes", "mixed-requires-grad"],
)
def test_stack_module_state_misuse_raises_like_torch(call):
    raises_like_torch(call)
