"""Fixtures of the Module 09 (convolutions) tests: module 06's numerical gradient, and the
suite's one gradient check from tests/helpers/numeric_checks.py (importable through pytest's
`pythonpath`; the fixtures keep the tests' signatures as they were)."""
import numeric_checks
import pytest

from tinytorch.core.autograd import numerical_gradient


@pytest.fixture
def numgrad():
    """numerical_gradient(f, x): d f / d x by central differences (eps=1e-6), float64 (module 06's)."""
    return numerical_gradient


@pytest.fixture
def assert_grad_close():
    """assert_grad_close(analytic, numeric, tol=1e-6): the suite's one gradient check (tests/helpers)."""
    return numeric_checks.assert_grad_close
