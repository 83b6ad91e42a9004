"""constraints: the checks and reprs of the constraints against PyTorch's."""

import pytest

from oracle import requires_torch, same_as_torch

VALUES = [-1.0, 0.0, 0.5, 1.0, 1.5, float("nan")]


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda c: c.half_open_interval(0.0, 1.0),
        lambda c: c.interval(0.0, 1.0),
    ],
    ids=["half_open_interval", "interval"],
)
def test_checks_and_repr_match_torch(make):
    def scenario(m):
        constraint = make(m.distributions.constraints)
        return (
            constraint.check(m.tensor(VALUES)),
            repr(constraint),
            constraint.event_dim,
            constraint.is_discrete,
        )

    same_as_torch(scenario)


@requires_torch
def test_half_open_interval_bounds_may_be_tensors():
    def scenario(m):
        constraint = m.distributions.constraints.half_open_interval(
            m.tensor([0.0, 1.0]), m.tensor([1.0, 2.0])
        )
        return constraint.check(m.tensor([[0.0, 2.0], [1.0, 1.0]]))

    same_as_torch(scenario)
