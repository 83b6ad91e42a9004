"""PNG plots of a run: learning curves, confusion matrix, misclassified examples, decision regions.

matplotlib is imported only when a plot is drawn, and only its object API
is used (``Figure`` + the Agg canvas, no pyplot), so plotting neither slows
down ``import chainrule`` nor changes the backend of a notebook it runs in.
"""

import numpy as np

__all__ = ["plot_curves", "plot_confusion_matrix", "plot_misclassified", "plot_decision_regions"]


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path):
    figure.savefig(path, format="png")


def plot_curves(history, path):
    """Loss (and accuracy, when there is one) per epoch, for training and validation.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "curves.png"
    >>> plot_curves([{"epoch": 1, "train_loss": 0.9, "val_loss": 1.0},
    ...              {"epoch": 2, "train_loss": 0.5, "val_loss": 0.7}], path)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.ticker import MaxNLocator

    has_accuracy = any("train_accuracy" in m or "val_accuracy" in m for m in history)
    figure = _figure(10 if has_accuracy else 5.5, 4)
    panels = [("loss", "loss")] + ([("accuracy", "accuracy")] if has_accuracy else [])
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    epochs = [m["epoch"] for m in history]
    for ax, (key, label) in zip(axes, panels):
        for split, style in (("train", "-o"), ("val", "-s")):
            values = [m.get(f"{split}_{key}", np.nan) for m in history]
            if not all(np.isnan(v) for v in values):
                scale = 100.0 if key == "accuracy" else 1.0
                ax.plot(
                    epochs,
                    [v * scale for v in values],
                    style,
                    markersize=3,
                    label="training" if split == "train" else "validation",
                )
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("accuracy (%)" if key == "accuracy" else label)
        ax.grid(alpha=0.3)
        ax.legend()
    if history:
        last = history[-1]
        summary = f"after {epochs[-1]} epochs: training loss {last['train_loss']:.4f}"
        if "val_accuracy" in last:
            summary += f", validation accuracy {last['val_accuracy']:.2%}"
        figure.suptitle(summary)
    _save(figure, path)


def confusion_matrix(predicted, targets, num_classes):
    """Counts: row = true class, column = predicted class.

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
    [[1, 1], [0, 1]]
    """
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(targets), np.asarray(predicted)), 1)
    return matrix


def plot_confusion_matrix(predicted, targets, classes, path):
    """A heat map of true class (rows) against predicted class (columns), with the counts written in.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "confusion.png"
    >>> plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], ["cat", "dog", "eel"], path)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    matrix = confusion_matrix(predicted, targets, len(classes))
    size = max(4.5, 0.55 * len(classes) + 2.5)
    figure = _figure(size, size)
    ax = figure.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=ax, shrink=0.8)
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, labels=classes, rotation=45 if max(map(len, classes)) > 2 else 0, ha="right")
    ax.set_yticks(ticks, labels=classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_title(f"confusion matrix: {accuracy:.2%} correct of {matrix.sum()}")
    threshold = matrix.max() / 2
    for row in range(len(classes)):
        for column in range(len(classes)):
            if matrix[row, column]:
                ax.text(
                    column,
                    row,
                    str(matrix[row, column]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if matrix[row, column] > threshold else "black",
                )
    _save(figure, path)


def plot_misclassified(images, predicted, targets, classes, path, limit=36):
    """A grid of up to ``limit`` test images the model got wrong, titled "true → predicted".

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wrong.png"
    >>> plot_misclassified(np.zeros((3, 8, 8)), [1, 0, 0], [0, 0, 1], ["zero", "one"], path)
    >>> path.stat().st_size > 0
    True
    """
    wrong = np.flatnonzero(np.asarray(predicted) != np.asarray(targets))[:limit]
    columns = 6
    rows = max(1, -(-len(wrong) // columns))
    figure = _figure(columns * 1.6, rows * 1.8 + 0.4)
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, index in zip(axes.ravel(), wrong):
        ax.imshow(images[index], cmap="gray_r")
        ax.set_title(f"{classes[targets[index]]} → {classes[predicted[index]]}", fontsize=7)
    total = int((np.asarray(predicted) != np.asarray(targets)).sum())
    figure.suptitle(
        f"misclassified: {total} of {len(targets)} (true → predicted)"
        if total
        else "no misclassified examples"
    )
    _save(figure, path)


def plot_decision_regions(predict, points, targets, predicted, classes, path, resolution=200):
    """For two-feature data: the class the model predicts over the plane, with the test points on top
    (misclassified ones circled). ``predict`` maps an (N, 2) array to predicted classes.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "regions.png"
    >>> points = np.array([[-1.0, 0.0], [1.0, 0.0], [0.5, 1.0]])
    >>> above_zero = lambda xy: (xy[:, 0] > 0).astype(int)
    >>> plot_decision_regions(above_zero, points, [0, 1, 0], above_zero(points), ["left", "right"], path)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.colors import ListedColormap

    palette = [f"C{k % 10}" for k in range(len(classes))]  # one colour per class, for regions and points
    low, high = points.min(0) - 0.5, points.max(0) + 0.5
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    regions = np.asarray(predict(np.stack([xs.ravel(), ys.ravel()], 1))).reshape(xs.shape)
    figure = _figure(5.5, 5)
    ax = figure.subplots()
    ax.contourf(
        xs, ys, regions, levels=np.arange(len(classes) + 1) - 0.5, cmap=ListedColormap(palette), alpha=0.25
    )
    targets = np.asarray(targets)
    for k, name in enumerate(classes):
        ax.scatter(*points[targets == k].T, s=12, color=palette[k], label=f"class {name}")
    wrong = np.asarray(predicted) != targets
    ax.scatter(
        *points[wrong].T, s=60, facecolors="none", edgecolors="black", label=f"misclassified ({wrong.sum()})"
    )
    ax.legend(loc="upper right", fontsize=8)
    ax.set_xlabel("feature 1 (standardized)")
    ax.set_ylabel("feature 2 (standardized)")
    ax.set_title("the model's classes over the plane, test points on top")
    _save(figure, path)
