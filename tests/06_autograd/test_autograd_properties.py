"""Module 06: property tests (hypothesis) of gradients through broadcasting."""
import numpy as np
import pytest

import tinytorch  # noqa: F401  (importing the package enables autograd)
from tinytorch.core.autograd import unbroadcast
from tinytorch.core.tensor import Tensor


def f64(x, grad=False):
    return Tensor(x, requires_grad=grad, dtype=np.float64)


pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp


@settings(max_examples=40, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4), st.data())
def test_broadcast_mul_gradients_property(shapes, data):
    sa, sb = shapes.input_shapes
    elems = st.floats(-3, 3, allow_nan=False)
    a = data.draw(hnp.arrays(np.float64, sa, elements=elems))
    b = data.draw(hnp.arrays(np.float64, sb, elements=elems))
    ta, tb = f64(a, grad=True), f64(b, grad=True)
    (ta * tb).sum().backward()
    ones = np.ones(shapes.result_shape)
    assert ta.grad.shape == sa and tb.grad.shape == sb
    assert np.allclose(ta.grad, unbroadcast(ones * b, sa))
    assert np.allclose(tb.grad, unbroadcast(ones * a, sb))
    assert np.isclose(unbroadcast(ones * b, sa).sum(), (ones * b).sum())


