# %% [markdown]
# # Module 01: Tensor
#
# Every number a neural network touches, from the pixels of an image to the
# weights of a layer to the loss it minimises, lives in a **tensor**: a block of
# numbers arranged along some number of axes. In this module you build
# `Tensor`, the one data structure the rest of tinytorch is made of.
#
# By the end you will have:
#
# - a `Tensor` class that wraps a numpy array and checks what it is given;
# - element-wise arithmetic with numpy's **broadcasting** rules;
# - matrix multiplication with clear shape errors;
# - shape manipulation (`reshape`, `transpose`, indexing) and reductions
#   (`sum`, `mean`, `max`);
# - a single seeded random number generator that every later module draws from.
#
# Gradients come later: module 06 teaches every operation you write here how to
# run backwards. Until then `Tensor.backward()` only tells you that.

# %% nbgrader={"grade": false, "grade_id": "tensor-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.tensor
#| export
import numbers

import numpy as np

# %% [markdown]
# ## 1. What a tensor is
#
# A tensor is an n-dimensional array of numbers plus a little metadata. Its
# **shape** lists the length of each axis; its **ndim** is how many axes it has;
# its **size** is how many numbers it holds (the product of the shape). A scalar
# loss has shape `()`, a batch of 32 feature vectors of length 10 has shape
# `(32, 10)`, and a batch of 32 RGB images of 28x28 pixels in PyTorch's NCHW
# layout has shape `(32, 3, 28, 28)`.
#
# The numbers themselves sit in one contiguous block of memory; the shape only
# says how to read it. That is why `reshape` is almost free: it changes the
# reading instructions, not the data.
#
# We do not reimplement arrays. numpy already stores and computes on them in
# fast C loops, so `Tensor` *wraps* an `np.ndarray` in `.data` and adds what a
# deep learning framework needs on top: a fixed floating-point dtype, input
# checking with helpful errors, and (from module 06) gradient tracking through
# `.requires_grad`, `.grad` and `._ctx`.
#
# ### Why float32 by default
#
# Deep learning runs in 32-bit floats: half the memory and bandwidth of float64,
# and still more precision than gradient descent needs. The tests for gradients
# in module 06 use float64 instead, because they compare against finite
# differences, which lose many of the available digits (module 06 measures how
# many, for both dtypes). So a `Tensor` holds
# float32 unless you ask for float64, and results keep the dtype of their inputs.
# The cell below prints what each dtype offers.

# %%
for _name in ("float32", "float64"):
    _info = np.finfo(_name)
    print(f"{_name}: {np.dtype(_name).itemsize} bytes, ~{_info.precision} decimal digits, "
          f"max {_info.max:.3g}, machine epsilon {_info.eps:.3g}")
print(f"a batch of 32 RGB 28x28 images in float32: {32 * 3 * 28 * 28 * 4 / 1024:.0f} KiB")

# %% [markdown]
# ## 2. Creating tensors
#
# `Tensor(data, requires_grad=False, dtype=None)` accepts a number, a (nested)
# list, a numpy array or another Tensor. Anything else is a mistake that would
# otherwise surface much later as a baffling numpy error, so the constructor
# checks its input and says what it expected, what it got, and how to fix it.
# This checking code is given; read it, because your operations rely on it.
#
# Two details mirror PyTorch, one does not:
#
# - `dtype=None` means float32, PyTorch's default float type.
# - Unlike `torch.tensor`, which keeps a float64 array's dtype and makes Python integers
#   int64, tinytorch converts all data to float32 unless you ask for float64: only those two
#   dtypes exist here.
# - A float32 numpy array is used as-is, without copying (like
#   `torch.from_numpy`): changing the array changes the tensor. Anything that
#   needs converting is copied.

# %% nbgrader={"grade": false, "grade_id": "tensor-class", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _check_dtype(dtype):
    """Return `dtype` as a numpy dtype, or raise ValueError if it is not float32/float64."""
    if dtype is None:
        return np.dtype(np.float32)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None   # (not `in` below: numpy compares None equal to float64)
    if dt is None or dt not in _FLOAT_DTYPES:
        raise ValueError(
            f"Tensor dtype must be float32 or float64, got {dtype!r}. "
            "Pass dtype=np.float32 (the default) or dtype=np.float64.")
    return dt


def is_whole_number(value):
    """An int or a numpy integer, and not a bool. Every later module checks sizes, counts and
    seeds with this: `True` is an int to Python, but as a size it is a slip."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real_number(value):
    """An int, a float or a numpy number, and not a bool (learning rates, probabilities)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def to_numpy(value):
    """The numpy array inside a Tensor (the same array, not a copy), or `np.asarray` of anything
    else. Later modules read targets, samples and outputs with this whatever the caller passed."""
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _to_array(data, dtype):
    """Convert accepted input to an ndarray of `dtype` (no copy when it already is one)."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "biuf":
            raise TypeError(
                f"Tensor expects numeric data, got a numpy array of dtype {data.dtype}. "
                "Convert it first, e.g. arr.astype(np.float32).")
        return np.asarray(data, dtype=dtype)
    if isinstance(data, (bool, numbers.Real, np.generic)) and not isinstance(data, (str, bytes)):
        arr = np.asarray(data)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"Tensor expects a real number, got {data!r} of type "
                            f"{type(data).__name__}.")
        return arr.astype(dtype)
    if isinstance(data, (list, tuple)):
        try:
            arr = np.array(data)
        except ValueError:
            raise TypeError(
                "Tensor expects a rectangular nested list of numbers, got a ragged list "
                "(rows of different lengths). Make every row the same length.") from None
        if arr.dtype.kind not in "biuf":
            found = "non-numeric objects" if arr.dtype.kind == "O" else f"{arr.dtype} values"
            raise TypeError(
                f"Tensor expects a nested list of numbers, got a list holding {found}. "
                "Convert the elements to numbers first.")
        return arr.astype(dtype)
    raise TypeError(
        f"Tensor expects a number, a nested list of numbers, a numpy array or a Tensor, "
        f"got {type(data).__name__}. Convert your data to one of those first.")


class Tensor:
    """An n-dimensional array of float32 (or float64) numbers.

    `Tensor(data, requires_grad=False, dtype=None)`: `data` is a number, a nested
    list, an np.ndarray or a Tensor. `dtype` is float32 (default) or float64; a
    Tensor passed in keeps its dtype unless `dtype` says otherwise.
    """

    # numpy must not turn `ndarray + Tensor` into an array of Tensors: with
    # __array_ufunc__ = None it hands the operation to Tensor.__radd__ instead.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None):
        if dtype is None and isinstance(data, Tensor):
            dtype = data.dtype
        dtype = _check_dtype(dtype)
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad must be True or False, got {requires_grad!r}.")
        self.data = _to_array(data, dtype)
        self.requires_grad = bool(requires_grad)
        self.grad = None   # np.ndarray once module 06 computes a gradient
        self._ctx = None   # set by autograd (module 06) to the node that made this tensor

    # --- properties -------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def size(self):
        return self.data.size

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    # --- conversions ------------------------------------------------------
    def numpy(self):
        """The underlying np.ndarray (shared, not copied, like torch's .numpy())."""
        return self.data

    def item(self):
        """The single value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with exactly one element, got shape {self.shape} "
                f"({self.size} elements). Reduce it first, e.g. with .sum() or .mean().")
        return float(self.data.reshape(()))

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a scalar) is undefined; use .item().")
        return self.data.shape[0]

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", precision=4, prefix="Tensor(")
        extra = ""
        if self.dtype != np.float32:
            extra += f", dtype={self.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    def backward(self, gradient=None):
        raise RuntimeError(
            "backward() needs autograd, which module 06 adds. Finish and export module 06, "
            "then `import tinytorch.core.autograd` to turn it on (the modules that train import it "
            "for you: layers, optimizers, training, spatial, and losses through layers).")


def _result(array):
    """Wrap the numpy result of an operation in a new Tensor, keeping its float dtype."""
    array = np.asarray(array)
    dtype = array.dtype if array.dtype in _FLOAT_DTYPES else np.float32
    return Tensor(array, dtype=dtype)


def _operand(other, dtype):
    """The numpy data of the other operand of a binary op.

    Tensors give their own data (so float32 op float64 promotes to float64, as in
    numpy, and in PyTorch when both have dimensions); numbers and arrays are constants converted to `dtype`,
    the dtype of the tensor they are combined with.
    """
    if isinstance(other, Tensor):
        return other.data
    return _to_array(other, dtype)


# %% [markdown]
# Try it: the cell below shows the constructor at work, including one of its
# error messages.

# %%
_t = Tensor([[1, 2, 3], [4, 5, 6]])
print(_t, "shape", _t.shape, "ndim", _t.ndim, "size", _t.size, "dtype", _t.dtype)
try:
    Tensor([[1, 2], [3]])
except TypeError as err:
    print("TypeError:", err)

# %% [markdown]
# ## 3. Element-wise arithmetic and broadcasting
#
# `a + b`, `a - b`, `a * b`, `a / b` act element by element. When the shapes
# differ, numpy (and PyTorch, and so tinytorch) **broadcasts** them:
#
# 1. Line the shapes up at the right; pad the shorter one with 1s on the left.
# 2. Compare axis by axis: two lengths are compatible if they are equal or one
#    of them is 1.
# 3. An axis of length 1 is repeated (virtually, without copying) to match.
#
# So a `(32, 10)` batch plus a `(10,)` bias adds the bias to every row, and a
# `(3, 1)` column times a `(1, 4)` row gives a `(3, 4)` table. Shapes `(3,)` and
# `(4,)` are incompatible, and numpy says so.
#
# Broadcasting is why a bias needs no loop. It also has a consequence we meet in
# module 06: if a tensor was repeated in the forward pass, its gradient must be
# *summed* over the repeats in the backward pass.

# %%
for _a, _b in [((32, 10), (10,)), ((3, 1), (1, 4)), ((8, 1, 6, 1), (7, 1, 5)), ((3,), (4,))]:
    try:
        print(f"{str(_a):>14} with {str(_b):<10} -> {np.broadcast_shapes(_a, _b)}")
    except ValueError:
        print(f"{str(_a):>14} with {str(_b):<10} -> incompatible")

# %% [markdown]
# **Worked example.** A `(2, 3)` float32 array and a `(3,)` row, as numpy sees them:
# the shapes lined up at the right, the row repeated down the batch, the reflected
# operand order (`2 - a` is not `a - 2`), and `exp` undoing `log`. The last lines show
# why the other operand is converted to the tensor's dtype first: a float64 array
# turns a float32 result into float64, a plain Python number does not.

# %%
if __name__ == "__main__":
    _a = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 8.0]], dtype=np.float32)
    _b = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    print(f"shapes {_a.shape} and {_b.shape}: pad to {(1,) + _b.shape}, broadcast to {np.broadcast_shapes(_a.shape, _b.shape)}")
    print("b repeated down the rows:\n", np.broadcast_to(_b, _a.shape), sep="")
    print("a + b:\n", _a + _b, sep="")
    print("a - 2 (first row):", _a[0] - 2, "  2 - a (first row):", 2 - _a[0])
    print("a * b (first row):", _a[0] * _b, "  b / a (first row):", _b / _a[0])
    print("-a (first row):", -_a[0], "  a ** 2 (first row):", _a[0] ** 2, "  a ** 0.5 (first row):", _a[0] ** 0.5)
    print("log(a) (first row):", np.log(_a[0]), "  exp(log(a)):", np.exp(np.log(_a[0])))
    print("dtype of float32 a + 1.5:", (_a + 1.5).dtype)
    print("dtype of float32 a + a float64 array:", (_a + np.array([1.0, 2.0, 3.0])).dtype)
    print("dtype of float32 a + the same array as float32:", (_a + np.asarray([1.0, 2.0, 3.0], dtype=_a.dtype)).dtype)

# %% [markdown]
# ### Your turn: arithmetic
#
# Implement the operators below. Each takes the numpy data of both operands,
# computes with numpy, and wraps the result with `_result(...)`, which keeps the
# float dtype (float64 in, float64 out). The other operand may be a Tensor, a
# number or an array; `_operand(other, self.dtype)` gives you its numpy data.
# The reflected versions (`__radd__` and friends) run for `2 - t`: there `other`
# is the left operand.
#
# `__pow__` takes a number exponent only (`t ** 2`, `t ** 0.5`); the check is given.

# %% nbgrader={"grade": false, "grade_id": "tensor-arithmetic", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| exporti
def __add__(self, other):
    """self + other, with broadcasting."""
    ### BEGIN SOLUTION
    return _result(self.data + _operand(other, self.dtype))
    ### END SOLUTION


def __radd__(self, other):
    """other + self."""
    ### BEGIN SOLUTION
    return _result(_operand(other, self.dtype) + self.data)
    ### END SOLUTION


def __sub__(self, other):
    """self - other."""
    ### BEGIN SOLUTION
    return _result(self.data - _operand(other, self.dtype))
    ### END SOLUTION


def __rsub__(self, other):
    """other - self."""
    ### BEGIN SOLUTION
    return _result(_operand(other, self.dtype) - self.data)
    ### END SOLUTION


def __mul__(self, other):
    """self * other (element-wise)."""
    ### BEGIN SOLUTION
    return _result(self.data * _operand(other, self.dtype))
    ### END SOLUTION


def __rmul__(self, other):
    """other * self."""
    ### BEGIN SOLUTION
    return _result(_operand(other, self.dtype) * self.data)
    ### END SOLUTION


def __truediv__(self, other):
    """self / other (element-wise)."""
    ### BEGIN SOLUTION
    return _result(self.data / _operand(other, self.dtype))
    ### END SOLUTION


def __rtruediv__(self, other):
    """other / self."""
    ### BEGIN SOLUTION
    return _result(_operand(other, self.dtype) / self.data)
    ### END SOLUTION


def __neg__(self):
    """-self."""
    ### BEGIN SOLUTION
    return _result(-self.data)
    ### END SOLUTION


def __pow__(self, exponent):
    """self ** exponent, for a number exponent."""
    if isinstance(exponent, (Tensor, np.ndarray)) or not isinstance(exponent, numbers.Real):
        raise TypeError(
            f"Tensor ** exponent needs a number exponent, got {type(exponent).__name__}. "
            "For a tensor exponent and a positive base, write (t.log() * e).exp().")
    if isinstance(exponent, np.generic):
        exponent = exponent.item()   # np.float64(2) as 2.0: a numpy scalar would make float32 data float64
    ### BEGIN SOLUTION
    return _result(self.data ** exponent)
    ### END SOLUTION


def exp(self):
    """e ** self, element-wise."""
    ### BEGIN SOLUTION
    return _result(np.exp(self.data))
    ### END SOLUTION


def log(self):
    """Natural logarithm, element-wise."""
    ### BEGIN SOLUTION
    return _result(np.log(self.data))
    ### END SOLUTION


for _f in (__add__, __radd__, __sub__, __rsub__, __mul__, __rmul__, __truediv__,
           __rtruediv__, __neg__, __pow__, exp, log):
    setattr(Tensor, _f.__name__, _f)
del _f, __add__, __radd__, __sub__, __rsub__, __mul__, __rmul__, __truediv__, __rtruediv__
del __neg__, __pow__, exp, log

# %% [markdown]
# We define the operators as plain functions and attach them to the class with
# `setattr`; that lets this notebook introduce `Tensor` one idea per cell. After
# attaching them we delete the module-level names (the methods live on the class
# now), so that a module-level `sum` or `max` never hides Python's built-ins.
# These cells are marked `#| exporti`: exported, but not part of the module's
# public names.

# %% nbgrader={"grade": true, "grade_id": "test-tensor-arithmetic", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_arithmetic():
    def reflected_slip(expr, got, backwards):
        """'. Likely bug: ...' when `other op self` (expr) gave self op other (backwards), else ''."""
        if backwards is None or not np.allclose(got.data, backwards):
            return ""
        other, op, me = expr.split()
        reflected = {"-": "__rsub__", "/": "__rtruediv__"}[op]
        return (f". Likely bug: {reflected} computes self {op} other; Python calls {me}.{reflected}({other}) for "
                f"{expr}, so self is {me} and other is {other}: return other {op} self")

    a = Tensor([[1.0, 2.0], [3.0, 4.0]])
    b = Tensor([10.0, 20.0])
    np.testing.assert_allclose((a + b).data, [[11, 22], [13, 24]], err_msg="a + b, b broadcast over the rows")
    np.testing.assert_allclose((a - b).data, [[-9, -18], [-7, -16]], err_msg="a - b")
    np.testing.assert_allclose((a * b).data, [[10, 40], [30, 80]], err_msg="a * b")
    np.testing.assert_allclose((a / b).data, [[0.1, 0.1], [0.3, 0.2]], err_msg="a / b")
    for expr, got, want, backwards in [("1 - a", 1 - a, [[0, -1], [-2, -3]], [[0, 1], [2, 3]]),
                                       ("2 / a", 2 / a, [[2, 1], [2 / 3, 0.5]], [[0.5, 1], [1.5, 2]])]:
        reflected = "__rsub__" if "-" in expr else "__rtruediv__"
        np.testing.assert_allclose(got.data, want, err_msg=f"{expr} ({reflected}: other {expr[2]} self)"
                                   + reflected_slip(expr, got, backwards))
    np.testing.assert_allclose((np.array([5.0, 6.0]) - a).data, [[4, 4], [2, 2]], err_msg="array - Tensor")
    np.testing.assert_allclose((3 + a).data, (a + 3).data, err_msg="3 + a (__radd__) against a + 3")
    np.testing.assert_allclose((3 * a).data, (a * 3).data, err_msg="3 * a (__rmul__) against a * 3")
    np.testing.assert_allclose((-a).data, [[-1, -2], [-3, -4]], err_msg="-a")
    np.testing.assert_allclose((a ** 2).data, [[1, 4], [9, 16]], err_msg="a ** 2")
    for name in ("exp", "log"):
        fresh = Tensor([[1.0, 2.0], [3.0, 4.0]])
        getattr(fresh, name)()
        np.testing.assert_array_equal(fresh.data, [[1.0, 2.0], [3.0, 4.0]], err_msg=(
            f"a.{name}() changed a itself. Likely bug: the result was computed into a's own array (out=self.data, "
            f"or self.data = ...); compute a new array, np.{name}(self.data), and wrap it in a new Tensor"))
    np.testing.assert_allclose(a.exp().data, np.exp([[1.0, 2.0], [3.0, 4.0]]), rtol=1e-6, err_msg="exp")
    np.testing.assert_allclose(a.log().data, np.log([[1.0, 2.0], [3.0, 4.0]]), rtol=1e-6, err_msg="log")
    np.testing.assert_array_equal(a.data, [[1.0, 2.0], [3.0, 4.0]], err_msg="exp, log and the operators must not change their input")
    assert isinstance(a + 1, Tensor), "a + 1 must be a Tensor"
    assert (a + 1).dtype == np.float32, f"float32 Tensor + 1 must stay float32 (use _operand), got {(a + 1).dtype}"
    d = Tensor([1.0, 2.0], dtype=np.float64)
    assert (d * 2).dtype == np.float64 and (d + Tensor([1.0, 1.0])).dtype == np.float64, "float64 stays float64"
    ### BEGIN HIDDEN TESTS
    rng, what = np.random.default_rng(101), "of random halves and powers of 2, an input the notebook does not show"
    x, y = rng.integers(-8, 9, size=(3, 4)) / 2, 2.0 ** rng.integers(-2, 3, size=4)   # exact in float32
    p, q, backwards = Tensor(x), Tensor(y), {"1 - p": x - 1, "2 / q": y / 2, "y - p": x - y}
    for name, got, want in [("p + q", p + q, x + y), ("p - q", p - q, x - y), ("p * q", p * q, x * y),
                            ("p / q", p / q, x / y), ("1 - p", 1 - p, 1 - x), ("2 / q", 2 / q, 2 / y),
                            ("y - p", y - p, y - x), ("3 + p", 3 + p, 3 + x), ("3 * p", 3 * p, 3 * x),
                            ("-p", -p, -x), ("p ** 2", p ** 2, x ** 2), ("q.exp()", q.exp(), np.exp(y)),
                            ("q.log()", q.log(), np.log(y))]:
        np.testing.assert_allclose(got.data, want, rtol=1e-6 if "." in name else 1e-7, err_msg=(
            f"{name}, p {x.shape} and q {y.shape} {what}" + reflected_slip(name, got, backwards.get(name))))
    # The whole float64 range: exp and log are e ** x and ln x for every x, nothing clipped, no eps added.
    wide, tiny = np.array([-100.0, 100.0, 700.0]), np.array([1e-13, 1e-300, 3.5])
    for name, got, want in [("exp", Tensor(wide, dtype=np.float64).exp(), np.exp(wide)),
                            ("log", Tensor(tiny, dtype=np.float64).log(), np.log(tiny))]:
        np.testing.assert_allclose(got.data, want, rtol=1e-12, err_msg=(
            f"float64 {name} of {(wide if name == 'exp' else tiny).tolist()}, an input the notebook does not show: "
            f"expected np.{name} itself for every input (an input clipped, or an eps added inside the log, changes these)"))
    ### END HIDDEN TESTS
    print("arithmetic: ok")


if __name__ == "__main__":
    test_unit_arithmetic()

# %% [markdown]
# ## 4. Matrix multiplication
#
# A linear layer is one matrix product: `(batch, in) @ (in, out) -> (batch, out)`.
# The rule is that the **inner** dimensions must agree: `(n, k) @ (k, m)` gives
# `(n, m)`, and each output entry is a dot product of a row of the left matrix
# with a column of the right one, `k` multiply-adds.
#
# With more than two axes, the last two are the matrices and the leading axes
# are a batch that broadcasts: `(B, n, k) @ (k, m) -> (B, n, m)`. A 1-d operand
# is a vector: `(k,) @ (k, m) -> (m,)`.
#
# Shape mistakes are the most common bug in deep learning code, so `matmul`
# checks the inner dimensions itself and names both shapes. The check is given;
# you write the product.

# %%
for _n, _k, _m in [(32, 784, 128), (32, 128, 10)]:
    print(f"({_n}, {_k}) @ ({_k}, {_m}) -> ({_n}, {_m}): {_n * _k * _m:,} multiply-adds")

# %% [markdown]
# **Worked example.** A `(2, 3)` matrix times a `(3, 2)` matrix: the inner lengths agree,
# the result is `(2, 2)`, and each entry is the dot product of a row of the left matrix
# with a column of the right one. Then the two other cases `matmul` handles: a vector on
# the left, and a batch of matrices sharing one right-hand matrix.

# %%
if __name__ == "__main__":
    _a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])      # (2, 3)
    _b = np.array([[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]])  # (3, 2)
    _c = np.zeros((2, 2))
    for _i in range(2):
        for _j in range(2):
            _c[_i, _j] = np.dot(_a[_i], _b[:, _j])
            _terms = " + ".join(f"{_x:g}*{_y:g}" for _x, _y in zip(_a[_i], _b[:, _j]))
            print(f"c[{_i},{_j}] = row {_i} . column {_j} = {_terms} = {_c[_i, _j]:g}")
    print(f"{_a.shape} @ {_b.shape} -> {_c.shape}; the same as np.matmul: {np.array_equal(_c, np.matmul(_a, _b))}")
    print(f"vector (3,) @ (3, 2) -> {np.matmul(_a[0], _b).shape}: {np.matmul(_a[0], _b)} (row 0 of c)")
    _batch = np.stack([_a, 2 * _a])                          # (2, 2, 3)
    print(f"batch {_batch.shape} @ {_b.shape} -> {np.matmul(_batch, _b).shape}; "
          f"entry 1 is (2 a) @ b = 2 c: {np.array_equal(np.matmul(_batch, _b)[1], 2 * _c)}")

# %% nbgrader={"grade": false, "grade_id": "tensor-matmul", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| exporti
def _check_matmul_shapes(a_shape, b_shape):
    """Raise ValueError naming both shapes unless `a @ b` is defined."""
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise ValueError(
            f"matmul needs tensors with at least 1 dimension, got shapes {a_shape} and "
            f"{b_shape}. Use * to multiply by a scalar.")
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if a_shape[-1] != inner_b:
        raise ValueError(
            f"matmul shape mismatch: {a_shape} @ {b_shape}. The last dimension of the "
            f"left operand ({a_shape[-1]}) must equal the "
            f"{'first' if len(b_shape) == 1 else 'second-to-last'} dimension of the "
            f"right operand ({inner_b}). Transpose or reshape one of them.")
    try:
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul batch dimensions do not broadcast: {a_shape} @ {b_shape}. The axes "
            "before the last two must be equal or 1 (numpy broadcasting); reshape one "
            "operand so they match.") from None


def matmul(self, other):
    """Matrix product self @ other (numpy's matmul rules, leading axes broadcast)."""
    other_data = _operand(other, self.dtype)
    _check_matmul_shapes(self.shape, other_data.shape)
    ### BEGIN SOLUTION
    return _result(np.matmul(self.data, other_data))
    ### END SOLUTION


def __matmul__(self, other):
    """self @ other."""
    ### BEGIN SOLUTION
    return self.matmul(other)
    ### END SOLUTION


def __rmatmul__(self, other):
    """other @ self, for an array on the left."""
    return Tensor(other, dtype=self.dtype).matmul(self)


Tensor.matmul = matmul
Tensor.__matmul__ = __matmul__
Tensor.__rmatmul__ = __rmatmul__
del matmul, __matmul__, __rmatmul__

# %% nbgrader={"grade": true, "grade_id": "test-tensor-matmul", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_matmul():
    def flat_slip(shape, want):
        """'. Likely bug: ...' when a product with a vector came out flattened to one axis, else ''."""
        if tuple(shape) != (int(np.prod(want)),) or len(want) == 1:
            return ""
        return (". Likely bug: the vector's own axis was removed with reshape(-1), which merges the batch axes too; "
                "remove only the axis the vector was given (np.matmul's rule: a vector on the left loses the "
                "next-to-last axis of the result, one on the right the last)")

    def dot_slip(shape, left, right):
        """'. Likely bug: ...' when left @ right came out with np.dot's shape, else ''."""
        if shape != np.dot(np.zeros(left), np.zeros(right)).shape:
            return ""
        if len(left) > 2:
            return (". Likely bug: np.dot pairs every matrix of the first batch with every matrix of the second "
                    f"({left[0]} x {right[0]} products); np.matmul (the @ operator) pairs them by batch index")
        return (f". Likely bug: np.dot of a matrix and a batch puts the matrix's rows first, giving {shape}; np.matmul "
                "(the @ operator) uses the one matrix for every matrix of the batch")

    a = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])     # (3, 2)
    b = Tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])      # (2, 3)
    c = a @ b
    assert c.shape == (3, 3), f"(3, 2) @ (2, 3) gives (3, 3), got {c.shape}"
    np.testing.assert_allclose(c.data, [[5, 2, -1], [11, 4, -3], [17, 6, -5]], err_msg="a @ b")
    np.testing.assert_allclose(a.matmul(b).data, c.data, err_msg="a.matmul(b) against a @ b")
    v = Tensor([1.0, 1.0])
    np.testing.assert_allclose((a @ v).data, [3, 7, 11], err_msg="matrix @ vector")
    w = Tensor([1.0, -1.0, 2.0])
    try:
        row = w @ a
    except Exception as err:
        raise AssertionError(f"vector @ matrix, (3,) @ (3, 2), raised {type(err).__name__}: {err}. A vector on the "
                             "left is one row: numpy's matmul rules give shape (2,)") from err
    np.testing.assert_allclose(row.data, [8, 10], err_msg="vector @ matrix: (3,) @ (3, 2) gives (2,)")
    rng = np.random.default_rng(1)
    left, right, shared = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 2, 5)), rng.normal(size=(2, 5))
    batch = (Tensor(left, dtype=np.float64) @ Tensor(right, dtype=np.float64))
    assert batch.shape == (4, 3, 5), (f"(4, 3, 2) @ (4, 2, 5) gives (4, 3, 5), got {batch.shape}"
                                      + dot_slip(batch.shape, left.shape, right.shape))
    np.testing.assert_allclose(batch.data, np.stack([left[i] @ right[i] for i in range(4)]), rtol=1e-12,
                               err_msg="a batch of matrices: one product per batch entry")
    broadcast = Tensor(left, dtype=np.float64) @ Tensor(shared, dtype=np.float64)
    np.testing.assert_allclose(broadcast.data, np.stack([left[i] @ shared for i in range(4)]), rtol=1e-12,
                               err_msg="(4, 3, 2) @ (2, 5): the matrix is shared by the batch")
    on_the_left = Tensor(shared.T, dtype=np.float64) @ Tensor(right, dtype=np.float64)
    assert on_the_left.shape == (4, 5, 5), (f"(5, 2) @ (4, 2, 5) gives (4, 5, 5), got {on_the_left.shape}"
                                            + dot_slip(on_the_left.shape, shared.T.shape, right.shape))
    np.testing.assert_allclose(on_the_left.data, np.stack([shared.T @ right[i] for i in range(4)]), rtol=1e-12,
                               err_msg="(5, 2) @ (4, 2, 5): the matrix on the left is shared by the batch")
    assert batch.dtype == np.float64, f"float64 @ float64 gives float64, got {batch.dtype}"
    assert (a @ np.ones((2, 2))).dtype == np.float32, "float32 @ an array stays float32 (the array is a constant of a's dtype)"
    try:
        a @ a
    except ValueError as err:
        assert "(3, 2)" in str(err), f"a @ a with a of shape {a.shape}: the ValueError must name the shapes, got {err}"
    else:
        raise AssertionError("(3, 2) @ (3, 2) must raise ValueError")
    ### BEGIN HIDDEN TESTS
    rng, note = np.random.default_rng(202), "of random integers, an input the notebook does not show"
    left, right, shared = (rng.integers(-5, 6, size=s).astype(float) for s in ((3, 2, 4), (3, 4, 3), (4, 3)))
    l64, r64, s64 = (Tensor(v, dtype=np.float64) for v in (left, right, shared))
    for a, b, want, rtol in [   # entry [.., i, j] = sum over k of left[.., i, k] * right[.., k, j]
            (l64, r64, (left[..., None] * right[:, None]).sum(axis=2), 1e-12),
            (l64, s64, (left[..., None] * shared).sum(axis=2), 1e-12),
            (Tensor(left[0]), Tensor(shared[:, 0]), (left[0] * shared[:, 0]).sum(axis=1), 1e-7),
            (Tensor(left[:1], dtype=np.float64), r64,                                      # (1, 2, 4) @ (3, 4, 3)
             (left[:1, ..., None] * right[:, None]).sum(axis=2), 1e-12),
            (Tensor(shared[:, 0], dtype=np.float64), s64,                                  # (4,) @ (4, 3)
             (shared[:, 0, None] * shared).sum(axis=0), 1e-12),
            (Tensor(shared.T, dtype=np.float64), Tensor(right[:, None], dtype=np.float64),  # (3, 4) @ (3, 1, 4, 3)
             (shared.T[:, :, None] * right[:, None, None]).sum(axis=-2), 1e-12),
            (l64, Tensor(shared[:, 0], dtype=np.float64), (left * shared[:, 0]).sum(axis=-1), 1e-12),  # (3, 2, 4) @ (4,)
            (Tensor(shared[:, 1], dtype=np.float64), r64, (shared[:, 1, None] * right).sum(axis=1), 1e-12),  # (4,) @ (3, 4, 3)
            (Tensor(shared[:, 0], dtype=np.float64), Tensor(shared[:, 2], dtype=np.float64),  # (4,) @ (4,): a number
             np.asarray((shared[:, 0] * shared[:, 2]).sum()), 1e-12)]:
        got, what = a @ b, f"{a.shape} @ {b.shape}"
        assert got.shape == want.shape, (f"{what} {note}: expected shape {want.shape}, got {got.shape}"
                                         + dot_slip(got.shape, a.shape, b.shape) + flat_slip(got.shape, want.shape))
        np.testing.assert_allclose(got.data, want, rtol=rtol, err_msg=f"{what} {note}")
    ### END HIDDEN TESTS
    print("matmul: ok")


if __name__ == "__main__":
    test_unit_matmul()

# %% [markdown]
# ## 5. Changing shape: reshape, transpose, indexing
#
# - `reshape(*shape)` reads the same numbers with a new shape; the sizes must
#   match. One axis may be `-1`, meaning "whatever makes the size work". It
#   accepts `t.reshape(2, 3)` and `t.reshape((2, 3))`, like PyTorch.
# - `transpose(dim0=-2, dim1=-1)` swaps two axes; the default swaps the last two,
#   which is the matrix transpose `Linear` needs for `x @ W.T`.
# - `t[index]` selects with numpy's indexing: integers, slices, and integer
#   arrays (`log_probs[np.arange(n), labels]` picks one entry per row, which is how
#   module 04 picks the log-probability of the correct class).
#
# Shape normalisation and the size check are given.

# %% [markdown]
# **Worked example.** Six numbers read three ways: as `(2, 3)`, as `(-1, 2)` (the `-1`
# becomes whatever makes the size work), and transposed (the last two axes swapped, so
# row `i` becomes column `i`). Last, integer-array indexing: two index arrays of the same
# length pick one element per pair.

# %%
if __name__ == "__main__":
    _t = np.arange(6.0)
    _g = _t.reshape(2, 3)
    print(f"arange(6) {_t.shape} -> reshape(2, 3):\n{_g}")
    print(f"reshape(-1, 2): {_t.size} elements / 2 per row = {_t.size // 2} rows -> {_t.reshape(-1, 2).shape}")
    print(f"swapaxes(-2, -1) of {_g.shape} -> {np.swapaxes(_g, -2, -1).shape}:\n{np.swapaxes(_g, -2, -1)}")
    _rows, _cols = np.array([0, 1]), np.array([2, 0])
    for _r, _c in zip(_rows, _cols):
        print(f"g[{_r}, {_c}] = {_g[_r, _c]:g}")
    print(f"g[[0, 1], [2, 0]] = {_g[_rows, _cols]} (one element per (row, column) pair)")
    print(f"g[1] = {_g[1]} (a row), g[:, 1] = {_g[:, 1]} (a column), g[0, 0] has shape {_g[0, 0].shape}")

# %% nbgrader={"grade": false, "grade_id": "tensor-shape", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| exporti
def _normalize_shape(shape, size):
    """Turn reshape's arguments into a tuple of ints and check it fits `size` elements."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not all(isinstance(s, (numbers.Integral, np.integer)) for s in shape):
        raise TypeError(f"reshape takes integers, got {shape}.")
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise ValueError(f"reshape: only one dimension can be -1, got {shape}.")
    known = int(np.prod([s for s in shape if s != -1]))
    if any(s < -1 for s in shape) or (-1 in shape and (known == 0 or size % known)) \
            or (-1 not in shape and known != size):
        raise ValueError(
            f"cannot reshape a tensor of {size} elements into shape {shape}. "
            "The product of the new shape must equal the number of elements.")
    return shape


def reshape(self, *shape):
    """The same numbers with a new shape; one dimension may be -1."""
    shape = _normalize_shape(shape, self.size)
    ### BEGIN SOLUTION
    return _result(self.data.reshape(shape))
    ### END SOLUTION


def transpose(self, dim0=-2, dim1=-1):
    """Swap axes dim0 and dim1 (default: the last two)."""
    for d in (dim0, dim1):
        if not -self.ndim <= d < self.ndim:
            raise ValueError(
                f"transpose: dimension {d} is out of range for a tensor of shape "
                f"{self.shape} ({self.ndim} dims). Use dims in [{-self.ndim}, {self.ndim - 1}].")
    ### BEGIN SOLUTION
    return _result(np.swapaxes(self.data, dim0, dim1))
    ### END SOLUTION


def _unwrap_index(index):
    """Replace Tensors inside an index by integer arrays."""
    if isinstance(index, tuple):
        return tuple(_unwrap_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data.astype(np.int64)
    return index


def __getitem__(self, index):
    """Numpy-style indexing: ints, slices, integer arrays."""
    index = _unwrap_index(index)
    ### BEGIN SOLUTION
    return _result(self.data[index])
    ### END SOLUTION


Tensor.reshape = reshape
Tensor.transpose = transpose
Tensor.__getitem__ = __getitem__
del reshape, transpose, __getitem__

# %% nbgrader={"grade": true, "grade_id": "test-tensor-shape", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_shape():
    def dot_t_slip(shape, before):
        """'. Likely bug: ...' when transpose() of a shape `before` reversed every axis, else ''."""
        return (". Likely bug: .T (np.transpose with no axes) reverses every axis; transpose() swaps the last two "
                "only, np.swapaxes(data, -1, -2)") if len(before) > 2 and tuple(shape) == tuple(before)[::-1] else ""

    t = Tensor(np.arange(6, dtype=np.float32))
    for args, want in [((2, 3), (2, 3)), (((3, 2),), (3, 2)), ((-1, 2), (3, 2))]:
        shape = t.reshape(*args).shape
        assert shape == want, (f"t.reshape({', '.join(map(str, args))}) of a {t.data.shape} tensor: "
                               f"expected shape {want}, got {shape}")
    np.testing.assert_allclose(t.reshape(2, 3).data, [[0, 1, 2], [3, 4, 5]], err_msg="t.reshape(2, 3) of 0..5")
    assert t.shape == (6,), (f"reshape must return a new Tensor and leave the original alone; its shape became {t.shape}. "
                             "Likely bug: reshape assigned self.data (and returned self); return "
                             "Tensor(self.data.reshape(shape)), a new Tensor")
    np.testing.assert_array_equal(t.data, np.arange(6.0), err_msg="reshape must not change its input")
    m = t.reshape(2, 3).transpose()
    want_shape, want = (3, 2), [[0, 3], [1, 4], [2, 5]]
    assert m.shape == want_shape and np.allclose(m.data, want), (
        f"t.reshape(2, 3).transpose(): expected shape {want_shape} {want}, "
        f"got shape {m.shape} {np.round(m.data, 4).tolist()}")
    zeros, want = np.zeros((2, 3, 4)), (4, 3, 2)
    shape = Tensor(zeros).transpose(0, 2).shape
    assert shape == want, f"transpose(0, 2) of a {zeros.shape} tensor: expected shape {want}, got {shape}"
    cube = np.arange(24.0).reshape(2, 3, 4)
    swapped = Tensor(cube).transpose().shape
    assert swapped == (2, 4, 3), (f"transpose() of a (2, 3, 4) tensor: expected shape (2, 4, 3), got {swapped}"
                                  + dot_t_slip(swapped, cube.shape))
    np.testing.assert_array_equal(Tensor(cube).transpose().data, np.swapaxes(cube, -1, -2),
                                  err_msg="transpose() swaps the last two axes only")
    g = t.reshape(2, 3)
    np.testing.assert_allclose(g[1].data, [3, 4, 5], err_msg=f"g[1] of g = {g.data.tolist()}")
    np.testing.assert_allclose(g[:, 1].data, [1, 4], err_msg=f"g[:, 1] of g = {g.data.tolist()}")
    np.testing.assert_allclose(g[np.array([0, 1]), np.array([2, 0])].data, [2, 3],
                               err_msg=f"g[np.array([0, 1]), np.array([2, 0])] of g = {g.data.tolist()}")
    item, want = g[0, 0], ()
    assert isinstance(item, Tensor) and item.shape == want, (
        f"g[0, 0]: expected a Tensor of shape {want}, "
        f"got {type(item).__name__} of shape {getattr(item, 'shape', np.shape(item))}")
    assert Tensor(cube, dtype=np.float64).reshape(4, 6).dtype == np.float64, "reshape keeps float64"
    ### BEGIN HIDDEN TESTS
    flat = np.random.default_rng(303).integers(-9, 10, size=24).astype(np.float32)
    h, what = Tensor(flat), "of 24 random integers, an input the notebook does not show"
    rows, cube, pick = h.reshape(4, -1), h.reshape((2, 3, 4)), (np.array([3, 0, 1]), np.array([5, 2, 0]))
    for call, got, want in [("reshape(4, -1)", rows, [flat[6 * i:6 * i + 6] for i in range(4)]),
                            ("reshape(4, -1).transpose(0, 1)", rows.transpose(0, 1), [flat[j::6] for j in range(6)]),
                            ("cube.transpose()", cube.transpose(), np.swapaxes(flat.reshape(2, 3, 4), 1, 2)),
                            ("rows[2]", rows[2], flat[12:18]), ("rows[:, 3]", rows[:, 3], flat[3::6]),
                            ("rows[[3, 0, 1], [5, 2, 0]]", rows[pick], flat[[23, 2, 6]])]:
        np.testing.assert_allclose(got.data, want, err_msg=f"{call} {what}" + dot_t_slip(got.shape, cube.shape))
    ### END HIDDEN TESTS
    print("shape ops: ok")


if __name__ == "__main__":
    test_unit_shape()

# %% [markdown]
# ## 6. Reductions: sum, mean, max
#
# A reduction collapses axes. `axis=None` reduces everything to a scalar (shape
# `()`); `axis=0` collapses the first axis; a tuple collapses several. With
# `keepdims=True` the collapsed axes stay as length-1 axes, so the result still
# broadcasts against the input: `x - x.max(axis=1, keepdims=True)` subtracts each
# row's maximum from that row (the trick behind a stable softmax in module 02).
#
# The loss a network minimises is always a reduction (a mean over the batch),
# which is why `backward()` starts from a scalar.

# %%
_x = np.arange(6.0).reshape(2, 3)
for _axis, _keep in [(None, False), (0, False), (1, False), (1, True)]:
    print(f"sum(axis={_axis}, keepdims={_keep}) of shape {_x.shape} -> shape "
          f"{np.sum(_x, axis=_axis, keepdims=_keep).shape}")

# %% [markdown]
# **Worked example.** One `(2, 3)` array reduced three ways: over the rows (`axis=0`, one
# number per column), over the columns (`axis=1`, one number per row), and over both.
# With `keepdims=True` the row maxima keep shape `(2, 1)`, so subtracting them from
# the array works row by row; without it the `(2,)` result does not broadcast against
# `(2, 3)`.

# %%
if __name__ == "__main__":
    _x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    print("x:\n", _x, sep="")
    for _j in range(3):
        print(f"column {_j}: {_x[0, _j]:g} + {_x[1, _j]:g} = {_x[0, _j] + _x[1, _j]:g}")
    print("sum(axis=0):", np.sum(_x, axis=0), "  sum(axis=1):", np.sum(_x, axis=1), "  sum():", np.sum(_x))
    print("mean(axis=1):", np.mean(_x, axis=1), "  mean():", np.mean(_x), f"= {np.sum(_x):g} / {_x.size}")
    _m = np.max(_x, axis=1, keepdims=True)
    print(f"max(axis=1, keepdims=True) has shape {_m.shape}: {_m.ravel()}")
    print("x - max(axis=1, keepdims=True):\n", _x - _m, sep="")
    try:
        _x - np.max(_x, axis=1)
    except ValueError as _err:
        print(f"x - max(axis=1) with shape {np.max(_x, axis=1).shape}: ValueError ({_err})")

# %% nbgrader={"grade": false, "grade_id": "tensor-reductions", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| exporti
def _check_axis(tensor, axis, name):
    """Raise a clear error unless `axis` (None, an int or a tuple of ints) names distinct axes of `tensor`."""
    if axis is None:
        return
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"{name}(axis={axis!r}): axis must be None, an int or a tuple of ints. "
                        "Pass e.g. axis=0 or axis=(0, 2).")
    for a in axes:
        if not -tensor.ndim <= a < tensor.ndim:
            raise ValueError(f"{name}(axis={axis!r}): axis {a} is out of range for a tensor of shape {tensor.shape} "
                             f"({tensor.ndim} dims). Use axes in [{-tensor.ndim}, {tensor.ndim - 1}].")
    if len({int(a) % tensor.ndim for a in axes}) != len(axes):
        raise ValueError(f"{name}(axis={axis!r}): an axis is named twice for a tensor of shape {tensor.shape}. "
                         "Name each axis once.")


def sum(self, axis=None, keepdims=False):
    """Sum over `axis` (None: all axes)."""
    _check_axis(self, axis, "sum")
    ### BEGIN SOLUTION
    return _result(np.sum(self.data, axis=axis, keepdims=keepdims))
    ### END SOLUTION


def mean(self, axis=None, keepdims=False):
    """Mean over `axis` (None: all axes)."""
    _check_axis(self, axis, "mean")
    ### BEGIN SOLUTION
    return _result(np.mean(self.data, axis=axis, keepdims=keepdims))
    ### END SOLUTION


def max(self, axis=None, keepdims=False):
    """Maximum over `axis` (None: all axes)."""
    _check_axis(self, axis, "max")
    if self.size == 0:
        raise ValueError("max() of an empty tensor is undefined.")
    ### BEGIN SOLUTION
    return _result(np.max(self.data, axis=axis, keepdims=keepdims))
    ### END SOLUTION


Tensor.sum = sum
Tensor.mean = mean
Tensor.max = max
del sum, mean, max  # the methods live on Tensor; Python's sum and max stay usable

# %% nbgrader={"grade": true, "grade_id": "test-tensor-reductions", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_reductions():
    def keepdims_slip(name, axis, shape, x):
        """'. Likely bug: ...' when name(x, axis, keepdims=True) came out with keepdims=False's shape, else ''."""
        if tuple(shape) != np.shape(getattr(np, name)(x, axis=axis)):
            return ""
        return (f". Likely bug: {name} ignores keepdims; pass it on to np.{name}" if axis is not None else
                ". Likely bug: with axis=None the reduction ignores keepdims; pass keepdims on in every case "
                "(np.sum(x, axis=None, keepdims=True))")

    def reduced(tensor, name, axis, keepdims, what):
        """tensor.name(axis=axis, keepdims=keepdims); a mean over a tuple of axes that raises fails with the likely bug."""
        try:
            return getattr(tensor, name)(axis=axis, keepdims=keepdims)
        except (TypeError, IndexError) as error:
            if name != "mean" or not isinstance(axis, tuple):
                raise
            raise AssertionError(f"mean(axis={axis}) of {what} raised {type(error).__name__}: {error}. Likely bug: the "
                                 "count is self.shape[axis], which needs one axis; with a tuple of axes, count the "
                                 "elements of each mean: the product of those axes' lengths") from None

    t = Tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    total, want_shape, want = t.sum(), (), 21.0
    assert total.shape == want_shape and total.item() == want, (
        f"t.sum() of {t.data.tolist()}: expected {want} of shape {want_shape}, "
        f"got {np.round(total.data, 4).tolist()} of shape {total.shape}")
    got = t.sum(axis=0).data
    np.testing.assert_allclose(got, [5, 7, 9], err_msg=f"t.sum(axis=0) of {t.data.tolist()}" + (
        ". Likely bug: the axis is not passed on, so everything is summed; np.sum(self.data, axis=axis, "
        "keepdims=keepdims)" if np.shape(got) == () and np.isclose(got, t.data.sum()) else ""))
    shape, want = t.sum(axis=1, keepdims=True).shape, (2, 1)
    assert shape == want, (f"t.sum(axis=1, keepdims=True) of a {t.data.shape} tensor: expected shape {want}, got {shape}"
                           + keepdims_slip("sum", 1, shape, t.data))
    got = t.mean(axis=1).data
    np.testing.assert_allclose(got, [3, 4], err_msg=f"t.mean(axis=1) of {t.data.tolist()}" + (
        ". Likely bug: the sum is divided by self.shape[0], the length of the first axis; divide by the length of "
        "the axis averaged over, self.shape[axis]" if np.shape(got) == (2,) and
        np.allclose(got, t.data.sum(axis=1) / t.data.shape[0]) else ""))
    got, want = t.mean().item(), 3.5
    assert got == want, f"t.mean() of {t.data.tolist()}: expected {want}, got {got}"
    shape, want = t.mean(axis=0, keepdims=True).shape, (1, 3)
    assert shape == want, (f"t.mean(axis=0, keepdims=True) of a {t.data.shape} tensor: expected shape {want}, got {shape}"
                           + keepdims_slip("mean", 0, shape, t.data))
    got, want = t.max().item(), 6.0
    assert got == want, f"t.max() of {t.data.tolist()}: expected {want}, got {got}"
    np.testing.assert_allclose(t.max(axis=1).data, [5, 6], err_msg=f"t.max(axis=1) of {t.data.tolist()}")
    for name in ("sum", "mean", "max"):
        shape = getattr(t, name)(axis=0, keepdims=True).shape
        assert shape == (1, 3), (f"t.{name}(axis=0, keepdims=True) of a (2, 3) tensor: expected shape (1, 3), got {shape}"
                                 + keepdims_slip(name, 0, shape, t.data))
    np.testing.assert_allclose(t.sum(axis=(0, 1)).data, 21, err_msg=f"t.sum(axis=(0, 1)) of {t.data.tolist()}")
    cube = np.arange(24.0).reshape(2, 3, 4)
    c = Tensor(cube)
    by_tuple = reduced(c, "mean", (0, 2), False, "a (2, 3, 4) tensor")
    np.testing.assert_allclose(by_tuple.data, cube.mean(axis=(0, 2)), err_msg="mean over a tuple of axes (0, 2)")
    shape, want = c.mean(axis=(0, 2), keepdims=True).shape, (1, 3, 1)
    assert shape == want, (f"mean(axis=(0, 2), keepdims=True) of a {cube.shape} tensor: expected shape {want}, got {shape}"
                           + keepdims_slip("mean", (0, 2), shape, cube))
    np.testing.assert_allclose(c.max(axis=(1, 2)).data, cube.max(axis=(1, 2)), err_msg="max over a tuple of axes")
    np.testing.assert_allclose(c.mean(axis=-1).data, cube.mean(axis=-1), err_msg="mean over axis -1")
    got, want = Tensor([1.0, 2.0], dtype=np.float64).mean().dtype, np.float64
    assert got == want, f"mean() of a {np.dtype(want)} tensor: expected dtype {np.dtype(want)}, got {got}"
    kept = {"sum": t.sum(keepdims=True).shape, "mean": t.mean(keepdims=True).shape, "max": t.max(keepdims=True).shape}
    for name, shape in kept.items():    # over every axis (axis=None), keepdims still keeps them
        assert shape == (1, 1), (f"t.{name}(keepdims=True) of a (2, 3) tensor: expected shape (1, 1), got {shape}"
                                 + keepdims_slip(name, None, shape, t.data))
    ### BEGIN HIDDEN TESTS
    x = np.random.default_rng(404).integers(-9, 10, size=(4, 2, 8)).astype(np.float32)   # exact means: counts 2^k
    h, what = Tensor(x), "a (4, 2, 8) tensor of random integers, an input the notebook does not show"
    for name, axis, keepdims in [("sum", None, False), ("sum", 0, False), ("sum", (0, 2), True), ("mean", None, False),
                                 ("mean", 1, False), ("mean", (0, 2), True), ("mean", -1, False), ("max", None, True),
                                 ("max", 2, True), ("max", (0, 1), False)]:
        got, want = reduced(h, name, axis, keepdims, what), getattr(np, name)(x, axis=axis, keepdims=keepdims)
        call = f"{name}(axis={axis}, keepdims={keepdims}) of {what}"
        assert got.shape == want.shape, (f"{call}: expected shape {want.shape}, got {got.shape}"
                                         + (keepdims_slip(name, axis, got.shape, x) if keepdims else ""))
        np.testing.assert_allclose(got.data, want, err_msg=call)
    ### END HIDDEN TESTS
    print("reductions: ok")


if __name__ == "__main__":
    test_unit_reductions()

# %% nbgrader={"grade": true, "grade_id": "test-tensor-dtypes", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_dtypes():
    # Every operation keeps float64 as float64, and float32 as float32 when the other
    # operand is a number or an array (constants take the tensor's dtype). The dtype is read
    # from .data, the array itself, on the results whose values are right (a wrong value is
    # the other items' business); most must be right, since a method that gives back its own
    # tensor, or computes nothing, keeps every dtype.
    def dtype_slip(leaks, sums, means, constants):
        """'. Likely bug: ...' for each group of operations (names) with a result in leaks, else ''."""
        slips = [(sums, "np.sum(..., dtype=np.float64) or a float64 accumulator: the sum keeps the tensor's dtype"),
                 (means, "the mean divides by a NumPy integer (np.prod(...), an np.int64 count), which NumPy 2 "
                         "promotes with float32 to float64: divide by a Python int, int(np.prod(...))"),
                 (constants, "a number or array operand turned into an array of its own dtype "
                             "(np.asarray(1.5) is float64): constants take the tensor's dtype (_operand)")]
        hints = [hint for group, hint in slips if leaks.keys() & set(group)]
        return f". Likely bug: {'; or '.join(hints)}" if hints else ""

    values = np.array([[1.0, 2.0, 4.0], [0.5, 3.0, 2.0]])
    cube = np.arange(1.0, 25.0).reshape(2, 3, 4)
    row = np.array([1.0, 2.0, 3.0])
    for dtype in (np.float32, np.float64):
        t, v = Tensor(values, dtype=dtype), values.astype(dtype)
        with_constant = {   # a number or an array beside the tensor
            "t + 1.5": (t + 1.5, v + 1.5), "1.5 + t": (1.5 + t, 1.5 + v), "t - array": (t - row, v - row),
            "array - t": (row - t, row - v), "t * 2.5": (t * 2.5, v * 2.5), "2.5 * t": (2.5 * t, 2.5 * v),
            "t / 3": (t / 3, v / 3), "3 / t": (3 / t, 3 / v), "t ** 2": (t ** 2, v ** 2),
            "t ** 0.5": (t ** 0.5, v ** 0.5)}
        sums = {"t.sum()": (t.sum(), v.sum()), "t.sum(axis=1)": (t.sum(axis=1), v.sum(axis=1))}
        means = {"t.mean()": (t.mean(), v.mean()), "t.mean(axis=0)": (t.mean(axis=0), v.mean(axis=0)),
                 "cube.mean(axis=(0, 2))": (Tensor(cube, dtype=dtype).mean(axis=(0, 2)), cube.mean(axis=(0, 2)))}
        others = {
            "-t": (-t, -v), "t.exp()": (t.exp(), np.exp(v)), "t.log()": (t.log(), np.log(v)),
            "t.reshape(3, 2)": (t.reshape(3, 2), v.reshape(3, 2)), "t.transpose()": (t.transpose(), v.T),
            "t[0]": (t[0], v[0]), "t.max()": (t.max(), v.max()),
            "t.max(axis=1, keepdims=True)": (t.max(axis=1, keepdims=True), v.max(axis=1, keepdims=True))}
        results = {**with_constant, **sums, **means, **others}
        right = {name: got.data for name, (got, expected) in results.items()
                 if got.data.shape == np.shape(expected) and np.allclose(got.data, expected, rtol=1e-5)}
        assert len(right) >= 3 * len(results) // 4, (
            f"only {len(right)} of {len(results)} operations give the right values ({sorted(right)}); the dtype "
            "check needs most of them working (see the other items)")
        leaks = {name: str(data.dtype) for name, data in right.items() if data.dtype != dtype}
        assert not leaks, (f"{np.dtype(dtype).name} in must give {np.dtype(dtype).name} out; got {leaks}"
                           + dtype_slip(leaks, sums, means, with_constant))   # where a leak comes from, by group
    ### BEGIN HIDDEN TESTS
    x = np.random.default_rng(505).integers(1, 9, size=(4, 2)) / 4
    ops = {"t - 0.5": lambda a: a - 0.5, "2 / t": lambda a: 2 / a, "t ** 3": lambda a: a ** 3, "t[1]": lambda a: a[1],
           "t.reshape(2, 4)": lambda a: a.reshape(2, 4), "t.sum(axis=0)": lambda a: a.sum(axis=0),
           "t.transpose()": lambda a: a.transpose(), "t.mean()": lambda a: a.mean(), "t.max()": lambda a: a.max()}
    for dtype in (np.float32, np.float64):
        right = {name: got for name, op in ops.items() for got in [op(Tensor(x, dtype=dtype)).data]
                 if got.shape == np.shape(op(x.astype(dtype))) and np.allclose(got, op(x.astype(dtype)), rtol=1e-5)}
        leaks = {name: str(got.dtype) for name, got in right.items() if got.dtype != dtype}
        assert len(right) >= 3 * len(ops) // 4 and not leaks, (f"x {x.tolist()}, an input the notebook does not show, "
            f"{np.dtype(dtype).name} in: {len(right)} of {len(ops)} right ({sorted(right)}), wrong dtypes out {leaks}"
            + dtype_slip(leaks, ["t.sum(axis=0)"], ["t.mean()"], ["t - 0.5", "2 / t", "t ** 3"]))
    ### END HIDDEN TESTS
    print("dtypes: kept by every operation")


if __name__ == "__main__":
    test_unit_dtypes()

# %% [markdown]
# ## 7. One random number generator
#
# Weight initialisation (module 03), dropout masks (module 03) and shuffling
# all need randomness, and a course needs runs that repeat exactly. So tinytorch
# keeps one global `np.random.Generator`, seeded with 0 when the package is
# imported. `manual_seed(seed)` resets it (PyTorch's name); `get_rng()` returns
# it. Layers call `get_rng()` each time rather than keeping a reference, so a
# later `manual_seed` takes effect everywhere.

# %% nbgrader={"grade": false, "grade_id": "tensor-rng", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
_rng = np.random.default_rng(0)


def manual_seed(seed):
    """Reset tinytorch's global random number generator to `seed`."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def get_rng():
    """The global np.random.Generator that initialisation and dropout draw from."""
    return _rng

# %%
manual_seed(42)
_first = get_rng().standard_normal(3)
manual_seed(42)
print("same seed, same numbers:", np.array_equal(_first, get_rng().standard_normal(3)))

# %% [markdown]
# ## 8. Checks on the given code
#
# These are not graded; they check the constructor and the error messages that
# the rest of the course depends on.

# %%
def test_unit_constructor():
    t = Tensor(3)
    assert t.shape == () and t.dtype == np.float32 and t.item() == 3.0
    arr = np.ones((2, 2), dtype=np.float32)
    assert Tensor(arr).data is arr            # float32 arrays are not copied
    assert Tensor(np.ones(2)).dtype == np.float32
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor(Tensor([1.0], dtype=np.float64)).dtype == np.float64
    for bad in ("abc", None, [[1, 2], [3]], {"a": 1}, ["a", "b"]):
        try:
            Tensor(bad)
        except TypeError:
            pass
        else:
            raise AssertionError(f"Tensor({bad!r}) must raise TypeError")
    try:
        Tensor([1], dtype=np.int32)
    except ValueError:
        pass
    else:
        raise AssertionError("dtype int32 must raise ValueError")
    if "_autograd_originals" not in Tensor.__dict__:   # before module 06 enables autograd
        try:
            Tensor([1.0]).backward()
        except RuntimeError as err:
            assert "06" in str(err)
        else:
            raise AssertionError("backward() without autograd must raise RuntimeError")
    print("constructor: ok")


if __name__ == "__main__":
    test_unit_constructor()

# %% [markdown]
# ## 9. Seeing tensors
#
# The pictures below use the `Tensor` you just finished, so they come after the checks.
# They are drawn with matplotlib; without it, each picture cell prints one line and goes on.
#
# **Broadcasting as grids.** Section 3 gave the rule in words: line the shapes up at the
# right, compare axis by axis, and repeat every axis of length 1 to match. The cell draws
# it for a `(3, 1)` column plus a `(1, 4)` row. Each operand is a grid of cells holding
# its values; the cells it really stores are solid, the repeats that broadcasting only
# pretends to make are faded. The third grid is the sum, computed by your `Tensor` and
# read back from it. The fourth panel is a case that fails, `(3, 4) + (3,)`: the shorter
# shape is padded with a 1 on the left, the axes are compared from the right, and the
# last axes (4 against 3) are neither equal nor 1. The message under the table is the
# one your `__add__` raised when the cell tried it (numpy's, passed on unchanged).


# %%
# The pictures' two helpers, shared by every lesson: matplotlib.pyplot (or None, after a one-line
# note, without matplotlib) and showing a figure (closing it when run as a script).
from tinytorch.figures import pyplot as _pyplot, show as _show


# %%
if __name__ == "__main__":
    import textwrap as _textwrap

    _col = Tensor([[0.0], [10.0], [20.0]])        # (3, 1)
    _row = Tensor([[1.0, 2.0, 3.0, 4.0]])         # (1, 4)
    _sum = _col + _row
    _out_shape = np.broadcast_shapes(_col.shape, _row.shape)
    print(f"{_col.shape} + {_row.shape} -> {_sum.shape} (the rule says {_out_shape})")
    # What each operand looks like after its length-1 axes are repeated, and which cells it really stores.
    _stretched = {"column": np.broadcast_to(_col.data, _out_shape), "row": np.broadcast_to(_row.data, _out_shape)}
    _stored = {"column": np.zeros(_out_shape, dtype=bool), "row": np.zeros(_out_shape, dtype=bool)}
    _stored["column"][:, 0], _stored["row"][0, :] = True, True
    for _name, _values in _stretched.items():
        print(f"the {_name} stores {int(_stored[_name].sum())} of the {_values.size} values it shows")
    _big, _short = Tensor(np.zeros((3, 4))), Tensor(np.zeros(3))
    try:
        _big + _short
    except ValueError as _err:
        _error_message = str(_err)
    else:
        raise AssertionError("(3, 4) + (3,) must not broadcast")
    _padded = (1,) * (_big.ndim - _short.ndim) + _short.shape
    _compatible = [_x == _y or 1 in (_x, _y) for _x, _y in zip(_big.shape, _padded)]
    print(f"{_big.shape} + {_short.shape}: padded to {_padded}; axes compatible {_compatible}")
    print(f"ValueError: {_error_message}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(1, 4, figsize=(12, 3.4), gridspec_kw={"width_ratios": [4, 4, 4, 3.4]})
        _panels = [(f"column {_col.shape}, repeated along axis 1", _stretched["column"], _stored["column"], "tab:blue"),
                   (f"+ row {_row.shape}, repeated along axis 0", _stretched["row"], _stored["row"], "tab:orange"),
                   (f"= sum {_sum.shape}, from Tensor", _sum.data, np.ones(_out_shape, dtype=bool), "tab:green")]
        for _ax, (_title, _values, _real, _color) in zip(_axes, _panels):
            for (_i, _j), _v in np.ndenumerate(_values):
                _alpha = 1.0 if _real[_i, _j] else 0.3
                _ax.add_patch(_plt.Rectangle((_j, _i), 1, 1, facecolor=_color, edgecolor="k", alpha=_alpha))
                _ax.text(_j + 0.5, _i + 0.5, f"{_v:g}", ha="center", va="center", alpha=_alpha)
            _ax.set_xlim(-0.05, _out_shape[1] + 0.05)
            _ax.set_ylim(_out_shape[0] + 0.05, -0.05)
            _ax.set_aspect("equal")
            _ax.axis("off")
            _ax.set_title(_title, fontsize=9)
        _ax = _axes[3]
        _ax.set_title(f"{_big.shape} + {_short.shape}: compare from the right", fontsize=9)
        _rows = [(f"a {_big.shape}", _big.shape, [False] * _big.ndim),
                 (f"b {_short.shape}", _padded, [_k < _big.ndim - _short.ndim for _k in range(_big.ndim)])]
        for _r, (_label, _dims, _pads) in enumerate(_rows):
            _ax.text(-0.1, _r + 0.5, _label, ha="right", va="center", fontsize=9)
            for _k, (_d, _pad) in enumerate(zip(_dims, _pads)):
                _ax.add_patch(_plt.Rectangle((_k, _r), 1, 1, facecolor="0.9", edgecolor="k", alpha=0.3 if _pad else 1.0))
                _ax.text(_k + 0.5, _r + 0.5, f"{_d}" + (" (pad)" if _pad else ""), ha="center", va="center",
                         fontsize=9, alpha=0.5 if _pad else 1.0)
        for _k, _ok in enumerate(_compatible):
            _ax.add_patch(_plt.Rectangle((_k, 2), 1, 1, facecolor="tab:green" if _ok else "tab:red", edgecolor="k"))
            _ax.text(_k + 0.5, 2.5, "ok" if _ok else "no", ha="center", va="center", fontsize=9)
        _ax.text(-0.1, 2.5, "equal or 1?", ha="right", va="center", fontsize=9)
        _ax.text(1.0, 3.3, _textwrap.fill("ValueError: " + _error_message.strip(), 34), ha="center", va="top",
                 fontsize=8, color="tab:red")
        _ax.set_xlim(-1.6, _big.ndim + 0.05)
        _ax.set_ylim(5, 0)
        _ax.axis("off")
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# **Where the numbers sit in memory: reshape against transpose.** Section 1 said the numbers
# of a tensor sit in one block of memory and the shape only says how to read it. numpy
# reads it with **strides**: for each axis, how many bytes to step in memory to move one
# place along that axis. The cell builds a `(3, 4)` float32 tensor holding 0 to 11 in
# memory order, then `reshape(4, 3)` and `transpose()` of it, and prints each one's
# strides and whether it still shares the original's memory. Each grid below shows one
# of them, with a line drawn through its cells in *memory* order (from the lowest
# address up, computed from the strides).
#
# `reshape` keeps the order: the line still runs row by row, only wrapped after three
# cells instead of four. `transpose` moves no number at all, it swaps the strides, so the
# same memory is now read down the columns: the line runs column by column, and the
# rows you see are no longer contiguous. That is why a transposed tensor is *not*
# C-contiguous, and why flattening it (with `reshape`) has to copy the numbers into the
# new order, as the cell checks.


# %%
if __name__ == "__main__":
    _base = Tensor(np.arange(12.0)).reshape(3, 4)
    _views = {"t = arange(12).reshape(3, 4)": _base, "t.reshape(4, 3)": _base.reshape(4, 3),
              "t.transpose()": _base.transpose()}
    _memory_paths = {}
    for _name, _view in _views.items():
        _arr = _view.data
        _addresses = np.add.outer(np.arange(_arr.shape[0]) * _arr.strides[0], np.arange(_arr.shape[1]) * _arr.strides[1])
        _memory_paths[_name] = [np.unravel_index(_k, _arr.shape) for _k in np.argsort(_addresses, axis=None)]
        print(f"{_name:30s}: shape {_view.shape}, strides {_arr.strides} bytes, "
              f"C-contiguous {_arr.flags['C_CONTIGUOUS']}, shares t's memory {np.shares_memory(_arr, _base.data)}")
    _flat_t = _base.transpose().reshape(-1)
    print(f"t.transpose().reshape(-1) = {_flat_t.data.astype(int).tolist()}: copied into the new order, "
          f"shares t's memory {np.shares_memory(_flat_t.data, _base.data)}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(1, 3, figsize=(10, 3.6))
        for _ax, (_name, _view) in zip(_axes, _views.items()):
            _arr = _view.data
            for (_i, _j), _v in np.ndenumerate(_arr):
                _ax.add_patch(_plt.Rectangle((_j, _i), 1, 1, facecolor="0.93", edgecolor="k"))
                _ax.text(_j + 0.5, _i + 0.5, f"{_v:g}", ha="center", va="center")
            _path = np.array(_memory_paths[_name], dtype=float)
            _ax.plot(_path[:, 1] + 0.5, _path[:, 0] + 0.5, color="tab:red", marker=".", alpha=0.6)
            _ax.set_xlim(-0.05, 4.05)
            _ax.set_ylim(4.05, -0.05)
            _ax.set_aspect("equal")
            _ax.axis("off")
            _ax.set_title(f"{_name}\nshape {_view.shape}, strides {_arr.strides}", fontsize=9)
        _fig.suptitle("the red line visits the cells in memory order", fontsize=9)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# **How far apart float32 numbers are.** Section 1 chose float32 for its half-size memory
# and printed its machine epsilon. Epsilon is a *relative* precision: near a number `x`
# the next representable float is about `eps * x` away, so the gap between neighbours
# grows with the magnitude. The cell computes that gap (`np.spacing`) for magnitudes from
# 1e-8 to 1e8 in both dtypes and draws it on log axes; the two lines are parallel,
# float64's lower by a constant factor. Where float32's gap passes 1 (dashed line),
# adding 1 stops being exact: it is rounded away, or (just past the line, where the gap is 2)
# rounded to the neighbouring even float. The cell finds the first power of two where
# `x + 1 == x` and adds 1 to 1e8 with your `Tensor` in both dtypes. For weights and
# activations of moderate size float32's digits (section 1 printed how many) are plenty; a running sum of many
# small numbers into a large one is where they run out.


# %%
if __name__ == "__main__":
    _magnitudes = 10.0 ** np.arange(-8, 9)
    _gaps = {"float32": np.spacing(_magnitudes.astype(np.float32)).astype(np.float64),
             "float64": np.spacing(_magnitudes)}
    for _name, _gap in _gaps.items():
        print(f"{_name}: gap near 1 = {_gap[8]:.3g}, near 1e8 = {_gap[-1]:.3g}; gap / magnitude in "
              f"[{(_gap / _magnitudes).min():.3g}, {(_gap / _magnitudes).max():.3g}] (eps = {np.finfo(_name).eps:.3g})")
    _powers = 2.0 ** np.arange(64)
    _first_lost = float(_powers[np.argmax(np.float32(_powers) + np.float32(1) == np.float32(_powers))])
    print(f"first power of two x with float32(x) + 1 == x: 2**{int(np.log2(_first_lost))} = {_first_lost:.0f}")
    _sum32 = (Tensor([1e8]) + 1).data[0]
    _sum64 = (Tensor([1e8], dtype=np.float64) + 1).data[0]
    print(f"Tensor([1e8]) + 1 in float32: {_sum32:.1f}; in float64: {_sum64:.1f}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(7, 4))
        for _name, _gap in _gaps.items():
            _ax.loglog(_magnitudes, _gap, marker="o", label=_name)
        _ax.axhline(1.0, color="0.4", linestyle="--", linewidth=0.8, label="gap 1")
        _ax.axvline(_first_lost, color="tab:red", linestyle=":", linewidth=1,
                    label=f"float32: 2**{int(np.log2(_first_lost))} + 1 == 2**{int(np.log2(_first_lost))}")
        _ax.set_xlabel("magnitude x (log scale)")
        _ax.set_ylabel("gap to the next float, np.spacing(x)")
        _ax.set_title(f"float32: 1e8 + 1 = {_sum32:.0f}; float64: 1e8 + 1 = {_sum64:.0f}", fontsize=9)
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# ## 10. Systems questions
#
# Answer in a sentence or two each, then run the cell for the numbers.
#
# 1. A batch of shape `(N, C, H, W)` holds `N*C*H*W` numbers of `itemsize` bytes each. How
#    much does a `(64, 3, 32, 32)` batch take in float32, and in float64?
# 2. `reshape` and `transpose` can return a *view* (a new shape and strides over the same
#    buffer) instead of a copy. What does a view cost in memory, and what does a copy cost?
# 3. `(N, K) @ (K, M)` does `N*M*K` multiply-adds but reads and writes only
#    `N*K + K*M + N*M` numbers. How many floating-point operations per byte moved (the
#    *arithmetic intensity*) does a square product of size `n` have, and how does it grow with `n`?


# %%
if __name__ == "__main__":
    # 1. Bytes of one batch: elements * itemsize, in both dtypes your Tensor accepts.
    _sq_shape = (64, 3, 32, 32)
    _sq_count = int(np.prod(_sq_shape))
    for _sq_dtype in (np.float32, np.float64):
        _sq_nbytes = Tensor(np.zeros(_sq_shape), dtype=_sq_dtype).data.nbytes
        _sq_item = np.dtype(_sq_dtype).itemsize
        print(f"1. {_sq_shape} in {np.dtype(_sq_dtype).name}: {_sq_count:,} * {_sq_item} = {_sq_nbytes:,} bytes "
              f"= {_sq_nbytes / 2**20:.2f} MiB")
        assert _sq_nbytes == _sq_count * _sq_item
    # 2. A view shares the buffer (only a small header is new); a copy allocates nbytes again.
    _sq_x = Tensor(np.zeros(_sq_shape))
    _sq_flat, _sq_swapped = _sq_x.reshape(64, -1), _sq_x.transpose(0, 1)
    _sq_copy = np.ascontiguousarray(_sq_swapped.data)
    print(f"2. reshape shares memory with x: {np.shares_memory(_sq_flat.data, _sq_x.data)}; "
          f"transpose: {np.shares_memory(_sq_swapped.data, _sq_x.data)} (new bytes: 0, only shape and strides); "
          f"a contiguous copy of the transpose allocates {_sq_copy.nbytes:,} new bytes")
    # 3. Arithmetic intensity of a square float32 matmul: 2 n^3 flops over 3 n^2 * 4 bytes = n / 6.
    for _sq_n in (16, 256, 4096):
        _sq_flops = 2 * _sq_n ** 3
        _sq_moved = 3 * _sq_n * _sq_n * np.dtype(np.float32).itemsize
        print(f"3. n = {_sq_n}: {_sq_flops:,} flops / {_sq_moved:,} bytes = {_sq_flops / _sq_moved:,.1f} flops per byte")
    _sq_a = Tensor(np.ones((16, 16)))
    assert (_sq_a @ _sq_a).data[0, 0] == 16    # each output sums K = 16 products


# %% [markdown]
# ## 11. Check your understanding
#
# Work each one out by hand first, then run the cell to check.
#
# 1. What shape does `Tensor(np.ones((8, 1, 6, 1))) + Tensor(np.ones((7, 1, 5)))` have?
# 2. How many bytes does a float32 batch of shape `(64, 3, 32, 32)` take (64 RGB images of
#    32x32 pixels)?
# 3. How many multiply-adds does `(32, 784) @ (784, 128)` take, the first layer of an MLP
#    on a batch of 32 digit images?


# %%
if __name__ == "__main__":
    # Each answer is derived step by step, then checked against what your Tensor computes.
    # 1. Pad the shorter shape with 1s on the left, then take the larger length on each axis.
    _q_a, _q_b = (8, 1, 6, 1), (7, 1, 5)
    _q_pad = (1,) * (len(_q_a) - len(_q_b)) + _q_b
    _q_shape = tuple(max(_x, _y) for _x, _y in zip(_q_a, _q_pad))  # noqa: F821 (the builtin: `del max` above)
    assert all(_x == _y or 1 in (_x, _y) for _x, _y in zip(_q_a, _q_pad))
    print(f"1. {_q_b} padded to {_q_pad}; axis by axis max of {_q_a} and {_q_pad} = {_q_shape}")
    assert (Tensor(np.ones(_q_a)) + Tensor(np.ones(_q_b))).shape == _q_shape
    # 2. Elements are the product of the shape; float32 takes 4 bytes each.
    _q_batch = (64, 3, 32, 32)
    _q_elements = int(np.prod(_q_batch))
    _q_bytes = _q_elements * np.dtype(np.float32).itemsize
    print(f"2. {' * '.join(map(str, _q_batch))} = {_q_elements} values * {np.dtype(np.float32).itemsize} bytes "
          f"= {_q_bytes} bytes = {_q_bytes / 1024:.0f} KiB")
    assert Tensor(np.zeros(_q_batch)).data.nbytes == _q_bytes
    # 3. Each of the n * m outputs is a dot product of length k: k multiply-adds.
    _q_n, _q_k, _q_m = 32, 784, 128
    _q_madds = _q_n * _q_m * _q_k
    print(f"3. {_q_n} * {_q_m} outputs, each {_q_k} multiply-adds: {_q_madds:,} multiply-adds "
          f"({2 * _q_madds:,} floating-point operations)")
    assert (Tensor(np.ones((_q_n, _q_k))) @ Tensor(np.ones((_q_k, _q_m)))).data[0, 0] == _q_k

# %% [markdown]
# ## Summary
#
# You built the data structure of the whole course: a validated wrapper around
# a numpy array, with broadcasting arithmetic, matrix products, shape changes and
# reductions, all keeping float32 unless asked for float64. Module 02 builds the
# activation functions from these pieces, and module 06 teaches each operation
# here its derivative, so that `loss.backward()` works on anything you compute.
