"""nn.utils.prune against PyTorch: the same weights (copied through state_dict) give
the same names, state_dict keys, masks, outputs and gradients at each stage of pruning;
the random methods prune the right count, reproducibly under manual_seed."""

import numpy as np
import pytest

import chainrule

from module_oracle import copy_weights
from oracle import assert_close, assert_same_error, requires_torch, torch

if torch is not None:
    import torch.nn.utils.prune  # not imported by ``import torch``

pytestmark = requires_torch


def lenet(lib):
    """The pruning tutorial's LeNet (1x28x28 input)."""

    class LeNet(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = lib.nn.Conv2d(1, 6, 3)
            self.conv2 = lib.nn.Conv2d(6, 16, 3)
            self.fc1 = lib.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = lib.nn.Linear(120, 84)
            self.fc3 = lib.nn.Linear(84, 10)

        def forward(self, x):
            F = lib.nn.functional
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, int(x.nelement() / x.shape[0]))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet()


def same_model(make, seed=0):
    """``(chainrule's, PyTorch's)`` model from ``make(lib)``, with PyTorch's weights."""
    torch.manual_seed(seed)
    theirs = make(torch)
    ours = make(chainrule)
    copy_weights(theirs, ours)
    return ours, theirs


def assert_same_state(ours, theirs):
    """The parameter and buffer names, the state_dict keys (in order) and values, and
    the pruned attributes equal PyTorch's."""
    assert [name for name, _ in ours.named_parameters()] == [name for name, _ in theirs.named_parameters()]
    assert [name for name, _ in ours.named_buffers()] == [name for name, _ in theirs.named_buffers()]
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(our_state) == list(their_state)
    for key in their_state:
        np.testing.assert_array_equal(our_state[key].numpy(), their_state[key].numpy(), err_msg=key)
    for name, module in theirs.named_modules():
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, torch.nn.utils.prune.BasePruningMethod):
                pruned = getattr(ours.get_submodule(name), hook._tensor_name)
                expected = getattr(module, hook._tensor_name)
                np.testing.assert_array_equal(pruned.detach().numpy(), expected.detach().numpy())


def hook_names(module):
    return [type(hook).__name__ for hook in module._forward_pre_hooks.values()]


def assert_same_forward(ours, theirs, shape, seed=0):
    x = np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)
    assert_close(
        ours(chainrule.tensor(x)).detach().numpy(),
        theirs(torch.tensor(x)).detach().numpy(),
        1e-5,
        1e-6,
        "out",
    )


def prune_both(ours, theirs, how):
    """Apply ``how(lib, model)`` to both models and check they still agree."""
    how(chainrule, ours)
    how(torch, theirs)
    assert_same_state(ours, theirs)
    assert hook_names(ours) == hook_names(theirs)


# --- the pruning tutorial ---------------------------------------------------------------


def test_pruning_tutorial_steps_give_pytorch_names_masks_and_sparsities():
    ours, theirs = same_model(lenet)
    assert_same_forward(ours, theirs, (1, 1, 28, 28))
    # random_unstructured on conv1.weight: the count only (the draw is not PyTorch's)...
    for lib, model in ((chainrule, ours), (torch, theirs)):
        lib.nn.utils.prune.random_unstructured(model.conv1, name="weight", amount=0.3)
    assert [name for name, _ in ours.conv1.named_parameters()] == ["bias", "weight_orig"]
    assert [name for name, _ in ours.conv1.named_buffers()] == ["weight_mask"]
    assert int((ours.conv1.weight_mask == 0).sum()) == int((theirs.conv1.weight_mask == 0).sum()) == 16
    assert list(ours.conv1._forward_pre_hooks) == [next(iter(ours.conv1._forward_pre_hooks))]
    assert hook_names(ours.conv1) == hook_names(theirs.conv1) == ["RandomUnstructured"]
    # ...then PyTorch's mask loaded, so every later step must agree exactly
    copy_weights(theirs, ours)
    assert_same_forward(ours, theirs, (1, 1, 28, 28))  # the pre-hook recomputes conv1.weight
    assert_same_state(ours, theirs)
    prune_both(
        ours, theirs, lambda lib, model: lib.nn.utils.prune.l1_unstructured(model.conv1, "bias", amount=3)
    )
    prune_both(
        ours,
        theirs,
        lambda lib, model: lib.nn.utils.prune.ln_structured(model.conv1, "weight", 0.5, n=2, dim=0),
    )
    history = [
        next(h for h in m.conv1._forward_pre_hooks.values() if h._tensor_name == "weight")
        for m in (ours, theirs)
    ]
    assert [type(method).__name__ for method in history[0]] == [
        type(method).__name__ for method in history[1]
    ]
    assert [type(method).__name__ for method in history[0]] == ["RandomUnstructured", "LnStructured"]
    assert_same_forward(ours, theirs, (1, 1, 28, 28))
    prune_both(ours, theirs, lambda lib, model: lib.nn.utils.prune.remove(model.conv1, "weight"))
    assert [name for name, _ in ours.conv1.named_parameters()] == ["bias_orig", "weight"]
    assert type(ours.conv1.weight) is chainrule.nn.Parameter

    def prune_layers(lib, model):
        for module in model.modules():
            if isinstance(module, lib.nn.Conv2d):
                lib.nn.utils.prune.l1_unstructured(module, name="weight", amount=0.2)
            elif isinstance(module, lib.nn.Linear):
                lib.nn.utils.prune.l1_unstructured(module, name="weight", amount=0.4)

    ours, theirs = same_model(lenet, seed=1)
    prune_both(ours, theirs, prune_layers)
    assert list(dict(ours.named_buffers())) == list(dict(theirs.named_buffers()))
    assert_same_forward(ours, theirs, (2, 1, 28, 28))


def sparsity_report(lib, model):
    """The tutorial's printed sparsities, computed from the pruned weights."""
    layers = [model.conv1, model.conv2, model.fc1, model.fc2, model.fc3]
    names = ["conv1", "conv2", "fc1", "fc2", "fc3"]
    percents = [
        100.0 * float(lib.sum(layer.weight == 0)) / float(layer.weight.nelement()) for layer in layers
    ]
    lines = [f"Sparsity in {name}.weight: {percent:.2f}%" for name, percent in zip(names, percents)]
    zeros = sum(float(lib.sum(layer.weight == 0)) for layer in layers)
    total = sum(float(layer.weight.nelement()) for layer in layers)
    return lines + [f"Global sparsity: {100.0 * zeros / total:.2f}%"]


def test_global_unstructured_over_the_tutorial_layers_prunes_pytorch_entries():
    ours, theirs = same_model(lenet, seed=2)

    def prune_globally(lib, model):
        parameters = [(getattr(model, name), "weight") for name in ["conv1", "conv2", "fc1", "fc2", "fc3"]]
        lib.nn.utils.prune.global_unstructured(
            parameters, pruning_method=lib.nn.utils.prune.L1Unstructured, amount=0.2
        )

    prune_both(ours, theirs, prune_globally)
    report = sparsity_report(chainrule, ours)
    assert report == sparsity_report(torch, theirs)
    assert report[-1] == "Global sparsity: 20.00%"
    assert_same_forward(ours, theirs, (2, 1, 28, 28))
    # pruning again starts from the masks; importance scores may replace the weights
    scores = np.random.default_rng(0).uniform(0, 1, (120, 400)).astype(np.float32)

    def prune_again(lib, model):
        parameters = [(model.conv2, "weight"), (model.fc1, "weight"), (model.fc1, "bias")]
        lib.nn.utils.prune.global_unstructured(
            parameters,
            pruning_method=lib.nn.utils.prune.L1Unstructured,
            importance_scores={(model.fc1, "weight"): lib.tensor(scores)},
            amount=5000,
        )

    prune_both(ours, theirs, prune_again)


# --- which entries get pruned ---------------------------------------------------------


def test_l1_unstructured_iterated_and_removed_matches_pytorch_at_each_stage():
    ours, theirs = same_model(lambda lib: lib.nn.Linear(6, 5))
    assert_same_state(ours, theirs)
    prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", amount=0.3))
    assert [name for name, _ in ours.named_parameters()] == ["bias", "weight_orig"]
    assert list(ours.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    assert_same_forward(ours, theirs, (4, 6))
    orig = ours.weight_orig
    prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", amount=4))
    assert hook_names(ours) == ["PruningContainer"]
    assert int((ours.weight_mask == 0).sum()) == 9 + 4
    assert_same_forward(ours, theirs, (4, 6))
    prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.remove(m, "weight"))
    assert list(ours.state_dict()) == ["bias", "weight"]
    assert ours.weight is orig and ours._forward_pre_hooks == {}
    assert_same_forward(ours, theirs, (4, 6))


@pytest.mark.parametrize(
    ("size", "amount"), [(7, 3), (50, 20), (300, 3), (300, 150), (640, 10), (4096, 50), (4096, 1000)]
)
def test_l1_ties_are_broken_as_pytorch_topk_breaks_them(size, amount):
    """Equal magnitudes across the cut: PyTorch keeps what std::partial_sort (k * 64 <= n)
    or std::nth_element leaves in front (in general not the first of the equal ones); the
    same entries must be pruned."""
    rng = np.random.default_rng(size + amount)
    levels = rng.choice([-2.0, -1.0, 1.0, 2.0], size).astype(np.float32)
    levels[rng.integers(0, size, amount // 2 + 1)] = 0  # fewer zeros than pruned: the cut falls among the 1s
    levels = levels[None]

    def prune(lib):
        layer = lib.nn.Linear(size, 1)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(levels))
        lib.nn.utils.prune.l1_unstructured(layer, "weight", amount=amount)
        return layer.weight_mask.numpy()

    np.testing.assert_array_equal(prune(chainrule), prune(torch))


def test_pruning_again_after_remove_breaks_ties_among_zeros_as_pytorch():
    ours, theirs = same_model(lambda lib: lib.nn.Linear(20, 30))
    for _ in range(2):
        prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", amount=0.5))
        prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.remove(m, "weight"))
    prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.ln_structured(m, "weight", 0.6, n=1, dim=1))


CONV = (lambda lib: lib.nn.Conv2d(4, 8, 3), (2, 4, 6, 6))
LINEAR = (lambda lib: lib.nn.Linear(6, 8), (3, 6))


@pytest.mark.parametrize(
    ("layer", "n", "dim"),
    [(CONV, 2, 0), (CONV, 1, 1), (CONV, float("inf"), -1), (CONV, float("-inf"), 2), (LINEAR, "fro", 0)],
)
def test_ln_structured_prunes_the_channels_of_smallest_norm(layer, n, dim):
    make, shape = layer
    ours, theirs = same_model(make)
    prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.ln_structured(m, "weight", 0.5, n=n, dim=dim))
    prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", amount=0.25))
    prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.ln_structured(m, "weight", 1, n=n, dim=dim))
    assert_same_forward(ours, theirs, shape)


def test_ln_structured_ties_between_equal_channels_are_broken_as_pytorch():
    rows = np.repeat(np.array([[1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 2.0, 1.0]], np.float32).T, 3, axis=1)

    def prune(lib, amount):
        layer = lib.nn.Linear(3, 8)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(rows))
        lib.nn.utils.prune.ln_structured(layer, "weight", amount, n=2, dim=0)
        return layer.weight_mask.numpy()

    for amount in range(1, 8):
        np.testing.assert_array_equal(prune(chainrule, amount), prune(torch, amount))


def test_importance_scores_choose_what_l1_and_ln_prune():
    ours, theirs = same_model(lambda lib: lib.nn.Linear(5, 4))
    scores = np.random.default_rng(3).normal(size=(4, 5)).astype(np.float32)
    prune_both(
        ours,
        theirs,
        lambda lib, m: lib.nn.utils.prune.l1_unstructured(
            m, "weight", 7, importance_scores=lib.tensor(scores)
        ),
    )
    prune_both(
        ours,
        theirs,
        lambda lib, m: lib.nn.utils.prune.ln_structured(
            m, "weight", 2, 1, 1, importance_scores=lib.tensor(scores)
        ),
    )


def test_identity_custom_from_mask_and_prune_match_pytorch():
    ours, theirs = same_model(lambda lib: lib.nn.Linear(3, 4))
    prune_both(ours, theirs, lambda lib, m: lib.nn.utils.prune.identity(m, "bias"))
    prune_both(
        ours, theirs, lambda lib, m: lib.nn.utils.prune.custom_from_mask(m, "bias", lib.tensor([0, 1, 1, 0]))
    )
    prune_both(
        ours,
        theirs,
        lambda lib, m: lib.nn.utils.prune.custom_from_mask(m, "weight", lib.tensor([[1, 0, 1]] * 4)),
    )
    assert hook_names(ours) == ["PruningContainer", "CustomFromMask"]
    t = np.random.default_rng(4).normal(size=(3, 5)).astype(np.float32)
    for method in (
        "L1Unstructured(amount=6)",
        "LnStructured(2, n=1, dim=0)",
        "CustomFromMask(lib.eye(3, 5))",
    ):
        results = [
            eval(f"lib.nn.utils.prune.{method}", {"lib": lib}).prune(lib.tensor(t)).numpy()
            for lib in (chainrule, torch)
        ]
        np.testing.assert_array_equal(*results, err_msg=method)


def test_is_pruned_looks_through_submodules():
    model = chainrule.nn.Sequential(
        chainrule.nn.Linear(2, 2), chainrule.nn.Sequential(chainrule.nn.Linear(2, 2))
    )
    assert not chainrule.nn.utils.prune.is_pruned(model)
    chainrule.nn.utils.prune.identity(model[1][0], "weight")
    assert chainrule.nn.utils.prune.is_pruned(model)
    chainrule.nn.utils.prune.remove(model[1][0], "weight")
    assert not chainrule.nn.utils.prune.is_pruned(model)


# --- random pruning ---------------------------------------------------------------------


def test_random_unstructured_prunes_the_right_count_from_unpruned_entries_reproducibly():
    def pruned(seed):
        chainrule.manual_seed(seed)
        layer = chainrule.nn.Linear(10, 7)
        chainrule.nn.utils.prune.random_unstructured(layer, "weight", amount=0.25)
        first = layer.weight_mask.numpy().copy()
        chainrule.nn.utils.prune.random_unstructured(layer, "weight", amount=9)
        return first, layer.weight_mask.numpy()

    first, second = pruned(0)
    assert (first == 0).sum() == round(0.25 * 70) and (second == 0).sum() == 18 + 9
    assert np.all(second <= first)
    for ours, again in zip((first, second), pruned(0)):
        np.testing.assert_array_equal(ours, again)
    assert not np.array_equal(second, pruned(1)[1])


def test_random_structured_prunes_whole_channels_reproducibly():
    def pruned(seed, dim):
        chainrule.manual_seed(seed)
        layer = chainrule.nn.Conv2d(3, 10, 2)
        chainrule.nn.utils.prune.random_structured(layer, "weight", amount=0.3, dim=dim)
        chainrule.nn.utils.prune.random_structured(layer, "weight", amount=2, dim=dim)
        return layer.weight_mask.numpy()

    mask = pruned(0, 0)
    assert (mask.reshape(10, -1).max(1) == 0).sum() == 3 + 2
    assert set(np.unique(mask.reshape(10, -1).sum(1))) == {0, 12}
    np.testing.assert_array_equal(mask, pruned(0, 0))
    mask = pruned(0, 1)
    assert (mask.transpose(1, 0, 2, 3).reshape(3, -1).max(1) == 0).sum() == 1 + 2


# --- gradients and training -------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "shape"),
    [(lambda lib: lib.nn.Linear(6, 4), (5, 6)), (lambda lib: lib.nn.Conv2d(3, 4, 3), (2, 3, 6, 6))],
)
def test_gradient_reaches_weight_orig_zeroed_where_masked(make, shape):
    ours, theirs = same_model(make)

    def prune(lib, model):
        lib.nn.utils.prune.l1_unstructured(model, "weight", amount=0.4)
        lib.nn.utils.prune.ln_structured(model, "weight", amount=1, n=2, dim=0)
        lib.nn.utils.prune.l1_unstructured(model, "bias", amount=1)

    prune_both(ours, theirs, prune)
    x = np.random.default_rng(5).uniform(-1, 1, shape).astype(np.float32)
    for lib, model in ((chainrule, ours), (torch, theirs)):
        (model(lib.tensor(x)) ** 2).sum().backward()
    for name in ("weight_orig", "bias_orig"):
        grad = getattr(ours, name).grad.numpy()
        assert_close(grad, getattr(theirs, name).grad.numpy(), 1e-4, 1e-6, name)
        assert np.all(grad[getattr(ours, name.replace("orig", "mask")).numpy() == 0] == 0)


def test_sgd_steps_keep_pruned_entries_zero_in_the_effective_weight():
    ours, theirs = same_model(lenet, seed=3)

    def prune(lib, model):
        lib.nn.utils.prune.l1_unstructured(model.conv2, "weight", amount=0.5)
        lib.nn.utils.prune.ln_structured(model.fc1, "weight", amount=0.3, n=1, dim=0)

    prune_both(ours, theirs, prune)
    x = np.random.default_rng(6).uniform(-1, 1, (4, 1, 28, 28)).astype(np.float32)
    target = np.arange(4) % 10
    for lib, model in ((chainrule, ours), (torch, theirs)):
        optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            optimizer.zero_grad()
            lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(target)).backward()
            optimizer.step()
        model(lib.tensor(x))
    for name, param in theirs.named_parameters():
        assert_close(ours.get_parameter(name).detach().numpy(), param.detach().numpy(), 1e-4, 1e-5, name)
    for layer in (ours.conv2, ours.fc1):
        assert np.all(layer.weight.detach().numpy()[layer.weight_mask.numpy() == 0] == 0)


def test_a_pruned_state_dict_loads_into_pytorch_and_back():
    ours, theirs = same_model(lenet, seed=4)
    chainrule.manual_seed(0)
    torch.manual_seed(0)
    for lib, model in ((chainrule, ours), (torch, theirs)):
        lib.nn.utils.prune.random_unstructured(model.fc1, "weight", amount=0.5)
        lib.nn.utils.prune.l1_unstructured(model.fc2, "bias", amount=10)
    theirs.load_state_dict({name: torch.tensor(value.numpy()) for name, value in ours.state_dict().items()})
    theirs(torch.zeros(1, 1, 28, 28))  # the pre-hooks recompute the pruned weights
    ours(chainrule.zeros(1, 1, 28, 28))
    assert_same_state(ours, theirs)
    assert_same_forward(ours, theirs, (2, 1, 28, 28))
    torch.nn.utils.prune.random_unstructured(theirs.fc1, "weight", amount=0.5)
    copy_weights(theirs, ours)  # chainrule's model must still be pruned twice to load it
    chainrule.nn.utils.prune.random_unstructured(ours.fc1, "weight", amount=0.5)
    copy_weights(theirs, ours)
    ours(chainrule.zeros(1, 1, 28, 28))
    theirs(torch.zeros(1, 1, 28, 28))
    assert_same_forward(ours, theirs, (2, 1, 28, 28))


# --- hooks ----------------------------------------------------------------------------------


def test_pruning_hooks_run_in_pytorch_order_among_other_pre_hooks():
    def scenario(lib):
        layer = lib.nn.Linear(4, 3)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(np.arange(12, dtype=np.float32).reshape(3, 4) - 5))
            layer.bias.zero_()
        seen = []

        def watch(tag):
            return lambda module, args: seen.append((tag, float(module.weight.detach().abs().sum())))

        layer.register_forward_pre_hook(watch("before"))
        lib.nn.utils.prune.l1_unstructured(layer, "weight", amount=3)
        layer.register_forward_pre_hook(watch("after"))
        layer.register_forward_pre_hook(watch("first"), prepend=True)
        handle = layer.register_forward_pre_hook(
            lambda m, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True
        )
        order = [hook_names(layer)]
        out = layer(lib.ones(1, 4))
        lib.nn.utils.prune.l1_unstructured(layer, "weight", amount=3)  # the container goes last
        order.append(hook_names(layer))
        handle.remove()
        layer(lib.ones(1, 4))
        lib.nn.utils.prune.remove(layer, "weight")
        order.append(hook_names(layer))
        return order, seen, out.detach().numpy().tolist()

    ours, theirs = scenario(chainrule), scenario(torch)
    assert ours == theirs


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "message"),
    [
        (
            lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", amount=1.5),
            "should either be a float",
        ),
        (lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", amount=-0.1), "in the range [0, 1]"),
        (
            lambda lib, m: lib.nn.utils.prune.random_unstructured(m, "weight", amount=-1),
            "non-negative integer",
        ),
        (
            lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", amount="half"),
            "Invalid type for amount",
        ),
        (
            lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", amount=13),
            "smaller than the number",
        ),
        (
            lambda lib, m: lib.nn.utils.prune.ln_structured(m, "weight", 4, n=2, dim=0),
            "smaller than the number",
        ),
        (
            lambda lib, m: lib.nn.utils.prune.random_structured(m, "bias", 1, dim=0),
            "multidimensional tensors",
        ),
        (lambda lib, m: lib.nn.utils.prune.ln_structured(m, "weight", 1, n=2, dim=2), "Invalid index 2"),
        (lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "kernel", amount=1), "kernel"),
        (
            lambda lib, m: lib.nn.utils.prune.remove(m, "weight"),
            "has to be pruned before pruning can be removed",
        ),
        (
            lambda lib, m: lib.nn.utils.prune.l1_unstructured(m, "weight", 1, importance_scores=lib.ones(2)),
            "importance_scores should have the same shape",
        ),
        (
            lambda lib, m: lib.nn.utils.prune.global_unstructured(
                [(m, "weight")], lib.nn.utils.prune.LnStructured, amount=1, n=2
            ),
            'Only "unstructured" PRUNING_TYPE',
        ),
        (
            lambda lib, m: lib.nn.utils.prune.global_unstructured(
                3, lib.nn.utils.prune.L1Unstructured, amount=1
            ),
            "not an Iterable",
        ),
        (
            lambda lib, m: lib.nn.utils.prune.global_unstructured(
                [(m, "weight")], lib.nn.utils.prune.L1Unstructured, importance_scores=[], amount=1
            ),
            "must be of type dict",
        ),
    ],
)
def test_bad_arguments_raise_pytorch_errors_and_leave_the_module_unpruned(how, message):
    ours, theirs = same_model(lambda lib: lib.nn.Linear(4, 3))
    models = {chainrule: ours, torch: theirs}
    assert_same_error(lambda lib: how(lib, models[lib]), message)
    assert_same_state(ours, theirs)
    assert hook_names(ours) == hook_names(theirs) == []


def test_pruning_container_checks_what_it_is_given():
    for lib in (chainrule, torch):
        method = lib.nn.utils.prune.L1Unstructured(amount=1)
        method._tensor_name = "weight"
        container = lib.nn.utils.prune.PruningContainer(method)
        assert len(container) == 1 and container[0] is method and list(container) == [method]
    assert_same_error(lambda lib: lib.nn.utils.prune.PruningContainer(object()), None)

    def wrong_tensor(lib):
        first, second = lib.nn.utils.prune.Identity(), lib.nn.utils.prune.Identity()
        first._tensor_name, second._tensor_name = "weight", "bias"
        lib.nn.utils.prune.PruningContainer(first).add_pruning_method(second)

    assert_same_error(wrong_tensor, "Can only add pruning methods acting on the parameter named 'weight'")

    def not_a_method(lib):
        first = lib.nn.utils.prune.Identity()
        first._tensor_name = "weight"
        lib.nn.utils.prune.PruningContainer(first).add_pruning_method(3)

    assert_same_error(not_a_method, "is not a BasePruningMethod subclass")
