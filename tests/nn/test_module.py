"""nn.Module: registration, traversal, state_dict, hooks, modes and printing, against PyTorch."""

import copy

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

from module_oracle import copy_weights
from oracle import requires_torch, torch


def make_net(lib):
    """A model touching every kind of registration: parameters, persistent and
    non-persistent buffers, containers, a shared layer and a loss with weights."""

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.nn.Linear(4, 3)
            self.body = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Tanh(), lib.nn.Dropout(0.5))
            self.heads = lib.nn.ModuleDict({"a": lib.nn.Linear(3, 2), "b": lib.nn.Linear(3, 1, bias=False)})
            self.blocks = lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.ReLU()])
            self.scale = lib.nn.Parameter(lib.ones(1))
            self.register_buffer("steps", lib.zeros(1, dtype=lib.int64))
            self.register_buffer("cache", lib.zeros(2), persistent=False)
            self.criterion = lib.nn.CrossEntropyLoss(weight=lib.ones(2))
            self.tied = self.fc1  # the same layer twice: listed once

        def forward(self, x):
            h = self.body(self.fc1(x))
            return self.blocks[1](self.blocks[0](self.heads["a"](h))) * self.scale + self.heads["b"](h)

    return Net()


@requires_torch
def test_state_dict_keys_shapes_and_order_are_pytorchs_for_a_nested_model():
    ours, theirs = make_net(chainrule).state_dict(), make_net(torch).state_dict()
    assert isinstance(ours, type(theirs))
    assert [(k, tuple(v.shape), v.dtype.name) for k, v in ours.items()] == [
        (k, tuple(v.shape), str(v.dtype).replace("torch.", "")) for k, v in theirs.items()
    ]


@requires_torch
def test_named_parameters_buffers_modules_and_children_follow_pytorchs_order():
    ours, theirs = make_net(chainrule), make_net(torch)
    for method in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [name for name, _ in getattr(ours, method)()] == [
            name for name, _ in getattr(theirs, method)()
        ]
    assert [n for n, _ in ours.named_parameters(prefix="net", recurse=False)] == ["net.scale"]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == [
        n for n, _ in theirs.named_parameters(remove_duplicate=False)
    ]
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert [type(m).__name__ for m in ours.children()] == [type(m).__name__ for m in theirs.children()]


@requires_torch
def test_repr_of_a_nested_model_is_pytorchs():
    assert repr(make_net(chainrule)) == repr(make_net(torch))


@requires_torch
def test_nested_model_forward_and_every_gradient_match_pytorch_after_loading_its_weights():
    ours, theirs = make_net(chainrule).eval(), make_net(torch).eval()
    copy_weights(theirs, ours)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    our_out, their_out = ours(chainrule.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(our_out.detach().numpy(), their_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    our_out.sum().backward()
    their_out.sum().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def test_state_dict_tensors_are_detached_and_share_memory_with_the_model():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    assert not state["weight"].requires_grad
    state["weight"].numpy()[0, 0] = 42.0
    assert layer.weight[0, 0].item() == 42.0
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight
    assert list(layer.state_dict(prefix="fc.")) == ["fc.weight", "fc.bias"]


def test_load_state_dict_copies_in_place_keeping_the_parameter_objects():
    source, target = nn.Linear(3, 2), nn.Linear(3, 2)
    weight, memory = target.weight, target.weight.numpy(force=True)
    result = target.load_state_dict(source.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target.weight is weight
    np.testing.assert_array_equal(memory, source.weight.detach().numpy())


@requires_torch
def test_load_state_dict_accepts_numpy_arrays_and_pytorch_tensors_and_casts_to_the_parameters_dtype():
    theirs = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    ours.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})
    assert ours.weight.dtype == chainrule.float32 and ours.weight.sum().item() == 6


def _error_text(lib, net, state):
    with pytest.raises(RuntimeError) as error:
        net.load_state_dict(state)
    return str(error.value).replace("torch", "chainrule")


@requires_torch
def test_load_state_dict_strict_error_lists_missing_unexpected_and_mismatched_keys_like_pytorch():
    ours, theirs = make_net(chainrule), make_net(torch)
    bad = {"fc1.weight": np.zeros((5, 4), np.float32), "head.c": np.zeros(1, np.float32)}
    ours_text = _error_text(chainrule, ours, {k: chainrule.tensor(v) for k, v in bad.items()})
    theirs_text = _error_text(torch, theirs, {k: torch.tensor(v) for k, v in bad.items()})
    assert ours_text == theirs_text
    assert ours_text.startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: ")


@requires_torch
def test_load_state_dict_non_strict_returns_the_same_incompatible_keys_as_pytorch():
    partial = {
        "fc1.weight": np.zeros((3, 4), np.float32),
        "extra": np.zeros(1, np.float32),
        "body.9.w": np.zeros(1),
    }
    ours = make_net(chainrule).load_state_dict(
        {k: chainrule.tensor(v) for k, v in partial.items()}, strict=False
    )
    theirs = make_net(torch).load_state_dict({k: torch.tensor(v) for k, v in partial.items()}, strict=False)
    assert ours.missing_keys == theirs.missing_keys
    assert ours.unexpected_keys == theirs.unexpected_keys
    assert repr(ours) == repr(theirs)


def test_load_state_dict_raises_on_a_size_mismatch_even_when_not_strict_and_changes_nothing():
    net = make_net(chainrule)
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    state = {k: chainrule.full(v.shape, 7.0) for k, v in net.state_dict().items()}
    state["heads.a.weight"] = chainrule.zeros(5, 3)
    with pytest.raises(RuntimeError, match=r"size mismatch for heads.a.weight: copying a param with shape"):
        net.load_state_dict(state, strict=False)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)


def test_load_state_dict_with_assign_makes_the_checkpoint_tensors_the_parameters():
    layer = nn.Linear(2, 1)
    weight = chainrule.tensor([[1.0, 2.0]], dtype=chainrule.float64)
    layer.load_state_dict({"weight": weight, "bias": chainrule.zeros(1)}, assign=True)
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad
    assert layer.weight.dtype == chainrule.float64 and layer.weight.data_ptr() == weight.data_ptr()
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_load_state_dict_with_a_value_that_is_not_a_tensor_raises():
    with pytest.raises(RuntimeError, match='parameter named "bias".*received'):
        nn.Linear(2, 2).load_state_dict({"weight": chainrule.zeros(2, 2), "bias": "zero"})


def test_assigning_a_parameter_module_or_buffer_registers_it_and_del_unregisters_it():
    m = nn.Module()
    m.w = nn.Parameter(chainrule.ones(2))
    m.child = nn.Linear(2, 2)
    m.register_buffer("stat", chainrule.zeros(2))
    m.plain = chainrule.zeros(3)  # a plain tensor attribute is not state
    assert list(m.state_dict()) == ["w", "stat", "child.weight", "child.bias"]
    m.stat = chainrule.ones(2)  # assigning to a buffer's name replaces the buffer
    assert m.state_dict()["stat"].tolist() == [1.0, 1.0]
    m.w = None
    assert "w" not in m.state_dict() and m.w is None
    del m.child, m.stat
    assert list(m.state_dict()) == []
    with pytest.raises(AttributeError):
        m.child  # noqa: B018


def test_reassigning_a_child_keeps_its_position():
    seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
    seq[1] = nn.Identity()
    assert [type(m).__name__ for m in seq] == ["ReLU", "Identity", "Sigmoid"]


def test_a_parameter_written_straight_into_the_registry_is_still_an_attribute():
    m = nn.Module()
    m._parameters["w"] = nn.Parameter(chainrule.ones(1))
    assert m.w is m._parameters["w"]


@requires_torch
@pytest.mark.parametrize(
    "action, error",
    [
        (lambda m, lib: setattr(m.fc1, "weight", lib.zeros(3)), TypeError),
        (lambda m, lib: setattr(m, "fc1", 3), TypeError),
        (lambda m, lib: setattr(m, "steps", 3), TypeError),
        (lambda m, lib: m.register_buffer("fc1", lib.zeros(1)), KeyError),
        (lambda m, lib: m.register_buffer("a.b", lib.zeros(1)), KeyError),
        (lambda m, lib: m.register_buffer("", lib.zeros(1)), KeyError),
        (lambda m, lib: m.register_buffer("x", 3), TypeError),
        (lambda m, lib: m.register_parameter("a.b", None), KeyError),
        (lambda m, lib: m.register_parameter("p", lib.zeros(1)), TypeError),
        (lambda m, lib: m.register_parameter(3, None), TypeError),
        (lambda m, lib: m.add_module("x", 3), TypeError),
        (lambda m, lib: m.add_module("fc1.x", lib.nn.ReLU()), KeyError),
        (lambda m, lib: m.train("yes"), ValueError),
        (lambda m, lib: m.missing_attribute, AttributeError),
    ],
)
def test_invalid_registrations_raise_pytorchs_exception(action, error):
    for lib in (chainrule, torch):
        with pytest.raises(error):
            action(make_net(lib), lib)


def test_registering_before_module_init_raises_attribute_error():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(chainrule.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_a_parameter_that_became_a_non_leaf_cannot_be_registered():
    p = nn.Parameter(chainrule.ones(1), requires_grad=False)
    p.add_(chainrule.ones(1, requires_grad=True))  # an in-place op gives it a grad_fn
    with pytest.raises(ValueError, match="non-leaf"):
        nn.Module().register_parameter("w", p)


def test_unknown_attribute_error_names_the_class():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        nn.Linear(1, 1).wieght  # noqa: B018


def test_module_without_forward_raises_not_implemented_error():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward"'):
        nn.Module()(chainrule.ones(1))


def test_train_and_eval_set_the_mode_of_every_submodule():
    net = make_net(chainrule)
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_sets_gradients_to_none_or_to_zero():
    layer = nn.Linear(2, 1)
    layer(chainrule.ones(1, 2)).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad.tolist() == [[0.0, 0.0]]
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_requires_grad_false_freezes_every_parameter():
    net = make_net(chainrule).requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_visits_children_before_their_parent():
    order = []
    nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU())).apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_float64_converts_floating_state_in_place_and_leaves_integer_buffers():
    net = make_net(chainrule)
    weight = net.fc1.weight
    net(chainrule.ones(2, 4)).sum().backward()
    assert net.to(chainrule.float64) is net
    assert (
        net.fc1.weight is weight
        and weight.dtype == chainrule.float64
        and weight.grad.dtype == chainrule.float64
    )
    assert net.steps.dtype == chainrule.int64 and net.cache.dtype == chainrule.float64
    assert net(chainrule.ones(2, 4, dtype=chainrule.float64)).dtype == chainrule.float64
    assert net.float().fc1.weight.dtype == chainrule.float32
    assert (
        net.to("cpu") is net
        and net.to(device="cpu", dtype=chainrule.float64).scale.dtype == chainrule.float64
    )
    with pytest.raises(TypeError, match="floating point"):
        net.to(chainrule.int32)


def test_get_submodule_follows_a_dotted_path():
    net = make_net(chainrule)
    assert net.get_submodule("body.0") is net.body[0]
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match="no attribute `nope`"):
        net.get_submodule("body.nope")


def test_deepcopy_gives_an_independent_model_with_the_same_values():
    net = make_net(chainrule)
    twin = copy.deepcopy(net)
    assert twin.tied is twin.fc1 and twin.fc1.weight is not net.fc1.weight
    np.testing.assert_array_equal(twin.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    with chainrule.no_grad():
        twin.fc1.weight.add_(1.0)
    assert not np.array_equal(twin.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    assert isinstance(twin.fc1.weight, nn.Parameter)


# --- hooks --------------------------------------------------------------------------------------


def test_forward_pre_hook_can_replace_the_input_and_remove_unregisters_it():
    layer = nn.Identity()
    handle = layer.register_forward_pre_hook(lambda module, args: args[0] + 1)
    assert layer(chainrule.tensor([1.0])).tolist() == [2.0]
    handle.remove()
    assert layer(chainrule.tensor([1.0])).tolist() == [1.0]


def test_forward_hook_sees_input_and_output_and_can_replace_the_output():
    layer = nn.Linear(2, 2)
    seen = []
    layer.register_forward_hook(
        lambda module, args, output: seen.append((module, args[0].shape, output.shape))
    )
    layer.register_forward_hook(lambda module, args, output: output * 0)
    assert layer(chainrule.ones(3, 2)).abs().sum().item() == 0
    assert seen == [(layer, (3, 2), (3, 2))]


def test_hooks_with_kwargs_and_prepend_run_in_pytorchs_order():
    calls = []

    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    layer = Scale()
    layer.register_forward_pre_hook(lambda m, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    layer.register_forward_hook(
        lambda m, args, kwargs, out: calls.append(("second", kwargs)), with_kwargs=True
    )
    layer.register_forward_hook(lambda m, args, out: calls.append(("first", None)), prepend=True)
    assert layer(chainrule.ones(1)).item() == 3.0
    assert calls == [("first", None), ("second", {"factor": 3.0})]


def _backward_hook_record(lib, replace):
    lib.manual_seed(0)
    layer = lib.nn.Linear(3, 2)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]]))
    records = []

    def hook(module, grad_input, grad_output):
        records.append(
            ([g.detach().numpy().copy() for g in grad_input], [g.numpy().copy() for g in grad_output])
        )
        if replace:
            return (grad_input[0] * 10,)

    layer.register_full_backward_hook(hook)
    x = lib.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], requires_grad=True)
    (layer(x) * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return records, x.grad.numpy()


@requires_torch
@pytest.mark.parametrize("replace", [False, True])
def test_full_backward_hook_gets_pytorchs_grad_input_and_grad_output_and_may_replace_grad_input(replace):
    (ours, our_grad), (theirs, their_grad) = (
        _backward_hook_record(lib, replace) for lib in (chainrule, torch)
    )
    assert len(ours) == len(theirs) == 1
    for a, b in zip(ours[0][0] + ours[0][1], theirs[0][0] + theirs[0][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-6)


def test_full_backward_hook_on_an_input_without_grad_gets_none_for_grad_input():
    layer = nn.Linear(2, 1)
    seen = []
    handle = layer.register_full_backward_hook(lambda m, gin, gout: seen.append((gin, gout[0].shape)))
    layer(chainrule.ones(4, 2)).sum().backward()
    assert seen == [((None,), (4, 1))]
    handle.remove()
    layer(chainrule.ones(4, 2)).sum().backward()
    assert len(seen) == 1


# --- Parameter ------------------------------------------------------------------------------------


def test_parameter_is_a_leaf_that_requires_grad_and_shares_memory_with_its_data():
    data = chainrule.zeros(3)
    p = nn.Parameter(data)
    assert p.requires_grad and p.is_leaf and isinstance(p, chainrule.Tensor)
    data[0] = 5.0
    assert p[0].item() == 5.0
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)


@requires_torch
def test_parameter_repr_is_pytorchs():
    assert repr(nn.Parameter(chainrule.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))
    assert repr(nn.Parameter(chainrule.ones(2), False)) == repr(torch.nn.Parameter(torch.ones(2), False))


@requires_torch
def test_modules_lists_a_shared_layer_again_without_remove_duplicate_like_pytorch():
    ours, theirs = make_net(chainrule), make_net(torch)
    for remove_duplicate in (True, False):
        assert [type(m).__name__ for m in ours.modules(remove_duplicate=remove_duplicate)] == [
            type(m).__name__ for m in theirs.modules(remove_duplicate=remove_duplicate)
        ]
    assert len(list(ours.modules(remove_duplicate=False))) == len(list(ours.modules())) + 1


@requires_torch
@pytest.mark.parametrize(
    "get, target",
    [
        ("get_parameter", "fc1.weight"),
        ("get_parameter", "heads.a.bias"),
        ("get_parameter", "scale"),
        ("get_buffer", "steps"),
        ("get_buffer", "criterion.weight"),
    ],
)
def test_get_parameter_and_get_buffer_find_members_by_dotted_path_like_pytorch(get, target):
    ours, theirs = getattr(make_net(chainrule), get)(target), getattr(make_net(torch), get)(target)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert isinstance(ours, nn.Parameter) == isinstance(theirs, torch.nn.Parameter)


@requires_torch
@pytest.mark.parametrize(
    "get, target",
    [
        ("get_parameter", "fc1.nope"),
        ("get_parameter", "steps"),
        ("get_buffer", "fc1.weight"),
        ("get_parameter", "missing.weight"),
    ],
)
def test_get_parameter_and_get_buffer_raise_attribute_error_like_pytorch(get, target):
    for lib in (chainrule, torch):
        with pytest.raises(AttributeError):
            getattr(make_net(lib), get)(target)


@requires_torch
def test_full_backward_hooks_get_a_slot_per_input_and_output_as_in_pytorch():
    # grad_output left out outputs that are not tensors requiring grad (LSTM's (h, c));
    # grad_input had None for a tensor input without grad, where PyTorch gives zeros
    def shapes_and_sizes(grads):
        return [None if g is None else (tuple(g.shape), float(g.abs().sum())) for g in grads]

    def run(lib):
        seen = []

        class Pair(lib.nn.Module):
            def forward(self, x, index, y):
                return x * 2, 3, y

        recurrent, pair = lib.nn.LSTM(3, 4), Pair()
        for module in (recurrent, pair):
            module.register_full_backward_hook(
                lambda m, gi, go: seen.append((shapes_and_sizes(gi), shapes_and_sizes(go)))
            )
        out, (h, _) = recurrent(lib.ones(5, 2, 3, requires_grad=True))
        (out.sum() + h.sum()).backward()
        a, _, _ = pair(lib.ones(2, requires_grad=True), lib.tensor([1]), lib.ones(3, dtype=lib.float64))
        a.sum().backward()
        (lstm_in, lstm_out), pair_grads = seen  # the LSTM's values depend on its random weights
        return len(lstm_in), [None if g is None else g[0] for g in lstm_out], pair_grads

    assert run(chainrule) == run(torch)
