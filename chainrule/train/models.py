"""The models ``chainrule train --model`` builds, written as any PyTorch user would write them.

* ``seed-net``: the two-layer network of the seeds (blog 001): Linear, ReLU, Linear.
* ``mlp``: a multilayer perceptron, 256-128 hidden units with dropout.
* ``cnn``: two 3x3 convolutions with batch norm and max pooling, then two linear layers.
* ``resnet``: a small residual CNN (three basic blocks, global average pooling).

Every model takes inputs of shape (N, *input_shape); the fully connected ones
flatten them first, so they also work on images.
"""

import math

from .. import nn

__all__ = ["MODELS", "build_model", "SeedNet", "MLP", "CNN", "ResNet", "BasicBlock"]


class SeedNet(nn.Sequential):
    """Input → Linear → ReLU → Linear: the two-layer network the seeds build by hand in NumPy.

    >>> SeedNet(64, 10)
    SeedNet(
      (0): Flatten(start_dim=1, end_dim=-1)
      (1): Linear(in_features=64, out_features=64, bias=True)
      (2): ReLU()
      (3): Linear(in_features=64, out_features=10, bias=True)
    )
    """

    def __init__(self, in_features, num_outputs, hidden=64):
        super().__init__(
            nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, num_outputs)
        )


class MLP(nn.Sequential):
    """Flatten, then (Linear, ReLU, Dropout) per hidden layer, then a Linear to the outputs.

    >>> MLP(784, 10, hidden=(32,))
    MLP(
      (0): Flatten(start_dim=1, end_dim=-1)
      (1): Linear(in_features=784, out_features=32, bias=True)
      (2): ReLU()
      (3): Dropout(p=0.2, inplace=False)
      (4): Linear(in_features=32, out_features=10, bias=True)
    )
    """

    def __init__(self, in_features, num_outputs, hidden=(256, 128), dropout=0.2):
        layers = [nn.Flatten()]
        for width in hidden:
            layers += [nn.Linear(in_features, width), nn.ReLU(), nn.Dropout(dropout)]
            in_features = width
        super().__init__(*layers, nn.Linear(in_features, num_outputs))


class CNN(nn.Sequential):
    """Two convolution blocks (3x3 conv, batch norm, ReLU, 2x2 max pool), then Linear-ReLU-Dropout-Linear.

    >>> import chainrule
    >>> CNN(1, 10, (28, 28))(chainrule.zeros(2, 1, 28, 28)).shape
    chainrule.Size([2, 10])
    """

    def __init__(self, in_channels, num_outputs, image_size, channels=(32, 64), hidden=128, dropout=0.3):
        height, width = image_size
        first, second = channels
        super().__init__(
            nn.Conv2d(in_channels, first, 3, padding=1, bias=False),
            nn.BatchNorm2d(first),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(first, second, 3, padding=1, bias=False),
            nn.BatchNorm2d(second),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(second * (height // 4) * (width // 4), hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_outputs),
        )


class BasicBlock(nn.Module):
    """ResNet's basic block: relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)), the shortcut a 1x1
    convolution when the shape changes."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x):
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        return (out + self.shortcut(x)).relu()


class ResNet(nn.Module):
    """A small residual CNN: a 3x3 stem, basic blocks of 16, 32 and 64 channels (the last two halve the
    image), global average pooling and a Linear classifier.

    >>> import chainrule
    >>> ResNet(1, 10)(chainrule.zeros(2, 1, 8, 8)).shape
    chainrule.Size([2, 10])
    """

    def __init__(self, in_channels, num_outputs, channels=(16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(channels[0]),
            nn.ReLU(),
        )
        blocks, previous = [], channels[0]
        for index, width in enumerate(channels):
            blocks.append(BasicBlock(previous, width, stride=1 if index == 0 else 2))
            previous = width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(previous, num_outputs)

    def forward(self, x):
        return self.fc(self.pool(self.blocks(self.stem(x))).flatten(1))


MODELS = {"seed-net": SeedNet, "mlp": MLP, "cnn": CNN, "resnet": ResNet}


def build_model(name, input_shape, num_outputs, dataset="the dataset"):
    """The model ``name`` for inputs of ``input_shape`` (one example's shape) and ``num_outputs`` outputs.

    >>> build_model("cnn", (2,), 2, "moons")
    Traceback (most recent call last):
    ...
    ValueError: model 'cnn' needs images (channels, height, width), but moons ... use 'mlp' or 'seed-net'
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    if name in ("seed-net", "mlp"):
        return MODELS[name](math.prod(input_shape), num_outputs)
    if len(input_shape) != 3:
        raise ValueError(
            f"model {name!r} needs images (channels, height, width), but {dataset} has examples of shape "
            f"{tuple(input_shape)}: use 'mlp' or 'seed-net'"
        )
    if name == "cnn":
        if min(input_shape[1:]) < 4:
            raise ValueError(
                f"model 'cnn' pools twice by 2 and needs images of at least 4x4, got {input_shape}"
            )
        return CNN(input_shape[0], num_outputs, input_shape[1:])
    return ResNet(input_shape[0], num_outputs)
