"""Pruning, as ``torch.nn.utils.prune``: zero a parameter's entries through a mask.

Pruning ``module.<name>`` moves the parameter to ``<name>_orig``, adds the buffer
``<name>_mask`` and registers the pruning method as a forward pre-hook that sets the
plain attribute ``<name> = <name>_orig * <name>_mask`` before each forward, so the
gradient reaches ``<name>_orig`` zeroed where masked. Pruning the same tensor again
combines the masks through a ``PruningContainer``; ``remove`` makes ``<name>`` a plain
parameter again, its pruned entries zero for good. The names, their order and the
state_dict keys are PyTorch's at every stage.
"""

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np

from ..._creation import ones_like, rand, rand_like, zeros_like
from ..._tensor import wrap
from .convert_parameters import parameters_to_vector

__all__ = [
    "BasePruningMethod",
    "PruningContainer",
    "Identity",
    "RandomUnstructured",
    "L1Unstructured",
    "RandomStructured",
    "LnStructured",
    "CustomFromMask",
    "identity",
    "random_unstructured",
    "l1_unstructured",
    "random_structured",
    "ln_structured",
    "global_unstructured",
    "custom_from_mask",
    "remove",
    "is_pruned",
]


class BasePruningMethod(ABC):
    """The base of pruning methods: a subclass defines ``compute_mask`` (and its
    ``PRUNING_TYPE``: "unstructured", "structured" or "global"); ``apply`` prunes a
    module's tensor with it and keeps it as the module's forward pre-hook.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> class FirstEntry(prune.BasePruningMethod):
    ...     PRUNING_TYPE = "unstructured"
    ...     def compute_mask(self, t, default_mask):
    ...         mask = default_mask.clone()
    ...         mask.view(-1)[0] = 0
    ...         return mask
    >>> layer = chainrule.nn.Linear(2, 2)
    >>> _ = FirstEntry.apply(layer, "bias")
    >>> layer.bias_mask
    tensor([0., 1.])
    """

    _tensor_name: str

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The mask for ``t`` (the importance scores), zero wherever ``default_mask`` is."""

    def apply_mask(self, module):
        """The pruned tensor: the module's ``<name>_orig`` times ``<name>_mask``."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)`` (on top of any earlier
        pruning of it), ranking entries by ``importance_scores`` (default: the tensor).
        Returns the method now hooked on the module (a ``PruningContainer`` when the
        tensor was pruned before)."""
        method = _combined_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None:
            if importance_scores.shape != orig.shape:
                raise AssertionError(
                    f"importance_scores should have the same shape as parameter "
                    f"{name} of {module}, got {importance_scores.shape} vs {orig.shape}"
                )
        else:
            importance_scores = orig
        first_pruning = not isinstance(method, PruningContainer)
        if first_pruning:
            module.register_parameter(name + "_orig", orig)
            delattr(module, name)
            default_mask = ones_like(orig)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if first_pruning:  # roll back to the unpruned parameter
                orig = getattr(module, name + "_orig")
                module.register_parameter(name, orig)
                delattr(module, name + "_orig")
            raise
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """``t`` times the mask this method computes for it (not touching any module).

        >>> import chainrule
        >>> from chainrule.nn.utils import prune
        >>> prune.L1Unstructured(amount=2).prune(chainrule.tensor([3.0, -1.0, 2.0, 0.5]))
        tensor([3., -0., 2., 0.])
        """
        if importance_scores is not None:
            if importance_scores.shape != t.shape:
                raise AssertionError(
                    f"importance_scores should have the same shape as tensor t, "
                    f"got {importance_scores.shape} vs {t.shape}"
                )
        else:
            importance_scores = t
        default_mask = default_mask if default_mask is not None else ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module):
        """Make ``module.<name>`` a plain parameter holding the pruned values again
        (the same Parameter object as ``<name>_orig``), dropping ``<name>_orig`` and
        ``<name>_mask``. The pruning is not undone."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be removed")
        weight = self.apply_mask(module)
        if hasattr(module, self._tensor_name):
            delattr(module, self._tensor_name)
        orig = module._parameters[self._tensor_name + "_orig"]
        orig.data = weight.data
        delattr(module, self._tensor_name + "_orig")
        delattr(module, self._tensor_name + "_mask")
        setattr(module, self._tensor_name, orig)


def _combined_method(cls, module, name, *args, **kwargs):
    """``cls(*args, **kwargs)`` for ``name``, taken off the module's hooks together
    with any method already pruning ``name`` (both then in one PruningContainer)."""
    old_keys = [
        key
        for key, hook in module._forward_pre_hooks.items()
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name
    ]
    if len(old_keys) > 1:
        raise AssertionError(
            f"Avoid adding multiple pruning hooks to the same tensor {name} of module {module}. "
            "Use a PruningContainer."
        )
    old_method = module._forward_pre_hooks.pop(old_keys[0]) if old_keys else None
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if isinstance(old_method, PruningContainer):
        old_method.add_pruning_method(method)
        return old_method
    if old_method is not None:
        container = PruningContainer(old_method)
        container.add_pruning_method(method)
        return container
    return method


class PruningContainer(BasePruningMethod):
    """The pruning methods applied one after another to one tensor: its mask is the
    previous mask with the latest method applied to the entries (or, for a structured
    method, the channels) it left unpruned.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> layer = prune.l1_unstructured(chainrule.nn.Linear(3, 2), "weight", amount=1)
    >>> layer = prune.l1_unstructured(layer, "weight", amount=1)
    >>> [type(method).__name__ for method in list(layer._forward_pre_hooks.values())[0]]
    ['L1Unstructured', 'L1Unstructured']
    >>> int((layer.weight_mask == 0).sum())
    2
    """

    def __init__(self, *args):
        self._pruning_methods = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method):
        """Add ``method`` (acting on the same tensor) as the latest pruning."""
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        elif method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                "Can only add pruning methods acting on "
                f"the parameter named '{self._tensor_name}' to PruningContainer {self}."
                + f" Found '{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        method = self._pruning_methods[-1]
        new_mask = default_mask.to(dtype=t.dtype)
        if method.PRUNING_TYPE == "unstructured":
            slc = default_mask == 1
        elif method.PRUNING_TYPE == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError(
                    'Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.'
                )
            n_dims = t.dim()
            dim = method.dim + n_dims if method.dim < 0 else method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
            # channels wholly pruned already are left out
            keep_channel = default_mask.sum(dim=[d for d in range(n_dims) if d != dim]) != 0
            slc = [slice(None)] * n_dims
            slc[dim] = keep_channel
            slc = tuple(slc)
        elif method.PRUNING_TYPE == "global":
            slc = (slice(None),) * t.dim()
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        partial_mask = method.compute_mask(t[slc], default_mask=default_mask[slc])
        new_mask[slc] = partial_mask.to(dtype=new_mask.dtype)
        return new_mask


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (the reparametrization alone)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` (a fraction, or a count) of the unpruned entries, chosen at random."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _unstructured_mask(self.amount, rand_like(t), default_mask, largest=True)

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes ``amount`` (a fraction, or a count) of the unpruned entries, those of
    smallest absolute value (equal ones chosen as PyTorch's CPU ``topk`` chooses)."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _unstructured_mask(self.amount, t.abs(), default_mask, largest=False)

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` (a fraction, or a count) of the channels along ``dim``, at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t, default_mask):
        _validate_structured_pruning(t)
        _validate_pruning_dim(t, self.dim)
        tensor_size = t.shape[self.dim]
        nparams_toprune = _count_to_prune(self.amount, tensor_size)
        if nparams_toprune == 0:
            return default_mask
        prob = rand(tensor_size)
        threshold = prob.kthvalue(nparams_toprune).values
        mask = _channel_mask(t, self.dim, prob > threshold)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes ``amount`` (a fraction, or a count) of the channels along ``dim``, those
    of smallest L``n`` norm (``n`` as ``p`` of ``chainrule.norm``)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        _validate_structured_pruning(t)
        _validate_pruning_dim(t, self.dim)
        tensor_size = t.shape[self.dim]
        nparams_toprune = _count_to_prune(self.amount, tensor_size)
        nparams_tokeep = tensor_size - nparams_toprune
        if nparams_toprune == 0:
            return default_mask
        dims = list(range(t.dim()))
        dims.remove(dims[self.dim])
        norm = t.norm(p=self.n, dim=dims)
        mask = _channel_mask(t, self.dim, _topk_indices(norm, nparams_tokeep, largest=True))
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given ``mask`` is zero."""

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if default_mask.shape != self.mask.shape:
            raise AssertionError(
                f"default_mask shape {default_mask.shape} must match self.mask shape {self.mask.shape}"
            )
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


def identity(module, name):
    """The pruning reparametrization of ``module.<name>`` with a mask of ones; returns the module.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> prune.identity(chainrule.nn.Linear(2, 3), "bias").bias_mask
    tensor([1., 1., 1.])
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    """Prune ``amount`` (a fraction, or a count) of ``module.<name>``'s unpruned entries
    at random; returns the module.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> layer = prune.random_unstructured(chainrule.nn.Linear(2, 3), "weight", amount=1)
    >>> int((layer.weight_mask == 0).sum())
    1
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune ``amount`` (a fraction, or a count) of ``module.<name>``'s unpruned entries,
    those of smallest ``|importance_scores|`` (default: of the tensor); returns the module.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> layer = prune.l1_unstructured(chainrule.nn.Linear(2, 3), "weight", amount=0.2)
    >>> list(layer.state_dict())
    ['bias', 'weight_orig', 'weight_mask']
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    """Prune ``amount`` (a fraction, or a count) of ``module.<name>``'s channels along
    ``dim``, at random; returns the module.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> layer = prune.random_structured(chainrule.nn.Linear(5, 3), "weight", amount=3, dim=1)
    >>> int((layer.weight.sum(dim=0) == 0).sum())
    3
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune ``amount`` (a fraction, or a count) of ``module.<name>``'s channels along
    ``dim``, those of smallest L``n`` norm; returns the module.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> layer = chainrule.nn.Linear(2, 3)
    >>> with chainrule.no_grad():
    ...     _ = layer.weight.copy_(chainrule.tensor([[1.0, 1.0], [0.1, 0.2], [3.0, 0.0]]))
    >>> _ = prune.ln_structured(layer, "weight", amount=1, n=2, dim=0)
    >>> layer.weight_mask
    tensor([[1., 1.],
            [0., 0.],
            [1., 1.]])
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the ``(module, name)`` tensors in ``parameters`` together: ``pruning_method``
    (an unstructured method class, given its ``kwargs`` such as ``amount``) ranks all
    their entries at once. ``importance_scores`` maps ``(module, name)`` to scores.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> net = chainrule.nn.Sequential(chainrule.nn.Linear(10, 4), chainrule.nn.Linear(4, 1))
    >>> prune.global_unstructured(
    ...     [(net[0], "weight"), (net[1], "weight")], pruning_method=prune.L1Unstructured, amount=10
    ... )
    >>> int((net[0].weight_mask == 0).sum() + (net[1].weight_mask == 0).sum())
    10
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    parameters = list(parameters)  # walked three times (PyTorch would exhaust a generator)
    relevant_importance_scores = parameters_to_vector(
        [importance_scores.get((module, name), getattr(module, name)) for (module, name) in parameters]
    )
    default_mask = parameters_to_vector(
        [getattr(module, name + "_mask", ones_like(getattr(module, name))) for (module, name) in parameters]
    )
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for '
            f"the `pruning_method`. Found method {pruning_method} of type {method.PRUNING_TYPE}"
        )
    container.add_pruning_method(method)
    final_mask = container.compute_mask(relevant_importance_scores, default_mask)
    pointer = 0
    for module, name in parameters:
        param = getattr(module, name)
        num_param = param.numel()
        custom_from_mask(module, name, mask=final_mask[pointer : pointer + num_param].view_as(param))
        pointer += num_param


def custom_from_mask(module, name, mask):
    """Prune ``module.<name>`` where ``mask`` is zero; returns the module.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> layer = prune.custom_from_mask(chainrule.nn.Linear(5, 3), "bias", mask=chainrule.tensor([0, 1, 0]))
    >>> layer.bias_mask
    tensor([0., 1., 0.])
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module, name):
    """Make the pruned ``module.<name>`` a plain parameter again (keeping its zeros) and
    drop its pruning hook, ``<name>_orig`` and ``<name>_mask``; returns the module.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> layer = prune.random_unstructured(chainrule.nn.Linear(5, 7), name="weight", amount=0.2)
    >>> [name for name, _ in prune.remove(layer, "weight").named_parameters()]
    ['bias', 'weight']
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module):
    """Whether ``module`` or any module inside it has a pruning hook.

    >>> import chainrule
    >>> from chainrule.nn.utils import prune
    >>> layer = chainrule.nn.Linear(5, 7)
    >>> prune.is_pruned(layer)
    False
    >>> prune.is_pruned(prune.random_unstructured(layer, name="weight", amount=0.2))
    True
    """
    return any(
        isinstance(hook, BasePruningMethod)
        for _, submodule in module.named_modules()
        for hook in submodule._forward_pre_hooks.values()
    )


def _validate_pruning_amount_init(amount):
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
        not isinstance(amount, numbers.Integral) and (float(amount) > 1.0 or float(amount) < 0.0)
    ):
        raise ValueError(
            f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer"
        )


def _validate_structured_pruning(t):
    if len(t.shape) <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. "
            f"Found tensor of shape {t.shape} with {len(t.shape)} dims"
        )


def _validate_pruning_dim(t, dim):
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _unstructured_mask(amount, scores, default_mask, largest):
    """``default_mask`` with 0 at the ``amount`` entries whose ``scores`` rank first
    (largest or smallest): the unstructured methods differ only in their scores."""
    count = _count_to_prune(amount, scores.nelement())
    mask = default_mask.clone()
    if count != 0:
        mask.view(-1)[_topk_indices(scores.view(-1), count, largest=largest)] = 0
    return mask


def _count_to_prune(amount, tensor_size):
    """How many of ``tensor_size`` entries (or channels) ``amount`` (a count or a fraction) prunes."""
    if isinstance(amount, numbers.Integral):
        if amount > tensor_size:
            raise ValueError(
                f"amount={amount} should be smaller than the number of parameters to prune={tensor_size}"
            )
        return amount
    return round(amount * tensor_size)


def _channel_mask(t, dim, channels):
    """Zeros shaped as ``t`` with ones at ``channels`` (a bool mask or indices) along ``dim``."""
    mask = zeros_like(t)
    slc = [slice(None)] * t.dim()
    slc[dim] = channels
    mask[tuple(slc)] = 1
    return mask


# --- which entries topk picks -------------------------------------------------------------
# Equal values straddling the k-th place make the choice depend on the algorithm: PyTorch's
# CPU topk keeps what std::partial_sort (when k * 64 <= n) or std::nth_element leaves in
# front. Only then is libstdc++'s selection replayed below (on (key, index) pairs compared
# by key), so that the same entries get pruned as in PyTorch.


def _topk_indices(values, k, largest):
    """The indices of a 1-D tensor that ``torch.topk(values, k, largest=largest)`` picks
    (as a set, in no particular order; NaN counts as the largest)."""
    data = values.detach().numpy()
    ranks = np.unique(data, return_inverse=True)[1].reshape(-1)  # NaNs share the top rank
    keys = -ranks if largest else ranks
    order = np.argsort(keys, kind="stable")
    if k < len(keys) and keys[order[k - 1]] == keys[order[k]]:
        chosen = _libstdcxx_front(keys, k)
    else:
        chosen = order[:k]
    return wrap(np.asarray(chosen, dtype=np.int64))


def _libstdcxx_front(keys, k):
    """The indices that libstdc++'s partial_sort / nth_element put first of ``keys``."""
    pairs = list(zip(keys.tolist(), range(len(keys))))
    if k * 64 <= len(pairs):
        _heap_select(pairs, 0, k, len(pairs))
    else:
        _introselect(pairs, k - 1)
    return [index for _, index in pairs[:k]]


def _adjust_heap(pairs, first, hole, length, value):
    """std::__adjust_heap: sift the hole down to a leaf, then ``value`` up (a max-heap)."""
    top = child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if pairs[first + child][0] < pairs[first + child - 1][0]:
            child -= 1
        pairs[first + hole] = pairs[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        pairs[first + hole] = pairs[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and pairs[first + parent][0] < value[0]:
        pairs[first + hole] = pairs[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    pairs[first + hole] = value


def _heap_select(pairs, first, middle, last):
    """std::__heap_select: the smallest ``middle - first`` of ``[first, last)`` to the front."""
    length = middle - first
    for parent in range((length - 2) // 2, -1, -1):
        _adjust_heap(pairs, first, parent, length, pairs[first + parent])
    for i in range(middle, last):
        if pairs[i][0] < pairs[first][0]:
            value = pairs[i]
            pairs[i] = pairs[first]
            _adjust_heap(pairs, first, 0, length, value)


def _partition_around_median(pairs, first, last):
    """std::__unguarded_partition_pivot: the median of three moved to ``first`` as the
    pivot, then a Hoare partition of ``[first + 1, last)``; returns the cut."""
    x, y, z = first + 1, first + (last - first) // 2, last - 1
    kx, ky, kz = pairs[x][0], pairs[y][0], pairs[z][0]
    if kx < ky:
        median = y if ky < kz else (z if kx < kz else x)
    else:
        median = x if kx < kz else (z if ky < kz else y)
    pairs[first], pairs[median] = pairs[median], pairs[first]
    pivot = pairs[first][0]
    low, high = first + 1, last
    while True:
        while pairs[low][0] < pivot:
            low += 1
        high -= 1
        while pivot < pairs[high][0]:
            high -= 1
        if not low < high:
            return low
        pairs[low], pairs[high] = pairs[high], pairs[low]
        low += 1


def _introselect(pairs, nth):
    """std::nth_element: quickselect, with heap selection past 2 log2(n) rounds and an
    insertion sort (stable, as Python's sort) for the last three or fewer."""
    first, last = 0, len(pairs)
    depth = 2 * (last.bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _heap_select(pairs, first, nth + 1, last)
            pairs[first], pairs[nth] = pairs[nth], pairs[first]
            return
        depth -= 1
        cut = _partition_around_median(pairs, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    pairs[first:last] = sorted(pairs[first:last], key=lambda pair: pair[0])
