"""Tensor creation against PyTorch: dtype inference, shapes, values, devices."""

import numpy as np
import pytest

import chainrule

from oracle import assert_equal, assert_same, requires_torch, run_both, torch


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor(3),
        lambda m: m.tensor(3.5),
        lambda m: m.tensor(True),
        lambda m: m.tensor([1, 2.5]),
        lambda m: m.tensor([True, 2]),
        lambda m: m.tensor([[True, False]]),
        lambda m: m.tensor([]),
        lambda m: m.tensor([[]]),
        lambda m: m.tensor((1, 2)),
        lambda m: m.tensor(np.array([1, 2], dtype=np.int32)),
        lambda m: m.tensor(np.array([1.0, 2.0])),
        lambda m: m.tensor(np.array([1, 0], dtype=np.uint8)),
        lambda m: m.tensor(np.float64(2.0)),
        lambda m: m.tensor(np.int32(3)),
        lambda m: m.tensor([m.tensor(1.0), m.tensor(2.0)]),
        lambda m: m.tensor([1, 2], dtype=m.float64),
        lambda m: m.tensor([1.5, 2], dtype=m.int32),
        # Python floats are rounded once, to the dtype asked for (not via float32)
        lambda m: m.tensor([0.1, 1e-300], dtype=m.float64),
        lambda m: m.tensor(0.1, dtype=m.float64),
        lambda m: m.tensor([[0.1], [2.7]], dtype=m.float16),
        lambda m: m.as_tensor([0.1, 1 / 3], dtype=m.float64),
        lambda m: m.tensor([1.0, 2.0], requires_grad=True),
        lambda m: m.tensor([1.0], device="cpu"),
        lambda m: m.tensor([1.0], device=m.device("cpu")),
        lambda m: m.as_tensor([1, 2.0]),
        lambda m: m.as_tensor(np.array([1.0, 2.0]), dtype=m.float32),
        lambda m: m.as_tensor(m.tensor([1, 2]), dtype=m.float16),
        # the numbers that still fit: uint8 takes -1 as 255, and arrays convert as they are
        lambda m: m.tensor([-1, -255, 255], dtype=m.uint8),
        lambda m: m.tensor([-128.0, 127.0], dtype=m.int8),
        lambda m: m.tensor(np.array([300, -1]), dtype=m.uint8),
        lambda m: m.full((2,), -1, dtype=m.uint8),
    ],
)
def test_tensor_infers_dtypes_as_pytorch(fn):
    theirs, ours = run_both(fn)
    assert_equal(ours, theirs)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([np.mean(np.arange(4.0)), np.std(np.arange(4.0))]),
        lambda m: m.tensor([np.ones(2), np.ones(2)]),
        lambda m: m.tensor([np.int32(3)]),
        lambda m: m.tensor([np.uint8(3)]),
        lambda m: m.tensor((np.float32(1), np.float32(2))),
        lambda m: m.tensor([m.tensor(1.0, dtype=m.float64)]),
        lambda m: m.tensor([m.tensor(1, dtype=m.int32), 2]),
        # mixed: Python floats count as the default dtype, ints as int64, bools as bool
        lambda m: m.tensor([np.float16(1), 2.5]),
        lambda m: m.tensor([np.int32(1), 2]),
        lambda m: m.tensor([True, np.uint8(3)]),
        lambda m: m.tensor([np.int8(1), np.uint8(3)]),
        lambda m: m.tensor([np.float16(1), np.int64(3)]),
        lambda m: m.tensor([np.int64(2**62), 1.5]),
        lambda m: m.tensor([[np.ones(2, np.float16)], [[1.0, 2.0]]]),
        lambda m: m.tensor([[np.ones(2, np.int32)], [[1.5, 2]]]),
        lambda m: m.tensor([np.ones((2, 2)), np.ones((2, 2))]),
        lambda m: m.tensor([[np.float64(1)], [2]]),
        lambda m: m.tensor([[], np.ones(0, np.int32)]),
        lambda m: m.tensor([np.ones(0)]),
        # a tensor inside a list is one number, whatever its shape
        lambda m: m.tensor([m.ones(1), m.ones(1, 1)]),
        lambda m: m.tensor([np.float64(1.5), np.float64(2)], requires_grad=True),
        lambda m: m.tensor([np.float64(0.1), 1], dtype=m.float16),
        lambda m: m.as_tensor([np.float64(1.5)]),
        lambda m: m.as_tensor([np.ones(2, np.float16)]),
        # a dtype asked for converts arrays chainrule cannot store, and huge Python ints
        lambda m: m.tensor(np.array([1, 2], dtype=np.uint16), dtype=m.float32),
        lambda m: m.as_tensor(np.array([1, 2], dtype=np.uint16), dtype=m.float32),
        lambda m: m.tensor(2**63, dtype=m.float64),
        lambda m: m.as_tensor(2**63, dtype=m.float64),
        lambda m: m.tensor([2**64, 1], dtype=m.float32),
        lambda m: m.tensor(-(2**63) - 1, dtype=m.float64),
        lambda m: m.tensor([2**63, 1.5]),
    ],
)
@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")  # torch's advice
def test_numpy_scalars_arrays_and_tensors_in_a_list_keep_their_dtypes_as_in_pytorch(fn):
    theirs, ours = run_both(fn)
    assert_equal(ours, theirs)


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    array = np.zeros(3, np.float32)
    copied = chainrule.tensor(array)
    shared = chainrule.from_numpy(array)
    as_tensor = chainrule.as_tensor(array)
    array[0] = 7.0
    assert copied[0].item() == 0.0
    assert shared[0].item() == 7.0
    assert as_tensor[0].item() == 7.0
    shared[1] = 5.0
    assert array[1] == 5.0


def test_tensor_of_a_tensor_is_a_detached_copy():
    x = chainrule.ones(2, requires_grad=True)
    y = chainrule.tensor(x)
    assert not y.requires_grad
    y[0] = 3.0
    assert x[0].item() == 1.0


def test_default_dtype_applies_to_python_floats():
    try:
        chainrule.set_default_dtype(chainrule.float64)
        assert chainrule.tensor([1.5]).dtype == chainrule.float64
        assert chainrule.zeros(2).dtype == chainrule.float64
        assert chainrule.arange(0.0, 1.0, 0.5).dtype == chainrule.float64
    finally:
        chainrule.set_default_dtype(chainrule.float32)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(2, 3),
        lambda m: m.zeros((2, 3)),
        lambda m: m.zeros([2, 3]),
        lambda m: m.zeros(m.Size([2, 3])),
        lambda m: m.zeros(()),
        lambda m: m.zeros(0, 3),
        lambda m: m.zeros(2, dtype=m.int64),
        lambda m: m.zeros(2, requires_grad=True),
        lambda m: m.ones(3, dtype=m.bool),
        lambda m: m.ones((2, 1), dtype=m.float64),
        lambda m: m.empty(2, 3).zero_(),
        lambda m: m.empty((2,), dtype=m.int32).zero_(),
        lambda m: m.full((2, 2), 1.5),
        lambda m: m.full((2, 2), 7),
        lambda m: m.full((2,), True),
        lambda m: m.full((2,), 7, dtype=m.float64),
        lambda m: m.full([2], m.tensor(3.0)),
        lambda m: m.full((2,), 1.5, requires_grad=True),
        lambda m: m.zeros_like(m.ones(2, dtype=m.int32)),
        lambda m: m.ones_like(m.ones(2, dtype=m.int32), dtype=m.float64),
        lambda m: m.full_like(m.ones(2, dtype=m.int32), 2.7),
        lambda m: m.full_like(m.ones(2), 2.5, requires_grad=True),
        lambda m: m.empty_like(m.ones(2, 3)).fill_(1.0),
        lambda m: m.eye(3),
        lambda m: m.eye(2, 3),
        lambda m: m.eye(2, dtype=m.int64),
        lambda m: m.zeros(size=(2, 3)),
        lambda m: m.ones(size=[2], dtype=m.int64),
        lambda m: m.empty(size=(2, 3)).zero_(),
        lambda m: m.zeros(size=m.Size([3])),
        lambda m: m.zeros(2, 3, out=m.empty(0)),
        lambda m: m.ones(2, out=m.empty(2, dtype=m.int64)),
        lambda m: m.full((2,), 3, out=m.empty(2)),
        lambda m: m.eye(2, out=m.empty(2, 2, dtype=m.float64)),
    ],
)
def test_constant_filled_tensors_match_pytorch(fn):
    theirs, ours = run_both(fn)
    assert_equal(ours, theirs)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.arange(5),
        lambda m: m.arange(5.0),
        lambda m: m.arange(1, 4),
        lambda m: m.arange(1, 4, 0.5),
        lambda m: m.arange(0, 1, 0.1),
        lambda m: m.arange(-3.3, 7.7, 0.37),
        lambda m: m.arange(10, 0, -3),
        lambda m: m.arange(10.0, 0, -3),
        lambda m: m.arange(0, 0),
        lambda m: m.arange(5, dtype=m.float32),
        lambda m: m.arange(1, 2, 0.3, dtype=m.float64),
        lambda m: m.arange(0.0, 1.0, 1 / 3),
        lambda m: m.arange(1e6, 1e6 + 0.5, 0.1),
        lambda m: m.arange(np.int64(3)),
        lambda m: m.arange(m.tensor(3)),
        lambda m: m.arange(m.tensor(3.0)),
        lambda m: m.arange(4, requires_grad=False),
        lambda m: m.linspace(0, 1, 5),
        lambda m: m.linspace(0, 1, 1),
        lambda m: m.linspace(0, 1, 0),
        lambda m: m.linspace(-1.7, 3.3, 7),
        lambda m: m.linspace(0, 10, 5, dtype=m.int64),
        lambda m: m.linspace(0.0, 1.0, 7, dtype=m.float64),
        lambda m: m.linspace(m.tensor(0.0), m.tensor(1.0), 3),
        lambda m: m.linspace(0, 1, 4, requires_grad=True),
        # more steps than float16 counts (65,504): each half counts from its own end
        lambda m: m.linspace(0, 1, 100_000, dtype=m.float16),
        lambda m: m.linspace(-3.5, 2.25, 10, dtype=m.int64),  # the ends truncated first
        lambda m: m.arange(end=4),
        lambda m: m.arange(start=2, end=5),
        lambda m: m.arange(1, end=3, step=0.5),
        lambda m: m.arange(4, out=m.empty(4)),
        lambda m: m.linspace(0, 1, 3, out=m.empty(0, dtype=m.float64)),
    ],
)
def test_ranges_match_pytorch_in_length_dtype_and_values(fn):
    theirs, ours = run_both(fn)
    assert_same(ours, theirs, rtol=1e-6, atol=0)


@requires_torch
@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda m: m.tensor([1, 2], requires_grad=True), "floating point"),
        (lambda m: m.zeros(2, dtype=m.int64, requires_grad=True), "floating point"),
        (lambda m: m.tensor("a"), "invalid data type"),
        (lambda m: m.tensor([[1, 2], [3]]), None),
        (lambda m: m.tensor(2**63), "Overflow"),
        (lambda m: m.tensor(2**64), "Overflow"),
        (lambda m: m.tensor([2**63, -1]), "Overflow"),
        (lambda m: m.tensor(2**63, dtype=m.int64), "Overflow"),
        (lambda m: m.tensor(10**400, dtype=m.float64), None),
        # Python numbers beyond an integer dtype (they wrapped: 300 became 44)
        (lambda m: m.tensor([300], dtype=m.uint8), "without overflow"),
        (lambda m: m.tensor([[1, 2], [3, 200]], dtype=m.int8), "without overflow"),
        (lambda m: m.tensor([-300], dtype=m.uint8), "without overflow"),
        (lambda m: m.tensor([1.5, 127.9], dtype=m.int8), "without overflow"),
        (lambda m: m.full((2,), 300, dtype=m.uint8), "without overflow"),
        (lambda m: m.full((2,), 300.0, dtype=m.uint8), "without overflow"),
        (lambda m: m.tensor([-1.0], dtype=m.uint8), "without overflow"),
        (lambda m: m.tensor([float("nan")], dtype=m.int64), "without overflow"),
        (lambda m: m.tensor([np.int64(300)], dtype=m.uint8), "without overflow"),
        (lambda m: m.tensor([m.ones(2), m.ones(2)]), "only one element tensors"),
        (lambda m: m.tensor([np.ones(2), np.ones(3)]), None),
        (lambda m: m.from_numpy([1.0, 2.0]), "expected np.ndarray"),
        (lambda m: m.from_numpy(np.array(["a"])), "can't convert np.ndarray of type numpy.str_"),
        (lambda m: m.zeros(), "missing 1 required positional arguments"),
        (lambda m: m.zeros(2, -1), "negative dimension"),
        (lambda m: m.ones(2, 2.5), "must be tuple of ints"),
        (lambda m: m.arange(0, 10, -1), "upper bound and lower bound inconsistent with step sign"),
        (lambda m: m.arange(0, 10, 0), "step must be nonzero"),
        (lambda m: m.linspace(0, 1, -1), "number of steps must be non-negative"),
        (lambda m: m.eye(-1), "n must be greater or equal to 0, got -1"),
        (lambda m: m.rand(2, dtype=m.int64), "not implemented for"),
        (lambda m: m.randint(5, 3, (3,)), "expects 'from' to be less than 'to'"),
        (lambda m: m.randperm(-1), "negative dimension -1"),
        (lambda m: m.zeros(2, size=(2, 3)), "got multiple values for argument 'size'"),
        (lambda m: m.rand(), None),
        (lambda m: m.zeros(2, dtype=m.float32, out=m.empty(2, dtype=m.int64)), "does not match dtype of out"),
    ],
)
def test_bad_creation_arguments_raise_pytorchs_exception_type(fn, message):
    theirs, ours = run_both(fn)
    assert isinstance(theirs, Exception)
    assert type(ours) is type(theirs), f"chainrule raised {ours!r}, torch raised {theirs!r}"
    if message is not None:
        assert message in str(ours)


@pytest.mark.parametrize(
    "fn",
    [
        lambda: chainrule.tensor([1.0], device="cuda"),
        lambda: chainrule.zeros(2, device="cuda"),
        lambda: chainrule.rand(2, device="cuda:0"),
        lambda: chainrule.arange(3, device=chainrule.device("cpu")).to("cuda"),
    ],
)
def test_a_cuda_device_is_rejected_with_a_clear_error(fn):
    with pytest.raises(RuntimeError, match="CPU only"):
        fn()


@pytest.mark.parametrize(
    "fn",
    [
        lambda: chainrule.ones(2, 3, device="cpu"),
        lambda: chainrule.full((2,), 1.0, device="cpu"),
        lambda: chainrule.randn(2, device=chainrule.device("cpu")),
        lambda: chainrule.eye(2, device="cpu"),
        lambda: chainrule.linspace(0, 1, 3, device="cpu"),
    ],
)
def test_the_cpu_device_is_accepted(fn):
    assert fn().device == chainrule.device("cpu")


def test_requires_grad_makes_a_leaf_that_collects_gradients():
    x = chainrule.zeros(2, 3, requires_grad=True)
    assert x.is_leaf and x.grad_fn is None
    (x + 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3), np.float32))


@requires_torch
@pytest.mark.parametrize("make", ["zeros", "ones", "empty", "rand", "randn"])
def test_random_and_filled_tensors_take_size_as_a_keyword(make):
    ours = getattr(chainrule, make)(size=(2, 3), dtype=chainrule.float64)
    theirs = getattr(torch, make)(size=(2, 3), dtype=torch.float64)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == chainrule.float64


def test_a_creation_function_writes_into_out_and_returns_it():
    out = chainrule.empty(2)
    assert chainrule.ones(2, out=out) is out
    assert out.tolist() == [1.0, 1.0]
    with pytest.warns(UserWarning, match="was resized since it had shape"):
        chainrule.randn(3, 4, out=out)
    assert out.shape == (3, 4)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.FloatTensor([1, 2]),
        lambda m: m.FloatTensor(2, 3).shape,
        lambda m: m.FloatTensor(m.Size([2])).shape,
        lambda m: m.FloatTensor(),
        lambda m: m.LongTensor([1.7, 2]),
        lambda m: m.DoubleTensor(np.array([1.0, 2.0])),
        lambda m: m.ByteTensor([1, 2]),
        lambda m: m.BoolTensor([1, 0]),
        lambda m: m.IntTensor([[1], [2]]),
        lambda m: m.HalfTensor([0.5]),
        lambda m: (
            isinstance(m.FloatTensor([1]), m.FloatTensor),
            isinstance(m.FloatTensor([1]), m.LongTensor),
        ),
        lambda m: m.ones(2).type().split(".")[-1] == m.FloatTensor.__name__,
        lambda m: (m.tensor([1, 2]).type(m.FloatTensor), m.tensor([1.5]).type(m.LongTensor)),
        lambda m: (m.FloatTensor.dtype, m.LongTensor.dtype),
    ],
)
def test_legacy_tensor_types_make_tensors_of_their_dtype(fn):
    # torch.FloatTensor([...]) and friends (older tutorials, d2l's CenteredLayer) were missing
    theirs, ours = run_both(fn)
    assert_same(ours, theirs)


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tril_indices(3, 4, 1),
        lambda m: m.triu_indices(3, 3, -1),
        lambda m: m.tril_indices(0, 3),
        lambda m: m.triu_indices(4, 2, 1, dtype=m.int32),
        lambda m: m.asarray([1, 2]),
        lambda m: m.asarray(3.0),
        lambda m: m.asarray(np.zeros(2, np.float32), dtype=m.float64),
        lambda m: m.asarray([1.0, 2.0], requires_grad=True),
    ],
)
def test_triangle_indices_and_asarray_give_pytorchs_values_and_dtypes(fn):
    assert_equal(*run_both(fn)[::-1])


@requires_torch
def test_asarray_shares_memory_where_pytorch_does():
    def scenario(m):
        a = np.zeros(3, np.float32)
        x = m.zeros(2)
        shared, copied = m.asarray(a), m.asarray(a, copy=True)
        a[0] = 1
        return shared, copied, m.asarray(x) is x, m.asarray(x, dtype=m.float64) is x

    assert_equal(*run_both(scenario)[::-1])


@requires_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tril_indices(-1, 3),
        lambda m: m.triu_indices(3, 3, dtype=m.float32),
        lambda m: m.asarray(np.zeros(2, np.float32), dtype=m.float64, copy=False),
        lambda m: m.asarray(m.zeros(2), dtype=m.float64, copy=False),
    ],
)
def test_bad_triangle_indices_and_asarray_arguments_raise_pytorchs_exception_type(fn):
    theirs, ours = run_both(fn)
    assert isinstance(theirs, Exception) and type(ours) is type(theirs)
