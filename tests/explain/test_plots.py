"""The loss and activation plots: their derivatives come from chainrule's
autograd; here they are compared with the derivatives written out by hand."""

import numpy as np
import pytest
from matplotlib import image

from chainrule.explain import plot_activations, plot_losses
from chainrule.explain.plots import activation_functions, curve_and_slope, loss_functions

# Grid points away from the kinks at 0 and at |d| = beta, delta.
D = np.array([-2.7, -1.5, -0.6, -0.2, 0.3, 0.8, 1.4, 2.5])


def test_loss_derivatives_from_autograd_equal_the_formulas():
    expected = {
        "L1": (np.abs(D), np.sign(D)),
        "L2": (D**2, 2 * D),
        "Smooth L1": (np.where(np.abs(D) < 1, 0.5 * D**2, np.abs(D) - 0.5), np.clip(D, -1, 1)),
        "Huber": (np.where(np.abs(D) <= 2, 0.5 * D**2, 2 * (np.abs(D) - 1)), np.clip(D, -2, 2)),
    }
    losses = loss_functions(beta=1.0, delta=2.0)
    assert len(losses) == 4
    for label, function in losses:
        values, slopes = curve_and_slope(function, D)
        key = next(k for k in expected if label.startswith(k))
        np.testing.assert_allclose(values, expected[key][0], rtol=1e-12, err_msg=label)
        np.testing.assert_allclose(slopes, expected[key][1], rtol=1e-12, err_msg=label)


def test_activation_derivatives_from_autograd_equal_the_formulas():
    s = 1 / (1 + np.exp(-D))
    expected = {
        "sigmoid": s * (1 - s),
        "tanh": 1 - np.tanh(D) ** 2,
        "ReLU": (D > 0).astype(float),
        "leaky ReLU (0.1)": np.where(D > 0, 1.0, 0.1),
        "ELU": np.where(D > 0, 1.0, np.exp(D)),
        "SiLU (swish)": s * (1 + D * (1 - s)),
        "softplus": s,
    }
    functions = dict(activation_functions())
    for label, slope in expected.items():
        _, slopes = curve_and_slope(functions[label], D)
        np.testing.assert_allclose(slopes, slope, rtol=1e-10, err_msg=label)
    for label in ("GELU", "Mish"):  # no closed form written here: central differences
        values_plus, _ = curve_and_slope(functions[label], D + 1e-6)
        values_minus, _ = curve_and_slope(functions[label], D - 1e-6)
        _, slopes = curve_and_slope(functions[label], D)
        np.testing.assert_allclose(slopes, (values_plus - values_minus) / 2e-6, rtol=1e-6, err_msg=label)


def test_relu_derivative_at_zero_is_zero_as_in_pytorch():
    _, slopes = curve_and_slope(dict(activation_functions())["ReLU"], np.array([0.0]))
    assert slopes.tolist() == [0.0]


@pytest.mark.parametrize("plot", [plot_losses, plot_activations])
def test_each_plot_is_a_png_file(plot, tmp_path):
    path = plot(tmp_path / "figure.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = image.imread(path).shape
    assert width > 1000 and height > 400
