"""The autograd tests' parity helper: run one scenario with chainrule and with
PyTorch and compare everything it returns.

A scenario is a function of the library (``lib`` is ``chainrule`` or
``torch``), so the same code runs on both:

    def test_gradients_accumulate(same_as_torch):
        def scenario(lib):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            (x * x).sum().backward()
            return x.grad
        same_as_torch(scenario)
"""

import numpy as np
import pytest

import chainrule

from oracle import assert_close, torch


def assert_same(ours, theirs, rtol=1e-5, atol=1e-6, where="result"):
    """Tensors (values, dtype, shape, requires_grad), nested tuples / lists /
    dicts, dtypes, sizes and plain values equal PyTorch's."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, chainrule.Tensor), f"{where}: torch gives a tensor, chainrule {type(ours)}"
        assert ours.requires_grad == theirs.requires_grad, f"{where}: requires_grad differs"
        assert_close(ours.detach().numpy(), theirs.detach().numpy(), rtol, atol, where)
    elif isinstance(theirs, torch.Size):
        assert isinstance(ours, chainrule.Size) and tuple(ours) == tuple(theirs), (
            f"{where}: {ours} != {theirs}"
        )
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, type(theirs)), f"{where}: {type(ours)} != torch {type(theirs)}"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} items != torch {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, rtol, atol, f"{where}[{i}]")
    elif isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), f"{where}: keys {ours.keys()} != torch {theirs.keys()}"
        for key in theirs:
            assert_same(ours[key], theirs[key], rtol, atol, f"{where}[{key!r}]")
    elif isinstance(theirs, torch.dtype):
        assert str(ours).split(".")[-1] == str(theirs).split(".")[-1], f"{where}: {ours} != {theirs}"
    elif isinstance(theirs, float):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert ours == theirs, f"{where}: {ours!r} != torch {theirs!r}"


@pytest.fixture
def same_as_torch():
    """``same_as_torch(scenario, rtol=1e-5, atol=1e-6)``: run ``scenario(lib)``
    on both libraries, compare the results, return chainrule's."""
    if torch is None:
        pytest.skip("PyTorch (the oracle) is not installed")

    def compare(scenario, rtol=1e-5, atol=1e-6):
        ours = scenario(chainrule)
        assert_same(ours, scenario(torch), rtol, atol)
        return ours

    return compare


@pytest.fixture
def raises_like_torch():
    """``raises_like_torch(scenario, match)``: both libraries raise the same
    exception type; chainrule's message matches ``match``. Returns it."""
    if torch is None:
        pytest.skip("PyTorch (the oracle) is not installed")

    def compare(scenario, match=None):
        with pytest.raises(Exception) as theirs:
            scenario(torch)
        with pytest.raises(theirs.type, match=match) as ours:
            scenario(chainrule)
        return ours.value

    return compare
