"""Normalization layers and their F forms (layer, group, instance, RMS and local response norm)
against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import assert_same, check, raises_like_torch, random_inputs, requires_torch, same_as_torch, torch


def test_layer_norm_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x, w, b: m.nn.functional.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)])
    check(lambda m, x, w: m.nn.functional.layer_norm(x, (4,), w, eps=1e-3), [(3, 4), (4,)])
    check(lambda m, x: m.nn.functional.layer_norm(x, (5,)), [(2, 2, 5)])


def test_group_norm_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x, w, b: m.nn.functional.group_norm(x, 2, w, b), [(2, 4, 3, 2), (4,), (4,)])
    check(lambda m, x, w: m.nn.functional.group_norm(x, 3, w, eps=1e-3), [(2, 6), (6,)])
    check(lambda m, x: m.nn.functional.group_norm(x, 1), [(3, 2, 5)])


@requires_torch
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.nn.LayerNorm(5), (2, 3, 5)),
        (lambda m: m.nn.LayerNorm((3, 5), eps=1e-3), (2, 3, 5)),
        (lambda m: m.nn.LayerNorm(5, bias=False), (4, 5)),
        (lambda m: m.nn.LayerNorm(5, elementwise_affine=False), (4, 5)),
        (lambda m: m.nn.GroupNorm(2, 4), (2, 4, 3, 3)),
        (lambda m: m.nn.GroupNorm(4, 4), (3, 4, 5)),
        (lambda m: m.nn.GroupNorm(1, 6, affine=False), (2, 6, 2, 2)),
        (lambda m: m.nn.GroupNorm(3, 6, bias=False), (2, 6, 2, 2)),
    ],
    ids=["ln", "ln 2 dims", "ln no bias", "ln no affine", "gn", "gn instance", "gn no affine", "gn no bias"],
)
def test_normalization_layers_match_pytorch_on_the_same_weights(make, shape):
    check_module(make, [shape])


@requires_torch
def test_normalization_layers_match_pytorch_in_float64():
    check_module(lambda m: m.nn.LayerNorm(3), [(2, 3)], dtype=np.float64)
    check_module(lambda m: m.nn.GroupNorm(2, 4), [(2, 4, 3)], dtype=np.float64)


def test_normalization_layers_state_dict_keys_and_initial_values_are_pytorchs():
    ln = nn.LayerNorm((2, 3))
    assert {k: tuple(v.shape) for k, v in ln.state_dict().items()} == {"weight": (2, 3), "bias": (2, 3)}
    np.testing.assert_array_equal(ln.weight.detach().numpy(), np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(ln.bias.detach().numpy(), np.zeros((2, 3), np.float32))
    assert list(nn.LayerNorm(3, elementwise_affine=False).state_dict()) == []
    assert {k: tuple(v.shape) for k, v in nn.GroupNorm(2, 6).state_dict().items()} == {
        "weight": (6,),
        "bias": (6,),
    }
    assert list(nn.GroupNorm(2, 6, bias=False).state_dict()) == ["weight"]


@requires_torch
def test_normalization_layers_print_as_pytorchs():
    for make in (
        lambda m: m.nn.LayerNorm((3, 4)),
        lambda m: m.nn.LayerNorm(3, bias=False),
        lambda m: m.nn.LayerNorm(3, elementwise_affine=False),
        lambda m: m.nn.GroupNorm(2, 4),
        lambda m: m.nn.GroupNorm(2, 4, affine=False),
    ):
        assert repr(make(chainrule)) == repr(make(torch))


def test_normalizations_are_one_graph_node_named_as_pytorchs():
    x = chainrule.randn(2, 4, 3, requires_grad=True)
    assert F.layer_norm(x, (3,)).grad_fn.name() == "NativeLayerNormBackward0"
    assert F.group_norm(x, 2).grad_fn.name() == "NativeGroupNormBackward0"


NORM_ERRORS = {
    "normalized_shape": (
        lambda: F.layer_norm(chainrule.randn(2, 3, 8, 8), (7,)),
        RuntimeError,
        r"Given normalized_shape=\[7\], expected input with shape \[\*, 7\], "
        r"but got input of size\[2, 3, 8, 8\]",
    ),
    "layer norm weight": (
        lambda: F.layer_norm(chainrule.randn(2, 8), (8,), chainrule.ones(7)),
        RuntimeError,
        r"Expected weight to be of same shape as normalized_shape, but got weight of shape \[7\]",
    ),
    "normalized_shape int": (
        lambda: F.layer_norm(chainrule.randn(2, 8), 8),
        TypeError,
        r"argument 'normalized_shape' \(position 2\) must be tuple of ints, not int",
    ),
    "groups": (
        lambda: F.group_norm(chainrule.randn(2, 3, 8), 2),
        RuntimeError,
        r"Expected number of channels in input to be divisible by num_groups, "
        r"but got input of shape \[2, 3, 8\]",
    ),
    "group norm weight": (
        lambda: F.group_norm(chainrule.randn(2, 4, 8), 2, chainrule.ones(3)),
        RuntimeError,
        r"Expected weight to be a vector of size equal to the number of channels in input",
    ),
    "GroupNorm channels": (
        lambda: nn.GroupNorm(3, 4),
        ValueError,
        r"num_channels \(4\) must be divisible by num_groups \(3\)",
    ),
}


@pytest.mark.parametrize("call, error, message", NORM_ERRORS.values(), ids=NORM_ERRORS.keys())
def test_bad_normalization_inputs_raise_pytorchs_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@requires_torch
@pytest.mark.parametrize(
    "make",
    [lambda lib: lib.nn.LayerNorm(5), lambda lib: lib.nn.GroupNorm(1, 3), lambda lib: lib.nn.BatchNorm1d(3)],
    ids=["LayerNorm", "GroupNorm", "BatchNorm1d"],
)
def test_float16_input_with_float32_parameters_normalizes_in_float32(make):
    # refused with "expected weight to have the input's dtype"; PyTorch takes the mix
    values = (np.arange(60).reshape(4, 3, 5) % 7 * 40).astype(np.float16)
    results = []
    for lib in (chainrule, torch):
        lib.manual_seed(0)
        layer = make(lib)
        x = lib.tensor(values, requires_grad=True)
        y = layer(x)
        (y.float() ** 2 * lib.arange(5.0)).sum().backward()
        results.append((y, x.grad, layer.weight.grad))
    for ours, theirs, what in zip(*results, ["output", "input gradient", "weight gradient"]):
        assert_same(ours, theirs, rtol=2e-3, atol=1e-3, where=what)


@requires_torch
@pytest.mark.parametrize(
    "make",
    [lambda lib: lib.nn.BatchNorm1d(3), lambda lib: lib.nn.LayerNorm(3), lambda lib: lib.nn.GroupNorm(1, 3)],
    ids=["BatchNorm1d", "LayerNorm", "GroupNorm"],
)
def test_an_integer_input_raises_pytorchs_exception_type(make):
    # batch norm raised RuntimeError where PyTorch's kernel raises NotImplementedError
    with pytest.raises(Exception) as theirs:
        make(torch)(torch.ones(4, 3, dtype=torch.int64))
    with pytest.raises(theirs.type, match="floating point input"):
        make(chainrule)(chainrule.ones(4, 3, dtype=chainrule.int64))


# --- instance norm, RMS norm and local response norm ---------------------------------------------


def test_instance_norm_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x, w, b: m.nn.functional.instance_norm(x, weight=w, bias=b), [(2, 3, 4), (3,), (3,)])
    check(lambda m, x: m.nn.functional.instance_norm(x, eps=1e-3), [(2, 2, 3, 3)])


@requires_torch
def test_instance_norm_moves_the_running_statistics_by_the_samples_mean_as_pytorch():
    def scenario(m):
        x = m.tensor(np.random.default_rng(0).normal(size=(3, 2, 5)).astype(np.float32))
        mean, var = m.zeros(2), m.ones(2)
        out = m.nn.functional.instance_norm(x, mean, var, momentum=0.3)
        frozen = m.nn.functional.instance_norm(x, mean, var, use_input_stats=False)
        return out, mean, var, frozen

    same_as_torch(scenario)


def test_instance_norm_with_frozen_statistics_matches_pytorch_and_finite_differences():
    stats = [np.array([0.5, -1.0]), np.array([2.0, 0.5])]
    check(
        lambda m, x, mean, var, w: m.nn.functional.instance_norm(x, mean, var, w, use_input_stats=False),
        [(2, 2, 3), *stats, (2,)],
        arrays=random_inputs([(2, 2, 3)]) + [a.astype(np.float32) for a in stats] + random_inputs([(2,)]),
        requires_grad=[True, False, False, True],
    )


@requires_torch
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.nn.InstanceNorm1d(3), (2, 3, 5)),
        (lambda m: m.nn.InstanceNorm1d(3, affine=True), (3, 5)),
        (lambda m: m.nn.InstanceNorm1d(3, affine=True, bias=False), (2, 3, 5)),
        (lambda m: m.nn.InstanceNorm1d(3, track_running_stats=True, momentum=0.5), (2, 3, 5)),
        (lambda m: m.nn.InstanceNorm2d(2, affine=True, track_running_stats=True), (3, 2, 4, 3)),
        (lambda m: m.nn.InstanceNorm2d(2, track_running_stats=True, momentum=None), (2, 4, 3)),
        (lambda m: m.nn.InstanceNorm2d(2, eps=1e-3), (2, 2, 3, 3)),
    ],
    ids=["1d", "1d affine unbatched", "1d no bias", "1d running", "2d affine running", "2d cumulative", "2d"],
)
def test_instance_norm_layers_match_pytorch_in_training_and_evaluation(make, shape):
    ours, theirs = check_module(make, [shape])
    assert_same(dict(ours.state_dict()), dict(theirs.state_dict()))


@requires_torch
def test_instance_norm_layers_state_dict_and_printout_are_pytorchs():
    for make in (
        lambda m: m.nn.InstanceNorm1d(4),
        lambda m: m.nn.InstanceNorm1d(4, affine=True, bias=False),
        lambda m: m.nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
        lambda m: m.nn.InstanceNorm2d(4, momentum=None, track_running_stats=True),
    ):
        ours, theirs = make(chainrule), make(torch)
        assert repr(ours) == repr(theirs)
        assert_same(dict(ours.state_dict()), dict(theirs.state_dict()))


@requires_torch
def test_instance_norm_with_a_wrong_channel_count_warns_without_affine_and_raises_with_it():
    for lib in (chainrule, torch):
        with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
            lib.nn.InstanceNorm1d(3)(lib.randn(2, 4, 5))
        with pytest.warns(UserWarning, match="input's size at dim=0 does not match num_features"):
            lib.nn.InstanceNorm2d(3)(lib.randn(4, 4, 5))
    raises_like_torch(
        lambda m: m.nn.InstanceNorm2d(3, affine=True)(m.randn(2, 4, 4, 5)),
        r"expected input's size at dim=1 to match num_features \(3\), but got: 4\.",
    )


INSTANCE_NORM_ERRORS = {
    "1d rank": (
        lambda m: m.nn.InstanceNorm1d(3)(m.randn(2, 3, 4, 5)),
        r"expected 2D or 3D input \(got 4D input\)",
    ),
    "2d rank": (lambda m: m.nn.InstanceNorm2d(3)(m.randn(2, 3)), r"expected 3D or 4D input \(got 2D input\)"),
    "one value": (
        lambda m: m.nn.functional.instance_norm(m.randn(2, 3, 1)),
        "Expected more than 1 spatial element when training",
    ),
    "no statistics": (
        lambda m: m.nn.functional.instance_norm(m.randn(2, 3, 4), use_input_stats=False),
        "Expected running_mean and running_var to be defined when use_input_stats is false",
    ),
    "running_mean": (
        lambda m: m.nn.functional.instance_norm(m.randn(2, 3, 4), m.zeros(2), m.ones(3)),
        "running_mean should contain 6 elements not 4",
    ),
    "weight": (
        lambda m: m.nn.functional.instance_norm(m.randn(1, 3, 4), weight=m.ones(2)),
        "weight should contain 3 elements not 2",
    ),
    "integer": (lambda m: m.nn.functional.instance_norm(m.ones(2, 3, 4, dtype=m.int64)), None),
}


@requires_torch
@pytest.mark.parametrize("scenario, message", INSTANCE_NORM_ERRORS.values(), ids=INSTANCE_NORM_ERRORS.keys())
def test_bad_instance_norm_inputs_raise_pytorchs_errors(scenario, message):
    raises_like_torch(scenario, message)


def test_rms_norm_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x, w: m.nn.functional.rms_norm(x, (3, 4), w), [(2, 3, 4), (3, 4)])
    check(lambda m, x: m.nn.functional.rms_norm(x, [4], eps=1e-2), [(3, 4)])
    check(lambda m, x: m.nn.functional.rms_norm(x, (5,)), [(2, 5)], low=-1e-3, high=1e-3)


@requires_torch
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_rms_norm_without_eps_adds_the_epsilon_pytorch_adds(dtype):
    # values so small that eps dominates the mean square: float16 is computed in float32, with its epsilon
    same_as_torch(lambda m: m.nn.functional.rms_norm(m.full((2, 4), 1e-4, dtype=getattr(m, dtype)), (4,)))


@requires_torch
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda m: m.nn.RMSNorm(5), (2, 3, 5)),
        (lambda m: m.nn.RMSNorm([3, 5], eps=1e-3), (2, 3, 5)),
        (lambda m: m.nn.RMSNorm(5, elementwise_affine=False), (4, 5)),
        (lambda m: m.nn.LocalResponseNorm(2), (2, 4, 3)),
        (lambda m: m.nn.LocalResponseNorm(3, alpha=0.5, beta=0.6, k=2.0), (2, 5, 3, 2)),
    ],
    ids=["rms", "rms 2 dims", "rms no affine", "lrn", "lrn options"],
)
def test_rms_and_local_response_norm_layers_match_pytorch(make, shape):
    ours, theirs = check_module(make, [shape])
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_local_response_norm_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x: m.nn.functional.local_response_norm(x, 3, alpha=0.5), [(2, 5, 3)])
    check(lambda m, x: m.nn.functional.local_response_norm(x, 2, 0.3, 0.5, 2.0), [(1, 4, 2, 3)])
    check(lambda m, x: m.nn.functional.local_response_norm(x, 4, alpha=0.2), [(2, 3, 2, 2, 2)])


@requires_torch
def test_local_response_norm_returns_an_empty_input_as_it_is():
    same_as_torch(lambda m: m.nn.functional.local_response_norm(m.zeros(0, 3, 4), 2))


RMS_AND_LRN_ERRORS = {
    "rms shape": (lambda m: m.nn.functional.rms_norm(m.randn(2, 3, 4), (2, 4)), None),
    "rms int shape": (lambda m: m.nn.functional.rms_norm(m.randn(2, 3), 3), "must be tuple of ints, not int"),
    "rms empty shape": (
        lambda m: m.nn.functional.rms_norm(m.randn(2, 3), ()),
        "Expected normalized_shape to be at least 1-dimensional",
    ),
    "rms weight": (
        lambda m: m.nn.functional.rms_norm(m.randn(2, 3), (3,), m.ones(2)),
        r"Expected weight to be of same shape as normalized_shape, but got weight of shape \[2\]",
    ),
    "rms integer": (lambda m: m.nn.functional.rms_norm(m.ones(2, 3, dtype=m.int64), (3,)), None),
    "lrn rank": (
        lambda m: m.nn.functional.local_response_norm(m.randn(2, 3), 2),
        r"Expected 3D or higher dimensionality input \(got 2 dimensions\)",
    ),
    "lrn size": (lambda m: m.nn.functional.local_response_norm(m.randn(2, 3, 4), 0), "greater than zero"),
}


@requires_torch
@pytest.mark.parametrize("scenario, message", RMS_AND_LRN_ERRORS.values(), ids=RMS_AND_LRN_ERRORS.keys())
def test_bad_rms_and_local_response_norm_inputs_raise_pytorchs_errors(scenario, message):
    raises_like_torch(scenario, message)


def test_rms_norm_shape_error_says_the_expected_shape_as_pytorch():
    with pytest.raises(
        RuntimeError, match=r"expected input with shape \[\*2, 4\], but got input of size\[2, 3, 4\]"
    ):
        F.rms_norm(chainrule.randn(2, 3, 4), (2, 4))
