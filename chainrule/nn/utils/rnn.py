"""Batches of sequences of different lengths, as ``torch.nn.utils.rnn``: padded to
one length, or packed time step by time step with the longest sequence first.

A packed batch keeps PyTorch's layout: ``data`` holds the first step of every
sequence (longest first), then the second step of every sequence that has one,
and so on; ``batch_sizes[t]`` counts the sequences still running at step t.
Packing and unpadding are one gather each (an index into the padded tensor),
so their gradients are scatters that give padded positions nothing.
"""

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from ..._creation import tensor
from ..._dtype import float32, float64, int64
from ..._tensor import Tensor
from ...ops.shape import cat, stack

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


def _int64(values):
    return tensor(np.asarray(values), dtype=int64)


def invert_permutation(permutation):
    """The inverse of a permutation given as an index tensor (None stays None).

    >>> import chainrule
    >>> chainrule.nn.utils.rnn.invert_permutation(chainrule.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    return _int64(np.argsort(permutation.numpy(), kind="stable"))


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor = None
    unsorted_indices: Tensor = None


class PackedSequence(_PackedFields):
    """A packed batch: ``data`` (sum of lengths, *), ``batch_sizes`` (int64, one
    count per time step), and ``sorted_indices`` / ``unsorted_indices``, the
    permutation from the caller's batch order to longest-first and back (None
    when the batch came sorted). Made by ``pack_padded_sequence`` and
    ``pack_sequence``; every recurrent layer takes and returns one.

    >>> import chainrule
    >>> from chainrule.nn.utils.rnn import pack_sequence
    >>> pack_sequence([chainrule.tensor([1, 2, 3]), chainrule.tensor([4, 5]), chainrule.tensor([6])])
    PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), sorted_indices=None, \
unsorted_indices=None)
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        # PyTorch also takes the pair: PackedSequence((data, batch_sizes), sorted_indices=...)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """``data.to(...)``; the sizes and indices are kept (self when nothing changes)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def double(self):
        return self.to(dtype=float64)

    def float(self):
        return self.to(dtype=float32)


def _time_major_positions(batch_sizes):
    """For each row of packed data, its (time step, rank among the running sequences)."""
    batch_sizes = np.asarray(batch_sizes)
    time = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    starts = np.cumsum(batch_sizes) - batch_sizes
    return time, np.arange(len(time)) - np.repeat(starts, batch_sizes)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) — (B, T, *) with ``batch_first`` — of sequences
    with the given ``lengths``. With ``enforce_sorted`` the lengths must already
    decrease; otherwise the batch is sorted and the order kept in the result.

    >>> import chainrule
    >>> from chainrule.nn.utils.rnn import pack_padded_sequence
    >>> padded = chainrule.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    >>> pack_padded_sequence(padded, [2, 1, 3], batch_first=True, enforce_sorted=False)
    PackedSequence(data=tensor([4, 1, 3, 5, 2, 6]), batch_sizes=tensor([3, 2, 1]), \
sorted_indices=tensor([2, 0, 1]), unsorted_indices=tensor([1, 2, 0]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            "pack_padded_sequence(): argument 'input' (position 1) must be Tensor, not "
            f"{type(input).__name__}"
        )
    lengths = np.asarray(lengths.tolist() if isinstance(lengths, Tensor) else lengths).astype(np.int64)
    if lengths.ndim != 1:
        raise RuntimeError(
            f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.ndim}D cpu Long tensor"
        )
    if input.dim() < 2:
        raise IndexError(
            f"pack_padded_sequence: Dimension out of range: the input needs a time and a batch dimension, "
            f"got a {input.dim()}-D tensor"
        )
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    batch_dim = 0 if batch_first else 1
    batch = input.shape[batch_dim]
    if len(lengths) != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} (batch_size={batch})"
        )
    order = None if enforce_sorted else np.argsort(-lengths, kind="stable")
    sorted_lengths = lengths if order is None else lengths[order]
    if sorted_lengths[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if np.any(sorted_lengths[1:] > sorted_lengths[:-1]):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
            "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
            "requirement if you do not need ONNX exportability."
        )
    if sorted_lengths[0] > input.shape[1 - batch_dim]:
        # PyTorch returns a PackedSequence with fewer data rows than its batch_sizes count
        raise RuntimeError(
            f"pack_padded_sequence: a length of {sorted_lengths[0]} is longer than the padded input's "
            f"{input.shape[1 - batch_dim]} time steps"
        )
    batch_sizes = (sorted_lengths[None, :] > np.arange(sorted_lengths[0])[:, None]).sum(1)
    time, rank = _time_major_positions(batch_sizes)
    sequence = rank if order is None else order[rank]
    data = input[sequence, time] if batch_first else input[time, sequence]
    return PackedSequence(data, _int64(batch_sizes), None if order is None else _int64(order))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: ``(padded, lengths)``, the batch (T, B, *) or
    (B, T, *) back in the caller's order, padded with ``padding_value`` to the
    longest length (or to ``total_length``), and the int64 lengths.

    >>> import chainrule
    >>> from chainrule.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> packed = pack_sequence([chainrule.tensor([1, 2]), chainrule.tensor([3, 4, 5])], enforce_sorted=False)
    >>> pad_packed_sequence(packed, batch_first=True)
    (tensor([[1, 2, 0],
            [3, 4, 5]]), tensor([2, 3]))
    """
    batch_sizes = np.asarray(sequence.batch_sizes.tolist(), dtype=np.int64)
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {steps}"
            )
        steps = total_length
    data = sequence.data
    # each padded position reads its data row, or the one padding row appended after them
    index = np.full((steps, batch_sizes[0]), len(data), dtype=np.int64)
    index[_time_major_positions(batch_sizes)] = np.arange(len(data))
    lengths = (batch_sizes[:, None] > np.arange(batch_sizes[0])[None, :]).sum(0)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices.numpy()
        index, lengths = index[:, unsorted], lengths[unsorted]
    padding = data.new_full((1, *data.shape[1:]), padding_value)
    padded = cat([data, padding])[index.T if batch_first else index]
    return padded, _int64(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences (L_i, *) of different lengths into one (T, B, *) tensor —
    (B, T, *) with ``batch_first`` — padded with ``padding_value`` on the right
    (or the left) to the longest length T.

    >>> import chainrule
    >>> from chainrule.nn.utils.rnn import pad_sequence
    >>> pad_sequence([chainrule.tensor([1, 2, 3]), chainrule.tensor([4])], batch_first=True, padding_value=-1)
    tensor([[ 1,  2,  3],
            [ 4, -1, -1]])
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            f"pad_sequence: Expected iterable for input sequences, but got arg of type: {type(sequences)}"
        )
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    for i, sequence in enumerate(sequences):
        if not isinstance(sequence, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(sequence).__name__}"
            )
        if sequence.dim() == 0:
            raise RuntimeError(f"pad_sequence: element {i} is a 0-D tensor; every sequence needs a length")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    first = sequences[0]
    trailing = tuple(first.shape[1:])
    longest = max(sequence.shape[0] for sequence in sequences)
    padded = []
    for sequence in sequences:
        # as PyTorch copies each sequence into the output: cast to the first one's
        # dtype and broadcast to its trailing shape
        sequence = sequence.to(first.dtype)
        if sequence.shape[1:] != trailing:
            sequence = sequence.expand(sequence.shape[0], *trailing)
        if sequence.shape[0] < longest:
            padding = first.new_full((longest - sequence.shape[0], *trailing), padding_value)
            sequence = cat([sequence, padding] if padding_side == "right" else [padding, sequence])
        padded.append(sequence)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of its sequences, each cut to its length.
    (PyTorch transposes ``padded_sequences`` in place when not ``batch_first``;
    this leaves it as it is.)

    >>> import chainrule
    >>> from chainrule.nn.utils.rnn import unpad_sequence
    >>> unpad_sequence(chainrule.tensor([[1, 2, 3], [4, 0, 0]]), chainrule.tensor([3, 1]), batch_first=True)
    [tensor([1, 2, 3]), tensor([4])]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [sequence[: int(length)] for sequence, length in zip(padded_sequences, lengths, strict=True)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (L_i, *): ``pad_sequence`` then ``pack_padded_sequence``.

    >>> import chainrule
    >>> from chainrule.nn.utils.rnn import pack_sequence
    >>> pack_sequence([chainrule.tensor([1]), chainrule.tensor([2, 3])], enforce_sorted=False).data
    tensor([2, 1, 3])
    """
    lengths = [sequence.size(0) for sequence in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a ``PackedSequence`` holds, in the caller's order.

    >>> import chainrule
    >>> from chainrule.nn.utils.rnn import pack_sequence, unpack_sequence
    >>> packed = pack_sequence([chainrule.tensor([1]), chainrule.tensor([2, 3])], enforce_sorted=False)
    >>> unpack_sequence(packed)
    [tensor([1]), tensor([2, 3])]
    """
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
