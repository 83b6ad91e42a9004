"""Random numbers: distributions, dtypes and reproducibility.

chainrule's streams differ from PyTorch's for the same seed, so these tests
check distributions (mean, spread, bounds) and that seeding repeats exactly.
"""

import numpy as np
import pytest

import chainrule

N = 20_000


@pytest.fixture(autouse=True)
def seeded():
    chainrule.manual_seed(1234)


def test_rand_is_uniform_in_zero_one():
    x = chainrule.rand(N).numpy()
    assert x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01
    assert abs(x.std() - (1 / 12) ** 0.5) < 0.01


def test_randn_is_standard_normal():
    x = chainrule.randn(N).numpy()
    assert x.dtype == np.float32
    assert abs(x.mean()) < 0.03
    assert abs(x.std() - 1.0) < 0.03


@pytest.mark.parametrize("dtype", [chainrule.float16, chainrule.float32, chainrule.float64])
def test_random_floats_come_in_the_requested_dtype(dtype):
    for x in (chainrule.rand(4, dtype=dtype), chainrule.randn((2, 2), dtype=dtype)):
        assert x.dtype == dtype


def test_randint_covers_exactly_its_half_open_range():
    x = chainrule.randint(3, 7, (N,))
    assert x.dtype == chainrule.int64
    assert sorted(set(x.tolist())) == [3, 4, 5, 6]
    y = chainrule.randint(4, (2, 3), dtype=chainrule.float32)
    assert y.shape == (2, 3) and y.dtype == chainrule.float32


def test_randperm_is_a_permutation():
    p = chainrule.randperm(50)
    assert p.dtype == chainrule.int64
    assert sorted(p.tolist()) == list(range(50))
    assert p.tolist() != list(range(50))


def test_manual_seed_repeats_every_random_function():
    def draw():
        return [
            chainrule.rand(5),
            chainrule.randn(2, 3),
            chainrule.randint(0, 100, (4,)),
            chainrule.randperm(10),
            chainrule.empty(3).uniform_(-1, 1),
            chainrule.empty(3).normal_(),
        ]

    chainrule.manual_seed(7)
    first = draw()
    chainrule.manual_seed(7)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    chainrule.manual_seed(8)
    assert not np.array_equal(draw()[0].numpy(), first[0].numpy())


def test_rng_state_round_trips():
    state = chainrule.get_rng_state()
    assert state.dtype == chainrule.uint8
    a = chainrule.randn(5)
    chainrule.set_rng_state(state)
    b = chainrule.randn(5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_generators_give_independent_repeatable_streams():
    g1 = chainrule.Generator().manual_seed(3)
    g2 = chainrule.Generator().manual_seed(3)
    a = chainrule.rand(5, generator=g1)
    chainrule.rand(100)  # the default generator does not disturb g2
    b = chainrule.rand(5, generator=g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert g1.initial_seed() == 3
    g3 = chainrule.Generator().manual_seed(4)
    assert not np.array_equal(chainrule.rand(5, generator=g3).numpy(), a.numpy())


def test_generator_state_round_trips():
    g = chainrule.Generator().manual_seed(11)
    state = g.get_state()
    a = chainrule.randint(0, 1000, (6,), generator=g)
    g.set_state(state)
    b = chainrule.randint(0, 1000, (6,), generator=g)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_every_random_function_takes_a_generator():
    def draw(g):
        return [
            chainrule.rand(3, generator=g),
            chainrule.randn(3, generator=g),
            chainrule.randint(10, (3,), generator=g),
            chainrule.randperm(5, generator=g),
            chainrule.empty(3).uniform_(generator=g),
            chainrule.empty(3).normal_(generator=g),
            chainrule.empty(3).bernoulli_(0.5, generator=g),
            chainrule.empty(3).random_(10, generator=g),
            chainrule.empty(3).exponential_(generator=g),
        ]

    first = draw(chainrule.Generator().manual_seed(5))
    second = draw(chainrule.Generator().manual_seed(5))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_uniform_fill_respects_its_bounds():
    x = chainrule.empty(N).uniform_(-2.0, 3.0).numpy()
    assert x.dtype == np.float32
    assert x.min() >= -2.0 and x.max() < 3.0
    assert abs(x.mean() - 0.5) < 0.05


def test_normal_fill_has_the_requested_mean_and_std():
    x = chainrule.empty(N, dtype=chainrule.float64).normal_(3.0, 0.5).numpy()
    assert x.dtype == np.float64
    assert abs(x.mean() - 3.0) < 0.02
    assert abs(x.std() - 0.5) < 0.02


def test_bernoulli_fill_has_the_requested_probability():
    x = chainrule.empty(N).bernoulli_(0.3).numpy()
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert abs(x.mean() - 0.3) < 0.02
    p = chainrule.tensor([0.0, 1.0] * 50)
    np.testing.assert_array_equal(chainrule.empty(100).bernoulli_(p).numpy(), p.numpy())


def test_random_fill_draws_integers_in_range():
    x = chainrule.zeros(N).random_(2, 5).numpy()
    assert sorted(np.unique(x)) == [2.0, 3.0, 4.0]
    whole = chainrule.zeros(N).random_().numpy()
    assert whole.min() >= 0 and whole.max() <= 2**24 and np.all(whole == np.round(whole))
    ints = chainrule.zeros(N, dtype=chainrule.int32).random_()
    assert ints.dtype == chainrule.int32 and ints.numpy().min() >= 0


def test_exponential_fill_has_mean_one_over_lambda():
    x = chainrule.empty(N).exponential_(4.0).numpy()
    assert x.min() >= 0.0
    assert abs(x.mean() - 0.25) < 0.01


def test_bernoulli_function_and_normal_function():
    probabilities = chainrule.full((N,), 0.8)
    assert abs(chainrule.bernoulli(probabilities).numpy().mean() - 0.8) < 0.02
    x = chainrule.normal(chainrule.full((N,), 2.0), 3.0).numpy()
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    assert chainrule.normal(0.0, 1.0, (2, 3)).shape == (2, 3)


def test_multinomial_draws_in_proportion_to_the_weights():
    weights = chainrule.tensor([[1.0, 0.0, 3.0], [0.0, 1.0, 0.0]])
    samples = chainrule.multinomial(weights, 4000, replacement=True).numpy()
    assert samples.shape == (2, 4000)
    assert abs((samples[0] == 2).mean() - 0.75) < 0.03
    assert not (samples[0] == 1).any() and (samples[1] == 1).all()
    without = chainrule.multinomial(chainrule.tensor([1.0, 1.0, 1.0, 0.0]), 3).tolist()
    assert sorted(without) == [0, 1, 2]


def test_filling_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = chainrule.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.uniform_()
    with chainrule.no_grad():
        w.normal_()
    assert w.requires_grad and w.is_leaf


def test_filling_a_recorded_tensor_passes_zero_gradient_back():
    w = chainrule.ones(3, requires_grad=True)
    y = w * 2
    y.uniform_()
    (y * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(3, np.float32))


def test_a_fill_is_seen_by_a_graph_that_saved_the_tensor():
    w = chainrule.ones(3, requires_grad=True)
    y = w * 2
    z = (y * y).sum()
    with chainrule.no_grad():
        y.normal_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
