"""Module's state_dict and load_state_dict hooks, to_empty, set_submodule and
compile against PyTorch: the hooks' arguments and calling order, what they may
change, and PyTorch's errors."""

import numpy as np
import pytest

import chainrule

from oracle import raises_like_torch, requires_torch, torch

pytestmark = requires_torch


def _net(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(3, 1)))


def _record(net, register, make_hook):
    """``register`` a hook on every module of ``net``; returns the list they append to."""
    calls = []
    for name, module in net.named_modules():
        getattr(module, register)(make_hook(calls, name or "<root>"))
    return calls


def _both(scenario):
    ours, theirs = scenario(chainrule), scenario(torch)
    assert ours == theirs
    return ours


def test_state_dict_hooks_run_in_pytorchs_order_with_its_arguments():
    def scenario(lib):
        net = _net(lib)
        calls = _record(
            net,
            "register_state_dict_pre_hook",
            lambda calls, name: (
                lambda module, prefix, keep_vars: calls.append(("pre", name, prefix, keep_vars))
            ),
        )
        for name, module in net.named_modules():
            module.register_state_dict_post_hook(
                lambda module, state, prefix, meta, name=name or "<root>": calls.append(
                    ("post", name, prefix, sorted(state), sorted(meta))
                )
            )
        net.state_dict(keep_vars=True)
        return calls

    calls = _both(scenario)
    assert calls[0] == ("pre", "<root>", "", True) and calls[-1][:2] == ("post", "<root>")


def test_a_state_dict_post_hook_may_edit_the_dict_in_place_but_not_return_one():
    def edits(lib):
        layer = lib.nn.Linear(2, 1)

        def rename(module, state, prefix, meta):
            state[prefix + "kernel"] = state.pop(prefix + "weight")

        layer.register_state_dict_post_hook(rename)
        return list(lib.nn.Sequential(layer).state_dict())

    assert _both(edits) == ["0.bias", "0.kernel"]

    def returns(lib):
        layer = lib.nn.Linear(2, 1)
        layer.register_state_dict_post_hook(lambda module, state, prefix, meta: state)
        layer.state_dict()

    raises_like_torch(returns, match="^state_dict post-hook must return None$")


def test_load_hooks_run_in_pytorchs_order_and_see_pytorchs_arguments():
    """Pre-hooks in PyTorch's order (parents first), post-hooks in PyTorch's order
    among themselves (children first); chainrule runs every post-hook after every
    pre-hook, PyTorch a module's post-hooks as soon as its subtree is loaded."""

    def scenario(lib):
        net = _net(lib)
        state = {key: lib.tensor(value.numpy()) for key, value in _net(torch).state_dict().items()}
        calls = _record(
            net,
            "register_load_state_dict_pre_hook",
            lambda calls, name: (
                lambda module, state, prefix, meta, strict, missing, unexpected, errors: calls.append(
                    ("pre", name, prefix, sorted(state), meta, strict, errors)
                )
            ),
        )
        for name, module in net.named_modules():
            module.register_load_state_dict_post_hook(
                lambda module, keys, name=name or "<root>": calls.append(("post", name, type(keys).__name__))
            )
        del state["1.1.bias"]
        result = net.load_state_dict(state, strict=False, assign=True)
        pre = [call for call in calls if call[0] == "pre"]
        post = [call for call in calls if call[0] == "post"]
        return pre, post, result.missing_keys, result.unexpected_keys

    pre, post, missing, _ = _both(scenario)
    assert [call[1] for call in post] == ["0", "1.0", "1.1", "1", "<root>"] and missing == ["1.1.bias"]


def test_a_load_pre_hook_may_rename_old_keys_in_its_own_copy_of_the_state():
    def scenario(lib):
        net = _net(lib)
        state = {
            key: lib.tensor(np.full(value.shape, 0.5, np.float32)) for key, value in net.state_dict().items()
        }
        state["1.1.kernel"] = state.pop("1.1.weight")
        given = dict(state)

        def rename(module, state, prefix, *rest):
            if prefix + "kernel" in state:
                state[prefix + "weight"] = state.pop(prefix + "kernel")

        net[1][1].register_load_state_dict_pre_hook(rename)
        result = net.load_state_dict(state)
        assert list(state) == list(given)  # the caller's dict is left alone
        return repr(result), net[1][1].weight.detach().numpy().tolist()

    _both(scenario)


@pytest.mark.parametrize("strict", [True, False])
def test_a_load_post_hook_may_clear_the_missing_keys_strict_refuses(strict):
    def scenario(lib):
        net = _net(lib)
        state = {key: lib.tensor(value.detach().numpy()) for key, value in net.state_dict().items()}
        del state["0.bias"]
        state["extra"] = lib.zeros(1)

        def forgive(module, keys):
            keys.missing_keys.clear()

        net.register_load_state_dict_post_hook(forgive)
        return repr(net.load_state_dict(state, strict=strict))

    raises_like_torch(scenario, match="Unexpected key") if strict else _both(scenario)


def test_a_load_post_hook_sees_the_loaded_values_and_must_return_none():
    def sees(lib):
        layer = lib.nn.Linear(2, 1)
        seen = []
        layer.register_load_state_dict_post_hook(lambda module, keys: seen.append(module.bias.item()))
        layer.load_state_dict({"weight": lib.ones(1, 2), "bias": lib.full((1,), 7.0)})
        return seen

    assert _both(sees) == [7.0]

    def returns(lib):
        layer = lib.nn.Linear(2, 1)
        layer.register_load_state_dict_post_hook(lambda module, keys: keys)
        layer.load_state_dict(layer.state_dict())

    raises_like_torch(returns, match="^Hooks registered with ``register_load_state_dict_post_hook`` are not")


def test_removed_hooks_are_not_called():
    def scenario(lib):
        layer, calls = lib.nn.Linear(2, 1), []
        handles = [
            layer.register_state_dict_pre_hook(lambda *args: calls.append("pre")),
            layer.register_state_dict_post_hook(lambda *args: calls.append("post")),
            layer.register_load_state_dict_pre_hook(lambda *args: calls.append("load-pre")),
            layer.register_load_state_dict_post_hook(lambda *args: calls.append("load-post")),
        ]
        layer.load_state_dict(layer.state_dict())
        for handle in handles:
            handle.remove()
        layer.load_state_dict(layer.state_dict())
        return calls

    assert _both(scenario) == ["pre", "post", "load-pre", "load-post"]


@pytest.mark.parametrize("recurse", [True, False])
def test_to_empty_keeps_shapes_dtypes_and_parameter_objects(recurse):
    def scenario(lib):
        net = _net(lib).double()
        before = [id(p) for p in net.parameters()]
        kept = net[0].weight.detach().clone()
        out = net.to_empty(device="cpu", recurse=recurse)
        changed = [not bool((p.detach() == kept).all()) for p in [net[0].weight]]
        return (
            out is net,
            before == [id(p) for p in net.parameters()],
            [(tuple(p.shape), str(p.dtype).split(".")[-1], p.requires_grad) for p in net.parameters()],
            changed if not recurse else None,
        )

    _both(scenario)


def test_to_empty_takes_device_by_keyword_only():
    raises_like_torch(lambda lib: lib.nn.Linear(2, 2).to_empty("cpu"))


@pytest.mark.parametrize(
    "target, make, strict",
    [
        ("1.1", lambda lib: lib.nn.Tanh(), False),
        ("1.2", lambda lib: lib.nn.Tanh(), False),
        ("0", lambda lib: lib.nn.Identity(), True),
    ],
    ids=["replace-nested", "add-new", "strict-existing"],
)
def test_set_submodule_puts_the_module_where_pytorch_does(target, make, strict):
    def scenario(lib):
        net = _net(lib)
        net.set_submodule(target, make(lib), strict=strict)
        return [(name, type(module).__name__) for name, module in net.named_modules()]

    _both(scenario)


@pytest.mark.parametrize(
    "target, make, strict, match",
    [
        ("", lambda lib: lib.nn.Tanh(), False, "^Cannot set the submodule without a target name!$"),
        ("1.2", lambda lib: lib.nn.Tanh(), True, "^Sequential has no attribute `2`$"),
        ("0.weight", lambda lib: lib.nn.Tanh(), False, "^`weight` is not an nn.Module$"),
        ("0", lambda lib: 3, False, "^`module` is not an nn.Module, found <class 'int'>$"),
        ("5.1", lambda lib: lib.nn.Tanh(), False, "has no attribute `5`$"),
    ],
    ids=["empty", "strict-missing", "not-a-module-there", "not-a-module-given", "no-parent"],
)
def test_set_submodule_raises_pytorchs_errors(target, make, strict, match):
    raises_like_torch(lambda lib: _net(lib).set_submodule(target, make(lib), strict=strict), match=match)


def test_compile_keeps_the_module_running_as_before():
    layer = chainrule.nn.Linear(3, 2)
    x = chainrule.randn(4, 3)
    expected = layer(x)
    assert layer.compile(mode="max-autotune") is None
    assert layer(x).equal(expected) and type(layer) is chainrule.nn.Linear


def test_compile_checks_its_arguments_as_torch_compile_does():
    raises_like_torch(
        lambda lib: lib.nn.Linear(2, 2).compile(mode="fastest"), match="^Unrecognized mode=fastest"
    )
    raises_like_torch(lambda lib: lib.nn.Linear(2, 2).compile(mode="default", options={}))
