"""``repr`` of a tensor in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

import numpy as np

from . import _dtype

_DEFAULT_SHOWN = {np.dtype(np.int64), np.dtype(np.bool_)}


def _float_formatter(values):
    """PyTorch's choice: '1.' when every finite nonzero value is whole, else 4
    decimals, or scientific notation when the magnitudes span a wide range."""
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0]).astype(np.float64)
    if not nonzero.size:
        return "{:.0f}."
    if np.all(nonzero == np.round(nonzero)):
        return "{:.4e}" if nonzero.max() > 1e8 else "{:.0f}."
    if nonzero.max() / nonzero.min() > 1000 or nonzero.max() > 1e8 or nonzero.min() < 1e-4:
        return "{:.4e}"
    return "{:.4f}"


def _format_values(data):
    if data.dtype.kind == "b":
        pattern = "{}"
        to_text = lambda v: str(bool(v))  # noqa: E731
    elif data.dtype.kind == "f":
        pattern = _float_formatter(data.reshape(-1))

        def to_text(v):
            if np.isnan(v):
                return "nan"
            if np.isinf(v):
                return "inf" if v > 0 else "-inf"
            return pattern.format(float(v))
    else:
        to_text = lambda v: str(int(v))  # noqa: E731
    sample = data if data.size <= 1000 else _summary_sample(data)
    width = max((len(to_text(v)) for v in sample.reshape(-1)), default=0)
    return lambda v: to_text(v).rjust(width)


def _summary_sample(data):
    """The elements that are shown when a large tensor is summarized."""
    index = tuple(np.r_[0 : min(3, n), max(n - 3, 3) : n] if n > 6 else slice(None) for n in data.shape)
    return data[np.ix_(*[np.atleast_1d(np.arange(n)[i]) for n, i in zip(data.shape, index)])]


def tensor_repr(t):
    data = t._data
    suffixes = []
    if data.size == 0 and data.ndim != 1:
        suffixes.append(f"size={tuple(data.shape)}")
    if data.dtype != _dtype.default_float() and data.dtype not in _DEFAULT_SHOWN:
        suffixes.append(f"dtype={_dtype.from_numpy_dtype(data.dtype)!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    prefix = "tensor("
    if data.ndim == 0:
        body = _format_values(data)(data.item()).strip()
    elif data.size == 0:
        body = "[]"
    else:
        fmt = _format_values(data)
        body = np.array2string(
            data,
            separator=", ",
            prefix=prefix,
            max_line_width=80,
            threshold=1000,
            edgeitems=3,
            formatter={"all": fmt},
        )
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
