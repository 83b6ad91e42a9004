# An MLP classifier, tutorial style: TensorDataset + DataLoader(shuffle=True),
# CrossEntropyLoss, Adam, a train loop with running loss, an evaluation loop
# with model.eval(), torch.no_grad(), argmax and accuracy.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# three spirals-ish classes: separable but not linearly
rng = np.random.default_rng(3)
n_per_class, n_classes = 100, 3
xs, ys = [], []
for c in range(n_classes):
    r = np.linspace(0.1, 1.0, n_per_class)
    t = np.linspace(c * 4, (c + 1) * 4, n_per_class) + rng.normal(scale=0.2, size=n_per_class)
    xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
    ys.append(np.full(n_per_class, c))
X = torch.tensor(np.concatenate(xs), dtype=torch.float32)
Y = torch.tensor(np.concatenate(ys))
perm = rng.permutation(len(X))
train_idx, test_idx = perm[:240], perm[240:]
train_ds = TensorDataset(X[train_idx], Y[train_idx])
test_ds = TensorDataset(X[test_idx], Y[test_idx])
train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
test_loader = DataLoader(test_ds, batch_size=64)


class MLP(nn.Module):
    def __init__(self, in_features=2, hidden=64, num_classes=3):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, num_classes)
        self.dropout = nn.Dropout(p=0.1)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.dropout(F.relu(self.fc2(x)))
        return self.fc3(x)


model = MLP().to(device)
print(model)
n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"trainable parameters: {n_params}")
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=1e-2)


def evaluate(model, loader):
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            loss_sum += criterion(outputs, labels).item() * labels.size(0)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return loss_sum / total, correct / total


initial_loss, initial_acc = evaluate(model, test_loader)
epoch_losses = []
for epoch in range(30):
    model.train()
    running_loss = 0.0
    for i, (inputs, labels) in enumerate(train_loader):  # noqa: B007 - the tutorial's loop
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    epoch_losses.append(running_loss / len(train_loader))
    if (epoch + 1) % 10 == 0:
        test_loss, test_acc = evaluate(model, test_loader)
        print(f"[epoch {epoch + 1}] train loss: {epoch_losses[-1]:.3f}", end="  ")
        print(f"test loss {test_loss:.3f}  acc {100 * test_acc:.1f}%")

test_loss, test_acc = evaluate(model, test_loader)
model.eval()
with torch.no_grad():
    probs = F.softmax(model(X[:5]), dim=1)
    pred = probs.argmax(dim=1, keepdim=True)
print(f"first predictions {pred.view(-1).tolist()}, probs sum {probs.sum(1).tolist()}")
print(f"Accuracy of the network on the {len(test_ds)} test points: {100 * test_acc:.1f} %")

RESULTS = {
    "n_params": n_params,
    "num_batches": len(train_loader),
    "probs_sum": probs.sum(1).tolist(),
    "pred_shape": list(pred.shape),
}
BEHAVIOUR = {
    "initial_near_chance": initial_acc < 0.7,
    "loss_fell": epoch_losses[-1] < 0.5 * epoch_losses[0],
    "accurate": test_acc > 0.8,
    "eval_mode_after_evaluate": not model.training,
}
