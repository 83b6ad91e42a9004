"""``chainrule.amp.GradScaler`` follows PyTorch 2.13's CPU GradScaler step for step: the
same scales, skipped steps, parameters and state_dict on the same gradients, and the
same errors."""

import math
import warnings

import numpy as np
import pytest

import chainrule

from oracle import assert_same_error, requires_torch, same_as_torch

pytestmark = requires_torch

INPUTS = np.random.default_rng(0).uniform(-1, 1, (8, 4, 3)).astype(np.float32)
TARGETS = np.random.default_rng(1).uniform(-1, 1, (8, 4, 2)).astype(np.float32)


def model_and_optimizer(lib, optimizer="SGD"):
    layer = lib.nn.Linear(3, 2)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor([[0.3, -0.2, 0.1], [0.05, 0.4, -0.3]]))
        layer.bias.copy_(lib.tensor([0.1, -0.1]))
    if optimizer == "SGD":
        return layer, lib.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    return layer, lib.optim.Adam(layer.parameters(), lr=0.01)


def trajectory(
    lib, optimizer="SGD", inf_steps=(2,), nan_steps=(5,), explicit_unscale=False, **scaler_options
):
    """Scale, growth tracker, step result and parameters after each of 8 steps; an inf
    (or NaN) is put into a gradient at ``inf_steps`` (``nan_steps``)."""
    layer, opt = model_and_optimizer(lib, optimizer)
    scaler = lib.amp.GradScaler("cpu", **scaler_options)
    history = []
    for step in range(len(INPUTS)):
        opt.zero_grad()
        loss = ((layer(lib.tensor(INPUTS[step])) - lib.tensor(TARGETS[step])) ** 2).mean()
        scaler.scale(loss).backward()
        if step in inf_steps:
            layer.weight.grad[0, 1] = math.inf
        if step in nan_steps:
            layer.bias.grad[1] = math.nan
        if explicit_unscale:
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_(layer.parameters(), 0.5)
        result = scaler.step(opt)
        scaler.update()
        history.append(
            (
                scaler.get_scale(),
                scaler.state_dict(),
                result,
                layer.weight.detach().clone(),
                layer.bias.detach().clone(),
            )
        )
    return history


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("growth_interval", [1, 2, 3, 2000])
def test_scales_skipped_steps_and_parameters_follow_pytorchs(optimizer, growth_interval):
    same_as_torch(
        lambda lib: trajectory(lib, optimizer, init_scale=2.0**10, growth_interval=growth_interval), rtol=1e-5
    )


def test_unscaled_gradients_can_be_clipped_before_the_step():
    same_as_torch(lambda lib: trajectory(lib, explicit_unscale=True, growth_interval=2), rtol=1e-5)


def test_other_growth_and_backoff_factors_follow_pytorchs():
    same_as_torch(
        lambda lib: trajectory(
            lib, init_scale=3.0, growth_factor=3.0, backoff_factor=0.25, growth_interval=2
        ),
        rtol=1e-5,
    )


def test_a_scale_that_would_overflow_float32_is_not_grown():
    same_as_torch(lambda lib: trajectory(lib, inf_steps=(), nan_steps=(), init_scale=3e38, growth_interval=1))


def test_the_first_unscale_divides_the_gradients_by_the_scale():
    def scenario(lib):
        layer, opt = model_and_optimizer(lib)
        scaler = lib.amp.GradScaler("cpu", init_scale=3.0)
        scaled = scaler.scale(layer(lib.ones(2, 3)).sum())
        scaled.backward()
        before = layer.weight.grad.clone()
        scaler.unscale_(opt)
        return scaled, before, layer.weight.grad

    same_as_torch(scenario)


def test_scale_multiplies_lists_and_tuples_of_tensors():
    same_as_torch(
        lambda lib: lib.amp.GradScaler("cpu", init_scale=4.0).scale(
            [lib.ones(2), (lib.ones(1), lib.ones(3, 2))]
        )
    )


def test_scale_of_something_not_a_tensor_is_a_value_error():
    assert_same_error(lambda lib: lib.amp.GradScaler("cpu").scale(3.0), "outputs must be a Tensor")


def test_a_float64_loss_stays_float64_when_scaled():
    same_as_torch(lambda lib: lib.amp.GradScaler("cpu").scale(lib.ones(2, dtype=lib.float64)))


def test_state_dict_round_trips_into_a_new_scaler():
    def scenario(lib):
        history = trajectory(lib, growth_interval=3)
        restored = lib.amp.GradScaler("cpu")
        restored.load_state_dict(history[-1][1])
        before_scale = restored.state_dict()
        restored.scale(lib.ones(1))
        return before_scale, restored.state_dict(), restored.get_scale()

    same_as_torch(scenario)


def test_load_state_dict_refuses_an_empty_dict():
    assert_same_error(
        lambda lib: lib.amp.GradScaler("cpu").load_state_dict({}), "The source state dict is empty"
    )


def test_update_with_a_new_scale_sets_it():
    def scenario(lib):
        layer, opt = model_and_optimizer(lib)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(layer(lib.ones(1, 3)).sum()).backward()
        scaler.step(opt)
        scaler.update(8.0)
        first = scaler.get_scale()
        scaler.update(lib.tensor(2.0))
        return first, scaler.get_scale()

    same_as_torch(scenario)


def ready_scaler(lib):
    layer, opt = model_and_optimizer(lib)
    scaler = lib.amp.GradScaler("cpu")
    scaler.scale(layer(lib.ones(1, 3)).sum()).backward()
    return scaler, opt


def test_unscale_twice_before_update_is_a_runtime_error():
    def scenario(lib):
        scaler, opt = ready_scaler(lib)
        scaler.unscale_(opt)
        scaler.unscale_(opt)

    assert_same_error(
        scenario, "unscale_() has already been called on this optimizer since the last update()."
    )


def test_unscale_after_step_is_a_runtime_error():
    def scenario(lib):
        scaler, opt = ready_scaler(lib)
        scaler.step(opt)
        scaler.unscale_(opt)

    assert_same_error(scenario, "unscale_() is being called after step().")


def test_step_twice_before_update_is_a_runtime_error():
    def scenario(lib):
        scaler, opt = ready_scaler(lib)
        scaler.step(opt)
        scaler.step(opt)

    assert_same_error(scenario, "step() has already been called since the last update().")


def test_step_with_a_closure_is_a_runtime_error():
    assert_same_error(
        lambda lib: ready_scaler(lib)[0].step(ready_scaler(lib)[1], closure=lambda: 0.0),
        "Closure use is not currently supported if GradScaler is enabled.",
    )


def test_update_without_a_step_is_an_assertion_error():
    assert_same_error(
        lambda lib: ready_scaler(lib)[0].update(), "No inf checks were recorded prior to update."
    )


def test_step_before_scale_is_an_assertion_error():
    assert_same_error(
        lambda lib: lib.amp.GradScaler("cpu").step(model_and_optimizer(lib)[1]),
        "Attempted step but _scale is None.",
    )


def test_float16_gradients_cannot_be_unscaled():
    def scenario(lib):
        weight = lib.ones(2, dtype=lib.float16, requires_grad=True)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale((weight * 2).sum()).backward()
        scaler.unscale_(lib.optim.SGD([weight], lr=0.1))

    assert_same_error(scenario, "Attempting to unscale FP16 gradients.")


@pytest.mark.parametrize("factors", [{"growth_factor": 1.0}, {"backoff_factor": 1.0}])
def test_growth_and_backoff_factors_are_checked(factors):
    assert_same_error(lambda lib: lib.amp.GradScaler("cpu", **factors), "factor must be")


def test_a_disabled_scaler_passes_everything_through():
    def scenario(lib):
        layer, opt = model_and_optimizer(lib)
        scaler = lib.amp.GradScaler("cpu", enabled=False)
        loss = layer(lib.ones(1, 3)).sum()
        assert scaler.scale(loss) is loss
        loss.backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        return scaler.get_scale(), scaler.state_dict(), scaler.is_enabled(), layer.weight.detach()

    same_as_torch(scenario)


def test_the_default_cuda_scaler_warns_and_disables_itself_without_cuda():
    def scenario(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scaler = lib.amp.GradScaler()
        return scaler.is_enabled(), ["CUDA is not available.  Disabling." in str(w.message) for w in caught]

    same_as_torch(scenario)


def test_the_getters_and_setters_of_the_factors():
    def scenario(lib):
        scaler = lib.amp.GradScaler("cpu", growth_factor=3.0, backoff_factor=0.25, growth_interval=7)
        before = (scaler.get_growth_factor(), scaler.get_backoff_factor(), scaler.get_growth_interval())
        scaler.set_growth_factor(4.0)
        scaler.set_backoff_factor(0.125)
        scaler.set_growth_interval(9)
        return before, scaler.state_dict()

    same_as_torch(scenario)


def test_a_device_chainrule_cannot_run_on_is_refused():
    with pytest.raises(RuntimeError, match="chainrule runs on the CPU only"):
        chainrule.amp.GradScaler("mps")


@pytest.mark.parametrize("name", ["GradScaler", "autocast"])
def test_the_cuda_amp_spellings_warn_as_pytorch_and_are_disabled_without_cuda(name):
    with pytest.warns(FutureWarning, match=rf"`torch.cuda.amp.{name}\(args...\)` is deprecated"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning)
            tool = getattr(chainrule.cuda.amp, name)(enabled=True)
    if name == "GradScaler":
        layer = chainrule.nn.Linear(2, 1)
        loss = layer(chainrule.ones(1, 2)).sum()
        assert not tool.is_enabled() and tool.scale(loss) is loss
    else:
        with tool:
            assert chainrule.ones(2).dtype == chainrule.float32
