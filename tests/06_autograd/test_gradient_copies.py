"""Module 06: backward hands a rule's own fresh gradient to its input without a copy, and copies
every gradient that shares memory with something else (the output gradient, the node's saved
arrays, another input's gradient, the caller's `gradient=`), so that no two holders share one."""
import numpy as np

from tinytorch.core.autograd import Function, _call_node, _reduce_input_grad
from tinytorch.core.tensor import Tensor


class Returns(Function):
    """y = x (each input), whose backward returns what `make(grad_output, node)` gives, and records it."""

    def forward(self, *arrays, make):
        self.make, self.saved = make, np.ones_like(arrays[0])
        return arrays[0].copy()

    def backward(self, grad_output):
        # recorded on the class: an attribute of the node would be an array the node holds (then copied)
        Returns.last, Returns.returned = self, self.make(grad_output, self)
        return Returns.returned


def leaves(count=1, shape=(3,)):
    return [Tensor(np.zeros(shape, dtype=np.float32), requires_grad=True) for _ in range(count)]


def test_a_fresh_gradient_is_not_copied():
    (x,) = leaves()
    Returns.apply(x, make=lambda g, node: (g * 2,)).backward(np.ones(3, dtype=np.float32))
    assert x.grad is Returns.returned[0]
    np.testing.assert_array_equal(x.grad, 2)


def test_the_output_gradient_passed_through_is_copied():
    (x,) = leaves()
    given = np.ones(3, dtype=np.float32)
    Returns.apply(x, make=lambda g, node: (g,)).backward(given)
    assert not np.shares_memory(x.grad, given)
    given += 5                                                   # the caller's array, changed later
    np.testing.assert_array_equal(x.grad, 1)


def test_a_saved_array_is_copied():
    (x,) = leaves()
    Returns.apply(x, make=lambda g, node: (node.saved,)).backward(np.ones(3, dtype=np.float32))
    assert not np.shares_memory(x.grad, Returns.last.saved)
    x.grad += 1
    np.testing.assert_array_equal(Returns.last.saved, 1)


def test_one_memory_for_two_inputs_is_copied_once():
    a, b = leaves(2)

    def same_twice(g, node):
        fresh = g * 3
        return fresh, fresh.view()        # two arrays, one memory

    Returns.apply(a, b, make=same_twice).backward(np.ones(3, dtype=np.float32))
    assert not np.shares_memory(a.grad, b.grad)
    a.grad += 1
    np.testing.assert_array_equal(b.grad, 3)


def test_add_gives_its_inputs_separate_gradients():
    a, b = leaves(2)
    (a + b).backward(np.ones(3, dtype=np.float32))
    assert not np.shares_memory(a.grad, b.grad)
    a.grad += 1
    np.testing.assert_array_equal(b.grad, 1)


def test_the_callers_gradient_is_neither_copied_nor_written():
    (x,) = leaves()
    given = np.ones(3, dtype=np.float32)
    Returns.apply(x, make=lambda g, node: (np.shares_memory(g, given) and not g.flags.writeable and g * 1,)
                  ).backward(given)
    assert isinstance(x.grad, np.ndarray) and x.grad.all()     # the rule saw the caller's array, read-only
    assert given.flags.writeable                                 # the caller's own array keeps its flags


def test_a_leafs_own_gradient_is_a_copy():
    (x,) = leaves()
    given = np.ones(3, dtype=np.float32)
    x.backward(given)
    assert not np.shares_memory(x.grad, given) and x.grad.flags.writeable


def test_a_writeable_output_gradient_passed_through_is_copied():
    """The engine's own pass-through (as a student's engine that keeps every entry would hold it)."""
    (x,) = leaves()
    node = Returns.apply(x, make=lambda g, node: (g,))._ctx
    grad_output = np.ones(3, dtype=np.float32)
    (passed,) = _call_node(node, grad_output)
    assert not np.shares_memory(_reduce_input_grad(node, x, passed), grad_output)
