"""Module 06: property tests (hypothesis) of gradients through broadcasting."""
import numpy as np
import pytest

from tinytorch.core.autograd import unbroadcast


pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from numeric_checks import f64


@settings(max_examples=40, deadline=None, derandomize=True, database=None)  # the same examples every run
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4), st.data())
def test_broadcast_mul_gradients_property(shapes, data):
    sa, sb = shapes.input_shapes
    elems = st.floats(-3, 3, allow_nan=False)
    a = data.draw(hnp.arrays(np.float64, sa, elements=elems))
    b = data.draw(hnp.arrays(np.float64, sb, elements=elems))
    ta, tb = f64(a, requires_grad=True), f64(b, requires_grad=True)
    (ta * tb).sum().backward()
    assert ta.grad.shape == sa and tb.grad.shape == sb
    # An oracle independent of unbroadcast (which the engine itself uses): sum(a * b) is
    # linear in a, so d/da_j is the sum of b over the broadcast copies of element j.
    assert np.allclose(ta.grad, copies_sum(sa, b, shapes.result_shape))
    assert np.allclose(tb.grad, copies_sum(sb, a, shapes.result_shape))
    ones = np.ones(shapes.result_shape)
    assert np.allclose(unbroadcast(ones * b, sa), copies_sum(sa, b, shapes.result_shape))


def copies_sum(shape, other, result_shape):
    """For each element j of an array of `shape`: the sum of `other` over the positions
    of `result_shape` that element j is broadcast to."""
    out = np.zeros(shape)
    for index in np.ndindex(shape):
        onehot = np.zeros(shape)
        onehot[index] = 1.0
        out[index] = (np.broadcast_to(onehot, result_shape) * np.broadcast_to(other, result_shape)).sum()
    return out


