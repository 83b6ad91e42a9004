"""Less common Tensor methods and attributes against PyTorch: the in-place BLAS ops, the
legacy constructor ``new``, ``new_empty_strided``, ``apply_`` / ``map_``, the layout
flags and ``register_post_accumulate_grad_hook``."""

import pytest

import chainrule

from oracle import assert_same_error, check, requires_torch, same_as_torch

# --- in-place matrix products ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, shapes",
    [
        (lambda x, a, b: x.addmm_(a, b, beta=0.5, alpha=2), [(3, 4), (3, 2), (2, 4)]),
        (lambda x, a, b: x.addmv_(a, b, alpha=-1), [(3,), (3, 2), (2,)]),
        (lambda x, a, b: x.addr_(a, b, beta=2), [(3, 4), (3,), (4,)]),
        (lambda x, a, b: x.baddbmm_(a, b, beta=0.5), [(5, 3, 4), (5, 3, 2), (5, 2, 4)]),
        (lambda x, a, b: x.addbmm_(a, b, alpha=3), [(3, 4), (5, 3, 2), (5, 2, 4)]),
    ],
    ids=["addmm_", "addmv_", "addr_", "baddbmm_", "addbmm_"],
)
def test_inplace_matrix_products_match_pytorch_and_finite_differences(call, shapes):
    # x * 1: a non-leaf, so that the in-place op is recorded in the graph
    check(lambda m, x, a, b: call(x * 1, a, b), shapes)


@requires_torch
def test_inplace_matrix_product_returns_the_tensor_and_bumps_its_version():
    def scenario(m):
        x = m.zeros(2, 2)
        before = x._version
        result = x.addmm_(m.ones(2, 3), m.ones(3, 2))
        return result is x, x._version - before, x

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.ones(2, 1).addmm_(m.ones(2, 3), m.ones(3, 2)),
        lambda m: m.ones(2, 2, requires_grad=True).addmm_(m.ones(2, 3), m.ones(3, 2)),
        lambda m: m.ones(2, 2, dtype=m.int64).addmm_(m.ones(2, 3), m.ones(3, 2)),
        lambda m: m.ones(3).addmv_(m.ones(3, 2), m.ones(3)),
    ],
)
def test_inplace_matrix_products_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)


# --- new tensors ---------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.tensor([1.0, 2.0]).new(),
        lambda m: m.tensor([1.0, 2.0]).new(2, 3).shape,
        lambda m: m.tensor([1.0, 2.0]).new(m.Size([2, 3])).shape,
        lambda m: m.tensor([1.0, 2.0]).new([3, 4]),
        lambda m: m.tensor([1.0, 2.0]).new((3, 4)),
        lambda m: m.tensor([1, 2]).new([1.5, 2.7]),
        lambda m: m.tensor([1.0]).new(m.tensor(5.0)),
        lambda m: m.tensor([1.0]).new(2, device="cpu").dtype,
    ],
)
def test_new_is_the_legacy_constructor_on_the_tensors_dtype(scenario):
    same_as_torch(scenario)


@requires_torch
def test_new_of_a_tensor_shares_its_memory_and_version():
    def scenario(m):
        y = m.tensor([4.0, 5.0])
        z = m.tensor([1.0]).new(y)
        z[0] = 9
        return y, z._version, y._version

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.tensor([1.0]).new(m.tensor([1, 2])),
        lambda m: m.tensor([1.0]).new(3.5),
        lambda m: m.tensor([1.0]).new(2, dtype=m.int64),
    ],
)
def test_new_raises_pytorchs_errors(scenario):
    assert_same_error(scenario)


@requires_torch
@pytest.mark.parametrize(
    "size, stride", [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((2, 3), (0, 1)), ((0, 3), (3, 1)), ((), ())]
)
def test_new_empty_strided_has_pytorchs_shape_strides_and_dtype(size, stride):
    def scenario(m):
        x = m.tensor([1, 2]).new_empty_strided(size, stride)
        y = m.zeros(1).new_empty_strided(size, stride, dtype=m.float64, requires_grad=True)
        return x.shape, x.stride(), x.dtype, y.dtype, y.requires_grad

    same_as_torch(scenario)


@requires_torch
def test_new_empty_strided_refuses_mismatched_dimensions_like_pytorch():
    assert_same_error(lambda m: m.zeros(1).new_empty_strided((2, 3), (1, 2, 3)))


# --- Python callables over elements ----------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]).apply_(lambda v: v * v - 1),
        lambda m: m.tensor([1, 2, 3]).apply_(lambda v: v / 2),  # stored truncated, as PyTorch
        lambda m: m.ones(2, 3).map_(m.tensor([1.0, 2.0, 3.0]), lambda u, v: u + v),
        lambda m: m.tensor([1, 5]).map_(m.tensor([3, 2]), max),
    ],
)
def test_apply_and_map_give_pytorchs_values(scenario):
    same_as_torch(scenario)


@requires_torch
def test_apply_writes_through_a_strided_view():
    def scenario(m):
        base = m.zeros(4)
        view = base[::2]
        result = view.apply_(lambda v: 5.0)
        return result is view, base

    same_as_torch(scenario)


def test_apply_and_map_bump_the_version_counter():
    # PyTorch leaves the counter as it was; chainrule counts every in-place write, so that
    # a value saved for backward and then changed is caught
    x = chainrule.ones(3)
    x.apply_(lambda v: v)
    x.map_(x, lambda u, v: u)
    assert x._version == 2


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.ones(2, requires_grad=True).apply_(lambda v: v),
        lambda m: (m.ones(2, requires_grad=True) * 1).apply_(lambda v: v),
        lambda m: m.ones(2).apply_(lambda v: "a"),
        lambda m: m.ones(2).apply_(lambda v: None),
        lambda m: m.ones(3).map_(m.ones(2, 3), lambda u, v: u + v),
        lambda m: m.ones(3).map_(m.ones(3, dtype=m.int64), lambda u, v: u + v),
        lambda m: m.ones(3, requires_grad=True).map_(m.ones(3), lambda u, v: u + v),
        lambda m: m.ones(3).map_(m.ones(3, requires_grad=True), lambda u, v: u + v),
        lambda m: m.ones(3).map_(3, lambda u, v: u + v),
    ],
)
def test_apply_and_map_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)


# --- layout flags ----------------------------------------------------------------------------------


@requires_torch
def test_a_dense_tensor_has_pytorchs_layout_flags():
    same_as_torch(lambda m: (str(m.zeros(2).layout).split(".")[-1], m.zeros(2).is_sparse))
    same_as_torch(lambda m: (m.zeros(2).is_quantized, m.zeros(2).is_meta))


# --- post-accumulate-grad hooks --------------------------------------------------------------------


@requires_torch
def test_post_accumulate_grad_hook_sees_the_accumulated_gradient_once_per_backward():
    def scenario(m):
        w = m.ones(3, requires_grad=True)
        seen = []
        handle = w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, t.grad.clone())))
        (w * w + w).sum().backward()  # w reaches the loss twice: one call, on the sum
        (w * 2).sum().backward()
        m.autograd.grad((w * 2).sum(), w)  # nothing accumulated: no call
        (w * 2).sum().backward(inputs=[w])
        handle.remove()
        (w * 2).sum().backward()
        return seen, w.grad

    same_as_torch(scenario)


@requires_torch
def test_post_accumulate_grad_hook_runs_after_tensor_hooks_and_may_free_the_gradient():
    def scenario(m):
        w = m.ones(2, requires_grad=True)
        order = []
        w.register_hook(lambda g: order.append("tensor hook"))
        w.register_post_accumulate_grad_hook(lambda t: order.append("post hook"))
        w.register_post_accumulate_grad_hook(lambda t: setattr(t, "grad", None))
        (w * 3).sum().backward()
        return order, w.grad is None

    same_as_torch(scenario)


@requires_torch
def test_post_accumulate_grad_hook_runs_for_a_scalar_leaf_that_is_the_root():
    def scenario(m):
        w = m.tensor(2.0, requires_grad=True)
        seen = []
        w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.item()))
        w.backward()
        return seen

    same_as_torch(scenario)


@requires_torch
def test_post_accumulate_grad_hooks_let_an_optimizer_step_inside_backward():
    def scenario(m):
        m.manual_seed(0)
        model = m.nn.Linear(3, 2)
        with m.no_grad():
            model.weight.copy_(m.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
            model.bias.zero_()
        optimizers = {p: m.optim.SGD([p], lr=0.1) for p in model.parameters()}

        def step(p):
            optimizers[p].step()
            optimizers[p].zero_grad()

        for p in model.parameters():
            p.register_post_accumulate_grad_hook(step)
        for _ in range(3):
            model(m.tensor([[1.0, 2.0, 3.0]])).pow(2).sum().backward()
        return [p.detach() for p in model.parameters()], [p.grad for p in model.parameters()]

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.ones(2).register_post_accumulate_grad_hook(lambda t: None),
        lambda m: (m.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(lambda t: None),
    ],
)
def test_post_accumulate_grad_hook_registration_raises_pytorchs_errors(scenario):
    assert_same_error(scenario)


@requires_torch
def test_a_post_accumulate_grad_hook_that_returns_a_value_raises_pytorchs_error():
    def scenario(m):
        w = m.ones(2, requires_grad=True)
        w.register_post_accumulate_grad_hook(lambda t: 5)
        (w * 1).sum().backward()

    assert_same_error(scenario)
