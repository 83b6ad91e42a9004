"""Snapshot: a copy of a tensor's values (or gradient) taken at one moment.

A trace keeps small tensors in full, so a learner can check every number,
and large ones as statistics (mean, std, min, max, norm, fraction of zeros,
count of NaN/Inf), so tracing a real network does not copy all of it.

>>> import numpy as np
>>> small = Snapshot(np.array([1.0, -2.0, 0.0]))
>>> small.values
array([ 1., -2.,  0.])
>>> small.text()
'[ 1. -2.  0.]'
>>> large = Snapshot(np.zeros((100, 100)))
>>> large.values is None, large.zeros
(True, 1.0)
"""

import numpy as np

# Tensors with at most this many elements are kept in full.
FULL_LIMIT = 64


class Snapshot:
    """Values of one tensor: ``values`` (a copy, or None when larger than
    ``limit``) and statistics computed over the finite entries."""

    __slots__ = (
        "shape",
        "dtype",
        "values",
        "head",
        "mean",
        "std",
        "min",
        "max",
        "norm",
        "zeros",
        "nonfinite",
    )

    def __init__(self, array, limit=FULL_LIMIT):
        array = np.asarray(array)
        self.shape = tuple(array.shape)
        self.dtype = str(array.dtype)
        self.values = array.copy() if array.size <= limit else None
        self.head = array.reshape(-1)[:8].copy()
        numbers = array.astype(np.float64) if array.dtype.kind in "fiub" else np.zeros(0)
        finite = numbers[np.isfinite(numbers)]
        self.nonfinite = int(numbers.size - finite.size)
        self.zeros = float(np.mean(numbers == 0)) if numbers.size else 0.0
        if finite.size:
            self.mean = float(finite.mean())
            self.std = float(finite.std())
            self.min = float(finite.min())
            self.max = float(finite.max())
            self.norm = float(np.sqrt(np.sum(finite * finite)))
        else:
            self.mean = self.std = self.min = self.max = self.norm = float("nan")

    @property
    def numel(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def has_nonfinite(self):
        return self.nonfinite > 0

    def text(self, precision=4, width=60):
        """The values (small) or a one-line summary (large)."""
        if self.values is not None:
            values = self.values + 0.0 if self.values.dtype.kind == "f" else self.values  # no "-0."
            if values.ndim == 0:
                return _number(values.item(), precision)
            return np.array2string(
                values, precision=precision, suppress_small=True, max_line_width=width, separator=" "
            )
        return self.stats_text(precision, width)

    def stats_text(self, precision=4, width=None):
        """The count, mean, std, min and max (and zeros, NaN/Inf if any): on one line,
        or on several when one would be wider than ``width``."""
        p = precision
        parts = [
            f"{self.numel:,} values:",
            f"mean {self.mean:.{p}g}, std {self.std:.{p}g},",
            f"min {self.min:.{p}g}, max {self.max:.{p}g}",
        ]
        if self.zeros:
            parts[-1] += f", {self.zeros:.0%} zeros"
        if self.nonfinite:
            parts[-1] += f", {self.nonfinite} NaN/Inf"
        line = " ".join(parts)
        return line if width is None or len(line) <= width else "\n".join(parts)

    def to_dict(self):
        """A JSON-ready dict (NaN and Inf as the strings "NaN", "Infinity", "-Infinity")."""
        return {
            "shape": list(self.shape),
            "dtype": self.dtype,
            "values": None if self.values is None else _json_numbers(self.values),
            "head": _json_numbers(self.head),
            "stats": {
                name: _json_number(getattr(self, name))
                for name in ("mean", "std", "min", "max", "norm", "zeros")
            },
            "nonfinite": self.nonfinite,
        }

    def __repr__(self):
        return f"Snapshot(shape={self.shape}, {self.text()})"


def _number(x, precision=4):
    return np.format_float_positional(x, precision=precision, trim="-") if np.isfinite(x) else str(x)


def _json_number(x):
    """A float for JSON, which has no NaN or Inf: those become strings."""
    x = float(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _json_numbers(array):
    array = np.asarray(array)
    if array.dtype.kind == "b":
        return array.tolist()
    if array.ndim == 0:
        return _json_number(array)
    return [_json_numbers(a) for a in array]
