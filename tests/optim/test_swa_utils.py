"""Weight averaging against PyTorch: AveragedModel's SWA and EMA averages over
a training run, update_bn's recomputed BatchNorm statistics, and SWALR's
learning rates step by step."""

import copy
import warnings

import numpy as np
import pytest

import chainrule

from oracle import assert_same, assert_same_error, raises_like_torch, requires_torch, run_both, torch

pytestmark = requires_torch

STEPS = 10


def make_model(lib, weights=None):
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    if weights is not None:
        model.load_state_dict({key: lib.tensor(value) for key, value in weights.items()})
    return model


def pytorch_weights():
    torch.manual_seed(0)
    return {key: value.numpy().copy() for key, value in make_model(torch).state_dict().items()}


def batches(count, seed=0):
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((8, 3)).astype(np.float32), rng.standard_normal((8, 2)).astype(np.float32))
        for _ in range(count)
    ]


def averaging_functions(lib):
    swa_utils = lib.optim.swa_utils
    return {
        "swa-default": {},
        "swa-avg_fn": {"avg_fn": swa_utils.get_swa_avg_fn()},
        "swa-multi_avg_fn": {"multi_avg_fn": swa_utils.get_swa_multi_avg_fn()},
        "ema-avg_fn": {"avg_fn": swa_utils.get_ema_avg_fn(0.9)},
        "ema-multi_avg_fn": {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.8)},
    }


def train_and_average(lib, averaging, use_buffers):
    """Ten SGD steps on the same weights and data in either library, averaging
    after each; returns the averaged model's state_dict."""
    model = make_model(lib, pytorch_weights())
    averaged = lib.optim.swa_utils.AveragedModel(
        model, use_buffers=use_buffers, **averaging_functions(lib)[averaging]
    )
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in batches(STEPS):
        opt.zero_grad()
        ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
        opt.step()
        averaged.update_parameters(model)
    return averaged.state_dict()


# PyTorch's in-place SWA average cannot average integer buffers (num_batches_tracked): it raises
@pytest.mark.parametrize(
    "averaging, use_buffers",
    [(name, False) for name in averaging_functions(chainrule)]
    + [(name, True) for name in averaging_functions(chainrule) if name != "swa-multi_avg_fn"],
)
def test_swa_and_ema_averages_over_a_training_run_match_pytorch(averaging, use_buffers):
    ours = train_and_average(chainrule, averaging, use_buffers)
    theirs = train_and_average(torch, averaging, use_buffers)
    assert list(ours) == list(theirs)
    assert_same(ours, theirs, rtol=1e-5, atol=1e-6)


def test_the_in_place_swa_average_of_integer_buffers_raises_like_pytorch():
    assert_same_error(lambda lib: train_and_average(lib, "swa-multi_avg_fn", use_buffers=True))


def test_state_dict_keys_are_module_prefixed_after_n_averaged_and_load_back():
    def scenario(lib):
        averaged = lib.optim.swa_utils.AveragedModel(make_model(lib, pytorch_weights()))
        averaged.update_parameters(averaged.module)
        fresh = lib.optim.swa_utils.AveragedModel(make_model(lib))
        fresh.load_state_dict(averaged.state_dict())
        return list(averaged.state_dict()), fresh.state_dict()

    ours, theirs = run_both(scenario)[::-1]
    assert ours[0] == theirs[0]
    assert_same(ours[1], theirs[1])


def test_the_averaged_model_is_a_deep_copy_that_forwards_like_the_module():
    model = make_model(chainrule, pytorch_weights())
    averaged = chainrule.optim.swa_utils.AveragedModel(model)
    assert averaged.module is not model and averaged.module[0].weight is not model[0].weight
    with chainrule.no_grad():
        model[0].weight.add_(1)
    x = chainrule.tensor(batches(1)[0][0])
    model.eval(), averaged.eval()
    with chainrule.no_grad():
        assert not np.allclose(averaged(x).numpy(), model(x).numpy())
        averaged.update_parameters(model)
        np.testing.assert_array_equal(averaged(x).numpy(), model(x).numpy())
    assert averaged.n_averaged.dtype == chainrule.int64 and averaged.n_averaged.item() == 1


def test_buffers_follow_the_model_when_not_averaged():
    model = make_model(chainrule, pytorch_weights())
    averaged = chainrule.optim.swa_utils.AveragedModel(model)
    model(chainrule.tensor(batches(1)[0][0]))
    averaged.update_parameters(model)
    np.testing.assert_array_equal(averaged.module[1].running_mean.numpy(), model[1].running_mean.numpy())


def test_averaging_functions_are_not_saved_in_the_state_dict():
    averaged = chainrule.optim.swa_utils.AveragedModel(
        make_model(chainrule), multi_avg_fn=chainrule.optim.swa_utils.get_ema_multi_avg_fn()
    )
    assert all(key == "n_averaged" or key.startswith("module.") for key in averaged.state_dict())


@pytest.mark.parametrize(
    "scenario",
    [
        lambda lib: lib.optim.swa_utils.AveragedModel(
            lib.nn.Linear(1, 1),
            avg_fn=lib.optim.swa_utils.get_swa_avg_fn(),
            multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn(),
        ),
        lambda lib: lib.optim.swa_utils.get_ema_avg_fn(1.5),
        lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(-0.1),
    ],
)
def test_bad_averaging_arguments_raise_like_pytorch(scenario):
    raises_like_torch(scenario)


@pytest.mark.parametrize("decay", [0.0, 0.3, 0.999, 1.0])
def test_averaging_functions_on_their_own_match_pytorch(decay):
    rng = np.random.default_rng(1)
    averaged, current = rng.standard_normal((2, 5))

    def scenario(lib):
        swa_utils = lib.optim.swa_utils
        one = [
            swa_utils.get_ema_avg_fn(decay)(lib.tensor(averaged), lib.tensor(current), 3),
            swa_utils.get_swa_avg_fn()(lib.tensor(averaged), lib.tensor(current), lib.tensor(3)),
        ]
        many = []
        for update in (swa_utils.get_ema_multi_avg_fn(decay), swa_utils.get_swa_multi_avg_fn()):
            for count in (2, lib.tensor(2)):
                values = [lib.tensor(averaged), lib.tensor(averaged, dtype=lib.float32)]
                update(values[:1], [lib.tensor(current)], count)
                update(values[1:], [lib.tensor(current, dtype=lib.float32)], count)
                many += values
        return one + many

    same = run_both(scenario)
    assert_same(same[1], same[0], rtol=1e-6, atol=1e-7)


# --- update_bn ------------------------------------------------------------------------------


def bn_model(lib):
    torch.manual_seed(1)
    reference = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3),
        torch.nn.BatchNorm2d(3, momentum=0.3),
        torch.nn.InstanceNorm2d(3, track_running_stats=True),
        torch.nn.Flatten(),
        torch.nn.Linear(12, 5),
        torch.nn.BatchNorm1d(5),
    )
    model = lib.nn.Sequential(
        lib.nn.Conv2d(2, 3, 3),
        lib.nn.BatchNorm2d(3, momentum=0.3),
        lib.nn.InstanceNorm2d(3, track_running_stats=True),
        lib.nn.Flatten(),
        lib.nn.Linear(12, 5),
        lib.nn.BatchNorm1d(5),
    )
    model.load_state_dict({key: lib.tensor(value.numpy()) for key, value in reference.state_dict().items()})
    return model


@pytest.mark.parametrize("training", [True, False])
def test_update_bn_recomputes_the_running_statistics_like_pytorch(training):
    rng = np.random.default_rng(2)
    data = [(rng.standard_normal((n, 2, 4, 4)).astype(np.float32), n) for n in (4, 6, 3)]

    def scenario(lib):
        model = bn_model(lib)
        model(lib.tensor(data[0][0]) + 5)  # statistics to be forgotten
        model.train(training)
        loader = [(lib.tensor(x), label) for x, label in data]
        lib.optim.swa_utils.update_bn(loader, model)
        return model.state_dict(), model.training, model[1].momentum, model[5].momentum

    ours, theirs = run_both(scenario)[::-1]
    assert_same(ours, theirs, rtol=1e-5, atol=1e-6)


def test_update_bn_takes_plain_tensor_batches_and_the_cumulative_average():
    data = [np.array([[1.0], [3.0]], np.float32), np.array([[10.0], [20.0], [30.0]], np.float32)]

    def scenario(lib):
        model = lib.nn.BatchNorm1d(1)
        lib.optim.swa_utils.update_bn([lib.tensor(x) for x in data], model, device="cpu")
        return model.state_dict()

    ours = scenario(chainrule)
    assert_same(ours, scenario(torch))
    np.testing.assert_allclose(ours["running_mean"].numpy(), [(2.0 + 20.0) / 2])


def test_update_bn_without_batchnorm_leaves_the_model_alone():
    model = chainrule.nn.Linear(2, 2).eval()
    chainrule.optim.swa_utils.update_bn([chainrule.ones(1, 2)], model)
    assert not model.training


# --- SWALR ----------------------------------------------------------------------------------


def two_groups(lib):
    return lib.optim.SGD(
        [
            {"params": [lib.zeros(1, requires_grad=True)], "lr": 0.5},
            {"params": [lib.zeros(1, requires_grad=True)]},
        ],
        lr=0.02,
        momentum=0.9,
    )


SCHEDULES = {
    "cos": dict(swa_lr=0.05),
    "linear": dict(swa_lr=0.1, anneal_epochs=5, anneal_strategy="linear"),
    "per-group": dict(swa_lr=[0.01, 0.2], anneal_epochs=3),
    "no-annealing": dict(swa_lr=0.3, anneal_epochs=0),
    "one-epoch-linear": dict(swa_lr=0.3, anneal_epochs=1, anneal_strategy="linear"),
}


def rates(lib, kwargs, steps=15):
    opt = two_groups(lib)
    scheduler = lib.optim.swa_utils.SWALR(opt, **kwargs)
    seen = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr())
    return seen, [group["swa_lr"] for group in opt.param_groups]


@pytest.mark.parametrize("name", SCHEDULES)
def test_swalr_sets_pytorch_s_learning_rates_at_every_step(name):
    ours, theirs = rates(chainrule, SCHEDULES[name]), rates(torch, SCHEDULES[name])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == theirs[1]


def test_swalr_after_another_schedule_anneals_from_its_current_rate_like_pytorch():
    def scenario(lib):
        opt = two_groups(lib)
        cosine = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)
        swa = lib.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=4)
        seen = []
        for epoch in range(12):
            opt.step()
            (cosine if epoch < 5 else swa).step()
            seen.append([group["lr"] for group in opt.param_groups])
        return seen

    np.testing.assert_allclose(scenario(chainrule), scenario(torch), rtol=1e-12)


def test_swalr_state_dict_round_trip_continues_like_pytorch():
    def scenario(lib):
        opt = two_groups(lib)
        scheduler = lib.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=6, anneal_strategy="linear")
        for _ in range(3):
            opt.step()
            scheduler.step()
        saved = copy.deepcopy(scheduler.state_dict())
        resumed = lib.optim.swa_utils.SWALR(opt, swa_lr=0.9)
        resumed.load_state_dict(saved)
        seen = []
        for _ in range(5):
            opt.step()
            resumed.step()
            seen.append(resumed.get_last_lr())
        return sorted(saved), saved["_anneal_strategy"], resumed.anneal_func(0.5), seen

    ours, theirs = run_both(scenario)[::-1]
    assert ours[:3] == theirs[:3]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-12)


def test_swalr_get_lr_outside_step_warns_like_pytorch():
    for lib in (chainrule, torch):
        scheduler = lib.optim.swa_utils.SWALR(two_groups(lib), swa_lr=0.1)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            scheduler.get_lr()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            scheduler.get_last_lr()


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(swa_lr=0.1, anneal_strategy="cosine"),
        dict(swa_lr=0.1, anneal_epochs=-1),
        dict(swa_lr=0.1, anneal_epochs=2.0),
        dict(swa_lr=[0.1, 0.2, 0.3]),
    ],
)
def test_bad_swalr_arguments_raise_like_pytorch(kwargs):
    raises_like_torch(lambda lib: lib.optim.swa_utils.SWALR(two_groups(lib), **kwargs))
