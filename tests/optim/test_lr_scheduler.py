"""Learning-rate schedulers against PyTorch: the same rates (and momenta) at
every step, the same state_dict, and a save / load mid-run that continues the
same schedule."""

import warnings

import numpy as np
import pytest

import chainrule

from oracle import requires_torch, torch

STEPS = 60


def sgd(lib, params):
    return lib.optim.SGD(
        [{"params": params[:1], "lr": 0.1}, {"params": params[1:], "lr": 0.02}], momentum=0.9
    )


def adam(lib, params):
    return lib.optim.Adam([{"params": params[:1], "lr": 0.1}, {"params": params[1:], "lr": 0.02}])


def halve(epoch):
    return 0.5 ** (epoch // 7)


SCHEDULES = {
    "StepLR": (sgd, lambda s, o: s.StepLR(o, step_size=3, gamma=0.5)),
    "MultiStepLR": (sgd, lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5, 9, 30], gamma=0.3)),
    "ExponentialLR": (sgd, lambda s, o: s.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": (sgd, lambda s, o: s.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "CosineAnnealingLR-long": (adam, lambda s, o: s.CosineAnnealingLR(o, T_max=45)),
    "LambdaLR": (sgd, lambda s, o: s.LambdaLR(o, lambda epoch: 0.95**epoch)),
    "LambdaLR-per-group": (sgd, lambda s, o: s.LambdaLR(o, [lambda epoch: 1 / (1 + epoch), halve])),
    "LinearLR": (sgd, lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=8)),
    "LinearLR-decay": (adam, lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=30)),
    "OneCycleLR-sgd": (sgd, lambda s, o: s.OneCycleLR(o, max_lr=[0.5, 0.05], total_steps=STEPS)),
    "OneCycleLR-adam-linear": (
        adam,
        lambda s, o: s.OneCycleLR(o, max_lr=0.3, epochs=6, steps_per_epoch=10, anneal_strategy="linear"),
    ),
    "OneCycleLR-three-phase": (
        sgd,
        lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=STEPS, three_phase=True, pct_start=0.25),
    ),
    "OneCycleLR-no-momentum": (
        sgd,
        lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=STEPS, cycle_momentum=False, div_factor=10.0),
    ),
    "ConstantLR": (sgd, lambda s, o: s.ConstantLR(o, factor=0.25, total_iters=4)),
    "CosineAnnealingWarmRestarts": (sgd, lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=7, eta_min=0.001)),
    "CosineAnnealingWarmRestarts-T_mult": (
        adam,
        lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    ),
    "SequentialLR-warmup-then-cosine": (
        sgd,
        lambda s, o: s.SequentialLR(
            o,
            [s.LinearLR(o, start_factor=0.1, total_iters=5), s.CosineAnnealingLR(o, T_max=20)],
            milestones=[5],
        ),
    ),
    "SequentialLR-three": (
        adam,
        lambda s, o: s.SequentialLR(
            o,
            [s.ConstantLR(o, factor=0.5, total_iters=3), s.ExponentialLR(o, gamma=0.9), s.StepLR(o, 4, 0.5)],
            milestones=[6, 20],
        ),
    ),
    "MultiplicativeLR": (sgd, lambda s, o: s.MultiplicativeLR(o, lambda epoch: 0.95)),
    "MultiplicativeLR-per-group": (
        adam,
        lambda s, o: s.MultiplicativeLR(o, [lambda epoch: 0.9, lambda epoch: 0.5 if epoch % 4 == 0 else 1.0]),
    ),
    "PolynomialLR": (sgd, lambda s, o: s.PolynomialLR(o, total_iters=40, power=2.0)),
    "PolynomialLR-defaults": (adam, lambda s, o: s.PolynomialLR(o)),
    "CyclicLR-triangular": (
        sgd,
        lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=[0.5, 0.1], step_size_up=7, step_size_down=4),
    ),
    "CyclicLR-triangular2": (
        sgd,
        lambda s, o: s.CyclicLR(
            o, 0.01, 0.5, step_size_up=5, mode="triangular2", base_momentum=[0.7, 0.8], max_momentum=0.95
        ),
    ),
    "CyclicLR-exp_range-adam": (
        adam,
        lambda s, o: s.CyclicLR(o, 0.001, 0.1, step_size_up=6, mode="exp_range", gamma=0.97),
    ),
    "CyclicLR-scale_fn-no-momentum": (
        adam,
        lambda s, o: s.CyclicLR(
            o,
            [0.01, 0.001],
            0.2,
            step_size_up=4,
            scale_fn=halve,
            scale_mode="iterations",
            cycle_momentum=False,
        ),
    ),
    "ChainedScheduler": (
        sgd,
        lambda s, o: s.ChainedScheduler(
            [s.LinearLR(o, start_factor=0.2, total_iters=6), s.ExponentialLR(o, gamma=0.95)]
        ),
    ),
    "ChainedScheduler-three": (
        adam,
        lambda s, o: s.ChainedScheduler(
            [s.ConstantLR(o, factor=0.5, total_iters=3), s.MultiplicativeLR(o, halve), s.PolynomialLR(o, 50)],
            optimizer=o,
        ),
    ),
}


def momenta(optimizer):
    return [group["betas"][0] if "betas" in group else group["momentum"] for group in optimizer.param_groups]


def make(lib, name):
    make_optimizer, make_scheduler = SCHEDULES[name]
    optimizer = make_optimizer(lib, [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)])
    return optimizer, make_scheduler(lib.optim.lr_scheduler, optimizer)


def run(optimizer, scheduler, steps):
    history = []
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        lrs = scheduler.get_last_lr()
        assert lrs == [group["lr"] for group in optimizer.param_groups]
        history.append((lrs, momenta(optimizer)))
    return history


def assert_same_history(ours, theirs):
    for step, ((our_lrs, our_momenta), (their_lrs, their_momenta)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(our_lrs, their_lrs, rtol=1e-12, atol=0, err_msg=f"lr at step {step}")
        np.testing.assert_allclose(our_momenta, their_momenta, rtol=1e-12, err_msg=f"momentum at step {step}")
    assert len(ours) == len(theirs)


def comparable(state):
    """A scheduler state_dict without what can't be compared across libraries."""
    return {key: value for key, value in state.items() if key != "lr_lambdas"}


@requires_torch
@pytest.mark.parametrize("name", SCHEDULES)
def test_learning_rates_and_momenta_match_pytorch_at_every_step(name):
    ours_opt, ours = make(chainrule, name)
    theirs_opt, theirs = make(torch, name)
    assert ours.get_last_lr() == theirs.get_last_lr()
    assert_same_history(run(ours_opt, ours, STEPS), run(theirs_opt, theirs, STEPS))


@requires_torch
@pytest.mark.parametrize("name", SCHEDULES)
def test_state_dict_has_pytorch_keys_and_values(name):
    ours_opt, ours = make(chainrule, name)
    theirs_opt, theirs = make(torch, name)
    run(ours_opt, ours, 17)
    run(theirs_opt, theirs, 17)
    assert comparable(ours.state_dict()) == comparable(theirs.state_dict())


@requires_torch
@pytest.mark.parametrize("name", SCHEDULES)
def test_saving_and_loading_mid_run_continues_the_same_schedule(name, tmp_path):
    theirs_opt, theirs = make(torch, name)
    expected = run(theirs_opt, theirs, STEPS)

    ours_opt, ours = make(chainrule, name)
    first_half = run(ours_opt, ours, 25)
    chainrule.save({"optimizer": ours_opt.state_dict(), "scheduler": ours.state_dict()}, tmp_path / "ckpt")

    checkpoint = chainrule.load(tmp_path / "ckpt")
    resumed_opt, resumed = make(chainrule, name)
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    assert_same_history(first_half + run(resumed_opt, resumed, STEPS - 25), expected)


PLATEAU_CASES = [
    {},
    {"patience": 2, "factor": 0.5},
    {"mode": "max", "patience": 1, "threshold": 0.05, "threshold_mode": "abs"},
    {"patience": 0, "cooldown": 3, "min_lr": [0.01, 0.005], "factor": 0.2},
    {"patience": 1, "threshold": 0.1, "min_lr": 1e-3},
]


@requires_torch
@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(k) for k in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_pytorch_on_a_metric_with_plateaus(kwargs, tmp_path):
    metrics = [5.0, 4.0, 4.0, 3.9, 3.9, 3.9, 3.9, 4.2, 2.0, 2.0, 2.1, 2.05, 2.0] * 4
    runs = {}
    for lib in (chainrule, torch):
        optimizer = sgd(lib, [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)])
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
        history = []
        for i, metric in enumerate(metrics):
            optimizer.step()
            scheduler.step(lib.tensor(metric) if i % 2 else metric)
            history.append((scheduler.get_last_lr(), momenta(optimizer)))
            if lib is chainrule and i == 20:
                chainrule.save(scheduler.state_dict(), tmp_path / "plateau")
                fresh = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
                fresh.load_state_dict(chainrule.load(tmp_path / "plateau"))
                assert fresh.state_dict() == scheduler.state_dict()
                scheduler = fresh
        runs[lib] = (history, scheduler.state_dict())
    assert_same_history(runs[chainrule][0], runs[torch][0])
    assert runs[chainrule][1] == runs[torch][1]


@requires_torch
def test_stepping_the_scheduler_before_the_optimizer_warns_like_pytorch():
    for lib in (torch, chainrule):
        optimizer, scheduler = make(lib, "StepLR")
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            scheduler.step()


def test_stepping_in_the_right_order_gives_no_warning():
    optimizer, scheduler = make(chainrule, "CosineAnnealingLR")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(optimizer, scheduler, 5)


@requires_torch
@pytest.mark.parametrize(
    "name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "PolynomialLR"]
)
def test_the_deprecated_epoch_argument_sets_the_closed_form_rate_like_pytorch(name):
    rates = {}
    for lib in (chainrule, torch):
        optimizer, scheduler = make(lib, name)
        optimizer.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            scheduler.step(7)
        rates[lib] = scheduler.get_last_lr()
    np.testing.assert_allclose(rates[chainrule], rates[torch], rtol=1e-12)


def test_creating_a_scheduler_records_initial_lr_and_counts_as_step_zero():
    optimizer, scheduler = make(chainrule, "StepLR")
    assert [group["initial_lr"] for group in optimizer.param_groups] == [0.1, 0.02]
    assert scheduler.last_epoch == 0
    assert scheduler.base_lrs == [0.1, 0.02]


def test_one_cycle_lr_refuses_to_step_past_total_steps():
    optimizer = chainrule.optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    scheduler = chainrule.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        scheduler.step()


@requires_torch
@pytest.mark.parametrize(
    "make_scheduler, error",
    [
        (lambda s, o: s.LinearLR(o, start_factor=0.0), ValueError),
        (lambda s, o: s.LinearLR(o, end_factor=1.5), ValueError),
        (lambda s, o: s.OneCycleLR(o, max_lr=1.0), ValueError),
        (lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=2.0), ValueError),
        (lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="step"), ValueError),
        (lambda s, o: s.OneCycleLR(o, max_lr=[1.0, 2.0, 3.0], total_steps=10), ValueError),
        (lambda s, o: s.ReduceLROnPlateau(o, factor=1.0), ValueError),
        (lambda s, o: s.ReduceLROnPlateau(o, mode="lowest"), ValueError),
        (lambda s, o: s.LambdaLR(o, [lambda e: 1.0]), ValueError),
        (lambda s, o: s.StepLR(o, step_size=2, last_epoch=3), KeyError),
        (lambda s, o: s.StepLR(object(), step_size=2), TypeError),
        (lambda s, o: s.ConstantLR(o, factor=1.5), ValueError),
        (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0), ValueError),
        (lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5), ValueError),
        (lambda s, o: s.SequentialLR(o, [], milestones=[]), ValueError),
        (lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2), s.StepLR(o, 3)], milestones=[]), ValueError),
        (
            lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2), s.ReduceLROnPlateau(o)], milestones=[2]),
            ValueError,
        ),
        (lambda s, o: s.MultiplicativeLR(o, [lambda e: 1.0]), ValueError),
        (lambda s, o: s.MultiplicativeLR(o, 0.5), TypeError),
        (lambda s, o: s.CyclicLR(o, 0.1, 1.0, mode="sine"), ValueError),
        (lambda s, o: s.CyclicLR(o, [0.1, 0.2, 0.3], 1.0), ValueError),
        (lambda s, o: s.CyclicLR(o, 0.1, 1.0, max_momentum=[0.9]), ValueError),
        (lambda s, o: s.CyclicLR(object(), 0.1, 1.0), TypeError),
        (lambda s, o: s.ChainedScheduler([]), ValueError),
        (lambda s, o: s.ChainedScheduler([s.StepLR(o, 2), s.ReduceLROnPlateau(o)]), ValueError),
    ],
)
def test_invalid_arguments_raise_the_exception_pytorch_raises(make_scheduler, error):
    for lib in (torch, chainrule):
        optimizer = sgd(lib, [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)])
        with pytest.raises(error):
            make_scheduler(lib.optim.lr_scheduler, optimizer)


@requires_torch
def test_cosine_annealing_warm_restarts_stepped_with_fractional_epochs_matches_pytorch():
    histories = []
    for lib in (chainrule, torch):
        optimizer = sgd(lib, [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)])
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
            optimizer, T_0=2, T_mult=3, eta_min=0.01
        )
        history = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch warns about step(epoch)
            for epoch in range(12):
                for batch in range(4):
                    optimizer.step()
                    scheduler.step(epoch + batch / 4)
                    history.append((scheduler.get_last_lr(), momenta(optimizer)))
        histories.append(history)
    assert_same_history(*histories)


def test_sequential_lr_refuses_schedulers_of_another_optimizer():
    first = sgd(chainrule, [chainrule.zeros(2, requires_grad=True), chainrule.zeros(3, requires_grad=True)])
    second = sgd(chainrule, [chainrule.zeros(2, requires_grad=True), chainrule.zeros(3, requires_grad=True)])
    schedulers = chainrule.optim.lr_scheduler
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        schedulers.SequentialLR(
            first, [schedulers.StepLR(first, 2), schedulers.StepLR(second, 2)], milestones=[3]
        )


@requires_torch
def test_cyclic_lr_refuses_cycle_momentum_for_an_optimizer_without_momentum_like_pytorch():
    messages = []
    for lib in (torch, chainrule):
        optimizer = lib.optim.Adagrad([lib.zeros(2, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError) as error:
            lib.optim.lr_scheduler.CyclicLR(optimizer, 0.01, 0.1)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


class Decay:
    """A callable scale_fn with state, which CyclicLR's state_dict keeps."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return self.rate**x


@requires_torch
def test_cyclic_lr_saves_and_restores_a_callable_object_s_attributes_like_pytorch():
    states = {}
    for lib in (chainrule, torch):
        optimizer = sgd(lib, [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)])
        scheduler = lib.optim.lr_scheduler.CyclicLR(optimizer, 0.01, 0.1, step_size_up=3, scale_fn=Decay(0.9))
        run(optimizer, scheduler, 10)
        states[lib] = scheduler.state_dict()
    assert states[chainrule] == states[torch]
    assert states[chainrule]["_scale_fn_custom"] == {"rate": 0.9}

    optimizer = sgd(
        chainrule, [chainrule.zeros(2, requires_grad=True), chainrule.zeros(3, requires_grad=True)]
    )
    resumed = chainrule.optim.lr_scheduler.CyclicLR(optimizer, 0.01, 0.1, step_size_up=3, scale_fn=Decay(0.5))
    resumed.load_state_dict(states[chainrule])
    assert resumed._scale_fn_custom.rate == 0.9


NEW_SCHEDULERS = ["MultiplicativeLR", "PolynomialLR", "CyclicLR-triangular", "CyclicLR-exp_range-adam"]


@requires_torch
@pytest.mark.parametrize("name", NEW_SCHEDULERS)
def test_new_schedulers_warn_like_pytorch_when_stepped_before_the_optimizer(name):
    for lib in (torch, chainrule):
        optimizer, scheduler = make(lib, name)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            scheduler.step()


@requires_torch
@pytest.mark.parametrize("name", NEW_SCHEDULERS)
def test_calling_get_lr_outside_step_warns_like_pytorch(name):
    for lib in (torch, chainrule):
        optimizer, scheduler = make(lib, name)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            scheduler.get_lr()
