# "What is torch.nn really?" (the PyTorch tutorial), step by step on MNIST-shaped
# synthetic data: a model from raw tensors with a hand-written log_softmax and
# nll (indexing with a range), then F.cross_entropy, nn.Module with Parameters,
# nn.Linear with optim, TensorDataset/DataLoader with a validation loop, and a
# CNN behind a Lambda layer and a wrapped loader.
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(16)
true_weights = rng.standard_normal((784, 10)).astype(np.float32)
images = (rng.random((768, 784)) > 0.8).astype(np.float32)
labels = (images @ true_weights).argmax(1)
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (images[:640], labels[:640], images[640:], labels[640:])
)
n, c = x_train.shape
print(x_train.shape, y_train.min(), y_train.max())

# --- neural net from scratch ---------------------------------------------------------
weights = torch.tensor(rng.standard_normal((784, 10)).astype(np.float32)) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


loss_func = nll
bs = 64
xb, yb = x_train[0:bs], y_train[0:bs]
first_loss = loss_func(model(xb), yb).item()
lr = 0.5
for i in range((n - 1) // bs + 1):
    xb = x_train[i * bs : i * bs + bs]
    yb = y_train[i * bs : i * bs + bs]
    loss = loss_func(model(xb), yb)
    loss.backward()
    with torch.no_grad():
        weights -= weights.grad * lr
        bias -= bias.grad * lr
        weights.grad.zero_()
        bias.grad.zero_()
scratch_loss = loss_func(model(xb), yb).item()
scratch_accuracy = accuracy(model(xb), yb).item()
print(f"from scratch: loss {first_loss:.4f} -> {scratch_loss:.4f}, accuracy {scratch_accuracy:.3f}")

# --- F.cross_entropy gives the same loss -----------------------------------------------
loss_func = F.cross_entropy


def model(xb):
    return xb @ weights + bias


cross_entropy_loss = loss_func(model(xb), yb).item()


# --- nn.Module and nn.Parameter ----------------------------------------------------------
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(
            torch.tensor(rng.standard_normal((784, 10)).astype(np.float32)) / math.sqrt(784)
        )
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


model = Mnist_Logistic()
for i in range((n - 1) // bs + 1):
    xb, yb = x_train[i * bs : i * bs + bs], y_train[i * bs : i * bs + bs]
    loss_func(model(xb), yb).backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= p.grad * lr
        model.zero_grad()
module_loss = loss_func(model(xb), yb).item()


# --- nn.Linear, optim, Dataset and DataLoader, validation --------------------------------
class Mnist_Linear(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    val_losses = []
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_losses.append(np.sum(np.multiply(losses, nums)) / np.sum(nums))
        print(epoch, f"validation loss {val_losses[-1]:.4f}")
    return val_losses


train_ds, valid_ds = TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid)
model = Mnist_Linear()
with torch.no_grad():  # the tutorial's default init, replaced by NumPy's to compare runs
    model.lin.weight.copy_(torch.tensor(rng.uniform(-0.03, 0.03, (10, 784)).astype(np.float32)))
    model.lin.bias.zero_()
opt = optim.SGD(model.parameters(), lr=0.1)
# in order, so the run compares across libraries
linear_losses = fit(
    2, model, loss_func, opt, DataLoader(train_ds, batch_size=bs), DataLoader(valid_ds, batch_size=bs * 2)
)


# --- a CNN behind a Lambda layer, fed by a wrapped, shuffled loader ----------------------
class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x, y):
    return x.view(-1, 1, 28, 28), y


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))


torch.manual_seed(0)
train_dl = WrappedDataLoader(DataLoader(train_ds, batch_size=bs, shuffle=True), preprocess)
valid_dl = WrappedDataLoader(DataLoader(valid_ds, batch_size=bs * 2), preprocess)
cnn = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
print(cnn)
with torch.no_grad():
    before = np.mean([loss_batch(cnn, loss_func, xb, yb)[0] for xb, yb in valid_dl])
cnn_losses = fit(3, cnn, loss_func, optim.SGD(cnn.parameters(), lr=0.1, momentum=0.9), train_dl, valid_dl)

RESULTS = {
    "first_loss": first_loss,
    "scratch_loss": scratch_loss,
    "scratch_accuracy": scratch_accuracy,
    "cross_entropy_loss": cross_entropy_loss,
    "module_loss": module_loss,
    "linear_losses": [float(v) for v in linear_losses],
    "cnn_output_shape": list(cnn(x_valid[:3].view(-1, 1, 28, 28)).shape),
}
BEHAVIOUR = {
    "scratch_learns": bool(scratch_loss < first_loss),
    "cross_entropy_is_the_nll_of_log_softmax": bool(abs(cross_entropy_loss - scratch_loss) < 1e-4),
    "linear_beats_chance": bool(linear_losses[-1] < math.log(10)),  # chance: log of 10 classes
    "cnn_learns": bool(cnn_losses[-1] < before),
}
