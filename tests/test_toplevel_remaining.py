"""The last top-level functions and Tensor methods PyTorch scripts call, against PyTorch
2.13: deprecated ones with their warnings, ATen's forms of nn.functional ops, splits,
``gradient``, ``frombuffer``, ``empty_permuted``, ``nonzero_static``, ``fill`` and ``map2_``."""

import warnings

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, check, raises_like_torch, requires_torch, same_as_torch, torch

pytestmark = requires_torch


def _quietly(fn):
    """``fn(lib)`` with deprecation warnings silenced (their text is tested on its own)."""

    def scenario(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args)

    return scenario


# --- deprecated functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs",
    [((1, 4), {}), ((0, 1, 0.1), {}), ((0, -1, -0.5), {}), ((5, 5), {}), ((1.5, 4), {"dtype": "int64"}),
     ((0, 1, 0.25), {"dtype": "float64"})],
)  # fmt: skip
def test_range_includes_its_end_in_the_default_float_dtype(args, kwargs):
    def scenario(lib):
        options = {k: getattr(lib, v) for k, v in kwargs.items()}
        return lib.range(*args, **options)

    same_as_torch(_quietly(scenario))


def test_range_warns_that_it_is_deprecated():
    with pytest.warns(UserWarning, match=r"torch.range is deprecated .* use torch.arange"):
        chainrule.range(0, 3)


@pytest.mark.parametrize("args", [(0, 1, 0), (3, 1, 1), (1, 3, -1), (2,)])
def test_range_refuses_pytorchs_bad_steps(args):
    raises_like_torch(_quietly(lambda m: m.range(*args)))


@pytest.mark.parametrize("name", ["torch.DoubleTensor", "torch.FloatTensor", "DoubleTensor", "HalfTensor"])
def test_set_default_tensor_type_sets_the_default_dtype(name):
    def scenario(lib):
        kind = getattr(lib, name.split(".")[-1]) if not name.startswith("torch.") else name
        try:
            lib.set_default_tensor_type(kind)
            return lib.get_default_dtype(), lib.tensor([1.5]).dtype
        finally:
            lib.set_default_dtype(lib.float32)

    same_as_torch(_quietly(scenario))


def test_set_default_tensor_type_warns_that_it_is_deprecated():
    with pytest.warns(UserWarning, match=r"set_default_tensor_type\(\) is deprecated"):
        chainrule.set_default_tensor_type(chainrule.FloatTensor)


@pytest.mark.parametrize(
    "kind", ["torch.cuda.FloatTensor", "torch.LongTensor", "foo", 3, "float64"],
)  # fmt: skip
def test_set_default_tensor_type_refuses_cuda_and_non_float_types(kind):
    def scenario(lib):
        argument = getattr(lib, kind) if kind == "float64" else kind
        try:
            lib.set_default_tensor_type(argument)
        finally:
            lib.set_default_dtype(lib.float32)

    error = raises_like_torch(_quietly(scenario))
    if kind == "torch.cuda.FloatTensor":
        assert "CPU only" in str(error)


def test_frobenius_norm_is_the_two_norm_over_dims():
    check(_quietly(lambda m, x: m.frobenius_norm(x, (0, 2))), [(2, 3, 4)])
    check(_quietly(lambda m, x: m.frobenius_norm(x, 1, True)), [(2, 3)])


def test_nuclear_norm_sums_the_singular_values():
    check(_quietly(lambda m, x: m.nuclear_norm(x)), [(3, 4)])
    check(_quietly(lambda m, x: m.nuclear_norm(x, True)), [(3, 4)])
    check(_quietly(lambda m, x: m.nuclear_norm(x, (0, 2))), [(3, 2, 4)])


@pytest.mark.parametrize("name", ["frobenius_norm", "nuclear_norm"])
def test_deprecated_norms_warn_as_pytorch(name):
    with pytest.warns(UserWarning, match=f"at::{name} is deprecated"):
        getattr(chainrule, name)(chainrule.ones(2, 2), (0, 1))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("power", [2, 1, 3])
def test_norm_except_dim_keeps_dim_and_reduces_the_rest(dim, power):
    check(lambda m, x: m.norm_except_dim(x, power, dim), [(2, 3, 4)], away_from=0.0)


def test_is_storage_is_false_for_tensors_and_other_objects():
    same_as_torch(lambda m: (m.is_storage(m.ones(2)), m.is_storage([1]), m.is_storage(None)))


# --- gradient ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"spacing": 2.0}, {"edge_order": 2}, {"dim": 1}, {"dim": (0, -1), "spacing": 0.5},
     {"spacing": [1.0, 3.0]}, {"dim": 0, "spacing": "coordinates"},
     {"dim": 0, "spacing": "coordinates", "edge_order": 2}],
)  # fmt: skip
def test_gradient_estimates_derivatives_as_pytorch(kwargs):
    coordinates = np.array([0.0, 0.5, 2.0, 2.5, 4.0])

    def fn(lib, x):
        options = dict(kwargs)
        if options.get("spacing") == "coordinates":
            options["spacing"] = (lib.tensor(coordinates, dtype=x.dtype),)
        return lib.gradient(x, **options)

    check(fn, [(5, 4)])


def test_gradient_of_integers_is_in_the_default_float_dtype():
    same_as_torch(lambda m: m.gradient(m.tensor([1, 4, 9, 16])))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"edge_order": 3},
        {"edge_order": 2, "dim": 0},
        {"spacing": [1.0, 2.0, 3.0]},
        {"dim": 2},
        {"dim": 0, "spacing": [1.0, 2.0]},
    ],
)
def test_gradient_raises_pytorchs_errors(kwargs):
    error = raises_like_torch(lambda m: m.gradient(m.ones(2, 4), **kwargs))
    assert str(error) == str(pytest.raises(type(error), torch.gradient, torch.ones(2, 4), **kwargs).value)


# --- splits -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.split_with_sizes(x, [1, 3], 1),
        lambda m, x: m.unsafe_split(x, 3, 1),
        lambda m, x: m.unsafe_split_with_sizes(x, [2, 2], -1),
        lambda m, x: m.unsafe_chunk(x, 3, 1),
        lambda m, x: x.unsafe_split(3, 1),
        lambda m, x: x.unsafe_chunk(2),
    ],
)
def test_splits_give_pytorchs_pieces_and_gradients(fn):
    check(fn, [(2, 4)])


def test_unsafe_split_pieces_share_memory_and_take_recorded_inplace_ops():
    def scenario(lib):
        base = lib.arange(6.0)
        lib.unsafe_split(base, 2)[0].add_(10)
        a = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        first = lib.unsafe_chunk(a * 1, 2)[0]
        first.mul_(3)
        first.sum().backward()
        return base, a.grad

    same_as_torch(scenario)


@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.unsafe_chunk(m.ones(3), 0),
        lambda m: m.unsafe_split(m.ones(3), -1),
        lambda m: m.unsafe_split_with_sizes(m.ones(3), [1, 1]),
        lambda m: m.split_with_sizes(m.tensor(1.0), [1]),
    ],
)
def test_splits_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)


# --- creation and small helpers ---------------------------------------------------------------


@pytest.mark.parametrize("layout", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
def test_empty_permuted_lays_dims_out_in_the_given_order(layout):
    same_as_torch(lambda m: (lambda t: (t.shape, t.stride(), t.dtype))(m.empty_permuted((2, 3, 4), layout)))
    same_as_torch(lambda m: m.empty_permuted((2, 3), (1, 0), dtype=m.int64, requires_grad=False).dtype)


@pytest.mark.parametrize("layout", [(0,), (0, 0), (0, 2)])
def test_empty_permuted_raises_pytorchs_errors(layout):
    assert_same_error(lambda m: m.empty_permuted((2, 3), layout))


@pytest.mark.parametrize(
    "kwargs",
    [{"dtype": "float32"}, {"dtype": "int16", "count": 2, "offset": 2}, {"dtype": "uint8", "offset": 7},
     {"dtype": "float64"}, {"dtype": "int32", "count": -1, "offset": 4}],
)  # fmt: skip
def test_frombuffer_reads_the_buffers_bytes(kwargs):
    raw = np.arange(4, dtype=np.float32).tobytes()
    same_as_torch(lambda m: m.frombuffer(bytearray(raw), **{k: getattr(m, v) if k == "dtype" else v
                                                            for k, v in kwargs.items()}))  # fmt: skip


def test_frombuffer_shares_a_writable_buffers_memory():
    data = bytearray(4)
    chainrule.frombuffer(data, dtype=chainrule.uint8)[1] = 7
    assert data == bytearray(b"\x00\x07\x00\x00")
    assert chainrule.frombuffer(bytearray(8), dtype=chainrule.float32, requires_grad=True).requires_grad


def test_frombuffer_copies_a_read_only_buffer_with_a_warning():
    with pytest.warns(UserWarning, match="not writable"):
        x = chainrule.frombuffer(b"\x01\x02", dtype=chainrule.uint8)
    x[0] = 5
    assert x.tolist() == [5, 2]


@pytest.mark.parametrize(
    "kwargs",
    [{"count": 0}, {"offset": 9}, {"offset": -1}, {"count": 5}, {"offset": 1}],
)
def test_frombuffer_raises_pytorchs_errors(kwargs):
    assert_same_error(lambda m: m.frombuffer(bytearray(8), dtype=m.int16, **kwargs))
    assert_same_error(lambda m: m.frombuffer([1, 2], dtype=m.int16))


@pytest.mark.parametrize(
    "data, size, fill_value",
    [([0, 1, 2, 0, 3], 2, -1), ([[0, 1], [2, 0]], 4, -7), ([True, False], 3, -1), (3, 2, -1),
     ([[0.0, 1.5]], 0, -1)],
)  # fmt: skip
def test_nonzero_static_pads_or_cuts_to_size(data, size, fill_value):
    same_as_torch(lambda m: m.nonzero_static(m.tensor(data), size=size, fill_value=fill_value))
    same_as_torch(lambda m: m.tensor(data).nonzero_static(size=size, fill_value=fill_value))


@pytest.mark.parametrize("size", [-1, 1.5])
def test_nonzero_static_raises_pytorchs_errors(size):
    assert_same_error(lambda m: m.nonzero_static(m.ones(2), size=size))


def test_fill_makes_a_filled_copy_with_the_values_gradient():
    check(lambda m, x, v: m.fill(x, v.sum()), [(2, 3), (2,)])
    same_as_torch(lambda m: m.fill(m.zeros(2, dtype=m.int64), 2.7))
    same_as_torch(lambda m: m.fill(m.zeros(2, dtype=m.int32), m.tensor(2.7, dtype=m.float64)))
    assert_same_error(lambda m: m.fill(m.zeros(2), m.ones(2)))


def test_addmv_underscore_writes_into_its_input():
    def scenario(lib):
        x = lib.ones(2)
        out = lib.addmv_(x, lib.ones(2, 3), lib.arange(3.0), beta=2, alpha=3)
        return out is x, x

    same_as_torch(scenario)


def test_get_device_is_minus_one_on_the_cpu():
    same_as_torch(lambda m: m.get_device(m.ones(2)))
    assert_same_error(lambda m: m.get_device(3))


def test_map2_applies_a_function_of_three_elements():
    def scenario(lib):
        a = lib.tensor([1.0, 2.0])
        return a.map2_(lib.tensor([3.0, 4.0]), lib.tensor(10.0), lambda x, y, z: x + y * z), a

    same_as_torch(scenario)


@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.ones(2, requires_grad=True).map2_(m.ones(2), m.ones(2), lambda *a: 0.0),
        lambda m: m.ones(2).map2_(m.ones(2), m.ones(2, requires_grad=True), lambda *a: 0.0),
        lambda m: m.ones(2).map2_(m.ones(2, dtype=m.float64), m.ones(2), lambda *a: 0.0),
        lambda m: m.ones(2).map2_(m.ones(2), 3, lambda *a: 0.0),
        lambda m: m.ones(2).map2_(m.ones(2), m.ones(3), lambda *a: 0.0),
    ],
)
def test_map2_raises_pytorchs_errors(scenario):
    assert_same_error(scenario)


# --- ATen's forms of nn.functional ops --------------------------------------------------------


@pytest.mark.parametrize(
    "pad, value", [((1, 2), 0), ((1, 0, 0, 2), 0.5), ((-1, 1), 2.0), ((0, 0, 1, 1, 2, 0), -1)],
)  # fmt: skip
def test_constant_pad_nd_pads_the_last_dims(pad, value):
    check(lambda m, x: m.constant_pad_nd(x, pad, value), [(2, 3, 4)])


@pytest.mark.parametrize(
    "x_shape, w_shape, transposed, stride, padding, dilation, output_padding, groups",
    [
        ((2, 4, 7), (6, 2, 3), False, [2], [1], [1], [0], 2),
        ((1, 2, 5, 6), (3, 2, 2, 3), False, [1, 2], [0, 1], [2, 1], [0, 0], 1),
        ((1, 2, 4), (2, 3, 3), True, [2], [1], [1], [1], 1),
        ((1, 4, 3, 3), (4, 1, 2, 2), True, [2, 2], [0, 0], [1, 1], [1, 0], 2),
        ((1, 1, 3, 3, 3), (2, 1, 2, 2, 2), False, [1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0], 1),
    ],
)
def test_convolution_dispatches_on_the_weights_dims(
    x_shape, w_shape, transposed, stride, padding, dilation, output_padding, groups
):
    bias_size = w_shape[1] * groups if transposed else w_shape[0]

    def fn(m, x, w, b):
        return m.convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)

    check(fn, [x_shape, w_shape, (bias_size,)], second_order=False)
    check(lambda m, x, w: fn(m, x, w, None), [x_shape, w_shape], second_order=False)


@pytest.mark.parametrize("name", ["dropout_", "alpha_dropout_", "feature_dropout", "feature_dropout_",
                                  "feature_alpha_dropout_"])  # fmt: skip
def test_dropout_forms_pass_the_input_out_of_training_and_refuse_bad_probabilities(name):
    same_as_torch(lambda m: (lambda x: (getattr(m, name)(x, 0.5, False) is x, x))(m.ones(2, 3)))
    assert_same_error(lambda m: getattr(m, name)(m.ones(2, 3), 1.5, True))


@pytest.mark.parametrize("name", ["feature_dropout", "feature_dropout_", "feature_alpha_dropout_"])
def test_feature_dropout_forms_need_two_dims(name):
    assert_same_error(lambda m: getattr(m, name)(m.ones(3), 0.5, True))


@pytest.mark.parametrize("name", ["dropout_", "feature_dropout_"])
def test_inplace_dropout_forms_write_into_the_input(name):
    chainrule.manual_seed(0)
    x = chainrule.ones(40, 30, 2)
    out = getattr(chainrule, name)(x, 0.5, True)
    assert out is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
    assert 0.4 < (x == 0).float().mean().item() < 0.6


def test_feature_dropout_drops_whole_channels_with_the_masks_gradient():
    chainrule.manual_seed(0)
    x = chainrule.randn(50, 20, 3, 2, requires_grad=True)
    y = chainrule.feature_dropout(x, 0.25, True)
    kept = (y != 0).flatten(2)
    assert bool((kept.all(-1) | ~kept.any(-1)).all())  # a channel is all kept or all dropped
    assert 0.2 < 1 - kept.float().mean().item() < 0.3
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (y / x).detach().numpy(), rtol=1e-5)


def test_feature_dropout_leaves_an_inference_batch_unchanged_for_p_zero_and_zeroes_for_p_one():
    same_as_torch(lambda m: (m.feature_dropout(m.ones(2, 3, 2), 0.0, True),
                             m.feature_dropout(m.ones(2, 3, 2), 1.0, True)))  # fmt: skip


def test_native_dropout_returns_the_output_and_its_keep_mask():
    same_as_torch(lambda m: m.native_dropout(m.ones(3), 0.5, False))
    same_as_torch(lambda m: m.native_dropout(m.ones(3), 1.0, True))
    chainrule.manual_seed(0)
    x = chainrule.randn(1000, requires_grad=True)
    out, mask = chainrule.native_dropout(x, 0.3, True)
    assert mask.dtype == chainrule.bool
    assert 0.25 < 1 - mask.float().mean().item() < 0.35
    np.testing.assert_allclose(out.detach().numpy(), x.detach().numpy() * mask.numpy() / 0.7, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), mask.numpy() / 0.7, rtol=1e-6)
