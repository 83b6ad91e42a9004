"""Saving and loading: ``chainrule.save(obj, f)`` and ``chainrule.load(f)``.

This differs from PyTorch on purpose: a file is a safetensors file, never a
pickle, so loading a file can never run code. The tensors go in the
safetensors body; the object around them (dicts with str or int keys, lists,
tuples, numbers, strings, bools, None) goes in the header's ``__metadata__``
as JSON, under the key ``"chainrule"``, with each tensor referred to by its
name in the body. A tensor's name is its path in the object
(``'model.fc.weight'``, ``'optimizer.state.0.exp_avg'``), so a flat
``state_dict`` is an ordinary safetensors file whose names are its keys:
PyTorch reads it with ``safetensors.torch.load_file``, and ``load`` reads any
safetensors file (one without chainrule's metadata gives ``{name: tensor}``).

JSON tree: a list is a JSON array; every other container is a one-key
object: ``{"dict": [[key, value], ...]}`` (keeps int keys and order),
``{"tuple": [...]}``, ``{"tensor": name}``, ``{"ndarray": name}``.

Tensors that are the same memory (one tensor saved twice, tied weights) are
stored under each of their names, so that other readers find every key, and
come back as one tensor; views that only overlap are stored as separate
copies. Non-contiguous tensors are saved as contiguous copies. A tensor that
requires grad and an ``nn.Parameter`` come back as such
(``{"tensor": [name, true]}``, ``{"parameter": [name, requires_grad]}``);
state dicts hold detached tensors, which take the plain form.

Writing to a path is atomic: the file is written beside the target under a
temporary name, flushed to disk, then renamed over the target, so a crash
mid-write leaves the previous file as it was.
"""

import contextlib
import json
import math
import os
import uuid

import numpy as np
import safetensors
import safetensors.numpy

from ._dtype import FROM_NUMPY
from ._tensor import Tensor, device, wrap

__all__ = ["load", "save"]

FORMAT_KEY = "chainrule"
FORMAT_VERSION = 1

# safetensors dtype codes that chainrule can hold, and their NumPy types.
NUMPY_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
# Bytes per element of every safetensors dtype, to explain a rejected header.
ITEM_SIZES = {
    **{code: np.dtype(t).itemsize for code, t in NUMPY_DTYPES.items()},
    "BF16": 2,
    "U16": 2,
    "U32": 4,
    "U64": 8,
    "C64": 8,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
}
MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit


# --- save ---------------------------------------------------------------------------------


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True, **kwargs):
    """Save ``obj`` (a tensor, or dicts / lists / tuples of tensors, numbers,
    strings, bools and None, such as a model's and an optimizer's state_dict)
    to ``f``, a path or a binary file object. Writing to a path is atomic.

    PyTorch's pickling arguments are accepted for compatibility and ignored:
    nothing is ever pickled.

    >>> import os, tempfile, chainrule
    >>> path = os.path.join(tempfile.mkdtemp(), 'checkpoint.safetensors')
    >>> chainrule.save({'weights': {'w': chainrule.ones(2)}, 'epoch': 3, 'betas': (0.9, 0.999)}, path)
    >>> chainrule.load(path)
    {'weights': {'w': tensor([1., 1.])}, 'epoch': 3, 'betas': (0.9, 0.999)}
    """
    if isinstance(f, (str, os.PathLike)) and (not os.fspath(f) or os.fspath(f).endswith(("/", os.sep))):
        raise RuntimeError(
            f"chainrule.save: invalid file name: {os.fspath(f)!r} (give a file's name, not a folder)"
        )
    data = _serialized(*_pack(obj))
    if isinstance(f, (str, os.PathLike)):
        _write_atomically(os.fspath(f), data)
    else:
        f.write(data)


def _pack(obj):
    """The arrays to store, by name, and the safetensors metadata describing ``obj``."""
    packer = _Packer()
    try:
        tree = packer.pack(obj, ())
    except RecursionError:
        raise ValueError(
            "chainrule.save: the object is nested too deeply or contains itself; "
            "save a tree of dicts and lists"
        ) from None
    document = json.dumps({"version": FORMAT_VERSION, "object": tree}, separators=(",", ":"))
    return packer.arrays, {"format": "pt", FORMAT_KEY: document}


def _serialized(arrays, metadata):
    """The file's bytes; a header beyond safetensors' limit is explained (the JSON part is the cause)."""
    try:
        return safetensors.numpy.save(arrays, metadata)
    except safetensors.SafetensorError as error:
        if "header too large" not in str(error):
            raise
    document = metadata[FORMAT_KEY]
    raise ValueError(
        f"chainrule.save: the numbers, strings and structure around the tensors take "
        f"{len(document) / 1e6:.0f} MB of JSON{_largest_part(json.loads(document)['object'])}, beyond the "
        f"{MAX_HEADER_BYTES // 1_000_000} MB a safetensors header holds; store long lists of numbers as "
        "tensors (chainrule.tensor(values))"
    )


def _largest_part(tree):
    """', most of it at obj[key]' for the dict entry whose JSON is the largest, if the object is a dict."""
    if not (isinstance(tree, dict) and tree.get("dict")):
        return ""
    key, _ = max(tree["dict"], key=lambda item: len(json.dumps(item[1], separators=(",", ":"))))
    return f", most of it at {_where((key,))}"


class _Packer:
    """Walks the object to save: collects its arrays and builds the JSON tree."""

    def __init__(self):
        self.arrays = {}
        self.name_of_memory = {}

    def pack(self, obj, path):
        if isinstance(obj, Tensor):
            name = self.add_array(obj._data, path)
            if isinstance(obj, _parameter_type()):
                return {"parameter": [name, obj.requires_grad]}
            return {"tensor": [name, True] if obj.requires_grad else name}
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.add_array(obj, path)}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, np.generic):
            return self.pack(obj.item(), path)
        if isinstance(obj, dict):
            items = []
            for key, value in obj.items():
                if isinstance(key, np.integer):
                    key = int(key)
                if not isinstance(key, (str, int)):
                    raise TypeError(
                        f"chainrule.save: dict keys must be str or int, got {type(key).__name__} key {key!r} "
                        f"at {_where(path)}"
                    )
                items.append([key, self.pack(value, (*path, key))])
            return {"dict": items}
        if isinstance(obj, tuple):
            return {"tuple": [self.pack(value, (*path, i)) for i, value in enumerate(obj)]}
        if isinstance(obj, list):
            return [self.pack(value, (*path, i)) for i, value in enumerate(obj)]
        raise TypeError(
            f"chainrule.save: can't save a {type(obj).__module__}.{type(obj).__name__} at {_where(path)}. "
            "Files hold tensors, arrays, dicts, lists, tuples, numbers, strings, bools and None "
            "(never pickled objects); save the object's state_dict() or its fields instead."
        )

    def add_array(self, array, path):
        """Store ``array`` under a name from ``path``; an array already stored
        (the same memory, shape and strides) is stored once."""
        if array.dtype not in FROM_NUMPY:
            raise TypeError(
                f"chainrule.save: the array at {_where(path)} has dtype {array.dtype}, which chainrule "
                f"tensors don't hold; supported: {', '.join(d.name for d in FROM_NUMPY.values())}"
            )
        memory = (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)
        first = self.name_of_memory.get(memory) if array.size else None
        name = ".".join(str(part) for part in path) or "tensor"
        unique, counter = name, 0
        while unique in self.arrays or unique == "__metadata__":
            counter += 1
            unique = f"{name}~{counter}"
        if first is not None:
            # the same memory again (tied weights): its data under this name too, for readers
            # such as safetensors.torch.load_file; the structure refers to the first, so
            # chainrule.load gives one tensor
            self.arrays[unique] = self.arrays[first]
            return first
        # safetensors copies raw memory, so it needs one contiguous block.
        self.arrays[unique] = array if array.flags.c_contiguous else np.ascontiguousarray(array)
        self.name_of_memory[memory] = unique
        return unique


def _parameter_type():
    """``nn.Parameter``, imported when first needed: the nn package imports this module."""
    from .nn.parameter import Parameter

    return Parameter


def _where(path):
    return "obj" + "".join(f"[{part!r}]" for part in path)


def _write_atomically(path, data):
    """Write the file beside ``path`` and rename it over: a crash leaves the old file
    whole. A symlink's target is what gets replaced (the link stays); a device or a
    pipe (``/dev/null``) is written to, never replaced by a file."""
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {directory} does not exist (saving to {path}).")
    if os.path.exists(path) and not os.path.isfile(path):
        if os.path.isdir(path):
            raise IsADirectoryError(f"chainrule.save: {path} is a directory; give a file name")
        _write_or_explain(path, path, data)
        return
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex}.tmp")
    try:
        _write_or_explain(temporary, path, data)
        os.chmod(temporary, file_mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


def _write_or_explain(destination, path, data):
    """Write and fsync ``data``; an OSError (a full disk, no permission) names ``path``."""
    try:
        with open(destination, "wb") as file:
            file.write(data)
            file.flush()
            if os.path.isfile(destination):  # devices such as /dev/null cannot sync
                os.fsync(file.fileno())
    except OSError as error:
        # the target, not the temporary file, is what the user knows (the old file is unchanged)
        raise type(error)(error.errno, error.strerror or str(error), path) from None


def file_mode_for(path):
    """An existing file's permissions, or a new file's (0666 less the umask)."""
    with contextlib.suppress(OSError):
        return os.stat(path).st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX; elsewhere there is nothing to open)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# --- load ---------------------------------------------------------------------------------


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    """Load what ``save`` wrote (or any safetensors file) from ``f``, a path
    or a binary file object. Tensors come back as chainrule tensors on the CPU.

    Loading never runs code whatever the arguments: ``weights_only`` and
    PyTorch's pickling arguments are accepted for compatibility and ignored,
    and ``map_location`` may only name the CPU. A pickle or ``torch.save``
    file, or a truncated, corrupted or hostile file, raises ValueError naming
    the file and what is wrong.

    >>> import io, chainrule
    >>> buffer = io.BytesIO()
    >>> chainrule.save({'state': {0: {'step': chainrule.tensor(3.0)}}, 'lr': [0.1]}, buffer)
    >>> _ = buffer.seek(0)
    >>> chainrule.load(buffer)
    {'state': {0: {'step': tensor(3.)}}, 'lr': [0.1]}
    """
    if isinstance(map_location, (str, device)):
        device(map_location)  # chainrule runs on the CPU only; this names the problem otherwise
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if os.path.isdir(path):
            raise IsADirectoryError(f"chainrule.load: {path} is a directory; give the checkpoint file in it")
        try:
            with safetensors.safe_open(path, framework="np") as handle:
                source = _Source(path, handle.metadata(), handle.keys(), handle.get_slice, handle.get_tensor)
                return source.rebuild()
        except safetensors.SafetensorError as error:
            with open(path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                head = file.read(8)
                head += file.read(_header_size(head, size))
            raise ValueError(_explain_rejection(path, error, head, size)) from None
    data = f.read()
    name = str(getattr(f, "name", f"a {type(f).__name__}"))
    try:
        entries = dict(safetensors.deserialize(data))
    except safetensors.SafetensorError as error:
        head = data[: 8 + _header_size(data[:8], len(data))]
        raise ValueError(_explain_rejection(name, error, head, len(data))) from None
    header = json.loads(data[8 : 8 + _header_size(data[:8], len(data))])  # validated by deserialize
    metadata = header.get("__metadata__")

    def read(tensor_name):
        entry = entries[tensor_name]
        return np.frombuffer(entry["data"], NUMPY_DTYPES[entry["dtype"]]).reshape(entry["shape"]).copy()

    def dtype_of(tensor_name):
        return _Entry(entries[tensor_name]["dtype"])

    return _Source(name, metadata, list(entries), dtype_of, read).rebuild()


class _Entry:
    """Stands in for safetensors' slice object: the one thing read from it is the dtype code."""

    def __init__(self, dtype):
        self.dtype = dtype

    def get_dtype(self):
        return self.dtype


class _Source:
    """An opened, validated safetensors file: rebuilds the saved object from it."""

    def __init__(self, name, metadata, tensor_names, get_slice, get_tensor):
        self.name = name
        self.metadata = metadata or {}
        self.tensor_names = set(tensor_names)
        self.sorted_names = sorted(tensor_names)
        self.get_slice = get_slice
        self.get_tensor = get_tensor
        self.arrays = {}
        self.tensors = {}

    def fail(self, problem):
        return ValueError(f"{self.name}: {problem}")

    def rebuild(self):
        if FORMAT_KEY not in self.metadata:
            # A plain safetensors file (e.g. from safetensors.torch.save_file): a flat dict.
            return {name: self.tensor(name) for name in self.sorted_names}
        try:
            document = json.loads(self.metadata[FORMAT_KEY])
        except (ValueError, RecursionError) as error:
            raise self.fail(f"the chainrule structure in the metadata is not valid JSON ({error})") from None
        if not isinstance(document, dict) or "object" not in document:
            raise self.fail("the chainrule structure in the metadata has no 'object' entry")
        if document.get("version") != FORMAT_VERSION:
            raise self.fail(
                f"written in chainrule file format version {document.get('version')!r}; this chainrule "
                f"reads version {FORMAT_VERSION} (upgrade chainrule to read it)"
            )
        try:
            return self.unpack(document["object"], ())
        except RecursionError:
            raise self.fail("the chainrule structure in the metadata is nested too deeply") from None

    def unpack(self, node, path):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.unpack(value, (*path, i)) for i, value in enumerate(node)]
        if isinstance(node, dict) and len(node) == 1:
            ((kind, value),) = node.items()
            if kind == "dict" and isinstance(value, list):
                result = {}
                for item in value:
                    if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))):
                        raise self.fail(
                            f"a dict entry at {_where(path)} is not a [str or int key, value] pair"
                        )
                    result[item[0]] = self.unpack(item[1], (*path, item[0]))
                return result
            if kind == "tuple" and isinstance(value, list):
                return tuple(self.unpack(v, (*path, i)) for i, v in enumerate(value))
            if kind == "tensor" and isinstance(value, str):
                return self.tensor(value, path)
            if kind in ("tensor", "parameter") and _is_name_and_flag(value):
                return self.tensor(value[0], path, requires_grad=value[1], parameter=kind == "parameter")
            if kind == "ndarray" and isinstance(value, str):
                return self.array(value, path)
        raise self.fail(
            f"the chainrule structure has an entry it doesn't know at {_where(path)}: {node!r:.80}"
        )

    def array(self, name, path=None):
        if name not in self.arrays:
            if name not in self.tensor_names:
                where = f" at {_where(path)}" if path is not None else ""
                raise self.fail(f"the structure refers to tensor {name!r}{where}, which is not in the file")
            code = self.get_slice(name).get_dtype()
            if code not in NUMPY_DTYPES:
                raise self.fail(
                    f"tensor {name!r} has dtype {code}, which chainrule can't hold (supported: "
                    f"{', '.join(NUMPY_DTYPES)}); convert it before saving, e.g. tensor.float() in PyTorch"
                )
            array = self.get_tensor(name)
            self.arrays[name] = array if array.flags.writeable else array.copy()
        return self.arrays[name]

    def tensor(self, name, path=None, requires_grad=False, parameter=False):
        """The tensor stored as ``name``: one object for every reference to it in one form."""
        key = (name, requires_grad, parameter)
        if key not in self.tensors:
            if parameter:
                self.tensors[key] = _parameter_type()(
                    wrap(self.array(name, path)), requires_grad=requires_grad
                )
            else:
                self.tensors[key] = wrap(self.array(name, path), requires_grad)
        return self.tensors[key]


def _is_name_and_flag(value):
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], bool)
    )


def _header_size(first_bytes, size):
    """The header length the file's first 8 bytes announce, or 0 when it can't be right."""
    if len(first_bytes) < 8:
        return 0
    header_size = int.from_bytes(first_bytes[:8], "little")
    return header_size if header_size <= min(MAX_HEADER_BYTES, size - 8) else 0


def _explain_rejection(name, error, start, size):
    """Why safetensors rejected the file, in words that name the file and the fix."""
    if start[:4] == b"PK\x03\x04":
        return (
            f"{name} is a zip archive, probably a PyTorch checkpoint written by torch.save, which holds a "
            "pickle. chainrule never unpickles (loading a pickle can run arbitrary code). Convert a "
            "state_dict once in PyTorch: safetensors.torch.save_file(torch.load(path), 'model.safetensors')"
        )
    if start[:1] == b"\x80" and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05") and start[8:9] != b"{":
        return (
            f"{name} is a pickle file. chainrule never unpickles (loading a pickle can run arbitrary code); "
            "save tensors with chainrule.save or safetensors instead"
        )
    detail = _inspect_header(start, size)
    return f"{name} is not a valid safetensors file: {error}" + (f"; {detail}" if detail else "")


def _inspect_header(start, size):
    """Name the first tensor entry that doesn't fit the file (diagnosis only:
    the file has already been rejected by safetensors)."""
    if len(start) < 8:
        return f"the file has {size} bytes, fewer than the 8-byte header length"
    header_size = int.from_bytes(start[:8], "little")
    if header_size > MAX_HEADER_BYTES or header_size > size - 8:
        return f"its first 8 bytes give a header of {header_size} bytes, but the file has {size} bytes"
    try:
        header = json.loads(start[8 : 8 + header_size])
    except (ValueError, RecursionError):
        return "its header is not valid JSON"
    if not isinstance(header, dict):
        return "its header is not a JSON object"
    body_size = size - 8 - header_size
    for tensor_name, entry in header.items():
        if tensor_name == "__metadata__":
            continue
        try:
            begin, end = (int(offset) for offset in entry["data_offsets"])
            dtype, shape = entry["dtype"], [int(dim) for dim in entry["shape"]]
            if dtype not in ITEM_SIZES:
                return f"tensor {tensor_name!r} has an unknown dtype {dtype!r}"
        except (KeyError, TypeError, ValueError, OverflowError):
            return f"tensor {tensor_name!r} has a malformed entry {entry!r:.120}"
        needed = math.prod(shape) * ITEM_SIZES[dtype]
        if end > body_size:
            return (
                f"tensor {tensor_name!r} points to bytes {begin}..{end} of a data section of "
                f"{body_size} bytes (the file is truncated or its header is wrong)"
            )
        if end - begin != needed:
            return (
                f"tensor {tensor_name!r} has shape {shape} of {dtype} ({needed} bytes) but "
                f"data_offsets {begin}..{end} ({end - begin} bytes)"
            )
    return None
