"""nn.utils.rnn against PyTorch: padding, packing and unpacking batches of sequences
of different lengths give PyTorch's tensors, lengths, batch sizes and index
permutations, gradients reach only the real (unpadded) steps, and bad arguments
raise PyTorch's errors. (Recurrent layers on packed input: tests/nn/test_rnn.py.)"""

import numpy as np
import pytest

import chainrule
from chainrule.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_sequence

from oracle import assert_equal, check, raises_like_torch, requires_torch, same_as_torch, torch


def utils(m):
    return m.nn.utils.rnn


def fields(packed):
    """A PackedSequence as a plain tuple, so the two libraries' can be compared."""
    return tuple(packed)


# --- pad_sequence -----------------------------------------------------------------------------


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_matches_pytorch_values_and_gradients(batch_first, padding_side):
    check(
        lambda m, a, b, c: utils(m).pad_sequence(
            [a, b, c], batch_first=batch_first, padding_value=-1.5, padding_side=padding_side
        ),
        [(3, 2, 4), (5, 2, 4), (1, 2, 4)],
    )


@requires_torch
@pytest.mark.parametrize(
    "make",
    [
        lambda m: [m.tensor([1, 2, 3]), m.tensor([4])],
        lambda m: m.ones(2, 3),  # a tensor is a sequence of its rows, as in PyTorch
        lambda m: iter([m.ones(2, 3), m.zeros(1, 3)]),
        lambda m: [m.ones(2), m.ones(1, dtype=m.int64)],  # cast to the first sequence's dtype
        lambda m: [m.ones(2, 3), m.ones(3)],  # broadcast to the first sequence's trailing shape
    ],
    ids=["integers", "tensor", "iterator", "mixed-dtypes", "broadcast"],
)
def test_pad_sequence_takes_what_pytorch_takes(make):
    same_as_torch(lambda m: utils(m).pad_sequence(make(m), padding_value=2.5))


@requires_torch
def test_unpad_sequence_gives_back_each_sequence_with_its_gradient():
    check(
        lambda m, a, b: utils(m).unpad_sequence(
            utils(m).pad_sequence([a, b], batch_first=True), m.tensor([3, 1]), batch_first=True
        ),
        [(3, 2), (1, 2)],
    )
    # (PyTorch transposes a time-major padded tensor in place, which a leaf refuses)
    check(lambda m, padded: utils(m).unpad_sequence(padded * 1, m.tensor([2, 4, 1])), [(4, 3, 2)])


def test_unpad_sequence_leaves_the_padded_tensor_as_it_was():
    # PyTorch transposes it in place when not batch_first; chainrule does not
    padded = chainrule.zeros(4, 3)
    chainrule.nn.utils.rnn.unpad_sequence(padded, chainrule.tensor([4, 2, 1]))
    assert padded.shape == (4, 3)


# --- pack_padded_sequence and pad_packed_sequence ----------------------------------------------

LENGTHS = {"sorted": [5, 3, 3, 1], "unsorted": [3, 5, 1, 3]}


@pytest.mark.parametrize("order", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_padded_sequence_matches_pytorch_data_batch_sizes_and_indices(batch_first, order):
    lengths = LENGTHS[order]
    shape = (4, 6, 2) if batch_first else (6, 4, 2)
    check(
        lambda m, x: fields(
            utils(m).pack_padded_sequence(
                x, lengths, batch_first=batch_first, enforce_sorted=order == "sorted"
            )
        ),
        [shape],
    )


@pytest.mark.parametrize("total_length", [None, 7])
@pytest.mark.parametrize("order", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_packing_then_padding_matches_pytorch_and_gives_padding_no_gradient(batch_first, order, total_length):
    lengths = LENGTHS[order]

    def round_trip(m, x):
        packed = utils(m).pack_padded_sequence(
            x, m.tensor(lengths), batch_first=batch_first, enforce_sorted=order == "sorted"
        )
        return utils(m).pad_packed_sequence(
            packed, batch_first=batch_first, padding_value=9.0, total_length=total_length
        )

    check(round_trip, [(4, 5, 3, 2) if batch_first else (5, 4, 3, 2)])


def test_padded_positions_get_exactly_zero_gradient():
    x = chainrule.randn(5, 3, 2, requires_grad=True)
    packed = pack_padded_sequence(x, [2, 5, 1], enforce_sorted=False)
    padded, _ = chainrule.nn.utils.rnn.pad_packed_sequence(packed, padding_value=7.0)
    (padded * padded).sum().backward()
    for b, length in enumerate([2, 5, 1]):
        assert not x.grad[length:, b].numpy().any()
        assert x.grad[:length, b].numpy().all()


@requires_torch
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_sequence_match_pytorch(enforce_sorted):
    check(
        lambda m, a, b, c: fields(utils(m).pack_sequence([a, b, c], enforce_sorted=enforce_sorted)),
        [(4, 3), (2, 3), (1, 3)],
    )
    check(
        lambda m, a, b, c: utils(m).unpack_sequence(utils(m).pack_sequence([a, b, c], enforce_sorted=False)),
        [(2, 3), (4, 3), (1, 3)],
    )


@requires_torch
def test_integer_sequences_pack_and_pad_like_pytorch():
    def scenario(m):
        padded = m.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
        packed = utils(m).pack_padded_sequence(padded, [2, 1, 3], batch_first=True, enforce_sorted=False)
        return fields(packed), utils(m).pad_packed_sequence(packed, batch_first=True, padding_value=-1)

    ours = same_as_torch(scenario)
    assert ours[0][1].dtype == ours[0][2].dtype == chainrule.int64


# --- PackedSequence ---------------------------------------------------------------------------


@requires_torch
def test_packed_sequence_is_pytorchs_named_tuple():
    def scenario(m):
        data, sizes = m.tensor([1.0, 2.0, 3.0]), m.tensor([2, 1])
        return [
            fields(utils(m).PackedSequence(data, sizes)),
            fields(utils(m).PackedSequence((data, sizes), sorted_indices=m.tensor([1, 0]))),
            fields(utils(m).PackedSequence(data, sizes, m.tensor([2, 0, 1]))),
            fields(utils(m).PackedSequence(data, sizes).double()),
            list(utils(m).PackedSequence._fields),
            utils(m).invert_permutation(m.tensor([3, 0, 2, 1])),
        ]

    same_as_torch(scenario)
    packed = PackedSequence(chainrule.ones(3), chainrule.tensor([2, 1]))
    assert isinstance(packed, tuple) and packed.to(chainrule.float32) is packed
    assert packed.float() is packed and packed.double().data.dtype == chainrule.float64
    assert chainrule.nn.utils.rnn.invert_permutation(None) is None


@requires_torch
def test_packed_sequence_repr_is_pytorchs():
    def scenario(m):
        sequences = [m.tensor([1, 2, 3]), m.tensor([4, 5]), m.tensor([6])]
        return repr(utils(m).pack_sequence(sequences)), repr(utils(m).pack_sequence(sequences[::-1], False))

    ours, theirs = scenario(chainrule), scenario(torch)
    assert ours == theirs


# --- errors -------------------------------------------------------------------------------------


@requires_torch
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m, x: utils(m).pack_padded_sequence(x, [2, 3, 1]), "must be sorted in decreasing order"),
        (lambda m, x: utils(m).pack_padded_sequence(x, [3, 2, 0]), "has to be greater than 0"),
        (
            lambda m, x: utils(m).pack_padded_sequence(x, [3, 0, 2], enforce_sorted=False),
            "has to be greater than 0",
        ),
        (lambda m, x: utils(m).pack_padded_sequence(x, [3, 2, -1]), "has to be greater than 0"),
        (lambda m, x: utils(m).pack_padded_sequence(x, [3, 0, 2]), "must be sorted in decreasing order"),
        (lambda m, x: utils(m).pack_padded_sequence(x, [3, 2]), r"to be equal to batch_size, but got 2"),
        (lambda m, x: utils(m).pack_padded_sequence(x, m.tensor([[3, 2, 1]])), "1D CPU int64 tensor"),
        (lambda m, x: utils(m).pack_padded_sequence(x, 3), "but got 0D"),
        (lambda m, x: utils(m).pack_padded_sequence(x.tolist(), [3, 2, 1]), "must be Tensor, not list"),
        (lambda m, x: utils(m).pack_padded_sequence(m.zeros(4, 0, 2), []), "Cannot pack empty tensors"),
        (lambda m, x: utils(m).pack_padded_sequence(m.zeros(4), [4]), "Dimension out of range"),
        (lambda m, x: utils(m).pack_sequence([m.ones(1), m.ones(2)]), "sorted in decreasing order"),
        (lambda m, x: utils(m).pack_sequence([]), "empty list of sequences"),
        (
            lambda m, x: utils(m).pad_packed_sequence(
                utils(m).pack_padded_sequence(x, [3, 2, 1]), total_length=2
            ),
            "total_length=2 and max sequence length being 3",
        ),
        (lambda m, x: utils(m).pad_packed_sequence(x), "batch_sizes"),
        (lambda m, x: utils(m).pad_sequence(3), "Expected iterable for input sequences"),
        (lambda m, x: utils(m).pad_sequence([]), "received an empty list of sequences"),
        (lambda m, x: utils(m).pad_sequence([[1.0, 2.0]]), "expected Tensor as element 0"),
        (lambda m, x: utils(m).pad_sequence([m.ones(2, 3), m.ones(3, 2)]), None),
        (lambda m, x: utils(m).pad_sequence([m.tensor(1.0)]), "0-D"),
        (
            lambda m, x: utils(m).pad_sequence([x], padding_side="middle"),
            "one of left or right, but got middle",
        ),
        (lambda m, x: utils(m).unpad_sequence(x, m.tensor([3, 2])), "shorter than argument 1"),
        (lambda m, x: utils(m).unpack_sequence(x), "batch_sizes"),
        (lambda m, x: utils(m).PackedSequence(x), "list or tuple of length 2"),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(call, match):
    x = np.random.default_rng(0).standard_normal((4, 3, 2)).astype(np.float32)
    raises_like_torch(lambda m: call(m, m.tensor(x)), match)


def test_a_length_longer_than_the_padded_input_is_refused():
    # PyTorch returns a PackedSequence whose data has fewer rows than its batch_sizes count
    with pytest.raises(RuntimeError, match="a length of 5 is longer than the padded input's 4 time steps"):
        pack_padded_sequence(chainrule.zeros(4, 3, 2), [5, 2, 1])


@requires_torch
def test_float_lengths_are_truncated_to_integers_like_pytorch():
    def scenario(m):
        x = m.arange(12.0).reshape(4, 3)
        return [fields(utils(m).pack_padded_sequence(x, lengths)) for lengths in ([3.5, 2, 1], (3, 2, 1))]

    assert_equal(scenario(chainrule), scenario(torch))
    assert pad_sequence([chainrule.ones(1)]).shape == (1, 1)
