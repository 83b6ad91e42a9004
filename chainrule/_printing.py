"""``repr`` of a tensor, character for character PyTorch's:
``tensor([1.0000, 2.5000], requires_grad=True)``.

The layout follows PyTorch's ``torch/_tensor_str.py``: one width for every
element, 4 decimals (or none when every value is whole), scientific notation
when the magnitudes span a wide range, at most 80 characters a line, and
tensors of more than 1000 elements summarized by their first and last 3
entries along each dimension. ``set_printoptions`` changes those numbers, as
PyTorch's does.
"""

import contextlib
import dataclasses
import math

import numpy as np

from . import _dtype


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


OPTIONS = _PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
):
    """Set how tensors print, as ``torch.set_printoptions``: ``precision`` (decimals,
    4), ``threshold`` (more elements than this are summarized, 1000), ``edgeitems``
    (entries shown at each end of a summarized dim, 3), ``linewidth`` (80),
    ``profile`` ('default', 'short' or 'full': presets the others override) and
    ``sci_mode`` (True or False forces scientific notation on or off; None, the
    default, chooses per tensor). Options not given keep their value, except
    ``sci_mode``, which every call sets.

    >>> import chainrule
    >>> chainrule.set_printoptions(precision=2)
    >>> chainrule.tensor([1.12345])
    tensor([1.12])
    >>> chainrule.set_printoptions(threshold=5)
    >>> chainrule.arange(10)
    tensor([0, 1, 2,  ..., 7, 8, 9])
    >>> chainrule.set_printoptions(profile="default")
    >>> chainrule.tensor([1.12345])
    tensor([1.1235])
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"set_printoptions: unknown profile {profile!r}; use 'default', 'short' or 'full'"
            )
        for name, value in _PROFILES[profile].items():
            setattr(OPTIONS, name, value)
    for name, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


def get_printoptions():
    """The current print options, as keywords for ``set_printoptions``.

    >>> import chainrule
    >>> chainrule.get_printoptions()["precision"]
    4
    """
    return dataclasses.asdict(OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a ``with`` block only.

    >>> import chainrule
    >>> with chainrule.printoptions(precision=1):
    ...     print(chainrule.tensor([0.25]))
    tensor([0.2])
    """
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


class _Formatter:
    """Formats every element of one tensor to a common width.

    Floats: whole numbers print as ``3.``; otherwise ``precision`` decimals;
    scientific notation when the largest nonzero magnitude is over 1e8 or over
    1000 times the smallest, or the smallest is under 1e-4 (unless the
    ``sci_mode`` option decides). The width comes from the finite nonzero
    values only, as in PyTorch.
    """

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.precision = OPTIONS.precision
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
        if OPTIONS.sci_mode is None:
            self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = bool(OPTIONS.sci_mode)
        for value in shown.tolist():
            if self.sci_mode:
                text = f"{value:.{self.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}."
            else:
                text = f"{value:.{self.precision}f}"
            self.width = max(self.width, len(text))

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{self.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{self.precision}f}"
        return " " * (self.width - len(text)) + text


def _summarized(data):
    """The elements a summarized tensor shows: the first and last ``edgeitems`` along every dim."""
    edge = OPTIONS.edgeitems
    for axis, n in enumerate(data.shape):
        if n > 2 * edge:
            keep = np.r_[0:edge, n - edge : n]
            data = np.take(data, keep, axis=axis)
    return data


def _vector_str(data, indent, summarize, formatter):
    edge = OPTIONS.edgeitems
    element_width = formatter.width + 2  # with ", "
    per_line = max(1, (OPTIONS.linewidth - indent) // element_width)
    if summarize and not edge:
        texts = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        texts = (
            [formatter.format(v) for v in data[:edge].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in data[-edge:].tolist()]
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
    edge = OPTIONS.edgeitems
    if summarize and n > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(n - edge, n))
    else:
        rows = range(n)
    slices = ["..." if i is None else _tensor_str(data[i], indent + 1, summarize, formatter) for i in rows]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text, suffixes, indent):
    """Append ``, suffix`` items, wrapping to a new line past the line width."""
    parts = [text]
    last_line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_length + len(suffix) + 2 > OPTIONS.linewidth:
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
        if not OPTIONS.edgeitems:  # PyTorch names the size when it shows no elements
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype not in (default_float, _INT64, _BOOL):  # PyTorch shows the other dtypes
            suffixes.append(f"dtype={_dtype.from_numpy_dtype(data.dtype)!r}")
        summarize = data.size > OPTIONS.threshold
        values = data.astype(np.float32) if data.dtype == np.float16 else data
        formatter = _Formatter(_summarized(values) if summarize else values)
        body = _tensor_str(values, indent, summarize, formatter)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
