"""The loops and the vectorized functions compute the same numbers, on randomized
configurations (property-based, hypothesis). The use_loops switch of the layers is tested
in test_spatial_use_loops.py (no hypothesis needed there)."""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis not installed: pip install -e '.[dev]'")
from hypothesis import given, settings, strategies as st  # noqa: E402

from tinytorch.core.spatial import (avgpool2d_loops, avgpool2d_vectorized, conv2d_loops,  # noqa: E402
                                    conv2d_vectorized, maxpool2d_loops, maxpool2d_vectorized)

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
