"""The backward loops (conv2d_backward_loops, maxpool2d_backward_loops, avgpool2d_backward_loops)
against float64 central differences of the forward loops, against the vectorized backward
(through the layers' autograd), and against hand values. Tiny, non-square shapes: explicit
loops are slow, and square shapes hide swapped axes.

Loss = sum(probe * forward(...)) with a random float64 probe, so grad_out = probe.
"""
import numpy as np
import pytest

from tinytorch.core.spatial import (AvgPool2d, Conv2dFunction, MaxPool2d, avgpool2d_backward_loops,
                                    avgpool2d_loops, conv2d_backward_loops, conv2d_loops,
                                    maxpool2d_backward_loops, maxpool2d_loops)
from tinytorch.core.tensor import Tensor

F64 = np.float64

CONV_CASES = [
    # x shape,       c_out, kernel,  stride,  padding
    ((2, 2, 4, 5), 3, (2, 3), 1, 0),
    ((1, 2, 5, 4), 2, (3, 2), (2, 1), (1, 0)),
    ((2, 1, 4, 6), 2, (1, 3), (1, 2), (0, 1)),
    ((1, 3, 3, 5), 2, 2, (1, 3), (2, 1)),        # padding wider than half the kernel: only zeros at the rim
]


def _conv_case(shape, c_out, kernel):
    rng = np.random.default_rng(sum(shape) * 10 + c_out)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return rng, rng.standard_normal(shape), rng.standard_normal((c_out, shape[1], kh, kw)), rng.standard_normal(c_out)


@pytest.mark.parametrize("shape, c_out, kernel, stride, padding", CONV_CASES)
def test_conv2d_backward_loops_matches_finite_differences(numgrad, assert_grad_close,
                                                          shape, c_out, kernel, stride, padding):
    rng, x0, w0, b0 = _conv_case(shape, c_out, kernel)
    probe = rng.standard_normal(conv2d_loops(x0, w0, b0, stride, padding).shape)
    grad_x, grad_w, grad_b = conv2d_backward_loops(probe, x0, w0, stride, padding)

    def loss(x, w, b):
        return float((conv2d_loops(x, w, b, stride, padding) * probe).sum())

    assert_grad_close(grad_x, numgrad(lambda a: loss(a, w0, b0), x0), what="conv2d_backward_loops grad_x")
    assert_grad_close(grad_w, numgrad(lambda a: loss(x0, a, b0), w0), what="conv2d_backward_loops grad_w")
    assert_grad_close(grad_b, numgrad(lambda a: loss(x0, w0, a), b0), what="conv2d_backward_loops grad_b")
    # d loss / d bias[c] is the probe summed over images and positions of channel c
    np.testing.assert_allclose(grad_b, probe.sum(axis=(0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("shape, c_out, kernel, stride, padding", CONV_CASES)
def test_conv2d_backward_loops_matches_the_vectorized_backward(shape, c_out, kernel, stride, padding):
    rng, x0, w0, b0 = _conv_case(shape, c_out, kernel)
    x, w, b = (Tensor(a, requires_grad=True, dtype=F64) for a in (x0, w0, b0))
    out = Conv2dFunction.apply(x, w, b, stride=stride, padding=padding)       # the im2col path
    probe = rng.standard_normal(out.shape)
    (out * Tensor(probe, dtype=F64)).sum().backward()
    loops = conv2d_backward_loops(probe, x0, w0, stride, padding)
    assert isinstance(loops, tuple) and len(loops) == 3, "conv2d_backward_loops returns (grad_x, grad_w, grad_b)"
    for what, got, fast in zip(("grad_x", "grad_w", "grad_b"), loops, (x.grad, w.grad, b.grad)):
        assert got.shape == fast.shape, f"{what}: shape {got.shape}, expected {fast.shape}"
        assert got.dtype == F64, f"{what}: dtype {got.dtype}, expected float64"
        np.testing.assert_allclose(got, fast, rtol=1e-12, atol=1e-12, err_msg=what)


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
POOLS = {
    "maxpool2d": (maxpool2d_loops, maxpool2d_backward_loops, MaxPool2d),
    "avgpool2d": (avgpool2d_loops, avgpool2d_backward_loops, AvgPool2d),
}


@pytest.mark.parametrize("name", list(POOLS))
@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_pool_backward_loops_match_finite_differences(numgrad, assert_grad_close, name, shape, kernel, stride, padding):
    forward, backward, _ = POOLS[name]
    rng = np.random.default_rng(sum(shape))
    x0 = rng.standard_normal(shape)           # no ties: max pooling is differentiable at x0
    probe = rng.standard_normal(forward(x0, kernel, stride, padding).shape)
    grad_x = backward(probe, x0, kernel, stride, padding)
    numeric = numgrad(lambda a: float((forward(a, kernel, stride, padding) * probe).sum()), x0)
    assert_grad_close(grad_x, numeric, what=f"{name}_backward_loops grad_x")


@pytest.mark.parametrize("name", list(POOLS))
@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_pool_backward_loops_match_the_vectorized_backward(name, shape, kernel, stride, padding):
    _, backward, layer_cls = POOLS[name]
    rng = np.random.default_rng(sum(shape) + 1)
    x0 = rng.standard_normal(shape)
    x = Tensor(x0, requires_grad=True, dtype=F64)
    out = layer_cls(kernel, stride=stride, padding=padding)(x)               # use_loops=False: vectorized
    probe = rng.standard_normal(out.shape)
    (out * Tensor(probe, dtype=F64)).sum().backward()
    got = backward(probe, x0, kernel, stride, padding)
    assert got.shape == x0.shape and got.dtype == F64, f"{got.shape} {got.dtype}"
    np.testing.assert_allclose(got, x.grad, rtol=1e-12, atol=1e-12)


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
    _, backward, _ = POOLS[name]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 4, 3)).astype(dtype)
    assert backward(rng.standard_normal((1, 2, 2, 1)).astype(dtype), x, 2).dtype == dtype
