"""Shared helpers for the Module 09 (convolutions) tests.

Fixtures rather than importable helpers: the test directories are not packages,
so a fixture is the one way to share code without module-name clashes.
"""
import numpy as np
import pytest

from tinytorch.core.autograd import numerical_gradient


@pytest.fixture
def numgrad():
    """numerical_gradient(f, x): d f / d x by central differences (eps=1e-6), float64 (module 06's)."""
    return numerical_gradient


@pytest.fixture
def assert_grad_close():
    """assert_grad_close(analytic, numeric, tol=1e-6): relative error ||a-n|| / (||a|| + ||n||)."""

    def check(analytic, numeric, tol=1e-6, what="gradient"):
        assert analytic is not None, f"{what}: backward left .grad as None"
        analytic = np.asarray(analytic, dtype=np.float64)
        numeric = np.asarray(numeric, dtype=np.float64)
        assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape}, expected {numeric.shape}"
        assert np.abs(numeric).max() > 1e-3, f"{what}: degenerate check, the numeric gradient is ~0"
        rel = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
        assert rel < tol, f"{what}: relative error {rel:.3e} >= {tol:g}\nanalytic:\n{analytic}\nnumeric:\n{numeric}"

    return check
