"""Activation layers and their F. forms against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import (
    check,
    check_gradient_stays_in_the_graph,
    check_one_node_keeping_its_input,
    requires_torch,
    torch,
)
from same_bits import assert_same_bits_on_threads

LAYERS = {
    "ReLU": lambda m: m.nn.ReLU(),
    "LeakyReLU": lambda m: m.nn.LeakyReLU(0.2),
    "ELU": lambda m: m.nn.ELU(alpha=0.7),
    "GELU": lambda m: m.nn.GELU(),
    "GELU-tanh": lambda m: m.nn.GELU(approximate="tanh"),
    "SiLU": lambda m: m.nn.SiLU(),
    "Sigmoid": lambda m: m.nn.Sigmoid(),
    "Tanh": lambda m: m.nn.Tanh(),
    "Softmax": lambda m: m.nn.Softmax(dim=1),
    "LogSoftmax": lambda m: m.nn.LogSoftmax(dim=-1),
    "Softplus": lambda m: m.nn.Softplus(beta=2.0, threshold=3.0),
    "Hardtanh": lambda m: m.nn.Hardtanh(-0.5, 1.5),
    "Mish": lambda m: m.nn.Mish(),
    "ReLU6": lambda m: m.nn.ReLU6(),
    "LogSigmoid": lambda m: m.nn.LogSigmoid(),
}


@requires_torch
@pytest.mark.parametrize("name", LAYERS)
def test_activation_layer_matches_pytorch_in_train_and_eval(name):
    check_module(LAYERS[name], [(3, 5)], low=-3, high=3)


# The F. forms; kinks (0 for relu-likes, the bounds for hardtanh) are kept out of
# the inputs, where finite differences cannot see the one-sided derivative.
FUNCTIONS = {
    "relu": (lambda F, x: F.relu(x), 0.0),
    "leaky_relu": (lambda F, x: F.leaky_relu(x, 0.3), 0.0),
    "elu": (lambda F, x: F.elu(x, 1.5), 0.0),
    "gelu": (lambda F, x: F.gelu(x), None),
    "gelu-tanh": (lambda F, x: F.gelu(x, approximate="tanh"), None),
    "silu": (lambda F, x: F.silu(x), None),
    "sigmoid": (lambda F, x: F.sigmoid(x), None),
    "tanh": (lambda F, x: F.tanh(x), None),
    "softplus": (lambda F, x: F.softplus(x), None),
    "softplus-beta-threshold": (lambda F, x: F.softplus(x, beta=3, threshold=2), 2 / 3),
    "hardtanh": (lambda F, x: F.hardtanh(x, -1.0, 1.0), [-1.0, 1.0]),
    "mish": (lambda F, x: F.mish(x), None),
    "softmax": (lambda F, x: F.softmax(x, dim=0), None),
    "log_softmax": (lambda F, x: F.log_softmax(x, 1), None),
    "relu6": (lambda F, x: F.relu6(x * 3), [0.0, 2.0]),
    "logsigmoid": (lambda F, x: F.logsigmoid(x), None),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functional_activation_matches_pytorch_and_finite_differences_to_second_order(name):
    fn, kink = FUNCTIONS[name]
    check(lambda m, x: fn(m.nn.functional, x), [(4, 6)], low=-3, high=3, away_from=kink)


@requires_torch
@pytest.mark.parametrize(
    "name, fn",
    [
        ("relu", lambda F, x: F.relu(x, inplace=True)),
        ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.1, inplace=True)),
        ("elu", lambda F, x: F.elu(x, inplace=True)),
        ("silu", lambda F, x: F.silu(x, inplace=True)),
        ("hardtanh", lambda F, x: F.hardtanh(x, inplace=True)),
        ("mish", lambda F, x: F.mish(x, inplace=True)),
        ("relu_", lambda F, x: F.relu_(x)),
        ("elu_", lambda F, x: F.elu_(x)),
        ("leaky_relu_", lambda F, x: F.leaky_relu_(x)),
        ("hardtanh_", lambda F, x: F.hardtanh_(x)),
        ("relu6", lambda F, x: F.relu6(x, inplace=True)),
    ],
)
def test_inplace_activation_overwrites_its_input_and_gradients_match_pytorch(name, fn):
    values = np.linspace(-2.3, 2.1, 12).astype(np.float32).reshape(3, 4)
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(values, requires_grad=True)
        hidden = x * 2  # a non-leaf: in-place is allowed on it
        out = fn(lib.nn.functional, hidden)
        assert out is hidden
        (out * lib.arange(12.0).reshape(3, 4)).sum().backward()
        results[lib] = (hidden.detach().numpy().copy(), x.grad.numpy())
    np.testing.assert_allclose(results[chainrule][0], results[torch][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results[chainrule][1], results[torch][1], rtol=1e-4, atol=1e-5)


def test_inplace_activation_on_a_leaf_that_requires_grad_raises():
    x = chainrule.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.elu(x, inplace=True)


def test_inplace_activation_without_grad_writes_into_the_same_memory():
    x = chainrule.tensor([-1.0, 2.0])
    memory = x.numpy()
    nn.LeakyReLU(0.5, inplace=True)(x)
    np.testing.assert_allclose(memory, [-0.5, 2.0])


def test_softplus_and_elu_stay_finite_for_large_inputs():
    x = chainrule.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    (F.softplus(x) + F.elu(x) + F.mish(x) + F.silu(x)).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    expected = np.logaddexp(0.0, [-1000.0, -50.0, 0.0, 50.0, 1000.0])  # log(1 + e^x) in float64
    np.testing.assert_allclose(F.softplus(x).detach().numpy(), expected, rtol=1e-6)


def test_hardtanh_gradient_is_zero_at_its_bounds_like_pytorch():
    x = chainrule.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    F.hardtanh(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


def test_relu_family_gradients_at_zero_are_pytorchs():
    for fn, expected in [(F.relu, 0.0), (F.leaky_relu, 0.01), (F.elu, 1.0)]:
        x = chainrule.tensor([0.0], requires_grad=True)
        fn(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [expected], rtol=1e-6)


def test_gelu_with_an_unknown_approximation_raises_runtime_error():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(chainrule.ones(2), approximate="fast")


def test_hardtanh_with_max_not_above_min_raises_assertion_error():
    with pytest.raises(AssertionError, match="max_val"):
        nn.Hardtanh(1.0, -1.0)


def test_activations_keep_float32():
    x = chainrule.randn(3)
    for name, make in LAYERS.items():
        module = make(chainrule)
        assert module(x.reshape(1, 3)).dtype == chainrule.float32, name


@requires_torch
def test_activation_reprs_are_pytorchs():
    for make in [
        *LAYERS.values(),
        lambda m: m.nn.ReLU(inplace=True),
        lambda m: m.nn.LeakyReLU(inplace=True),
        lambda m: m.nn.ELU(inplace=True),
        lambda m: m.nn.SiLU(inplace=True),
        lambda m: m.nn.Mish(True),
        lambda m: m.nn.Hardtanh(inplace=True),
        lambda m: m.nn.Softmax(),
        lambda m: m.nn.ReLU6(inplace=True),
    ]:
        assert repr(make(chainrule)) == repr(make(torch))


def test_relu6_is_a_hardtanh_from_0_to_6_as_in_pytorch():
    layer = nn.ReLU6()
    assert isinstance(layer, nn.Hardtanh) and (layer.min_val, layer.max_val) == (0.0, 6.0)


@requires_torch
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_relu_of_a_large_activation_splits_over_threads_with_pytorchs_bits(threads):
    """Above ops/_threads.PARALLEL_MIN_VALUES, ReLU's forward and backward run in one
    slice per thread: the same bits as PyTorch's (-0.0 and NaN included) on any count."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(600_001).astype(np.float32)  # odd: the slices differ in size
    x[:4] = [-0.0, 0.0, np.nan, -np.inf]
    grad = rng.standard_normal(x.shape).astype(np.float32)

    def run():
        xs = chainrule.tensor(x, requires_grad=True)
        y = F.relu(xs)
        y.backward(chainrule.tensor(grad))
        return [y.detach().numpy().copy(), xs.grad.numpy().copy()]

    xt = torch.tensor(x, requires_grad=True)
    yt = torch.relu(xt)
    yt.backward(torch.tensor(grad))
    expected = [yt.detach().numpy(), xt.grad.numpy()]
    assert_same_bits_on_threads(threads, run, expected)
    np.testing.assert_array_equal(run()[0].view(np.int32), expected[0].view(np.int32))  # -0.0 kept


@requires_torch
@pytest.mark.parametrize(
    "name, grad_fn_name",
    [
        ("leaky_relu", "LeakyReluBackward0"),
        ("elu", "EluBackward0"),
        ("gelu", "GeluBackward0"),
        ("silu", "SiluBackward0"),
        ("softplus", "SoftplusBackward0"),
        ("hardtanh", "HardtanhBackward0"),
        ("relu6", "HardtanhBackward0"),
    ],
)
def test_fused_activations_are_one_node_that_keeps_its_input_as_in_pytorch(name, grad_fn_name):
    check_one_node_keeping_its_input(lambda lib, x: getattr(lib.nn.functional, name)(x), grad_fn_name)


@requires_torch
def test_tanh_gelu_is_one_node_too():
    check_one_node_keeping_its_input(
        lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"), "GeluBackward0"
    )


@requires_torch
@pytest.mark.parametrize("name", ["relu", "leaky_relu", "hardtanh", "relu6"])
def test_a_gradient_through_a_piecewise_linear_activation_stays_in_the_graph_as_in_pytorch(name):
    x = np.array([-1.5, -0.2, 0.3, 0.9, 2.5])
    check_gradient_stays_in_the_graph(lambda lib, x: getattr(lib.nn.functional, name)(x), x)


@requires_torch
def test_a_gradient_penalty_through_a_relu_network_matches_pytorch():
    # WGAN-GP's penalty: every parameter gets a gradient, zeros included (an optimizer
    # skips a parameter whose .grad is None, and would then update it differently)
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape) for shape in [(4, 3), (5, 3), (5,), (1, 5), (1,)]]
    results = {}
    for lib in (chainrule, torch):
        x, w1, b1, w2, b2 = (lib.tensor(a, requires_grad=True) for a in arrays)
        score = lib.nn.functional.linear(lib.relu(lib.nn.functional.linear(x, w1, b1)), w2, b2)
        (grad_x,) = lib.autograd.grad(score.sum(), x, create_graph=True)
        ((grad_x.norm(2, dim=1) - 1) ** 2).mean().backward()
        results[lib] = [None if t.grad is None else t.grad.numpy() for t in (x, w1, b1, w2, b2)]
    assert results[torch][-1] is None and results[chainrule][-1] is None  # b2 is not in grad_x
    for ours, theirs in zip(results[chainrule][:-1], results[torch][:-1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
