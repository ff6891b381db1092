"""The test suite's two numeric checks, shared by every module's tests (importable as
`numeric_checks` through pytest's `pythonpath`).

- `assert_grad_close(analytic, numeric)`: one gradient-check formula for the whole suite,
  the relative error ||a - n|| / (||a|| + ||n||), which is scale-free and stays defined when
  one side is zero.
- `assert_values(got, expected)`: a computed array against hand-worked values: the shape first,
  then every value to float32 precision.
Plus `image(rows)`, the (1, 1, H, W) float32 image that the hand-worked value tests build.
"""
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
