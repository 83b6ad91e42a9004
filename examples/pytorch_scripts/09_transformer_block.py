# A small Transformer encoder block written by hand, as in "attention from
# scratch" posts: token + learned positional embeddings, nn.MultiheadAttention
# with a causal mask, pre-LayerNorm residual blocks, a GELU feed-forward, and
# a next-token language model trained for a few AdamW steps on a toy sequence.
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model),
            nn.GELU(),
            nn.Linear(4 * d_model, d_model),
            nn.Dropout(dropout),
        )

    def forward(self, x, attn_mask=None):
        h = self.ln1(x)
        attn_out, attn_weights = self.attn(h, h, h, attn_mask=attn_mask, need_weights=True)
        x = x + attn_out
        x = x + self.mlp(self.ln2(x))
        return x, attn_weights


class TinyGPT(nn.Module):
    def __init__(self, vocab_size, d_model=16, n_heads=2, n_layers=2, block_size=8):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Parameter(torch.zeros(1, block_size, d_model))
        self.blocks = nn.ModuleList([Block(d_model, n_heads) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.block_size = block_size

    def forward(self, idx):
        B, T = idx.shape
        x = self.tok_emb(idx) + self.pos_emb[:, :T, :]
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        weights = []
        for block in self.blocks:
            x, w = block(x, attn_mask=mask)
            weights.append(w)
        return self.head(self.ln_f(x)), weights


def load_numpy_weights(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and "ln" in name:
                p.fill_(1.0)
            elif p.dim() == 1:
                p.zero_()
            else:
                fan_in = p.shape[-1]
                p.copy_(
                    torch.from_numpy(
                        rng.normal(0, 1 / math.sqrt(fan_in), size=tuple(p.shape)).astype(np.float32)
                    )
                )


text = "hello world, hello chain rule. " * 4
chars = sorted(set(text))
stoi = {ch: i for i, ch in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
block_size = 8
starts = list(range(0, len(data) - block_size - 1, 3))
xb = torch.stack([data[i : i + block_size] for i in starts])
yb = torch.stack([data[i + 1 : i + block_size + 1] for i in starts])

model = TinyGPT(len(chars), block_size=block_size)
load_numpy_weights(model, seed=10)
print(f"{sum(p.numel() for p in model.parameters())} parameters; batch {tuple(xb.shape)}")
print("attention parameter names:", [n for n, _ in model.blocks[0].attn.named_parameters()])

logits, attn = model(xb)
loss0 = F.cross_entropy(logits.view(-1, logits.size(-1)), yb.view(-1))
loss0.backward()
grad_in_proj = model.blocks[0].attn.in_proj_weight.grad.clone()
grad_pos = model.pos_emb.grad.clone()
print(f"initial loss {loss0.item():.4f} (uniform would be {math.log(len(chars)):.4f})")
print(f"attention weights {tuple(attn[0].shape)}, row sums {attn[0][0].sum(-1)[:3].tolist()}")
causal_ok = bool((attn[0][:, 0, 1:] == 0).all())

optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
losses = []
for _step in range(30):
    optimizer.zero_grad(set_to_none=True)
    logits, _ = model(xb)
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), yb.view(-1))
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print(f"loss after {len(losses)} steps: {losses[-1]:.4f}")

# scaled_dot_product_attention equals the hand-written formula
q = torch.from_numpy(np.random.default_rng(11).normal(size=(2, 2, 5, 4)).astype(np.float32))
manual = torch.softmax(q @ q.transpose(-2, -1) / math.sqrt(q.size(-1)), dim=-1) @ q
fused = F.scaled_dot_product_attention(q, q, q)
causal = F.scaled_dot_product_attention(q, q, q, is_causal=True)

# greedy generation
model.eval()
idx = xb[:1, :4]
with torch.no_grad():
    for _ in range(6):
        logits, _ = model(idx[:, -block_size:])
        next_id = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, next_id], dim=1)
generated = "".join(chars[i] for i in idx[0].tolist())
print(f"generated: {generated!r}")

RESULTS = {
    "loss0": loss0.item(),
    "grad_in_proj": grad_in_proj[:3, :4].tolist(),
    "grad_pos": grad_pos[0, :2, :4].tolist(),
    "attn_row": attn[1][0, 3].tolist(),
    "losses": losses[::5] + [losses[-1]],
    "sdpa_manual_diff": (manual - fused).abs().max().item(),
    "sdpa_causal": causal[0, 0, :2].tolist(),
    "attn_names": [n for n, _ in model.blocks[0].attn.named_parameters()],
}
BEHAVIOUR = {"causal_mask_respected": causal_ok, "loss_fell": losses[-1] < 0.6 * losses[0]}
