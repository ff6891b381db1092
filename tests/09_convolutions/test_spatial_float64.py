"""float64 in, float64 out, with no float32 step anywhere: forward (loops, vectorized, layers)
and the raw arrays every backward returns.

Why the raw arrays: autograd casts each gradient back to its input's dtype before storing it in
.grad, so a backward that builds a float32 buffer still leaves a float64 .grad behind. The
finite-difference checks (test_spatial_gradcheck.py, test_spatial_backward_loops.py) catch the
lost digits; the checks here catch the dtype itself, where the truncation happens.

Expected values come from the plain-numpy float64 oracles of oracles.py (shift-and-add over
kernel offsets), compared at 1e-12: a float32 intermediate is off by about 1e-8.
"""
import numpy as np
import oracles
import pytest

from tinytorch.core.spatial import (AvgPool2d, AvgPool2dFunction, Conv2d, Conv2dFunction, MaxPool2d,
                                    MaxPool2dFunction, avgpool2d_loops, avgpool2d_vectorized, conv2d_loops,
                                    conv2d_vectorized, maxpool2d_loops, maxpool2d_vectorized)
from tinytorch.core.tensor import Tensor

F64 = np.float64
RTOL = 1e-12


RNG = np.random.default_rng(64)
X = RNG.standard_normal((2, 3, 5, 6))          # float64 values that float32 cannot hold exactly
W = RNG.standard_normal((2, 3, 3, 2))
B = RNG.standard_normal(2)


def _layer_conv(x, w, b, stride, padding):
    layer = Conv2d(w.shape[1], w.shape[0], w.shape[2:], stride=stride, padding=padding, bias=b is not None)
    layer.weight = Tensor(w, requires_grad=True, dtype=F64)
    if b is not None:
        layer.bias = Tensor(b, requires_grad=True, dtype=F64)
    return layer(Tensor(x, dtype=F64)).data


CONVS = {"conv2d_loops": conv2d_loops, "conv2d_vectorized": conv2d_vectorized, "Conv2d": _layer_conv}


@pytest.mark.parametrize("name", list(CONVS))
@pytest.mark.parametrize("stride, padding, bias", [(1, 0, True), ((2, 1), (1, 2), True), ((1, 3), 1, False)])
def test_conv_float64_forward_keeps_every_digit(name, stride, padding, bias):
    b = B if bias else None
    got = CONVS[name](X, W, b, stride, padding)
    assert got.dtype == F64, f"{name}: float64 in gave {got.dtype} out"
    expected = oracles.conv2d(X, W, b, stride, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL, err_msg=f"{name} lost float64 digits")


def _layer_pool(cls):
    def run(x, kernel, stride, padding):
        return cls(kernel, stride=stride, padding=padding)(Tensor(x, dtype=F64)).data
    return run


POOLS = {
    "maxpool2d_loops": (maxpool2d_loops, oracles.max_pool2d),
    "maxpool2d_vectorized": (maxpool2d_vectorized, oracles.max_pool2d),
    "MaxPool2d": (_layer_pool(MaxPool2d), oracles.max_pool2d),
    "avgpool2d_loops": (avgpool2d_loops, oracles.avg_pool2d),
    "avgpool2d_vectorized": (avgpool2d_vectorized, oracles.avg_pool2d),
    "AvgPool2d": (_layer_pool(AvgPool2d), oracles.avg_pool2d),
}


@pytest.mark.parametrize("name", list(POOLS))
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), ((3, 2), (2, 1), (1, 1))])
def test_pool_float64_forward_keeps_every_digit(name, kernel, stride, padding):
    pool, reference = POOLS[name]
    got = pool(X, kernel, stride, padding)
    assert got.dtype == F64, f"{name}: float64 in gave {got.dtype} out"
    expected = reference(X, kernel, stride, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL, err_msg=f"{name} lost float64 digits")


# ---- the arrays each backward returns, before autograd casts them -----------------------------

def _conv_backward_arrays(dtype, use_loops, stride=(2, 1), padding=(1, 0)):
    x = Tensor(X, requires_grad=True, dtype=dtype)
    w = Tensor(W, requires_grad=True, dtype=dtype)
    b = Tensor(B, requires_grad=True, dtype=dtype)
    out = Conv2dFunction.apply(x, w, b, stride=stride, padding=padding, use_loops=use_loops)
    assert out.dtype == dtype
    probe = RNG.standard_normal(out.shape).astype(dtype)
    return out._ctx.backward(probe)


@pytest.mark.parametrize("use_loops", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_backward_returns_its_input_dtype(dtype, use_loops):
    grads = _conv_backward_arrays(dtype, use_loops)
    for what, grad, shape in zip(("grad input", "grad weight", "grad bias"), grads, (X.shape, W.shape, B.shape)):
        assert grad is not None and grad.shape == shape, f"{what}: {None if grad is None else grad.shape}"
        assert grad.dtype == dtype, f"Conv2dFunction (use_loops={use_loops}) {what}: {grad.dtype}, expected {dtype}"


@pytest.mark.parametrize("use_loops", [False, True])
@pytest.mark.parametrize("function", [MaxPool2dFunction, AvgPool2dFunction])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pool_backward_returns_its_input_dtype(function, dtype, use_loops):
    x = Tensor(X, requires_grad=True, dtype=dtype)
    out = function.apply(x, kernel_size=(3, 2), stride=(1, 2), padding=(1, 1), use_loops=use_loops)
    assert out.dtype == dtype
    (grad,) = out._ctx.backward(RNG.standard_normal(out.shape).astype(dtype))
    assert grad.shape == X.shape
    assert grad.dtype == dtype, f"{function.__name__} (use_loops={use_loops}) grad input: {grad.dtype}, expected {dtype}"
