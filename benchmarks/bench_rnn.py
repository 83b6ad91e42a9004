"""Recurrent models against PyTorch eager: the training steps tutorials run on a CPU.

(a) an IMDB-style sentiment classifier: Embedding(1000, 64), LSTM(64, 128) over
    50 tokens, Linear(128, 2) on the last output, CrossEntropyLoss, Adam; batch 32;
(b) the same with a GRU;
(c) char-rnn: Embedding(65, 32), a two-layer LSTM of 256 units over 64
    characters, Linear(256, 65) at every step, CrossEntropyLoss, Adam; batch 16.
Target: PyTorch's time or less (the project's "as fast as PyTorch on the models
they train"). PyTorch runs its float32 LSTMs on oneDNN, and so does chainrule
(ops/_dnnl_lstm.py); GRUs run on chainrule's fused NumPy kernel (ops/rnn.py)
and on PyTorch's composed native ops.

The steps are chainrule/bench.py's cases "lstm-classifier", "gru-classifier" and
"char-lstm" (chainrule's model loaded with PyTorch's initial weights).
Run: .venv/bin/python benchmarks/bench_rnn.py
"""

# first: chainrule's libraries load before torch's (common.py: load_libraries)
from common import check_same_training, compare, setup_line

# isort: split
import torch

from chainrule.bench import paired_steps

torch.set_num_threads(2)


if __name__ == "__main__":
    print(setup_line())
    for label, case in [
        ("(a) LSTM classifier step, 32 x 50 tokens", "lstm-classifier"),
        ("(b) GRU classifier step, 32 x 50 tokens", "gru-classifier"),
        ("(c) char-rnn 2x LSTM(256) step, 16 x 64", "char-lstm"),
    ]:
        steps = paired_steps(case)
        check_same_training(*steps)
        compare(label, *steps, rounds=15)
