"""The base class every distribution derives from (``torch.distributions.Distribution``)."""

import warnings

from .._tensor import Size, Tensor
from ..autograd.grad_mode import no_grad
from .utils import lazy_property

__all__ = ["Distribution"]


class Distribution:
    """A probability distribution with a ``batch_shape`` (independent copies with
    different parameters) and an ``event_shape`` (the shape of one draw).

    Validation is on by default, as in PyTorch (``__debug__``): parameters are
    checked against ``arg_constraints`` when the distribution is made, and
    ``log_prob``'s value against ``support``; ``validate_args=False`` turns
    both off.

    >>> import chainrule
    >>> from chainrule.distributions import Normal
    >>> d = Normal(chainrule.zeros(2, 3), 1.0)
    >>> d.batch_shape, d.event_shape, d.sample((4,)).shape
    (chainrule.Size([2, 3]), chainrule.Size([]), chainrule.Size([4, 2, 3]))
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Turn validation on or off for every distribution made afterwards."""
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._validate_parameters()

    def _validate_parameters(self):
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            arg_constraints = {}
            warnings.warn(
                f"{self.__class__} does not define `arg_constraints`. "
                "Please set `arg_constraints = {}` or initialize the distribution "
                "with `validate_args=False` to turn off validation.",
                stacklevel=3,
            )
        for param, constraint in arg_constraints.items():
            if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                continue  # the other parametrisation was given; this one is derived from it
            value = getattr(self, param)
            if not bool(constraint.check(value).all()):
                raise ValueError(
                    f"Expected parameter {param} "
                    f"({type(value).__name__} of shape {tuple(value.shape)}) "
                    f"of distribution {self!r} "
                    f"to satisfy the constraint {constraint!r}, "
                    f"but found invalid values:\n{value}"
                )

    @property
    def batch_shape(self):
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of a single sample (without batching)."""
        return self._event_shape

    @property
    def arg_constraints(self):
        raise NotImplementedError

    @property
    def support(self):
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def expand(self, batch_shape, _instance=None):
        """The same distribution repeated over a larger ``batch_shape``: its parameters
        are expanded views (no copies; gradients reach the originals), as PyTorch's.

        One rule serves every family, where PyTorch writes one ``expand`` each: the
        parameters (``arg_constraints`` names of the class and its bases, and the
        attributes that are the very same tensor, as ``_param``) are expanded to
        ``batch_shape`` plus their own event dims, the inner distributions
        (``base_dist``, ``_categorical``, ...) to ``batch_shape`` plus their extra batch
        dims, cached derived values are dropped to be recomputed, and everything else
        is shared. A family needing more sets its attributes on ``_instance`` first;
        those are left alone.

        >>> import chainrule
        >>> from chainrule.distributions import Normal
        >>> d = Normal(chainrule.tensor([0.0, 1.0]), 1.0).expand((3, 2))
        >>> d.batch_shape, d.loc.shape, d.log_prob(chainrule.zeros(3, 2)).shape
        (chainrule.Size([3, 2]), chainrule.Size([3, 2]), chainrule.Size([3, 2]))
        """
        batch_shape = Size(batch_shape)
        new = type(self).__new__(type(self)) if _instance is None else _instance
        cut = len(self._batch_shape)
        # the parameters of this family and of those it derives from (Chi2's Gamma ones)
        parameters = {
            name
            for klass in type(self).__mro__
            if isinstance(klass.__dict__.get("arg_constraints"), dict)
            for name in klass.arg_constraints
        }
        if type(self).arg_constraints is not Distribution.arg_constraints:
            parameters |= set(self.arg_constraints)  # a property, as Uniform's
        expanded = {}  # id(old tensor) -> its expansion, so aliases like _param stay aliases
        for name, value in self.__dict__.items():
            if name in parameters and isinstance(value, Tensor):
                expanded[id(value)] = value.expand(tuple(batch_shape) + tuple(value.shape[cut:]))
        for name, value in self.__dict__.items():
            if name in new.__dict__:
                continue
            if isinstance(value, Tensor) and id(value) in expanded:
                value = expanded[id(value)]
            elif isinstance(getattr(type(self), name, None), lazy_property):
                continue  # a cached derived value: recomputed from the expanded parameters
            elif isinstance(value, Distribution):
                value = value.expand(batch_shape + value.batch_shape[cut:])
            setattr(new, name, value)
        new._batch_shape = batch_shape
        new._event_shape = self._event_shape
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=()):
        """A draw of shape ``sample_shape + batch_shape + event_shape``, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        """A reparameterised draw: a differentiable function of the parameters."""
        raise NotImplementedError

    def log_prob(self, value):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def perplexity(self):
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=()):
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value):
        """PyTorch's checks of a value to score: a tensor, broadcastable with
        batch_shape + event_shape, inside the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = len(value.size()) - len(self._event_shape)
        if value.size()[event_dim_start:] != self._event_shape:
            raise ValueError(
                f"The right-most size of value must match event_shape: {value.size()} vs {self._event_shape}."
            )
        actual_shape = value.size()
        expected_shape = self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual_shape), reversed(expected_shape)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(
                    "Value is not broadcastable with batch_shape+event_shape: "
                    f"{actual_shape} vs {expected_shape}."
                )
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(
                f"{self.__class__} does not define `support` to enable "
                "sample validation. Please initialize the distribution with "
                "`validate_args=False` to turn off validation.",
                stacklevel=3,
            )
            return
        if not bool(support.check(value).all()):
            raise ValueError(
                "Expected value argument "
                f"({type(value).__name__} of shape {tuple(value.shape)}) "
                f"to be within the support ({support!r}) "
                f"of the distribution {self!r}, "
                f"but found invalid values:\n{value}"
            )

    def __repr__(self):
        names = [k for k in self.arg_constraints if k in self.__dict__]
        shown = ", ".join(
            f"{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else self.__dict__[p].size()}"
            for p in names
        )
        return f"{type(self).__name__}({shown})"
