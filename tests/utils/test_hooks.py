"""chainrule.utils.hooks (torch.utils.hooks): RemovableHandle is the type of the
handle every register_*hook returns, as in PyTorch."""

import pytest

import chainrule
from chainrule.autograd.function import RemovableHandle

from oracle import requires_torch, same_as_torch


def test_removable_handle_is_autograds_class_itself():
    assert chainrule.utils.hooks.RemovableHandle is RemovableHandle


@requires_torch
@pytest.mark.parametrize(
    "register",
    [
        lambda lib, layer: layer.register_forward_hook(lambda module, args, output: None),
        lambda lib, layer: layer.register_forward_pre_hook(lambda module, args: None),
        lambda lib, layer: layer.register_full_backward_hook(lambda module, grad_in, grad_out: None),
        lambda lib, layer: layer.weight.register_hook(lambda grad: None),
        lambda lib, layer: layer.weight.register_post_accumulate_grad_hook(lambda parameter: None),
    ],
    ids=["forward", "forward-pre", "full-backward", "tensor", "post-accumulate-grad"],
)
def test_every_register_hook_returns_a_removable_handle_as_pytorch(register):
    def scenario(lib):
        handle = register(lib, lib.nn.Linear(2, 2))
        return isinstance(handle, lib.utils.hooks.RemovableHandle)

    same_as_torch(scenario)


@requires_torch
def test_a_removed_handles_hook_no_longer_runs_as_pytorch():
    def scenario(lib):
        calls = []
        layer = lib.nn.Linear(2, 2)
        handle = layer.register_forward_hook(lambda module, args, output: calls.append("hook"))
        layer(lib.ones(1, 2))
        handle.remove()
        layer(lib.ones(1, 2))
        with layer.register_forward_hook(lambda module, args, output: calls.append("scoped")):
            layer(lib.ones(1, 2))
        layer(lib.ones(1, 2))
        return calls

    same_as_torch(scenario)
