"""``chainrule.autocast`` is a plain context wherever PyTorch 2.13's autocast is disabled
on a CPU-only machine, and refuses, with an error naming bfloat16, the CPU mixed
precision it cannot give."""

import warnings

import pytest

import chainrule

from oracle import assert_same_error, requires_torch, same_as_torch


def matmul_dtype_under(lib, *args, **kwargs):
    """The dtype of a float32 product inside ``lib.autocast(*args, **kwargs)`` and the
    warnings it gave (True where one says autocast is disabled)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with lib.autocast(*args, **kwargs):
            dtype = (lib.ones(2, 2) @ lib.ones(2, 2)).dtype
    return dtype, ["Disabling autocast" in str(w.message) for w in caught]


@requires_torch
@pytest.mark.parametrize(
    "arguments",
    [
        {"device_type": "cpu", "enabled": False},
        {"device_type": "cpu", "dtype": "float16", "enabled": False},
        {"device_type": "cuda"},
        {"device_type": "cuda", "dtype": "float16"},
        {"device_type": "cuda", "enabled": False},
        {"device_type": "cpu", "dtype": "float32"},
        {"device_type": "cpu", "dtype": "float64"},
    ],
)
def test_where_pytorch_disables_autocast_the_body_runs_unchanged(arguments):
    def scenario(lib):
        kwargs = dict(arguments)
        if "dtype" in kwargs:
            kwargs["dtype"] = getattr(lib, kwargs["dtype"])
        return matmul_dtype_under(lib, **kwargs)

    same_as_torch(scenario)


def test_amp_autocast_is_the_same_class():
    assert chainrule.amp.autocast is chainrule.autocast


@pytest.mark.parametrize("dtype", [None, chainrule.float16])
def test_enabled_cpu_autocast_is_refused_with_an_error_naming_bfloat16(dtype):
    with pytest.raises(RuntimeError, match="chainrule has no bfloat16 dtype"):
        chainrule.autocast("cpu", dtype=dtype)


def test_autocast_works_as_a_decorator():
    @chainrule.autocast("cpu", enabled=False)
    def product(a, b):
        return a @ b

    assert product(chainrule.ones(2, 3), chainrule.ones(3, 1)).tolist() == [[3.0], [3.0]]


@requires_torch
def test_a_device_type_that_is_not_a_string_is_a_value_error():
    assert_same_error(lambda lib: lib.autocast(3), "Expected `device_type` of type `str`")


def test_a_device_chainrule_cannot_run_on_is_refused():
    with pytest.raises(RuntimeError, match="chainrule runs on the CPU only"):
        chainrule.autocast("xyz", enabled=False)
