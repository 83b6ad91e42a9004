"""Loss layers and functions against PyTorch and finite differences."""

import warnings

import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
import chainrule.nn.functional as F

from module_oracle import check_module
from oracle import (
    assert_same_error,
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


# --- ranking, embedding and margin losses ------------------------------------------------------

SIGNS = np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0], np.float32)
SCORES = rng.uniform(-2, 2, (6, 4)).astype(np.float32)
OTHER_SCORES = rng.uniform(-2, 2, (6, 4)).astype(np.float32)
SCORE_CLASSES = np.array([0, 3, 1, 1, 2, 3])
LABELS = (rng.uniform(0, 1, (6, 4)) > 0.5).astype(np.float32)
COUNTS = np.array(
    [[0, 1, 2, 5], [3, 0, 1, 7], [2, 2, 0, 1], [4, 1, 9, 0], [1, 6, 2, 2], [0, 0, 3, 1]], np.float32
)
RATES = rng.uniform(0.2, 3, (6, 4)).astype(np.float32)
VARIANCES = rng.uniform(0.3, 2, (6, 4)).astype(np.float32)


def _cosine_distance(m, x, y):
    return 1 - m.nn.functional.cosine_similarity(x, y)


# name: (make(m, reduction), arrays, which arrays require grad)
MARGIN_LOSSES = {
    "MarginRankingLoss": (
        lambda m, r: m.nn.MarginRankingLoss(margin=0.3, reduction=r),
        [SCORES[:, 0], OTHER_SCORES[:, 0], SIGNS],
        [True, True, True],
    ),
    "HingeEmbeddingLoss": (
        lambda m, r: m.nn.HingeEmbeddingLoss(margin=0.8, reduction=r),
        [SCORES, np.sign(OTHER_SCORES)],
        [True, True],
    ),
    "SoftMarginLoss": (
        lambda m, r: m.nn.SoftMarginLoss(reduction=r),
        [SCORES, np.sign(OTHER_SCORES)],
        [True, False],
    ),
    "CosineEmbeddingLoss": (
        lambda m, r: m.nn.CosineEmbeddingLoss(margin=0.2, reduction=r),
        [SCORES, OTHER_SCORES, SIGNS],
        [True, True, True],
    ),
    "MultiLabelSoftMarginLoss": (
        lambda m, r: m.nn.MultiLabelSoftMarginLoss(reduction=r),
        [SCORES, LABELS],
        [True, True],
    ),
    "MultiLabelSoftMarginLoss-weight": (
        lambda m, r: m.nn.MultiLabelSoftMarginLoss(weight=m.tensor([0.5, 2.0, 1.0, 0.3]), reduction=r),
        [SCORES, LABELS],
        [True, True],
    ),
    "MultiMarginLoss": (lambda m, r: m.nn.MultiMarginLoss(reduction=r), [SCORES, SCORE_CLASSES], None),
    "MultiMarginLoss-p2-weight": (
        lambda m, r: m.nn.MultiMarginLoss(
            p=2, margin=0.7, weight=m.tensor([0.5, 2.0, 1.0, 0.3]), reduction=r
        ),
        [SCORES, SCORE_CLASSES],
        None,
    ),
    "PoissonNLLLoss": (lambda m, r: m.nn.PoissonNLLLoss(reduction=r), [SCORES, COUNTS], None),
    "PoissonNLLLoss-rates-full": (
        lambda m, r: m.nn.PoissonNLLLoss(log_input=False, full=True, reduction=r),
        [RATES, COUNTS + 0.5],
        None,
    ),
    "GaussianNLLLoss": (
        lambda m, r: m.nn.GaussianNLLLoss(reduction=r),
        [SCORES, OTHER_SCORES, VARIANCES],
        None,
    ),
    "GaussianNLLLoss-full-per-row": (
        lambda m, r: m.nn.GaussianNLLLoss(full=True, eps=1e-3, reduction=r),
        [SCORES, OTHER_SCORES, VARIANCES[:, 0]],
        None,
    ),
    "TripletMarginWithDistanceLoss": (
        lambda m, r: m.nn.TripletMarginWithDistanceLoss(margin=2.0, reduction=r),
        [SCORES, OTHER_SCORES, VARIANCES],
        None,
    ),
    "TripletMarginWithDistanceLoss-cosine-swap": (
        lambda m, r: m.nn.TripletMarginWithDistanceLoss(
            distance_function=lambda x, y: _cosine_distance(m, x, y), margin=0.5, swap=True, reduction=r
        ),
        [SCORES, OTHER_SCORES, VARIANCES],
        None,
    ),
}


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", MARGIN_LOSSES)
def test_margin_and_likelihood_losses_match_pytorch_for_every_float_input_gradient(name, reduction):
    make, arrays, requires_grad = MARGIN_LOSSES[name]
    check_module(lambda m: make(m, reduction), None, arrays=arrays, requires_grad=requires_grad)


# name: (loss(F, *inputs), float64 arrays, which arrays require grad); the inputs stay
# away from the kinks (margins, clamps), where no derivative exists
GRADCHECKED = {
    "margin_ranking": (
        lambda F, a, b, t: F.margin_ranking_loss(a, b, t, margin=0.3),
        [SCORES[:, 0], OTHER_SCORES[:, 0], SIGNS],
        [True, True, True],
    ),
    "hinge_embedding": (
        lambda F, x, t: F.hinge_embedding_loss(x, t, margin=0.8, reduction="sum"),
        [SCORES, np.sign(OTHER_SCORES)],
        [True, False],
    ),
    "soft_margin": (lambda F, x, t: F.soft_margin_loss(x, t), [SCORES, np.sign(OTHER_SCORES)], [True, False]),
    "cosine_embedding": (
        lambda F, a, b, t: F.cosine_embedding_loss(a, b, t, margin=-1.5, reduction="none"),
        [SCORES, OTHER_SCORES, SIGNS],
        [True, True, False],
    ),
    "multilabel_soft_margin": (
        lambda F, x, t, w: F.multilabel_soft_margin_loss(x, t, weight=w),
        [SCORES, LABELS, np.array([0.5, 2.0, 1.0, 0.3])],
        [True, True, True],
    ),
    "poisson_nll": (
        lambda F, x, t: F.poisson_nll_loss(x, t, full=True),
        [SCORES, COUNTS + 0.5],
        [True, True],
    ),
    "poisson_nll_rates": (
        lambda F, x, t: F.poisson_nll_loss(x, t, log_input=False, reduction="sum"),
        [RATES, COUNTS],
        [True, True],
    ),
    "gaussian_nll": (
        lambda F, x, t, v: F.gaussian_nll_loss(x, t, v, full=True, reduction="none"),
        [SCORES, OTHER_SCORES, VARIANCES[:, :1]],
        [True, True, True],
    ),
    "triplet_margin_with_distance": (
        lambda F, a, p, n: F.triplet_margin_with_distance_loss(a, p, n, margin=5.0, swap=True),
        [SCORES, OTHER_SCORES, VARIANCES],
        [True, True, True],
    ),
}


@pytest.mark.parametrize("name", GRADCHECKED)
def test_margin_and_likelihood_losses_match_finite_differences_to_second_order(name):
    loss, arrays, requires_grad = GRADCHECKED[name]
    check_gradcheck(
        lambda m, *xs: loss(m.nn.functional, *xs),
        None,
        arrays=[a.astype(np.float64) for a in arrays],
        requires_grad=requires_grad,
        second_order=True,
    )


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_matches_finite_differences(p):
    # PyTorch has no second derivative of multi_margin_loss; chainrule's composite has one
    weight = chainrule.tensor([0.5, 2.0, 1.0, 0.3], dtype=chainrule.float64)
    check_gradcheck(
        lambda m, x, t: m.nn.functional.multi_margin_loss(x, t, p=p, margin=0.7, weight=weight),
        None,
        arrays=[SCORES.astype(np.float64), SCORE_CLASSES],
        second_order=True,
    )


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "call",
    [
        lambda F, x, t, r: F.margin_ranking_loss(x, x * 0.5, t, margin=1, reduction=r),
        lambda F, x, t, r: F.hinge_embedding_loss(x, t, margin=1, reduction=r),
        lambda F, x, t, r: F.soft_margin_loss(x, t, reduction=r),
        lambda F, x, t, r: F.multilabel_soft_margin_loss(x, t, reduction=r),
        lambda F, x, t, r: F.poisson_nll_loss(x, t.abs(), reduction=r),
        lambda F, x, t, r: F.gaussian_nll_loss(x, t, 0.5, reduction=r),
        lambda F, x, t, r: F.triplet_margin_with_distance_loss(x, t, -t, reduction=r),
    ],
    ids=["margin_ranking", "hinge", "soft_margin", "multilabel", "poisson", "gaussian", "triplet"],
)
def test_losses_of_float64_inputs_stay_float64_like_pytorch(call, reduction):
    arrays = [SCORES.astype(np.float64), np.sign(OTHER_SCORES).astype(np.float64)]
    check_torch(
        lambda m, x, t: call(m.nn.functional, x, t, reduction),
        None,
        arrays=arrays,
        dtype=np.float64,
        requires_grad=[True, False],
    )


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.nn.functional.margin_ranking_loss(m.tensor([1, 2]), m.tensor([2, 0]), m.tensor([1, -1])),
        lambda m: m.nn.functional.hinge_embedding_loss(m.tensor([0.5, 2.0]), m.tensor([1, -1])),
        lambda m: m.nn.functional.hinge_embedding_loss(m.ones(2), m.tensor([1.0, -1.0], dtype=m.float64)),
        lambda m: m.nn.functional.soft_margin_loss(m.tensor([0.5, 2.0]), m.tensor([1, -1])),
        lambda m: m.nn.functional.soft_margin_loss(
            m.tensor([0.5, 2.0]), m.tensor([1.0, -1.0], dtype=m.float64)
        ),
        lambda m: m.nn.functional.soft_margin_loss(
            m.tensor([0.5, 2.0], dtype=m.float64), m.tensor([1.0, -1.0])
        ),
        lambda m: m.nn.functional.cosine_embedding_loss(
            m.ones(2, 3, dtype=m.int64), m.ones(2, 3), m.tensor([1, -1])
        ),
        lambda m: m.nn.functional.cosine_embedding_loss(
            m.ones(2, 3, dtype=m.float64), m.ones(2, 3), m.tensor([1, -1])
        ),
        lambda m: m.nn.functional.multilabel_soft_margin_loss(m.zeros(2, 3), m.ones(2, 3, dtype=m.int64)),
        lambda m: m.nn.functional.poisson_nll_loss(m.tensor([0, 1, 5]), m.tensor([0, 1, 5]), full=True),
        lambda m: m.nn.functional.multi_margin_loss(m.ones(2, 3, dtype=m.float64), m.tensor([0, 2])),
    ],
)
def test_integer_and_mixed_dtypes_give_pytorchs_result_dtype(scenario):
    same_as_torch(scenario)


# --- shapes ----------------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.nn.functional.margin_ranking_loss(
            m.ones(3, 1), m.zeros(1, 4), m.ones(3, 4), reduction="none"
        ),
        lambda m: m.nn.functional.margin_ranking_loss(m.tensor(1.0), m.tensor(2.0), m.tensor(1.0)),
        lambda m: m.nn.functional.hinge_embedding_loss(m.ones(4) * 0.3, -m.ones(3, 4), reduction="none"),
        lambda m: m.nn.functional.soft_margin_loss(m.ones(3, 4), m.ones(4), reduction="none"),
        lambda m: m.nn.functional.cosine_embedding_loss(
            m.ones(4), m.ones(4) * 2, m.tensor(-1.0), reduction="none"
        ),
        lambda m: m.nn.functional.cosine_embedding_loss(
            m.ones(3, 4), m.ones(1, 4), m.tensor([1]), reduction="none"
        ),
        lambda m: m.nn.functional.multilabel_soft_margin_loss(m.ones(4), m.ones(4), reduction="none"),
        lambda m: m.nn.functional.multilabel_soft_margin_loss(
            m.ones(2, 3, 4), m.ones(2, 3, 4), reduction="none"
        ),
        lambda m: m.nn.functional.multi_margin_loss(m.tensor([0.1, 0.5]), m.tensor([1]), reduction="none"),
        lambda m: m.nn.functional.multi_margin_loss(m.tensor([0.1, 0.5]), m.tensor(0), reduction="none"),
        lambda m: m.nn.functional.multi_margin_loss(m.tensor([[0.1, 0.5]]), m.tensor(1), reduction="none"),
        lambda m: m.nn.functional.multi_margin_loss(m.tensor(0.3), m.tensor([0]), reduction="none"),
        lambda m: m.nn.functional.multi_margin_loss(
            m.zeros(0, 3), m.zeros(0, dtype=m.int64), reduction="none"
        ),
        lambda m: m.nn.functional.poisson_nll_loss(m.ones(4), m.ones(3, 4), reduction="none"),
        lambda m: m.nn.functional.gaussian_nll_loss(
            m.ones(3, 4), m.zeros(3, 1), m.ones(1, 4), reduction="none"
        ),
        lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3), m.zeros(3), m.tensor(2.0), reduction="none"),
        lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3), m.zeros(3), m.tensor([2.0])),
        lambda m: m.nn.functional.triplet_margin_with_distance_loss(m.ones(4), m.zeros(4), m.ones(4) * 2),
    ],
)
def test_losses_broadcast_and_shape_their_output_like_pytorch(scenario):
    same_as_torch(scenario)


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_multi_margin_loss_of_an_empty_batch_is_zero(reduction):
    # PyTorch returns a scalar it never writes (its kernel stops at an empty input); chainrule
    # returns 0, the sum of no losses, for both reductions
    ours = F.multi_margin_loss(
        chainrule.zeros(0, 3), chainrule.zeros(0, dtype=chainrule.int64), reduction=reduction
    )
    theirs = torch.nn.functional.multi_margin_loss(
        torch.zeros(0, 3), torch.zeros(0, dtype=torch.int64), reduction=reduction
    )
    assert ours.shape == theirs.shape == ()
    assert ours.dtype == chainrule.float32 and ours.item() == 0


# --- edge values ---------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "loss, arrays, requires_grad",
    [
        # the clamp's gradient passes at the margin itself, as PyTorch's clamp_min does
        (
            lambda F, x, t: F.hinge_embedding_loss(x, t, reduction="none"),
            [
                np.array([1.0, 0.5, 2.0, -1.0, 0.7], np.float32),
                np.array([-1.0, -1.0, 0.0, 1.0, 2.0], np.float32),
            ],
            [True, False],
        ),
        (
            lambda F, a, b, t: F.margin_ranking_loss(a, b, t, margin=0.5, reduction="none"),
            [
                np.array([1.0, 2.0], np.float32),
                np.array([1.5, 0.0], np.float32),
                np.array([1.0, -1.0], np.float32),
            ],
            [True, True, True],
        ),
        # a score exactly at the margin gets no gradient in multi_margin_loss
        (
            lambda F, x, t: F.multi_margin_loss(x, t, reduction="sum"),
            [np.array([[1.0, 0.0, 2.0], [0.5, 0.5, 0.5]], np.float32), np.array([2, 0])],
            [True, False],
        ),
        # exp overflows to an inf loss and a nan gradient in PyTorch too
        (
            lambda F, x, t: F.soft_margin_loss(x, t, reduction="none"),
            [np.array([-100.0, 100.0, 0.0], np.float32), np.ones(3, np.float32)],
            [True, False],
        ),
        # zero vectors: the 1e-12 added to the squared norms keeps the cosine finite
        (
            lambda F, a, b, t: F.cosine_embedding_loss(a, b, t, reduction="none"),
            [np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32), np.array([1, -1])],
            [True, True, False],
        ),
        # Stirling's term is 0 (and passes no gradient) where target <= 1; a target of 0 gets nan
        (
            lambda F, x, t: F.poisson_nll_loss(x, t, full=True, reduction="none"),
            [
                np.array([0.1, 1.0, 2.0, -1.0, 0.3], np.float32),
                np.array([0.0, 0.5, 1.0, 2.0, 5.0], np.float32),
            ],
            [True, True],
        ),
        (
            lambda F, x, t: F.poisson_nll_loss(x, t, log_input=False, full=True, reduction="none"),
            [
                np.array([0.1, 1.0, 2.0, 0.0, 0.3], np.float32),
                np.array([0.0, 0.5, 1.0, 2.0, 5.0], np.float32),
            ],
            [True, True],
        ),
        # var below eps is clamped for the value, but its gradient passes through
        (
            lambda F, x, t, v: F.gaussian_nll_loss(x, t, v, reduction="none"),
            [
                np.array([0.3, -1.0, 2.0], np.float32),
                np.zeros(3, np.float32),
                np.array([0.0, 1e-8, 1.0], np.float32),
            ],
            [True, False, True],
        ),
    ],
    ids=[
        "hinge",
        "margin_ranking",
        "multi_margin",
        "soft_margin",
        "cosine_embedding",
        "poisson",
        "poisson_rates",
        "gaussian",
    ],
)
def test_losses_at_their_edge_values_give_pytorchs_values_and_gradients(loss, arrays, requires_grad):
    check_torch(
        lambda m, *xs: loss(m.nn.functional, *xs), None, arrays=arrays, requires_grad=requires_grad, atol=1e-6
    )


# --- errors ----------------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "scenario, message",
    [
        (lambda m: m.nn.functional.margin_ranking_loss(m.ones(3), m.ones(3, 1), m.ones(3)), "same dimension"),
        (
            lambda m: m.nn.functional.margin_ranking_loss(m.ones(3), m.ones(3), m.ones(3), reduction="x"),
            "x is not",
        ),
        (lambda m: m.nn.functional.hinge_embedding_loss(m.ones(3), m.ones(3), reduction="x"), "x is not"),
        (lambda m: m.nn.functional.hinge_embedding_loss(m.ones(3), m.ones(2)), None),
        (
            lambda m: m.nn.functional.soft_margin_loss(m.ones(4), m.ones(3, 4)),
            "doesn't match the broadcast shape",
        ),
        (lambda m: m.nn.functional.soft_margin_loss(m.ones(4), m.ones(3)), "soft_margin_loss"),
        (lambda m: m.nn.functional.soft_margin_loss(m.tensor([1, 2]), m.tensor([1, -1])), "can't be cast"),
        (
            lambda m: m.nn.functional.soft_margin_loss(m.zeros(2), m.ones(2, requires_grad=True)),
            "not differentiable with respect to argument 'target'",
        ),
        (
            lambda m: m.nn.functional.cosine_embedding_loss(m.ones(3, 4), m.ones(3, 4), m.ones(3, 1)),
            "0D or 1D target tensor expected",
        ),
        (
            lambda m: m.nn.functional.cosine_embedding_loss(m.ones(3, 4), m.ones(4), m.ones(3)),
            "1D target tensor expects 2D input tensors, but found inputs with sizes [3, 4] and [4].",
        ),
        (
            lambda m: m.nn.functional.cosine_embedding_loss(m.ones(2, 4), m.ones(4), m.tensor(1.0)),
            "0D target tensor expects 1D input tensors",
        ),
        (
            lambda m: m.nn.functional.multilabel_soft_margin_loss(m.ones(2, 3), m.ones(2, 3), reduction="x"),
            "x is not",
        ),
        (lambda m: m.nn.functional.multilabel_soft_margin_loss(m.tensor(1.0), m.tensor(1.0)), None),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(2, 3), m.tensor([0, 1]), p=3),
            "only p == 1 and p == 2",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(2, 3), m.tensor([0, 1]), weight=m.ones(1, 3)),
            "weight must be one-dimensional",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(
                m.ones(2, 3), m.tensor([0, 1]), weight=m.ones(3, requires_grad=True)
            ),
            "not differentiable with respect to argument 'weight'",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(2, 3, 4), m.tensor([0, 1])),
            "non-empty vector or matrix",
        ),
        (lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 0), m.tensor([0, 1, 0])), "non-empty vector"),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 4), m.tensor([0, 1])),
            "Expected target size [3], but got [2]. Input has shape [3, 4].",
        ),
        (lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 4), m.tensor([[0], [1], [2]])), "target size"),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 4), m.tensor([0, 1, 2]), weight=m.ones(3)),
            "inconsistent weight size, expected 4 but got [3]",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 4), m.tensor([0, 1, 4])),
            "target out of range",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 4), m.tensor([0, -1, 2])),
            "target out of range",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 4), m.tensor([0.0, 1.0, 2.0])),
            "expected scalar type Long",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 4), m.tensor([0, 1, 2], dtype=m.int32)),
            "expected scalar type Long but found Int",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(
                m.ones(3, 4), m.tensor([0, 1, 2]), weight=m.ones(4, dtype=m.float64)
            ),
            "expected scalar type Float but found Double",
        ),
        (
            lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 4, dtype=m.int64), m.tensor([0, 1, 2])),
            "not implemented for 'Long'",
        ),
        (lambda m: m.nn.functional.poisson_nll_loss(m.ones(3), m.ones(3), reduction="x"), "x is not"),
        (lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3), m.ones(3), -0.5), "var has negative entry"),
        (
            lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3), m.ones(3), -m.ones(3)),
            "var has negative entry",
        ),
        (lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3), m.ones(3), 1), None),
        (
            lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3, 4), m.ones(3, 4), m.ones(1, 1)),
            "incorrect size",
        ),
        (
            lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3, 4), m.ones(3, 4), m.ones(4)),
            "incorrect size",
        ),
        (
            lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3, 4), m.ones(3, 4), m.tensor(1.0)),
            "incorrect size",
        ),
        (
            lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3), m.ones(3), m.ones(2), reduction="x"),
            "incorrect size",
        ),
        (
            lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3), m.ones(3), m.ones(3), reduction="x"),
            "x is not valid",
        ),
        (
            lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3), m.ones(3), m.ones(3, dtype=m.int64)),
            "can't be cast",
        ),
        (
            lambda m: m.nn.functional.triplet_margin_with_distance_loss(
                m.ones(3, 4), m.ones(3, 4), m.ones(4)
            ),
            "anchor 2D, positive 2D, and negative 1D inputs",
        ),
        (
            lambda m: m.nn.functional.triplet_margin_with_distance_loss(
                m.ones(3), m.ones(3), m.ones(3), margin=0
            ),
            "margin must be greater than 0, got 0",
        ),
        (
            lambda m: m.nn.functional.triplet_margin_with_distance_loss(
                m.ones(3), m.ones(3), m.ones(3), margin=0, reduction="x"
            ),
            "x is not a valid value for reduction",
        ),
        (lambda m: m.nn.MultiMarginLoss(p=3), "only p == 1 and p == 2 supported"),
        (
            lambda m: m.nn.MultiMarginLoss(weight=m.ones(2, 2)),
            "expected weight to be None or 1D tensor, got 2D",
        ),
        (
            lambda m: m.nn.TripletMarginWithDistanceLoss(margin=0),
            "expected margin to be greater than 0, got 0",
        ),
        (lambda m: m.nn.TripletMarginLoss(margin=-1.0), "expected margin to be greater than 0, got -1.0"),
    ],
)
def test_bad_arguments_raise_pytorchs_exceptions(scenario, message):
    assert_same_error(scenario, message)


# --- the layers themselves ---------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True)])
@pytest.mark.parametrize(
    "make, arrays",
    [
        (lambda m, s, r: m.nn.MarginRankingLoss(0.1, s, r), [SCORES[:, 0], OTHER_SCORES[:, 0], SIGNS]),
        (lambda m, s, r: m.nn.HingeEmbeddingLoss(0.5, s, r), [SCORES, np.sign(OTHER_SCORES)]),
        (lambda m, s, r: m.nn.SoftMarginLoss(s, r), [SCORES, np.sign(OTHER_SCORES)]),
        (lambda m, s, r: m.nn.CosineEmbeddingLoss(0.1, s, r), [SCORES, OTHER_SCORES, SIGNS]),
        (lambda m, s, r: m.nn.MultiLabelSoftMarginLoss(None, s, r), [SCORES, LABELS]),
        (lambda m, s, r: m.nn.MultiMarginLoss(2, 0.5, None, s, r), [SCORES, SCORE_CLASSES]),
        (lambda m, s, r: m.nn.PoissonNLLLoss(True, False, s, 1e-8, r), [SCORES, COUNTS]),
    ],
    ids=[
        "margin_ranking",
        "hinge",
        "soft_margin",
        "cosine_embedding",
        "multilabel",
        "multi_margin",
        "poisson",
    ],
)
def test_legacy_size_average_and_reduce_pick_pytorchs_reduction_in_the_new_losses(
    make, arrays, size_average, reduce
):
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        ours, theirs = make(chainrule, size_average, reduce), make(torch, size_average, reduce)
    assert ours.reduction == theirs.reduction
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tensors = [(chainrule.tensor(a), torch.tensor(a)) for a in arrays]
        functional = {
            "MarginRankingLoss": "margin_ranking_loss",
            "HingeEmbeddingLoss": "hinge_embedding_loss",
            "SoftMarginLoss": "soft_margin_loss",
            "CosineEmbeddingLoss": "cosine_embedding_loss",
            "MultiLabelSoftMarginLoss": "multilabel_soft_margin_loss",
            "MultiMarginLoss": "multi_margin_loss",
            "PoissonNLLLoss": "poisson_nll_loss",
        }[type(ours).__name__]
        ours_value = getattr(F, functional)(
            *(a for a, _ in tensors), size_average=size_average, reduce=reduce
        )
        theirs_value = getattr(torch.nn.functional, functional)(
            *(b for _, b in tensors), size_average=size_average, reduce=reduce
        )
    np.testing.assert_allclose(ours_value.numpy(), theirs_value.numpy(), rtol=1e-5)


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.nn.MultiMarginLoss(weight=m.ones(3)),
        lambda m: m.nn.MultiLabelSoftMarginLoss(weight=m.ones(3)),
        lambda m: m.nn.MultiMarginLoss(),
        lambda m: m.nn.TripletMarginWithDistanceLoss(),
        lambda m: m.nn.TripletMarginWithDistanceLoss(distance_function=m.nn.PairwiseDistance(p=1)),
        lambda m: m.nn.MarginRankingLoss(),
        lambda m: m.nn.HingeEmbeddingLoss(),
        lambda m: m.nn.SoftMarginLoss(),
        lambda m: m.nn.CosineEmbeddingLoss(),
        lambda m: m.nn.PoissonNLLLoss(),
        lambda m: m.nn.GaussianNLLLoss(),
        lambda m: m.nn.PairwiseDistance(),
        lambda m: m.nn.CosineSimilarity(),
    ],
)
def test_new_layers_have_pytorchs_state_dict_repr_and_defaults(make):
    ours, theirs = make(chainrule), make(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    for name in ("reduction", "margin", "p", "swap", "log_input", "full", "eps", "norm", "keepdim", "dim"):
        assert getattr(ours, name, None) == getattr(theirs, name, None), name


@requires_torch
@pytest.mark.parametrize(
    "make, shapes",
    [
        (lambda m: m.nn.PairwiseDistance(), [(5, 4), (5, 4)]),
        (lambda m: m.nn.PairwiseDistance(p=1.0, eps=1e-3, keepdim=True), [(5, 4), (1, 4)]),
        (lambda m: m.nn.PairwiseDistance(p=3.0), [(4,), (4,)]),
        (lambda m: m.nn.CosineSimilarity(), [(5, 4), (5, 4)]),
        (lambda m: m.nn.CosineSimilarity(dim=0, eps=1e-6), [(5, 4), (5, 1)]),
    ],
)
def test_distance_layers_match_pytorch(make, shapes):
    check_module(make, shapes)


def test_distance_layers_match_finite_differences_to_second_order():
    check_gradcheck(lambda m, x, y: m.nn.PairwiseDistance(p=3.0)(x, y), [(4, 3), (4, 3)], second_order=True)
    check_gradcheck(lambda m, x, y: m.nn.CosineSimilarity(dim=0)(x, y), [(4, 3), (4, 3)], second_order=True)
