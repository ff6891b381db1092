"""Fixtures of the Module 09 (convolutions) tests: a float64 numerical gradient and the suite's
one gradient check (tests/helpers/numeric_checks.py, importable through pytest's `pythonpath`),
held to module 09's tighter tolerance.

Precision of the gradient checks. Every loss in these tests is sum(probe * output): linear in
x, in the weight and in the bias (piecewise linear in x for max pooling). Central differences
of a linear function have no truncation error, so the step can be large (1e-4, well below the
gaps between the random values a max compares) and what is left is float64 rounding. A
gradient computed in float64 then matches to about 1e-12 relative error; one that went through
a float32 buffer anywhere is off by float32's resolution (about 1e-8), even after autograd
casts it back to float64. GRAD_TOL sits between the two, with a wide margin on both sides.
"""
import numeric_checks
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
    """assert_grad_close(analytic, numeric, tol=GRAD_TOL): the suite's relative error, plus a
    float64 dtype check (float64 inputs must give float64 gradients)."""

    def check(analytic, numeric, tol=GRAD_TOL, what="gradient"):
        assert analytic is not None, f"{what}: backward left .grad as None"
        dtype = np.asarray(analytic).dtype
        assert dtype == np.float64, f"{what}: dtype {dtype}, expected float64 for float64 inputs"
        numeric_checks.assert_grad_close(analytic, numeric, tol=tol, what=what)

    return check
