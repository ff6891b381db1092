"""layer.use_loops = True runs the explicit loops both ways (forward and backward), with the same
values and gradients as the default vectorized path, and changes no other layer.

Each test runs the same layer twice on the same input, once per path, in float64, and spies on
the module's loop functions to see that the loops ran: equal numbers alone cannot tell "ran the
loops" from "ran the fast path twice". Both runs are checked against the numpy oracle
(oracles.py), the fast path first: a wrong loop then fails as "use_loops=True (your loops)",
never as a difference whose guilty side is left to guess.
"""
import numpy as np
import oracles
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


def _check(path, out, grads, expected_out, expected_grads):
    what = ["grad input", "grad weight", "grad bias"]
    assert out.dtype == np.float64, f"{path}: output dtype {out.dtype}, expected float64 for float64 inputs"
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-12,
                               err_msg=f"{path}: forward vs the numpy oracle")
    assert len(grads) == len(expected_grads), f"{path}: {len(grads)} gradients, expected {len(expected_grads)}"
    for name, got, expected in zip(what, grads, expected_grads):
        assert got.shape == expected.shape and got.dtype == np.float64, f"{path} {name}: {got.shape} {got.dtype}"
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=f"{path}: {name} vs the numpy oracle")


def _compare(layer, x_shape, seed, monkeypatch, forward_name, backward_name, oracle):
    """oracle(x, probe) -> (output, [grad input, grad of each parameter]) in plain numpy."""
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(x_shape)
    expected_out = oracle(x0, None)[0]
    probe = rng.standard_normal(expected_out.shape)
    expected_out, expected_grads = oracle(x0, probe)
    _check("use_loops=False (the given fast path)", *_run(layer, x0, probe, use_loops=False),
           expected_out, expected_grads)
    forward_calls, backward_calls = _spy(monkeypatch, forward_name), _spy(monkeypatch, backward_name)
    slow_out, slow_grads = _run(layer, x0, probe, use_loops=True)
    assert forward_calls, f"use_loops=True did not run {forward_name}"
    assert backward_calls, f"use_loops=True did not run {backward_name} in backward"
    _check(f"use_loops=True (your {forward_name} and {backward_name})", slow_out, slow_grads,
           expected_out, expected_grads)


@pytest.mark.parametrize("x_shape, c_out, kernel, stride, padding, bias", [
    ((2, 2, 5, 6), 3, 3, 1, 1, True),
    ((1, 3, 6, 5), 2, (2, 3), (2, 1), (1, 0), False),
    ((2, 1, 5, 7), 2, (3, 1), (1, 3), (0, 2), True),
])
def test_conv_use_loops_runs_the_loops_both_ways_with_the_same_values_and_gradients(
        monkeypatch, x_shape, c_out, kernel, stride, padding, bias):
    rng = np.random.default_rng(sum(x_shape))
    layer = Conv2d(x_shape[1], c_out, kernel, stride=stride, padding=padding, bias=bias)
    # float64 parameters of the shape the contract names (not read back from Conv2d.__init__)
    w = rng.standard_normal((c_out, x_shape[1], *oracles.pair(kernel)))
    b = rng.standard_normal(c_out) if bias else None
    layer.weight = Tensor(w, requires_grad=True, dtype=F64)
    if bias:
        layer.bias = Tensor(b, requires_grad=True, dtype=F64)
    assert len(layer.parameters()) == (2 if bias else 1)

    def oracle(x, probe):
        out = oracles.conv2d(x, w, b, stride, padding)
        if probe is None:
            return out, None
        grad_x, grad_w, grad_b = oracles.conv2d_backward(probe, x, w, stride, padding)
        return out, [grad_x, grad_w] + ([grad_b] if bias else [])

    _compare(layer, x_shape, 3, monkeypatch, "conv2d_loops", "conv2d_backward_loops", oracle)


@pytest.mark.parametrize("cls, forward_name, backward_name, forward, backward", [
    (MaxPool2d, "maxpool2d_loops", "maxpool2d_backward_loops", oracles.max_pool2d, oracles.max_pool2d_backward),
    (AvgPool2d, "avgpool2d_loops", "avgpool2d_backward_loops", oracles.avg_pool2d, oracles.avg_pool2d_backward),
])
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 1))])
def test_pool_use_loops_runs_the_loops_both_ways_with_the_same_values_and_gradients(
        monkeypatch, cls, forward_name, backward_name, forward, backward, kernel, stride, padding):
    def oracle(x, probe):
        grads = None if probe is None else [backward(probe, x, kernel, stride, padding)]
        return forward(x, kernel, stride, padding), grads

    _compare(cls(kernel, stride=stride, padding=padding), (2, 3, 7, 8), 4, monkeypatch, forward_name, backward_name,
             oracle)


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
