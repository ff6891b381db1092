# %% [markdown]
# # Module 06: Autograd
#
# Training a network means nudging every parameter against the gradient of the
# loss. A CNN has thousands of parameters and a loss built from hundreds of
# operations; working out each derivative by hand is hopeless. **Automatic
# differentiation** does it mechanically: every operation knows its own local
# derivative, the framework records which operations produced which tensors,
# and one backwards sweep over that record combines the local derivatives with
# the chain rule.
#
# In this module you add that machinery to the `Tensor` of module 01 and the
# activations of module 02, without changing their code: the forward values are
# still computed by what you wrote there. You will write
#
# - `unbroadcast`: undo broadcasting in the backward pass;
# - the **backward rules** of the operations (add, mul, div, pow, exp, log,
#   matmul, sum, ReLU, Sigmoid, Tanh, ...);
# - `topological_order` and the loop inside `Tensor.backward()`.
#
# Given to you: grad mode (`no_grad`), the `Function` base class that module 09
# builds convolutions on, the code that wraps the module-01/02 methods, and
# `numerical_gradient` to check everything.

# %% nbgrader={"grade": false, "grade_id": "autograd-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.autograd
#| export
import functools
import inspect
import weakref
from typing import Callable, NamedTuple

import numpy as np

from tinytorch.core.tensor import Tensor, _result, _unwrap_index  # module 01's: wrap a result, unwrap an index
from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh

# %% [markdown]
# ## 1. The chain rule on a graph
#
# Take `L = sum(relu(x @ W + b))`. Computing it creates a chain of intermediate
# tensors: `h = x @ W`, `z = h + b`, `a = relu(z)`, `L = sum(a)`. That record of
# who was computed from whom is the **computation graph**: tensors are the
# nodes, and each non-leaf tensor remembers the operation and the inputs that
# made it (in tinytorch, `tensor._ctx`).
#
# The chain rule says how a change in `W` reaches `L`:
#
# `dL/dW = dL/da * da/dz * dz/dh * dh/dW`
#
# Reverse-mode differentiation evaluates this product from the left. It starts
# with `dL/dL = 1` and walks the graph backwards; at each node it receives
# `grad_output = dL/d(output)` and turns it into `dL/d(input)` for every input
# with the operation's **backward rule**. Because the loss is one scalar, a
# single backward sweep yields the gradient for every parameter at once, at a
# cost of the same order as the forward pass.
#
# Each rule is a small piece of calculus. For `out = a * b` (element-wise),
# `d out / d a = b`, so `dL/da = grad_output * b` and `dL/db = grad_output * a`.
# For `out = a @ b`, `dL/da = grad_output @ b^T` and `dL/db = a^T @ grad_output`;
# check the shapes: `(n, m) @ (m, k) = (n, k)` is `a`'s shape, as it must be.
# A gradient always has the shape of the tensor it belongs to.
#
# ### Three things the chain rule needs on a graph
#
# **Order.** A node may only send gradient to its inputs once it has received
# *all* of its own gradient. Processing tensors in reverse **topological
# order** (every tensor after all tensors computed from it) guarantees that.
#
# **Accumulation.** When a tensor feeds several operations, a change in it
# reaches the loss along several paths, and the total derivative is the *sum*
# over the paths. In `y = x * x`, `x` is both inputs of the multiplication: the
# two contributions `grad * x` add up to `2x * grad`. So gradients are added,
# never overwritten.
#
# **Broadcasting.** If `b` of shape `(3,)` was broadcast to `(4, 3)` in
# `z = h + b`, then each entry of `b` was used in 4 places: four paths, whose
# gradients sum. Reducing a gradient back to its tensor's shape means summing
# over the axes broadcasting added or stretched.

# %% [markdown]
# ## 2. Grad mode
#
# Recording a graph costs memory and time. When you only evaluate a model
# (validation, inference, or an optimizer updating weights), you switch it off
# with `with no_grad():`, PyTorch's name. `detach()` returns a tensor that shares
# the data but is cut off from the graph: gradient stops there. Given.

# %% nbgrader={"grade": false, "grade_id": "autograd-grad-mode", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class _GradMode:
    enabled = True


def is_grad_enabled():
    """True unless inside a `no_grad()` block."""
    return _GradMode.enabled


class no_grad:
    """Context manager (and decorator) that turns graph recording off."""

    def __enter__(self):
        self._previous = _GradMode.enabled
        _GradMode.enabled = False
        return self

    def __exit__(self, *exc_info):
        _GradMode.enabled = self._previous
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with no_grad():
                return func(*args, **kwargs)
        return wrapper


def detach(self):
    """A tensor sharing this one's data, with no history and requires_grad=False."""
    return Tensor(self.data, dtype=self.dtype)

# %% [markdown]
# ## 3. Nodes and `Function`
#
# A node of the graph (the object in `tensor._ctx`) is a `Node`: it has
# `.inputs`, a tuple with one entry per input (the input Tensor, or None for a
# constant such as the `2` in `x * 2`), and `.backward(grad_output)`, returning
# a tuple with one gradient (np.ndarray or None) per input.
#
# Every node the engine meets is a `Function`, and every one joins the graph
# the same way: through `Function.apply(*inputs, **kwargs)`. `apply` makes the
# node, gives it its inputs, runs its `forward` on the inputs' data inside
# `no_grad()` (so that any Tensor operation forward uses records nothing of its
# own), and wraps the result in a Tensor. Only if grad mode is on and some input requires grad does it make the
# node the result's `_ctx`; and if forward handed back one of its inputs unchanged,
# the node goes on a new Tensor sharing that data, never on the input itself (a
# leaf stays a leaf).
#
# `Function` is also the way to add a new differentiable operation: subclass it,
# compute the result on numpy arrays in `forward` (saving on `self` whatever the
# backward pass needs), write `backward`, and call `MyOp.apply(...)`. Module 09
# builds `Conv2d` on exactly this. The operations of module 01 and the activations
# of module 02 become `Function`s too, further down: one small subclass each,
# whose forward calls the module-01/02 code and whose backward calls the rule you
# write. Given.

# %% nbgrader={"grade": false, "grade_id": "autograd-function", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class Node:
    """A node of the graph (tensor._ctx): what backward() needs of it.

    `inputs`: one Tensor (or None, for a constant) per input; `backward(grad_output)`:
    a tuple with one gradient (np.ndarray or None) per input. `name` shows in repr and errors.
    """

    inputs = ()
    name = None

    def backward(self, grad_output):
        raise NotImplementedError(f"{type(self).__name__} must implement backward().")

    def _backward_name(self):
        """What computes this node's gradients, as error messages name it."""
        return f"{type(self).__name__}.backward"

    def __repr__(self):
        return f"<{self.name or type(self).__name__}>"


def _needs_graph(operands):
    """Whether a result of these operands must record its node: grad mode on, an input requiring grad."""
    return is_grad_enabled() and any(isinstance(x, Tensor) and x.requires_grad for x in operands)


class Function(Node):
    """Base class of differentiable operations, and the one way a node joins the graph.

    Subclasses implement `forward(self, *arrays, **kwargs)` (returning an np.ndarray, or a
    Tensor) and `backward(self, grad_output) -> tuple` (one np.ndarray or None per input),
    and are used through `Subclass.apply(*inputs, **kwargs)`.
    """

    def forward(self, *arrays, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement forward().")

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run forward on the inputs' data; record the node if a gradient is needed.

        Inputs may be Tensors, numbers, ndarrays or None; non-Tensors are constants
        (their slot in `inputs` is None, and so is their gradient). forward receives
        Tensors as their `.data` and everything else unchanged; `self.inputs` is set
        before it runs.
        """
        node = cls()
        node.inputs = tuple(x if isinstance(x, Tensor) else None for x in inputs)
        arrays = tuple(x.data if isinstance(x, Tensor) else x for x in inputs)
        with no_grad():   # forward's own Tensor operations, if any, record nothing
            out = node.forward(*arrays, **kwargs)
        out = out if isinstance(out, Tensor) else _result(out)
        if not _needs_graph(inputs):
            return out
        if any(out is x for x in inputs):   # forward returned an input: never relabel an input
            out = Tensor(out.data, dtype=out.dtype)
        out.requires_grad = True
        out._ctx = node
        return out

# %% [markdown]
# ## 4. Undoing broadcasting
#
# `unbroadcast(grad, shape)` reduces a gradient computed for the broadcast
# shape back to `shape`, the shape of the input it belongs to, by summing the
# repeated copies:
#
# 1. while `grad` has more axes than `shape`, sum over axis 0 (broadcasting
#    added those axes on the left);
# 2. for every axis where `shape` has length 1 but `grad` does not, sum over
#    that axis with `keepdims=True` (broadcasting stretched it).
#
# Example: `b` of shape `(1, 3)` used in a `(4, 3)` sum gets a `(4, 3)` gradient
# and must receive its column sums, shape `(1, 3)`.
#
# **Worked example.** One gradient of shape `(2, 3)`, reduced to three input shapes:
# `(3,)` takes step 1 (an axis was added on the left), `(1, 3)` and `(2, 1)` take step 2
# (an axis of length 1 was stretched). Then a finite difference on a bias `b` of shape
# `(3,)` broadcast over 2 rows: nudging one entry of `b` moves both rows of its column,
# so the loss moves by that column's sum.

# %%
if __name__ == "__main__":
    _g = np.arange(6.0).reshape(2, 3)                  # dL/dz for a z of shape (2, 3)
    print("grad, shape (2, 3):\n", _g, sep="")
    _to_row = _g.sum(axis=0)
    print(f"to (3,):   step 1, grad has 2 axes, (3,) has 1: sum over axis 0 -> {_to_row}, shape {_to_row.shape}")
    _to_row2 = _g.sum(axis=0, keepdims=True)
    print(f"to (1, 3): step 2, axis 0 is 1 in (1, 3) but 2 in grad: sum, keepdims -> {_to_row2.tolist()}, shape {_to_row2.shape}")
    _to_col = _g.sum(axis=1, keepdims=True)
    print(f"to (2, 1): step 2, axis 1 is 1 in (2, 1) but 3 in grad: sum, keepdims -> {_to_col.tolist()}, shape {_to_col.shape}")
    # z = h + b with b broadcast over the rows, L = sum(grad * z): dL/dz = grad.
    _h, _bias, _step = np.ones((2, 3)), np.zeros(3), 1e-3
    _nudged = _bias.copy()
    _nudged[1] += _step
    _slope = ((_g * (_h + _nudged)).sum() - (_g * (_h + _bias)).sum()) / _step
    print(f"finite difference, b[1] nudged by {_step}: slope {_slope:.6f} = grad[0, 1] + grad[1, 1] = {_to_row[1]:g}")
    assert np.isclose(_slope, _to_row[1])
    assert (_to_row.shape, _to_row2.shape, _to_col.shape) == ((3,), (1, 3), (2, 1))

# %% nbgrader={"grade": false, "grade_id": "autograd-unbroadcast", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, giving `shape`."""
    grad = np.asarray(grad)
    shape = tuple(shape)
    ### BEGIN SOLUTION
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, length in enumerate(shape):
        if length == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-autograd-unbroadcast", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def _unbroadcast_slip(g, shape, got):
    """'. Likely bug: ...' when unbroadcast(g, shape) gave what a usual slip gives, replayed here in numpy, and
    that differs from the right sums; else ''."""
    added = tuple(range(g.ndim - len(shape)))
    leading = g.sum(axis=added)                        # the added axes summed, nothing else
    stretched = tuple(a for a, n in enumerate(shape) if n == 1 and leading.shape[a] != 1)
    right = leading.sum(axis=stretched, keepdims=True)
    slips = (
        (leading, "only the leading axes that broadcasting added are summed; an axis where shape has 1 and grad "
                  "does not was stretched, and must be summed too (keepdims=True)"),
        (leading.sum(axis=stretched), "the stretched axes are summed without keepdims=True, so they vanish: "
                                      "keepdims=True keeps shape's 1 there"),
        (g.sum(axis=tuple(range(len(shape), g.ndim))), "the added axes are summed at the end (axis=-1); "
                                                       "broadcasting adds axes at the front, so sum axis 0"),
    )
    for value, hint in slips:
        if np.shape(got) == value.shape and np.allclose(got, value) and not (
                value.shape == right.shape and np.allclose(value, right)):
            return ". Likely bug: " + hint
    return ""


def _check_unbroadcast(g, shape, want, where=""):
    got = unbroadcast(g, shape)
    assert got is not None, "unbroadcast returned None: return the summed gradient"
    want = np.asarray(want, dtype=float)
    assert np.shape(got) == want.shape and np.allclose(got, want), (
        f"unbroadcast(grad of shape {g.shape}, {shape}){where}: expected shape {want.shape}, "
        f"{np.round(want, 4).tolist()}, got shape {np.shape(got)}, {np.round(np.asarray(got, dtype=float), 4).tolist()}"
        + _unbroadcast_slip(g, shape, got))


def test_unit_unbroadcast():
    g = np.arange(12.0).reshape(4, 3)
    _check_unbroadcast(g, (3,), [18, 22, 26])           # the rows added up: 0 + 3 + 6 + 9 = 18, ...
    _check_unbroadcast(g, (1, 3), [[18, 22, 26]])
    _check_unbroadcast(g, (4, 1), [[3], [12], [21], [30]])
    _check_unbroadcast(g, (), 66)
    _check_unbroadcast(g, (4, 3), g)
    _check_unbroadcast(np.ones((2, 4, 3)), (4, 1), np.full((4, 1), 6.0))
    ### BEGIN HIDDEN TESTS
    g = np.random.default_rng(601).standard_normal((3, 2, 5))
    for shape, want in (((5,), g.sum(axis=(0, 1))), ((2, 1), g.sum(axis=(0, 2))[:, None]),
                        ((3, 1, 5), g.sum(axis=1, keepdims=True)), ((), g.sum())):
        _check_unbroadcast(g, shape, want, where=", an input the notebook does not show, numpy's sums")
    ### END HIDDEN TESTS
    print("unbroadcast: ok")


if __name__ == "__main__":
    test_unit_unbroadcast()

# %% [markdown]
# ## 5. Backward rules
#
# A backward rule is a plain function
#
# `rule(grad, out, *inputs, **params) -> tuple of gradients, one per input`
#
# where `grad` is `dL/d(out)` (an array of `out`'s shape), `out` the forward
# result, `inputs` the input arrays (constants included, as arrays) and
# `params` the operation's other arguments (`axis`, `exponent`, ...). Return
# gradients of the *broadcast* shape without worrying: the engine calls
# `unbroadcast` on each. Every rule is the local derivative times `grad`:
#
# | op | gradient(s) |
# | --- | --- |
# | `a + b` | `grad`, `grad` |
# | `a - b` | `grad`, `-grad` |
# | `a * b` | `grad * b`, `grad * a` |
# | `a / b` | `grad / b`, `-grad * a / b**2` |
# | `a ** p` | `grad * p * a**(p-1)` |
# | `exp(a)` | `grad * out` (the derivative of e^a is e^a) |
# | `log(a)` | `grad / a` |
# | `a @ b` | `grad @ b^T`, `a^T @ grad` (transpose = swap the last two axes) |
#
# **Worked example.** The chain rule by hand on two nodes, `u = a * b` and then
# `L = u / c`, with numbers. The backward pass starts from `dL/dL = 1`. The division's
# rule turns it into `dL/du` and `dL/dc`; the multiplication's rule then receives `dL/du`
# as its `grad` and multiplies it by its local derivatives (`b` for `a`, `a` for `b`).
# Each line is *incoming gradient times local derivative*, exactly what a rule returns;
# central differences on `L` confirm all three results:

# %%
if __name__ == "__main__":
    _a, _b, _c = 3.0, -2.0, 4.0
    _u = _a * _b
    _out = _u / _c
    print(f"forward:  u = a * b = {_a:g} * {_b:g} = {_u:g};   L = u / c = {_u:g} / {_c:g} = {_out:g}")
    _grad_out = 1.0                                    # dL/dL
    _grad_u = _grad_out / _c                           # a / b rule, first input:  grad / b
    _grad_c = -_grad_out * _u / _c ** 2                # a / b rule, second input: -grad * a / b**2
    print(f"node L = u / c:  dL/du = 1 / c = {_grad_u:g},   dL/dc = -1 * u / c**2 = {_grad_c:g}")
    _grad_a = _grad_u * _b                             # a * b rule: grad * b
    _grad_b = _grad_u * _a                             #             grad * a
    print(f"node u = a * b:  dL/da = dL/du * b = {_grad_u:g} * {_b:g} = {_grad_a:g},   "
          f"dL/db = dL/du * a = {_grad_u:g} * {_a:g} = {_grad_b:g}")
    _eps = 1e-6
    _numeric = (((_a + _eps) * _b / _c - (_a - _eps) * _b / _c) / (2 * _eps),
                (_a * (_b + _eps) / _c - _a * (_b - _eps) / _c) / (2 * _eps),
                (_u / (_c + _eps) - _u / (_c - _eps)) / (2 * _eps))
    print("central differences: dL/da, dL/db, dL/dc ~", ", ".join(f"{_v:.6f}" for _v in _numeric))
    assert np.allclose(_numeric, (_grad_a, _grad_b, _grad_c))

# %% [markdown]
# ### Your turn: element-wise rules

# %% nbgrader={"grade": false, "grade_id": "autograd-rules-elementwise", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def add_backward(grad, out, a, b):
    """Gradients of out = a + b."""
    ### BEGIN SOLUTION
    return grad, grad
    ### END SOLUTION


def sub_backward(grad, out, a, b):
    """Gradients of out = a - b."""
    ### BEGIN SOLUTION
    return grad, -grad
    ### END SOLUTION


def mul_backward(grad, out, a, b):
    """Gradients of out = a * b."""
    ### BEGIN SOLUTION
    return grad * b, grad * a
    ### END SOLUTION


def div_backward(grad, out, a, b):
    """Gradients of out = a / b."""
    ### BEGIN SOLUTION
    return grad / b, -grad * a / (b * b)
    ### END SOLUTION


def pow_backward(grad, out, a, exponent):
    """Gradient of out = a ** exponent (exponent a number)."""
    ### BEGIN SOLUTION
    return (grad * exponent * a ** (exponent - 1),)
    ### END SOLUTION


def exp_backward(grad, out, a):
    """Gradient of out = exp(a)."""
    ### BEGIN SOLUTION
    return (grad * out,)
    ### END SOLUTION


def log_backward(grad, out, a):
    """Gradient of out = log(a)."""
    ### BEGIN SOLUTION
    return (grad / a,)
    ### END SOLUTION


def neg_backward(grad, out, a):
    """Gradient of out = -a (given)."""
    return (-grad,)

# %% [markdown]
# The checks of the rules, and of the engine below, call your rules on one sample each and compare
# with numpy. They are defined once, in the given cell below: a check of the engine first checks the
# rules it runs, so that a slip in a rule is reported by its own check, not as a fault of the engine.

# %% nbgrader={"grade": false, "grade_id": "check-helpers-rules", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
import numpy as np

_ELEMENTWISE = ("add_backward", "sub_backward", "mul_backward", "div_backward", "pow_backward", "exp_backward",
                "log_backward")


def _rule_sample(label):
    """One sample of a rule: (the rule's name, the item that checks it, the call as text, a function making the
    call, the expected gradients as (input, formula, value)). The values are numpy's, computed here."""
    a, b, g = np.array([1.0, 2.0, 4.0]), np.array([2.0, -1.0, 0.5]), np.array([1.0, 10.0, 100.0])
    rows, grad_rows = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([[10.0], [20.0]])
    binary = f"(grad={g.tolist()}, out, a={a.tolist()}, b={b.tolist()})"
    unary = f"(grad={g.tolist()}, out, a={a.tolist()})"
    item = "test-autograd-elementwise-rules"
    samples = {
        "add_backward": (item, binary, lambda: add_backward(g, a + b, a, b), (("a", "grad", g), ("b", "grad", g))),
        "sub_backward": (item, binary, lambda: sub_backward(g, a - b, a, b), (("a", "grad", g), ("b", "-grad", -g))),
        "mul_backward": (item, binary, lambda: mul_backward(g, a * b, a, b),
                         (("a", "grad * b", g * b), ("b", "grad * a", g * a))),
        "div_backward": (item, binary, lambda: div_backward(g, a / b, a, b),
                         (("a", "grad / b", g / b), ("b", "-grad * a / b ** 2", -g * a / b ** 2))),
        "pow_backward": (item, f"(grad={g.tolist()}, out, a={a.tolist()}, exponent=3)",
                         lambda: pow_backward(g, a ** 3, a, exponent=3),
                         (("a", "grad * exponent * a ** (exponent - 1)", 3 * g * a ** 2),)),
        "exp_backward": (item, unary, lambda: exp_backward(g, np.exp(a), a), (("a", "grad * out", g * np.exp(a)),)),
        "log_backward": (item, unary, lambda: log_backward(g, np.log(a), a), (("a", "grad / a", g / a),)),
        "sum_backward(axis=1, keepdims=True)": (
            "test-autograd-matmul-sum-rules", f"(grad={grad_rows.tolist()}, out, a of shape (2, 3), axis=1, keepdims=True)",
            lambda: sum_backward(grad_rows, rows.sum(axis=1, keepdims=True), rows, axis=1, keepdims=True),
            (("a", "grad copied along the summed axis", np.broadcast_to(grad_rows, rows.shape)),)),
        "sum_backward(axis=None)": (
            "test-autograd-matmul-sum-rules", "(grad=3.0, out, a of shape (2, 3), axis=None)",
            lambda: sum_backward(np.array(3.0), rows.sum(), rows, axis=None),
            (("a", "grad copied to every element", np.full(rows.shape, 3.0)),)),
    }
    return (label.split("(")[0], *samples[label])


def _what(value):
    return "an array" if isinstance(value, np.ndarray) else "None" if value is None else f"a {type(value).__name__}"


def _rule_gradients(label):
    """(the gradients the rule returned, None) when it returned one per input; else (None, what is wrong)."""
    name, _, call, make_call, expected = _rule_sample(label)
    try:
        grads = make_call()
    except Exception as error:
        return None, f"{name}{call} raised {type(error).__name__}: {error}"
    if not isinstance(grads, (tuple, list)):
        fix = "return (g,) with the comma" if len(expected) == 1 else "return (grad_a, grad_b), one per input"
        return None, f"{name} returned {_what(grads)}, not a tuple of gradients: {fix}"
    if len(grads) != len(expected):
        formulas = ", ".join(formula for _, formula, _ in expected)
        return None, f"{name}{call} returned {len(grads)} gradients for {len(expected)} inputs: expected ({formulas},)"
    return tuple(grads), None


def _as_array(value):
    try:
        return None if value is None else np.asarray(value, dtype=np.float64)
    except Exception:
        return None


def _close(got, want):
    return got is not None and got.shape == want.shape and np.allclose(got, want)


def _operand_problem(label, index, grads):
    """What is wrong with the gradient `grads[index]` of input `index` (None: it is right)."""
    name, _, call, _, expected = _rule_sample(label)
    operand, formula, want = expected[index]
    got = _as_array(grads[index])
    if _close(got, want):
        return None
    message = f"{name}{call}: the gradient of {operand} is {formula} = {want.tolist()}, got " + \
        ("None" if got is None else f"{got.tolist()}")
    others = [position for position, (_, _, other_want) in enumerate(expected) if position != index and _close(got, other_want)]
    if others and _close(_as_array(grads[others[0]]), want):     # each slot holds the other's gradient
        message += (f". Likely bug: that is {expected[others[0]][0]}'s gradient ({expected[others[0]][1]}): the two "
                    "gradients are swapped; return them in the order of the inputs")
    elif got is not None and _close(-got, want):
        message += (f". Likely bug: {operand}'s gradient should be {formula}: the "
                    + ("minus sign is missing" if formula.startswith("-") else "sign is flipped"))
    elif others:
        message += (f". Likely bug: that is {expected[others[0]][0]}'s gradient ({expected[others[0]][1]}), not "
                    f"{operand}'s: each input gets its own gradient")
    else:
        slip = next((hint for value, hint in _rule_slips(label, index) if _close(got, value)), None)
        message += f". Likely bug: {slip}" if slip else ""
    return message


def _rule_slips(label, index):
    """The common slips in the gradient of input `index` of a rule, on its sample: (what the slip gives, the hint).
    First the chain rule's own slip, the incoming grad left out (any rule), then the rule's own ones."""
    name, _, _, _, expected = _rule_sample(label)
    a, b, g = np.array([1.0, 2.0, 4.0]), np.array([2.0, -1.0, 0.5]), np.array([1.0, 10.0, 100.0])
    want = expected[index][2]
    slips = []
    if want.shape == g.shape:
        slips.append((want / g, "the incoming grad is not multiplied in: by the chain rule each gradient is grad "
                                "times the local derivative"))
    slips += {
        ("div_backward", 1): [(-g * a / b, "b is not squared: the derivative of a / b with respect to b is "
                                           "-a / b ** 2, so -grad * a / (b * b)")],
        ("pow_backward", 0): [(3 * g * a ** 3 - 1, "a ** exponent - 1 without parentheses: ** binds tighter than -, "
                                                 "write a ** (exponent - 1)"),
                              (3 * g * a ** 3, "the power is exponent, not exponent - 1: write a ** (exponent - 1)")],
        ("log_backward", 0): [(np.array([np.inf, *(g[1:] / np.log(a[1:]))]),    # log(a[0]) = log(1) = 0
                               "grad / out divides by log(a), the output; the derivative of log a is 1 / a: grad / a")],
        ("exp_backward", 0): [(g * a, "grad * a multiplies by the input; the derivative of e^a is e^a itself, the "
                                      "output: grad * out")],
    }.get((name, index), [])
    return slips


def _rule_problem(label):
    """None when the rule gives the expected gradients on its sample, else the first thing wrong, in words."""
    grads, problem = _rule_gradients(label)
    if problem is None:
        problem = next((found for index in range(len(grads)) if (found := _operand_problem(label, index, grads))), None)
    return problem


def _one_gradient(name, grads):
    """The one gradient of a one-input rule's result; a failure naming the rule when it is not a 1-tuple."""
    assert isinstance(grads, (tuple, list)), f"{name} returned {_what(grads)}, not a tuple of gradients: return (g,) with the comma"
    assert len(grads) == 1, f"{name} returned {len(grads)} gradients for 1 input: return (g,)"
    return grads[0]


def _unbroadcast_problem(shapes=((2, 1), (2,)), rows_differ=False):
    """'' when your unbroadcast reduces a (2, 2) gradient to each of `shapes` ((2, 1): an axis stretched; (2,): an axis
    added) as numpy's sums do; else what is wrong. A check whose broadcasts add axes to an input of its own shape
    (test_unit_backward) asks for rows_differ, so that summing the last axis instead of the first shows."""
    grad, what = (np.arange(4.0).reshape(2, 2), "np.arange(4.0).reshape(2, 2)") if rows_differ else \
        (np.ones((2, 2)), "np.ones((2, 2))")
    for shape in shapes:
        want = grad.sum(axis=0) if len(shape) == 1 else grad.sum(axis=1, keepdims=True)
        try:
            got = _as_array(unbroadcast(grad, shape))
        except Exception as error:
            return (f"this check runs your unbroadcast, which is wrong (see test-autograd-unbroadcast); fix it first: "
                    f"unbroadcast({what}, {shape}) raised {type(error).__name__}: {error}")
        if got is None or got.shape != want.shape or not np.allclose(got, want):
            return (f"this check runs your unbroadcast, which is wrong (see test-autograd-unbroadcast); fix it first: "
                    f"unbroadcast({what}, {shape}) should be {want.tolist()}, got {None if got is None else got.tolist()}")
    return ""


def _runs_rules(labels):
    """A check of the engine runs these rules of yours: the first wrong one's message ('' when all are right)."""
    for label in labels:
        problem = _rule_problem(label)
        if problem:
            name, item = _rule_sample(label)[:2]
            return f"this check runs your {name}, which is wrong (see {item}); fix it first: {problem}"
    return ""


def _subtraction():
    """How the engine's checks compute x - y: ("sub", "") when your sub_backward is right; else ("mul", "") when
    add_backward and mul_backward are, for x + (-1.0) * y (mul's two gradients differ, as sub's do, so an engine
    that hands a gradient to the wrong input still shows); else (None, what is wrong). A slip in sub then costs
    its own item and the losses (which run it), not the engine's items."""
    if not _rule_problem("sub_backward"):
        return "sub", ""
    if not _rule_problem("add_backward") and not _rule_problem("mul_backward"):
        return "mul", ""
    return None, (_runs_rules(("sub_backward",)) + ". (With sub_backward wrong, this check would compute x - y as "
                  "x + (-1.0) * y, but that runs add_backward and mul_backward, and one of them is wrong too.)")


def _minus(how, x, y):
    """x - y as _subtraction() says: by your sub, or as x + (-1.0) * y (a node Mul whose inputs are (None, y))."""
    return x - y if how == "sub" else x + (-1.0) * y


def _order_hint(root):
    """' Likely bug: ...' when topological_order(root) starts with a tensor computed by an operation, as a root-first
    order does ('' otherwise, or when it cannot be called)."""
    try:
        first = next(iter(topological_order(root)), None)
    except Exception:
        return ""
    if first is None or first._ctx is None:
        return ""
    return (" Likely bug: topological_order lists a tensor computed by an operation first (the root?): it must list "
            "every tensor after the tensors it was computed from, leaves first and the root last. backward() walks it "
            "from the end, so that a tensor passes its gradient on only after receiving all of it")


def _leaf_grad(leaf, root, what, name="x"):
    """leaf.grad as a float64 array; a failure saying what went wrong when backward() left it None."""
    got = _as_array(leaf.grad)
    assert got is not None, f"{what}: {name}.grad is None after backward(): no gradient reached {name}.{_order_hint(root)}"
    return got


def _reduction_problem():
    """'' unless backward() hands an input a gradient of another shape than its own (the broadcast one): then what
    happened and the fix. Faults of another kind are left to the checks that follow."""
    x = Tensor(np.ones((2, 2)), requires_grad=True, dtype=np.float64)
    v = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    try:
        (x + v).backward(gradient=np.ones((2, 2)))
        shape = None if v.grad is None else np.shape(v.grad)
    except Exception:
        return ""
    if shape is None or shape == (2,):
        return ""
    return (f"y = x + v with x of shape (2, 2) and v of shape (2,), backward(gradient=np.ones((2, 2))): v.grad has "
            f"shape {shape}, v has shape (2,). Likely bug: a gradient of shape (2, 2), the broadcast shape, reached an "
            "input of shape (2,): backward() must pass each input's gradient through _reduce_input_grad(node, inp, g) "
            "(given: it unbroadcasts the gradient to the input's shape) before adding it")


def _pairing_problem():
    """'' unless backward() gives the inputs of y = a - b (your sub_backward being right) and of y = -c the gradients
    a known slip in pairing the rule's gradients with the inputs gives: then what came and that slip."""
    if _subtraction()[0] != "sub":
        return ""
    g = np.array([1.0, 2.0])
    try:
        a, b, c = (Tensor([3.0, 5.0], requires_grad=True, dtype=np.float64) for _ in range(3))
        (a - b).backward(gradient=g)
        (-c).backward(gradient=g)
        got = [_as_array(t.grad) for t in (a, b, c)]
    except Exception:
        return ""
    suspects = [((g, g, -g), "every input gets the rule's first gradient: input i gets the rule's gradient i, as "
                             "zip(node.inputs, input_grads) pairs them"),
                ((-g, g, -g), "the inputs are paired with the rule's gradients in reverse order: input i gets the "
                              "rule's gradient i, in the order of node.inputs"),
                ((g, g, g), "the rules are not called: each input gets the output's gradient; by the chain rule it "
                            "gets the node's rule's gradient for it (_call_node(node, grad)), -grad for b in a - b")]
    slip = next((hint for values, hint in suspects if all(map(_close, got, values))), None)
    if slip is None or all(map(_close, got, (g, -g, -g))):
        return ""
    return (f"y = a - b and y = -c, backward(gradient={g.tolist()}): expected a.grad = {g.tolist()}, b.grad = "
            f"{(-g).tolist()}, c.grad = {(-g).tolist()}; got {got[0].tolist()}, {got[1].tolist()}, {got[2].tolist()}. "
            f"Likely bug: {slip}")

# %% nbgrader={"grade": true, "grade_id": "test-autograd-elementwise-rules", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_elementwise_rules():
    # One sample per rule (_rule_sample, in the given cell above): one assert per input's gradient.
    for label in _ELEMENTWISE:
        grads, problem = _rule_gradients(label)
        assert problem is None, problem
        for index in range(len(grads)):
            problem = _operand_problem(label, index, grads)
            assert problem is None, problem
    zero_and_three = np.array([0.0, 3.0])
    for exponent, slopes in ((2, [0, 6]), (1, [1, 1]), (3, [0, 27])):   # at a = 0: 0 for a**2, 1 for a**1
        (gp,) = pow_backward(np.ones(2), zero_and_three ** exponent, zero_and_three, exponent=exponent)
        assert np.allclose(gp, slopes), (
            f"pow_backward of a ** {exponent} at a = [0, 3]: expected slopes {slopes}, got {gp}. Likely bug: "
            "exponent * out / a divides by a, which is 0 here (and no fixed value at a = 0 is right for every "
            "exponent); write exponent * a ** (exponent - 1)")
    ### BEGIN HIDDEN TESTS
    a, b, g = np.random.default_rng(602).uniform(0.5, 2, (3, 4)) * [[1], [-1], [3]]   # expected: central differences
    for rule, f in {add_backward: np.add, sub_backward: np.subtract, mul_backward: np.multiply, div_backward: np.divide,
                    pow_backward: lambda a: a ** 4, exp_backward: np.exp, log_backward: np.log}.items():
        ops = (a, b)[:getattr(f, "nin", 1)]
        for i, got in enumerate(rule(g, f(*ops), *ops, **({"exponent": 4} if rule is pow_backward else {}))):
            step = [1e-6 * (j == i) for j in range(len(ops))]
            want = g * (f(*(x + d for x, d in zip(ops, step))) - f(*(x - d for x, d in zip(ops, step)))) / 2e-6
            assert _close(_as_array(got), want), (f"{rule.__name__}, an input the notebook does not show: a = "
                f"{a.round(3).tolist()}, b = {b.round(3).tolist()}, grad = {g.round(3).tolist()} (pow: exponent 4): the "
                f"gradient of {'ab'[i]} is {want.round(4).tolist()} (central differences), got {_as_array(got)}")
    ### END HIDDEN TESTS
    print("element-wise rules: ok")


if __name__ == "__main__":
    test_unit_elementwise_rules()

# %% [markdown]
# ### Your turn: matmul and reductions
#
# `matmul_backward` may assume both inputs have at least 2 axes (the engine
# turns vectors into 1-row or 1-column matrices before calling it, and back
# afterwards). Use `np.swapaxes(x, -1, -2)` for the transpose so a batch of
# matrices works too; if a batch axis was broadcast, `unbroadcast` sums over it.
#
# `sum_backward`: every input element contributed to its sum with slope 1, so
# each receives the gradient of the sum it went into. Put the reduced axes back
# and broadcast:
#
# - if `axis` is not None and `keepdims` is False, the reduced axes are gone
#   from `grad`; `np.expand_dims(grad, axis)` reinserts them as length-1 axes
#   (it accepts a tuple of axes too);
# - `np.broadcast_to(grad, a.shape)` then copies the values along them (with
#   `axis=None`, `grad` is a scalar and broadcasts directly).
#
# `mean` is a sum divided by the number of elements averaged, so its rule (given)
# reuses yours. So does `max`: the gradient goes to the element(s) that were the
# maximum. **Ties** (several elements equal to the maximum) **split the gradient
# evenly** among them: it keeps the rule symmetric, and the shares add up to
# `grad`, the slope of `max` when all the tied elements move together. (For a tie
# of two, a share of 1/2 is also the average of the one-sided derivatives, 1 and 0;
# for larger ties it is not.) PyTorch's
# `amax` does the same; its `max(dim)` picks one index instead.
#
# **Worked example.** Where `grad @ b^T` comes from: `a[i, k]` meets `b[k, j]` in
# `out[i, j]` for every column `j`, so `dL/da[i, k]` is the sum over `j` of
# `grad[i, j] * b[k, j]`, one dot product per entry, and all of them together are the
# matrix product (shape `(2, 3) @ (3, 2)`, the shape of `a`). Then the reduction: the
# gradient of row sums gets its summed axis back as length 1, and broadcasting copies
# each row's value along that row.

# %%
if __name__ == "__main__":
    _a = np.array([[1.0, 2.0], [3.0, 4.0]])                    # (2, 2)
    _b = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])         # (2, 3)
    _g = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])          # dL/d(out), out = a @ b: (2, 3)
    _grad_a = np.zeros_like(_a)
    for _i in range(2):
        for _k in range(2):
            _grad_a[_i, _k] = sum(_g[_i, _j] * _b[_k, _j] for _j in range(3))
            _terms = " + ".join(f"{_g[_i, _j]:g}*{_b[_k, _j]:g}" for _j in range(3))
            print(f"dL/da[{_i},{_k}] = sum_j grad[{_i},j] * b[{_k},j] = {_terms} = {_grad_a[_i, _k]:g}")
    print(f"grad {_g.shape} @ b^T {_b.T.shape} =\n{_g @ _b.T}")
    assert np.array_equal(_grad_a, _g @ _b.T) and (_g.shape, _b.T.shape) == ((2, 3), (3, 2))
    assert (_g @ _b.T).shape == _a.shape
    _rows = np.arange(6.0).reshape(2, 3)
    _grad_rows = np.array([10.0, 20.0])                         # dL/d(out), out = rows.sum(axis=1): (2,)
    _expanded = np.expand_dims(_grad_rows, 1)
    _copied = np.broadcast_to(_expanded, _rows.shape)
    print(f"sum(axis=1) of a {_rows.shape} input: grad {_grad_rows.shape} {_grad_rows.tolist()} "
          f"-> expand_dims(grad, 1) {_expanded.shape} {_expanded.tolist()} -> broadcast_to {_copied.shape} {_copied.tolist()}")

# %% nbgrader={"grade": false, "grade_id": "autograd-rules-matmul-sum", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def matmul_backward(grad, out, a, b):
    """Gradients of out = a @ b, for a and b with at least 2 axes."""
    ### BEGIN SOLUTION
    return grad @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ grad
    ### END SOLUTION


def sum_backward(grad, out, a, axis=None, keepdims=False):
    """Gradient of out = a.sum(axis, keepdims): grad copied back over the summed axes."""
    ### BEGIN SOLUTION
    if axis is not None and not keepdims:
        grad = np.expand_dims(grad, axis)
    return (np.broadcast_to(grad, a.shape),)
    ### END SOLUTION


def mean_backward(grad, out, a, axis=None, keepdims=False):
    """Gradient of out = a.mean(axis, keepdims) (given): the sum's, divided by the count."""
    count = a.size // max(np.size(out), 1)
    (g,) = sum_backward(grad, out, a, axis=axis, keepdims=keepdims)
    return (g / count,)


def max_backward(grad, out, a, axis=None, keepdims=False):
    """Gradient of out = a.max(axis, keepdims) (given); ties share the gradient evenly."""
    (g,) = sum_backward(grad, out, a, axis=axis, keepdims=keepdims)
    (m,) = sum_backward(out, out, a, axis=axis, keepdims=keepdims)  # max copied back
    is_max = (a == m)
    count = is_max.sum(axis=axis, keepdims=True)
    return (g * is_max / count,)


def reshape_backward(grad, out, a, shape=None):
    """Gradient of out = a.reshape(shape) (given): reshape back."""
    return (np.reshape(grad, a.shape),)


def transpose_backward(grad, out, a, dim0=-2, dim1=-1):
    """Gradient of out = a.transpose(dim0, dim1) (given): swap the same axes back."""
    return (np.swapaxes(grad, dim0, dim1),)


def getitem_backward(grad, out, a, index):
    """Gradient of out = a[index] (given): scatter grad back into a's shape.

    np.add.at adds at repeated indices (a[[0, 0]] sends both gradients to a[0]);
    plain `g[index] += grad` would keep only one of them.
    """
    g = np.zeros(a.shape, dtype=np.result_type(grad, a))
    np.add.at(g, index, grad)
    return (g,)


def _matmul_nd_backward(grad, out, a, b):
    """Call matmul_backward with vectors promoted to matrices, then undo the promotion."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    g2 = np.reshape(grad, batch + (a2.shape[-2], b2.shape[-1]))   # put the vectors' axes back
    ga, gb = matmul_backward(g2, out, a2, b2)
    return (unbroadcast(ga, a2.shape).reshape(a.shape),
            unbroadcast(gb, b2.shape).reshape(b.shape))

# %% nbgrader={"grade": true, "grade_id": "test-autograd-matmul-sum-rules", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_matmul_sum_rules():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])   # (3, 2)
    b = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]])     # (2, 3)
    g = np.ones((3, 3))
    transposes = ("grad_a = grad @ b^T and grad_b = a^T @ grad, each of its input's shape: transpose with "
                  "np.swapaxes(x, -1, -2)")
    try:
        ga, gb = matmul_backward(g, a @ b, a, b)
    except ValueError as error:
        raise AssertionError(f"matmul_backward(grad of shape (3, 3), out, a of shape (3, 2), b of shape (2, 3)) raised "
                             f"ValueError: {error}. Likely bug: a product of shapes that do not fit; {transposes}") from None
    shapes = (np.shape(ga), np.shape(gb))
    assert shapes == ((3, 2), (2, 3)), f"matmul_backward: shapes {shapes[0]}, {shapes[1]}; expected (3, 2), (2, 3)" + (
        f". Likely bug: the two gradients are swapped: return (grad_a, grad_b), {transposes}"
        if shapes == ((2, 3), (3, 2)) else "")
    np.testing.assert_allclose(ga, [[3, 4], [3, 4], [3, 4]], err_msg="matmul_backward: grad_a = grad @ b^T (row sums of b)")
    np.testing.assert_allclose(gb, [[9, 9, 9], [12, 12, 12]], err_msg="matmul_backward: grad_b = a^T @ grad (column sums of a)")
    # A batch of matrices (2, 3, 4) @ (2, 4, 5): only the last two axes are transposed.
    rng = np.random.default_rng(6)
    a3, b3, g3 = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 3, 5))
    try:
        ga3, gb3 = matmul_backward(g3, a3 @ b3, a3, b3)
    except ValueError as error:
        try:
            g3 @ b3.T                        # the slip .T, replayed: does it fail here too?
            slip = ""
        except ValueError:
            slip = (f". Likely bug: .T reverses every axis, so a batch's b{b3.shape} becomes {b3.T.shape}; transpose "
                    "only the last two axes: np.swapaxes(x, -1, -2)")
        raise AssertionError(f"matmul_backward on a batch {a3.shape} @ {b3.shape} raised ValueError: {error}{slip}") \
            from None
    expected_a = np.stack([g3[i] @ b3[i].T for i in range(2)])
    expected_b = np.stack([a3[i].T @ g3[i] for i in range(2)])
    assert np.shape(ga3) == (2, 3, 4) and np.shape(gb3) == (2, 4, 5), (
        f"matmul_backward on a batch (2, 3, 4) @ (2, 4, 5): got shapes {np.shape(ga3)}, {np.shape(gb3)}; "
        "transpose only the last two axes (np.swapaxes(x, -1, -2)), not all of them (.T)")
    np.testing.assert_allclose(ga3, expected_a, err_msg="matmul_backward on a batch: grad_a per matrix")
    np.testing.assert_allclose(gb3, expected_b, err_msg="matmul_backward on a batch: grad_b per matrix")
    # matmul_backward is right from here on; the rest checks sum_backward (and the given mean_backward through it),
    # and its messages say so: one item, two rules.
    passed = "matmul_backward passed its checks above; "
    tuple_hint = (". Likely bug: axis may be a tuple of axes, as in a.sum(axis=(0, 2)): put back every summed axis "
                  "(np.expand_dims(grad, axis) accepts a tuple), not only one")

    def summed(text, call, hint=""):
        try:
            grads = call()
        except Exception as error:
            raise AssertionError(f"{passed}sum_backward{text} raised {type(error).__name__}: {error}{hint}") from error
        try:
            return _one_gradient("sum_backward", grads)
        except AssertionError as error:
            raise AssertionError(passed + str(error)) from None

    gs = summed("(grad=[1.0, 2.0], out, a of shape (2, 2), axis=1)",
                lambda: sum_backward(np.array([1.0, 2.0]), a.sum(axis=1)[:2], a[:2], axis=1))
    np.testing.assert_allclose(gs, [[1, 1], [2, 2]], err_msg=passed + "sum_backward(axis=1)" + (
        ". Likely bug: the summed axis was not put back, so grad [1.0, 2.0] broadcast along the wrong axis: "
        "np.expand_dims(grad, axis) first, then np.broadcast_to(grad, a.shape)"
        if _close(_as_array(gs), np.array([[1.0, 2.0], [1.0, 2.0]])) else ". Likely bug: the incoming grad is not "
        "multiplied in: a sum passes grad itself to each element it summed (the local derivative 1 times grad), "
        "not ones" if _close(_as_array(gs), np.ones((2, 2))) else ""))
    # A square input: the gradient of row sums copies each row's value along that row, not down the columns.
    sq = np.arange(9.0).reshape(3, 3)
    gs = summed("(grad=[1.0, 2.0, 3.0], out, a of shape (3, 3), axis=1)",
                lambda: sum_backward(np.array([1.0, 2.0, 3.0]), sq.sum(axis=1), sq, axis=1))
    np.testing.assert_allclose(gs, [[1, 1, 1], [2, 2, 2], [3, 3, 3]], err_msg=(
        passed + "sum_backward(axis=1) of a (3, 3) input: put the summed axis back (np.expand_dims) before broadcasting"))
    gs = summed("(grad=5.0, out, a of shape (3, 2), axis=None)", lambda: sum_backward(np.array(5.0), a.sum(), a))
    assert gs.shape == (3, 2) and np.allclose(gs, 5), \
        f"{passed}sum_backward(axis=None): expected 5 everywhere, shape (3, 2), got {gs}"
    gs = summed("(grad of shape (3, 1), out, a of shape (3, 2), axis=1, keepdims=True)",
                lambda: sum_backward(np.array([[1.0], [2.0], [3.0]]), a.sum(axis=1, keepdims=True), a, axis=1, keepdims=True))
    np.testing.assert_allclose(gs, [[1, 1], [2, 2], [3, 3]], err_msg=passed + "sum_backward(axis=1, keepdims=True)")
    cube = np.ones((2, 3, 4))
    gs = summed("(grad=[10.0, 20.0, 30.0], out, a of shape (2, 3, 4), axis=(0, 2))",
                lambda: sum_backward(np.array([10.0, 20.0, 30.0]), cube.sum(axis=(0, 2)), cube, axis=(0, 2)), tuple_hint)
    np.testing.assert_allclose(gs, np.broadcast_to(np.array([10.0, 20.0, 30.0])[None, :, None], (2, 3, 4)),
                               err_msg=passed + "sum_backward with a tuple of axes (0, 2)" + tuple_hint)
    (gm,) = mean_backward(np.array([3.0, 6.0]), a.mean(axis=0), a, axis=0)
    np.testing.assert_allclose(gm, [[1, 2], [1, 2], [1, 2]],
                               err_msg=passed + "mean_backward(axis=0) (given) through your sum_backward")
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(603)
    a, b, g = rng.standard_normal((2, 4)), rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    ga, gb = matmul_backward(g, a @ b, a, b)
    what = "matmul_backward(grad (2, 3), out, a (2, 4), b (4, 3)), an input the notebook does not show"
    np.testing.assert_allclose(ga, np.einsum("ij,kj->ik", g, b), err_msg=f"{what}: grad_a = grad @ b^T")
    np.testing.assert_allclose(gb, np.einsum("ik,ij->kj", a, g), err_msg=f"{what}: grad_b = a^T @ grad")
    c, gc = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 2))
    what = "(grad of shape (3, 2), out, a of shape (3, 4, 2), axis=1), an input the notebook does not show"
    gs = summed(what, lambda: sum_backward(gc, c.sum(axis=1), c, axis=1))
    np.testing.assert_allclose(gs, np.repeat(gc[:, None, :], 4, axis=1), err_msg=f"{passed}sum_backward{what}")
    gn, what = rng.standard_normal((3, 4)), "(grad of shape (3, 4), out, a of shape (3, 4, 2), axis=-1), an input the notebook does not show"
    negative = (". Likely bug: a negative axis counts from the end (-1 is the last axis): normalise it (axis % a.ndim) "
                "before comparing axes, or put it back with np.expand_dims(grad, axis), which takes negative axes")
    gs = summed(what, lambda: sum_backward(gn, c.sum(axis=-1), c, axis=-1), negative)
    np.testing.assert_allclose(gs, np.repeat(gn[..., None], 2, axis=-1), err_msg=f"{passed}sum_backward{what}{negative}")
    ### END HIDDEN TESTS
    print("matmul, sum rules: ok")


if __name__ == "__main__":
    test_unit_matmul_sum_rules()

# %% [markdown]
# ### Your turn: activation rules
#
# - ReLU passes the gradient where the input was positive and blocks it
#   elsewhere (at exactly 0 we use slope 0, as PyTorch does).
# - Sigmoid and Tanh have derivatives written in terms of their output:
#   `s' = s (1 - s)` and `t' = 1 - t^2`. That is why rules receive `out`.
#
# Softmax and GELU are given. For softmax along `dim`, with `s = out`, the
# Jacobian is `diag(s) - s s^T`, and multiplying `grad` by it gives
# `s * (grad - sum(grad * s, dim))`: no matrix needs building. For the GELU
# tanh approximation, with `u = c (x + 0.044715 x^3)` and `t = tanh(u)`, the
# product rule gives `0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 * 0.044715 x^2)`.
#
# **Worked example.** Three inputs, one negative, one exactly 0, one positive, and an
# incoming gradient. Each line shows the local slope, read off the input (ReLU) or the
# output (sigmoid, tanh), times `grad`, next to the slope that central differences
# measure:

# %%
if __name__ == "__main__":
    _x = np.array([-1.0, 0.0, 2.0])
    _grad = np.array([1.0, 2.0, 3.0])
    _eps = 1e-6
    _relu_slope = (_x > 0).astype(float)
    print(f"x = {_x},  grad = {_grad}")
    print(f"relu:    slope (x > 0) = {_relu_slope},  grad * slope = {_grad * _relu_slope}")
    _s = 1 / (1 + np.exp(-_x))
    _s_numeric = (1 / (1 + np.exp(-(_x + _eps))) - 1 / (1 + np.exp(-(_x - _eps)))) / (2 * _eps)
    print(f"sigmoid: s = {np.round(_s, 4)},  slope s(1-s) = {np.round(_s * (1 - _s), 4)} "
          f"(numeric {np.round(_s_numeric, 4)}),  grad * slope = {np.round(_grad * _s * (1 - _s), 4)}")
    _t = np.tanh(_x)
    _t_numeric = (np.tanh(_x + _eps) - np.tanh(_x - _eps)) / (2 * _eps)
    print(f"tanh:    t = {np.round(_t, 4)},  slope 1-t^2 = {np.round(1 - _t ** 2, 4)} "
          f"(numeric {np.round(_t_numeric, 4)}),  grad * slope = {np.round(_grad * (1 - _t ** 2), 4)}")
    assert np.allclose(_s * (1 - _s), _s_numeric) and np.allclose(1 - _t ** 2, _t_numeric)

# %% nbgrader={"grade": false, "grade_id": "autograd-rules-activations", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def relu_backward(grad, out, x):
    """Gradient of out = relu(x)."""
    ### BEGIN SOLUTION
    return (grad * (x > 0),)
    ### END SOLUTION


def sigmoid_backward(grad, out, x):
    """Gradient of out = sigmoid(x), from the output."""
    ### BEGIN SOLUTION
    return (grad * out * (1 - out),)
    ### END SOLUTION


def tanh_backward(grad, out, x):
    """Gradient of out = tanh(x), from the output."""
    ### BEGIN SOLUTION
    return (grad * (1 - out * out),)
    ### END SOLUTION


def softmax_backward(grad, out, x, dim=-1):
    """Gradient of out = softmax(x, dim) (given)."""
    return (out * (grad - np.sum(grad * out, axis=dim, keepdims=True)),)


def gelu_backward(grad, out, x):
    """Gradient of the tanh-approximated GELU (given)."""
    c = np.sqrt(2 / np.pi)
    t = np.tanh(c * (x + 0.044715 * x ** 3))
    slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    return (grad * slope,)

# %% nbgrader={"grade": false, "grade_id": "check-helpers-activation-rules", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
import numpy as np


def _activation_slip(got, grad, slope_of, out, x, activation, formula):
    """' Likely bug: ...' when an activation rule's gradient `got` (for the input `x` and output `out`, where the
    right one is grad * slope_of(out)) is a common slip: the incoming grad left out, the slope computed from x,
    or from activation(out), the activation applied once more to a value that already is its result; ''
    otherwise."""
    got = _as_array(got)
    if got is None or got.shape != grad.shape:
        return ""
    if np.allclose(got, slope_of(out)):
        return (". Likely bug: the incoming grad is not multiplied in: by the chain rule the gradient is grad times "
                "the local slope")
    if np.allclose(got, grad * slope_of(x)):
        return (". Likely bug: the slope was computed from the input x; the formula is written in the output: "
                f"grad * ({formula}) with out, the forward's result")
    if np.allclose(got, grad * slope_of(activation(out))):
        return (". Likely bug: the slope was computed from the activation of out, but out already is the "
                f"activation's value: use out itself, grad * ({formula})")
    return ""


# %% nbgrader={"grade": true, "grade_id": "test-autograd-activation-rules", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_activation_rules():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    g = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    gr = _one_gradient("relu_backward", relu_backward(g, np.maximum(x, 0), x))
    ge = np.where(x >= 0, g, 0.0)                        # the mask x >= 0: grad let through at x = 0 too
    np.testing.assert_array_equal(gr, [0, 0, 0, 4, 5], err_msg=(
        f"relu_backward at x = {x.tolist()} with grad = {g.tolist()}: grad where x > 0, else 0 "
        "(0 at x = 0 too, as PyTorch: the mask is x > 0, not x >= 0)" + (
            f". Likely bug: the mask is x >= 0, which gives {ge.tolist()}: write x > 0"
            if _close(_as_array(gr), ge) else ". Likely bug: the incoming grad is not multiplied in: by the chain rule "
            "the gradient is grad * (x > 0), not the mask alone" if _close(_as_array(gr), (x > 0) * 1.0) else "")))
    s = 1 / (1 + np.exp(-x))
    gs = _one_gradient("sigmoid_backward", sigmoid_backward(g, s, x))
    np.testing.assert_allclose(gs, g * s * (1 - s), err_msg=(
        "sigmoid_backward: grad * out * (1 - out), where out = sigmoid(x) is the forward's result"
        + _activation_slip(gs, g, lambda v: v * (1 - v), s, x, lambda v: 1 / (1 + np.exp(-v)), "out * (1 - out)")))
    t = np.tanh(x)
    gt = _one_gradient("tanh_backward", tanh_backward(g, t, x))
    np.testing.assert_allclose(gt, g / np.cosh(x) ** 2, err_msg=(
        "tanh_backward: grad * (1 - out ** 2), where out = tanh(x) is the forward's result (the square matters)"
        + (_activation_slip(gt, g, lambda v: 1 - v * v, t, x, np.tanh, "1 - out * out") or (
            ". Likely bug: the square is missing: grad * (1 - out) is not the slope of tanh; write grad * (1 - out * out)"
            if _close(_as_array(gt), g * (1 - t)) else ""))))
    ### BEGIN HIDDEN TESTS
    x, g = np.random.default_rng(604).uniform(-2.5, 2.5, (2, 7)) * [[1], [2]]
    what = f"at x = {x.round(3).tolist()} with grad = {g.round(3).tolist()}, an input the notebook does not show"
    gr = _one_gradient("relu_backward", relu_backward(g, np.maximum(x, 0), x))
    np.testing.assert_array_equal(gr, np.where(x > 0, g, 0.0), err_msg=f"relu_backward {what}: grad where x > 0")
    gs = _one_gradient("sigmoid_backward", sigmoid_backward(g, 1 / (1 + np.exp(-x)), x))
    np.testing.assert_allclose(gs, g * np.exp(-x) / (1 + np.exp(-x)) ** 2,
                               err_msg=f"sigmoid_backward {what}: grad * out * (1 - out)")
    gt = _one_gradient("tanh_backward", tanh_backward(g, np.tanh(x), x))
    np.testing.assert_allclose(gt, g / np.cosh(x) ** 2, err_msg=f"tanh_backward {what}: grad * (1 - out ** 2)")
    ### END HIDDEN TESTS
    print("activation rules: ok")


if __name__ == "__main__":
    test_unit_activation_rules()

# %% [markdown]
# ## 6. Connecting rules to Tensor operations
#
# Now the rules must run when you call `loss.backward()`. Each operation gets a
# node class of its own: a `BackwardNode`, the `Function` whose `forward` calls
# **your original method** from module 01 (or an activation's `forward` from
# module 02) to compute the value, and whose `backward` calls the rule with the
# incoming gradient, the output, the input arrays and the parameters. The node classes are
# named after their operations (`MulBackward`, `ReLUBackward`, ...), which is how
# nodes show in errors and in the pictures below. Since they are `Function`s,
# `apply` records them exactly as it records module 09's convolution (the same
# grad mode, the same `inputs`, the same care never to relabel an input), and the
# engine checks what their `backward` returns the same way too. The one
# thing a rule node adds is for the rule: its constants (the `2` in `x * 2`)
# reach the rule as arrays of the output's dtype, like the inputs.
#
# `enable_autograd()` replaces each Tensor operation of module 01 (and each
# activation's `forward`) by a wrapper that calls its node class's `apply`. Each
# wrapped Tensor method is one row of the table `_OPS`: its backward rule, its
# node's name, how its arguments become the rule's operands (`binary` `x * y`,
# `reflected` for `2 * x`, which Python runs as `x.__rmul__(2)`, or `unary` with
# named parameters such as `axis`), and how those parameters reach the rule
# (`__getitem__` turns Tensor indices into arrays).
#
# The originals are stored once, in `Tensor._autograd_originals` (and
# `_autograd_originals` on each activation class). Calling `enable_autograd()`
# again rebuilds the wrappers from those originals instead of wrapping the
# wrappers, so it is idempotent. It runs when this module is imported; the
# modules that train (layers, optimizers, training, spatial; losses through layers)
# import it. Given.

# %% nbgrader={"grade": false, "grade_id": "autograd-enable", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class BackwardNode(Function):
    """The node of a Tensor operation or an activation: forward runs the module-01/02 code,
    backward the operation's rule. Each operation has its own subclass (_node_class)."""

    rule = None   # rule(grad_output, out, *input_arrays, **params) -> one gradient per input

    def forward(self, *arrays, compute, **params):
        out = compute()             # the module-01/02 code, on the Tensors themselves
        self.out = out.data         # the forward result (np.ndarray)
        self.arrays = tuple(array if inp is not None else np.asarray(array, dtype=out.dtype)
                            for array, inp in zip(arrays, self.inputs))   # constants as arrays too
        self.params = params        # axis, exponent, dim, ...
        return out

    def backward(self, grad_output):
        return self.rule(grad_output, self.out, *self.arrays, **self.params)

    def _backward_name(self):
        return getattr(self.rule, "__name__", "its backward rule")


def _node_class(name, rule):
    """The BackwardNode subclass `name` (e.g. "MulBackward") whose backward calls `rule`."""
    return type(name, (BackwardNode,), {"rule": staticmethod(rule), "__module__": __name__})


class _Op(NamedTuple):
    """How one Tensor method becomes differentiable."""

    rule: Callable              # the backward rule: rule(grad_output, out, *input_arrays, **params)
    node: str                   # the node's name, without "Backward"
    kind: str = "unary"         # "binary" (self, other), "reflected" (other, self: __radd__...), "unary" (self, **params)
    prepare: Callable = dict    # the method's parameters -> the rule's (e.g. Tensor indices -> arrays)


def _operands_and_params(op, signature, self, args, kwargs):
    """The operands in the rule's order, and the rule's parameters, of one call of a wrapped method."""
    if op.kind == "unary":
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        return (self,), op.prepare({k: v for k, v in bound.arguments.items() if k != "self"})
    (other,) = args
    return ((other, self) if op.kind == "reflected" else (self, other)), {}


def _wrap(original, op):
    """`original` (a Tensor method), run by op's node class so that its result records the node."""
    signature = inspect.signature(original)
    node = _node_class(op.node + "Backward", op.rule)

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        operands, params = _operands_and_params(op, signature, self, args, kwargs)
        return node.apply(*operands, compute=lambda: original(self, *args, **kwargs), **params)
    return method


def _wrap_activation(original, node, params_of):
    """An activation class's `forward`, run by `node` (its node class); params_of(activation) gives the rule's parameters."""
    @functools.wraps(original)
    def forward(act, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        return node.apply(x, compute=lambda: original(act, x), **params_of(act))
    return forward


# One table: Tensor method -> how it becomes differentiable.
_OPS = {
    "__add__": _Op(add_backward, "Add", "binary"), "__radd__": _Op(add_backward, "Add", "reflected"),
    "__sub__": _Op(sub_backward, "Sub", "binary"), "__rsub__": _Op(sub_backward, "Sub", "reflected"),
    "__mul__": _Op(mul_backward, "Mul", "binary"), "__rmul__": _Op(mul_backward, "Mul", "reflected"),
    "__truediv__": _Op(div_backward, "Div", "binary"), "__rtruediv__": _Op(div_backward, "Div", "reflected"),
    "matmul": _Op(_matmul_nd_backward, "MatMul", "binary"),
    "__matmul__": _Op(_matmul_nd_backward, "MatMul", "binary"),
    "__rmatmul__": _Op(_matmul_nd_backward, "MatMul", "reflected"),
    "__neg__": _Op(neg_backward, "Neg"), "__pow__": _Op(pow_backward, "Pow"),
    "exp": _Op(exp_backward, "Exp"), "log": _Op(log_backward, "Log"),
    "reshape": _Op(reshape_backward, "Reshape"), "transpose": _Op(transpose_backward, "Transpose"),
    "sum": _Op(sum_backward, "Sum"), "mean": _Op(mean_backward, "Mean"), "max": _Op(max_backward, "Max"),
    "__getitem__": _Op(getitem_backward, "Index", prepare=lambda params: {"index": _unwrap_index(params["index"])}),
}

_ACTIVATIONS = [
    (ReLU, relu_backward, lambda act: {}),
    (Sigmoid, sigmoid_backward, lambda act: {}),
    (Tanh, tanh_backward, lambda act: {}),
    (GELU, gelu_backward, lambda act: {}),
    (Softmax, softmax_backward, lambda act: {"dim": act.dim}),
]


def enable_autograd():
    """Make Tensor operations and activations record the graph (idempotent)."""
    if "_autograd_originals" not in Tensor.__dict__:
        Tensor._autograd_originals = {name: Tensor.__dict__[name] for name in _OPS if name in Tensor.__dict__}
    for name, original in Tensor._autograd_originals.items():
        setattr(Tensor, name, _wrap(original, _OPS[name]))
    Tensor.backward = backward
    Tensor.detach = detach
    for cls, rule, params_of in _ACTIVATIONS:
        if "_autograd_originals" not in cls.__dict__:
            cls._autograd_originals = {"forward": cls.__dict__["forward"]}
        node = _node_class(cls.__name__ + "Backward", rule)
        cls.forward = _wrap_activation(cls._autograd_originals["forward"], node, params_of)

# %% [markdown]
# ## 7. The backward pass
#
# ### Topological order
#
# `topological_order(root)` lists every tensor of the graph that ends at
# `root`, each one **after** all the tensors it was computed from (so `root`
# comes last). Use a depth-first search: visit a tensor's inputs
# (`t._ctx.inputs`, skipping None; a tensor with `_ctx is None` is a leaf) and
# append the tensor once all its inputs are done. Keep a set of visited tensors
# (by `id(t)`) so that a tensor used twice is listed once.
#
# The natural recursive version overflows Python's stack on long graphs (an
# RNN unrolled over a thousand steps); the reference uses an explicit stack.
#
# ### The loop
#
# With the order in hand, `backward()` walks it from `root` backwards, holding
# a dict from tensor id to its gradient so far, seeded with `{id(root): gradient}`:
#
# - a tensor with a node (`_ctx`): get the input gradients with
#   `_call_node(node, grad)` (given: it calls `node.backward(grad)` and checks
#   that the node, whatever its kind, returned a tuple with one gradient per
#   input); then for each input that is a Tensor
#   with `requires_grad` and has a non-None gradient, reduce it with
#   `_reduce_input_grad(node, inp, g)` (given: `unbroadcast`, then a shape check
#   with a helpful error) and **add** it to the input's entry;
# - a leaf (no `_ctx`) that requires grad: add the gradient into `t.grad`
#   (`None` the first time). Across calls gradients accumulate too, as in
#   PyTorch: that is why optimizers call `zero_grad()`.
#
# The checks before the loop (scalar output, the shape of a given gradient) are
# given too.
#
# **Worked example.** `L = x * x + x` at one number `x`, where `x` is used three times.
# The topological order is `x`, `u = x * x`, `L = u + x`, and the loop walks it
# backwards holding the gradients so far. `L`'s node (add) sends its gradient to `u` and
# to `x`; `u`'s node (mul) sends `grad * x` to each of its two inputs, both `x`. Only when
# the walk reaches `x`, after every tensor computed from it, is its entry complete:
# the three contributions add up to `2x + 1`. Overwriting instead of adding would keep
# only the last one.

# %%
if __name__ == "__main__":
    _xv = 3.0
    _u = _xv * _xv
    _out = _u + _xv
    print(f"forward: x = {_xv:g},  u = x * x = {_u:g},  L = u + x = {_out:g}")
    print("topological order: [x, u, L]; the backward loop visits L, u, x")
    _grads = {"L": 1.0}
    print(f"start          grads = {_grads}")
    _grad_out = _grads.pop("L")                 # L = u + x, rule (grad, grad)
    _grads["u"] = _grads.get("u", 0.0) + _grad_out
    _grads["x"] = _grads.get("x", 0.0) + _grad_out
    print(f"visit L (add): u += {_grad_out:g}, x += {_grad_out:g}         grads = {_grads}")
    _grad_u = _grads.pop("u")                   # u = x * x, rule (grad * b, grad * a), a = b = x
    _last = None
    for _slot in ("a", "b"):
        _last = _grad_u * _xv
        _grads["x"] += _last
        print(f"visit u (mul), input {_slot} is x: x += {_grad_u:g} * {_xv:g}   grads = {_grads}")
    _x_grad = _grads.pop("x")
    print(f"visit x (leaf): x.grad = {_x_grad:g};  by calculus dL/dx = 2x + 1 = {2 * _xv + 1:g};  "
          f"overwriting would leave {_last:g}")
    assert _x_grad == 2 * _xv + 1 and _last != _x_grad

# %% nbgrader={"grade": false, "grade_id": "autograd-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def topological_order(root):
    """Tensors of the graph ending at `root`, each after every tensor it was computed from."""
    ### BEGIN SOLUTION
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        if tensor._ctx is not None:
            for inp in tensor._ctx.inputs:
                if inp is not None and id(inp) not in visited:
                    stack.append((inp, False))
    return order
    ### END SOLUTION


def _call_node(node, grad):
    """node.backward(grad) as a tuple with one entry per input, or an error naming the node,
    what computed its gradients, and the fix. Every node the engine calls goes through here."""
    input_grads = node.backward(grad)
    if not isinstance(input_grads, (tuple, list)) or len(input_grads) != len(node.inputs):
        raise RuntimeError(_not_one_gradient_per_input(node, input_grads))
    input_grads = tuple(input_grads)
    _note_unshared(node, grad, input_grads)
    return input_grads


# The gradients of the last _call_node that no other array shares memory with, by id (weak
# references: one left unused must not stay alive). _reduce_input_grad hands each of them out once
# without a copy; anything else it copies, as an input's gradient must not change under it.
_UNSHARED = {}


def _note_unshared(node, grad_output, input_grads):
    """Note which of input_grads the rule made afresh: writeable, sharing no memory with the output
    gradient, with what the node holds (its inputs' data, its saved arrays) or with an earlier one."""
    _UNSHARED.clear()
    held = [grad_output, *_held_arrays(node)]
    for g in input_grads:
        if not isinstance(g, np.ndarray):
            continue
        if g.flags.writeable and not any(np.may_share_memory(g, other) for other in held):
            _UNSHARED[id(g)] = weakref.ref(g)
        held.append(g)


def _held_arrays(node):
    """The arrays a node can reach: its inputs' data and its attributes (one level into tuples,
    lists and dicts; Tensors as their data)."""
    found = [inp.data for inp in node.inputs if inp is not None]
    for value in vars(node).values():
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else (value,)
        for item in items:
            item = item.data if isinstance(item, Tensor) else item
            if isinstance(item, np.ndarray):
                found.append(item)
    return found


def _not_one_gradient_per_input(node, got):
    """The error message of _call_node: what `node` returned instead of one gradient per input, and the fix."""
    count = len(node.inputs)
    fix = "return (g,)" if count == 1 else \
        f"return {count} gradients, one per input in order (None for one that needs none), e.g. (grad_a, grad_b)"
    if isinstance(got, (tuple, list)):
        what = f"{len(got)} gradient{'s' if len(got) != 1 else ''} for {count} input{'s' if count != 1 else ''}"
    else:   # tuple() of an array would split it along its first axis: no guessing
        what = "an array" if isinstance(got, np.ndarray) else "None" if got is None else f"a {type(got).__name__}"
        what += ", not a tuple of gradients"
        fix += " with the comma" if count == 1 else ""
    return f"{node!r}: {node._backward_name()} returned {what}: {fix}"


def _reduce_input_grad(node, inp, grad):
    """One input's gradient as the input needs it: unbroadcast to its shape, checked (an error
    naming the node if it cannot fit), and an array of its dtype that nothing else holds: the rule's
    own when _call_node found it unshared (the first time only), else a copy."""
    made = _UNSHARED.pop(id(grad), None)
    unshared = made is not None and made() is grad
    grad = unbroadcast(np.asarray(grad), inp.shape)
    if grad.shape != inp.shape:
        raise RuntimeError(
            f"{node!r} returned a gradient of shape {grad.shape} for an input of shape "
            f"{inp.shape}. A backward rule must return one gradient of its input's shape "
            "(or of the broadcast shape) per input.")
    if unshared and grad.dtype == inp.dtype and grad.flags.writeable:
        return grad             # no copy: a large layer's gradient costs its size in time and memory
    return np.array(grad, dtype=inp.dtype)


def backward(self, gradient=None):
    """Compute d(self)/d(leaf) for every leaf that requires grad; add it to leaf.grad."""
    if not self.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad and has no graph. "
            "Create the inputs with requires_grad=True, and do not call backward() on a "
            "result computed under no_grad() or from detach()ed tensors.")
    if gradient is None:
        if self.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this tensor has shape "
                f"{self.shape}. Reduce it first (e.g. loss.sum() or loss.mean()) or pass "
                "backward(gradient=...) with an array of the same shape.")
        gradient = np.ones_like(self.data)
    else:
        gradient = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient,
                              dtype=self.dtype)
        # The caller's array, not a copy (a large output's gradient is large): read-only, so no rule
        # writes into it, and copied only when it becomes a leaf's .grad.
        gradient = np.array(gradient) if self._ctx is None else gradient.view()
        gradient.flags.writeable = self._ctx is None
        if gradient.shape != self.shape:
            raise ValueError(
                f"backward(gradient=...) needs a gradient of the output's shape {self.shape}, "
                f"got shape {gradient.shape}.")
    ### BEGIN SOLUTION
    grads = {id(self): gradient}
    for tensor in reversed(topological_order(self)):
        grad = grads.pop(id(tensor), None)
        if grad is None:
            continue
        if tensor._ctx is None:
            if tensor.requires_grad:
                tensor.grad = grad if tensor.grad is None else tensor.grad + grad
            continue
        node = tensor._ctx
        for inp, g in zip(node.inputs, _call_node(node, grad)):
            if inp is None or g is None or not inp.requires_grad:
                continue
            g = _reduce_input_grad(node, inp, g)
            grads[id(inp)] = g if id(inp) not in grads else grads[id(inp)] + g
    ### END SOLUTION

# %% [markdown]
# ## 8. Checking gradients numerically
#
# A backward rule can be wrong in ways no error message reveals. The check:
# compare with **central finite differences**,
#
# `df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`,
#
# whose error shrinks like `eps^2` until rounding takes over: the two values of
# `f` agree in most of their digits, and the subtraction cancels them. The
# best `eps` balances both, and float32 leaves far too few digits for a tight
# check. It is why the gradient tests run in float64 with `eps = 1e-6`.
#
# **The picture.** The cell below measures the relative error of the central
# difference of `f(x) = exp(x)` at `x = 1` (the exact slope is `e`) for 49 steps
# `eps` from `1e-12` to `1`, once in float32 and once in float64, on a log-log
# plot. Each curve is a V. On the right, the *truncation* error: the Taylor
# terms the formula drops, `eps^2 f'''(x) / 6`, relative error `eps^2 / 6`
# (dashed, slope 2). On the left, *round-off*: each value of `f` is off by about
# the machine epsilon `u` (`2.2e-16` in float64, `1.2e-7` in float32), and
# dividing by `2 eps` magnifies that to about `u / eps` (dotted, slope -1). The
# dots mark each dtype's best step; below `eps ~ 3e-8` float32 rounds both
# `1 + eps` and `1 - eps` to `1`: the difference is 0 and the error 100%.
#
# The pictures of this module are drawn with matplotlib; without it, each
# picture cell prints one line and the notebook goes on.
#
# `numerical_gradient(f, x, eps=1e-6)` (given) does this for every element of a
# float64 array `x`; `f` takes an array and returns a scalar (a number, a 0-d
# array, or a one-element Tensor).

# %%
# The pictures' two helpers, shared by every lesson: matplotlib.pyplot (or None, after a one-line
# note, without matplotlib) and showing a figure (closing it when run as a script).
from tinytorch.figures import pyplot as _pyplot, show as _show


# %%
if __name__ == "__main__":
    _eps_grid = 10.0 ** np.linspace(-12, 0, 49)          # four steps a decade
    _fd_error, _best_eps = {}, {}
    for _dtype in (np.float32, np.float64):
        _x, _e = _dtype(1.0), _eps_grid.astype(_dtype)     # every operation below stays in _dtype
        _approx = (np.exp(_x + _e) - np.exp(_x - _e)) / (2 * _e)
        _name = np.dtype(_dtype).name
        _fd_error[_name] = np.abs(_approx.astype(np.float64) - np.e) / np.e
        _best_eps[_name] = _eps_grid[_fd_error[_name].argmin()]
        _row = [f"eps={_eps:.0e}: {_fd_error[_name][np.isclose(_eps_grid, _eps)][0]:.1e}"
                for _eps in (1e-2, 1e-4, 1e-6, 1e-8)]
        print(f"{_name} relative error  " + "   ".join(_row))
        print(f"{_name}: best eps {_best_eps[_name]:.1e} (error {_fd_error[_name].min():.1e}); "
              f"error at eps=1e-12 {_fd_error[_name][0]:.1e}, at eps=1 {_fd_error[_name][-1]:.1e}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(6.5, 4))
        for _name, _color in (("float32", "tab:red"), ("float64", "tab:blue")):
            _ax.loglog(_eps_grid, _fd_error[_name], color=_color, label=f"{_name} measured")
            _ax.loglog(_eps_grid, np.finfo(_name).eps / _eps_grid, color=_color, linestyle=":", linewidth=1,
                       label=f"{_name} round-off ~ u/eps")
            _ax.loglog([_best_eps[_name]], [_fd_error[_name].min()], "o", color=_color)
        _ax.loglog(_eps_grid, _eps_grid ** 2 / 6, color="0.3", linestyle="--", linewidth=1,
                   label="truncation eps^2/6")
        _ax.set_ylim(1e-16, 10)
        _ax.set_xlabel("step eps")
        _ax.set_ylabel("relative error of the slope of exp at 1")
        _ax.set_title("central differences: truncation (right) vs round-off (left)", fontsize=9)
        _ax.legend(fontsize=7, loc="lower left")
        _fig.tight_layout()
        _show(_plt, _fig)

# %% nbgrader={"grade": false, "grade_id": "autograd-numerical", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _scalar(value):
    if isinstance(value, Tensor):
        return value.item()
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError(f"numerical_gradient needs f to return a scalar, got shape {value.shape}.")
    return float(value.reshape(()))


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function f at the float64 array x."""
    x = np.array(x, dtype=np.float64)   # a private copy: f sees x + eps e_i, x - eps e_i
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = _scalar(f(x))
        x[index] = original - eps
        f_minus = _scalar(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad

# %% [markdown]
# Everything is in place: switch autograd on. In the package this line runs when
# `tinytorch.core.autograd` is imported, which `tinytorch.core.layers` (and every
# module after it that trains) does.

# %% nbgrader={"grade": false, "grade_id": "autograd-switch-on", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
enable_autograd()

# %% [markdown]
# ## 9. Putting it together
#
# A small network-shaped expression, differentiated by your engine and checked
# against finite differences. `x` is used three times (once in the matrix product
# `x @ w`, twice in `x * x`), and `b` is broadcast over the rows: both need the sums from
# section 1.

# %%
_rng = np.random.default_rng(0)
_x0, _w0, _b0 = _rng.normal(size=(4, 3)), _rng.normal(size=(3, 2)), _rng.normal(size=(2,))


def _loss(x, w, b):
    return (ReLU()(x @ w + b) * 2).sum() + (x * x).mean()


_x = Tensor(_x0, requires_grad=True, dtype=np.float64)
_w = Tensor(_w0, requires_grad=True, dtype=np.float64)
_b = Tensor(_b0, requires_grad=True, dtype=np.float64)
_L = _loss(_x, _w, _b)
_L.backward()
print("graph of the loss, in topological order:",
      " -> ".join(repr(t._ctx) if t._ctx else "leaf" for t in topological_order(_L)))
_num_b = numerical_gradient(lambda b: _loss(Tensor(_x0, dtype=np.float64),
                                            Tensor(_w0, dtype=np.float64),
                                            Tensor(b, dtype=np.float64)), _b0)
_num_x = numerical_gradient(lambda x: _loss(Tensor(x, dtype=np.float64),
                                            Tensor(_w0, dtype=np.float64),
                                            Tensor(_b0, dtype=np.float64)), _x0)
print(f"largest |autograd - finite differences|: b {np.abs(_b.grad - _num_b).max():.1e}, "
      f"x {np.abs(_x.grad - _num_x).max():.1e}")

# %% nbgrader={"grade": true, "grade_id": "test-autograd-backward", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_backward():
    # The engine's checks build their graphs from add and sub (their rules checked first; with sub's rule wrong,
    # x - y is computed as x + (-1.0) * y, by add and mul, see _subtraction) and the given one-input rules
    # (reshape, transpose, neg, indexing), and pass backward() the output's gradient: a slip in another rule
    # costs its own item only. sub's two gradients differ (grad, -grad), as mul's do, so an engine that hands a
    # gradient to the wrong input, or never calls the rules, is seen (H28). Broadcasting here only adds axes on
    # the left: a slip in unbroadcast's other case (a stretched axis of length 1) costs its own item.
    problem = _runs_rules(("add_backward",)) or _unbroadcast_problem(((2,),), rows_differ=True)
    assert not problem, problem
    how, problem = _subtraction()
    assert not problem, problem
    problem = _reduction_problem() or _pairing_problem()
    assert not problem, problem
    # Tensors of different shapes, so the order can be read off their shapes.
    a = Tensor([1.0, 2.0], requires_grad=True)
    e = (a.reshape(2, 1) + a).reshape(4)                 # (2, 1) + (2,) -> (2, 2); a is used twice
    shapes = [t.shape for t in topological_order(e)]
    expected = [(2,), (2, 1), (2, 2), (4,)]
    assert shapes == expected, (
        f"topological_order(e) for e = (a.reshape(2, 1) + a).reshape(4): expected the shapes {expected} "
        f"(each tensor once, after its inputs), got {shapes}" + (
            ". Likely bug: that is the order reversed, the root first: list every tensor after the tensors it was "
            "computed from (root last); backward() walks the list from the end" if shapes == expected[::-1] else ""))
    rows = a[np.array([[0, 0], [1, 1]])]                 # rows[i, j] = a[i], shape (2, 2)
    d = _minus(how, rows, a).reshape(4)                  # c[i, j] = a[i] - a[j]; a is used twice
    grad_d = np.array([1.0, 2.0, 3.0, 4.0])
    d.backward(gradient=grad_d)                          # a[k] gets row k's sum minus column k's
    grid = grad_d.reshape(2, 2)
    want = grid.sum(axis=1) - grid.sum(axis=0)
    got = _leaf_grad(a, d, "d = (a[[[0, 0], [1, 1]]] - a).reshape(4)", "a")
    np.testing.assert_allclose(got, want, err_msg=(
        f"d = (a[[[0, 0], [1, 1]]] - a).reshape(4), that is d = [a0 - a0, a0 - a1, a1 - a0, a1 - a1], "
        f"backward(gradient={grad_d.tolist()}): a is used twice, so dd/da is "
        f"the row sums {grid.sum(axis=1).tolist()} minus the column sums {grid.sum(axis=0).tolist()} of the gradient: "
        "both paths must add up, each input getting its own gradient from the rule (sub: grad and -grad)"))
    (a + a).backward(gradient=np.ones(2))                # a second call adds to .grad
    np.testing.assert_allclose(a.grad, want + 2, err_msg="a second backward() must add to .grad, not replace it")
    h, a.grad = a[np.array([[0, 0], [1, 1]])] + a, None   # h[i, j] = a[i] + a[j]: one graph, two backward() calls
    h.reshape(4).backward(gradient=np.ones(4))
    (h + h).reshape(4).backward(gradient=np.ones(4))     # through h again: 4 + 8 for each entry of a
    got = _leaf_grad(a, h, "h = a[[[0, 0], [1, 1]]] + a", "a")
    np.testing.assert_allclose(got, [12.0, 12.0], err_msg=(
        "h = a[[[0, 0], [1, 1]]] + a, then h.reshape(4).backward(ones) and (h + h).reshape(4).backward(ones): the second "
        "call goes through h's graph again, so a.grad = 4 + 8 = 12 per entry" + (
            ". Likely bug: backward() frees the graph as it goes (tensor._ctx = None), so the second call stops at h; "
            "leave the nodes in place" if _close(got, np.array([4.0, 4.0])) else "")))
    # Each leaf's .grad is an array of its own, writeable (gradient clipping scales it in place).
    u, v = (Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64) for _ in range(2))
    (u + v).backward(gradient=np.ones(2))
    assert u.grad.flags.writeable and v.grad.flags.writeable, (
        "after (u + v).backward(gradient=np.ones(2)), u.grad or v.grad is read-only: a leaf's gradient must be an "
        "array of its own. Likely bug: the arrays the rules returned went into .grad as they are (add returns one "
        "array twice; backward's gradient is read-only); pass each through the given _reduce_input_grad(node, inp, g)")
    x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, dtype=np.float64)
    bias = Tensor([0.5, -1.0, 2.0], requires_grad=True, dtype=np.float64)
    grad_y = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    (_minus(how, x, bias) + x).backward(gradient=grad_y)
    np.testing.assert_allclose(bias.grad, -grad_y.sum(axis=0),
                               err_msg="y = x - bias + x: a broadcast bias gets minus the column sums")
    np.testing.assert_allclose(x.grad, 2 * grad_y, err_msg="y = x - bias + x: x used twice, with a broadcast bias")
    x.grad = None
    (-x.transpose()).backward(gradient=grad_y.T)
    np.testing.assert_allclose(x.grad, -grad_y, rtol=1e-12, err_msg="y = -x.transpose(): one-input nodes (neg, transpose)")
    # Inputs that do not require grad are constants: no gradient goes into them.
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype=np.float64)
    const = Tensor([[0.5, -1.0], [2.0, 3.0]], dtype=np.float64)
    (w + const + const).backward(gradient=grid)
    np.testing.assert_allclose(w.grad, grid, err_msg="y = w + c + c: dy/dw is the gradient given")
    assert const.grad is None, "a tensor with requires_grad=False must not receive a .grad" + (
        f": y = w + c + c gave c.grad = {const.grad.tolist()}. Likely bug: backward() gives a gradient to every "
        "input; skip an input whose requires_grad is False (a constant)" if _close(_as_array(const.grad), 2 * grid) else "")
    assert x.dtype == np.float64 and x.grad.dtype == np.float64, f"a float64 leaf gets a float64 gradient, got {x.grad.dtype}"
    # A leaf as the root (no node at all): y = x, so x.grad is the gradient given; a scalar's is 1.
    grad_v = np.array([3.0, 4.0])
    v = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    v.backward(gradient=grad_v)
    s = Tensor(5.0, requires_grad=True, dtype=np.float64)
    s.backward()
    got_v, got_s = _as_array(v.grad), _as_array(s.grad)
    slip = (". Likely bug: backward() puts a gradient into a leaf's .grad only when a node sends one to it, and skips "
            "the leaves in its walk, so a root that is itself a leaf gets none; in the walk, a leaf that requires "
            "grad adds the gradient it holds (the root's own seed too) into its .grad") if got_v is None or got_s is None else ""
    assert _close(got_v, grad_v), (f"v = Tensor({v.data.tolist()}, requires_grad=True), v.backward(gradient="
                                   f"{grad_v.tolist()}): v is the root and a leaf, dv/dv = 1, so v.grad = "
                                   f"{grad_v.tolist()}, got {None if got_v is None else got_v.tolist()}" + slip)
    assert _close(got_s, np.ones(())), (f"s = Tensor({s.data.item():g}, requires_grad=True), s.backward(): s is the "
                                        f"root and a leaf, so s.grad = {np.ones(()).item():g}, got "
                                        f"{None if got_s is None else got_s.tolist()}" + slip)
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(605)
    a, grid = Tensor(rng.integers(-4, 5, 3) * 1.0, requires_grad=True), rng.integers(-9, 10, (3, 3)) * 1.0
    (d := _minus(how, a[np.array([[0, 0, 0], [1, 1, 1], [2, 2, 2]])], a).reshape(9)).backward(gradient=grid.reshape(9))
    what = "d = (a[[[0, 0, 0], [1, 1, 1], [2, 2, 2]]] - a).reshape(9), an input the notebook does not show"
    np.testing.assert_allclose(_leaf_grad(a, d, what, "a"), grid.sum(axis=1) - grid.sum(axis=0),
                               err_msg=f"{what}: a gets row sums minus column sums of the gradient")
    x, bias = (Tensor(rng.standard_normal(s), requires_grad=True, dtype=np.float64) for s in ((3, 4), (4,)))
    (_minus(how, x, bias) + x).backward(gradient=(grad_y := rng.standard_normal((3, 4))))
    np.testing.assert_allclose(bias.grad, -grad_y.sum(axis=0), err_msg=(
        "y = x - bias + x, x of shape (3, 4), an input the notebook does not show: bias gets minus the column sums"))
    ### END HIDDEN TESTS
    print("backward: ok")


if __name__ == "__main__":
    test_unit_backward()

# %% nbgrader={"grade": true, "grade_id": "test-autograd-graph", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
def _walk(graph, root, order, add=True):
    """The leaves' gradients when a backward loop walks `order` (root last) over `graph`, a graph of additions
    and subtractions (name -> its inputs' names, "-h" for a subtracted h), adding each input's share
    (add=False: overwriting what it had)."""
    grads, leaves = {root: 1.0}, {}
    for name in reversed(order):
        grad = grads.pop(name, None)
        if grad is None:
            continue
        if not graph[name]:
            leaves[name] = leaves.get(name, 0.0) + grad
        for inp in graph[name]:
            share = -grad if inp.startswith("-") else grad
            inp = inp.lstrip("-")
            grads[inp] = grads.get(inp, 0.0) + share if add else share
    return leaves


def _orders(graph, root):
    """(a depth-first topological order, a breadth-first one: each tensor after the tensors reached from it first)."""
    depth_first, seen = [], set()

    def visit(name):
        if name not in seen:
            seen.add(name)
            for inp in graph[name]:
                visit(inp.lstrip("-"))
            depth_first.append(name)
    visit(root)
    levels, queue, found = [], [root], {root}
    while queue:
        name = queue.pop(0)
        levels.append(name)
        for inp in (i.lstrip("-") for i in graph[name]):
            if inp not in found:
                found.add(inp)
                queue.append(inp)
    return depth_first, levels[::-1]


def _pushed_orders(graph, root):
    """The orders of a depth-first walk with a stack that marks a tensor visited when it pushes it, not when it
    expands it (inputs pushed in order, then in reverse order): a tensor pushed as one tensor's input and reached
    again, deeper, through another that is expanded first is skipped there, and listed after a tensor computed
    from it."""
    found = []
    for flip in (False, True):
        order, seen, stack = [], {root}, [(root, False)]
        while stack:
            name, done = stack.pop()
            if done:
                order.append(name)
                continue
            stack.append((name, True))
            inputs = [inp.lstrip("-") for inp in graph[name]]
            for inp in inputs[::-1] if flip else inputs:
                if inp not in seen:
                    seen.add(inp)
                    stack.append((inp, False))
        found.append(order)
    return found


def _reversed_preorders(graph, root):
    """The orders of a depth-first walk with a stack that lists each tensor when it pops it (before its inputs are
    done) and reverses the list at the end (inputs pushed in order, then in reverse order)."""
    found = []
    for flip in (False, True):
        order, seen, stack = [], {root}, [root]
        while stack:
            name = stack.pop()
            order.append(name)
            inputs = [inp.lstrip("-") for inp in graph[name]]
            for inp in inputs[::-1] if flip else inputs:
                if inp not in seen:
                    seen.add(inp)
                    stack.append(inp)
        found.append(order[::-1])
    return found


def _listed(root, graph):
    """The names (graph's, see _walk) of the tensors topological_order(root) lists, in its order; None if it
    cannot be called or lists a tensor the graph does not name."""
    names, todo = {}, [("L", root)]
    while todo:
        name, tensor = todo.pop()
        names[id(tensor)] = name
        inputs = [] if tensor._ctx is None else [inp for inp in tensor._ctx.inputs if inp is not None]
        todo += zip((inp.lstrip("-") for inp in graph[name]), inputs)
    try:
        listed = [names.get(id(t)) for t in topological_order(root)]
    except Exception:
        return None
    return None if None in listed else listed


def _walks_like_pushed_marks():
    """Whether topological_order lists L = (x + x) + (x + x) as a stack walk that marks a tensor visited when it
    pushes it does (so does a right walk; a preorder reversed, whose order on the check's graphs is the same, does
    not: it lists a sum before x)."""
    x = Tensor([1.0], requires_grad=True, dtype=np.float64)
    graph = {"x": (), "a": ("x", "x"), "b": ("x", "x"), "L": ("a", "b")}
    return _listed((x + x) + (x + x), graph) in _pushed_orders(graph, "L")


def _check_graph(x, root, graph, formula):
    """x.grad after root.backward(gradient=[1, 1]) on `graph` (see _walk; the root "L", the leaf "x"), or a failure
    that says what came and, when it is what a known wrong order or overwriting gives, that slip."""
    depth_first, breadth_first = _orders(graph, "L")
    want = _walk(graph, "L", depth_first)["x"]
    got = _as_array(x.grad)
    if got is not None and got.shape == (2,) and np.allclose(got, want):
        return
    message = f"{formula} (L = {want:g} x), backward(gradient=[1, 1]): dL/dx = {want:g}, got " + (
        f"{None if got is None else got.tolist()}")
    listed = _listed(root, graph) if got is not None else None
    early, late = next(((name, inp.lstrip("-")) for k, name in enumerate(listed) for inp in graph[name]
                        if listed.index(inp.lstrip("-")) > k), (None, None)) if listed else (None, None)
    pushed_marks = listed in _pushed_orders(graph, "L") and _walks_like_pushed_marks()
    preorder = listed in _reversed_preorders(graph, "L")
    if got is None:
        message += "." + _order_hint(root)
    elif got.shape != (2,):
        pass
    elif early is not None and preorder and not pushed_marks:
        message += (f". topological_order(L) lists {listed}: {early} before {late}, one of its inputs, so {late} "
                    f"passes its gradient on before {early} has sent its share. That is a depth-first preorder "
                    "reversed: each tensor listed when it is popped, before its inputs are done. Likely bug: "
                    "topological_order appends a tensor when it pops it and reverses the list at the end; append a "
                    "tensor only after all its inputs (post-order: push it back marked done before its inputs, and "
                    "append it when it comes off the stack the second time)")
    elif early is not None and pushed_marks:
        message += (f". topological_order(L) lists {listed}: {early} before {late}, one of its inputs, so {late} "
                    f"passes its gradient on before {early} has sent its share. That is the order of a stack walk "
                    f"that marks a tensor visited when it pushes it: {late}, pushed as an input of another tensor, is "
                    f"skipped when {early} reaches it. Likely bug: topological_order adds an input to the visited set "
                    "when it pushes it; mark a tensor when it is popped to be expanded (skipping it then if it is "
                    "marked already), so that it is listed after every tensor computed from it")
    elif np.allclose(got, _walk(graph, "L", breadth_first)["x"]):
        message += (". That is what a breadth-first order gives. Likely bug: topological_order is breadth-first; a "
                    "tensor may pass its gradient on only after every tensor computed from it has sent its share "
                    "(reverse topological order, not breadth-first)")
    elif np.allclose(got, _walk(graph, "L", depth_first, add=False)["x"]):
        message += (". That is what overwriting gives. Likely bug: an input's gradient replaces the share it already "
                    "had; a tensor used several times must receive the sum of its shares (add each input's gradient "
                    "to what it already has)")
    raise AssertionError(message)


def test_unit_graph():
    # The engine alone: graphs of additions and subtractions (add_backward and sub_backward, checked first) and
    # the given one-input rules; the other element-wise, matmul-sum and activation rules have their own items
    # (one slip, one item).
    problem = _runs_rules(("add_backward",))
    assert not problem, problem
    how, problem = _subtraction()
    assert not problem, problem
    problem = _pairing_problem()
    assert not problem, problem
    # h1 is used at depth 1 (by the root; depth 2 when x - y is x + (-1.0) * y) and at depth 4 (through h2, h3 and
    # h4). A breadth-first order reaches h1 before h2 has sent its share, and loses that share. So does a stack
    # walk that marks h1 visited when it pushes it as the root's input, if it then expands h4 first: checked with
    # h1 as the root's first input and as its second (a walk may push the inputs in either order).
    for first in (True, False):
        x = Tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
        h1 = x + x
        h2 = h1 + h1
        h3 = h2 + h2
        h4 = h3 + h3
        root = _minus(how, h1, h4) if first else _minus(how, h4, h1)
        root.backward(gradient=np.ones(2))
        left, right = ("h1", "h4") if first else ("h4", "h1")
        graph = {"x": (), "h1": ("x", "x"), "h2": ("h1", "h1"), "h3": ("h2", "h2"), "h4": ("h3", "h3"),
                 **({"L": (left, "-" + right)} if how == "sub" else {"L": (left, "m"), "m": ("-" + right,)})}
        _check_graph(x, root, graph, f"L = {left} - {right} with h1 = x + x, h2 = h1 + h1, h3 = h2 + h2, h4 = h3 + h3")
    # The same tensor at several depths, through indexing with a repeated row, a transpose, a negation and a
    # constant (its input slot is None): L = u[[1, 1]] - m + 1.5 with u = m^T + m.
    m0 = np.array([[1.0, 2.0], [3.0, 4.0]])
    m = Tensor(m0, requires_grad=True, dtype=np.float64)
    u = m.transpose() + m
    grad_out = np.array([[1.0, 2.0], [10.0, 20.0]])
    (u[np.array([1, 1])] + (-m) + 1.5).backward(gradient=grad_out)
    grad_u = np.zeros((2, 2))
    grad_u[1] = grad_out.sum(axis=0)
    np.testing.assert_allclose(m.grad, grad_u.T + grad_u - grad_out, err_msg=(
        "L = u[[1, 1]] - m + 1.5 with u = m.transpose() + m: m is used three times; both rows of the gradient go "
        "to u's row 1 (indexing twice the same row adds)"))
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(606)
    h = [Tensor(rng.standard_normal(3), requires_grad=True, dtype=np.float64)]
    for _ in range(5):
        h.append(h[-1] + h[-1])                          # h[k] = h[k-1] + h[k-1]
    (root := _minus(how, h[5], h[2])).backward(gradient=(grad_out := rng.standard_normal(3)))
    graph = {"h0": (), **{f"h{k}": (f"h{k - 1}",) * 2 for k in range(1, 6)},
             **({"L": ("h5", "-h2")} if how == "sub" else {"L": ("h5", "m"), "m": ("-h2",)})}
    want = _walk(graph, "L", _orders(graph, "L")[0])["h0"] * grad_out
    np.testing.assert_allclose(_leaf_grad(h[0], root, "L = h5 - h2", "h0"), want, err_msg=(
        "L = h5 - h2 with h[k] = h[k-1] + h[k-1], an input the notebook does not show: each tensor's shares summed"))
    ### END HIDDEN TESTS
    print("graphs: ok")


if __name__ == "__main__":
    test_unit_graph()

# %% nbgrader={"grade": true, "grade_id": "test-autograd-long-chain", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def _backward_deep(y, gradient, what):
    """y.backward(gradient) for a graph deeper than Python's recursion limit; a RecursionError becomes a message
    that names the walk which called itself (topological_order, tried alone, or else backward)."""
    try:
        y.backward(gradient=gradient)
    except RecursionError as error:
        try:
            topological_order(y)
            walk = "backward calls itself once per tensor, pushing the gradient down every path"
        except RecursionError:
            walk = "topological_order visits each tensor's inputs by calling itself"
        raise AssertionError(f"backward on {what} raised RecursionError ({error}). Likely bug: {walk}; Python stops "
                             "nested calls at its recursion limit, below this graph's depth: walk the graph with an "
                             "explicit stack (a list you append to and pop from), in a topological order") from None


def test_unit_long_chain():
    how, problem = _subtraction()
    assert not problem, problem
    problem = _pairing_problem()
    assert not problem, problem
    # 1500 operations in a row (an RNN unrolled over many steps): deeper than Python's
    # recursion limit of 1000, so a recursive graph walk fails here.
    x = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(1500):
        y = _minus(how, y, x)                            # y = -1499 x
    _backward_deep(y, np.ones(2), "a chain of 1500 subtractions of x")
    got = _leaf_grad(x, y, "a chain of 1500 subtractions of x, y = x - x - ... - x")
    np.testing.assert_allclose(got, [-1499.0, -1499.0], err_msg="a chain of 1500 subtractions of x: dL/dx = -1499")
    ### BEGIN HIDDEN TESTS
    x0, grad_y = np.random.default_rng(607).standard_normal((2, 3))
    x = y = Tensor(x0, requires_grad=True, dtype=np.float64)
    for _ in range(1200):
        y = _minus(how, y, x)                            # y = (1 - 1200) x
    what = "a chain of 1200 subtractions of x, an input the notebook does not show"
    _backward_deep(y, grad_y, what)
    np.testing.assert_allclose(_leaf_grad(x, y, what), (1 - 1200) * grad_y, err_msg=f"{what}: dL/dx = -1199 grad")
    ### END HIDDEN TESTS
    print("long chain: ok")


if __name__ == "__main__":
    test_unit_long_chain()

# %% nbgrader={"grade": true, "grade_id": "test-autograd-nested-diamonds", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_nested_diamonds():
    problem = _runs_rules(("add_backward",))
    assert not problem, problem
    # 31 diamonds in a row: 2**31 paths from the root to x. Walking every path separately
    # never finishes; visiting each tensor once (in topological order) takes a few steps per diamond.
    # An odd number of them, so that the sign shows whether neg's rule ran.
    x = Tensor([3.0], requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(31):
        y = (-y) + (-y)                                  # two paths from each y to the next, one negation each
    y.backward(gradient=np.ones(1))
    got = _leaf_grad(x, y, "31 nested diamonds y = (-y) + (-y)")
    slip = "" if _close(got, np.array([(-2.0) ** 31])) else _pairing_problem()   # one that shows here too: a hint
    np.testing.assert_allclose(got, [(-2.0) ** 31], err_msg=(
        f"31 nested diamonds y = (-y) + (-y): dL/dx = (-2) ** 31 = {(-2.0) ** 31:g}" + (f". {slip}" if slip else "")))
    ### BEGIN HIDDEN TESTS
    x0, grad_y = np.random.default_rng(608).standard_normal((2, 2))
    x = y = Tensor(x0, requires_grad=True, dtype=np.float64)
    for _ in range(29):
        y = (-y) + (-y)
    y.backward(gradient=grad_y)
    what = "29 nested diamonds y = (-y) + (-y), an input the notebook does not show"
    np.testing.assert_allclose(_leaf_grad(x, y, what), (-2.0) ** 29 * grad_y, err_msg=f"{what}: (-2) ** 29 grad")
    ### END HIDDEN TESTS
    print("nested diamonds: ok")


if __name__ == "__main__":
    test_unit_nested_diamonds()

# %% [markdown]
# Module 04's losses are written with `Tensor` operations only, and its checks could look
# at their values only. Now that operations record themselves, `loss.backward()` must
# reach the model's output through them: the check below compares with the textbook
# gradients, `2 (y_hat - y) / n` for MSE, `(softmax(z) - one_hot) / N` for cross-entropy
# and `(p - y) / (p (1 - p) n)` for BCE. It runs the losses of the package: in your own
# copy, after `tito export 04`, those are yours.

# %% nbgrader={"grade": true, "grade_id": "test-autograd-losses", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_losses_backward():
    from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss
    # The package's losses import the package's module 06, which switches its own engine on when a
    # notebook imports it first: switch this notebook's engine back on, so that it is the one checked.
    enable_autograd()
    # The losses run these rules of yours (mean() runs sum_backward): a wrong one is named first.
    problem = _runs_rules(("add_backward", "sub_backward", "mul_backward", "exp_backward", "log_backward",
                           "sum_backward(axis=None)", "sum_backward(axis=1, keepdims=True)")) or _unbroadcast_problem() \
        or _pairing_problem()
    assert not problem, problem

    def check(name, textbook, loss_of, same_formula, x0, expected, rtol, allowed_from_data=""):
        # First the same formula written here with Tensor operations (module 04's reference), which only
        # the engine computes; then the loss as module 04 computes it. That one comes from the package,
        # which the submission's own code could replace: it is asked only once the engine has earned it.
        def right(grad):
            return grad is not None and np.allclose(grad, expected, rtol=rtol, atol=1e-15)

        def got(grad):
            return "no gradient reached the input" if grad is None else \
                f"the gradient is off by up to {np.abs(grad - expected).max():.3g}"

        control = Tensor(x0, requires_grad=True, dtype=np.float64)
        root = same_formula(control)
        root.backward()
        hint = ""
        if not right(control.grad):
            hint = _order_hint(root) if control.grad is None else _reduction_problem() and " " + _reduction_problem()
        assert right(control.grad), (
            f"{name}'s formula written with Tensor operations, textbook gradient {textbook}: {got(control.grad)}; "
            "the rules it runs give the right gradients on their own samples, so the engine is at fault: see the "
            f"messages of the checks above.{hint}")
        x = Tensor(x0, requires_grad=True, dtype=np.float64)
        loss = loss_of(x)
        assert loss.requires_grad, (
            f"{name}: its result records no graph, so backward() cannot reach the input. Module 04's {name} "
            "computes on .data and wraps the number in a new Tensor (numpy records nothing): compute it with "
            "Tensor operations")
        loss.backward()
        assert right(x.grad), (
            f"{name}, textbook gradient {textbook}: {got(x.grad)}, while the same formula written with Tensor "
            f"operations gets it. So module 04's {name} probably takes a part of its computation from .data, a "
            f"constant to the engine{allowed_from_data}; or it uses an operation this formula does not, whose "
            "backward rule is wrong (see the checks above)")

    def mse(pred):
        diff = pred - Tensor(target0, dtype=np.float64)
        return (diff * diff).mean()

    pred0, target0 = np.array([[2.0, 0.0, 1.0], [1.0, 4.0, -1.0]]), np.array([[1.0, 2.0, 1.0], [1.0, 1.0, 0.0]])
    check("MSELoss", "2 (y_hat - y) / n", lambda pred: MSELoss()(pred, target0), mse,
          pred0, 2 * (pred0 - target0) / 6, 1e-12)

    def cross_entropy(z):
        shifted = z - z0.max(axis=1, keepdims=True)
        log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return -log_probs[np.arange(3), labels].mean()

    z0 = np.array([[0.5, -1.0, 2.0, 0.0], [1.5, 0.0, -0.5, 3.0], [200.0, 0.0, 100.0, 199.0]])
    labels = np.array([2, 0, 3])
    softmax = np.exp(z0 - z0.max(axis=1, keepdims=True))
    softmax = softmax / softmax.sum(axis=1, keepdims=True)
    check("CrossEntropyLoss", "(softmax(z) - one_hot(labels)) / N", lambda z: CrossEntropyLoss()(z, labels),
          cross_entropy, z0, (softmax - np.eye(4)[labels]) / 3, 1e-10,
          allowed_from_data=" (only the shift by a row's maximum may be)")

    def bce(p):
        y = Tensor(y0, dtype=np.float64)
        return -(y * (p + 1e-12).log() + (1.0 - y) * (1.0 - p + 1e-12).log()).mean()

    p0 = np.array([[0.9, 0.2, 0.6], [0.3, 0.7, 0.5]])
    y0 = np.array([[1.0, 0.0, 1.0], [0.0, 0.5, 1.0]])
    check("BinaryCrossEntropyLoss", "(p - y) / (p (1 - p) n)", lambda p: BinaryCrossEntropyLoss()(p, y0), bce,
          p0, (p0 - y0) / (p0 * (1 - p0)) / 6, 1e-8)
    ### BEGIN HIDDEN TESTS
    rng, hidden = np.random.default_rng(609), " (on an input the notebook does not show)"
    pred0, target0, z0 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), 3 * rng.standard_normal((3, 5))
    check("MSELoss" + hidden, "2 (y_hat - y) / n", lambda pred: MSELoss()(pred, target0), mse,
          pred0, 2 * (pred0 - target0) / 12, 1e-12)
    labels, softmax = rng.integers(0, 5, 3), np.exp(z0 - z0.max(axis=1, keepdims=True))
    check("CrossEntropyLoss" + hidden, "(softmax(z) - one_hot(labels)) / N", lambda z: CrossEntropyLoss()(z, labels),
          cross_entropy, z0, (softmax / softmax.sum(axis=1, keepdims=True) - np.eye(5)[labels]) / 3, 1e-10)
    p0, y0 = rng.uniform(0.05, 0.95, (4, 2)), rng.uniform(0, 1, (4, 2))
    check("BinaryCrossEntropyLoss" + hidden, "(p - y) / (p (1 - p) n)", lambda p: BinaryCrossEntropyLoss()(p, y0), bce,
          p0, (p0 - y0) / (p0 * (1 - p0)) / 8, 1e-8)
    ### END HIDDEN TESTS
    print("module 04's losses: gradients ok")


if __name__ == "__main__":
    test_unit_losses_backward()

# %% [markdown]
# ## 10. Seeing the backward pass
#
# The pictures below are drawn from graphs your engine records and from what
# your `backward()` computes; nothing in them is typed in by hand. Two helpers
# (given) do the bookkeeping:
#
# - `_watched_backward(root)` runs `root.backward()` (your loop) with every
#   node's `backward` watched, and returns the gradient each non-leaf tensor
#   received (a node's `grad_output` *is* `dL/d(its tensor)`, summed over all
#   paths) and every edge's contribution `(node, input, gradient)`. Your loop
#   uses these values and forgets them: only the leaves keep a `.grad`, as in
#   PyTorch;
# - `_draw_graph(ax, root, names, received)` draws the graph that ends at
#   `root`: a square box per tensor, a round box per node, an arrow per edge,
#   laid out in columns by the longest distance from the output.
#
# **The graph of a small loss.** `L = relu(a * b + c) ** 2` with `a = 2`,
# `b = -3`, `c = 10`. Read it left to right for the forward pass: `a * b`, then
# `z = a * b + c`, `y = relu(z)`, `L = y ** 2` (the cell prints each value). Read it
# right to left for the backward pass: `dL/dL = 1`; Pow sends `2 y`; ReLU passes it
# on (its input is positive); Add copies it to both inputs; Mul swaps its inputs, so
# `dL/da = 2 y * b` and `dL/db = 2 y * a` (the cell prints them, as your `backward()`
# computed them). The `#k` after a tensor's name
# is its position in your `topological_order(L)`: backward visits the tensors
# from the highest number down, every tensor after all those computed from it.

# %%
def _watched_backward(root):
    """root.backward() by your engine, each node's backward watched.

    Returns ({id(tensor): the gradient that reached it} for the non-leaf tensors,
    [(node, input tensor, the gradient this edge sent)] in the order the engine sent them).
    """
    received, sent = {}, []
    order = topological_order(root)
    watched = [tensor for tensor in order if tensor._ctx is not None]
    for tensor in watched:
        def spy(grad_output, node=tensor._ctx, tensor=tensor, rule=tensor._ctx.backward):
            received[id(tensor)] = np.array(grad_output)
            grads = rule(grad_output)
            for inp, g in zip(node.inputs, grads if isinstance(grads, (tuple, list)) else (grads,)):
                if inp is not None and g is not None and inp.requires_grad:
                    sent.append((node, inp, unbroadcast(np.asarray(g), inp.shape)))
            return grads
        tensor._ctx.backward = spy                      # an instance attribute hides the method
    try:
        root.backward()
    finally:
        for tensor in watched:
            vars(tensor._ctx).pop("backward", None)
    return received, sent


def _fmt(array):
    """A short label for a value or a gradient."""
    array = np.asarray(array, dtype=np.float64) + 0.0      # + 0.0: no "-0"
    return f"{array.item():g}" if array.size == 1 else np.array2string(array, precision=3, separator=", ")


def _graph_layout(root):
    """{id(tensor or node): (column, row)}: columns by the longest path to the output (output on the
    right), rows in the order of topological_order(root)."""
    order = topological_order(root)
    depth = {id(root): 0}
    for tensor in reversed(order):                       # every consumer of a tensor comes before it
        node = tensor._ctx
        if node is None:
            continue
        depth[id(node)] = depth[id(tensor)] + 1
        for inp in node.inputs:
            if inp is not None:
                depth[id(inp)] = max(depth.get(id(inp), 0), depth[id(node)] + 1)
    columns = {}
    for tensor in order:
        columns.setdefault(depth[id(tensor)], []).append(id(tensor))
        if tensor._ctx is not None:
            columns.setdefault(depth[id(tensor._ctx)], []).append(id(tensor._ctx))
    deepest = max(depth.values())
    return {key: (deepest - d, (len(keys) - 1) / 2 - row)
            for d, keys in columns.items() for row, key in enumerate(keys)}


def _draw_graph(ax, root, names, received):
    """Boxes for the tensors (name, #position in topological_order, value, gradient) and the nodes,
    an arrow for each edge input -> node -> output."""
    from matplotlib.patches import FancyArrowPatch
    order = topological_order(root)
    where = _graph_layout(root)
    for k, tensor in enumerate(order, start=1):
        if tensor._ctx is None:
            grad = _fmt(tensor.grad) if tensor.grad is not None else "none (constant)"
        else:
            grad = _fmt(received[id(tensor)])
        label = f"{names.get(id(tensor), 't')}  #{k}\n= {_fmt(tensor.data)}\ngrad {grad}"
        ax.text(*where[id(tensor)], label, ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="square,pad=0.4", fc="#dbe9f6" if tensor._ctx is None else "white", ec="tab:blue"))
        node = tensor._ctx
        if node is None:
            continue
        ax.text(*where[id(node)], repr(node).strip("<>").replace("Backward", ""), ha="center", va="center",
                fontsize=8, bbox=dict(boxstyle="round,pad=0.4", fc="#fde2c8", ec="tab:orange"))
        for start, end in [*((where[id(inp)], where[id(node)]) for inp in node.inputs if inp is not None),
                           (where[id(node)], where[id(tensor)])]:
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                         shrinkA=26, shrinkB=26, color="0.4"))
    columns = [c for c, _ in where.values()]
    rows = [r for _, r in where.values()]
    ax.set_xlim(min(columns) - 0.6, max(columns) + 0.6)
    ax.set_ylim(min(rows) - 0.8, max(rows) + 0.8)
    ax.axis("off")


# %%
if __name__ == "__main__":
    _a = Tensor([2.0], requires_grad=True, dtype=np.float64)
    _b = Tensor([-3.0], requires_grad=True, dtype=np.float64)
    _c = Tensor([10.0], requires_grad=True, dtype=np.float64)
    _ab = _a * _b
    _z = _ab + _c
    _y = ReLU()(_z)
    _root = _y ** 2
    _names = {id(_t): _n for _n, _t in (("a", _a), ("b", _b), ("c", _c), ("a*b", _ab), ("z", _z), ("y", _y), ("L", _root))}
    _received, _sent = _watched_backward(_root)
    print(f"forward: a*b = {_fmt(_ab.data)}, z = {_fmt(_z.data)}, y = relu(z) = {_fmt(_y.data)}, L = {_fmt(_root.data)}")
    print("topological order:", ", ".join(f"#{_k} {_names[id(_t)]}" for _k, _t in enumerate(topological_order(_root), 1)))
    print("gradients received:", ", ".join(f"dL/d{_names[_i]} = {_fmt(_g)}" for _i, _g in _received.items()))
    print(f"leaf gradients from your backward(): a.grad = {_fmt(_a.grad)}, b.grad = {_fmt(_b.grad)}, "
          f"c.grad = {_fmt(_c.grad)}")

    def _graph_loss(abc):
        a, b, c = (Tensor([v], dtype=np.float64) for v in abc)
        return ReLU()(a * b + c) ** 2
    np.testing.assert_allclose(numerical_gradient(_graph_loss, [2.0, -3.0, 10.0]),
                               np.concatenate([_a.grad, _b.grad, _c.grad]), rtol=1e-6)
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(10, 3.2))
        _draw_graph(_ax, _root, _names, _received)
        _ax.set_title("L = relu(a * b + c) ** 2: values forward (left to right), gradients backward", fontsize=9)
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# **Two paths add up.** In `L = sum(x * exp(-x))` every element of `x` is used
# twice: directly, as the left factor of the product, and inside `exp(-x)`. The
# backward pass reaches `x` along both edges, and your loop adds what they
# send. The product rule says the same: the direct path sends `exp(-x)` (the
# other factor), the path through Exp and Neg sends `x * exp(-x) * (-1)`. The
# cell takes 51 points `x` from -1 to 4, records both contributions with
# `_watched_backward`, and draws them (dashed) with their sum, `x.grad` (solid),
# and finite differences of the whole function (dots). Look at `x = 1`: the two
# contributions are `exp(-1)` and `-exp(-1)` (the cell prints them), they cancel, and `x * exp(-x)` has
# its maximum there. Had the loop kept only one contribution, it would report a
# wrong slope: `exp(-x)` is never zero, and `-x exp(-x)` is zero only at `x = 0`,
# where the true slope is 1; neither is zero at the maximum, `x = 1`.

# %%
if __name__ == "__main__":
    _xs = np.linspace(-1.0, 4.0, 51)
    _xt = Tensor(_xs, requires_grad=True, dtype=np.float64)
    _prod = _xt * (-_xt).exp()
    _total = _prod.sum()
    _, _sent = _watched_backward(_total)
    _into_x = [(_node, _g) for _node, _inp, _g in _sent if _inp is _xt]
    print("edges into x:", ", ".join(repr(_node) for _node, _ in _into_x))
    np.testing.assert_allclose(sum(_g for _, _g in _into_x), _xt.grad, rtol=1e-12)   # the loop adds them
    np.testing.assert_allclose(_xt.grad, (1 - _xs) * np.exp(-_xs), rtol=1e-12)
    _fd = numerical_gradient(lambda v: (Tensor(v, dtype=np.float64) * (-Tensor(v, dtype=np.float64)).exp()).sum(), _xs)
    np.testing.assert_allclose(_fd, _xt.grad, atol=1e-8)
    _one = int(np.argmin(np.abs(_xs - 1.0)))
    print(f"at x = {_xs[_one]:g}: " + " + ".join(f"({_g[_one]:+.3f} from {_node!r})" for _node, _g in _into_x)
          + f" = {_xt.grad[_one]:+.3f} = x.grad")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(6.5, 4))
        for (_node, _g), _color in zip(_into_x, ("tab:green", "tab:purple")):
            _ax.plot(_xs, _g, linestyle="--", color=_color, label=f"sent by {_node!r}")
        _ax.plot(_xs, _xt.grad, color="black", linewidth=2, label="x.grad: their sum")
        _ax.plot(_xs[::5], _fd[::5], "o", color="tab:red", markersize=4, label="finite differences")
        _ax.grid(alpha=0.3)
        _ax.set_xlabel("x")
        _ax.set_ylabel("dL/dx")
        _ax.set_title("L = sum(x * exp(-x)): x is used twice, its gradient is the sum", fontsize=9)
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# ## 11. Systems questions
#
# Answer in a sentence or two each, then run the cell for the numbers.
#
# 1. Every recorded node keeps the arrays its backward rule needs (`BackwardNode.arrays`, its
#    inputs, and `.out`, its result) until the graph is dropped. For a chain of `N` operations on
#    an activation of `A` bytes, each result is the next operation's input: about how many bytes
#    does the graph keep alive, and how many does the same chain keep under `no_grad()`?
# 2. `out = a @ b` with `a` of shape `(N, K)` and `b` of `(K, M)` costs `2 N K M` FLOPs.
#    Its backward rule computes `grad @ b.T` and `a.T @ grad`. How many FLOPs is that, and
#    how do the measured times of forward and backward compare?


# %%
if __name__ == "__main__":
    import time as _sq_time
    # 1. Walk the graph of N Tanh's and add up the distinct arrays its nodes hold.
    _sq_n, _sq_shape = 50, (256, 256)
    _sq_x = Tensor(np.random.default_rng(0).standard_normal(_sq_shape), requires_grad=True)
    _sq_a = _sq_x.data.nbytes
    _sq_y = _sq_x
    for _ in range(_sq_n):
        _sq_y = Tanh()(_sq_y)
    _sq_kept = {}
    for _sq_t in topological_order(_sq_y):
        if _sq_t._ctx is not None:
            for _sq_arr in tuple(getattr(_sq_t._ctx, "arrays", ())) + (getattr(_sq_t._ctx, "out", None),):
                if isinstance(_sq_arr, np.ndarray):
                    _sq_kept[id(_sq_arr)] = _sq_arr.nbytes
    _sq_graph = sum(_sq_kept.values())
    print(f"1. A = {_sq_shape[0]} * {_sq_shape[1]} * 4 = {_sq_a:,} bytes; {_sq_n} Tanh's: the graph keeps "
          f"{len(_sq_kept)} distinct arrays = {_sq_graph:,} bytes = {_sq_graph / _sq_a:.0f} A = {_sq_graph / 2**20:.1f} MiB")
    assert _sq_graph == (_sq_n + 1) * _sq_a
    with no_grad():
        _sq_z = Tanh()(Tanh()(_sq_x))
    print(f"   under no_grad() no node is recorded (_ctx is {_sq_z._ctx}): each array is freed once the next "
          f"is computed, so at most 3 A = {3 * _sq_z.data.nbytes:,} bytes are alive (the input, the previous "
          f"result and the new one), whatever N, against (N + 1) A with the graph")
    assert _sq_z._ctx is None
    # 2. Forward and backward of one matmul, counted and timed (best of 5).
    _sq_nn, _sq_kk, _sq_mm = 256, 256, 256
    _sq_rng = np.random.default_rng(1)
    _sq_p = _sq_rng.standard_normal((_sq_nn, _sq_kk)).astype(np.float32)
    _sq_q = _sq_rng.standard_normal((_sq_kk, _sq_mm)).astype(np.float32)
    _sq_out = _sq_p @ _sq_q
    _sq_g = np.ones_like(_sq_out)
    _sq_fwd_flops = 2 * _sq_nn * _sq_kk * _sq_mm
    _sq_best = {}
    for _sq_name, _sq_run in (("forward", lambda: _sq_p @ _sq_q),
                              ("backward", lambda: matmul_backward(_sq_g, _sq_out, _sq_p, _sq_q))):
        _sq_times = []
        for _ in range(5):
            _sq_t0 = _sq_time.perf_counter()
            _sq_run()
            _sq_times.append(_sq_time.perf_counter() - _sq_t0)
        _sq_best[_sq_name] = min(_sq_times)
    _sq_da, _sq_db = matmul_backward(_sq_g, _sq_out, _sq_p, _sq_q)
    assert _sq_da.shape == _sq_p.shape and _sq_db.shape == _sq_q.shape
    print(f"2. forward 2 * {_sq_nn} * {_sq_kk} * {_sq_mm} = {_sq_fwd_flops:,} FLOPs; backward two products of the same "
          f"size = {2 * _sq_fwd_flops:,} FLOPs ({2 * _sq_fwd_flops / _sq_fwd_flops:.0f}x)")
    print(f"   measured: forward {_sq_best['forward'] * 1e3:.2f} ms, backward {_sq_best['backward'] * 1e3:.2f} ms "
          f"({_sq_best['backward'] / _sq_best['forward']:.1f}x)")


# %% [markdown]
# ## 12. Check your understanding
#
# Work each one out by hand first, then run the cell to check.
#
# 1. In the graph of the first picture, change `c` from 10 to 5. What are
#    `a.grad`, `b.grad` and `c.grad`?
# 2. Back with `c = 10`: you call `L.backward()` twice on the same `L` without
#    resetting anything. What is `a.grad`, and why?
# 3. Model the error of a central difference on `exp` at 1 as
#    `eps^2 / 6 + u / eps`. Which `eps` minimises it in float64 and in float32,
#    and how close are these to the best steps measured in the finite-difference
#    picture?

# %%
if __name__ == "__main__":
    # Each answer is derived step by step, then checked against what your engine computes.
    # 1. z = a * b + c = 2 * (-3) + 5 = -1 < 0: ReLU's slope is 0 there, so nothing flows back.
    _q_a, _q_b, _q_c = (Tensor([_v], requires_grad=True, dtype=np.float64) for _v in (2.0, -3.0, 5.0))
    _q_z = 2.0 * -3.0 + 5.0
    _q_L = ReLU()(_q_a * _q_b + _q_c) ** 2
    _q_L.backward()
    print(f"1. z = 2 * (-3) + 5 = {_q_z:g}; relu(z) = {max(_q_z, 0):g}, L = {_fmt(_q_L.data)}; ReLU's slope at z < 0 "
          f"is 0, so a.grad = {_fmt(_q_a.grad)}, b.grad = {_fmt(_q_b.grad)}, c.grad = {_fmt(_q_c.grad)}")
    assert _q_z < 0 and not np.any(_q_a.grad) and not np.any(_q_b.grad) and not np.any(_q_c.grad)
    # 2. One call: dL/da = 2 y * b = 2 * 4 * (-3) = -24. The second call adds another -24 to .grad.
    _q_a = Tensor([2.0], requires_grad=True, dtype=np.float64)
    _q_L = ReLU()(_q_a * -3.0 + 10.0) ** 2
    _q_once = 2 * 4.0 * -3.0
    _q_L.backward()
    _q_first = float(_q_a.grad[0])
    _q_L.backward()
    print(f"2. dL/da = 2 y * b = 2 * 4 * (-3) = {_q_once:g}; after one backward() a.grad = {_q_first:g}, after two "
          f"{_fmt(_q_a.grad)}: leaves accumulate (that is why optimizers call zero_grad())")
    assert _q_first == _q_once and float(_q_a.grad[0]) == 2 * _q_once
    # 3. d/d(eps) (eps^2 / 6 + u / eps) = eps / 3 - u / eps^2 = 0  <=>  eps = (3 u)^(1/3);
    #    there the error is (3u)^(2/3) / 6 + (3u)^(2/3) / 3 = (3u)^(2/3) / 2.
    for _q_name in ("float64", "float32"):
        _q_u = float(np.finfo(_q_name).eps)
        _q_eps = (3 * _q_u) ** (1 / 3)
        print(f"3. {_q_name}: u = {_q_u:.2e}; eps = (3u)^(1/3) = {_q_eps:.1e}, error (3u)^(2/3) / 2 = "
              f"{(3 * _q_u) ** (2 / 3) / 2:.1e}; measured best eps {_best_eps[_q_name]:.1e}, "
              f"error {_fd_error[_q_name].min():.1e}")
        assert 0.1 < _best_eps[_q_name] / _q_eps < 10                  # the model is right within a decade

# %% [markdown]
# ## 13. Checks on the given code
#
# Not graded: grad mode, `detach`, the error messages, `Function.apply`.

# %%
def test_unit_grad_mode_and_function():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = w * 2
    assert not y.requires_grad and y._ctx is None and is_grad_enabled()
    assert not w.detach().requires_grad and w.detach().data is w.data
    try:
        (w * 2).backward()
    except RuntimeError as err:
        assert "scalar outputs" in str(err)
    else:
        raise AssertionError("backward() of a non-scalar must raise")

    class Cube(Function):
        def forward(self, x):
            self.x = x
            return x ** 3

        def backward(self, grad):
            return (3 * self.x ** 2 * grad,)

    out = Cube.apply(w)
    assert out.requires_grad and isinstance(out._ctx, Cube) and out._ctx.inputs == (w,)
    out.sum().backward()
    assert np.allclose(w.grad, [3, 12])
    assert not Cube.apply(np.array([1.0])).requires_grad

    class Double(Function):
        def forward(self, x):
            return 2 * x

        def backward(self, grad):
            return 2 * grad                             # no comma: refused, like a rule's bare array

    try:
        Double.apply(w).sum().backward()
    except RuntimeError as err:
        assert "Double.backward returned an array, not a tuple of gradients: return (g,) with the comma" in str(err)
    else:
        raise AssertionError("a backward returning a bare array must raise")
    product = w * 2                                     # a Tensor operation's node is a Function too
    assert repr(product._ctx) == "<MulBackward>" and isinstance(product._ctx, Function)
    enable_autograd()                                   # idempotent
    v = Tensor([3.0], requires_grad=True)
    (v * v).sum().backward()
    assert np.allclose(v.grad, [6])
    print("grad mode, detach, Function: ok")


if __name__ == "__main__":
    test_unit_grad_mode_and_function()

# %% [markdown]
# ## Summary
#
# Every tensor now remembers how it was made, and `backward()` walks that
# record in reverse topological order, applying one local rule per operation,
# summing where a tensor fed several paths and where broadcasting copied it.
# Layers (module 03) and losses (module 04) are built from these operations,
# so they get their gradients for free; module 09 adds convolution as a
# `Function` with a hand-written backward, checked by `numerical_gradient`.
