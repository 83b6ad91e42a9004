"""Activation layers and their F. forms against PyTorch and finite differences."""

import re

import numpy as np
import pytest
from scipy import stats

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import assert_drawn_from, check_module
from oracle import (
    check,
    check_gradient_stays_in_the_graph,
    check_one_node_keeping_its_input,
    check_torch,
    raises_like_torch,
    requires_torch,
    same_as_torch,
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
    "PReLU": lambda m: m.nn.PReLU(init=0.1),
    "SELU": lambda m: m.nn.SELU(),
    "CELU": lambda m: m.nn.CELU(alpha=0.7),
    "Hardswish": lambda m: m.nn.Hardswish(),
    "Hardsigmoid": lambda m: m.nn.Hardsigmoid(),
    "Softsign": lambda m: m.nn.Softsign(),
    "Softmin": lambda m: m.nn.Softmin(dim=1),
    "Threshold": lambda m: m.nn.Threshold(0.3, -2.0),
    "Tanhshrink": lambda m: m.nn.Tanhshrink(),
    "Softshrink": lambda m: m.nn.Softshrink(0.4),
    "Hardshrink": lambda m: m.nn.Hardshrink(0.4),
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
    "selu": (lambda F, x: F.selu(x), 0.0),
    "celu": (lambda F, x: F.celu(x, 0.7), 0.0),
    "hardswish": (lambda F, x: F.hardswish(x * 1.5), [-2.0, 2.0]),
    "hardsigmoid": (lambda F, x: F.hardsigmoid(x * 1.5), [-2.0, 2.0]),
    "softsign": (lambda F, x: F.softsign(x), 0.0),
    "softmin": (lambda F, x: F.softmin(x, dim=1), None),
    "softmin-dtype": (lambda F, x: F.softmin(x, 0, dtype=x.dtype), None),
    "threshold": (lambda F, x: F.threshold(x, 0.5, -1.0), 0.5),
    "glu": (lambda F, x: F.glu(x), None),
    "glu-dim-0": (lambda F, x: F.glu(x, dim=0), None),
    "tanhshrink": (lambda F, x: F.tanhshrink(x), None),
    "softshrink": (lambda F, x: F.softshrink(x, 0.5), [-0.5, 0.5]),
    "hardshrink": (lambda F, x: F.hardshrink(x, 0.5), [-0.5, 0.5]),
    "rrelu-eval": (lambda F, x: F.rrelu(x, 0.1, 0.3), 0.0),
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
        ("selu", lambda F, x: F.selu(x, inplace=True)),
        ("celu", lambda F, x: F.celu(x, 0.5, inplace=True)),
        ("hardswish", lambda F, x: F.hardswish(x, inplace=True)),
        ("hardsigmoid", lambda F, x: F.hardsigmoid(x, inplace=True)),
        ("threshold", lambda F, x: F.threshold(x, 0.1, 20.0, inplace=True)),
        ("rrelu-eval", lambda F, x: F.rrelu(x, 0.1, 0.2, inplace=True)),
        ("selu_", lambda F, x: F.selu_(x)),
        ("celu_", lambda F, x: F.celu_(x)),
        ("threshold_", lambda F, x: F.threshold_(x, 0.1, 20.0)),
        ("rrelu_", lambda F, x: F.rrelu_(x)),
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
        lambda m: m.nn.SELU(inplace=True),
        lambda m: m.nn.CELU(0.5, inplace=True),
        lambda m: m.nn.Hardswish(inplace=True),
        lambda m: m.nn.Hardsigmoid(inplace=True),
        lambda m: m.nn.Threshold(0.1, 20),
        lambda m: m.nn.Threshold(0.1, 20, inplace=True),
        lambda m: m.nn.Softmin(),
        lambda m: m.nn.Softshrink(),
        lambda m: m.nn.Hardshrink(),
        lambda m: m.nn.Softmax2d(),
        lambda m: m.nn.GLU(),
        lambda m: m.nn.GLU(dim=1),
        lambda m: m.nn.RReLU(),
        lambda m: m.nn.RReLU(0.1, 0.3, inplace=True),
        lambda m: m.nn.PReLU(),
        lambda m: m.nn.PReLU(3, init=0.5),
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


# --- the layers PyTorch has beyond the common ones ---------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.nn.PReLU(3, init=0.1), (2, 3, 4, 4)),
        (lambda m: m.nn.PReLU(4), (5, 4)),
        (lambda m: m.nn.GLU(dim=1), (3, 6, 2)),
        (lambda m: m.nn.Softmax2d(), (2, 3, 4, 4)),
        (lambda m: m.nn.Softmax2d(), (3, 4, 5)),
    ],
)
def test_shaped_activation_layer_matches_pytorch_with_its_parameters(make, shape):
    check_module(make, [shape], low=-3, high=3)


@requires_torch
def test_prelu_state_dict_and_default_weights_are_pytorchs():
    same_as_torch(lambda lib: {k: v.detach() for k, v in lib.nn.PReLU(3).state_dict().items()})
    same_as_torch(lambda lib: lib.nn.PReLU(2, init=-0.5, dtype=lib.float64).weight.detach())
    same_as_torch(lambda lib: [p.shape for p in lib.nn.PReLU(5).parameters()])


@pytest.mark.parametrize("weight_shape", [(3,), (1,), ()])
def test_prelu_matches_pytorch_for_input_and_weight_and_finite_differences(weight_shape):
    # one slope per channel (dim 1), or one for all given as (1,) or as a 0-d tensor
    check(lambda m, x, w: m.nn.functional.prelu(x, w), [(2, 3, 4), weight_shape], away_from=0.0)


@requires_torch
def test_prelu_of_a_zero_dim_input_with_one_slope_is_zero_dim_as_in_pytorch():
    same_as_torch(lambda lib: lib.nn.functional.prelu(lib.tensor(-2.0), lib.tensor([0.5])))
    same_as_torch(lambda lib: lib.nn.functional.prelu(-lib.ones(3), lib.tensor([0.5])))


@requires_torch
@pytest.mark.parametrize(
    "input_shape, weight, message",
    [
        ((2, 3), lambda lib: lib.ones(2), "Found parameter numbers = 2 and channel size = 3"),
        ((3,), lambda lib: lib.ones(3), "Found parameter numbers = 3 and channel size = 1"),
        ((2, 3), lambda lib: lib.ones(3, 1), "scalar or 1D tensor, but got: ndim = 2"),
        ((), lambda lib: lib.ones(3), "Not allow zero-dim input tensor"),
        ((2, 3), lambda lib: lib.ones(3, dtype=lib.float64), "Type promoting not supported"),
    ],
)
def test_prelu_with_the_wrong_weights_raises_pytorchs_error(input_shape, weight, message):
    raises_like_torch(lambda lib: lib.nn.functional.prelu(lib.ones(input_shape), weight(lib)), match=message)


# Inputs exactly at each kink (and NaN and infinities, where PyTorch's rule is written out):
# the value and the gradient PyTorch gives there, not a neighbour's.
_INF, _NAN = float("inf"), float("nan")
KINKS = {
    "hardswish": (lambda F, x: F.hardswish(x), [-3.0, 3.0, 0.0, _NAN, _INF, -_INF, -4.0, 4.0]),
    "hardsigmoid": (lambda F, x: F.hardsigmoid(x), [-3.0, 3.0, _NAN, _INF, -_INF]),
    "threshold": (lambda F, x: F.threshold(x, 0.5, -2.0), [0.5, _NAN, _INF, -_INF]),
    "softshrink": (lambda F, x: F.softshrink(x, 0.5), [0.5, -0.5, 0.0, _NAN, _INF, -_INF]),
    "hardshrink": (lambda F, x: F.hardshrink(x, 0.5), [0.5, -0.5, 0.0, _NAN, _INF, -_INF]),
    "prelu": (lambda F, x: F.prelu(x, x.new_tensor([0.25])), [0.0, _NAN, -_INF]),
    "rrelu-eval": (lambda F, x: F.rrelu(x, 0.1, 0.3), [0.0, _NAN]),
    # at NaN elu's gradient is the positive side's, as PyTorch's
    "elu": (lambda F, x: F.elu(x, 0.5), [0.0, _NAN, -_INF]),
    "selu": (lambda F, x: F.selu(x), [0.0, _NAN, -_INF]),
    "celu": (lambda F, x: F.celu(x, 0.7), [0.0, _NAN, -_INF]),
    "softsign": (lambda F, x: F.softsign(x), [0.0, -0.0, _NAN]),
}


@requires_torch
@pytest.mark.parametrize("name", KINKS)
def test_value_and_gradient_exactly_at_a_kink_are_pytorchs(name):
    fn, points = KINKS[name]
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(points, requires_grad=True)
        y = fn(lib.nn.functional, x)
        y.backward(lib.ones(len(points)))
        results[lib] = (y.detach().numpy(), x.grad.numpy())
    for ours, theirs in zip(results[chainrule], results[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0, equal_nan=True)


@requires_torch
def test_hardswish_second_derivative_is_a_third_strictly_inside_as_in_pytorch():
    points = [-3.0, -2.0, 0.5, 3.0, 4.0]
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(points, requires_grad=True)
        (grad_x,) = lib.autograd.grad(lib.nn.functional.hardswish(x).sum(), x, create_graph=True)
        grad_x.sum().backward()
        results[lib] = x.grad.numpy()
    np.testing.assert_allclose(results[chainrule], results[torch], rtol=1e-6)
    np.testing.assert_allclose(results[chainrule], [0, 1 / 3, 1 / 3, 0, 0], rtol=1e-6)


@requires_torch
def test_threshold_of_integers_stays_integer_as_in_pytorch():
    same_as_torch(lambda lib: lib.nn.functional.threshold(lib.tensor([1, 2, 3]), 1.5, 0.0))


@requires_torch
@pytest.mark.parametrize(
    "name, fn",
    [
        ("selu", lambda F, x: F.selu(x)),
        ("celu", lambda F, x: F.celu(x)),
        ("hardswish", lambda F, x: F.hardswish(x)),
        ("hardsigmoid", lambda F, x: F.hardsigmoid(x)),
        ("softshrink", lambda F, x: F.softshrink(x)),
        ("hardshrink", lambda F, x: F.hardshrink(x)),
        ("glu", lambda F, x: F.glu(x)),
        ("prelu", lambda F, x: F.prelu(x, x.new_ones(1))),
        ("rrelu-train", lambda F, x: F.rrelu(x, training=True)),
        ("rrelu-eval", lambda F, x: F.rrelu(x)),
        ("softmin", lambda F, x: F.softmin(x, 0)),
    ],
)
def test_float_only_activation_of_an_integer_tensor_raises_not_implemented_error(name, fn):
    raises_like_torch(lambda lib: fn(lib.nn.functional, lib.tensor([1, 2, 3, 4])), match="not implemented")


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda lib: lib.nn.functional.glu(lib.ones(2, 5)), "dimension 1 is size 5"),
        (lambda lib: lib.nn.functional.glu(lib.tensor(1.0)), "glu does not support scalars"),
        (lambda lib: lib.nn.functional.glu(lib.ones(2, 4), dim=2), "Dimension out of range"),
        (lambda lib: lib.nn.functional.celu(lib.ones(2), 0.0), "alpha cannot be 0 for CELU"),
        (lambda lib: lib.nn.functional.softshrink(lib.ones(2), -1.0), "range [0, 3.40282e+38]"),
        (
            lambda lib: lib.nn.functional.softshrink(lib.ones(2), 1e39),
            "for input dtype Float, but found 1e+39",
        ),
        (lambda lib: lib.nn.functional.rrelu(lib.ones(2), 0.5, 0.1), "Lower bound should be less"),
        (lambda lib: lib.nn.RReLU(0.5, 0.1).train()(lib.ones(2)), "Lower bound should be less"),
        (lambda lib: lib.nn.Softmax2d()(lib.ones(2, 3)), "expected input to be 3D or 4D, got 2D"),
        (lambda lib: lib.nn.Softmax2d()(lib.ones(1, 2, 3, 4, 5)), "expected input to be 3D or 4D, got 5D"),
    ],
)
def test_bad_activation_arguments_raise_pytorchs_errors(fn, message):
    raises_like_torch(fn, match=re.escape(message))


@requires_torch
def test_hardshrink_with_a_negative_lambda_passes_everything_as_in_pytorch():
    same_as_torch(lambda lib: lib.nn.functional.hardshrink(lib.tensor([-1.0, 0.0, 2.0]), -1.0))


@requires_torch
def test_softmin_without_dim_warns_like_pytorch_and_picks_its_dim():
    for lib in (chainrule, torch):
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmin has been deprecated"):
            lib.nn.functional.softmin(lib.ones(2, 3))
    with pytest.warns(UserWarning):
        same_as_torch(lambda lib: lib.nn.Softmin()(lib.arange(6.0).reshape(2, 3)))


# --- RReLU in training: random slopes from chainrule's generator --------------------------------


def test_rrelu_training_slopes_are_uniform_between_lower_and_upper_and_positives_pass():
    chainrule.manual_seed(0)
    x = chainrule.tensor(np.tile(np.float32([-1.0, 2.0]), 50_000), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()[0::2]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert_drawn_from(slopes, stats.uniform(0.1, 0.2))
    np.testing.assert_array_equal(y.detach().numpy()[1::2], 2.0)
    y.sum().backward()
    # the gradient is the slope drawn in forward (x = -1: y = -slope), and 1 where x > 0
    np.testing.assert_array_equal(x.grad.numpy()[0::2], slopes)
    np.testing.assert_array_equal(x.grad.numpy()[1::2], 1.0)


def test_rrelu_layer_draws_new_slopes_every_training_call_and_repeats_under_a_seed():
    layer = nn.RReLU()
    x = -chainrule.ones(1000)
    chainrule.manual_seed(1)
    first, second = layer(x).numpy(), layer(x).numpy()
    chainrule.manual_seed(1)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(layer(x).numpy(), first)


def test_rrelu_training_in_place_writes_the_drawn_slopes_and_back_propagates_them():
    chainrule.manual_seed(2)
    x = chainrule.tensor([-1.0, -1.0, 3.0, 0.0], requires_grad=True)
    hidden = x * 1
    out = F.rrelu(hidden, training=True, inplace=True)
    assert out is hidden
    slopes = -out.detach().numpy()[:2]
    assert ((slopes >= 1 / 8) & (slopes <= 1 / 3)).all()
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[:3], [*slopes, 1.0])


@requires_torch
def test_rrelu_training_with_equal_bounds_is_deterministic_and_matches_pytorch():
    check_torch(lambda m, x: m.nn.functional.rrelu(x, 0.2, 0.2, training=True), [(4, 5)])


@requires_torch
def test_rrelu_layer_in_eval_is_leaky_relu_with_the_mean_slope_as_in_pytorch():
    check_module(lambda m: m.nn.RReLU(0.1, 0.4), [(3, 5)], modes=("eval",))
