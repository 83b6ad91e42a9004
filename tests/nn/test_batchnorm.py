"""BatchNorm1d and BatchNorm2d (and F.batch_norm) against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.ops import norm as norm_ops

from module_oracle import check_module, copy_weights
from oracle import assert_same, check, random_inputs, requires_torch, torch
from same_bits import assert_same_bits_on_threads


def test_batch_norm_in_training_matches_pytorch_and_finite_differences_to_second_order():
    for shape in [(4, 3), (3, 2, 5), (2, 3, 3, 2)]:
        channels = shape[1]
        check(
            lambda m, x, w, b: m.nn.functional.batch_norm(x, None, None, w, b, training=True),
            [shape, (channels,), (channels,)],
        )


def test_batch_norm_in_evaluation_matches_pytorch_and_finite_differences_to_second_order():
    def fn(m, x, w, b):
        dtype = m.float64 if x.dtype == m.float64 else m.float32
        running_mean = m.tensor([0.5, -1.0, 0.0], dtype=dtype)
        running_var = m.tensor([2.0, 0.5, 1.0], dtype=dtype)
        return m.nn.functional.batch_norm(x, running_mean, running_var, w, b, training=False)

    check(fn, [(2, 3, 4), (3,), (3,)])


def test_batch_norm_without_affine_parameters_matches_pytorch():
    check(lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True), [(5, 2, 3)])


@requires_torch
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.nn.BatchNorm1d(3), (4, 3)),
        (lambda m: m.nn.BatchNorm1d(3), (4, 3, 5)),
        (lambda m: m.nn.BatchNorm2d(3), (2, 3, 4, 5)),
        (lambda m: m.nn.BatchNorm2d(3, eps=1e-3, momentum=0.5), (2, 3, 4, 5)),
        (lambda m: m.nn.BatchNorm2d(3, affine=False), (2, 3, 4, 5)),
        (lambda m: m.nn.BatchNorm2d(3, bias=False), (2, 3, 4, 5)),
        (lambda m: m.nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 5)),
    ],
    ids=["1d 2D", "1d 3D", "2d", "eps momentum", "no affine", "no bias", "no running stats"],
)
def test_batch_norm_layers_match_pytorch_in_train_and_eval(make, shape):
    check_module(make, [shape])


@requires_torch
def test_batch_norm_layer_matches_pytorch_in_float64():
    check_module(lambda m: m.nn.BatchNorm2d(2), [(3, 2, 2, 2)], dtype=np.float64)


def _train_both(make, batches):
    theirs, ours = make(torch), make(chainrule)
    copy_weights(theirs, ours)
    for x in batches:
        ours(chainrule.tensor(x))
        theirs(torch.tensor(x))
    return ours, theirs


@requires_torch
@pytest.mark.parametrize("momentum", [0.1, 0.7, None], ids=["0.1", "0.7", "cumulative"])
def test_training_updates_the_running_statistics_as_pytorch_with_the_unbiased_variance(momentum):
    batches = random_inputs([(4, 3, 2, 2)] * 3, low=-1, high=3, seed=5)
    batches += random_inputs([(4, 3, 2, 2)], low=0, high=9, seed=6)
    ours, theirs = _train_both(lambda m: m.nn.BatchNorm2d(3, momentum=momentum), batches)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-5)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    assert ours.num_batches_tracked.dtype == chainrule.int64


@requires_torch
def test_evaluation_uses_the_running_statistics_and_leaves_them_alone():
    batches = random_inputs([(6, 2)] * 2, low=0, high=4, seed=7)
    ours, theirs = _train_both(lambda m: m.nn.BatchNorm1d(2), batches)
    ours.eval()
    theirs.eval()
    before = ours.running_mean.numpy().copy()
    x = random_inputs([(3, 2)], seed=8)[0]
    np.testing.assert_allclose(
        ours(chainrule.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5
    )
    np.testing.assert_array_equal(ours.running_mean.numpy(), before)
    assert ours.num_batches_tracked.item() == 2


# Batch norm runs over slices of the batch (chainrule/ops/norm.py), which the tests'
# small inputs fit in one of: a budget of one byte makes every sample a slice.
@pytest.fixture
def one_sample_per_slice(monkeypatch):
    monkeypatch.setattr(norm_ops, "_CHUNK_BYTES", 1)


def test_batch_norm_over_many_slices_matches_pytorch_and_finite_differences(one_sample_per_slice):
    check(
        lambda m, x, w, b: m.nn.functional.batch_norm(x, None, None, w, b, training=True),
        [(5, 3, 2, 3), (3,), (3,)],
    )


@requires_torch
def test_batch_norm_layer_over_many_slices_matches_pytorch_in_train_and_eval(one_sample_per_slice):
    check_module(lambda m: m.nn.BatchNorm2d(3), [(5, 3, 4, 2)])
    check_module(lambda m: m.nn.BatchNorm1d(3, affine=False), [(7, 3)])


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_batch_norm_gives_the_same_bits_on_any_number_of_threads(threads, one_sample_per_slice, monkeypatch):
    x_array, g_array = random_inputs([(6, 3, 4, 4)] * 2, seed=3)

    def run():
        x = chainrule.tensor(x_array, requires_grad=True)
        w = chainrule.ones(3, requires_grad=True)
        y = F.batch_norm(x, None, None, w, None, training=True)
        y.backward(chainrule.tensor(g_array))
        return [a.numpy().copy() for a in (y.detach(), x.grad, w.grad)]

    expected = run()
    assert_same_bits_on_threads(threads, run, expected)


# The per-channel sums take one of three NumPy routes by the length S of the rows
# after the channel (chainrule/ops/norm.py): S < 32, 32 <= S < 64, S >= 64.
@requires_torch
@pytest.mark.parametrize(
    "shape", [(9, 5), (9, 5, 4), (6, 5, 40), (4, 5, 100)], ids=["S=1", "S=4", "S=40", "S=100"]
)
def test_batch_norm_matches_pytorch_for_rows_of_every_length(shape):
    check_module(lambda m: m.nn.BatchNorm1d(5), [shape])


def test_batch_norm_of_values_far_from_zero_keeps_float32_accuracy():
    # the statistics are corrected by the deviations' own mean, and y is (x - mean) * scale:
    # at an offset 1000 times the spread, float32 stays within 1e-5 of exact (float64)
    rng = np.random.default_rng(0)
    for shape in [(16, 4, 10, 10), (64, 4)]:  # long rows, and BatchNorm1d's rows of one value
        x = (1000 + rng.standard_normal(shape)).astype(np.float32)
        w = rng.uniform(0.5, 1.5, 4).astype(np.float32)
        y = F.batch_norm(chainrule.tensor(x), None, None, chainrule.tensor(w), None, training=True).numpy()
        x64 = x.astype(np.float64)
        axes = (0,) + tuple(range(2, x.ndim))
        mean, var = x64.mean(axis=axes, keepdims=True), x64.var(axis=axes, keepdims=True)
        exact = (x64 - mean) / np.sqrt(var + 1e-5) * w.reshape((1, 4) + (1,) * (x.ndim - 2))
        assert np.abs(y - exact).max() < 1e-5 * np.abs(exact).max(), shape


def test_batch_norm_in_evaluation_takes_an_empty_batch():
    bn = nn.BatchNorm2d(3).eval()
    x = chainrule.randn(0, 3, 4, 4, requires_grad=True)
    y = bn(x)
    y.sum().backward()
    assert y.shape == (0, 3, 4, 4) and x.grad.shape == (0, 3, 4, 4)
    assert not bn.weight.grad.numpy().any() and not bn.bias.grad.numpy().any()


def test_running_statistics_change_in_place_and_bump_the_version_counter():
    bn = nn.BatchNorm1d(2)
    mean = bn.running_mean
    version = mean._version
    bn(chainrule.randn(4, 2))
    assert bn.running_mean is mean and mean._version > version


def test_batch_norm_layer_state_dict_has_pytorchs_keys():
    assert {k: tuple(v.shape) for k, v in nn.BatchNorm2d(3).state_dict().items()} == {
        "weight": (3,),
        "bias": (3,),
        "running_mean": (3,),
        "running_var": (3,),
        "num_batches_tracked": (),
    }
    assert list(nn.BatchNorm1d(3, affine=False, track_running_stats=False).state_dict()) == []
    assert list(nn.BatchNorm1d(3, bias=False).state_dict())[:2] == ["weight", "running_mean"]


def test_batch_norm_starts_as_the_identity_with_weight_one_and_bias_zero():
    bn = nn.BatchNorm2d(4)
    np.testing.assert_array_equal(bn.weight.detach().numpy(), np.ones(4, np.float32))
    np.testing.assert_array_equal(bn.bias.detach().numpy(), np.zeros(4, np.float32))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(4, np.float32))


@requires_torch
def test_batch_norm_layers_print_as_pytorchs():
    for make in (
        lambda m: m.nn.BatchNorm2d(3),
        lambda m: m.nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False),
        lambda m: m.nn.BatchNorm1d(5, eps=1e-3, bias=False),
    ):
        assert repr(make(chainrule)) == repr(make(torch))


def test_batch_norm_is_one_graph_node_named_as_pytorchs():
    y = nn.BatchNorm1d(3)(chainrule.randn(4, 3, requires_grad=True))
    assert y.grad_fn.name() == "NativeBatchNormBackward0"


def test_batch_norm_keeps_float32():
    bn = nn.BatchNorm2d(2)
    assert bn(chainrule.randn(2, 2, 3, 3)).dtype == chainrule.float32
    assert bn.running_mean.dtype == chainrule.float32


BATCH_NORM_ERRORS = {
    "one value per channel": (
        lambda: F.batch_norm(chainrule.randn(1, 3), None, None, training=True),
        ValueError,
        r"Expected more than 1 value per channel when training, got input size chainrule.Size\(\[1, 3\]\)",
    ),
    "evaluation without running statistics": (
        lambda: F.batch_norm(chainrule.randn(4, 3), None, None),
        RuntimeError,
        r"running_mean must be defined in evaluation mode",
    ),
    "running statistics size": (
        lambda: F.batch_norm(chainrule.randn(4, 3), chainrule.zeros(4), chainrule.ones(4), training=True),
        RuntimeError,
        r"running_mean should contain 3 elements not 4",
    ),
    "weight size": (
        lambda: F.batch_norm(chainrule.randn(4, 3), None, None, chainrule.ones(2), training=True),
        RuntimeError,
        r"weight should contain 3 elements not 2",
    ),
    "BatchNorm2d rank": (
        lambda: nn.BatchNorm2d(3)(chainrule.randn(2, 3, 4)),
        ValueError,
        r"expected 4D input \(got 3D input\)",
    ),
    "BatchNorm1d rank": (
        lambda: nn.BatchNorm1d(3)(chainrule.randn(2, 3, 4, 5)),
        ValueError,
        r"expected 2D or 3D input \(got 4D input\)",
    ),
}


@pytest.mark.parametrize("call, error, message", BATCH_NORM_ERRORS.values(), ids=BATCH_NORM_ERRORS.keys())
def test_bad_batch_norm_inputs_raise_pytorchs_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@requires_torch
def test_float16_batch_norm_keeps_its_statistics_in_float32():
    # 600 squared overflows float16: the output was all zeros, the running variance inf
    values = (np.arange(60) * 10).astype(np.float16).reshape(20, 3)
    results = []
    for lib in (chainrule, torch):
        layer = lib.nn.BatchNorm1d(3).half()
        x = lib.tensor(values, requires_grad=True)
        y = layer(x)
        y.float().pow(3).sum().backward()
        layer.eval()
        results.append((y, x.grad, layer.running_mean, layer.running_var, layer(x)))
    for ours, theirs, what in zip(
        *results, ["output", "gradient", "running_mean", "running_var", "eval output"]
    ):
        assert_same(ours, theirs, rtol=2e-3, atol=1e-3, where=what)


@requires_torch
@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4, 4)])
def test_an_empty_batch_in_training_leaves_the_statistics_and_gives_zero_gradients(shape):
    # _channel_statistics divided by the batch's size: ZeroDivisionError
    results = []
    for lib in (chainrule, torch):
        layer = lib.nn.BatchNorm1d(3) if len(shape) == 2 else lib.nn.BatchNorm2d(3)
        x = lib.zeros(shape, requires_grad=True)
        y = layer(x)
        y.sum().backward()
        results.append((y, x.grad, layer.running_mean, layer.running_var, layer.weight.grad, layer.bias.grad))
    for ours, theirs, what in zip(
        *results, ["output", "input gradient", "mean", "var", "weight grad", "bias grad"]
    ):
        assert_same(ours, theirs, where=what)


@requires_torch
def test_batchnorm_loads_a_state_dict_without_num_batches_tracked_strictly_keeping_its_count():
    # the count was reset to 0; PyTorch keeps the layer's own (a plain dict, as from a file)
    def load(lib):
        layer = lib.nn.BatchNorm1d(3, momentum=None)
        for _ in range(5):
            layer(lib.ones(4, 3))
        source = {key: value for key, value in layer.state_dict().items() if key != "num_batches_tracked"}
        return list(layer.load_state_dict(source).missing_keys), int(layer.num_batches_tracked)

    assert load(chainrule) == load(torch) == ([], 5)


def test_batch_norm_of_an_empty_batch_returns_a_new_tensor():
    x = chainrule.ones(0, 3)
    assert F.batch_norm(x, None, None, training=True) is not x
