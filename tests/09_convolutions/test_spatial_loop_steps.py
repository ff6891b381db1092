"""count_loop_steps, the given helper the graded checks use to tell loops from vectorized
code: it counts the lines run in the function's own frames (nested code included), returns the
function's result unchanged, and puts back whatever tracer was there before, even on an error.
The module's six loop functions run at least one line per output position."""
import sys

import numpy as np
import pytest

from tinytorch.core.spatial import (avgpool2d_backward_loops, avgpool2d_loops, conv2d_backward_loops, conv2d_loops,
                                    conv2d_vectorized, count_loop_steps, maxpool2d_backward_loops, maxpool2d_loops,
                                    maxpool2d_vectorized)

RNG = np.random.default_rng(9)
X = RNG.standard_normal((2, 2, 7, 8))          # 2 images, 2 channels
W = RNG.standard_normal((3, 2, 2, 3))          # conv output (2, 3, 6, 6): 72 positions
G_CONV = RNG.standard_normal((2, 3, 6, 6))
G_POOL = RNG.standard_normal((2, 2, 6, 7))     # 2x2 windows, stride 1: (2, 2, 6, 7), 168 positions

LOOPS = [
    ("conv2d_loops", conv2d_loops, (X, W), 2 * 3 * 6 * 6),
    ("conv2d_backward_loops", conv2d_backward_loops, (G_CONV, X, W), 2 * 3 * 6 * 6),
    ("maxpool2d_loops", maxpool2d_loops, (X, 2, 1), 2 * 2 * 6 * 7),
    ("maxpool2d_backward_loops", maxpool2d_backward_loops, (G_POOL, X, 2, 1), 2 * 2 * 6 * 7),
    ("avgpool2d_loops", avgpool2d_loops, (X, 2, 1), 2 * 2 * 6 * 7),
    ("avgpool2d_backward_loops", avgpool2d_backward_loops, (G_POOL, X, 2, 1), 2 * 2 * 6 * 7),
]


@pytest.mark.parametrize("name, fn, args, positions", LOOPS, ids=[case[0] for case in LOOPS])
def test_the_loop_functions_loop_over_output_positions(name, fn, args, positions):
    result, steps = count_loop_steps(fn, *args)
    assert steps >= positions, f"{name} ran {steps} lines for {positions} output positions"
    direct = fn(*args)
    for got, expected in zip(result if isinstance(result, tuple) else (result,),
                             direct if isinstance(direct, tuple) else (direct,)):
        np.testing.assert_array_equal(got, expected)


def test_vectorized_functions_run_a_handful_of_lines():
    # the same shapes as the loops above: a few lines, whatever the number of positions
    assert count_loop_steps(conv2d_vectorized, X, W)[1] < 20
    assert count_loop_steps(maxpool2d_vectorized, X, 2, stride=1)[1] < 20


def _with_a_helper(n):
    def step(i):
        return i * i
    return [step(i) for i in range(n)]


def test_lines_of_nested_functions_count():
    # 25 calls of the inner function run at least 25 lines in its frames
    result, steps = count_loop_steps(_with_a_helper, 25)
    assert result == [i * i for i in range(25)]
    assert steps >= 25 + 25


def test_the_previous_tracer_is_restored_even_on_an_error():
    seen = []

    def tracer(frame, event, arg):
        seen.append(event)
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        count_loop_steps(_with_a_helper, 3)
        assert sys.gettrace() is tracer, "count_loop_steps did not put the previous tracer back"
        with pytest.raises(ValueError, match="conv2d_loops"):
            count_loop_steps(conv2d_loops, X[0], W)         # no batch axis
        assert sys.gettrace() is tracer, "count_loop_steps did not put the previous tracer back after an error"
    finally:
        sys.settrace(previous)


def test_only_python_functions():
    with pytest.raises(TypeError, match="count_loop_steps needs a Python function"):
        count_loop_steps(np.sum, X)
