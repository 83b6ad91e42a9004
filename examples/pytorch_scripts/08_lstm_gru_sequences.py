# Sequence models: an LSTM classifier over embedded tokens (does the sequence
# contain token 7?), a 1-D CNN on the same task, and a GRU regressor (predict
# the running mean of a noisy signal), trained full-batch from NumPy-drawn
# weights; then a plain RNN run at once and step by step.
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(6)


def load_numpy_weights(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, size=tuple(p.shape)).astype(np.float32)))


class LSTMClassifier(nn.Module):
    def __init__(self, vocab_size=10, embed_dim=8, hidden_dim=16, num_classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers=2, batch_first=True, dropout=0.0)
        self.fc = nn.Linear(hidden_dim, num_classes)

    def forward(self, tokens):
        embedded = self.embedding(tokens)  # (batch, seq, embed)
        output, (hidden, cell) = self.lstm(embedded)
        return self.fc(hidden[-1])  # last layer's final hidden state


tokens_np = rng.integers(1, 10, size=(64, 12))
tokens_np[:, -3:][rng.random((64, 3)) < 0.3] = 0  # some padding at the end
labels_np = (tokens_np == 7).any(axis=1).astype(np.int64)
tokens, labels = torch.from_numpy(tokens_np), torch.from_numpy(labels_np)

clf = LSTMClassifier()
load_numpy_weights(clf, seed=7)
print(clf)
print("LSTM parameter names:", [name for name, _ in clf.lstm.named_parameters()])
optimizer = torch.optim.Adam(clf.parameters(), lr=0.02)
criterion = nn.CrossEntropyLoss()
lstm_losses = []
for _step in range(40):
    optimizer.zero_grad()
    loss = criterion(clf(tokens), labels)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(clf.parameters(), max_norm=1.0)
    optimizer.step()
    lstm_losses.append(loss.item())
with torch.no_grad():
    acc = (clf(tokens).argmax(1) == labels).float().mean().item()
print(f"LSTM: loss {lstm_losses[0]:.4f} -> {lstm_losses[-1]:.4f}, train accuracy {acc:.2f}")


class TextCNN(nn.Module):
    """Embedding -> Conv1d over time -> max over time -> Linear (Kim, 2014)."""

    def __init__(self, vocab_size=10, embed_dim=8, channels=12, num_classes=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.conv = nn.Conv1d(embed_dim, channels, kernel_size=3, padding=1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, tokens):
        x = self.embedding(tokens).permute(0, 2, 1)  # (batch, embed, seq) for Conv1d
        x = torch.relu(self.conv(x))
        x, _ = x.max(dim=2)
        return self.fc(x)


cnn = TextCNN()
load_numpy_weights(cnn, seed=11)
cnn_opt = torch.optim.SGD(cnn.parameters(), lr=0.5, momentum=0.9)
cnn_losses = []
for _step in range(30):
    cnn_opt.zero_grad()
    loss = criterion(cnn(tokens), labels)
    loss.backward()
    cnn_opt.step()
    cnn_losses.append(loss.item())
print(f"TextCNN: loss {cnn_losses[0]:.4f} -> {cnn_losses[-1]:.4f}")

# Conv1d straight on a signal that does not require grad (the usual first layer)
conv_signal = nn.Conv1d(1, 4, kernel_size=5, stride=2)
load_numpy_weights(conv_signal, seed=12)
signal_batch = torch.from_numpy(rng.normal(size=(3, 1, 32)).astype(np.float32))
conv_out = conv_signal(signal_batch)
conv_out.pow(2).mean().backward()
conv_weight_grad = conv_signal.weight.grad.clone()


class GRURegressor(nn.Module):
    def __init__(self, hidden=12):
        super().__init__()
        self.gru = nn.GRU(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, h0=None):
        out, h = self.gru(x, h0)
        return self.head(out), h


signal = rng.normal(size=(16, 20, 1)).astype(np.float32)
target = np.cumsum(signal, axis=1) / np.arange(1, 21).reshape(1, 20, 1)
x, y = torch.from_numpy(signal), torch.from_numpy(target.astype(np.float32))
reg = GRURegressor()
load_numpy_weights(reg, seed=8)
h0 = torch.zeros(1, 16, 12)
opt = torch.optim.RMSprop(reg.parameters(), lr=0.01)
gru_losses = []
for _step in range(40):
    opt.zero_grad()
    pred, h_n = reg(x, h0)
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    opt.step()
    gru_losses.append(loss.item())
print(f"GRU: loss {gru_losses[0]:.4f} -> {gru_losses[-1]:.4f}", end="; ")
print(f"output {tuple(pred.shape)}, h_n {tuple(h_n.shape)}")

# a plain RNN cell loop, as in char-RNN tutorials
rnn = nn.RNN(input_size=3, hidden_size=5, num_layers=1, nonlinearity="tanh")
load_numpy_weights(rnn, seed=9)
seq = torch.from_numpy(rng.normal(size=(6, 2, 3)).astype(np.float32))  # (seq, batch, feature)
out_all, h_last = rnn(seq)
hidden = torch.zeros(1, 2, 5)
steps = []
for t in range(seq.size(0)):
    out_t, hidden = rnn(seq[t].unsqueeze(0), hidden)
    steps.append(out_t)
stepwise = torch.cat(steps, dim=0)
print(f"RNN all-at-once vs step-by-step max diff {(out_all - stepwise).abs().max().item():.2e}")

RESULTS = {
    "lstm_losses": lstm_losses[::5] + [lstm_losses[-1]],
    "gru_losses": gru_losses[::5] + [gru_losses[-1]],
    "cnn_losses": cnn_losses[::5] + [cnn_losses[-1]],
    "conv_out_shape": list(conv_out.shape),
    "conv_weight_grad": conv_weight_grad[:, 0].tolist(),
    "lstm_names": [name for name, _ in clf.lstm.named_parameters()],
    "gru_state_keys": list(reg.state_dict().keys()),
    "rnn_out": out_all[-1].tolist(),
    "h_last": h_last.tolist(),
    "shapes": [list(pred.shape), list(h_n.shape), list(out_all.shape)],
}
BEHAVIOUR = {
    "lstm_learns": lstm_losses[-1] < 0.7 * lstm_losses[0],
    "gru_learns": gru_losses[-1] < 0.5 * gru_losses[0],
    "cnn_learns": cnn_losses[-1] < 0.7 * cnn_losses[0],
    "stepwise_matches": bool(torch.allclose(out_all, stepwise, atol=1e-6)),
}
