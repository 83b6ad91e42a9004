"""PyTorch's global switches that scripts set: chainrule.backends (cudnn, mps,
cuda), thread counts and deterministic algorithms. They are accepted and
recorded; chainrule computes on the CPU with NumPy either way."""

import importlib

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
        "m.backends.cuda.is_built()",
        "m.backends.cuda.matmul.allow_tf32",
        "m.are_deterministic_algorithms_enabled()",
    ],
)
def test_backend_queries_answer_as_a_cpu_build_of_pytorch(expression):
    assert eval(expression, {"m": chainrule}) == eval(expression, {"m": torch})


def test_the_device_idiom_with_mps_picks_the_cpu():
    device = (
        "cuda" if chainrule.cuda.is_available() else "mps" if chainrule.backends.mps.is_available() else "cpu"
    )
    assert chainrule.zeros(2, device=device).device.type == "cpu"


def test_set_num_threads_sizes_chainrules_pool_and_mkl_and_holds_openblas_to_one_thread():
    from threadpoolctl import threadpool_info

    from chainrule.ops._blas import is_available

    def blas_threads(api):
        return {pool["num_threads"] for pool in threadpool_info() if pool["internal_api"] == api}

    mkl = is_available()  # loads MKL where it is installed
    before = chainrule.get_num_threads()
    try:
        for threads in (1, 3):
            chainrule.set_num_threads(threads)
            assert blas_threads("openblas") <= {1}
            assert blas_threads("mkl") == ({threads} if mkl else set())
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
