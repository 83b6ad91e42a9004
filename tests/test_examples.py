"""The examples run, and their training loops learn."""

import runpy
from pathlib import Path

import numpy as np

import chainrule

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_seed_training_loop_runs_unchanged_and_its_network_learns_a_fixed_batch(capsys):
    namespace = runpy.run_path(str(EXAMPLES / "seed_training_loop.py"), run_name="__main__")
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 100 and printed[0].startswith("epoch   0  loss ")
    assert all(np.isfinite(float(line.split()[-1])) for line in printed)

    # The seed draws fresh random inputs and targets every step, so its loss is
    # noise around the targets' variance. The same loop on one fixed batch must
    # drive the loss down.
    torch, nn, optim = namespace["torch"], namespace["nn"], namespace["optim"]
    assert torch is chainrule
    torch.manual_seed(1)
    inputs, targets = torch.randn(16, 10), torch.randn(16, 1)
    net = namespace["Net"]()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for _ in range(100):
        optimizer.zero_grad()
        loss = criterion(net(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:10])
