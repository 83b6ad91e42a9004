"""``repr`` of a tensor, character for character PyTorch's:
``tensor([1.0000, 2.5000], requires_grad=True)``.

The layout follows PyTorch's ``torch/_tensor_str.py`` with its default print
options: one width for every element, 4 decimals (or none when every value is
whole), scientific notation when the magnitudes span a wide range, at most 80
characters a line, and tensors of more than 1000 elements summarized by their
first and last 3 entries along each dimension.
"""

import math

import numpy as np

from . import _dtype

PRECISION = 4
LINE_WIDTH = 80
THRESHOLD = 1000
EDGE_ITEMS = 3

_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


class _Formatter:
    """Formats every element of one tensor to a common width.

    Floats: whole numbers print as ``3.``; otherwise 4 decimals; scientific
    notation when the largest nonzero magnitude is over 1e8 or over 1000 times
    the smallest (or, with decimals, the smallest is under 1e-4). The width
    comes from the finite nonzero values only, as in PyTorch.
    """

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.width = max(self.width, len(str(value)))
            return
        shown = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if not shown.size:
            return
        magnitude = np.abs(shown)
        largest, smallest = magnitude.max(), magnitude.min()
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if self.int_mode:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8
        else:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        for value in shown.tolist():
            if self.sci_mode:
                text = f"{value:.{PRECISION}e}"
            elif self.int_mode:
                text = f"{value:.0f}."
            else:
                text = f"{value:.{PRECISION}f}"
            self.width = max(self.width, len(text))

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{PRECISION}f}"
        return " " * (self.width - len(text)) + text


def _summarized(data):
    """The elements a summarized tensor shows: the first and last EDGE_ITEMS along every dim."""
    for axis, n in enumerate(data.shape):
        if n > 2 * EDGE_ITEMS:
            keep = np.r_[0:EDGE_ITEMS, n - EDGE_ITEMS : n]
            data = np.take(data, keep, axis=axis)
    return data


def _vector_str(data, indent, summarize, formatter):
    element_width = formatter.width + 2  # with ", "
    per_line = max(1, (LINE_WIDTH - indent) // element_width)
    if summarize and data.shape[0] > 2 * EDGE_ITEMS:
        texts = (
            [formatter.format(v) for v in data[:EDGE_ITEMS].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in data[-EDGE_ITEMS:].tolist()]
        )
    else:
        texts = [formatter.format(v) for v in data.tolist()]
    lines = [", ".join(texts[i : i + per_line]) for i in range(0, len(texts), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(data, indent, summarize, formatter):
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, formatter)
    n = data.shape[0]
    if summarize and n > 2 * EDGE_ITEMS:
        rows = list(range(EDGE_ITEMS)) + [None] + list(range(n - EDGE_ITEMS, n))
    else:
        rows = range(n)
    slices = ["..." if i is None else _tensor_str(data[i], indent + 1, summarize, formatter) for i in rows]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text, suffixes, indent):
    """Append ``, suffix`` items, wrapping to a new line past LINE_WIDTH."""
    parts = [text]
    last_line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_length + len(suffix) + 2 > LINE_WIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_length += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t):
    """PyTorch's ``repr`` of ``t`` with ``chainrule.`` in place of ``torch.``.

    >>> import chainrule
    >>> chainrule.tensor([[1.0, 2.5], [-3.0, 4.0]], requires_grad=True)
    tensor([[ 1.0000,  2.5000],
            [-3.0000,  4.0000]], requires_grad=True)
    """
    data = t._data
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    default_float = _dtype.default_float()
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != default_float:
            suffixes.append(f"dtype={_dtype.from_numpy_dtype(data.dtype)!r}")
        body = "[]"
    else:
        if data.dtype not in (default_float, _INT64, _BOOL):  # PyTorch shows the other dtypes
            suffixes.append(f"dtype={_dtype.from_numpy_dtype(data.dtype)!r}")
        summarize = data.size > THRESHOLD
        values = data.astype(np.float32) if data.dtype == np.float16 else data
        formatter = _Formatter(_summarized(values) if summarize else values)
        body = _tensor_str(values, indent, summarize, formatter)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
