"""PyTorch's global switches that scripts set: chainrule.backends (cudnn, mps,
cuda), thread counts and deterministic algorithms. They are accepted and
recorded; chainrule computes on the CPU with NumPy either way."""

import importlib
import os
import platform
import subprocess
import sys

import pytest

import chainrule

from oracle import requires_torch, torch


@pytest.fixture
def restore_cudnn_flags():
    import chainrule.backends.cudnn as cudnn

    saved = (cudnn.benchmark, cudnn.deterministic)
    yield cudnn
    cudnn.benchmark, cudnn.deterministic = saved


def test_cudnn_flags_can_be_set_as_in_reproducibility_recipes(restore_cudnn_flags):
    cudnn = restore_cudnn_flags
    chainrule.backends.cudnn.deterministic = True
    chainrule.backends.cudnn.benchmark = False
    assert cudnn.deterministic is True and cudnn.benchmark is False
    assert importlib.import_module("chainrule.backends.cudnn") is chainrule.backends.cudnn


@requires_torch
@pytest.mark.parametrize(
    "expression",
    [
        "m.backends.cudnn.is_available()",
        "m.backends.cudnn.version()",
        "m.backends.cudnn.enabled",
        "m.backends.cudnn.benchmark",
        "m.backends.cudnn.deterministic",
        "m.backends.mps.is_available()",
        "m.backends.mps.is_built()",
        "m.backends.mkl.is_available()",
        "m.backends.mkldnn.is_available()",
        "m.backends.mkldnn.enabled",
        "m.backends.mkldnn.deterministic",
        "m.backends.mkldnn.fp32_precision",
        "m.backends.cuda.is_built()",
        "m.backends.cuda.matmul.allow_tf32",
        "m.are_deterministic_algorithms_enabled()",
    ],
)
def test_backend_queries_answer_as_a_cpu_build_of_pytorch(expression):
    assert eval(expression, {"m": chainrule}) == eval(expression, {"m": torch})


@requires_torch
@pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN")  # PyTorch's note on its GPU builds
def test_mkldnn_flags_set_and_restore_as_in_pytorch():
    def scenario(m):
        mkldnn = m.backends.mkldnn
        with mkldnn.flags(enabled=False, deterministic=True, allow_tf32=True):
            inside = (mkldnn.enabled, mkldnn.deterministic, mkldnn.fp32_precision)
        return inside, (mkldnn.enabled, mkldnn.deterministic, mkldnn.fp32_precision)

    assert scenario(chainrule) == scenario(torch)


def test_the_device_idiom_with_mps_picks_the_cpu():
    device = (
        "cuda" if chainrule.cuda.is_available() else "mps" if chainrule.backends.mps.is_available() else "cpu"
    )
    assert chainrule.zeros(2, device=device).device.type == "cpu"


def test_set_num_threads_sizes_chainrules_pool_and_blas_library_and_holds_other_blas_to_one_thread():
    from threadpoolctl import threadpool_info

    from chainrule.ops import _blas

    library = _blas.library_name()  # loads chainrule's BLAS library (MKL, OpenBLAS) where installed
    own = _blas._state["library"]._name if library else None

    def blas_threads(api, ours):
        return {
            pool["num_threads"]
            for pool in threadpool_info()
            if pool["internal_api"] == api and (pool["filepath"] == own) == ours
        }

    before = chainrule.get_num_threads()
    try:
        for threads in (1, 3):
            chainrule.set_num_threads(threads)
            assert blas_threads("openblas", ours=False) <= {1}  # NumPy's
            assert blas_threads("mkl", ours=False) <= {1}
            if library == "onednn":  # OpenBLAS on one thread beside oneDNN's products (ops/_blas.py)
                assert blas_threads("openblas", ours=True) == {1}
            elif library is not None:
                assert blas_threads(library, ours=True) == {threads}
            assert chainrule.get_num_threads() == threads
    finally:
        chainrule.set_num_threads(before)
    assert chainrule.get_num_threads() == before


@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_set_num_threads_refuses_what_is_not_a_positive_integer(value):
    with pytest.raises(RuntimeError):
        chainrule.set_num_threads(value)


def test_interop_threads_are_recorded_too():
    before = chainrule.get_num_interop_threads()
    try:
        chainrule.set_num_interop_threads(2)
        assert chainrule.get_num_interop_threads() == 2
    finally:
        chainrule.set_num_interop_threads(before)


def test_use_deterministic_algorithms_records_its_flags():
    try:
        chainrule.use_deterministic_algorithms(True, warn_only=True)
        assert chainrule.are_deterministic_algorithms_enabled()
        assert chainrule.is_deterministic_algorithms_warn_only_enabled()
    finally:
        chainrule.use_deterministic_algorithms(False)
    assert not chainrule.are_deterministic_algorithms_enabled()


_ALLOCATE_AND_FREE = """
import resource, sys
if sys.argv[1] == "chainrule":
    import chainrule
import numpy as np

def page_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def two_12_mb_arrays():  # freed together: glibc's default trims them off the heap
    a, b = np.ones(3_000_000, np.float32), np.ones(3_000_000, np.float32)
    del a, b

two_12_mb_arrays()
before = page_faults()
for _ in range(10):
    two_12_mb_arrays()
print((page_faults() - before) // 10)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc is tuned on glibc only")
def test_import_keeps_freed_memory_for_reuse_unless_the_user_tuned_malloc():
    def faults_per_round(module, **env):
        command = [sys.executable, "-c", _ALLOCATE_AND_FREE, module]
        result = subprocess.run(
            command, capture_output=True, text=True, check=True, env={**os.environ, **env}
        )
        return int(result.stdout)

    # 24 MB is 5,859 pages of 4 kB (fewer faults where the kernel maps 2 MB pages)
    assert faults_per_round("numpy") > 100  # the pattern chainrule's steps had
    assert faults_per_round("chainrule") < 10
    assert faults_per_round("chainrule", MALLOC_ARENA_MAX="2") > 100  # the user's malloc settings win
