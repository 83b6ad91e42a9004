"""Convolutions on Intel's oneDNN, the library PyTorch's own CPU convolutions run on,
loaded with ctypes from the ``onednn-cpu-gomp`` wheel.

Why: a convolution's product in NumPy is either im2col's one large matrix
product, whose columns are 9 times the input for a 3x3 kernel, or Winograd's 16
small ones (conv.py), with many whole-array passes around them. oneDNN's
kernels read the input once, in blocks of 16 channels that fill an AVX-512
register, with the transforms fused into the product. On the Fashion-MNIST
CNN's second convolution (32 -> 64 channels, 3x3, 14x14, batch 128, forward,
input and weight gradients, 2 threads of a Zen 5 EPYC): 6.3-6.9 ms against
10.8-12.7 ms by conv.py's Winograd; the CNN's training step 22-25 ms against
26-27 ms.

How: an (N, C, H, W) array is handed to oneDNN as it is; each convolution
lets oneDNN choose the layout its kernel wants ("any") and reorders into and
out of it, as PyTorch does for a plain tensor. The primitives for one shape
are made once and kept (``_cache``, the most recent 64; one evicted while a
call runs it lives until that call ends); the forward pass keeps its
reordered input for the weight gradient, so backward reorders only the
gradient (slicing the batch as forward did). Every call uses its own scratch
memory and the calling thread's stream, so threads may convolve at once, and
a forked child gets a fresh lock on the cache.

Threads: oneDNN runs on GNU OpenMP. Where chainrule loaded the runtime, with
its short spin (``_SPIN_COUNT``), a convolution runs whole on an OpenMP team of
``chainrule.get_num_threads()`` threads, as PyTorch's do (Zen 5, 2 threads,
against slices on the pool: the conv autoencoder's step 1.30x -> 1.14x of
PyTorch's time, LeNet-5's 1.28x -> 1.16x, the ResNet block's 1.15x -> 1.06x,
the CIFAR CNN's 0.77x -> 0.72x). Where the runtime was loaded before (PyTorch's
wheel's libgomp.so.1 serves every library loaded after it), its workers spin
for milliseconds after each region on the core chainrule's pool needs next
(the autoencoder 1.46x -> 1.74x), so there each call runs on one OpenMP
thread: the batch is cut into one slice per chainrule thread and the slices
run on chainrule's pool (ops/_threads.py), as its other heavy ops do; more
OpenMP threads than cores would slow every OpenMP thread down. The calling
thread's OpenMP thread count is put back after each call.

Only float32 convolutions go here (oneDNN has no float64 convolution on CPUs):
on a team all but transposed ones to a single channel, in slices those with 16
output and 3 input channels or more per group, as their layout changes cost more
than they save with fewer (``_enough_channels``). The rest, a geometry oneDNN
refuses, and every convolution while ``chainrule.backends.mkldnn.enabled`` is
False run conv.py's NumPy kernels, whose results agree to float rounding.
"""

import collections
import contextlib
import ctypes
import os
import threading
import weakref

import numpy as np

from .._settings import get_num_threads
from ._threads import run_chunks

# oneDNN 3.2's C API (oneapi/dnnl/dnnl_types.h): enumeration values and argument indices
_F32 = 3
_TAG_ANY, _TAG_A, _TAG_ABC, _TAG_ABCD, _TAG_ABCDE, _TAG_ABDEC = 1, 2, 4, 5, 6, 31
_FORWARD_TRAINING = 64
_CONVOLUTION_DIRECT = 1
_CPU_ENGINE, _STREAM_DEFAULT = 1, 1
_SCRATCHPAD_USER = 1
_QUERY_SRC, _QUERY_DIFF_SRC, _QUERY_WEIGHTS, _QUERY_DIFF_WEIGHTS = 129, 130, 131, 132
_QUERY_DST, _QUERY_DIFF_DST, _QUERY_SCRATCHPAD = 133, 134, 136
_ARG_SRC, _ARG_DST, _ARG_WEIGHTS, _ARG_BIAS, _ARG_SCRATCHPAD = 1, 17, 33, 41, 80
_ARG_DIFF_SRC, _ARG_DIFF_DST, _ARG_DIFF_WEIGHTS, _ARG_DIFF_BIAS = 129, 145, 161, 169
_FROM, _TO = _ARG_SRC, _ARG_DST

_Dims = ctypes.c_int64 * 12  # DNNL_MAX_NDIMS
_Handle = ctypes.c_void_p


class _ExecArg(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_int), ("memory", _Handle)]


class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_int), ("minor", ctypes.c_int), ("patch", ctypes.c_int)]


# "teams": convolutions run whole on an OpenMP team (the runtime loaded with chainrule's spin)
_state = {"loaded": None, "library": None, "gomp": None, "engine": None, "teams": False, "forked": False}
_loading = threading.Lock()


def _unlock_in_child():
    """A forked child has only the forking thread: a lock another thread held at the
    fork would never be released there, and OpenMP's workers are not there either
    (``team_size``)."""
    global _loading
    _loading = threading.Lock()
    _state["forked"] = True


def team_size():
    """The OpenMP threads of a call that runs on a team: chainrule's thread count, or one
    in a forked child (a DataLoader worker, say): GNU OpenMP keeps the parent's workers
    on its books, and a team of more than one there waits for them forever, as PyTorch
    avoids by one thread in its workers."""
    return 1 if _state["forked"] else get_num_threads()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_unlock_in_child)
_thread = threading.local()
_making = {"threads": 1}  # the OpenMP thread count of the primitives being made (under _loading)
_CACHE_SIZE = 64  # convolution and LSTM shapes kept, most recently used first
_cache = collections.OrderedDict()
_ALIGNMENT = 64  # bytes: oneDNN's kernels load whole cache lines
# Which convolutions go to oneDNN (_enough_channels). On an OpenMP team, all but a
# transposed convolution to one channel: forward and backward against PyTorch's, 2 cores
# of a Zen 5 EPYC, batch 64, NumPy's kernels -> oneDNN's: 1 -> 6 5x5 (LeNet-5's first)
# 2.75x -> 1.02x, 1 -> 16 3x3 stride 2 1.24x -> 1.05x, 16 -> 1 3x3 3.6x -> 1.01x,
# 3 -> 8 2.7x -> 1.03x, transposed 8 -> 3 2.2x -> 1.0x, but transposed 16 -> 1 and
# 64 -> 1 (an autoencoder's and a DCGAN generator's last) 0.76-0.82x -> 1.0-1.05x;
# LeNet-5's step 1.17-1.24x -> 0.85-0.90x. In slices on the pool oneDNN's kernels take
# output channels 16 at a time (an AVX-512 register of floats): with fewer, its layout
# changes cost more than they save, and grey images (one input channel) are faster on
# NumPy's kernels too, from three (RGB) on oneDNN's; oneDNN's time over NumPy's there:
# 1 -> 6 5x5 1.67, 1 -> 32 3x3 1.42-1.68, 2 -> 16 3x3 0.95, 3 -> 32 3x3 0.86, 3 -> 32
# 5x5 0.27, 3 -> 64 3x3 0.49-0.56, 6 -> 16 5x5 (LeNet-5's second, with the input
# gradient) 1.06, and LeNet-5's step with it 0.86-0.92.
_MIN_IN_CHANNELS, _MIN_OUT_CHANNELS = 3, 16  # in slices, per group


def _check(status, what):
    if status != 0:
        raise RuntimeError(f"oneDNN: {what} failed (dnnl_status_t {status})")


def _signatures(library):
    p, i, size = _Handle, ctypes.c_int, ctypes.c_size_t
    ptr = ctypes.POINTER(_Handle)
    dims = ctypes.POINTER(ctypes.c_int64)
    for name, argtypes, restype in (
        ("dnnl_engine_create", (ptr, i, size), i),
        ("dnnl_stream_create", (ptr, p, ctypes.c_uint), i),
        ("dnnl_memory_desc_create_with_tag", (ptr, i, dims, i, i), i),
        ("dnnl_memory_desc_destroy", (p,), i),
        ("dnnl_memory_desc_equal", (p, p), i),
        ("dnnl_memory_desc_get_size", (p,), size),
        ("dnnl_primitive_attr_create", (ptr,), i),
        ("dnnl_primitive_attr_set_scratchpad_mode", (p, i), i),
        ("dnnl_primitive_attr_destroy", (p,), i),
        (
            "dnnl_convolution_forward_primitive_desc_create",
            (ptr, p, i, i, p, p, p, p, dims, dims, dims, dims, p),
            i,
        ),
        (
            "dnnl_convolution_backward_data_primitive_desc_create",
            (ptr, p, i, p, p, p, dims, dims, dims, dims, p, p),
            i,
        ),
        (
            "dnnl_convolution_backward_weights_primitive_desc_create",
            (ptr, p, i, p, p, p, p, dims, dims, dims, dims, p, p),
            i,
        ),
        ("dnnl_lstm_forward_primitive_desc_create", (ptr, p, i, i, *[p] * 11, ctypes.c_uint, p), i),
        ("dnnl_lstm_backward_primitive_desc_create", (ptr, p, i, i, *[p] * 22, ctypes.c_uint, p, p), i),
        ("dnnl_reorder_primitive_desc_create", (ptr, p, p, p, p, p), i),
        ("dnnl_primitive_desc_query_md", (p, i, i), p),
        ("dnnl_primitive_desc_destroy", (p,), i),
        ("dnnl_primitive_create", (ptr, p), i),
        ("dnnl_primitive_destroy", (p,), i),
        ("dnnl_memory_create", (ptr, p, p, p), i),
        ("dnnl_memory_destroy", (p,), i),
        ("dnnl_primitive_execute", (p, p, i, ctypes.POINTER(_ExecArg)), i),
        ("dnnl_stream_wait", (p,), i),
        ("dnnl_version", (), ctypes.POINTER(_Version)),
    ):
        function = getattr(library, name)
        function.argtypes, function.restype = argtypes, restype


# GNU OpenMP's workers spin GOMP_SPINCOUNT times (300,000 by default, milliseconds) after a
# parallel region before they sleep, on the core chainrule's pool needs next. 20,000 keeps
# them awake between the products of one step and off the pool's convolutions (sgemm's
# 2-thread team after the Linear layers; Zen 5, the VM's AVX2 setting, per-step time against
# the default: Fashion-MNIST CNN 28.4 -> 24.0 ms, CIFAR CNN 15.9 -> 12.2 ms, the MLP 0.62 ->
# 0.67 ms; 2,000 let the MLP's team fall asleep between products: 0.69 ms). Read once,
# as the runtime loads: not set where the user set either variable or a runtime is loaded.
_SPIN_COUNT = "20000"


def _openmp_loaded():
    try:
        with open("/proc/self/maps") as maps:
            return any("libgomp" in line for line in maps)
    except OSError:
        return True


def _load():
    from ._blas import _installed_file

    path = _installed_file("onednn-cpu-gomp", "libdnnl.so")
    if path is None:
        return False
    set_spin = not ({"GOMP_SPINCOUNT", "OMP_WAIT_POLICY"} & os.environ.keys() or _openmp_loaded())
    if set_spin:
        os.environ["GOMP_SPINCOUNT"] = _SPIN_COUNT
    try:
        library = ctypes.CDLL(path)
        gomp = ctypes.CDLL("libgomp.so.1")  # the OpenMP runtime libdnnl was linked with
    except OSError:
        return False
    finally:  # not left set for child processes
        if set_spin:
            del os.environ["GOMP_SPINCOUNT"]
    _state["teams"] = set_spin
    _signatures(library)
    engine = _Handle()
    if library.dnnl_engine_create(ctypes.byref(engine), _CPU_ENGINE, 0) != 0:  # no CPU it supports
        return False
    _state.update(library=library, gomp=gomp, engine=engine)
    return True


def is_available():
    """Whether oneDNN is installed and loads (it loads on the first call).

    >>> from chainrule.ops._dnnl import is_available
    >>> is_available() in (True, False)
    True
    """
    if _state["loaded"] is None:
        with _loading:
            if _state["loaded"] is None:
                _state["loaded"] = _load()
    return _state["loaded"]


_TRANSPOSE = {111: b"N", 112: b"T"}  # CBLAS's CblasNoTrans and CblasTrans


def cblas_sgemm():
    """oneDNN's float32 matrix product behind the row-major CBLAS signature that
    ops/_blas.py calls (``order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
    c, ldc``), on ``chainrule.get_num_threads()`` OpenMP threads; None without oneDNN.

    Why: oneDNN picks its kernels from the instructions the processor has, where
    OpenBLAS follows ``OPENBLAS_CORETYPE`` (this project's VMs set Haswell: AVX2 on a
    Zen 5 that has AVX-512) and MKL takes AVX2 on AMD's processors. 128x784 @ 784x256 on
    2 threads: 108-116 µs against OpenBLAS's 233-272 (Haswell kernels) and 166
    (its AVX-512 ones); 128x256 @ 256x256: 39 against 77 and 61. OpenMP's team beats
    slicing the product over chainrule's pool (176 µs): its workers are awake.
    """
    if not is_available():
        return None
    function = _state["library"].dnnl_sgemm
    size, real, pointer = ctypes.c_int64, ctypes.c_float, ctypes.c_void_p
    function.argtypes = (ctypes.c_char, ctypes.c_char, size, size, size, real, pointer, size, pointer, size)
    function.argtypes += (real, pointer, size)
    function.restype = ctypes.c_int
    gomp = _state["gomp"]

    def sgemm(order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        # on chainrule's thread count, the calling thread's put back after (it may be PyTorch's)
        before, threads = gomp.omp_get_max_threads(), team_size()
        if before != threads:
            gomp.omp_set_num_threads(threads)
        try:
            status = function(
                _TRANSPOSE[trans_a], _TRANSPOSE[trans_b], m, n, k, alpha, a, lda, b, ldb, beta, c, ldc
            )
        finally:
            if before != threads:
                gomp.omp_set_num_threads(before)
        _check(status, "sgemm")

    return sgemm


def describe():
    """The oneDNN version, for reports, or None where it is not there."""
    if not is_available():
        return None
    version = _state["library"].dnnl_version().contents
    return f"oneDNN {version.major}.{version.minor}.{version.patch}"


def _stream():
    """The calling thread's stream: a stream is not to be shared between threads."""
    stream = getattr(_thread, "stream", None)
    if stream is None:
        stream = _Handle()
        _check(
            _state["library"].dnnl_stream_create(ctypes.byref(stream), _state["engine"], _STREAM_DEFAULT),
            "stream",
        )
        _thread.stream = stream
    return stream


@contextlib.contextmanager
def _openmp_threads(count):
    """OpenMP held to ``count`` threads on the calling thread (1 where chainrule's pool runs
    the slices), then the thread's count put back: the runtime may be PyTorch's as well.
    Primitives are made under the count they run with: oneDNN splits the work for the
    thread count it sees then, and a primitive made for two would start OpenMP threads of
    its own on each pool thread (and with more OpenMP threads than cores, every OpenMP
    thread in the process, PyTorch's included, stops spinning between parallel regions:
    its CNN step 10 % slower)."""
    gomp = _state["gomp"]
    before = gomp.omp_get_max_threads()
    gomp.omp_set_num_threads(count)
    try:
        yield
    finally:
        gomp.omp_set_num_threads(before)


def _aligned_empty(nbytes):
    """``nbytes`` of uninitialised memory starting on a cache line."""
    raw = np.empty(nbytes + _ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % _ALIGNMENT
    return raw[start : start + nbytes]


def _plain_desc(shape, tag=None):
    """The memory descriptor of a C-contiguous float32 array of ``shape`` (or of the
    layout ``tag`` names)."""
    desc = _Handle()
    if tag is None:
        tag = {1: _TAG_A, 3: _TAG_ABC, 4: _TAG_ABCD, 5: _TAG_ABCDE}[len(shape)]
    status = _state["library"].dnnl_memory_desc_create_with_tag(
        ctypes.byref(desc), len(shape), _Dims(*shape), _F32, tag
    )
    _check(status, f"describing an array of shape {shape}")
    return desc


def _any_desc(shape):
    return _plain_desc(shape, _TAG_ANY)


class _Memories:
    """The oneDNN memory objects of one call, and the arrays under them, kept until
    the end of the call, when the objects are destroyed together."""

    def __init__(self):
        self.handles = []
        self.arrays = []

    def wrap(self, desc, array):
        memory = _Handle()
        status = _state["library"].dnnl_memory_create(
            ctypes.byref(memory), desc, _state["engine"], _Handle(array.ctypes.data)
        )
        _check(status, "wrapping an array")
        self.handles.append(memory)
        self.arrays.append(array)
        return memory

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for memory in self.handles:
            _state["library"].dnnl_memory_destroy(memory)


def _destroy_primitive(library, handle, desc):
    if handle.value:
        library.dnnl_primitive_destroy(handle)
    library.dnnl_primitive_desc_destroy(desc)


class _Primitive:
    """A primitive made from its descriptor (which it then owns), with the scratch memory
    it asks for; both are destroyed when the last reference to it goes, so a primitive a
    thread is running outlives its eviction from the cache."""

    def __init__(self, desc):
        library = _state["library"]
        self.desc = desc
        self.threads = _making["threads"]  # the OpenMP threads it is made for, and runs on
        self.handle = _Handle()
        weakref.finalize(self, _destroy_primitive, library, self.handle, desc).atexit = False
        _check(library.dnnl_primitive_create(ctypes.byref(self.handle), desc), "creating a primitive")
        self.scratch_desc = library.dnnl_primitive_desc_query_md(desc, _QUERY_SCRATCHPAD, 0)
        self.scratch_bytes = library.dnnl_memory_desc_get_size(self.scratch_desc)

    def query(self, what, index=0):
        return _Handle(_state["library"].dnnl_primitive_desc_query_md(self.desc, what, index))

    def run(self, memories, args):
        if self.scratch_bytes:
            scratch = _aligned_empty(self.scratch_bytes)
            args = args + [(_ARG_SCRATCHPAD, memories.wrap(self.scratch_desc, scratch))]
        pairs = (_ExecArg * len(args))(*(_ExecArg(arg, memory) for arg, memory in args))
        stream = _stream()
        library = _state["library"]
        with _openmp_threads(self.threads):
            _check(
                library.dnnl_primitive_execute(self.handle, stream, len(args), pairs), "running a convolution"
            )
            _check(library.dnnl_stream_wait(stream), "waiting for a convolution")


def _user_scratchpad_attr():
    attr = _Handle()
    library = _state["library"]
    _check(library.dnnl_primitive_attr_create(ctypes.byref(attr)), "primitive attributes")
    _check(library.dnnl_primitive_attr_set_scratchpad_mode(attr, _SCRATCHPAD_USER), "scratchpad mode")
    return attr


class _Layout:
    """One operand of a primitive: its plain (C-contiguous) layout, the one the
    primitive chose, and the layout change between them, into the chosen one for an
    input, out of it for a ``result`` (made with the primitive, under the cache's lock)."""

    def __init__(self, plain, chosen, result=False):
        library = _state["library"]
        self.plain, self.chosen = plain, chosen
        self.same = bool(library.dnnl_memory_desc_equal(plain, chosen))
        self.nbytes = library.dnnl_memory_desc_get_size(chosen)
        self.reorder = None
        if not self.same:
            self.reorder = _reorder(chosen, plain) if result else _reorder(plain, chosen)

    def into(self, memories, array):
        """(memory, buffer): ``array`` in the chosen layout; the buffer keeps it alive."""
        plain = memories.wrap(self.plain, array)
        if self.same:
            return plain, array
        buffer = _aligned_empty(self.nbytes)
        chosen = memories.wrap(self.chosen, buffer)
        self.reorder.run(memories, [(_FROM, plain), (_TO, chosen)])
        return chosen, buffer

    def output(self, memories, array, zeroed=False):
        """(memory, finish): a memory for a result in the chosen layout (filled with zeros
        when ``zeroed``, for a primitive that adds to it), and the call that puts it into
        ``array`` once it is written."""
        plain = memories.wrap(self.plain, array)
        if self.same:
            if zeroed:
                array[...] = 0
            return plain, lambda: None
        buffer = _aligned_empty(self.nbytes)
        if zeroed:  # the layout change overwrites ``array``: only the chosen buffer needs zeros
            buffer[...] = 0
        chosen = memories.wrap(self.chosen, buffer)
        return chosen, lambda: self.reorder.run(memories, [(_FROM, chosen), (_TO, plain)])


def _reorder(source, target):
    """The primitive that copies an array from layout ``source`` into layout ``target``."""
    library, engine = _state["library"], _state["engine"]
    desc = _Handle()
    attr = _user_scratchpad_attr()
    try:
        status = library.dnnl_reorder_primitive_desc_create(
            ctypes.byref(desc), source, engine, target, engine, attr
        )
    finally:
        library.dnnl_primitive_attr_destroy(attr)
    _check(status, "a layout change")
    return _Primitive(desc)


def _made(create, what, *arguments):
    """The primitive whose descriptor ``create(&desc, *arguments)`` makes."""
    desc = _Handle()
    _check(create(ctypes.byref(desc), *arguments), what)
    return _Primitive(desc)


def _destroy_descs(library, descs):
    for desc in descs:
        library.dnnl_memory_desc_destroy(desc)


class _Convolution:
    """The forward, input-gradient and weight-gradient primitives of one convolution
    geometry, and the layouts of their operands; all destroyed when the last reference
    goes (the cache's, or that of a call still running them)."""

    def __init__(self, geo, batch, bias):
        library, engine = _state["library"], _state["engine"]
        self.descs = []
        weakref.finalize(self, _destroy_descs, library, self.descs).atexit = False
        g = geo.groups
        (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
        top, bottom, left, right = geo.padding
        x_shape = (batch, geo.channels, geo.height, geo.width)
        y_shape = (batch, geo.out_channels, geo.out_height, geo.out_width)
        w_shape = (geo.out_channels, geo.channels // g, kh, kw)
        if g > 1:
            w_shape = (g, geo.out_channels // g) + w_shape[1:]
        plain = {"x": _plain_desc(x_shape), "y": _plain_desc(y_shape), "w": _plain_desc(w_shape)}
        plain["b"] = _plain_desc((geo.out_channels,))
        self.descs += plain.values()
        anys = [_any_desc(s) for s in (x_shape, w_shape, y_shape)]
        self.descs += anys
        strides, dilates = _Dims(sh, sw), _Dims(dh - 1, dw - 1)
        pad_l, pad_r = _Dims(top, left), _Dims(bottom, right)
        bias_desc = plain["b"] if bias else None
        attr = _user_scratchpad_attr()
        try:
            self.forward = _made(
                library.dnnl_convolution_forward_primitive_desc_create, "a forward pass",
                engine, _FORWARD_TRAINING, _CONVOLUTION_DIRECT,
                anys[0], anys[1], bias_desc, anys[2], strides, dilates, pad_l, pad_r, attr,
            )  # fmt: skip
            hint = self.forward.desc
            self.input_grad = _made(
                library.dnnl_convolution_backward_data_primitive_desc_create, "an input gradient",
                engine, _CONVOLUTION_DIRECT,
                anys[0], anys[1], anys[2], strides, dilates, pad_l, pad_r, hint, attr,
            )  # fmt: skip
            self.weight_grad = _made(
                library.dnnl_convolution_backward_weights_primitive_desc_create, "a weight gradient",
                engine, _CONVOLUTION_DIRECT,
                anys[0], anys[1], bias_desc, anys[2], strides, dilates, pad_l, pad_r, hint, attr,
            )  # fmt: skip
            f, d, w = self.forward, self.input_grad, self.weight_grad
            self.x = _Layout(plain["x"], f.query(_QUERY_SRC))
            self.w = _Layout(plain["w"], f.query(_QUERY_WEIGHTS))
            self.y = _Layout(plain["y"], f.query(_QUERY_DST), result=True)
            self.grad_y = _Layout(plain["y"], d.query(_QUERY_DIFF_DST))
            self.grad_x = _Layout(plain["x"], d.query(_QUERY_DIFF_SRC), result=True)
            self.w_for_grad = _Layout(plain["w"], d.query(_QUERY_WEIGHTS))
            self.x_for_grad_w = _Layout(plain["x"], w.query(_QUERY_SRC))
            self.grad_y_for_grad_w = _Layout(plain["y"], w.query(_QUERY_DIFF_DST))
            self.grad_w = _Layout(plain["w"], w.query(_QUERY_DIFF_WEIGHTS), result=True)
        finally:
            library.dnnl_primitive_attr_destroy(attr)
        self.bias = plain["b"]
        # the forward's reordered input serves the weight gradient as it is
        self.x_reusable = bool(library.dnnl_memory_desc_equal(self.x.chosen, self.x_for_grad_w.chosen))
        self.grad_y_shared = bool(
            library.dnnl_memory_desc_equal(self.grad_y.chosen, self.grad_y_for_grad_w.chosen)
        )


def _convolution(geo, batch, bias, threads=None):
    """The primitives for ``geo`` on ``batch`` images (with or without a bias), made on
    first use for the OpenMP ``threads`` they run on (by default those of ``_threads``);
    None where oneDNN refuses the geometry."""
    threads = _threads() if threads is None else threads
    return _cached((geo, batch, bias, threads), lambda: _Convolution(geo, batch, bias), threads)


def _cached(key, make, threads=1):
    """What ``make()`` builds for ``key`` (the primitives of one shape, to run on
    ``threads`` OpenMP threads), made on first use and kept among the most recent; None
    where oneDNN refuses the shape."""
    with _loading:
        found = _cache.get(key, False)
        if found is not False:
            _cache.move_to_end(key)
            return found
        _making["threads"] = threads
        try:
            with _openmp_threads(threads):
                found = make()
        except RuntimeError:
            found = None
        finally:
            _making["threads"] = 1
        _cache[key] = found
        while len(_cache) > _CACHE_SIZE:  # destroyed once no running call holds it
            _cache.popitem(last=False)
        return found


def suits(x, geo, bias=False, transposed=False):
    """Whether oneDNN computes this convolution (``transposed``: the transposed
    convolution of ``geo``, whose output has ``geo.channels``): float32, images, the
    library there and taking the geometry, and channels enough (``_enough_channels``)."""
    return (
        x.dtype == np.float32
        and geo.batch > 0
        and is_available()
        and _enough_channels(geo, transposed)
        and _convolution(geo, _slices(geo.batch), bias) is not None
    )


def _enough_channels(geo, transposed):
    if _state["teams"]:
        return not (transposed and geo.channels == 1)
    return (
        geo.channels >= _MIN_IN_CHANNELS * geo.groups and geo.out_channels >= _MIN_OUT_CHANNELS * geo.groups
    )


def _grouped_shape(geo):
    """The weights' shape as oneDNN's plain layout sees it: (G, O / G, C / G, kH, kW) for groups."""
    shape = (geo.out_channels, geo.channels // geo.groups) + geo.kernel
    if geo.groups > 1:
        shape = (geo.groups, geo.out_channels // geo.groups) + shape[1:]
    return shape


def _weights(w, geo):
    return np.ascontiguousarray(w).reshape(_grouped_shape(geo))


def _threads():
    """OpenMP threads per call: chainrule's on a team, else one (the module docstring)."""
    return team_size() if _state["teams"] else 1


def _slices(batch):
    """Images per slice: the whole batch for an OpenMP team, else shared out among
    chainrule's threads (the module docstring)."""
    return batch if _state["teams"] else -(-batch // get_num_threads())


def conv_forward(x, w, b, geo, keep):
    """(y, saved): y = conv(x, w) + b for (N, C, H, W) float32 arrays; ``saved`` holds
    forward's reordered input, slice by slice, for the weight gradient when ``keep``
    (images per slice, OpenMP threads per slice, the slices), else None."""
    x = np.ascontiguousarray(x)
    w = _weights(w, geo)
    b = None if b is None else np.ascontiguousarray(b)
    y = np.empty((geo.batch, geo.out_channels, geo.out_height, geo.out_width), np.float32)

    threads = _threads()

    def images(start, stop):
        conv = _convolution(geo, stop - start, b is not None, threads)
        with _Memories() as memories:
            x_memory, x_buffer = conv.x.into(memories, x[start:stop])
            args = [(_ARG_SRC, x_memory), (_ARG_WEIGHTS, conv.w.into(memories, w)[0])]
            y_memory, finish = conv.y.output(memories, y[start:stop])
            args.append((_ARG_DST, y_memory))
            if b is not None:
                args.append((_ARG_BIAS, memories.wrap(conv.bias, b)))
            conv.forward.run(memories, args)
            finish()
        return x_buffer if keep and conv.x_reusable and not conv.x.same else None

    chunk = _slices(geo.batch)
    saved = run_chunks(images, geo.batch, chunk)
    return y, ((chunk, threads, saved) if keep and saved[0] is not None else None)


def conv_grads(grad, x, w, geo, need_x, need_w, need_b, saved):
    """dL/dx, dL/dw and dL/db (each None where not needed) of y = conv(x, w) + b; ``x``
    may be None when ``saved`` holds it or dL/dw is not needed, ``w`` when dL/dx is not."""
    bias = need_b and need_w
    grad = np.ascontiguousarray(grad, np.float32)
    x = None if x is None else np.ascontiguousarray(x)
    w = None if w is None else _weights(w, geo)
    grad_x = np.empty((geo.batch, geo.channels, geo.height, geo.width), np.float32) if need_x else None
    # forward's slicing and primitives, for the layout of its copies of x, where they are
    # used (the thread count may have changed since)
    chunk, threads, saved = saved if saved is not None else (_slices(geo.batch), _threads(), None)

    def images(start, stop):
        conv = _convolution(geo, stop - start, bias, threads)
        grad_w = grad_b = None
        with _Memories() as memories:
            grad_y_memory = None
            if need_x:
                grad_y_memory = conv.grad_y.into(memories, grad[start:stop])[0]
                args = [(_ARG_DIFF_DST, grad_y_memory), (_ARG_WEIGHTS, conv.w_for_grad.into(memories, w)[0])]
                grad_x_memory, finish = conv.grad_x.output(memories, grad_x[start:stop])
                conv.input_grad.run(memories, args + [(_ARG_DIFF_SRC, grad_x_memory)])
                finish()
            if need_w:
                if grad_y_memory is None or not conv.grad_y_shared:
                    grad_y_memory = conv.grad_y_for_grad_w.into(memories, grad[start:stop])[0]
                if saved is not None:
                    x_memory = memories.wrap(conv.x_for_grad_w.chosen, saved[start // chunk])
                else:
                    x_memory = conv.x_for_grad_w.into(memories, x[start:stop])[0]
                grad_w = np.empty(_grouped_shape(geo), np.float32)
                grad_w_memory, finish = conv.grad_w.output(memories, grad_w)
                args = [
                    (_ARG_SRC, x_memory),
                    (_ARG_DIFF_DST, grad_y_memory),
                    (_ARG_DIFF_WEIGHTS, grad_w_memory),
                ]
                if bias:
                    grad_b = np.empty(geo.out_channels, np.float32)
                    args.append((_ARG_DIFF_BIAS, memories.wrap(conv.bias, grad_b)))
                conv.weight_grad.run(memories, args)
                finish()
        return grad_w, grad_b

    parts = run_chunks(images, geo.batch, chunk)
    grad_w = grad_b = None
    if need_w:  # summed in slice order: the same bits whichever threads ran the slices
        grad_w = parts[0][0]
        for part, _ in parts[1:]:
            grad_w += part
        grad_w = grad_w.reshape((geo.out_channels, geo.channels // geo.groups) + geo.kernel)
    if bias:
        grad_b = parts[0][1]
        for _, part in parts[1:]:
            grad_b += part
    elif need_b:
        grad_b = grad.sum(axis=(0, 2, 3))
    return grad_x, grad_w, grad_b
