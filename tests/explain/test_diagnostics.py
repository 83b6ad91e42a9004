"""DiagnosticsCallback: small models that trigger each warning, statistics
checked against an independent computation, and the files it writes."""

import json
import warnings

import numpy as np
import pytest

import chainrule
from chainrule import cli, nn
from chainrule.explain import DiagnosticsCallback
from chainrule.explain.diagnostics import TrainingDiagnosticWarning
from chainrule.train import fit
from chainrule.utils.data import DataLoader, TensorDataset

from oracle import requires_torch, torch


def train(model, callback, lr=0.01, epochs=2, batches=4, inputs=4, seed=0):
    """Fit ``model`` on random regression data with ``callback``; returns the diagnostic warnings."""
    chainrule.manual_seed(seed)
    X = chainrule.randn(8 * batches, inputs)
    y = chainrule.randn(8 * batches, 1)
    loader = DataLoader(TensorDataset(X, y), batch_size=8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(
            model,
            nn.MSELoss(),
            chainrule.optim.SGD(model.parameters(), lr=lr),
            loader,
            epochs=epochs,
            callbacks=[callback],
        )
    return [str(w.message) for w in caught if issubclass(w.category, TrainingDiagnosticWarning)]


def kinds(callback):
    return {d.kind for d in callback.diagnoses}


def test_a_deep_sigmoid_network_warns_that_the_early_layers_gradients_vanish():
    chainrule.manual_seed(0)
    layers = []
    for _ in range(8):
        layers += [nn.Linear(4, 4), nn.Sigmoid()]
    callback = DiagnosticsCallback(plot=False)
    messages = train(nn.Sequential(*layers, nn.Linear(4, 1)), callback)
    vanishing = [d for d in callback.diagnoses if d.kind == "vanishing"]
    assert vanishing and vanishing[0].layer == "0" and "'0'" in vanishing[0].message
    assert "16" not in vanishing[0].layers  # the last layer keeps its gradient
    assert (
        sum("Vanishing gradients in layers '0'" in m for m in messages) == 1
    )  # one warning, not one per epoch
    norms = callback.epochs[0]["layers"]
    assert norms["0"]["grad_norm"] < 1e-3 * norms["16"]["grad_norm"]


def test_large_weights_make_the_gradients_explode():
    chainrule.manual_seed(0)
    layers = [nn.Linear(4, 4) for _ in range(6)]
    with chainrule.no_grad():
        for layer in layers:
            layer.weight.mul_(8.0)
    callback = DiagnosticsCallback(plot=False)
    messages = train(nn.Sequential(*layers, nn.Linear(4, 1)), callback, lr=1e-12, epochs=1)
    assert kinds(callback) == {"exploding"}
    assert any(m.startswith("Exploding gradients in layers '0', '1'") and "clip" in m for m in messages)


def test_relus_that_never_fire_are_reported_dead_with_the_zero_gradients_they_cause():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1))
    with chainrule.no_grad():
        model[0].bias.fill_(-20.0)
    callback = DiagnosticsCallback(plot=False)
    messages = train(model, callback, epochs=1)
    dead = next(d for d in callback.diagnoses if d.kind == "dead_relu")
    assert dead.layer == "1" and "100% of its units" in dead.message
    zero = {d.layer: d.message for d in callback.diagnoses if d.kind == "zero_gradient"}
    assert set(zero) == {"0", "2"}
    assert "'0.weight', '0.bias'" in zero["0"] and "layer '1' is dead" in zero["0"]
    assert len(messages) == 3


def test_a_sigmoid_driven_into_saturation_is_reported():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Sigmoid(), nn.Linear(8, 1))
    with chainrule.no_grad():
        model[0].weight.mul_(200.0)
    callback = DiagnosticsCallback(plot=False)
    messages = train(model, callback, epochs=1)
    saturated = next(d for d in callback.diagnoses if d.kind == "saturated")
    assert saturated.layer == "1" and "Sigmoid" in saturated.message
    assert any("σ'(z) = σ(z)(1 − σ(z)) is below 0.01" in m for m in messages)


def test_vanishing_gradients_behind_a_saturated_sigmoid_name_it_as_the_cause():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Sigmoid(), nn.Linear(8, 1))
    with chainrule.no_grad():
        model[0].weight.mul_(1000.0)
    callback = DiagnosticsCallback(plot=False)
    train(model, callback, epochs=1)
    vanishing = next(d for d in callback.diagnoses if d.kind == "vanishing")
    assert vanishing.layers == ("0",)
    assert "(here layer '1' is saturated)" in vanishing.message


class LogOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        # z * (z > 0), not relu(z): relu's gradient where it is 0 is 0 even from log's
        # inf (as in PyTorch), while the product's is inf * 0 = nan, in both libraries
        z = self.fc(x)
        return chainrule.log(z * (z > 0))


def test_a_nan_gradient_from_log_of_zero_names_the_op_the_layer_and_the_line():
    chainrule.manual_seed(0)
    callback = DiagnosticsCallback(plot=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        messages = train(LogOutput(), callback, epochs=1)
    nan = next(d for d in callback.diagnoses if d.kind == "nan_gradient")
    assert nan.layer == "fc"
    assert "'fc.weight'" in nan.message and "epoch 1, step 1" in nan.message
    assert "log(0) = -inf" in nan.message
    assert "`return chainrule.log(z * (z > 0))`" in nan.message
    assert "test_diagnostics.py:" in nan.message
    assert len([m for m in messages if "NaN or Inf" in m]) == 1


class DetachedEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        features = self.encoder(x).detach()
        return self.head(features)


def test_a_parameter_cut_off_by_detach_is_reported_with_the_line_that_cuts_the_graph():
    callback = DiagnosticsCallback(plot=False)
    messages = train(DetachedEncoder(), callback, epochs=1)
    missing = [d for d in callback.diagnoses if d.kind == "no_gradient"]
    assert [d.layer for d in missing] == ["encoder"]
    assert "'encoder.weight'" in missing[0].message and ".grad is None" in missing[0].message
    assert "`features = self.encoder(x).detach()`" in missing[0].message
    assert "the graph is cut between this layer and the loss" in missing[0].message
    assert len(messages) == 1


def test_a_healthy_network_trains_without_warnings():
    chainrule.manual_seed(0)
    callback = DiagnosticsCallback(plot=False)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    assert train(model, callback, epochs=3) == []
    assert callback.diagnoses == [] and len(callback.epochs) == 3


@requires_torch
def test_recorded_statistics_equal_an_independent_computation():
    chainrule.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1))
    X = chainrule.randn(8, 3)
    y = chainrule.randn(8, 1)
    W1, b1 = model[0].weight.detach().numpy().copy(), model[0].bias.detach().numpy().copy()
    W2, b2 = model[2].weight.detach().numpy().copy(), model[2].bias.detach().numpy().copy()
    callback = DiagnosticsCallback(plot=False)
    fit(
        model,
        nn.MSELoss(),
        chainrule.optim.SGD(model.parameters(), lr=0.0),
        DataLoader(TensorDataset(X, y), batch_size=8),
        epochs=1,
        callbacks=[callback],
    )
    layers = callback.epochs[0]["layers"]

    hidden = X.numpy() @ W1.T + b1
    relu = np.maximum(hidden, 0)
    assert layers["0"]["activation_mean"] == pytest.approx(float(hidden.mean()), rel=1e-5)
    assert layers["0"]["activation_std"] == pytest.approx(float(hidden.std()), rel=1e-5)
    assert layers["1"]["zero_fraction"] == pytest.approx(float(np.mean(relu == 0)))
    assert layers["1"]["dead_fraction"] == pytest.approx(float(np.mean(~(relu > 0).any(axis=0))))

    reference = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))
    with torch.no_grad():
        for p, value in zip(reference.parameters(), (W1, b1, W2, b2)):
            p.copy_(torch.from_numpy(value))
    torch.nn.functional.mse_loss(
        reference(torch.from_numpy(X.numpy())), torch.from_numpy(y.numpy())
    ).backward()
    first = np.sqrt(sum(float((p.grad**2).sum()) for p in list(reference.parameters())[:2]))
    last = np.sqrt(sum(float((p.grad**2).sum()) for p in list(reference.parameters())[2:]))
    assert layers["0"]["grad_norm"] == pytest.approx(first, rel=1e-4)
    assert layers["2"]["grad_norm"] == pytest.approx(last, rel=1e-4)


def test_the_plot_and_the_numbers_are_written_to_out_dir(tmp_path, capsys):
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1))
    with chainrule.no_grad():
        model[0].bias.fill_(-20.0)
    callback = DiagnosticsCallback(tmp_path / "diag")
    train(model, callback, epochs=2)
    png, saved = tmp_path / "diag" / "diagnostics.png", tmp_path / "diag" / "diagnostics.json"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"diagnostics: {png}" in capsys.readouterr().out
    content = json.loads(saved.read_text())
    assert [e["epoch"] for e in content["epochs"]] == [1, 2]
    assert {w["kind"] for w in content["warnings"]} == {"dead_relu", "zero_gradient"}
    assert callback.files == [saved, png]


def test_chainrule_train_diagnose_writes_the_diagnostics_into_the_run_folder(tmp_path):
    run = tmp_path / "run"
    status = cli.main(
        [
            "train",
            "--dataset",
            "moons",
            "--model",
            "seed-net",
            "--epochs",
            "2",
            "--diagnose",
            "--out",
            str(run),
            "--quiet",
        ]
    )
    assert status == 0
    assert (run / "diagnostics.png").stat().st_size > 10_000
    epochs = json.loads((run / "diagnostics.json").read_text())["epochs"]
    assert len(epochs) == 2 and all(layer.get("grad_norm", 1) > 0 for layer in epochs[-1]["layers"].values())
