"""VonMises: log_prob, circular mean, variance and mode and their gradients against
PyTorch, on both sides of the Bessel approximations' switch at concentration 3.75;
samples against scipy's von Mises cdf (KS test); PyTorch's errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule
from chainrule.distributions import VonMises

from oracle import check_gradcheck, check_torch, raises_like_torch, requires_torch, same_as_torch


def _parameters(dtype):
    rng = np.random.default_rng(0)
    return [
        rng.uniform(-3, 3, (3, 4)).astype(dtype),  # loc
        rng.uniform(0.2, 8, (3, 4)).astype(dtype),  # concentration
        rng.uniform(-6, 6, (3, 4)).astype(dtype),  # value
    ]


WHATS = {
    "log_prob": lambda d, x: d.log_prob(x),
    "moments": lambda d, x: (d.mean, d.variance, d.mode),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what", WHATS)
def test_values_and_parameter_gradients_match_torch(what, dtype):
    def scenario(m, loc, concentration, x):
        return WHATS[what](m.distributions.VonMises(loc, concentration), x)

    check_torch(scenario, None, dtype=dtype, arrays=_parameters(dtype))
    check_gradcheck(scenario, None, arrays=_parameters(np.float64))


@requires_torch
def test_shapes_support_and_parameters_are_torchs():
    def scenario(m):
        d = m.distributions.VonMises(0.5, 2.0)
        e = m.distributions.VonMises(m.zeros(2, 1), m.ones(3))
        return (
            e.batch_shape,
            d.event_shape,
            d.batch_shape,
            e.sample((5,)).shape,
            e.sample().dtype,
            repr(d.support),
            d.loc,
            d.concentration,
            d.has_rsample,
            repr(d),
        )

    same_as_torch(scenario)


@pytest.mark.parametrize("concentration", [1e-6, 0.5, 4.0, 50.0])
def test_samples_follow_the_von_mises_cdf(concentration):
    chainrule.manual_seed(0)
    samples = VonMises(chainrule.tensor(1.0), chainrule.tensor(concentration)).sample((20_000,)).numpy()
    assert samples.shape == (20_000,) and samples.dtype == np.float32
    assert (samples >= -np.pi).all() and (samples < np.pi).all()
    centred = (samples.astype(np.float64) - 1.0 + np.pi) % (2 * np.pi) - np.pi  # scipy's support is loc +- pi
    assert stats.kstest(centred, stats.vonmises(concentration).cdf).pvalue > 0.01


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.distributions.VonMises(0.0, m.tensor([1.0, 0.0])),
        lambda m: m.distributions.VonMises(m.tensor(float("nan")), 1.0),
        lambda m: m.distributions.VonMises(0.0, 1.0).log_prob(m.tensor(float("nan"))),
    ],
    ids=["concentration", "loc", "value"],
)
def test_bad_parameters_and_values_are_refused(scenario):
    raises_like_torch(scenario, match="Expected")
