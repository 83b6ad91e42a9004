"""PyTorch's ``*_copy`` ops: each view op's values in new memory (``t_copy(x)`` is
``x.t().clone()``), differentiable through the view and the copy. PyTorch gives them to
compilers that want no aliasing; scripts call them for the same guarantee.
``indices_copy`` and ``values_copy`` read sparse tensors, which chainrule lacks."""


def alias_copy(input):
    """``input``'s values in new memory.

    >>> import chainrule
    >>> x = chainrule.ones(2)
    >>> y = chainrule.alias_copy(x)
    >>> _ = y.add_(1)
    >>> x
    tensor([1., 1.])
    """
    return input.clone()


def detach_copy(input):
    """``input.detach().clone()``: the values, outside the graph.

    >>> import chainrule
    >>> chainrule.detach_copy(chainrule.ones(2, requires_grad=True)).requires_grad
    False
    """
    return input.detach().clone()


def as_strided_copy(input, size, stride, storage_offset=None):
    """``input.as_strided(size, stride, storage_offset).clone()``.

    >>> import chainrule
    >>> chainrule.as_strided_copy(chainrule.arange(6), (2, 2), (1, 2), 1)
    tensor([[1, 3],
            [2, 4]])
    """
    return input.as_strided(size, stride, storage_offset).clone()


def diagonal_copy(input, offset=0, dim1=0, dim2=1):
    """``input.diagonal(offset, dim1, dim2).clone()``.

    >>> import chainrule
    >>> chainrule.diagonal_copy(chainrule.arange(4).view(2, 2))
    tensor([0, 3])
    """
    return input.diagonal(offset, dim1, dim2).clone()


def expand_copy(input, size, *, implicit=False):
    """``input.expand(size).clone()``: the repeated values, each in its own memory.

    >>> import chainrule
    >>> chainrule.expand_copy(chainrule.tensor([1, 2]), (2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return input.expand(size).clone()


def permute_copy(input, dims):
    """``input.permute(dims).clone()``.

    >>> import chainrule
    >>> chainrule.permute_copy(chainrule.ones(2, 3), (1, 0)).shape
    chainrule.Size([3, 2])
    """
    return input.permute(dims).clone()


def select_copy(input, dim, index):
    """``input.select(dim, index).clone()``.

    >>> import chainrule
    >>> chainrule.select_copy(chainrule.arange(4).view(2, 2), 1, 0)
    tensor([0, 2])
    """
    return input.select(dim, index).clone()


def slice_copy(input, dim=0, start=None, end=None, step=1):
    """``input[..., start:end:step]`` along ``dim``, copied.

    >>> import chainrule
    >>> chainrule.slice_copy(chainrule.arange(10), 0, 2, 9, 3)
    tensor([2, 5, 8])
    """
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    axis = input._wrap_dim(dim)
    return input[(slice(None),) * axis + (slice(start, end, step),)].clone()


def split_copy(input, split_size, dim=0):
    """``input.split(split_size, dim)``, each piece copied.

    >>> import chainrule
    >>> chainrule.split_copy(chainrule.arange(5), 2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    return tuple(piece.clone() for piece in input.split(split_size, dim))


def split_with_sizes_copy(input, split_sizes, dim=0):
    """``input.split_with_sizes(split_sizes, dim)``, each piece copied.

    >>> import chainrule
    >>> chainrule.split_with_sizes_copy(chainrule.arange(5), [1, 4])
    (tensor([0]), tensor([1, 2, 3, 4]))
    """
    return tuple(piece.clone() for piece in input.split_with_sizes(split_sizes, dim))


def squeeze_copy(input, dim=None):
    """``input.squeeze(dim).clone()``.

    >>> import chainrule
    >>> chainrule.squeeze_copy(chainrule.ones(1, 2, 1)).shape
    chainrule.Size([2])
    """
    return (input.squeeze() if dim is None else input.squeeze(dim)).clone()


def t_copy(input):
    """``input.t().clone()``.

    >>> import chainrule
    >>> chainrule.t_copy(chainrule.ones(2, 3)).shape
    chainrule.Size([3, 2])
    """
    return input.t().clone()


def transpose_copy(input, dim0, dim1):
    """``input.transpose(dim0, dim1).clone()``.

    >>> import chainrule
    >>> chainrule.transpose_copy(chainrule.ones(2, 3, 4), 0, 2).shape
    chainrule.Size([4, 3, 2])
    """
    return input.transpose(dim0, dim1).clone()


def unbind_copy(input, dim=0):
    """``input.unbind(dim)``, each slice copied.

    >>> import chainrule
    >>> chainrule.unbind_copy(chainrule.tensor([[1, 2], [3, 4]]), 1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    return tuple(piece.clone() for piece in input.unbind(dim))


def unfold_copy(input, dimension, size, step):
    """``input.unfold(dimension, size, step).clone()``.

    >>> import chainrule
    >>> chainrule.unfold_copy(chainrule.arange(5), 0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    return input.unfold(dimension, size, step).clone()


def unsqueeze_copy(input, dim):
    """``input.unsqueeze(dim).clone()``.

    >>> import chainrule
    >>> chainrule.unsqueeze_copy(chainrule.ones(2), 0).shape
    chainrule.Size([1, 2])
    """
    return input.unsqueeze(dim).clone()


def view_copy(input, size):
    """``input.view(size).clone()``; ``size`` may be a dtype, as for ``view``.

    >>> import chainrule
    >>> chainrule.view_copy(chainrule.arange(6), (2, 3)).shape
    chainrule.Size([2, 3])
    """
    if isinstance(size, (tuple, list)):
        return input.view(*size).clone()
    return input.view(size).clone()


__all__ = [
    "alias_copy",
    "as_strided_copy",
    "detach_copy",
    "diagonal_copy",
    "expand_copy",
    "permute_copy",
    "select_copy",
    "slice_copy",
    "split_copy",
    "split_with_sizes_copy",
    "squeeze_copy",
    "t_copy",
    "transpose_copy",
    "unbind_copy",
    "unfold_copy",
    "unsqueeze_copy",
    "view_copy",
]
