"""Small synthetic problems for trying a model in seconds.

Each returns ``(X, y)`` as chainrule tensors: X float32 of shape
(n_samples, n_features); y int64 class labels, or for ``make_regression`` a
float32 column (n_samples, 1), the shape a ``Linear(n, 1)`` outputs, so that
``MSELoss`` compares like with like instead of broadcasting to (n, n).
``random_state=None`` draws from chainrule's default generator, so
``chainrule.manual_seed`` makes the data repeatable too.
"""

import numpy as np

from .._creation import from_numpy
from .._random import numpy_generator

__all__ = ["make_moons", "make_circles", "make_spirals", "make_regression"]


def _rng(random_state):
    return numpy_generator() if random_state is None else np.random.default_rng(random_state)


def _finish(points, labels, noise, shuffle, rng):
    if noise:
        points = points + rng.normal(scale=noise, size=points.shape)
    if shuffle:
        order = rng.permutation(len(points))
        points, labels = points[order], labels[order]
    return from_numpy(points.astype(np.float32)), from_numpy(labels.astype(np.int64))


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None):
    """Two interleaving half circles (scikit-learn's construction): class 0 on top, class 1 below.

    >>> X, y = make_moons(6, random_state=0)
    >>> tuple(X.shape), sorted(y.tolist())
    ((6, 2), [0, 0, 0, 1, 1, 1])
    """
    rng = _rng(random_state)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_inner)
    points = np.concatenate(
        [np.stack([np.cos(outer), np.sin(outer)], 1), np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], 1)]
    )
    labels = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])
    return _finish(points, labels, noise, shuffle, rng)


def make_circles(n_samples=100, *, shuffle=True, noise=None, random_state=None, factor=0.8):
    """A circle (class 0) around a smaller one (class 1) of radius ``factor``.

    >>> X, y = make_circles(8, random_state=0, shuffle=False)
    >>> [round(r, 2) for r in X.norm(dim=1).tolist()]
    [1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 0.8, 0.8]
    """
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor}")
    rng = _rng(random_state)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    points = np.concatenate(
        [np.stack([np.cos(outer), np.sin(outer)], 1), factor * np.stack([np.cos(inner), np.sin(inner)], 1)]
    )
    labels = np.concatenate([np.zeros(n_outer), np.ones(n_inner)])
    return _finish(points, labels, noise, shuffle, rng)


def make_spirals(n_samples=300, n_classes=3, *, shuffle=True, noise=0.2, random_state=None):
    """``n_classes`` arms of a spiral (the CS231n example), which no linear model separates.

    The noise perturbs the angle, so the arms stay recognisable.

    >>> X, y = make_spirals(9, n_classes=3, random_state=0)
    >>> tuple(X.shape), sorted(y.tolist())
    ((9, 2), [0, 0, 0, 1, 1, 1, 2, 2, 2])
    """
    rng = _rng(random_state)
    sizes = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    points, labels = [], []
    for k, size in enumerate(sizes):
        radius = np.linspace(0.0, 1.0, size)
        angle = np.linspace(k * 4.0, (k + 1) * 4.0, size) + rng.normal(scale=noise or 0.0, size=size)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1))
        labels.append(np.full(size, k))
    return _finish(np.concatenate(points), np.concatenate(labels), None, shuffle, rng)


def make_regression(n_samples=100, n_features=1, *, noise=0.0, bias=0.0, random_state=None, coef=False):
    """A linear target ``y = X @ w + bias + noise * N(0, 1)`` with ``w`` drawn from U(0, 100).

    Returns ``(X, y)``, or ``(X, y, w)`` with ``coef=True``; y has shape (n_samples, 1).

    >>> X, y, w = make_regression(5, 2, random_state=0, coef=True)
    >>> tuple(X.shape), tuple(y.shape), bool(((X @ w - y).abs() < 1e-3).all())
    ((5, 2), (5, 1), True)
    """
    rng = _rng(random_state)
    X = rng.normal(size=(n_samples, n_features))
    w = 100.0 * rng.uniform(size=(n_features, 1))
    y = X @ w + bias
    if noise:
        y = y + rng.normal(scale=noise, size=y.shape)
    result = (from_numpy(X.astype(np.float32)), from_numpy(y.astype(np.float32)))
    return (*result, from_numpy(w.astype(np.float32))) if coef else result
