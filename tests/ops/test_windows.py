"""Window functions against PyTorch 2.13: values (within 1e-6 in float32 and float64,
one float16 step in float16), dtypes, periodic and symmetric forms, requires_grad and errors."""

import numpy as np
import pytest

import chainrule

from oracle import assert_same, assert_same_error, requires_torch, same_as_torch, torch

pytestmark = requires_torch

WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]
ATOL = {"float16": 1e-3, "float32": 1e-6, "float64": 1e-12}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("name", WINDOWS)
def test_window_values_match_pytorch_for_every_length(name, periodic, dtype):
    for length in [0, 1, 2, 3, 4, 7, 64, 1001, 4097]:
        ours = getattr(chainrule, name)(length, periodic, dtype=getattr(chainrule, dtype))
        theirs = getattr(torch, name)(length, periodic, dtype=getattr(torch, dtype))
        assert_same(ours, theirs, rtol=0, atol=ATOL[dtype], where=f"{name}({length})")


@pytest.mark.parametrize("name", WINDOWS)
def test_window_is_periodic_by_default_and_follows_the_default_dtype(name):
    def scenario(lib):
        lib.set_default_dtype(lib.float64)
        try:
            return getattr(lib, name)(9)
        finally:
            lib.set_default_dtype(lib.float32)

    same_as_torch(scenario, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "name, args", [("hamming_window", (10, True, 0.3, 0.2)), ("hamming_window", (11, False, 0.6))]
)
def test_hamming_window_takes_alpha_and_beta(name, args):
    same_as_torch(lambda lib: getattr(lib, name)(*args), rtol=0, atol=1e-6)


@pytest.mark.parametrize("beta", [0.0, 0.5, 3.0, 8.6, 20.0, 40.0, 80.0])
@pytest.mark.parametrize("periodic", [True, False])
def test_kaiser_window_takes_beta(beta, periodic):
    for length in [2, 5, 64, 1000, 4097]:
        ours, theirs = (
            chainrule.kaiser_window(length, periodic, beta),
            torch.kaiser_window(length, periodic, beta),
        )
        assert_same(ours, theirs, rtol=0, atol=1e-6, where=f"kaiser_window({length})")


@pytest.mark.parametrize("name", WINDOWS)
def test_window_with_requires_grad_is_a_leaf(name):
    def scenario(lib):
        window = getattr(lib, name)(5, requires_grad=True)
        return window, window.is_leaf, window.grad_fn is None

    same_as_torch(scenario, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, f: f(-1),
        lambda lib, f: f(4, dtype=lib.int64),
        lambda lib, f: f(4, dtype=lib.int32),
        lambda lib, f: f(4.0),
        lambda lib, f: f(True),
        lambda lib, f: f(4, 1),
        lambda lib, f: f(4, requires_grad=True, dtype=lib.int64),
    ],
)
def test_window_raises_pytorchs_errors(name, call):
    assert_same_error(lambda lib: call(lib, getattr(lib, name)))


def test_window_error_messages_name_the_window():
    assert_same_error(
        lambda lib: lib.kaiser_window(-2),
        "kaiser_window requires non-negative window_length, got window_length=-2",
    )
    assert_same_error(
        lambda lib: lib.hann_window(3, dtype=lib.int64), "hann_window expects floating point dtypes"
    )
    assert_same_error(
        lambda lib: lib.bartlett_window(2.0), "argument 'window_length' (position 1) must be int"
    )


def test_window_of_one_point_is_one_even_when_periodic():
    for name in WINDOWS:
        np.testing.assert_array_equal(getattr(chainrule, name)(1, True).numpy(), [1.0])
