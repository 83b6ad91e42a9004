"""Lazy layers (LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*) and
UninitializedParameter / UninitializedBuffer against PyTorch."""

import copy

import numpy as np
import pytest

import chainrule

from module_oracle import assert_uniform, check_module, copy_weights
from oracle import assert_equal, assert_same_error, random_inputs, requires_torch, same_as_torch, torch


def mlp(m):
    """The d2l.ai MLP: the input size is never written down."""
    return m.nn.Sequential(m.nn.LazyLinear(256), m.nn.ReLU(), m.nn.LazyLinear(10))


def lenet(m):
    """The d2l.ai LeNet, all of its layers lazy."""
    nn = m.nn
    return nn.Sequential(
        nn.LazyConv2d(6, kernel_size=5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.LazyConv2d(16, kernel_size=5),
        nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.LazyLinear(120),
        nn.Sigmoid(),
        nn.LazyLinear(84),
        nn.Sigmoid(),
        nn.LazyLinear(10),
    )


def dry_run(m, net, shape):
    """One forward on a batch of ``shape``, as d2l does to fix the shapes."""
    net(m.zeros(*shape))
    return net


# --- the d2l.ai scripts ------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("make, shape", [(mlp, (4, 20)), (lenet, (2, 1, 28, 28))], ids=["mlp", "lenet"])
def test_d2l_networks_give_pytorchs_outputs_and_gradients_on_pytorchs_weights(make, shape):
    check_module(lambda m: dry_run(m, make(m), shape), [shape], atol=1e-5)


@requires_torch
def test_d2l_lenet_layer_shapes_and_classes_are_pytorchs_after_the_dry_run():
    def scenario(m):
        net = lenet(m)
        x = m.zeros(2, 1, 28, 28)
        shapes = []
        for layer in net:
            x = layer(x)
            shapes.append((type(layer).__name__, tuple(x.shape)))
        params = {name: tuple(p.shape) for name, p in net.named_parameters()}
        return shapes, params, repr(net)

    shapes, _, text = same_as_torch(scenario)
    assert shapes[0] == ("Conv2d", (2, 6, 28, 28)) and shapes[-1] == ("Linear", (2, 10))
    assert "Lazy" not in text


@requires_torch
def test_d2l_apply_init_after_the_dry_run_reaches_the_materialised_layers():
    def scenario(m):
        net = dry_run(m, lenet(m), (1, 1, 28, 28))

        def init_cnn(module):  # d2l's test: type(m) is the plain class once materialised
            if type(module) is m.nn.Linear or type(module) is m.nn.Conv2d:
                m.nn.init.constant_(module.weight, 0.01)
                m.nn.init.zeros_(module.bias)

        net.apply(init_cnn)
        x = m.linspace(-1, 1, 2 * 28 * 28).reshape(2, 1, 28, 28)
        out = net(x)
        out.sum().backward()
        return out, [p.grad for p in net.parameters()]

    same_as_torch(scenario)


# --- materialisation ---------------------------------------------------------------------------

LAYERS = [
    ("LazyLinear(3)", lambda nn: nn.LazyLinear(3), (4, 5)),
    ("LazyLinear(3, bias=False), unbatched", lambda nn: nn.LazyLinear(3, bias=False), (5,)),
    ("LazyLinear(3), leading dims", lambda nn: nn.LazyLinear(3), (2, 4, 5)),
    ("LazyConv1d", lambda nn: nn.LazyConv1d(4, 3, stride=2), (2, 6, 9)),
    ("LazyConv1d, unbatched", lambda nn: nn.LazyConv1d(4, 3), (6, 9)),
    ("LazyConv2d, groups", lambda nn: nn.LazyConv2d(4, (3, 2), padding=1, groups=2), (2, 6, 5, 7)),
    ("LazyConv2d, unbatched", lambda nn: nn.LazyConv2d(4, 3, bias=False), (3, 5, 5)),
    ("LazyConvTranspose1d", lambda nn: nn.LazyConvTranspose1d(4, 3, stride=2), (2, 6, 5)),
    ("LazyConvTranspose2d, groups", lambda nn: nn.LazyConvTranspose2d(4, 3, groups=2), (1, 6, 5, 5)),
    ("LazyBatchNorm1d", lambda nn: nn.LazyBatchNorm1d(), (4, 3)),
    ("LazyBatchNorm1d, 3d", lambda nn: nn.LazyBatchNorm1d(momentum=None), (4, 3, 5)),
    ("LazyBatchNorm1d, no stats", lambda nn: nn.LazyBatchNorm1d(track_running_stats=False), (4, 3)),
    ("LazyBatchNorm2d", lambda nn: nn.LazyBatchNorm2d(), (2, 3, 4, 4)),
    ("LazyBatchNorm2d, no affine", lambda nn: nn.LazyBatchNorm2d(affine=False), (2, 3, 4, 4)),
    ("LazyBatchNorm2d, no bias", lambda nn: nn.LazyBatchNorm2d(bias=False), (2, 3, 4, 4)),
]


@requires_torch
@pytest.mark.parametrize("make, shape", [case[1:] for case in LAYERS], ids=[case[0] for case in LAYERS])
def test_lazy_layers_infer_pytorchs_shapes_and_become_the_plain_class(make, shape):
    def scenario(m):
        layer = make(m.nn)
        before = (repr(layer), type(layer).__name__, layer.has_uninitialized_params())
        out = layer(m.zeros(*shape))
        state = {name: tuple(t.shape) for name, t in layer.state_dict().items()}
        plain = type(layer) in (
            m.nn.Linear,
            m.nn.Conv1d,
            m.nn.Conv2d,
            m.nn.ConvTranspose1d,
            m.nn.ConvTranspose2d,
            m.nn.BatchNorm1d,
            m.nn.BatchNorm2d,
        )
        return before, tuple(out.shape), state, repr(layer), plain, hasattr(layer, "has_uninitialized_params")

    before, _, _, after, plain, lazy_api_left = same_as_torch(scenario)
    assert before[2] and plain and not lazy_api_left and "Lazy" not in after


@requires_torch
@pytest.mark.parametrize("make, shape", [case[1:] for case in LAYERS], ids=[case[0] for case in LAYERS])
def test_materialised_lazy_layers_match_pytorch_on_its_weights(make, shape):
    check_module(lambda m: dry_run(m, make(m.nn), shape), [shape])


@requires_torch
def test_materialised_parameters_get_pytorchs_default_initialisation():
    layer = dry_run(chainrule, chainrule.nn.LazyLinear(300), (2, 50))
    assert_uniform(layer.weight.detach().numpy(), 1 / np.sqrt(50))
    assert_uniform(layer.bias.detach().numpy(), 1 / np.sqrt(50))
    conv = dry_run(chainrule, chainrule.nn.LazyConv2d(64, 3), (1, 8, 5, 5))
    assert_uniform(conv.weight.detach().numpy(), 1 / np.sqrt(8 * 9))

    def batch_norm_state(m):  # deterministic: ones, zeros and the first batch's statistics
        bn = m.nn.LazyBatchNorm2d()
        bn(m.linspace(-1, 2, 2 * 3 * 4).reshape(2, 3, 2, 2))
        return dict(bn.state_dict())

    same_as_torch(batch_norm_state)


@requires_torch
def test_parameters_are_materialised_in_place_and_keep_the_module_dtype():
    def scenario(m):
        layer = m.nn.LazyLinear(2)
        weight = layer.weight
        layer.double()
        layer(m.zeros(3, 4, dtype=m.float64))
        return layer.weight is weight, type(weight) is m.nn.Parameter, weight.dtype, layer.bias.dtype

    assert same_as_torch(scenario)[:2] == (True, True)


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_an_optimizer_made_before_the_first_forward_trains_like_pytorchs(name):
    # PyTorch draws the weights (copied into chainrule's): not from the suite's leftover state
    torch.manual_seed(0)
    x, y = random_inputs([(8, 5), (8, 10)], seed=3)
    nets = {}
    for m in (torch, chainrule):
        net = mlp(m)
        options = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.01}
        optimizer = getattr(m.optim, name)(net.parameters(), **options)
        net(m.tensor(x))
        assert optimizer.param_groups[0]["params"][0] is net[0].weight
        nets[m] = (net, optimizer)
    copy_weights(nets[torch][0], nets[chainrule][0])  # in place: the optimizer still holds them
    for step in range(3):
        results = {}
        for m, (net, optimizer) in nets.items():
            optimizer.zero_grad()
            loss = ((net(m.tensor(x)) - m.tensor(y)) ** 2).mean()
            loss.backward()
            optimizer.step()
            results[m] = [loss.item()] + [p.detach().numpy() for p in net.parameters()]
        for ours, theirs in zip(results[chainrule], results[torch]):
            np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6, err_msg=f"step {step}")


def test_a_materialised_lazy_network_passes_gradcheck_to_second_order():
    net = dry_run(chainrule, chainrule.nn.Sequential(chainrule.nn.LazyLinear(3), chainrule.nn.Tanh()), (2, 4))
    net = net.double()
    x = chainrule.randn(2, 4, dtype=chainrule.float64, requires_grad=True)
    w, b = net[0].weight, net[0].bias

    def f(x, w, b):
        return chainrule.tanh(chainrule.nn.functional.linear(x, w, b))

    assert chainrule.autograd.gradcheck(f, (x, w, b))
    assert chainrule.autograd.gradgradcheck(f, (x, w, b))
    assert net[0].weight.shape == (3, 4)


# --- uninitialised parameters ------------------------------------------------------------------


@requires_torch
def test_uninitialized_parameters_and_buffers_show_what_pytorchs_do():
    def scenario(m):
        p = m.nn.UninitializedParameter()
        b = m.nn.UninitializedBuffer(dtype=m.float64)
        layer = m.nn.LazyLinear(3)
        return (
            repr(p),
            str(p),
            p.requires_grad,
            p.dtype,
            p.size(),
            p.is_floating_point(),
            p.grad,
            isinstance(p, m.nn.Parameter),
            repr(b),
            b.requires_grad,
            b.dtype,
            b.persistent,
            [type(t).__name__ for t in layer.parameters()],
        )

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "use",
    [
        lambda m, p: p.numel(),
        lambda m, p: p + 1,
        lambda m, p: m.relu(p),
        lambda m, p: p.detach(),
        lambda m, p: p.dim(),
        lambda m, p: p[0],
        lambda m, p: p.numpy(),
        lambda m, p: p.requires_grad_(False),
        lambda m, p: m.nn.init.normal_(p),
        lambda m, p: m.nn.init.zeros_(p),
        lambda m, p: p.shape,
    ],
    ids=[
        "numel",
        "add",
        "relu",
        "detach",
        "dim",
        "index",
        "numpy",
        "requires_grad_",
        "normal_",
        "zeros_",
        "shape",
    ],
)
def test_using_an_uninitialized_parameter_raises_pytorchs_error(use):
    assert_same_error(lambda m: use(m, m.nn.LazyLinear(3).weight))


@requires_torch
def test_counting_or_using_the_parameters_before_the_dry_run_raises_like_pytorch():
    assert_same_error(lambda m: sum(p.numel() for p in mlp(m).parameters()), "uninitialized parameter")
    assert_same_error(lambda m: mlp(m)[0].weight.shape, "Can't access the shape")
    assert_same_error(lambda m: dry_run(m, m.nn.LazyLinear(3), (2, 4)).has_uninitialized_params())


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.nn.LazyLinear(3)(m.tensor(1.0)),
        lambda m: m.nn.LazyConv2d(4, 3)(m.zeros(5, 5)),
        lambda m: m.nn.LazyConv1d(4, 3)(m.zeros(2, 1, 3, 5)),
        lambda m: m.nn.LazyConv2d(4, 3, groups=2)(m.zeros(1, 3, 5, 5)),
        lambda m: m.nn.LazyBatchNorm1d()(m.zeros(4)),
        lambda m: m.nn.LazyBatchNorm2d()(m.zeros(4, 3)),
        lambda m: m.nn.LazyLinear(3)(m.zeros(2, 4, dtype=m.float64)),
        lambda m: m.nn.modules.lazy.LazyModuleMixin.initialize_parameters(m.nn.LazyLinear(3)),
    ],
    ids=[
        "linear-0d",
        "conv2d-2d",
        "conv1d-4d",
        "groups",
        "batchnorm1d-1d",
        "batchnorm2d-2d",
        "dtype",
        "mixin",
    ],
)
def test_bad_first_inputs_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)


@requires_torch
def test_a_layer_that_failed_its_checks_after_materialising_is_materialised_like_pytorchs():
    def scenario(m):
        bn = m.nn.LazyBatchNorm2d()
        with pytest.raises(ValueError):
            bn(m.zeros(4, 3))
        return type(bn).__name__, bn.num_features, tuple(bn.weight.shape)

    same_as_torch(scenario)


def test_deepcopy_of_a_lazy_module_is_lazy_and_independent():
    layer = chainrule.nn.LazyLinear(3)
    twin = copy.deepcopy(layer)
    twin(chainrule.zeros(2, 4))
    assert type(twin) is chainrule.nn.Linear and twin.weight.shape == (3, 4)
    assert type(layer) is chainrule.nn.LazyLinear and layer.has_uninitialized_params()


# --- state_dict --------------------------------------------------------------------------------


@requires_torch
def test_state_dict_before_the_dry_run_holds_the_uninitialized_tensors_like_pytorchs():
    def scenario(m):
        net = m.nn.Sequential(m.nn.LazyLinear(3), m.nn.LazyBatchNorm1d())
        state = net.state_dict()
        kept = net.state_dict(keep_vars=True)
        return (
            list(state),
            [repr(v) for v in state.values()],
            state["0.weight"] is net[0].weight,
            kept["1.running_mean"] is net[1].running_mean,
            state["1.num_batches_tracked"],
        )

    same_as_torch(scenario)


@requires_torch
def test_loading_a_materialised_state_into_a_lazy_module_materialises_it_like_pytorch():
    source = dry_run(torch, mlp(torch), (2, 7))
    x = random_inputs([(3, 7)])[0]

    def scenario(m):
        net = mlp(m)
        state = {k: m.tensor(v.numpy()) for k, v in source.state_dict().items()}
        result = net.load_state_dict(state)
        loaded = (
            repr(result),
            type(net[0]).__name__,
            net[0].has_uninitialized_params(),
            net[0].in_features,
            type(net[0].weight).__name__,
            net[0].weight,
        )
        out = net(m.tensor(x))  # the loaded values stay: no reset at the dry run
        return loaded, out, type(net[0]).__name__, net[0].in_features, net[2].weight

    same_as_torch(scenario)


@requires_torch
def test_a_loaded_lazy_linear_checks_the_first_input_against_the_loaded_shape():
    def scenario(m):
        layer = m.nn.LazyLinear(3)
        layer.load_state_dict(m.nn.Linear(4, 3).state_dict())
        return layer(m.zeros(2, 5))

    assert_same_error(scenario, "The in_features inferred from input: 5")


@requires_torch
def test_state_dict_round_trip_through_a_lazy_network_gives_the_same_outputs():
    x = random_inputs([(2, 1, 28, 28)])[0]
    trained = dry_run(chainrule, lenet(chainrule), (1, 1, 28, 28))
    fresh = lenet(chainrule)
    fresh.load_state_dict(trained.state_dict())
    np.testing.assert_array_equal(
        fresh(chainrule.tensor(x)).detach().numpy(), trained(chainrule.tensor(x)).detach().numpy()
    )
    assert [type(layer) for layer in fresh] == [type(layer) for layer in trained]
    theirs = lenet(torch)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in trained.state_dict().items()})
    np.testing.assert_allclose(
        theirs(torch.tensor(x)).detach().numpy(),
        trained(chainrule.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


@requires_torch
def test_loading_lazy_state_into_a_lazy_module_leaves_it_lazy_like_pytorch():
    def scenario(m):
        layer = m.nn.LazyLinear(3)
        result = layer.load_state_dict(m.nn.LazyLinear(3).state_dict())
        return repr(result), type(layer).__name__, layer.has_uninitialized_params()

    same_as_torch(scenario)


@requires_torch
def test_loading_lazy_state_into_a_materialised_module_raises_like_pytorch():
    assert_same_error(
        lambda m: m.nn.Linear(4, 3).load_state_dict(m.nn.LazyLinear(3).state_dict()), "Can't access the shape"
    )


@requires_torch
def test_loading_with_strict_false_materialises_only_the_keys_given_like_pytorch():
    weight = np.arange(12, dtype=np.float32).reshape(3, 4)

    def scenario(m):
        layer = m.nn.LazyLinear(3)
        result = layer.load_state_dict({"weight": m.tensor(weight)}, strict=False)
        return (
            tuple(result.missing_keys),
            type(layer.weight).__name__,
            type(layer.bias).__name__,
            layer.weight,
        )

    same_as_torch(scenario)


def test_a_failed_strict_load_leaves_the_lazy_module_unchanged():
    # deliberate: chainrule's load_state_dict changes nothing when it raises (PyTorch
    # materialises the keys it found before reporting the missing ones)
    layer = chainrule.nn.LazyLinear(3)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        layer.load_state_dict({"weight": chainrule.ones(3, 4)})
    assert type(layer.weight) is chainrule.nn.UninitializedParameter


@requires_torch
def test_assign_loading_into_a_lazy_module_takes_the_checkpoints_tensors_like_pytorch():
    def scenario(m):
        layer = m.nn.LazyLinear(2)
        layer.load_state_dict({"weight": m.ones(2, 3), "bias": m.zeros(2)}, assign=True)
        return type(layer.weight).__name__, layer.has_uninitialized_params(), layer(m.ones(1, 3))

    assert_equal(*[scenario(m) for m in (chainrule, torch)])
