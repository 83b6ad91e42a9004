"""The UCI 8x8 handwritten digits, bundled so that training works offline.

1,797 images of 8x8 pixels, each pixel a count 0..16 of inked cells in a
4x4 block of the original 32x32 bitmap; classes 0..9. The file is the one
scikit-learn ships (``sklearn/datasets/data/digits.csv.gz``): 65 columns,
64 pixels in row-major order, then the label. Attribution and licence
(CC BY 4.0): ``chainrule/datasets/data/README.md``.
"""

from pathlib import Path

import numpy as np

from .._creation import from_numpy

__all__ = ["load_digits"]

DIGITS_FILE = Path(__file__).parent / "data" / "digits.csv.gz"


def load_digits(images=False):
    """The bundled digits as ``(X, y)``: float32 pixel counts 0..16 and int64 labels 0..9.

    ``X`` has shape (1797, 64), or (1797, 1, 8, 8) with ``images=True`` (the
    layout a Conv2d wants).

    >>> X, y = load_digits()
    >>> tuple(X.shape), X.dtype, tuple(y.shape), y.dtype
    ((1797, 64), chainrule.float32, (1797,), chainrule.int64)
    >>> float(X.max()), sorted(set(y.tolist()))
    (16.0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    try:
        table = np.loadtxt(DIGITS_FILE, delimiter=",", dtype=np.float32)
    except (OSError, EOFError, ValueError) as error:
        raise RuntimeError(
            f"the bundled digits file {DIGITS_FILE} is missing or corrupt ({error}); reinstall chainrule"
        ) from None
    if table.shape != (1797, 65):
        raise RuntimeError(
            f"the bundled digits file {DIGITS_FILE} has shape {table.shape}, expected (1797, 65)"
        )
    pixels = np.ascontiguousarray(table[:, :64])
    if images:
        pixels = pixels.reshape(-1, 1, 8, 8)
    return from_numpy(pixels), from_numpy(table[:, 64].astype(np.int64))
