# Weight initialisation with nn.init and model.apply, the parameter count,
# print(model), parameters_to_vector, and the default initialisation's
# statistics (which can be checked without identical random numbers).
import math

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.bn = nn.BatchNorm2d(16)
        self.fc1 = nn.Linear(400, 200)
        self.fc2 = nn.Linear(200, 10)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)
    elif isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.constant_(m.weight, 1)
        nn.init.constant_(m.bias, 0)


net = Net()
print(net)
default_fc1 = net.fc1.weight.detach().clone()
returned = net.apply(init_weights)
total = sum(p.numel() for p in net.parameters())
trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
print(f"Total params: {total:,}  trainable: {trainable:,}")

fc1_bound = math.sqrt(6 / (400 + 200))
conv_std = math.sqrt(2 / (16 * 3 * 3))
stats = {
    "fc1_max_over_bound": net.fc1.weight.abs().max().item() / fc1_bound,
    "fc1_std_ratio": net.fc1.weight.std().item() / (fc1_bound / math.sqrt(3)),
    "conv_std_ratio": net.conv.weight.std().item() / conv_std,
    "default_fc1_max_over_bound": default_fc1.abs().max().item() / (1 / math.sqrt(400)),
    "default_fc1_std_ratio": default_fc1.std().item() / (1 / math.sqrt(400) / math.sqrt(3)),
}
print({k: round(v, 3) for k, v in stats.items()})

# deterministic initialisers
w = torch.empty(3, 5)
nn.init.constant_(w, 0.3)
ones = nn.init.ones_(torch.empty(2, 2))
gains = [nn.init.calculate_gain(nl) for nl in ("linear", "sigmoid", "tanh", "relu")] + [
    nn.init.calculate_gain("leaky_relu", 0.2)
]
orth = nn.init.orthogonal_(torch.empty(4, 6))
orth_err = (orth @ orth.T - torch.eye(4)).abs().max().item()
normal = nn.init.normal_(torch.empty(200, 200), mean=1.0, std=0.5)
uniform = nn.init.uniform_(torch.empty(200, 200), a=-2.0, b=2.0)
xavier_n = nn.init.xavier_normal_(torch.empty(300, 100), gain=nn.init.calculate_gain("tanh"))
kaiming_u = nn.init.kaiming_uniform_(torch.empty(300, 100), a=math.sqrt(5))
print(f"gains {[round(g, 4) for g in gains]}, orthogonality error {orth_err:.1e}")

# all parameters as one vector and back
vec = nn.utils.parameters_to_vector(net.parameters())
nn.utils.vector_to_parameters(torch.arange(vec.numel(), dtype=torch.float32), net.parameters())
print(f"parameter vector {tuple(vec.shape)}; fc2.bias now {net.fc2.bias[:3].tolist()}")

# initialise from NumPy with a seed, for reproducibility across libraries
rng = np.random.default_rng(14)
small = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
for param in small.parameters():
    param.data = torch.from_numpy(rng.normal(size=tuple(param.shape)).astype(np.float32))
out = small(torch.ones(1, 4))
print(f"output from NumPy-initialised weights {out.tolist()}")

RESULTS = {
    "returned_is_net": returned is net,
    "total": total,
    "trainable": trainable,
    "constant": w.tolist(),
    "ones": ones.tolist(),
    "gains": gains,
    "fc1_bias_from_vector": vec[16 * 27 + 16 + 32 + 400 * 200 :][:3].tolist(),
    "vec_numel": vec.numel(),
    "fc2_bias_after": net.fc2.bias[:3].tolist(),
    "numpy_init_out": out.tolist(),
    "small_param_names": [n for n, _ in small.named_parameters()],
}
BEHAVIOUR = {
    "xavier_within_bound": stats["fc1_max_over_bound"] <= 1.0,
    "xavier_std": abs(stats["fc1_std_ratio"] - 1) < 0.05,
    "kaiming_std": abs(stats["conv_std_ratio"] - 1) < 0.15,
    "default_within_bound": stats["default_fc1_max_over_bound"] <= 1.0,
    "default_std": abs(stats["default_fc1_std_ratio"] - 1) < 0.05,
    "orthogonal": orth_err < 1e-5,
    "normal_moments": abs(normal.mean().item() - 1.0) < 0.01 and abs(normal.std().item() - 0.5) < 0.01,
    "uniform_range": uniform.min().item() >= -2.0
    and uniform.max().item() <= 2.0
    and abs(uniform.mean().item()) < 0.05,
    "xavier_normal_std": abs(xavier_n.std().item() - 5 / 3 * math.sqrt(2 / 400)) < 0.005,
    "kaiming_uniform_bound": kaiming_u.abs().max().item() <= 1 / math.sqrt(100),
}
