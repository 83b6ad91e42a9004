"""Conv1d, Conv2d, ConvTranspose1d and ConvTranspose2d (and their functional forms) against
PyTorch and finite differences."""

import math
import threading
import time

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.ops import _dnnl, _threads
from chainrule.ops import conv as conv_ops

from module_oracle import assert_uniform, check_module
from oracle import (
    assert_same,
    assert_same_error,
    check,
    check_gradcheck,
    check_torch,
    layer_inputs,
    random_inputs,
    requires_torch,
    torch,
)
from same_bits import assert_same_bits_on_threads


@pytest.fixture(autouse=True)
def numpy_kernels(monkeypatch):
    """This file tests conv.py's own NumPy kernels: oneDNN, which runs float32 convolutions
    with enough channels where installed, is switched off but where a test asks for it
    (the conv_path fixture); tests/ops/test_dnnl.py tests it."""
    monkeypatch.setattr(chainrule.backends.mkldnn, "enabled", False)


CONV2D_CASES = {
    "plain": dict(),
    "stride": dict(stride=2),
    "padding": dict(padding=1),
    "asymmetric stride padding dilation": dict(stride=(2, 1), padding=(2, 1), dilation=(1, 2)),
    "all of them": dict(stride=(2, 3), padding=2, dilation=2),
    "same": dict(padding="same"),
    "same with dilation": dict(padding="same", dilation=(2, 1)),
    "valid": dict(padding="valid"),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note about its own copy
@pytest.mark.parametrize("options", CONV2D_CASES.values(), ids=CONV2D_CASES.keys())
def test_conv2d_matches_pytorch_and_finite_differences_to_second_order(options):
    check(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, **options), [(2, 2, 6, 5), (3, 2, 3, 2), (3,)])


def test_conv2d_with_groups_and_without_bias_matches_pytorch_and_finite_differences():
    check(lambda m, x, w: m.nn.functional.conv2d(x, w, groups=2, padding=1), [(2, 4, 4, 4), (6, 2, 2, 3)])


def test_conv2d_with_an_even_kernel_and_same_padding_pads_the_extra_row_at_the_end_as_pytorch():
    check_torch(lambda m, x, w: m.nn.functional.conv2d(x, w, padding="same"), [(2, 3, 7, 6), (4, 3, 4, 2)])


# The geometry picks the memory order of the im2col columns from the sizes (see
# chainrule/ops/conv.py): each (input, weight) pair below lands on one of them.
LAYOUTS = {
    "batch-last": ((3, 6, 12, 12), (16, 6, 5, 5)),
    "per-image": ((3, 2, 8, 36), (6, 2, 5, 3)),
    "batch": ((2, 16, 6, 36), (40, 16, 3, 3)),
}
LAYOUT_OPTIONS = [dict(), dict(padding=1), dict(stride=(1, 2), padding=(2, 0), dilation=(2, 1))]


@requires_torch
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_column_layout_matches_pytorch_with_padding_stride_and_dilation(layout):
    x_shape, w_shape = LAYOUTS[layout]
    arrays = layer_inputs(x_shape, w_shape)
    for options in LAYOUT_OPTIONS:
        y = F.conv2d(*(chainrule.tensor(a, requires_grad=True) for a in arrays), **options)
        assert y.grad_fn.geo.layout == layout
        # the weight gradient sums hundreds of O(1) products: float32 rounding reaches ~1e-5
        check_torch(
            lambda m, x, w, b, options=options: m.nn.functional.conv2d(x, w, b, **options),
            None,
            arrays=arrays,
            grad_atol=1e-4,
        )


@requires_torch
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_column_layout_matches_pytorch_with_groups(layout):
    x_shape, (o, c, kh, kw) = LAYOUTS[layout]
    arrays = layer_inputs(x_shape, (o, c // 2, kh, kw))
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, groups=2, padding=1),
        None,
        arrays=arrays,
        grad_atol=1e-4,
    )


# Sizes whose columns, products and output gradient have rows a multiple of 4 KB long
# (N * OH * OW = 1,024 or 2,048 floats), which conv.py lays out a cache line apart.
LAYOUTS_WITH_4KB_ROWS = {
    "batch-last": ((16, 6, 12, 12), (16, 6, 5, 5)),
    "per-image": ((4, 2, 20, 36), (6, 2, 5, 5)),
    "batch": ((4, 16, 9, 33), (40, 16, 2, 2)),
}


@requires_torch
@pytest.mark.parametrize("layout", LAYOUTS_WITH_4KB_ROWS)
def test_every_column_layout_with_rows_a_multiple_of_4kb_long_matches_pytorch(layout):
    arrays = layer_inputs(*LAYOUTS_WITH_4KB_ROWS[layout])
    geo = F.conv2d(*(chainrule.tensor(a, requires_grad=True) for a in arrays)).grad_fn.geo
    pixels = geo.batch * geo.out_height * geo.out_width
    assert geo.layout == layout and not geo.winograd
    assert conv_ops._row_pitch(pixels, 4) == pixels + 16
    check_torch(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b), None, arrays=arrays, grad_atol=1e-4)


def test_scratch_arrays_space_4kb_rows_a_cache_line_apart_and_reuse_their_memory():
    scratch = conv_ops.ScratchArrays(max_bytes=1 << 20)
    a = scratch.take((3, 1024), np.float32)
    assert a.shape == (3, 1024) and a.strides == (1040 * 4, 4)
    address = a.__array_interface__["data"][0]
    scratch.give(a)
    b = scratch.take((3, 1024), np.float32)
    assert b.__array_interface__["data"][0] == address
    assert scratch.take((3, 1000), np.float32).strides == (1000 * 4, 4)


@pytest.mark.parametrize(
    "shape, axes", [((64, 16, 8, 8), (1, 2, 3, 0)), ((4, 32, 32), (1, 0, 2)), ((3, 5), (1, 0))]
)
def test_copy_transposed_equals_numpys_transpose(shape, axes):
    source = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    out = conv_ops.unaliased_empty(tuple(shape[a] for a in axes), np.float32)
    conv_ops.copy_transposed(source, axes, out)
    np.testing.assert_array_equal(out, source.transpose(axes))


# The image-major layouts make their columns (and the per-image layout its products) over
# slices of the batch on all threads; a budget of one byte makes every image a slice.
@pytest.fixture
def one_image_per_column_slice(monkeypatch):
    monkeypatch.setattr(conv_ops, "_COLUMN_CHUNK_BYTES", 1)


@requires_torch
@pytest.mark.parametrize("layout", ["per-image", "batch"])
def test_columns_made_over_many_slices_match_pytorch(layout, one_image_per_column_slice):
    arrays = layer_inputs(*LAYOUTS[layout])
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1), None, arrays=arrays, grad_atol=1e-4
    )


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_per_image_columns_give_the_same_bits_on_any_number_of_threads(threads, one_image_per_column_slice):
    x, w, b = layer_inputs(*LAYOUTS["per-image"])

    def run():
        xs, ws, bs = (chainrule.tensor(a, requires_grad=True) for a in (x, w, b))
        y = F.conv2d(xs, ws, bs, padding=1)
        assert y.grad_fn.geo.layout == "per-image"
        (y * y).sum().backward()
        return [a.numpy().copy() for a in (y.detach(), xs.grad, ws.grad, bs.grad)]

    assert_same_bits_on_threads(threads, run, run())


@requires_torch
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_column_layout_takes_an_empty_batch_like_pytorch(layout):
    x_shape, w_shape = LAYOUTS[layout]

    def scenario(lib):
        x = lib.zeros((0,) + x_shape[1:], requires_grad=True)
        w = lib.ones(w_shape, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, padding=1)
        y.sum().backward()
        return tuple(y.shape), tuple(x.grad.shape), w.grad.tolist()

    assert scenario(chainrule) == scenario(torch)


@pytest.mark.parametrize(
    "x_shape, w_shape",
    [((1, 2, 3, 6), (3, 2, 2, 2)), ((1, 2, 3, 17), (3, 2, 2, 2)), ((1, 7, 2, 17), (40, 7, 2, 2))],
    ids=LAYOUTS,
)
def test_every_column_layout_agrees_with_finite_differences_to_second_order(x_shape, w_shape):
    check_gradcheck(
        lambda m, x, w: m.nn.functional.conv2d(x, w, padding=(0, 1)), [x_shape, w_shape], second_order=True
    )


# float32 convolutions with enough channels run on oneDNN where it is installed
# (chainrule/ops/_dnnl.py); of the rest, 3x3 ones with stride 1 run by Winograd's
# F(2x2, 3x3) when they have enough channels (see chainrule/ops/conv.py), others by
# im2col: all must give the same results.
PATHS = {
    "im2col": dict(_WINOGRAD_MIN_CHANNELS=10**9),
    "winograd": dict(_WINOGRAD_MIN_CHANNELS=1, _WINOGRAD_MIN_PRODUCT=1),
    "onednn": dict(),
}


@pytest.fixture(params=PATHS, ids=PATHS)
def conv_path(request, monkeypatch):
    """Forces every float32 3x3 stride-1 convolution onto one path (the geometries are
    cached); the oneDNN path takes any number of channels. float64 (the finite-difference
    checks) runs on NumPy's kernels on every path."""
    if request.param == "onednn":
        if not _dnnl.is_available():
            pytest.fail("oneDNN (the onednn-cpu-gomp wheel, a dependency on x86-64 Linux) does not load")
        monkeypatch.setattr(chainrule.backends.mkldnn, "enabled", True)
        monkeypatch.setattr(_dnnl, "_MIN_IN_CHANNELS", 1)
        monkeypatch.setattr(_dnnl, "_MIN_OUT_CHANNELS", 1)
    for name, value in PATHS[request.param].items():
        monkeypatch.setattr(conv_ops, name, value)
    conv_ops._conv_geometry.cache_clear()
    yield request.param
    conv_ops._conv_geometry.cache_clear()


def _path_taken(y):
    """The path that computed the float32 convolution ``y`` (see PATHS)."""
    if y.grad_fn.on_dnnl:
        return "onednn"
    return "winograd" if y.grad_fn.geo.winograd else "im2col"


WINOGRAD_CASES = {
    "padding 1": dict(padding=1),
    "no padding, odd output": dict(),
    "padding 2": dict(padding=2),
    "asymmetric padding": dict(padding=(2, 0)),
    "same": dict(padding="same"),
}


@pytest.mark.parametrize("options", WINOGRAD_CASES.values(), ids=WINOGRAD_CASES.keys())
def test_3x3_convolution_matches_pytorch_and_finite_differences_to_second_order_on_both_paths(
    conv_path, options
):
    def fn(m, x, w, b):
        y = m.nn.functional.conv2d(x, w, b, **options)
        if m is chainrule and y.dtype == chainrule.float32:
            assert _path_taken(y) == conv_path
        return y

    shapes = [(2, 3, 6, 5), (4, 3, 3, 3), (4,)]
    # Winograd adds up transformed values several times larger than the products of a
    # direct convolution, so its float32 rounding is larger: with weights of a layer's
    # scale (outputs O(1)) it stays within 1e-5 of PyTorch; with the oracle's default
    # U(-2, 2) weights (outputs up to ~20) an output near 0 can be 3e-6 off.
    if torch is not None:
        check_torch(fn, None, arrays=layer_inputs(*shapes[:2]))
    check_gradcheck(fn, shapes, second_order=True)


def test_winograd_with_even_sides_transposes_through_blas_and_keeps_its_gradients(monkeypatch):
    """Even output sides make Winograd's blocks one (OH * OW, images * C) matrix, which
    goes to ops/_blas.py's transposing copy: here for any size, so that the small
    float64 check runs it."""
    from chainrule.ops import _blas

    for name, value in PATHS["winograd"].items():
        monkeypatch.setattr(conv_ops, name, value)
    monkeypatch.setattr(_blas, "MIN_TRANSPOSE", 0)
    conv_ops._conv_geometry.cache_clear()
    try:

        def fn(m, x, w, b):
            y = m.nn.functional.conv2d(x, w, b, padding=1)
            if m is chainrule:
                assert y.grad_fn.geo.winograd and y.shape[2:] == (6, 4)
            return y

        shapes = [(2, 3, 6, 4), (4, 3, 3, 3), (4,)]
        if torch is not None:
            check_torch(fn, None, arrays=layer_inputs(*shapes[:2]))
        check_gradcheck(fn, shapes, second_order=True)
    finally:
        conv_ops._conv_geometry.cache_clear()


@requires_torch
def test_3x3_convolution_without_bias_on_a_single_image_matches_pytorch_on_every_path(conv_path):
    check_torch(lambda m, x, w: m.nn.functional.conv2d(x, w, padding=1), [(3, 7, 7), (2, 3, 3, 3)])


@requires_torch
def test_every_path_keeps_float32_parity_on_a_layer_of_realistic_size(conv_path):
    # the Fashion-MNIST CNN's second convolution, on a smaller batch: 32 -> 64 channels, 14x14
    arrays = layer_inputs((8, 32, 14, 14), (64, 32, 3, 3))

    def fn(m, x, w, b):
        y = m.nn.functional.conv2d(x, w, b, padding=1)
        assert m is torch or _path_taken(y) == conv_path
        return y

    # the weight gradient sums 8 * 196 products of O(1) values: float32 rounding reaches ~1e-5
    check_torch(fn, None, arrays=arrays, grad_atol=1e-4)


@pytest.mark.parametrize("teams", [False, True], ids=["slices", "teams"])
def test_the_fashion_cnn_runs_its_second_convolution_on_onednn_else_by_winograd_and_its_first_by_im2col(
    monkeypatch, teams
):
    """Its first, on grey images, runs on oneDNN too where convolutions run on OpenMP
    teams (chainrule/ops/_dnnl.py: _enough_channels)."""
    monkeypatch.setitem(_dnnl._state, "teams", teams)
    assert F.conv2d(chainrule.zeros(2, 32, 14, 14), chainrule.zeros(64, 32, 3, 3), padding=1).grad_fn is None
    x1 = chainrule.zeros(2, 1, 28, 28, requires_grad=True)
    x2 = chainrule.zeros(2, 32, 14, 14, requires_grad=True)
    assert _path_taken(F.conv2d(x2, chainrule.zeros(64, 32, 3, 3), padding=1)) == "winograd"
    monkeypatch.setattr(chainrule.backends.mkldnn, "enabled", True)  # as it is outside this file
    first = "onednn" if teams else "im2col"
    assert _path_taken(F.conv2d(x1, chainrule.zeros(32, 1, 3, 3), padding=1)) == first
    assert _path_taken(F.conv2d(x2, chainrule.zeros(64, 32, 3, 3), padding=1)) == "onednn"
    # strided, dilated, grouped and 5x5 convolutions stay on im2col
    for options, kernel in [(dict(stride=2), 3), (dict(dilation=2), 3), (dict(groups=2), 3), (dict(), 5)]:
        w = chainrule.zeros(64, 32 // options.get("groups", 1), kernel, kernel)
        assert not F.conv2d(x2, w, padding=1, **options).grad_fn.geo.winograd


def _conv_results(x, w, b, g):
    xs, ws, bs = (chainrule.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(xs, ws, bs, padding=1)
    assert _path_taken(y) == "winograd"
    y.backward(chainrule.tensor(g))
    return [a.numpy().copy() for a in (y.detach(), xs.grad, ws.grad, bs.grad)]


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_winograd_gives_the_same_bits_on_any_number_of_threads_and_chunks(threads, monkeypatch):
    rng = np.random.default_rng(0)
    x, w, b = layer_inputs((7, 8, 5, 6), (32, 8, 3, 3))
    g = rng.standard_normal((7, 32, 5, 6)).astype(np.float32)
    monkeypatch.setattr(conv_ops, "_WINOGRAD_CHUNK_BYTES", 1)  # one image per chunk
    expected = _conv_results(x, w, b, g)
    assert_same_bits_on_threads(threads, lambda: _conv_results(x, w, b, g), expected)
    # and a batch that does not fill its last chunk gives what one chunk for all gives
    monkeypatch.setattr(conv_ops, "_WINOGRAD_CHUNK_BYTES", 3 * 16 * 3 * 3 * (8 + 32) * 4)  # 3 per chunk
    for ours, theirs in zip(_conv_results(x, w, b, g), expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_winograd_backward_through_a_retained_graph_twice_accumulates_twice():
    x = chainrule.randn(2, 8, 6, 6, requires_grad=True)
    w = chainrule.randn(32, 8, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert _path_taken(y) == "winograd"
    (y * y).sum().backward(retain_graph=True)
    first = (x.grad.numpy().copy(), w.grad.numpy().copy())
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first[0], rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), 2 * first[1], rtol=1e-6)


def test_winograd_takes_an_empty_batch():
    x = chainrule.randn(0, 8, 6, 6, requires_grad=True)
    w = chainrule.randn(32, 8, 3, 3, requires_grad=True)
    b = chainrule.randn(32, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    assert y.shape == (0, 32, 6, 6) and _path_taken(y) == "winograd"
    y.sum().backward()
    assert x.grad.shape == (0, 8, 6, 6) and not w.grad.numpy().any() and not b.grad.numpy().any()


def test_conv2d_takes_an_unbatched_image():
    check(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1), [(2, 4, 4), (3, 2, 3, 3), (3,)])


def test_conv1d_matches_pytorch_and_finite_differences_to_second_order():
    check(
        lambda m, x, w, b: m.nn.functional.conv1d(x, w, b, stride=2, padding=1), [(2, 3, 9), (4, 3, 3), (4,)]
    )
    check(lambda m, x, w: m.nn.functional.conv1d(x, w, padding="same", dilation=2), [(2, 2, 7), (3, 2, 4)])
    check(lambda m, x, w: m.nn.functional.conv1d(x, w, padding="valid"), [(2, 2, 7), (3, 2, 4)])
    check(lambda m, x, w: m.nn.functional.conv1d(x, w, groups=2), [(3, 4, 6), (2, 2, 3)])


CONV_TRANSPOSE_CASES = {
    "plain": dict(),
    "stride": dict(stride=2),
    "output padding": dict(stride=2, padding=1, output_padding=1),
    "all of them": dict(stride=(2, 3), padding=(1, 2), dilation=2, output_padding=(1, 0)),
    # PyTorch allows an output_padding below the dilation but not the stride: extra rows
    # that windows still reach (within the padding), then rows of bias alone
    "output padding below the dilation": dict(stride=1, dilation=2, output_padding=1),
    "output padding past the padding": dict(stride=(2, 1), padding=(0, 1), dilation=3, output_padding=2),
}


@pytest.mark.parametrize("options", CONV_TRANSPOSE_CASES.values(), ids=CONV_TRANSPOSE_CASES.keys())
def test_conv_transpose2d_matches_pytorch_and_finite_differences_to_second_order(options):
    check(
        lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, **options),
        [(2, 2, 3, 4), (2, 3, 3, 2), (3,)],
    )


def test_conv_transpose2d_with_groups_matches_pytorch():
    check(
        lambda m, x, w: m.nn.functional.conv_transpose2d(x, w, groups=2, stride=2),
        [(2, 4, 3, 3), (4, 3, 2, 2)],
    )


def test_conv_transpose2d_is_the_gradient_of_conv2d_with_respect_to_its_input():
    x = chainrule.randn(2, 3, 7, 7, requires_grad=True)
    w = chainrule.randn(4, 3, 3, 3)
    y = F.conv2d(x, w, stride=2, padding=1)
    g = chainrule.randn(*y.shape)
    y.backward(g)
    np.testing.assert_allclose(
        F.conv_transpose2d(g, w, stride=2, padding=1).numpy(), x.grad.numpy(), rtol=1e-5, atol=1e-5
    )


CONV_TRANSPOSE1D_CASES = {
    "plain": dict(),
    "stride padding output padding": dict(stride=2, padding=1, output_padding=1),
    "dilation": dict(stride=3, padding=2, dilation=2),
    "output padding past the padding": dict(stride=2, dilation=3, output_padding=2),
}


@pytest.mark.parametrize("options", CONV_TRANSPOSE1D_CASES.values(), ids=CONV_TRANSPOSE1D_CASES.keys())
def test_conv_transpose1d_matches_pytorch_and_finite_differences_to_second_order(options):
    check(
        lambda m, x, w, b: m.nn.functional.conv_transpose1d(x, w, b, **options), [(2, 2, 5), (2, 3, 3), (3,)]
    )


def test_conv_transpose1d_with_groups_and_an_unbatched_input_matches_pytorch():
    check(lambda m, x, w: m.nn.functional.conv_transpose1d(x, w, groups=2, stride=2), [(2, 4, 5), (4, 3, 2)])
    check(lambda m, x, w: m.nn.functional.conv_transpose1d(x, w, padding=1), [(3, 6), (3, 2, 3)])


@requires_torch
@pytest.mark.parametrize("conv_path", ["im2col", "onednn"], indirect=True)
def test_conv_transpose1d_with_many_channels_matches_pytorch_on_each_path(conv_path):
    arrays = layer_inputs((2, 16, 9), (16, 24, 3), weight_dims=(0,))
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
        None,
        arrays=arrays,
        grad_atol=1e-4,
    )


def test_conv_transpose1d_is_the_gradient_of_conv1d_with_respect_to_its_input():
    x = chainrule.randn(2, 3, 11, requires_grad=True)
    w = chainrule.randn(4, 3, 3)
    y = F.conv1d(x, w, stride=2, padding=1)
    g = chainrule.randn(*y.shape)
    y.backward(g)
    np.testing.assert_allclose(
        F.conv_transpose1d(g, w, stride=2, padding=1).numpy(), x.grad.numpy(), rtol=1e-5, atol=1e-5
    )


# A kernel as large as its unpadded input has one window per image, computed as a
# Linear layer's product (Geometry.one_window in chainrule/ops/conv.py).
ONE_WINDOW = {
    "conv2d": (lambda m, x, w, b: m.nn.functional.conv2d(x, w, b), [(3, 2, 4, 3), (5, 2, 4, 3), (5,)]),
    "conv1d": (lambda m, x, w, b: m.nn.functional.conv1d(x, w, b, stride=2), [(3, 2, 6), (5, 2, 6), (5,)]),
    "conv_transpose2d of 1x1 images": (
        lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, stride=3),
        [(3, 4, 1, 1), (4, 2, 3, 5), (2,)],
    ),
    "conv_transpose1d of length 1": (
        lambda m, x, w, b: m.nn.functional.conv_transpose1d(x, w, b),
        [(3, 4, 1), (4, 2, 5), (2,)],
    ),
}


@pytest.mark.parametrize("fn, shapes", ONE_WINDOW.values(), ids=ONE_WINDOW.keys())
def test_a_kernel_covering_the_whole_input_matches_pytorch_and_finite_differences_to_second_order(fn, shapes):
    x, w, b = (chainrule.randn(*shape, requires_grad=True) for shape in shapes)
    assert fn(chainrule, x, w, b).grad_fn.geo.one_window
    check(fn, shapes)


@requires_torch
@pytest.mark.parametrize("mkldnn", [False, True], ids=["numpy", "onednn switched on"])
def test_a_dcgan_generators_first_layer_and_a_classifiers_last_convolution_match_pytorch(mkldnn, monkeypatch):
    monkeypatch.setattr(chainrule.backends.mkldnn, "enabled", mkldnn)
    check_module(lambda m: m.nn.ConvTranspose2d(100, 64, 4, 1, 0, bias=False), [(8, 100, 1, 1)])
    check_module(lambda m: m.nn.Conv2d(64, 1, 4, 1, 0), [(8, 64, 4, 4)])


CONV_TRANSPOSE1D_ERRORS = {
    "output padding": ((1, 2, 4), (2, 2, 3), dict(output_padding=1), "output padding must be smaller than"),
    "stride of two values": ((1, 2, 4), (2, 2, 3), dict(stride=(2, 2)), "expected stride to be a single"),
    "negative padding": ((1, 2, 4), (2, 2, 3), dict(padding=-1), "negative padding is not supported"),
    "zero stride": ((1, 2, 4), (2, 2, 3), dict(stride=0), "non-positive stride is not supported"),
    "channels": (
        (1, 3, 4),
        (2, 2, 3),
        dict(),
        "Given transposed=1, weight of size [2, 2, 3], expected input",
    ),
    "rank": (
        (1, 1, 2, 4),
        (2, 2, 3),
        dict(),
        "Expected 2D (unbatched) or 3D (batched) input to conv_transpose1d",
    ),
    "groups": ((1, 4, 4), (4, 2, 3), dict(groups=3), "Given groups=3, expected weight to be divisible by 3"),
    "padding string": (
        (1, 2, 4),
        (2, 2, 3),
        dict(padding="same"),
        "argument 'padding' must be tuple of ints",
    ),
    # PyTorch's oneDNN refuses with "could not construct a memory descriptor"; ours names the sizes
    "output too small": ((1, 2, 2), (2, 2, 3), dict(padding=3), "Output size is too small"),
}


@requires_torch
@pytest.mark.parametrize(
    "x_shape, w_shape, options, message", CONV_TRANSPOSE1D_ERRORS.values(), ids=CONV_TRANSPOSE1D_ERRORS.keys()
)
def test_bad_conv_transpose1d_arguments_raise_pytorchs_errors(x_shape, w_shape, options, message):
    assert_same_error(
        lambda m: m.nn.functional.conv_transpose1d(m.ones(*x_shape), m.ones(*w_shape), **options), message
    )
    assert_same_error(
        lambda m: m.nn.functional.conv_transpose1d(m.ones(1, 2, 4), m.ones(2, 3, 3), m.ones(2)),
        "expected bias to be 1-dimensional with 3 elements",
    )


# --- the layers ------------------------------------------------------------------------------------


CONV2D_LAYERS = {
    "default": dict(),
    "stride padding": dict(stride=2, padding=1),
    "dilation": dict(dilation=2, padding=2),
    "groups": dict(groups=2),
    "no bias": dict(bias=False),
    "same": dict(padding="same"),
    "reflect": dict(padding=1, padding_mode="reflect"),
    "replicate": dict(padding=(1, 2), padding_mode="replicate"),
    "circular": dict(padding=1, padding_mode="circular"),
    "same reflect": dict(padding="same", padding_mode="reflect"),
}


@requires_torch
@pytest.mark.parametrize("options", CONV2D_LAYERS.values(), ids=CONV2D_LAYERS.keys())
def test_conv2d_layer_matches_pytorch_on_the_same_weights(options):
    check_module(lambda m: m.nn.Conv2d(4, 6, 3, **options), [(2, 4, 7, 6)])


@requires_torch
def test_conv2d_layer_takes_an_unbatched_image_and_float64():
    check_module(lambda m: m.nn.Conv2d(2, 3, (3, 2), padding=1), [(2, 5, 5)])
    check_module(lambda m: m.nn.Conv2d(2, 3, 3), [(2, 2, 5, 5)], dtype=np.float64)


@requires_torch
@pytest.mark.parametrize(
    "options",
    [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2), dict(groups=3, bias=False),
     dict(padding=2, padding_mode="reflect"), dict(padding="valid")],
    ids=["default", "stride padding", "same", "groups", "reflect", "valid"],
)  # fmt: skip
def test_conv1d_layer_matches_pytorch_on_the_same_weights(options):
    check_module(lambda m: m.nn.Conv1d(3, 6, 3, **options), [(2, 3, 11)])


@requires_torch
@pytest.mark.parametrize(
    "options",
    [dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=2, dilation=2, groups=2, bias=False)],
    ids=["default", "output padding", "dilation groups"],
)
def test_conv_transpose2d_layer_matches_pytorch_on_the_same_weights(options):
    check_module(lambda m: m.nn.ConvTranspose2d(4, 6, 3, **options), [(2, 4, 5, 4)])


@requires_torch
def test_conv_transpose2d_layer_reaches_a_requested_output_size_as_pytorch():
    check_module(
        lambda m: _WithOutputSize(m.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)), [(2, 3, 5, 6)]
    )


class _WithOutputSize:
    """Calls a ConvTranspose2d with output_size (one past the smallest size on each side)."""

    def __init__(self, layer):
        self.layer = layer

    def __getattr__(self, name):
        return getattr(self.layer, name)

    def __call__(self, x):
        return self.layer(x, output_size=[2 * x.shape[2], 2 * x.shape[3]])


def test_conv_transpose2d_refuses_an_output_size_it_cannot_reach():
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    with pytest.raises(ValueError, match=r"requested an output size of \[20, 20\], but valid sizes range"):
        layer(chainrule.randn(1, 3, 5, 5), output_size=[20, 20])


@requires_torch
@pytest.mark.parametrize(
    "options",
    [dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=2, dilation=2, groups=2, bias=False)],
    ids=["default", "output padding", "dilation groups"],
)
def test_conv_transpose1d_layer_matches_pytorch_on_the_same_weights(options):
    check_module(lambda m: m.nn.ConvTranspose1d(4, 6, 3, **options), [(2, 4, 7)])
    check_module(lambda m: m.nn.ConvTranspose1d(4, 6, 3, **options), [(4, 7)])


@requires_torch
@pytest.mark.parametrize("output_size", [[12], [2, 6, 12]], ids=["length", "whole shape"])
def test_conv_transpose1d_layer_reaches_a_requested_output_size_as_pytorch(output_size):
    check_module(
        lambda m: m.nn.ConvTranspose1d(4, 6, 3, stride=2, groups=2),
        [(2, 4, 5)],
        call=lambda m, layer, x: layer(x, output_size=output_size),
    )


@requires_torch
@pytest.mark.parametrize(
    "output_size, message",
    [([20], "requested an output size of [20], but valid sizes range from [11] to [12]"),
     ([2, 12], "ConvTranspose1D: for 3D input, output_size must have 1 or 3 elements (got 2)")],
    ids=["unreachable", "wrong length"],
)  # fmt: skip
def test_conv_transpose1d_layer_refuses_an_output_size_as_pytorch(output_size, message):
    assert_same_error(
        lambda m: m.nn.ConvTranspose1d(4, 6, 3, stride=2)(m.ones(2, 4, 5), output_size=output_size), message
    )


@requires_torch
def test_conv_transpose1d_layer_has_pytorchs_weight_layout_state_dict_and_repr():
    for make in (
        lambda m: m.nn.ConvTranspose1d(4, 6, 3, groups=2),
        lambda m: m.nn.ConvTranspose1d(
            4, 6, 2, stride=2, padding=1, output_padding=1, dilation=2, bias=False
        ),
    ):
        ours, theirs = make(chainrule), make(torch)
        assert repr(ours) == repr(theirs)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }
    assert_same_error(
        lambda m: m.nn.ConvTranspose1d(4, 6, 3, padding_mode="reflect"), 'Only "zeros" padding mode'
    )


def test_conv_layers_have_pytorchs_parameter_shapes_and_state_dict_keys():
    assert {k: tuple(v.shape) for k, v in nn.Conv2d(4, 6, (3, 2), groups=2).state_dict().items()} == {
        "weight": (6, 2, 3, 2),
        "bias": (6,),
    }
    assert list(nn.Conv1d(3, 5, 4, bias=False).state_dict()) == ["weight"]
    assert nn.Conv1d(3, 5, 4).weight.shape == (5, 3, 4)
    assert nn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape == (4, 3, 3, 3)


@requires_torch
def test_conv_layers_print_as_pytorchs():
    for make in (
        lambda m: m.nn.Conv2d(3, 4, 3),
        lambda m: m.nn.Conv2d(
            3, 4, (3, 2), stride=2, padding=1, dilation=2, bias=False, padding_mode="reflect"
        ),
        lambda m: m.nn.Conv2d(3, 6, 3, padding="same", groups=3),
        lambda m: m.nn.Conv1d(3, 4, 3),
        lambda m: m.nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1),
    ):
        assert repr(make(chainrule)) == repr(make(torch))


@pytest.mark.parametrize(
    "make, fan_in",
    [
        (lambda: nn.Conv2d(8, 64, 3), 8 * 9),
        (lambda: nn.Conv1d(6, 200, 5, groups=2), 3 * 5),
        (lambda: nn.ConvTranspose2d(50, 12, 3), 12 * 9),  # PyTorch takes the fan from weight dim 1
        (lambda: nn.ConvTranspose1d(40, 60, 5, groups=2), 30 * 5),
    ],
    ids=["conv2d", "conv1d", "conv_transpose2d", "conv_transpose1d"],
)
def test_default_init_draws_weight_and_bias_from_uniform_of_one_over_sqrt_fan_in(make, fan_in):
    chainrule.manual_seed(0)
    layer = make()
    assert_uniform(layer.weight.detach().numpy(), 1 / math.sqrt(fan_in))
    assert np.abs(layer.bias.detach().numpy()).max() <= 1 / math.sqrt(fan_in)


def test_default_init_is_reproducible_with_manual_seed():
    chainrule.manual_seed(3)
    first = nn.Conv2d(2, 3, 3).weight.detach().numpy().copy()
    chainrule.manual_seed(3)
    np.testing.assert_array_equal(nn.Conv2d(2, 3, 3).weight.detach().numpy(), first)


# --- autograd details ------------------------------------------------------------------------------


def test_conv2d_is_one_graph_node_named_as_pytorchs():
    layer = nn.Conv2d(2, 3, 3)
    x = chainrule.randn(1, 2, 5, 5, requires_grad=True)
    y = layer(x)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    assert [node.variable for node, _ in y.grad_fn.next_functions[:3]] == [x, layer.weight, layer.bias]
    assert F.conv_transpose2d(x, chainrule.randn(2, 3, 2, 2)).grad_fn.name() == "ConvolutionBackward0"


@requires_torch
def test_a_frozen_input_or_a_frozen_weight_get_no_gradient_and_the_others_match_pytorch():
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1),
        [(2, 3, 5, 5), (4, 3, 3, 3), (4,)],
        requires_grad=[False, True, True],
    )
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, stride=2),
        [(2, 3, 5, 5), (4, 3, 3, 3), (4,)],
        requires_grad=[True, False, True],
    )


@requires_torch
def test_backward_through_a_retained_graph_twice_accumulates_the_same_gradients_as_pytorch():
    x_array, w_array = random_inputs([(2, 3, 6, 6), (4, 3, 3, 3)])
    grads = {}
    for lib in (chainrule, torch):
        x = lib.tensor(x_array, requires_grad=True)
        w = lib.tensor(w_array, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, padding=1).square().sum()
        y.backward(retain_graph=True)
        y.backward()
        grads[lib] = (x.grad.numpy(), w.grad.numpy())
    for ours, theirs in zip(grads[chainrule], grads[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


@requires_torch
def test_a_gradient_penalty_through_a_convolution_matches_pytorch():
    x_array, w_array = random_inputs([(2, 2, 5, 5), (3, 2, 3, 3)], dtype=np.float64)
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(x_array, requires_grad=True)
        w = lib.tensor(w_array, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, stride=2, padding=1).tanh().sum()
        (grad_x,) = lib.autograd.grad(y, x, create_graph=True)
        penalty = (grad_x * grad_x).sum()
        penalty.backward()
        results[lib] = (penalty.item(), w.grad.numpy(), x.grad.numpy())
    for ours, theirs in zip(results[chainrule], results[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_conv2d_keeps_float32_and_float64():
    for dtype in (chainrule.float32, chainrule.float64):
        x = chainrule.randn(1, 2, 4, 4, dtype=dtype)
        assert F.conv2d(x, chainrule.randn(3, 2, 3, 3, dtype=dtype)).dtype == dtype


# --- errors ----------------------------------------------------------------------------------------


CONV_ERRORS = {
    "channels": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 2, 3, 3)),
        r"Given groups=1, weight of size \[4, 2, 3, 3\], expected input\[2, 3, 8, 8\] to have 2 channels, "
        r"but got 3 channels",
    ),
    "groups": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 1, 3, 3), groups=3),
        r"Given groups=3, expected weight to be divisible by 3 at dimension 0",
    ),
    "bias": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 3, 3, 3), chainrule.zeros(5)),
        r"expected bias to be 1-dimensional with 4 elements, but got bias of size \[5\]",
    ),
    "rank": (
        lambda: F.conv2d(chainrule.randn(8, 8), chainrule.randn(4, 3, 3, 3)),
        r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[8, 8\]",
    ),
    "kernel too large": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 3, 9, 9)),
        r"Calculated padded input size per channel: \(8 x 8\). Kernel size: \(9 x 9\)",
    ),
    "padding string": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 3, 3, 3), padding="full"),
        r"Invalid padding string: 'full'",
    ),
    "same with stride": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 3, 3, 3), padding="same", stride=2),
        r"padding='same' is not supported for strided convolutions",
    ),
    "negative padding": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 3, 3, 3), padding=-1),
        r"negative padding is not supported",
    ),
    "stride": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 3, 3, 3), stride=0),
        r"non-positive stride is not supported",
    ),
    "dtype": (
        lambda: F.conv2d(chainrule.randn(2, 3, 8, 8, dtype=chainrule.float64), chainrule.randn(4, 3, 3, 3)),
        r"Input type \(chainrule.float64\) and weight type \(chainrule.float32\) should be the same",
    ),
    "output padding": (
        lambda: F.conv_transpose2d(
            chainrule.randn(2, 3, 8, 8), chainrule.randn(3, 4, 3, 3), output_padding=1
        ),
        r"output padding must be smaller than either stride or dilation",
    ),
    "transposed channels": (
        lambda: F.conv_transpose2d(chainrule.randn(2, 3, 8, 8), chainrule.randn(4, 4, 3, 3)),
        r"Given transposed=1, weight of size \[4, 4, 3, 3\], expected input\[2, 3, 8, 8\] to have 4 channels",
    ),
}


@pytest.mark.parametrize("call, message", CONV_ERRORS.values(), ids=CONV_ERRORS.keys())
def test_bad_convolution_arguments_raise_pytorchs_runtime_error_naming_the_shapes(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Conv2d(3, 4, 3, groups=2), "in_channels must be divisible by groups"),
        (lambda: nn.Conv2d(4, 3, 3, groups=2), "out_channels must be divisible by groups"),
        (lambda: nn.Conv2d(3, 4, 3, padding_mode="mirror"), "padding_mode must be one of"),
        (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), "padding='same' is not supported for strided"),
        (lambda: nn.Conv2d(3, 4, 3, padding="full"), "Invalid padding string 'full'"),
        (lambda: nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"), 'Only "zeros" padding mode'),
    ],
    ids=["in_channels", "out_channels", "padding_mode", "same stride", "padding string", "transpose mode"],
)
def test_bad_layer_arguments_raise_pytorchs_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_an_empty_batch_gives_an_empty_output_and_gradients_as_pytorch():
    x = chainrule.randn(0, 3, 8, 8, requires_grad=True)
    w = chainrule.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert y.shape == (0, 4, 8, 8)
    y.sum().backward()
    assert x.grad.shape == (0, 3, 8, 8) and not w.grad.numpy().any()


@requires_torch
def test_conv1d_with_a_frozen_input_or_weight_gives_the_other_gradients_as_pytorch():
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv1d(x, w, b, padding=1),
        [(2, 3, 9), (4, 3, 3), (4,)],
        requires_grad=[False, True, True],
    )
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv1d(x, w, b, stride=2),
        [(2, 3, 9), (4, 3, 3), (4,)],
        requires_grad=[True, False, False],
    )


# --- pooling over slices of the batch ----------------------------------------------------------
# Max pooling (in chainrule/ops/conv.py with the convolutions) runs over slices of the batch
# on all threads; a budget of one byte makes every image a slice.


@pytest.fixture
def one_image_per_slice(monkeypatch):
    monkeypatch.setattr(conv_ops, "_POOL_CHUNK_BYTES", 1)


@pytest.mark.parametrize(
    "options",
    [dict(kernel_size=2), dict(kernel_size=3, stride=1), dict(kernel_size=3, stride=2, padding=1)],
    ids=["tiles", "overlapping", "padding"],
)
def test_max_pool2d_over_many_slices_matches_pytorch_and_finite_differences(options, one_image_per_slice):
    check(lambda m, x: m.nn.functional.max_pool2d(x, **options), [(3, 2, 6, 6)])


@requires_torch
def test_max_pool2d_over_many_slices_finds_a_nan_in_any_of_them_as_pytorch(one_image_per_slice):
    x = np.arange(3 * 16, dtype=np.float32).reshape(3, 1, 4, 4)
    x[2, 0, 0, 1] = np.nan
    out, indices = F.max_pool2d(chainrule.tensor(x), 2, return_indices=True)
    their_out, their_indices = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), their_out.numpy())
    np.testing.assert_array_equal(indices.numpy(), their_indices.numpy())


def test_passes_run_on_the_pool_only_while_blas_runs_on_one_thread(monkeypatch):
    # OpenBLAS's idle workers busy-wait on the cores the pool would use (chainrule/ops/_threads.py)
    used = set()

    def task(start, stop):
        used.add(threading.current_thread().name)
        time.sleep(0.01)

    previous = chainrule.get_num_threads()
    chainrule.set_num_threads(2)
    try:
        monkeypatch.setattr(_threads, "blas_threads", lambda: 2)
        assert _threads.run_chunks(task, 8, 1) == [None] * 8 and used == {"MainThread"}
        monkeypatch.setattr(_threads, "blas_threads", lambda: 1)
        for _ in range(20):  # a pool thread takes a slice unless the machine is very busy
            _threads.run_chunks(task, 8, 1)
            if len(used) > 1:
                break
        assert len(used) == 2
    finally:
        chainrule.set_num_threads(previous)


@requires_torch
def test_per_image_products_on_mkl_match_pytorch_and_give_the_same_bits_on_any_number_of_threads():
    """LeNet-5's first convolution: per-image columns, the products one batched BLAS call."""
    x, w, b = layer_inputs((64, 1, 28, 28), (6, 1, 5, 5))

    def run():
        xs, ws, bs = (chainrule.tensor(a, requires_grad=True) for a in (x, w, b))
        y = F.conv2d(xs, ws, bs)
        assert y.grad_fn.geo.layout == "per-image"
        (y * y).sum().backward()
        return [a.numpy().copy() for a in (y.detach(), xs.grad, ws.grad, bs.grad)]

    expected = run()
    for threads in (1, 2):
        assert_same_bits_on_threads(threads, run, expected)
    # the weight gradient sums 36,864 products of values up to ~10: float32 rounding reaches ~2e-4
    check_torch(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b), None, arrays=[x, w, b], grad_atol=1e-3)


@requires_torch
@pytest.mark.parametrize(
    "x_shape, w_shape, conv",
    [
        ((1, 3, 8, 8), (8, 3, 3, 3), "conv2d"),  # one image
        ((1, 3, 8, 8), (8, 3, 1, 1), "conv2d"),
        ((4, 3, 4, 4), (1, 3, 4, 4), "conv2d"),  # one output pixel (a GAN discriminator's last layer)
        ((1, 8, 10), (2, 8, 3), "conv1d"),
    ],
)
def test_a_convolutions_output_is_its_own_and_not_overwritten_by_the_next(x_shape, w_shape, conv):
    # the output was the scratch buffer of the product, handed back for reuse: the next
    # convolution of the same size overwrote it (the values, and what backward saved)
    def run(lib):
        x = lib.arange(float(np.prod(x_shape))).reshape(x_shape) / 100
        scale = lib.tensor(2.0, requires_grad=True)
        first = getattr(lib.nn.functional, conv)(x, lib.ones(w_shape))
        loss = (first * scale).sum()
        getattr(lib.nn.functional, conv)(x, -lib.ones(w_shape))
        loss.backward()
        return first.detach(), scale.grad

    for ours, theirs in zip(run(chainrule), run(torch)):
        assert_same(ours, theirs, rtol=1e-5, atol=1e-4)
