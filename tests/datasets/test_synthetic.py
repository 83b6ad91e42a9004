"""The synthetic sets: shapes, labels, geometry, and repeatability."""

import numpy as np
import pytest

import chainrule
from chainrule.datasets import make_circles, make_moons, make_regression, make_spirals


@pytest.mark.parametrize("make, classes", [(make_moons, 2), (make_circles, 2), (make_spirals, 3)])
def test_classification_sets_have_two_features_and_balanced_int_labels(make, classes):
    X, y = make(300, random_state=0)
    assert tuple(X.shape) == (300, 2) and X.dtype == chainrule.float32 and y.dtype == chainrule.int64
    assert np.bincount(y.numpy()).tolist() == [300 // classes] * classes


@pytest.mark.parametrize("make", [make_moons, make_circles, make_spirals, make_regression])
def test_a_random_state_repeats_the_data_and_a_different_one_does_not(make):
    first, again, other = make(50, random_state=1), make(50, random_state=1), make(50, random_state=2)
    np.testing.assert_array_equal(first[0].numpy(), again[0].numpy())
    assert not np.array_equal(first[0].numpy(), other[0].numpy())


def test_without_a_random_state_chainrule_manual_seed_repeats_the_data():
    chainrule.manual_seed(3)
    first = make_moons(40, noise=0.1)[0].numpy()
    chainrule.manual_seed(3)
    np.testing.assert_array_equal(make_moons(40, noise=0.1)[0].numpy(), first)


def test_noiseless_moons_lie_on_two_unit_half_circles():
    X, y = make_moons(100, shuffle=False)
    upper, lower = X.numpy()[y.numpy() == 0], X.numpy()[y.numpy() == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0, rtol=1e-6)


def test_circles_have_the_inner_radius_factor():
    X, y = make_circles(100, factor=0.3, random_state=0)
    radii = np.linalg.norm(X.numpy(), axis=1)
    np.testing.assert_allclose(radii[y.numpy() == 1], 0.3, rtol=1e-6)
    with pytest.raises(ValueError, match=r"factor must be in \[0, 1\), got 1.5"):
        make_circles(factor=1.5)


def test_regression_targets_are_the_linear_map_as_a_column():
    X, y, w = make_regression(20, 3, bias=2.0, random_state=0, coef=True)
    assert tuple(y.shape) == (20, 1) and tuple(w.shape) == (3, 1)
    np.testing.assert_allclose(y.numpy(), X.numpy() @ w.numpy() + 2.0, rtol=1e-5)
    noisy = make_regression(20, 3, bias=2.0, noise=5.0, random_state=0)[1]
    assert not np.allclose(noisy.numpy(), y.numpy())
