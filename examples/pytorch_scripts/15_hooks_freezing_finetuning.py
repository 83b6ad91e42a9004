# Inspecting and fine-tuning a model: forward hooks that capture activations,
# a full backward hook, freezing a "pretrained" backbone with
# requires_grad_(False), a new head, an optimizer over the trainable
# parameters only, named_modules/children, ModuleDict, buffers, train/eval.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(6, 16),
            nn.BatchNorm1d(16),
            nn.ReLU(),
            nn.Linear(16, 16),
            nn.LayerNorm(16),
            nn.GELU(),
        )
        self.register_buffer("input_scale", torch.full((6,), 0.5))

    def forward(self, x):
        return self.layers(x * self.input_scale)


class Classifier(nn.Module):
    def __init__(self, backbone, num_classes):
        super().__init__()
        self.backbone = backbone
        self.heads = nn.ModuleDict({"main": nn.Linear(16, num_classes), "aux": nn.Linear(16, 1)})

    def forward(self, x):
        features = self.backbone(x)
        return self.heads["main"](features), self.heads["aux"](features).squeeze(-1)


def load_numpy_weights(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            values = torch.from_numpy(rng.uniform(-0.4, 0.4, size=tuple(p.shape)).astype(np.float32))
            is_norm_scale = name.endswith(("layers.1.weight", "layers.4.weight"))
            p.copy_(values + 1.0 if is_norm_scale else values)


model = Classifier(Backbone(), num_classes=4)
load_numpy_weights(model, seed=18)
print(model)
print("children:", [name for name, _ in model.named_children()])
print("modules:", [name for name, _ in model.named_modules()][:6], "...")
print("buffers:", [name for name, _ in model.named_buffers()])

# capture activations with forward hooks
activations = {}


def save_activation(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()

    return hook


handles = [model.backbone.layers[i].register_forward_hook(save_activation(f"layer{i}")) for i in (0, 2, 5)]
grad_norms = {}


def backward_hook(module, grad_input, grad_output):
    grad_norms[type(module).__name__] = grad_output[0].norm().item()


bh = model.heads["main"].register_full_backward_hook(backward_hook)

rng = np.random.default_rng(19)
X = torch.from_numpy(rng.normal(size=(40, 6)).astype(np.float32))
y = torch.from_numpy(rng.integers(0, 4, size=40))
aux_target = torch.from_numpy(rng.normal(size=40).astype(np.float32))

model.eval()
logits, aux = model(X)
loss = F.cross_entropy(logits, y) + 0.1 * F.mse_loss(aux, aux_target)
loss.backward()
print(
    {k: tuple(v.shape) for k, v in activations.items()},
    "relu fraction active:",
    (activations["layer2"] > 0).float().mean().item(),
)
print("grad norm at the head output:", grad_norms)
for h in handles:
    h.remove()
bh.remove()
activations.clear()
model(X)
print("hooks removed, activations captured:", len(activations))

# freeze the backbone, train only the heads
model.zero_grad()
for param in model.backbone.parameters():
    param.requires_grad = False
model.heads.requires_grad_(True)
trainable = [n for n, p in model.named_parameters() if p.requires_grad]
frozen_before = model.backbone.layers[0].weight.clone()
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1, momentum=0.9)
model.train()
model.backbone.eval()  # keep BatchNorm statistics of the "pretrained" backbone
losses = []
for _step in range(25):
    optimizer.zero_grad()
    logits, aux = model(X)
    loss = F.cross_entropy(logits, y) + 0.1 * F.mse_loss(aux, aux_target)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
unchanged = torch.equal(frozen_before, model.backbone.layers[0].weight)
print(f"trainable: {trainable}; backbone unchanged: {unchanged}; loss {losses[0]:.4f} -> {losses[-1]:.4f}")
print(
    "modes:", model.training, model.backbone.training, model.backbone.layers[1].training, model.heads.training
)

RESULTS = {
    "children": [name for name, _ in model.named_children()],
    "modules": [name for name, _ in model.named_modules()],
    "buffers": [name for name, _ in model.named_buffers()],
    "state_keys": list(model.state_dict().keys()),
    "activation_shapes": {k: list(v.shape) for k, v in sorted(activations.items())},
    "grad_norms": grad_norms,
    "trainable": trainable,
    "first_grad_is_none": model.backbone.layers[0].weight.grad is None,
    "losses": losses[::4] + [losses[-1]],
    "head_weight": model.heads["main"].weight[0].tolist(),
    "unchanged": unchanged,
    "modes": [
        model.training,
        model.backbone.training,
        model.backbone.layers[1].training,
        model.heads.training,
    ],
}
BEHAVIOUR = {"loss_fell": losses[-1] < losses[0]}
