"""IDX reading and the MNIST / Fashion-MNIST datasets, on small IDX files written here."""

import gzip
import hashlib
import io
import struct

import numpy as np
import pytest

import chainrule
from chainrule.datasets import MNIST, FashionMNIST, read_idx

NAMES = {
    (True, "images"): "train-images-idx3-ubyte",
    (True, "labels"): "train-labels-idx1-ubyte",
    (False, "images"): "t10k-images-idx3-ubyte",
    (False, "labels"): "t10k-labels-idx1-ubyte",
}


def idx_bytes(array, type_code=0x08):
    """The IDX encoding of ``array``, written independently of the reader under test."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    big_endian = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[type_code]
    return header + array.astype(big_endian).tobytes()


def write_mnist_folder(folder, n_train=6, n_test=4, gzipped=True, seed=0):
    """Four small IDX files in MNIST's names; returns the arrays written."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for train, count in ((True, n_train), (False, n_test)):
        arrays[(train, "images")] = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        arrays[(train, "labels")] = rng.integers(0, 10, count).astype(np.uint8)
    for key, array in arrays.items():
        payload = idx_bytes(array)
        name = NAMES[key] + (".gz" if gzipped else "")
        (folder / name).write_bytes(gzip.compress(payload) if gzipped else payload)
    return arrays


def test_read_idx_reads_gzipped_and_raw_files_alike(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "raw").write_bytes(idx_bytes(array))
    (tmp_path / "zipped.gz").write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(tmp_path / "raw"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "zipped.gz"), array)


@pytest.mark.parametrize(
    "type_code, dtype",
    [(0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32), (0x0D, np.float32), (0x0E, np.float64)],
)
def test_read_idx_decodes_every_big_endian_type(tmp_path, type_code, dtype):
    array = np.array([[-3, 2], [1, 100]], dtype=dtype)
    (tmp_path / "f").write_bytes(idx_bytes(array, type_code))
    values = read_idx(tmp_path / "f")
    assert values.dtype == dtype
    np.testing.assert_array_equal(values, array)


def test_truncated_idx_file_error_names_the_file_and_both_sizes(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros((3, 28, 28), np.uint8))[:-10])
    with pytest.raises(
        ValueError, match=r"train-images-idx3-ubyte is truncated: .*\(3, 28, 28\) \(2352 bytes.*2342"
    ):
        read_idx(path)


def test_file_that_is_not_idx_is_rejected_with_its_first_bytes(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(b"hello world")
    with pytest.raises(
        ValueError, match=r"labels is not an IDX file: it starts with bytes \[104, 101, 108, 108\]"
    ):
        read_idx(path)


def test_corrupt_gzip_error_names_the_file(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(100, np.uint8)))[:30])
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz is a corrupt or truncated gzip file"):
        read_idx(path)


@pytest.mark.parametrize("gzipped", [True, False])
def test_mnist_reads_a_folder_of_idx_files(tmp_path, gzipped):
    arrays = write_mnist_folder(tmp_path, gzipped=gzipped)
    train, test = MNIST(tmp_path), MNIST(tmp_path, train=False)
    assert (len(train), len(test)) == (6, 4)
    np.testing.assert_array_equal(train.data.numpy(), arrays[(True, "images")])
    np.testing.assert_array_equal(test.targets.numpy(), arrays[(False, "labels")])
    assert train.data.dtype == chainrule.uint8 and train.targets.dtype == chainrule.int64


def test_an_item_is_a_float_image_in_the_unit_range_and_an_int_label(tmp_path):
    arrays = write_mnist_folder(tmp_path)
    image, label = FashionMNIST(tmp_path)[2]
    assert tuple(image.shape) == (1, 28, 28) and image.dtype == chainrule.float32
    np.testing.assert_allclose(image.numpy()[0], arrays[(True, "images")][2] / 255.0, rtol=1e-6)
    assert label == int(arrays[(True, "labels")][2]) and isinstance(label, int)


def test_transforms_apply_to_the_image_and_the_label(tmp_path):
    write_mnist_folder(tmp_path)
    data = MNIST(tmp_path, transform=lambda image: image * 0, target_transform=lambda label: label + 100)
    image, label = data[0]
    assert float(image.abs().sum()) == 0.0 and label >= 100


def test_items_batch_through_a_dataloader(tmp_path):
    write_mnist_folder(tmp_path)
    images, labels = next(iter(chainrule.utils.data.DataLoader(FashionMNIST(tmp_path), batch_size=4)))
    assert tuple(images.shape) == (4, 1, 28, 28) and tuple(labels.shape) == (4,)


def test_files_are_found_in_torchvisions_layout_too(tmp_path):
    write_mnist_folder(tmp_path / "FashionMNIST" / "raw")
    assert FashionMNIST(tmp_path).root == tmp_path / "FashionMNIST" / "raw"


def test_fashion_mnist_finds_the_debian_location_on_its_own(tmp_path, monkeypatch):
    assert FashionMNIST.default_roots[0].as_posix() == "/usr/share/datasets/fashion-mnist"
    write_mnist_folder(tmp_path)
    monkeypatch.setattr(FashionMNIST, "default_roots", [tmp_path])
    assert len(FashionMNIST()) == 6


def test_missing_files_error_names_the_folders_searched_and_the_remedies(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        FashionMNIST(tmp_path / "nowhere")
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz" in message and str(tmp_path / "nowhere") in message
    assert "download=True" in message and "dataset-fashion-mnist" in message


def test_image_and_label_counts_must_agree(tmp_path):
    write_mnist_folder(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(5, np.uint8))))
    with pytest.raises(ValueError, match=r"holds 6 images but .*train-labels-idx1-ubyte.gz holds 5 labels"):
        MNIST(tmp_path)


@pytest.mark.parametrize("type_code, values", [(0x0D, [0.5, 0.25]), (0x0C, [300, 7])])
def test_images_that_are_not_bytes_are_refused_not_converted(tmp_path, type_code, values):
    # converting would silently change them: 0.5 -> 0, 300 -> 44
    write_mnist_folder(tmp_path)
    images = np.resize(np.array(values), (6, 28, 28))
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, type_code)))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz holds (float32|int32) values"):
        MNIST(tmp_path)


def test_mnist_without_a_root_says_where_to_get_the_files():
    with pytest.raises(FileNotFoundError, match=r"MNIST files .* not found \(no root= given\); pass root="):
        MNIST()


def test_download_needs_a_folder_to_download_into():
    with pytest.raises(ValueError, match=r"download=True\) needs root="):
        MNIST(download=True)


def test_download_fetches_the_four_files_and_checks_their_checksums(tmp_path, monkeypatch):
    """No network: urlopen is replaced by a stand-in serving files made here."""
    write_mnist_folder(tmp_path / "source")
    served = {path.name: path.read_bytes() for path in (tmp_path / "source").iterdir()}
    resources = [(name, hashlib.md5(payload).hexdigest()) for name, payload in served.items()]
    monkeypatch.setattr(MNIST, "resources", resources)
    requested = []

    def fake_urlopen(url, timeout):
        requested.append(url)
        return io.BytesIO(served[url.rsplit("/", 1)[1]])

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    data = MNIST(tmp_path / "cache", download=True)
    assert len(data) == 6 and len(requested) == 4
    assert sorted(p.name for p in (tmp_path / "cache" / "MNIST" / "raw").iterdir()) == sorted(served)


def test_a_download_with_a_wrong_checksum_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(MNIST, "resources", [("train-images-idx3-ubyte.gz", "0" * 32)])
    monkeypatch.setattr(MNIST, "mirrors", ["http://mirror.invalid/"])
    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout: io.BytesIO(b"not the file"))
    with pytest.raises(
        RuntimeError, match=r"could not download train-images-idx3-ubyte.gz: .*checksum mismatch"
    ):
        MNIST(tmp_path, download=True)
    assert not list((tmp_path / "MNIST" / "raw").iterdir())
