"""Tensor attributes, conversions and Python protocols, each against PyTorch."""

import copy
import operator

import numpy as np
import pytest

import chainrule

import oracle
from oracle import raises_like_torch, requires_torch, run_both

pytestmark = requires_torch


def same_as_torch(scenario):
    """``oracle.same_as_torch`` with exact values: attributes and conversions do no arithmetic."""
    return oracle.same_as_torch(scenario, rtol=0, atol=0)


def matrix(lib, **kwargs):
    return lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], **kwargs)


def test_shape_size_dim_ndim_and_numel():
    same_as_torch(
        lambda lib: (
            matrix(lib).shape,
            matrix(lib).size(),
            matrix(lib).size(1),
            matrix(lib).size(-2),
            matrix(lib).dim(),
            matrix(lib).ndim,
            matrix(lib).numel(),
            lib.tensor(3.0).shape,
        )
    )


def test_shape_is_a_size_that_is_a_tuple():
    shape = matrix(chainrule).shape
    assert isinstance(shape, chainrule.Size) and isinstance(shape, tuple)
    assert shape == (2, 3) and shape.numel() == 6 and repr(shape) == "chainrule.Size([2, 3])"


def test_dtype_device_and_autograd_attributes_of_a_new_tensor():
    same_as_torch(
        lambda lib: (
            matrix(lib).dtype,
            lib.tensor([1, 2]).dtype,
            matrix(lib).device,
            matrix(lib).requires_grad,
            matrix(lib).grad,
            matrix(lib).is_leaf,
            matrix(lib).grad_fn,
        )
    )


def test_transposes_t_and_mt():
    same_as_torch(lambda lib: (matrix(lib).T, matrix(lib).mT, lib.arange(24.0).reshape(2, 3, 4).mT))


def test_memory_and_device_metadata():
    def metadata(x):
        return x.itemsize, x.nbytes, x.is_cpu, x.get_device(), x.is_inference(), x.storage_offset()

    def views(base):
        return base, base[1:], base.mT[..., 1], base.expand(2, *base.shape)

    same_as_torch(
        lambda lib: (
            [metadata(x) for x in views(lib.arange(24.0).reshape(2, 3, 4))]
            + [metadata(x) for x in views(lib.zeros(3, 2, dtype=lib.int16))]
            + [metadata(lib.tensor([True, False])[1])]
            + [matrix(lib).is_same_size(lib.zeros(2, 3)), matrix(lib).is_same_size(lib.zeros(3, 2))]
        )
    )


def test_is_same_size_needs_a_tensor():
    raises_like_torch(lambda lib: matrix(lib).is_same_size(3), match="must be Tensor, not int")


def test_data_shares_memory_and_is_detached():
    def scenario(lib):
        x = matrix(lib, requires_grad=True)
        data = x.data
        data[0, 0] = 10.0
        return x, data.requires_grad, data.is_leaf

    same_as_torch(scenario)


def test_item_and_tolist_give_python_numbers():
    def scenario(lib):
        return (
            lib.tensor(2.5).item(),
            lib.tensor([7]).item(),
            lib.tensor([True]).item(),
            matrix(lib).tolist(),
            lib.tensor(3).tolist(),
        )

    ours = same_as_torch(scenario)
    assert type(ours[0]) is float and type(ours[1]) is int and type(ours[2]) is bool


def test_numpy_shares_memory():
    def scenario(lib):
        x = matrix(lib)
        x.numpy()[0, 0] = 10.0
        return x

    same_as_torch(scenario)


def test_numpy_of_a_tensor_that_requires_grad_raises():
    raises_like_torch(lambda lib: matrix(lib, requires_grad=True).numpy(), match="requires grad")


def test_clone_copies_and_stays_in_the_graph():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.clone()
        with lib.no_grad():
            y.mul_(5)
        (y * 3).sum().backward()
        return x, y, x.grad

    same_as_torch(scenario)


def test_detach_shares_memory_and_leaves_the_graph():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).detach()
        d = x.detach()
        d[0] = 9.0
        return x, y, y.requires_grad, y.is_leaf, y.grad_fn

    same_as_torch(scenario)


def test_detach_in_place_turns_a_result_into_a_leaf():
    def scenario(lib):
        y = lib.tensor([1.0, 2.0], requires_grad=True) * 2
        same = y.detach_()
        return same is y, y.requires_grad, y.is_leaf, y.grad_fn

    same_as_torch(scenario)


def test_contiguous_returns_a_c_ordered_tensor_with_the_same_values():
    def scenario(lib):
        transposed = matrix(lib).T
        result = transposed.contiguous()
        return (
            transposed.is_contiguous(),
            result.is_contiguous(),
            result,
            matrix(lib).contiguous().is_contiguous(),
        )

    same_as_torch(scenario)


def test_contiguous_of_a_contiguous_tensor_is_the_tensor_itself():
    x = matrix(chainrule)
    assert x.contiguous() is x


def test_requires_grad_in_place_and_through_the_attribute():
    def scenario(lib):
        x = matrix(lib)
        returned = x.requires_grad_()
        turned_on = x.requires_grad
        x.requires_grad = False
        return returned is x, turned_on, x.requires_grad

    same_as_torch(scenario)


def test_requires_grad_false_on_a_result_raises():
    raises_like_torch(
        lambda lib: (lib.tensor([1.0], requires_grad=True) * 2).requires_grad_(False),
        match="you can only change requires_grad flags of leaf variables",
    )


def test_retain_grad_and_register_hook_as_tensor_methods():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 3)
        (y * y).sum().backward()
        return y.grad, x.grad

    same_as_torch(scenario)


def test_retain_grad_on_a_tensor_that_does_not_require_grad_raises():
    raises_like_torch(lambda lib: lib.tensor([1.0]).retain_grad(), match="requires_grad=False")


def test_dtype_conversions():
    def scenario(lib):
        x = lib.tensor([1.5, -2.7, 0.0])
        return (
            x.float(),
            x.double(),
            x.half(),
            x.long(),
            x.int(),
            x.bool(),
            x.type_as(lib.tensor([1])),
            x.to(lib.float64),
            x.to("cpu"),
            x.to("cpu", lib.float16),
            x.to(lib.tensor([1], dtype=lib.int32)),
            x.to(dtype=lib.int64),
        )

    same_as_torch(scenario)


def test_a_conversion_to_the_same_dtype_returns_the_tensor_itself():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        return x.float() is x, x.to(lib.float32) is x, x.to("cpu") is x, x.to(lib.float32, copy=True) is x

    same_as_torch(scenario)


def test_a_dtype_conversion_is_differentiable():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x.double() * 3).sum().backward()
        return x.grad

    same_as_torch(scenario)


def test_moving_to_a_gpu_raises_a_runtime_error():
    with pytest.raises(RuntimeError, match="CPU only"):
        matrix(chainrule).to("cuda")


def test_len_and_iteration_go_over_the_first_dimension():
    def scenario(lib):
        x = matrix(lib)
        return len(x), list(x), [row.shape for row in x]

    same_as_torch(scenario)


def test_iteration_is_differentiable():
    def scenario(lib):
        x = matrix(lib, requires_grad=True)
        total = 0
        for i, row in enumerate(x):
            total = total + row.sum() * (i + 1)
        total.backward()
        return x.grad

    same_as_torch(scenario)


@pytest.mark.parametrize("protocol", [len, iter], ids=["len", "iter"])
def test_len_and_iteration_of_a_zero_dimensional_tensor_raise(protocol):
    raises_like_torch(lambda lib: protocol(lib.tensor(1.0)), match="0-d tensor")


def test_bool_float_int_and_index_of_one_element_tensors():
    def scenario(lib):
        return (
            bool(lib.tensor([1.0])),
            bool(lib.tensor(0.0)),
            float(lib.tensor([2.5])),
            int(lib.tensor(3.7)),
            operator.index(lib.tensor(2)),
            [10, 20, 30][lib.tensor(1)],
            list(range(10))[lib.tensor(1) : lib.tensor(4)],
        )

    same_as_torch(scenario)


@pytest.mark.parametrize("size", [3, 0])
def test_bool_of_a_tensor_without_exactly_one_value_raises(size):
    raises_like_torch(lambda lib: bool(lib.ones(size)), match="Boolean value of Tensor with")


@pytest.mark.parametrize("convert", [float, int], ids=["float", "int"])
def test_float_and_int_of_many_elements_raise_value_error(convert):
    raises_like_torch(lambda lib: convert(lib.ones(2)), match="only one element tensors")


def test_index_of_a_float_tensor_raises_type_error():
    raises_like_torch(lambda lib: operator.index(lib.tensor(1.5)))


def test_deepcopy_of_a_leaf_copies_values_grad_and_attributes():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        x.note = "kept"
        copied = copy.deepcopy(x)
        copied.detach()[0] = 7.0
        return x, copied, copied.grad, copied.is_leaf, copied.note, copied.grad is x.grad

    same_as_torch(scenario)


def test_copy_copy_is_a_new_leaf_sharing_memory():
    # copy.copy raised chainrule's "not pickled" TypeError
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        weight = lib.nn.Parameter(lib.ones(2))
        copies = [copy.copy(t) for t in (x, y, weight)]
        with lib.no_grad():
            for c in copies:
                c.add_(10.0)
        return (
            [
                (c.is_leaf, c.requires_grad, type(c).__name__, c is not t)
                for c, t in zip(copies, (x, y, weight))
            ],
            x,
            y,
            weight,
        )

    same_as_torch(scenario)


def test_deepcopy_of_a_result_raises():
    raises_like_torch(
        lambda lib: copy.deepcopy(lib.tensor([1.0], requires_grad=True) * 2),
        match="Only Tensors created explicitly by the user",
    )


def test_the_legacy_constructor():
    def scenario(lib):
        return (
            lib.Tensor([1, 2]),
            lib.Tensor([[1.5, 2.5]]),
            lib.Tensor(2, 3).shape,
            lib.Tensor(lib.Size([4])).shape,
            lib.Tensor().shape,
            lib.Tensor((2, 3)),
            lib.Tensor(np.array([1, 2])),
        )

    same_as_torch(scenario)


def test_the_legacy_constructor_of_a_tensor_shares_its_memory():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0])
        alias = lib.Tensor(x)
        alias[0] = 5.0
        return x, lib.Tensor(lib.tensor([1, 2]))

    same_as_torch(scenario)


def test_a_tensor_is_a_tensor_and_a_parameter_is_one_too():
    assert isinstance(chainrule.zeros(1), chainrule.Tensor)
    assert isinstance(chainrule.nn.Parameter(chainrule.zeros(1)), chainrule.Tensor)


@requires_torch
def test_legacy_type_names_are_pytorchs_and_convert_both_ways():
    def scenario(m):
        names = [
            m.ones(1, dtype=d).type().split(".")[1] for d in (m.float32, m.float64, m.int64, m.bool, m.uint8)
        ]
        return names, str(m.ones(1).type("torch.DoubleTensor").dtype).split(".")[1]

    theirs, ours = run_both(scenario)
    assert (
        ours
        == theirs
        == (["FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor", "ByteTensor"], "float64")
    )
    with pytest.raises(ValueError, match="invalid type"):
        chainrule.ones(1).type("torch.NoSuchTensor")


def test_in_looks_for_an_equal_entry():
    same_as_torch(
        lambda lib: (
            lib.ones(3) in lib.ones(2, 3),
            1.0 in lib.ones(2, 3),
            5 in lib.arange(3),
            np.float32(1.0) in lib.ones(2),
            lib.tensor([0.0, 1.0, 2.0]) in lib.ones(2, 3),
        )
    )
    raises_like_torch(lambda lib: "a" in lib.ones(2), match="only supports Tensor or scalar")


@pytest.mark.parametrize("value", [True, False])
def test_requires_grad_of_a_computed_tensor_cannot_be_assigned(value):
    def scenario(lib):
        y = lib.tensor([1.0], requires_grad=True) * 2
        y.requires_grad = value

    raises_like_torch(scenario, match="only change requires_grad flags of leaf variables")


@pytest.mark.parametrize(
    "call",
    [lambda lib: [1] + lib.Size([2]), lambda lib: lib.Size([2]) + ("a",), lambda lib: lib.Size([2]) + [3]],
    ids=["list-plus-size", "str-item", "size-plus-list"],
)
def test_size_concatenation_takes_tuples_of_ints_only(call):
    raises_like_torch(call)


@requires_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.relu_(lib.tensor([-1.0, 2.0])),
        lambda lib: lib.clamp_(lib.tensor([-1.0, 2.0]), 0, 1),
        lambda lib: lib.clamp_min_(lib.tensor([-1.0, 2.0]), 0),
        lambda lib: lib.zero_(lib.ones(2)),
        lambda lib: lib.fill_(lib.ones(2), 3.0),
        lambda lib: lib.exp_(lib.zeros(2)),
        lambda lib: lib.sigmoid_(lib.zeros(2)),
        lambda lib: lib.detach(lib.ones(2, requires_grad=True) * 2),
    ],
    ids=["relu_", "clamp_", "clamp_min_", "zero_", "fill_", "exp_", "sigmoid_", "detach"],
)
def test_module_level_forms_of_in_place_methods_match_pytorch(call):
    # torch.relu_(x), torch.zero_(x), torch.detach(x) ... were missing
    same_as_torch(call)
