"""Top-level helpers that PyTorch 2.x scripts call, against PyTorch 2.13: ``finfo``,
``iinfo``, ``typename``, ``is_complex``, ``set_float32_matmul_precision`` and
``set_default_device``."""

import warnings

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, requires_torch, same_as_torch, torch

pytestmark = requires_torch

FLOATS = ["float16", "float32", "float64"]
INTEGERS = ["uint8", "int8", "int16", "int32", "int64"]
FINFO_FIELDS = ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_has_pytorchs_fields_and_repr_for_every_floating_dtype(name):
    ours, theirs = chainrule.finfo(getattr(chainrule, name)), torch.finfo(getattr(torch, name))
    for field in FINFO_FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field
        assert type(getattr(ours, field)) is type(getattr(theirs, field)), field
    assert repr(ours) == repr(theirs)


def test_finfo_without_a_dtype_describes_the_default_dtype():
    def scenario(lib):
        lib.set_default_dtype(lib.float64)
        try:
            return lib.finfo().eps, lib.finfo().dtype
        finally:
            lib.set_default_dtype(lib.float32)

    same_as_torch(scenario, rtol=0, atol=0)


@pytest.mark.parametrize("name", INTEGERS)
def test_iinfo_has_pytorchs_fields_and_repr_for_every_integer_dtype(name):
    ours, theirs = chainrule.iinfo(getattr(chainrule, name)), torch.iinfo(getattr(torch, name))
    for field in ["bits", "max", "min", "dtype"]:
        assert getattr(ours, field) == getattr(theirs, field), field
        assert type(getattr(ours, field)) is type(getattr(theirs, field)), field
    assert repr(ours) == repr(theirs)


def test_finfo_and_iinfo_compare_equal_by_dtype_and_are_unhashable():
    same_as_torch(
        lambda lib: (
            lib.finfo(lib.float32) == lib.finfo(lib.float32),
            lib.finfo(lib.float32) == lib.finfo(lib.float64),
            lib.iinfo(lib.int8) == lib.iinfo(lib.int8),
        )
    )
    assert_same_error(lambda lib: hash(lib.finfo(lib.float32)), "unhashable")


@pytest.mark.parametrize("name", [*INTEGERS, "bool"])
def test_finfo_of_a_non_floating_dtype_is_a_type_error(name):
    assert_same_error(lambda lib: lib.finfo(getattr(lib, name)), "requires a floating point input type")


@pytest.mark.parametrize("name", FLOATS)
def test_iinfo_of_a_floating_dtype_is_a_type_error(name):
    assert_same_error(lambda lib: lib.iinfo(getattr(lib, name)), "requires an integer input type")


def test_iinfo_of_bool_is_a_type_error():
    assert_same_error(lambda lib: lib.iinfo(lib.bool), "chainrule.bool is not supported by chainrule.iinfo")


@pytest.mark.parametrize("argument", ["float32", 3, np.float32])
def test_finfo_and_iinfo_of_something_not_a_dtype_is_a_type_error(argument):
    assert_same_error(lambda lib: lib.finfo(argument), "argument 'type' (position 1) must be chainrule.dtype")
    assert_same_error(lambda lib: lib.iinfo(argument), "argument 'type' (position 1) must be chainrule.dtype")


def test_finfo_limits_are_those_of_the_stored_array_dtype():
    info = chainrule.finfo(chainrule.float16)
    assert (chainrule.tensor([info.max], dtype=chainrule.float16) * 2).isinf().item()
    assert (chainrule.tensor([1.0], dtype=chainrule.float16) + info.eps).item() != 1.0
    assert (chainrule.tensor([1.0], dtype=chainrule.float16) + info.eps / 2).item() == 1.0


@pytest.mark.parametrize("name", [*FLOATS, *INTEGERS, "bool"])
def test_typename_of_a_tensor_is_its_legacy_type_name(name):
    ours = chainrule.typename(chainrule.ones(2, dtype=getattr(chainrule, name)))
    assert ours == torch.typename(torch.ones(2, dtype=getattr(torch, name))).replace("torch.", "chainrule.")


def test_typename_of_other_objects_is_the_qualified_name_of_their_type():
    def scenario(lib):
        return [
            lib.typename(obj).replace(lib.__name__ + ".", "")
            for obj in (3, None, len, lib.nn.Linear, lib.nn.Linear(1, 1), lib.nn.Parameter(lib.ones(1)))
        ]

    same_as_torch(scenario)


def test_is_complex_is_false_for_every_chainrule_dtype():
    for name in [*FLOATS, *INTEGERS, "bool"]:
        assert chainrule.is_complex(chainrule.ones(2, dtype=getattr(chainrule, name))) is False
        assert torch.is_complex(torch.ones(2, dtype=getattr(torch, name))) is False


def test_is_complex_of_a_non_tensor_is_a_type_error():
    assert_same_error(lambda lib: lib.is_complex(3), "must be Tensor, not int")


@pytest.mark.parametrize("precision", ["highest", "high", "medium"])
def test_float32_matmul_precision_is_recorded(precision):
    def scenario(lib):
        before = lib.get_float32_matmul_precision()
        lib.set_float32_matmul_precision(precision)
        try:
            return before, lib.get_float32_matmul_precision()
        finally:
            lib.set_float32_matmul_precision("highest")

    same_as_torch(scenario)


def test_float32_matmul_precision_changes_no_result():
    a, b = chainrule.randn(30, 40), chainrule.randn(40, 20)
    exact = (a @ b).numpy()
    chainrule.set_float32_matmul_precision("medium")
    try:
        np.testing.assert_array_equal((a @ b).numpy(), exact)
    finally:
        chainrule.set_float32_matmul_precision("highest")


def test_an_unknown_matmul_precision_warns_and_changes_nothing():
    def scenario(lib):
        lib.set_float32_matmul_precision("medium")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                lib.set_float32_matmul_precision("low")
            return lib.get_float32_matmul_precision(), [
                "is not one of 'highest', 'high', or 'medium'" in str(w.message) for w in caught
            ]
        finally:
            lib.set_float32_matmul_precision("highest")

    same_as_torch(scenario)


def test_a_matmul_precision_that_is_not_a_string_is_a_runtime_error():
    assert_same_error(
        lambda lib: lib.set_float32_matmul_precision(3),
        "set_float32_matmul_precision expects a str, but got int",
    )


@pytest.mark.parametrize("device", ["cpu", "device('cpu')", None])
def test_the_default_device_can_be_set_to_the_cpu(device):
    def scenario(lib):
        lib.set_default_device(lib.device("cpu") if device == "device('cpu')" else device)
        try:
            return lib.get_default_device(), lib.ones(2).device
        finally:
            lib.set_default_device(None)

    same_as_torch(scenario)


def test_the_default_device_is_the_cpu_at_first():
    same_as_torch(lambda lib: lib.get_default_device())


@pytest.mark.parametrize("device", ["cuda", "cuda:1", "mps"])
def test_a_default_device_chainrule_cannot_run_on_raises_its_device_error(device):
    with pytest.raises(RuntimeError) as tensor_error:
        chainrule.tensor([1.0], device=device)
    with pytest.raises(RuntimeError) as default_error:
        chainrule.set_default_device(device)
    assert str(default_error.value) == str(tensor_error.value)
    assert chainrule.get_default_device() == chainrule.device("cpu")
