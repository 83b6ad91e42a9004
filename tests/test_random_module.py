"""chainrule.random (torch.random): the top-level seeding functions under PyTorch's
module name, and fork_rng, which puts the default generator back after its block.

chainrule's streams differ from PyTorch's, so parity is checked on what a script
can observe: whether draws repeat, not the numbers drawn."""

import pytest

import chainrule

from oracle import raises_like_torch, requires_torch, same_as_torch, torch


@pytest.fixture(autouse=True)
def reseed_afterwards():
    yield
    chainrule.manual_seed(0)


@pytest.mark.parametrize(
    "name", ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "default_generator"]
)
def test_random_module_holds_the_top_level_objects_themselves(name):
    assert getattr(chainrule.random, name) is getattr(chainrule, name)


@requires_torch
def test_random_module_has_pytorchs_public_names():
    wanted = {"fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"}
    assert wanted <= set(dir(torch.random)) and wanted <= set(dir(chainrule.random))


@requires_torch
def test_manual_seed_returns_the_default_generator_and_initial_seed_reads_it_back_as_pytorch():
    def scenario(lib):
        generator = lib.random.manual_seed(1234)
        return generator is lib.random.default_generator, lib.random.initial_seed()

    same_as_torch(scenario)


@requires_torch
def test_seed_draws_a_new_seed_that_initial_seed_reports_as_pytorch():
    def scenario(lib):
        drawn = lib.random.seed()
        return type(drawn), drawn == lib.random.initial_seed(), drawn >= 0

    same_as_torch(scenario)


@requires_torch
def test_rng_state_round_trip_repeats_the_draws_as_pytorch():
    def scenario(lib):
        lib.random.manual_seed(7)
        state = lib.random.get_rng_state()
        first = lib.rand(5)
        lib.random.set_rng_state(state)
        return (
            state.dtype,
            state.dim(),
            bool((lib.rand(5) == first).all()),
            bool((lib.rand(5) == first).all()),
        )

    same_as_torch(scenario)


@requires_torch
def test_fork_rng_restores_the_stream_after_its_block_as_pytorch():
    def scenario(lib):
        lib.random.manual_seed(3)
        with lib.random.fork_rng():
            inside = lib.randn(4)
            lib.random.manual_seed(99)
            lib.randn(100)
        after = lib.randn(4)
        lib.random.manual_seed(3)
        return bool((after == inside).all()), bool((lib.randn(4) == after).all()), lib.random.initial_seed()

    same_as_torch(scenario)


@requires_torch
def test_fork_rng_restores_the_state_when_its_block_raises_as_pytorch():
    def scenario(lib):
        state = lib.random.get_rng_state()
        with pytest.raises(KeyError), lib.random.fork_rng(devices=[]):
            lib.rand(10)
            raise KeyError("inside")
        return bool((lib.random.get_rng_state() == state).all())

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize("arguments", [{"enabled": False}, {"device_type": "meta"}])
def test_fork_rng_disabled_or_for_meta_forks_nothing_as_pytorch(arguments):
    def scenario(lib):
        lib.random.manual_seed(5)
        with lib.random.fork_rng(**arguments):
            inside = lib.rand(3)
        lib.random.manual_seed(5)
        lib.rand(3)
        return bool((lib.rand(3) == inside).all())

    same_as_torch(scenario)


def test_fork_rng_reads_a_generator_of_devices_once():
    state = chainrule.get_rng_state()
    with chainrule.random.fork_rng(devices=(device for device in [])):
        chainrule.rand(2)
    assert bool((chainrule.get_rng_state() == state).all())


@requires_torch
def test_fork_rng_over_gpu_devices_raises_as_pytorch_without_cuda():
    def scenario(lib):
        with lib.random.fork_rng(devices=[0]):
            pass

    raises_like_torch(scenario, match="no CUDA devices")
