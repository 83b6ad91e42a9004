"""chainrule.backends' flag modules (cpu, openmp, opt_einsum, mha and the cuda, cudnn
switches): they answer and record as PyTorch's CPU build does and change nothing."""

import pytest

import chainrule

from oracle import requires_torch, same_as_torch, torch


@pytest.fixture
def restore():
    """Put the named module attributes back after the test: ``restore(module, *names)``."""
    saved = []

    def remember(module, *names):
        saved.extend((module, name, getattr(module, name)) for name in names)

    yield remember
    for module, name, value in saved:
        setattr(module, name, value)


@requires_torch
def test_cpu_capability_is_pytorchs_on_this_machine():
    assert chainrule.backends.cpu.get_cpu_capability() == torch.backends.cpu.get_cpu_capability()


def test_cpu_capability_follows_pytorchs_rules_for_the_processors_features(monkeypatch):
    from numpy._core import _multiarray_umath

    def capability(**features):
        monkeypatch.setattr(_multiarray_umath, "__cpu_features__", features)
        return chainrule.backends.cpu.get_cpu_capability()

    assert capability(AVX512_SKX=True, AVX2=True, FMA3=True) == "AVX512"
    assert capability(AVX512_SKX=True, AVX2=True, FMA3=False) == "DEFAULT"
    assert capability(AVX512_SKX=False, AVX2=True, FMA3=True) == "AVX2"
    assert capability(ASIMD=True, NEON=True) == "DEFAULT"


def test_openmp_is_not_available_as_chainrules_threads_are_its_own():
    assert chainrule.backends.openmp.is_available() is False


@requires_torch
def test_mha_fastpath_flag_is_recorded_as_pytorch():
    def scenario(lib):
        mha = lib.backends.mha
        default = mha.get_fastpath_enabled()
        mha.set_fastpath_enabled(False)
        switched = mha.get_fastpath_enabled()
        mha.set_fastpath_enabled(True)
        return default, switched, mha.get_fastpath_enabled()

    same_as_torch(scenario)


def test_opt_einsum_is_available_enabled_and_auto_as_pytorch_with_opt_einsum_installed():
    oe = chainrule.backends.opt_einsum
    assert (oe.is_available(), oe.enabled, oe.strategy) == (True, True, "auto")


def test_opt_einsum_flags_set_and_restore(restore):
    oe = chainrule.backends.opt_einsum
    with oe.flags(strategy="greedy"):
        assert (oe.enabled, oe.strategy) == (True, "greedy")
        with oe.flags(enabled=False):
            assert (oe.enabled, oe.strategy) == (False, "greedy")
    assert (oe.enabled, oe.strategy) == (True, "auto")
    restore(oe, "enabled", "strategy")
    oe.enabled, oe.strategy = False, "optimal"
    assert (oe.enabled, oe.strategy) == (False, "optimal")


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"strategy": "fastest"}, r"must be one of the following: \[auto, greedy, optimal\]"),
        ({"enabled": False, "strategy": "greedy"}, "opt_einsum is not enabled"),
    ],
)
def test_opt_einsum_flags_refuse_what_pytorch_refuses_and_change_nothing(arguments, message):
    oe = chainrule.backends.opt_einsum
    with pytest.raises(ValueError, match=message), oe.flags(**arguments):
        pass
    assert (oe.enabled, oe.strategy) == (True, "auto")


@requires_torch
def test_einsum_gives_pytorchs_result_whatever_opt_einsum_says(restore):
    shapes = [(2, 3), (3, 4), (4, 2)]
    x, y, z = (chainrule.arange(a * b, dtype=chainrule.float32).reshape(a, b) for a, b in shapes)
    expected = torch.einsum(
        "ij,jk,kl->il", *(torch.arange(a * b, dtype=torch.float32).reshape(a, b) for a, b in shapes)
    )
    restore(chainrule.backends.opt_einsum, "enabled")
    for enabled in (True, False):
        chainrule.backends.opt_einsum.enabled = enabled
        assert chainrule.einsum("ij,jk,kl->il", x, y, z).tolist() == expected.tolist()


@requires_torch
@pytest.mark.parametrize(
    "module, name, value",
    [
        ("cudnn", "benchmark", True),
        ("cudnn", "deterministic", True),
        ("cudnn", "allow_tf32", False),
        ("cudnn", "enabled", False),
        ("cuda.matmul", "allow_tf32", True),
        ("cuda.matmul", "allow_fp16_reduced_precision_reduction", False),
        ("cuda.matmul", "allow_bf16_reduced_precision_reduction", False),
    ],
)
def test_usual_flags_have_pytorchs_defaults_and_can_be_assigned(restore, module, name, value):
    def find(lib):
        found = lib.backends
        for part in module.split("."):
            found = getattr(found, part)
        return found

    ours = find(chainrule)
    assert getattr(ours, name) == getattr(find(torch), name)
    restore(ours, name)
    setattr(ours, name, value)
    assert getattr(ours, name) == value


@requires_torch
@pytest.mark.parametrize("kernel", ["flash", "mem_efficient", "math", "cudnn"])
def test_attention_kernel_switches_are_recorded_as_pytorch(kernel):
    def scenario(lib):
        cuda = lib.backends.cuda
        enabled, enable = getattr(cuda, f"{kernel}_sdp_enabled"), getattr(cuda, f"enable_{kernel}_sdp")
        default = enabled()
        enable(False)
        switched = enabled()
        enable(True)
        return default, switched, enabled()

    same_as_torch(scenario)


@requires_torch
def test_mps_is_neither_available_nor_built_as_on_pytorchs_linux_build():
    same_as_torch(lambda lib: (lib.backends.mps.is_available(), lib.backends.mps.is_built()))


def test_the_new_flag_modules_import_by_their_dotted_names():
    import chainrule.backends.cpu
    import chainrule.backends.mha
    import chainrule.backends.openmp
    import chainrule.backends.opt_einsum

    assert chainrule.backends.opt_einsum.__name__ == "chainrule.backends.opt_einsum"
