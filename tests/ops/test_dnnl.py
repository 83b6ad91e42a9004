"""float32 convolutions on oneDNN (chainrule/ops/_dnnl.py) against PyTorch, and how
they share the machine: the batch sliced over chainrule's pool, OpenMP held to one
thread per slice and put back, the NumPy kernels where oneDNN is off or refuses."""

import collections
import ctypes
import os
import subprocess
import sys

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule.ops import _dnnl, _threads

from oracle import check_torch, layer_inputs, requires_torch, torch
from same_bits import assert_same_bits_on_threads


@pytest.fixture(autouse=True)
def onednn():
    if not _dnnl.is_available():
        pytest.fail("oneDNN (the onednn-cpu-gomp wheel, a dependency on x86-64 Linux) does not load")
    assert chainrule.backends.mkldnn.enabled
    _dnnl._state["teams"], teams = False, _dnnl._state["teams"]  # slices unless a test asks (mode)
    yield
    _dnnl._state["teams"] = teams


@pytest.fixture
def mode(request, monkeypatch):
    """How convolutions use the threads: slices of the batch on chainrule's pool, one
    OpenMP thread each (where PyTorch loaded the OpenMP runtime first, as in this suite),
    or the whole batch on an OpenMP team (where chainrule loaded it)."""
    monkeypatch.setitem(_dnnl._state, "teams", request.param == "teams")
    return request.param


both_modes = pytest.mark.parametrize("mode", ["slices", "teams"], indirect=True)


def conv_on_onednn(options):
    """F.conv2d / conv1d with ``options``, checking chainrule ran it on oneDNN."""

    def fn(m, x, w, b=None):
        conv = m.nn.functional.conv1d if x.ndim == 3 else m.nn.functional.conv2d
        y = conv(x, w, b, **options)
        assert m is torch or y.grad_fn.on_dnnl
        return y

    return fn


def count_calls(monkeypatch, *names):
    """A Counter of the calls to each of ``_dnnl``'s functions ``names`` from now on."""
    calls = collections.Counter()
    for name in names:
        original = getattr(_dnnl, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(_dnnl, name, counted)
    return calls


# batch 5 on 2 threads: slices of 3 and 2 images, each its own primitive
CASES = {
    "3x3, padding 1, uneven slices": ((5, 16, 9, 8), (32, 16, 3, 3), dict(padding=1)),
    "stride 2, asymmetric padding": ((4, 16, 11, 10), (16, 16, 3, 3), dict(stride=2, padding=(2, 1))),
    "dilation": ((3, 16, 12, 12), (16, 16, 3, 3), dict(dilation=(2, 3), padding=2)),
    "same padding, even kernel": ((2, 16, 7, 6), (16, 16, 4, 2), dict(padding="same")),
    "groups": ((2, 32, 8, 8), (32, 16, 3, 3), dict(groups=2, padding=1)),
    "1x1": ((3, 24, 5, 5), (16, 24, 1, 1), dict()),
    "one image": ((1, 16, 6, 6), (16, 16, 3, 3), dict(padding=1)),
    "5x5, stride 3": ((2, 16, 17, 16), (20, 16, 5, 5), dict(stride=3, padding=2)),
    "RGB images, 5x5": ((3, 3, 12, 12), (16, 3, 5, 5), dict(padding=2)),
}


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note about its own copy
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@both_modes
def test_conv2d_on_onednn_matches_pytorch(case, mode):
    x_shape, w_shape, options = case
    # weight gradients sum N * OH * OW products of O(1) values: float32 rounding ~1e-5
    check_torch(conv_on_onednn(options), None, arrays=layer_inputs(x_shape, w_shape), grad_atol=1e-4)


@requires_torch
@both_modes
def test_conv1d_on_onednn_matches_pytorch(mode):
    arrays = layer_inputs((3, 16, 20), (16, 16, 5))
    check_torch(conv_on_onednn(dict(stride=2, padding=3)), None, arrays=arrays, grad_atol=1e-4)


@requires_torch
@pytest.mark.parametrize(
    "requires_grad",
    [
        [True, False, False],
        [False, True, False],
        [False, False, True],
        [False, True, True],
        [True, False, True],
    ],
    ids=["input only", "weight only", "bias only", "weight and bias", "input and bias"],
)
@both_modes
def test_onednn_computes_only_the_gradients_asked_for_and_matches_pytorch(requires_grad, mode):
    arrays = layer_inputs((3, 16, 6, 6), (16, 16, 3, 3))
    check_torch(
        conv_on_onednn(dict(padding=1)), None, arrays=arrays, requires_grad=requires_grad, grad_atol=1e-4
    )


@requires_torch
@both_modes
def test_conv_transpose2d_runs_on_onednn_and_matches_pytorch(monkeypatch, mode):
    calls = count_calls(monkeypatch, "conv_forward", "conv_grads")
    arrays = layer_inputs((2, 32, 5, 5), (32, 16, 3, 3), weight_dims=(0,))
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        None,
        arrays=arrays,
        grad_atol=1e-4,
    )
    # forward: the input gradient of a convolution; backward: that convolution and its weight gradient
    assert calls["conv_grads"] == 2 and calls["conv_forward"] == 1


@requires_torch
@pytest.mark.parametrize("enabled", [True, False], ids=["onednn", "switched off"])
def test_conv_transpose1d_with_16_channels_matches_pytorch_on_onednn_and_switched_off(monkeypatch, enabled):
    calls = count_calls(monkeypatch, "conv_grads")
    arrays = layer_inputs((3, 16, 9), (16, 32, 3), weight_dims=(0,))
    with chainrule.backends.mkldnn.flags(enabled=enabled):
        check_torch(
            lambda m, x, w, b: m.nn.functional.conv_transpose1d(
                x, w, b, stride=2, padding=1, output_padding=1
            ),
            None,
            arrays=arrays,
            grad_atol=1e-4,
        )
    # forward: the input gradient of a convolution; backward: that convolution's weight gradient
    assert calls["conv_grads"] == (2 if enabled else 0)


@requires_torch
@both_modes
def test_second_order_gradients_through_onednn_match_pytorch(mode):
    x, w, b = layer_inputs((2, 16, 6, 6), (16, 16, 3, 3))

    def second_order(m):
        xs, ws, bs = (m.tensor(a, requires_grad=True) for a in (x, w, b))
        y = m.nn.functional.conv2d(xs, ws, bs, padding=1)
        (grad_x,) = m.autograd.grad((y * y).sum(), xs, create_graph=True)
        (grad_x * grad_x).sum().backward()
        return [a.detach().numpy() for a in (grad_x, xs.grad, ws.grad, bs.grad)]

    for ours, theirs, what in zip(second_order(chainrule), second_order(torch), ["dL/dx", "x", "w", "b"]):
        scale = np.abs(theirs).max()
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5 * scale, err_msg=what)


@both_modes
def test_backward_through_a_retained_graph_twice_accumulates_twice(mode):
    x = chainrule.randn(3, 16, 6, 6, requires_grad=True)
    w = chainrule.randn(16, 16, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert y.grad_fn.on_dnnl
    (y * y).sum().backward(retain_graph=True)
    first = (x.grad.numpy().copy(), w.grad.numpy().copy())
    (y * y).sum().backward()  # forward's reordered input is used once; the second makes it again
    np.testing.assert_allclose(x.grad.numpy(), 2 * first[0], rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), 2 * first[1], rtol=1e-6)


def _conv_results(x, w, b, g, on_dnnl=True):
    xs, ws, bs = (chainrule.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(xs, ws, bs, padding=1)
    assert y.grad_fn.on_dnnl == on_dnnl
    y.backward(chainrule.tensor(g))
    return [a.numpy().copy() for a in (y.detach(), xs.grad, ws.grad, bs.grad)]


@both_modes
def test_the_same_bits_whichever_threads_run_the_slices(mode):
    x, w, b = layer_inputs((7, 16, 5, 6), (32, 16, 3, 3))
    g = np.random.default_rng(0).standard_normal((7, 32, 5, 6)).astype(np.float32)
    expected = _conv_results(x, w, b, g)
    for again, first in zip(_conv_results(x, w, b, g), expected):
        np.testing.assert_array_equal(again, first)
    # the slices on the pool's threads, not the calling thread alone as its timing may choose
    assert_same_bits_on_threads(chainrule.get_num_threads(), lambda: _conv_results(x, w, b, g), expected)


def _openmp():
    """The GNU OpenMP runtime oneDNN runs on (PyTorch's own copy when PyTorch came first)."""
    return ctypes.CDLL("libgomp.so.1")


@both_modes
def test_the_calling_threads_openmp_thread_count_is_put_back(mode):
    gomp = _openmp()
    before = gomp.omp_get_max_threads()
    gomp.omp_set_num_threads(3)
    try:
        x = chainrule.randn(4, 16, 6, 6, requires_grad=True)
        y = F.conv2d(x, chainrule.randn(16, 16, 3, 3, requires_grad=True), padding=1)
        assert y.grad_fn.on_dnnl
        y.sum().backward()
        assert gomp.omp_get_max_threads() == 3
    finally:
        gomp.omp_set_num_threads(before)


@requires_torch
@both_modes
def test_pytorchs_thread_count_is_left_as_it_was(mode):
    threads = torch.get_num_threads()
    x = chainrule.randn(4, 16, 6, 6, requires_grad=True)
    F.conv2d(x, chainrule.randn(16, 16, 3, 3), padding=1).sum().backward()
    assert torch.get_num_threads() == threads


def test_onednn_starts_no_openmp_threads():
    """Its primitives are made for one thread: one made for more would start OpenMP
    threads on every thread that runs it, and with more OpenMP threads than cores every
    OpenMP runtime user in the process (PyTorch too) stops spinning between regions."""
    x = chainrule.randn(6, 16, 7, 7, requires_grad=True)
    _threads.choose["adaptive"] = False  # start chainrule's own pool first
    try:
        _threads.run_chunks(lambda start, stop: None, 2, 1)
    finally:
        _threads.choose["adaptive"] = True
    before = len(os.listdir("/proc/self/task"))
    y = F.conv2d(x, chainrule.randn(24, 16, 3, 3, requires_grad=True), padding=1)  # a new geometry
    assert y.grad_fn.on_dnnl
    y.sum().backward()
    assert len(os.listdir("/proc/self/task")) == before


def test_switched_off_the_numpy_kernels_run_and_agree_with_onednn():
    x, w, b = layer_inputs((3, 16, 6, 6), (32, 16, 3, 3))
    g = np.random.default_rng(0).standard_normal((3, 32, 6, 6)).astype(np.float32)
    with chainrule.backends.mkldnn.flags(enabled=False):
        on_numpy = _conv_results(x, w, b, g, on_dnnl=False)
    assert chainrule.backends.mkldnn.enabled
    for ours, theirs in zip(_conv_results(x, w, b, g), on_numpy):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@requires_torch
def test_a_geometry_onednn_refuses_runs_on_the_numpy_kernels(monkeypatch):
    def refuse(*args):
        raise RuntimeError("oneDNN: a forward pass failed (dnnl_status_t 3)")

    monkeypatch.setattr(_dnnl, "_Convolution", refuse)
    monkeypatch.setattr(_dnnl, "_cache", collections.OrderedDict())
    arrays = layer_inputs((3, 16, 6, 6), (32, 16, 3, 3))

    def fn(m, x, w, b):
        y = m.nn.functional.conv2d(x, w, b, padding=1)
        assert m is torch or not y.grad_fn.on_dnnl
        return y

    check_torch(fn, None, arrays=arrays, grad_atol=1e-4)


def test_without_the_library_the_numpy_kernels_run(monkeypatch):
    monkeypatch.setitem(_dnnl._state, "loaded", False)
    assert not chainrule.backends.mkldnn.is_available()
    x = chainrule.randn(2, 16, 5, 5, requires_grad=True)
    assert not F.conv2d(x, chainrule.randn(16, 16, 3, 3), padding=1).grad_fn.on_dnnl


@pytest.mark.parametrize(
    "x_shape, w_shape, dtype",
    [
        ((2, 16, 5, 5), (16, 16, 3, 3), chainrule.float64),
        ((2, 2, 5, 5), (16, 2, 3, 3), chainrule.float32),
        ((2, 16, 5, 5), (8, 16, 3, 3), chainrule.float32),
        ((2, 32, 5, 5), (32, 1, 3, 3), chainrule.float32),
    ],
    ids=["float64", "2 input channels", "8 output channels", "depthwise"],
)
def test_float64_and_convolutions_with_few_channels_per_group_stay_on_numpy(x_shape, w_shape, dtype):
    x = chainrule.randn(x_shape, dtype=dtype, requires_grad=True)
    y = F.conv2d(x, chainrule.randn(w_shape, dtype=dtype), padding=1, groups=x_shape[1] // w_shape[1])
    assert not y.grad_fn.on_dnnl


FEW_CHANNELS = {
    "grey images, LeNet-5's first": ((3, 1, 12, 12), (6, 1, 5, 5), dict()),
    "grey images, stride 2": ((2, 1, 9, 9), (16, 1, 3, 3), dict(stride=2, padding=1)),
    "to one channel": ((2, 16, 6, 6), (1, 16, 3, 3), dict(padding=1)),
    "few channels": ((2, 3, 7, 7), (8, 3, 3, 3), dict(padding=1)),
    "depthwise": ((2, 32, 5, 5), (32, 1, 3, 3), dict(padding=1, groups=32)),
}


@requires_torch
@pytest.mark.parametrize("mode", ["teams"], indirect=True)
@pytest.mark.parametrize("case", FEW_CHANNELS.values(), ids=FEW_CHANNELS.keys())
def test_on_a_team_convolutions_with_few_channels_run_on_onednn_and_match_pytorch(mode, case):
    x_shape, w_shape, options = case
    check_torch(conv_on_onednn(options), None, arrays=layer_inputs(x_shape, w_shape), grad_atol=1e-4)


@requires_torch
@pytest.mark.parametrize("mode", ["teams"], indirect=True)
@pytest.mark.parametrize("out_channels, on_dnnl", [(3, True), (1, False)], ids=["to RGB", "to one channel"])
def test_on_a_team_transposed_convolutions_run_on_onednn_but_to_one_channel(
    mode, out_channels, on_dnnl, monkeypatch
):
    calls = count_calls(monkeypatch, "conv_grads")
    arrays = layer_inputs((2, 8, 5, 5), (8, out_channels, 4, 4), weight_dims=(0,))
    check_torch(
        lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1),
        None,
        arrays=arrays,
        grad_atol=1e-4,
    )
    # forward: the input gradient of a convolution; backward: that convolution's weight gradient
    assert calls["conv_grads"] == (2 if on_dnnl else 0)


def test_the_primitive_cache_keeps_the_most_recent_shapes_and_remakes_others(monkeypatch):
    monkeypatch.setattr(_dnnl, "_CACHE_SIZE", 2)
    monkeypatch.setattr(_dnnl, "_cache", collections.OrderedDict())
    w = chainrule.randn(16, 16, 3, 3)
    first = chainrule.randn(2, 16, 5, 5)
    expected = F.conv2d(first, w, padding=1).numpy()
    for size in (6, 7, 8):
        F.conv2d(chainrule.randn(2, 16, size, size), w, padding=1)
    assert 0 < len(_dnnl._cache) <= 2
    np.testing.assert_array_equal(F.conv2d(first, w, padding=1).numpy(), expected)


def test_describe_names_the_library_version():
    assert _dnnl.describe().startswith("oneDNN 3.")


@requires_torch
@pytest.mark.parametrize("forward_threads, backward_threads", [(2, 1), (3, 2), (1, 2)])
@both_modes
def test_a_thread_count_changed_between_forward_and_backward_keeps_the_gradients(
    forward_threads, backward_threads, mode
):
    """Forward's copies of x are cut by its thread count; backward slices the batch the same way."""
    x, w = layer_inputs((6, 16, 8, 8), (16, 16, 3, 3), bias=False)
    wt = torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(torch.tensor(x), wt, padding=1).sum().backward()
    previous = chainrule.get_num_threads()
    try:
        chainrule.set_num_threads(forward_threads)
        ws = chainrule.tensor(w, requires_grad=True)
        y = F.conv2d(chainrule.tensor(x), ws, padding=1)
        assert y.grad_fn.on_dnnl
        chainrule.set_num_threads(backward_threads)
        y.sum().backward()
    finally:
        chainrule.set_num_threads(previous)
    np.testing.assert_allclose(ws.grad.numpy(), wt.grad.numpy(), rtol=1e-4, atol=1e-4)


def _run_python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"exit code {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_primitives_evicted_from_the_cache_while_another_thread_runs_them_live_until_it_ends():
    code = """
import threading
import chainrule, chainrule.nn.functional as F
from chainrule.ops import _dnnl
_dnnl._CACHE_SIZE = 1
chainrule.set_num_threads(1)
done = False
def big():
    global done
    x, w = chainrule.randn(8, 32, 48, 48), chainrule.randn(32, 32, 3, 3)
    for _ in range(6):
        F.conv2d(x, w, padding=1)
    done = True
def small():
    i = 0
    while not done:
        i += 1
        F.conv2d(chainrule.zeros(1, 16, 3 + i % 50, 3), chainrule.zeros(16, 16, 1, 1))
threads = [threading.Thread(target=f) for f in (big, small, small)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("survived")
"""
    assert "survived" in _run_python(code)


def test_a_child_forked_while_another_thread_makes_primitives_can_convolve():
    code = """
import os, threading
import chainrule, chainrule.nn.functional as F
from chainrule.ops import _dnnl
assert _dnnl.is_available()
held, release = threading.Event(), threading.Event()
def hold():  # as a thread making primitives does, for milliseconds at a time
    with _dnnl._loading:
        held.set()
        release.wait()
t = threading.Thread(target=hold)
t.start()
held.wait()
pid = os.fork()
if pid == 0:
    y = F.conv2d(chainrule.ones(2, 16, 7, 7), chainrule.ones(16, 16, 3, 3))
    os._exit(0 if y.shape == (2, 16, 5, 5) else 1)
release.set()
t.join()
_, status = os.waitpid(pid, 0)
print("child exit", os.waitstatus_to_exitcode(status))
"""
    assert "child exit 0" in _run_python(code)


SPIN_PROBE = """
import ctypes, os
opened = ctypes.CDLL
def recording(name, *args, **kwargs):  # the variable as the OpenMP runtime reads it, loading
    if name == "libgomp.so.1":
        print("at load:", os.environ.get("GOMP_SPINCOUNT", "unset"))
    return opened(name, *args, **kwargs)
ctypes.CDLL = recording
from chainrule.ops import _dnnl
assert _dnnl.is_available()
print("after:", os.environ.get("GOMP_SPINCOUNT", "unset"))
print("teams:", _dnnl._state["teams"])
"""


@pytest.mark.parametrize(
    "users_settings, at_load",
    [({}, _dnnl._SPIN_COUNT), ({"GOMP_SPINCOUNT": "5"}, "5"), ({"OMP_WAIT_POLICY": "passive"}, "unset")],
    ids=["default", "users-spin-count", "users-wait-policy"],
)
def test_openmp_loads_with_a_short_spin_unless_the_user_chose_and_the_environment_is_left_as_it_was(
    users_settings, at_load
):
    environment = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    result = subprocess.run(
        [sys.executable, "-c", SPIN_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environment, **users_settings},
    )
    assert result.returncode == 0, result.stderr
    after = users_settings.get("GOMP_SPINCOUNT", "unset")
    teams = at_load == _dnnl._SPIN_COUNT  # convolutions on OpenMP teams only with chainrule's spin
    assert result.stdout.split("\n")[:3] == [f"at load: {at_load}", f"after: {after}", f"teams: {teams}"]


def test_the_spin_is_not_set_where_an_openmp_runtime_is_already_loaded():
    """PyTorch's, say: it read its settings as it loaded, and chainrule's would only
    reach child processes."""
    code = "import ctypes; ctypes.CDLL('libgomp.so.1')\n" + SPIN_PROBE
    printed = _run_python(code).split("\n")
    assert printed[:3] == ["at load: unset", "after: unset", "teams: False"]


def test_float32_products_on_onednn_give_the_same_bits_on_one_thread_and_on_two():
    from chainrule.ops import _blas

    if _blas.library_name() != "onednn":
        pytest.skip("products run on oneDNN by default on x86-64 processors other than Intel's")
    rng = np.random.default_rng(3)
    pairs = [
        (rng.standard_normal(a).astype(np.float32), rng.standard_normal(b).astype(np.float32))
        for a, b in [((128, 784), (784, 256)), ((64, 3136), (3136, 128)), ((1000, 50), (50, 30))]
    ]
    expected = [_blas.matrix_product(a, b) for a, b in pairs]
    for a, b, product in zip(*zip(*pairs), expected):
        np.testing.assert_allclose(product, a.astype(np.float64) @ b, rtol=1e-4, atol=2e-4)
    assert_same_bits_on_threads(1, lambda: [_blas.matrix_product(a, b) for a, b in pairs], expected)


@both_modes
def test_a_convolution_runs_whole_on_a_team_or_in_one_slice_per_thread(mode, monkeypatch):
    monkeypatch.setattr(_dnnl, "_cache", collections.OrderedDict())
    threads = chainrule.get_num_threads()
    y = F.conv2d(chainrule.randn(6, 16, 7, 7), chainrule.randn(16, 16, 3, 3, requires_grad=True), padding=1)
    y.sum().backward()
    made = {(batch, openmp_threads) for (_, batch, _, openmp_threads) in _dnnl._cache}
    chunk = -(-6 // threads)
    slices = {(min(chunk, 6 - start), 1) for start in range(0, 6, chunk)}
    assert made == ({(6, threads)} if mode == "teams" else slices)


@requires_torch
def test_products_on_onednn_leave_pytorchs_thread_count_as_it_was():
    from chainrule.ops import _blas

    if _blas.library_name() != "onednn":
        pytest.skip("products run on oneDNN by default on x86-64 processors other than Intel's")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        a = np.ones((256, 512), np.float32)
        assert _blas.matrix_product(a, a.T)[0, 0] == 512.0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


def test_a_child_forked_after_openmp_teams_ran_computes_on_one_thread():
    """GNU OpenMP keeps the parent's workers on its books: a team of two in a forked
    child (a DataLoader worker) would wait for them forever."""
    code = """
import os
import chainrule, chainrule.nn as nn, chainrule.nn.functional as F
from chainrule.ops import _blas, _dnnl
a, b = chainrule.randn(256, 512), chainrule.randn(512, 256)
x, w = chainrule.randn(8, 16, 12, 12), chainrule.randn(16, 16, 3, 3)
lstm, tokens = nn.LSTM(16, 32, batch_first=True), chainrule.randn(4, 10, 16)
def work():
    return float((a @ b).sum()), F.conv2d(x, w, padding=1).shape, lstm(tokens)[0].shape
before = work()  # products, convolutions and the LSTM on OpenMP teams
print("teams", _dnnl._state["teams"], _blas.library_name() in ("onednn", "mkl", "openblas"))
pid = os.fork()
if pid == 0:
    os._exit(0 if work() == before else 1)
_, status = os.waitpid(pid, 0)
print("child exit", os.waitstatus_to_exitcode(status))
"""
    printed = _run_python(code)
    assert "teams True True" in printed and "child exit 0" in printed
