"""Losses by name, adapted to class-index targets, and a check that a loss fits the model's output.

A loss that does not fit the output is the commonest first mistake (binary
cross-entropy on ten-class logits, MSE broadcasting (N, 1) against (N,) into
(N, N)); PyTorch either raises an error about tensor sizes or, worse, only
warns. ``check_loss_inputs`` runs on the first batch of every epoch and says
which loss, which shapes, and what to use instead.
"""

from .. import nn

__all__ = ["LOSSES", "make_loss", "check_loss_inputs", "OneHotTargets"]

# name -> (class, kind): "classes" needs class-index targets, "binary" two classes and one output,
# "values" compares the output with the target element by element.
LOSSES = {
    "cross-entropy": (nn.CrossEntropyLoss, "classes"),
    "bce": (nn.BCEWithLogitsLoss, "binary"),
    "mse": (nn.MSELoss, "values"),
    "l1": (nn.L1Loss, "values"),
    "smoothl1": (nn.SmoothL1Loss, "values"),
    "huber": (nn.HuberLoss, "values"),
}
_ELEMENTWISE = (nn.MSELoss, nn.L1Loss, nn.SmoothL1Loss, nn.HuberLoss, nn.BCEWithLogitsLoss, nn.BCELoss)


class OneHotTargets(nn.Module):
    """Wraps an element-wise loss so that it takes class indices: (N,) targets become one-hot (N, C) rows,
    or for a one-output model (binary), a float (N, 1) column."""

    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def forward(self, output, target):
        if not target.is_floating_point():
            if output.dim() == 2 and output.shape[1] == 1:
                target = target.reshape(-1, 1).to(output.dtype)
            else:
                target = nn.functional.one_hot(target, output.shape[-1]).to(output.dtype)
        return self.loss(output, target)

    def extra_repr(self):
        return "class indices -> one-hot"


def model_outputs(loss_name, num_classes):
    """How many outputs the model needs for ``loss_name`` on ``num_classes`` classes (None: regression).

    >>> model_outputs("cross-entropy", 10), model_outputs("bce", 2), model_outputs("mse", None)
    (10, 1, 1)
    """
    if num_classes is None:
        return 1
    return 1 if LOSSES[loss_name][1] == "binary" else num_classes


def make_loss(loss_name, num_classes, dataset="the dataset"):
    """The loss module for ``loss_name`` on a task with ``num_classes`` classes (None: regression targets).

    Raises a ValueError that suggests the right loss when the name does not fit the task.

    >>> make_loss("cross-entropy", 10)
    CrossEntropyLoss()
    >>> make_loss("bce", 10, "digits")
    Traceback (most recent call last):
    ...
    ValueError: loss 'bce' (binary cross-entropy) needs two classes ... 10 classes: use 'cross-entropy'
    """
    if loss_name not in LOSSES:
        raise ValueError(f"unknown loss {loss_name!r}; choose one of {', '.join(LOSSES)}")
    loss_class, kind = LOSSES[loss_name]
    if num_classes is None:
        if kind != "values":
            raise ValueError(
                f"loss {loss_name!r} needs class labels, but {dataset} has real-valued targets "
                "(regression): use 'mse', 'l1', 'smoothl1' or 'huber'"
            )
        return loss_class()
    if kind == "binary" and num_classes != 2:
        raise ValueError(
            f"loss 'bce' (binary cross-entropy) needs two classes and a model with one output, but {dataset} "
            f"has {num_classes} classes: use 'cross-entropy'"
        )
    return loss_class() if kind == "classes" else OneHotTargets(loss_class())


def check_loss_inputs(loss_fn, output, target):
    """Raise a ValueError naming the loss, the shapes and the fix when ``loss_fn`` cannot take
    ``(output, target)`` as meant; return None when it can.

    >>> import chainrule
    >>> logits, labels = chainrule.zeros(4, 10), chainrule.tensor([1, 2, 3, 4])
    >>> check_loss_inputs(chainrule.nn.BCEWithLogitsLoss(), logits, labels)
    Traceback (most recent call last):
    ...
    ValueError: BCEWithLogitsLoss compares output and target element by element, but ... has shape (4, 10)
    and the target (4,) (class indices): for 10 classes use CrossEntropyLoss
    """
    name = type(loss_fn).__name__
    if isinstance(loss_fn, OneHotTargets):
        name, loss_fn = type(loss_fn.loss).__name__, loss_fn.loss
        if (
            isinstance(loss_fn, (nn.BCEWithLogitsLoss, nn.BCELoss))
            and output.dim() == 2
            and output.shape[1] > 1
        ):
            raise ValueError(
                f"{name} with class-index targets needs a model with one output (two classes), but the "
                f"output has shape {tuple(output.shape)}: use CrossEntropyLoss"
            )
        return None
    shapes = f"the model's output has shape {tuple(output.shape)} and the target {tuple(target.shape)}"
    if isinstance(loss_fn, nn.CrossEntropyLoss) and not target.is_floating_point():
        if output.dim() < 2 or target.shape != (output.shape[0], *output.shape[2:]):
            raise ValueError(
                f"{name} takes (N, C) logits and (N,) class indices, but {shapes}"
                + (
                    ": for one output and two classes use BCEWithLogitsLoss"
                    if output.dim() < 2 or output.shape[1] == 1
                    else ""
                )
            )
        top = int(target.max().item()) if target.numel() else 0
        if top >= output.shape[1] or (target.numel() and int(target.min().item()) < 0):
            raise ValueError(
                f"{name}: a target is class {top}, but the model has {output.shape[1]} outputs "
                f"(classes 0..{output.shape[1] - 1}): build the model with one output per class"
            )
        return None
    if isinstance(loss_fn, _ELEMENTWISE) and tuple(output.shape) != tuple(target.shape):
        advice = "make the two shapes equal (e.g. target.reshape(output.shape))"
        if not target.is_floating_point() and output.dim() == 2 and output.shape[1] > 1:
            advice = f"for {output.shape[1]} classes use CrossEntropyLoss"
            shapes += " (class indices)"
        raise ValueError(f"{name} compares output and target element by element, but {shapes}: {advice}")
    return None
