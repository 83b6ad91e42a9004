"""The datasets a run can train on, by name, split and standardized the same way every time.

``prepare_data(name)`` returns training, validation and test tensors plus
what is needed to treat new inputs the same way later (``predict``): the
input shape, the class names and the standardization (mean and standard
deviation of the training inputs: one number for images, one per column
for tables). Splits use a fixed ``split_seed``, independent of the training
seed, so runs with different seeds are scored on the same test set.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import datasets
from .._creation import from_numpy

__all__ = [
    "DATASET_NAMES",
    "PreparedData",
    "prepare_data",
    "standardize",
    "read_inputs",
    "random_horizontal_flip",
    "AugmentedLoader",
]

DATASET_NAMES = ("digits", "fashion-mnist", "mnist", "moons", "circles", "spirals", "csv:PATH")

_SYNTHETIC = {
    "moons": lambda: datasets.make_moons(1000, noise=0.2, random_state=0),
    "circles": lambda: datasets.make_circles(1000, noise=0.1, factor=0.5, random_state=0),
    "spirals": lambda: datasets.make_spirals(900, n_classes=3, noise=0.2, random_state=0),
}


@dataclass
class PreparedData:
    """Standardized float32 inputs and targets for training, validation and test, and how they were made."""

    name: str
    train: tuple
    val: tuple
    test: tuple
    classes: list  # None for regression
    input_shape: tuple
    mean: object  # a float (images) or a list, one per column
    std: object
    is_image: bool = False
    sizes: dict = field(default_factory=dict)

    def describe(self):
        """What ``predict`` needs to rebuild the model and treat new inputs alike (JSON-ready)."""
        return {
            "name": self.name,
            "classes": self.classes,
            "input_shape": list(self.input_shape),
            "mean": self.mean,
            "std": self.std,
            "is_image": self.is_image,
            "sizes": self.sizes,
        }


def standardize(raw, mean, std, input_shape):
    """``(raw - mean) / std`` as float32, reshaped to (N, *input_shape).

    >>> standardize(np.array([[0, 2, 4, 6]]), mean=2.0, std=2.0, input_shape=(1, 2, 2)).tolist()
    [[[[-1.0, 0.0], [1.0, 2.0]]]]
    """
    values = np.asarray(raw, dtype=np.float32).reshape(len(raw), *input_shape)
    mean = np.asarray(mean, dtype=np.float32)
    std = np.asarray(std, dtype=np.float32)
    if mean.ndim:  # per column: broadcast over the flattened example
        flat = values.reshape(len(values), -1)
        return ((flat - mean) / std).reshape(values.shape)
    return (values - mean) / std


def _split(count, fraction, rng):
    order = rng.permutation(count)
    held_out = int(round(count * fraction))
    return order[held_out:], order[:held_out]


def _load_raw(name, root, label_column):
    """``(train_raw, train_labels, test_raw or None, test_labels, classes, input_shape, is_image)``, numpy."""
    if name == "digits":
        X, y = datasets.load_digits(images=True)
        return X.numpy(), y.numpy(), None, None, [str(k) for k in range(10)], (1, 8, 8), True
    if name in ("fashion-mnist", "mnist"):
        cls = datasets.FashionMNIST if name == "fashion-mnist" else datasets.MNIST
        train, test = cls(root, train=True), cls(root, train=False)
        classes = list(cls.classes) if name == "fashion-mnist" else [str(k) for k in range(10)]
        shape = (1, *train.data.shape[1:])
        return (
            train.data.numpy(),
            train.targets.numpy(),
            test.data.numpy(),
            test.targets.numpy(),
            classes,
            shape,
            True,
        )
    if name in _SYNTHETIC:
        X, y = _SYNTHETIC[name]()
        classes = [str(k) for k in range(int(y.max()) + 1)]
        return X.numpy(), y.numpy(), None, None, classes, (2,), False
    if name.startswith("csv:"):
        table = datasets.CSVDataset(name[4:], label_column=label_column)
        if table.targets is None:
            raise ValueError(f"{table.path} has no label column")
        return (
            table.data.numpy(),
            table.targets.numpy(),
            None,
            None,
            table.classes,
            (table.data.shape[1],),
            False,
        )
    raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASET_NAMES)}")


def prepare_data(name, root=None, val_fraction=0.1, test_fraction=0.2, label_column=-1, split_seed=0):
    """Load dataset ``name``, split it and standardize it.

    Datasets without a test file (digits, the synthetic ones, CSV tables) give
    ``test_fraction`` of their rows to the test set; then ``val_fraction`` of
    the rest is held out for validation (0 for none).

    >>> data = prepare_data("digits")
    >>> data.sizes, data.input_shape, data.classes[:3]
    ({'train': 1294, 'val': 144, 'test': 359}, (1, 8, 8), ['0', '1', '2'])
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f"the validation fraction must be in [0, 1), got {val_fraction}")
    rng = np.random.default_rng(split_seed)
    raw, labels, test_raw, test_labels, classes, input_shape, is_image = _load_raw(name, root, label_column)
    if test_raw is None:
        keep, test = _split(len(raw), test_fraction, rng)
        raw, labels, test_raw, test_labels = raw[keep], labels[keep], raw[test], labels[test]
    keep, val = _split(len(raw), val_fraction, rng)
    raw, labels, val_raw, val_labels = raw[keep], labels[keep], raw[val], labels[val]
    if is_image:  # one mean and deviation for all pixels, so a convolution sees every pixel alike
        mean, std = float(raw.mean(dtype=np.float64)), float(raw.std(dtype=np.float64)) or 1.0
    else:
        flat = raw.astype(np.float64)
        mean, std = flat.mean(0).tolist(), np.where(flat.std(0) > 0, flat.std(0), 1.0).tolist()

    def tensors(inputs, targets):
        if targets.dtype.kind == "f":
            targets = targets.reshape(-1, 1).astype(np.float32)  # regression: the shape of a one-output model
        return from_numpy(standardize(inputs, mean, std, input_shape)), from_numpy(
            np.ascontiguousarray(targets)
        )

    sizes = {"train": len(raw), "val": len(val_raw), "test": len(test_raw)}
    return PreparedData(
        name=name,
        train=tensors(raw, labels),
        val=tensors(val_raw, val_labels) if len(val_raw) else None,
        test=tensors(test_raw, test_labels),
        classes=classes,
        input_shape=tuple(int(n) for n in input_shape),
        mean=mean,
        std=std,
        is_image=is_image,
        sizes=sizes,
    )


def read_inputs(path, input_shape):
    """Raw inputs for ``predict`` from a CSV file of feature rows or a ``.npy`` array, as (N, *input_shape).

    A CSV row (or a flattened ``.npy`` row) holds one example's values in
    row-major order; a ``.npy`` array may also have the examples' own shape
    (e.g. N x 28 x 28 greyscale images), or be a single example.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "two.csv"
    >>> _ = path.write_text("1,2,3,4\\n5,6,7,8\\n")
    >>> read_inputs(path, (1, 2, 2)).shape
    (2, 1, 2, 2)
    """
    path = Path(path)
    size = int(np.prod(input_shape))
    if path.suffix.lower() == ".npy":
        if not path.is_file():
            raise FileNotFoundError(f"input file not found: {path}")
        try:
            values = np.load(path, allow_pickle=False)
        except (ValueError, EOFError) as error:  # EOFError: an empty file
            raise ValueError(f"{path} is not a readable .npy array: {error or 'it is empty'}") from None
        if not isinstance(values, np.ndarray):  # an .npz archive under a .npy name
            raise ValueError(f"{path} is an .npz archive, not a .npy array; save one array with np.save")
        if values.dtype.kind not in "biuf":
            raise ValueError(f"{path} holds {values.dtype} values; expected numbers")
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            raise ValueError(f"{path} holds nan or infinite values; a prediction from them means nothing")
        if values.size % size or values.size == 0:
            raise ValueError(
                f"{path} has shape {values.shape} ({values.size} values), which is not a whole number of "
                f"examples of shape {tuple(input_shape)} ({size} values each)"
            )
        return values.reshape(-1, *input_shape)
    try:
        values = datasets.CSVDataset(path, label_column=None).data.numpy()
    except ValueError as error:  # a word among the numbers: often the label column, left in
        raise ValueError(f"{error}{_label_column_hint(_first_row_length(path), size)}") from None
    if values.shape[1] != size:
        raise ValueError(
            f"{path} has {values.shape[1]} columns, but the model takes {size} values per example "
            f"(shape {tuple(input_shape)}){_label_column_hint(values.shape[1], size)}"
        )
    return values.reshape(-1, *input_shape)


def _label_column_hint(columns, size):
    return " (does it still have its label column?)" if columns == size + 1 else ""


def _first_row_length(path):
    """The number of cells in the first row of a CSV file (0 if it cannot be read)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return next((len(row) for row in csv.reader(handle) if row), 0)
    except (OSError, UnicodeDecodeError, csv.Error):
        return 0


def random_horizontal_flip(images, p=0.5):
    """Mirror each image of a batch (N, C, H, W) left-right with probability ``p``, independently.

    (torchvision's ``RandomHorizontalFlip`` flips a whole batch or none of it;
    this draws per image, from chainrule's default generator.)

    >>> import chainrule
    >>> images = chainrule.arange(8.0).reshape(2, 1, 2, 2)
    >>> bool((random_horizontal_flip(images, p=1.0) == images.flip(-1)).all())
    True
    """
    from .._creation import rand
    from ..ops.elementwise import where

    flip = rand(images.shape[0]) < p
    return where(flip.reshape(-1, *([1] * (images.dim() - 1))), images.flip(-1), images)


class AugmentedLoader:
    """A DataLoader whose input batches go through ``transform`` (training-time augmentation).

    Iterates, has a length, and exposes the wrapped loader's ``dataset`` and
    ``generator``, which is all the fit loop uses.
    """

    def __init__(self, loader, transform):
        self.loader, self.transform = loader, transform

    @property
    def dataset(self):
        return self.loader.dataset

    @property
    def generator(self):
        return self.loader.generator

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for inputs, targets in self.loader:
            yield self.transform(inputs), targets
