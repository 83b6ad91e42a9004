"""chainrule.autograd.functional against torch.autograd.functional: vjp, jvp,
jacobian, hessian, vhp and hvp give the same values, nesting and errors; and
the legacy Variable constructor."""

import numpy as np
import pytest

import chainrule
import chainrule.autograd.functional as AF

from oracle import assert_same, raises_like_torch, requires_torch, same_as_torch, torch

# torch's vectorized jacobian warns about torch.jit inside torch itself.
pytestmark = [requires_torch, pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")]

if torch is not None:
    import torch.autograd.functional


def af(lib):
    return lib.autograd.functional


def x_(lib):
    return lib.tensor([0.5, -1.2, 2.0])


def y_(lib):
    return lib.tensor([[0.3, 1.1], [-0.7, 0.4]])


def scalar_f(x):
    return (x.sin() * x.exp()).sum() + (x**3).prod()


def pair_f(x, y):
    return (x.tanh() * y.sum()).sum() + (y**2 * x[:2]).sum()


def vector_f(x):
    return x.exp() * x.sum()


def multi_f(x, y):
    return x**2 * y[0, 0], (y @ y).sin()


def test_importable_as_submodule():
    assert chainrule.autograd.functional is AF
    assert AF.jacobian is chainrule.autograd.functional.jacobian


@pytest.mark.parametrize("create_graph", [False, True])
def test_jacobian_single_and_tuple_nesting(create_graph):
    same_as_torch(lambda lib: af(lib).jacobian(vector_f, x_(lib), create_graph=create_graph), rtol=1e-5)
    same_as_torch(lambda lib: af(lib).jacobian(vector_f, (x_(lib),)), rtol=1e-5)
    same_as_torch(lambda lib: af(lib).jacobian(multi_f, (x_(lib), y_(lib))), rtol=1e-5)
    same_as_torch(lambda lib: af(lib).jacobian(lambda x, y: (x * 2).sum() + y.sum(), (x_(lib), y_(lib))))


def test_jacobian_vectorize_and_forward_mode_give_the_same_values():
    same_as_torch(lambda lib: af(lib).jacobian(multi_f, (x_(lib), y_(lib)), vectorize=True), rtol=1e-5)
    same_as_torch(
        lambda lib: af(lib).jacobian(vector_f, x_(lib), vectorize=True, strategy="forward-mode"), rtol=1e-5
    )


def test_jacobian_of_unused_input_is_zeros_and_strict_raises():
    same_as_torch(lambda lib: af(lib).jacobian(lambda x, y: x * 2, (x_(lib), y_(lib))))
    raises_like_torch(
        lambda lib: af(lib).jacobian(lambda x, y: x * 2, (x_(lib), y_(lib)), strict=True),
        match="Output 0 of the user-provided function is independent of input 1",
    )
    raises_like_torch(
        lambda lib: af(lib).jacobian(lambda x: x_(lib), x_(lib), strict=True),
        match="Output 0 of the user-provided function does not require gradients",
    )


def test_jacobian_create_graph_is_differentiable():
    def scenario(lib):
        x = x_(lib).requires_grad_()
        jac = af(lib).jacobian(vector_f, x, create_graph=True)
        (jac**2).sum().backward()
        return jac.detach(), x.grad

    same_as_torch(scenario, rtol=1e-5)


@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian_single_and_tuple(create_graph):
    same_as_torch(lambda lib: af(lib).hessian(scalar_f, x_(lib), create_graph=create_graph), rtol=1e-5)
    same_as_torch(lambda lib: af(lib).hessian(pair_f, (x_(lib), y_(lib))), rtol=1e-5)


def test_hessian_errors():
    raises_like_torch(lambda lib: af(lib).hessian(vector_f, x_(lib)), match="should contain a single element")
    raises_like_torch(lambda lib: af(lib).hessian(lambda x: (x, x), x_(lib)), match="single Tensor")
    raises_like_torch(
        lambda lib: af(lib).hessian(lambda x: (2 * x).sum(), x_(lib), strict=True),
        match="jacobian of the user-provided function with respect to input 0 is independent",
    )
    raises_like_torch(
        lambda lib: af(lib).hessian(scalar_f, x_(lib), strict=True, vectorize=True),
        match="`strict=True` and `vectorized=True`",
    )


@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp(create_graph):
    def scenario(lib):
        v = (lib.tensor([1.0, 2.0, -1.0]), lib.tensor([[1.0, 0.5], [2.0, -3.0]]))
        return af(lib).vjp(multi_f, (x_(lib), y_(lib)), v, create_graph=create_graph)

    same_as_torch(scenario, rtol=1e-5)
    same_as_torch(lambda lib: af(lib).vjp(scalar_f, x_(lib)), rtol=1e-5)
    same_as_torch(lambda lib: af(lib).vjp(vector_f, x_(lib), lib.ones(3)), rtol=1e-5)


@pytest.mark.parametrize("create_graph", [False, True])
def test_jvp(create_graph):
    def scenario(lib):
        v = (lib.tensor([1.0, 2.0, -1.0]), lib.tensor([[1.0, 0.5], [2.0, -3.0]]))
        return af(lib).jvp(multi_f, (x_(lib), y_(lib)), v, create_graph=create_graph)

    same_as_torch(scenario, rtol=1e-5)
    same_as_torch(lambda lib: af(lib).jvp(lambda t: t.sin() * 3, lib.tensor(0.7)), rtol=1e-5)


def test_jvp_matches_finite_differences():
    x = np.array([0.5, -1.2, 2.0])
    v = np.array([0.3, 1.0, -0.4])
    eps = 1e-6

    def f(a):
        return np.exp(a) * a.sum()

    _, product = AF.jvp(vector_f, chainrule.tensor(x), chainrule.tensor(v))
    np.testing.assert_allclose(product.numpy(), (f(x + eps * v) - f(x - eps * v)) / (2 * eps), rtol=1e-7)


@pytest.mark.parametrize("name", ["vhp", "hvp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_vhp_hvp(name, create_graph):
    def scenario(lib):
        v = (lib.tensor([1.0, 2.0, -1.0]), lib.tensor([[1.0, 0.5], [2.0, -3.0]]))
        return getattr(af(lib), name)(pair_f, (x_(lib), y_(lib)), v, create_graph=create_graph)

    same_as_torch(scenario, rtol=1e-5)
    same_as_torch(lambda lib: getattr(af(lib), name)(scalar_f, x_(lib), lib.ones(3)), rtol=1e-5)


def test_create_graph_results_require_grad_like_torch():
    for name in ["vjp", "jvp", "vhp", "hvp"]:
        ours, theirs = (
            getattr(af(lib), name)(
                scalar_f if "h" in name else vector_f, x_(lib).requires_grad_(), x_(lib), True
            )
            for lib in (chainrule, torch)
        )
        assert [t.requires_grad for t in ours] == [t.requires_grad for t in theirs], name


@pytest.mark.parametrize("name", ["vjp", "jvp", "vhp", "hvp"])
def test_strict_independent_input_raises(name):
    def f(x, y):
        return (x**3).sum()

    def v(lib):
        return None if name == "vjp" else (x_(lib), y_(lib))

    raises_like_torch(
        lambda lib: getattr(af(lib), name)(f, (x_(lib), y_(lib)), v(lib), strict=True), match="independent"
    )
    same_as_torch(lambda lib: getattr(af(lib), name)(f, (x_(lib), y_(lib)), v(lib)), rtol=1e-5)


@pytest.mark.parametrize("name", ["vjp", "jvp", "vhp", "hvp"])
def test_bad_vectors_raise_like_torch(name):
    fn = scalar_f if name in ("vhp", "hvp") else vector_f
    raises_like_torch(lambda lib: getattr(af(lib), name)(fn, x_(lib), lib.ones(4)), match="invalid size")
    raises_like_torch(lambda lib: getattr(af(lib), name)(fn, x_(lib)), match="can only be None")
    raises_like_torch(
        lambda lib: getattr(af(lib), name)(fn, [x_(lib)], x_(lib)), match="must be either a Tensor"
    )


def test_tuple_v_of_wrong_length_and_bad_strategy():
    raises_like_torch(
        lambda lib: af(lib).vjp(multi_f, (x_(lib), y_(lib)), (x_(lib),)), match="tuple of invalid length"
    )
    raises_like_torch(lambda lib: af(lib).jacobian(vector_f, x_(lib), strategy="sideways"))
    raises_like_torch(
        lambda lib: af(lib).jacobian(vector_f, x_(lib), strategy="forward-mode"), match="vectorize=True"
    )


def test_results_follow_outer_no_grad():
    for lib in (chainrule, torch):
        with lib.no_grad():
            jac = af(lib).jacobian(vector_f, x_(lib).requires_grad_())
        assert not jac.requires_grad


# --- Variable ---------------------------------------------------------------------


def test_variable_is_a_tensor_sharing_data():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0])
        v = lib.autograd.Variable(x, requires_grad=True)
        (v * v).sum().backward()
        x[0] = 5.0
        return v.detach(), v.grad, x.requires_grad, isinstance(x, lib.autograd.Variable), v is x

    same_as_torch(scenario)


def test_variable_without_data_and_volatile():
    for lib in (chainrule, torch):
        assert tuple(lib.autograd.Variable().shape) == (0,)
        with pytest.warns(UserWarning, match="volatile was removed"):
            v = lib.autograd.Variable(lib.ones(2), volatile=True)
        assert not v.requires_grad
    assert not isinstance([1.0], chainrule.autograd.Variable)
    raises_like_torch(lambda lib: lib.autograd.Variable([1.0]), match="Variable data has to be a tensor")


def test_variable_detaches_from_the_graph():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True) * 2
        return lib.autograd.Variable(x).grad_fn is None, lib.autograd.Variable(x).requires_grad

    assert_same(scenario(chainrule), scenario(torch))
