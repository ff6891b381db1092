"""Module 02: property tests (hypothesis)."""
import numpy as np
import pytest

from tinytorch.core.activations import ReLU, Sigmoid, Softmax, Tanh


pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from numeric_checks import f64

rows = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=st.floats(-50, 50, allow_nan=False))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)  # the same examples every run
@given(rows, st.floats(-1000, 1000, allow_nan=False))
def test_softmax_is_a_distribution_and_shift_invariant(x, shift):
    p = Softmax()(f64(x)).data
    assert (p >= 0).all() and np.allclose(p.sum(axis=-1), 1.0)
    assert np.allclose(Softmax()(f64(x + shift)).data, p, atol=1e-10)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)  # the same examples every run
@given(rows)
def test_sigmoid_and_tanh_identities(x):
    s = Sigmoid()(f64(x)).data
    assert np.allclose(Sigmoid()(f64(-x)).data, 1 - s, atol=1e-15)
    assert np.allclose(Tanh()(f64(x)).data, 2 * Sigmoid()(f64(2 * x)).data - 1, atol=1e-12)
    assert np.array_equal(ReLU()(f64(x)).data, np.where(x > 0, x, 0))


