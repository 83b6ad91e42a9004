"""The bundled UCI digits."""

import gzip
import hashlib

import numpy as np

import chainrule
from chainrule.datasets import load_digits
from chainrule.datasets.digits import DIGITS_FILE


def test_the_digits_are_1797_images_of_8x8_counts_from_0_to_16():
    X, y = load_digits()
    assert tuple(X.shape) == (1797, 64) and X.dtype == chainrule.float32 and y.dtype == chainrule.int64
    assert float(X.min()) == 0.0 and float(X.max()) == 16.0
    assert np.all(X.numpy() == np.round(X.numpy()))
    counts = np.bincount(y.numpy())
    assert len(counts) == 10 and counts.min() >= 170


def test_images_layout_is_what_a_conv2d_takes():
    X, _ = load_digits()
    images, _ = load_digits(images=True)
    assert tuple(images.shape) == (1797, 1, 8, 8)
    np.testing.assert_array_equal(images.numpy()[5, 0], X.numpy()[5].reshape(8, 8))


def test_the_bundled_file_is_scikit_learns_copy_with_its_attribution_beside_it():
    assert hashlib.sha256(DIGITS_FILE.read_bytes()).hexdigest() == (
        "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
    )
    first_row = gzip.decompress(DIGITS_FILE.read_bytes()).split(b"\n")[0].split(b",")
    assert len(first_row) == 65
    readme = (DIGITS_FILE.parent / "README.md").read_text()
    assert "Alpaydin" in readme and "Kaynak" in readme and "CC BY 4.0" in readme
