"""The ``*_copy`` ops against PyTorch 2.13: each view op's values in new memory, with
the view op's gradient."""

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, check, requires_torch, same_as_torch

pytestmark = requires_torch

CASES = {
    "alias_copy": (lambda m, x: m.alias_copy(x), [(3, 4)]),
    "as_strided_copy": (lambda m, x: m.as_strided_copy(x, (2, 3), (1, 2), 1), [(3, 4)]),
    "diagonal_copy": (lambda m, x: m.diagonal_copy(x, 1, 0, 2), [(3, 2, 4)]),
    "expand_copy": (lambda m, x: m.expand_copy(x, (2, 3, 4)), [(3, 1)]),
    "permute_copy": (lambda m, x: m.permute_copy(x, (2, 0, 1)), [(2, 3, 4)]),
    "select_copy": (lambda m, x: m.select_copy(x, 1, -1), [(2, 3, 4)]),
    "slice_copy": (lambda m, x: m.slice_copy(x, 1, 1, None, 2), [(2, 6)]),
    "slice_copy_defaults": (lambda m, x: m.slice_copy(x), [(5, 2)]),
    "split_copy": (lambda m, x: m.split_copy(x, 2, 1), [(2, 5)]),
    "split_with_sizes_copy": (lambda m, x: m.split_with_sizes_copy(x, [1, 3], -1), [(2, 4)]),
    "squeeze_copy": (lambda m, x: m.squeeze_copy(x), [(1, 3, 1)]),
    "squeeze_copy_dim": (lambda m, x: m.squeeze_copy(x, 2), [(1, 3, 1)]),
    "t_copy": (lambda m, x: m.t_copy(x), [(3, 4)]),
    "transpose_copy": (lambda m, x: m.transpose_copy(x, 0, -1), [(2, 3, 4)]),
    "unbind_copy": (lambda m, x: m.unbind_copy(x, 1), [(2, 3)]),
    "unfold_copy": (lambda m, x: m.unfold_copy(x, 0, 2, 1), [(5, 2)]),
    "unsqueeze_copy": (lambda m, x: m.unsqueeze_copy(x, -1), [(3, 2)]),
    "view_copy": (lambda m, x: m.view_copy(x, (4, -1)), [(2, 6)]),
}


@pytest.mark.parametrize("name", CASES)
def test_copy_ops_give_the_views_values_and_gradients(name):
    fn, shapes = CASES[name]
    check(fn, shapes)


@pytest.mark.parametrize("name", ["alias_copy", "t_copy", "expand_copy", "split_copy", "view_copy"])
def test_copy_ops_never_share_the_inputs_memory(name):
    fn, shapes = CASES[name]
    x = chainrule.randn(*shapes[0])
    out = fn(chainrule, x)
    for piece in out if isinstance(out, tuple) else (out,):
        assert piece._base is None
        assert not np.shares_memory(piece.numpy(), x.numpy())
        assert piece.is_contiguous()


def test_view_copy_reads_the_bytes_as_another_dtype():
    same_as_torch(lambda m: m.view_copy(m.arange(4.0), m.int32))


def test_detach_copy_copies_the_values_outside_the_graph():
    x = chainrule.ones(3, requires_grad=True)
    y = chainrule.detach_copy(x)
    assert not y.requires_grad and y.grad_fn is None
    y.add_(1)
    assert x.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.slice_copy(m.ones(3), 0, 0, 2, 0),
        lambda m: m.select_copy(m.ones(2, 3), 2, 0),
        lambda m: m.view_copy(m.ones(2, 3), (4, 2)),
        lambda m: m.split_with_sizes_copy(m.ones(4), [1, 2]),
        lambda m: m.expand_copy(m.ones(2), (3, 3)),
        lambda m: m.unsqueeze_copy(m.ones(2), 3),
    ],
)
def test_copy_ops_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)
