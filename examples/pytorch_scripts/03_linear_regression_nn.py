# Linear regression with nn.Linear, nn.MSELoss and optim.SGD, over a
# DataLoader; then the same with a two-feature polynomial model in Sequential.
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(42)
rng = np.random.default_rng(1)

x_np = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
y_np = (3.0 * x_np - 0.5 + 0.1 * rng.normal(size=x_np.shape)).astype(np.float32)
x_train, y_train = torch.from_numpy(x_np), torch.from_numpy(y_np)

model = nn.Linear(1, 1)
# start from known weights so PyTorch and chainrule follow the same path
with torch.no_grad():
    model.weight.fill_(0.5)
    model.bias.fill_(0.0)

criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loader = DataLoader(TensorDataset(x_train, y_train), batch_size=16, shuffle=False)

losses = []
for epoch in range(20):
    running = 0.0
    for inputs, targets in loader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running += loss.item() * inputs.size(0)
    losses.append(running / len(loader.dataset))
    if (epoch + 1) % 5 == 0:
        print(f"Epoch [{epoch + 1}/20], Loss: {losses[-1]:.4f}")

w, b = model.weight.item(), model.bias.item()
print(f"learned y = {w:.3f} x + {b:.3f}")

# predictions for plotting, as tutorials do
predicted = model(x_train).detach().numpy()

# a polynomial model: features x, x^2 built with torch.cat
poly_x = torch.cat([x_train, x_train**2], dim=1)
poly_y = 1.0 + 2.0 * x_train - 1.5 * x_train**2
poly = nn.Sequential(nn.Linear(2, 1))
nn.init.zeros_(poly[0].weight)
nn.init.constant_(poly[0].bias, 0.1)
opt = torch.optim.SGD(poly.parameters(), lr=0.2, weight_decay=1e-4, nesterov=True, momentum=0.5)
for _step in range(200):
    opt.zero_grad()
    loss = nn.functional.mse_loss(poly(poly_x), poly_y)
    loss.backward()
    opt.step()
weights = poly[0].weight.data.view(-1).tolist()
print(f"poly loss {loss.item():.6f}, weights {weights}, bias {poly[0].bias.item():.4f}")

RESULTS = {
    "losses": losses,
    "w": w,
    "b": b,
    "predicted_head": predicted[:4].ravel().tolist(),
    "poly_loss": loss.item(),
    "poly_w": poly[0].weight.detach().view(-1).tolist(),
    "poly_b": poly[0].bias.item(),
}
BEHAVIOUR = {"loss_fell": losses[-1] < 0.1 * losses[0], "slope_close": abs(w - 3.0) < 0.2}
