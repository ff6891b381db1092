"""The loops and the vectorized functions compute the same numbers, on randomized
configurations (property-based, hypothesis), and layer.use_loops switches paths
without changing the forward."""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis not installed: pip install -e '.[dev]'")
from hypothesis import given, settings, strategies as st  # noqa: E402

from tinytorch.core import spatial  # noqa: E402
from tinytorch.core.spatial import (AvgPool2d, Conv2d, MaxPool2d, avgpool2d_loops,  # noqa: E402
                                    avgpool2d_vectorized, conv2d_loops, conv2d_vectorized,
                                    maxpool2d_loops, maxpool2d_vectorized)
from tinytorch.core.tensor import Tensor  # noqa: E402

# derandomize: the same examples on every run (CI stays deterministic); no example database on disk
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)


@st.composite
def axis_config(draw, max_padding_of_kernel=None):
    """(size, kernel, stride, padding) along one axis, with the kernel fitting the padded size."""
    kernel = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    max_pad = kernel // 2 if max_padding_of_kernel else 2
    padding = draw(st.integers(0, max_pad))
    size = draw(st.integers(max(1, kernel - 2 * padding), 9))
    return size, kernel, stride, padding


@st.composite
def conv_config(draw):
    (h, kh, sh, ph), (w, kw, sw, pw) = draw(axis_config()), draw(axis_config())
    return dict(n=draw(st.integers(1, 2)), c_in=draw(st.integers(1, 3)), c_out=draw(st.integers(1, 3)),
                hw=(h, w), kernel=(kh, kw), stride=(sh, sw), padding=(ph, pw),
                bias=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)),
                as_ints=draw(st.booleans()))


@st.composite
def pool_config(draw):
    (h, kh, sh, ph), (w, kw, sw, pw) = draw(axis_config(True)), draw(axis_config(True))
    stride = draw(st.sampled_from([None, (sh, sw)]))
    return dict(n=draw(st.integers(1, 2)), c=draw(st.integers(1, 3)), hw=(h, w), kernel=(kh, kw),
                stride=stride, padding=(ph, pw), seed=draw(st.integers(0, 2**32 - 1)))


def _maybe_int(pair, as_ints):
    """Pass a square (a, a) as the int a half the time, so both argument forms are exercised."""
    return pair[0] if as_ints and pair[0] == pair[1] else pair


@SETTINGS
@given(conv_config())
def test_conv2d_loops_and_vectorized_agree(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["c_in"], *cfg["hw"])).astype(np.float32)
    w = rng.standard_normal((cfg["c_out"], cfg["c_in"], *cfg["kernel"])).astype(np.float32)
    b = rng.standard_normal(cfg["c_out"]).astype(np.float32) if cfg["bias"] else None
    stride, padding = _maybe_int(cfg["stride"], cfg["as_ints"]), _maybe_int(cfg["padding"], cfg["as_ints"])
    slow = conv2d_loops(x, w, b, stride, padding)
    fast = conv2d_vectorized(x, w, b, stride, padding)
    h_out = (cfg["hw"][0] + 2 * cfg["padding"][0] - cfg["kernel"][0]) // cfg["stride"][0] + 1
    w_out = (cfg["hw"][1] + 2 * cfg["padding"][1] - cfg["kernel"][1]) // cfg["stride"][1] + 1
    assert slow.shape == fast.shape == (cfg["n"], cfg["c_out"], h_out, w_out)
    assert slow.dtype == fast.dtype == np.float32
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)


@SETTINGS
@given(pool_config())
def test_pool_loops_and_vectorized_agree(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["c"], *cfg["hw"])).astype(np.float32)
    args = (cfg["kernel"], cfg["stride"], cfg["padding"])
    stride = cfg["stride"] or cfg["kernel"]
    h_out = (cfg["hw"][0] + 2 * cfg["padding"][0] - cfg["kernel"][0]) // stride[0] + 1
    w_out = (cfg["hw"][1] + 2 * cfg["padding"][1] - cfg["kernel"][1]) // stride[1] + 1
    slow_max, fast_max = maxpool2d_loops(x, *args), maxpool2d_vectorized(x, *args)
    assert slow_max.shape == fast_max.shape == (cfg["n"], cfg["c"], h_out, w_out)
    np.testing.assert_array_equal(fast_max, slow_max)          # max is exact: no rounding involved
    assert np.isfinite(fast_max).all()                          # padding never wins
    slow_avg, fast_avg = avgpool2d_loops(x, *args), avgpool2d_vectorized(x, *args)
    assert slow_avg.shape == fast_avg.shape == (cfg["n"], cfg["c"], h_out, w_out)
    assert slow_avg.dtype == fast_avg.dtype == np.float32
    np.testing.assert_allclose(fast_avg, slow_avg, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kernel, stride, padding, bias", [
    (3, 1, 1, True), ((2, 3), (2, 1), (1, 0), False), (1, 2, 0, True)])
def test_conv_layer_use_loops_gives_the_same_forward_and_runs_the_loops(monkeypatch, kernel, stride, padding, bias):
    rng = np.random.default_rng(3)
    layer = Conv2d(2, 3, kernel, stride=stride, padding=padding, bias=bias)
    if bias:
        layer.bias.data[...] = rng.standard_normal(3)
    x = Tensor(rng.standard_normal((2, 2, 6, 7)).astype(np.float32))
    fast = layer(x).data
    calls = []

    def spy(*args, **kwargs):
        calls.append(1)
        return conv2d_loops(*args, **kwargs)

    monkeypatch.setattr(spatial, "conv2d_loops", spy)
    layer.use_loops = True
    slow = layer(x).data
    assert calls, "use_loops=True did not run conv2d_loops"
    assert slow.shape == fast.shape
    np.testing.assert_allclose(slow, fast, rtol=1e-5, atol=1e-5)
    # the default stays the vectorized path: other layers are unaffected
    assert Conv2d(2, 3, 3).use_loops is False


@pytest.mark.parametrize("cls, loops_name", [(MaxPool2d, "maxpool2d_loops"), (AvgPool2d, "avgpool2d_loops")])
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 1))])
def test_pool_layer_use_loops_gives_the_same_forward_and_runs_the_loops(monkeypatch, cls, loops_name,
                                                                       kernel, stride, padding):
    x = Tensor(np.random.default_rng(4).standard_normal((2, 3, 7, 8)).astype(np.float32))
    layer = cls(kernel, stride=stride, padding=padding)
    fast = layer(x).data
    original, calls = getattr(spatial, loops_name), []

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(spatial, loops_name, spy)
    layer.use_loops = True
    slow = layer(x).data
    assert calls, f"use_loops=True did not run {loops_name}"
    assert slow.shape == fast.shape
    np.testing.assert_allclose(slow, fast, rtol=1e-6, atol=1e-6)


def test_use_loops_keeps_the_gradients():
    rng = np.random.default_rng(5)
    layer = Conv2d(2, 2, 3, stride=2, padding=1)
    x_np = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    probe = Tensor(rng.standard_normal((1, 2, 3, 3)).astype(np.float32))
    grads = []
    for use_loops in (False, True):
        layer.use_loops = use_loops
        layer.zero_grad()
        x = Tensor(x_np, requires_grad=True)
        (layer(x) * probe).sum().backward()
        grads.append((x.grad.copy(), layer.weight.grad.copy(), layer.bias.grad.copy()))
    for fast, slow in zip(*grads):
        np.testing.assert_allclose(slow, fast, rtol=1e-5, atol=1e-6)
