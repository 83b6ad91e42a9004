"""CSVDataset: a user's own table, and errors that point at the bad cell."""

import numpy as np
import pytest

import chainrule
from chainrule.datasets import CSVDataset


def write(tmp_path, text, name="table.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_header_is_detected_and_the_last_column_is_the_label(tmp_path):
    table = CSVDataset(write(tmp_path, "a,b,label\n1,2,0\n3,4,1\n5,6,1\n"))
    assert table.feature_names == ["a", "b"] and table.label_name == "label"
    np.testing.assert_array_equal(table.data.numpy(), [[1, 2], [3, 4], [5, 6]])
    assert table.targets.tolist() == [0, 1, 1] and table.classes == ["0", "1"]
    assert table.data.dtype == chainrule.float32 and table.targets.dtype == chainrule.int64


def test_a_file_without_header_is_all_data(tmp_path):
    table = CSVDataset(write(tmp_path, "1,2,0\n3,4,1\n"))
    assert len(table) == 2 and table.feature_names == ["column 1", "column 2"]


def test_the_label_column_can_be_named_or_numbered_from_either_end(tmp_path):
    path = write(tmp_path, "kind,x,y\ncat,1,2\ndog,3,4\n")
    by_name, by_index, by_negative = (CSVDataset(path, label_column=c) for c in ("kind", 0, -3))
    for table in (by_name, by_index, by_negative):
        assert table.classes == ["cat", "dog"] and table.targets.tolist() == [0, 1]
        np.testing.assert_array_equal(table.data.numpy(), [[1, 2], [3, 4]])
    assert CSVDataset(path, label_column="0").label_name == "kind"


def test_word_labels_become_class_indices_in_alphabetical_order(tmp_path):
    table = CSVDataset(write(tmp_path, "x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n"))
    assert table.classes == ["setosa", "versicolor", "virginica"]
    assert table.targets.tolist() == [2, 0, 1, 0]


def test_integer_labels_are_mapped_to_consecutive_classes(tmp_path):
    table = CSVDataset(write(tmp_path, "1,-1\n2,1\n3,-1\n"))
    assert table.classes == ["-1", "1"] and table.targets.tolist() == [0, 1, 0]


def test_real_valued_labels_are_regression_targets(tmp_path):
    table = CSVDataset(write(tmp_path, "x,price\n1,10.5\n2,20.25\n"))
    assert table.classes is None and table.targets.dtype == chainrule.float32
    assert table.targets.tolist() == [10.5, 20.25]


def test_without_a_label_column_items_are_features_only(tmp_path):
    table = CSVDataset(write(tmp_path, "1,2\n3,4\n"), label_column=None)
    assert table.targets is None and table[1].tolist() == [3.0, 4.0]


def test_items_are_feature_rows_and_labels(tmp_path):
    features, label = CSVDataset(write(tmp_path, "1,2,0\n3,4,1\n"))[1]
    assert features.tolist() == [3.0, 4.0] and int(label) == 1


def test_a_ragged_row_is_named_with_its_cell_count(tmp_path):
    path = write(tmp_path, "a,b,label\n1,2,0\n3,4\n")
    with pytest.raises(ValueError, match=r"table.csv, row 3: 2 cells, but row 1 has 3"):
        CSVDataset(path)


def test_a_non_numeric_cell_is_named_by_row_and_column(tmp_path):
    path = write(tmp_path, "width,height,label\n1,2,0\n3,tall,1\n")
    with pytest.raises(ValueError, match=r"table.csv, row 3, column 2 \('height'\): 'tall' is not a number"):
        CSVDataset(path)


@pytest.mark.parametrize("cell", ["nan", "inf", "-Infinity", "1e400"])
def test_a_cell_that_is_not_a_finite_float32_is_named_by_row_and_column(tmp_path, cell):
    # accepted, it would only show later as a nan loss with a learning-rate hint
    path = write(tmp_path, f"width,height,label\n1,2,0\n3,{cell},1\n")
    with pytest.raises(
        ValueError, match=rf"row 3, column 2 \('height'\): '{cell}' is not a finite float32 number"
    ):
        CSVDataset(path)


def test_an_empty_cell_is_named_by_row_and_column(tmp_path):
    path = write(tmp_path, "1,2,0\n3,,1\n")
    with pytest.raises(ValueError, match=r"row 2, column 2: an empty cell"):
        CSVDataset(path)


def test_rows_are_numbered_as_in_an_editor_even_after_blank_lines(tmp_path):
    path = write(tmp_path, "1,2,0\n\n3,x,1\n")
    with pytest.raises(ValueError, match=r"row 3, column 2: 'x' is not a number"):
        CSVDataset(path)


def test_an_unknown_label_column_name_lists_the_header(tmp_path):
    with pytest.raises(ValueError, match=r"no column named 'kind'; the header has \['a', 'b'\]"):
        CSVDataset(write(tmp_path, "a,b\n1,2\n"), label_column="kind")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"CSV file not found: .*missing.csv"):
        CSVDataset(tmp_path / "missing.csv")


def test_an_empty_file_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"empty.csv is empty"):
        CSVDataset(write(tmp_path, "", "empty.csv"))
