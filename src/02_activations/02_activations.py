# %% [markdown]
# # Module 02: Activations
#
# A stack of linear layers is still one linear map: `W2 @ (W1 @ x)` is just
# `(W2 @ W1) @ x`. However many layers you stack, without something non-linear
# in between the network can only draw straight decision boundaries. An
# **activation function**, applied element by element after each linear layer,
# is that something.
#
# In this module you write five of them on top of your `Tensor`:
#
# | class | formula | used for |
# | --- | --- | --- |
# | `ReLU` | `max(0, x)` | hidden layers of most CNNs |
# | `Sigmoid` | `1 / (1 + e^-x)` | probabilities of yes/no outputs |
# | `Tanh` | `(e^x - e^-x) / (e^x + e^-x)` | zero-centred hidden units, RNNs |
# | `GELU` | `x * Phi(x)` (tanh approximation) | transformers |
# | `Softmax` | `e^x_i / sum_j e^x_j` | probabilities over classes |
#
# The interesting part is not the formulas but computing them **without
# overflow**: `exp` of a large number is infinity in floating point, and
# infinity divided by infinity is NaN. Two of the five need a trick.
#
# Each activation computes its forward pass on the numpy data and wraps the
# result in a Tensor of the input's dtype. Module 06 adds their gradients.

# %% nbgrader={"grade": false, "grade_id": "activations-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.activations
#| export
import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
# ## 1. A small base class
#
# Later modules put activations inside `Sequential` next to layers, so they
# behave like (parameter-free) layers: calling one runs `forward`,
# `parameters()` is empty, and `train()` / `eval()` do nothing but record the
# mode. Module 03's `Module` is richer; activations do not need it, and this
# module comes first. The base class is given.

# %% nbgrader={"grade": false, "grade_id": "activations-base", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _as_tensor(x):
    """Accept a Tensor (or anything Tensor() accepts) as an activation's input."""
    return x if isinstance(x, Tensor) else Tensor(x)


class Activation:
    """Base class of the activations: callable, no parameters, train/eval are no-ops."""

    training = True

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x).")

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return []

    def train(self, mode=True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def __repr__(self):
        return f"{type(self).__name__}()"

# %% [markdown]
# ## 2. ReLU
#
# `ReLU(x) = max(0, x)`. It is the default choice for hidden layers: cheap, and
# its slope is exactly 1 for every positive input, so gradients pass through
# deep stacks without shrinking. A sigmoid's slope is far below 1 everywhere,
# so every sigmoid layer shrinks the gradient; the cell below computes the
# largest slope and what is left after five layers even at that best case.
# ReLU's weakness: a unit whose input is negative for every example gets zero
# gradient and stops learning ("dead ReLU"). Section 8 draws both slopes, and the
# product of slopes through ten layers, once the activations are written.

# %%
_z = np.linspace(-10, 10, 20001)
_s = 1 / (1 + np.exp(-_z))
_slope = (_s * (1 - _s)).max()
print(f"largest sigmoid slope: {_slope:.4f}; after 5 sigmoid layers a gradient is at most "
      f"{_slope ** 5:.1e} of itself, after 5 ReLU layers (positive inputs) it is all there")

# %% [markdown]
# **Worked example.** ReLU on a negative, a zero and a positive value, one element at a
# time and then all at once with `np.maximum(x, 0)`: negatives and zero give 0,
# positives pass unchanged, and a float32 array stays float32.

# %%
if __name__ == "__main__":
    _x = np.array([-2.0, -0.5, 0.0, 1.5, 3.0], dtype=np.float32)
    for _v in _x:
        print(f"max(0, {_v:g}) = {max(0.0, float(_v)):g}")
    _y = np.maximum(_x, 0)
    print("np.maximum(x, 0) =", _y, "dtype", _y.dtype)

# %% nbgrader={"grade": false, "grade_id": "activations-relu", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class ReLU(Activation):
    """ReLU(x) = max(0, x), element-wise."""

    def forward(self, x):
        x = _as_tensor(x)
        ### BEGIN SOLUTION
        return Tensor(np.maximum(x.data, 0), dtype=x.dtype)
        ### END SOLUTION

# %% [markdown]
# ## 3. Sigmoid, and how not to overflow
#
# `sigmoid(x) = 1 / (1 + e^-x)` squashes any number into (0, 1) (in float32 it
# rounds to exactly 0 or 1 far out on either side). Written literally it breaks for
# large negative `x`: `e^-x` overflows to infinity. The answer, `1 / inf = 0`, is
# close but not always right: just past the overflow the true value is still a (tiny)
# float32 number, and the naive form flushes it to 0. numpy also warns, and in the
# gradient the infinity turns into NaN. The cell below shows where float32's `exp`
# overflows.
#
# The fix uses the identity `1 / (1 + e^-x) = e^x / (1 + e^x)` and picks, for
# each element, the form whose exponent is never positive. With
# `z = e^-|x|` (in (0, 1]; in float32 it underflows to 0 far out, where the cell below
# prints, which is harmless here):
#
# - `x >= 0`: `sigmoid(x) = 1 / (1 + z)`
# - `x < 0`:  `sigmoid(x) = z / (1 + z)`
#
# No exponential of a positive number is ever taken, so nothing overflows.

# %%
_big = np.float32(np.log(np.finfo(np.float32).max))
print(f"float32 exp overflows for x > {_big:.2f}")
# e^-x rounds to 0 below half the smallest subnormal float32
_tiny = -np.log(float(np.finfo(np.float32).smallest_subnormal) / 2)
print(f"float32 e^-x underflows to 0 for x > {_tiny:.2f}")
with np.errstate(over="ignore"):
    print("naive sigmoid at x = -100 (float32): exp(100) =", np.exp(np.float32(100.0)))

# %% [markdown]
# **Worked example.** The stable sigmoid, step by step, on float32 values from far
# negative to positive: `z = e^-|x|` never exceeds 1, and each element takes the form
# its sign asks for. The naive formula gives the same numbers here (up to float32
# rounding), but only after computing `e^800 = inf` (this cell switches off the
# overflow warning that raises).

# %%
if __name__ == "__main__":
    _x = np.array([-800.0, -2.0, 0.0, 3.0], dtype=np.float32)
    _z = np.exp(-np.abs(_x))
    for _v, _zv in zip(_x, _z):
        _form = "1 / (1 + z)" if _v >= 0 else "z / (1 + z)"
        _s = 1 / (1 + _zv) if _v >= 0 else _zv / (1 + _zv)
        print(f"x = {_v:>6g}: z = e^-|x| = {_zv:.6g}, x {'>=' if _v >= 0 else '<'} 0 -> {_form} = {_s:.6g}")
    _stable = np.where(_x >= 0, 1 / (1 + _z), _z / (1 + _z))
    with np.errstate(over="ignore"):
        _e = np.exp(-_x)
        print("naive e^-x =", _e, "-> 1 / (1 + e^-x) =", 1 / (1 + _e))
    print("stable:", _stable, "dtype", _stable.dtype)

# %% nbgrader={"grade": false, "grade_id": "activations-sigmoid", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Sigmoid(Activation):
    """Sigmoid(x) = 1 / (1 + exp(-x)), computed without overflow."""

    def forward(self, x):
        x = _as_tensor(x)
        ### BEGIN SOLUTION
        z = np.exp(-np.abs(x.data))
        out = np.where(x.data >= 0, 1 / (1 + z), z / (1 + z))
        return Tensor(out, dtype=x.dtype)
        ### END SOLUTION

# %% [markdown]
# ## 4. Tanh
#
# `tanh(x) = 2 * sigmoid(2x) - 1` is a sigmoid stretched to (-1, 1), centred on
# zero. numpy's `np.tanh` is already stable, so use it.

# %% [markdown]
# **Worked example.** Tanh three ways on float32 values: `np.tanh`, the identity
# `2 * sigmoid(2x) - 1`, and the textbook formula `(e^x - e^-x) / (e^x + e^-x)`. They
# agree (up to float32 rounding) until `x` is large, where the textbook formula computes `inf / inf` and gives
# NaN while `np.tanh` gives 1.

# %%
if __name__ == "__main__":
    _x = np.array([-3.0, 0.0, 0.5, 100.0], dtype=np.float32)
    _s2 = 1 / (1 + np.exp(-2 * _x))
    with np.errstate(over="ignore", invalid="ignore"):
        _formula = (np.exp(_x) - np.exp(-_x)) / (np.exp(_x) + np.exp(-_x))
    print("x                  :", _x)
    print("np.tanh(x)         :", np.tanh(_x))
    print("2 sigmoid(2x) - 1  :", 2 * _s2 - 1)
    print("(e^x - e^-x) / (..):", _formula)

# %% nbgrader={"grade": false, "grade_id": "activations-tanh", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Tanh(Activation):
    """Tanh(x), element-wise, in (-1, 1)."""

    def forward(self, x):
        x = _as_tensor(x)
        ### BEGIN SOLUTION
        return Tensor(np.tanh(x.data), dtype=x.dtype)
        ### END SOLUTION

# %% [markdown]
# ## 5. GELU
#
# GELU weighs its input by the probability that a standard normal variable is
# below it: `GELU(x) = x * Phi(x)`, with `Phi` the normal CDF. It behaves like a
# smooth ReLU and is the activation of BERT and GPT. Computing `Phi` needs the
# error function; the original paper also gives the **tanh approximation**,
# which is what we implement (PyTorch's `nn.GELU(approximate="tanh")`):
#
# `GELU(x) = 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))`
#
# The cell below measures how far the approximation is from the exact form.

# %%
import math

_xs = np.linspace(-6, 6, 2001)
_exact = _xs * 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in _xs]))
_approx = 0.5 * _xs * (1 + np.tanh(math.sqrt(2 / math.pi) * (_xs + 0.044715 * _xs ** 3)))
print(f"largest |tanh approximation - exact GELU| on [-6, 6]: {np.abs(_approx - _exact).max():.1e}")

# %% [markdown]
# **Worked example.** The tanh approximation of GELU, one term at a time, for a few
# inputs, next to the exact `x * Phi(x)`. GELU is zero at 0, close to `x` for large
# positive `x`, and slightly negative for negative `x` (unlike ReLU). The last line is
# the dtype trap: `sqrt(2/pi)` is a float64 number, and multiplying a float32 array by
# it gives float64, so the result must be turned back into the input's dtype.

# %%
if __name__ == "__main__":
    _c = np.sqrt(2 / np.pi)
    print(f"sqrt(2/pi) = {_c:.6f}")
    print(f"{'x':>5} {'x + 0.044715 x^3':>17} {'tanh(c * that)':>15} {'GELU approx':>12} {'x Phi(x)':>10}")
    for _v in (-3.0, -1.0, 0.0, 0.5, 2.0):
        _inner = _v + 0.044715 * _v ** 3
        _t = np.tanh(_c * _inner)
        _exact = _v * 0.5 * (1 + math.erf(_v / math.sqrt(2)))
        print(f"{_v:>5g} {_inner:>17.6f} {_t:>15.6f} {0.5 * _v * (1 + _t):>12.6f} {_exact:>10.6f}")
    _x32 = np.array([1.0, 2.0], dtype=np.float32)
    print("dtype of float32 x * sqrt(2/pi):", (_x32 * _c).dtype, "-> back to the input's:", (_x32 * _c).astype(_x32.dtype).dtype)

# %% nbgrader={"grade": false, "grade_id": "activations-gelu", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
GELU_C = np.sqrt(2 / np.pi)  # the constant sqrt(2/pi) of the tanh approximation


class GELU(Activation):
    """GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    def forward(self, x):
        x = _as_tensor(x)
        ### BEGIN SOLUTION
        v = x.data
        out = 0.5 * v * (1 + np.tanh(GELU_C * (v + 0.044715 * v ** 3)))
        return Tensor(out, dtype=x.dtype)
        ### END SOLUTION

# %% [markdown]
# ## 6. Softmax, and the max-subtraction trick
#
# `softmax(x)_i = e^x_i / sum_j e^x_j` turns a row of scores (logits) into
# probabilities: all positive, summing to 1, the largest score getting the
# largest share. `Softmax(dim=-1)` normalises along one axis, by default the
# last, so a `(batch, classes)` tensor gives one distribution per row.
#
# Logits of a few hundred are normal in a network that is confident, and `e^x`
# overflows float32 above the threshold printed in section 3: then the formula gives
# `inf / inf = NaN`. The fix: subtracting any constant `c` from every score
# leaves softmax unchanged, because
#
# `e^(x_i - c) / sum_j e^(x_j - c) = (e^-c e^x_i) / (e^-c sum_j e^x_j)`.
#
# Choose `c = max_j x_j`. Then every exponent is `<= 0`, every `e^...` is in
# (0, 1], and the largest is exactly 1, so the sum is at least 1: no overflow,
# no division by zero. Use `keepdims=True` so the max broadcasts back along
# `dim`.

# %%
_logits = np.array([1000.0, 1001.0, 1002.0], dtype=np.float32)
with np.errstate(over="ignore", invalid="ignore"):
    _naive = np.exp(_logits) / np.exp(_logits).sum()
_shifted = np.exp(_logits - _logits.max())
print("naive softmax of", _logits, "->", _naive)
print("shifted softmax  ->", _shifted / _shifted.sum())

# %% [markdown]
# **Worked example.** Softmax along the last axis of a `(2, 3)` float32 array whose second
# row is the first plus 999: each row subtracts its own maximum (kept as a `(2, 1)`
# column by `keepdims=True`), so both rows shift to the same numbers and give the same
# probabilities. With `dim=0` the same steps run down the columns of another array,
# one distribution per column.

# %%
if __name__ == "__main__":
    _x = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0]], dtype=np.float32)
    _m = np.max(_x, axis=-1, keepdims=True)
    _e = np.exp(_x - _m)
    _total = np.sum(_e, axis=-1, keepdims=True)
    print("x:\n", _x, sep="")
    print(f"row max, shape {_m.shape}: {_m.ravel()}")
    print("x - max:\n", _x - _m, sep="")
    print("exp(x - max):\n", _e, sep="")
    print(f"row sums, shape {_total.shape}: {_total.ravel()}")
    print("softmax(x, dim=-1):\n", _e / _total, "\nrow sums: ", (_e / _total).sum(axis=-1), sep="")
    _y = np.array([[1.0, 0.0], [3.0, 0.0]], dtype=np.float32)
    _e0 = np.exp(_y - np.max(_y, axis=0, keepdims=True))
    _p0 = _e0 / np.sum(_e0, axis=0, keepdims=True)
    print("y:\n", _y, "\nsoftmax(y, dim=0):\n", _p0, "\ncolumn sums: ", _p0.sum(axis=0), sep="")

# %% nbgrader={"grade": false, "grade_id": "activations-softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Softmax(Activation):
    """Softmax along `dim` (default: the last axis), computed stably."""

    def __init__(self, dim=-1):
        self.dim = dim

    def __repr__(self):
        return f"Softmax(dim={self.dim})"

    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim == 0:
            raise ValueError(
                f"Softmax(dim={self.dim}) needs an input with at least one dimension, got a scalar "
                "(shape ()). Reshape it to (1,) first; the softmax of one value is 1.")
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(
                f"Softmax(dim={self.dim}) needs an input with that dimension, got shape "
                f"{x.shape}. Pick dim in [{-x.ndim}, {x.ndim - 1}].")
        ### BEGIN SOLUTION
        shifted = x.data - np.max(x.data, axis=self.dim, keepdims=True)
        e = np.exp(shifted)
        return Tensor(e / np.sum(e, axis=self.dim, keepdims=True), dtype=x.dtype)
        ### END SOLUTION

# %% [markdown]
# ## 7. Tests
#
# Each test below compares against values worked out by hand or against
# identities the functions must satisfy.

# %% nbgrader={"grade": true, "grade_id": "test-activations-relu", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_relu():
    def in_place_slip(values, after):
        """'. Likely bug: ...' when the input's array (values before ReLU) now holds ReLU's result, else ''."""
        return (". Likely bug: the result was computed into the input's own array (x.data[x.data < 0] = 0); compute "
                "a new one") if np.array_equal(after, np.maximum(values, 0)) else ""

    values = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, -1.0]])
    x = Tensor(values)
    out = ReLU()(x)
    assert isinstance(out, Tensor) and out.shape == (2, 3), (
        f"ReLU of a {values.shape} tensor: expected a Tensor of shape {values.shape}, got {type(out).__name__} of "
        f"shape {getattr(out, 'shape', None)}")
    np.testing.assert_array_equal(out.data, [[0, 0, 0], [0.5, 3, 0]], err_msg="ReLU = max(0, x)")
    np.testing.assert_array_equal(x.data, values, err_msg="ReLU must not change its input" + in_place_slip(values, x.data))
    # .data.dtype, not .dtype: the numbers themselves must be float32 (a Tensor subclass can say anything)
    assert out.data.dtype == np.float32, f"float32 in, float32 out; got {out.data.dtype}"
    assert ReLU()(Tensor([-1.0, 2.0], dtype=np.float64)).data.dtype == np.float64, (
        "float64 in, float64 out. Likely bug: Tensor(array) without dtype= makes float32 (module 01's default); "
        "pass dtype=x.dtype")
    ### BEGIN HIDDEN TESTS
    values = np.random.default_rng(111).standard_normal((3, 4, 2)).astype(np.float32)
    x, what = Tensor(values.copy()), "a (3, 4, 2) tensor of random normals, an input the notebook does not show"
    out = ReLU()(x)
    assert isinstance(out, Tensor) and out.shape == values.shape, f"ReLU of {what}: expected a (3, 4, 2) Tensor"
    np.testing.assert_array_equal(out.data, np.where(values > 0, values, 0), err_msg=f"ReLU = max(0, x) on {what}")
    np.testing.assert_array_equal(x.data, values, err_msg=f"ReLU must not change its input ({what})"
                                  + in_place_slip(values, x.data))
    assert out.data.dtype == np.float32, f"float32 in, float32 out on {what}; got {out.data.dtype}"
    ### END HIDDEN TESTS
    print("ReLU: ok")


if __name__ == "__main__":
    test_unit_relu()

# %% nbgrader={"grade": true, "grade_id": "test-activations-sigmoid-tanh", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_sigmoid_tanh():
    def mirrored_slip(x, got):
        """'. Likely bug: ...' when Sigmoid at x gave sigmoid(-x), else ''."""
        return (". Likely bug: that is sigmoid(-x) = 1 - sigmoid(x): the branches are swapped or the sign of x is "
                "flipped (for x >= 0, 1 / (1 + e^-x); for x < 0, e^x / (1 + e^x))"
                ) if np.allclose(got, 1 / (1 + np.exp(x))) else ""

    x = np.array([-2.0, 0.0, 1.0, 3.0])
    s = Sigmoid()(Tensor(x, dtype=np.float64))
    np.testing.assert_allclose(s.data, 1 / (1 + np.exp(-x)), rtol=1e-12,
                               err_msg="Sigmoid = 1 / (1 + e^-x)" + mirrored_slip(x, s.data))
    t = Tanh()(Tensor(x, dtype=np.float64))
    np.testing.assert_allclose(t.data, (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), rtol=1e-12, err_msg="Tanh")
    s2 = Sigmoid()(Tensor(2 * x, dtype=np.float64)).data
    np.testing.assert_allclose(t.data, 2 * s2 - 1, rtol=1e-12, err_msg="tanh(x) = 2 sigmoid(2x) - 1")
    for act in (Sigmoid(), Tanh()):
        assert act(Tensor(x)).data.dtype == np.float32, f"{act!r}: float32 in, float32 out"
        assert act(Tensor(x, dtype=np.float64)).data.dtype == np.float64, f"{act!r}: float64 in, float64 out"
    ### BEGIN HIDDEN TESTS
    x = np.random.default_rng(222).integers(-16, 17, size=(2, 5)) / 4
    what = f"x = {x.tolist()}, an input the notebook does not show"
    s, t = Sigmoid()(Tensor(x, dtype=np.float64)).data, Tanh()(Tensor(x, dtype=np.float64)).data
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-x)), rtol=1e-12,
                               err_msg=f"Sigmoid = 1 / (1 + e^-x) at {what}" + mirrored_slip(x, s))
    np.testing.assert_allclose(t, (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), rtol=1e-12,
                               err_msg=f"Tanh at {what}")
    for act in (Sigmoid(), Tanh()):
        assert act(Tensor(x)).data.dtype == np.float32, f"{act!r}: float32 in, float32 out at {what}"
    ### END HIDDEN TESTS
    print("Sigmoid, Tanh: ok")


if __name__ == "__main__":
    test_unit_sigmoid_tanh()

# %% nbgrader={"grade": true, "grade_id": "test-activations-extremes", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_activation_extremes():
    # Values, not warnings: an overflow hidden by np.errstate still shows up as a wrong value here.
    # Expected values come from the stable forms, in float64, computed right here.
    def sigmoid_slip(x, got, dtype):
        """'. Likely bug: ...' when Sigmoid's values (got) at x in dtype match a known slip's, else ''."""
        if not np.all(np.isfinite(got)):
            return (". Likely bug: e^x overflows to inf for large x and inf / (1 + inf) is nan: use e^-|x|, which is "
                    "at most 1, in both branches")
        z, rtol = np.exp(-np.abs(x)), 1e-6 if dtype == np.float64 else 0.05
        exact, mirrored = (np.where(x >= 0, 1, z) / (1 + z)).astype(dtype), (np.where(x >= 0, z, 1) / (1 + z)).astype(dtype)
        if np.allclose(got, mirrored, rtol=rtol, atol=0):
            return (". Likely bug: that is sigmoid(-x): the branches are swapped or the sign of x is flipped (see "
                    "test-activations-sigmoid-tanh)")
        tanh_form = (0.5 * (1 + np.tanh(0.5 * x.astype(dtype)))).astype(dtype)
        if np.array_equal(got, tanh_form) and not np.allclose(got, exact, rtol=rtol, atol=0):
            return (". Likely bug: 0.5 * (1 + tanh(x / 2)) cancels for large negative x, where tanh(x / 2) is -1 to "
                    "within rounding and 1 + tanh(x / 2) keeps none of sigmoid's digits: for x < 0 use e^x / (1 + e^x)")
        far = x <= -100
        if far.sum() > 1 and len(set(got[far].tolist())) == 1 and got[far][0] > 0 and not np.allclose(got, exact, rtol=rtol, atol=0):
            return (f". Likely bug: x is clipped before the exponential (np.clip(x, -88, 88), say): sigmoid at x = "
                    f"{', '.join(f'{v:g}' for v in x[far])} came out alike, {got[far][0]:.3g}, the value at the clip's "
                    "bound; for x < 0 use e^x / (1 + e^x), which needs no clip")
        with np.errstate(over="ignore"):
            lost = (x < 0) & np.isinf(np.exp(-x.astype(dtype))) & (exact != 0) & (got == 0)   # 1 / (1 + inf) = 0
        return (f". Likely bug: 1 / (1 + e^-x) at x = {x[lost][0]:g} computes e^{-x[lost][0]:g}, inf in "
                f"{np.dtype(dtype).name}, and 1 / inf is 0, not {exact[lost][0]:.2g}: for x < 0 use e^x / (1 + e^x)"
                ) if lost.any() else ""

    def tanh_slip(x, got, dtype):
        """'. Likely bug: ...' when Tanh's values (got) at x in dtype match a known slip's, else ''."""
        return (" Likely bug: e^x and e^-x overflow far out (inf / inf is nan): np.tanh is stable" if np.isnan(got).any()
                else " Likely bug: 2 * sigmoid(2x) - 1 (or 1 - 2 / (e^2x + 1)) cancels near 0, where tanh(x) is about x: "
                     "np.tanh keeps it" if ((got == 0) & (np.tanh(x).astype(dtype) != 0)).any() else "")

    x = np.array([-1000.0, -100.0, -30.0, -1e-10, 0.0, 1e-10, 30.0, 100.0, 1000.0])
    z = np.exp(-np.abs(x))
    sigmoid = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        got = Sigmoid()(Tensor(x, dtype=dtype)).data
        assert np.all(np.isfinite(got)), f"Sigmoid in {name} at {x.tolist()}: got {got.tolist()}" + sigmoid_slip(x, got, dtype)
        # float32 still holds sigmoid(-100) = 3.7e-44 (a subnormal number, about 2% precision)
        np.testing.assert_allclose(got, sigmoid.astype(dtype), rtol=1e-6 if dtype == np.float64 else 0.05, atol=0, err_msg=(
            f"Sigmoid in {name}, down to the tiny values of large negative x: use e^-|x|, never e^(+large)"
            + sigmoid_slip(x, got, dtype)))
        got = Tanh()(Tensor(x, dtype=dtype)).data
        np.testing.assert_allclose(got, np.tanh(x).astype(dtype), rtol=1e-6, atol=0, err_msg=(
            f"Tanh in {name} at {x.tolist()}: +-1 far out, x itself near 0 (np.tanh is stable).{tanh_slip(x, got, dtype)}"))
    ### BEGIN HIDDEN TESTS
    low, high = [2.3, 2.3, 1.48, 1.48, 1.48, 1.48, -12, -12], [2.95, 2.95, 1.99, 1.99, 1.99, 1.99, -8, -8]
    x = 10.0 ** np.random.default_rng(333).uniform(low, high) * np.tile([-1.0, 1.0], 4)   # |x| 200-900, 30-98, tiny
    x = x.astype(np.float32).astype(np.float64)                                            # the same in both dtypes
    sigmoid = np.where(x >= 0, 1, np.exp(-np.abs(x))) / (1 + np.exp(-np.abs(x)))
    for dtype in (np.float64, np.float32):
        what = f"{np.dtype(dtype).name} at {x.tolist()}, an input the notebook does not show"
        s, t = Sigmoid()(Tensor(x, dtype=dtype)).data, Tanh()(Tensor(x, dtype=dtype)).data
        np.testing.assert_allclose(s, sigmoid.astype(dtype), atol=0, rtol=1e-6 if dtype == np.float64 else 0.05,
                                   err_msg=f"Sigmoid in {what}" + sigmoid_slip(x, s, dtype))
        np.testing.assert_allclose(t, np.tanh(x).astype(dtype), rtol=1e-6, atol=0,
                                   err_msg=f"Tanh in {what}.{tanh_slip(x, t, dtype)}")
    ### END HIDDEN TESTS
    print("Sigmoid, Tanh: stable at the extremes, exact near 0")


if __name__ == "__main__":
    test_unit_activation_extremes()

# %% nbgrader={"grade": true, "grade_id": "test-activations-gelu", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_gelu():
    def two_pi_slip(x, got):
        """'. Likely bug: ...' when GELU at x used the constant sqrt(2 * pi), else ''."""
        two_pi = 0.5 * x * (1 + np.tanh(np.sqrt(2 * np.pi) * (x + 0.044715 * x ** 3)))
        return ". Likely bug: the constant is sqrt(2 * pi); it is sqrt(2 / pi)" if np.allclose(got, two_pi) else ""

    def dtype_slip(x, got):
        """'. Likely bug: ...' when GELU of float32 x gave what numpy's own result dtype gives: the float64
        constant np.sqrt(2 / np.pi) turns float32 data into float64 (replayed here); else ''."""
        x32 = x.astype(np.float32)
        replay = 0.5 * x32 * (1 + np.tanh(np.sqrt(2 / np.pi) * (x32 + 0.044715 * x32 ** 3)))
        return (f". Likely bug: the result keeps numpy's dtype: np.sqrt(2 / np.pi) is a numpy {replay.dtype}, and "
                f"float32 data times it is {replay.dtype}; give the Tensor the input's dtype (dtype=x.dtype)"
                if got.dtype == replay.dtype != np.float32 and np.allclose(got, replay) else "")

    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    g = GELU()(Tensor(x, dtype=np.float64)).data
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(g, expected, rtol=1e-12, err_msg="GELU, tanh approximation" + two_pi_slip(x, g))
    assert g[2] == 0.0 and abs(g[4] - 1.9545976940) < 1e-8, (
        f"GELU at x = {x[2]:g} and {x[4]:g}: expected {np.round(expected[[2, 4]], 10).tolist()}, got "
        f"{np.round(np.asarray(g, dtype=float)[[2, 4]], 10).tolist()}")
    out = GELU()(Tensor(x))
    assert out.data.dtype == np.float32, (f"float32 in, float32 out (the constant sqrt(2/pi) is a float64); got "
                                          f"{out.data.dtype}" + dtype_slip(x, out.data))
    np.testing.assert_allclose(out.data, expected, rtol=1e-6, atol=1e-7)
    ### BEGIN HIDDEN TESTS
    x = np.random.default_rng(444).uniform(-2.5, 2.5, size=(2, 4))
    what = f"x = {x.tolist()}, an input the notebook does not show"
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    g = GELU()(Tensor(x, dtype=np.float64)).data
    np.testing.assert_allclose(g, expected, rtol=1e-12, err_msg=f"GELU, tanh approximation, at {what}" + two_pi_slip(x, g))
    out = GELU()(Tensor(x))
    assert out.data.dtype == np.float32, f"float32 in, float32 out at {what}; got {out.data.dtype}" + dtype_slip(x, out.data)
    np.testing.assert_allclose(out.data, expected, rtol=1e-6, atol=1e-7, err_msg=f"GELU in float32 at {what}")
    ### END HIDDEN TESTS
    print("GELU: ok")


if __name__ == "__main__":
    test_unit_gelu()

# %% nbgrader={"grade": true, "grade_id": "test-activations-softmax", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_softmax():
    def softmax_slip(x, dim, got):
        """'. Likely bug: ...' when Softmax(dim) of the array x gave the last axis's or one global max's values, else ''."""
        with np.errstate(all="ignore"):
            last, one_max = np.exp(x - x.max(axis=-1, keepdims=True)), np.exp(x - x.max())
            last, one_max = last / last.sum(axis=-1, keepdims=True), one_max / one_max.sum(axis=dim, keepdims=True)
        if got.shape == x.shape and dim % x.ndim != x.ndim - 1 and np.allclose(got, last):
            return ". Likely bug: the softmax is taken over the last axis whatever dim says: use axis=self.dim for the max and the sum"
        for axis in set(range(x.ndim)) - {dim % x.ndim, x.ndim - 1}:
            with np.errstate(all="ignore"):
                other = np.exp(x - x.max(axis=axis, keepdims=True))
                other = other / other.sum(axis=axis, keepdims=True)
            if got.shape == x.shape and np.allclose(got, other):
                return (f". Likely bug: the softmax is taken over axis {axis}, not dim={dim} (x.T reverses every axis "
                        "of an input with more than two): use axis=self.dim for the max and the sum")
        return (". Likely bug: one max over the whole input (x.data.max()) shifts the ordinary rows to e^-1000 = 0, and "
                "0 / 0 is nan: max(axis=self.dim, keepdims=True)"
                ) if np.isnan(one_max).any() and np.array_equal(np.isnan(got), np.isnan(one_max)) else ""

    p = Softmax()(Tensor([[0.0, np.log(3.0)], [1.0, 1.0]], dtype=np.float64)).data
    np.testing.assert_allclose(p, [[0.25, 0.75], [0.5, 0.5]], rtol=1e-12, err_msg="Softmax() over the last axis" + (
        ". Likely bug: the max and the sum run over axis 0, the columns: Softmax() normalizes over the last axis, "
        "dim = -1; use axis=self.dim" if p.shape == (2, 2) and np.allclose(p.sum(axis=0), 1) else
        ". Likely bug: the max or the sum lost its axis (keepdims=False), so it broadcasts along the wrong axis: "
        "keepdims=True keeps one per row" if p.shape == (2, 2) and not np.allclose(p.sum(axis=1), 1) else ""))
    columns = np.array([[0.0, 5.0], [np.log(4.0), 5.0]])
    q = Softmax(dim=0)(Tensor(columns, dtype=np.float64)).data
    np.testing.assert_allclose(q, [[0.2, 0.5], [0.8, 0.5]], rtol=1e-12,
                               err_msg="Softmax(dim=0) over the columns" + softmax_slip(columns, 0, q))
    cube = np.arange(12.0).reshape(2, 3, 2) / 4
    middle = Softmax(dim=1)(Tensor(cube, dtype=np.float64)).data
    e = np.exp(cube - cube.max(axis=1, keepdims=True))
    np.testing.assert_allclose(middle, e / e.sum(axis=1, keepdims=True), rtol=1e-12,
                               err_msg="Softmax(dim=1) of a (2, 3, 2) input: over its middle axis" + softmax_slip(cube, 1, middle))
    big = Softmax()(Tensor([[1000.0, 1001.0, 1002.0]])).data
    e = np.exp([-2.0, -1.0, 0.0])
    np.testing.assert_allclose(big, [e / e.sum()], rtol=1e-4, err_msg="Softmax of logits around 1000")
    # Only one row has huge logits: each row must be shifted by its own maximum.
    logits = np.array([[1000.0, 1001.0, 1002.0], [1.0, 2.0, 3.0], [-5.0, 0.0, 5.0]])
    x = Tensor(logits)
    rows = Softmax()(x).data
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected = expected / expected.sum(axis=1, keepdims=True)
    np.testing.assert_array_equal(x.data, logits.astype(np.float32), err_msg="Softmax must not change its input. Likely "
                                  "bug: the shift or the exp was done in the input's own array (x.data -= ..., out=x.data)")
    np.testing.assert_allclose(rows, expected, rtol=1e-4, err_msg="one huge row among ordinary rows: subtract each row's own max"
                               + softmax_slip(x.data, -1, rows))
    np.testing.assert_allclose(Softmax()(Tensor(np.random.default_rng(0).normal(size=(4, 7)))).data.sum(axis=-1), 1, rtol=1e-6)
    assert rows.dtype == np.float32 and Softmax()(Tensor(logits, dtype=np.float64)).data.dtype == np.float64, "Softmax keeps the dtype"
    ### BEGIN HIDDEN TESTS
    logits, what = np.random.default_rng(555).normal(scale=3, size=(4, 5)), "an input the notebook does not show"
    for dim in (-1, 0):
        got = Softmax(dim=dim)(Tensor(logits, dtype=np.float64))
        e = np.exp(logits - logits.max(axis=dim, keepdims=True))
        np.testing.assert_allclose(got.data, e / e.sum(axis=dim, keepdims=True), rtol=1e-12,
                                   err_msg=f"Softmax(dim={dim}) of (4, 5) random logits, {what}" + softmax_slip(logits, dim, got.data))
    images = np.random.default_rng(556).normal(scale=2, size=(2, 3, 4, 5))
    for dim in (1, -2):
        got = Softmax(dim=dim)(Tensor(images, dtype=np.float64)).data
        e = np.exp(images - images.max(axis=dim, keepdims=True))
        np.testing.assert_allclose(got, e / e.sum(axis=dim, keepdims=True), rtol=1e-12,
                                   err_msg=f"Softmax(dim={dim}) of (2, 3, 4, 5) random logits, {what}" + softmax_slip(images, dim, got))
    huge = (logits[:3] + np.array([[1000.0], [0.0], [-500.0]])).astype(np.float32).astype(np.float64)
    e = np.exp(huge - huge.max(axis=1, keepdims=True))
    got = Softmax()(Tensor(huge)).data
    np.testing.assert_allclose(got, e / e.sum(axis=1, keepdims=True), rtol=1e-4, err_msg=(
        f"float32 rows around 1000, 0 and -500, {what}: subtract each row's own max" + softmax_slip(huge, -1, got)))
    spread = np.array([[0.0, 150.0, 300.0], [-400.0, 0.0, 1.0]], dtype=np.float32)   # each row's mean is far from its max
    e, got = np.exp(spread - spread.max(axis=1, keepdims=True)), Softmax()(Tensor(spread)).data
    np.testing.assert_allclose(got, e / e.sum(axis=1, keepdims=True), rtol=1e-4, atol=1e-30, err_msg=(
        f"float32 rows spread over 300 and 400, {what}: subtract each row's own max" + (
            ". Likely bug: the rows are shifted by something other than their max (their mean?): e^150 is inf in float32, "
            "and inf / inf is nan; only the max makes every exponent at most 0" if np.isnan(got).any() else "")))
    ### END HIDDEN TESTS
    print("Softmax: ok")


if __name__ == "__main__":
    test_unit_softmax()

# %% [markdown]
# ## 8. Seeing the activations
#
# The pictures below use the classes you just wrote, so they come after the tests. They are
# drawn with matplotlib; without it, each picture cell prints one line and goes on.
#
# **Curves and slopes.** The top panel draws the four element-wise activations on one grid
# (Softmax, which mixes a whole row, has no such curve), the bottom panel their derivatives
# (slopes). The slopes are measured, not looked up: a central difference
# `(f(x + h) - f(x - h)) / 2h` of your own `forward`, checked against the formulas module 06
# will use (`s (1 - s)` for Sigmoid, `1 - t^2` for Tanh). Look at the shaded bands: there
# the slope of Sigmoid (or Tanh) is below the dotted threshold line, the unit is *saturated*,
# and almost no gradient flows back through it. ReLU's slope is exactly 1 for every positive
# input; GELU's dips slightly below zero left of the origin.


# %%
# The pictures' two helpers, shared by every lesson: matplotlib.pyplot (or None, after a one-line
# note, without matplotlib) and showing a figure (closing it when run as a script).
from tinytorch.figures import pyplot as _pyplot, show as _show


def _slope(activation, x, h=1e-4):
    """d activation / dx by a central difference of the activation's own forward (float64)."""
    forward = lambda v: activation(Tensor(v, dtype=np.float64)).data
    return (forward(x + h) - forward(x - h)) / (2 * h)


# %%
if __name__ == "__main__":
    _SATURATED = 0.01                              # a slope below this passes back almost nothing
    _xs = np.linspace(-6, 6, 1201)
    _acts = {"ReLU": ReLU(), "Sigmoid": Sigmoid(), "Tanh": Tanh(), "GELU": GELU()}
    _slopes = {_name: _slope(_act, _xs) for _name, _act in _acts.items()}
    _sig, _tanh = Sigmoid()(Tensor(_xs, dtype=np.float64)).data, Tanh()(Tensor(_xs, dtype=np.float64)).data
    np.testing.assert_allclose(_slopes["Sigmoid"], _sig * (1 - _sig), atol=1e-7)   # the formulas of module 06
    np.testing.assert_allclose(_slopes["Tanh"], 1 - _tanh ** 2, atol=1e-7)
    _edges = {}
    for _name in ("Sigmoid", "Tanh"):
        _edges[_name] = _xs[_slopes[_name] >= _SATURATED].max()   # the curves are symmetric about 0
        print(f"{_name}: slope below {_SATURATED} for |x| > {_edges[_name]:.2f} "
              f"(largest slope {_slopes[_name].max():.3f}, at x = {_xs[_slopes[_name].argmax()]:+.2f})")
    print(f"GELU: smallest slope {_slopes['GELU'].min():+.3f}, at x = {_xs[_slopes['GELU'].argmin()]:+.2f}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, (_top, _bottom) = _plt.subplots(2, 1, figsize=(7, 6), sharex=True)
        for _name, _act in _acts.items():
            _top.plot(_xs, _act(Tensor(_xs, dtype=np.float64)).data, label=_name)
            _bottom.plot(_xs, _slopes[_name], label=_name)
        _bottom.axhline(_SATURATED, color="0.3", linestyle=":", label=f"slope {_SATURATED}")
        for _name, _color in (("Sigmoid", "tab:orange"), ("Tanh", "tab:green")):
            for _ax in (_top, _bottom):
                _ax.axvspan(_edges[_name], _xs[-1], color=_color, alpha=0.12)
                _ax.axvspan(_xs[0], -_edges[_name], color=_color, alpha=0.12)
        _top.set_ylabel("activation(x)")
        _bottom.set_ylabel("slope d/dx")
        _bottom.set_xlabel("x (shaded: Sigmoid / Tanh saturated)")
        _top.legend(fontsize=8)
        _bottom.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# **What comes out of a layer.** A linear layer's outputs (its *pre-activations*) are roughly
# bell-shaped around zero when its inputs and weights are. The cell below builds such a layer
# from random numbers (a seeded generator, plain numpy: layers come in module 03) and passes
# its outputs through three activations. Look at the shapes: ReLU cuts the left half off and
# piles it into one spike at exactly zero; GELU keeps a little of it, as small negative values;
# Sigmoid keeps a bell but moves it to sit around one half, inside (0, 1): every output is
# positive, so the next layer no longer gets inputs centred on zero.


# %%
if __name__ == "__main__":
    _rng = np.random.default_rng(0)
    _inputs, _weights = _rng.normal(size=(256, 64)), _rng.normal(size=(64, 32)) / np.sqrt(64)   # variance ~1 out
    _pre = _inputs @ _weights
    _outs = {"ReLU": ReLU()(_pre).data, "GELU": GELU()(_pre).data, "Sigmoid": Sigmoid()(_pre).data}
    print(f"pre-activations: {_pre.size} values, mean {_pre.mean():+.2f}, std {_pre.std():.2f}")
    print(f"ReLU   : {np.mean(_outs['ReLU'] == 0):.0%} exactly zero")
    print(f"GELU   : {np.mean(_outs['GELU'] < 0):.0%} negative, none below {_outs['GELU'].min():+.3f}")
    _mid = np.percentile(_outs["Sigmoid"], [5, 95])
    print(f"Sigmoid: 90% of the outputs lie in [{_mid[0]:.2f}, {_mid[1]:.2f}]")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(1, 4, figsize=(11, 2.8))
        for _ax, (_name, _values) in zip(_axes, [("pre-activation", _pre), *_outs.items()]):
            _ax.hist(_values.ravel(), bins=40, color="tab:blue" if _name == "pre-activation" else "tab:purple")
            _ax.set_title(_name, fontsize=9)
            _ax.tick_params(labelsize=7)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# **The vanishing product.** Backpropagation (module 06) multiplies the slopes of every layer
# on the way back, so through `L` layers a gradient is scaled by the product of `L` slopes. The
# cell follows one input, `x = 1`, through a chain of ten activations of the same kind (each
# layer's output is the next one's input) and multiplies the slopes of your own functions,
# layer after layer. It checks the product against a central difference of the whole chain,
# and draws it on a log scale with the best case for Sigmoid, its largest slope to the power `L`.
# Look at how far below 1 the Sigmoid and Tanh curves end, and that ReLU's stays at 1.


# %%
def _chain_slopes(activation, x, layers):
    """Slope products through `layers` copies of `activation` applied one after another, starting at x."""
    products, value, product = [], float(x), 1.0
    for _ in range(layers):
        product *= float(_slope(activation, np.array([value]))[0])
        value = float(activation(Tensor([value], dtype=np.float64)).data[0])
        products.append(product)
    return np.array(products)


# %%
if __name__ == "__main__":
    _layers, _start = 10, 1.0
    _products = {_name: _chain_slopes(_act, _start, _layers)
                 for _name, _act in (("Sigmoid", Sigmoid()), ("Tanh", Tanh()), ("ReLU", ReLU()))}

    def _whole_chain(v, act=Sigmoid()):
        for _ in range(_layers):
            v = act(Tensor(v, dtype=np.float64)).data
        return v
    _numeric = (_whole_chain(np.array([_start + 1e-5])) - _whole_chain(np.array([_start - 1e-5])))[0] / 2e-5
    np.testing.assert_allclose(_products["Sigmoid"][-1], _numeric, rtol=1e-4)   # chain rule = slope of the chain
    _best = float(_slope(Sigmoid(), np.array([0.0]))[0]) ** np.arange(1, _layers + 1)
    assert np.all(_products["Sigmoid"] <= _best * (1 + 1e-6)), "no Sigmoid chain beats its best case"
    for _name, _values in _products.items():
        print(f"{_name:7s}: gradient scale after {_layers} layers {_values[-1]:.2e}")
    print(f"Sigmoid best case (largest slope ^ {_layers}): {_best[-1]:.2e}; central difference of the "
          f"whole Sigmoid chain: {_numeric:.2e}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(6, 3.5))
        _depth = np.arange(1, _layers + 1)
        for _name, _values in _products.items():
            _ax.semilogy(_depth, _values, marker="o", label=_name)
        _ax.semilogy(_depth, _best, linestyle=":", color="0.3", label="Sigmoid best case")
        _ax.set_xlabel("layers the gradient has passed through")
        _ax.set_ylabel("product of slopes (log)")
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# ## 9. Systems questions
#
# Answer in a sentence or two each, then run the cell for the numbers.
#
# 1. Module 06 will give each activation a backward pass. The derivative of Sigmoid is
#    `s (1 - s)` and of Tanh `1 - t^2`: written in the *output*. ReLU's is `1` where `x > 0`:
#    a yes/no per element. GELU's needs the *input* `x`. What must each layer keep alive
#    until backward, and how many bytes is that for a `(B, F)` float32 activation?
# 2. The naive `1 / (1 + e^-x)` overflows where `e^-x` passes float32's largest number. Below
#    which `x` does that happen, in float32 and float64, and does your `Sigmoid` survive there?
# 3. At the other end, `1 + e^-x` rounds to exactly `1` once `e^-x` is below half of float32's
#    epsilon, so `sigmoid(x) == 1.0` and its slope `s (1 - s)` is exactly 0. From which `x` on?


# %%
if __name__ == "__main__":
    # 1. Bytes kept per layer for a batch of B rows of F features: B * F * 4 for a float32 tensor,
    #    B * F * 1 for a boolean mask (all ReLU's backward needs).
    _sq_b, _sq_f = 64, 4096
    _sq_x = Tensor(np.random.default_rng(0).standard_normal((_sq_b, _sq_f)))
    _sq_kept = {"Sigmoid (its output)": Sigmoid()(_sq_x).data.nbytes,
                "Tanh (its output)": Tanh()(_sq_x).data.nbytes,
                "GELU (its input)": _sq_x.data.nbytes,
                "ReLU (a boolean mask x > 0)": (_sq_x.data > 0).nbytes}
    for _sq_name, _sq_nbytes in _sq_kept.items():
        print(f"1. ({_sq_b}, {_sq_f}) float32, {_sq_name}: {_sq_nbytes:,} bytes = {_sq_nbytes / 2**20:.2f} MiB per layer")
    assert _sq_kept["Sigmoid (its output)"] == _sq_b * _sq_f * 4 == 4 * _sq_kept["ReLU (a boolean mask x > 0)"]
    # 2. e^-x overflows when -x > ln(max float), i.e. x < -ln(max float).
    for _sq_dtype in (np.float32, np.float64):
        _sq_limit = float(np.log(np.finfo(_sq_dtype).max))
        with np.errstate(over="ignore"):
            _sq_naive = 1 / (1 + np.exp(-_sq_dtype(-_sq_limit - 1)))
        _sq_ours = Sigmoid()(Tensor([-_sq_limit - 1], dtype=_sq_dtype)).data[0]
        print(f"2. {np.dtype(_sq_dtype).name}: e^-x overflows for x < -{_sq_limit:.2f}; at x = {-_sq_limit - 1:.2f} "
              f"the naive form takes e^-x = inf (giving {_sq_naive}), your Sigmoid gives {_sq_ours:.3g}")
        assert np.isfinite(_sq_ours)
    # 3. The first x (on a 0.01 grid) where float32 sigmoid(x) rounds to exactly 1.
    _sq_grid = np.arange(0, 30, 0.01)
    _sq_s = Sigmoid()(Tensor(_sq_grid)).data
    _sq_one = float(_sq_grid[np.argmax(_sq_s == 1.0)])
    _sq_eps = float(np.finfo(np.float32).eps)
    print(f"3. float32 eps = {_sq_eps:.3g}: e^-x < eps / 2 for x > ln(2 / eps) = {np.log(2 / _sq_eps):.2f}; "
          f"your Sigmoid first returns exactly 1.0 at x = {_sq_one:.2f}, slope s (1 - s) = "
          f"{float(_sq_s[np.argmax(_sq_s == 1.0)] * (1 - _sq_s[np.argmax(_sq_s == 1.0)]))}")


# %% [markdown]
# ## 10. Check your understanding
#
# Work each one out by hand first, then run the cell to check.
#
# 1. What is Sigmoid's largest slope, and at which input?
# 2. At best, after how many Sigmoid layers is a gradient below a millionth of itself?
# 3. What does softmax give for the logits `[1000, 1001, 1002]`, and why does the shift
#    make it computable?
# 4. What is `GELU(-1)` (tanh approximation), and how does it compare with `ReLU(-1)`?


# %%
if __name__ == "__main__":
    # Each answer is derived step by step, then checked against what your classes compute.
    # 1. s'(x) = s (1 - s) is a product of two numbers summing to 1: largest when both are 1/2.
    _s0 = float(Sigmoid()(Tensor([0.0], dtype=np.float64)).data[0])
    _best_slope = _s0 * (1 - _s0)
    print(f"1. sigmoid(0) = 1 / (1 + e^0) = {_s0}; slope s (1 - s) = {_s0} * {1 - _s0} = {_best_slope}, at x = 0")
    _grid = np.linspace(-5, 5, 1001)
    assert abs(_slope(Sigmoid(), _grid).max() - _best_slope) < 1e-6
    # 2. The gradient is scaled by at most (1/4)^L: the smallest L with (1/4)^L < 1e-6.
    _depth = int(np.ceil(np.log(1e-6) / np.log(_best_slope)))
    print(f"2. (1/4)^L < 1e-6  <=>  L > ln(1e-6) / ln(1/4) = {np.log(1e-6) / np.log(_best_slope):.2f}: L = {_depth} "
          f"((1/4)^{_depth} = {_best_slope ** _depth:.2e}, (1/4)^{_depth - 1} = {_best_slope ** (_depth - 1):.2e})")
    assert _best_slope ** _depth < 1e-6 <= _best_slope ** (_depth - 1)
    # 3. Subtract the max (1002): the exponents become -2, -1, 0 and nothing overflows.
    _q_logits = np.array([1000.0, 1001.0, 1002.0])
    _q_shift = _q_logits - _q_logits.max()
    _q_exp = np.exp(_q_shift)
    _q_probs = _q_exp / _q_exp.sum()
    print(f"3. logits - max = {_q_shift.tolist()}; e^(...) = {np.round(_q_exp, 4).tolist()}, sum "
          f"{_q_exp.sum():.4f}; probabilities {np.round(_q_probs, 4).tolist()} (e^1002 alone would overflow)")
    np.testing.assert_allclose(Softmax()(Tensor(_q_logits, dtype=np.float64)).data, _q_probs, rtol=1e-12)
    # 4. 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) at x = -1.
    _inner = np.sqrt(2 / np.pi) * (-1 + 0.044715 * (-1) ** 3)
    _gelu = 0.5 * -1 * (1 + np.tanh(_inner))
    print(f"4. sqrt(2/pi) * (-1 - 0.044715) = {_inner:.4f}; tanh(...) = {np.tanh(_inner):.4f}; "
          f"GELU(-1) = 0.5 * -1 * (1 {np.tanh(_inner):+.4f}) = {_gelu:.4f}, where ReLU(-1) = 0")
    np.testing.assert_allclose(GELU()(Tensor([-1.0], dtype=np.float64)).data, [_gelu], rtol=1e-12)
    assert ReLU()(Tensor([-1.0])).data[0] == 0

# %% [markdown]
# ## Summary
#
# Five activations, each a few lines of numpy, and two of them (Sigmoid and
# Softmax) rewritten so that no intermediate value can overflow. Module 03
# places them between linear layers; module 06 gives each its derivative:
#
# - ReLU: 1 where the input is positive, 0 elsewhere;
# - Sigmoid: `s (1 - s)`; Tanh: `1 - t^2` (both from the output alone);
# - Softmax: `s * (g - sum(g * s))` along `dim`, for an upstream gradient `g`.
