# Learning-rate schedulers (the usual epoch loop with scheduler.step() after
# optimizer.step()), ReduceLROnPlateau fed a validation loss, per-group
# learning rates, and gradient clipping by norm and by value.
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)


def make_model():
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.5, -0.5, 0.25]]))
        model.bias.fill_(0.1)
    return model


rng = np.random.default_rng(13)
X = torch.from_numpy(rng.normal(size=(32, 3)).astype(np.float32))
Y = X @ torch.tensor([[1.0], [2.0], [-1.0]]) + 0.5


def lr_trajectory(make_scheduler, epochs=12, optimizer_cls=optim.SGD, **opt_kwargs):
    model = make_model()
    optimizer = optimizer_cls(model.parameters(), lr=0.1, **opt_kwargs)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _epoch in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), Y)
        loss.backward()
        optimizer.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        scheduler.step()
    return lrs, scheduler.get_last_lr()


schedules = {
    "StepLR": lambda o: StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda o: MultiStepLR(o, milestones=[3, 8], gamma=0.1),
    "ExponentialLR": lambda o: ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda o: CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "LambdaLR": lambda o: LambdaLR(o, lr_lambda=lambda epoch: 0.95**epoch),
    "LinearLR": lambda o: LinearLR(o, start_factor=0.25, total_iters=4),
    "OneCycleLR": lambda o: OneCycleLR(o, max_lr=0.5, total_steps=12),
}
trajectories = {}
for name, make in schedules.items():
    lrs, last = lr_trajectory(make)
    trajectories[name] = lrs
    print(f"{name:18s} " + " ".join(f"{lr:.4f}" for lr in lrs[:8]) + f" ... last {last[0]:.5f}")
momentum_cycle, _ = lr_trajectory(
    lambda o: OneCycleLR(o, max_lr=0.5, total_steps=12), optimizer_cls=optim.SGD, momentum=0.9
)

# ReduceLROnPlateau on a validation loss that stops improving
model = make_model()
optimizer = optim.Adam(model.parameters(), lr=0.1)
plateau = ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)
fake_val_losses = [1.0, 0.8, 0.7, 0.71, 0.72, 0.73, 0.69, 0.7, 0.71, 0.72, 0.73]
plateau_lrs = []
for val_loss in fake_val_losses:
    plateau.step(val_loss)
    plateau_lrs.append(optimizer.param_groups[0]["lr"])
print("ReduceLROnPlateau  " + " ".join(f"{lr:.4f}" for lr in plateau_lrs))

# per-parameter-group learning rates, and add_param_group
net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
optimizer = optim.SGD(
    [{"params": net[0].parameters()}, {"params": net[2].parameters(), "lr": 0.01}], lr=0.1, momentum=0.9
)
extra = nn.Parameter(torch.zeros(2))
optimizer.add_param_group({"params": [extra], "lr": 1.0})
group_lrs = [g["lr"] for g in optimizer.param_groups]
group_momenta = [g["momentum"] for g in optimizer.param_groups]
scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
for _ in range(2):
    optimizer.step()
    scheduler.step()
print("group lrs:", group_lrs, "->", [g["lr"] for g in optimizer.param_groups])

# gradient clipping
model = make_model()
loss = nn.functional.mse_loss(model(X * 100), Y)
loss.backward()
total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
clipped_norm = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters()))
print(f"grad norm before clipping {total_norm:.2f}, after {clipped_norm:.4f}")
model.zero_grad()
nn.functional.mse_loss(model(X * 100), Y).backward()
nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
max_abs = max(p.grad.abs().max().item() for p in model.parameters())
print(f"after clip_grad_value_: max |grad| = {max_abs}")
inf_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0, norm_type=float("inf"))

RESULTS = {
    "trajectories": trajectories,
    "onecycle_with_momentum": momentum_cycle,
    "plateau_lrs": plateau_lrs,
    "group_lrs": group_lrs,
    "group_momenta": group_momenta,
    "group_lrs_after": [g["lr"] for g in optimizer.param_groups],
    "total_norm": total_norm.item(),
    "clipped_norm": clipped_norm.item(),
    "clipped_grads": [p.grad.view(-1).tolist() for p in model.parameters()],
    "inf_norm": inf_norm.item(),
}
