# A custom Dataset subclass with a transform, random_split into train and
# validation sets, DataLoader batching (default collate of tensors, ints,
# floats and dicts), drop_last, and a regression model trained on it.
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, Subset, random_split


class SineDataset(Dataset):
    """y = sin(x) sampled on a grid; each item is (features, target, index)."""

    def __init__(self, n_samples=120, transform=None):
        self.x = np.linspace(-math.pi, math.pi, n_samples, dtype=np.float32)
        self.y = np.sin(self.x).astype(np.float32)
        self.transform = transform

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        features = torch.tensor([self.x[idx]])
        if self.transform:
            features = self.transform(features)
        return features, torch.tensor([self.y[idx]]), idx


def scale(t):
    return t / math.pi


dataset = SineDataset(transform=scale)
print(f"dataset size {len(dataset)}; first item {dataset[0]}")

first_batch = next(iter(DataLoader(dataset, batch_size=4)))
xb, yb, ib = first_batch
print(f"batch shapes {tuple(xb.shape)} {tuple(yb.shape)}, index batch {ib} ({ib.dtype})")

generator = torch.Generator().manual_seed(42)
train_set, val_set = random_split(dataset, [100, 20], generator=generator)
print(f"train {len(train_set)}  val {len(val_set)}  type {type(train_set).__name__}")
train_loader = DataLoader(train_set, batch_size=16, shuffle=True, drop_last=True)
val_loader = DataLoader(val_set, batch_size=16, shuffle=False)
print(f"batches per epoch: train {len(train_loader)}  val {len(val_loader)}")


class DictDataset(Dataset):
    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        x, y, _ = self.base[i]
        return {"x": x, "y": y, "weight": 1.0}


dict_batch = next(iter(DataLoader(DictDataset(Subset(dataset, range(10))), batch_size=5)))
print({k: (tuple(v.shape), str(v.dtype)) for k, v in dict_batch.items()})

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.MSELoss()

seen_batch_sizes = set()
val_history = []
for _epoch in range(40):
    model.train()
    for x, y, _ in train_loader:
        seen_batch_sizes.add(x.shape[0])
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = sum(loss_fn(model(x), y).item() * len(x) for x, y, _ in val_loader) / len(val_set)
    val_history.append(val_loss)
print(f"val loss: first epoch {val_history[0]:.4f}, last epoch {val_history[-1]:.4f}")

RESULTS = {
    "len": len(dataset),
    "first_x": dataset[0][0].tolist(),
    "batch_shapes": [list(xb.shape), list(yb.shape), list(ib.shape)],
    "index_batch": ib.tolist(),
    "index_dtype": str(ib.dtype),
    "split_sizes": [len(train_set), len(val_set)],
    "loader_lens": [len(train_loader), len(val_loader)],
    "dict_batch": {k: [list(v.shape), str(v.dtype)] for k, v in dict_batch.items()},
    "batch_sizes": sorted(seen_batch_sizes),
}
BEHAVIOUR = {
    "split_is_partition": sorted(list(train_set.indices) + list(val_set.indices)) == list(range(120)),
    "val_loss_fell": val_history[-1] < 0.5 * val_history[0],
}
