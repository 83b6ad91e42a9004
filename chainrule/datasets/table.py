"""A user's own table: a CSV file of numeric features and (optionally) a label column.

Errors name the file, the row (as numbered in an editor: line 1 is the first
line of the file) and the column (1-based, with its header name when there is
one), so a bad cell can be found and fixed.
"""

import csv
from pathlib import Path

import numpy as np

from .._creation import from_numpy

__all__ = ["CSVDataset"]

MAX_CLASSES = 50  # integer labels with at most this many distinct values are classes, more is regression


def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_table(path, header, delimiter):
    """``(names, rows, row_numbers, has_header)``: the cells as strings, checked to be rectangular.

    ``header=None`` decides from the first row: it is a header when one of its
    cells is not a number. Blank lines are skipped.
    """
    if not path.is_file():
        raise FileNotFoundError(f"CSV file not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            numbered = [
                (number, row) for number, row in enumerate(csv.reader(handle, delimiter=delimiter), 1) if row
            ]
    except (UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"{path} is not a readable CSV text file: {error}") from None
    if not numbered:
        raise ValueError(f"{path} is empty: expected rows of comma-separated numbers")
    first_number, first = numbered[0]
    if header is None:
        header = not all(_is_number(cell) for cell in first)
    names = [cell.strip() for cell in first] if header else [f"column {k}" for k in range(1, len(first) + 1)]
    body = numbered[1:] if header else numbered
    for number, row in body:
        if len(row) != len(first):
            raise ValueError(
                f"{path}, row {number}: {len(row)} cells, but row {first_number} has {len(first)} "
                "(every row needs the same number of columns)"
            )
    if not body:
        raise ValueError(f"{path} has a header but no data rows")
    return names, [row for _, row in body], [number for number, _ in body], bool(header)


def _column_label(names, column, header):
    return f"column {column + 1} ({names[column]!r})" if header else f"column {column + 1}"


def _parse_numbers(path, names, rows, row_numbers, columns, header):
    """The cells of ``columns`` as a float32 array; a cell that is not a number is named by row and column."""
    cells = [[row[c] for c in columns] for row in rows]
    try:
        values = np.array(cells, dtype=np.float64).reshape(len(rows), len(columns))
    except ValueError:
        values = None
    if values is not None:
        finite = np.isfinite(values) & (np.abs(values) <= np.finfo(np.float32).max)
        if finite.all():
            return values.astype(np.float32)
        row, column = (int(i) for i in np.argwhere(~finite)[0])
        where = f"{path}, row {row_numbers[row]}, {_column_label(names, columns[column], header)}"
        raise ValueError(
            f"{where}: {cells[row][column].strip()!r} is not a finite float32 number "
            "(training on it would give a nan loss)"
        )
    for number, row in zip(row_numbers, cells):
        for column, cell in zip(columns, row):
            if not _is_number(cell):
                what = "an empty cell" if not cell.strip() else f"{cell!r} is not a number"
                raise ValueError(f"{path}, row {number}, {_column_label(names, column, header)}: {what}")
    raise AssertionError("unreachable: numpy rejected a cell that float() accepts")


class CSVDataset:
    """Rows of a CSV file as a Dataset: ``(features, label)`` items, features float32.

    ``label_column`` is a column index (negative counts from the end) or a
    header name; ``None`` means the file has no labels (items are then the
    features alone). Labels that are words become class indices in
    alphabetical order (``classes`` holds the words); integer labels with at
    most 50 distinct values are classes too, mapped to 0..C-1 in sorted order;
    other numbers are regression targets (float32). ``data`` and ``targets``
    hold the whole table as tensors.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "iris.csv"
    >>> _ = path.write_text("length,width,kind\\n5.1,3.5,setosa\\n6.2,2.9,virginica\\n")
    >>> table = CSVDataset(path, label_column="kind")
    >>> table.classes, table.targets.tolist(), tuple(table.data.shape)
    (['setosa', 'virginica'], [0, 1], (2, 2))
    """

    def __init__(self, path, label_column=-1, header=None, delimiter=","):
        self.path = Path(path)
        names, rows, row_numbers, has_header = _read_table(self.path, header, delimiter)
        n_columns = len(names)
        label = self._label_index(label_column, names, has_header, n_columns)
        feature_columns = [c for c in range(n_columns) if c != label]
        if not feature_columns:
            raise ValueError(f"{self.path}: no feature columns left besides the label column")
        self.feature_names = [names[c] for c in feature_columns]
        self.data = from_numpy(
            _parse_numbers(self.path, names, rows, row_numbers, feature_columns, has_header)
        )
        self.label_name = None if label is None else names[label]
        self.classes = None
        self.targets = None
        if label is not None:
            self._parse_labels([row[label] for row in rows], row_numbers, names, label, has_header)

    def _label_index(self, label_column, names, has_header, n_columns):
        if label_column is None:
            return None
        if isinstance(label_column, str):
            if label_column in names and has_header:
                return names.index(label_column)
            if label_column.lstrip("-").isdigit():
                label_column = int(label_column)
            else:
                raise ValueError(
                    f"{self.path}: no column named {label_column!r}; the header has {names}"
                    if has_header
                    else f"{self.path} has no header row, so name the label column by number"
                )
        if not -n_columns <= label_column < n_columns:
            raise ValueError(
                f"{self.path}: label column {label_column} is out of range for {n_columns} columns"
            )
        return label_column % n_columns

    def _parse_labels(self, cells, row_numbers, names, label, has_header):
        cells = [cell.strip() for cell in cells]
        for number, cell in zip(row_numbers, cells):
            if not cell:
                raise ValueError(
                    f"{self.path}, row {number}, {_column_label(names, label, has_header)}: empty label"
                )
        if not all(_is_number(cell) for cell in cells):
            self.classes = sorted(set(cells))
            index = {name: k for k, name in enumerate(self.classes)}
            self.targets = from_numpy(np.array([index[cell] for cell in cells], dtype=np.int64))
            return
        values = np.array(cells, dtype=np.float64)
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(
                f"{self.path}: label {cells[row]!r} in data row {row + 1} is not a finite number"
            )
        distinct = np.unique(values)
        if np.all(values == np.round(values)) and len(distinct) <= MAX_CLASSES:
            self.classes = [str(int(v)) for v in distinct]
            self.targets = from_numpy(np.searchsorted(distinct, values).astype(np.int64))
        else:
            self.targets = from_numpy(values.astype(np.float32))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        if self.targets is None:
            return self.data[index]
        return self.data[index], self.targets[index]

    def __repr__(self):
        kind = (
            "no labels"
            if self.targets is None
            else (f"{len(self.classes)} classes" if self.classes else "regression")
        )
        return f"CSVDataset({self.path}, {len(self)} rows, {len(self.feature_names)} features, {kind})"
