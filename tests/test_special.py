"""chainrule.special against torch.special: values, result dtypes and gradients (first and
second order) on the same inputs, float64 finite differences, edge values (0, negatives,
infinities, NaN), integer inputs, Python numbers and PyTorch's errors."""

import numpy as np
import pytest

import chainrule

from oracle import (
    assert_same,
    assert_same_error,
    check,
    check_torch,
    requires_torch,
    run_both,
    same_as_torch,
)

HALVES = [-1.5, -0.5, 0.5, 1.5]

UNARY = {
    # name: keyword arguments of check() that keep the inputs where the function is smooth
    "expit": {},
    "logit": {"low": 0.05, "high": 0.95},
    "erf": {},
    "erfc": {},
    "erfinv": {"low": -0.9, "high": 0.9},
    "exp2": {},
    "expm1": {},
    "log1p": {"low": -0.8, "high": 2.0},
    "gammaln": {"low": 0.2, "high": 3.0},
    "digamma": {"low": 0.2, "high": 3.0},
    "psi": {"low": 0.2, "high": 3.0},
    "i0": {},
    "i0e": {"away_from": 0.0},
    "i1": {},
    "i1e": {"away_from": 0.0},
    "sinc": {"away_from": 0.0},
    "entr": {"low": 0.2, "high": 3.0},
    "ndtr": {},
    "ndtri": {"low": 0.05, "high": 0.95},
    "log_ndtr": {"low": -5.0, "high": 3.0},
    "round": {"away_from": HALVES},
}
EDGES = [0.0, -0.0, 1.0, -1.0, -2.0, 0.5, -0.5, 0.975, 2.5, -2.5, 1e-8, 30.0, -30.0, np.inf, -np.inf, np.nan]
# scipy's digamma is inf at its poles (0 and the negative integers are covered by the values
# test below); PyTorch's gradients there are large finite numbers from its series
OFF_POLES = [v for v in EDGES if not (v <= 0 and float(v).is_integer()) and v != -np.inf]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_function_matches_pytorch_and_finite_differences_to_second_order(name):
    check(lambda m, x: getattr(m.special, name)(x), [(3, 4)], **UNARY[name])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_function_gives_pytorchs_values_and_gradients_at_edge_values(name, dtype):
    edges = OFF_POLES if name in ("gammaln", "digamma", "psi") else EDGES
    if name == "logit":  # PyTorch's gradient at -0.0 is +inf, chainrule's 1 / (x (1 - x)) gives -inf
        edges = [v for v in edges if not (v == 0 and np.signbit(v))]
    check_torch(lambda m, x: getattr(m.special, name)(x), None, dtype=dtype, arrays=[np.array(edges, dtype)])


@requires_torch
@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_unary_function_of_integer_and_bool_tensors_gives_pytorchs_dtype_or_error(name, dtype):
    data = np.array([0, 1, 2, 5]) if dtype != "bool" else np.array([True, False, True, False])

    def scenario(m):
        return getattr(m.special, name)(m.tensor(data, dtype=getattr(m, dtype)))

    theirs, ours = run_both(scenario)
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs), f"chainrule gave {ours!r}, torch raised {theirs!r}"
    else:
        assert_same(ours, theirs)


def test_integer_inputs_follow_the_default_dtype():
    chainrule.set_default_dtype(chainrule.float64)
    try:
        assert chainrule.special.i1(chainrule.tensor([1, 2])).dtype == chainrule.float64
        assert chainrule.special.zeta(chainrule.tensor([2, 3]), 1).dtype == chainrule.float64
    finally:
        chainrule.set_default_dtype(chainrule.float32)


@requires_torch
def test_digamma_and_gammaln_at_the_poles_and_infinities_match_pytorch():
    x = np.array([0.0, -0.0, -1.0, -2.0, np.inf, -np.inf], dtype=np.float32)
    same_as_torch(lambda m: (m.special.gammaln(m.tensor(x)), m.special.psi(m.tensor(x))))


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_matches_pytorch_and_finite_differences(n):
    check(lambda m, x: m.special.polygamma(n, x), [(3, 4)], low=0.3, high=3.0)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_multigammaln_matches_pytorch_and_finite_differences(p):
    check(lambda m, x: m.special.multigammaln(x, p), [(3, 4)], low=1.5, high=4.0)


def test_logit_with_eps_clamps_its_input_and_matches_pytorch():
    check(lambda m, x: m.special.logit(x, 0.2), [(3, 4)], low=0.05, high=0.95, away_from=[0.2, 0.8])


def test_logit_is_also_a_top_level_function_and_a_tensor_method_as_in_pytorch():
    check(lambda m, x: (m.logit(x), x.logit(eps=0.1), (x * 1).logit_()), [(3, 4)], low=0.05, high=0.95)


@requires_torch
def test_logit_gradient_at_the_eps_bounds_matches_pytorch():
    check_torch(
        lambda m, x: m.special.logit(x, eps=0.25), None, arrays=[np.array([0.1, 0.25, 0.5, 0.75, 0.9], "f")]
    )


BINARY = {
    # name: (function, keyword arguments of check())
    "xlogy": (lambda m, x, y: m.special.xlogy(x, y.abs()), {"away_from": 0.0}),
    "xlog1py": (lambda m, x, y: m.special.xlog1py(x, y.abs() - 0.5), {"away_from": 0.5}),
}


@pytest.mark.parametrize(
    "shapes", [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 1, 3), (4, 1)], [(), (2, 3)]], ids=str
)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_function_broadcasts_and_matches_pytorch_and_finite_differences(shapes, name):
    fn, kwargs = BINARY[name]
    check(fn, shapes, **kwargs)


def test_zeta_matches_pytorch_with_a_gradient_for_q_only():
    arrays = [np.array([[1.5], [2.0], [3.5]], "f"), np.array([0.5, 1.0, 2.5, 4.0], "f")]
    check(lambda m, x, q: m.special.zeta(x, q), None, arrays=arrays, requires_grad=[False, True])


@requires_torch
def test_zeta_backward_to_its_first_argument_raises_like_pytorch():
    def scenario(m):
        x = m.tensor([2.0], requires_grad=True)
        m.special.zeta(x, m.tensor([1.0])).sum().backward()

    assert_same_error(scenario, "the derivative for 'zeta' is not implemented")


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x, y: m.special.xlogy(2.0, y),
        lambda m, x, y: m.special.xlogy(x, 3),
        lambda m, x, y: m.special.xlog1py(0.5, y),
        lambda m, x, y: m.special.xlog1py(x, 2.0),
        lambda m, x, y: m.special.zeta(2.5, y),
        lambda m, x, y: m.special.zeta(x.detach() + 1, 2),
    ],
    ids=["xlogy(number, y)", "xlogy(x, int)", "xlog1py(number, y)", "xlog1py(x, number)", "zeta(number, q)",
         "zeta(x, int)"],
)  # fmt: skip
def test_binary_function_with_a_python_number_matches_pytorch(fn):
    check_torch(fn, [(3, 4), (3, 4)], low=0.2, high=2.0)


@requires_torch
@pytest.mark.parametrize("name", ["xlogy", "xlog1py", "zeta"])
@pytest.mark.parametrize(
    "dtypes", [("float32", "float64"), ("float64", "float32"), ("float32", "int64"), ("int64", "int32"),
               ("int64", "bool"), ("bool", "bool")],
    ids=str,
)  # fmt: skip
def test_binary_function_promotes_types_as_pytorch(name, dtypes):
    def scenario(m):
        x = m.tensor([0.0, 2.0, 3.0, 1.0]).to(getattr(m, dtypes[0]))
        y = m.tensor([2.0, 1.0, 0.0, 5.0]).to(getattr(m, dtypes[1]))
        return getattr(m.special, name)(x, y)

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_functions_give_pytorchs_values_and_gradients_at_edge_values(dtype):
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.0, -0.0, np.inf, np.nan, 2.0, -3.0], dtype)
    y = np.array([0.0, -1.0, -2.0, np.nan, -1.0, 2.0, np.inf, 1.0, np.inf, -0.5], dtype)
    check_torch(lambda m, x, y: m.special.xlogy(x, y), None, dtype=dtype, arrays=[x, y])
    check_torch(lambda m, x, y: m.special.xlog1py(x, y), None, dtype=dtype, arrays=[x, y])
    # PyTorch's zeta(x, inf) is NaN; scipy's (kept) is the limit, 0
    finite = np.isfinite(y)
    same_as_torch(lambda m: m.special.zeta(m.tensor(x[finite]), m.tensor(y[finite])))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.special.logsumexp(x, 1),
        lambda m, x: m.special.logsumexp(x, (0, 1), keepdim=True),
        lambda m, x: m.special.softmax(x, 0),
        lambda m, x: m.special.log_softmax(x, 1),
        lambda m, x: m.special.log_softmax(x, 1, dtype=m.float64),
    ],
    ids=["logsumexp", "logsumexp_keepdim", "softmax", "log_softmax", "log_softmax_float64"],
)
def test_reductions_match_pytorch_and_finite_differences(fn):
    check(fn, [(3, 4)])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.special.multigammaln(m.tensor([2.0]), 0),
        lambda m: m.special.multigammaln(m.tensor([2.0]), 1.5),
        lambda m: m.special.polygamma(-1, m.tensor([2.0])),
        lambda m: m.special.zeta(2, 3),
        lambda m: m.special.xlog1py(2, 3),
        lambda m: m.special.round(m.tensor([1, 2])),
        lambda m: m.special.softmax(m.tensor([1, 2]), 0),
        lambda m: m.special.logit(0.5),
        lambda m: m.special.i1(0.5),
    ],
)
def test_bad_arguments_raise_pytorchs_exception_types(fn):
    assert_same_error(fn)


def test_special_is_a_submodule_loaded_on_first_use():
    import subprocess
    import sys

    code = (
        "import sys, chainrule; assert 'chainrule.special' not in sys.modules; "
        "import chainrule.special; print(chainrule.special.expit is chainrule.sigmoid)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "True\n"


# --- incomplete gamma functions and mvlgamma ------------------------------------------

IGAMMA = {
    "igamma": lambda m, a, x: (m.igamma(a, x), a.igamma(x), m.special.gammainc(a, x)),
    "igammac": lambda m, a, x: (m.igammac(a, x), a.igammac(x), m.special.gammaincc(a, x)),
}


@pytest.mark.parametrize("name", sorted(IGAMMA))
def test_igamma_and_igammac_match_pytorch_with_a_gradient_for_the_second_argument_only(name):
    check(IGAMMA[name], [(2, 3), (3,)], low=0.3, high=3.0, requires_grad=[False, True])


@requires_torch
@pytest.mark.parametrize("name", sorted(IGAMMA))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_igamma_and_igammac_at_edge_values_match_pytorch(name, dtype):
    a = np.array([0.5, 1.0, 2.0, 0.0, 1.0, -1.0, np.inf, 1.0, np.nan, 3.0], dtype=dtype)
    x = np.array([1.0, 0.0, 3.0, 1.0, np.inf, 1.0, 1.0, -1.0, 1.0, np.nan], dtype=dtype)
    check_torch(IGAMMA[name], None, dtype=dtype, arrays=[a, x], requires_grad=[False, True])


@requires_torch
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_backward_to_its_first_argument_raises_like_pytorch(name):
    def scenario(m):
        a = m.tensor([1.5], requires_grad=True)
        getattr(m, name)(a, m.tensor([2.0])).sum().backward()

    assert_same_error(scenario, f"the derivative for '{name}: input' is not implemented")


@requires_torch
def test_igamma_in_place_and_mixed_float_dtypes_match_pytorch():
    def scenario(m):
        a, x = m.tensor([0.5, 2.0]), m.tensor([1.0, 3.0], dtype=m.float64)
        return m.igamma(a, x), a.clone().igamma_(x.float()), a.clone().igammac_(x.float())

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.igamma(m.tensor([1.0]), 2.0),
        lambda m: m.igammac(m.tensor([1, 2]), m.tensor([1, 2])),
        lambda m: m.igamma(m.tensor([True]), m.tensor([True])),
        lambda m: m.special.gammainc(m.tensor([1.0]), 2.0),
        lambda m: m.special.gammaincc(1.0, m.tensor([1.0])),
        lambda m: m.mvlgamma(m.tensor([2.0]), 0),
        lambda m: m.mvlgamma(m.tensor([2.0]), 1.5),
        lambda m: m.tensor([2]).mvlgamma_(2),
    ],
)
def test_igamma_and_mvlgamma_raise_pytorchs_exception_types(fn):
    assert_same_error(fn)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_mvlgamma_function_method_and_in_place_match_pytorch_and_finite_differences(p):
    check(
        lambda m, x: (m.mvlgamma(x, p), x.mvlgamma(p=p), (x * 1).mvlgamma_(p), m.special.multigammaln(x, p)),
        [(3, 4)],
        low=1.5,
        high=4.0,
    )


@requires_torch
def test_mvlgamma_of_integers_and_below_its_domain_matches_pytorch():
    same_as_torch(lambda m: (m.mvlgamma(m.tensor([2, 3]), 2), m.mvlgamma(m.tensor([0.4, np.nan]), 2)))
