"""gradcheck and gradgradcheck: pass on correct derivatives, fail on wrong ones."""

import numpy as np
import pytest

import chainrule
from chainrule.autograd import GradcheckError, gradcheck, gradgradcheck

from oracle import requires_torch, torch


def float64_input(*shape, seed=0):
    values = np.random.default_rng(seed).uniform(-1.5, 1.5, shape)
    return chainrule.tensor(values, dtype=chainrule.float64, requires_grad=True)


def wrong_square_function(lib, second_order_only=False):
    """x^2 whose backward is wrong (3x instead of 2x), or right but with a
    wrong second derivative (the saved x is detached, so d/dx of 2x is lost)."""

    class WrongSquare(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x.detach() if second_order_only else grad * 3 * x

    return WrongSquare


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda x: (x * x).sin(), [(3,)]),
        (lambda x, y: x @ y, [(2, 3), (3, 4)]),
        (lambda x, y: (x / y, x - y), [(3,), (3,)]),
        (lambda x: x.exp().sum(0), [(2, 3)]),
    ],
    ids=["elementwise", "matmul", "two-outputs", "reduction"],
)
def test_gradcheck_and_gradgradcheck_pass_on_correct_functions(fn, shapes):
    inputs = tuple(float64_input(*shape, seed=i) for i, shape in enumerate(shapes))
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_gradcheck_raises_gradcheck_error_on_a_wrong_backward():
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(wrong_square_function(chainrule).apply, (float64_input(3),))
    assert issubclass(GradcheckError, RuntimeError)


@requires_torch
def test_pytorch_gradcheck_rejects_the_same_wrong_backward_with_a_runtime_error():
    x = torch.tensor(float64_input(3).detach().numpy(), requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        torch.autograd.gradcheck(wrong_square_function(torch).apply, (x,))


def test_gradcheck_returns_false_when_told_not_to_raise():
    assert (
        gradcheck(wrong_square_function(chainrule).apply, (float64_input(3),), raise_exception=False) is False
    )


def test_gradgradcheck_catches_a_wrong_second_derivative():
    fn = wrong_square_function(chainrule, second_order_only=True).apply
    x = float64_input(3)
    assert gradcheck(fn, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,), raise_exception=False) is False


def test_gradcheck_handles_a_non_contiguous_input():
    x = chainrule.tensor(np.arange(6.0).reshape(2, 3), dtype=chainrule.float64).T.requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: (t * t).sin() * t.sum(), (x,))


def test_gradcheck_leaves_the_inputs_unchanged():
    x = float64_input(4)
    before = x.detach().numpy().copy()
    gradcheck(lambda t: t.exp(), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_gradcheck_skips_inputs_that_do_not_require_grad():
    x, w = float64_input(3), chainrule.tensor([1.0, 2.0, 3.0], dtype=chainrule.float64)
    assert gradcheck(lambda a, b: a * b, (x, w))


def test_gradcheck_without_an_input_that_requires_grad_raises_value_error():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (chainrule.zeros(2, dtype=chainrule.float64),))


def test_gradcheck_warns_on_float32_inputs_like_pytorch():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision floating point"):
        gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)
