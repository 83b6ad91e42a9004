# Higher-order gradients: torch.autograd.grad with create_graph=True for a
# second derivative, a Hessian-vector product, a WGAN-GP style gradient
# penalty, and the torch.func transforms grad / vjp / jacrev / hessian.
import numpy as np
import torch
import torch.nn as nn
from torch.func import grad, hessian, jacrev, vjp

# d/dx and d2/dx2 of x^3 + 2x at several points
x = torch.linspace(-2, 2, 5, requires_grad=True)
y = x**3 + 2 * x
(dy_dx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
(d2y_dx2,) = torch.autograd.grad(dy_dx.sum(), x)
print(f"dy/dx {dy_dx.tolist()}\nd2y/dx2 {d2y_dx2.tolist()}")

# backward(create_graph=True) then differentiate the gradient again
z = torch.tensor(1.5, requires_grad=True)
f = torch.sin(z) * z**2
f.backward(create_graph=True)
first = z.grad.clone()
g = z.grad
z.grad = None
g.backward()
second = z.grad.item()
print(f"f'(1.5) = {first.item():.6f}, f''(1.5) = {second:.6f}")

# Hessian-vector product of a small network's loss (double backward through Linear, tanh, MSE)
rng = np.random.default_rng(17)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.from_numpy(rng.normal(scale=0.5, size=tuple(p.shape)).astype(np.float32)))
inputs = torch.from_numpy(rng.normal(size=(10, 3)).astype(np.float32))
targets = torch.from_numpy(rng.normal(size=(10, 1)).astype(np.float32))
params = list(net.parameters())
loss = nn.functional.mse_loss(net(inputs), targets)
grads = torch.autograd.grad(loss, params, create_graph=True)
v = [torch.ones_like(p) for p in params]
grad_dot_v = sum((g_ * v_).sum() for g_, v_ in zip(grads, v))
hvp = torch.autograd.grad(grad_dot_v, params)
print(f"HVP norms {[round(h.norm().item(), 5) for h in hvp]}")

# gradient penalty (WGAN-GP): || d critic / d input || should be 1
critic = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
with torch.no_grad():
    for p in critic.parameters():
        p.copy_(torch.from_numpy(rng.normal(scale=0.5, size=tuple(p.shape)).astype(np.float32)))
real = torch.from_numpy(rng.normal(size=(6, 2)).astype(np.float32))
fake = torch.from_numpy(rng.normal(size=(6, 2)).astype(np.float32))
alpha = torch.from_numpy(rng.random(size=(6, 1)).astype(np.float32))
interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
scores = critic(interpolates)
gradients = torch.autograd.grad(
    outputs=scores,
    inputs=interpolates,
    grad_outputs=torch.ones_like(scores),
    create_graph=True,
    retain_graph=True,
)[0]
penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
penalty.backward()
print(f"gradient penalty {penalty.item():.6f}", end=", ")
print(f"critic first-layer grad norm {critic[0].weight.grad.norm().item():.6f}")


# torch.func
def f_scalar(w):
    return (torch.tanh(w) * w).sum()


w = torch.tensor([0.5, -1.0, 2.0])
g_func = grad(f_scalar)(w)
H = hessian(f_scalar)(w)
J = jacrev(torch.sin)(w)
out, vjp_fn = vjp(lambda t: t**2, w)
(vjp_val,) = vjp_fn(torch.tensor([1.0, 2.0, 3.0]))
print(f"func.grad {g_func.tolist()}\nhessian diag {torch.diagonal(H).tolist()}")
print(f"jacrev(sin) diag {J.diagonal().tolist()}\nvjp {vjp_val.tolist()}")


def loss_fn(weight, bias, xs, ys):
    return ((xs @ weight + bias - ys) ** 2).mean()


weight = torch.tensor([[1.0], [-1.0], [0.5]])
bias = torch.tensor([0.2])
g_w, g_b = grad(loss_fn, argnums=(0, 1))(weight, bias, inputs, targets)
print(f"grad w.r.t. two arguments: {g_w.view(-1).tolist()}, {g_b.tolist()}")

RESULTS = {
    "dy_dx": dy_dx.tolist(),
    "d2y_dx2": d2y_dx2.tolist(),
    "first": first.item(),
    "second": second,
    "hvp": [h.reshape(-1).tolist() for h in hvp],
    "penalty": penalty.item(),
    "critic_grad": critic[0].weight.grad.tolist(),
    "func_grad": g_func.tolist(),
    "hessian": H.tolist(),
    "jacrev": J.tolist(),
    "vjp_out": out.tolist(),
    "vjp": vjp_val.tolist(),
    "two_arg_grads": [g_w.view(-1).tolist(), g_b.tolist()],
}
