"""Shared helpers for the Module 09 (convolutions) tests.

Fixtures rather than importable helpers: the test directories are not packages,
so a fixture is the one way to share code without module-name clashes.

Precision of the gradient checks. Every loss in these tests is sum(probe * output): linear in
x, in the weight and in the bias (piecewise linear in x for max pooling). Central differences
of a linear function have no truncation error, so the step can be large (1e-4, well below the
gaps between the random values a max compares) and what is left is float64 rounding. A
gradient computed in float64 then matches to about 1e-12 relative error; one that went through
a float32 buffer anywhere is off by float32's resolution (about 1e-8), even after autograd
casts it back to float64. GRAD_TOL sits between the two, with a wide margin on both sides.
"""
import numpy as np
import pytest

from tinytorch.core.autograd import numerical_gradient

FD_EPS = 1e-4      # exact for linear losses (see above); only rounding is left
GRAD_TOL = 1e-10   # float64 reaches ~1e-12 here; a float32 intermediate gives ~1e-8


@pytest.fixture
def numgrad():
    """numerical_gradient(f, x): d f / d x by float64 central differences with step FD_EPS."""

    def central_differences(f, x, eps=FD_EPS):
        return numerical_gradient(f, x, eps=eps)

    return central_differences


@pytest.fixture
def assert_grad_close():
    """assert_grad_close(analytic, numeric, tol=GRAD_TOL): relative error ||a-n|| / (||a|| + ||n||)."""

    def check(analytic, numeric, tol=GRAD_TOL, what="gradient"):
        assert analytic is not None, f"{what}: backward left .grad as None"
        analytic = np.asarray(analytic)
        assert analytic.dtype == np.float64, f"{what}: dtype {analytic.dtype}, expected float64 for float64 inputs"
        numeric = np.asarray(numeric, dtype=np.float64)
        assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape}, expected {numeric.shape}"
        assert np.abs(numeric).max() > 1e-3, f"{what}: degenerate check, the numeric gradient is ~0"
        rel = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
        assert rel < tol, f"{what}: relative error {rel:.3e} >= {tol:g}\nanalytic:\n{analytic}\nnumeric:\n{numeric}"

    return check
