"""The test suite's two numeric checks, shared by every module's tests (importable as
`numeric_checks` through pytest's `pythonpath`).

- `assert_grad_close(analytic, numeric)`: one gradient-check formula for the whole suite,
  the relative error ||a - n|| / (||a|| + ||n||), which is scale-free and stays defined when
  one side is zero.
- `assert_values(got, expected)`: a computed array against hand-worked values: the shape first,
  then every value to float32 precision.
Plus `image(rows)`, the (1, 1, H, W) float32 image that the hand-worked value tests build, and
`f64(values)`, the float64 Tensor that gradient and property tests compute in, and
`numpy_global_state_kept()`, for the tests that seed numpy's global generator to show it does not matter.
"""
import contextlib

import numpy as np

GRAD_TOL = 1e-6


def relative_error(analytic, numeric) -> float:
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return float(np.linalg.norm(analytic - numeric) / max(scale, 1e-300))


def assert_grad_close(analytic, numeric, tol=GRAD_TOL, what="gradient", require_signal=True):
    """Autograd's gradient against a finite-difference one. `require_signal` refuses a check in
    which the numeric gradient is ~0 everywhere (it would pass for a backward that returns zeros)."""
    assert analytic is not None, f"{what}: backward left .grad as None"
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape}, expected {numeric.shape}"
    if require_signal:
        assert np.abs(numeric).max() > 1e-3, f"{what}: degenerate check, the numeric gradient is ~0"
    rel = relative_error(analytic, numeric)
    assert rel < tol, f"{what}: relative error {rel:.3e} >= {tol:g}\nanalytic:\n{analytic}\nnumeric:\n{numeric}"


def assert_values(got, expected, tol=1e-6):
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def image(rows):
    """A single-image, single-channel (1, 1, H, W) float32 array."""
    return np.array(rows, dtype=np.float32)[None, None]


def f64(values, requires_grad=False):
    """A float64 Tensor of `values`: finite differences and comparisons with an oracle need its
    precision (float32, the library's default, would leave ~1e-4 of rounding in a difference)."""
    from tinytorch.core.tensor import Tensor  # here: this file also serves tests that need no Tensor
    return Tensor(np.asarray(values, dtype=np.float64), dtype=np.float64, requires_grad=requires_grad)


@contextlib.contextmanager
def numpy_global_state_kept():
    """Inside, a test may call np.random.seed (to show the library ignores numpy's global generator);
    afterwards the global state is what it was, so no later test depends on the order tests ran in."""
    state = np.random.get_state()
    try:
        yield
    finally:
        np.random.set_state(state)
