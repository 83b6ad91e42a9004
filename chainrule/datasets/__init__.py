"""``chainrule.datasets``: real data to train on, offline and from files, and small synthetic sets.

* ``load_digits()``: the UCI 8x8 handwritten digits, bundled (1,797 images).
* ``MNIST``, ``FashionMNIST``: the IDX files from a folder (found on their own
  where Debian's ``dataset-fashion-mnist`` installs them), or downloaded.
* ``CSVDataset``: a user's own table.
* ``make_moons``, ``make_circles``, ``make_spirals``, ``make_regression``.
"""

from .digits import load_digits
from .idx import MNIST, FashionMNIST, read_idx
from .synthetic import make_circles, make_moons, make_regression, make_spirals
from .table import CSVDataset

__all__ = [
    "load_digits",
    "MNIST",
    "FashionMNIST",
    "read_idx",
    "CSVDataset",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_regression",
]
