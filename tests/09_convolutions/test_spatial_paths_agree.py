"""The loops and the vectorized functions compute the same numbers, on randomized
configurations (property-based, hypothesis). The use_loops switch of the layers is tested
in test_spatial_use_loops.py (no hypothesis needed there).

Each side is first checked against the numpy oracle (oracles.py): the given vectorized function,
so that a slip in the fast path is named as such, then the student's loops, so that a wrong loop
is blamed on the loop and not on the fast path it is compared with last.
"""
import numpy as np
import oracles
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


def _check(got, expected, what, tol=1e-5):
    """float32 in, float32 out, the oracle's shape, and its float64 values to float32 precision."""
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    assert got.dtype == np.float32, f"{what}: dtype {got.dtype}, expected float32 for float32 inputs"
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=what)


@SETTINGS
@given(conv_config())
def test_conv2d_loops_and_vectorized_agree(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["c_in"], *cfg["hw"])).astype(np.float32)
    w = rng.standard_normal((cfg["c_out"], cfg["c_in"], *cfg["kernel"])).astype(np.float32)
    b = rng.standard_normal(cfg["c_out"]).astype(np.float32) if cfg["bias"] else None
    stride, padding = _maybe_int(cfg["stride"], cfg["as_ints"]), _maybe_int(cfg["padding"], cfg["as_ints"])
    expected = oracles.conv2d(x, w, b, cfg["stride"], cfg["padding"])
    case = f"x {x.shape}, weight {w.shape}, bias {b is not None}, stride {stride}, padding {padding}"
    fast = conv2d_vectorized(x, w, b, stride, padding)
    _check(fast, expected, f"conv2d_vectorized (given fast path) vs the numpy oracle, {case}")
    slow = conv2d_loops(x, w, b, stride, padding)
    _check(slow, expected, f"conv2d_loops (yours) vs the numpy oracle, {case}")
    np.testing.assert_allclose(slow, fast, rtol=1e-5, atol=1e-5,
                               err_msg=f"conv2d_loops (ACTUAL) vs conv2d_vectorized (DESIRED), {case}")


@SETTINGS
@given(pool_config())
def test_pool_loops_and_vectorized_agree(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["c"], *cfg["hw"])).astype(np.float32)
    args = (cfg["kernel"], cfg["stride"], cfg["padding"])
    case = f"x {x.shape}, kernel {cfg['kernel']}, stride {cfg['stride']}, padding {cfg['padding']}"
    # A max picks one of its float32 inputs: exact. A mean rounds: float32 precision.
    for pool, oracle, fast_fn, slow_fn, tol in (
            ("maxpool2d", oracles.max_pool2d, maxpool2d_vectorized, maxpool2d_loops, 0),
            ("avgpool2d", oracles.avg_pool2d, avgpool2d_vectorized, avgpool2d_loops, 1e-5)):
        expected = oracle(x, *args)
        fast = fast_fn(x, *args)
        _check(fast, expected, f"{pool}_vectorized (given fast path) vs the numpy oracle, {case}", tol)
        slow = slow_fn(x, *args)
        _check(slow, expected, f"{pool}_loops (yours) vs the numpy oracle, {case}", tol)
        np.testing.assert_allclose(slow, fast, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{pool}_loops (ACTUAL) vs {pool}_vectorized (DESIRED), {case}")
