"""Shared helpers for the Module 09 (convolutions) tests.

Fixtures rather than importable helpers: the test directories are not packages,
so a fixture is the one way to share code without module-name clashes.
"""
import inspect

import numpy as np
import pytest


def _central_differences(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function f at the float64 array x."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = float(f(x))
        x[index] = original - eps
        f_minus = float(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def _pick_numerical_gradient():
    """tinytorch.core.autograd.numerical_gradient(f, x, eps=1e-6) when it exists, else our own."""
    try:
        from tinytorch.core.autograd import numerical_gradient
    except ImportError:
        return _central_differences
    try:
        params = list(inspect.signature(numerical_gradient).parameters.values())
    except (TypeError, ValueError):
        return _central_differences
    if [p.name for p in params[:3]] == ["f", "x", "eps"] and params[2].default == 1e-6:
        return numerical_gradient
    return _central_differences


@pytest.fixture
def numgrad():
    """numerical_gradient(f, x): d f / d x by central differences (eps=1e-6), float64."""
    return _pick_numerical_gradient()


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
