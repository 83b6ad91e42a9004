# Making a model sparse and looking inside a training step: magnitude pruning
# (l1_unstructured, ln_structured, global_unstructured, prune.remove) as in
# PyTorch's pruning tutorial, hooks on the tensors autograd saves for backward
# (saved_tensors_hooks: count them, keep them as NumPy copies), and the profiler
# (record_function, key_averages) over a few training steps.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 5 * 5, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        return self.fc2(F.relu(self.fc1(x)))


def load_numpy_weights(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, size=tuple(p.shape)).astype(np.float32)))


model = LeNet()
load_numpy_weights(model, seed=21)
rng = np.random.default_rng(22)
X = torch.from_numpy(rng.normal(size=(16, 1, 28, 28)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 10, size=16))

# pruning, step by step, as the tutorial does
prune.l1_unstructured(model.conv1, name="weight", amount=0.3)
stage_one = {
    "parameters": [name for name, _ in model.conv1.named_parameters()],
    "buffers": [name for name, _ in model.conv1.named_buffers()],
    "zeros": int((model.conv1.weight == 0).sum()),
}
prune.ln_structured(model.fc1, name="weight", amount=0.25, n=2, dim=0)
prune.l1_unstructured(model.fc1, name="weight", amount=0.1)  # iterative: the masks combine
pruned_rows = int((model.fc1.weight.abs().sum(dim=1) == 0).sum())
prune.global_unstructured(
    [(model.conv2, "weight"), (model.fc2, "weight")], pruning_method=prune.L1Unstructured, amount=0.2
)
layers = {"conv1": model.conv1, "conv2": model.conv2, "fc1": model.fc1, "fc2": model.fc2}
sparsity = {
    name: round(100.0 * float((layer.weight == 0).sum()) / layer.weight.nelement(), 2)
    for name, layer in layers.items()
}
print("sparsity %:", sparsity)
print("pruned:", [name for name, m in model.named_modules() if prune.is_pruned(m) and name])

# train the pruned model: the masked weights stay zero
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
losses = []
for _step in range(8):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
still_zero = bool((model.conv1.weight[model.conv1.weight_mask == 0] == 0).all())
for module in (model.conv1, model.conv2, model.fc1, model.fc2):
    prune.remove(module, "weight")
print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}; masked weights stayed zero: {still_zero}")

# hooks on what autograd saves: count the saved tensors and keep them as NumPy copies
packed = []


def pack(tensor):
    packed.append(tuple(tensor.shape))
    return tensor.detach().numpy().copy()


def unpack(array):
    return torch.from_numpy(array)


model.zero_grad()
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    loss_hooked = F.cross_entropy(model(X), y)
loss_hooked.backward()
hooked_grad = model.fc2.weight.grad.clone()
model.zero_grad()
F.cross_entropy(model(X), y).backward()
same = torch.equal(hooked_grad, model.fc2.weight.grad)
print(f"{len(packed)} tensors saved for backward; gradients equal: {same}")

# the profiler: where a training step spends its time
with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
    for _step in range(3):
        with torch.profiler.record_function("train_step"):
            optimizer.zero_grad()
            F.cross_entropy(model(X), y).backward()
            optimizer.step()
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8))
averages = {event.key: event.count for event in prof.key_averages()}

RESULTS = {
    "stage_one": stage_one,
    "pruned_rows": pruned_rows,
    "sparsity": sparsity,
    "losses": losses[::2] + [losses[-1]],
    "still_zero": still_zero,
    "state_keys": list(model.state_dict().keys()),
    "fc2_weight": model.fc2.weight[0].tolist(),
    "hooked_loss": loss_hooked.item(),
    "hooked_grad_row": hooked_grad[0].tolist(),
}
BEHAVIOUR = {
    "loss_fell": losses[-1] < losses[0],
    "hooks_saw_tensors": len(packed) > 10,
    "hook_gradients_equal": same,
    "profiler_timed_the_steps": averages.get("train_step") == averages.get("Optimizer.step#SGD.step") == 3,
}
