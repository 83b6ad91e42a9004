"""Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict against PyTorch."""

from collections import OrderedDict

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn

from module_oracle import check_module
from oracle import raises_like_torch, requires_torch, same_as_torch, torch


def names(module):
    return [type(m).__name__ for m in module]


@requires_torch
def test_sequential_matches_pytorch_on_the_same_weights():
    check_module(
        lambda m: m.nn.Sequential(m.nn.Linear(4, 8), m.nn.ReLU(), m.nn.Dropout(0.5), m.nn.Linear(8, 2)),
        [(5, 4)],
        modes=("eval",),
    )
    check_module(lambda m: m.nn.Sequential(m.nn.Linear(4, 3), m.nn.Tanh(), m.nn.Linear(3, 1)), [(5, 4)])


def test_sequential_runs_its_modules_in_order():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    x = chainrule.randn(3, 2)
    assert chainrule.equal(seq(x), seq[1](seq[0](x)))
    assert nn.Sequential()(x) is x


@requires_torch
def test_sequential_from_an_ordered_dict_keeps_the_names_in_state_dict_and_repr():
    def make(lib):
        return lib.nn.Sequential(OrderedDict([("hidden", lib.nn.Linear(2, 3)), ("act", lib.nn.Tanh())]))

    assert (
        list(make(chainrule).state_dict())
        == list(make(torch).state_dict())
        == ["hidden.weight", "hidden.bias"]
    )
    assert repr(make(chainrule)) == repr(make(torch))
    assert isinstance(make(chainrule).hidden, nn.Linear)


@requires_torch
def test_sequential_indexing_slicing_and_editing_behave_like_pytorch():
    def edits(lib):
        seq = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid(), lib.nn.Identity())
        results = [type(seq[-1]).__name__, len(seq), repr(seq[1:3]), type(seq[::2]).__name__]
        del seq[0]
        results.append(repr(seq))  # renumbered from 0
        seq.append(lib.nn.ReLU())
        seq.insert(1, lib.nn.Linear(1, 1))
        results.append(type(seq.pop(0)).__name__)
        seq[0] = lib.nn.ELU()
        results += [repr(seq), names(seq), repr(seq + lib.nn.Sequential(lib.nn.Tanh()))]
        seq.extend([lib.nn.Tanh()])
        results.append(len(seq))
        return results

    assert edits(chainrule) == edits(torch)


@requires_torch
@pytest.mark.parametrize("index", [4, -5])
def test_sequential_and_module_list_index_out_of_range_raise_index_error(index):
    for lib in (chainrule, torch):
        with pytest.raises(IndexError, match=f"index {index} is out of range"):
            lib.nn.Sequential(*[lib.nn.ReLU()] * 4)[index]
        with pytest.raises(IndexError, match=f"index {index} is out of range"):
            lib.nn.ModuleList([lib.nn.ReLU()] * 4)[index]


@requires_torch
def test_module_list_registers_its_modules_and_prints_repeats_once_like_pytorch():
    def make(lib):
        return lib.nn.ModuleList(
            [lib.nn.Linear(2, 2) for _ in range(3)] + [lib.nn.ReLU(), lib.nn.ReLU(), lib.nn.Tanh()]
        )

    ours, theirs = make(chainrule), make(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"


@requires_torch
def test_module_list_editing_behaves_like_pytorch():
    def edits(lib):
        layers = lib.nn.ModuleList([lib.nn.ReLU()])
        layers.append(lib.nn.Tanh())
        layers.extend([lib.nn.Sigmoid(), lib.nn.Identity()])
        layers += [lib.nn.ELU()]
        layers.insert(0, lib.nn.Linear(1, 1))
        popped = type(layers.pop(2)).__name__
        del layers[1]
        layers[-1] = lib.nn.GELU()
        return [popped, names(layers), repr(layers[1:]), type(layers[1:]).__name__, repr(layers + layers[:1])]

    assert edits(chainrule) == edits(torch)


@requires_torch
def test_module_dict_behaves_like_pytorch():
    def edits(lib):
        heads = lib.nn.ModuleDict({"value": lib.nn.Linear(4, 1), "policy": lib.nn.Linear(4, 3)})
        heads["extra"] = lib.nn.ReLU()
        heads.update([("more", lib.nn.Tanh())])
        removed = type(heads.pop("extra")).__name__
        del heads["more"]
        state = list(heads.state_dict())
        result = [removed, state, list(heads), list(heads.keys()), "value" in heads, len(heads), repr(heads)]
        result.append([type(m).__name__ for m in heads.values()] + [k for k, _ in heads.items()])
        heads.clear()
        return result + [len(heads)]

    assert edits(chainrule) == edits(torch)


def test_parameters_of_modules_inside_containers_reach_the_optimizer_list():
    net = nn.Sequential(nn.ModuleList([nn.Linear(2, 2)]), nn.ModuleDict({"out": nn.Linear(2, 1)}))
    assert [name for name, _ in net.named_parameters()] == [
        "0.0.weight",
        "0.0.bias",
        "1.out.weight",
        "1.out.bias",
    ]


# --- a ReLU followed by a max pool runs after it (Sequential's _pool_first) --------------


def _relu_pool_inputs():
    """Windows of every kind a ReLU then a max pool meets: all negative, a 0 tying
    with negatives, a positive maximum, two tying positive maxima, and a NaN."""
    x = chainrule.randn(2, 3, 6, 6, generator=chainrule.Generator().manual_seed(0))
    values = x.detach().numpy()
    values[0, 0, :2, :2] = [[-1.0, -2.0], [-3.0, -0.5]]
    values[0, 1, :2, :2] = [[-1.0, 0.0], [0.0, -2.0]]
    values[0, 2, :2, :2] = [[1.5, 1.5], [-1.0, 0.5]]
    values[1, 0, 2, 2] = float("nan")
    return values


def _run_and_grads(model, values):
    x = chainrule.tensor(values, requires_grad=True)
    y = model(x)
    y.backward(chainrule.ones_like(y))
    return y.detach().numpy(), x.grad.numpy()


def test_relu_then_max_pool_gives_the_same_values_and_gradients_as_run_in_order():
    values = _relu_pool_inputs()
    model = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
    fused = _run_and_grads(model, values)
    in_order = _run_and_grads(lambda x: model[2](model[1](model[0](x))), values)
    for ours, expected in zip(fused, in_order):
        assert np.array_equal(ours, expected, equal_nan=True)
    assert model(chainrule.tensor(values)).grad_fn is None  # no graph without requires_grad


@requires_torch
def test_a_conv_block_with_relu_then_max_pool_matches_pytorch():
    check_module(
        lambda m: m.nn.Sequential(
            m.nn.Conv2d(2, 4, 3, padding=1),
            m.nn.ReLU(),
            m.nn.MaxPool2d(2),
            m.nn.Flatten(),
            m.nn.Linear(36, 3),
        ),
        [(5, 2, 6, 6)],
    )


def test_the_pool_runs_first_only_where_nothing_can_tell():
    def ops(model):
        y = model(chainrule.randn(1, 1, 4, 4, requires_grad=True) * 1.0)  # not a leaf: ReLU may be in place
        return [y.grad_fn.name(), y.grad_fn.next_functions[0][0].name()]

    pool_first = ["ReluBackward0", "MaxPool2DWithIndicesBackward0"]
    in_order = ["MaxPool2DWithIndicesBackward0", "ReluBackward0"]
    assert ops(nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))) == pool_first
    assert ops(nn.Sequential(nn.ReLU(inplace=True), nn.MaxPool2d(2))) == in_order
    hooked = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))
    seen = []
    handle = hooked[0].register_forward_hook(lambda module, args, output: seen.append(output.shape))
    assert ops(hooked) == in_order and seen == [(1, 1, 4, 4)]  # the hook sees the ReLU's own output
    handle.remove()
    assert ops(hooked) == pool_first
    with chainrule.autograd.detect_anomaly():
        assert ops(nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))) == in_order


@requires_torch
@pytest.mark.parametrize("index", [10, 2, -2, -3])
def test_sequential_insert_refuses_an_index_beyond_its_length(index):
    # it appended, as list.insert does (and as ModuleList does in both libraries)
    def outcome(lib):
        layers = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh())
        try:
            layers.insert(index, lib.nn.GELU())
        except IndexError as error:
            return str(error)
        return [type(m).__name__ for m in layers]

    assert outcome(chainrule) == outcome(torch)


# --- ParameterList and ParameterDict ---------------------------------------------------------------


def _values(lib, *shapes):
    rng = np.random.default_rng(0)
    return [lib.tensor(rng.normal(size=shape).astype(np.float32)) for shape in shapes]


@requires_torch
def test_parameter_list_registers_its_entries_as_pytorchs_does():
    def scenario(lib):
        a, b, c, d = _values(lib, (2, 3), (3,), (1,), (2,))
        params = lib.nn.ParameterList([a, lib.nn.Parameter(b)])
        params.append(c)
        params.extend([d])
        params += [lib.ones(4)]
        params[1] = lib.zeros(3)
        return (
            len(params),
            [type(p).__name__ for p in params],
            [name for name, _ in params.named_parameters()],
            dict(params.state_dict()),
            [p.requires_grad for p in params],
            params[-1],
            [p.shape for p in params[1:4:2]],
            type(params[:2]).__name__,
        )

    same_as_torch(scenario)


@requires_torch
def test_a_plain_tensor_put_in_a_parameter_container_shares_its_memory():
    for lib in (chainrule, torch):
        x = lib.zeros(3)
        params = lib.nn.ParameterList([x])
        named = lib.nn.ParameterDict({"x": x})
        with lib.no_grad():
            params[0].add_(1)
            named["x"].add_(1)
        assert x.tolist() == [2.0, 2.0, 2.0]


@requires_torch
def test_parameter_dict_registers_its_entries_as_pytorchs_does():
    def scenario(lib):
        a, b, c = _values(lib, (2,), (3,), (1,))
        params = lib.nn.ParameterDict({"z": a, "b": lib.nn.Parameter(b)})  # a plain dict is sorted
        params["m"] = c
        params.update([("a", lib.ones(2))])
        params.update(OrderedDict([("y", lib.zeros(1)), ("c", lib.zeros(1))]))
        popped = params.pop("m")
        default = params.setdefault("d", lib.ones(1))
        merged = params | lib.nn.ParameterDict({"e": lib.ones(1)})
        del params["y"]
        return (
            list(params.keys()),
            list(params),
            [name for name, _ in params.named_parameters()],
            dict(params.state_dict()),
            "b" in params,
            "m" in params,
            popped,
            default,
            params.get("missing"),
            len(params),
            list(merged.keys()),
            params.popitem()[0],
            list(reversed(params)),
            [type(value).__name__ for value in params.values()],
        )

    same_as_torch(scenario)


@requires_torch
def test_parameters_in_containers_train_as_pytorchs():
    def scenario(lib):
        weights = _values(lib, (3, 2), (2,), (2,))
        model = lib.nn.Module()
        model.layers = lib.nn.ParameterList(weights[:1])
        model.extra = lib.nn.ParameterDict({"bias": weights[1], "scale": weights[2]})
        x = _values(lib, (4, 3))[0]
        out = (x @ model.layers[0] + model.extra["bias"]) * model.extra["scale"]
        (out**2).sum().backward()
        return dict(model.state_dict()), [p.grad for p in model.parameters()]

    same_as_torch(scenario, rtol=1e-5, atol=1e-6)


@requires_torch
def test_parameter_containers_load_pytorchs_state_dict():
    theirs = torch.nn.ParameterDict({"w": torch.randn(2, 2)})
    ours = nn.ParameterDict({"w": chainrule.zeros(2, 2)})
    ours.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours["w"].detach().numpy(), theirs["w"].detach().numpy())


@requires_torch
def test_parameter_containers_print_as_pytorchs():
    def printout(lib):
        params = lib.nn.ParameterList([lib.zeros(2, 3), lib.nn.Linear(1, 1), 3])
        named = lib.nn.ParameterDict({"b": lib.zeros(2), "a": lib.ones(1, dtype=lib.float64)})
        return repr(params), repr(named), repr(lib.nn.ParameterList())

    assert printout(chainrule) == tuple(text.replace("torch", "chainrule") for text in printout(torch))


@requires_torch
def test_a_parameter_list_holds_modules_and_other_objects_as_pytorchs_does():
    def scenario(lib):
        params = lib.nn.ParameterList([lib.zeros(1)])
        params.append(lib.nn.Linear(1, 1))
        params.append("text")
        return list(params.state_dict()), params[2], type(params[1]).__name__

    same_as_torch(scenario)


PARAMETER_CONTAINER_ERRORS = {
    "list index": (lambda lib: lib.nn.ParameterList([lib.zeros(1)])[1], "index 1 is out of range"),
    "list extend tensor": (
        lambda lib: lib.nn.ParameterList().extend(lib.zeros(2)),
        "ParameterList.extend should be called with an iterable, but got Tensor",
    ),
    "list call": (lambda lib: lib.nn.ParameterList()(1), "ParameterList should not be called."),
    "dict key": (
        lambda lib: lib.nn.ParameterDict()[1],
        "Index given to ParameterDict cannot be used as a key",
    ),
    "dict missing": (lambda lib: lib.nn.ParameterDict()["a"], None),
    "dict update": (
        lambda lib: lib.nn.ParameterDict().update(3),
        "ParametersDict.update should be called with an iterable of key/value pairs, but got int",
    ),
    "dict pair length": (
        lambda lib: lib.nn.ParameterDict([("a", lib.zeros(1), 1)]),
        "ParameterDict update sequence element #0 has length 3; 2 is required",
    ),
    "dict call": (lambda lib: lib.nn.ParameterDict()(1), "ParameterDict should not be called."),
}


@requires_torch
@pytest.mark.parametrize(
    "scenario, message", PARAMETER_CONTAINER_ERRORS.values(), ids=PARAMETER_CONTAINER_ERRORS.keys()
)
def test_parameter_containers_raise_pytorchs_errors(scenario, message):
    raises_like_torch(scenario, message)
