"""A numeric walk-through of forward and backward propagation.

The network is the seeds' two-layer example: z1 = W1·X + b1, a1 = act(z1),
z2 = W2·a1 + b2, y = act(z2), with the loss L, 2 inputs, 2 hidden units, one
output and a batch of 2 samples (the columns of X). Every number is computed
here in NumPy, by the formulas the text shows, and printed with the numbers
substituted: forward, the loss, backward node by node (the local derivative,
the product with the incoming gradient, the sum over the batch where a value
was shared), then optimizer steps with their state. Independently, the same
network runs in chainrule (autograd for the gradients, chainrule.nn.functional
for the loss, chainrule.optim for the step); each hand-computed result is
checked against it and shown with a ✓ and the largest difference.

>>> from chainrule import explain
>>> w = explain.walkthrough(activation="sigmoid", loss="l2", optimizer="sgd")
>>> w.passed
True
>>> print(w.render("text").splitlines()[0])
Forward and backward propagation, in numbers
>>> "∂L/∂W1[0,0]" in w.render("markdown")
True
"""

import numpy as np

from .document import Document
from .texts import TEXTS

ACTIVATIONS = ("sigmoid", "tanh", "relu")
LOSSES = ("l1", "l2", "smooth_l1", "cross_entropy")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
FORMATS = ("text", "markdown", "html")
LANGUAGES = ("en", "zh")

# Seed 4 draws numbers where every hidden unit fires for at least one sample and
# one is off (so a ReLU shows both of its slopes), and every optimizer lowers the loss.
DEFAULT_SEED = 4
# A learning rate per optimizer that makes one step visible on these numbers.
DEFAULT_LR = {"sgd": 0.5, "momentum": 0.5, "rmsprop": 0.01, "adam": 0.05}
MOMENTUM = 0.9
ALPHA = 0.99
BETAS = (0.9, 0.999)
EPS = 1e-8

_ALIASES = {
    "mse": "l2",
    "mae": "l1",
    "smoothl1": "smooth_l1",
    "huber": "smooth_l1",
    "ce": "cross_entropy",
    "bce": "cross_entropy",
    "crossentropy": "cross_entropy",
    "sgd_momentum": "momentum",
}

# Autograd and the hand formulas run the same float64 arithmetic in a
# different order; they agree to a few units of the last place.
TOLERANCE = 1e-12


def choose(name, choices, what):
    """Normalise an option ("Smooth-L1" -> "smooth_l1") and check it.

    >>> choose("Smooth-L1", LOSSES, "loss")
    'smooth_l1'
    """
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key not in choices:
        raise ValueError(f"unknown {what} {name!r}; choose one of: {', '.join(choices)}")
    return key


def fmt(x):
    """A number as shown: 4 significant digits.

    >>> fmt(0.123456), fmt(-2.0), fmt(0.0066164), fmt(1.5e-9), fmt(-0.0)
    ('0.1235', '-2', '0.006616', '1.5e-09', '0')
    """
    x = float(x)
    return "0" if x == 0 else f"{x:.4g}"


def par(x):
    """``fmt`` with parentheses around a negative number, for products."""
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text


def matrix(name, array):
    """``name = [[...]]`` lines, entries formatted by ``fmt`` and aligned in columns.

    >>> for line in matrix("W", np.array([[1.0, -0.25], [10.0, 2.0]])):
    ...     print(line)
    W = [[ 1  -0.25]
         [10      2]]
    """
    array = np.atleast_2d(np.asarray(array))
    cells = [[fmt(v) for v in row] for row in array]
    widths = [max(len(row[k]) for row in cells) for k in range(array.shape[1])]
    rows = ["[" + "  ".join(c.rjust(w) for c, w in zip(row, widths)) + "]" for row in cells]
    pad = " " * (len(name) + 3)
    return [f"{name} = [{rows[0]}" + ("]" if len(rows) == 1 else "")] + [
        pad + " " + row + ("]" if k == len(rows) - 2 else "") for k, row in enumerate(rows[1:])
    ]


# --- the mathematics, in NumPy -------------------------------------------------------


def activate(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    return np.maximum(z, 0.0)


def activation_slope(name, z, a):
    """The local derivative d act(z)/dz, written with the output a where it can be."""
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    return (z > 0).astype(np.float64)


def loss_and_slope(name, y, t):
    """Per-sample loss and its derivative with respect to y."""
    d = y - t
    if name == "l2":
        return 0.5 * d * d, d
    if name == "l1":
        return np.abs(d), np.sign(d)
    if name == "smooth_l1":
        small = np.abs(d) < 1.0
        return np.where(small, 0.5 * d * d, np.abs(d) - 0.5), np.where(small, d, np.sign(d))
    return -(t * np.log(y) + (1 - t) * np.log(1 - y)), (y - t) / (y * (1 - y))


def network(seed=DEFAULT_SEED):
    """The example's numbers: X (inputs × samples), targets t, W1, b1, W2, b2,
    drawn with ``seed`` and rounded to one decimal (zeros nudged to 0.1)."""
    rng = np.random.default_rng(seed)

    def draw(low, high, shape):
        values = np.round(rng.uniform(low, high, shape), 1)
        return np.where(values == 0, 0.1, values)

    return {
        "X": draw(-2.0, 2.0, (2, 2)),
        "t": np.array([[1.0, 0.0]]),
        "W1": draw(-1.0, 1.0, (2, 2)),
        "b1": draw(-0.5, 0.5, (2, 1)),
        "W2": draw(-1.0, 1.0, (1, 2)),
        "b2": draw(-0.5, 0.5, (1, 1)),
    }


def forward(params, X, hidden, output):
    z1 = params["W1"] @ X + params["b1"]
    a1 = activate(hidden, z1)
    z2 = params["W2"] @ a1 + params["b2"]
    y = activate(output, z2)
    return {"z1": z1, "a1": a1, "z2": z2, "y": y}


def backward(params, X, t, values, hidden, output, loss):
    """Every gradient of the example, step by step (the chain rule by hand)."""
    m = X.shape[1]
    per_sample, slope = loss_and_slope(loss, values["y"], t)
    grads = {"L": float(per_sample.mean()), "per_sample": per_sample}
    grads["y"] = slope / m
    grads["dy_dz2"] = activation_slope(output, values["z2"], values["y"])
    grads["z2"] = grads["y"] * grads["dy_dz2"]
    grads["W2"] = grads["z2"] @ values["a1"].T
    grads["b2"] = grads["z2"].sum(axis=1, keepdims=True)
    grads["a1"] = params["W2"].T @ grads["z2"]
    grads["da1_dz1"] = activation_slope(hidden, values["z1"], values["a1"])
    grads["z1"] = grads["a1"] * grads["da1_dz1"]
    grads["W1"] = grads["z1"] @ X.T
    grads["b1"] = grads["z1"].sum(axis=1, keepdims=True)
    return grads


class NumpyOptimizer:
    """The optimizers' update rules, written out as formulas (PyTorch's
    semantics: momentum's buffer starts as the first gradient, RMSprop's and
    Adam's averages start at 0, Adam corrects the bias)."""

    def __init__(self, name, lr):
        self.name = name
        self.lr = lr
        self.state = {}
        self.t = 0

    def step(self, params, grads):
        """New parameters, and per parameter the state used for the step."""
        self.t += 1
        new, used = {}, {}
        for key, w in params.items():
            g = grads[key]
            state = self.state.setdefault(key, {})
            if self.name == "sgd":
                new[key] = w - self.lr * g
                used[key] = {}
            elif self.name == "momentum":
                previous = state.get("v")
                v = g.copy() if previous is None else MOMENTUM * previous + g
                state["v"] = v
                new[key] = w - self.lr * v
                used[key] = {"v_old": previous, "v": v}
            elif self.name == "rmsprop":
                previous = state.get("s", np.zeros_like(w))
                s = ALPHA * previous + (1 - ALPHA) * g * g
                state["s"] = s
                new[key] = w - self.lr * g / (np.sqrt(s) + EPS)
                used[key] = {"s_old": previous, "s": s}
            else:
                beta1, beta2 = BETAS
                m_old = state.get("m", np.zeros_like(w))
                v_old = state.get("v", np.zeros_like(w))
                m = beta1 * m_old + (1 - beta1) * g
                v = beta2 * v_old + (1 - beta2) * g * g
                state["m"], state["v"] = m, v
                m_hat = m / (1 - beta1**self.t)
                v_hat = v / (1 - beta2**self.t)
                new[key] = w - self.lr * m_hat / (np.sqrt(v_hat) + EPS)
                used[key] = {"m_old": m_old, "v_old": v_old, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat}
        return new, used


# --- the same network in chainrule: autograd, nn.functional, optim -------------------


def _chainrule_loss(name, y, t):
    from ..nn import functional as F

    if name == "l2":
        return 0.5 * F.mse_loss(y, t)
    if name == "l1":
        return F.l1_loss(y, t)
    if name == "smooth_l1":
        return F.smooth_l1_loss(y, t, beta=1.0)
    return F.binary_cross_entropy(y, t)


LOSS_FUNCTIONS = {
    "l2": "mse_loss (× ½)",
    "l1": "l1_loss",
    "smooth_l1": "smooth_l1_loss",
    "cross_entropy": "binary_cross_entropy",
}


def _chainrule_forward(tensors, x, t, hidden, output, loss):
    import chainrule

    z1 = tensors["W1"] @ x + tensors["b1"]
    a1 = getattr(chainrule, hidden)(z1)
    z2 = tensors["W2"] @ a1 + tensors["b2"]
    y = getattr(chainrule, output)(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "y": y, "L": _chainrule_loss(loss, y, t)}


def _tensors(params):
    import chainrule

    return {k: chainrule.tensor(v, dtype=chainrule.float64, requires_grad=True) for k, v in params.items()}


def chainrule_pass(params, X, t, hidden, output, loss):
    """Values and gradients of the example computed by chainrule's autograd."""
    import chainrule

    tensors = _tensors(params)
    x = chainrule.tensor(X, dtype=chainrule.float64)
    target = chainrule.tensor(t, dtype=chainrule.float64)
    out = _chainrule_forward(tensors, x, target, hidden, output, loss)
    for name in ("z1", "a1", "z2", "y"):
        out[name].retain_grad()
    out["L"].backward()
    values = {k: v.detach().numpy().copy() for k, v in out.items()}
    grads = {k: out[k].grad.numpy().copy() for k in ("z1", "a1", "z2", "y")}
    grads.update({k: tensors[k].grad.numpy().copy() for k in tensors})
    return values, grads


def _chainrule_optimizer(name, parameters, lr):
    from .. import optim

    if name == "sgd":
        return optim.SGD(parameters, lr=lr)
    if name == "momentum":
        return optim.SGD(parameters, lr=lr, momentum=MOMENTUM)
    if name == "rmsprop":
        return optim.RMSprop(parameters, lr=lr, alpha=ALPHA, eps=EPS)
    return optim.Adam(parameters, lr=lr, betas=BETAS, eps=EPS)


OPTIMIZER_CLASSES = {"sgd": "SGD", "momentum": "SGD", "rmsprop": "RMSprop", "adam": "Adam"}


def chainrule_steps(params, X, t, hidden, output, loss, optimizer, lr, steps):
    """The parameters after each of ``steps`` chainrule.optim steps."""
    import chainrule

    tensors = _tensors(params)
    x = chainrule.tensor(X, dtype=chainrule.float64)
    target = chainrule.tensor(t, dtype=chainrule.float64)
    opt = _chainrule_optimizer(optimizer, list(tensors.values()), lr)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        _chainrule_forward(tensors, x, target, hidden, output, loss)["L"].backward()
        opt.step()
        history.append({k: v.detach().numpy().copy() for k, v in tensors.items()})
    return history


# --- the walk-through -------------------------------------------------------------------


class Walkthrough:
    """The document and the numbers behind it.

    ``render(format)`` gives "text", "markdown" or "html"; ``numbers`` holds
    every array shown (inputs, forward values, gradients, parameters and
    optimizer state per step); ``checks`` the comparisons with chainrule.
    """

    def __init__(self, document, numbers, options):
        self.document = document
        self.numbers = numbers
        self.options = options

    @property
    def checks(self):
        return self.document.checks

    @property
    def passed(self):
        return all(check.passed for check in self.checks)

    def render(self, format="text"):
        return self.document.render(format)

    def __str__(self):
        return self.render("text")


def walkthrough(
    activation="sigmoid", loss="l2", optimizer="sgd", lr=None, steps=1, seed=DEFAULT_SEED, lang="en"
):
    """Walk through forward propagation, the loss, backward propagation and
    ``steps`` optimizer steps of the two-layer example, with every number.

    ``activation``: sigmoid, tanh or relu (both layers; the output is the
    sigmoid with cross-entropy). ``loss``: l1, l2, smooth_l1 or cross_entropy.
    ``optimizer``: sgd, momentum, rmsprop or adam. ``lang``: en or zh.
    Returns a ``Walkthrough``; ``print(w)`` shows the text.

    >>> w = walkthrough(activation="relu", loss="smooth_l1", optimizer="adam", steps=2, lang="zh")
    >>> w.passed, len(w.numbers["steps"])
    (True, 2)
    """
    activation = choose(activation, ACTIVATIONS, "activation")
    loss = choose(loss, LOSSES, "loss")
    optimizer = choose(optimizer, OPTIMIZERS, "optimizer")
    lang = choose(lang, LANGUAGES, "language")
    if int(steps) < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    lr = DEFAULT_LR[optimizer] if lr is None else float(lr)
    if not 0 < lr < np.inf:  # also refuses nan
        raise ValueError(f"the learning rate must be positive and finite, got {lr}")
    options = {
        "activation": activation,
        "loss": loss,
        "optimizer": optimizer,
        "lr": lr,
        "steps": int(steps),
        "seed": seed,
        "lang": lang,
        "output_activation": "sigmoid" if loss == "cross_entropy" else activation,
    }
    builder = _Builder(options)
    return Walkthrough(builder.document, builder.numbers, options)


class _Builder:
    """Writes the document section by section while computing the numbers."""

    def __init__(self, options):
        self.o = options
        self.text = TEXTS[options["lang"]]
        self.hidden = options["activation"]
        self.output = options["output_activation"]
        self.loss = options["loss"]
        self.document = Document(self.text["title"], options["lang"], self.text["difference"])
        numbers = network(options["seed"])
        self.X, self.t = numbers["X"], numbers["t"]
        self.params = {k: numbers[k] for k in ("W1", "b1", "W2", "b2")}
        self.m = self.X.shape[1]
        self.values = forward(self.params, self.X, self.hidden, self.output)
        self.grads = backward(self.params, self.X, self.t, self.values, self.hidden, self.output, self.loss)
        self.auto_values, self.auto_grads = chainrule_pass(
            self.params, self.X, self.t, self.hidden, self.output, self.loss
        )
        self.numbers = {"X": self.X, "t": self.t, **self.params, **self.values, "grads": self.grads}
        self.network_section()
        self.forward_section()
        self.loss_section()
        self.backward_section()
        self.update_section()
        self.summary_section()

    def say(self, key, **values):
        self.document.paragraph(self.text[key].format(**values))

    def check(self, name, mine, theirs, sentence):
        difference = float(np.max(np.abs(np.asarray(mine) - np.asarray(theirs))))
        passed = np.shape(mine) == np.shape(theirs) and difference <= TOLERANCE * max(
            1.0, float(np.max(np.abs(mine)))
        )
        self.document.check(name, difference, passed, sentence)

    def check_grad(self, key, label):
        self.check(
            label, self.grads[key], self.auto_grads[key], self.text["autograd_check"].format(name=label)
        )

    def activation_name(self, name):
        return {"sigmoid": "σ", "tanh": "tanh", "relu": "relu"}[name]

    # 1 ------------------------------------------------------------------------------
    def network_section(self):
        o, text = self.o, self.text
        self.document.heading(text["sec_network"])
        self.say("intro", n_x=self.X.shape[0], n_h=self.params["W1"].shape[0], m=self.m, seed=o["seed"])
        self.say(
            "options",
            activation=text[f"activation_{self.hidden}"],
            loss=text[f"name_{self.loss}"],
            optimizer=text[f"name_{o['optimizer']}"],
            lr=o["lr"],
        )
        self.say("network_shapes", n_x=self.X.shape[0], n_h=self.params["W1"].shape[0], m=self.m)
        lines = matrix("X", self.X) + matrix("t", self.t)
        for key in ("W1", "b1", "W2", "b2"):
            lines += matrix(key, self.params[key])
        self.document.math(lines)

    # 2 ------------------------------------------------------------------------------
    def forward_section(self):
        X, W1, b1, W2, b2 = self.X, self.params["W1"], self.params["b1"], self.params["W2"], self.params["b2"]
        v = self.values
        text = self.text
        self.document.heading(text["sec_forward"])
        self.say("forward_intro")
        self.say("z1_intro")
        lines = []
        for j in range(W1.shape[0]):
            for i in range(self.m):
                terms = " + ".join(f"{par(W1[j, k])}·{par(X[k, i])}" for k in range(X.shape[0]))
                lines.append(f"z1[{j},{i}] = {terms} + {par(b1[j, 0])} = {fmt(v['z1'][j, i])}")
        self.document.math(lines + matrix("z1", v["z1"]))
        symbol = self.activation_name(self.hidden)
        self.say("a1_intro", act=symbol, formula=text[f"activation_{self.hidden}"])
        lines = [
            f"a1[{j},{i}] = {symbol}({fmt(v['z1'][j, i])}) = {fmt(v['a1'][j, i])}"
            for j in range(W1.shape[0])
            for i in range(self.m)
        ]
        self.document.math(lines + matrix("a1", v["a1"]))
        self.say("z2_intro")
        lines = []
        for i in range(self.m):
            terms = " + ".join(f"{par(W2[0, j])}·{par(v['a1'][j, i])}" for j in range(W2.shape[1]))
            lines.append(f"z2[{i}] = {terms} + {par(b2[0, 0])} = {fmt(v['z2'][0, i])}")
        self.document.math(lines)
        out_symbol = self.activation_name(self.output)
        if self.loss == "cross_entropy":
            self.say("y_intro_ce")
        else:
            self.say("y_intro", act=out_symbol)
        self.document.math(
            [f"y[{i}] = {out_symbol}({fmt(v['z2'][0, i])}) = {fmt(v['y'][0, i])}" for i in range(self.m)]
        )
        mine = np.concatenate([v[k].ravel() for k in ("z1", "a1", "z2", "y")])
        theirs = np.concatenate([self.auto_values[k].ravel() for k in ("z1", "a1", "z2", "y")])
        self.check("forward", mine, theirs, text["forward_check"])

    # 3 ------------------------------------------------------------------------------
    def loss_section(self):
        y, t, g = self.values["y"][0], self.t[0], self.grads
        per_sample = g["per_sample"][0]
        self.document.heading(self.text["sec_loss"])
        self.say(f"loss_{self.loss}", m=self.m)
        lines = []
        for i in range(self.m):
            d = y[i] - t[i]
            if self.loss == "l2":
                lines.append(f"ℓ[{i}] = ½·({fmt(y[i])} - {fmt(t[i])})² = {fmt(per_sample[i])}")
            elif self.loss == "l1":
                lines.append(f"ℓ[{i}] = |{fmt(y[i])} - {fmt(t[i])}| = {fmt(per_sample[i])}")
            elif self.loss == "smooth_l1":
                if abs(d) < 1:
                    lines.append(f"ℓ[{i}]: |y - t| = {fmt(abs(d))} < 1, ½·{par(d)}² = {fmt(per_sample[i])}")
                else:
                    lines.append(
                        f"ℓ[{i}]: |y - t| = {fmt(abs(d))} ≥ 1, {fmt(abs(d))} - 0.5 = {fmt(per_sample[i])}"
                    )
            else:
                logs = f"{fmt(t[i])}·ln {fmt(y[i])} + {fmt(1 - t[i])}·ln {fmt(1 - y[i])}"
                lines.append(f"ℓ[{i}] = -[{logs}] = {fmt(per_sample[i])}")
        terms = " + ".join(fmt(p) for p in per_sample)
        lines.append(f"L = ({terms}) / {self.m} = {fmt(g['L'])}")
        self.document.math(lines)
        sentence = self.text["loss_check"].format(function=LOSS_FUNCTIONS[self.loss])
        self.check("L", g["L"], self.auto_values["L"], sentence)

    # 4 ------------------------------------------------------------------------------
    def backward_section(self):
        text, v, g = self.text, self.values, self.grads
        X, W2 = self.X, self.params["W2"]
        y, t = v["y"][0], self.t[0]
        m, n_h = self.m, W2.shape[1]
        self.document.heading(text["sec_backward"])
        self.say("backward_intro")

        self.document.heading(text["step_dy"], 3)
        self.say(f"dy_{self.loss}", m=m)
        lines = []
        for i in range(m):
            d = y[i] - t[i]
            if self.loss == "l2" or (self.loss == "smooth_l1" and abs(d) < 1):
                lines.append(f"∂L/∂y[{i}] = ({fmt(y[i])} - {fmt(t[i])}) / {m} = {fmt(g['y'][0, i])}")
            elif self.loss in ("l1", "smooth_l1"):
                lines.append(f"∂L/∂y[{i}] = sign({fmt(d)}) / {m} = {fmt(g['y'][0, i])}")
            else:
                lines.append(
                    f"∂L/∂y[{i}] = ({fmt(y[i])} - {fmt(t[i])}) / ({fmt(y[i])}·(1 - {fmt(y[i])})) / {m}"
                    f" = {fmt(g['y'][0, i])}"
                )
        self.document.math(lines)
        self.check_grad("y", "∂L/∂y")

        self.document.heading(text["step_dz2"], 3)
        out_symbol = self.activation_name(self.output)
        self.say("local_derivative", act=out_symbol, derivative=text[f"derivative_{self.output}"])
        self.document.math(
            [
                self.slope_line("∂y/∂z2", f"[{i}]", v["z2"][0, i], y[i], g["dy_dz2"][0, i], self.output)
                for i in range(m)
            ]
        )
        self.say("chain_multiply")
        self.document.math(
            [
                f"∂L/∂z2[{i}] = {par(g['y'][0, i])}·{par(g['dy_dz2'][0, i])} = {fmt(g['z2'][0, i])}"
                for i in range(m)
            ]
        )
        if self.loss == "cross_entropy":
            self.say("ce_note")
        if self.output == "relu" and np.any(g["dy_dz2"] == 0):
            self.say("relu_note")
        self.check_grad("z2", "∂L/∂z2")

        self.document.heading(text["step_layer2"], 3)
        self.say("layer_local")
        self.say("sum_weight", w="W2")
        self.document.math(
            [
                f"∂L/∂W2[0,{j}] = "
                + " + ".join(f"{par(g['z2'][0, i])}·{par(v['a1'][j, i])}" for i in range(m))
                + f" = {fmt(g['W2'][0, j])}"
                for j in range(n_h)
            ]
        )
        self.check_grad("W2", "∂L/∂W2")
        self.say("sum_bias", b="b2")
        self.document.math(
            ["∂L/∂b2 = " + " + ".join(par(g["z2"][0, i]) for i in range(m)) + f" = {fmt(g['b2'][0, 0])}"]
        )
        self.check_grad("b2", "∂L/∂b2")
        self.say("pass_back")
        self.document.math(
            [
                f"∂L/∂a1[{j},{i}] = {par(W2[0, j])}·{par(g['z2'][0, i])} = {fmt(g['a1'][j, i])}"
                for j in range(n_h)
                for i in range(m)
            ]
        )
        self.check_grad("a1", "∂L/∂a1")

        self.document.heading(text["step_dz1"], 3)
        symbol = self.activation_name(self.hidden)
        self.say("local_derivative_hidden", act=symbol, derivative=text[f"derivative_{self.hidden}"])
        self.document.math(
            [
                self.slope_line(
                    "∂a1/∂z1", f"[{j},{i}]", v["z1"][j, i], v["a1"][j, i], g["da1_dz1"][j, i], self.hidden
                )
                for j in range(n_h)
                for i in range(m)
            ]
        )
        self.say("chain_multiply")
        self.document.math(
            [
                f"∂L/∂z1[{j},{i}] = {par(g['a1'][j, i])}·{par(g['da1_dz1'][j, i])} = {fmt(g['z1'][j, i])}"
                for j in range(n_h)
                for i in range(m)
            ]
        )
        if self.hidden == "relu" and np.any(g["da1_dz1"] == 0):
            self.say("relu_note")
        self.check_grad("z1", "∂L/∂z1")

        self.document.heading(text["step_layer1"], 3)
        self.say("layer1_local")
        self.say("sum_weight", w="W1")
        self.document.math(
            [
                f"∂L/∂W1[{j},{k}] = "
                + " + ".join(f"{par(g['z1'][j, i])}·{par(X[k, i])}" for i in range(m))
                + f" = {fmt(g['W1'][j, k])}"
                for j in range(n_h)
                for k in range(X.shape[0])
            ]
        )
        self.check_grad("W1", "∂L/∂W1")
        self.say("sum_bias", b="b1")
        self.document.math(
            [
                f"∂L/∂b1[{j}] = "
                + " + ".join(par(g["z1"][j, i]) for i in range(m))
                + f" = {fmt(g['b1'][j, 0])}"
                for j in range(n_h)
            ]
        )
        self.check_grad("b1", "∂L/∂b1")

        self.document.heading(text["step_chain"], 3)
        self.say("chain_text")
        sample = text["sample"]
        lines = []
        products = []
        for i in range(m):
            factors = [g["y"][0, i], g["dy_dz2"][0, i], W2[0, 0], g["da1_dz1"][0, i], X[0, i]]
            products.append(float(np.prod(factors)))
            lines.append(f"{sample} {i}: " + "·".join(par(f) for f in factors) + f" = {fmt(products[-1])}")
        lines.append("∂L/∂W1[0,0] = " + " + ".join(par(p) for p in products) + f" = {fmt(sum(products))}")
        self.document.math(lines)

    def slope_line(self, name, index, z, a, slope, activation):
        if activation == "sigmoid":
            return f"{name}{index} = {fmt(a)}·(1 - {fmt(a)}) = {fmt(slope)}"
        if activation == "tanh":
            return f"{name}{index} = 1 - {par(a)}² = {fmt(slope)}"
        sign = ">" if z > 0 else "≤"
        return f"{name}{index} = {fmt(slope)}   (z = {fmt(z)} {sign} 0)"

    # 5 ------------------------------------------------------------------------------
    def update_section(self):
        o, text = self.o, self.text
        name = o["optimizer"]
        self.document.heading(text["sec_update"].format(optimizer=text[f"name_{name}"]))
        self.say(
            f"{name}_intro",
            lr=o["lr"],
            momentum=MOMENTUM,
            alpha=ALPHA,
            eps=EPS,
            beta1=BETAS[0],
            beta2=BETAS[1],
        )
        reference = chainrule_steps(
            self.params, self.X, self.t, self.hidden, self.output, self.loss, name, o["lr"], o["steps"]
        )
        numpy_optimizer = NumpyOptimizer(name, o["lr"])
        params, grads = self.params, self.grads
        losses = [grads["L"]]
        steps = []
        for step in range(1, o["steps"] + 1):
            if o["steps"] > 1:
                self.document.heading(text["step_heading"].format(t=step), 3)
            if step > 1:
                values = forward(params, self.X, self.hidden, self.output)
                grads = backward(params, self.X, self.t, values, self.hidden, self.output, self.loss)
                self.say("recompute", loss=fmt(grads["L"]))
                self.document.math([line for key in params for line in matrix(f"∂L/∂{key}", grads[key])])
            new, used = numpy_optimizer.step(params, grads)
            if name == "adam":
                c1, c2 = 1 - BETAS[0] ** step, 1 - BETAS[1] ** step
                self.say("bias_correction", t=step, c1=fmt(c1), c2=fmt(c2))
            lines = []
            for key in params:
                for index in np.ndindex(params[key].shape):
                    lines += self.update_lines(
                        name,
                        _entry(key, index, params[key].shape),
                        params[key][index],
                        grads[key][index],
                        new[key][index],
                        used[key],
                        index,
                        step,
                    )
            self.document.math(lines)
            mine = np.concatenate([new[k].ravel() for k in new])
            theirs = np.concatenate([reference[step - 1][k].ravel() for k in new])
            self.check("step", mine, theirs, text["optimizer_check"].format(name=OPTIMIZER_CLASSES[name]))
            after = backward(
                new,
                self.X,
                self.t,
                forward(new, self.X, self.hidden, self.output),
                self.hidden,
                self.output,
                self.loss,
            )["L"]
            self.say(
                "loss_change", before=fmt(losses[-1]), after=fmt(after), change=self.change(losses[-1], after)
            )
            losses.append(after)
            steps.append(
                {"params": new, "grads": {k: grads[k] for k in params}, "state": used, "loss": after}
            )
            params = new
        self.numbers["steps"] = steps
        self.numbers["losses"] = losses

    def update_lines(self, name, entry, w, g, new, used, index, step):
        lr = self.o["lr"]
        if name == "sgd":
            return [f"{entry} = {fmt(w)} - {lr:g}·{par(g)} = {fmt(new)}"]
        if name == "momentum":
            v = used["v"][index]
            if used["v_old"] is None:
                velocity = f"v = g = {fmt(v)}"
            else:
                velocity = f"v = {MOMENTUM:g}·{par(used['v_old'][index])} + {par(g)} = {fmt(v)}"
            return [f"{entry}: {velocity};  {entry} = {fmt(w)} - {lr:g}·{par(v)} = {fmt(new)}"]
        if name == "rmsprop":
            s = used["s"][index]
            return [
                f"{entry}: s = {ALPHA:g}·{fmt(used['s_old'][index])} + {1 - ALPHA:.2g}·{par(g)}² = {fmt(s)};",
                f"    {entry} = {fmt(w)} - {lr:g}·{par(g)} / (√{fmt(s)} + {EPS:g}) = {fmt(new)}",
            ]
        beta1, beta2 = BETAS
        m, v, m_hat, v_hat = (used[k][index] for k in ("m", "v", "m_hat", "v_hat"))
        return [
            f"{entry}: m = {beta1:g}·{par(used['m_old'][index])} + {1 - beta1:.2g}·{par(g)} = {fmt(m)},"
            f"  v = {beta2:g}·{fmt(used['v_old'][index])} + {1 - beta2:.2g}·{par(g)}² = {fmt(v)},",
            f"    m̂ = {fmt(m_hat)}, v̂ = {fmt(v_hat)};  "
            f"{entry} = {fmt(w)} - {lr:g}·{par(m_hat)} / (√{fmt(v_hat)} + {EPS:g}) = {fmt(new)}",
        ]

    def change(self, before, after):
        difference = after - before
        if fmt(before) == fmt(after):
            return self.text["loss_same"]
        key = "loss_down" if difference < 0 else "loss_up"
        return self.text[key].format(amount=fmt(abs(difference)))

    # 6 ------------------------------------------------------------------------------
    def summary_section(self):
        text = self.text
        self.document.heading(text["sec_summary"])
        losses = self.numbers["losses"]
        self.say(
            "summary",
            optimizer=text[f"name_{self.o['optimizer']}"],
            before=fmt(losses[0]),
            after=fmt(losses[-1]),
        )
        checks = self.document.checks
        self.say("all_checks", passed=sum(c.passed for c in checks), total=len(checks))


def _entry(key, index, shape):
    """How a parameter entry is written: W1[0,1], b1[0], b2."""
    if shape == (1, 1):
        return key
    if shape[1] == 1:
        return f"{key}[{index[0]}]"
    return f"{key}[{index[0]},{index[1]}]"
