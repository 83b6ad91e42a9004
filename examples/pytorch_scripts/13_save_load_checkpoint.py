# Saving and loading, as in the PyTorch "Saving and loading models" recipe:
# torch.save(model.state_dict(), PATH) / model.load_state_dict(torch.load(PATH)),
# a full checkpoint dict with the optimizer's state_dict, resuming training,
# and the device idiom model.to(device).
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"Using {device} device")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


def load_numpy_weights(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, size=tuple(p.shape)).astype(np.float32)))


rng = np.random.default_rng(15)
X = torch.from_numpy(rng.normal(size=(64, 4)).astype(np.float32)).to(device)
y = torch.from_numpy(rng.integers(0, 3, size=64)).to(device)
criterion = nn.CrossEntropyLoss()


def train(model, optimizer, steps):
    losses = []
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


# uninterrupted: 20 steps
reference = Net().to(device)
load_numpy_weights(reference, seed=16)
ref_opt = optim.Adam(reference.parameters(), lr=0.01, weight_decay=1e-4)
ref_losses = train(reference, ref_opt, 20)

# interrupted: 10 steps, checkpoint, a fresh process-like restart, 10 more steps
model = Net().to(device)
load_numpy_weights(model, seed=16)
optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
first_half = train(model, optimizer, 10)

tmpdir = tempfile.mkdtemp()
PATH = os.path.join(tmpdir, "checkpoint.pt")
torch.save(
    {
        "epoch": 10,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": first_half[-1],
    },
    PATH,
)
print(f"checkpoint written: {os.path.getsize(PATH) > 0}")

restored = Net()
restored_opt = optim.Adam(restored.parameters(), lr=0.5)  # lr comes back from the checkpoint
checkpoint = torch.load(PATH)
restored.load_state_dict(checkpoint["model_state_dict"])
restored_opt.load_state_dict(checkpoint["optimizer_state_dict"])
epoch = checkpoint["epoch"]
restored.to(device)
print(
    f"resumed at epoch {epoch}, saved loss {checkpoint['loss']:.4f}, lr {restored_opt.param_groups[0]['lr']}"
)
second_half = train(restored, restored_opt, 10)
resumed_losses = first_half + second_half
max_diff = max(abs(a - b) for a, b in zip(resumed_losses, ref_losses))
print(f"resumed run vs uninterrupted run: max loss difference {max_diff:.2e}")

# inference: weights only, eval mode
MODEL_PATH = os.path.join(tmpdir, "model_weights.pth")
torch.save(restored.state_dict(), MODEL_PATH)
inference_model = Net()
result = inference_model.load_state_dict(torch.load(MODEL_PATH))
inference_model.eval()
with torch.no_grad():
    logits = inference_model(X[:5])
    predictions = logits.argmax(dim=1)
print(f"predictions {predictions.tolist()}")

# what a state_dict holds
sd = restored.state_dict()
opt_sd = restored_opt.state_dict()
print("state_dict:", {k: tuple(v.shape) for k, v in sd.items()})
print(
    "optimizer state keys:",
    list(opt_sd.keys()),
    "param_groups keys:",
    sorted(opt_sd["param_groups"][0].keys())[:4],
)

# load one layer out of a full state_dict; strict=False reports what did not match
head = nn.Linear(8, 3)
head.load_state_dict({k[len("fc2.") :]: v for k, v in sd.items() if k.startswith("fc2.")})
missing_unexpected = head.load_state_dict({"weight": sd["fc2.weight"], "extra": torch.zeros(1)}, strict=False)
print(f"missing {missing_unexpected.missing_keys}, unexpected {missing_unexpected.unexpected_keys}")

RESULTS = {
    "ref_losses": ref_losses,
    "resumed_losses": resumed_losses,
    "epoch": epoch,
    "saved_loss": checkpoint["loss"],
    "restored_lr": restored_opt.param_groups[0]["lr"],
    "logits": logits.tolist(),
    "predictions": predictions.tolist(),
    "state_dict": {k: list(v.shape) for k, v in sd.items()},
    "running_var": sd["bn.running_var"].tolist(),
    "num_batches_tracked": sd["bn.num_batches_tracked"].item(),
    "optimizer_keys": list(opt_sd.keys()),
    "optimizer_state_step": float(opt_sd["state"][0]["step"]),
    "optimizer_exp_avg": opt_sd["state"][0]["exp_avg"][0].tolist(),
    "param_group_params": opt_sd["param_groups"][0]["params"],
    "betas": list(opt_sd["param_groups"][0]["betas"]),
    "load_result": [list(result.missing_keys), list(result.unexpected_keys)],
    "partial": [missing_unexpected.missing_keys, missing_unexpected.unexpected_keys],
    "head_bias": head.bias.tolist(),
}
BEHAVIOUR = {"resume_is_exact": max_diff < 1e-6}
