"""The check that chainrule's pool (chainrule/ops/_threads.py) changes no bit of a result."""

import numpy as np

import chainrule


def assert_same_bits_on_threads(threads, run, expected):
    """``run()`` with chainrule on ``threads`` threads returns exactly the arrays ``expected``."""
    previous = chainrule.get_num_threads()
    chainrule.set_num_threads(threads)
    try:
        results = run()
    finally:
        chainrule.set_num_threads(previous)
    assert len(results) == len(expected)
    for ours, theirs in zip(results, expected):
        np.testing.assert_array_equal(ours, theirs)
