"""Running a pass over a batch in cache-sized chunks, on all the CPU's cores.

NumPy's BLAS runs matrix products on several threads, but every other NumPy
call (an elementwise pass, a reduction, a strided copy) runs on one. These
calls release the GIL while they loop over an array, so Python threads that
each take some of the batch run them in parallel.

``run_chunks(task, count, chunk)`` cuts ``range(count)`` into slices of
``chunk`` items and runs ``task(start, stop)`` on each, the calling thread
and ``chainrule.get_num_threads() - 1`` pool threads taking the next slice
as each finishes theirs. The calling thread waits only for slices already
started: on a busy machine, where a pool thread may not get a core, the
caller simply runs more of them itself. Small slices also keep a pass's
intermediate arrays in the core's cache between its NumPy calls (see
``thread_buffer``).

NumPy's OpenBLAS keeps its worker threads busy-waiting for a while (about
0.1 s) after each threaded matrix product, on the very cores these slices
would run on: with them, extra threads here make a training step slower, not
faster (measured on 2 cores). So the slices use more than the calling thread
only while OpenBLAS runs on one thread (``chainrule.set_num_threads`` sees to
that, as does ``OPENBLAS_NUM_THREADS=1``), or when NumPy's BLAS is not
OpenBLAS; the products inside the slices (Winograd's) then run on all the
cores through these threads.

Whether the pool pays depends on the machine, not only on the work: a pool
thread takes the GIL back after every NumPy call, and on a virtual machine
waking a sleeping thread on the other core can cost 10 µs or 130 µs, from
one minute to the next (measured on this project's 2-core VM: the same
Fashion-MNIST CNN step 27 % faster with the pool one day, 5 % slower the
next; LeNet-5's step 5.7 ms in one thread and 7.4 ms with the pool). So each
call site measures itself: its first calls alternate between the pool and
the calling thread alone, later ones take whichever has been faster, and
every 16th call tries the other way again to follow the machine. Both ways
give the same bits.

A task must write only its own slice of any shared array and must not call
``run_chunks`` itself.
"""

import ctypes
import functools
import itertools
import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._settings import get_num_threads

_pool = {"executor": None, "workers": 0}
_lock = threading.Lock()
_buffers = threading.local()

# Per call site (the task's code and the slicing): [seconds on the pool, seconds
# alone, calls so far]; the way in use averages its times with weight _NEW_WEIGHT
# on the latest.
_timings = {}
_NEW_WEIGHT = 0.25
_TRIALS = 4
_RETRY_EVERY = 16
_clock = time.perf_counter
choose = {"adaptive": True}  # tests turn it off to make every call use the pool


def _executor(workers):
    """The shared pool, (re)made with ``workers`` threads when that number changes."""
    with _lock:
        if _pool["workers"] != workers:
            if _pool["executor"] is not None:
                _pool["executor"].shutdown(wait=False)
            _pool["executor"] = ThreadPoolExecutor(workers, thread_name_prefix="chainrule")
            _pool["workers"] = workers
        return _pool["executor"]


def _forget_pool_in_child():
    """A forked child (a DataLoader worker) has none of the parent's threads: start afresh."""
    _pool["executor"], _pool["workers"] = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def run_chunks(task, count, chunk):
    """``task(start, stop)`` for every slice of ``chunk`` items of ``range(count)``,
    on as many threads as there are slices (up to ``chainrule.get_num_threads()``);
    returns the tasks' results in slice order.

    >>> from chainrule.ops._threads import run_chunks
    >>> run_chunks(lambda start, stop: stop - start, 10, 4)
    [4, 4, 2]
    """
    bounds = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    workers = min(get_num_threads() if blas_threads() in (None, 1) else 1, len(bounds)) - 1
    if workers <= 0:
        return _alone(task, bounds)
    if not choose["adaptive"]:
        return _on_pool(task, bounds, workers)
    key = (getattr(task, "__code__", task), count, chunk)
    timing = _timings.get(key)
    if timing is None:
        timing = _timings[key] = [None, None, 0]
    pooled, alone, calls = timing
    timing[2] = calls + 1
    retry = False
    if calls < _TRIALS:  # pool, alone, pool, alone: each way's best of two (the first pays start-up)
        use_pool = calls % 2 == 0
    else:
        retry = calls % _RETRY_EVERY == 0
        use_pool = (pooled <= alone) != retry
    started = _clock()
    results = _on_pool(task, bounds, workers) if use_pool else _alone(task, bounds)
    seconds = _clock() - started
    slot = 0 if use_pool else 1
    previous = timing[slot]
    if previous is None or retry:  # a retry's time replaces an old one; a wrong switch undoes itself
        timing[slot] = seconds
    elif calls < _TRIALS:
        timing[slot] = min(previous, seconds)
    else:
        timing[slot] = previous + _NEW_WEIGHT * (seconds - previous)
    return results


# Below this many values an elementwise pass is done before a pool thread wakes up
# (measured on 2 cores: ReLU of 800k floats 1.27x faster in two halves, 3.2M 1.77x).
PARALLEL_MIN_VALUES = 1 << 19


def split_elementwise(kernel, out, *inputs, min_values=PARALLEL_MIN_VALUES):
    """``kernel(*input_slices, out_slice)`` over equal flat slices of C-contiguous
    arrays of one shape, one slice per thread, for an elementwise pass that is
    worth it (from ``min_values`` values: fewer for a costlier kernel); returns ``out``.

    >>> import numpy as np
    >>> from chainrule.ops._threads import split_elementwise
    >>> split_elementwise(lambda x, out: np.negative(x, out=out), np.empty(3), np.arange(3.0))
    array([-0., -1., -2.])
    """
    size = out.size
    threads = get_num_threads()
    if size < min_values or threads == 1:
        kernel(*inputs, out)
        return out
    flat_out = out.reshape(-1)
    flat_inputs = [a.reshape(-1) for a in inputs]

    def part(start, stop):
        kernel(*(a[start:stop] for a in flat_inputs), flat_out[start:stop])

    run_chunks(part, size, -(-size // threads))
    return out


def _alone(task, bounds):
    """The slices ``bounds``, one after another on the calling thread."""
    return [task(start, stop) for start, stop in bounds]


def _on_pool(task, bounds, workers):
    """The slices ``bounds`` shared by the calling thread and ``workers`` pool threads."""
    results = [None] * len(bounds)
    claims = itertools.count()  # next() on it is atomic: each slice is claimed once

    def drain():
        for k in iter(claims.__next__, None):
            if k >= len(bounds):
                return
            results[k] = task(*bounds[k])

    executor = _executor(workers)
    futures = [executor.submit(drain) for _ in range(workers)]
    try:
        drain()
    finally:
        for future in futures:  # a pool thread that never started has nothing left to do
            if not future.cancel():
                future.result()
    return results


@functools.cache
def _openblas_thread_count():
    """OpenBLAS's own query for its thread count, found among the libraries this
    process has loaded (NumPy's wheels bundle OpenBLAS as scipy_openblas), or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:  # not Linux
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in (
            "scipy_openblas_get_num_threads64_",
            "scipy_openblas_get_num_threads",
            "openblas_get_num_threads",
        ):
            query = getattr(library, name, None)
            if query is not None:
                query.restype = ctypes.c_int
                return query
    return None


def blas_threads():
    """How many threads NumPy's OpenBLAS runs a product on, or None if NumPy's BLAS is
    not OpenBLAS (or cannot be asked).

    >>> from chainrule.ops._threads import blas_threads
    >>> blas_threads() is None or blas_threads() >= 1
    True
    """
    query = _openblas_thread_count()
    return None if query is None else query()


def thread_buffer(name, shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype`` that belongs to the calling
    thread and reuses the memory of its earlier requests for ``name``: a task's
    intermediate arrays, reused (and so still in the core's cache) slice after
    slice. Each name keeps the largest array asked for, so layers of different
    sizes share it."""
    cache = _buffers.__dict__
    size = math.prod(shape) * np.dtype(dtype).itemsize
    memory = cache.get(name)
    if memory is None or memory.size < size:
        memory = cache[name] = np.empty(size, np.uint8)
    return memory[:size].view(dtype).reshape(shape)
