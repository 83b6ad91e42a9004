# Custom autograd Functions, as in the PyTorch "Defining new autograd
# functions" tutorial: a hand-written ReLU, the Legendre polynomial P3 fit,
# a straight-through estimator, a two-input Function with needs_input_grad,
# and gradcheck in float64.
import math

import numpy as np
import torch
from torch.autograd import Function, gradcheck


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LegendrePolynomial3(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class RoundSTE(Function):
    """Round in the forward pass, identity gradient in the backward pass."""

    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class ScaledMul(Function):
    """out = scale * a * b, with a non-tensor argument."""

    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad_output * b * ctx.scale
        if ctx.needs_input_grad[1]:
            grad_b = grad_output * a * ctx.scale
        return grad_a, grad_b, None


# --- fit y = sin(x) with P3(a + b x) (the tutorial's example, fewer steps) ---
dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 500, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
P3 = LegendrePolynomial3.apply
for t in range(300):
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f"Result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")

# --- MyReLU inside a two-layer network ---------------------------------------
rng = np.random.default_rng(12)
xin = torch.from_numpy(rng.normal(size=(8, 4)).astype(np.float32))
w1 = torch.from_numpy(rng.normal(size=(4, 6)).astype(np.float32)).requires_grad_()
w2 = torch.from_numpy(rng.normal(size=(6, 1)).astype(np.float32)).requires_grad_()
out = MyReLU.apply(xin.mm(w1)).mm(w2)
out.sum().backward()
custom_grads = (w1.grad.clone(), w2.grad.clone())
w1.grad, w2.grad = None, None
torch.relu(xin.mm(w1)).mm(w2).sum().backward()
same_as_builtin = bool(torch.allclose(custom_grads[0], w1.grad) and torch.allclose(custom_grads[1], w2.grad))
print(f"MyReLU grads equal built-in relu grads: {same_as_builtin}")

# --- the straight-through estimator --------------------------------------------
v = torch.tensor([0.2, 0.7, 1.4, -2.6], requires_grad=True)
q = RoundSTE.apply(v * 2)
(q * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
print(f"STE: forward {q.tolist()}, grad {v.grad.tolist()}")

# --- needs_input_grad and a non-tensor argument --------------------------------
p = torch.tensor([1.0, 2.0], requires_grad=True)
k = torch.tensor([3.0, 4.0])  # no grad needed
r = ScaledMul.apply(p, k, 0.5)
r.sum().backward()
print(f"ScaledMul grad {p.grad.tolist()}, k.grad {k.grad}")

# --- gradcheck -------------------------------------------------------------------
inp = torch.tensor(rng.normal(size=(5,)), dtype=torch.double, requires_grad=True)
ok_p3 = gradcheck(LegendrePolynomial3.apply, (inp,), eps=1e-6, atol=1e-4)
ok_mul = gradcheck(lambda s, t: ScaledMul.apply(s, t, 1.5), (inp, inp.detach().clone().requires_grad_()))
print(f"gradcheck: P3 {ok_p3}, ScaledMul {ok_mul}")

RESULTS = {
    "coeffs": [a.item(), b.item(), c.item(), d.item()],
    "final_loss": loss.item(),
    "custom_grads": [custom_grads[0].sum().item(), custom_grads[1].view(-1).tolist()],
    "ste_forward": q.tolist(),
    "ste_grad": v.grad.tolist(),
    "scaled_grad": p.grad.tolist(),
    "k_grad_is_none": k.grad is None,
    "gradcheck": [ok_p3, ok_mul],
}
BEHAVIOUR = {"same_as_builtin": same_as_builtin}
