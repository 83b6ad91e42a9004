"""nn.attention.SDPBackend and sdpa_kernel against PyTorch's CPU build: which
backends let scaled_dot_product_attention run, its values inside the block,
the warnings and errors when none applies, and the switches restored after."""

import warnings

import numpy as np
import pytest

import chainrule

from oracle import assert_same, raises_like_torch, requires_torch, torch

pytestmark = requires_torch


def _names(lib):
    return lib.nn.attention.SDPBackend


def _attend(lib, backends, shapes, seed=0, **kwargs):
    """scaled_dot_product_attention on random inputs inside ``sdpa_kernel(backends(SDPBackend))``."""
    rng = np.random.default_rng(seed)
    q, k, v = (
        lib.tensor(rng.uniform(-2, 2, shape).astype(np.float32), requires_grad=True) for shape in shapes
    )
    with lib.nn.attention.sdpa_kernel(backends(_names(lib))):
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, **kwargs)
    out.sum().backward()
    return out, q.grad, k.grad, v.grad


def test_sdp_backend_has_pytorchs_members_numbers_and_printing():
    ours, theirs = chainrule.nn.attention.SDPBackend, torch.nn.attention.SDPBackend
    assert list(ours.__members__) == list(theirs.__members__)
    for name in theirs.__members__:
        mine, torchs = getattr(ours, name), getattr(theirs, name)
        assert (int(mine), mine.name, mine.value, str(mine), repr(mine)) == (
            int(torchs),
            torchs.name,
            torchs.value,
            str(torchs),
            repr(torchs),
        )


FOUR_D = [(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)]


@pytest.mark.parametrize(
    "backends, shapes, kwargs",
    [
        (lambda B: B.MATH, [(2, 4, 6), (2, 5, 6), (2, 5, 3)], {}),
        (lambda B: [B.MATH, B.EFFICIENT_ATTENTION], FOUR_D, {"is_causal": True}),
        (lambda B: B.FLASH_ATTENTION, FOUR_D, {}),
        (lambda B: B.FLASH_ATTENTION, FOUR_D, {"attn_mask": torch.zeros(4, 5)}),
        (
            lambda B: [B.CUDNN_ATTENTION, B.FLASH_ATTENTION],
            [(2, 4, 4, 8), (2, 2, 5, 8), (2, 2, 5, 8)],
            {"enable_gqa": True},
        ),
    ],
    ids=["math", "math-and-efficient", "flash", "flash-2d-mask", "flash-gqa"],
)
def test_attention_inside_sdpa_kernel_matches_pytorch(backends, shapes, kwargs):
    def scenario(lib):
        mask = kwargs.get("attn_mask")
        extra = dict(kwargs, attn_mask=lib.tensor(mask.numpy())) if mask is not None else kwargs
        return _attend(lib, backends, shapes, **extra)

    assert_same(scenario(chainrule), scenario(torch), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "backends",
    [
        lambda B: B.EFFICIENT_ATTENTION,
        lambda B: B.CUDNN_ATTENTION,
        lambda B: B.OVERRIDEABLE,
        lambda B: B.ERROR,
        lambda B: [],
        lambda B: [B.EFFICIENT_ATTENTION, B.CUDNN_ATTENTION],
    ],
    ids=["efficient", "cudnn", "overrideable", "error", "none", "efficient-and-cudnn"],
)
def test_no_cpu_backend_raises_pytorchs_no_viable_backend_error(backends):
    raises_like_torch(lambda lib: _attend(lib, backends, FOUR_D), match="^No viable backend for scaled_dot")


@pytest.mark.parametrize(
    "shapes, kwargs, reason",
    [
        (FOUR_D, {"dropout_p": 0.5}, "non-zero dropout"),
        ([(3, 4, 8), (3, 5, 8), (3, 5, 8)], {}, "to be 4 dimensional, but got Query dim: 3"),
        ([(2, 3, 4, 8), (1, 3, 5, 8), (1, 3, 5, 8)], {}, "to have the same batch_size"),
        ([(2, 4, 4, 8), (2, 2, 5, 8), (2, 2, 5, 8)], {}, "to have the same num_heads"),
        (
            [(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)],
            {},
            "Got Query.size(-1): 8, Key.size(-1): 8, Value.size(-1): 6",
        ),
    ],
    ids=["dropout", "3-d", "batch", "heads", "value-features"],
)
def test_flash_alone_on_inputs_its_cpu_kernel_refuses_warns_why_and_raises_like_pytorch(
    shapes, kwargs, reason
):
    caught = {}
    for lib in (torch, chainrule):
        with warnings.catch_warnings(record=True) as caught[lib]:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError, match=r"^No available kernel\.  Aborting execution\.$"):
                _attend(lib, lambda B: B.FLASH_ATTENTION, shapes, **kwargs)
    torch_messages = [str(w.message) for w in caught[torch]]
    our_messages = [str(w.message) for w in caught[chainrule]]
    assert our_messages[0] == "Flash attention kernel not used because:"
    assert torch_messages[0].startswith(our_messages[0])
    assert reason in our_messages[1] and torch_messages[1].startswith(our_messages[1])


def test_the_switches_come_back_after_the_block_even_when_it_raises():
    for lib in (torch, chainrule):
        with pytest.raises(ValueError):
            with lib.nn.attention.sdpa_kernel(
                [lib.nn.attention.SDPBackend.CUDNN_ATTENTION], set_priority=True
            ):
                assert not lib.backends.cuda.math_sdp_enabled()
                assert lib.backends.cuda.cudnn_sdp_enabled()
                raise ValueError
        assert lib.backends.cuda.math_sdp_enabled() and lib.backends.cuda.flash_sdp_enabled()


def test_the_switches_set_by_backends_cuda_decide_as_inside_sdpa_kernel():
    def scenario(lib):
        lib.backends.cuda.enable_math_sdp(False)
        lib.backends.cuda.enable_flash_sdp(False)
        try:
            return _attend(lib, lambda B: [B.MATH, B.FLASH_ATTENTION], FOUR_D)
        finally:
            lib.backends.cuda.enable_math_sdp(True)
            lib.backends.cuda.enable_flash_sdp(True)

    assert_same(scenario(chainrule), scenario(torch), rtol=1e-5, atol=1e-5)


def test_the_block_yields_an_empty_dict_as_pytorchs():
    for lib in (torch, chainrule):
        with lib.nn.attention.sdpa_kernel(lib.nn.attention.SDPBackend.MATH) as value:
            assert value == {}


@pytest.mark.parametrize("backends", ["math", lambda B: (B.MATH,)], ids=["string", "tuple"])
def test_backends_other_than_a_backend_or_a_list_raise_pytorchs_assertion_error(backends):
    def scenario(lib):
        chosen = backends(_names(lib)) if callable(backends) else backends
        with lib.nn.attention.sdpa_kernel(chosen):
            pass

    raises_like_torch(scenario, match="^Backend must be an instance of SDPBackend or a list of SDPBackend")
