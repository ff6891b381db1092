"""Finite-difference checks (float64) of the gradients of conv2d (input, weight, bias)
and of both pools (input), with stride, padding and rectangular kernels.

Loss = sum(probe * output) with a random probe, so every output position (and each
with a different weight) contributes to the gradient.
"""
import numpy as np
import pytest

from tinytorch.core.spatial import AvgPool2d, Conv2d, Conv2dFunction, MaxPool2d
from tinytorch.core.tensor import Tensor

F64 = np.float64

CONV_CASES = [
    # x shape,       c_out, kernel, stride, padding
    ((2, 2, 5, 5), 3, 3, 1, 0),
    ((1, 3, 6, 5), 2, 3, 2, 1),
    ((2, 2, 7, 6), 2, (2, 3), (2, 1), (1, 0)),
    ((1, 1, 5, 7), 2, (3, 1), (1, 3), (0, 2)),
]


def _t(array, grad=False):
    return Tensor(array, requires_grad=grad, dtype=F64)


@pytest.mark.parametrize("shape, c_out, kernel, stride, padding", CONV_CASES)
def test_conv2d_function_gradients(numgrad, assert_grad_close, shape, c_out, kernel, stride, padding):
    rng = np.random.default_rng(sum(shape) + c_out)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x0 = rng.standard_normal(shape)
    w0 = rng.standard_normal((c_out, shape[1], kh, kw))
    b0 = rng.standard_normal(c_out)

    def forward(x, w, b):
        return Conv2dFunction.apply(x, w, b, stride=stride, padding=padding)

    out_shape = forward(_t(x0), _t(w0), _t(b0)).shape
    probe = rng.standard_normal(out_shape)

    x, w, b = _t(x0, True), _t(w0, True), _t(b0, True)
    out = forward(x, w, b)
    assert out.dtype == F64, "float64 inputs must give a float64 output (else the check is not precise)"
    (out * _t(probe)).sum().backward()

    def loss(xa, wa, ba):
        return float((forward(_t(xa), _t(wa), _t(ba)).data * probe).sum())

    assert_grad_close(x.grad, numgrad(lambda a: loss(a, w0, b0), x0), what="grad input")
    assert_grad_close(w.grad, numgrad(lambda a: loss(x0, a, b0), w0), what="grad weight")
    assert_grad_close(b.grad, numgrad(lambda a: loss(x0, w0, a), b0), what="grad bias")
    # d loss / d bias[c] is the sum of the probe over channel c (exact)
    np.testing.assert_allclose(b.grad, probe.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_conv2d_layer_with_float64_parameters(numgrad, assert_grad_close):
    rng = np.random.default_rng(7)
    layer = Conv2d(2, 3, (3, 2), stride=(1, 2), padding=(1, 1))
    # the contract's weight shape, not read back from Conv2d.__init__ (whose own tests check it)
    layer.weight = Tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True, dtype=F64)
    layer.bias = Tensor(rng.standard_normal(3), requires_grad=True, dtype=F64)
    assert layer.parameters()[0] is layer.weight and layer.parameters()[1] is layer.bias
    x0 = rng.standard_normal((2, 2, 5, 6))
    probe = rng.standard_normal(layer(_t(x0)).shape)
    x = _t(x0, True)
    (layer(x) * _t(probe)).sum().backward()
    w0 = layer.weight.data.copy()

    def loss_w(a):
        saved = layer.weight
        layer.weight = _t(a)
        try:
            return float((layer(_t(x0)).data * probe).sum())
        finally:
            layer.weight = saved

    assert_grad_close(x.grad, numgrad(lambda a: float((layer(_t(a)).data * probe).sum()), x0), what="grad input")
    assert_grad_close(layer.weight.grad, numgrad(loss_w, w0), what="grad weight")
    np.testing.assert_allclose(layer.bias.grad, probe.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_conv2d_without_bias(numgrad, assert_grad_close):
    rng = np.random.default_rng(8)
    x0, w0 = rng.standard_normal((1, 2, 4, 5)), rng.standard_normal((2, 2, 2, 2))
    x, w = _t(x0, True), _t(w0, True)
    out = Conv2dFunction.apply(x, w, None, stride=(1, 2), padding=1)
    probe = rng.standard_normal(out.shape)
    (out * _t(probe)).sum().backward()

    def loss(xa, wa):
        return float((Conv2dFunction.apply(_t(xa), _t(wa), None, stride=(1, 2), padding=1).data * probe).sum())

    assert_grad_close(x.grad, numgrad(lambda a: loss(a, w0), x0), what="grad input")
    assert_grad_close(w.grad, numgrad(lambda a: loss(x0, a), w0), what="grad weight")


POOL_CASES = [
    # x shape,       kernel,  stride, padding
    ((2, 2, 4, 4), 2, None, 0),
    ((1, 2, 5, 5), 3, 2, 1),           # overlapping windows with padding
    ((1, 1, 5, 6), 2, 1, 1),           # heavily overlapping
    ((2, 1, 6, 7), (2, 3), (1, 2), (1, 1)),
    ((1, 2, 7, 5), (3, 2), (2, 1), (0, 1)),
]


@pytest.mark.parametrize("cls", [MaxPool2d, AvgPool2d])
@pytest.mark.parametrize("shape, kernel, stride, padding", POOL_CASES)
def test_pool_input_gradients(numgrad, assert_grad_close, cls, shape, kernel, stride, padding):
    rng = np.random.default_rng(sum(shape))
    # random floats: no ties, so max pooling is differentiable at x0 (gaps >> eps)
    x0 = rng.standard_normal(shape)
    layer = cls(kernel, stride=stride, padding=padding)
    probe = rng.standard_normal(layer(_t(x0)).shape)
    x = _t(x0, True)
    out = layer(x)
    assert out.dtype == F64
    (out * _t(probe)).sum().backward()
    assert_grad_close(x.grad, numgrad(lambda a: float((layer(_t(a)).data * probe).sum()), x0),
                      what=f"{cls.__name__} grad input")


def test_maxpool_gradient_only_reaches_window_maxima():
    # 2x2 windows of [[1, 9], [3, 4]] etc.: each window's gradient goes to its maximum only.
    #   1 9 2 0          0 g00 0 0
    #   3 4 8 5    ->    0 0 g01 0
    #   7 0 6 1          g10 0 g11 0
    #   2 5 3 4          0 0 0 0
    x = _t(np.array([[[[1, 9, 2, 0], [3, 4, 8, 5], [7, 0, 6, 1], [2, 5, 3, 4]]]], dtype=F64), True)
    probe = np.array([[[[10, 20], [30, 40]]]], dtype=F64)
    (MaxPool2d(2)(x) * _t(probe)).sum().backward()
    np.testing.assert_array_equal(x.grad, [[[[0, 10, 0, 0], [0, 0, 20, 0], [30, 0, 40, 0], [0, 0, 0, 0]]]])


def test_avgpool_gradient_spreads_evenly_padding_included():
    # 3x3 input, 2x2 windows, stride 2, padding 1: each window sends grad/4 to each of its 4 cells;
    # cells in the padding are cut away (not renormalised).
    # windows (with probe): (0,0) covers x(0,0) [g=4]; (0,1) covers x(0,1), x(0,2) [g=8];
    # (1,0) covers x(1,0), x(2,0) [g=12]; (1,1) covers x(1..2, 1..2) [g=16] -> /4: 1, 2, 3, 4
    x = _t(np.zeros((1, 1, 3, 3)), True)
    probe = np.array([[[[4, 8], [12, 16]]]], dtype=F64)
    (AvgPool2d(2, padding=1)(x) * _t(probe)).sum().backward()
    np.testing.assert_array_equal(x.grad, [[[[1, 2, 2], [3, 4, 4], [3, 4, 4]]]])
