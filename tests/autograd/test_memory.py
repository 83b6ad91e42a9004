"""Memory: backward frees what it used, a training loop does not grow, and a
graph dies by reference counting alone (no reference cycles)."""

import gc
import tracemalloc
import weakref

import pytest

import chainrule


@pytest.fixture
def without_garbage_collector():
    """Only reference counting frees objects while the test runs."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def mlp_training_step(params, x, target):
    """One step of a small MLP built from tensor ops, with an SGD update."""
    w1, b1, w2, b2 = params
    hidden = (x @ w1 + b1).relu()
    loss = ((hidden @ w2 + b2 - target) ** 2).mean()
    loss.backward()
    with chainrule.no_grad():
        for p in params:
            p -= 0.01 * p.grad
            p.grad = None


def test_memory_does_not_grow_over_1000_training_steps():
    chainrule.manual_seed(0)
    params = [
        chainrule.randn(8, 16, requires_grad=True),
        chainrule.zeros(16, requires_grad=True),
        chainrule.randn(16, 1, requires_grad=True),
        chainrule.zeros(1, requires_grad=True),
    ]
    x, target = chainrule.randn(32, 8), chainrule.randn(32, 1)
    tracemalloc.start()
    try:
        for step in range(1, 1001):
            mlp_training_step(params, x, target)
            if step == 100:
                after_100 = tracemalloc.get_traced_memory()[0]
        after_1000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # 900 more steps may leave a few small Python objects behind (caches), never
    # a graph or an activation: one step's graph is about 10 kB.
    assert after_1000 - after_100 < 4096


def graph_of_ops():
    w = chainrule.randn(3, 3, requires_grad=True)
    hidden = (chainrule.randn(4, 3) @ w).tanh()
    return w, (hidden * hidden).mean()


@pytest.mark.usefixtures("without_garbage_collector")
def test_deleting_the_loss_frees_its_graph_before_backward():
    _, loss = graph_of_ops()
    node = weakref.ref(loss.grad_fn)
    inner = weakref.ref(loss.grad_fn.next_functions[0][0])
    del loss
    assert node() is None and inner() is None


@pytest.mark.usefixtures("without_garbage_collector")
def test_deleting_the_loss_frees_its_graph_after_backward():
    w, loss = graph_of_ops()
    node = weakref.ref(loss.grad_fn)
    loss.backward()
    del loss
    assert node() is None
    assert w.grad is not None


@pytest.mark.usefixtures("without_garbage_collector")
def test_a_create_graph_graph_is_freed_with_its_result():
    w, loss = graph_of_ops()
    (g,) = chainrule.autograd.grad(loss, w, create_graph=True)
    first_order = weakref.ref(loss.grad_fn)
    second_order = weakref.ref(g.grad_fn)
    del loss, g
    assert first_order() is None and second_order() is None


@pytest.mark.usefixtures("without_garbage_collector")
def test_a_custom_function_saving_its_input_and_output_leaves_no_cycle():
    class Square(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * x
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, grad):
            x, _ = ctx.saved_tensors
            return 2 * x * grad

    x = chainrule.randn(3, requires_grad=True)
    y = Square.apply(x * 2)
    node = weakref.ref(y.grad_fn)
    del y
    assert node() is None


@pytest.mark.usefixtures("without_garbage_collector")
def test_retain_grad_and_hooks_keep_no_graph_alive():
    x = chainrule.randn(3, requires_grad=True)
    y = x.exp()
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    loss = y.sum()
    node = weakref.ref(y.grad_fn)
    loss.backward()
    del y, loss
    assert node() is None


def memory_held_after_backward(retain_graph):
    """Bytes a graph over 100,000 floats still holds after backward (besides x.grad)."""
    x = chainrule.randn(100_000, requires_grad=True)
    tracemalloc.start()
    try:
        hidden = x.exp()
        loss = (hidden * hidden).sum()
        del hidden
        loss.backward(retain_graph=retain_graph)
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_backward_releases_saved_arrays_unless_retain_graph():
    # the retained graph keeps exp(x) (400 kB), saved by both Exp and Mul
    assert memory_held_after_backward(retain_graph=False) < memory_held_after_backward(True) - 300_000


def test_a_custom_function_releases_its_saved_input_after_backward():
    class Square(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    leaf = chainrule.randn(3, requires_grad=True)
    hidden = leaf * 2
    saved_input = weakref.ref(hidden)
    loss = Square.apply(hidden).sum()
    del hidden
    loss.backward()
    assert saved_input() is None and loss.grad_fn is not None
