"""Random numbers: distributions, dtypes and reproducibility.

chainrule's streams differ from PyTorch's for the same seed, so these tests
check distributions (mean, spread, bounds) and that seeding repeats exactly.
"""

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, requires_torch, run_both

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


@requires_torch
@pytest.mark.parametrize(
    "state, message",
    [(lambda m: [1, 2, 3], "but got list"), (lambda m: m.zeros(3), "must be a chainrule.ByteTensor")],
    ids=["a list", "a float tensor"],
)
def test_an_rng_state_that_is_not_a_byte_tensor_is_refused_as_pytorch_refuses_it(state, message):
    assert_same_error(lambda m: m.set_rng_state(state(m)), message)


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
            chainrule.randint(2, high=10, size=(3,), generator=g),
            chainrule.multinomial(chainrule.ones(5), 3, generator=g),
            chainrule.bernoulli(chainrule.full((5,), 0.5), generator=g),
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
    as_method = chainrule.tensor([0.0, 0.0, 1.0]).multinomial(2, replacement=True)  # was missing
    assert as_method.tolist() == [2, 2]


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


def _kind(result):
    """What must match PyTorch in a random draw: dtype, shape, requires_grad (not the values)."""
    return str(result.dtype).split(".")[-1], tuple(result.shape), result.requires_grad


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.randint(10, size=(3,)),
        lambda m: m.randint(high=10, size=(3,)),
        lambda m: m.randint(2, high=10, size=(3,)),
        lambda m: m.randint(low=2, high=10, size=[2, 2]),
        lambda m: m.randint(2, 10, size=m.Size([2])),
        lambda m: m.randint(10, (3,), generator=m.Generator().manual_seed(0)),
        lambda m: m.randint(10, (3,), dtype=m.float32, requires_grad=True),
        lambda m: m.randint(2, (3,), dtype=m.bool),
        lambda m: m.randint(256, (3,), dtype=m.uint8),
        lambda m: m.randint(-(2**63), 2**63 - 1, (3,)),
        lambda m: m.randint(m.tensor(10), (np.int64(3), m.tensor(2))),
        lambda m: m.randint(10, ()),
        lambda m: m.randint(10, (3,), out=m.empty(0, dtype=m.int32)),
        lambda m: m.randperm(m.tensor(4)),
        lambda m: m.randperm(m.tensor([4], dtype=m.int32)),
        lambda m: m.randperm(np.int64(4), dtype=m.float16),
        lambda m: m.randperm(n=2049, dtype=m.float16),
        lambda m: m.randperm(256, dtype=m.uint8),
        lambda m: m.multinomial(m.tensor([0.5, 0.5], dtype=m.float64), m.tensor(1)),
        lambda m: m.multinomial(m.ones(2, 3), 2),
        lambda m: m.multinomial(m.ones(0, 3), 1, True),
        lambda m: m.bernoulli(m.tensor([[0.5, 0.2]], dtype=m.float16)),
        lambda m: m.bernoulli(m.tensor([1, 0]), 0.5),
    ],
)
def test_random_functions_take_pytorchs_argument_forms(fn):
    theirs, ours = run_both(fn)
    assert not isinstance(ours, Exception), f"chainrule raised {ours!r}"
    assert _kind(ours) == _kind(theirs)


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.randint(10), 'missing "size"'),
        (lambda m: m.randint(size=(3,)), 'missing "high"'),
        (lambda m: m.randint(10, size=None), 'missing "size"'),
        (lambda m: m.randint(10, 3), "'size' must be tuple of ints, not int"),
        (lambda m: m.randint(10, m.tensor([3])), "'size' must be tuple of ints, not Tensor"),
        (lambda m: m.randint(10, (3.0,)), "must be tuple of ints"),
        (lambda m: m.randint(10.5, (3,)), "argument 'high' must be int, not float"),
        (lambda m: m.randint(2.5, 10, (3,)), "argument 'low' must be int, not float"),
        (lambda m: m.randint(True, (3,)), "must be int, not bool"),
        (lambda m: m.randint(m.tensor(10.0), (3,)), "must be int, not Tensor"),
        (lambda m: m.randint(1, 10, (3,), 5), "positional arguments"),
        (lambda m: m.randint(2**63, (3,)), "Overflow"),
        (lambda m: m.randint(0, size=(3,)), "expects 'from' to be less than 'to'"),
        (lambda m: m.randint(10, (3,), dtype=m.bool), "to - 1 is out of bounds for bool"),
        (lambda m: m.randint(300, (3,), dtype=m.uint8), "to - 1 is out of bounds for uint8"),
        (lambda m: m.randint(-1, 3, (3,), dtype=m.uint8), "from is out of bounds for uint8"),
        (lambda m: m.randint(70000, (3,), dtype=m.float16), "to - 1 is out of bounds for float16"),
        (lambda m: m.randint(10, (3,), requires_grad=True), "floating point"),
        (lambda m: m.randperm(m.tensor(4.0)), "argument 'n' must be int, not Tensor"),
        (lambda m: m.randperm(4.0), "must be int, not float"),
        (lambda m: m.randperm((4,)), "must be int, not tuple"),
        (lambda m: m.randperm(4, dtype=m.bool), "not implemented for 'Bool'"),
        (lambda m: m.randperm(257, dtype=m.uint8), "does not fit uint8"),
        (lambda m: m.randperm(2050, dtype=m.float16), "does not fit float16"),
        (lambda m: m.multinomial(m.tensor([-1.0, 1.0]), 1), "`inf`, `nan` or element < 0"),
        (lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1), "`inf`, `nan` or element < 0"),
        (lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 2, True), "`inf`, `nan` or element < 0"),
        (lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1), "sum of probabilities <= 0"),
        (lambda m: m.multinomial(m.tensor([[1.0, 0.0], [0.0, 0.0]]), 2, True), "sum of probabilities <= 0"),
        (lambda m: m.multinomial(m.tensor([0.5, 0.5]), 0), "cannot sample n_sample <= 0 samples"),
        (lambda m: m.multinomial(m.tensor([1, 1]), 1), "only supports floating-point dtypes"),
        (lambda m: m.multinomial(m.tensor(0.5), 1), "prob_dist must be 1 or 2 dim"),
        (lambda m: m.multinomial(m.ones(2), 3), "without replacement"),
        (lambda m: m.multinomial(m.ones(2), 1.0), "argument 'num_samples' must be int, not float"),
        (lambda m: m.multinomial(m.ones(2), 1, replacement=1), "'replacement' must be bool"),
        (lambda m: m.bernoulli(m.tensor([2.0])), "p_in >= 0 && p_in <= 1"),
        (lambda m: m.bernoulli(m.tensor([float("nan")])), "p_in >= 0 && p_in <= 1"),
        (lambda m: m.bernoulli(m.tensor([1, 0])), "not implemented for 'Long'"),
        (lambda m: m.bernoulli(m.tensor([0.5]), 2.0), "expects p to be in [0, 1], but got p=2.0"),
        (lambda m: m.tensor([-0.5]).bernoulli(), "p_in >= 0 && p_in <= 1"),
        (lambda m: m.zeros(2).bernoulli_(-0.1), "expects p to be in [0, 1]"),
        (lambda m: m.zeros(2).bernoulli_(m.tensor([2.0, 0.0])), "p_in >= 0 && p_in <= 1"),
        (lambda m: m.zeros(2).bernoulli_(m.tensor([1, 0])), "not implemented for 'Long'"),
    ],
)
def test_bad_random_arguments_raise_pytorchs_exception_type(fn, message):
    assert_same_error(fn, message)


def test_randint_like_takes_the_shape_and_dtype_of_its_input():
    x = chainrule.randint_like(chainrule.zeros(N, 2), 3, 6)
    assert x.shape == (N, 2) and x.dtype == chainrule.float32
    assert sorted(set(x.numpy().ravel().tolist())) == [3.0, 4.0, 5.0]
    assert chainrule.randint_like(chainrule.zeros(4, dtype=chainrule.int32), 2).dtype == chainrule.int32


@pytest.mark.parametrize("rate", [0.5, 4.0, 30.0])
def test_poisson_counts_have_the_rate_as_mean_and_variance(rate):
    x = chainrule.poisson(chainrule.full((N,), rate, dtype=chainrule.float64)).numpy()
    assert x.dtype == np.float64 and (x == np.round(x)).all() and x.min() >= 0
    assert abs(x.mean() - rate) < 4 * (rate / N) ** 0.5
    assert abs(x.var() / rate - 1) < 0.06


def test_poisson_is_repeatable_with_a_generator_and_zero_at_rate_zero():
    rates = chainrule.tensor([0.0, 1.0, 7.5])
    a = chainrule.poisson(rates, chainrule.Generator().manual_seed(3))
    b = chainrule.poisson(rates, chainrule.Generator().manual_seed(3))
    assert (a == b).all() and a[0].item() == 0.0


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.poisson(m.tensor([-1.0])),
        lambda m: m.poisson(m.tensor([1])),
        lambda m: m.randint_like(m.zeros(2), 5, 1),
    ],
)
def test_bad_poisson_and_randint_like_arguments_raise_pytorchs_exception_type(fn):
    assert_same_error(fn)
