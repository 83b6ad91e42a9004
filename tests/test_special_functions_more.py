"""chainrule.special's Bessel, Airy and orthogonal-polynomial functions and erfcx against
torch.special: values over wide ranges and at edge values in float32 and float64, integer
inputs, broadcasting and promotion of (input, n), results without a gradient (as PyTorch's),
erfcx's gradients (PyTorch, finite differences, second order) and PyTorch's errors."""

import numpy as np
import pytest

import chainrule

from oracle import assert_close, assert_same_error, check, check_torch, requires_torch, same_as_torch, torch

pytestmark = requires_torch  # every test compares with torch.special

UNARY = [
    "airy_ai",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "spherical_bessel_j0",
    "erfcx",
]
# PyTorch's J0, J1, Y0, Y1 are accurate to about 1e-6 absolute in float64, and its Ai to
# 3e-6 on [-3, -2.09], where its asymptotic series starts (scipy's, used here, to rounding);
# in float32 its phase (x - pi/4 for J and Y) rounds, so far out (|x| >= 1e4; Ai below -20)
# its values drift from the true ones that chainrule gives
LESS_ACCURATE = {"airy_ai": 5e-6, "bessel_j0": 1e-6, "bessel_j1": 1e-6, "bessel_y0": 1e-6, "bessel_y1": 1e-6}
EDGES = [0.0, -0.0, 1e-8, -1e-8, 1e-30, 1.0, -1.0, 2.0, 5.0, 8.0, np.inf, -np.inf, np.nan]
FAR = [88.5, 89.0, 91.0, -91.0, 103.0, 104.0, -26.0, -27.0, 700.0, -700.0, 1e4, -1e4, 1e7, -1e7, 1e12, -1e12]


def _compare(name, x, rtol, atol):
    ours = getattr(chainrule.special, name)(chainrule.tensor(x))
    theirs = getattr(torch.special, name)(torch.tensor(x))
    assert_close(ours.numpy(), theirs.numpy(), rtol, atol, name)


@pytest.mark.parametrize("name", UNARY)
def test_unary_function_gives_pytorchs_values_in_float64_from_far_left_to_far_right(name):
    x = np.concatenate([np.linspace(-200, 200, 4001), EDGES, FAR])
    _compare(name, x, 1e-10, LESS_ACCURATE.get(name, 1e-300))


@pytest.mark.parametrize("name", UNARY)
def test_unary_function_gives_pytorchs_values_in_float32(name):
    low = -20.0 if name == "airy_ai" else -30.0
    x = np.concatenate([np.linspace(low, 30, 2001), EDGES] + ([] if name in LESS_ACCURATE else [FAR]))
    _compare(name, x.astype(np.float32), 1e-5, max(LESS_ACCURATE.get(name, 0), 1e-6))


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_unary_function_of_integers_and_bools_gives_the_default_float_as_pytorch(name, dtype):
    data = [True, False, True] if dtype == "bool" else [0, 1, 7]
    same_as_torch(lambda m: getattr(m.special, name)(m.tensor(data, dtype=getattr(m, dtype))))


@pytest.mark.parametrize("name", [n for n in UNARY if n != "erfcx"])
def test_unary_function_without_a_derivative_in_pytorch_gives_a_result_without_grad(name):
    def scenario(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        y = getattr(m.special, name)(x)
        assert not y.requires_grad and y.grad_fn is None
        y.sum().backward()

    assert_same_error(scenario, "does not require grad")


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize(
    "make",
    [lambda m: 1.0, lambda m: m.tensor([1.0], dtype=m.float16)],
    ids=["number", "float16"],
)
def test_unary_function_raises_pytorchs_errors_for_numbers_and_half_floats(name, make):
    assert_same_error(lambda m: getattr(m.special, name)(make(m)))


@pytest.mark.parametrize("name", ["bessel_j0", "erfcx"])
def test_unary_function_writes_into_out_as_pytorch(name):
    def scenario(m):
        out = m.empty(3)
        result = getattr(m.special, name)(m.tensor([0.0, 1.0, 2.0]), out=out)
        return result is out, out

    same_as_torch(scenario)


# --- erfcx, the one with a gradient --------------------------------------------------------------


def test_erfcx_matches_pytorch_and_finite_differences_to_second_order():
    check(lambda m, x: m.special.erfcx(x), [(3, 4)], low=-3.0, high=3.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erfcx_gives_pytorchs_values_and_gradients_at_edge_values(dtype):
    x = np.array([0.0, -0.0, 1e-8, 5.0, -5.0, 26.0, -26.0, 60.0, 1e8, -30.0, np.inf, -np.inf, np.nan], dtype)
    check_torch(lambda m, x: m.special.erfcx(x), None, dtype=dtype, arrays=[x])


def test_erfcx_records_pytorchs_node_name():
    y = chainrule.special.erfcx(chainrule.tensor([1.0], requires_grad=True))
    assert y.grad_fn.name() == torch.special.erfcx(torch.tensor([1.0], requires_grad=True)).grad_fn.name()


# --- orthogonal polynomials -----------------------------------------------------------------------

POLYNOMIALS = [
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
]
X = [0.0, -0.0, 1.0, -1.0, 0.5, 0.25, -0.3, 0.999, 1.5, -2.0, 3.0, 1e10, -1e10, np.inf, -np.inf, np.nan]
DEGREES = [-3, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 30, 100, 127, 128, 129, 511, 512, 513, 3000,
           2.5, 7.9, -0.5, np.nan, np.inf, -np.inf, 1e19, 1e30]  # fmt: skip


def _grid(dtype):
    x, n = np.meshgrid(np.concatenate([np.linspace(-3, 3, 61), X]), DEGREES)
    # at NaN, PyTorch's loops return an uninitialized value from degree 2 on (Hermite's
    # excepted): chainrule gives NaN
    keep = ~(np.isnan(x) & (n >= 2))
    return x[keep].astype(dtype), n[keep].astype(dtype)


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_gives_pytorchs_values_for_every_kind_of_degree_in_float64(name):
    x, n = _grid(np.float64)
    ours = getattr(chainrule.special, name)(chainrule.tensor(x), chainrule.tensor(n))
    theirs = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n))
    # float64 rounds products before subtracting where PyTorch's loops fuse them: large
    # degrees near a zero of the polynomial differ beyond rounding
    assert_close(ours.numpy(), theirs.numpy(), 1e-8, 1e-12, name)


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_gives_pytorchs_values_for_every_kind_of_degree_in_float32(name):
    x, n = _grid(np.float32)
    ours = getattr(chainrule.special, name)(chainrule.tensor(x), chainrule.tensor(n)).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    # above degree 4 to 8, Chebyshev's polynomials are cos(n acos x) and kin: an ulp of the C
    # library's acosf (not always correctly rounded) grows n-fold
    closed_form = name.startswith(("chebyshev", "shifted")) & (n > 4) & (n < 1e4) & (np.abs(x) < 1.5)
    assert_close(ours[~closed_form], theirs[~closed_form], 1e-5, 1e-6, name)
    for degree in np.unique(n[closed_form]):
        at = closed_form & (n == degree)
        assert_close(ours[at], theirs[at], 1e-5, 1e-6 * degree, f"{name} of degree {degree}")


@pytest.mark.parametrize("name", POLYNOMIALS)
@pytest.mark.parametrize(
    "make",
    [
        lambda m: (m.tensor([0.3, 2.0]), 3),
        lambda m: (m.tensor([0.3, 2.0]), 3.7),
        lambda m: (m.tensor([0.3, 2.0]), True),
        lambda m: (0.3, m.tensor([3, 4])),
        lambda m: (2, m.tensor([3, 4])),
        lambda m: (m.tensor([1, 2]), m.tensor([3, 4])),
        lambda m: (m.tensor([1, 2], dtype=m.int32), m.tensor([3, 4], dtype=m.uint8)),
        lambda m: (m.tensor([True, False]), m.tensor([True, True])),
        lambda m: (m.tensor([0.3, 2.0]), m.tensor([3.0, 4.0], dtype=m.float64)),
        lambda m: (m.tensor([0.3, 2.0]), m.tensor(3.0, dtype=m.float64)),
        lambda m: (m.tensor([[0.3], [2.0]]), m.tensor([0, 1, 2, 5])),
        lambda m: (m.tensor(0.3), m.tensor([[2], [9]])),
    ],
    ids=["f32,int", "f32,float", "f32,bool", "number,int64", "int,int64", "int64,int64", "int32,uint8",
         "bool,bool", "f32,f64", "f32,f64 0-d", "broadcast", "0-d,column"],
)  # fmt: skip
def test_polynomial_broadcasts_and_promotes_input_and_degree_as_pytorch(name, make):
    same_as_torch(lambda m: getattr(m.special, name)(*make(m)))


@pytest.mark.parametrize("name", POLYNOMIALS)
@pytest.mark.parametrize(
    "make",
    [
        lambda m: (0.3, 3),
        lambda m: (m.tensor([0.3]), "a"),
        lambda m: ([0.3], 3),
        lambda m: (m.ones(2), m.tensor([1, 2, 3])),
        lambda m: (m.tensor([0.3], dtype=m.float16), 3),
        lambda m: (m.tensor([0.3], dtype=m.float16), m.tensor([3])),
    ],
    ids=["two numbers", "str degree", "list", "shapes", "float16", "float16,int64"],
)
def test_polynomial_raises_pytorchs_errors(name, make):
    assert_same_error(lambda m: getattr(m.special, name)(*make(m)))


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_result_has_no_gradient_as_in_pytorch(name):
    def scenario(m):
        x = m.tensor([0.3, 0.6], requires_grad=True)
        y = getattr(m.special, name)(x, m.tensor([2.0, 3.0], requires_grad=True))
        assert not y.requires_grad and y.grad_fn is None
        y.sum().backward()

    assert_same_error(scenario, "does not require grad")


def test_polynomial_writes_into_out_as_pytorch():
    def scenario(m):
        out = m.empty(2, 3)
        result = m.special.legendre_polynomial_p(m.tensor([[0.3], [0.6]]), m.tensor([1, 2, 3]), out=out)
        return result is out, out

    same_as_torch(scenario)


def test_polynomial_of_a_huge_degree_stops_where_pytorchs_loop_does():
    x = np.array([1.5, -2.0, 3.0, 1e3])
    same_as_torch(lambda m: m.special.chebyshev_polynomial_t(m.tensor(x), 10**12))
