"""IDX files (the MNIST format) and the MNIST and Fashion-MNIST datasets.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian int32 per dimension, then the values, big-endian,
in C order. The files may be gzipped; we look at the first two bytes rather
than the file name to tell.
"""

import gzip
import hashlib
import os
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from .._creation import from_numpy
from .._dtype import float32

__all__ = ["read_idx", "MNIST", "FashionMNIST", "DatasetNotFoundError"]

_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path):
    raw = path.read_bytes()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path} is a corrupt or truncated gzip file ({error}); delete it and get it again"
        ) from None


def read_idx(path):
    """Read an IDX file (gzipped or raw) into a NumPy array of its own dtype.

    >>> import gzip, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte.gz"
    >>> _ = path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(
            f"{path} is not an IDX file: it starts with bytes {list(raw[:4])}, "
            "expected [0, 0, type code (8, 9, 11, 12, 13 or 14), number of dimensions]"
        )
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"{path} is truncated: its header promises {ndim} dimensions but the file ends first"
        )
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header_size
    if found != expected:
        problem = "truncated" if found < expected else "longer than its header says"
        raise ValueError(
            f"{path} is {problem}: the header says shape {shape} ({expected} bytes of data), "
            f"the file holds {found} bytes"
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are in none of the folders searched (``searched``; empty when there were none).

    The message speaks Python (``root=``, ``download=True``); ``message`` words
    it for another caller, as the ``chainrule`` command does with its options.

    >>> error = DatasetNotFoundError("MNIST", ["t10k-labels-idx1-ubyte.gz"], [])
    >>> str(error).split(" not found ")[1]
    '(no root= given); pass root= the folder that holds them, or download=True with a root to fetch them'
    >>> error.message("no --data-root given", "pass --data-root DIR").split(" not found ")[1]
    '(no --data-root given); pass --data-root DIR'
    """

    def __init__(self, dataset, files, searched, install_hint=""):
        self.dataset, self.files, self.searched, self.install_hint = dataset, files, searched, install_hint
        super().__init__(
            self.message(
                "no root= given",
                "pass root= the folder that holds them, or download=True with a root to fetch them",
            )
        )

    def message(self, nowhere, advice):
        """The message with ``nowhere`` saying that no folder was given and ``advice`` how to give one."""
        where = (
            f" in {', '.join(str(folder) for folder in self.searched)}" if self.searched else f" ({nowhere})"
        )
        return (
            f"{self.dataset} files ({', '.join(self.files)}, gzipped or not) not found{where}; {advice}"
            + self.install_hint
        )


class MNIST:
    """The MNIST handwritten digits (60,000 training and 10,000 test images, 28x28).

    torchvision's signature. ``root`` is a folder holding the four IDX files
    (``train-images-idx3-ubyte[.gz]`` and so on), directly or in
    ``root/<ClassName>/raw`` as torchvision lays them out; with ``root=None``
    the system locations in ``default_roots`` are searched (Debian's
    ``dataset-fashion-mnist`` package installs Fashion-MNIST in
    ``/usr/share/datasets/fashion-mnist``). ``download=True`` fetches the
    official files into ``root`` when they are missing.

    Differs from torchvision: an item is ``(image, label)`` with ``image`` a
    float32 tensor of shape (1, 28, 28) scaled to [0, 1] (what torchvision's
    ``ToTensor()`` gives) instead of a PIL image; ``transform`` receives that
    tensor. ``data`` (uint8, N x 28 x 28) and ``targets`` (int64) hold the whole
    set as tensors, which is the fast way to build a ``TensorDataset``.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]
    default_roots = []  # no system package ships MNIST's IDX files
    install_hint = ""

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        self.root = self._find_root(root, download)
        self.images_file = self._find_file(self.root, f"{prefix}-images-idx3-ubyte")
        self.labels_file = self._find_file(self.root, f"{prefix}-labels-idx1-ubyte")
        images, labels = read_idx(self.images_file), read_idx(self.labels_file)
        if images.ndim != 3 or labels.ndim != 1:
            raise ValueError(
                f"{self.images_file} has shape {images.shape} and {self.labels_file} has shape "
                f"{labels.shape}: expected images (N, height, width) and labels (N,)"
            )
        if len(images) != len(labels):
            raise ValueError(
                f"{self.images_file} holds {len(images)} images but {self.labels_file} holds "
                f"{len(labels)} labels"
            )
        for path, array in ((self.images_file, images), (self.labels_file, labels)):
            if array.dtype != np.uint8:  # converting would change values (0.5 -> 0, 300 -> 44)
                raise ValueError(
                    f"{path} holds {array.dtype} values; {type(self).__name__} files hold unsigned bytes "
                    "(IDX type code 0x08)"
                )
        self.data = from_numpy(np.ascontiguousarray(images))
        self.targets = from_numpy(labels.astype(np.int64))

    # -- where the files are -------------------------------------------------------------

    @classmethod
    def _folders(cls, root):
        root = Path(root).expanduser()
        return [root, root / cls.__name__ / "raw", root / cls.__name__]

    @classmethod
    def _has_files(cls, folder):
        return all(cls._find_file(folder, name[:-3], required=False) for name, _ in cls.resources)

    def _find_root(self, root, download):
        if download and root is None:
            raise ValueError(f"{type(self).__name__}(download=True) needs root=, the folder to download into")
        candidates = [root] if root is not None else list(self.default_roots)
        for candidate in candidates:
            for folder in self._folders(candidate):
                if self._has_files(folder):
                    return folder
        if download:
            folder = Path(root).expanduser() / type(self).__name__ / "raw"
            self._download(folder)
            return folder
        raise DatasetNotFoundError(
            type(self).__name__,
            [name for name, _ in self.resources],
            [folder for candidate in candidates for folder in self._folders(candidate)],
            self.install_hint,
        )

    @staticmethod
    def _find_file(folder, name, required=True):
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
        if required:
            raise FileNotFoundError(f"{folder / name} (or {name}.gz) not found")
        return None

    def _download(self, folder):
        folder.mkdir(parents=True, exist_ok=True)
        for name, md5 in self.resources:
            target = folder / name
            if target.is_file():
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    with urllib.request.urlopen(mirror + name, timeout=60) as response:
                        payload = response.read()
                except OSError as error:
                    errors.append(f"{mirror + name}: {error}")
                    continue
                if hashlib.md5(payload, usedforsecurity=False).hexdigest() != md5:
                    errors.append(f"{mirror + name}: checksum mismatch (expected md5 {md5})")
                    continue
                partial = target.with_suffix(".gz.part")
                partial.write_bytes(payload)
                os.replace(partial, target)
                break
            else:
                raise RuntimeError(f"could not download {name}: " + "; ".join(errors))

    # -- the Dataset protocol --------------------------------------------------------------

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        image = self.data[index].unsqueeze(0).to(float32) / 255.0
        target = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"{type(self).__name__}({split}, {len(self)} images from {self.root})"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 greyscale clothing images in 10 classes (MNIST's layout).

    Found on its own in ``/usr/share/datasets/fashion-mnist`` when the Debian
    package ``dataset-fashion-mnist`` is installed. Everything else as
    :class:`MNIST`.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
    default_roots = [Path("/usr/share/datasets/fashion-mnist")]
    install_hint = ", or install the Debian package dataset-fashion-mnist"
