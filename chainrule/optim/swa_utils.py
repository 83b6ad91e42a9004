"""Weight averaging (``torch.optim.swa_utils``): ``AveragedModel`` keeps a running
average of a model's weights, the equal-weight one of Stochastic Weight Averaging
(Izmailov et al., 2018) or an exponential moving average; ``SWALR`` anneals the
learning rate to the constant one SWA trains with; ``update_bn`` recomputes
BatchNorm's running statistics for the averaged weights.

An averaging function takes the averaged value, the model's value and how many
models are already in the average. The ``*_avg_fn`` ones return the new average
of one tensor; the ``*_multi_avg_fn`` ones change a list of averages in place.
"""

import copy
import math

from .. import _creation, _dtype
from ..autograd.grad_mode import no_grad
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.instancenorm import _InstanceNorm
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _per_group

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """The in-place exponential moving average of lists of tensors:
    ``ema = decay * ema + (1 - decay) * current``.

    >>> import chainrule
    >>> ema = [chainrule.zeros(2)]
    >>> chainrule.optim.swa_utils.get_ema_multi_avg_fn(0.9)(ema, [chainrule.ones(2)], 1)
    >>> ema
    [tensor([0.1000, 0.1000])]
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        if ema_param_list[0].is_floating_point() or ema_param_list[0].is_complex():
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema.lerp_(p_model, 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """The in-place equal-weight average of lists of tensors: the new model counts
    ``1 / (num_averaged + 1)``.

    >>> import chainrule
    >>> swa = [chainrule.zeros(2)]
    >>> chainrule.optim.swa_utils.get_swa_multi_avg_fn()(swa, [chainrule.ones(2)], 3)
    >>> swa
    [tensor([0.2500, 0.2500])]
    """

    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if averaged_param_list[0].is_floating_point() or averaged_param_list[0].is_complex():
            # PyTorch's weight: with a tensor count, 1 / (n + 1) is rounded to the default float dtype
            weight = float(1 / (num_averaged + 1))
            for p_averaged, p_model in zip(averaged_param_list, current_param_list, strict=True):
                p_averaged.lerp_(p_model, weight)
            return
        for p_averaged, p_model in zip(averaged_param_list, current_param_list, strict=True):
            if isinstance(num_averaged, int):
                p_averaged.add_(p_model - p_averaged, alpha=1.0 / (num_averaged + 1))
            else:
                p_averaged.addcdiv_(p_model - p_averaged, num_averaged + 1)

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The exponential moving average of one tensor: returns
    ``decay * ema + (1 - decay) * current``.

    >>> import chainrule
    >>> chainrule.optim.swa_utils.get_ema_avg_fn(0.5)(chainrule.zeros(2), chainrule.ones(2), 1)
    tensor([0.5000, 0.5000])
    """
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """The equal-weight average of one tensor: returns
    ``averaged + (current - averaged) / (num_averaged + 1)``.

    >>> import chainrule
    >>> chainrule.optim.swa_utils.get_swa_avg_fn()(chainrule.zeros(2), chainrule.ones(2), 1)
    tensor([0.5000, 0.5000])
    """

    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` (under ``self.module``, so state_dict keys are
    ``'module.'``-prefixed, plus the ``n_averaged`` count) whose parameters
    ``update_parameters(model)`` averages with ``model``'s: the first call copies
    them, later ones apply ``avg_fn`` (one tensor at a time) or ``multi_avg_fn``
    (all at once), by default the equal-weight SWA average. With
    ``use_buffers=True`` buffers are averaged too; otherwise they are copied.

    >>> import chainrule
    >>> model = chainrule.nn.Linear(1, 1, bias=False)
    >>> swa = chainrule.optim.swa_utils.AveragedModel(model)
    >>> for value in (1.0, 2.0, 6.0):
    ...     with chainrule.no_grad():
    ...         _ = model.weight.fill_(value)
    ...     swa.update_parameters(model)
    >>> swa.module.weight, swa.n_averaged
    (Parameter containing:
    tensor([[3.]], requires_grad=True), tensor(3))
    >>> list(swa.state_dict())
    ['n_averaged', 'module.weight']
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", _creation.tensor(0, dtype=_dtype.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged_tensors(self, model):
        if self.use_buffers:
            return [*self.module.parameters(), *self.module.buffers()], [
                *model.parameters(),
                *model.buffers(),
            ]
        return list(self.parameters()), list(model.parameters())

    def update_parameters(self, model):
        """Average ``model``'s parameters (and buffers, with ``use_buffers``) into this copy."""
        averaged, current = self._averaged_tensors(model)
        pairs = [(a.detach(), c.detach()) for a, c in zip(averaged, current)]
        if self.n_averaged == 0:
            for p_averaged, p_model in pairs:
                p_averaged.copy_(p_model)
        elif self.avg_fn is not None:
            for p_averaged, p_model in pairs:
                p_averaged.copy_(self.avg_fn(p_averaged, p_model, self.n_averaged))
        elif self.multi_avg_fn is not None:
            # PyTorch hands the lists over grouped by dtype (a foreach kernel takes one dtype)
            for group in _group_by_dtype(pairs):
                self.multi_avg_fn([a for a, _ in group], [c for _, c in group], self.n_averaged)
        else:
            # PyTorch's default on the CPU: the one-tensor SWA average
            avg_fn = get_swa_avg_fn()
            for p_averaged, p_model in pairs:
                p_averaged.copy_(avg_fn(p_averaged, p_model, self.n_averaged))
        if not self.use_buffers:
            # buffers not averaged follow the model's
            with no_grad():
                for b_averaged, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_averaged.copy_(b_model)
        self.n_averaged += 1


def _group_by_dtype(pairs):
    groups = {}
    for pair in pairs:
        groups.setdefault(pair[0].dtype, []).append(pair)
    return list(groups.values())


@no_grad()
def update_bn(loader, model, device=None):
    """Recompute the running mean and variance of every BatchNorm layer of
    ``model`` in one pass over ``loader`` (batches are tensors, or lists / tuples
    whose first item is the input): the statistics are reset, then averaged over
    all batches with equal weight (``momentum=None``). The layers' momenta and
    the model's training mode are restored afterwards.

    >>> import chainrule
    >>> model = chainrule.nn.BatchNorm1d(1)
    >>> loader = [chainrule.tensor([[1.0], [3.0]]), chainrule.tensor([[5.0], [7.0]])]
    >>> chainrule.optim.swa_utils.update_bn(loader, model)
    >>> model.running_mean, model.momentum, model.training
    (tensor([4.]), 0.1, True)
    """
    # PyTorch's InstanceNorm is no _BatchNorm, so its running statistics are left alone
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for input in loader:
        if isinstance(input, (list, tuple)):
            input = input[0]
        if device is not None:
            input = input.to(device)
        model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` (one for all groups, or one
    each) over ``anneal_epochs`` steps, by a half cosine (``'cos'``) or linearly,
    then keep it there.

    >>> import chainrule
    >>> opt = chainrule.optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=1.0)
    >>> from chainrule.optim.swa_utils import SWALR
    >>> scheduler = SWALR(opt, swa_lr=0.2, anneal_epochs=4, anneal_strategy="linear")
    >>> rates = []
    >>> for epoch in range(6):
    ...     opt.step()
    ...     scheduler.step()
    ...     rates.append(round(scheduler.get_last_lr()[0], 4))
    >>> rates
    [0.8, 0.6, 0.4, 0.2, 0.2, 0.2]
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups, strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self):
        # PyTorch's recursive form: recover the rate before annealing from the
        # current one, then move alpha of the way from it to swa_lr
        self._warn_if_called_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha) for group in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha) for group, lr in zip(groups, prev_lrs)]

    def state_dict(self):
        """As the base, without the annealing function (it is rebuilt on loading)."""
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
