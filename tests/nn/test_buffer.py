"""nn.Buffer: a tensor that registers itself as a module's buffer on assignment, against PyTorch."""

import copy

import pytest

from oracle import assert_same_error, raises_like_torch, requires_torch, same_as_torch

pytestmark = requires_torch


def make_model(lib):
    class Model(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lib.nn.Linear(2, 2)
            self.stats = lib.nn.Buffer(lib.zeros(3), persistent=False)
            self.count = lib.nn.Buffer(lib.ones(2))

    return Model()


def registration(lib, model):
    """What a model's buffers look like from the outside."""
    return (
        list(model.state_dict()),
        [name for name, _ in model.named_buffers()],
        sorted(model._non_persistent_buffers_set),
        [name for name, _ in model.named_parameters()],
    )


def test_assigning_a_buffer_registers_it_like_register_buffer():
    same_as_torch(lambda lib: registration(lib, make_model(lib)))


def test_the_attribute_is_a_plain_tensor_flagged_as_a_buffer():
    def scenario(lib):
        model = make_model(lib)
        return (
            type(model.stats) is lib.Tensor,
            isinstance(model.stats, lib.nn.Buffer),
            isinstance(model.stats, lib.Tensor),
            model.stats.persistent,
            model.count.persistent,
            model.stats is model._buffers["stats"],
            model.stats,
        )

    same_as_torch(scenario)


def test_a_plain_tensor_and_a_result_computed_from_a_buffer_are_not_buffers():
    same_as_torch(
        lambda lib: (
            isinstance(lib.zeros(1), lib.nn.Buffer),
            isinstance(lib.nn.Buffer(lib.ones(2)) * 2, lib.nn.Buffer),
            isinstance(lib.nn.Parameter(lib.ones(2)), lib.nn.Buffer),
        )
    )


def test_a_buffer_shares_memory_with_its_data_and_keeps_requires_grad_as_a_leaf():
    def scenario(lib):
        data = lib.ones(2)
        buffer = lib.nn.Buffer(data)
        buffer[0] = 5.0
        leaf = lib.ones(2, requires_grad=True)
        from_leaf, from_result = lib.nn.Buffer(leaf), lib.nn.Buffer(leaf * 2)
        return (
            data,
            from_leaf.requires_grad,
            from_leaf.is_leaf,
            from_result.requires_grad,
            from_result.is_leaf,
            from_result.grad_fn is None,
        )

    same_as_torch(scenario)


def test_a_buffer_with_no_data_is_an_empty_float_tensor():
    same_as_torch(
        lambda lib: (lib.nn.Buffer(), lib.nn.Buffer().shape, lib.nn.Buffer(persistent=False).persistent)
    )


def test_assigning_a_plain_tensor_to_a_buffer_keeps_its_persistence_and_a_buffer_sets_it():
    def scenario(lib):
        model = make_model(lib)
        model.stats = lib.ones(3)
        before = list(model.state_dict())
        model.stats = lib.nn.Buffer(lib.ones(3))
        model.count = lib.nn.Buffer(lib.ones(2), persistent=False)
        return before, registration(lib, model)

    same_as_torch(scenario)


def test_assigning_a_buffer_to_a_parameter_name_puts_it_in_place_of_the_parameter():
    def scenario(lib):
        model = make_model(lib)
        del model.lin.bias
        model.lin.bias = lib.nn.Buffer(lib.zeros(2))
        return registration(lib, model)

    same_as_torch(scenario)


def test_to_and_double_convert_buffers_into_plain_tensors_of_the_new_dtype():
    def scenario(lib):
        model = make_model(lib)
        model.double()
        after_double = (model.stats.dtype, isinstance(model.stats, lib.nn.Buffer))
        model.to(lib.float32)
        return (
            after_double,
            model.count.dtype,
            isinstance(model.count, lib.nn.Buffer),
            registration(lib, model),
        )

    same_as_torch(scenario)


def test_deepcopy_keeps_the_buffer_flag_and_persistence():
    def scenario(lib):
        model = make_model(lib)
        model.stats.add_(1)
        twin = copy.deepcopy(model)
        twin.stats.add_(1)
        return (
            isinstance(twin.stats, lib.nn.Buffer),
            twin.stats.persistent,
            registration(lib, twin),
            model.stats,
            twin.stats,
        )

    same_as_torch(scenario)


def test_load_state_dict_fills_persistent_buffers_and_skips_the_others():
    def scenario(lib):
        model = make_model(lib)
        state = {name: value + 1 for name, value in model.state_dict().items()}
        model.load_state_dict(state)
        return model.count, model.stats

    same_as_torch(scenario)


def test_assigning_a_buffer_over_a_plain_attribute_raises_key_error():
    def scenario(lib):
        model = make_model(lib)
        model.plain = 3
        model.plain = lib.nn.Buffer(lib.ones(1))

    raises_like_torch(scenario, match="attribute 'plain' already exists")


@pytest.mark.parametrize(
    "name, message",
    [("weight", "as parameter 'weight'"), ("lin", "as child module 'lin'")],
)
def test_a_buffer_cannot_replace_a_parameter_or_a_module(name, message):
    def scenario(lib):
        model = make_model(lib)
        target = model.lin if name == "weight" else model
        setattr(target, name, lib.nn.Buffer(lib.ones(1)))

    raises_like_torch(scenario, match=message)


def test_a_buffer_assigned_before_module_init_raises_attribute_error():
    def scenario(lib):
        class Early(lib.nn.Module):
            def __init__(self):
                self.stats = lib.nn.Buffer(lib.ones(1))

        Early()

    raises_like_torch(scenario, match="before Module.__init__")


def test_a_non_tensor_assigned_to_a_buffer_name_raises_type_error():
    def scenario(lib):
        make_model(lib).stats = [1.0]

    raises_like_torch(scenario, match="cannot assign 'list' as buffer 'stats'")


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.nn.Buffer(3),
        lambda lib: lib.nn.Buffer([1.0]),
        lambda lib: lib.nn.Buffer(lib.ones(1), False),
    ],
)
def test_bad_buffer_arguments_raise_pytorchs_errors(make):
    assert_same_error(make)
