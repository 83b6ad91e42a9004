# Tensors and autograd: the first page of every PyTorch tutorial.
import numpy as np
import torch

torch.manual_seed(0)

# --- creating tensors -------------------------------------------------------
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
shape = (2, 3)
zeros = torch.zeros(shape)
print(f"Ones Tensor:\n{x_ones}\n")
print(f"Random Tensor shape: {x_rand.shape}, dtype: {x_rand.dtype}, device: {x_rand.device}")
print(f"Zeros Tensor:\n{zeros}\n")

# --- operations -------------------------------------------------------------
tensor = torch.arange(16, dtype=torch.float32).reshape(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
t1 = torch.cat([tensor, tensor, tensor], dim=1)
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
z1 = tensor * tensor
agg = tensor.sum()
agg_item = agg.item()
print(t1.shape, f"{agg_item} {type(agg_item)}")
tensor.add_(5)
print(tensor)

# numpy bridge: from_numpy shares memory
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

# common idioms
images = torch.rand(8, 1, 28, 28)
flat = images.view(-1, 28 * 28)
batch_size = images.size(0)
scores = torch.tensor(np.linspace(-1, 1, 8 * 10, dtype=np.float32).reshape(8, 10) ** 2)
values, predicted = scores.max(1)
labels = torch.tensor([0, 9, 1, 8, 2, 7, 0, 9])
correct = (predicted == labels).sum().item()
stacked = torch.stack([labels, predicted], dim=0)
row = torch.tensor([1.0, 2.0, 3.0]).unsqueeze(0)
print(f"flat {tuple(flat.shape)}, batch {batch_size}, correct {correct}/{len(labels)}, row {row.shape}")
print(f"predicted {predicted.tolist()}, max score {values.max():.4f}")

# --- autograd ---------------------------------------------------------------
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.tensor(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3), requires_grad=True)
b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {type(z.grad_fn).__name__ if z.grad_fn is not None else None}")
loss.backward()
print(w.grad)
print(b.grad)

with torch.no_grad():
    z = torch.matmul(x, w) + b
print("requires_grad under no_grad:", z.requires_grad)
z_det = (torch.matmul(x, w) + b).detach()
print("requires_grad after detach:", z_det.requires_grad)

# gradients accumulate
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
first = inp.grad.clone()
out.backward(torch.ones_like(out), retain_graph=True)
second = inp.grad.clone()
inp.grad.zero_()
out.backward(torch.ones_like(out))
third = inp.grad.clone()
print(f"accumulated: {first.sum().item()} {second.sum().item()} {third.sum().item()}")

# a non-leaf gradient and a hook
a = torch.tensor([2.0, 3.0], requires_grad=True)
h = a * a
h.retain_grad()
a.register_hook(lambda grad: grad * 2)
(h * 3).sum().backward()
print(f"h.grad {h.grad.tolist()}, a.grad {a.grad.tolist()}, is_leaf {a.is_leaf} {h.is_leaf}")

RESULTS = {
    "agg": agg_item,
    "shared_memory": t.tolist(),
    "correct": correct,
    "y1_minus_y2": (y1 - y2).abs().max().item(),
    "z1_sum": z1.sum().item(),
    "tensor_after_add": tensor.tolist(),
    "loss": loss.item(),
    "w_grad": w.grad.tolist(),
    "b_grad": b.grad.tolist(),
    "no_grad_requires_grad": z.requires_grad,
    "detach_requires_grad": z_det.requires_grad,
    "accumulated": [first.sum().item(), second.sum().item(), third.sum().item()],
    "h_grad": h.grad.tolist(),
    "a_grad": a.grad.tolist(),
    "dtypes": [str(x_data.dtype), str(x_np.dtype), str(x_rand.dtype), str(predicted.dtype), str(flat.dtype)],
}
print(f"loss {loss.item():.4f}  correct {correct}")
