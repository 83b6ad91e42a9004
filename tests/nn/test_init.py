"""nn.init: gains, fans and the distributions each initialiser draws from."""

import math

import numpy as np
import pytest
from scipy import stats

import chainrule
import chainrule.nn as nn

from module_oracle import assert_drawn_from
from oracle import requires_torch, torch

init = nn.init


def draws(fill, shape=(300, 400), **kwargs):
    """Fill a fresh parameter with a fixed seed; returns the values as float64."""
    chainrule.manual_seed(0)
    p = nn.Parameter(chainrule.empty(*shape))
    assert fill(p, **kwargs) is p  # in place, the same tensor back
    assert p.grad_fn is None and p.requires_grad
    return p.detach().numpy().astype(np.float64).ravel()


@requires_torch
@pytest.mark.parametrize(
    "nonlinearity, param",
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
        ("conv_transpose3d", None),
    ],
)
def test_calculate_gain_equals_pytorchs(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


@requires_torch
def test_calculate_gain_rejects_what_pytorch_rejects():
    for lib in (nn.init, torch.nn.init):
        with pytest.raises(ValueError, match="Unsupported nonlinearity"):
            lib.calculate_gain("swish")
        with pytest.raises(ValueError, match="negative_slope True not a valid number"):
            lib.calculate_gain("leaky_relu", True)


@requires_torch
@pytest.mark.parametrize("shape", [(5, 7), (8, 3, 3, 3), (4, 6, 5)])
def test_fan_in_and_fan_out_are_pytorchs_for_linear_and_convolution_weights(shape):
    ours = init._calculate_fan_in_and_fan_out(chainrule.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fans_of_a_vector_raise_value_error():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(chainrule.empty(3))


def test_uniform_and_normal_draw_from_the_requested_distributions():
    assert_drawn_from(draws(init.uniform_, a=-0.5, b=2.0), stats.uniform(-0.5, 2.5))
    assert_drawn_from(draws(init.normal_, mean=1.0, std=0.3), stats.norm(1.0, 0.3))


def test_trunc_normal_draws_from_the_truncated_normal():
    values = draws(init.trunc_normal_, mean=0.5, std=1.0, a=-1.0, b=1.5)
    assert values.min() >= -1.0 and values.max() <= 1.5
    assert_drawn_from(values, stats.truncnorm(-1.5, 1.0, loc=0.5, scale=1.0))


def test_xavier_initialisers_scale_by_fan_in_plus_fan_out():
    bound = math.sqrt(6 / (400 + 300))
    assert_drawn_from(draws(init.xavier_uniform_), stats.uniform(-bound, 2 * bound))
    assert_drawn_from(draws(init.xavier_normal_, gain=2.0), stats.norm(0, 2.0 * math.sqrt(2 / 700)))


@pytest.mark.parametrize(
    "options, fan, gain",
    [
        ({}, 400, math.sqrt(2 / (1 + 0.01**2))),
        ({"a": math.sqrt(5)}, 400, math.sqrt(2 / 6)),  # nn.Linear's choice: bound 1/sqrt(fan_in)
        ({"mode": "fan_out", "nonlinearity": "relu"}, 300, math.sqrt(2)),
        ({"nonlinearity": "tanh"}, 400, 5 / 3),
    ],
    ids=str,
)
def test_kaiming_initialisers_scale_by_the_gain_over_the_root_of_the_fan(options, fan, gain):
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3) * std
    assert_drawn_from(draws(init.kaiming_uniform_, **options), stats.uniform(-bound, 2 * bound))
    assert_drawn_from(draws(init.kaiming_normal_, **options), stats.norm(0, std))


def test_kaiming_of_a_convolution_weight_uses_the_receptive_field():
    values = draws(init.kaiming_normal_, shape=(64, 16, 5, 5), nonlinearity="relu")
    assert_drawn_from(values, stats.norm(0, math.sqrt(2 / (16 * 25))))


def test_kaiming_with_an_unknown_mode_raises_value_error():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(chainrule.empty(3, 4), mode="fan_avg")


def test_kaiming_of_an_empty_tensor_warns_and_does_nothing():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(chainrule.empty(0, 3))


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (8, 3, 2, 2)])
def test_orthogonal_gives_orthonormal_rows_or_columns_times_the_gain(shape):
    chainrule.manual_seed(0)
    q = init.orthogonal_(chainrule.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    small = min(q.shape)
    product = q @ q.T if q.shape[0] == small else q.T @ q
    np.testing.assert_allclose(product, 4.0 * np.eye(small), atol=1e-5)


def test_orthogonal_of_a_vector_raises_value_error():
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(chainrule.empty(3))


def test_constant_zeros_ones_and_eye_fill_exact_values():
    p = nn.Parameter(chainrule.empty(2, 3))
    assert init.constant_(p, 0.25).tolist() == [[0.25] * 3] * 2
    assert init.zeros_(p).sum().item() == 0 and init.ones_(p).sum().item() == 6
    assert init.eye_(p).tolist() == [[1, 0, 0], [0, 1, 0]]
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(chainrule.empty(2, 2, 2))


def test_initialisers_keep_the_tensor_dtype_and_bump_its_version():
    p = nn.Parameter(chainrule.empty(3, 3, dtype=chainrule.float64))
    version = p._version
    init.xavier_normal_(p)
    assert p.dtype == chainrule.float64 and p._version > version


def test_a_generator_makes_the_draw_repeatable():
    a = init.normal_(chainrule.empty(5), generator=chainrule.Generator().manual_seed(3))
    b = init.normal_(chainrule.empty(5), generator=chainrule.Generator().manual_seed(3))
    assert chainrule.equal(a, b)
