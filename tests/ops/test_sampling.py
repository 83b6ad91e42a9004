"""affine_grid and grid_sample against PyTorch: values, gradients, warnings and errors."""

import numpy as np
import pytest
from scipy import stats

import chainrule
import chainrule.nn.functional as F

from oracle import assert_same_error, check, check_torch, requires_torch, same_as_torch, torch

MODES = ["bilinear", "nearest"]
PADDINGS = ["zeros", "border", "reflection"]


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_matches_pytorch_for_values_and_both_gradients(mode, padding_mode, align_corners):
    # the grid reaches past [-1, 1], so every padding mode is exercised; under nearest the
    # grid's gradient is zero in both libraries
    def sample(m, x, grid):
        return m.nn.functional.grid_sample(x, grid, mode, padding_mode, align_corners)

    check(sample, [(2, 3, 4, 5), (2, 3, 6, 2)], low=-1.4, high=1.4, second_order=mode == "bilinear")


@requires_torch
def test_grid_sample_reads_a_grid_far_outside_the_image_like_pytorch():
    def sample(m, x, grid):
        return m.nn.functional.grid_sample(x, grid * 4, padding_mode="reflection", align_corners=False)

    check_torch(sample, [(1, 2, 3, 4), (1, 5, 5, 2)], low=-1.0, high=1.0)


def test_identity_grid_with_aligned_corners_returns_the_input():
    image = chainrule.randn(2, 3, 4, 5)
    theta = chainrule.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 2)
    grid = F.affine_grid(theta, (2, 3, 4, 5), align_corners=True)
    for mode in MODES:
        out = F.grid_sample(image, grid, mode=mode, align_corners=True)
        np.testing.assert_allclose(out.numpy(), image.numpy(), rtol=1e-5, atol=1e-6)


def test_nearest_rounds_halfway_points_to_even_like_pytorch():
    # x = -0.5 and 0.5 (align_corners) fall halfway between pixels 0/1 and 2/3 of a row of 5
    image = chainrule.arange(5.0).reshape(1, 1, 1, 5)
    grid = chainrule.tensor([[[[-0.75, 0.0], [0.25, 0.0]]]])
    out = F.grid_sample(image, grid, mode="nearest", align_corners=True)
    assert out.flatten().tolist() == [0.0, 2.0]


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_pytorch_to_second_order(align_corners):
    check(lambda m, theta: m.nn.functional.affine_grid(theta, (2, 3, 4, 5), align_corners), [(2, 2, 3)])


@requires_torch
def test_a_spatial_transformer_trains_theta_through_both_ops_like_pytorch():
    # the spatial-transformer tutorial's stn(): affine_grid of a predicted theta, then grid_sample
    def transform(m, theta, x):
        grid = m.nn.functional.affine_grid(theta, x.size(), align_corners=False)
        return m.nn.functional.grid_sample(x, grid, align_corners=False)

    rng = np.random.default_rng(3)
    theta = (np.array([[1, 0, 0], [0, 1, 0]]) + rng.uniform(-0.3, 0.3, (2, 2, 3))).astype(np.float32)
    check(transform, None, arrays=[theta, rng.uniform(-1, 1, (2, 3, 6, 7)).astype(np.float32)])


@requires_torch
def test_unit_size_grid_with_aligned_corners_warns_and_centres_like_pytorch():
    def grid(m):
        with pytest.warns(UserWarning, match="unit-size grids"):
            return m.nn.functional.affine_grid(m.ones(1, 2, 3), (1, 1, 1, 3), align_corners=True)

    same_as_torch(grid)


@requires_torch
def test_align_corners_left_unset_warns_and_means_false_like_pytorch():
    def sample(m):
        x = m.arange(12.0).reshape(1, 1, 3, 4)
        theta = m.tensor([[[0.8, 0.1, 0.2], [-0.1, 0.9, 0.0]]])
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            grid = m.nn.functional.affine_grid(theta, (1, 1, 3, 4))
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            return m.nn.functional.grid_sample(x, grid)

    ours = same_as_torch(sample)
    x, theta = (
        chainrule.arange(12.0).reshape(1, 1, 3, 4),
        chainrule.tensor([[[0.8, 0.1, 0.2], [-0.1, 0.9, 0.0]]]),
    )
    explicit = F.grid_sample(x, F.affine_grid(theta, (1, 1, 3, 4), False), align_corners=False)
    np.testing.assert_array_equal(ours.numpy(), explicit.numpy())


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.functional.grid_sample(
            m.ones(1, 1, 2, 2), m.zeros(1, 1, 1, 2), "area", "zeros", False
        ),
        lambda m: m.nn.functional.grid_sample(
            m.ones(1, 1, 2, 2), m.zeros(1, 1, 1, 2), "nearest", "wrap", False
        ),
        lambda m: m.nn.functional.grid_sample(
            m.ones(1, 1, 2, 2), m.zeros(1, 1, 1, 2, dtype=m.float64), align_corners=False
        ),
        lambda m: m.nn.functional.grid_sample(m.ones(1, 1, 2, 2), m.zeros(1, 1, 2), align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.ones(2, 1, 2, 2), m.zeros(1, 1, 1, 2), align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.ones(1, 1, 2, 2), m.zeros(1, 1, 1, 3), align_corners=False),
        lambda m: m.nn.functional.affine_grid(m.zeros(1, 2, 3, dtype=m.int64), (1, 1, 2, 2), False),
        lambda m: m.nn.functional.affine_grid(m.zeros(1, 3, 3), (1, 1, 2, 2), False),
        lambda m: m.nn.functional.affine_grid(m.zeros(1, 2, 3), (1, 2, 2), False),
        lambda m: m.nn.functional.affine_grid(m.zeros(1, 2, 3), (1, 1, 0, 2), False),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(call):
    assert_same_error(call)


def test_nearest_mode_gives_the_grid_a_zero_gradient():
    grid = chainrule.tensor([[[[0.3, -0.2]]]], requires_grad=True)
    image = chainrule.randn(1, 2, 3, 3, requires_grad=True)
    F.grid_sample(image, grid, mode="nearest", align_corners=False).sum().backward()
    assert grid.grad.tolist() == [[[[0.0, 0.0]]]] and image.grad.sum().item() == 2.0


# --- gumbel_softmax (nn/functional.py): a sampling op, tested here with its statistics ---------


@pytest.mark.parametrize("dtype", [chainrule.float32, chainrule.float64])
@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_keeps_shape_and_dtype_and_sums_to_one(dtype, dim):
    logits = chainrule.randn(5, 4, dtype=dtype)
    soft = F.gumbel_softmax(logits, tau=0.5, dim=dim)
    hard = F.gumbel_softmax(logits, hard=True, dim=dim)
    for out in (soft, hard):
        assert out.shape == logits.shape and out.dtype == dtype
        np.testing.assert_allclose(out.sum(dim).numpy(), 1, rtol=1e-6)
    assert set(np.unique(hard.numpy())) == {0.0, 1.0}


def test_hard_gumbel_softmax_picks_each_class_with_its_softmax_probability():
    # the Gumbel-max trick: argmax(logits + g) is drawn from softmax(logits)
    chainrule.manual_seed(0)
    logits = np.array([1.0, 0.0, -1.0, 2.0], np.float32)
    samples = F.gumbel_softmax(chainrule.tensor(np.tile(logits, (40_000, 1))), hard=True)
    expected = np.exp(logits) / np.exp(logits).sum()
    # the binomial standard error of each frequency is below 0.0025
    np.testing.assert_allclose(samples.numpy().mean(0), expected, atol=0.012)


def test_soft_samples_of_two_equal_logits_are_uniform():
    # softmax of (g0, g1) gives sigmoid(g0 - g1), and g0 - g1 is logistic: its sigmoid is U(0, 1)
    chainrule.manual_seed(1)
    samples = F.gumbel_softmax(chainrule.zeros(20_000, 2))[:, 0].numpy()
    assert stats.kstest(samples.astype(np.float64), "uniform").pvalue > 1e-3


@requires_torch
@pytest.mark.parametrize("tau", [1.0, 0.3])
def test_hard_gumbel_softmax_passes_the_soft_samples_gradient_straight_through(tau):
    rng = np.random.default_rng(0)
    logits = chainrule.tensor(rng.normal(size=(6, 5)).astype(np.float32), requires_grad=True)
    weights = rng.uniform(0.5, 1.5, (6, 5)).astype(np.float32)
    chainrule.manual_seed(2)
    hard = F.gumbel_softmax(logits, tau=tau, hard=True)
    (hard * chainrule.tensor(weights)).sum().backward()
    # the same draw, soft: log of the sample is (logits + g) / tau up to a constant per row
    chainrule.manual_seed(2)
    soft = F.gumbel_softmax(chainrule.tensor(logits.detach().numpy()), tau=tau).numpy()
    assert (hard.detach().numpy().argmax(1) == soft.argmax(1)).all()
    their_logits = torch.tensor(logits.detach().numpy(), requires_grad=True)
    shifted = torch.tensor(np.log(soft) * tau - logits.detach().numpy())  # the noise g
    ((their_logits + shifted) / tau).softmax(-1).mul(torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), their_logits.grad.numpy(), rtol=1e-4, atol=1e-6)


@requires_torch
def test_gumbel_softmax_warns_that_eps_is_deprecated_like_pytorch():
    for lib in (chainrule, torch):
        with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
            lib.nn.functional.gumbel_softmax(lib.zeros(2, 3), eps=1e-5)
