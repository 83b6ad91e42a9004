"""A training run in a folder: what ``chainrule train``, ``evaluate`` and ``predict`` do, as functions.

A run folder holds ``config.json`` (everything needed to rebuild the run),
``checkpoint.safetensors`` (model, optimizer, scheduler, position, random
states, metrics so far), ``metrics.csv`` / ``metrics.json``, ``results.json``
(the test score) and PNG plots. ``train_run`` creates one (or resumes it),
``evaluate_run`` scores a finished one again, ``predict_run`` classifies new
inputs with it.
"""

import json
import math
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from .. import _random, optim
from .._creation import from_numpy
from ..autograd.grad_mode import no_grad
from ..utils.data import DataLoader, TensorDataset
from . import callbacks as cb
from .data import AugmentedLoader, prepare_data, random_horizontal_flip, read_inputs, standardize
from .files import check_writable, write_json_atomic
from .loop import evaluate, fit
from .losses import make_loss, model_outputs
from .models import build_model

__all__ = [
    "RunConfig",
    "RunResult",
    "RunInterrupted",
    "TrainingDiverged",
    "train_run",
    "evaluate_run",
    "predict_run",
    "resume_run",
    "read_run_config",
    "CHECKPOINT",
    "CONFIG",
]

CHECKPOINT = "checkpoint.safetensors"
CONFIG = "config.json"
RESULTS = "results.json"

OPTIMIZERS = {
    "sgd": lambda params, lr, wd: optim.SGD(params, lr=lr, weight_decay=wd),
    "momentum": lambda params, lr, wd: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=wd),
    "rmsprop": lambda params, lr, wd: optim.RMSprop(params, lr=lr, weight_decay=wd),
    "adam": lambda params, lr, wd: optim.Adam(params, lr=lr, weight_decay=wd),
    "adamw": lambda params, lr, wd: optim.AdamW(params, lr=lr, weight_decay=wd),
}
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.02, "rmsprop": 1e-3, "adam": 1e-3, "adamw": 1e-3}
SCHEDULES = ("cosine", "none")

AUGMENTATIONS = ("none", "flip")

# Epochs, batch size and augmentation that reach the README's accuracies in reasonable time on two
# CPU cores, chosen from sweeps of the same models in PyTorch: on Fashion-MNIST the CNN reached
# 92.5-92.7 % test accuracy after 15 epochs (three seeds) and 92.7-93.0 % after 20 with flips (four).
DEFAULT_EPOCHS = {"digits": 30, "fashion-mnist": 15, "mnist": 10}
DEFAULT_CNN_EPOCHS = {"fashion-mnist": 20}  # cnn and resnet
DEFAULT_BATCH_SIZE = {"fashion-mnist": 128, "mnist": 128}
FLIP_BY_DEFAULT = ("fashion-mnist",)  # mirrored clothes are still clothes; mirrored digits are not


@dataclass
class RunConfig:
    """Everything that defines a run (``None`` means: the default for the dataset and optimizer)."""

    model: str = "mlp"
    dataset: str = "digits"
    epochs: int = None
    batch_size: int = None
    lr: float = None
    optimizer: str = "adam"
    loss: str = "cross-entropy"
    seed: int = 0
    weight_decay: float = 0.0
    schedule: str = "cosine"
    augment: str = None
    val_fraction: float = 0.1
    label_column: str = "-1"
    data_root: str = None
    clip_grad: float = None
    patience: int = None
    diagnose: bool = False

    def resolved(self):
        """A copy with the defaults filled in and the choices checked."""
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        convolutional = self.model in ("cnn", "resnet")
        values = asdict(self)
        if self.epochs is None:
            epochs = DEFAULT_CNN_EPOCHS.get(self.dataset) if convolutional else None
            values["epochs"] = epochs or DEFAULT_EPOCHS.get(self.dataset, 100)
        if self.augment is None:
            values["augment"] = "flip" if convolutional and self.dataset in FLIP_BY_DEFAULT else "none"
        if values["augment"] not in AUGMENTATIONS:
            raise ValueError(
                f"unknown augmentation {values['augment']!r}; choose one of {', '.join(AUGMENTATIONS)}"
            )
        values["batch_size"] = self.batch_size or DEFAULT_BATCH_SIZE.get(self.dataset, 32)
        values["lr"] = self.lr if self.lr is not None else DEFAULT_LR[self.optimizer]
        for name in ("epochs", "batch_size"):
            if values[name] < 1:
                raise ValueError(f"{name.replace('_', ' ')} must be at least 1, got {values[name]}")
        if not 0 < values["lr"] < math.inf:  # also refuses nan
            raise ValueError(f"the learning rate must be positive and finite, got {values['lr']}")
        if self.clip_grad is not None and not 0 < self.clip_grad < math.inf:
            raise ValueError(f"the gradient clipping norm must be positive and finite, got {self.clip_grad}")
        return RunConfig(**values)


@dataclass
class RunResult:
    run_dir: Path
    history: list
    test: dict  # {"loss", "accuracy", "count"}
    files: list  # the paths written
    stop_reason: str = None


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the run; ``checkpoint`` describes what was saved (None if nothing)."""

    def __init__(self, run_dir, checkpoint):
        super().__init__(f"interrupted; checkpoint: {checkpoint}")
        self.run_dir, self.checkpoint = run_dir, checkpoint


class TrainingDiverged(RuntimeError):
    """The loss, a validation metric or the weights became NaN or infinite; the last good checkpoint was
    kept."""


def default_run_dir(config, root="runs"):
    """``runs/<timestamp>-<model>-<dataset>``, e.g. ``runs/20250101-120000-mlp-digits``.

    >>> default_run_dir(RunConfig(dataset="csv:data/iris.csv")).name[-9:]
    '-mlp-iris'
    """
    dataset = Path(config.dataset[4:]).stem if config.dataset.startswith("csv:") else config.dataset
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{config.model}-{dataset}"
    path, count = Path(root) / name, 1
    while path.exists():  # two runs started in the same second
        count += 1
        path = Path(root) / f"{name}-{count}"
    return path


class _Parts:
    """The objects of a run, built in a fixed order from the seed so that a resumed run rebuilds them alike.

    ``info`` is ``PreparedData.describe()`` (as saved in config.json); ``data``
    the PreparedData itself, needed only to train.
    """

    def __init__(self, config, info, data=None):
        _random.manual_seed(config.seed)
        num_classes = len(info["classes"]) if info["classes"] is not None else None
        self.loss_fn = make_loss(config.loss, num_classes, info["name"])
        outputs = model_outputs(config.loss, num_classes)
        self.model = build_model(config.model, tuple(info["input_shape"]), outputs, info["name"])
        if data is None:
            return
        self.generator = _random.Generator().manual_seed(config.seed)
        self.train_loader = DataLoader(
            TensorDataset(*data.train), batch_size=config.batch_size, shuffle=True, generator=self.generator
        )
        if config.augment == "flip":
            if not info["is_image"]:
                raise ValueError(
                    f"flip augmentation mirrors images, but {info['name']} is not an image dataset"
                )
            self.train_loader = AugmentedLoader(self.train_loader, random_horizontal_flip)
        self.val_loader = _eval_loader(data.val) if data.val is not None else None
        self.optimizer = OPTIMIZERS[config.optimizer](self.model.parameters(), config.lr, config.weight_decay)
        self.scheduler = (
            optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=config.epochs)
            if config.schedule == "cosine"
            else None
        )


def _eval_loader(pair, batch_size=500):
    return DataLoader(TensorDataset(*pair), batch_size=batch_size)


def read_run_config(run_dir):
    run_dir = Path(run_dir)
    path = run_dir / CONFIG
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run folder not found: {run_dir}")
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run folder: it has no {CONFIG}")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        config = RunConfig(
            **{f.name: saved["config"][f.name] for f in fields(RunConfig) if f.name in saved["config"]}
        )
        return config, saved["data"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a valid run configuration: {error}") from None


def _checkpoint_path(run_dir):
    path = Path(run_dir) / CHECKPOINT
    if not path.is_file():
        raise FileNotFoundError(
            f"{run_dir} has no checkpoint ({CHECKPOINT}): the run never finished an epoch"
        )
    return path


def _load_weights(model, run_dir):
    from ..serialization import load

    path = _checkpoint_path(run_dir)
    checkpoint = load(path)
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("model"), dict):
        raise ValueError(
            f"{path} holds no model weights (chainrule train's checkpoints have a 'model' entry)"
        )
    try:
        model.load_state_dict(checkpoint["model"])
    except (RuntimeError, KeyError, TypeError) as error:
        raise ValueError(f"{path} does not fit the model its config.json describes: {error}") from None


def train_run(config=None, run_dir=None, callbacks=(), progress=True):
    """Train as ``chainrule train`` does, in ``run_dir`` (default ``runs/<time>-<model>-<dataset>``).

    Returns a RunResult. Raises RunInterrupted on Ctrl-C (after saving a
    checkpoint) and TrainingDiverged when the loss or the weights become NaN
    or infinite (keeping the last good checkpoint).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> config = RunConfig(model="seed-net", dataset="moons", epochs=2, lr=0.05)
    >>> result = train_run(config, folder, progress=False)
    >>> len(result.history), result.test["count"], sorted(p.name for p in folder.iterdir())[:3]
    (2, 200, ['checkpoint.safetensors', 'config.json', 'confusion_matrix.png'])
    >>> evaluate_run(folder).test["accuracy"] == result.test["accuracy"]
    True
    """
    config = (config or RunConfig()).resolved()
    return _train(config, run_dir, None, callbacks, progress)


def resume_run(run_dir, overrides=None, callbacks=(), progress=True):
    """Continue the run in ``run_dir`` from its checkpoint, with its own config.

    ``overrides`` (a dict of RunConfig fields) may only repeat the saved
    settings: a run continues as it started, or it would not end as the
    uninterrupted run would.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = train_run(RunConfig(model="seed-net", dataset="moons", epochs=1), folder, progress=False)
    >>> resume_run(folder, {"epochs": 2})
    Traceback (most recent call last):
    ...
    ValueError: ... was trained with epochs=1; a resumed run continues with its own settings, ...
    """
    run_dir = Path(run_dir)
    config, _ = read_run_config(run_dir)
    overrides = dict(overrides or {})
    config.diagnose = overrides.pop("diagnose", config.diagnose)  # watching a run does not change it
    for name, value in overrides.items():
        if value != getattr(config, name):
            raise ValueError(
                f"{run_dir} was trained with {name}={getattr(config, name)!r}; a resumed run continues with "
                f"its own settings, so leave out {name}={value!r} (or start a new run)"
            )
    return _train(config, run_dir, _checkpoint_path(run_dir), callbacks, progress)


def _train(config, run_dir, checkpoint, callbacks, progress):
    data = prepare_data(
        config.dataset, config.data_root, config.val_fraction, label_column=config.label_column
    )
    info = data.describe()
    parts = _Parts(config, info, data)
    run_dir = Path(run_dir) if run_dir is not None else default_run_dir(config)
    if checkpoint is None and (run_dir / CONFIG).exists():
        raise ValueError(f"{run_dir} already holds a run; resume it, or train into another folder")
    if checkpoint is None and (run_dir / CHECKPOINT).exists():
        raise ValueError(
            f"{run_dir / CHECKPOINT} is in the way: a new run writes its checkpoint there; "
            "move it away, or train into another folder"
        )
    parameters = sum(p.numel() for p in parts.model.parameters())
    check_writable(run_dir, needed_bytes=parameters * 4 * 4 * 2 + 5_000_000)
    if checkpoint is None:
        write_json_atomic(
            run_dir / CONFIG,
            {
                "config": asdict(config),
                "data": info,
                "parameters": parameters,
                "created": time.strftime("%Y-%m-%d %H:%M:%S"),
            },
        )
    nan_guard = cb.StopOnNaN()
    saver = cb.Checkpoint(run_dir / CHECKPOINT)
    if checkpoint is not None:
        saver.saved = "the checkpoint resumed from"
    steps = [nan_guard, cb.MetricLog(run_dir), cb.PlotCurves(run_dir), saver]
    if progress:
        steps.insert(0, cb.ProgressBar())
    if config.clip_grad is not None:
        steps.insert(0, cb.GradientClipping(config.clip_grad))
    if config.patience:
        steps.append(cb.EarlyStopping("val_loss" if data.val is not None else "train_loss", config.patience))
    diagnostics = None
    if config.diagnose:
        from ..explain.diagnostics import DiagnosticsCallback

        diagnostics = DiagnosticsCallback(run_dir)
        steps.append(diagnostics)
    try:
        history = fit(
            parts.model,
            parts.loss_fn,
            parts.optimizer,
            parts.train_loader,
            parts.val_loader,
            epochs=config.epochs,
            scheduler=parts.scheduler,
            callbacks=[*steps, *callbacks],
            run_dir=run_dir,
            resume=checkpoint,
        )
    except KeyboardInterrupt:
        raise RunInterrupted(run_dir, saver.saved) from None
    if nan_guard.reason:
        kept = (
            f"the last good checkpoint ({saver.saved}) is in {run_dir / CHECKPOINT}"
            if saver.saved
            else "no epoch finished, so there is no checkpoint"
        )
        raise TrainingDiverged(f"{nan_guard.reason}; training stopped and {kept}. Try a lower learning rate.")
    test, files = _score(parts.model, parts.loss_fn, info, data.test, run_dir)
    write_json_atomic(
        run_dir / RESULTS,
        {
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
            "test_count": test["count"],
            "epochs": len(history),
            "stop_reason": history.stop_reason,
        },
    )
    files = [
        run_dir / CONFIG,
        run_dir / CHECKPOINT,
        run_dir / "metrics.csv",
        run_dir / "metrics.json",
        run_dir / "curves.png",
        *files,
        *(Path(path) for path in getattr(diagnostics, "files", [])),
        run_dir / RESULTS,
    ]
    return RunResult(run_dir, list(history), test, files, history.stop_reason)


def _predicted_classes(outputs):
    if outputs.dim() == 2 and outputs.shape[1] > 1:
        return outputs.argmax(1)
    return (outputs.reshape(-1) > 0).long()


def _score(model, loss_fn, info, test, run_dir):
    """Test loss and accuracy, and the plots that need predictions: confusion matrix, mistakes."""
    from . import plots

    result = evaluate(model, _eval_loader(test), loss_fn, return_outputs=True)
    outputs, targets = result.pop("outputs"), result.pop("targets").numpy()
    classes = info["classes"]
    files = []
    if classes is None:
        return result, files
    predicted = _predicted_classes(outputs).numpy()
    plots.plot_confusion_matrix(predicted, targets, classes, run_dir / "confusion_matrix.png")
    files.append(run_dir / "confusion_matrix.png")
    inputs = test[0].numpy()
    if info["is_image"]:
        images = inputs[:, 0] * info["std"] + info["mean"]  # first channel, in the original pixel scale
        plots.plot_misclassified(images, predicted, targets, classes, run_dir / "misclassified.png")
        files.append(run_dir / "misclassified.png")
    elif inputs.shape[1:] == (2,):

        def predict_points(points):
            with no_grad():
                return _predicted_classes(model(from_numpy(points.astype(np.float32)))).numpy()

        plots.plot_decision_regions(
            predict_points, inputs, targets, predicted, classes, run_dir / "decision_regions.png"
        )
        files.append(run_dir / "decision_regions.png")
    return result, files


def evaluate_run(run_dir):
    """Score a run's checkpoint on its test set again (and redraw the test plots); returns a RunResult.

    See ``train_run`` for an example.
    """
    run_dir = Path(run_dir)
    config, _ = read_run_config(run_dir)
    data = prepare_data(
        config.dataset, config.data_root, config.val_fraction, label_column=config.label_column
    )
    parts = _Parts(config, data.describe())
    _load_weights(parts.model, run_dir)
    test, files = _score(parts.model, parts.loss_fn, data.describe(), data.test, run_dir)
    history = (
        json.loads((run_dir / "metrics.json").read_text()) if (run_dir / "metrics.json").is_file() else []
    )
    return RunResult(run_dir, history, test, files)


def predict_run(run_dir, path):
    """Predictions of a run's model for the inputs in ``path`` (CSV rows or .npy).

    Returns ``(predicted, confidence, names)``: class indices and their
    softmax probability (for classification, ``names`` the class names), or
    the predicted values and None, None (regression).

    >>> import tempfile, pathlib, numpy as np
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = train_run(RunConfig(model="seed-net", dataset="moons", epochs=3, lr=0.05), folder, progress=False)
    >>> np.save(folder / "points.npy", np.array([[0.0, 1.0], [1.0, -0.5]]))
    >>> predicted, confidence, names = predict_run(folder, folder / "points.npy")
    >>> predicted.tolist(), names
    ([0, 1], ['0', '1'])
    """
    config, info = read_run_config(run_dir)
    parts = _Parts(config, info)
    _load_weights(parts.model, run_dir)
    raw = read_inputs(path, info["input_shape"])
    inputs = from_numpy(standardize(raw, info["mean"], info["std"], info["input_shape"]))
    parts.model.eval()
    with no_grad():
        outputs = parts.model(inputs)
    if info["classes"] is None:
        return outputs.reshape(-1).numpy(), None, None
    if outputs.shape[1] == 1:
        probability = outputs.reshape(-1).sigmoid()
        predicted = (probability > 0.5).long()
        confidence = (probability - 0.5).abs() + 0.5
    else:
        probabilities = outputs.softmax(1)
        confidence, predicted = probabilities.max(1)
    return predicted.numpy(), confidence.numpy(), [info["classes"][k] for k in predicted.tolist()]
