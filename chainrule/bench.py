"""Side-by-side speed checks against PyTorch: ``chainrule bench``.

This machine class is noisy (+-25 % between runs, occasional stalls), so a
single time means little. ``compare`` runs both libraries on the same step in
one process, alternating them in rounds, and reports the median of the
per-round ratios chainrule / PyTorch: a stall then spoils one round, not the
result. ``peak_memory_mb`` runs a snippet in a fresh interpreter, so the two
libraries never share a process for that number.

The named cases are the training steps the project's speed targets are set
on; each builds the chainrule model with PyTorch's initial weights (through
``load_state_dict``) and the same data, so both do the same arithmetic. The
fuller suite, with memory and import time, is in ``benchmarks/``.

>>> print(*sorted(CASES))  # doctest: +NORMALIZE_WHITESPACE
char-lstm cifar-cnn conv-autoencoder dcgan-generator fashion-cnn gru-classifier lenet
lstm-classifier mlp mlp-batchnorm mlp-tensor-ops resnet-block seed-net text-cnn tiny
transformer vae
"""

import gc
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def _time_per_call(step, min_seconds):
    """Seconds per call of ``step``: repeat until ``min_seconds`` have passed."""
    calls = 0
    start = time.perf_counter()
    while True:
        step()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / calls


def compare(name, chainrule_step, torch_step, rounds=15, min_seconds=0.2, warmup=3, quiet=False):
    """Time both steps in alternating rounds; print and return the median ratio."""
    for _ in range(warmup):
        chainrule_step()
        torch_step()
    ratios, ours, theirs = [], [], []
    for _ in range(rounds):
        gc.collect()
        t_ours = _time_per_call(chainrule_step, min_seconds)
        t_theirs = _time_per_call(torch_step, min_seconds)
        ours.append(t_ours)
        theirs.append(t_theirs)
        ratios.append(t_ours / t_theirs)
    result = {
        "name": name,
        "chainrule_median_s": statistics.median(ours),
        "torch_median_s": statistics.median(theirs),
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "rounds": rounds,
    }
    if not quiet:
        print(
            f"{name:44s} chainrule {_fmt(result['chainrule_median_s'])}  "
            f"pytorch {_fmt(result['torch_median_s'])}  ratio {result['ratio_median']:.2f}x  "
            f"(rounds {result['ratio_min']:.2f}-{result['ratio_max']:.2f})"
        )
    return result


def _fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    return f"{seconds * 1e3:8.2f} ms"


def peak_memory_mb(snippet):
    """Peak resident memory (MB) of a fresh Python process running ``snippet``."""
    # VmHWM, not ru_maxrss: the latter is inherited from the parent across fork.
    code = (
        snippet
        + "\nimport json\n"
        + "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        + "print(json.dumps(int(hwm.split()[1]) / 1024))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report_memory(name, chainrule_snippet, torch_snippet):
    """Print and return the peak memory of two snippets, each in a fresh process."""
    ours = peak_memory_mb(chainrule_snippet)
    theirs = peak_memory_mb(torch_snippet)
    print(
        f"{name:44s} peak memory chainrule {ours:7.1f} MB  pytorch {theirs:7.1f} MB  "
        f"ratio {ours / theirs:.2f}x"
    )
    return {"name": name, "chainrule_mb": ours, "torch_mb": theirs, "ratio": ours / theirs}


# --- the cases ----------------------------------------------------------------------
# Each case is ``make(lib, reference_model) -> (step, model)``: for chainrule,
# ``reference_model`` is PyTorch's, whose weights are loaded first.


def _rng():
    return np.random.default_rng(0)


def _tiny(lib, reference):
    """(a*b + c).sum() forward and backward on three shape-(10,) tensors: the engine's own cost."""
    a, b, c = (lib.tensor(_rng().random(10, np.float32) + k, requires_grad=True) for k in range(3))

    def step():
        a.grad = b.grad = c.grad = None
        (a * b + c).sum().backward()

    return step, None


def _mlp_tensor_ops(lib, reference):
    """784-256-256-10 ReLU MLP written with tensor ops; SGD as in-place updates under no_grad."""
    rng = _rng()
    weights = []
    for fan_in, fan_out in [(784, 256), (256, 256), (256, 10)]:
        bound = 1 / np.sqrt(fan_in)
        weights.append(
            lib.tensor(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32), requires_grad=True)
        )
        weights.append(lib.tensor(np.zeros(fan_out, np.float32), requires_grad=True))
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, 128))
    rows = lib.arange(128)

    def step():
        h = x
        for i in range(0, 6, 2):
            h = h @ weights[i] + weights[i + 1]
            if i < 4:
                h = h.relu()
        loss = -(h.log_softmax(dim=1)[rows, t]).mean()
        loss.backward()
        with lib.no_grad():
            for p in weights:
                p -= 0.01 * p.grad
                p.grad = None
        return loss

    return step, None


def _training_step(model, loss_fn, optimizer, x, t, reference):
    if reference is not None:
        model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        return loss

    return step, model


def _seed_net(lib, reference):
    """The seeds' network: Linear(2,4), Tanh, Linear(4,1), Sigmoid, BCELoss, SGD; 300 samples."""
    nn, rng = lib.nn, _rng()
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    x = lib.tensor(rng.standard_normal((300, 2)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 2, (300, 1)).astype(np.float32))
    return _training_step(model, nn.BCELoss(), lib.optim.SGD(model.parameters(), lr=1.2), x, t, reference)


def _mlp(lib, reference):
    """784-256-256-10 ReLU MLP of nn.Linear, CrossEntropyLoss, SGD(momentum=0.9); batch 128."""
    nn, rng = lib.nn, _rng()
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, 128))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, x, t, reference)


def _lenet(lib, reference):
    """LeNet-5 (two 5x5 convs, max-pools, 256-120-84-10), CrossEntropyLoss, SGD; batch 64 of 1x28x28."""
    nn, rng = lib.nn, _rng()
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, 64))
    return _training_step(
        model, nn.CrossEntropyLoss(), lib.optim.SGD(model.parameters(), lr=0.01), x, t, reference
    )


def _fashion_cnn(lib, reference):
    """The Fashion-MNIST CNN of `chainrule train --model cnn` (train/models.py: CNN): two 3x3
    convs without bias, batch norm, ReLU, max-pool, then 3136-128-10 with dropout; batch 128."""
    nn, rng = lib.nn, _rng()
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3136, 128),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(128, 10),
    )
    x = lib.tensor(rng.standard_normal((128, 1, 28, 28)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, 128))
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, x, t, reference)


def _sequence_classifier(lib, reference, layer="LSTM"):
    """A sentiment classifier of IMDB tutorials: Embedding(1000, 64), a one-layer ``layer``
    (LSTM or GRU) of 128 units over 50 tokens, Linear(128, 2) on the last step's output,
    CrossEntropyLoss, Adam; batch 32."""
    nn, rng = lib.nn, _rng()

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(1000, 64)
            self.rnn = getattr(nn, layer)(64, 128, batch_first=True)
            self.head = nn.Linear(128, 2)

        def forward(self, tokens):
            output, _ = self.rnn(self.embed(tokens))
            return self.head(output[:, -1])

    model = Classifier()
    tokens = lib.tensor(rng.integers(0, 1000, (32, 50)))
    t = lib.tensor(rng.integers(0, 2, 32))
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, tokens, t, reference)


def _char_lstm(lib, reference):
    """char-rnn on Shakespeare's 65 characters: Embedding(65, 32), a two-layer LSTM of 256
    units over 64 characters, Linear(256, 65) at every step, CrossEntropyLoss, Adam; batch 16."""
    nn, rng = lib.nn, _rng()

    class CharModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(65, 32)
            self.rnn = nn.LSTM(32, 256, num_layers=2, batch_first=True)
            self.head = nn.Linear(256, 65)

        def forward(self, text):
            output, _ = self.rnn(self.embed(text))
            return self.head(output).reshape(-1, 65)

    model = CharModel()
    text = lib.tensor(rng.integers(0, 65, (16, 64)))
    t = lib.tensor(rng.integers(0, 65, 16 * 64))
    optimizer = lib.optim.Adam(model.parameters(), lr=2e-3)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, text, t, reference)


# --- models of tutorials, beyond the targets' cases ----------------------------------------------


def _conv_autoencoder(lib, reference):
    """A convolutional autoencoder of MNIST tutorials: 1 -> 16 -> 32 channels by 3x3 stride-2
    convolutions, back by transposed ones, sigmoid, MSELoss against the input, Adam; batch 64."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),
        nn.Sigmoid(),
    )
    x = lib.tensor(_rng().random((64, 1, 28, 28), np.float32))
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    return _training_step(model, nn.MSELoss(), optimizer, x, x, reference)


def _dcgan_generator(lib, reference):
    """A DCGAN generator for 28x28 images (PyTorch's DCGAN example, resized): 100-d noise by
    transposed convolutions 100 -> 128 (7x7) -> 64 -> 1 with batch norm, ReLU, tanh;
    MSELoss against fixed images, Adam; batch 64."""
    nn, rng = lib.nn, _rng()
    model = nn.Sequential(
        nn.ConvTranspose2d(100, 128, 7, 1, 0, bias=False),
        nn.BatchNorm2d(128),
        nn.ReLU(),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    noise = lib.tensor(rng.standard_normal((64, 100, 1, 1)).astype(np.float32))
    images = lib.tensor(rng.uniform(-1, 1, (64, 1, 28, 28)).astype(np.float32))
    optimizer = lib.optim.Adam(model.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return _training_step(model, nn.MSELoss(), optimizer, noise, images, reference)


def _resnet_block(lib, reference):
    """A CIFAR ResNet's stem and one basic block: 3 -> 64 3x3 convolution, batch norm, ReLU,
    two 64 -> 64 convolutions with batch norm and the identity shortcut, global average
    pooling, Linear(64, 10), CrossEntropyLoss, SGD(momentum=0.9); batch 32 of 3x32x32."""
    nn, rng = lib.nn, _rng()

    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(64, 64, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.conv2 = nn.Conv2d(64, 64, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(64)

        def forward(self, x):
            out = lib.relu(self.bn1(self.conv1(x)))
            return lib.relu(self.bn2(self.conv2(out)) + x)

    model = nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        BasicBlock(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 10),
    )
    x = lib.tensor(rng.standard_normal((32, 3, 32, 32)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, 32))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, x, t, reference)


def _text_cnn(lib, reference):
    """A text CNN (Kim, 2014) of sentiment tutorials: Embedding(5000, 100), Conv1d(100, 128, 5)
    over 100 tokens, ReLU, max over time, Linear(128, 2), CrossEntropyLoss, Adam; batch 32."""
    nn, rng = lib.nn, _rng()

    class TextCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(5000, 100)
            self.conv = nn.Conv1d(100, 128, 5)
            self.head = nn.Linear(128, 2)

        def forward(self, tokens):
            features = lib.relu(self.conv(self.embed(tokens).transpose(1, 2)))
            return self.head(features.max(dim=2).values)

    tokens = lib.tensor(rng.integers(0, 5000, (32, 100)))
    t = lib.tensor(rng.integers(0, 2, 32))
    model = TextCNN()
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, tokens, t, reference)


def _transformer_classifier(lib, reference):
    """A small transformer encoder classifier: Embedding(1000, 64), two TransformerEncoderLayers
    (4 heads, feed-forward 128, no dropout, batch_first), mean over 32 tokens, Linear(64, 2),
    CrossEntropyLoss, Adam; batch 32."""
    nn, rng = lib.nn, _rng()

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(1000, 64)
            layer = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)
            self.head = nn.Linear(64, 2)

        def forward(self, tokens):
            return self.head(self.encoder(self.embed(tokens)).mean(1))

    tokens = lib.tensor(rng.integers(0, 1000, (32, 32)))
    t = lib.tensor(rng.integers(0, 2, 32))
    model = Classifier()
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, tokens, t, reference)


def _vae(lib, reference):
    """The VAE of PyTorch's examples on MNIST-sized inputs: 784-400-(20, 20)-400-784, the
    reparameterisation with a fixed noise draw, binary cross-entropy (sum) plus the KL term,
    Adam; batch 128."""
    nn, rng = lib.nn, _rng()
    functional = nn.functional

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = nn.Linear(784, 400)
            self.mean = nn.Linear(400, 20)
            self.log_var = nn.Linear(400, 20)
            self.decode = nn.Linear(20, 400)
            self.out = nn.Linear(400, 784)

        def forward(self, x):
            hidden = lib.relu(self.encode(x))
            mean, log_var = self.mean(hidden), self.log_var(hidden)
            z = mean + lib.exp(0.5 * log_var) * noise
            return lib.sigmoid(self.out(lib.relu(self.decode(z)))), mean, log_var

    def loss_fn(outputs, x):
        reconstruction, mean, log_var = outputs
        kl = -0.5 * lib.sum(1 + log_var - mean.pow(2) - log_var.exp())
        return functional.binary_cross_entropy(reconstruction, x, reduction="sum") + kl

    x = lib.tensor(rng.random((128, 784), np.float32))
    noise = lib.tensor(rng.standard_normal((128, 20)).astype(np.float32))
    model = VAE()
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    return _training_step(model, loss_fn, optimizer, x, x, reference)


def _mlp_batchnorm(lib, reference):
    """An MLP with batch norm: 784-256-128-10, BatchNorm1d and ReLU after each hidden layer,
    CrossEntropyLoss, Adam; batch 128."""
    nn, rng = lib.nn, _rng()
    model = nn.Sequential(
        nn.Linear(784, 256),
        nn.BatchNorm1d(256),
        nn.ReLU(),
        nn.Linear(256, 128),
        nn.BatchNorm1d(128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )
    x = lib.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, 128))
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, x, t, reference)


def _cifar_cnn(lib, reference):
    """The CIFAR-10 CNN of many tutorials: 3 -> 32 -> 64 3x3 convolutions with ReLU and
    max-pooling, 4096-128-10, CrossEntropyLoss, SGD(momentum=0.9); batch 64 of 3x32x32."""
    nn, rng = lib.nn, _rng()
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4096, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )
    x = lib.tensor(rng.standard_normal((64, 3, 32, 32)).astype(np.float32))
    t = lib.tensor(rng.integers(0, 10, 64))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _training_step(model, nn.CrossEntropyLoss(), optimizer, x, t, reference)


CASES = {
    "tiny": _tiny,
    "mlp-tensor-ops": _mlp_tensor_ops,
    "seed-net": _seed_net,
    "mlp": _mlp,
    "lenet": _lenet,
    "fashion-cnn": _fashion_cnn,
    "lstm-classifier": _sequence_classifier,
    "gru-classifier": lambda lib, reference: _sequence_classifier(lib, reference, "GRU"),
    "char-lstm": _char_lstm,
    "conv-autoencoder": _conv_autoencoder,
    "dcgan-generator": _dcgan_generator,
    "resnet-block": _resnet_block,
    "text-cnn": _text_cnn,
    "transformer": _transformer_classifier,
    "vae": _vae,
    "mlp-batchnorm": _mlp_batchnorm,
    "cifar-cnn": _cifar_cnn,
}


def check_same_training(ours, theirs, steps=3):
    """Both libraries do the same work: the losses of their first ``steps`` steps agree."""
    for _ in range(steps):
        a, b = ours().item(), theirs().item()
        assert abs(a - b) <= 1e-4 * abs(b), (a, b)


def paired_steps(name):
    """The step of case ``name`` for chainrule and for PyTorch, from the same weights and data."""
    import torch

    import chainrule

    torch.manual_seed(0)
    torch_step, torch_model = CASES[name](torch, None)
    chainrule_step, _ = CASES[name](chainrule, torch_model)
    return chainrule_step, torch_step


def memory_snippet(library, name, steps=50):
    """Code that runs case ``name`` for ``steps`` steps in a fresh process with
    ``library`` ('chainrule' or 'torch'); this file is loaded by path, so the
    PyTorch process never imports chainrule."""
    threads = "import torch; torch.set_num_threads(2)\n" if library == "torch" else ""
    return (
        f"import importlib.util, {library} as lib\n{threads}"
        f"spec = importlib.util.spec_from_file_location('bench', {__file__!r})\n"
        "bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)\n"
        f"step, _ = bench.CASES[{name!r}](lib, None)\n"
        f"for _ in range({steps}):\n    step()\n"
    )


def load_libraries():
    """Load chainrule's BLAS and oneDNN now, before PyTorch: GNU OpenMP reads its settings
    once, as it loads, and PyTorch's wheel brings the same runtime, which then serves both.
    Loaded first, it runs with chainrule's setting (ops/_dnnl.py: ``_SPIN_COUNT``), as in a
    program that uses chainrule alone; PyTorch's steps take the same time either way (the
    MLP 1.04-1.06 ms, the Fashion-MNIST CNN 28.8-30.5 ms)."""
    from .ops import _blas, _dnnl

    _blas.is_available()
    _dnnl.is_available()


def libraries():
    """The libraries running chainrule's large products (and their kernels, ops/_blas.py)
    and its float32 convolutions and LSTM layers (ops/_dnnl.py, ops/_dnnl_lstm.py)."""
    from .backends import mkldnn
    from .ops import _blas, _dnnl

    onednn = _dnnl.describe() if mkldnn.enabled and _dnnl.is_available() else "NumPy"
    return f"chainrule's products on {_blas.describe()}, float32 convolutions and LSTMs on {onednn}"


def setup_line():
    """What the ratios depend on besides the code: the libraries (``libraries``) and how
    busy the machine is."""
    return f"{libraries()}; load average {os.getloadavg()[0]:.2f}"


def run(names=None, rounds=15, min_seconds=0.2, threads=None):
    """Compare every named case (all of them by default); returns the results."""
    load_libraries()
    try:
        import torch
    except ImportError:
        raise RuntimeError(
            "chainrule bench compares against PyTorch, which is not installed: "
            "pip install torch==2.13.0 (CPU build)"
        ) from None
    if threads is not None:
        torch.set_num_threads(threads)
    print(setup_line())
    return [
        compare(name, *paired_steps(name), rounds=rounds, min_seconds=min_seconds)
        for name in (names or list(CASES))
    ]
