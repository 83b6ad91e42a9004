"""Elementwise ops: values and gradients against PyTorch 2.13 (the oracle) and
float64 finite differences (first and second order), PyTorch's edge
conventions, dtypes of the results, in-place forms and error messages."""

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import chainrule

from oracle import (
    assert_equal,
    assert_same,
    assert_same_error,
    check,
    check_gradcheck,
    check_torch,
    requires_torch,
    run_both,
    same_as_torch,
    torch,
)
from same_bits import assert_same_bits_on_threads

F32 = np.float32


def values(*items):
    """A float32 input array with exactly these values."""
    return np.array(items, dtype=F32)


# --- unary math: each op as a function and as a method ----------------------------------

INTEGERS = [-2.0, -1.0, 0.0, 1.0, 2.0]
HALVES = [-1.5, -0.5, 0.5, 1.5]

UNARY = {
    # name: keyword arguments of check() that keep the inputs where the op is smooth
    "exp": {},
    "exp2": {},
    "expm1": {},
    "log": {"low": 0.2, "high": 3.0},
    "log2": {"low": 0.2, "high": 3.0},
    "log10": {"low": 0.2, "high": 3.0},
    "log1p": {"low": -0.8, "high": 2.0},
    "sqrt": {"low": 0.2, "high": 3.0},
    "rsqrt": {"low": 0.2, "high": 3.0},
    "square": {},
    "sin": {},
    "cos": {},
    "tan": {"low": -1.2, "high": 1.2},
    "tanh": {},
    "sinh": {},
    "cosh": {},
    "asin": {"low": -0.9, "high": 0.9},
    "acos": {"low": -0.9, "high": 0.9},
    "atan": {},
    "arcsin": {"low": -0.9, "high": 0.9},
    "arccos": {"low": -0.9, "high": 0.9},
    "arctan": {},
    "sigmoid": {},
    "relu": {"away_from": 0.0},
    "abs": {"away_from": 0.0},
    "absolute": {"away_from": 0.0},
    "neg": {},
    "negative": {},
    "reciprocal": {"away_from": 0.0},
    "erf": {},
    "frac": {"away_from": INTEGERS},
    "sign": {"away_from": 0.0},
    "floor": {"away_from": INTEGERS},
    "ceil": {"away_from": INTEGERS},
    "trunc": {"away_from": INTEGERS},
    "fix": {"away_from": INTEGERS},
    "round": {"away_from": HALVES},
    "nan_to_num": {},
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_function_and_method_match_pytorch_and_finite_differences(name):
    check(lambda m, x: (getattr(m, name)(x), getattr(x, name)()), [(3, 4)], **UNARY[name])


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"frac", "fix"}))
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@requires_torch
def test_unary_ops_give_pytorchs_result_dtype_for_integer_and_bool_inputs(name, dtype):
    data = np.array([0, 1, 2, 3]) if dtype != "bool" else np.array([True, False, True, True])
    expected = None
    try:
        expected = getattr(torch, name)(torch.tensor(data, dtype=getattr(torch, dtype)))
    except (RuntimeError, TypeError) as error:
        with pytest.raises(type(error)):
            getattr(chainrule, name)(chainrule.tensor(data, dtype=getattr(chainrule, dtype)))
        return
    ours = getattr(chainrule, name)(chainrule.tensor(data, dtype=getattr(chainrule, dtype)))
    assert ours.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy().astype(float), expected.numpy().astype(float), rtol=1e-5)


def test_float_functions_of_integer_tensors_give_float32():
    x = chainrule.tensor([1, 2, 3])
    for op in (chainrule.exp, chainrule.sqrt, chainrule.sigmoid, chainrule.log, chainrule.sin):
        assert op(x).dtype == chainrule.float32


def test_float_functions_follow_the_default_dtype_for_integer_tensors():
    chainrule.set_default_dtype(chainrule.float64)
    try:
        assert chainrule.exp(chainrule.tensor([1, 2])).dtype == chainrule.float64
    finally:
        chainrule.set_default_dtype(chainrule.float32)


@requires_torch
def test_integer_only_unary_ops_raise_pytorchs_errors():
    bools = chainrule.tensor([True, False])
    with pytest.raises(RuntimeError, match="bool tensor"):
        operator.neg(bools)
    with pytest.raises(NotImplementedError, match="abs"):
        chainrule.abs(bools)
    with pytest.raises(RuntimeError, match="relu"):
        chainrule.relu(bools)
    with pytest.raises(NotImplementedError, match="frac"):
        chainrule.frac(chainrule.tensor([1, 2]))


def test_float16_inputs_stay_float16():
    x = chainrule.tensor([0.5, 1.0], dtype=chainrule.float16)
    for op in (chainrule.exp, chainrule.erf, chainrule.sigmoid, chainrule.sqrt, chainrule.tanh):
        assert op(x).dtype == chainrule.float16


@requires_torch
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_erf_of_a_large_array_splits_over_threads_with_scipys_bits_and_matches_pytorch(threads):
    """From 32,768 values erf runs in one slice per thread (ops/elementwise.py): the bits of
    scipy's erf on any thread count, and PyTorch's values and gradient."""
    from scipy.special import erf

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(70_001) * 2).astype(np.float32)  # odd: the slices differ in size

    def run():
        xs = chainrule.tensor(x, requires_grad=True)
        y = chainrule.erf(xs)
        y.sum().backward()
        return [y.detach().numpy().copy()]

    assert_same_bits_on_threads(threads, run, [erf(x)])
    check_torch(lambda m, t: m.erf(t), None, arrays=[x])


# --- PyTorch's conventions at the points where a derivative is not defined ------------------


def test_gradient_of_abs_and_relu_at_zero_is_zero():
    check_torch(lambda m, x: (m.abs(x), m.relu(x), x.abs(), abs(x)), None, arrays=[values(0.0, -1.0, 2.0)])


def test_relu_passes_the_gradient_at_nan_as_pytorch_does():
    check_torch(lambda m, t: m.relu(t), None, arrays=[values(np.nan, -1.0, 0.0, 2.0)])


def test_clamp_gradient_is_one_on_the_boundary():
    x = values(-1.0, 0.0, 0.5, 1.0, 2.0)
    check_torch(lambda m, x: m.clamp(x, 0.0, 1.0), None, arrays=[x])
    check_torch(lambda m, x: (m.clamp(x, min=0.0), m.clamp(x, max=1.0), x.clip(0, 1)), None, arrays=[x])
    chainrule_x = chainrule.tensor(x, requires_grad=True)
    chainrule.clamp(chainrule_x, 0.0, 1.0).sum().backward()
    assert chainrule_x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_clamp_with_min_above_max_gives_max_everywhere():
    check_torch(lambda m, x: m.clamp(x, 1.0, 0.0), None, arrays=[values(-1.0, 0.5, 2.0)])


def test_clamp_with_tensor_bounds_sends_the_gradient_to_the_bound_that_is_the_result():
    x = values(0.0, 2.0, 1.0, 0.5, -3.0)
    low = values(1.0, 1.0, 1.0, 0.0, 0.0)
    high = values(1.0, 1.0, 1.0, 1.0, -1.0)
    check_torch(lambda m, x, lo, hi: m.clamp(x, lo, hi), None, arrays=[x, low, high])
    check_torch(lambda m, x, lo: m.clamp(x, min=lo), None, arrays=[x, low])
    check_torch(lambda m, x, hi: m.clamp(x, max=hi), None, arrays=[x, high])


def test_clamp_with_broadcast_tensor_bounds_matches_pytorch_and_finite_differences():
    check(lambda m, x, lo, hi: m.clamp(x, lo, hi), [(3, 4), (4,), (3, 1)], away_from=None)


def test_maximum_and_minimum_split_the_gradient_in_half_on_ties():
    x, y = values(1.0, 2.0, 3.0), values(1.0, 1.0, 4.0)
    check_torch(lambda m, x, y: (m.maximum(x, y), m.minimum(x, y)), None, arrays=[x, y])
    a, b = chainrule.tensor(x, requires_grad=True), chainrule.tensor(y, requires_grad=True)
    chainrule.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0, 0.0] and b.grad.tolist() == [0.5, 0.0, 1.0]


def test_maximum_propagates_nan_and_its_gradient_as_pytorch():
    nan = float("nan")
    check_torch(
        lambda m, x, y: (m.maximum(x, y), m.minimum(x, y)), None, arrays=[values(nan, 1.0), values(1.0, nan)]
    )


def test_pow_derivative_is_zero_for_exponent_zero_even_at_zero():
    check_torch(lambda m, x: (x**0, m.pow(x, 0.0)), None, arrays=[values(0.0, 2.0, -1.0)])


def test_pow_exponent_gradient_is_zero_at_base_zero_for_nonnegative_exponents():
    check_torch(lambda m, x, y: x**y, None, arrays=[values(0.0, 0.0, 2.0, 0.0), values(0.0, 2.0, 0.0, -1.0)])
    check_torch(lambda m, y: (0.0**y, 2.0**y, m.pow(0, y)), None, arrays=[values(0.0, 1.5, -1.0)])


def test_pow_of_negative_base_with_fractional_exponent_is_nan_as_pytorch():
    check_torch(lambda m, x, y: x**y, None, arrays=[values(-1.0, -2.0), values(0.5, 2.0)])


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "trunc", "round"])
def test_step_functions_have_zero_gradient_and_a_grad_fn(name):
    x = chainrule.tensor([-1.5, 0.0, 0.4, 2.5], requires_grad=True)
    y = getattr(chainrule, name)(x)
    assert y.grad_fn is not None and y.grad_fn.name() == name.capitalize() + "Backward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    check_torch(lambda m, x: getattr(m, name)(x), None, arrays=[values(-1.5, 0.0, 0.4, 2.5)])


def test_round_with_decimals_matches_pytorch():
    check_torch(
        lambda m, x: (m.round(x, decimals=2), m.round(x, decimals=-1)),
        None,
        arrays=[values(1.2345, 56.7, -0.125)],
    )


def test_rounding_integer_tensors_keeps_their_dtype():
    x = chainrule.tensor([3, -2])
    for op in (chainrule.floor, chainrule.ceil, chainrule.trunc, chainrule.round, chainrule.sign):
        assert op(x).dtype == chainrule.int64
    assert chainrule.sign(chainrule.tensor([True, False])).tolist() == [True, False]


def test_floor_divide_of_a_tensor_that_requires_grad_raises_at_backward_like_pytorch():
    x = chainrule.tensor([1.5, -2.5], requires_grad=True)
    y = x // 2
    assert y.tolist() == [0.0, -2.0] and y.requires_grad
    with pytest.raises(RuntimeError, match="floor_divide"):
        y.sum().backward()


def test_div_with_rounding_mode_matches_finite_differences_to_second_order():
    check(
        lambda m, x, y: (m.div(x, y, rounding_mode="floor"), x.div(y, rounding_mode="trunc")),
        [values(5.3, -5.3, 7.7), values(2.0, 2.0, -2.0)],
    )


def test_div_with_rounding_mode_has_zero_gradient():
    check_torch(
        lambda m, x, y: (m.div(x, y, rounding_mode="floor"), m.div(x, y, rounding_mode="trunc")),
        None,
        arrays=[values(5.0, -5.0, 7.5), values(2.0, 2.0, -2.0)],
    )


@requires_torch
@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_integer_div_with_rounding_mode_matches_pytorch(mode):
    a, b = np.array([7, -7, 7, -7, 6]), np.array([2, 2, -2, -2, 3])
    ours = chainrule.div(chainrule.tensor(a), chainrule.tensor(b), rounding_mode=mode)
    theirs = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=mode)
    assert ours.tolist() == theirs.tolist() and ours.dtype == chainrule.int64


def test_integer_division_by_zero_raises_like_pytorch():
    for op in (lambda x: x // 0, lambda x: x % 0, lambda x: chainrule.div(x, 0, rounding_mode="floor")):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(chainrule.tensor([1, 2]))


def test_float_division_by_zero_gives_infinity():
    assert chainrule.tensor([1.0, -1.0]).div(0).tolist() == [float("inf"), float("-inf")]


# --- binary ops, broadcasting, operators and reflected forms --------------------------------

BROADCAST_SHAPES = [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 1, 3), (4, 1)], [(3, 1), ()], [(), (2, 3)]]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize(
    "name, op, kwargs",
    [
        ("add", lambda m, x, y: (x + y, m.add(x, y), x.add(y)), {}),
        ("sub", lambda m, x, y: (x - y, m.sub(x, y), x.subtract(y)), {}),
        ("mul", lambda m, x, y: (x * y, m.mul(x, y), x.multiply(y)), {}),
        ("div", lambda m, x, y: (x / y, m.div(x, y), x.true_divide(y)), {"away_from": 0.0}),
        ("pow", lambda m, x, y: (x**y, m.pow(x, y)), {"low": 0.3, "high": 2.0}),
        ("maximum", lambda m, x, y: m.maximum(x, y), {}),
        ("minimum", lambda m, x, y: m.minimum(x, y), {}),
        ("atan2", lambda m, x, y: (m.atan2(x, y), m.arctan2(x, y)), {"away_from": 0.0}),
        ("alpha", lambda m, x, y: (m.add(x, y, alpha=2), x.sub(y, alpha=0.5), m.rsub(x, y)), {}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_binary_op_broadcasts_and_sums_the_gradient_back_to_each_input_shape(shapes, name, op, kwargs):
    check(op, shapes, **kwargs)


def test_remainder_matches_pytorch_and_finite_differences():
    x, y = values(5.3, -5.3, 2.2, -0.7), values(2.0, 2.0, -1.5, 0.4)
    check(lambda m, x, y: (x % y, m.remainder(x, y), x % 1.5), [x, y])


def test_where_matches_pytorch_and_finite_differences_with_broadcasting():
    mask = np.array([[True], [False], [True]])
    check(lambda m, x, y: m.where(m.tensor(mask), x, y), [(3, 4), (4,)])
    check(lambda m, x, y: (m.where(x > y, x, y), x.where(x > 0, y)), [(3, 4), (3, 4)], away_from=0.0)


def test_where_with_numbers_as_either_branch_matches_pytorch():
    check(lambda m, x: (m.where(x > 0, x, 0.0), m.where(x > 0, 1.5, x)), [(2, 3)], away_from=0.0)


@requires_torch
def test_where_with_two_numbers_gives_pytorchs_dtype():
    condition = np.array([True, False])
    for a, b in [(1.0, 0.0), (1, 0), (1, 0.5), (True, False)]:
        ours = chainrule.where(chainrule.tensor(condition), a, b)
        theirs = torch.where(torch.tensor(condition), a, b)
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype).replace(
            "torch", "chainrule"
        )


def test_where_refuses_a_float_condition_like_pytorch():
    x = chainrule.tensor([1.0, 0.0])
    with pytest.raises(RuntimeError, match="boolean"):
        chainrule.where(x, x, x)


def test_lerp_matches_pytorch_and_finite_differences_with_number_and_tensor_weights():
    check(lambda m, a, b: (m.lerp(a, b, 0.3), a.lerp(b, 0.75)), [(3, 4), (4,)])
    check(lambda m, a, b, w: m.lerp(a, b, w), [(3, 4), (3, 4), (4,)])


def test_nan_to_num_matches_pytorch_and_its_gradient_is_zero_at_non_finite_values():
    x = values(float("nan"), float("inf"), -float("inf"), 1.5)
    check_torch(
        lambda m, x: (m.nan_to_num(x), x.nan_to_num(nan=2.0, posinf=9.0, neginf=-9.0)), None, arrays=[x]
    )
    check_torch(
        lambda m, x: m.nan_to_num(x), None, arrays=[np.array([float("nan"), float("inf"), 1.0], np.float16)]
    )


@pytest.mark.parametrize(
    "op",
    [
        lambda m, x: (x + 2, 2 + x, x + 1.5, 1.5 + x),
        lambda m, x: (x - 2, 2 - x, x - 1.5, 1.5 - x),
        lambda m, x: (x * 3, 3 * x, x * 0.5, 0.5 * x),
        lambda m, x: (x / 4, 4 / x, x / 0.5, 1 / x),
        lambda m, x: (x**2, x**3, x**-1, x**0.5, 2**x, 2.5**x),
        lambda m, x: (-x, +x, abs(x), x.neg(), x.abs()),
    ],
    ids=["add", "sub", "mul", "div", "pow", "unary"],
)
def test_operators_with_python_numbers_and_their_reflected_forms(op):
    check(op, [(2, 3)], low=0.3, high=2.0)


@requires_torch
def test_a_number_over_a_tensor_is_its_reciprocal_times_the_number_as_in_pytorch():
    """PyTorch's ``2 / x`` is ``x.reciprocal() * 2``: the graph and its grad_fn names match."""
    graphs = []
    for lib in (chainrule, torch):
        z = 2 / lib.tensor([1.0, 2.0], requires_grad=True)
        graphs.append((z.grad_fn.name(), z.grad_fn.next_functions[0][0].name()))
    assert graphs[0] == graphs[1] == ("MulBackward0", "ReciprocalBackward0")


@requires_torch
@pytest.mark.parametrize(
    "op", ["__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__"]
)
@pytest.mark.parametrize("scalar", [3, 2.5, True])
def test_integer_tensor_with_python_numbers_matches_pytorch_values_and_dtypes(op, scalar):
    data = np.array([4, -7, 9])
    for side in ("", "r"):
        name = op if not side else "__r" + op[2:]
        results = []
        for lib in (chainrule, torch):
            try:
                out = getattr(lib.tensor(data), name)(scalar)
                results.append(("ok", out.tolist(), str(out.dtype).split(".")[-1]))
            except (RuntimeError, TypeError) as error:
                results.append(("error", type(error).__name__))
        assert results[0][0] == results[1][0], (name, scalar, results)
        if results[0][0] == "ok":
            np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)
            assert results[0][2] == results[1][2], (name, scalar, results)


def test_python_int_outside_an_integer_dtype_wraps_around_like_pytorch():
    assert (chainrule.tensor([1], dtype=chainrule.uint8) + 300).tolist() == [45]
    assert (chainrule.tensor([1], dtype=chainrule.int32) + 2**33).dtype == chainrule.int32


def test_integer_pow_with_negative_exponents_matches_pytorch():
    base = chainrule.tensor([2, 1, -1, -1, 3])
    exponent = chainrule.tensor([-1, -3, -3, -2, 2])
    assert chainrule.pow(base, exponent).tolist() == [0, 1, -1, 1, 9]
    with pytest.raises(RuntimeError, match="negative integer powers"):
        base**-1


def test_bool_tensors_add_and_multiply_as_logic_and_refuse_subtraction():
    a, b = chainrule.tensor([True, False]), chainrule.tensor([True, True])
    assert (a + b).tolist() == [True, True] and (a * b).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="Subtraction"):
        a - b


def test_add_refuses_a_float_alpha_for_integer_tensors():
    with pytest.raises(RuntimeError, match="alpha"):
        chainrule.add(chainrule.tensor([1]), chainrule.tensor([2]), alpha=0.5)


# --- comparisons, logic and bit operations ---------------------------------------------------


@requires_torch
@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_match_pytorch_with_broadcasting_and_numbers(op):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], F32)
    b = np.array([2.0, 2.0, 2.0], F32)
    for other in (b, 2, 2.5):
        theirs = getattr(torch, op)(
            torch.tensor(a), torch.tensor(other) if isinstance(other, np.ndarray) else other
        )
        ours = getattr(chainrule, op)(
            chainrule.tensor(a), chainrule.tensor(other) if isinstance(other, np.ndarray) else other
        )
        assert ours.dtype == chainrule.bool and ours.tolist() == theirs.tolist()
    operator = {
        "eq": "__eq__",
        "ne": "__ne__",
        "lt": "__lt__",
        "le": "__le__",
        "gt": "__gt__",
        "ge": "__ge__",
    }[op]
    assert (
        getattr(chainrule.tensor(a), operator)(1.5).tolist()
        == getattr(torch.tensor(a), operator)(1.5).tolist()
    )


def test_comparison_with_none_is_not_equal_like_pytorch():
    x = chainrule.tensor([1, 2])
    assert (x == None) is False and (x != None) is True  # noqa: E711 - the operator is the subject


def test_comparisons_have_no_gradient():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    assert not (x > 1).requires_grad and (x > 1).grad_fn is None


@requires_torch
def test_logic_and_bit_operators_match_pytorch():
    a, b = np.array([True, False, True]), np.array([True, True, False])
    i, j = np.array([12, 10, -3]), np.array([6, 3, 5])
    for x, y in ((a, b), (i, j)):
        for name in ("__and__", "__or__", "__xor__", "bitwise_and", "bitwise_or", "bitwise_xor"):
            ours = getattr(chainrule.tensor(x), name)(chainrule.tensor(y))
            theirs = getattr(torch.tensor(x), name)(torch.tensor(y))
            assert ours.tolist() == theirs.tolist() and ours.dtype.name == str(theirs.dtype)[6:]
        assert (~chainrule.tensor(x)).tolist() == (~torch.tensor(x)).tolist()
        for name in ("logical_and", "logical_or", "logical_xor"):
            ours = getattr(chainrule, name)(chainrule.tensor(x), chainrule.tensor(y))
            assert ours.tolist() == getattr(torch, name)(torch.tensor(x), torch.tensor(y)).tolist()
        assert (
            chainrule.logical_not(chainrule.tensor(x)).tolist() == torch.logical_not(torch.tensor(x)).tolist()
        )
    assert (3 & chainrule.tensor(j)).tolist() == (3 & torch.tensor(j)).tolist()
    assert (3 | chainrule.tensor(j)).tolist() == (3 | torch.tensor(j)).tolist()
    assert (3 ^ chainrule.tensor(j)).tolist() == (3 ^ torch.tensor(j)).tolist()


def test_bit_operations_on_float_tensors_raise_like_pytorch():
    x = chainrule.tensor([1.0])
    with pytest.raises(NotImplementedError, match="bitwise_and"):
        x & 1
    with pytest.raises(TypeError, match="invert"):
        operator.invert(x)


def test_isnan_isinf_isfinite_match_pytorch():
    x = values(float("nan"), float("inf"), -float("inf"), 0.0, -2.0)
    check_torch(lambda m, x: (m.isnan(x), m.isinf(x), m.isfinite(x), x.isnan()), None, arrays=[x])


def test_isclose_allclose_and_equal():
    a, b = chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 2.001])
    assert chainrule.isclose(a, b).tolist() == [True, False]
    assert chainrule.allclose(a, b, atol=1e-2) and not chainrule.allclose(a, b)
    assert chainrule.equal(a, a.clone()) and not chainrule.equal(a, b)


# --- in-place forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op",
    [
        lambda m, x, y: (x * 1).add_(y),
        lambda m, x, y: (x * 1).add_(y, alpha=2),
        lambda m, x, y: (x * 1).sub_(y, alpha=0.5),
        lambda m, x, y: (x * 1).mul_(y),
        lambda m, x, y: (x * 1).div_(y),
        lambda m, x, y: (x * 1).clamp_(-0.5, 0.5),
        lambda m, x, y: (x * 1).clamp_(min=y),
        lambda m, x, y: (x * 1).pow_(2),
        lambda m, x, y: (x * 1).exp_(),
        lambda m, x, y: (x * 1).sigmoid_(),
        lambda m, x, y: (x * 1).copy_(y),
        lambda m, x, y: (x * 1).lerp_(y, 0.25),
        lambda m, x, y: (x * 1).addcmul_(y, y, value=0.5),
    ],
    ids=[
        "add_",
        "add_alpha",
        "sub_alpha",
        "mul_",
        "div_",
        "clamp_",
        "clamp_min_",
        "pow_",
        "exp_",
        "sigmoid_",
        "copy_",
        "lerp_",
        "addcmul_",
    ],
)
def test_inplace_ops_on_a_graph_tensor_match_pytorch_values_and_gradients(op):
    check(op, [(2, 3), (3,)], away_from=[0.0, -0.5, 0.5])


def test_augmented_assignment_operators_modify_the_tensor_in_place():
    def ops(m, x, y):
        z = x * 1
        z += y
        z -= 0.5
        z *= y
        z /= 2
        z **= 2
        return z

    check(ops, [(2, 3), (3,)], away_from=0.0)
    x = chainrule.tensor([1.0, 2.0])
    before = x._data
    x += 1
    x *= 2
    assert x._data is before and x.tolist() == [4.0, 6.0]


def test_integer_augmented_assignment_operators_match_pytorch():
    x = chainrule.tensor([7, -7, 12])
    x //= 2
    assert x.tolist() == [3, -4, 6]
    x %= 4
    assert x.tolist() == [3, 0, 2]
    x &= 2
    x |= 1
    x ^= 4
    assert x.tolist() == [7, 5, 7]


def test_inplace_ops_refuse_a_result_that_cannot_be_cast_back():
    integers = chainrule.tensor([1, 2])
    for op in (
        lambda t: t.add_(1.5),
        lambda t: t.div_(2),
        lambda t: t.exp_(),
        lambda t: t.mul_(chainrule.ones(2)),
    ):
        with pytest.raises(RuntimeError, match="can't be cast"):
            op(integers)
    with pytest.raises(RuntimeError, match="can't be cast"):
        chainrule.tensor([True]).add_(1)
    assert integers.tolist() == [1, 2]


def test_inplace_ops_accept_a_result_of_the_same_kind_and_cast_it():
    x = chainrule.tensor([1, 2], dtype=chainrule.int32)
    x.add_(chainrule.tensor([10, 20]))
    assert x.dtype == chainrule.int32 and x.tolist() == [11, 22]
    y = chainrule.tensor([1.0, 2.0])
    z = chainrule.tensor([1.0, 2.0], dtype=chainrule.float64, requires_grad=True)
    y.add_(z)
    assert y.dtype == chainrule.float32 and y.grad_fn is not None
    y.sum().backward()
    assert z.grad.dtype == chainrule.float64 and z.grad.tolist() == [1.0, 1.0]


def test_inplace_op_on_a_leaf_that_requires_grad_raises():
    x = chainrule.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.add_(1)
    with chainrule.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0]


def test_inplace_op_whose_output_needs_a_bigger_shape_raises():
    with pytest.raises(RuntimeError, match=r"add_.*\(3,\).*\(2, 3\)"):
        chainrule.zeros(3).add_(chainrule.ones(2, 3))


def test_fill_and_zero_overwrite_values_and_cut_the_gradient_to_the_old_values():
    check(lambda m, x, v: ((x * 1).fill_(2.0), (x * 1).zero_(), (x * 1).fill_(v)), [(2, 3), ()])


def test_copy_keeps_the_destination_dtype_and_infinite_values_do_not_leak():
    destination = chainrule.tensor([float("inf"), 1.0], requires_grad=True) * 1
    source = chainrule.tensor([2, 3])
    destination.copy_(source)
    assert destination.dtype == chainrule.float32 and destination.tolist() == [2.0, 3.0]


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, op",
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: a * b),
        ("div", lambda a, b: a / b),
        ("pow", lambda a, b: a**b),
        ("maximum", chainrule.maximum),
        ("atan2", chainrule.atan2),
        ("remainder", lambda a, b: a % b),
        ("eq", lambda a, b: a == b),
        ("lt", lambda a, b: a < b),
        ("where", lambda a, b: chainrule.where(a > 0, a, b)),
        ("clamp", lambda a, b: chainrule.clamp(a, min=b)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_broadcast_mismatch_raises_runtime_error_naming_the_op_and_both_shapes(name, op):
    a = chainrule.ones(2, 3, requires_grad=True)
    b = chainrule.ones(4)
    with pytest.raises(RuntimeError) as error:
        op(a, b)
    message = str(error.value)
    assert message.startswith(name) and "(2, 3)" in message and "(4,)" in message
    assert "size of tensor a (3) must match the size of tensor b (4)" in message


def test_operators_refuse_operands_that_are_not_tensors_or_numbers():
    with pytest.raises(TypeError):
        chainrule.ones(2) + "a"
    with pytest.raises(TypeError):
        chainrule.maximum(chainrule.ones(2), 1.0)


# --- random broadcast shapes ----------------------------------------------------------------------

BINARY_OPS = {
    "add": lambda m, x, y: x + y,
    "sub": lambda m, x, y: x - y,
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / y,
    "pow": lambda m, x, y: m.pow(x.abs() + 0.5, y),
    "maximum": lambda m, x, y: m.maximum(x, y),
    "minimum": lambda m, x, y: m.minimum(x, y),
    "atan2": lambda m, x, y: m.atan2(x, y),
    "where": lambda m, x, y: m.where(x > y, x * y, y),
}


@requires_torch
@settings(max_examples=40, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    name=st.sampled_from(sorted(BINARY_OPS)),
    seed=st.integers(0, 2**16),
)
def test_random_broadcast_shapes_give_pytorchs_values_and_gradients(shapes, name, seed):
    check_torch(BINARY_OPS[name], list(shapes.input_shapes), seed=seed, away_from=0.0)


@pytest.mark.parametrize(
    "name", ["exp", "abs", "relu", "frac", "sign", "floor", "round", "isnan", "nan_to_num", "neg"]
)
def test_functions_of_a_tensor_refuse_a_number_with_type_error(name):
    with pytest.raises(TypeError, match=name):
        getattr(chainrule, name)(2.0)


# --- out= ------------------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x, y: m.add(x, y, out=m.empty(2, 3)),
        lambda m, x, y: m.add(x, y, alpha=2, out=m.empty(0)),
        lambda m, x, y: m.sub(x, 1.0, out=m.empty(2, 3, dtype=m.float64)),
        lambda m, x, y: m.mul(x, y, out=m.empty(2, 3)),
        lambda m, x, y: m.div(x, y, out=m.empty(2, 3)),
        lambda m, x, y: m.div(x, y, rounding_mode="floor", out=m.empty(2, 3)),
        lambda m, x, y: m.pow(x, 2, out=m.empty(0)),
        lambda m, x, y: m.remainder(x, 2.0, out=m.empty(2, 3)),
        lambda m, x, y: m.floor_divide(x, 2.0, out=m.empty(2, 3)),
        lambda m, x, y: m.maximum(x, y, out=m.empty(2, 3)),
        lambda m, x, y: m.minimum(x, y, out=m.empty(2, 3)),
        lambda m, x, y: m.exp(x, out=m.empty(2, 3)),
        lambda m, x, y: m.sigmoid(x, out=m.empty(0)),
        lambda m, x, y: m.tanh(x, out=m.empty(2, 3, dtype=m.float64)),
        lambda m, x, y: m.neg(x, out=m.empty(2, 3)),
        lambda m, x, y: m.abs(x, out=m.empty(2, 3)),
        lambda m, x, y: m.floor(x, out=m.empty(2, 3)),
        lambda m, x, y: m.round(x, decimals=1, out=m.empty(2, 3)),
        lambda m, x, y: m.sign(x, out=m.empty(2, 3)),
        lambda m, x, y: m.clamp(x, -0.5, 0.5, out=m.empty(2, 3)),
        lambda m, x, y: m.where(x > 0, x, y, out=m.empty(2, 3)),
        lambda m, x, y: m.lerp(x, y, 0.25, out=m.empty(2, 3)),
        lambda m, x, y: m.addcmul(x, x, y, value=0.5, out=m.empty(2, 3)),
        lambda m, x, y: m.eq(x, y, out=m.empty(2, 3, dtype=m.bool)),
        lambda m, x, y: m.lt(x, 0.0, out=m.empty(0, dtype=m.bool)),
        lambda m, x, y: m.logical_not(x > 0, out=m.empty(2, 3, dtype=m.bool)),
        lambda m, x, y: m.bitwise_and(x > 0, y > 0, out=m.empty(2, 3, dtype=m.bool)),
        lambda m, x, y: m.nan_to_num(x, out=m.empty(2, 3)),
    ],
)
def test_elementwise_functions_write_into_out_as_pytorch(fn):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=(2, 3)).astype(np.float32) + 3
    theirs = fn(torch, torch.tensor(x), torch.tensor(y))
    ours = fn(chainrule, chainrule.tensor(x), chainrule.tensor(y))
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1] and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_out_is_the_tensor_returned_and_its_memory_is_reused():
    out = chainrule.empty(2)
    memory = out.data_ptr()
    assert chainrule.mul(chainrule.tensor([1.0, 2.0]), 3.0, out=out) is out
    assert out.tolist() == [3.0, 6.0] and out.data_ptr() == memory


def test_out_of_another_shape_is_resized_with_pytorchs_warning_unless_it_was_empty():
    out = chainrule.empty(0)
    chainrule.exp(chainrule.zeros(2, 2), out=out)
    assert out.shape == (2, 2)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        chainrule.exp(chainrule.zeros(3), out=out)
    assert out.tolist() == [1.0, 1.0, 1.0]


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.exp(m.ones(2), out=m.empty(2, dtype=m.int64)),
        lambda m: m.add(m.ones(2), 1.5, out=m.empty(2, dtype=m.int64)),
        lambda m: m.exp(m.ones(2, requires_grad=True), out=m.empty(2)),
        lambda m: m.exp(m.ones(2), out=m.empty(2, requires_grad=True)),
        lambda m: m.mul(m.ones(2), 2, out=[1.0, 2.0]),
    ],
)
def test_bad_out_arguments_raise_pytorchs_exception_type(fn):
    assert_same_error(fn)


def test_out_is_allowed_for_inputs_that_require_grad_under_no_grad():
    x = chainrule.ones(2, requires_grad=True)
    with chainrule.no_grad():
        out = chainrule.exp(x, out=chainrule.empty(2))
    assert not out.requires_grad


@requires_torch
@pytest.mark.parametrize("exponent", [2, 3, -1, -2, -0.5, 4, 5, -3, 7.0, 100])
def test_powers_of_negative_bases_match_pytorch(exponent):
    """Whole exponents of negative bases (NumPy's float32 power takes a slow path there:
    chainrule raises |x| and puts the sign back), and PyTorch's own special cases
    (2, 3, -1, -2, -1/2) bit for bit."""
    x = np.random.default_rng(0).standard_normal(4000).astype(np.float32)
    x[:5] = [0.0, -0.0, np.inf, -np.inf, -1e-30]
    ours = (chainrule.tensor(x) ** exponent).numpy()
    theirs = (torch.tensor(x) ** exponent).numpy()
    if exponent in (2, 3, -1, -2, -0.5):
        finite = np.isfinite(theirs) | np.isinf(theirs)  # NaN payloads may differ
        np.testing.assert_array_equal(ours[finite].view(np.int32), theirs[finite].view(np.int32))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-37)  # denormals: a few ulps
    low, high = (0.5, 2.0) if exponent == -0.5 else (-1.1, -0.9) if exponent == 100 else (-2.0, -0.5)
    check(lambda m, a: a**exponent, [(3, 4)], low=low, high=high)


# An op whose backward keeps the gradient where a mask holds gives 0 elsewhere even when
# the gradient there is inf (sqrt at 0): selected, as PyTorch does, not multiplied (inf * 0
# is nan). Small inputs go through np.where, large ones through select's bit operations.
MASKING_OPS = {
    "relu": lambda m, x: m.relu(x),
    "relu6": lambda m, x: m.nn.functional.relu6(x),
    "hardtanh": lambda m, x: m.nn.functional.hardtanh(x, -0.5, 0.5) + 0.5,
    "masked_fill": lambda m, x: x.masked_fill(x <= 0, 0.0),
    "where": lambda m, x: m.where(x > 0, x, m.zeros_like(x)),
}


@requires_torch
@pytest.mark.parametrize("size", [5, 3000])
@pytest.mark.parametrize("name", MASKING_OPS)
def test_a_masked_gradient_is_zero_where_masked_even_when_it_is_inf_as_in_pytorch(name, size):
    x = np.resize(np.array([-1.0, 0.0, 0.5, 2.0, -0.5], np.float32), size)
    grads = {}
    for lib in (chainrule, torch):
        t = lib.tensor(x, requires_grad=True)
        MASKING_OPS[name](lib, t).sqrt().sum().backward()
        grads[lib] = t.grad.numpy()
    np.testing.assert_array_equal(grads[chainrule], grads[torch])
    assert not np.isnan(grads[chainrule]).any()


def test_relu_backward_takes_the_numpy_scalar_gradient_of_a_0d_product():
    # 0-d arrays multiply to NumPy scalars, which reach the next rule as they are
    x = chainrule.tensor(0.5, requires_grad=True)
    (chainrule.relu(x) * chainrule.tensor(2.0)).backward()
    assert x.grad.item() == 2.0
    x = chainrule.tensor(-0.5, requires_grad=True)
    (chainrule.relu(x) * chainrule.tensor(2.0)).backward()
    assert x.grad.item() == 0.0


@requires_torch
def test_sign_of_nan_and_the_gradient_of_abs_at_nan_are_zero_as_in_pytorch():
    def scenario(m):
        x = m.tensor([float("nan"), -0.0, 0.0, -2.0, 3.0], requires_grad=True)
        x.abs().sum().backward()
        return m.sign(x.detach()), x.grad

    assert_equal(*run_both(scenario)[::-1])


@requires_torch
def test_atan2_gradient_at_the_origin_is_zero_as_in_pytorch():
    def scenario(m):
        y, x = m.tensor([0.0, 1.0], requires_grad=True), m.tensor([0.0, 2.0], requires_grad=True)
        m.atan2(y, x).sum().backward()
        return y.grad, x.grad

    assert_equal(*run_both(scenario)[::-1])


@requires_torch
@pytest.mark.parametrize("op", ["add", "sub"])
def test_alpha_scales_a_float32_other_in_a_float64_result_without_float32_rounding(op):
    def scenario(m):
        return getattr(m, op)(m.tensor([1.1], dtype=m.float64), m.tensor([0.7]), alpha=3)

    theirs, ours = run_both(scenario)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)


@requires_torch
def test_integer_division_by_zero_into_an_empty_result_divides_nothing_as_in_pytorch():
    def scenario(m):
        return m.zeros(0, 3, dtype=m.int64) // m.tensor([[0, 1, 1]]), m.remainder(
            m.zeros(0, 3, dtype=m.int64), 0
        )

    assert_equal(*run_both(scenario)[::-1])
    with pytest.raises(RuntimeError, match="integer division by zero"):
        chainrule.ones(2, 3, dtype=chainrule.int64) // chainrule.tensor([[0, 1, 1]])


@requires_torch
def test_lerp_uses_pytorchs_two_formulas_on_every_special_value():
    # from input below |weight| = 0.5, from end above: inf - inf appears where PyTorch's does
    special = np.array([-np.inf, -2.0, -0.5, 0.0, 0.5, 2.0, np.inf, np.nan], np.float32)
    grid = [a.reshape(-1) for a in np.meshgrid(special, special, special, indexing="ij")]
    theirs, ours = run_both(lambda m: m.lerp(*(m.tensor(a) for a in grid)))
    assert_equal(ours, theirs)
    check_torch(lambda m, x, y, w: m.lerp(x, y, w), [(3, 4), (3, 4), (3, 4)], low=-2, high=2)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.lerp(m.ones(2), m.ones(2, dtype=m.float64), 0.5),
        lambda m: m.lerp(m.ones(2), m.ones(2), m.ones(2, dtype=m.float64)),
        lambda m: m.lerp(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64), 0.5),
    ],
)
def test_lerp_refuses_mixed_or_integer_dtypes_as_pytorch(fn):
    assert_same_error(fn)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.ones(2).sub_(m.tensor([True, False])),  # as x - bool tensor
        lambda m: m.tensor([True, False]) ** m.tensor([True, True]),
        lambda m: True ** m.tensor([True, False]),
        lambda m: m.tensor([True, False]) // m.tensor([True, True]),  # NumPy: int8
        lambda m: m.tensor([True, False]) % True,
    ],
)
def test_arithmetic_that_pytorch_refuses_on_bools_raises_its_exception(fn):
    assert_same_error(fn)


@requires_torch
def test_a_bool_tensor_to_a_python_bool_power_and_divided_by_an_int_work_as_in_pytorch():
    assert_equal(*run_both(lambda m: (m.tensor([True, False]) ** True, m.tensor([True, False]) // 2))[::-1])


@requires_torch
def test_true_division_of_integers_converts_before_promoting():
    # uint8 / tensor(-3) wrapped -3 into uint8 (253) before dividing
    same_as_torch(
        lambda lib: (
            lib.tensor([10, 200], dtype=lib.uint8) / lib.tensor(-3),
            lib.tensor([10, 200], dtype=lib.uint8).true_divide(lib.tensor(-4)),
            lib.tensor([7], dtype=lib.int8) / lib.tensor(300),
        )
    )


INTEGER_FILLS = {
    "fill_": lambda lib, x, v: x.clone().fill_(v),
    "masked_fill": lambda lib, x, v: x.masked_fill(lib.tensor([True, False]), v),
    "clamp": lambda lib, x, v: x.clamp(v),
    "clamp-max": lambda lib, x, v: x.clamp(max=v),
    "bitwise_and": lambda lib, x, v: x & v,
    "bitwise_or": lambda lib, x, v: x | v,
    "add": lambda lib, x, v: x + v,
    "eq": lambda lib, x, v: x == v,
    "lt": lambda lib, x, v: x < v,
}


def _integer_outcome(lib, op, dtype, value):
    """``op`` on the integer tensor [1, 2] of ``dtype`` and ``value``: the result, or that it raised."""
    x = lib.tensor([1, 2]).to(getattr(lib, dtype))
    try:
        return op(lib, x, value).tolist()
    except RuntimeError:
        return "RuntimeError"


@requires_torch
@pytest.mark.parametrize("op", list(INTEGER_FILLS.values()), ids=list(INTEGER_FILLS))
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "bool"])
@pytest.mark.parametrize("value", [-300, -255, -129, -1, 128, 255, 300, 70000])
def test_python_ints_beyond_an_integer_dtype_wrap_or_raise_as_pytorch(op, dtype, value):
    # NumPy raised OverflowError for all of these: PyTorch fills uint8 with -1 as 255,
    # refuses int8.fill_(200) with a RuntimeError, and wraps operands of & and +
    ours, theirs = (_integer_outcome(lib, op, dtype, value) for lib in (chainrule, torch))
    assert ours == theirs


IN_PLACE_FORMS = ["eq_", "ne_", "not_equal_", "lt_", "less_", "le_", "less_equal_", "gt_", "greater_"]
IN_PLACE_FORMS += [
    "ge_",
    "greater_equal_",
    "logical_and_",
    "logical_or_",
    "logical_xor_",
    "cumsum_",
    "cumprod_",
]


@requires_torch
@pytest.mark.parametrize("name", IN_PLACE_FORMS)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_in_place_comparisons_and_running_sums_keep_the_tensors_dtype(name, dtype):
    # these in-place forms were missing
    def outcome(lib):
        x = lib.tensor([[1, 0, 3], [2, 2, 0]]).to(getattr(lib, dtype))
        argument = 1 if name.startswith("cum") else lib.tensor([2, 0, 3]).to(x.dtype)
        try:
            result = getattr(x, name)(argument)
        except (RuntimeError, NotImplementedError) as error:
            return type(error).__name__
        return result is x, x.tolist(), str(x.dtype).split(".")[-1]

    assert outcome(chainrule) == outcome(torch)


@requires_torch
@pytest.mark.parametrize("name", ["eq_", "ge_", "cumsum_", "cumprod_"])
def test_in_place_forms_record_as_pytorch(name):
    # a comparison's result has a zero derivative: the old node passed gradients through
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        result = getattr(y, name)(0 if name.startswith("cum") else lib.tensor([2.0, 2.0, 3.0]))
        if result.requires_grad:
            (result * result).sum().backward()
        return result.requires_grad, result.detach().tolist(), None if x.grad is None else x.grad.tolist()

    assert run(chainrule) == run(torch)


@requires_torch
def test_an_in_place_result_without_derivative_stops_the_gradient():
    # logical_not_ kept the tensor's old node, so the gradient passed through as if nothing
    # had been written. PyTorch does that too for logical_*_ (no derivative formula), but
    # gives eq_, the same values here, a zero derivative: chainrule does the latter for both
    def run(lib, write):
        x = lib.tensor([1.0, 0.0, 3.0], requires_grad=True)
        y = x * 2
        write(y)
        (y * y + y).sum().backward()
        return y.requires_grad, y.tolist(), x.grad.tolist()

    assert run(chainrule, lambda y: y.logical_not_()) == run(torch, lambda y: y.eq_(0))


@requires_torch
def test_fmod_matches_pytorch_with_gradients():
    # fmod was missing: the remainder of truncating division, with the dividend's sign
    def scenario(lib):
        a = lib.tensor([-3.0, 3.0, 5.5, -7.25], requires_grad=True)
        b = lib.tensor([2.0, -2.0, 2.0, 1.5], requires_grad=True)
        result = lib.fmod(a, b)
        (result * lib.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        ints = lib.fmod(lib.tensor([-7, 7, -8]), 3)
        in_place = lib.tensor([5.0, -5.0]).fmod_(3)
        return result.detach(), a.grad, b.grad, ints, a.detach().fmod(1.5), in_place

    same_as_torch(scenario)


def _set_first(lib, x, v):
    x = x.clone()
    x[0] = v
    return x


@requires_torch
@pytest.mark.parametrize(
    "op",
    [
        lambda lib, x, v: x.clone().fill_(v),
        lambda lib, x, v: x.masked_fill(lib.tensor([True, False]), v),
        _set_first,
        lambda lib, x, v: lib.full((2,), v, dtype=x.dtype),
    ],
    ids=["fill_", "masked_fill", "setitem", "full"],
)
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32"])
@pytest.mark.parametrize("value", [300.0, -1.0, float("nan"), 127.5, 2.5, -1, 300])
def test_a_number_into_an_integer_tensor_is_checked_as_in_pytorch(op, dtype, value):
    # a float raised NumPy's OverflowError (or a 'cannot be broadcast' error for nan), and
    # x[0] = -1 into uint8 raised where fill_(-1) gave 255
    assert _integer_outcome(chainrule, op, dtype, value) == _integer_outcome(torch, op, dtype, value)


def test_fmod_gradients_match_finite_differences_and_pytorch():
    rng = np.random.default_rng(0)
    a = rng.uniform(-5, 5, (3, 4))
    b = rng.uniform(1, 2, (3, 4)) * rng.choice([-1, 1], (3, 4))
    check(lambda m, x, y: m.fmod(x, y), [(3, 4), (3, 4)], arrays=[a, b])


# --- special functions and the less common binary functions ---------------------------------------

SPECIAL_UNARY = {
    # name: keyword arguments of check() that keep the inputs where the op is smooth
    "erfc": {},
    "erfinv": {"low": -0.9, "high": 0.9},
    "lgamma": {"low": 0.2, "high": 3.0},
    "digamma": {"low": 0.2, "high": 3.0},
    "i0": {},
    "sinc": {"away_from": 0.0},
}
EDGES = [0.0, -0.0, 1.0, -1.0, -2.0, 0.5, -0.5, 2.5, -2.5, 1e-8, 30.0, np.inf, -np.inf, np.nan]
# scipy's polygamma is inf at the poles (the negative integers) where PyTorch's series gives
# large finite numbers, and PyTorch's values at +-inf are not consistent (polygamma(2, inf) is nan)
EDGES_OFF_POLES = [0.0, -0.0, 1.0, 0.5, -0.5, 2.5, -2.5, 1e-8, 30.0, np.nan]


@pytest.mark.parametrize("name", sorted(SPECIAL_UNARY))
def test_special_unary_function_and_method_match_pytorch_and_finite_differences(name):
    check(lambda m, x: (getattr(m, name)(x), getattr(x, name)()), [(3, 4)], **SPECIAL_UNARY[name])


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_matches_pytorch_and_finite_differences_to_second_order(n):
    check(lambda m, x: (m.polygamma(n, x), x.polygamma(n)), [(3, 4)], low=0.3, high=3.0)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "fn, edges",
    [
        (lambda m, x: m.erfc(x), EDGES),
        (lambda m, x: m.erfinv(x), EDGES),
        (lambda m, x: m.lgamma(x), EDGES_OFF_POLES),
        (lambda m, x: m.digamma(x), EDGES_OFF_POLES),
        (lambda m, x: m.polygamma(1, x), EDGES_OFF_POLES),
        (lambda m, x: m.polygamma(2, x), EDGES_OFF_POLES),
        (lambda m, x: m.i0(x), EDGES),
        (lambda m, x: m.sinc(x), EDGES),
    ],
    ids=["erfc", "erfinv", "lgamma", "digamma", "polygamma1", "polygamma2", "i0", "sinc"],
)
def test_special_functions_give_pytorchs_values_and_gradients_at_edge_values(fn, edges, dtype):
    check_torch(fn, None, dtype=dtype, arrays=[np.array(edges, dtype=dtype)])


@requires_torch
def test_lgamma_and_digamma_values_at_the_poles_and_infinities_match_pytorch():
    x = np.array([0.0, -0.0, -1.0, -2.0, np.inf, -np.inf])
    same_as_torch(lambda m: (m.lgamma(m.tensor(x)), m.digamma(m.tensor(x))))


@requires_torch
@pytest.mark.parametrize("name", ["erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "sgn", "signbit"])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool"])
def test_special_functions_of_integer_and_bool_tensors_give_pytorchs_dtype_and_values(name, dtype):
    data = np.array([0, 1, 2, 5]) if dtype != "bool" else np.array([True, False, True, False])
    same_as_torch(lambda m: getattr(m, name)(m.tensor(data, dtype=getattr(m, dtype))))
    same_as_torch(lambda m: m.polygamma(1, m.tensor(data, dtype=getattr(m, dtype)) + 1))


def test_special_functions_of_integers_follow_the_default_dtype():
    chainrule.set_default_dtype(chainrule.float64)
    try:
        assert chainrule.lgamma(chainrule.tensor([1, 2])).dtype == chainrule.float64
        assert chainrule.xlogy(chainrule.tensor([1, 2]), 3).dtype == chainrule.float64
    finally:
        chainrule.set_default_dtype(chainrule.float32)


@requires_torch
def test_sgn_is_sign_for_real_tensors_with_a_zero_gradient():
    x = np.array(EDGES, dtype=F32)
    same_as_torch(lambda m: (m.sgn(m.tensor(x)), m.tensor(x).sgn(), (m.tensor(x) * 1).sgn_()))
    t = chainrule.tensor(x, requires_grad=True)
    t.sgn().sum().backward()  # PyTorch's gradient is a ZeroTensor, which has no array to compare
    assert not t.grad.numpy().any()


@requires_torch
def test_signbit_sees_negative_zero_and_has_no_gradient():
    x = values(-0.0, 0.0, -2.0, 3.0, np.inf, -np.inf)
    same_as_torch(lambda m: m.signbit(m.tensor(x, requires_grad=True)))
    same_as_torch(lambda m: m.tensor(x).signbit())


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frexp_gives_pytorchs_mantissa_int32_exponent_and_gradient(dtype):
    x = np.array(
        [3.0, -0.5, 0.0, -0.0, 1e-40 if dtype == np.float32 else 1e-310, 3e38, np.inf, np.nan], dtype
    )

    def scenario(m):
        t = m.tensor(x, requires_grad=True)
        mantissa, exponent = m.frexp(t)
        (mantissa * m.arange(len(x), dtype=t.dtype)).sum().backward()
        return mantissa, exponent, t.frexp().exponent, t.grad

    same_as_torch(scenario)
    check(lambda m, x: m.frexp(x)[0], [(3, 4)], low=-100.0, high=100.0)


@requires_torch
def test_frexp_writes_into_an_out_pair_as_pytorch():
    def scenario(m):
        mantissa, exponent = m.empty(2), m.empty(2, dtype=m.int32)
        result = m.frexp(m.tensor([3.0, 0.25]), out=(mantissa, exponent))
        return result.mantissa is mantissa and result.exponent is exponent, mantissa, exponent

    same_as_torch(scenario)


@requires_torch
def test_frexp_refuses_integer_tensors_like_pytorch():
    assert_same_error(lambda m: m.frexp(m.tensor([1, 2])), "only supports floating-point dtypes")


BINARY_SPECIAL = {
    # name: (function, keyword arguments of check())
    "hypot": (lambda m, x, y: (m.hypot(x, y), x.hypot(y)), {"away_from": 0.0}),
    "logaddexp": (lambda m, x, y: (m.logaddexp(x, y), x.logaddexp(y)), {}),
    "logaddexp2": (lambda m, x, y: (m.logaddexp2(x, y), x.logaddexp2(y)), {}),
    "xlogy": (lambda m, x, y: (m.xlogy(x, y.abs()), x.xlogy(y.abs())), {"away_from": 0.0}),
    "copysign": (lambda m, x, y: (m.copysign(x, y), x.copysign(y)), {"away_from": 0.0}),
    "nextafter": (lambda m, x, y: (m.nextafter(x, y), x.nextafter(y)), {}),
    "float_power": (lambda m, x, y: (m.float_power(x.abs(), y), x.abs().float_power(y)), {"away_from": 0.0}),
}


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY_SPECIAL))
def test_special_binary_functions_broadcast_and_match_pytorch_and_finite_differences(shapes, name):
    fn, kwargs = BINARY_SPECIAL[name]
    check(fn, shapes, **kwargs)


def test_ldexp_matches_pytorch_and_finite_differences_with_an_integer_or_float_exponent():
    exponents = np.array([[3], [1], [0]])
    check(lambda m, x, e: (m.ldexp(x, e), x.ldexp(e)), [(3, 4), exponents], requires_grad=[True, False])
    check(lambda m, x, e: m.ldexp(x, e), [(3, 4), (4,)])


def test_ldexp_gradient_for_negative_integer_exponents_is_the_true_one_unlike_pytorchs_zero():
    # PyTorch's rule is grad * pow(2, other): an integer power, 0 for negative exponents
    check_gradcheck(
        lambda m, x, e: m.ldexp(x, e), [(3, 4), np.array([[-3], [-1], [0]])], requires_grad=[True, False]
    )


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x, y: m.xlogy(2.0, y),
        lambda m, x, y: m.xlogy(x, 3),
        lambda m, x, y: m.copysign(x, -1.0),
        lambda m, x, y: m.copysign(x, 0.0),
        lambda m, x, y: m.float_power(x.abs(), 2),
        lambda m, x, y: m.float_power(2, x),
        lambda m, x, y: m.float_power(x.abs(), 0.5),
    ],
    ids=["xlogy(number, y)", "xlogy(x, int)", "copysign(x, -1.)", "copysign(x, 0.)", "float_power(x, 2)",
         "float_power(2, x)", "float_power(x, .5)"],
)  # fmt: skip
def test_special_binary_functions_with_a_python_number_match_pytorch(fn):
    check_torch(fn, [(3, 4), (3, 4)], away_from=0.0, low=0.2)


@requires_torch
@pytest.mark.parametrize(
    "name", ["hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "nextafter", "ldexp", "float_power"]
)
@pytest.mark.parametrize(
    "dtypes", [("float32", "float64"), ("float64", "float32"), ("float32", "int64"), ("int64", "int32"),
               ("int64", "bool"), ("float32", "uint8")],
    ids=str,
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")  # torch's ldexp
def test_special_binary_functions_promote_types_as_pytorch_or_raise_its_error(name, dtypes):
    a = np.array([0.5, -2.0, 0.0, 3.0])
    b = np.array([1.0, 2.0, 0.0, 1.0])

    def scenario(m):
        x = m.tensor(a).to(getattr(m, dtypes[0]))
        y = m.tensor(b).to(getattr(m, dtypes[1]))
        return getattr(m, name)(x, y), getattr(m, name)(x[1:2].reshape(()), y)

    theirs, ours = run_both(scenario)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"chainrule gave {ours!r}, torch raised {theirs!r}"
    else:
        assert_same(ours, theirs)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_binary_functions_give_pytorchs_values_and_gradients_at_edge_values(dtype):
    x = np.array([0.0, 0.0, 0.0, 1.0, -0.0, np.inf, -np.inf, np.inf, np.nan, 2.0, -3.0], dtype)
    y = np.array([0.0, -1.0, np.nan, 0.0, 2.0, np.inf, -np.inf, -np.inf, 1.0, np.inf, -0.5], dtype)
    for fn in (
        lambda m, x, y: m.hypot(x, y),
        lambda m, x, y: m.logaddexp(x, y),
        lambda m, x, y: m.logaddexp2(x, y),
        lambda m, x, y: m.xlogy(x, y),
        lambda m, x, y: m.copysign(x, y),
        lambda m, x, y: m.nextafter(x, y),
    ):
        check_torch(fn, None, dtype=dtype, arrays=[x, y])


@requires_torch
def test_heaviside_matches_pytorch_for_floats_integers_and_bools_and_has_no_derivative():
    x = values(-1.0, 0.0, -0.0, 2.0, np.nan, np.inf)
    same_as_torch(lambda m: m.heaviside(m.tensor(x), m.tensor(0.5)))
    same_as_torch(lambda m: m.tensor(x).heaviside(m.tensor(x)))
    same_as_torch(lambda m: m.heaviside(m.tensor([-2, 0, 3]), m.tensor([7, 8, 9])))
    same_as_torch(lambda m: m.heaviside(m.tensor([True, False]), m.tensor([False, True])))

    def backward_through_heaviside(m):
        x = m.tensor([1.0, 0.0], requires_grad=True)
        m.heaviside(x, m.tensor(0.5)).sum().backward()

    assert_same_error(backward_through_heaviside, "derivative for aten::heaviside is not implemented")
    assert_same_error(
        lambda m: m.heaviside(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)), "different dtypes"
    )


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.hypot(m.tensor([1, 2]), m.tensor([3, 4])),
        lambda m: m.logaddexp(m.tensor([True]), m.tensor([False])),
        lambda m: m.nextafter(m.tensor([1, 2]), m.tensor([3, 4])),
        lambda m: m.hypot(m.tensor([1.0]), 2.0),
        lambda m: m.ldexp(m.tensor([1.0]), 2),
        lambda m: m.heaviside(m.tensor([1.0]), 0.5),
        lambda m: m.xlogy(2, 3),
        lambda m: m.float_power(2, 3),
        lambda m: m.copysign(2.0, m.tensor([1.0])),
        lambda m: m.polygamma(-1, m.tensor([1.0])),
        lambda m: m.polygamma(1.5, m.tensor([1.0])),
        lambda m: m.polygamma(1, 2.0),
        lambda m: m.erfinv(0.5),
        lambda m: m.signbit(2.0),
        lambda m: m.tensor([2.0]).float_power_(2),
        lambda m: m.tensor([2]).ldexp_(m.tensor([1])),
    ],
)
def test_special_functions_raise_pytorchs_exception_types_for_bad_arguments(fn):
    assert_same_error(fn)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x, y: (x * 1).hypot_(y),
        lambda m, x, y: (x * 0.4).erfinv_(),
        lambda m, x, y: (x.abs() + 0.5).lgamma_(),
        lambda m, x, y: (x.abs() + 0.5).digamma_(),
        lambda m, x, y: (x.abs() + 0.5).polygamma_(1),
        lambda m, x, y: (x * 1).i0_(),
        lambda m, x, y: m.i0_(x * 1),
        lambda m, x, y: (x * 1).sinc_(),
        lambda m, x, y: m.sinc_(x * 1),
        lambda m, x, y: (x * 1).erfc_(),
        lambda m, x, y: m.erfc_(x * 1),
        lambda m, x, y: m.logit_(x * 0.4 + 0.5),
        lambda m, x, y: (x * 1).xlogy_(y.abs()),
        lambda m, x, y: m.xlogy_(x * 1, y.abs()),
        lambda m, x, y: (x * 1).copysign_(y),
        lambda m, x, y: (x * 1).nextafter_(y),
        lambda m, x, y: (x * 1).ldexp_(y.round()),
        lambda m, x, y: m.ldexp_(x * 1, y.round()),
        lambda m, x, y: (x.abs().double() + 0.1).float_power_(y),
    ],
)
def test_special_inplace_forms_match_pytorch_values_and_gradients(fn):
    check_torch(fn, [(2, 3), (3,)], away_from=[0.0, -0.5, 0.5])


@requires_torch
def test_heaviside_inplace_matches_pytorch():
    same_as_torch(lambda m: m.tensor([-1.0, 0.0, 3.0]).heaviside_(m.tensor(0.5)))


@requires_torch
@pytest.mark.parametrize("p", [1, 2, 3])
def test_float_power_is_always_float64_and_its_gradient_keeps_the_input_dtype(p):
    def scenario(m):
        x = m.tensor([0.5, 2.0, 3.0], requires_grad=True)
        y = m.float_power(x, p)
        y.sum().backward()
        return y, x.grad, m.float_power(m.tensor([2, 3]), m.tensor([p, -p])), m.float_power(2, m.tensor([p]))

    same_as_torch(scenario)


# --- activations at the top level ---------------------------------------------------------


@pytest.mark.parametrize(
    "fn, kwargs",
    [
        (lambda m, x: (m.selu(x), m.selu_(x * 1)), {"away_from": 0.0}),
        (lambda m, x: (m.celu(x), m.celu(x, 0.5), m.celu_(x * 1, alpha=2.0)), {"away_from": 0.0}),
        (lambda m, x: (m.hardshrink(x), m.hardshrink(x, 0.25), x.hardshrink(lambd=1.0)),
         {"away_from": [-1.0, -0.5, -0.25, 0.25, 0.5, 1.0]}),
        (lambda m, x: (m.rrelu(x, 0.1, 0.3), m.rrelu_(x * 1)), {"away_from": 0.0}),
    ],
    ids=["selu", "celu", "hardshrink", "rrelu"],
)  # fmt: skip
def test_top_level_activations_match_pytorch_and_finite_differences(fn, kwargs):
    check(fn, [(3, 4)], **kwargs)


def test_top_level_prelu_matches_pytorch_and_finite_differences():
    check(lambda m, x, w: (m.prelu(x, w), x.prelu(w)), [(2, 3, 4), (3,)], away_from=0.0)


@requires_torch
def test_top_level_rrelu_in_training_draws_slopes_between_its_bounds_as_pytorch():
    x = chainrule.tensor(-np.ones(1000, dtype=F32))
    slopes = -chainrule.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert 0.1 <= slopes.min() < slopes.max() <= 0.3 and len(np.unique(slopes)) > 100


def test_import_chainrule_does_not_load_nn_for_the_top_level_activations():
    import subprocess
    import sys

    code = "import sys, chainrule; assert 'chainrule.nn' not in sys.modules; chainrule.selu; print('ok')"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "ok\n"


# --- inverse hyperbolic functions, angle units, fmax / fmin -----------------------------

EDGE_VALUES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, np.inf, -np.inf, np.nan]


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("acosh", {"low": 1.2, "high": 3.0}),
        ("arccosh", {"low": 1.2, "high": 3.0}),
        ("asinh", {}),
        ("arcsinh", {}),
        ("atanh", {"low": -0.9, "high": 0.9}),
        ("arctanh", {"low": -0.9, "high": 0.9}),
        ("deg2rad", {}),
        ("rad2deg", {}),
    ],
)
def test_inverse_hyperbolic_and_angle_units_match_pytorch_and_finite_differences(name, kwargs):
    check(lambda m, x: (getattr(m, name)(x), getattr(x, name)()), [(3, 4)], **kwargs)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["acosh", "asinh", "atanh", "deg2rad", "rad2deg"])
def test_inverse_hyperbolic_and_angle_units_at_edge_values_match_pytorch(name, dtype):
    check_torch(
        lambda m, x: getattr(m, name)(x), None, dtype=dtype, arrays=[np.array(EDGE_VALUES, dtype=dtype)]
    )


@requires_torch
@pytest.mark.parametrize("name", ["acosh", "asinh", "atanh", "deg2rad", "rad2deg", "angle"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_float_functions_of_integer_and_bool_tensors_give_pytorchs_dtype(name, dtype):
    data = np.array([0, 1, 2, 3]) if dtype != "bool" else np.array([True, False, True, True])
    same_as_torch(lambda m: getattr(m, name)(m.tensor(data, dtype=getattr(m, dtype))))


@requires_torch
@pytest.mark.parametrize(
    "name", ["acosh", "arccosh", "asinh", "arcsinh", "atanh", "arctanh", "deg2rad", "rad2deg"]
)
def test_inverse_hyperbolic_and_angle_units_in_place_match_pytorch_and_finite_differences(name):
    low, high = (1.2, 3.0) if "cosh" in name else (-0.9, 0.9)
    kwargs = {"low": low, "high": high}
    if name not in ("deg2rad", "rad2deg"):
        # PyTorch defines no derivative for acosh_ / asinh_ / atanh_ (backward raises); chainrule's
        # is the out-of-place one, checked against finite differences only
        kwargs["requires_grad"] = [False]
    check_torch(
        lambda m, x: (getattr(x * 1, name + "_")(), getattr(m, name + "_")(x * 1)), [(2, 3)], **kwargs
    )
    check_gradcheck(
        lambda m, x: getattr(x * 1, name + "_")(), [(2, 3)], low=low, high=high, second_order=True
    )


@requires_torch
@pytest.mark.parametrize("name", ["acosh_", "deg2rad_", "rad2deg_"])
def test_float_in_place_functions_of_integer_tensors_raise_like_pytorch(name):
    assert_same_error(lambda m: getattr(m.tensor([1, 2]), name)())


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_and_fmin_broadcast_and_match_pytorch_and_finite_differences(name):
    check(lambda m, x, y: (getattr(m, name)(x, y), getattr(x, name)(y)), [(2, 3), (3,)], away_from=0.0)


@requires_torch
@pytest.mark.parametrize("name", ["fmax", "fmin"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fmax_and_fmin_ignore_nan_and_route_gradients_like_pytorch(name, dtype):
    x = np.array([1.0, np.nan, 2.0, np.nan, 3.0, -0.0, np.inf, -np.inf], dtype=dtype)
    y = np.array([2.0, 1.0, np.nan, np.nan, 3.0, 0.0, 1.0, np.nan], dtype=dtype)
    check_torch(lambda m, a, b: getattr(m, name)(a, b), None, dtype=dtype, arrays=[x, y])
    check_torch(lambda m, a, b: getattr(m, name)(a, b), None, dtype=dtype, arrays=[y, x])


@requires_torch
@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_and_fmin_promote_integers_and_bools_as_pytorch(name):
    same_as_torch(lambda m: getattr(m, name)(m.tensor([1, 5]), m.tensor([3.0, 2.0])))
    same_as_torch(
        lambda m: getattr(m, name)(m.tensor([1, 5], dtype=m.uint8), m.tensor([3, -2], dtype=m.int8))
    )
    same_as_torch(lambda m: getattr(m, name)(m.tensor([True, False]), m.tensor([False, False])))


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.fmax(m.tensor([1.0]), 2.0),
        lambda m: m.fmin(m.tensor([1.0]), 2),
        lambda m: m.fmax(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0])),
        lambda m: m.tensor([1.0]).fmax_(m.tensor([2.0])),
    ],
)
def test_fmax_and_fmin_raise_pytorchs_errors(fn):
    assert_same_error(fn)


# --- integer-only ops: gcd, lcm, shifts -------------------------------------------------


@requires_torch
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_and_lcm_match_pytorch_including_signs_zeros_and_overflow(name, dtype):
    signed = dtype != "uint8"
    a = np.array([12, -18 if signed else 18, 0, 0, 7, 100, -128 if dtype == "int8" else 9])
    b = np.array([8, 12, 0, -5 if signed else 5, -3 if signed else 3, 3, 0])

    def scenario(m):
        x, y = m.tensor(a, dtype=getattr(m, dtype)), m.tensor(b, dtype=getattr(m, dtype))
        return (
            getattr(m, name)(x, y),
            getattr(x, name)(y),
            getattr(x.clone(), name + "_")(y),
            getattr(m, name)(x, y[0]),
        )

    assert_equal(scenario(chainrule), scenario(torch))


@requires_torch
def test_gcd_promotes_mixed_integer_dtypes_as_pytorch():
    same_as_torch(lambda m: m.gcd(m.tensor([12], dtype=m.uint8), m.tensor([8], dtype=m.int8)))


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.gcd(m.tensor([1.0]), m.tensor([2.0])),
        lambda m: m.lcm(m.tensor([1.0]), m.tensor([2])),
        lambda m: m.gcd(m.tensor([True]), m.tensor([True])),
        lambda m: m.gcd(m.tensor([1]), 2),
        lambda m: m.lcm(2, m.tensor([1])),
        lambda m: m.tensor([1.0]).lcm_(m.tensor([2.0])),
        lambda m: m.gcd(m.tensor([1, 2]), m.tensor([1, 2, 3])),
    ],
)
def test_gcd_and_lcm_raise_pytorchs_errors(fn):
    assert_same_error(fn)


@requires_torch
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_shifts_match_pytorch_including_shifts_out_of_the_bit_width(dtype):
    signed = dtype != "uint8"
    bits = np.dtype(dtype).itemsize * 8
    a = np.array([1, -3 if signed else 3, 5, -128 if signed else 100, 7, 1, -1 if signed else 255])
    s = np.array([0, 1, 7, 8, 70 if bits == 64 else bits - 1, bits, bits + 3])

    def scenario(m):
        x, y = m.tensor(a, dtype=getattr(m, dtype)), m.tensor(s, dtype=getattr(m, dtype))
        z = x.clone()
        z <<= 2
        w = x.clone()
        w >>= 1
        return (
            m.bitwise_left_shift(x, y),
            m.bitwise_right_shift(x, y),
            x << y,
            x >> y,
            x << 2,
            x >> 1,
            z,
            w,
            x.bitwise_left_shift(y),
            x.clone().bitwise_right_shift_(y),
        )

    assert_equal(scenario(chainrule), scenario(torch))


@requires_torch
def test_shifts_by_negative_amounts_numbers_and_bools_match_pytorch():
    def scenario(m):
        x = m.tensor([-8, 8, 3])
        return (
            x << -1,
            x >> -1,
            2 << x.abs(),
            64 >> x.abs(),
            m.bitwise_left_shift(3, x.abs()),
            m.tensor([True, False]) << 1,
            m.tensor([1, 2], dtype=m.uint8) << 300,
            m.tensor([1], dtype=m.uint8) << m.tensor([1], dtype=m.int8),
        )

    assert_equal(scenario(chainrule), scenario(torch))


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([1, 2]) << 2.0,
        lambda m: m.tensor([1.0]) << 1,
        lambda m: m.tensor([True]) >> m.tensor([True]),
        lambda m: m.bitwise_right_shift(m.tensor([1.0]), m.tensor([1.0])),
        lambda m: m.tensor([1, 2]) << m.tensor([1, 2, 3]),
    ],
)
def test_shifts_raise_pytorchs_errors(fn):
    assert_same_error(fn)


# --- predicates, positive and the complex API on real tensors ---------------------------


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool"])
def test_isposinf_isneginf_isreal_and_is_signed_match_pytorch(dtype):
    data = np.array(EDGE_VALUES) if dtype.startswith("float") else np.array([0, 1, 2, 1])

    def scenario(m):
        x = m.tensor(data, dtype=getattr(m, dtype))
        return (
            m.isposinf(x),
            m.isneginf(x),
            m.isreal(x),
            x.isposinf(),
            x.isneginf(),
            x.isreal(),
            x.is_signed(),
            m.is_signed(x),
        )

    assert_equal(scenario(chainrule), scenario(torch))


@requires_torch
def test_positive_returns_the_tensor_itself_and_refuses_bools_like_pytorch():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        assert lib.positive(x) is x and x.positive() is x and +x is x
    assert_same_error(lambda m: m.positive(m.tensor([True])), "on a bool tensor is not supported")
    assert_same_error(lambda m: +m.tensor([True]))


@requires_torch
@pytest.mark.parametrize("name", ["conj", "conj_physical", "resolve_conj", "resolve_neg"])
def test_conjugation_calls_return_a_real_tensor_itself_like_pytorch(name):
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        assert getattr(lib, name)(x) is x and getattr(x, name)() is x


@requires_torch
def test_real_imag_and_the_conj_and_neg_bits_of_real_tensors_match_pytorch():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, -2.0])
        assert lib.real(x) is x and x.real is x
        assert not x.is_conj() and not x.is_neg() and not lib.is_conj(x) and not lib.is_neg(x)
        assert x.conj_physical_() is x and lib.conj_physical_(x) is x
    assert_same_error(lambda m: m.imag(m.tensor([1.0])), "imag is not implemented")
    assert_same_error(lambda m: m.tensor([1.0]).imag, "imag is not implemented")


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_angle_is_pi_or_zero_with_a_zero_gradient_like_pytorch(dtype):
    check_torch(
        lambda m, x: (m.angle(x), x.angle()), None, dtype=dtype, arrays=[np.array(EDGE_VALUES, dtype=dtype)]
    )
    check_gradcheck(lambda m, x: m.angle(x), [(3, 4)], away_from=0.0, second_order=True)
