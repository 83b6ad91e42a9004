"""chainrule bench: both libraries do the same work, and the command reports a ratio."""

import pytest

from chainrule import bench, cli

from oracle import requires_torch

pytestmark = requires_torch


TRAINING_CASES = [name for name in bench.CASES if name not in ("tiny", "mlp-tensor-ops")]


@pytest.mark.parametrize("name", TRAINING_CASES)
def test_each_training_case_starts_from_pytorchs_weights_and_gives_its_loss(name):
    import torch

    import chainrule

    torch.manual_seed(0)
    theirs, torch_model = bench.CASES[name](torch, None)
    ours, model = bench.CASES[name](chainrule, torch_model)
    model.eval()  # dropout would draw different masks in the two libraries
    torch_model.eval()
    assert ours().item() == pytest.approx(theirs().item(), rel=1e-4)


def test_compare_reports_the_median_ratio_of_alternating_rounds():
    calls = {"ours": 0, "theirs": 0}

    def ours():
        calls["ours"] += 1

    def theirs():
        calls["theirs"] += 1

    result = bench.compare("noop", ours, theirs, rounds=3, min_seconds=0.001, warmup=1, quiet=True)
    assert result["rounds"] == 3 and result["ratio_min"] <= result["ratio_median"] <= result["ratio_max"]
    assert calls["ours"] > 3 and calls["theirs"] > 3


def test_bench_command_prints_a_ratio_for_the_chosen_case(capsys):
    assert cli.main(["bench", "tiny", "--rounds", "1", "--seconds", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "ratio" in out
    assert "chainrule's products on " in out


def test_bench_command_names_an_unknown_case(capsys):
    assert cli.main(["bench", "nope"]) == 1
    assert "unknown case 'nope'" in capsys.readouterr().err
