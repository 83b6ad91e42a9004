"""chainrule.func against torch.func: grad, grad_and_value, vjp, jacrev,
hessian and vmap give the same values on the same functions, and compose."""

import numpy as np
import pytest

import chainrule
import chainrule.func

from oracle import check_gradcheck, raises_like_torch, requires_torch, same_as_torch, torch

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
