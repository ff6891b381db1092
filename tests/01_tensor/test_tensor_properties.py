"""Module 01: property tests (hypothesis)."""
import numpy as np
import pytest

from tinytorch.core.tensor import Tensor

pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

finite = st.floats(-100, 100, allow_nan=False, width=32)


@settings(max_examples=50, deadline=None, derandomize=True, database=None)  # the same examples every run
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4), st.data())
def test_broadcasting_matches_numpy(shapes, data):
    sa, sb = shapes.input_shapes
    a = data.draw(hnp.arrays(np.float32, sa, elements=finite))
    b = data.draw(hnp.arrays(np.float32, sb, elements=finite))
    assert np.array_equal((Tensor(a) + Tensor(b)).data, a + b)
    assert np.array_equal((Tensor(a) - Tensor(b)).data, a - b)
    assert np.array_equal((Tensor(a) * Tensor(b)).data, a * b)
    assert (Tensor(a) * Tensor(b)).shape == shapes.result_shape


@settings(max_examples=50, deadline=None, derandomize=True, database=None)  # the same examples every run
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5), elements=finite))
def test_reshape_roundtrip_and_sum_invariance(a):
    t = Tensor(a)
    flat = t.reshape(-1)
    assert flat.shape == (a.size,) and np.array_equal(flat.reshape(a.shape).data, a)
    assert np.isclose(flat.sum().item(), t.sum().item(), rtol=1e-4, atol=1e-3)


