"""The backward loops (conv2d_backward_loops, maxpool2d_backward_loops, avgpool2d_backward_loops)
against the numpy oracles' backward (oracles.py), against float64 central differences of the
oracles' forward, and against hand values. Tiny, non-square shapes: explicit loops are slow, and
square shapes hide swapped axes.

Expected values never come from the student's forward loops: with a wrong conv2d_loops, these
tests still pass a right conv2d_backward_loops (test_blame.py checks that).
Loss = sum(probe * forward(...)) with a random float64 probe, so grad_out = probe.
"""
import numpy as np
import oracles
import pytest

from tinytorch.core.spatial import (avgpool2d_backward_loops, conv2d_backward_loops, maxpool2d_backward_loops,
                                    maxpool2d_loops)

F64 = np.float64
EXACT = dict(rtol=1e-12, atol=1e-12)     # float64 against float64: rounding only

CONV_CASES = [
    # x shape,       c_out, kernel,  stride,  padding
    ((2, 2, 4, 5), 3, (2, 3), 1, 0),
    ((1, 2, 5, 4), 2, (3, 2), (2, 1), (1, 0)),
    ((2, 1, 4, 6), 2, (1, 3), (1, 2), (0, 1)),
    ((1, 3, 3, 5), 2, 2, (1, 3), (2, 1)),        # padding wider than half the kernel: only zeros at the rim
]


def _conv_case(shape, c_out, kernel, stride, padding):
    """x, weight, bias and a probe shaped like the output (the oracle's output size)."""
    rng = np.random.default_rng(sum(shape) * 10 + c_out)
    kh, kw = oracles.pair(kernel)
    x, w, b = rng.standard_normal(shape), rng.standard_normal((c_out, shape[1], kh, kw)), rng.standard_normal(c_out)
    (sh, sw), (ph, pw) = oracles.pair(stride), oracles.pair(padding)
    out_hw = (oracles.output_size(shape[2], kh, sh, ph), oracles.output_size(shape[3], kw, sw, pw))
    return x, w, b, rng.standard_normal((shape[0], c_out, *out_hw))


@pytest.mark.parametrize("shape, c_out, kernel, stride, padding", CONV_CASES)
def test_conv2d_backward_loops_matches_finite_differences(numgrad, assert_grad_close,
                                                          shape, c_out, kernel, stride, padding):
    x0, w0, b0, probe = _conv_case(shape, c_out, kernel, stride, padding)
    grad_x, grad_w, grad_b = conv2d_backward_loops(probe, x0, w0, stride, padding)

    def loss(x, w, b):       # the oracle's forward: a slip in conv2d_loops cannot move these numbers
        return float((oracles.conv2d(x, w, b, stride, padding) * probe).sum())

    assert_grad_close(grad_x, numgrad(lambda a: loss(a, w0, b0), x0), what="conv2d_backward_loops grad_x")
    assert_grad_close(grad_w, numgrad(lambda a: loss(x0, a, b0), w0), what="conv2d_backward_loops grad_w")
    assert_grad_close(grad_b, numgrad(lambda a: loss(x0, w0, a), b0), what="conv2d_backward_loops grad_b")
    # d loss / d bias[c] is the probe summed over images and positions of channel c
    np.testing.assert_allclose(grad_b, probe.sum(axis=(0, 2, 3)), rtol=1e-12,
                               err_msg="conv2d_backward_loops grad_b: expected grad_out summed over (N, H_out, W_out)")


@pytest.mark.parametrize("shape, c_out, kernel, stride, padding", CONV_CASES)
def test_conv2d_backward_loops_matches_the_oracle_backward(shape, c_out, kernel, stride, padding):
    x0, w0, _, probe = _conv_case(shape, c_out, kernel, stride, padding)
    loops = conv2d_backward_loops(probe, x0, w0, stride, padding)
    assert isinstance(loops, tuple) and len(loops) == 3, "conv2d_backward_loops returns (grad_x, grad_w, grad_b)"
    for what, got, expected in zip(("grad_x", "grad_w", "grad_b"), loops,
                                   oracles.conv2d_backward(probe, x0, w0, stride, padding)):
        what = f"conv2d_backward_loops {what} (x {shape}, kernel {kernel}, stride {stride}, padding {padding})"
        assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
        assert got.dtype == F64, f"{what}: dtype {got.dtype}, expected float64"
        np.testing.assert_allclose(got, expected, **EXACT, err_msg=f"{what} against the numpy oracle")


def test_conv2d_backward_loops_by_hand():
    # x = 1..9 (3x3), one 2x2 kernel w = [[1, 2], [3, 4]], grad_out = [[1, 0], [0, 2]].
    # grad_x: window (0,0) adds 1*w at x[0:2, 0:2]; window (1,1) adds 2*w at x[1:3, 1:3]
    #   [[1, 2, 0], [3, 4+2, 4], [0, 6, 8]]
    # grad_w[a, b] = sum_ij g[i, j] x[i+a, j+b] = 1 * x[a, b] + 2 * x[1+a, 1+b]
    #   [[1 + 2*5, 2 + 2*6], [4 + 2*8, 5 + 2*9]] = [[11, 14], [20, 23]]
    # grad_b = 1 + 2 = 3
    x = np.arange(1, 10, dtype=F64).reshape(1, 1, 3, 3)
    w = np.array([[[[1, 2], [3, 4]]]], dtype=F64)
    grad_x, grad_w, grad_b = conv2d_backward_loops(np.array([[[[1, 0], [0, 2]]]], dtype=F64), x, w)
    np.testing.assert_array_equal(grad_x, [[[[1, 2, 0], [3, 6, 4], [0, 6, 8]]]])
    np.testing.assert_array_equal(grad_w, [[[[11, 14], [20, 23]]]])
    np.testing.assert_array_equal(grad_b, [3])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_backward_loops_keeps_the_dtype(dtype):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 2, 3, 4)).astype(dtype), rng.standard_normal((2, 2, 2, 2)).astype(dtype)
    grads = conv2d_backward_loops(rng.standard_normal((1, 2, 2, 3)).astype(dtype), x, w)
    assert [g.dtype for g in grads] == [dtype] * 3


POOL_CASES = [
    # x shape,       kernel,  stride,  padding
    ((2, 2, 4, 5), 2, None, 0),
    ((1, 2, 5, 4), (3, 2), (2, 1), (1, 1)),
    ((2, 1, 4, 6), (2, 3), 1, (1, 0)),          # heavily overlapping windows
]
# name -> (the student's backward loops, the oracle's forward and backward)
POOLS = {
    "maxpool2d": (maxpool2d_backward_loops, oracles.max_pool2d, oracles.max_pool2d_backward),
    "avgpool2d": (avgpool2d_backward_loops, oracles.avg_pool2d, oracles.avg_pool2d_backward),
}


@pytest.mark.parametrize("name", list(POOLS))
@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_pool_backward_loops_match_finite_differences(numgrad, assert_grad_close, name, shape, kernel, stride, padding):
    backward, forward, _ = POOLS[name]
    rng = np.random.default_rng(sum(shape))
    x0 = rng.standard_normal(shape)           # no ties: max pooling is differentiable at x0
    probe = rng.standard_normal(forward(x0, kernel, stride, padding).shape)
    grad_x = backward(probe, x0, kernel, stride, padding)
    numeric = numgrad(lambda a: float((forward(a, kernel, stride, padding) * probe).sum()), x0)
    assert_grad_close(grad_x, numeric, what=f"{name}_backward_loops grad_x")


@pytest.mark.parametrize("name", list(POOLS))
@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_pool_backward_loops_match_the_oracle_backward(name, shape, kernel, stride, padding):
    backward, forward, oracle_backward = POOLS[name]
    rng = np.random.default_rng(sum(shape) + 1)
    x0 = rng.standard_normal(shape)
    probe = rng.standard_normal(forward(x0, kernel, stride, padding).shape)
    got = backward(probe, x0, kernel, stride, padding)
    what = f"{name}_backward_loops (x {shape}, kernel {kernel}, stride {stride}, padding {padding})"
    assert got.shape == x0.shape and got.dtype == F64, f"{what}: {got.shape} {got.dtype}, expected {x0.shape} float64"
    np.testing.assert_allclose(got, oracle_backward(probe, x0, kernel, stride, padding), **EXACT,
                               err_msg=f"{what} against the numpy oracle")


def test_maxpool2d_backward_loops_ties_go_to_the_first_maximum_in_row_major_order():
    # 3x4 map, 2x2 windows, stride 1 (2x3 windows, grad_out 1..6 row-major):
    #   5 5 0 7          window (0,0) {5,5,5,1}: first 5 at (0,0) gets 1
    #   5 1 7 0          window (0,1) {5,0,1,7}: 7 at (1,2) gets 2
    #   2 2 2 2          window (0,2) {0,7,7,0}: tie, the first in row-major is (0,3): gets 3
    #                    window (1,0) {5,1,2,2}: (1,0) gets 4
    #                    window (1,1) {1,7,2,2}: (1,2) gets 5
    #                    window (1,2) {7,0,2,2}: (1,2) gets 6 -> (1,2) holds 2 + 5 + 6 = 13
    x = np.array([[[[5, 5, 0, 7], [5, 1, 7, 0], [2, 2, 2, 2]]]], dtype=F64)
    grad_out = np.arange(1, 7, dtype=F64).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(maxpool2d_backward_loops(grad_out, x, 2, stride=1),
                                  [[[[1, 0, 0, 3], [4, 0, 13, 0], [0, 0, 0, 0]]]])


def test_maxpool2d_backward_loops_padding_never_takes_the_gradient():
    # all-negative 2x3 map, 2x2 windows, stride 2, padding 1: windows over the -inf rim.
    #   -1 -2 -3    windows (rows, cols): (-1..0, -1..0) {-1} -> (0,0); (-1..0, 1..2) {-2,-3} -> (0,1)
    #   -4 -5 -6                          (1..2, -1..0) {-4} -> (1,0);  (1..2, 1..2) {-5,-6} -> (1,1)
    x = -np.arange(1, 7, dtype=F64).reshape(1, 1, 2, 3)
    grad_out = np.array([[[[1, 2], [3, 4]]]], dtype=F64)
    np.testing.assert_array_equal(maxpool2d_backward_loops(grad_out, x, 2, padding=1),
                                  [[[[1, 2, 0], [3, 4, 0]]]])


def test_maxpool2d_loops_forward_and_backward_below_any_finite_start():
    """Values of order -1e300: a running maximum started at -1e9 (or any finite number above them) instead of -inf
    returns that number and sends the gradient to no winner (round 28's hunt: no graded input went below -3)."""
    x = -1e300 * (1 + np.random.default_rng(28).permutation(30).reshape(1, 2, 3, 5))
    expected = oracles.max_pool2d(x, 2, 2, 1)
    grad_out = np.random.default_rng(29).standard_normal(expected.shape)
    np.testing.assert_array_equal(maxpool2d_loops(x, 2, stride=2, padding=1), expected)
    np.testing.assert_allclose(maxpool2d_backward_loops(grad_out, x, 2, stride=2, padding=1),
                               oracles.max_pool2d_backward(grad_out, x, 2, 2, 1), **EXACT)


def test_avgpool2d_backward_loops_by_hand():
    # 2x3 map, 2x2 windows, stride 1, padding (0, 1): 1x4 windows over columns -1..0, 0..1, 1..2, 2..3;
    # each sends grad/4 to each of its 4 cells (the padded ones are dropped, not renormalised).
    # grad_out [4, 8, 12, 16] -> shares 1, 2, 3, 4; column 0 gets 1 + 2, column 1 gets 2 + 3,
    # column 2 gets 3 + 4, on both rows.
    x = np.zeros((1, 1, 2, 3))
    grad_out = np.array([[[[4, 8, 12, 16]]]], dtype=F64)
    np.testing.assert_array_equal(avgpool2d_backward_loops(grad_out, x, 2, stride=1, padding=(0, 1)),
                                  [[[[3, 5, 7], [3, 5, 7]]]])


@pytest.mark.parametrize("name", list(POOLS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pool_backward_loops_keep_the_dtype(name, dtype):
    backward = POOLS[name][0]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 4, 3)).astype(dtype)
    assert backward(rng.standard_normal((1, 2, 2, 1)).astype(dtype), x, 2).dtype == dtype
