"""Large matrix products on chainrule's BLAS library (chainrule/ops/_blas.py: MKL
or OpenBLAS): the same numbers as NumPy's BLAS and PyTorch, for every memory
layout BLAS reads, and NumPy for the rest. The tests that reach a library run
on each one installed."""

import os
import platform
import subprocess
import sys
import sysconfig
import threading
from importlib import metadata

import numpy as np
import pytest

import chainrule
from chainrule.ops import _blas

from oracle import check_gradcheck, check_torch

# m * n * k above the size at which products go to the library
LARGE = (128, 160, 64)
# the wheel each library comes in; all are dependencies on Linux x86-64 (onednn: float32
# products on oneDNN's sgemm, the rest on OpenBLAS)
WHEELS = {"mkl": "mkl", "onednn": "onednn-cpu-gomp", "openblas": "scipy-openblas32"}


def _installed(wheel):
    try:
        metadata.distribution(wheel)
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture(params=sorted(WHEELS))
def library(request, monkeypatch):
    """Each BLAS library in turn runs the products (loaded in this process and kept)."""
    if not _installed(WHEELS[request.param]):
        pytest.skip(f"the {WHEELS[request.param]} wheel is not a dependency on this platform")
    monkeypatch.setenv("CHAINRULE_BLAS", request.param)
    for key in ("loaded", "name", "library"):
        monkeypatch.setitem(_blas._state, key, None)
    for key in ("gemm", "batched", "vector", "transpose"):
        monkeypatch.setitem(_blas._state, key, {})
    monkeypatch.setattr(_blas, "_thread", threading.local())
    assert _blas.library_name() == request.param
    yield request.param
    monkeypatch.undo()  # the suite's own library back before chainrule's thread count is
    _blas.set_threads(chainrule.get_num_threads())


def _run(code, unset=(), **env):
    """The words ``code`` prints in a fresh interpreter, with this one's environment less
    the variables in ``unset`` and with ``env`` (None: left out)."""
    environment = {name: value for name, value in os.environ.items() if name not in unset}
    environment.update({name: value for name, value in env.items() if value is not None})
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    return result.stdout.split()


def _layouts(rng, rows, cols, dtype):
    """The same values as a C-ordered array, a transposed view, and a slice of a wider array."""
    values = rng.standard_normal((rows, cols)).astype(dtype)
    wide = np.zeros((rows, cols + 7), dtype)
    wide[:, :cols] = values
    return {
        "rows": values,
        "transposed": np.ascontiguousarray(values.T).T,
        "slice": wide[:, :cols],
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout_a", ["rows", "transposed", "slice"])
@pytest.mark.parametrize("layout_b", ["rows", "transposed", "slice"])
def test_a_large_product_equals_numpys_for_every_layout(library, dtype, layout_a, layout_b):
    m, n, k = LARGE
    assert m * n * k >= _blas.MIN_WORK
    rng = np.random.default_rng(0)
    a = _layouts(rng, m, k, dtype)[layout_a]
    b = _layouts(rng, k, n, dtype)[layout_b]
    product = _blas.matrix_product(a, b)
    assert product.shape == (m, n) and product.dtype == dtype and product.flags.c_contiguous
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(product, a.dot(b), rtol=rtol, atol=rtol * np.sqrt(k))


@pytest.mark.parametrize("m, n, k", [LARGE, (4, 5, 3)], ids=["on-the-library", "small-on-numpy"])
def test_a_product_into_rows_spaced_wider_than_the_result_fills_exactly_those_rows(library, m, n, k):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(shape).astype(np.float32) for shape in ((m, k), (k, n)))
    wide = np.full((m, n + 16), 7.0, np.float32)
    product = _blas.matrix_product(a, b, out=wide[:, :n])
    assert product.base is wide
    np.testing.assert_allclose(wide[:, :n], a.dot(b), rtol=1e-5, atol=1e-5 * np.sqrt(k))
    assert (wide[:, n:] == 7.0).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, n, k", [LARGE, (4, 5, 3)], ids=["on-the-library", "small-on-numpy"])
def test_a_product_with_accumulate_is_added_to_what_out_held(library, dtype, m, n, k):
    rng = np.random.default_rng(1)
    a = _layouts(rng, m, k, dtype)["transposed"]
    b = _layouts(rng, k, n, dtype)["rows"]
    before = rng.standard_normal((m, n)).astype(dtype)
    out = before.copy()
    assert _blas.matrix_product(a, b, out, accumulate=True) is out
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, before + a.dot(b), rtol=rtol, atol=rtol * np.sqrt(k))


@pytest.mark.parametrize(
    "a, b",
    [
        (np.ones((96, 128), np.float32)[:, ::2], np.ones((64, 160), np.float32)),  # strided: not BLAS
        (np.ones((96, 64), np.float32), np.ones((64, 160), np.float64)),  # two dtypes
        (np.ones((4, 3), np.float32), np.ones((3, 5), np.float32)),  # small
        (np.ones((96, 64), np.int64), np.ones((64, 160), np.int64)),  # integers
    ],
    ids=["strided", "mixed-dtypes", "small", "integers"],
)
def test_what_blas_cannot_read_goes_to_numpy_with_numpys_result(a, b):
    product = _blas.matrix_product(a, b)
    expected = a.dot(b)
    assert product.dtype == expected.dtype
    np.testing.assert_array_equal(product, expected)


def test_a_product_on_another_thread_does_not_depend_on_chainrules_thread_count(library):
    """Pool threads run a slice each: MKL runs their products on one thread, the bits
    of chainrule on one thread; OpenBLAS's thread count is the process's, so NumPy
    runs them."""
    rng = np.random.default_rng(1)
    a, b = (
        rng.standard_normal((256, 300)).astype(np.float32),
        rng.standard_normal((300, 200)).astype(np.float32),
    )
    previous = chainrule.get_num_threads()
    chainrule.set_num_threads(1)
    try:
        on_one_thread = _blas.matrix_product(a, b)
    finally:
        chainrule.set_num_threads(previous)
    results = []
    worker = threading.Thread(target=lambda: results.append(_blas.matrix_product(a, b)))
    worker.start()
    worker.join()
    np.testing.assert_array_equal(results[0], on_one_thread if library == "mkl" else a.dot(b))


PRODUCT = (
    "import numpy as np; from chainrule.ops import _blas\n"
    "a = np.ones((128, 256), np.float32)\n"
    "print(_blas.library_name(), float(_blas.matrix_product(a, a.T)[0, 0]))"
)


@pytest.mark.parametrize("name", ["mkl", "onednn", "openblas", "numpy", " OpenBLAS "])
def test_chainrule_blas_chooses_the_library(name):
    chosen = name.strip().lower()
    if chosen in WHEELS and not _installed(WHEELS[chosen]):
        pytest.skip(f"the {WHEELS[chosen]} wheel is not a dependency on this platform")
    assert _run(PRODUCT, CHAINRULE_BLAS=name) == [{"numpy": "None"}.get(chosen, chosen), "256.0"]


def test_an_unknown_chainrule_blas_is_refused_with_the_choices():
    code = "from chainrule.ops import _blas; _blas.is_available()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "CHAINRULE_BLAS": "atlas"},
    )
    assert result.returncode != 0
    assert "CHAINRULE_BLAS must be one of mkl, onednn, openblas, numpy, not 'atlas'" in result.stderr


def test_mkl_goes_first_on_intel_processors_onednn_on_others(monkeypatch):
    monkeypatch.delenv("CHAINRULE_BLAS", raising=False)
    assert _blas._preference("GenuineIntel") == ("mkl", "onednn", "openblas")
    assert _blas._preference("AuthenticAMD") == ("onednn", "openblas", "mkl")
    assert _blas._preference("") == ("onednn", "openblas", "mkl")


def test_the_default_library_follows_this_processors_maker():
    expected = _blas._preference(_blas._cpu_vendor())
    installed = [name for name in expected if _installed(WHEELS[name])]
    assert _run(PRODUCT, unset=("CHAINRULE_BLAS",)) == [installed[0] if installed else "None", "256.0"]


@pytest.mark.parametrize("users_value", [None, "0"])
def test_mkls_workers_wait_5_ms_between_products_unless_the_user_chose(users_value):
    if not _installed("mkl"):
        pytest.skip("the mkl wheel is not a dependency on this platform")
    code = (
        "import os; from chainrule.ops import _blas; _blas.is_available(); print(os.environ['KMP_BLOCKTIME'])"
    )
    printed = _run(code, unset=("KMP_BLOCKTIME",), CHAINRULE_BLAS="mkl", KMP_BLOCKTIME=users_value)
    assert printed == [users_value or "5"]


@pytest.mark.parametrize("users_value", [None, "28"])
def test_openblas_is_loaded_with_a_short_spin_and_leaves_the_environment_as_it_was(users_value):
    """OPENBLAS_THREAD_TIMEOUT is read as the library loads (2^20 cycles for
    chainrule's: its workers spin ~0.4 ms, not 0.1 s); afterwards the variable is
    the user's again, so child processes do not inherit chainrule's choice."""
    if not _installed("scipy-openblas32"):
        pytest.skip("the scipy-openblas32 wheel is not a dependency on this platform")
    code = (
        "import os; from chainrule.ops import _blas; print(_blas.library_name(), "
        "os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset'))"
    )
    printed = _run(
        code,
        unset=("OPENBLAS_THREAD_TIMEOUT",),
        CHAINRULE_BLAS="openblas",
        OPENBLAS_THREAD_TIMEOUT=users_value,
    )
    assert printed == ["openblas", users_value or "unset"]


# Sums of ~200 products of values up to 2 in float32, added in another order than
# PyTorch's MKL adds them: ~1e-5 apart where they nearly cancel; the gradients sum
# terms up to ~20, so 1e-4 apart (1e-6 of their size).
PRODUCT_ATOL, PRODUCT_GRAD_ATOL = 5e-5, 2e-4


def test_linear_layer_sized_products_match_pytorch(library):
    """nn.Linear's forward and all three gradients where the products go to the library."""
    check_torch(
        lambda m, x, w, b: m.nn.functional.linear(x, w, b).tanh(),
        [(128, 196), (96, 196), (96,)],
        atol=PRODUCT_ATOL,
        grad_atol=PRODUCT_GRAD_ATOL,
    )


@pytest.mark.parametrize("transpose", [False, True])
def test_matmul_sized_products_match_pytorch(library, transpose):
    tolerances = {"atol": PRODUCT_ATOL, "grad_atol": PRODUCT_GRAD_ATOL}
    if transpose:  # x^T @ y reads x column-major
        check_torch(lambda m, x, y: (x.t() @ y).sin(), [(160, 96), (160, 128)], **tolerances)
    else:
        check_torch(lambda m, x, y: (x @ y).sin(), [(96, 160), (160, 128)], **tolerances)


@pytest.mark.parametrize("transpose", [False, True])
def test_products_on_the_library_have_gradients_matching_finite_differences(library, transpose, monkeypatch):
    monkeypatch.setattr(_blas, "MIN_WORK", 0)  # every product to the library, so small ones check it
    check_gradcheck(lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(5, 7), (4, 7), (4,)])
    if transpose:
        check_gradcheck(lambda m, x, y: x.t() @ y, [(6, 5), (6, 3)])
    else:
        check_gradcheck(lambda m, x, y: x @ y, [(5, 6), (6, 3)])


@pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64"),
    reason="mkl and scipy-openblas32 are dependencies on x86-64 Linux only",
)
def test_a_library_runs_the_products_where_the_wheels_are_dependencies():
    assert _blas.library_name() in ("mkl", "onednn")
    assert chainrule.backends.mkl.is_available()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [4, 40_000])  # NumPy's path and the library's
def test_vector_updates_equal_numpys_arithmetic(library, dtype, size):
    rng = np.random.default_rng(2)
    y, x = rng.standard_normal(size).astype(dtype), rng.standard_normal(size).astype(dtype)
    rtol = 1e-6 if dtype == np.float32 else 1e-14  # BLAS may round a*x + y once
    added = y.copy()
    _blas.add_multiple(added, -0.3, x)
    np.testing.assert_allclose(added, y + dtype(-0.3) * x, rtol=rtol, atol=rtol)
    scaled = y.copy()
    _blas.scale_and_add(scaled, 0.9, x)
    np.testing.assert_allclose(scaled, dtype(0.9) * y + x, rtol=rtol, atol=rtol)


def test_vector_updates_of_views_and_other_dtypes_go_to_numpy(library):
    y = np.ones((300, 300), np.float32)
    x = np.full((300, 600), 2.0, np.float32)[:, ::2]  # not contiguous
    _blas.add_multiple(y, 0.5, x)
    np.testing.assert_array_equal(y, np.full((300, 300), 2.0, np.float32))
    half = np.ones(40_000, np.float16)
    _blas.scale_and_add(half, 2.0, np.ones(40_000, np.float16))
    assert half.dtype == np.float16 and (half == 3).all()


def test_in_place_add_and_subtract_of_large_arrays_give_numpys_bits(library):
    rng = np.random.default_rng(3)
    p, g = (
        rng.standard_normal((300, 200)).astype(np.float32),
        rng.standard_normal((300, 200)).astype(np.float32),
    )
    x = chainrule.tensor(p)
    x -= chainrule.tensor(g)  # axpy with -1: one rounding of p - g, as NumPy's
    np.testing.assert_array_equal(x.numpy(), p - g)
    x += chainrule.tensor(g)
    np.testing.assert_array_equal(x.numpy(), (p - g) + g)
    assert x._version == 2


def test_in_place_add_of_an_overlapping_view_goes_to_numpy(library):
    values = np.arange(80_001, dtype=np.float32)
    x = chainrule.tensor(values)
    x[1:] += x[:-1]  # overlapping memory: NumPy buffers it
    expected = values.copy()
    expected[1:] += values[:-1]
    np.testing.assert_array_equal(x.numpy(), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [0.01, -3.0, 0.0, float("inf"), float("nan")])
def test_a_large_array_times_a_number_gives_numpys_bits(library, dtype, alpha):
    rng = np.random.default_rng(4)
    values = rng.standard_normal(40_000).astype(dtype)
    values[:3] = [np.nan, np.inf, -np.inf]
    product = (chainrule.tensor(values) * alpha).numpy()
    assert product.dtype == dtype
    np.testing.assert_array_equal(product, values * alpha)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_batched_product_of_strided_stacks_equals_matmul(library, dtype):
    """The shapes of a convolution's per-image products: one filter matrix for every
    image (stride 0), each image's columns a slice of one wide matrix, the results
    written into a slice of a larger array."""
    rng = np.random.default_rng(5)
    images, rows, inner, columns = 64, 6, 26, 576
    matrix = rng.standard_normal((rows, inner)).astype(dtype)
    wide = rng.standard_normal((inner, images * columns)).astype(dtype)
    stack = wide.reshape(inner, images, columns).transpose(1, 0, 2)
    out = np.full((images, 2, rows, columns), np.nan, dtype)
    assert _blas.batched_product(np.broadcast_to(matrix, (images, rows, inner)), stack, out[:, 0])
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out[:, 0], np.matmul(matrix, stack), rtol=rtol, atol=rtol * 10)
    assert np.isnan(out[:, 1]).all()  # nothing written outside the slice


def test_a_batched_product_that_blas_cannot_read_is_refused(library):
    a = np.ones((64, 40, 30), np.float32)[:, :, ::2]  # columns not adjacent
    b = np.ones((64, 15, 40), np.float32)
    out = np.zeros((64, 40, 40), np.float32)
    assert not _blas.batched_product(a, b, out)
    assert not out.any()


def test_a_batched_product_reads_column_major_matrices_too(library):
    """A convolution's weight gradient: each image's columns times its gradient, transposed."""
    rng = np.random.default_rng(6)
    columns = rng.standard_normal((26, 64 * 576)).astype(np.float32)
    grads = rng.standard_normal((64, 6, 576)).astype(np.float32)
    stack = columns.reshape(26, 64, 576).transpose(1, 0, 2)
    out = np.empty((64, 26, 6), np.float32)
    assert _blas.batched_product(stack, grads.transpose(0, 2, 1), out)
    np.testing.assert_allclose(out, np.matmul(stack, grads.transpose(0, 2, 1)), rtol=1e-5, atol=1e-4)


def test_data_addresses_read_in_place_agree_with_numpys():
    read = _blas._address_reader()
    if sys.implementation.name == "cpython" and not sysconfig.get_config_var("Py_GIL_DISABLED"):
        assert read is _blas._address_from_head  # the fast reader is the one in use here
    base = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    for array in (
        base,
        base[1:],
        base.T,
        base[:, ::2, 1],
        base[2:, 3:, 4:],
        np.empty(0),
        np.float64(2.0) * base,
    ):
        assert read(array) == array.ctypes.data


def test_the_library_describes_itself_for_benchmark_reports(library):
    description = _blas.describe()
    if library == "mkl":
        assert description == "MKL"
    elif library == "onednn":
        assert description.startswith("oneDNN (float32) and OpenBLAS (") and description.endswith(" kernels)")
    else:
        assert description.startswith("OpenBLAS (") and description.endswith(" kernels)")


def test_a_chosen_library_that_cannot_load_is_named_in_a_warning(monkeypatch):
    monkeypatch.setenv("CHAINRULE_BLAS", "openblas")
    monkeypatch.setitem(_blas._OPENERS, "openblas", lambda: None)  # as if the wheel were missing
    for key in ("loaded", "name", "library"):
        monkeypatch.setitem(_blas._state, key, None)
    with pytest.warns(RuntimeWarning, match="CHAINRULE_BLAS=openblas, but it cannot be loaded"):
        assert not _blas.is_available()
    a = np.ones((128, 256), np.float32)
    assert _blas.matrix_product(a, a.T)[0, 0] == 256.0  # NumPy's


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(196, 384), (64, 1024), (3, 5000)])
def test_transposing_copies_equal_numpys_for_contiguous_and_spaced_rows(library, dtype, shape):
    rng = np.random.default_rng(7)
    wide_source = rng.standard_normal((shape[0], shape[1] + 9)).astype(dtype)
    wide_out = np.full((shape[1], shape[0] + 5), np.nan, dtype)
    for source in (np.ascontiguousarray(wide_source[:, : shape[1]]), wide_source[:, : shape[1]]):
        for out in (np.empty(shape[::-1], dtype), wide_out[:, : shape[0]]):
            _blas.transpose_into(source, out)
            np.testing.assert_array_equal(out, source.T)
    assert np.isnan(wide_out[:, shape[0] :]).all()  # nothing written beside the rows


@pytest.mark.parametrize(
    "source",
    [
        np.arange(8192, dtype=np.int64).reshape(64, 128),  # integers
        np.arange(16384, dtype=np.float32).reshape(64, 256)[:, ::2],  # columns not adjacent
        np.arange(12, dtype=np.float32).reshape(3, 4),  # small
    ],
    ids=["integers", "strided", "small"],
)
def test_what_the_transposing_copy_cannot_read_goes_to_numpy(library, source):
    out = np.empty(source.shape[::-1], source.dtype)
    _blas.transpose_into(source, out)
    np.testing.assert_array_equal(out, source.T)


def test_only_openblas_brings_a_transposing_copy(library):
    assert (np.dtype(np.float32) in _blas._state["transpose"]) == (library != "mkl")
