"""Dropout: the mask's statistics, its gradient, modes and errors."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import assert_same_error, check_gradcheck, requires_torch, torch


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_training_dropout_zeroes_a_fraction_p_and_scales_survivors_by_one_over_one_minus_p(p):
    chainrule.manual_seed(0)
    out = F.dropout(chainrule.ones(200_000), p=p).numpy()
    kept = out != 0
    # binomial standard error of the fraction is below 0.0012; 5 of them is far from flaky
    assert abs((~kept).mean() - p) < 0.006
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-6)


def test_dropout_gradient_is_the_same_mask_and_scale():
    chainrule.manual_seed(1)
    x = chainrule.randn(50, 40, requires_grad=True)
    out = F.dropout(x, p=0.3)
    out.backward(chainrule.ones(50, 40))
    mask = out.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-5)
    assert {round(float(v), 5) for v in np.unique(mask)} == {0.0, round(1 / 0.7, 5)}


def test_dropout_with_a_fixed_mask_matches_finite_differences_to_second_order():
    def fixed_mask_dropout(m, x):
        m.manual_seed(5)  # the same mask on every evaluation
        return m.nn.functional.dropout(x, p=0.4) ** 2

    check_gradcheck(fixed_mask_dropout, [(4, 5)], second_order=True)


def test_dropout_gradient_is_differentiable_again():
    chainrule.manual_seed(2)
    x = chainrule.randn(6, requires_grad=True)
    out = F.dropout(x, p=0.5)
    (grad,) = chainrule.autograd.grad((out * out).sum(), x, create_graph=True)
    (second,) = chainrule.autograd.grad(grad.sum(), x)
    keep = (out.detach().numpy() != 0).astype(np.float32)
    # out = 2 m x (p = 0.5), so d/dx sum(out^2) = 8 m x and its derivative is 8 m
    np.testing.assert_allclose(second.numpy(), 8.0 * keep, rtol=1e-6)


def test_dropout_is_one_graph_node():
    x = chainrule.randn(3, requires_grad=True)
    node = F.dropout(x).grad_fn
    assert node.name() == "DropoutBackward0" and node.next_functions[0][0].variable is x


def test_eval_mode_and_p_zero_return_the_input_itself():
    x = chainrule.randn(4)
    assert nn.Dropout(0.5).eval()(x) is x
    assert F.dropout(x, p=0.0) is x
    assert F.dropout(x, p=0.7, training=False) is x


def test_p_one_drops_everything():
    x = chainrule.randn(4, requires_grad=True)
    out = F.dropout(x, p=1.0)
    out.sum().backward()
    assert out.abs().sum().item() == 0 and x.grad.abs().sum().item() == 0


def test_manual_seed_makes_dropout_repeatable():
    x = chainrule.ones(100)
    chainrule.manual_seed(7)
    first = F.dropout(x).numpy().copy()
    chainrule.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(x).numpy(), first)


def test_dropout_keeps_float32_and_float64():
    for dtype in (chainrule.float32, chainrule.float64):
        assert F.dropout(chainrule.ones(3, dtype=dtype)).dtype == dtype


def test_inplace_dropout_writes_into_its_input():
    chainrule.manual_seed(0)
    x = chainrule.ones(1000)
    assert nn.Dropout(0.5, inplace=True)(x) is x
    assert {float(v) for v in np.unique(x.numpy())} == {0.0, 2.0}


@requires_torch
@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_outside_0_1_raises_value_error_like_pytorch(p):
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            lib.nn.Dropout(p)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            lib.nn.functional.dropout(lib.ones(2), p)


@requires_torch
def test_dropout_layer_in_eval_mode_matches_pytorch_and_prints_the_same():
    check_module(lambda m: m.nn.Dropout(0.3), [(4, 5)], modes=("eval",))
    assert repr(nn.Dropout(0.3, inplace=True)) == repr(torch.nn.Dropout(0.3, inplace=True))


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    # Dropout2d was missing (the classic MNIST CNN examples use it)
    chainrule.manual_seed(0)
    x = chainrule.ones(50, 40, 3, 3, requires_grad=True)
    y = chainrule.nn.functional.dropout2d(x, p=0.3)
    y.sum().backward()
    per_channel = y.detach().numpy().reshape(50, 40, 9)
    np.testing.assert_allclose(np.unique(per_channel), [0.0, 1 / 0.7], rtol=1e-6)
    assert (per_channel.std(axis=2) == 0).all()  # one draw per channel
    assert abs((per_channel[:, :, 0] > 0).mean() - 0.7) < 0.03
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


@requires_torch
def test_dropout2d_module_and_its_warnings_match_pytorch():
    for lib in (chainrule, torch):
        layer = lib.nn.Dropout2d(0.3)
        assert repr(layer) == "Dropout2d(p=0.3, inplace=False)"
        x = lib.ones(2, 3, 4, 4)
        assert layer.eval()(x) is x
    for shape in [(2, 3, 5), (2, 3)]:
        messages = []
        for lib in (chainrule, torch):
            with pytest.warns(UserWarning) as caught:
                lib.nn.functional.dropout2d(lib.ones(shape), 0.5)
            messages.append(str(caught[0].message)[:40])
        assert messages[0] == messages[1]


@requires_torch
@pytest.mark.parametrize("shape", [(6,), ()])
def test_dropout2d_refuses_fewer_than_two_dims(shape):
    for lib in (chainrule, torch):
        with (
            pytest.warns(UserWarning, match="deprecated"),
            pytest.raises(RuntimeError, match="at least 2 dimensions"),
        ):
            lib.nn.functional.dropout2d(lib.ones(shape), 0.5)


@requires_torch
@pytest.mark.parametrize("shape", [(400, 50, 6), (2000, 7)], ids=["batched", "unbatched"])
def test_dropout1d_zeroes_whole_channels_and_scales_the_rest_exactly_as_pytorch(shape):
    p = 0.45  # where float32(1 / (1 - p)) is one ulp off PyTorch's float32(1) / float32(1 - p)
    data = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    grad = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    scale = np.float32(1) / np.float32(1 - p)
    for lib in (chainrule, torch):
        x = lib.tensor(data, requires_grad=True)
        y = lib.nn.functional.dropout1d(x, p=p)
        y.backward(lib.tensor(grad))
        out = y.detach().numpy()
        kept, dropped = (out != 0).all(axis=-1), (out == 0).all(axis=-1)
        assert (kept | dropped).all()  # one draw per channel: all of it kept or all of it zeroed
        np.testing.assert_array_equal(out[kept], data[kept] * scale)
        np.testing.assert_array_equal(x.grad.numpy()[kept], grad[kept] * scale)
        assert not x.grad.numpy()[dropped].any()
        # 20_000 or 2_000 channels: the kept fraction's standard error is below 0.012
        assert abs(kept.mean() - (1 - p)) < 0.05


def test_dropout1d_with_a_fixed_mask_matches_finite_differences_to_second_order():
    def fixed_mask_dropout1d(m, x):
        m.manual_seed(5)  # the same mask on every evaluation
        return m.nn.functional.dropout1d(x, p=0.4) ** 2

    check_gradcheck(fixed_mask_dropout1d, [(3, 4, 5)], second_order=True)


def test_dropout1d_in_eval_mode_or_with_p_zero_returns_the_input_and_p_one_zeroes_everything():
    x = chainrule.randn(2, 3, 4, requires_grad=True)
    assert nn.Dropout1d(0.5).eval()(x) is x
    assert F.dropout1d(x, p=0.7, training=False) is x
    assert F.dropout1d(x, p=0.0) is x
    out = F.dropout1d(x, p=1.0)
    out.sum().backward()
    assert not out.detach().numpy().any() and not x.grad.numpy().any()


def test_inplace_dropout1d_writes_into_its_unbatched_input():
    chainrule.manual_seed(0)
    x = chainrule.ones(300, 5)
    assert nn.Dropout1d(0.5, inplace=True)(x) is x
    assert {float(v) for v in np.unique(x.numpy())} == {0.0, 2.0}
    assert (x.numpy().std(axis=1) == 0).all()


@requires_torch
def test_dropout1d_layer_matches_pytorch_in_eval_mode_and_prints_the_same():
    check_module(lambda m: m.nn.Dropout1d(0.3), [(4, 5, 6)], modes=("eval",))
    assert repr(nn.Dropout1d(0.3, inplace=True)) == repr(torch.nn.Dropout1d(0.3, inplace=True))


@requires_torch
@pytest.mark.parametrize(
    "shape, p, message",
    [((4,), 0.5, "dropout1d: Expected 2D or 3D input, but received a 1D input"),
     ((2, 3, 4, 5), 0.5, "dropout1d: Expected 2D or 3D input, but received a 4D input"),
     ((2, 3, 4), 1.5, "dropout probability has to be between 0 and 1, but got 1.5"),
     ((2, 3, 4), -0.1, "dropout probability has to be between 0 and 1, but got -0.1")],
    ids=["1-D", "4-D", "p above 1", "p below 0"],
)  # fmt: skip
def test_dropout1d_raises_pytorchs_errors(shape, p, message):
    assert_same_error(lambda m: m.nn.functional.dropout1d(m.ones(shape), p), message)
    assert_same_error(lambda m: m.nn.Dropout1d(1.5), "dropout probability has to be between 0 and 1")


# --- alpha dropout -----------------------------------------------------------------------------

SELU_SATURATION = 1.7580993408473766  # PyTorch's alpha in _dropout_impl: -SELU's limit at -inf


@requires_torch
@pytest.mark.parametrize("layer", ["AlphaDropout", "FeatureAlphaDropout"])
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_alpha_dropout_matches_pytorch_in_eval_mode_and_with_p_zero_or_one(layer, p):
    # eval: the input; p=0: the input; p=1: zeros with a zero gradient (no randomness in any)
    modes = ("train", "eval") if p in (0.0, 1.0) else ("eval",)
    check_module(lambda m: getattr(m.nn, layer)(p), [(4, 5, 3)], modes=modes)
    assert repr(getattr(nn, layer)(p)) == repr(getattr(torch.nn, layer)(p))


def test_functional_alpha_dropout_is_off_unless_training_is_asked_for():
    x = chainrule.randn(3, 4)
    assert F.alpha_dropout(x) is x and F.feature_alpha_dropout(x) is x
    assert F.alpha_dropout(x, 0.5, training=True) is not x


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_alpha_dropout_keeps_a_standard_normal_inputs_mean_and_variance(p):
    chainrule.manual_seed(0)
    out = F.alpha_dropout(chainrule.randn(400_000), p, training=True).numpy().astype(np.float64)
    # the standard errors of the mean and variance are below 0.003 and 0.01 here
    assert abs(out.mean()) < 0.015 and abs(out.var() - 1) < 0.05


@pytest.mark.parametrize("p", [0.2, 0.6])
def test_alpha_dropout_values_follow_pytorchs_affine_formula_for_the_drawn_mask(p):
    chainrule.manual_seed(3)
    x = chainrule.randn(1000, requires_grad=True)
    out = F.alpha_dropout(x, p, training=True)
    out.sum().backward()
    a = 1 / np.sqrt((SELU_SATURATION**2 * p + 1) * (1 - p))
    keep = x.grad.numpy() != 0  # the gradient is the mask times a
    np.testing.assert_allclose(x.grad.numpy()[keep], a, rtol=1e-6)
    values = x.detach().numpy().astype(np.float64)
    expected = values * keep * a + (keep - 1.0) * SELU_SATURATION * a + SELU_SATURATION * a * p
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert abs((~keep).mean() - p) < 0.07


def test_feature_alpha_dropout_draws_once_per_channel():
    chainrule.manual_seed(4)
    x = chainrule.randn(8, 6, 3, 5, requires_grad=True)
    F.feature_alpha_dropout(x, 0.5, training=True).sum().backward()
    grad = x.grad.numpy().reshape(8, 6, 15)
    assert (grad == grad[:, :, :1]).all() and 0 < (grad[:, :, 0] == 0).mean() < 1


def test_alpha_dropout_with_a_fixed_mask_matches_finite_differences_to_second_order():
    def fixed_mask_alpha_dropout(m, x):
        m.manual_seed(5)
        return m.nn.functional.alpha_dropout(x, 0.4, training=True) ** 2

    check_gradcheck(fixed_mask_alpha_dropout, [(4, 5)], second_order=True)


def test_inplace_alpha_dropout_writes_into_its_input():
    chainrule.manual_seed(6)
    expected = F.alpha_dropout(chainrule.ones(10), 0.5, training=True)
    chainrule.manual_seed(6)
    x = chainrule.ones(10)
    assert F.alpha_dropout(x, 0.5, training=True, inplace=True) is x
    assert x.tolist() == expected.tolist()


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.functional.alpha_dropout(m.ones(3), 1.5, True),
        lambda m: m.nn.functional.feature_alpha_dropout(m.ones(3), -0.1, True),
        lambda m: m.nn.functional.feature_alpha_dropout(m.ones(3), 0.5, True),
    ],
)
def test_alpha_dropout_raises_pytorchs_errors(call):
    assert_same_error(call)
