"""``cauchy_``, ``log_normal_`` and ``geometric_``: in-place fills from chainrule's
generator, checked by a Kolmogorov-Smirnov or frequency test, for reproducibility under
``manual_seed`` and a ``Generator``, and for PyTorch's errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule

from oracle import assert_same_error, requires_torch

FILLS = {
    "cauchy_": ((1.5, 0.5), stats.cauchy(loc=1.5, scale=0.5).cdf),
    "log_normal_": ((0.5, 0.75), stats.lognorm(s=0.75, scale=np.exp(0.5)).cdf),
}


@pytest.mark.parametrize("name", FILLS)
@pytest.mark.parametrize("dtype", [chainrule.float32, chainrule.float64])
def test_continuous_fills_follow_their_distribution(name, dtype):
    args, cdf = FILLS[name]
    chainrule.manual_seed(0)
    x = chainrule.empty(20000, dtype=dtype)
    assert getattr(x, name)(*args) is x
    assert x.dtype == dtype
    assert stats.kstest(x.numpy().astype(np.float64), cdf).pvalue > 0.01


def test_default_arguments_are_pytorchs():
    chainrule.manual_seed(1)
    assert stats.kstest(chainrule.empty(20000).cauchy_().numpy(), stats.cauchy().cdf).pvalue > 0.01
    lognormal = stats.lognorm(s=2.0, scale=np.exp(1.0)).cdf  # mean 1, std 2
    assert stats.kstest(chainrule.empty(20000).log_normal_().numpy(), lognormal).pvalue > 0.01


@pytest.mark.parametrize("dtype", [chainrule.float32, chainrule.int64])
def test_geometric_counts_trials_up_to_the_first_success(dtype):
    chainrule.manual_seed(0)
    x = chainrule.empty(20000, dtype=dtype).geometric_(0.3)
    assert x.dtype == dtype
    values = x.numpy().astype(np.int64)
    assert values.min() >= 1
    observed = np.bincount(values, minlength=12)[1:12]
    expected = stats.geom(0.3).pmf(np.arange(1, 12)) * len(values)
    tail = len(values) - observed.sum()
    assert stats.chisquare([*observed, tail], [*expected, len(values) - expected.sum()]).pvalue > 0.01


@pytest.mark.parametrize(
    "fill",
    [lambda x, **g: x.cauchy_(**g), lambda x, **g: x.log_normal_(**g), lambda x, **g: x.geometric_(0.4, **g)],
)
def test_fills_repeat_under_a_seed_and_a_generator(fill):
    chainrule.manual_seed(3)
    first = fill(chainrule.empty(5))
    chainrule.manual_seed(3)
    assert chainrule.equal(first, fill(chainrule.empty(5)))
    a = fill(chainrule.empty(5), generator=chainrule.Generator().manual_seed(7))
    b = fill(chainrule.empty(5), generator=chainrule.Generator().manual_seed(7))
    assert chainrule.equal(a, b)


def test_fills_give_a_zero_gradient_through_the_overwritten_values():
    x = chainrule.ones(3, requires_grad=True)
    y = x * 2
    y.cauchy_()
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.empty(3).geometric_(0),
        lambda m: m.empty(3).geometric_(1),
        lambda m: m.empty(3).geometric_(1.5),
        lambda m: m.empty(3).log_normal_(0, 0),
        lambda m: m.empty(3).log_normal_(0, -1),
        lambda m: m.empty(3, dtype=m.int64).log_normal_(),
        lambda m: m.empty(3).cauchy_(0, 0),
        lambda m: m.empty(3, dtype=m.int64).cauchy_(),
        lambda m: m.ones(3, requires_grad=True).cauchy_(),
    ],
)
def test_fills_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)
