# Linear regression from scratch: tensors with requires_grad, a hand-written
# training loop and in-place parameter updates under no_grad.
import numpy as np
import torch

rng = np.random.default_rng(0)
true_w = np.array([[2.0], [-3.4]], dtype=np.float32)
true_b = 4.2
features_np = rng.normal(size=(1000, 2)).astype(np.float32)
labels_np = features_np @ true_w + true_b + rng.normal(scale=0.01, size=(1000, 1)).astype(np.float32)

features = torch.from_numpy(features_np)
labels = torch.from_numpy(labels_np)
print("features:", features[0], "\nlabel:", labels[0])


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))  # in order, so PyTorch and chainrule see the same batches
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i : min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


w = torch.tensor(rng.normal(0, 0.01, size=(2, 1)).astype(np.float32), requires_grad=True)
b = torch.zeros(1, requires_grad=True)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr, num_epochs, batch_size = 0.03, 3, 10
epoch_losses = []
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        loss = squared_loss(linreg(X, w, b), y)
        loss.sum().backward()
        sgd([w, b], lr, batch_size)
    with torch.no_grad():
        train_l = squared_loss(linreg(features, w, b), labels)
        epoch_losses.append(float(train_l.mean()))
        print(f"epoch {epoch + 1}, loss {float(train_l.mean()):f}")

print(f"error in estimating w: {torch.from_numpy(true_w).reshape(w.shape) - w}")
print(f"error in estimating b: {true_b - b}")

# The same model with the other common update spelling: w.data and w.grad.data.
w2 = torch.zeros(2, 1, requires_grad=True)
b2 = torch.zeros(1, requires_grad=True)
for _step in range(50):
    loss = ((features @ w2 + b2 - labels) ** 2).mean()
    loss.backward()
    w2.data -= 0.1 * w2.grad.data
    b2.data -= 0.1 * b2.grad.data
    w2.grad.data.zero_()
    b2.grad.data.zero_()
print(f"full-batch GD after 50 steps: loss {loss.item():.6f}, w {w2.view(-1).tolist()}, b {b2.item():.4f}")

RESULTS = {
    "epoch_losses": epoch_losses,
    "w": w.detach().numpy().ravel().tolist(),
    "b": b.item(),
    "gd_loss": loss.item(),
    "gd_w": w2.detach().view(-1).tolist(),
    "gd_b": b2.item(),
}
BEHAVIOUR = {"learned_w": bool(np.allclose(RESULTS["w"], true_w.ravel(), atol=0.05))}
