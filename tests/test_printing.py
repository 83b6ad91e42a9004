"""``repr`` of tensors, character for character PyTorch's (with ``torch.``
written ``chainrule.``), and ``format`` of 0-d tensors."""

import pytest

import chainrule

from oracle import requires_torch, torch

pytestmark = requires_torch

CASES = [
    # floats: 4 decimals, whole numbers, scientific ranges, non-finite values
    "m.tensor([1.0, 2.5])",
    "m.tensor([1.0, 2.0])",
    "m.tensor([0.0, -0.0])",
    "m.zeros(3)",
    "m.tensor([0.1, 0.25, 1e-3])",
    "m.tensor([1e-5, 1.0])",
    "m.tensor([1e-4, 2e-4])",
    "m.tensor([0.001, 1.0])",
    "m.tensor([1.0, 1001.0])",
    "m.tensor([1.0, 2000.5])",
    "m.tensor([1e10, 1.0])",
    "m.tensor([123456789.0, 1.0])",
    "m.tensor([2.0**60])",
    "m.tensor([12345.678, 1.5])",
    "m.tensor([float('nan'), 1.0])",
    "m.tensor([float('inf'), -float('inf'), 0.5])",
    "m.tensor([float('nan'), float('inf')])",
    "m.tensor([-1e-4])",
    "m.linspace(0, 1, 30)",
    # integers and bools
    "m.tensor([1, 2, 3])",
    "m.tensor([-1, 100, 12345])",
    "m.tensor([True, False])",
    "m.tensor([[True, False], [False, True]])",
    # 0-d and empty
    "m.tensor(3.5)",
    "m.tensor(3.0)",
    "m.tensor(-2)",
    "m.tensor(1e-8)",
    "m.tensor(True)",
    "m.tensor([])",
    "m.zeros(0, 3)",
    "m.zeros(2, 0, dtype=m.int64)",
    "m.zeros(0, dtype=m.int32)",
    # 2-D and 3-D
    "m.tensor([[1.0, -2.0], [3.0, 4.5]])",
    "m.tensor([[[1.0]]])",
    "m.arange(24.0).reshape(2, 3, 4)",
    "m.arange(100.0).reshape(10, 10)",
    "m.arange(100.0).reshape(10, 10) * 1000",
    "m.arange(30.0).reshape(1, 30) * 1.1111",
    # large tensors are summarized
    "m.arange(2000.0)",
    "m.arange(2000).reshape(40, 50)",
    "m.arange(5000.0).reshape(10, 10, 50) / 7",
    "m.ones(1001)",
    "m.arange(1001.0).reshape(7, 143)",
    # dtypes that are not the defaults are named
    "m.tensor([1.0, 2.0], dtype=m.float64)",
    "m.tensor([[1e-5, 1.0], [2.0, 3.0]], dtype=m.float64)",
    "m.tensor([1, 2], dtype=m.int32)",
    "m.tensor([1, 2], dtype=m.uint8)",
    "m.tensor([1.5, 2], dtype=m.float16)",
    "m.tensor([[1.0, 2.0]], dtype=m.float16)",
    # autograd suffixes
    "m.tensor([1.0, 2.0], requires_grad=True)",
    "m.zeros(2, 3, dtype=m.float64, requires_grad=True)",
    "(m.arange(12.0).reshape(3, 4) * 1.5).requires_grad_()",
    "m.tensor([1.0, 2.0], requires_grad=True) * 2",
    "m.tensor([1.0, 2.0], requires_grad=True) - 1",
    "m.tensor([1.0, 2.0], requires_grad=True) / m.tensor([3.0, 4.0])",
    "m.tensor([1.0, 2.0], requires_grad=True).sum()",
    "m.tensor([1.0, 2.0], requires_grad=True).mean()",
    "m.tensor([1.0, 2.0], requires_grad=True).exp()",
    "m.tensor([1.0, 2.0], requires_grad=True) ** 2",
    "m.tensor([1.0, 2.0], requires_grad=True).relu()",
    "m.tensor([1.0, 2.0], requires_grad=True).tanh()",
    "m.tensor([1.0, 2.0], requires_grad=True).sigmoid()",
    "m.tensor([1.0, 2.0], requires_grad=True).abs()",
    "m.tensor([1.0, 2.0], requires_grad=True).max()",
    "m.tensor([1.0, 2.0], requires_grad=True).clamp(0, 1)",
    "m.tensor([1.0, -2.0], requires_grad=True).sign()",
    "m.arange(40.0).reshape(2, 20).requires_grad_() * 3",
    "m.ones(3, dtype=m.float64, requires_grad=True).sum()",
]


@pytest.mark.parametrize("expression", CASES)
def test_repr_matches_pytorchs(expression):
    theirs = repr(eval(expression, {"m": torch}))
    ours = repr(eval(expression, {"m": chainrule}))
    assert ours == theirs.replace("torch.", "chainrule.")


def test_str_is_the_repr():
    x = chainrule.tensor([[1.0, 2.5]], requires_grad=True)
    assert str(x) == repr(x)


@pytest.mark.parametrize("spec", [".4f", ".2e", "", ">10.3f", "g"])
@pytest.mark.parametrize("value", [3.14159, -2.0, 1e-7])
def test_format_of_a_zero_dim_tensor_formats_its_number_like_pytorch(value, spec):
    assert format(chainrule.tensor(value), spec) == format(torch.tensor(value), spec)
    assert f"{chainrule.tensor(value):{spec}}" == f"{torch.tensor(value):{spec}}"


def test_format_of_a_zero_dim_integer_tensor():
    assert format(chainrule.tensor(42), "d") == format(torch.tensor(42), "d") == "42"


def test_parameter_repr_matches_pytorchs():
    ours = repr(chainrule.nn.Parameter(chainrule.tensor([1.0, 2.0])))
    theirs = repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert ours == theirs.replace("torch.", "chainrule.")


# --- set_printoptions ------------------------------------------------------------------------------


@pytest.fixture
def default_print_options_after():
    yield
    for lib in (chainrule, torch):
        lib.set_printoptions(profile="default")


PRINT_OPTIONS = [
    ({"precision": 2}, "m.tensor([1.12345, -3.5])"),
    ({"precision": 6}, "m.tensor([[1.0 / 3, 2.5]])"),
    ({"precision": 0}, "m.tensor([1.5, 2.25])"),
    ({"threshold": 5}, "m.arange(10)"),
    ({"threshold": 5}, "m.arange(40.0).reshape(5, 8) / 3"),
    ({"threshold": 5, "edgeitems": 1}, "m.arange(30.0).reshape(2, 3, 5)"),
    ({"threshold": 5, "edgeitems": 0}, "m.arange(30.0)"),
    ({"threshold": 5, "edgeitems": 0}, "m.arange(30.0).reshape(5, 6)"),
    ({"edgeitems": 0}, "m.arange(3.0)"),
    ({"linewidth": 40}, "m.arange(30.0) / 7"),
    ({"linewidth": 200}, "m.arange(60.0).reshape(2, 30) * 1.5"),
    ({"sci_mode": True}, "m.tensor([1.5, 200.25])"),
    ({"sci_mode": True}, "m.tensor([1.0, 2.0])"),
    ({"sci_mode": False}, "m.tensor([1e-8, 1e9])"),
    ({"sci_mode": False, "precision": 8}, "m.tensor([1e-8, 1.0])"),
    ({"profile": "short"}, "m.arange(2000.0).reshape(40, 50) / 7"),
    ({"profile": "full"}, "m.arange(1200).reshape(30, 40)"),
    ({"profile": "full", "linewidth": 60}, "m.arange(30.0).reshape(2, 15) / 3"),
    ({"precision": 3, "profile": "default"}, "m.tensor([1.12345])"),
]


@pytest.mark.usefixtures("default_print_options_after")
@pytest.mark.parametrize("options, expression", PRINT_OPTIONS, ids=[str(o) for o, _ in PRINT_OPTIONS])
def test_set_printoptions_changes_the_repr_as_pytorchs_does(options, expression):
    reprs = []
    for lib in (torch, chainrule):
        lib.set_printoptions(**options)
        reprs.append(repr(eval(expression, {"m": lib})))
    assert reprs[1] == reprs[0].replace("torch.", "chainrule.")


@pytest.mark.usefixtures("default_print_options_after")
def test_print_options_last_until_changed_and_sci_mode_resets_with_every_call():
    chainrule.set_printoptions(precision=2, sci_mode=True)
    chainrule.set_printoptions(threshold=3)
    options = chainrule.get_printoptions()
    assert options == {"precision": 2, "threshold": 3, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
    assert options == torch._tensor_str.get_printoptions() | {"precision": 2, "threshold": 3}


@pytest.mark.usefixtures("default_print_options_after")
def test_printoptions_context_restores_the_options():
    with chainrule.printoptions(precision=1):
        assert repr(chainrule.tensor([0.25])) == "tensor([0.2])"
    assert repr(chainrule.tensor([0.25])) == "tensor([0.2500])"


def test_an_unknown_print_profile_raises_value_error():
    with pytest.raises(ValueError, match="unknown profile"):
        chainrule.set_printoptions(profile="tiny")
