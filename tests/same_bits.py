"""The check that chainrule's pool (chainrule/ops/_threads.py) changes no bit of a result."""

import numpy as np

import chainrule
from chainrule.ops import _threads


def assert_same_bits_on_threads(threads, run, expected):
    """``run()`` with chainrule on ``threads`` threads returns exactly the arrays ``expected``;
    every sliced pass takes the pool (not the calling thread alone, as the pool's own
    timing may choose)."""
    previous = chainrule.get_num_threads()
    chainrule.set_num_threads(threads)
    _threads.choose["adaptive"] = False
    try:
        results = run()
    finally:
        _threads.choose["adaptive"] = True
        chainrule.set_num_threads(previous)
    assert len(results) == len(expected)
    for ours, theirs in zip(results, expected):
        np.testing.assert_array_equal(ours, theirs)
