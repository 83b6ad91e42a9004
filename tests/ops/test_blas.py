"""Large matrix products on MKL (chainrule/ops/_blas.py): the same numbers as
NumPy's BLAS and PyTorch, for every memory layout BLAS reads, and NumPy for
the rest."""

import os
import platform
import subprocess
import sys
import sysconfig
import threading

import numpy as np
import pytest

import chainrule
from chainrule.ops import _blas

from oracle import check_gradcheck, check_torch

# m * n * k above the size at which products go to MKL
LARGE = (128, 160, 64)


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
def test_a_large_product_equals_numpys_for_every_layout(dtype, layout_a, layout_b):
    m, n, k = LARGE
    assert m * n * k >= _blas.MIN_WORK
    rng = np.random.default_rng(0)
    a = _layouts(rng, m, k, dtype)[layout_a]
    b = _layouts(rng, k, n, dtype)[layout_b]
    product = _blas.matrix_product(a, b)
    assert product.shape == (m, n) and product.dtype == dtype and product.flags.c_contiguous
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(product, a.dot(b), rtol=rtol, atol=rtol * np.sqrt(k))


@pytest.mark.parametrize("m, n, k", [LARGE, (4, 5, 3)], ids=["on-mkl", "small-on-numpy"])
def test_a_product_into_rows_spaced_wider_than_the_result_fills_exactly_those_rows(m, n, k):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(shape).astype(np.float32) for shape in ((m, k), (k, n)))
    wide = np.full((m, n + 16), 7.0, np.float32)
    product = _blas.matrix_product(a, b, out=wide[:, :n])
    assert product.base is wide
    np.testing.assert_allclose(wide[:, :n], a.dot(b), rtol=1e-5, atol=1e-5 * np.sqrt(k))
    assert (wide[:, n:] == 7.0).all()


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


def test_a_product_on_another_thread_gives_the_bits_of_one_thread():
    """Pool threads run MKL on one thread each: a slice's product does not depend on
    how many threads chainrule has."""
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
    np.testing.assert_array_equal(results[0], on_one_thread)


def test_without_mkl_the_products_go_to_numpy():
    code = (
        "import numpy as np; from chainrule.ops import _blas\n"
        "a = np.ones((128, 256), np.float32)\n"
        "print(_blas.is_available(), float(_blas.matrix_product(a, a.T)[0, 0]))"
    )
    env = {"CHAINRULE_NO_MKL": "1", "PATH": ""}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.split() == ["False", "256.0"]


@pytest.mark.skipif(not _blas.is_available(), reason="MKL is not installed on this platform")
@pytest.mark.parametrize("users_value", [None, "0"])
def test_mkls_workers_wait_5_ms_between_products_unless_the_user_chose(users_value):
    code = (
        "import os; from chainrule.ops import _blas; _blas.is_available(); print(os.environ['KMP_BLOCKTIME'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "KMP_BLOCKTIME"}
    if users_value is not None:
        env["KMP_BLOCKTIME"] = users_value
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == (users_value or "5")


def test_linear_layer_sized_products_match_pytorch():
    """nn.Linear's forward and all three gradients where the products go to MKL."""
    check_torch(
        lambda m, x, w, b: m.nn.functional.linear(x, w, b).tanh(),
        [(128, 196), (96, 196), (96,)],
    )


@pytest.mark.parametrize("transpose", [False, True])
def test_matmul_sized_products_match_pytorch(transpose):
    if transpose:  # x^T @ y reads x column-major
        check_torch(lambda m, x, y: (x.t() @ y).sin(), [(160, 96), (160, 128)])
    else:
        check_torch(lambda m, x, y: (x @ y).sin(), [(96, 160), (160, 128)])


@pytest.mark.parametrize("transpose", [False, True])
def test_products_on_mkl_have_gradients_that_match_finite_differences(transpose, monkeypatch):
    monkeypatch.setattr(_blas, "MIN_WORK", 0)  # every product to MKL, so small ones check it
    check_gradcheck(lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(5, 7), (4, 7), (4,)])
    if transpose:
        check_gradcheck(lambda m, x, y: x.t() @ y, [(6, 5), (6, 3)])
    else:
        check_gradcheck(lambda m, x, y: x @ y, [(5, 6), (6, 3)])


@pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64"),
    reason="mkl is a dependency on x86-64 Linux only",
)
def test_mkl_runs_the_products_where_it_is_a_dependency():
    assert _blas.is_available()
    assert chainrule.backends.mkl.is_available()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [4, 40_000])  # NumPy's path and MKL's
def test_vector_updates_equal_numpys_arithmetic(dtype, size):
    rng = np.random.default_rng(2)
    y, x = rng.standard_normal(size).astype(dtype), rng.standard_normal(size).astype(dtype)
    rtol = 1e-6 if dtype == np.float32 else 1e-14  # MKL may round a*x + y once
    added = y.copy()
    _blas.add_multiple(added, -0.3, x)
    np.testing.assert_allclose(added, y + dtype(-0.3) * x, rtol=rtol, atol=rtol)
    scaled = y.copy()
    _blas.scale_and_add(scaled, 0.9, x)
    np.testing.assert_allclose(scaled, dtype(0.9) * y + x, rtol=rtol, atol=rtol)


def test_vector_updates_of_views_and_other_dtypes_go_to_numpy():
    y = np.ones((300, 300), np.float32)
    x = np.full((300, 600), 2.0, np.float32)[:, ::2]  # not contiguous
    _blas.add_multiple(y, 0.5, x)
    np.testing.assert_array_equal(y, np.full((300, 300), 2.0, np.float32))
    half = np.ones(40_000, np.float16)
    _blas.scale_and_add(half, 2.0, np.ones(40_000, np.float16))
    assert half.dtype == np.float16 and (half == 3).all()


def test_in_place_add_and_subtract_of_large_arrays_give_numpys_bits():
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


def test_in_place_add_of_an_overlapping_view_goes_to_numpy():
    values = np.arange(80_001, dtype=np.float32)
    x = chainrule.tensor(values)
    x[1:] += x[:-1]  # overlapping memory: NumPy buffers it
    expected = values.copy()
    expected[1:] += values[:-1]
    np.testing.assert_array_equal(x.numpy(), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [0.01, -3.0, 0.0, float("inf"), float("nan")])
def test_a_large_array_times_a_number_gives_numpys_bits(dtype, alpha):
    rng = np.random.default_rng(4)
    values = rng.standard_normal(40_000).astype(dtype)
    values[:3] = [np.nan, np.inf, -np.inf]
    product = (chainrule.tensor(values) * alpha).numpy()
    assert product.dtype == dtype
    np.testing.assert_array_equal(product, values * alpha)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_batched_product_of_strided_stacks_equals_matmul(dtype):
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


def test_a_batched_product_that_blas_cannot_read_is_refused():
    a = np.ones((64, 40, 30), np.float32)[:, :, ::2]  # columns not adjacent
    b = np.ones((64, 15, 40), np.float32)
    out = np.zeros((64, 40, 40), np.float32)
    assert not _blas.batched_product(a, b, out)
    assert not out.any()


def test_a_batched_product_reads_column_major_matrices_too():
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
