# Logistic regression on two Gaussian blobs: nn.Module subclass,
# BCEWithLogitsLoss, SGD, sigmoid + threshold for predictions.
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(2)
n = 100
x0 = rng.normal(loc=(-1.0, -1.0), scale=0.8, size=(n, 2))
x1 = rng.normal(loc=(1.0, 1.5), scale=0.8, size=(n, 2))
X = torch.tensor(np.vstack([x0, x1]), dtype=torch.float32)
y = torch.cat([torch.zeros(n), torch.ones(n)]).unsqueeze(1)


class LogisticRegression(nn.Module):
    def __init__(self, n_inputs):
        super().__init__()
        self.linear = nn.Linear(n_inputs, 1)

    def forward(self, x):
        return self.linear(x)  # logits; the loss applies the sigmoid


model = LogisticRegression(2)
with torch.no_grad():
    model.linear.weight.copy_(torch.tensor([[0.1, -0.2]]))
    model.linear.bias.zero_()

criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

history = []
for epoch in range(100):
    model.train()
    logits = model(X)
    loss = criterion(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    history.append(loss.item())
    if epoch % 25 == 0:
        print(f"epoch {epoch:3d} loss {loss:.4f}")

model.eval()
with torch.no_grad():
    probs = torch.sigmoid(model(X))
    preds = (probs > 0.5).float()
    accuracy = (preds == y).float().mean().item()
    manual_bce = -(y * torch.log(probs) + (1 - y) * torch.log(1 - probs)).mean()
print(f"accuracy {accuracy * 100:.1f}%  manual BCE {manual_bce:.4f}")

# the same loss from BCELoss on probabilities, and with pos_weight
bce = nn.BCELoss()(probs, y)
weighted = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))(model(X), y)
per_sample = nn.BCEWithLogitsLoss(reduction="none")(model(X), y)
print(f"BCELoss {bce.item():.4f}, weighted {weighted.item():.4f}, per-sample shape {tuple(per_sample.shape)}")

RESULTS = {
    "history": history[::10] + [history[-1]],
    "weight": model.linear.weight.detach().view(-1).tolist(),
    "bias": model.linear.bias.item(),
    "accuracy": accuracy,
    "manual_bce": manual_bce.item(),
    "bce": bce.item(),
    "weighted": weighted.item(),
    "per_sample_shape": list(per_sample.shape),
}
BEHAVIOUR = {"accurate": accuracy > 0.85, "loss_fell": history[-1] < history[0]}
