"""``chainrule.testing.assert_close`` passes and fails where PyTorch 2.13's does, with
the same exception types and messages."""

import numpy as np
import pytest

import chainrule

from oracle import requires_torch, run_both, torch

pytestmark = requires_torch

NAN, INF = float("nan"), float("inf")


def outcome(lib, make_pair, **kwargs):
    """None if assert_close passes, else (exception type name, message with 'torch.' as 'chainrule.'
    and chainrule's Tensor by its public name)."""
    actual, expected = make_pair(lib)
    try:
        lib.testing.assert_close(actual, expected, **kwargs)
    except Exception as error:  # noqa: BLE001 - the exception is the result compared
        return type(error).__name__, str(error).replace("torch.", "chainrule.").replace("._tensor.", ".")
    return None


def assert_same_outcome(make_pair, **kwargs):
    theirs, ours = run_both(lambda lib: outcome(lib, make_pair, **kwargs))
    assert ours == theirs


def tensors(a, b, dtype="float32", other_dtype=None):
    def make(lib):
        return (
            lib.tensor(a, dtype=getattr(lib, dtype)),
            lib.tensor(b, dtype=getattr(lib, other_dtype or dtype)),
        )

    return make


CASES = {
    "equal floats": tensors([1.0, 2.0], [1.0, 2.0]),
    "within float32 tolerance": tensors([1.0, 2.0], [1.0, 2.000001]),
    "two of four elements differ": tensors([1.0, 2.0, 3.0, 4.0], [1.0, 2.5, 3.0, 4.1]),
    "a matrix with a zero expected": tensors([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 0.0]]),
    "nan against nan": tensors([1.0, NAN], [1.0, NAN]),
    "nan against numbers": tensors([[1.0, NAN, 3.0]], [[1.0, 2.0, NAN]]),
    "inf against -inf": tensors([INF], [-INF]),
    "inf against inf": tensors([INF, 1.0], [INF, 1.0]),
    "float16 tolerance": tensors([1.0], [1.002], "float16"),
    "float64 tolerance": tensors([1.0, 2.0], [1.0, 2.0000001], "float64"),
    "float64 outside tolerance": tensors([1.0, 2.0], [1.0, 2.00001], "float64"),
    "integers compare exactly": tensors([1, 2, 3], [1, 2, 4], "int64"),
    "uint8 differences do not wrap": tensors([0, 250], [255, 250], "uint8"),
    "booleans": tensors([True, False], [True, True], "bool"),
    "shapes differ": lambda lib: (lib.ones(2, 3), lib.ones(3, 2)),
    "dtypes differ": tensors([1.0], [1.0], "float32", "float64"),
    "zero-dimensional tensors": lambda lib: (lib.tensor(1.0), lib.tensor(1.5)),
    "empty tensors": lambda lib: (lib.ones(0), lib.ones(0)),
    "a tensor that requires grad": lambda lib: (lib.ones(2, requires_grad=True), lib.ones(2)),
    "a tensor and a list": lambda lib: (lib.ones(1), [1.0]),
    "a tensor and a float": lambda lib: (lib.ones(1), 1.0),
    "floats within tolerance": lambda lib: (1.0, 1.0 + 1e-9),
    "floats outside tolerance": lambda lib: (1.0, 1.1),
    "float nans": lambda lib: (NAN, NAN),
    "an int and a float": lambda lib: (1, 1.0),
    "ints": lambda lib: (1, 2),
    "zero expected": lambda lib: (1.0, 0.0),
    "bools": lambda lib: (True, False),
    "None and a number": lambda lib: (None, 1),
    "None and None": lambda lib: (None, None),
    "strings": lambda lib: ("a", "a"),
    "a tuple and a list": lambda lib: ((1.0,), [1.0]),
    "sequences of different lengths": lambda lib: ([1.0, 2.0], [1.0, 2.0, 3.0]),
    "nested sequences of tensors": lambda lib: ([[lib.tensor([1.0])]], [[lib.tensor([2.0])]]),
    "mappings with different keys": lambda lib: ({"a": 1.0}, {"b": 1.0}),
    "mappings of tensors": lambda lib: ({"w": lib.tensor(1.0)}, {"w": lib.tensor(1.5)}),
    "NumPy scalars": lambda lib: (np.float32(1.0), 1.5),
}


@pytest.mark.parametrize("case", CASES)
def test_assert_close_passes_and_fails_as_pytorchs(case):
    assert_same_outcome(CASES[case])


@pytest.mark.parametrize(
    "case", ["nan against nan", "nan against numbers", "float nans", "two of four elements differ"]
)
def test_equal_nan_makes_nans_match(case):
    assert_same_outcome(CASES[case], equal_nan=True)


@pytest.mark.parametrize(
    "case", ["dtypes differ", "an int and a float", "two of four elements differ", "booleans"]
)
def test_check_dtype_false_compares_in_the_promoted_dtype(case):
    assert_same_outcome(CASES[case], check_dtype=False)


def test_check_dtype_false_promotes_and_takes_the_looser_tolerance():
    assert_same_outcome(tensors([1.0, 2.0], [1.0, 2.1], "float64", "float32"), check_dtype=False)
    assert_same_outcome(tensors([1.0, 2.0], [1, 3], "float32", "int64"), check_dtype=False)
    assert_same_outcome(tensors([1, 3], [1.0, 2.0], "int64", "float32"), check_dtype=False)
    assert_same_outcome(tensors([True], [1], "bool", "int64"), check_dtype=False)


@pytest.mark.parametrize(
    "tolerances", [{"rtol": 0.0, "atol": 0.0}, {"rtol": 0.1, "atol": 0.0}, {"rtol": 0.0, "atol": 0.6}]
)
def test_given_tolerances_replace_the_defaults(tolerances):
    for case in ["two of four elements differ", "floats outside tolerance", "zero-dimensional tensors"]:
        assert_same_outcome(CASES[case], **tolerances)


@pytest.mark.parametrize("given", [{"rtol": 0.1}, {"atol": 0.1}])
def test_only_one_of_rtol_and_atol_is_a_value_error(given):
    assert_same_outcome(CASES["floats outside tolerance"], **given)
    assert_same_outcome(CASES["two of four elements differ"], **given)


@pytest.mark.parametrize("msg", ["custom message", lambda generated: "<" + generated + ">"])
def test_msg_replaces_or_wraps_the_message(msg):
    assert_same_outcome(CASES["two of four elements differ"], msg=msg)
    assert_same_outcome(CASES["nested sequences of tensors"], msg=msg)


def test_check_device_layout_and_stride_are_accepted():
    options = {"check_device": False, "check_layout": False, "check_stride": True}
    assert_same_outcome(CASES["equal floats"], **options)
    assert_same_outcome(CASES["two of four elements differ"], **options)


def test_allow_subclasses_false_refuses_a_parameter_against_a_tensor():
    def make(lib):
        return lib.nn.Parameter(lib.ones(1)), lib.ones(1)

    assert_same_outcome(make, allow_subclasses=False)
    assert_same_outcome(make)


def test_the_message_names_the_mismatches_and_greatest_differences():
    with pytest.raises(AssertionError) as error:
        chainrule.testing.assert_close(chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]), chainrule.zeros(2, 2))
    assert str(error.value).splitlines()[:4] == [
        "Tensor-likes are not close!",
        "",
        "Mismatched elements: 4 / 4 (100.0%)",
        "Greatest absolute difference: 4.0 at index (1, 1) (up to 1e-05 allowed)",
    ]


# --- make_tensor: the values differ (NumPy's random stream), their range and form do not ---

ALL_DTYPES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]


def drawn(lib, dtype, size=4000, **kwargs):
    """The dtype, shape, requires_grad and contiguity of a make_tensor result, its
    smallest and largest value, and (for small integer ranges) the set of values drawn."""
    t = lib.testing.make_tensor(size, dtype=getattr(lib, dtype), device="cpu", **kwargs)
    values = t.detach().double() if dtype != "bool" else t.long()
    distinct = sorted(set(values.tolist())) if dtype not in ("float16", "float32", "float64") else None
    low, high = values.min().item(), values.max().item()
    return (
        str(t.dtype).split(".")[-1],
        tuple(t.shape),
        t.requires_grad,
        t.is_contiguous(),
        low,
        high,
        distinct,
    )


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_make_tensor_draws_from_pytorchs_default_range(dtype):
    theirs, ours = run_both(lambda lib: drawn(lib, dtype))
    assert ours[:4] == theirs[:4]
    if ours[6] is not None:  # every value of [-9, 10), [0, 10) or {0, 1} is drawn in both
        assert ours[6] == theirs[6]
    else:
        assert -9 <= ours[4] < -8.9 and 8.9 < ours[5] <= 9  # float16 may round up to 9


@pytest.mark.parametrize(
    "dtype, low, high",
    [("int64", -2, 3), ("uint8", -5, 2), ("int8", 100, 1000), ("int32", 0.5, 3.5), ("bool", None, 1)],
)
def test_make_tensor_clamps_and_rounds_integer_bounds_as_pytorch(dtype, low, high):
    theirs, ours = run_both(lambda lib: drawn(lib, dtype, low=low, high=high))
    assert ours == theirs


def test_make_tensor_keeps_floats_in_the_given_range():
    for lib in (chainrule, torch):
        _, _, _, _, low, high, _ = drawn(lib, "float64", low=2.0, high=2.5)
        assert 2.0 <= low < 2.01 and 2.49 < high < 2.5


def test_make_tensor_takes_a_shape_as_a_sequence_and_honours_its_options():
    def scenario(lib):
        make = lib.testing.make_tensor
        a = make((2, 3), dtype=lib.float32, device="cpu", requires_grad=True)
        b = make(2, 3, dtype=lib.int64, device="cpu", noncontiguous=True)
        c = make(1, dtype=lib.float32, device="cpu", noncontiguous=True)
        d = make(500, dtype=lib.uint8, device="cpu", low=0, high=2, exclude_zero=True)
        return (
            tuple(a.shape),
            a.requires_grad,
            tuple(b.shape),
            b.is_contiguous(),
            c.is_contiguous(),
            sorted(set(d.tolist())),
        )

    theirs, ours = run_both(scenario)
    assert ours == theirs


def test_make_tensor_replaces_float_zeros_by_the_smallest_normal_number():
    t = chainrule.testing.make_tensor(
        50, dtype=chainrule.float32, device="cpu", low=0, high=1e-40, exclude_zero=True
    )
    assert (t > 0).all().item()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dtype": "int64", "requires_grad": True},
        {"dtype": "float32", "low": 3, "high": 2},
        {"dtype": "float32", "low": float("nan")},
        {"dtype": "uint8", "low": 300, "high": 400},
        {"dtype": "float32", "noncontiguous": True, "memory_format": "contiguous"},
    ],
)
def test_make_tensor_refuses_bad_arguments_as_pytorch(kwargs):
    def scenario(lib):
        options = dict(kwargs, dtype=getattr(lib, kwargs["dtype"]))
        lib.testing.make_tensor(3, device="cpu", **options)

    theirs, ours = run_both(scenario)
    assert isinstance(theirs, ValueError)
    assert type(ours) is type(theirs)
    assert str(ours).replace("chainrule.", "torch.") == str(theirs)


def test_make_tensor_refuses_a_device_chainrule_cannot_run_on():
    with pytest.raises(RuntimeError, match="chainrule runs on the CPU only"):
        chainrule.testing.make_tensor(2, dtype=chainrule.float32, device="cuda")
