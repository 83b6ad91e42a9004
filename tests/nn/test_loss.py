"""Loss layers and functions against PyTorch and finite differences."""

import warnings

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import (
    check,
    check_gradcheck,
    check_one_node_keeping_its_input,
    check_torch,
    raises_like_torch,
    random_inputs,
    requires_torch,
    same_as_torch,
    torch,
)

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)
LOGITS = rng.uniform(-3, 3, (6, 5)).astype(np.float32)
CLASSES = np.array([0, 4, 2, 2, 1, 3])
SPATIAL_LOGITS = rng.uniform(-3, 3, (2, 4, 3, 2)).astype(np.float32)
SPATIAL_CLASSES = rng.integers(0, 4, (2, 3, 2))
CLASS_WEIGHTS = np.array([0.5, 2.0, 1.0, 0.3, 1.5], np.float32)


# --- pointwise regression losses ------------------------------------------------------------

POINTWISE = {
    "L1Loss": lambda m, r: m.nn.L1Loss(reduction=r),
    "MSELoss": lambda m, r: m.nn.MSELoss(reduction=r),
    "SmoothL1Loss": lambda m, r: m.nn.SmoothL1Loss(reduction=r, beta=0.7),
    "SmoothL1Loss-beta0": lambda m, r: m.nn.SmoothL1Loss(reduction=r, beta=0.0),
    "HuberLoss": lambda m, r: m.nn.HuberLoss(reduction=r, delta=0.8),
}


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", POINTWISE)
def test_pointwise_loss_matches_pytorch_for_input_and_target_gradients(name, reduction):
    arrays = random_inputs([(4, 3), (4, 3)], seed=1)
    check_module(lambda m: POINTWISE[name](m, reduction), None, arrays=arrays)


@pytest.mark.parametrize(
    "loss",
    [
        lambda F, x, t: F.l1_loss(x, t),
        lambda F, x, t: F.mse_loss(x, t, reduction="sum"),
        lambda F, x, t: F.smooth_l1_loss(x, t, beta=0.5),
        lambda F, x, t: F.huber_loss(x, t, delta=0.5, reduction="none"),
    ],
    ids=["l1", "mse", "smooth_l1", "huber"],
)
def test_pointwise_loss_matches_finite_differences_to_second_order(loss):
    # The kinks (|x - t| = 0, beta, delta) are measure-zero; these inputs stay away from them.
    arrays = [np.array([[1.3, -0.8, 2.2]], np.float32), np.array([[0.1, 0.4, -0.6]], np.float32)]
    check(lambda m, x, t: loss(m.nn.functional, x, t), arrays)


@requires_torch
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_loss_with_per_element_weight_matches_pytorch(name, reduction):
    check_torch(
        lambda m, x, t, w: getattr(m.nn.functional, name)(x, t, reduction=reduction, weight=w),
        [(3, 4), (3, 4), (3, 4)],
        requires_grad=[True, True, False],
        low=0.1,
    )


@requires_torch
def test_target_of_another_broadcastable_shape_warns_and_broadcasts_like_pytorch():
    for lib in (chainrule, torch):
        with pytest.warns(UserWarning, match="different to the input size"):
            lib.nn.functional.mse_loss(lib.zeros(3, 4), lib.zeros(4))
    for name in ("l1_loss", "smooth_l1_loss", "huber_loss"):
        with pytest.warns(UserWarning):
            check_torch(
                lambda m, x, t, name=name: getattr(m.nn.functional, name)(x, t, reduction="none"),
                [(3, 4), (4,)],
            )


@requires_torch
@pytest.mark.parametrize(
    "name, grad_fn_name",
    [
        ("mse_loss", "MseLossBackward0"),
        ("smooth_l1_loss", "SmoothL1LossBackward0"),
        ("huber_loss", "HuberLossBackward0"),
    ],
)
def test_fused_losses_are_one_node_that_keeps_its_input_as_in_pytorch(name, grad_fn_name):
    check_one_node_keeping_its_input(
        lambda lib, x: getattr(lib.nn.functional, name)(x, lib.zeros(3)), grad_fn_name
    )


def test_target_that_cannot_broadcast_raises_naming_both_shapes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=r"mse_loss.*\(3, 4\).*\(3, 5\)"):
            F.mse_loss(chainrule.zeros(3, 4), chainrule.zeros(3, 5))


def test_weight_of_another_shape_raises_value_error():
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        F.mse_loss(chainrule.zeros(3), chainrule.zeros(3), weight=chainrule.ones(1))


def test_unknown_reduction_raises_value_error():
    for fn in (F.mse_loss, F.l1_loss, F.binary_cross_entropy, F.kl_div):
        with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
            fn(chainrule.full((2,), 0.5), chainrule.full((2,), 0.5), reduction="foo")
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.cross_entropy(chainrule.zeros(2, 3), chainrule.tensor([0, 1]), reduction="foo")


@requires_torch
@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True)])
def test_legacy_size_average_and_reduce_arguments_pick_pytorchs_reduction(size_average, reduce):
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        check_torch(
            lambda m, x, t: m.nn.functional.mse_loss(x, t, size_average=size_average, reduce=reduce),
            [(2, 3), (2, 3)],
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.L1Loss(size_average, reduce).reduction == torch.nn.L1Loss(size_average, reduce).reduction


# --- cross-entropy and NLL ---------------------------------------------------------------------

CROSS_ENTROPY_CASES = {
    "plain": {},
    "weight": {"weight": CLASS_WEIGHTS},
    "ignore_index": {"ignore_index": 2},
    "label_smoothing": {"label_smoothing": 0.2},
    "everything": {"weight": CLASS_WEIGHTS, "ignore_index": 2, "label_smoothing": 0.15},
}


def _options(lib, options):
    return {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CROSS_ENTROPY_CASES)
def test_cross_entropy_loss_with_class_indices_matches_pytorch(case, reduction):
    options = CROSS_ENTROPY_CASES[case]
    check_module(
        lambda m: m.nn.CrossEntropyLoss(reduction=reduction, **_options(m, options)),
        None,
        arrays=[LOGITS, CLASSES],
    )


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_of_spatial_inputs_matches_pytorch(reduction):
    options = {"weight": CLASS_WEIGHTS[:4], "ignore_index": 1, "label_smoothing": 0.1}
    check_module(
        lambda m: m.nn.CrossEntropyLoss(reduction=reduction, **_options(m, options)),
        None,
        arrays=[SPATIAL_LOGITS, SPATIAL_CLASSES],
    )


@requires_torch
def test_cross_entropy_of_an_unbatched_input_matches_pytorch():
    check_torch(lambda m, x, t: m.nn.functional.cross_entropy(x, t), None, arrays=[LOGITS[0], np.array(3)])
    check_torch(
        lambda m, x, t: m.nn.functional.cross_entropy(x, t, label_smoothing=0.3, reduction="none"),
        None,
        arrays=[LOGITS[0], np.array(1)],
    )


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.25}, {"weight": CLASS_WEIGHTS}], ids=str)
def test_cross_entropy_with_probability_targets_matches_pytorch_for_both_gradients(options, reduction):
    targets = rng.dirichlet(np.ones(5), 6).astype(np.float32)
    check_module(
        lambda m: m.nn.CrossEntropyLoss(reduction=reduction, **_options(m, options)),
        None,
        arrays=[LOGITS, targets],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_cross_entropy_matches_finite_differences_to_second_order(reduction):
    weight = chainrule.tensor(CLASS_WEIGHTS.astype(np.float64))
    check_gradcheck(
        lambda m, x, t: m.nn.functional.cross_entropy(
            x, t, weight=weight, ignore_index=2, label_smoothing=0.2, reduction=reduction
        ),
        None,
        arrays=[LOGITS.astype(np.float64), CLASSES],
        second_order=True,
    )
    check_gradcheck(
        lambda m, x, t: m.nn.functional.cross_entropy(x, t, label_smoothing=0.1, reduction=reduction),
        None,
        arrays=[
            SPATIAL_LOGITS.astype(np.float64),
            rng.dirichlet(np.ones(4), (2, 3, 2)).transpose(0, 3, 1, 2),
        ],
        second_order=True,
    )


def test_cross_entropy_is_one_graph_node_on_the_logits():
    logits = chainrule.randn(4, 3, requires_grad=True)
    loss = F.cross_entropy(logits, chainrule.tensor([0, 1, 2, 0]))
    assert loss.grad_fn.name() == "CrossEntropyBackward0"
    assert loss.grad_fn.next_functions[0][0].variable is logits


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_the_batch():
    logits = chainrule.tensor([[1.0, 2.0, 0.5], [0.0, 0.0, 0.0]], requires_grad=True)
    F.cross_entropy(logits, chainrule.tensor([1, 2])).backward()
    softmax = np.exp(logits.detach().numpy()) / np.exp(logits.detach().numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(logits.grad.numpy(), (softmax - np.eye(3)[[1, 2]]) / 2, rtol=1e-6)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = chainrule.tensor([[1000.0, -1000.0], [-1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(logits, chainrule.tensor([0, 0]))
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1000.0)
    assert np.isfinite(logits.grad.numpy()).all()


@requires_torch
def test_cross_entropy_mean_with_every_target_ignored_is_nan_like_pytorch():
    for lib in (chainrule, torch):
        logits, target = lib.zeros(2, 3), lib.tensor([-100, -100])
        assert np.isnan(lib.nn.functional.cross_entropy(logits, target).item())
        assert lib.nn.functional.cross_entropy(logits, target, reduction="sum").item() == 0


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "loss",
    [
        lambda m, x, t, r: m.nn.functional.cross_entropy(x, t, reduction=r),
        lambda m, x, t, r: m.nn.functional.cross_entropy(x, t, reduction=r, label_smoothing=0.2),
        lambda m, x, t, r: m.nn.functional.cross_entropy(x, t, m.tensor(CLASS_WEIGHTS[:4]), reduction=r),
        lambda m, x, t, r: m.nn.functional.nll_loss(x, t, reduction=r),
    ],
    ids=["cross_entropy", "label_smoothing", "weight", "nll_loss"],
)
def test_every_target_ignored_gives_zero_gradients_like_pytorch(loss, reduction):
    # 'mean' divides by a total weight of 0: the loss is nan, but no gradient reaches
    # an ignored entry (a batch of padding must not put nan into the weights)
    ignored = np.full(SPATIAL_CLASSES.shape, -100)
    check_torch(lambda m, x, t: loss(m, x, t, reduction), None, arrays=[SPATIAL_LOGITS, ignored])
    check_torch(
        lambda m, x, t: loss(m, x, t, reduction), None, arrays=[SPATIAL_LOGITS[:, :, 0, 0], ignored[:, 0, 0]]
    )


@requires_torch
def test_an_ignored_entry_has_a_loss_of_plus_zero_like_pytorch():
    for lib in (chainrule, torch):
        for loss in (lib.nn.functional.cross_entropy, lib.nn.functional.nll_loss):
            values = loss(
                lib.tensor([[0.5, 1.0], [2.0, 0.1]]), lib.tensor([-100, 1]), reduction="none"
            ).numpy()
            assert values[0] == 0 and not np.signbit(values[0]), (lib.__name__, loss.__name__)


def test_an_ignored_entry_gets_zero_gradient_even_from_an_infinite_output_gradient():
    for loss in (F.cross_entropy, F.nll_loss):
        logits = chainrule.tensor(LOGITS[:2], requires_grad=True)
        loss(logits, chainrule.tensor([-100, 3]), reduction="none").backward(chainrule.tensor([np.inf, 1.0]))
        assert not logits.grad[0].any() and logits.grad[1].isfinite().all()


@requires_torch
@pytest.mark.parametrize(
    "logits, target, options, error",
    [
        ((3, 4), [0, 1], {}, ValueError),  # batch sizes differ
        ((3, 4), [0, 1, 7], {}, IndexError),  # class out of range
        ((3, 4), [0, 1, -3], {}, IndexError),
        ((2, 4, 5), np.zeros((2, 6), np.int64), {}, RuntimeError),  # spatial size differs
        ((3, 4, 2), [0, 1, 2], {}, RuntimeError),
        ((3, 4), np.array([0.0, 1.0, 2.0], np.float32), {}, RuntimeError),  # float class indices
        ((3, 4), np.array([0, 1, 2], np.int32), {}, RuntimeError),
        ((3, 4), [0, 1, 2], {"weight": np.ones(3, np.float32)}, RuntimeError),
        ((3, 4), np.zeros((3, 4), np.int64), {}, RuntimeError),  # integer probabilities
        ((3, 4), np.full((3, 4), 0.25, np.float32), {"ignore_index": 1}, RuntimeError),
        ((3, 4), [0, 1, 2], {"label_smoothing": 1.5}, RuntimeError),
    ],
)
def test_cross_entropy_with_an_ill_fitting_target_raises_pytorchs_exception(logits, target, options, error):
    for lib in (chainrule, torch):
        with pytest.raises(error):
            lib.nn.functional.cross_entropy(
                lib.zeros(logits), lib.tensor(np.asarray(target)), **_options(lib, options)
            )


def test_cross_entropy_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"batch_size \(3\).*batch_size \(2\).*\(3, 4\).*\(2,\)"):
        F.cross_entropy(chainrule.zeros(3, 4), chainrule.tensor([0, 1]))
    with pytest.raises(IndexError, match="Target 7 is out of bounds.*4 classes"):
        F.cross_entropy(chainrule.zeros(3, 4), chainrule.tensor([0, 1, 7]))


def test_class_weights_that_require_grad_are_refused_like_pytorch():
    weight = chainrule.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.cross_entropy(chainrule.zeros(2, 3), chainrule.tensor([0, 1]), weight=weight)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", ["plain", "weight", "ignore_index"])
def test_nll_loss_matches_pytorch(case, reduction):
    options = {k: v for k, v in CROSS_ENTROPY_CASES[case].items()}
    check_module(
        lambda m: m.nn.NLLLoss(reduction=reduction, **_options(m, options)), None, arrays=[LOGITS, CLASSES]
    )
    check_torch(
        lambda m, x, t: m.nn.functional.nll_loss(x, t, reduction=reduction),
        None,
        arrays=[SPATIAL_LOGITS, SPATIAL_CLASSES],
    )


def test_nll_loss_matches_finite_differences_to_second_order():
    weight = chainrule.tensor(CLASS_WEIGHTS.astype(np.float64))
    check_gradcheck(
        lambda m, x, t: m.nn.functional.nll_loss(m.log_softmax(x, 1), t, weight=weight, ignore_index=4),
        None,
        arrays=[LOGITS.astype(np.float64), CLASSES],
        second_order=True,
    )


@requires_torch
def test_log_softmax_then_nll_loss_equals_cross_entropy():
    logits = chainrule.tensor(LOGITS)
    target = chainrule.tensor(CLASSES)
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(logits, 1), target).item(), F.cross_entropy(logits, target).item(), rtol=1e-6
    )


def test_nll_loss_of_a_scalar_raises_value_error():
    with pytest.raises(ValueError, match="Expected 1 or more dimensions"):
        F.nll_loss(chainrule.tensor(0.0), chainrule.tensor(0))


# --- binary cross-entropy -------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss_matches_pytorch_for_input_and_target_gradients(weighted, reduction):
    def make(m):
        return m.nn.BCELoss(weight=m.tensor([0.5, 2.0, 1.0]) if weighted else None, reduction=reduction)

    check_module(make, [(4, 3), (4, 3)], low=0.05, high=0.95)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_loss_clamps_its_log_terms_at_minus_100_like_pytorch(reduction):
    check_torch(
        lambda m, x, t: m.nn.functional.binary_cross_entropy(x, t, reduction=reduction),
        None,
        arrays=[np.array([0.0, 1.0, 1e-30, 0.5], np.float32), np.array([1.0, 0.0, 0.7, 0.5], np.float32)],
        requires_grad=[False, False],
    )


def test_bce_loss_matches_finite_differences_to_second_order():
    check_gradcheck(
        lambda m, x, t: m.nn.functional.binary_cross_entropy(x, t),
        [(3, 2), (3, 2)],
        low=0.1,
        high=0.9,
        second_order=True,
    )


def _assert_bce_refuses(lib, input, target, reduction, match):
    with pytest.raises(RuntimeError, match=match):
        lib.nn.functional.binary_cross_entropy(lib.tensor(input), lib.tensor(target), reduction=reduction)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("bad", [1.5, -0.5, float("nan")])
def test_bce_loss_with_an_input_outside_0_1_raises_runtime_error(bad, reduction):
    for lib in (chainrule, torch):
        _assert_bce_refuses(lib, [0.5, bad, 0.2], [1.0, 0.0, 0.5], reduction, "between 0 and 1")


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("bad", [1.5, -0.5, float("nan")])
def test_bce_loss_with_a_target_outside_0_1_raises_runtime_error_after_checking_the_input(bad, reduction):
    for lib in (chainrule, torch):
        target = [1.0, bad, 0.5]
        _assert_bce_refuses(
            lib, [0.5, 0.9, 0.2], target, reduction, "all elements of target should be between 0 and 1"
        )
        _assert_bce_refuses(
            lib, [0.5, 1.5, 0.2], target, reduction, "all elements of input should be between 0 and 1"
        )


@requires_torch
def test_bce_losses_with_a_target_of_another_shape_raise_value_error_naming_both():
    for name in ("binary_cross_entropy", "binary_cross_entropy_with_logits"):
        for lib in (chainrule, torch):
            with pytest.raises(ValueError, match=r"\[3\].*\[3, 1\]"):
                getattr(lib.nn.functional, name)(lib.full((3, 1), 0.5), lib.full((3,), 0.5))


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
def test_bce_with_logits_loss_matches_pytorch(options, reduction):
    def make(m):
        weight = m.tensor([[0.5], [2.0], [1.0], [1.5]]) if options in ("weight", "both") else None
        pos_weight = m.tensor([3.0, 0.5, 1.0]) if options in ("pos_weight", "both") else None
        return m.nn.BCEWithLogitsLoss(weight=weight, pos_weight=pos_weight, reduction=reduction)

    arrays = [rng.uniform(-4, 4, (4, 3)).astype(np.float32), rng.uniform(0, 1, (4, 3)).astype(np.float32)]
    check_module(make, None, arrays=arrays)


def test_bce_with_logits_matches_finite_differences_to_second_order():
    pos_weight = chainrule.tensor([2.0, 0.5], dtype=chainrule.float64)
    check_gradcheck(
        lambda m, x, t: m.nn.functional.binary_cross_entropy_with_logits(x, t, pos_weight=pos_weight),
        [(3, 2), (3, 2)],
        second_order=True,
    )


def test_bce_with_logits_is_stable_for_huge_logits():
    x = chainrule.tensor([-1000.0, 1000.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, chainrule.tensor([1.0, 0.0]), reduction="sum")
    loss.backward()
    np.testing.assert_allclose(loss.item(), 2000.0)
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0])


def test_pos_weight_that_requires_grad_is_refused_like_pytorch():
    with pytest.raises(RuntimeError, match="'pos_weight'"):
        F.binary_cross_entropy_with_logits(
            chainrule.zeros(2), chainrule.ones(2), pos_weight=chainrule.ones(2, requires_grad=True)
        )


# --- KL divergence ---------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss_matches_pytorch(reduction, log_target):
    log_p = np.log(rng.dirichlet(np.ones(4), 3)).astype(np.float32)
    q = rng.dirichlet(np.ones(4), 3)
    q[0, 1] = 0.0  # a zero-probability target contributes 0 (PyTorch's target gradient there is nan)
    target = (np.log(q + 1e-3) if log_target else q).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reduction='mean' warns in both libraries
        check_module(
            lambda m: m.nn.KLDivLoss(reduction=reduction, log_target=log_target),
            None,
            arrays=[log_p, target],
            requires_grad=[True, log_target],
        )


def test_kl_div_matches_finite_differences_to_second_order():
    check_gradcheck(
        lambda m, x, t: m.nn.functional.kl_div(x, t, reduction="batchmean"),
        [(3, 4), (3, 4)],
        low=0.1,
        high=1.0,
        second_order=True,
    )


# --- the layers themselves -------------------------------------------------------------------------


@requires_torch
def test_loss_weights_are_buffers_in_the_state_dict_like_pytorch():
    for make in [
        lambda m: m.nn.CrossEntropyLoss(weight=m.ones(3)),
        lambda m: m.nn.NLLLoss(weight=m.ones(3)),
        lambda m: m.nn.BCELoss(weight=m.ones(3)),
        lambda m: m.nn.BCEWithLogitsLoss(weight=m.ones(3), pos_weight=m.ones(3)),
        lambda m: m.nn.CrossEntropyLoss(),
    ]:
        ours, theirs = make(chainrule), make(torch)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)


def test_loss_layers_keep_float32():
    x, t = chainrule.rand(4, 3), chainrule.rand(4, 3)
    for loss in [
        nn.MSELoss(),
        nn.L1Loss(),
        nn.HuberLoss(),
        nn.SmoothL1Loss(),
        nn.BCELoss(),
        nn.BCEWithLogitsLoss(),
    ]:
        assert loss(x, t).dtype == chainrule.float32
    assert nn.CrossEntropyLoss()(x, chainrule.tensor([0, 1, 2, 0])).dtype == chainrule.float32


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.nn.BCEWithLogitsLoss()(m.zeros(3), m.tensor([1, 0, 1])),
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.zeros(3), m.ones(3, dtype=m.int32)),
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.zeros(3), m.ones(3, dtype=m.uint8)),
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.zeros(3), m.ones(3, dtype=m.bool)),
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.zeros(3, dtype=m.int64), m.ones(3)),
        lambda m: m.nn.BCELoss()(m.full((3,), 0.5), m.tensor([1, 0, 1])),
        lambda m: m.nn.functional.binary_cross_entropy(m.full((3,), 0.5), m.ones(3, dtype=m.bool)),
        lambda m: m.nn.functional.binary_cross_entropy(m.full((3,), 0.5, dtype=m.float64), m.ones(3)),
        lambda m: m.nn.functional.binary_cross_entropy(m.tensor([0, 1]), m.ones(2, dtype=m.int64)),
        lambda m: m.nn.functional.cross_entropy(m.tensor([[1, 2]]), m.tensor([0])),
        lambda m: m.nn.functional.nll_loss(m.tensor([[1, 2]]), m.tensor([0])),
    ],
)
def test_losses_of_integer_inputs_or_targets_raise_like_pytorch(fn):
    errors = []
    for lib in (torch, chainrule):
        with pytest.raises((RuntimeError, NotImplementedError)) as caught:
            fn(lib)
        errors.append(caught.type)
    assert errors[1] is errors[0]


def test_integer_target_errors_say_how_to_fix_them():
    with pytest.raises(RuntimeError, match=r"target\.float\(\)"):
        nn.BCEWithLogitsLoss()(chainrule.zeros(3), chainrule.tensor([1, 0, 1]))
    with pytest.raises(RuntimeError, match="Found dtype Long but expected Float"):
        nn.BCELoss()(chainrule.full((3,), 0.5), chainrule.tensor([1, 0, 1]))


@requires_torch
@pytest.mark.parametrize("logits, targets", [("float32", "float64"), ("float64", "float32")])
def test_cross_entropy_with_probabilities_promotes_to_the_wider_dtype(logits, targets):
    def scenario(lib):
        x = lib.tensor([[1.0, 2.0, 3.0]], dtype=getattr(lib, logits), requires_grad=True)
        t = lib.tensor([[0.2, 0.3, 0.5]], dtype=getattr(lib, targets), requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, t)
        loss.backward()
        return loss, x.grad, t.grad

    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize(
    "options",
    [{}, {"margin": 2.0, "p": 1}, {"swap": True}, {"reduction": "none"}, {"reduction": "sum", "eps": 0.0}],
    ids=["default", "p1", "swap", "none", "sum"],
)
def test_triplet_margin_loss_matches_pytorch(options):
    # triplet_margin_loss was missing (siamese-network tutorials)
    rows = [np.random.default_rng(seed).standard_normal((5, 4)).astype(np.float32) for seed in range(3)]

    def scenario(lib):
        anchor, positive, negative = (lib.tensor(r, requires_grad=True) for r in rows)
        loss = lib.nn.functional.triplet_margin_loss(anchor, positive, negative, **options)
        loss.sum().backward()
        module = lib.nn.TripletMarginLoss(**options)
        return (
            loss.detach(),
            anchor.grad,
            positive.grad,
            negative.grad,
            module(*(lib.tensor(r) for r in rows)),
        )

    same_as_torch(scenario, rtol=1e-5, atol=1e-6)


@requires_torch
def test_triplet_margin_loss_checks_its_arguments_as_pytorch():
    rows = [np.ones((2, 3), np.float32) * k for k in range(3)]
    raises_like_torch(
        lambda lib: lib.nn.functional.triplet_margin_loss(*map(lib.tensor, rows), margin=0.0), "margin"
    )
    cube = np.ones((2, 2, 2), np.float32)
    same_as_torch(
        lambda lib: lib.nn.functional.triplet_margin_loss(*(lib.tensor(cube * k) for k in range(3)))
    )


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_loss_matches_finite_differences(swap):
    check(
        lambda m, a, p, n: m.nn.functional.triplet_margin_loss(a, p, n, margin=2.0, swap=swap), [(4, 3)] * 3
    )
