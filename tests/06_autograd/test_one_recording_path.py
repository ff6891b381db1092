"""Module 06 records the graph along one path: every node, a Tensor operation's or a Function's, is made and
attached by Function.apply, and the engine asks every node for its gradients through _call_node. So the
guards hold for both kinds alike: what a backward returns (a tuple, one gradient per input, with the same
message), grad mode during forward, never relabelling an input, and the names nodes show."""
import numpy as np
import pytest

from tinytorch.core import autograd
from tinytorch.core.activations import ReLU
from tinytorch.core.autograd import BackwardNode, Function, enable_autograd, no_grad
from tinytorch.core.tensor import Tensor


@pytest.fixture
def rules(monkeypatch):
    """Replace the backward rule of a Tensor method in the table (and re-wrap); put everything back after."""
    def replace(method, rule):
        monkeypatch.setitem(autograd._OPS, method, autograd._OPS[method]._replace(rule=rule))
        enable_autograd()
    yield replace
    monkeypatch.undo()
    enable_autograd()


def _tail(message, node_and_name):
    """The message after "<Node>: name ": what was wrong and the fix."""
    assert message.startswith(node_and_name), message
    return message[len(node_and_name):]


# --- what a backward returns ----------------------------------------------------------------

def test_a_bare_array_is_refused_with_the_same_message_for_a_function_and_a_rule(rules):
    class Exp(Function):
        def forward(self, x):
            self.out = np.exp(x)
            return self.out

        def backward(self, grad):
            return grad * self.out                      # no comma

    def exp_backward(grad, out, a):
        return grad * out                               # no comma

    rules("exp", exp_backward)
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as by_function:
        Exp.apply(x).sum().backward()
    with pytest.raises(RuntimeError) as by_rule:
        x.exp().sum().backward()
    function_tail = _tail(str(by_function.value), "<Exp>: Exp.backward ")
    rule_tail = _tail(str(by_rule.value), "<ExpBackward>: exp_backward ")
    assert function_tail == rule_tail == "returned an array, not a tuple of gradients: return (g,) with the comma"
    assert x.grad is None


def test_a_bare_array_of_a_two_input_node_asks_for_two_gradients(rules):
    """A bare array of length 2 for 2 inputs is not 2 gradients (tuple() would split it into its rows)."""
    class Mul(Function):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a * b

        def backward(self, grad):
            return grad * self.b

    def mul_backward(grad, out, a, b):
        return grad * b

    rules("__mul__", mul_backward)
    a = Tensor(np.ones((2, 2)), requires_grad=True)
    b = Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(RuntimeError) as by_function:
        Mul.apply(a, b).sum().backward()
    with pytest.raises(RuntimeError) as by_rule:
        (a * b).sum().backward()
    function_tail = _tail(str(by_function.value), "<Mul>: Mul.backward ")
    rule_tail = _tail(str(by_rule.value), "<MulBackward>: mul_backward ")
    assert function_tail == rule_tail
    assert rule_tail.startswith("returned an array, not a tuple of gradients: return 2 gradients, one per input")
    assert a.grad is None and b.grad is None


@pytest.mark.parametrize("returned, expected", [
    (lambda grad: (grad, grad, grad), "returned 3 gradients for 2 inputs: return 2 gradients, one per input"),
    (lambda grad: (grad,), "returned 1 gradient for 2 inputs: return 2 gradients, one per input"),
    (lambda grad: None, "returned None, not a tuple of gradients: return 2 gradients, one per input"),
])
def test_a_wrong_number_of_gradients_is_refused_alike(rules, returned, expected):
    class Add(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, grad):
            return returned(grad)

    rules("__add__", lambda grad, out, a, b: returned(grad))
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError) as by_function:
        Add.apply(a, b).sum().backward()
    with pytest.raises(RuntimeError) as by_rule:
        (a + b).sum().backward()
    function_tail = _tail(str(by_function.value), "<Add>: Add.backward ")
    rule_tail = _tail(str(by_rule.value), "<AddBackward>: <lambda> ")
    assert function_tail == rule_tail and rule_tail.startswith(expected), rule_tail


def test_a_constant_counts_as_an_input_whose_gradient_may_be_none():
    class Shift(Function):
        def forward(self, x, c):
            return x + c

        def backward(self, grad):
            return grad, None

    x = Tensor([1.0, 2.0], requires_grad=True)
    out = Shift.apply(x, 3.0)
    assert out._ctx.inputs == (x, None)
    out.sum().backward()
    assert np.allclose(x.grad, [1, 1])


# --- recording ------------------------------------------------------------------------------

def test_tensor_operations_and_activations_record_function_nodes_named_after_them():
    x = Tensor([1.0, -2.0], requires_grad=True)
    nodes = {"<MulBackward>": (x * 2)._ctx, "<AddBackward>": (2 + x)._ctx, "<SumBackward>": x.sum()._ctx,
             "<IndexBackward>": x[0]._ctx, "<ReLUBackward>": ReLU()(x)._ctx}
    for name, node in nodes.items():
        assert repr(node) == name and type(node).__name__ == name.strip("<>")
        assert isinstance(node, BackwardNode) and isinstance(node, Function)
    assert nodes["<MulBackward>"].inputs == (x, None) and nodes["<AddBackward>"].inputs == (None, x)


def test_forward_runs_without_recording_for_every_node():
    """A Function's forward that uses Tensor operations records nothing of its own, as the module-01 methods
    run by the table do: the graph has the one node apply made."""
    class Square(Function):
        def forward(self, data, *, tensor):
            self.inner = tensor * tensor                # a Tensor operation inside forward
            return self.inner.data

        def backward(self, grad):
            return (2 * self.inner.data ** 0.5 * grad,)

    x = Tensor([3.0], requires_grad=True)
    out = Square.apply(x, tensor=x)
    assert out._ctx is not None and out._ctx.inner._ctx is None and not out._ctx.inner.requires_grad


def test_forward_sees_its_inputs():
    class Probe(Function):
        def forward(self, a, b):
            self.seen = self.inputs
            return a + b

        def backward(self, grad):
            return grad, grad

    x = Tensor([1.0], requires_grad=True)
    out = Probe.apply(x, 2.0)
    assert out._ctx.seen == (x, None)


def test_a_function_returning_its_input_tensor_does_not_relabel_it():
    """forward may return a Tensor (the table's nodes return the module-01 result); if it is one of the inputs,
    the node goes on a new Tensor sharing its data, and the input stays a leaf."""
    class Identity(Function):
        def forward(self, data, *, tensor):
            return tensor

        def backward(self, grad):
            return (3 * grad,)

    x = Tensor([1.0, 2.0], requires_grad=True)
    out = Identity.apply(x, tensor=x)
    assert out is not x and x._ctx is None and x.requires_grad
    assert out._ctx is not None and out.data is x.data and out.requires_grad
    out.sum().backward()
    assert np.allclose(x.grad, [3, 3])


def test_no_node_without_grad_mode_or_an_input_requiring_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert (x * 2)._ctx is None and ReLU()(x)._ctx is None
    assert (Tensor([1.0]) * 2)._ctx is None and not (Tensor([1.0]) * 2).requires_grad


def test_a_rule_receives_constants_as_arrays_of_the_output_dtype(rules):
    seen = []

    def spy(grad, out, a, b):
        seen.append((type(a), a.dtype, type(b), b.dtype))
        return grad * b, grad * a

    rules("__mul__", spy)
    for dtype in (np.float32, np.float64):
        x = Tensor([1.0, 2.0], requires_grad=True, dtype=dtype)
        (x * 2).sum().backward()
        (x * np.array([2.0, 3.0], dtype=np.float64)).sum().backward()
    assert seen == [(np.ndarray, np.dtype(dtype), np.ndarray, np.dtype(dtype))
                    for dtype in (np.float32, np.float32, np.float64, np.float64)]
