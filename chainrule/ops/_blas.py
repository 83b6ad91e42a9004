"""Matrix products and vector updates through a BLAS library loaded with ctypes:
Intel's MKL on Intel processors, OpenBLAS (the ``scipy-openblas32`` wheel) on
others, NumPy where neither is installed.

NumPy's wheels bundle OpenBLAS, but chainrule holds it to one thread (why:
_settings.py). On the shapes of the layers chainrule trains (a 784-256 linear
layer on a batch of 128, its weight gradient), MKL's sgemm on the project's
2-core Xeon was 1.1-1.2x as fast as OpenBLAS's on one thread, and its threads
sped a product up 1.7-2x where OpenBLAS's gained 1.4x at best. MKL runs its
fastest code only on Intel's processors, though: on AMD's it takes an AVX2
path, while OpenBLAS picks AVX-512 kernels for a CPU that has them, twice as
fast on a Zen 5 EPYC (128x784 @ 784x256 on 2 threads: 154 µs against MKL's
313 and PyTorch's 303, which uses the same MKL). OpenBLAS honours
``OPENBLAS_CORETYPE``: where it is set (this project's VMs set ``Haswell``,
for older OpenBLAS builds), it runs those kernels (on Zen 5, AVX2: 240 µs).
So on processors other than Intel's, float32 products go to oneDNN's sgemm
(the ``onednn`` choice; ops/_dnnl.py: ``cblas_sgemm``), which picks its kernels
from what the processor has: 108-116 µs there on 2 OpenMP threads, and the
784-256-256-10 MLP's training step 0.62x of PyTorch's time where OpenBLAS's
Haswell kernels took 0.95x and its AVX-512 ones 0.71x. OpenBLAS keeps float64
and the vector routines, on one thread. ``CHAINRULE_BLAS=mkl``, ``onednn``,
``openblas`` or ``numpy`` overrides the choice.

Large 2-D products go to the library's ``cblas_?gemm``, which releases the
GIL; stacks of them (a convolution's per-image products) to
``cblas_?gemm_batch_strided``, one call for the batch. Small ones stay with
NumPy: a ctypes call costs ~4 µs, ``ndarray.dot`` ~0.4 µs.

Threads: a product on the main thread runs on ``chainrule.get_num_threads()``
of the library's threads. On any other thread (chainrule's pool, which
already runs a slice per core) MKL runs it on one; OpenBLAS's thread count
is the whole process's, and its bits change with it, so there NumPy runs it.
Both libraries' workers busy-wait after each product and then sleep. Their
defaults (MKL 200 ms, OpenBLAS 2^28 cycles, ~0.1 s) would hold the second
core long after a training step's last product, away from chainrule's pool
and every other program. MKL's ``KMP_BLOCKTIME`` is 5 ms: at 1 ms its
workers fell asleep between products and each product paid for waking them
(the MLP tensor-ops step of bench.py: 1.47-1.55 ms at 1 ms, 1.21-1.25 ms at
2-5 ms, 1.23 ms at 200 ms; LeNet-5's 5.6-5.9 ms at 1 ms, 4.75-4.95 ms at 5).
OpenBLAS's ``OPENBLAS_THREAD_TIMEOUT`` is 2^20 cycles (~0.4 ms): its
workers wake fast enough for the MLP steps (0.66-0.70x of PyTorch at 2^20,
0.63-0.66x at 2^24), and spinning longer took the core from the pool's
convolutions after the CNN's linear layers (Fashion-MNIST CNN epoch, 1.05x
and 1.07x of PyTorch at 2^20, 1.17x twice at 2^24). Set before the library
loads, unless the user set them.

Vector updates of large arrays go to the library's level-1 routines the
same way, on its threads where NumPy uses one core: SGD's
``param += -lr * step`` and ``buffer = momentum * buffer + grad``
(``?axpy`` / ``?axpby``: one pass where NumPy makes two; a 784x256 weight:
14 µs against 55 µs; ``?axpy`` rounds once, as PyTorch's
``add_(..., alpha=)`` does), a Tensor's ``+=`` / ``-=`` (``?axpy`` with +-1:
NumPy's bits) and ``x * number`` (``?copy`` + ``?scal``: NumPy's bits); on
OpenBLAS only ``?axpy``, whose other two are slower than NumPy's passes.

The library loads on the first large product, not at ``import chainrule``
(MKL takes ~0.15 s). MKL is not loaded when an Intel OpenMP runtime is
already in the process (a second copy aborts the process). Without a
library every product goes to NumPy, whose results agree to float rounding.
"""

import collections
import ctypes
import math
import os
import sys
import sysconfig
import threading
import warnings

import numpy as np

from .._settings import get_num_threads

# Below this many multiply-adds (m * n * k) NumPy's single-thread product is as fast:
# ctypes' call and MKL's second thread cost more than they save (128x256 @ 256x10:
# 9.7 us on NumPy, 14.5 on MKL; 64x256 @ 256x120: 34.8 and 31.8). Callers on a hot
# path compare with it first, saving matrix_product's call.
MIN_WORK = 1 << 20

# From this many elements a vector update goes to the BLAS library (a ctypes call costs ~3 µs).
MIN_VECTOR = 1 << 15

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# Filled by _load: the library's name and handle, and by dtype: gemm, the batched
# gemm, the vector routines (axpy, axpby, copy, scal) and OpenBLAS's transposing copy
# (omatcopy). "loaded": None until first asked.
_state = {
    "loaded": None,
    "name": None,
    "library": None,
    "gemm": {},
    "batched": {},
    "vector": {},
    "transpose": {},
}
_thread = threading.local()
_loading = threading.Lock()
_CHOICES = ("mkl", "onednn", "openblas", "numpy")


def _installed_file(distribution, name_start):
    """The path of the file of ``distribution`` whose name starts with ``name_start``, or None."""
    from importlib import metadata

    try:
        files = metadata.distribution(distribution).files or ()
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name.startswith(name_start):
            return str(file.locate())
    return None


def _openmp_already_loaded(own):
    """Whether an Intel OpenMP runtime or MKL other than the one at ``own`` is in the process."""
    directory = os.path.dirname(os.path.realpath(own))
    try:
        with open("/proc/self/maps") as maps:
            return any(("libiomp5" in line or "libmkl" in line) and directory not in line for line in maps)
    except OSError:  # not Linux: ask nothing, load nothing
        return True


def _cpu_vendor():
    """The processor's maker as /proc/cpuinfo names it ("GenuineIntel", "AuthenticAMD"), or ""."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() == "vendor_id":
                    return value.strip()
    except OSError:
        pass
    return ""


def _preference(vendor):
    """The libraries to try, best first: ``CHAINRULE_BLAS`` or the CPU's vendor decides."""
    chosen = os.environ.get("CHAINRULE_BLAS", "").strip().lower()
    if chosen:
        if chosen not in _CHOICES:
            raise ValueError(
                f"CHAINRULE_BLAS must be one of {', '.join(_CHOICES)}, not {os.environ['CHAINRULE_BLAS']!r}"
            )
        return () if chosen == "numpy" else (chosen,)
    return ("mkl", "onednn", "openblas") if vendor == "GenuineIntel" else ("onednn", "openblas", "mkl")


def _open_mkl():
    path = _installed_file("mkl", "libmkl_rt.so")
    if path is None or _openmp_already_loaded(path):
        return None
    os.environ.setdefault("KMP_BLOCKTIME", "5")  # read when its threads start, so it stays set
    library = ctypes.CDLL(path)
    library.MKL_Set_Num_Threads(get_num_threads())
    return library, "cblas_"


def _open_openblas():
    path = _installed_file("scipy-openblas32", "libscipy_openblas")
    if path is None:
        return None
    users_timeout = os.environ.get("OPENBLAS_THREAD_TIMEOUT")
    if users_timeout is None:  # 2^20 cycles, ~0.4 ms at 2.6 GHz
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = "20"
    try:
        library = ctypes.CDLL(path)
    finally:  # read as it loads: not left set for child processes
        if users_timeout is None:
            del os.environ["OPENBLAS_THREAD_TIMEOUT"]
    library.scipy_openblas_set_num_threads(get_num_threads())
    return library, "scipy_cblas_"


def _open_onednn():
    """OpenBLAS for float64 and the vector routines, oneDNN's sgemm for float32 products
    (why: _dnnl.cblas_sgemm). OpenBLAS runs on one thread: its workers, spinning 0.4 ms
    after each call, took the core from sgemm's OpenMP team (the MLP step of bench.py:
    0.64 ms with OpenBLAS on one thread, 1.12 ms on two; 0.93 ms on OpenBLAS alone)."""
    from . import _dnnl

    if not _dnnl.is_available():
        return None
    opened = _open_openblas()
    if opened is not None:
        opened[0].scipy_openblas_set_num_threads(1)
    return opened


def _on_threads(openblas, routine):
    """``routine`` on chainrule's threads of OpenBLAS, which waits on one beside oneDNN:
    a stack of products (a convolution's per image) has no oneDNN routine, and LeNet-5's
    step took 1.42-1.44x of PyTorch's time with its first layer's on one thread, 1.28x on two."""
    set_threads = openblas.scipy_openblas_set_num_threads

    def on_threads(*args):
        set_threads(get_num_threads())
        try:
            routine(*args)
        finally:
            set_threads(1)

    return on_threads


_OPENERS = {"mkl": _open_mkl, "onednn": _open_onednn, "openblas": _open_openblas}
_WHEELS = {
    "mkl": "the mkl wheel",
    "onednn": "the onednn-cpu-gomp and scipy-openblas32 wheels",
    "openblas": "the scipy-openblas32 wheel",
}


class _ArrayHead(ctypes.Structure):
    """The start of NumPy's array object (``PyArrayObject_fields``): Python's object
    header, then the data pointer. Compiled extensions read that pointer in place
    (NumPy's ``PyArray_DATA``), so NumPy's ABI fixes where it is."""

    _fields_ = [("refcount", ctypes.c_ssize_t), ("type", ctypes.c_void_p), ("data", ctypes.c_void_p)]


def _address_from_head(array):
    return _ArrayHead.from_address(id(array)).data


def _address_from_ctypes(array):
    return array.ctypes.data


def _address_reader():
    """How to get an array's data address: read in place (0.12 µs) where this
    interpreter lays objects out as CPython's default build does, checked on
    arrays and views; else ``array.ctypes.data`` (0.9 µs, a helper object per call,
    three per product)."""
    if sys.implementation.name != "cpython" or sysconfig.get_config_var("Py_GIL_DISABLED"):
        return _address_from_ctypes
    probe = np.arange(12.0).reshape(3, 4)
    for array in (probe, probe[1:], probe.T, probe[:, 2]):
        if _address_from_head(array) != array.ctypes.data:
            return _address_from_ctypes
    return _address_from_head


_address = _address_from_ctypes  # set by _load


# BLAS level-1 routines of one dtype: y += a x; y = a x + b y; y = x; x *= a.
_VectorRoutines = collections.namedtuple("_VectorRoutines", "axpy axpby copy scal")


def _function(library, name, *argtypes):
    function = getattr(library, name)
    function.restype = None
    function.argtypes = argtypes
    return function


def _load():
    """Load the preferred BLAS library and its routines into ``_state``; False when
    there is none to use."""
    preference = _preference(_cpu_vendor())
    for name in preference:
        try:
            opened = _OPENERS[name]()
        except OSError:  # a broken install: try the next library
            opened = None
        if opened is not None:
            break
    else:
        if len(preference) == 1:  # the user's choice
            warnings.warn(
                f"CHAINRULE_BLAS={preference[0]}, but it cannot be loaded ({_WHEELS[preference[0]]} not "
                "installed, or another MKL/Intel OpenMP already in the process): NumPy's BLAS runs "
                "the products",
                RuntimeWarning,
                stacklevel=2,
            )
        return False
    library, prefix = opened
    p, i = ctypes.c_void_p, ctypes.c_int
    for letter, dtype, f in (("s", np.float32, ctypes.c_float), ("d", np.float64, ctypes.c_double)):
        dtype = np.dtype(dtype)
        routine = f"{prefix}{letter}"
        _state["gemm"][dtype] = _function(library, f"{routine}gemm", i, i, i, i, i, i, f, p, i, p, i, f, p, i)
        _state["batched"][dtype] = _function(
            library, f"{routine}gemm_batch_strided", i, i, i, i, i, i, f, p, i, i, p, i, i, f, p, i, i, i
        )
        axpy = _function(library, f"{routine}axpy", i, f, p, i, p, i)
        if name == "mkl":
            _state["vector"][dtype] = _VectorRoutines(
                axpy,
                _function(library, f"{routine}axpby", i, f, p, i, f, p, i),
                _function(library, f"{routine}copy", i, p, i, p, i),
                _function(library, f"{routine}scal", i, f, p, i),
            )
        else:  # OpenBLAS's axpby and copy + scal are slower than NumPy's passes (Zen 5,
            # 784x256 floats: axpby 59 us vs 25, copy + scal 27 vs 16; its axpy 9 vs 16)
            _state["vector"][dtype] = _VectorRoutines(axpy, None, None, None)
            _state["transpose"][dtype] = _function(library, f"{routine}omatcopy", i, i, i, i, f, p, i, p, i)
    if name == "onednn":
        from . import _dnnl

        _state["gemm"][np.dtype(np.float64)] = _on_threads(library, _state["gemm"][np.dtype(np.float64)])
        _state["gemm"][np.dtype(np.float32)] = _dnnl.cblas_sgemm()
        for dtype, batched in _state["batched"].items():
            _state["batched"][dtype] = _on_threads(library, batched)
    global _address
    _address = _address_reader()
    _state["library"], _state["name"] = library, name
    return True


def is_available():
    """Whether large matrix products run on a BLAS library of chainrule's (MKL or
    OpenBLAS), loading it if it has not been.

    >>> from chainrule.ops._blas import is_available
    >>> is_available() in (True, False)
    True
    """
    if _state["loaded"] is None:
        with _loading:  # the first asker may be a pool thread (transpose_into); load once
            if _state["loaded"] is None:
                _state["loaded"] = _load()
    return _state["loaded"]


def library_name():
    """``"mkl"``, ``"onednn"`` (float32; OpenBLAS float64), ``"openblas"`` or ``None``
    (NumPy): what runs the large products.

    >>> from chainrule.ops._blas import library_name
    >>> library_name() in ("mkl", "onednn", "openblas", None)
    True
    """
    return _state["name"] if is_available() else None


def describe():
    """What runs the large products, for benchmark reports.

    >>> from chainrule.ops._blas import describe
    >>> describe().split()[0] in ("MKL", "OpenBLAS", "oneDNN", "NumPy's")
    True
    """
    name = library_name()
    if name == "mkl":
        return "MKL"
    if name in ("onednn", "openblas"):
        corename = _state["library"].scipy_openblas_get_corename
        corename.restype = ctypes.c_char_p
        openblas = f"OpenBLAS ({corename().decode()} kernels)"
        return f"oneDNN (float32) and {openblas}" if name == "onednn" else openblas
    return "NumPy's BLAS"


def mkl_is_installed():
    """Whether the ``mkl`` wheel is installed (``chainrule.backends.mkl.is_available``)."""
    return _installed_file("mkl", "libmkl_rt.so") is not None


def _ready():
    """Whether the calling thread's products go to the library. On its first call
    on a thread other than the main one (chainrule's pool already has a core):
    MKL is set to one thread there; OpenBLAS, whose thread count is the whole
    process's, is not used there."""
    if not is_available():
        return False
    usable = getattr(_thread, "usable", None)
    if usable is None:
        usable = True
        if threading.current_thread() is not threading.main_thread():
            if _state["name"] == "mkl":
                _state["library"].MKL_Set_Num_Threads_Local(1)
            else:
                usable = False
        _thread.usable = usable
    return usable


def set_threads(threads):
    """The library's thread count for products on the main thread: ``chainrule.set_num_threads``.
    MKL's is set per thread, as threadpoolctl's limit (which it overrides) is."""
    library = _state["library"]
    if _state["name"] == "mkl":
        library.MKL_Set_Num_Threads(threads)
        library.MKL_Set_Num_Threads_Local(threads)
    elif _state["name"] == "openblas":  # beside oneDNN it keeps one (_open_onednn)
        library.scipy_openblas_set_num_threads(threads)


def _layout(array):
    """(transpose flag, leading dimension) in elements of the matrices of ``array``
    (2-D, or a stack: the last two dims) as row-major BLAS reads them, or None when
    neither their rows nor their columns are adjacent."""
    rows, columns = array.strides[-2:]
    size = array.itemsize
    if rows % size or columns % size:
        return None
    if columns == size and rows >= max(1, array.shape[-1]) * size:
        return _NO_TRANS, rows // size
    if rows == size and columns >= max(1, array.shape[-2]) * size:
        return _TRANS, columns // size
    return None


def matrix_product(a, b, out=None, accumulate=False):
    """``a.dot(b)`` for 2-D arrays: on the BLAS library when there is one and the product is large;
    into ``out`` (of the result's shape and dtype, its rows contiguous) when given, or added to
    ``out`` with ``accumulate`` (BLAS's beta = 1: no second pass over the result).

    >>> import numpy as np
    >>> from chainrule.ops._blas import matrix_product
    >>> matrix_product(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))
    array([[3., 3., 3., 3.],
           [3., 3., 3., 3.]], dtype=float32)
    """
    m, k = a.shape
    n = b.shape[1]
    if m * n * k < MIN_WORK or a.dtype != b.dtype or not _ready():
        return _numpy_product(a, b, out, accumulate)
    gemm = _state["gemm"].get(a.dtype)
    layout_a, layout_b = _layout(a), _layout(b)
    if gemm is None or layout_a is None or layout_b is None:
        return _numpy_product(a, b, out, accumulate)
    if out is None:
        out = np.empty((m, n), a.dtype)
    gemm(
        _ROW_MAJOR, layout_a[0], layout_b[0], m, n, k,
        1.0, _address(a), layout_a[1], _address(b), layout_b[1],
        1.0 if accumulate else 0.0, _address(out), out.strides[0] // out.itemsize,
    )  # fmt: skip
    return out


def _numpy_product(a, b, out, accumulate=False):
    if accumulate:
        out += a.dot(b)
        return out
    # ndarray.dot is the faster call, but writes only into a C-contiguous ``out``
    if out is None or out.flags.c_contiguous:
        return a.dot(b, out=out)
    return np.matmul(a, b, out=out)


def batched_product(a, b, out):
    """``out[i] = a[i] @ b[i]`` for stacks of matrices (3-D; ``a`` may repeat one matrix
    with a stride of 0; ``a`` and ``b`` row- or column-major) as one BLAS call, the stack
    spread over chainrule's threads; returns False, writing nothing, when the library
    cannot take it (then use np.matmul).

    A convolution's per-image products (a 6x26 filter matrix times 64 images'
    26x576 columns) take 90 µs this way against 330 µs in np.matmul.
    """
    count, m, k = a.shape
    n = b.shape[2]
    if count * m * n * k < MIN_WORK or not (a.dtype == b.dtype == out.dtype) or not _ready():
        return False
    batched = _state["batched"].get(a.dtype)
    layouts = _layout(a), _layout(b), _layout(out)
    strides = [array.strides[0] for array in (a, b, out)]
    if batched is None or None in layouts or layouts[2][0] != _NO_TRANS:
        return False
    if any(stride < 0 or stride % a.itemsize for stride in strides) or strides[2] == 0:
        return False
    (trans_a, lda), (trans_b, ldb), (_, ldc) = layouts
    stride_a, stride_b, stride_c = (stride // a.itemsize for stride in strides)
    batched(
        _ROW_MAJOR, trans_a, trans_b, m, n, k,
        1.0, _address(a), lda, stride_a, _address(b), ldb, stride_b,
        0.0, _address(out), ldc, stride_c, count,
    )  # fmt: skip
    return True


# Below this many values NumPy's transposing copy is as fast as a ctypes call.
MIN_TRANSPOSE = 1 << 12


def transpose_into(source, out):
    """``out[...] = source.T`` for 2-D arrays. NumPy copies a transposed view element
    by element down its columns; OpenBLAS's omatcopy copies blocks that stay in the
    cache, 2-10x as fast (Zen 5, float32: 196x384 58 -> 8 us, 6272x128 956 -> 92 us).
    It is a copy, exact and on the calling thread alone, so any thread may use it.
    NumPy does it without OpenBLAS, for other dtypes, small arrays, and rows that
    are not contiguous.

    >>> import numpy as np
    >>> from chainrule.ops._blas import transpose_into
    >>> out = np.empty((3, 2), np.float32)
    >>> transpose_into(np.arange(6, dtype=np.float32).reshape(2, 3), out)
    >>> out
    array([[0., 3.],
           [1., 4.],
           [2., 5.]], dtype=float32)
    """
    copy = _state["transpose"].get(source.dtype) if source.size >= MIN_TRANSPOSE and is_available() else None
    itemsize = source.itemsize
    if (
        copy is None
        or out.dtype != source.dtype
        or out.shape != source.shape[::-1]
        or source.strides[1] != itemsize
        or out.strides[1] != itemsize
        or source.strides[0] % itemsize
        or out.strides[0] % itemsize
        or source.strides[0] < source.shape[1] * itemsize
        or out.strides[0] < out.shape[1] * itemsize
        or np.may_share_memory(source, out)
    ):
        np.copyto(out, source.T)
        return
    rows, columns = source.shape
    copy(
        _ROW_MAJOR, _TRANS, rows, columns, 1.0,
        _address(source), source.strides[0] // itemsize, _address(out), out.strides[0] // itemsize,
    )  # fmt: skip


def _vector_routines(y, x):
    """The library's (axpy, axpby, copy, scal) for updating ``y`` by ``x`` in place, or
    None when NumPy should do it (small, another dtype or shape, not contiguous,
    overlapping, or no library)."""
    if y.size < MIN_VECTOR or x.__class__ is not np.ndarray or x.dtype != y.dtype or x.shape != y.shape:
        return None
    if not _ready():
        return None
    if not (y.flags.c_contiguous and x.flags.c_contiguous) or np.may_share_memory(x, y):
        return None  # BLAS reads x as it writes y: overlapping memory is NumPy's to handle
    return _state["vector"].get(y.dtype)


def add_multiple_on_blas(y, alpha, x):
    """``y += alpha * x`` on the BLAS library when it takes the arrays; returns whether it did."""
    routines = _vector_routines(y, x)
    if routines is None:
        return False
    routines.axpy(y.size, alpha, _address(x), 1, _address(y), 1)
    return True


def add_multiple(y, alpha, x):
    """``y += alpha * x`` in place, for arrays of the same shape.

    >>> import numpy as np
    >>> from chainrule.ops._blas import add_multiple
    >>> y = np.ones(3, np.float32)
    >>> add_multiple(y, -0.5, np.full(3, 2.0, np.float32))
    >>> y
    array([0., 0., 0.], dtype=float32)
    """
    if not add_multiple_on_blas(y, alpha, x):
        y += alpha * x


def scale_and_add(y, beta, x):
    """``y = beta * y + x`` in place, for arrays of the same shape.

    >>> import numpy as np
    >>> from chainrule.ops._blas import scale_and_add
    >>> y = np.ones(3, np.float32)
    >>> scale_and_add(y, 0.5, np.ones(3, np.float32))
    >>> y
    array([1.5, 1.5, 1.5], dtype=float32)
    """
    routines = _vector_routines(y, x)
    if routines is None or routines.axpby is None:
        y *= beta
        y += x
    else:
        routines.axpby(y.size, 1.0, _address(x), 1, beta, _address(y), 1)


def scaled(x, alpha):
    """``x * alpha`` for a large contiguous array and a Python number, as MKL's copy
    and scal (two passes on all of chainrule's threads beat NumPy's one on one core
    of the Xeon: a 784x256 weight, 20 us against 40-55; not OpenBLAS's, 27 us against
    NumPy's 16 on the Zen 5); None when NumPy should do it."""
    if alpha == 0 or not math.isfinite(alpha):  # BLAS may set x * 0 to 0 where x is nan or inf
        return None
    if x.dtype.kind != "f" or not x.flags.c_contiguous or x.size < MIN_VECTOR or not _ready():
        return None
    routines = _state["vector"].get(x.dtype)
    if routines is None or routines.scal is None:
        return None
    out = np.empty_like(x)
    routines.copy(x.size, _address(x), 1, _address(out), 1)
    routines.scal(x.size, alpha, _address(out), 1)
    return out
