"""The models of ``chainrule train --model``."""

import pytest

import chainrule
from chainrule.train.models import CNN, MLP, ResNet, SeedNet, build_model


@pytest.mark.parametrize("name", ["seed-net", "mlp", "cnn", "resnet"])
@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28)])
def test_every_model_maps_a_batch_of_images_to_one_output_per_class(name, shape):
    model = build_model(name, shape, 10)
    assert tuple(model(chainrule.zeros(3, *shape)).shape) == (3, 10)


@pytest.mark.parametrize("name", ["seed-net", "mlp"])
def test_fully_connected_models_take_feature_vectors(name):
    assert tuple(build_model(name, (2,), 1)(chainrule.zeros(5, 2)).shape) == (5, 1)


@pytest.mark.parametrize("name", ["cnn", "resnet"])
def test_convolutional_models_on_feature_vectors_are_refused_with_a_suggestion(name):
    with pytest.raises(
        ValueError, match=rf"model '{name}' needs images .* but moons has examples of shape \(2,\)"
    ):
        build_model(name, (2,), 2, "moons")


def test_an_unknown_model_lists_the_choices():
    with pytest.raises(ValueError, match=r"unknown model 'vgg'; choose one of seed-net, mlp, cnn, resnet"):
        build_model("vgg", (1, 8, 8), 10)


def test_the_seed_net_is_two_linear_layers_around_a_relu():
    model = SeedNet(4, 3, hidden=5)
    assert [type(m).__name__ for m in model] == ["Flatten", "Linear", "ReLU", "Linear"]
    assert sum(p.numel() for p in model.parameters()) == 4 * 5 + 5 + 5 * 3 + 3


def test_the_cnn_has_two_convolutions_with_batch_norm():
    kinds = [type(m).__name__ for m in CNN(1, 10, (28, 28))]
    assert kinds.count("Conv2d") == 2 and kinds.count("BatchNorm2d") == 2 and kinds.count("MaxPool2d") == 2


def test_the_mlp_has_one_linear_relu_dropout_per_hidden_layer():
    kinds = [type(m).__name__ for m in MLP(784, 10)]
    assert kinds == ["Flatten"] + ["Linear", "ReLU", "Dropout"] * 2 + ["Linear"]


def test_resnet_blocks_add_their_shortcut_and_learn():
    chainrule.manual_seed(0)
    model = ResNet(1, 3)
    x, y = chainrule.randn(8, 1, 8, 8), chainrule.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    optimizer = chainrule.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        loss = chainrule.nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0] / 2
