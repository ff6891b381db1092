"""layer.use_loops = True runs the explicit loops both ways (forward and backward), with the same
values and gradients as the default vectorized path, and changes no other layer.

Each test runs the same layer twice on the same input, once per path, in float64 (so the two
must agree to rounding), and spies on the module's loop functions to see that the loops ran:
equal numbers alone cannot tell "ran the loops" from "ran the fast path twice".
"""
import numpy as np
import pytest

from tinytorch.core import spatial
from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor

F64 = np.float64


def _spy(monkeypatch, name):
    """Replace spatial.<name> by a wrapper that records its calls; returns the list of calls."""
    original, calls = getattr(spatial, name), []

    def spy(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(spatial, name, spy)
    return calls


def _run(layer, x0, probe, use_loops):
    """Forward + backward of sum(probe * layer(x)); returns the output and every gradient."""
    layer.use_loops = use_loops
    layer.zero_grad()
    x = Tensor(x0, requires_grad=True, dtype=F64)
    out = layer(x)
    (out * Tensor(probe, dtype=F64)).sum().backward()
    return out.data.copy(), [x.grad.copy()] + [p.grad.copy() for p in layer.parameters()]


def _compare(layer, x_shape, seed, monkeypatch, forward_name, backward_name):
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(x_shape)
    probe = rng.standard_normal(layer(Tensor(x0, dtype=F64)).shape)
    fast_out, fast_grads = _run(layer, x0, probe, use_loops=False)
    forward_calls, backward_calls = _spy(monkeypatch, forward_name), _spy(monkeypatch, backward_name)
    slow_out, slow_grads = _run(layer, x0, probe, use_loops=True)
    assert forward_calls, f"use_loops=True did not run {forward_name}"
    assert backward_calls, f"use_loops=True did not run {backward_name} in backward"
    assert slow_out.shape == fast_out.shape and slow_out.dtype == fast_out.dtype == F64
    np.testing.assert_allclose(slow_out, fast_out, rtol=1e-12, atol=1e-12, err_msg="forward differs")
    assert len(slow_grads) == len(fast_grads)
    for what, slow, fast in zip(["grad input", "grad weight", "grad bias"], slow_grads, fast_grads):
        assert slow.shape == fast.shape and slow.dtype == F64, f"{what}: {slow.shape} {slow.dtype}"
        np.testing.assert_allclose(slow, fast, rtol=1e-12, atol=1e-12, err_msg=f"{what} differs")


@pytest.mark.parametrize("x_shape, c_out, kernel, stride, padding, bias", [
    ((2, 2, 5, 6), 3, 3, 1, 1, True),
    ((1, 3, 6, 5), 2, (2, 3), (2, 1), (1, 0), False),
    ((2, 1, 5, 7), 2, (3, 1), (1, 3), (0, 2), True),
])
def test_conv_use_loops_runs_the_loops_both_ways_with_the_same_values_and_gradients(
        monkeypatch, x_shape, c_out, kernel, stride, padding, bias):
    rng = np.random.default_rng(sum(x_shape))
    layer = Conv2d(x_shape[1], c_out, kernel, stride=stride, padding=padding, bias=bias)
    layer.weight = Tensor(rng.standard_normal(layer.weight.shape), requires_grad=True, dtype=F64)
    if bias:
        layer.bias = Tensor(rng.standard_normal(c_out), requires_grad=True, dtype=F64)
    assert len(layer.parameters()) == (2 if bias else 1)
    _compare(layer, x_shape, 3, monkeypatch, "conv2d_loops", "conv2d_backward_loops")


@pytest.mark.parametrize("cls, forward_name, backward_name", [
    (MaxPool2d, "maxpool2d_loops", "maxpool2d_backward_loops"),
    (AvgPool2d, "avgpool2d_loops", "avgpool2d_backward_loops"),
])
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 1))])
def test_pool_use_loops_runs_the_loops_both_ways_with_the_same_values_and_gradients(
        monkeypatch, cls, forward_name, backward_name, kernel, stride, padding):
    _compare(cls(kernel, stride=stride, padding=padding), (2, 3, 7, 8), 4, monkeypatch, forward_name, backward_name)


@pytest.mark.parametrize("make", [lambda: Conv2d(2, 3, 3), lambda: MaxPool2d(2), lambda: AvgPool2d(2)])
def test_use_loops_is_off_by_default_and_per_layer(make):
    first, second = make(), make()
    assert first.use_loops is False
    first.use_loops = True
    assert second.use_loops is False and make().use_loops is False


def test_use_loops_keeps_float32_float32():
    layer = Conv2d(2, 2, 3, stride=2, padding=1)
    layer.use_loops = True
    x = Tensor(np.random.default_rng(5).standard_normal((1, 2, 5, 4)).astype(np.float32), requires_grad=True)
    out = layer(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32
