"""LazyInstanceNorm1d/2d, CrossMapLRN2d, MaxUnpool3d / F.max_unpool3d and LPPool3d / F.lp_pool3d,
against PyTorch."""

import numpy as np
import pytest

import chainrule

from module_oracle import check_module
from oracle import (
    assert_same_error,
    check,
    check_gradcheck,
    check_torch,
    raises_like_torch,
    random_inputs,
    requires_torch,
    same_as_torch,
    torch,
)

# --- lazy instance norm ----------------------------------------------------------------------------

LAZY = {
    "LazyInstanceNorm1d": (lambda m: m.nn.LazyInstanceNorm1d(), (2, 3, 5)),
    "LazyInstanceNorm1d, no stats, no bias": (
        lambda m: m.nn.LazyInstanceNorm1d(track_running_stats=False, bias=False),
        (2, 3, 5),
    ),
    "LazyInstanceNorm1d, no affine": (
        lambda m: m.nn.LazyInstanceNorm1d(affine=False, momentum=None),
        (2, 3, 5),
    ),
    "LazyInstanceNorm2d": (lambda m: m.nn.LazyInstanceNorm2d(), (2, 3, 4, 4)),
    "LazyInstanceNorm2d, eps": (lambda m: m.nn.LazyInstanceNorm2d(eps=1e-3, affine=False), (2, 3, 4, 4)),
}


@requires_torch
@pytest.mark.parametrize("make, shape", LAZY.values(), ids=LAZY.keys())
def test_lazy_instance_norms_infer_pytorchs_shapes_and_become_the_plain_class(make, shape):
    def scenario(m):
        layer = make(m)
        before = (repr(layer), type(layer).__name__, layer.has_uninitialized_params())
        out = layer(m.zeros(*shape))
        state = {name: tuple(t.shape) for name, t in layer.state_dict().items()}
        return before, tuple(out.shape), state, repr(layer), type(layer).__name__

    *_, name = same_as_torch(scenario)
    assert "Lazy" not in name


@requires_torch
@pytest.mark.parametrize("make, shape", LAZY.values(), ids=LAZY.keys())
def test_lazy_instance_norms_compute_what_pytorch_does_after_the_first_batch(make, shape):
    def make_initialised(m):
        layer = make(m)
        layer(m.ones(*shape))
        return layer

    check_module(make_initialised, [shape])


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.LazyInstanceNorm1d()(m.zeros(2, 3, 4, 5)),
        lambda m: m.nn.LazyInstanceNorm2d()(m.zeros(2, 3, 4)),
        # unbatched input: PyTorch reads num_features from dim 1 all the same
        lambda m: m.nn.LazyInstanceNorm1d()(m.zeros(3, 5)),
        lambda m: m.nn.LazyInstanceNorm2d()(m.zeros(3, 4, 5)),
    ],
)
def test_lazy_instance_norms_refuse_what_pytorch_refuses(call):
    assert_same_error(call)


# --- CrossMapLRN2d ---------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "channels, size, options",
    [
        (6, 5, {}),
        (4, 3, dict(alpha=0.5, beta=0.75, k=1.0)),
        (8, 4, dict(alpha=0.3, beta=0.5, k=2.0)),
        (5, 2, dict(alpha=1.0, beta=1.5, k=0.5)),
        (3, 7, dict(alpha=0.2)),
        (1, 3, dict(alpha=0.9)),
    ],
)
def test_cross_map_lrn2d_matches_pytorchs_values_and_gradients(channels, size, options):
    make = lambda m: m.nn.CrossMapLRN2d(size, **options)  # noqa: E731
    check_module(make, [(2, channels, 3, 4)])
    check_module(make, [(2, channels, 3, 4)], dtype=np.float64)
    assert repr(make(chainrule)) == repr(make(torch))


@requires_torch
def test_cross_map_lrn2d_reproduces_pytorchs_backward_which_is_not_the_exact_derivative():
    # PyTorch's hand-written backward (from Lua Torch) sums other channels than its forward
    # does: its own gradcheck fails, and chainrule gives PyTorch's gradient, not the exact one
    x = random_inputs([(1, 4, 2, 2)], np.float64)[0]
    layer = torch.nn.CrossMapLRN2d(3, alpha=0.5)
    assert not torch.autograd.gradcheck(layer, (torch.tensor(x, requires_grad=True),), raise_exception=False)
    check_torch(lambda m, t: m.nn.CrossMapLRN2d(3, alpha=0.5)(t), None, arrays=[x], dtype=np.float64)


def test_cross_map_lrn2d_matches_finite_differences_where_every_window_spans_all_channels():
    check_gradcheck(lambda m, x: m.nn.CrossMapLRN2d(7, alpha=0.5, beta=0.75, k=1.0)(x), [(2, 3, 2, 3)])


@requires_torch
def test_cross_map_lrn2d_records_pytorchs_node_and_is_once_differentiable():
    def scenario(m):
        x = m.ones(1, 3, 2, 2, requires_grad=True)
        y = m.nn.CrossMapLRN2d(3)(x)
        return y.grad_fn.name()

    same_as_torch(scenario)

    def twice(m):
        x = m.ones(1, 3, 2, 2, requires_grad=True)
        (grad,) = m.autograd.grad(m.nn.CrossMapLRN2d(3)(x).sum(), x, create_graph=True)
        grad.sum().backward()

    raises_like_torch(twice)


@requires_torch
@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda m: m.nn.CrossMapLRN2d(3)(m.ones(2, 3, 3)),
            "CrossMapLRN2d: Expected input to be 4D, got 3D instead.",
        ),
        (lambda m: m.nn.CrossMapLRN2d(3)(m.ones(1, 2, 3, 3, 3)), "got 5D instead"),
        (
            lambda m: m.nn.CrossMapLRN2d(3)(m.ones(1, 3, 2, 2, dtype=m.int64)),
            "result type Float can't be cast to the desired output type Long",
        ),
        (lambda m: m.nn.CrossMapLRN2d(0)(m.ones(1, 2, 2, 2)), None),
        (
            lambda m: m.nn.CrossMapLRN2d(1)(m.ones(1, 2, 2, 2, requires_grad=True)).sum().backward(),
            "start (1) + length (2) exceeds dimension size (2).",
        ),
    ],
)
def test_bad_cross_map_lrn2d_arguments_raise_pytorchs_errors(call, message):
    assert_same_error(call, message)


# --- max unpooling in 3-D --------------------------------------------------------------------------


def _distinct(shape):
    """float32 values of ``shape`` all different (so no window has a tie)."""
    return np.random.default_rng(3).permutation(int(np.prod(shape))).reshape(shape).astype(np.float32)


def _pooled_indices(m, shape, **options):
    """max_pool3d's indices for a fixed input of ``shape``."""
    return m.nn.functional.max_pool3d(m.tensor(_distinct(shape)), return_indices=True, **options)[1]


UNPOOL3D_CASES = {
    "kernel 2": ((2, 3, 4, 4, 6), dict(kernel_size=2), None),
    "kernel 3 stride 3 padding 1": ((1, 2, 5, 6, 4), dict(kernel_size=3, stride=3, padding=1), (5, 6, 4)),
    "box": ((2, 2, 4, 6, 6), dict(kernel_size=(2, 3, 2)), None),
    "output size": ((2, 2, 5, 5, 5), dict(kernel_size=2), (5, 5, 5)),
    "whole output shape": ((2, 2, 5, 4, 5), dict(kernel_size=2), [2, 2, 5, 4, 5]),
    "unbatched": ((3, 4, 4, 2), dict(kernel_size=2), None),
}


@pytest.mark.parametrize("shape, options, output_size", UNPOOL3D_CASES.values(), ids=UNPOOL3D_CASES.keys())
def test_max_unpool3d_matches_pytorch_and_finite_differences_to_second_order(shape, options, output_size):
    def fn(m, x):
        indices = _pooled_indices(m, shape, **options)
        return m.nn.functional.max_unpool3d(x, indices, output_size=output_size, **options)

    pooled_shape = tuple(_pooled_indices(chainrule, shape, **options).shape)
    check(fn, [pooled_shape])


@requires_torch
def test_max_unpool3d_of_overlapping_windows_matches_pytorch():
    # a voxel that is the maximum of several windows is written more than once (the last value
    # stays) but all of them get its gradient, as in PyTorch: not a finite-difference case
    shape, options = (1, 2, 4, 4, 4), dict(kernel_size=2, stride=1)
    check_torch(
        lambda m, x: m.nn.functional.max_unpool3d(x, _pooled_indices(m, shape, **options), **options),
        [tuple(_pooled_indices(chainrule, shape, **options).shape)],
    )


@requires_torch
def test_max_unpool3d_layer_undoes_max_pool3d_as_pytorch():
    shape = (2, 3, 5, 4, 5)

    def unpool_pooled(m, layer, x):
        return layer(*m.nn.MaxPool3d(2, return_indices=True)(x), output_size=list(shape[2:]))

    check_module(lambda m: m.nn.MaxUnpool3d(2), [shape], call=unpool_pooled)
    for make in (
        lambda m: m.nn.MaxUnpool3d(2),
        lambda m: m.nn.MaxUnpool3d((3, 2, 1), stride=2, padding=(1, 0, 0)),
    ):
        ours, theirs = make(chainrule), make(torch)
        assert repr(ours) == repr(theirs)
        assert (ours.kernel_size, ours.stride, ours.padding) == (
            theirs.kernel_size,
            theirs.stride,
            theirs.padding,
        )


@requires_torch
def test_max_unpool3d_of_an_empty_batch_or_unbatched_empty_channels_gives_an_empty_output():
    def scenario(m):
        empty_batch = m.nn.functional.max_unpool3d(
            m.zeros(0, 2, 1, 1, 1), m.zeros(0, 2, 1, 1, 1, dtype=m.int64), 2
        )
        no_channels = m.nn.functional.max_unpool3d(m.zeros(0, 1, 1, 1), m.zeros(0, 1, 1, 1, dtype=m.int64), 2)
        return empty_batch, no_channels

    same_as_torch(scenario)


UNPOOL3D_ERRORS = {
    "index past the output": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i + 100 * (i == 63), 2),
                              "Found an invalid max index: 163 (output volumes are of size 4x4x4)"),
    "negative index": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i - 100 * (i == 63), 2),
                       "Found an invalid max index: -37"),
    "int32 indices": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i.int(), 2),
                      "elements in indices should be type int64"),
    "indices shape": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i[:, :1], 2),
                      "Expected shape of indices to be same as that of the input tensor ([1, 2, 2, 2, 2])"),
    "3-D input": (lambda m, x, i: m.nn.functional.max_unpool3d(x[0, 0], i[0, 0], 2),
                  "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with 3 "
                  "dimensions."),
    "6-D input": (lambda m, x, i: m.nn.functional.max_unpool3d(x[None], i[None], 2),
                  "but got a tensor with 6 dimensions."),
    "integer input": (lambda m, x, i: m.nn.functional.max_unpool3d(x.long(), i + 100, 2),
                      "\"max_unpool3d\" not implemented for 'Long'"),
    "output size too far": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i, 2, output_size=[9, 4, 4]),
                            'invalid output_size "[9, 4, 4]" (dim 0 must be between 2 and 6)'),
    "output size length": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i, 2, output_size=(4, 4)),
                           "output_size should be a sequence containing 3 or 5 elements"),
    "negative size": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i, 2, padding=3),
                      "output_size must contain non-negative spatial dimensions, but got output_size[0]=-2"),
    "empty depth": (lambda m, x, i: m.nn.functional.max_unpool3d(x[:, :, :0], i[:, :, :0], 2),
                    "Expected input to have non-zero size for non-batch dimensions, but got [1, 2, 0, 2, 2] "
                    "with dimension 2 being empty."),
    "zero stride": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i + 100, 2, stride=0),
                    "strides should be greater than zero, but got stride: [0, 0, 0]"),
    "negative stride": (lambda m, x, i: m.nn.functional.max_unpool3d(x, i, 2, stride=-1),
                        "strides should be greater than zero, but got stride: [-1, -1, -1]"),
}  # fmt: skip


@requires_torch
@pytest.mark.parametrize("call", UNPOOL3D_ERRORS.values(), ids=UNPOOL3D_ERRORS.keys())
def test_bad_max_unpool3d_arguments_raise_pytorchs_errors(call):
    call, message = call
    x = np.arange(64.0, dtype=np.float32).reshape(1, 1, 4, 4, 4).repeat(2, axis=1)

    def scenario(m):
        values, indices = m.nn.functional.max_pool3d(m.tensor(x), 2, return_indices=True)
        return call(m, values, indices)

    assert_same_error(scenario, message)


# --- power-average (LP) pooling in 3-D -------------------------------------------------------------

LP_POOL3D_CASES = [(2, 2, None, False), (1, 3, 1, False), (3, (2, 3, 2), (1, 2, 1), False), (1.5, 2, 1, True)]


@requires_torch
@pytest.mark.parametrize("norm_type, kernel_size, stride, ceil_mode", LP_POOL3D_CASES)
def test_lp_pool3d_matches_pytorch_for_values_and_gradients(norm_type, kernel_size, stride, ceil_mode):
    # positive inputs: x^p of a negative x is NaN for a fractional p in both libraries
    make = lambda m: m.nn.LPPool3d(norm_type, kernel_size, stride, ceil_mode)  # noqa: E731
    check_module(make, [(2, 3, 4, 5, 5)], low=0.1, high=2.0)
    check_module(make, [(3, 4, 5, 5)], low=0.1, high=2.0)
    assert repr(make(chainrule)) == repr(make(torch))


@pytest.mark.parametrize("norm_type, kernel_size, stride, ceil_mode", LP_POOL3D_CASES)
def test_lp_pool3d_matches_finite_differences_to_second_order(norm_type, kernel_size, stride, ceil_mode):
    check_gradcheck(
        lambda m, x: m.nn.functional.lp_pool3d(x, norm_type, kernel_size, stride, ceil_mode),
        [(1, 2, 4, 5, 4)],
        low=0.5,
        high=2.0,
        second_order=True,
    )


@requires_torch
@pytest.mark.parametrize("norm_type", [2, 4, float("inf"), -float("inf")])
def test_lp_pool3d_of_signed_inputs_matches_pytorch(norm_type):
    # even powers and the infinite norms (max of |x|, and minus the max of -|x|) take any sign
    check_torch(lambda m, x: m.nn.functional.lp_pool3d(x, norm_type, 2), [(2, 3, 4, 4, 6)])


@requires_torch
def test_lp_pool3d_of_an_all_zero_window_matches_pytorch():
    arrays = [np.zeros((1, 1, 2, 2, 4), np.float32)]
    arrays[0][..., 2:] = 1.5
    check_torch(lambda m, x: m.nn.functional.lp_pool3d(x, 2, 2), None, arrays=arrays)


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.functional.lp_pool3d(m.ones(1, 1, 4, 4), 2, 2),
        lambda m: m.nn.functional.lp_pool3d(m.ones(1, 1, 4, 4, 4), 2, 5),
        lambda m: m.nn.functional.lp_pool3d(m.ones(1, 1, 4, 4, 4), 2, (2, 2)),
    ],
)
def test_bad_lp_pool3d_arguments_raise_pytorchs_errors(call):
    assert_same_error(call)
