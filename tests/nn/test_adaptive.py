"""AdaptiveLogSoftmaxWithLoss against PyTorch and finite differences."""

import numpy as np
import pytest

import chainrule

from module_oracle import check_module, copy_weights
from oracle import assert_same_error, check_gradcheck, requires_torch, torch

rng = np.random.default_rng(0)
FEATURES = rng.uniform(-1, 1, (6, 16)).astype(np.float32)
TARGETS = np.array([0, 5, 9, 3, 7, 4])  # the shortlist [0, 4), clusters [4, 7) and [7, 10)


def _layer(m, head_bias=True):
    return m.nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[4, 7], div_value=2.0, head_bias=head_bias)


@requires_torch
@pytest.mark.parametrize("head_bias", [False, True])
def test_output_loss_and_gradients_match_pytorch(head_bias):
    check_module(
        lambda m: _layer(m, head_bias), None, arrays=[FEATURES, TARGETS], requires_grad=[True, False]
    )


@requires_torch
def test_targets_only_in_the_shortlist_match_pytorch():
    check_module(_layer, None, arrays=[FEATURES, TARGETS % 4], requires_grad=[True, False])


@requires_torch
def test_an_unbatched_sample_matches_pytorch():
    check_module(_layer, None, arrays=[FEATURES[0], np.array(8)], requires_grad=[True, False])


def test_gradients_match_finite_differences():
    layer = _layer(chainrule).double()
    check_gradcheck(
        lambda m, x, t: layer(x, t), None, arrays=[FEATURES.astype(np.float64), TARGETS], second_order=True
    )


@requires_torch
@pytest.mark.parametrize(
    "cluster_weight, cluster_bias",
    [(0.0, 0.0), (20.0, 0.0), (0.0, 100.0)],
    ids=["shortlist", "mixed", "clusters"],
)
def test_log_prob_and_predict_match_pytorch(cluster_weight, cluster_bias):
    theirs, ours = _layer(torch), _layer(chainrule)
    with torch.no_grad():  # rows with a large first feature (or all rows) prefer the first cluster
        theirs.head.weight[4, 0] = cluster_weight
        theirs.head.bias[4] = cluster_bias
    copy_weights(theirs, ours)
    x = FEATURES + np.float32(0.1)
    their_log_prob = theirs.log_prob(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours.log_prob(chainrule.tensor(x)).detach().numpy(), their_log_prob, rtol=1e-5)
    their_classes = theirs.predict(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(ours.predict(chainrule.tensor(x)).numpy(), their_classes)


@requires_torch
def test_result_is_a_named_pair_with_pytorchs_shapes():
    result = _layer(chainrule)(chainrule.tensor(FEATURES), chainrule.tensor(TARGETS))
    output, loss = result
    assert result.output is output and result.loss is loss
    assert output.shape == (6,) and loss.shape == ()


@requires_torch
@pytest.mark.parametrize(
    "scenario",
    [
        lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[]),
        lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[7, 4]),
        lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[4, 10]),
        lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[0, 4]),
        lambda m: m.nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[4, 4]),
        lambda m: _layer(m)(m.ones(6, 16), m.tensor([0, 1, 2, 3, 4, 10])),
        lambda m: _layer(m)(m.ones(6, 16), m.tensor([0, 1, 2, 3, 4, -1])),
        lambda m: _layer(m)(m.ones(5, 16), m.tensor([0, 1, 2, 3, 4, 5])),
        lambda m: _layer(m)(m.ones(6, 2, 16), m.tensor([0, 1, 2, 3, 4, 5])),
        lambda m: _layer(m)(m.ones(2, 16), m.tensor(1)),
        lambda m: _layer(m)(m.ones(2, 16), m.tensor([[1, 2]])),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(scenario):
    assert_same_error(scenario)
