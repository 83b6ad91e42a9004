"""nn.init's dirac_ and sparse_, the deprecated initialiser names without the
underscore, and nn.utils.clip_grad_norm: PyTorch's values, warnings and errors."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

import chainrule

from module_oracle import assert_drawn_from
from oracle import assert_equal, raises_like_torch, requires_torch, torch

pytestmark = requires_torch

# the deprecated name, the in-place initialiser it calls, the shape and the arguments
ALIASES = [
    ("uniform", (30, 40), dict(a=-0.5, b=2.0)),
    ("normal", (30, 40), dict(mean=1.0, std=0.3)),
    ("constant", (3, 4), dict(val=0.25)),
    ("eye", (3, 5), {}),
    ("dirac", (4, 2, 3, 3), dict(groups=2)),
    ("xavier_uniform", (30, 40), dict(gain=2.0)),
    ("xavier_normal", (30, 40), {}),
    ("kaiming_uniform", (30, 40), dict(a=0.1, mode="fan_out")),
    ("kaiming_normal", (30, 40), dict(nonlinearity="relu")),
    ("orthogonal", (30, 40), dict(gain=0.5)),
    ("sparse", (30, 40), dict(sparsity=0.3, std=0.1)),
]


def call_warning(lib, name, shape, kwargs):
    """Call the deprecated ``name`` on a fresh tensor; returns it, the result and the warning."""
    tensor = lib.empty(*shape)
    with pytest.warns(FutureWarning) as record:
        result = getattr(lib.nn.init, name)(tensor, **kwargs)
    assert len(record) == 1 and record[0].filename == __file__, "the warning points at the caller"
    return tensor, result, str(record[0].message)


@pytest.mark.parametrize("name, shape, kwargs", ALIASES, ids=[name for name, _, _ in ALIASES])
def test_each_deprecated_name_warns_like_pytorch_and_calls_the_in_place_initialiser(name, shape, kwargs):
    _, _, theirs = call_warning(torch, name, shape, kwargs)
    chainrule.manual_seed(3)
    tensor, result, ours = call_warning(chainrule, name, shape, kwargs)
    assert ours == theirs
    assert result is tensor
    chainrule.manual_seed(3)
    expected = getattr(chainrule.nn.init, name + "_")(chainrule.empty(*shape), **kwargs)
    np.testing.assert_array_equal(tensor.numpy(), expected.numpy())
    assert getattr(chainrule.nn.init, name).__name__ == getattr(torch.nn.init, name).__name__


def test_the_module_exports_pytorch_s_names():
    assert sorted(chainrule.nn.init.__all__) == sorted(torch.nn.init.__all__)
    assert "clip_grad_norm" in chainrule.nn.utils.__all__


@pytest.mark.parametrize(
    "shape, groups",
    [
        ((3, 5, 4), 1),
        ((6, 2, 3, 3), 1),
        ((6, 2, 3, 3), 3),
        ((4, 6, 2, 5), 2),
        ((4, 3, 3, 4, 5), 2),
        ((2, 2, 1), 2),
    ],
)
def test_dirac_places_the_same_ones_as_pytorch(shape, groups):
    assert_equal(
        chainrule.nn.init.dirac_(chainrule.full(shape, 7.0), groups),
        torch.nn.init.dirac_(torch.full(shape, 7.0), groups),
    )


def test_a_dirac_convolution_passes_its_input_channels_through():
    conv = chainrule.nn.Conv2d(3, 3, 3, padding=1, bias=False)
    chainrule.nn.init.dirac_(conv.weight)
    x = chainrule.randn(2, 3, 5, 5)
    np.testing.assert_allclose(conv(x).detach().numpy(), x.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "fill",
    [
        lambda lib: lib.nn.init.dirac_(lib.empty(3, 3)),
        lambda lib: lib.nn.init.dirac_(lib.empty(3, 3, 3, 3, 3, 3)),
        lambda lib: lib.nn.init.dirac_(lib.empty(4, 3, 3), groups=3),
        lambda lib: lib.nn.init.sparse_(lib.empty(3, 3, 3), 0.5),
        lambda lib: lib.nn.init.sparse_(lib.empty(3), 0.5),
    ],
)
def test_bad_shapes_raise_pytorch_s_error(fill):
    theirs = raises_like_torch(fill)
    with pytest.raises(type(theirs)) as expected:
        fill(torch)
    assert str(theirs) == str(expected.value)


@pytest.mark.parametrize("sparsity, rows", [(0.0, 10), (0.1, 10), (0.25, 10), (0.5, 7), (1.0, 4)])
def test_sparse_zeroes_as_many_entries_per_column_as_pytorch(sparsity, rows):
    chainrule.manual_seed(0)
    ours = chainrule.nn.init.sparse_(chainrule.empty(rows, 50), sparsity).numpy()
    theirs = torch.nn.init.sparse_(torch.empty(rows, 50), sparsity).numpy()
    np.testing.assert_array_equal((ours == 0).sum(0), (theirs == 0).sum(0))
    assert ((ours == 0).sum(0) == math.ceil(sparsity * rows)).all()


def test_sparse_draws_the_rest_from_a_normal_and_zeroes_random_rows():
    chainrule.manual_seed(0)
    values = chainrule.nn.init.sparse_(chainrule.empty(200, 300), sparsity=0.25, std=0.05).numpy()
    assert_drawn_from(values[values != 0], stats.norm(0, 0.05))
    # each row is zeroed in about a quarter of the columns, not always the same rows
    np.testing.assert_allclose((values == 0).mean(1), 0.25, atol=0.12)


def test_sparse_with_a_generator_repeats_its_values():
    def draw():
        generator = chainrule.Generator().manual_seed(5)
        return chainrule.nn.init.sparse_(chainrule.empty(6, 4), 0.5, generator=generator).numpy()

    first, second = draw(), draw()
    np.testing.assert_array_equal(first[(first != 0) & (second != 0)], second[(first != 0) & (second != 0)])


def test_clip_grad_norm_warns_like_pytorch_and_clips_like_clip_grad_norm_():
    results = []
    for lib in (chainrule, torch):
        w = lib.nn.Parameter(lib.zeros(2))
        w.grad = lib.tensor([3.0, 4.0])
        with pytest.warns(FutureWarning) as record:
            total = lib.nn.utils.clip_grad_norm([w], max_norm=1.0, norm_type=2.0)
        assert len(record) == 1 and record[0].filename == __file__
        results.append((str(record[0].message), total.numpy(), w.grad.numpy()))
    assert results[0][0] == results[1][0]
    for ours, theirs in zip(results[0][1:], results[1][1:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_the_new_names_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chainrule.nn.init.dirac_(chainrule.empty(2, 2, 3))
        chainrule.nn.init.sparse_(chainrule.empty(2, 2), 0.5)
