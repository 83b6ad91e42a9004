"""Type promotion as PyTorch 2.13: ``promote_types``, ``result_type`` and the
dtype ops actually produce, for every pair of the supported dtypes as
dimensioned tensors, zero-dim tensors and Python numbers; and which tensors
may require grad."""

import itertools

import numpy as np
import pytest

import chainrule

from oracle import requires_torch, torch

pytestmark = [requires_torch, pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")]

DTYPES = ["float16", "float32", "float64", "int32", "int64", "bool", "uint8"]
PAIRS = list(itertools.product(DTYPES, DTYPES))
NUMBERS = [True, 2, 2.5]


def name_of(dtype):
    return str(dtype).split(".")[-1]


def operand(lib, form, dtype_name):
    """A dimensioned tensor ('tensor'), a 0-d tensor ('scalar tensor') or a Python number."""
    if form == "number":
        return dtype_name
    dtype = getattr(lib, dtype_name)
    value = np.ones(3) if form == "tensor" else np.ones(())
    return lib.tensor(value, dtype=dtype)


def outcome(lib, fn, *args):
    """The dtype name of ``fn(*args)``, or the exception type PyTorch-style code would see."""
    try:
        return name_of(fn(*args).dtype)
    except (RuntimeError, TypeError) as error:
        return type(error).__name__


@pytest.mark.parametrize("a, b", PAIRS)
def test_promote_types_and_can_cast_match_pytorch_for_every_pair(a, b):
    ours = chainrule.promote_types(getattr(chainrule, a), getattr(chainrule, b))
    assert name_of(ours) == name_of(torch.promote_types(getattr(torch, a), getattr(torch, b)))
    assert chainrule.can_cast(getattr(chainrule, a), getattr(chainrule, b)) == torch.can_cast(
        getattr(torch, a), getattr(torch, b)
    )


FORMS = [
    ("tensor", "tensor"),
    ("tensor", "scalar tensor"),
    ("scalar tensor", "tensor"),
    ("scalar tensor", "scalar tensor"),
]


@pytest.mark.parametrize("forms", FORMS, ids=" and ".join)
@pytest.mark.parametrize("a, b", PAIRS)
def test_result_type_and_arithmetic_dtypes_match_pytorch_for_tensors_and_zero_dim_tensors(a, b, forms):
    ours = operand(chainrule, forms[0], a), operand(chainrule, forms[1], b)
    theirs = operand(torch, forms[0], a), operand(torch, forms[1], b)
    ops = {
        "result_type": lambda lib, x, y: lib.tensor(0, dtype=lib.result_type(x, y)),
        "add": lambda lib, x, y: x + y,
        "mul": lambda lib, x, y: x * y,
        "div": lambda lib, x, y: x / y,
        "maximum": lambda lib, x, y: lib.maximum(x, y),
        "eq": lambda lib, x, y: x == y,
        "lt": lambda lib, x, y: x < y,
        "where": lambda lib, x, y: lib.where(lib.tensor([True, False, True]), x, y),
    }
    for op_name, op in ops.items():
        expected = outcome(torch, op, torch, *theirs)
        assert outcome(chainrule, op, chainrule, *ours) == expected, op_name


@pytest.mark.parametrize("form", ["tensor", "scalar tensor"])
@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: type(n).__name__)
@pytest.mark.parametrize("dtype", DTYPES)
def test_result_type_and_arithmetic_dtypes_match_pytorch_with_python_numbers(dtype, number, form):
    ours, theirs = operand(chainrule, form, dtype), operand(torch, form, dtype)
    ops = {
        "result_type": lambda lib, x, n: lib.tensor(0, dtype=lib.result_type(x, n)),
        "add": lambda lib, x, n: x + n,
        "radd": lambda lib, x, n: n + x,
        "mul": lambda lib, x, n: x * n,
        "div": lambda lib, x, n: x / n,
        "rdiv": lambda lib, x, n: n / x,
        "pow": lambda lib, x, n: x**n,
        "eq": lambda lib, x, n: x == n,
        "where": lambda lib, x, n: lib.where(lib.tensor(True), x, n),
    }
    for op_name, op in ops.items():
        assert outcome(chainrule, op, chainrule, ours, number) == outcome(torch, op, torch, theirs, number), (
            op_name
        )


def test_a_python_float_never_upcasts_a_float32_or_float16_tensor():
    for dtype in (chainrule.float32, chainrule.float16):
        x = chainrule.ones(2, dtype=dtype)
        for result in (x + 1e-3, 2.5 * x, x / 3.0, x**0.5, x - 1e10, chainrule.where(x > 0, x, 0.5)):
            assert result.dtype == dtype


def test_python_floats_follow_the_default_dtype_for_integer_tensors():
    x = chainrule.tensor([1, 2])
    assert (x * 0.5).dtype == chainrule.float32
    chainrule.set_default_dtype(chainrule.float64)
    try:
        assert (x * 0.5).dtype == chainrule.float64
        assert (chainrule.ones(2, dtype=chainrule.float32) * 0.5).dtype == chainrule.float32
    finally:
        chainrule.set_default_dtype(chainrule.float32)


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "uint8"])
def test_integer_and_bool_tensors_never_require_grad(dtype):
    with pytest.raises(RuntimeError, match="floating point"):
        chainrule.tensor([1, 0], dtype=getattr(chainrule, dtype), requires_grad=True)
    x = chainrule.tensor([1, 0], dtype=getattr(chainrule, dtype))
    with pytest.raises(RuntimeError, match="floating point"):
        x.requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        x.requires_grad = True
    assert not x.requires_grad


def test_integer_results_of_tensors_that_require_grad_do_not_require_grad():
    x = chainrule.tensor([1.5, -2.0], requires_grad=True)
    for result in (x.long(), x > 0, x.argmax(), x.max(0).indices, (x * 2).int(), x.isnan(), x // 1 > 0):
        assert not result.requires_grad and result.grad_fn is None
    assert x.float().requires_grad and x.double().requires_grad


@pytest.mark.parametrize("a, b", PAIRS)
def test_inplace_ops_refuse_a_result_that_cannot_be_cast_back_like_pytorch(a, b):
    for op_name in ("add_", "mul_", "div_"):
        outcomes = []
        for lib in (chainrule, torch):
            x = lib.ones(3, dtype=getattr(lib, a))
            try:
                getattr(x, op_name)(lib.ones(3, dtype=getattr(lib, b)))
                outcomes.append(name_of(x.dtype))
            except RuntimeError as error:
                outcomes.append(("RuntimeError", "can't be cast" in str(error) or str(error)[:40]))
        assert outcomes[0] == outcomes[1], (op_name, outcomes)


def test_result_type_of_several_numbers_and_tensors():
    assert chainrule.result_type(chainrule.tensor([1, 2]), 1.0) == chainrule.float32
    assert chainrule.result_type(chainrule.tensor([1, 2], dtype=chainrule.uint8), 1000) == chainrule.uint8
    assert chainrule.result_type(True, chainrule.tensor(2)) == chainrule.int64
