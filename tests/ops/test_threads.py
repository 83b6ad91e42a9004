"""chainrule's pool (chainrule/ops/_threads.py): each call site runs on the pool or
on the calling thread alone, whichever its own calls have measured faster."""

import pytest

import chainrule
from chainrule.ops import _threads


@pytest.fixture
def two_threads(monkeypatch):
    previous = chainrule.get_num_threads()
    chainrule.set_num_threads(2)
    monkeypatch.setattr(_threads, "blas_threads", lambda: 1)
    monkeypatch.setattr(_threads, "_timings", {})
    yield
    chainrule.set_num_threads(previous)


def _run_with_costs(monkeypatch, pool_cost, alone_cost, calls):
    """Run one call site ``calls`` times on a fake clock where a call costs ``pool_cost``
    on the pool and ``alone_cost`` alone; returns the ways it ran ('pool' or 'alone')."""
    now = [0.0]
    ways = []
    on_pool = _threads._on_pool

    def pool_spy(task, bounds, workers):
        ways.append("pool")
        now[0] += pool_cost
        return on_pool(lambda start, stop: stop - start, bounds, workers)

    def task(start, stop):  # run here only when the call runs alone: 4 slices
        now[0] += alone_cost / 4
        return stop - start

    monkeypatch.setattr(_threads, "_clock", lambda: now[0])
    monkeypatch.setattr(_threads, "_on_pool", pool_spy)
    for _ in range(calls):
        before = len(ways)
        assert _threads.run_chunks(task, 8, 2) == [2, 2, 2, 2]  # the same result either way
        if len(ways) == before:
            ways.append("alone")
    return ways


def test_a_site_where_the_pool_is_slower_runs_alone_and_retries_the_pool_now_and_then(
    two_threads, monkeypatch
):
    ways = _run_with_costs(monkeypatch, pool_cost=3.0, alone_cost=1.0, calls=40)
    assert ways[:4] == ["pool", "alone", "pool", "alone"]  # the trials
    assert [k for k, way in enumerate(ways) if way == "pool" and k >= 4] == [16, 32]


def test_a_site_where_the_pool_is_faster_keeps_the_pool(two_threads, monkeypatch):
    ways = _run_with_costs(monkeypatch, pool_cost=1.0, alone_cost=3.0, calls=40)
    assert [k for k, way in enumerate(ways) if way == "alone" and k >= 4] == [16, 32]


def test_the_choice_follows_a_machine_that_changes(two_threads, monkeypatch):
    _run_with_costs(monkeypatch, pool_cost=3.0, alone_cost=1.0, calls=20)
    ways = _run_with_costs(monkeypatch, pool_cost=0.2, alone_cost=1.0, calls=60)  # the pool became fast
    assert ways[-10:] == ["pool"] * 10


def test_without_the_choice_every_call_uses_the_pool(two_threads, monkeypatch):
    monkeypatch.setitem(_threads.choose, "adaptive", False)
    ways = _run_with_costs(monkeypatch, pool_cost=3.0, alone_cost=1.0, calls=10)
    assert ways == ["pool"] * 10
