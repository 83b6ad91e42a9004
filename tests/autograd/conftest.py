"""The autograd tests' parity fixtures: run one scenario with chainrule and with
PyTorch and compare everything it returns (``oracle.same_as_torch``) or the
exception it raises (``oracle.raises_like_torch``); without PyTorch they skip.

A scenario is a function of the library (``lib`` is ``chainrule`` or
``torch``), so the same code runs on both:

    def test_gradients_accumulate(same_as_torch):
        def scenario(lib):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            (x * x).sum().backward()
            return x.grad
        same_as_torch(scenario)
"""

import pytest

import oracle


@pytest.fixture
def same_as_torch():
    """``same_as_torch(scenario, rtol=1e-5, atol=1e-6)``: run ``scenario(lib)``
    on both libraries, compare the results, return chainrule's."""
    if oracle.torch is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    return oracle.same_as_torch


@pytest.fixture
def raises_like_torch():
    """``raises_like_torch(scenario, match)``: both libraries raise the same
    exception type; chainrule's message matches ``match``. Returns it."""
    if oracle.torch is None:
        pytest.skip("PyTorch (the oracle) is not installed")
    return oracle.raises_like_torch
