# A small CNN in the style of the MNIST tutorials (Conv2d, BatchNorm2d, ReLU,
# MaxPool2d, Dropout, Flatten, Linear) on random 1x28x28 "images": class 1
# images have a bright square in the top-left corner. First a deterministic
# check (weights copied in from NumPy, eval mode), then a short training run.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

rng = np.random.default_rng(4)
n = 128
images = rng.normal(size=(n, 1, 28, 28)).astype(np.float32) * 0.5
labels = rng.integers(0, 2, size=n)
images[labels == 1, :, 2:10, 2:10] += 2.0
X, y = torch.from_numpy(images), torch.from_numpy(labels)


class ConvNet(nn.Module):
    def __init__(self, num_classes=2):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),  # 14x14
            nn.Conv2d(8, 16, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2),  # 7x7
        )
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = self.flatten(x)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


def load_numpy_weights(model, seed):
    """Give every parameter a value drawn by NumPy (the same in any library)."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            bound = 1.0 / np.sqrt(fan_in)
            p.copy_(torch.from_numpy(rng.uniform(-bound, bound, size=tuple(p.shape)).astype(np.float32)))


model = ConvNet().to(device)
print(model)

# --- deterministic part --------------------------------------------------
load_numpy_weights(model, seed=5)
with torch.no_grad():
    model.eval()
    print("output shape for one batch:", model(X[:4]).shape)
model.train()
_ = model.features(X[:64])  # a training-mode pass updates BatchNorm running stats
bn_mean = model.features[1].running_mean.clone()
bn_var = model.features[1].running_var.clone()
model.eval()
out = model(X[:16])
loss = F.cross_entropy(out, y[:16])
loss.backward()
conv1_grad = model.features[0].weight.grad.clone()
fc2_grad = model.fc2.weight.grad.clone()
eval_loss = loss.item()
print(f"eval logits[0] {out[0].tolist()}, loss {loss.item():.5f}, conv1 grad norm {conv1_grad.norm():.5f}")
state_keys = list(model.state_dict().keys())
print(f"state_dict has {len(state_keys)} entries, e.g. {state_keys[:4]}")

# --- training (a fresh model with the library's default initialisation) ----
model = ConvNet().to(device)
loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
optimizer = optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
train_losses = []
for epoch in range(4):
    model.train()
    total = 0.0
    for batch_idx, (data, target) in enumerate(loader):  # noqa: B007 - the tutorial's loop
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        total += loss.item()
    train_losses.append(total / len(loader))
    print(f"Train Epoch: {epoch} \tLoss: {train_losses[-1]:.6f}")

model.eval()
correct = 0
with torch.no_grad():
    output = model(X)
    pred = output.argmax(dim=1, keepdim=True)
    correct += pred.eq(y.view_as(pred)).sum().item()
print(f"Train set: Accuracy: {correct}/{len(X)} ({100.0 * correct / len(X):.0f}%)")

RESULTS = {
    "bn_running_mean": bn_mean.tolist(),
    "bn_running_var": bn_var.tolist(),
    "eval_logits": out[:4].tolist(),
    "conv1_grad": conv1_grad[:2].tolist(),
    "fc2_grad": fc2_grad.tolist(),
    "eval_loss": eval_loss,
    "num_batches_tracked": model.features[1].num_batches_tracked.item(),
    "state_keys": state_keys,
}
BEHAVIOUR = {"loss_fell": train_losses[-1] < train_losses[0], "accurate": correct / len(X) > 0.9}
