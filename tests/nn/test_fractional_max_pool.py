"""Fractional max pooling (F.fractional_max_pool2d, nn.FractionalMaxPool2d) against PyTorch,
with the same random window placements passed to both as ``_random_samples``."""

import numpy as np
import pytest

import chainrule

from module_oracle import check_module
from oracle import assert_same_error, check, check_torch, requires_torch

rng = np.random.default_rng(0)
IMAGES = rng.normal(size=(2, 3, 9, 11)).astype(np.float32)
SAMPLES = rng.random((2, 3, 2)).astype(np.float32)


@pytest.mark.parametrize(
    "kernel_size, output_size, output_ratio",
    [(3, (4, 5), None), ((2, 3), None, (0.5, 0.6)), (2, 8, None), (2, (1, 1), None), (1, (9, 11), None)],
    ids=["size", "ratio", "overlapping", "one-window", "identity"],
)
def test_fractional_max_pool2d_matches_pytorch_and_finite_differences(kernel_size, output_size, output_ratio):
    check(
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(
            x, kernel_size, output_size, output_ratio, return_indices=True, _random_samples=u
        ),
        None,
        arrays=[IMAGES, SAMPLES],
        requires_grad=[True, False],
    )


@requires_torch
def test_unbatched_input_and_a_longer_sample_batch_give_pytorchs_result():
    check_torch(
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(
            x, 2, output_size=(5, 6), return_indices=True, _random_samples=u
        ),
        None,
        arrays=[IMAGES[0], SAMPLES[:1]],
        requires_grad=[True, False],
    )


@requires_torch
def test_float64_samples_give_pytorchs_windows():
    check_torch(
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(x, 3, output_size=(6, 4), _random_samples=u),
        None,
        dtype=np.float64,
        arrays=[IMAGES.astype(np.float64), SAMPLES.astype(np.float64)],
        requires_grad=[True, False],
    )


@requires_torch
@pytest.mark.parametrize("return_indices", [False, True])
def test_fractional_max_pool2d_layer_matches_pytorch(return_indices):
    check_module(
        lambda m: m.nn.FractionalMaxPool2d(
            (2, 3),
            output_ratio=0.5,
            return_indices=return_indices,
            _random_samples=m.tensor(SAMPLES),
        ),
        None,
        arrays=[IMAGES],
    )


def test_windows_drawn_without_samples_cover_the_input_and_differ_between_planes():
    chainrule.manual_seed(0)
    x = chainrule.arange(64 * 100.0).reshape(1, 100, 8, 8)
    out, indices = chainrule.nn.functional.fractional_max_pool2d(x, 2, output_size=5, return_indices=True)
    assert out.shape == (1, 100, 5, 5)
    rows, cols = indices.numpy() // 8, indices.numpy() % 8
    assert (rows[..., -1, :] == 7).all() and (cols[..., :, -1] == 7).all()  # the last windows end at the edge
    assert len({tuple(plane.ravel()) for plane in indices.numpy()[0]}) > 1


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(x, 3, output_size=8, _random_samples=u),
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(x, 2, output_size=(3, 11), _random_samples=u),
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(x, 2, output_size=3, _random_samples=u[:, :2]),
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(
            x, 2, output_size=3, _random_samples=m.cat([u, u], 2)
        ),
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(
            x, 2, output_size=3, _random_samples=u.double()
        ),
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(
            x, 2, output_size=3, _random_samples=u.clone().requires_grad_()
        ),
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(x[0, 0], 2, output_size=3, _random_samples=u),
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(x, 2),
        lambda m, x, u: m.nn.functional.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5)),
        lambda m, x, u: m.nn.FractionalMaxPool2d(2),
        lambda m, x, u: m.nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5),
        lambda m, x, u: m.nn.FractionalMaxPool2d(2, output_ratio=(0.5, 1.0)),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(scenario):
    assert_same_error(lambda m: scenario(m, m.tensor(IMAGES), m.tensor(SAMPLES)))
