"""ATen's top-level ops with tuple results: embedding_bag (output, offset2bag, bag_size,
max_indices) and native_layer_norm / native_batch_norm / native_group_norm (output and
the statistics), against PyTorch's CPU kernels."""

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, check_gradcheck, check_torch, same_as_torch

INDICES = np.array([1, 2, 4, 5, 4, 3, 2, 9])
OFFSETS = np.array([0, 4, 4])


def _bag(mode, offsets=OFFSETS, include_last_offset=False, padding_idx=None):
    def fn(lib, weight):
        indices, offsets_ = lib.tensor(INDICES), lib.tensor(offsets)
        if padding_idx is None:
            return lib.embedding_bag(weight, indices, offsets_, False, mode, False, None, include_last_offset)
        # PyTorch takes padding_idx only with every argument given
        return lib.embedding_bag(
            weight, indices, offsets_, False, mode, False, None, include_last_offset, padding_idx
        )

    return fn


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_bag_returns_atens_bookkeeping(mode, dtype):
    check_torch(_bag(mode), [(10, 3)], dtype=dtype)


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_embedding_bag_with_padding_idx_and_a_last_offset(mode):
    check_torch(_bag(mode, padding_idx=4), [(10, 3)])
    check_torch(_bag(mode, padding_idx=-1), [(10, 3)])
    check_torch(_bag(mode, offsets=np.array([0, 4, 4, 8]), include_last_offset=True), [(10, 3)])
    check_torch(_bag(mode, offsets=np.array([0, 4, 8])), [(10, 3)])


def test_embedding_bag_sum_bag_size_depends_on_requires_grad():
    def scenario(lib):
        weight = lib.ones(10, 3)
        indices, offsets = lib.tensor(INDICES), lib.tensor([0, 4, 4, 8])
        plain = lib.embedding_bag(weight, indices, offsets, False, 0, False, None, True)
        weight.requires_grad_()
        return plain[1:], lib.embedding_bag(weight, indices, offsets, False, 0, False, None, True)[1:]

    same_as_torch(scenario)


def test_embedding_bag_max_ties_take_the_first_row():
    weight = np.array([[1.0, 2.0], [1.0, 5.0], [0.0, 5.0]], np.float32)
    check_torch(_bag(2, offsets=np.array([0, 3])), None, arrays=[np.tile(weight, (4, 1))[:10]])


def test_embedding_bag_per_sample_weights_and_int32_indices():
    def fn(lib, weight, scale):
        indices, offsets = lib.tensor(INDICES, dtype=lib.int32), lib.tensor(OFFSETS, dtype=lib.int32)
        return lib.embedding_bag(weight, indices, offsets, False, 0, False, scale)

    check_torch(fn, [(10, 3), (8,)])
    check_torch(lambda lib, w: _bag(1)(lib, w)[1:], [(10, 3)])  # int dtype of the bookkeeping


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_embedding_bag_gradcheck(mode):
    check_gradcheck(lambda lib, w: _bag(mode)(lib, w)[0], [(10, 3)])


def test_embedding_bag_errors():
    weight = np.ones((10, 3), np.float32)

    def call(indices=INDICES, offsets=OFFSETS, mode=1, scale=None):
        return lambda lib: lib.embedding_bag(
            lib.tensor(weight),
            lib.tensor(indices),
            lib.tensor(offsets),
            False,
            mode,
            False,
            None if scale is None else lib.tensor(scale),
        )

    assert_same_error(call(mode=3), "`mode` must be sum, mean, or max.")
    assert_same_error(call(indices=INDICES.astype(np.float32)), "Long, Int")
    assert_same_error(call(offsets=OFFSETS.astype(np.float32)), "Long, Int")
    assert_same_error(call(indices=INDICES + 2), "not in the valid range [0, 10)")
    assert_same_error(call(scale=np.ones(8, np.float32)), "per_sample_weights only supported with mode='sum'")


@pytest.mark.parametrize("normalized_shape", [[4], [3, 4]])
def test_native_layer_norm(normalized_shape):
    def fn(lib, x, weight, bias):
        return lib.native_layer_norm(x, normalized_shape, weight, bias, 1e-5)

    shape = tuple(normalized_shape)
    check_torch(fn, [(2, 3, 4), shape, shape])
    check_torch(lambda lib, x: lib.native_layer_norm(x, normalized_shape, None, None, 1e-3), [(2, 3, 4)])
    # mean and rstd are not differentiable: finite differences check the output alone
    check_gradcheck(lambda lib, *args: fn(lib, *args)[0], [(2, 3, 4), shape, shape], second_order=True)


def test_native_layer_norm_statistics_are_not_differentiable_and_dtype_stays():
    def scenario(lib):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
        _, mean, rstd = lib.native_layer_norm(x, [3], None, None, 1e-5)
        return mean, rstd, mean.dtype, rstd.requires_grad

    same_as_torch(scenario)


def test_native_layer_norm_errors():
    x = np.ones((2, 6, 5), np.float32)
    assert_same_error(lambda lib: lib.native_layer_norm(lib.tensor(x), [], None, None, 1e-5))
    assert_same_error(lambda lib: lib.native_layer_norm(lib.tensor(x), [4], None, None, 1e-5))


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5)])
def test_native_batch_norm_in_training_updates_the_running_statistics(shape):
    def scenario(lib):
        rng = np.random.default_rng(0)
        x = lib.tensor(rng.normal(size=shape).astype(np.float32), requires_grad=True)
        weight = lib.tensor(rng.uniform(0.5, 1.5, 3).astype(np.float32), requires_grad=True)
        bias = lib.tensor(rng.normal(size=3).astype(np.float32), requires_grad=True)
        running_mean, running_var = lib.zeros(3), lib.ones(3)
        out, mean, invstd = lib.native_batch_norm(x, weight, bias, running_mean, running_var, True, 0.1, 1e-5)
        (out * lib.arange(out.numel()).reshape(out.shape)).sum().backward()
        return out, mean, invstd, running_mean, running_var, x.grad, weight.grad, bias.grad

    same_as_torch(scenario, rtol=1e-4, atol=1e-5)


def test_native_batch_norm_values_and_gradcheck():
    def fn(lib, x, weight, bias):
        return lib.native_batch_norm(x, weight, bias, None, None, True, 0.1, 1e-5)

    check_torch(fn, [(4, 3, 2), (3,), (3,)])
    check_gradcheck(lambda lib, *args: fn(lib, *args)[0], [(4, 3, 2), (3,), (3,)], second_order=True)


def test_native_batch_norm_out_of_training_returns_empty_statistics():
    def scenario(lib):
        x = lib.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3))
        return lib.native_batch_norm(
            x, None, None, lib.full((3,), 2.0), lib.full((3,), 4.0), False, 0.1, 1e-5
        )

    same_as_torch(scenario)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_native_group_norm_statistics_are_differentiable(dtype):
    def fn(lib, x, weight, bias):
        return lib.native_group_norm(x, weight, bias, 2, 6, 5, 3, 1e-5)

    check_torch(fn, [(2, 6, 5), (6,), (6,)], dtype=dtype)
    check_torch(lambda lib, x: lib.native_group_norm(x, None, None, 2, 6, 4, 2, 1e-5), [(2, 6, 2, 2)])


def test_native_group_norm_gradcheck():
    def fn(lib, x, weight, bias):
        return lib.native_group_norm(x, weight, bias, 2, 4, 3, 2, 1e-5)

    check_gradcheck(fn, [(2, 4, 3), (4,), (4,)], second_order=True)


def test_native_group_norm_errors():
    x = np.ones((2, 6, 5), np.float32)

    def call(*args):
        return lambda lib: lib.native_group_norm(lib.tensor(x), *args)

    assert_same_error(call(None, None, 2, 6, 4, 3, 1e-5), "Expected X.numel() == N * C * HxW")
    assert_same_error(call(None, None, 2, 6, 5, 4, 1e-5), "divisible by num_groups")
    assert_same_error(
        lambda lib: lib.native_group_norm(lib.tensor(x), lib.ones(5), None, 2, 6, 5, 3, 1e-5),
        "Expected weight to be a vector of size equal to the number of channels",
    )


def test_exported_at_the_top_level():
    for name in ("embedding_bag", "native_layer_norm", "native_batch_norm", "native_group_norm"):
        assert callable(getattr(chainrule, name))
