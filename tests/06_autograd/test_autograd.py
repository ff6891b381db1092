"""Module 06: every operation's gradient against central finite differences (float64),
accumulation, broadcasting reduction, the engine's contract, no_grad/detach, Function."""
import numpy as np
import pytest
from numeric_checks import assert_grad_close, f64, relative_error

from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.autograd import (Function, enable_autograd, is_grad_enabled, no_grad,
                                     numerical_gradient, topological_order, unbroadcast)
from tinytorch.core.tensor import Tensor

def check_gradients(op, *arrays, seed=0):
    """Compare autograd with finite differences for op(*tensors), projected on random weights
    (so that no gradient is trivially zero, e.g. for softmax, whose outputs sum to 1)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    tensors = [f64(a, requires_grad=True) for a in arrays]
    out = op(*tensors)
    weights = np.random.default_rng(seed).normal(size=out.shape)
    (out * f64(weights)).sum().backward()
    for i, t in enumerate(tensors):
        def f(x, i=i):
            args = [f64(x if j == i else a) for j, a in enumerate(arrays)]
            return (op(*args) * f64(weights)).sum()
        assert_grad_close(t.grad, numerical_gradient(f, arrays[i]), what=f"input {i}")
        assert t.grad.dtype == np.float64


rng = np.random.default_rng(42)
N = lambda *shape: rng.normal(size=shape)
P = lambda *shape: rng.uniform(0.5, 2.0, size=shape)            # positive

CASES = {
    "add": (lambda a, b: a + b, N(3, 4), N(3, 4)),
    "add_broadcast_row": (lambda a, b: a + b, N(3, 4), N(4)),
    "add_broadcast_both": (lambda a, b: a + b, N(3, 1), N(1, 4)),
    "add_broadcast_3d": (lambda a, b: a + b, N(2, 3, 4), N(3, 1)),
    "radd_const": (lambda a: 2.0 + a, N(3)),
    "sub": (lambda a, b: a - b, N(2, 3), N(3)),
    "rsub_const": (lambda a: 1.0 - a, N(2, 3)),
    "rsub_array": (lambda a: np.ones((2, 3)) - a, N(2, 3)),
    "mul": (lambda a, b: a * b, N(3, 4), N(3, 4)),
    "mul_broadcast": (lambda a, b: a * b, N(4, 1), N(3)),
    "rmul_const": (lambda a: 3.0 * a, N(5)),
    "div": (lambda a, b: a / b, N(3, 4), P(3, 4)),
    "div_broadcast": (lambda a, b: a / b, N(3, 4), P(1, 4)),
    "rdiv_const": (lambda a: 2.0 / a, P(4)),
    "neg": (lambda a: -a, N(3, 2)),
    "pow2": (lambda a: a ** 2, N(3, 2)),
    "pow3": (lambda a: a ** 3, N(4)),
    "pow_half": (lambda a: a ** 0.5, P(4)),
    "pow_neg": (lambda a: a ** -1.5, P(4)),
    "exp": (lambda a: a.exp(), N(3, 3)),
    "log": (lambda a: a.log(), P(3, 3)),
    "matmul": (lambda a, b: a @ b, N(3, 4), N(4, 2)),
    "matmul_method": (lambda a, b: a.matmul(b), N(2, 5), N(5, 3)),
    "matmul_vec_mat": (lambda a, b: a @ b, N(4), N(4, 3)),
    "matmul_mat_vec": (lambda a, b: a @ b, N(3, 4), N(4)),
    "matmul_vec_vec": (lambda a, b: a @ b, N(4), N(4)),
    "matmul_batched": (lambda a, b: a @ b, N(2, 3, 4), N(2, 4, 5)),
    "matmul_batch_broadcast": (lambda a, b: a @ b, N(2, 3, 4), N(4, 5)),
    "matmul_batch_broadcast_left": (lambda a, b: a @ b, N(3, 4), N(2, 4, 5)),
    "rmatmul_const": (lambda a, c=N(2, 3): c @ a, N(3, 4)),
    "reshape": (lambda a: a.reshape(6, 2), N(3, 4)),
    "reshape_tuple": (lambda a: a.reshape((2, -1)), N(3, 4)),
    "transpose": (lambda a: a.transpose(), N(3, 4)),
    "transpose_dims": (lambda a: a.transpose(0, 2), N(2, 3, 4)),
    "sum_all": (lambda a: a.sum(), N(3, 4)),
    "sum_axis0": (lambda a: a.sum(axis=0), N(3, 4)),
    "sum_axis_neg": (lambda a: a.sum(axis=-1), N(2, 3, 4)),
    "sum_keepdims": (lambda a: a.sum(axis=1, keepdims=True), N(3, 4)),
    "sum_tuple": (lambda a: a.sum(axis=(0, 2)), N(2, 3, 4)),
    "mean_all": (lambda a: a.mean(), N(3, 4)),
    "mean_axis": (lambda a: a.mean(axis=1), N(3, 4)),
    "mean_tuple_keep": (lambda a: a.mean(axis=(0, 1), keepdims=True), N(2, 3, 4)),
    "max_all": (lambda a: a.max(), N(3, 4)),
    "max_axis": (lambda a: a.max(axis=0), N(3, 4)),
    "max_keepdims": (lambda a: a.max(axis=-1, keepdims=True), N(2, 3, 4)),
    "getitem_int": (lambda a: a[1], N(3, 4)),
    "getitem_slice": (lambda a: a[:, 1:3], N(3, 4)),
    "getitem_fancy": (lambda a: a[np.arange(3), np.array([0, 3, 1])], N(3, 4)),
    "getitem_repeated": (lambda a: a[np.array([0, 0, 2, 0])], N(3, 4)),
    "getitem_scalar": (lambda a: a[1, 2], N(3, 4)),
    "relu": (lambda a: ReLU()(a), N(4, 5)),
    "sigmoid": (lambda a: Sigmoid()(a), N(4, 5)),
    "tanh": (lambda a: Tanh()(a), N(4, 5)),
    "gelu": (lambda a: GELU()(a), N(4, 5)),
    "softmax": (lambda a: Softmax()(a), N(4, 5)),
    "softmax_dim0": (lambda a: Softmax(dim=0)(a), N(4, 5)),
    "composite": (lambda a, b, c: Tanh()((a @ b + c) * a.sum(axis=1, keepdims=True)).mean(axis=0),
                  N(3, 4), N(4, 2), N(2)),
    "used_twice": (lambda a: a * a + a, N(3)),
    "used_three_ways": (lambda a, b: (a * b) / (a.exp() + 1) - a.max(axis=0), N(2, 3), N(3)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_finite_differences(name):
    op, *arrays = CASES[name]
    check_gradients(op, *arrays)


# --- hand-computed gradients ----------------------------------------------------------------

def test_max_ties_split_the_gradient_evenly():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    assert np.allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = Tensor([5.0, 1.0, 5.0], requires_grad=True)
    y.max().backward()
    assert np.allclose(y.grad, [0.5, 0, 0.5])


def test_relu_gradient_at_zero_is_zero():
    x = Tensor([-1.0, 0.0, 1.0], requires_grad=True)
    ReLU()(x).sum().backward()
    assert np.array_equal(x.grad, [0, 0, 1])


def test_repeated_indices_accumulate():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    assert np.array_equal(x.grad, [3, 0, 1])


def test_a_second_backward_goes_through_the_same_graph_again():
    a = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    h = a * a
    (2.0 * h).sum().backward()
    (3.0 * h).sum().backward()              # the graph of h is kept: torch would need retain_graph=True
    np.testing.assert_allclose(a.grad, 5.0 * 2.0 * a.data)


def test_tensor_used_twice_sums_both_paths():
    x = Tensor([3.0], requires_grad=True)
    (x * x).sum().backward()                  # d(x^2)/dx = 2x
    assert np.allclose(x.grad, [6])
    a = Tensor([2.0], requires_grad=True)
    b = a * 3
    (b * a + b).sum().backward()              # 3a^2 + 3a -> 6a + 3
    assert np.allclose(a.grad, [15])


def test_broadcast_bias_gets_summed_gradient():
    x = Tensor(np.arange(12.0).reshape(4, 3))
    b = Tensor([0.0, 0.0, 0.0], requires_grad=True)
    c = Tensor([[1.0]], requires_grad=True)
    ((x + b) * c).sum().backward()
    assert np.allclose(b.grad, [4, 4, 4]) and b.grad.shape == (3,)     # one per row
    assert c.grad.shape == (1, 1) and np.allclose(c.grad, 66)


def test_gradients_accumulate_across_backward_calls():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    assert np.allclose(w.grad, [6, 6])
    w.grad = None
    (w * w).sum().backward()
    assert np.allclose(w.grad, [2, 4])


def test_only_leaves_that_require_grad_get_grad():
    a = Tensor([1.0, 2.0], requires_grad=True)
    const = Tensor([3.0, 4.0])
    h = a * const
    (h * 2).sum().backward()
    assert np.allclose(a.grad, [6, 8])
    assert const.grad is None and h.grad is None


def test_float32_gradients_are_float32():
    w = Tensor([1.0, 2.0], requires_grad=True)
    ((w * 0.5) @ Tensor([[1.0], [2.0]], dtype=np.float64)).sum().backward()
    assert w.grad.dtype == np.float32 and np.allclose(w.grad, [0.5, 1.0])


def test_explicit_gradient_for_non_scalar_output():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(np.array([1.0, 0.0, -1.0]))
    assert np.allclose(x.grad, [2, 0, -6])
    y = Tensor([1.0, 2.0], requires_grad=True)
    (y * 2).backward(Tensor([1.0, 1.0]))
    assert np.allclose(y.grad, [2, 2])


def test_backward_on_a_leaf():
    x = Tensor(4.0, requires_grad=True)
    x.backward()
    assert x.grad == 1.0


def test_backward_on_a_leaf_with_a_given_gradient():
    """A leaf that is its own root gets the gradient given (torch: x.grad == gradient), float64 kept."""
    x = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    x.backward(gradient=np.array([3.0, 4.0]))
    assert x.grad is not None and np.allclose(x.grad, [3.0, 4.0]) and x.grad.dtype == np.float64
    x.backward(gradient=[1.0, 1.0])                     # and accumulates across calls
    assert np.allclose(x.grad, [4.0, 5.0])
    s = Tensor([5.0], requires_grad=True)
    s.backward()
    assert s.grad is not None and np.allclose(s.grad, [1.0])


def test_long_chain_does_not_hit_the_recursion_limit():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.sum().backward()
    assert np.allclose(x.grad, [1])


# --- errors ---------------------------------------------------------------------------------

def test_non_scalar_backward_needs_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for scalar outputs.*\(2,\)"):
        (x * 2).backward()


def test_backward_without_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_gradient_of_wrong_shape():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"output's shape \(2,\), got shape \(3,\)"):
        (x * 2).backward(np.ones(3))


def test_function_returning_wrong_shape_is_named():
    class Bad(Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad):
            return (np.ones(5),)

    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"<Bad> returned a gradient of shape \(5,\) for an input of shape \(2,\)"):
        Bad.apply(x).sum().backward()


def test_function_returning_wrong_count():
    class Two(Function):
        def forward(self, x):
            return x

        def backward(self, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match=r"<Two>: Two\.backward returned 2 gradients for 1 input: return \(g,\)"):
        Two.apply(Tensor([1.0], requires_grad=True)).sum().backward()


# --- grad mode, detach ----------------------------------------------------------------------

def test_no_grad_records_nothing_and_restores():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = (w * 2 + 1).sum()
        z = ReLU()(w)
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad and y._ctx is None and z._ctx is None


def test_no_grad_restores_after_exception_and_works_as_decorator():
    with pytest.raises(KeyError):
        with no_grad():
            raise KeyError("x")
    assert is_grad_enabled()

    @no_grad()
    def evaluate(t):
        return t * 2

    out = evaluate(Tensor([1.0], requires_grad=True))
    assert not out.requires_grad and is_grad_enabled()


def test_detach_stops_gradient_and_shares_data():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert d.data is x.data and not d.requires_grad and d._ctx is None
    (x * d).sum().backward()                   # d is a constant: gradient is d, not 2x
    assert np.allclose(x.grad, [1, 2])


def test_requires_grad_propagates():
    x = Tensor([1.0], requires_grad=True)
    assert (x + 1).requires_grad and (x + 1)._ctx is not None
    assert not (Tensor([1.0]) + 1).requires_grad


# --- Function -------------------------------------------------------------------------------

class Scale(Function):
    """out = x * w + c, with a constant c (number, array or None)."""

    def forward(self, x, w, c=None, *, power=1):
        self.x, self.w, self.power = x, w, power
        out = x * w ** power
        return out if c is None else out + c

    def backward(self, grad):
        return grad * self.w ** self.power, grad * self.x * self.power * self.w ** (self.power - 1), None


def test_function_apply_records_node_and_differentiates():
    x = f64([1.0, 2.0], requires_grad=True)
    w = f64([3.0, 4.0], requires_grad=True)
    out = Scale.apply(x, w, 5.0, power=2)
    assert isinstance(out, Tensor) and out.requires_grad and out.dtype == np.float64
    assert isinstance(out._ctx, Scale) and out._ctx.inputs == (x, w, None)
    assert np.allclose(out.data, [14, 37])
    out.sum().backward()
    assert np.allclose(x.grad, [9, 16]) and np.allclose(w.grad, [6, 16])


def test_function_apply_constants_and_no_record():
    out = Scale.apply(np.array([1.0]), 2.0, None)
    assert isinstance(out, Tensor) and not out.requires_grad and out._ctx is None
    assert Scale.apply(Tensor([1.0]), Tensor([2.0])).requires_grad is False
    with no_grad():
        assert Scale.apply(Tensor([1.0], requires_grad=True), 2.0)._ctx is None


def test_function_single_gradient_must_be_a_tuple():
    """Not PyTorch's leniency: every node, a Function or a rule's, returns a tuple, and a bare array is refused
    with the message a rule gets (test_one_recording_path.py compares the two)."""
    class Double(Function):
        def forward(self, x):
            return 2 * x

        def backward(self, grad):
            return 2 * grad

    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"<Double>: Double\.backward returned an array, not a tuple of gradients"):
        Double.apply(x).sum().backward()
    assert x.grad is None


def test_function_broadcast_input_gradient_is_reduced():
    class AddBias(Function):
        def forward(self, x, b):
            return x + b

        def backward(self, grad):
            return grad, grad                   # engine unbroadcasts b's gradient

    b = Tensor([0.0, 0.0], requires_grad=True)
    AddBias.apply(Tensor(np.ones((3, 2))), b).sum().backward()
    assert np.allclose(b.grad, [3, 3])


# --- wrapping -------------------------------------------------------------------------------

def test_enable_autograd_is_idempotent_and_keeps_the_originals():
    original_add = Tensor._autograd_originals["__add__"]
    enable_autograd()
    enable_autograd()
    assert Tensor._autograd_originals["__add__"] is original_add
    assert Tensor.__add__.__wrapped__ is original_add          # one layer of wrapping
    assert ReLU.forward.__wrapped__ is ReLU._autograd_originals["forward"]
    x = Tensor([2.0], requires_grad=True)
    (x * x).sum().backward()
    assert np.allclose(x.grad, [4])                             # not counted twice


def test_forward_values_come_from_the_module_01_code(monkeypatch):
    calls = []
    original = Tensor._autograd_originals["__mul__"]

    def spy(self, other):
        calls.append(1)
        return original(self, other)

    monkeypatch.setitem(Tensor._autograd_originals, "__mul__", spy)
    enable_autograd()
    try:
        x = Tensor([2.0], requires_grad=True)
        y = x * 3
        assert calls == [1] and np.allclose(y.data, [6]) and y._ctx is not None
    finally:
        monkeypatch.undo()
        enable_autograd()
    assert Tensor.__mul__.__wrapped__ is original


def test_op_returning_its_input_does_not_relabel_the_input(monkeypatch):
    """A module-01 reshape that returns `self` for an unchanged shape must not turn its
    input (a leaf) into a non-leaf."""
    original = Tensor._autograd_originals["reshape"]

    def lazy_reshape(self, *shape):
        return self if tuple(shape) == self.shape else original(self, *shape)

    monkeypatch.setitem(Tensor._autograd_originals, "reshape", lazy_reshape)
    enable_autograd()
    try:
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = x.reshape(2)
        assert x._ctx is None and y is not x and y._ctx is not None
        (y * 2).sum().backward()
        assert np.allclose(x.grad, [2, 2])
    finally:
        monkeypatch.undo()
        enable_autograd()


# --- helpers --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape_in, shape_out, expected", [
    ((4, 3), (3,), lambda g: g.sum(0)),
    ((4, 3), (1, 3), lambda g: g.sum(0, keepdims=True)),
    ((4, 3), (4, 1), lambda g: g.sum(1, keepdims=True)),
    ((2, 4, 3), (4, 1), lambda g: g.sum(0).sum(1, keepdims=True)),
    ((2, 4, 3), (), lambda g: g.sum()),
    ((2, 4, 3), (2, 4, 3), lambda g: g),
    ((2, 1, 3), (1, 1, 1), lambda g: g.sum(keepdims=True)),
])
def test_unbroadcast(shape_in, shape_out, expected):
    g = np.arange(float(np.prod(shape_in))).reshape(shape_in)
    out = unbroadcast(g, shape_out)
    assert out.shape == shape_out and np.allclose(out, expected(g))


def test_topological_order_lists_each_tensor_once_after_its_inputs():
    a = Tensor([1.0], requires_grad=True)
    b = Tensor([2.0], requires_grad=True)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == 5 and order[-1] is e
    pos = {id(t): i for i, t in enumerate(order)}
    for t in (c, d, e):
        for inp in t._ctx.inputs:
            assert pos[id(inp)] < pos[id(t)]


@pytest.mark.parametrize("shared_first", [True, False])
def test_topological_order_tensor_shared_with_a_deeper_path(shared_first):
    """L = a + exp(a) (either operand order): `a` is an input of the root and, deeper, of exp(a). A stack walk that
    marks a tensor visited when it pushes it lists exp(a) before a, and a passes its gradient on too early."""
    x = Tensor(0.5, requires_grad=True, dtype=np.float64)
    a = x * 1.0
    e = a.exp()
    L = a + e if shared_first else e + a
    order = topological_order(L)
    pos = {id(t): i for i, t in enumerate(order)}
    assert len(order) == 4 and order[-1] is L
    for t in (a, e, L):
        for inp in t._ctx.inputs:
            if inp is not None:
                assert pos[id(inp)] < pos[id(t)], "a tensor is listed before one of its inputs"
    L.backward()
    assert np.allclose(x.grad, 1.0 + np.exp(0.5))        # dL/dx = 1 + exp(x) = 2.6487


def test_numerical_gradient_known_function_and_input_untouched():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    g = numerical_gradient(lambda v: (v ** 3).sum(), x)
    assert np.allclose(g, 3 * x ** 2, rtol=1e-8) and np.array_equal(x, before)
    assert np.allclose(numerical_gradient(lambda v: f64(v).exp().sum(), x), np.exp(x), rtol=1e-8)
    with pytest.raises(ValueError, match=r"scalar, got shape \(2, 2\)"):
        numerical_gradient(lambda v: v, x)


# --- PyTorch as an oracle -----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_against_torch(seed):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(seed)
    x, w1, b1, w2 = r.normal(size=(6, 5)), r.normal(size=(4, 5)), r.normal(size=4), r.normal(size=(3, 4))
    labels = r.integers(0, 3, size=6)

    def ours():
        ts = [f64(v, requires_grad=True) for v in (x, w1, b1, w2)]
        tx, tw1, tb1, tw2 = ts
        h = GELU()(tx @ tw1.transpose() + tb1)
        logits = Sigmoid()(h) @ tw2.transpose() + Tanh()(h).mean(axis=1, keepdims=True)
        shifted = logits - logits.max(axis=1, keepdims=True).detach()
        logp = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        loss = -logp[np.arange(6), labels].mean() + (Softmax()(h) ** 2).sum() / 10 + ReLU()(tw1).sum()
        loss.backward()
        return loss.item(), [t.grad for t in ts]

    def theirs():
        ts = [torch.tensor(v, requires_grad=True) for v in (x, w1, b1, w2)]
        tx, tw1, tb1, tw2 = ts
        F = torch.nn.functional
        h = F.gelu(tx @ tw1.T + tb1, approximate="tanh")
        logits = torch.sigmoid(h) @ tw2.T + torch.tanh(h).mean(dim=1, keepdim=True)
        loss = F.cross_entropy(logits, torch.tensor(labels)) + (F.softmax(h, dim=-1) ** 2).sum() / 10 \
            + F.relu(tw1).sum()
        loss.backward()
        return loss.item(), [t.grad.numpy() for t in ts]

    (l1, g1), (l2, g2) = ours(), theirs()
    assert l1 == pytest.approx(l2, rel=1e-12)
    for a, b in zip(g1, g2):
        assert relative_error(a, b) < 1e-10
