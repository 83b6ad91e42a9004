"""F.upsample_nearest and F.upsample_bilinear, PyTorch's deprecated names of interpolate."""

import numpy as np
import pytest

from oracle import check, requires_torch, run_both

rng = np.random.default_rng(0)
IMAGE = rng.uniform(-1, 1, (2, 3, 4, 5)).astype(np.float32)


@pytest.mark.filterwarnings("ignore:`nn.functional.upsample")
@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.upsample_nearest(x, scale_factor=2),
        lambda F, x: F.upsample_nearest(x, size=(7, 3)),
        lambda F, x: F.upsample_nearest(x[0], size=9),
        lambda F, x: F.upsample_bilinear(x, scale_factor=2),
        lambda F, x: F.upsample_bilinear(x, size=(7, 3)),
    ],
    ids=["nearest-scale", "nearest-size", "nearest-1d", "bilinear-scale", "bilinear-size"],
)
def test_deprecated_upsampling_matches_pytorch_and_finite_differences(call):
    # bilinear is interpolate with align_corners=True; PyTorch has no second derivative of it
    check(lambda m, x: call(m.nn.functional, x), None, arrays=[IMAGE], second_order=False)


@requires_torch
@pytest.mark.parametrize("name", ["upsample_nearest", "upsample_bilinear"])
def test_deprecated_upsampling_warns_as_pytorch_does(name):
    def scenario(m):
        with pytest.warns(UserWarning) as record:
            getattr(m.nn.functional, name)(m.ones(1, 1, 2, 2), scale_factor=2)
        return [str(w.message) for w in record]

    ours, theirs = run_both(scenario)[::-1]
    assert (
        ours == theirs == [f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead."]
    )
