"""Error messages: each mistake raises the exception type PyTorch raises for it,
with a message that names the op, the shapes or dtypes, and what to do."""

import pytest

import chainrule

import oracle
from oracle import requires_torch

pytestmark = requires_torch


def raises_like_torch(scenario, *fragments):
    """Both libraries raise the same exception type; chainrule's message
    contains every fragment. Returns the message."""
    message = str(oracle.raises_like_torch(scenario))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_a_shape_mismatch_names_the_op_and_both_shapes():
    raises_like_torch(lambda lib: lib.ones(2, 3) + lib.ones(4, 3), "add", "(2, 3)", "(4, 3)")


def test_a_matmul_shape_mismatch_names_both_shapes():
    raises_like_torch(lambda lib: lib.ones(2, 3) @ lib.ones(4, 3), "2x3", "4x3")


def test_backward_of_a_non_scalar_without_gradient_says_so():
    raises_like_torch(
        lambda lib: (lib.ones(3, requires_grad=True) * 2).backward(),
        "grad can be implicitly created only for scalar outputs",
        "(3,)",
        "gradient=",
    )


def test_a_gradient_of_the_wrong_shape_names_both_shapes():
    raises_like_torch(
        lambda lib: (lib.ones(3, requires_grad=True) * 2).backward(lib.ones(2)),
        "Mismatch in shape",
        "(2,)",
        "(3,)",
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([1, 2], requires_grad=True),
        lambda lib: lib.zeros(2, dtype=lib.int64, requires_grad=True),
        lambda lib: lib.tensor([1, 2]).requires_grad_(),
        lambda lib: setattr(lib.tensor([True]), "requires_grad", True),
    ],
    ids=["tensor", "zeros", "requires_grad_", "attribute"],
)
def test_requires_grad_on_an_integer_tensor_says_only_floating_point_tensors_can(make):
    message = raises_like_torch(make, "floating point")
    assert "can require gradients" in message


def test_backward_of_a_tensor_that_does_not_require_grad():
    raises_like_torch(lambda lib: lib.ones(3).sum().backward(), "does not require grad")


def test_autograd_grad_of_an_input_that_does_not_require_grad():
    raises_like_torch(
        lambda lib: lib.autograd.grad((lib.ones(3, requires_grad=True) * 2).sum(), lib.ones(3)),
        "does not require grad",
    )


def test_item_of_many_elements():
    raises_like_torch(lambda lib: lib.ones(3).item(), "3 elements", "Scalar")


def test_numpy_of_a_tensor_that_requires_grad():
    raises_like_torch(
        lambda lib: lib.ones(3, requires_grad=True).numpy(), "requires grad", "detach().numpy()"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.ones(3).sum(dim=2),
        lambda lib: lib.ones(3).size(3),
        lambda lib: lib.ones(2, 3).unsqueeze(4),
        lambda lib: lib.ones(2, 3).transpose(0, 2),
        lambda lib: lib.ones(2, 3).softmax(-3),
    ],
    ids=["sum", "size", "unsqueeze", "transpose", "softmax"],
)
def test_a_dim_out_of_range_raises_index_error(call):
    raises_like_torch(call, "Dimension out of range")


def test_in_place_on_a_leaf_that_requires_grad_says_to_use_no_grad():
    raises_like_torch(
        lambda lib: lib.ones(2, requires_grad=True).mul_(2), "leaf Variable that requires grad", "no_grad"
    )


def test_a_second_backward_says_to_retain_the_graph():
    def scenario(lib):
        loss = lib.ones(2, requires_grad=True).exp().sum()
        loss.backward()
        loss.backward()

    raises_like_torch(scenario, "second time", "retain_graph=True")


def test_a_saved_tensor_modified_in_place_names_the_op_and_the_tensor():
    def scenario(lib):
        x = lib.ones(2, 3, requires_grad=True) * 1
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    raises_like_torch(scenario, "modified by an inplace operation", "ExpBackward0", "[2, 3]", "float32")


def test_a_device_other_than_the_cpu_says_chainrule_runs_on_the_cpu():
    with pytest.raises(RuntimeError, match="CPU only"):
        chainrule.ones(2, device="cuda")
