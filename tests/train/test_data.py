"""Datasets by name for a run: splits, standardization, and inputs for predict."""

import numpy as np
import pytest

import chainrule
from chainrule.train.data import (
    AugmentedLoader,
    prepare_data,
    random_horizontal_flip,
    read_inputs,
    standardize,
)
from chainrule.utils.data import DataLoader, TensorDataset


def test_digits_are_split_into_train_validation_and_test_without_overlap():
    data = prepare_data("digits")
    assert data.sizes == {"train": 1294, "val": 144, "test": 359} and data.input_shape == (1, 8, 8)
    rows = [tuple(x.reshape(-1).tolist()) for part in (data.train, data.val, data.test) for x in part[0][:40]]
    assert len(set(rows)) == len(rows)
    assert data.is_image and data.classes == [str(k) for k in range(10)]


def test_training_inputs_are_standardized_and_the_statistics_are_kept_for_predict():
    data = prepare_data("digits")
    pixels = data.train[0].numpy()
    assert abs(pixels.mean()) < 1e-4 and abs(pixels.std() - 1) < 1e-4
    assert isinstance(data.mean, float) and 0 < data.mean < 16
    info = data.describe()
    assert info["input_shape"] == [1, 8, 8] and info["mean"] == data.mean


def test_the_split_is_the_same_whatever_the_training_seed():
    chainrule.manual_seed(1)
    first = prepare_data("moons").test[0].numpy()
    chainrule.manual_seed(2)
    np.testing.assert_array_equal(prepare_data("moons").test[0].numpy(), first)


def test_tables_are_standardized_per_column(tmp_path):
    rows = "\n".join(f"{k},{100 * k},{k % 2}" for k in range(50))
    (tmp_path / "t.csv").write_text("a,b,label\n" + rows + "\n")
    data = prepare_data(f"csv:{tmp_path / 't.csv'}", val_fraction=0.0)
    assert data.val is None and data.sizes["test"] == 10 and data.input_shape == (2,)
    np.testing.assert_allclose(data.train[0].numpy().mean(0), 0, atol=1e-5)
    assert len(data.mean) == 2 and data.classes == ["0", "1"]


def test_real_valued_csv_labels_become_a_regression_column(tmp_path):
    (tmp_path / "r.csv").write_text("\n".join(f"{k},{k * 0.5 + 0.25}" for k in range(20)) + "\n")
    data = prepare_data(f"csv:{tmp_path / 'r.csv'}")
    assert data.classes is None and tuple(data.train[1].shape)[1:] == (1,)


def test_an_unknown_dataset_lists_the_choices():
    with pytest.raises(
        ValueError, match=r"unknown dataset 'cifar'; choose one of digits, fashion-mnist, mnist"
    ):
        prepare_data("cifar")


def test_standardize_reshapes_flat_rows_to_the_input_shape():
    out = standardize(np.full((2, 64), 4.0), 2.0, 2.0, (1, 8, 8))
    assert out.shape == (2, 1, 8, 8) and out.dtype == np.float32 and np.all(out == 1.0)


def test_read_inputs_takes_csv_rows_and_npy_arrays_of_whole_examples(tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3,4\n5,6,7,8\n")
    np.save(tmp_path / "x.npy", np.zeros((3, 2, 2), np.uint8))
    assert read_inputs(tmp_path / "x.csv", (1, 2, 2)).shape == (2, 1, 2, 2)
    assert read_inputs(tmp_path / "x.npy", (1, 2, 2)).shape == (3, 1, 2, 2)


def test_read_inputs_names_a_wrong_width_and_suspects_a_label_column(tmp_path):
    (tmp_path / "x.csv").write_text("1,2,3,4,0\n")
    with pytest.raises(ValueError, match=r"x.csv has 5 columns, but the model takes 4 .* label column"):
        read_inputs(tmp_path / "x.csv", (1, 2, 2))
    np.save(tmp_path / "x.npy", np.zeros(5))
    with pytest.raises(
        ValueError, match=r"x.npy has shape \(5,\) .* not a whole number of examples of shape"
    ):
        read_inputs(tmp_path / "x.npy", (1, 2, 2))


@pytest.mark.parametrize("header", ["length,width,kind\n", ""])
def test_read_inputs_suspects_a_label_column_of_words_left_in_a_csv(tmp_path, header):
    (tmp_path / "iris.csv").write_text(f"{header}5.1,3.5,setosa\n6.2,2.9,virginica\n")
    with pytest.raises(
        ValueError, match=r"iris.csv, row 2, column 3 .* is not a number .* its label column\?\)$"
    ):
        read_inputs(tmp_path / "iris.csv", (2,))


def test_random_horizontal_flip_mirrors_some_images_and_leaves_the_others():
    chainrule.manual_seed(0)
    images = chainrule.arange(32 * 4.0).reshape(32, 1, 2, 2)
    out = random_horizontal_flip(images).numpy()
    flipped = [bool(np.array_equal(o, i[..., ::-1])) for o, i in zip(out, images.numpy())]
    kept = [bool(np.array_equal(o, i)) for o, i in zip(out, images.numpy())]
    assert all(f != k for f, k in zip(flipped, kept)) and 4 < sum(flipped) < 28


def test_an_augmented_loader_transforms_inputs_only_and_keeps_the_loader_generator():
    generator = chainrule.Generator().manual_seed(0)
    loader = DataLoader(
        TensorDataset(chainrule.ones(6, 2), chainrule.arange(6)), batch_size=4, generator=generator
    )
    augmented = AugmentedLoader(loader, lambda x: x * 2)
    batches = list(augmented)
    assert len(augmented) == 2 and augmented.generator is generator and len(augmented.dataset) == 6
    assert batches[0][0].tolist() == [[2.0, 2.0]] * 4 and batches[1][1].tolist() == [4, 5]
