# %% [markdown]
# # Module 04: Losses
#
# Training needs a single number that says how wrong the model is: the **loss**.
# The optimizer (module 07) follows its gradient downhill, so the loss decides what
# "better" means. This module builds the three losses you will use most:
#
# | class | for | model output | target | PyTorch twin |
# | --- | --- | --- | --- | --- |
# | `MSELoss` | regression | any shape | same shape | `torch.nn.MSELoss` |
# | `CrossEntropyLoss` | classification into C classes | logits `(N, C)` | class indices `(N,)` | `torch.nn.CrossEntropyLoss` |
# | `BinaryCrossEntropyLoss` | yes/no questions | probabilities in [0, 1] | 0/1 (or soft) labels, same shape | `torch.nn.BCELoss` |
#
# All three average over the elements (PyTorch's default `reduction="mean"`) and
# return a scalar `Tensor`. They are `Module`s (from module 03), so `loss(pred, target)`
# calls `forward`, and they are written with `Tensor` operations only, so module 06
# gives us their gradients for free.

# %% nbgrader={"grade": false, "grade_id": "losses-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.losses
#| export
import numpy as np

from tinytorch.core.tensor import Tensor, to_numpy
from tinytorch.core.layers import Module

# %% [markdown]
# ## 1. Checking the inputs
#
# A loss is where shape bugs hide. `MSELoss` on predictions of shape `(N, 1)` and
# targets of shape `(N,)` broadcasts to an `(N, N)` matrix and silently compares every
# prediction with every target: the loss goes down a little and the model learns
# nothing. So our losses check their inputs first and say what to fix. These helpers
# are given; they turn targets given as lists, arrays or Tensors into what the
# loss computations below expect.

# %% nbgrader={"grade": false, "grade_id": "losses-checks", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _check_input(input, loss_name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{loss_name} expects the model output as a Tensor, got {type(input).__name__}. Pass the Tensor your model returned (or wrap the data: Tensor(x)).")


def _as_float_target(target, input, loss_name):
    """Target as a Tensor in the input's float dtype, with exactly the input's shape."""
    data = to_numpy(target)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{loss_name} expects numeric targets, got an array of dtype {data.dtype}. Convert them to numbers first.")
    if data.shape != input.shape:
        raise ValueError(
            f"{loss_name} expected input and target of the same shape, got input {input.shape} and target {data.shape}. "
            f"Broadcasting them would compare every prediction with every target. Fix: target.reshape{input.shape} "
            "(or check that the batch sizes agree)."
        )
    return Tensor(data, dtype=input.data.dtype)


def _class_indices(target, input):
    """Validate class-index targets for logits of shape (N, C); return an int64 array (N,)."""
    if input.ndim != 2:
        raise ValueError(
            f"CrossEntropyLoss expected logits of shape (N, C) (one row of class scores per sample), got shape {input.shape}. "
            "For a single sample use logits.reshape(1, -1); for images, flatten the spatial axes first."
        )
    n, c = input.shape
    data = to_numpy(target)
    if data.shape == (n, c) and c > 1:
        raise ValueError(
            f"CrossEntropyLoss expected class indices of shape ({n},), got a target of shape {data.shape} (one-hot or probabilities?). "
            "Fix: pass the index of the true class for each sample, e.g. target.argmax(axis=1)."
        )
    if data.ndim != 1:
        raise ValueError(f"CrossEntropyLoss expected class indices of shape ({n},), got shape {data.shape}. Fix: target.reshape(-1).")
    if data.shape[0] != n:
        raise ValueError(
            f"CrossEntropyLoss got {n} rows of logits but {data.shape[0]} labels: batch sizes must match. "
            "Fix: pass the labels of exactly the samples in this batch."
        )
    if data.dtype.kind not in "iuf":
        raise ValueError(f"CrossEntropyLoss expected integer class labels, got dtype {data.dtype}. Fix: convert them, e.g. np.asarray(labels, dtype=np.int64).")
    if data.dtype.kind == "f":
        bad = ~np.isfinite(data) | (data != np.round(data))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"CrossEntropyLoss expected integer class labels, got {data[i].item()!r} at position {i}. "
                "Labels are class indices 0..C-1, not probabilities or scores; for soft targets use a different loss."
            )
    labels = data.astype(np.int64)
    bad = (labels < 0) | (labels >= c)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"CrossEntropyLoss: label {labels[i]} at position {i} is out of range for {c} classes (valid labels are 0..{c - 1}). "
            "Fix: check the number of output units of the model, or shift labels that start at 1."
        )
    return labels


# %% [markdown]
# ## 2. Mean squared error
#
# For regression the natural measure of error is the squared difference, averaged
# over all `n` elements:
#
# $$ \text{MSE}(\hat y, y) = \frac{1}{n}\sum_i (\hat y_i - y_i)^2 . $$
#
# Squaring makes every error positive and punishes big errors much more than small
# ones (doubling an error quadruples its cost). Its gradient,
# `2 (y_hat - y) / n`, is proportional to the error, which makes it easy to optimise.
#
# Your task: after the given checks, compute the MSE with `Tensor` operations
# (subtract, multiply or `** 2`, `mean`).

# %% [markdown]
# **Worked example.** MSE of a `(2, 2)` prediction against a `(2, 2)` target, in numpy:
# the errors, their squares, and the mean over all four elements (not per row). Then
# the shape trap from section 1: predictions of shape `(3, 1)` minus targets of shape
# `(3,)` broadcast to a `(3, 3)` table of every prediction against every target, and
# its mean is a different, meaningless number.

# %%
if __name__ == "__main__":
    _pred = np.array([[2.0, 0.0], [1.0, 4.0]])
    _target = np.array([[1.0, 2.0], [1.0, 1.0]])
    _diff = _pred - _target
    print("errors y_hat - y:\n", _diff, "\nsquared:\n", _diff ** 2, sep="")
    print(f"sum {np.sum(_diff ** 2):g} over n = {_diff.size} elements -> MSE = {np.mean(_diff ** 2):g}")
    _col, _flat = np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 4.0])
    print(f"(3, 1) - (3,) broadcasts to {(_col - _flat).shape}: mean of squares {np.mean((_col - _flat) ** 2):.4f}, "
          f"but matched element by element it is {np.mean((_col.ravel() - _flat) ** 2):.4f}")

# %% nbgrader={"grade": false, "grade_id": "losses-mse", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class MSELoss(Module):
    """Mean squared error (like torch.nn.MSELoss): mean((input - target) ** 2)."""

    def forward(self, input, target):
        _check_input(input, "MSELoss")
        target = _as_float_target(target, input, "MSELoss")
        ### BEGIN SOLUTION
        diff = input - target
        return (diff * diff).mean()
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-helpers-losses", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
import numpy as np


def _per_row_hint(got, terms):
    """'. Likely bug: ...' when `got` is the sum of the per-element loss `terms` (an (N, C) array) divided by its N
    rows, not averaged over all N * C elements; else ''."""
    if terms.ndim < 2 or len(terms) == terms.size or not np.isclose(got, terms.sum() / len(terms)):
        return ""
    return (f". Likely bug: the sum over all {terms.size} elements divided by the {len(terms)} rows (input.shape[0] "
            "or len(input)): the loss is the mean over every element, .mean()")


def _first_last_hint(got, terms):
    """'. Likely bug: ...' when `got` is the sum of the per-element loss `terms` divided by the length of the first
    axis times that of the last (N x C), which is the element count only for a 2-D input; else ''."""
    divisor = terms.shape[0] * terms.shape[-1] if terms.ndim else 1
    if divisor == terms.size or not np.isclose(got, terms.sum() / divisor):
        return ""
    return (f". Likely bug: the sum over all {terms.size} elements of shape {terms.shape} divided by input.shape[0] * "
            f"input.shape[-1] = {divisor} (N x C), which counts every element only for a 2-D input; the mean is over "
            "every element whatever the shape: .mean() (or divide by input.size)")


def _cross_entropy_hint(got, z, labels, right):
    """'. Likely bug: ...' when CrossEntropyLoss's `got` on logits `z` (N, C) and `labels` is what one usual slip
    gives, replayed here in numpy (in z's dtype) and different from `right`, the right loss the check has already
    computed; else ''. Two slips that give the same loss here are both named."""
    n, c = z.shape
    rows = np.arange(n)
    with np.errstate(all="ignore"):
        def log_of_softmax(s):   # the log of softmax probabilities
            return np.log(np.exp(s) / np.exp(s).sum(axis=1, keepdims=True))

        shifted, centred = z - z.max(axis=1, keepdims=True), z - z.mean(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        slips = {
            f"the loss is summed over the {n} samples, not averaged: divide the sum by N (or take .mean())": n * right,
            f"the one-hot masked log-probabilities are averaged over all {n} * {c} entries, but only the {n} picked "
            "ones count: sum them and divide by N, or pick with log_probs[np.arange(N), labels]": right / c,
            "the minus sign is missing: the loss is the mean of -log p[label], the negated log-probability (a "
            "positive number)": -right,
            f"log_probs[:, labels] takes every row's entries at all the labels (a ({n}, {n}) table); pick one entry "
            "per row: log_probs[np.arange(N), labels]": -np.mean(log_probs[:, labels]),
            "the log of softmax probabilities: a probability that underflows to 0 gives log 0 = -inf; take the "
            "log-probabilities as shifted - log(sum(exp(shifted))), shifted = logits - the row's max":
                -np.mean(log_of_softmax(shifted)[rows, labels]),
            f"each row is shifted by its mean, not its max: a row spread far around its mean still overflows, in "
            f"{z.dtype} exp({(z - z.mean(axis=1, keepdims=True)).max():g}) is inf; only the max makes every exponent "
            "at most 0": -np.mean((centred - np.log(np.exp(centred).sum(axis=1, keepdims=True)))[rows, labels]),
            f"exp of the unshifted logits: in {z.dtype}, exp({z.max():g}) overflows to inf, and inf / inf (in a "
            "softmax) or inf - inf (in a log-sum-exp) is nan: subtract each row's max first, then take the "
            "log-probabilities as shifted - log(sum(exp(shifted)))": -np.mean(log_of_softmax(z)[rows, labels]),
            f"one max over the whole batch ({z.max():g}): a row far below it underflows to exp = 0, and log 0 = -inf; "
            "subtract each row's own max, max(axis=1, keepdims=True)":
                -np.mean((z - z.max() - np.log(np.exp(z - z.max()).sum(axis=1, keepdims=True)))[rows, labels]),
        }
        matches = [text for text, value in slips.items()
                   if not np.isclose(value, right, rtol=1e-9) and np.isclose(got, value, rtol=1e-5, equal_nan=True)]
    return ". Likely bug: " + "; or else, ".join(matches) if len(matches) in (1, 2) else ""

# %% nbgrader={"grade": true, "grade_id": "test-mse", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_mse():
    loss_fn = MSELoss()
    # errors 1, -2, 0, 3 -> (1 + 4 + 0 + 9) / 4 = 3.5: the mean over all N * C elements
    pred, goal = np.array([[2.0, 0.0], [1.0, 4.0]]), np.array([[1.0, 2.0], [1.0, 1.0]])
    prediction = Tensor(pred)
    loss = loss_fn(prediction, Tensor(goal))
    assert isinstance(loss, Tensor) and loss.shape == (), f"MSELoss returns a scalar Tensor, got shape {loss.shape}"
    errors = pred - goal   # the same, in numpy
    expected = np.mean(errors ** 2)
    assert np.isclose(loss.item(), expected), (f"MSELoss of errors {errors.ravel().tolist()}: expected {expected}, "
                                               f"got {loss.item()}" + _per_row_hint(loss.item(), errors ** 2))
    np.testing.assert_array_equal(prediction.data, [[2.0, 0.0], [1.0, 4.0]], err_msg="MSELoss must not change its input")
    target = np.arange(6.0).reshape(2, 3)
    wide = loss_fn(Tensor(np.zeros(target.shape)), target).item()
    squares = target ** 2   # the errors 0 - target, squared
    assert np.isclose(wide, np.mean(squares)), (f"MSELoss on {target.shape}: the mean over all {target.size} "
                                                f"elements, got {wide}" + _per_row_hint(wide, squares))
    # 1-D inputs (a list target too): the mean over all n elements, whatever the shape
    for pred, goal in ((np.array([1.0, 2.0]), [1.0, 2.0]), (np.array([0.5]), np.array([-0.5])),
                       (np.array([1.0, 2.0, 3.0]), np.zeros(3))):
        got, expected = loss_fn(Tensor(pred), goal).item(), np.mean((pred - np.asarray(goal)) ** 2)
        assert np.isclose(got, expected), (f"MSELoss of the prediction {pred.tolist()} with target "
                                           f"{np.asarray(goal).tolist()}: expected {expected}, got {got}"
                                           + _first_last_hint(got, (pred - np.asarray(goal)) ** 2))
    assert loss_fn(Tensor([0.5, 1.0], dtype=np.float64), [0.0, 0.0]).dtype == np.float64, "float64 in, float64 loss"
    assert loss_fn(Tensor([0.5, 1.0]), np.array([0.0, 0.0])).dtype == np.float32, "float32 in, float32 loss"
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4041)
    pred, goal = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    got, want = loss_fn(Tensor(pred), goal).item(), np.mean((pred - goal) ** 2)
    assert np.isclose(got, want), (f"MSELoss on random {pred.shape} prediction and target, an input the notebook "
                                   f"does not show: expected the mean over all {pred.size} squared errors {want}, "
                                   f"got {got}"
                                   + _per_row_hint(got, (pred - goal) ** 2))
    pred, goal = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    got, want = loss_fn(Tensor(pred, dtype=np.float64), goal).item(), np.mean((pred - goal) ** 2)
    squares = (pred - goal) ** 2
    assert np.isclose(got, want, rtol=1e-9), (
        f"MSELoss on a random 3-D {pred.shape} prediction and target, an input the notebook does not show: expected "
        f"the mean over all {pred.size} squared errors {want}, got {got}"
        + (_per_row_hint(got, squares) or _first_last_hint(got, squares)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_mse()
    print("MSELoss matches the hand-computed values.")

# %% [markdown]
# ## 3. Cross-entropy from logits
#
# A classifier outputs one score per class, the **logits** `z` (any real numbers).
# Softmax turns them into probabilities, `p_k = exp(z_k) / sum_j exp(z_j)`, and the
# loss for a sample whose true class is `y` is the negative log-probability of that
# class:
#
# $$ \ell = -\log p_y = -z_y + \log \sum_j e^{z_j}. $$
#
# It is zero when the model is certain and right, and grows without bound when it is
# certain and wrong. Averaged over a batch it is the cross-entropy between the labels
# and the model's predicted distribution.
#
# **Why not `softmax(z).log()`?** `exp` overflows: in float32, `exp(z)` is `inf` as soon
# as `z` exceeds the log of the largest float32 (the demo cell after the tests prints
# that threshold), and a softmax of `inf / inf` is `nan`. Going the other way,
# large negative logits underflow to probability 0 and `log(0) = -inf`. The
# **log-sum-exp trick** avoids both. For any constant `m`,
#
# $$ \log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}, $$
#
# and with `m = max_j z_j` every exponent is `<= 0` (no overflow) and the largest term
# is `exp(0) = 1` (the sum is at least 1, so its log is finite). The log-probabilities
# are then `log p = (z - m) - log(sum(exp(z - m)))`, computed without ever forming `p`.
#
# `m` is only a numerical shift: the result does not depend on it, so the gradient
# through it would be exactly zero. Treat it as a constant and skip that work: take it
# from the raw numbers, `input.data.max(axis=1, keepdims=True)`; subtracting a plain
# array from a Tensor treats it as a constant (PyTorch would write `.detach()`).
#
# Your task, after the given checks (`labels` is an int64 array of shape `(N,)`):
#
# 1. `shifted = input - m` (row-wise max, as a constant);
# 2. `log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()`;
# 3. pick each row's true class with integer-array indexing,
#    `log_probs[np.arange(N), labels]`, and return the negative mean.

# %% [markdown]
# **Worked example.** The three steps on two rows of float32 logits, the second far
# beyond `exp`'s range, with labels 0 and 1: the row maxima (a `(2, 1)` column),
# the shifted logits, the log-sum-exp of each row, the log-probabilities, the one
# entry per row that integer-array indexing picks, and the negative mean. The naive
# softmax-then-log gives NaN on the second row (its warnings are switched off here).

# %%
if __name__ == "__main__":
    _z = np.array([[2.0, 1.0, 0.1], [1000.0, 998.0, 0.0]], dtype=np.float32)
    _labels = np.array([0, 1])
    _m = _z.max(axis=1, keepdims=True)
    _shifted = _z - _m
    _lse = np.log(np.exp(_shifted).sum(axis=1, keepdims=True))
    _log_probs = _shifted - _lse
    print(f"row max m, shape {_m.shape}: {_m.ravel()}")
    print("z - m:\n", _shifted, sep="")
    print(f"log(sum(exp(z - m))) per row: {_lse.ravel()}")
    with np.printoptions(precision=4, suppress=True):
        print("log p = (z - m) - that:\n", _log_probs, sep="")
    _picked = _log_probs[np.arange(len(_labels)), _labels]
    for _i, _k in enumerate(_labels):
        print(f"row {_i}, label {_k}: log p = {_picked[_i]:.6f}")
    print(f"loss = -mean = {-_picked.mean():.6f}")
    with np.errstate(over="ignore", invalid="ignore"):
        _p = np.exp(_z) / np.exp(_z).sum(axis=1, keepdims=True)
        print("naive -log softmax(z)[label] per row:", -np.log(_p[np.arange(len(_labels)), _labels]))

# %% nbgrader={"grade": false, "grade_id": "losses-cross-entropy", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class CrossEntropyLoss(Module):
    """Cross-entropy of logits (N, C) against class indices (N,) (like torch.nn.CrossEntropyLoss).

    Equals mean_i( -log softmax(input_i)[target_i] ), computed with log-sum-exp.
    """

    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        ### BEGIN SOLUTION
        shifted = input - input.data.max(axis=1, keepdims=True)
        log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        picked = log_probs[np.arange(labels.shape[0]), labels]
        return -picked.mean()
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_cross_entropy():
    loss_fn = CrossEntropyLoss()
    # Equal logits: every class has probability 1/C, the loss is log(C).
    z, labels = np.zeros((3, 4)), [0, 1, 3]
    loss = loss_fn(Tensor(z), labels)
    assert isinstance(loss, Tensor) and loss.shape == (), f"CrossEntropyLoss returns a scalar Tensor, got shape {loss.shape}"
    classes = z.shape[1]
    expected = np.log(classes)
    assert np.isclose(loss.item(), expected), (
        f"CrossEntropyLoss()(zeros({z.shape}), {labels}): equal logits over {classes} classes, expected "
        f"log({classes}) = {expected}, got {loss.item()}{_cross_entropy_hint(loss.item(), z, labels, expected)}")

    # Worked by hand: logits (log 1, log 3) -> probabilities (1/4, 3/4).
    weights = np.array([[1.0, 3.0], [1.0, 3.0]])
    probs = weights / weights.sum(axis=1, keepdims=True)
    logits = Tensor(np.log(weights))
    for labels in (np.array([1, 1]), np.array([0, 1])):
        got = loss_fn(logits, labels).item()
        expected = -np.mean(np.log(probs[np.arange(len(labels)), labels]))
        assert np.isclose(got, expected), (
            f"CrossEntropyLoss()(log({weights.tolist()}), {labels.tolist()}): the probabilities are "
            f"{probs[0].tolist()}, expected the mean of -log p[label] = {expected}, got {got}")
    # Rows that differ: each row's own label must be picked (log_probs[np.arange(N), labels]).
    weights, labels = np.array([[1.0, 3.0], [3.0, 1.0]]), [1, 0]
    probability = (weights / weights.sum(axis=1, keepdims=True))[np.arange(len(labels)), labels]
    got = loss_fn(Tensor(np.log(weights)), labels).item()
    expected = -np.mean(np.log(probability))
    assert np.isclose(got, expected), (
        f"CrossEntropyLoss()(log({weights.tolist()}), {labels}): each row's label has probability {probability[0]}, "
        f"expected -log({probability[0]}) = {expected}, got {got}"
        + _cross_entropy_hint(got, np.log(weights), labels, expected))

    # Against numpy on (2, 3) logits in float64: the dtype is kept and the input untouched.
    z = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    logits = Tensor(z, dtype=np.float64)
    labels = [2, 0]
    loss = loss_fn(logits, labels)
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -np.mean(log_softmax[np.arange(len(z)), labels])
    assert np.isclose(loss.item(), expected, rtol=1e-12), (
        f"CrossEntropyLoss()({z.tolist()} as float64, {labels}): expected the mean of -log softmax at the labels, "
        f"{expected!r}, got {loss.item()!r}{_cross_entropy_hint(loss.item(), z, labels, expected)}")
    assert loss.dtype == np.float64, f"float64 logits give a float64 loss, got {loss.dtype}"
    np.testing.assert_array_equal(logits.data, z, err_msg="CrossEntropyLoss must not change its input")
    # Shifting all logits of a row by a constant changes nothing.
    shift = 7.0
    plain, shifted = loss_fn(Tensor(z), labels).item(), loss_fn(Tensor(z + shift), labels).item()
    assert np.isclose(plain, shifted, atol=1e-6), (
        f"adding {shift} to every logit must not change CrossEntropyLoss: {plain} on {z.tolist()}, {shifted} shifted")
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4042)
    z, labels = rng.standard_normal((4, 5)), rng.integers(0, 5, size=4)
    got = loss_fn(Tensor(z, dtype=np.float64), labels).item()
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -np.mean(log_softmax[np.arange(len(z)), labels])
    assert np.isclose(got, expected, rtol=1e-12), (
        f"CrossEntropyLoss()(random {z.shape} float64 logits, labels {labels.tolist()}), an input the notebook does "
        f"not show: expected the mean of -log softmax at the labels, {expected!r}, got {got!r}"
        + _cross_entropy_hint(got, z, labels, expected))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_cross_entropy()
    print("CrossEntropyLoss matches the hand-computed values.")

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy-stable", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_cross_entropy_stable():
    loss_fn = CrossEntropyLoss()
    # Logits far beyond exp's range: a naive softmax gives inf/nan.
    huge = np.array([[1000.0, 0.0], [0.0, 1000.0], [-1000.0, -1000.0]], dtype=np.float32)
    labels = [0, 0, 1]
    loss = loss_fn(Tensor(huge), labels).item()
    # sample 0: certain and right -> 0; sample 1: certain and wrong -> 1000; sample 2: tie -> log 2
    wide = huge.astype(np.float64)
    per_sample = [np.log(np.exp(row - row.max()).sum()) - (row - row.max())[k] for row, k in zip(wide, labels)]
    expected = np.mean(per_sample)
    assert np.isfinite(loss), f"huge logits must give a finite loss, got {loss}" + (
        _cross_entropy_hint(loss, huge, labels, expected))
    assert np.isclose(loss, expected, rtol=1e-5), (
        f"CrossEntropyLoss()({huge.tolist()}, {labels}): the samples' losses are {[float(x) for x in per_sample]}, "
        f"so expected their mean {expected}, got {loss}{_cross_entropy_hint(loss, huge, labels, expected)}")
    # One row with huge logits among ordinary rows: each row needs its own maximum.
    z, labels = np.array([[800.0, 790.0, 0.0], [1.0, 2.0, 3.0], [0.0, -1.0, 0.5]]), [1, 0, 2]
    per_row = [np.log(np.exp(row - row.max()).sum()) + row.max() - row[k] for row, k in zip(z, labels)]
    got = loss_fn(Tensor(z, dtype=np.float64), labels).item()
    assert np.isclose(got, np.mean(per_row), rtol=1e-12), (
        f"one huge row among ordinary rows: expected {np.mean(per_row)}, got {got}"
        + _cross_entropy_hint(got, z, labels, np.mean(per_row)))
    # Certain and right: the loss is tiny but not zero (exp(-30) per sample).
    margin = 30.0
    tiny = loss_fn(Tensor([[margin, 0.0], [0.0, margin]], dtype=np.float64), [0, 1]).item()
    expected = np.log1p(np.exp(-margin))   # each sample's loss log(1 + e^-margin)
    assert np.isclose(tiny, expected, rtol=0.5, atol=0), (f"expected log(1 + e^-{margin:g}) = {expected:.3e}, "
                                                          f"got {tiny:.3e}")
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4043)
    near = np.array([900.0, 0.0, -750.0, 2.0])
    z = rng.standard_normal((4, 3)) + near[:, None]   # huge rows among ordinary ones
    labels = rng.integers(0, 3, size=4)
    per_row = [np.log(np.exp(row - row.max()).sum()) + row.max() - row[k] for row, k in zip(z, labels)]
    got = loss_fn(Tensor(z, dtype=np.float64), labels).item()
    assert np.isclose(got, np.mean(per_row), rtol=1e-12), (
        f"rows of logits near {', '.join(f'{x:g}' for x in near[:-1])} and {near[-1]:g} with labels "
        f"{labels.tolist()}, an input the notebook does not show: expected {np.mean(per_row)}, got {got}"
        + _cross_entropy_hint(got, z, labels, np.mean(per_row)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_cross_entropy_stable()
    print("CrossEntropyLoss stays finite for huge logits.")

# %% [markdown]
# The cell below shows the difference on one row of logits `(s, s - 1, 0)` for growing
# `s`: the naive formula (softmax, then log) next to the log-sum-exp version. Once the
# third class is far behind, the loss depends only on the gap between the first two,
# so the correct value settles; the naive one breaks as soon as the sum
# `exp(s) + exp(s - 1) + 1` overflows, just before `exp(s)` itself does.

# %% nbgrader={"grade": false, "grade_id": "losses-cross-entropy-demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    print(f"float32 exp overflows above z = log(float32 max) = {np.log(np.finfo(np.float32).max):.2f}")
    print(f"{'logits':>22} {'naive -log softmax[0]':>22} {'CrossEntropyLoss':>17}")
    for scale in (1.0, 10.0, 100.0, 1000.0):
        z = np.array([[scale, scale - 1.0, 0.0]], dtype=np.float32)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            naive = -np.log(np.exp(z[0, 0]) / np.exp(z).sum())
        stable = CrossEntropyLoss()(Tensor(z), [0]).item() + 0.0  # + 0.0 prints -0.0 as 0.0
        print(f"{str(z[0].tolist()):>22} {naive:>22.6f} {stable:>17.6f}")

# %% [markdown]
# ## 4. Binary cross-entropy
#
# For a yes/no question a model outputs one probability `p` (usually a `Sigmoid` of a
# score), and the label `y` is 0 or 1. The loss is the cross-entropy of two outcomes:
#
# $$ \ell = -\big(y \log p + (1 - y)\log(1 - p)\big), $$
#
# averaged over all elements. With `y = 1` only `-log p` remains, with `y = 0` only
# `-log(1 - p)`. Soft labels between 0 and 1 are allowed too.
#
# At `p = 0` or `p = 1` one of the logs is `log 0 = -inf`. We add a tiny
# `eps = 1e-12` inside both logs. This changes nothing for ordinary probabilities (in
# float32, `p + 1e-12 == p` unless `p` is itself tiny) and keeps the loss finite at the
# edges. The gradient of a confidently wrong prediction (`p = 0` for `y = 1`) becomes
# `-1/eps`, the same as in PyTorch's `BCELoss`, which divides by `max(p (1 - p), 1e-12)`.
# PyTorch caps each log term at -100 instead, so for a certain and wrong prediction
# (`p` exactly 0 with `y = 1`, or exactly 1 with `y = 0`) the two losses differ
# (`-log(eps)` here, 100 there: the worked example prints both), and so they do when the
# `p` or `1 - p` that is logged is within a few orders of magnitude of `eps`; for a
# certain and right prediction both give 0, and for ordinary probabilities they agree.
#
# A `Sigmoid` followed by this loss can lose precision for large scores; PyTorch's
# `BCEWithLogitsLoss` fuses the two with the same log-sum-exp idea as above.
#
# Your task: after the given checks, compute the mean of the formula with `Tensor`
# operations (`target` is already a Tensor of the input's shape and dtype).

# %% [markdown]
# **Worked example.** The two log terms for four float32 predictions: right and fairly
# sure, right with `y = 0`, certain and wrong (`p = 0`, `y = 1`), certain and right
# (`p = 1`, `y = 1`). With `eps` the certain mistake costs `-log(eps)` and the certain
# success costs nothing; without it the mistake is `inf` and the success is
# `0 * log 0 = NaN`, so `eps` is needed inside both logs. Adding `eps` does not change an
# ordinary float32 probability.

# %%
if __name__ == "__main__":
    _eps = 1e-12
    _p = np.array([0.8, 0.1, 0.0, 1.0], dtype=np.float32)
    _y = np.array([1.0, 0.0, 1.0, 1.0], dtype=np.float32)
    _first = _y * np.log(_p + _eps)
    _second = (1 - _y) * np.log(1 - _p + _eps)
    print(f"{'p':>4} {'y':>4} {'y log(p + eps)':>15} {'(1 - y) log(1 - p + eps)':>25} {'loss':>9}")
    for _row in zip(_p, _y, _first, _second, -(_first + _second)):
        print(f"{_row[0]:>4g} {_row[1]:>4g} {_row[2] + 0.0:>15.4f} {_row[3] + 0.0:>25.4f} {_row[4] + 0.0:>9.4f}")  # + 0.0: no -0.0
    print(f"mean over the {_p.size} elements: {np.mean(-(_first + _second)):.4f}")
    print(f"the certain mistake: -log(eps) = {-np.log(_eps):.4f} here; PyTorch's BCELoss caps it at 100")
    with np.errstate(divide="ignore", invalid="ignore"):
        print("without eps, per element:", -(_y * np.log(_p) + (1 - _y) * np.log(1 - _p)))
    print("float32 0.8 + eps == 0.8:", bool(_p[0] + _eps == _p[0]), "; dtype of p + eps:", (_p + _eps).dtype)

# %% nbgrader={"grade": false, "grade_id": "losses-bce", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class BinaryCrossEntropyLoss(Module):
    """Binary cross-entropy of probabilities (like torch.nn.BCELoss):
    mean(-(target * log(input) + (1 - target) * log(1 - input)))."""

    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        if input.data.size and not (input.data.min() >= 0 and input.data.max() <= 1):
            raise ValueError(
                f"BinaryCrossEntropyLoss expects probabilities in [0, 1], got values from {input.data.min()} to {input.data.max()}. "
                "Fix: apply Sigmoid() to the model's scores first."
            )
        if target.data.size and not (target.data.min() >= 0 and target.data.max() <= 1):
            raise ValueError(
                f"BinaryCrossEntropyLoss expects targets in [0, 1], got values from {target.data.min()} to {target.data.max()}. "
                "Use 0/1 labels (or soft labels between them)."
            )
        ### BEGIN SOLUTION
        eps = 1e-12
        log_p = (input + eps).log()
        log_not_p = (1.0 - input + eps).log()
        return -(target * log_p + (1.0 - target) * log_not_p).mean()
        ### END SOLUTION


BCELoss = BinaryCrossEntropyLoss  # PyTorch's name


# %% nbgrader={"grade": true, "grade_id": "test-bce", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_bce():
    def edge_hint():   # a nan at the edges is 0 * log(0): which log lost its eps, probed one edge at a time
        at_one, at_zero = (bool(np.isnan(loss_fn(Tensor([p]), [p]).item())) for p in (1.0, 0.0))
        if at_one and not at_zero:
            return (". Likely bug: at input = target = 1, (1 - target) * log(1 - input) is 0 * log(0) = nan: the eps "
                    "of log(1 - input + eps) was lost. (1 + eps) - input, or input clipped to 1 - eps, is exactly "
                    "1 - input in float32, where 1 + eps and 1 - eps round to 1: add eps after subtracting")
        return (". Likely bug: no eps inside the logs: at input = target = 0 and at input = target = 1 a term is "
                "0 * log(0) = nan; write log(input + eps) and log(1 - input + eps)") if at_one and at_zero else ""

    loss_fn = BinaryCrossEntropyLoss()
    # y = 1 keeps -log p, y = 0 keeps -log(1 - p): (-log 0.8 - log 0.9) / 2
    p, y = np.array([0.8, 0.1]), np.array([1.0, 0.0])
    loss = loss_fn(Tensor(p), Tensor(y))
    assert isinstance(loss, Tensor) and loss.shape == (), (
        f"BinaryCrossEntropyLoss returns a scalar Tensor, got {type(loss).__name__} of shape "
        f"{getattr(loss, 'shape', None)}")
    want = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert np.isclose(loss.item(), want), (
        f"BinaryCrossEntropyLoss()(input={p.tolist()}, target={y.astype(int).tolist()}): -(log {p[0]:g} + "
        f"log(1 - {p[1]:g})) / {p.size} = {want}, got "
        f"{loss.item()}" + (". Likely bug: the minus sign is missing" if np.isclose(loss.item(), -want) else ""))
    # A soft label mixes both terms.
    p, y = np.array([[0.25]]), np.array([[0.5]])
    got, want = loss_fn(Tensor(p), y.tolist()).item(), np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert np.isclose(got, want), (f"BinaryCrossEntropyLoss()(input={p.tolist()}, soft target={y.tolist()}): "
                                   f"-({y.item():g} log {p.item():g} + {1 - y.item():g} log(1 - {p.item():g})) = {want}, "
                                   f"got {got}")
    # (N, C) = (2, 3): the mean over all 6 elements, not the sum over a row averaged over N.
    p = np.array([[0.9, 0.2, 0.6], [0.3, 0.7, 0.5]])
    y = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    got = loss_fn(Tensor(p, dtype=np.float64), y).item()
    expected = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert np.isclose(got, expected, rtol=1e-9), (f"BCE on {p.shape}: expected the mean over all {p.size} elements "
                                                  f"{expected:.10g}, got {got:.10g}"
                                                  + _per_row_hint(got, -(y * np.log(p) + (1 - y) * np.log(1 - p))))
    # Certain and right costs (almost) nothing; the edges stay finite.
    edge = [1.0, 0.0]
    probabilities = Tensor(edge)
    right = loss_fn(probabilities, edge).item()
    assert right < 1e-6, (f"certain and right (input {edge}, target {edge}) costs (almost) nothing, got {right}"
                          + (edge_hint() if np.isnan(right) else ""))
    after = np.array(probabilities.data, dtype=np.float64)
    moved = after != np.array(edge)
    inward = moved.any() and bool(np.all(np.abs(after[moved] - 0.5) < np.abs(np.array(edge)[moved] - 0.5)))
    np.testing.assert_array_equal(probabilities.data, edge, err_msg="BinaryCrossEntropyLoss must not change its input" + (
        f" (input {edge} became {after.tolist()}). Likely bug: the probabilities are clipped in place "
        "(np.clip(input.data, ..., out=input.data) or input.data[...] = ...), which rewrites the caller's predictions; "
        "leave input.data alone and keep the logs finite with eps inside them: log(input + eps), "
        "log(1 - input + eps)" if inward else ""))
    wrong = loss_fn(Tensor(edge[::-1]), edge).item()
    assert np.isfinite(wrong), (f"certain and wrong (input {edge[::-1]}, target {edge}) must give a finite loss "
                                f"(eps keeps the logs finite), got {wrong}")
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4044)
    p, y = rng.uniform(0.1, 0.9, size=(3, 4)), rng.integers(0, 2, size=(3, 4)).astype(np.float64)
    got = loss_fn(Tensor(p, dtype=np.float64), y).item()
    expected = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert np.isclose(got, expected, rtol=1e-9), (
        f"BCE on random {p.shape} probabilities and 0/1 labels, an input the notebook does not show: expected the "
        f"mean over all {p.size} elements {expected:.10g}, got {got:.10g}" + (
            ". Likely bug: the minus sign is missing" if np.isclose(got, -expected)
            else _per_row_hint(got, -(y * np.log(p) + (1 - y) * np.log(1 - p)))))
    confident, y = np.array([1e-6, 1e-4, 0.5, 1 - 1e-4], dtype=np.float32), np.array([1.0, 1.0, 0.0, 1.0])
    got, p = loss_fn(Tensor(confident), y).item(), confident.astype(np.float64)
    expected, eps32 = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))), float(np.finfo(np.float32).eps)
    assert np.isclose(got, expected, rtol=1e-5), (
        f"float32 BCE of confident probabilities {[float(f'{v:g}') for v in p]}, targets {y.tolist()}, an input the notebook does not "
        f"show: expected {expected:.7g}, got {got:.7g}" + (
            f". Likely bug: eps is float32's own resolution, np.finfo(np.float32).eps = {eps32:.3g}, which moves "
            "log(1e-06) by 0.11: keep eps tiny (1e-12) whatever the dtype" if np.isclose(
                got, np.mean(-(y * np.log(p + eps32) + (1 - y) * np.log(1 - p + eps32))), rtol=1e-4) else ""))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_bce()
    print("BinaryCrossEntropyLoss matches the hand-computed values.")

# %% [markdown]
# ### Gradients through the losses come in module 06
#
# Every check above looks at values only, so this module's grade needs modules 01-03
# alone. (The package's module 03 already switches module 06's engine on, so
# `loss.backward()` does run here; it is graded once you have written that engine.)
# Module 06 records every `Tensor` operation and runs them backwards, and its check
# `test-autograd-losses` calls `loss.backward()` on these three classes and compares with
# the textbook gradients: `2 (y_hat - y) / n` for MSE, `(softmax(z) - one_hot) / N` for
# cross-entropy, `(p - y) / (p (1 - p) n)` for BCE.
#
# That check fails for code that computes on `.data`. `Tensor(np.mean((input.data -
# target.data) ** 2), dtype=input.dtype)` has the right value and dtype, so every check
# here passes, but numpy's arrays record nothing: no gradient reaches the model and it
# never learns. The same goes
# for one step taken on `.data` in the middle, such as the log-sum-exp of cross-entropy;
# only the shift by the row maximum may come from `.data`, because it is a constant
# that cancels (section 3). `tito test 04` already runs the gradient tests of
# `tests/04_losses` against your code, with the package's module 06.

# %% [markdown]
# ## 5. Which loss, and what its value means
#
# A useful sanity check when training starts: an untrained classifier with small
# random logits predicts roughly uniform probabilities, so its cross-entropy should be
# close to `log(C)`. The cell below computes that reference for the 10 digit classes
# and compares it with the loss of a freshly initialised `Linear` layer on random
# inputs. If your first training loss is far above `log(C)`, the initialisation or the
# labels are probably wrong.

# %% nbgrader={"grade": false, "grade_id": "losses-sanity-demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    from tinytorch.core.tensor import get_rng, manual_seed
    from tinytorch.core.layers import Linear

    manual_seed(0)
    model = Linear(64, 10)
    images = Tensor(get_rng().random((256, 64)))
    labels = get_rng().integers(0, 10, size=256)
    print(f"log(10) = {np.log(10):.4f}")
    print(f"cross-entropy of an untrained Linear(64, 10): {CrossEntropyLoss()(model(images), labels).item():.4f}")

# %% [markdown]
# ## 6. Seeing the losses
#
# The pictures below use the losses you just wrote, so they come after the tests. They are
# drawn with matplotlib; without it, each picture cell prints one line and goes on.
#
# **Why classifiers use cross-entropy, not MSE.** Take one sample of a two-class problem
# whose true class is 0, and let the model give it probability `p`, so its predicted
# distribution is `(p, 1 - p)` and the one-hot label is `(1, 0)`. MSE between the two is
# `((1 - p)^2 + (1 - p)^2) / 2 = (1 - p)^2`; cross-entropy is `-log p` (the logits
# `(log p, log(1 - p))` have exactly that softmax). The cell computes both with `MSELoss`
# and `CrossEntropyLoss` for `p` from 0.001 to 0.999, and their slopes `d loss / d p` by
# nudging `p` both ways: `(loss(p + h) - loss(p - h)) / 2h`, a central difference, with `h`
# a ten-thousandth of the distance from `p` to the nearer end of `[0, 1]`, so that the
# nudge stays small next to `p` where `-log p` bends fastest. From module 06 on,
# `backward()` gives the same slopes.
#
# By hand: MSE's slope is `-2 (1 - p)`, never steeper than 2, and its loss never exceeds 1
# however wrong the model is. Cross-entropy's slope is `-1 / p`: as the probability of the
# true class goes to 0 the loss and its slope grow without bound. A confidently wrong
# classifier gets a small, bounded push from MSE and a large one from cross-entropy. The
# cell prints both losses and slopes at the ends of the range (right: the slopes' sizes,
# on a log axis).


# %%
# The pictures' two helpers, shared by every lesson: matplotlib.pyplot (or None, after a one-line
# note, without matplotlib) and showing a figure (closing it when run as a script).
from tinytorch.figures import pyplot as _pyplot, show as _show


# %%
if __name__ == "__main__":
    _p = np.linspace(0.001, 0.999, 999)
    _n = _p.size

    # One sample's loss, a batch of one: predicted distribution (q, 1 - q), true class 0.
    def _mse_of(q):
        return MSELoss()(Tensor([[q, 1 - q]], dtype=np.float64), [[1.0, 0.0]]).item()

    def _ce_of(q):
        return CrossEntropyLoss()(Tensor(np.log([[q, 1 - q]]), dtype=np.float64), [0]).item()

    def _slopes(loss_of):
        # Central differences, each h a ten-thousandth of the way from p to the nearer end.
        _h = 1e-4 * np.minimum(_p, 1 - _p)
        return np.array([(loss_of(_q + _hq) - loss_of(_q - _hq)) / (2 * _hq) for _q, _hq in zip(_p, _h)])

    _mse_values, _ce_values = np.array([_mse_of(_q) for _q in _p]), np.array([_ce_of(_q) for _q in _p])
    _mse_slopes, _ce_slopes = _slopes(_mse_of), _slopes(_ce_of)
    for _i in (0, _n // 2, _n - 1):
        print(f"p = {_p[_i]:.3f}: MSE {_mse_values[_i]:.4f} (slope {_mse_slopes[_i]:+.4f}), "
              f"cross-entropy {_ce_values[_i]:.4f} (slope {_ce_slopes[_i]:+.4f})")
    print(f"largest over the range: MSE {_mse_values.max():.4f} with slope size at most {np.abs(_mse_slopes).max():.3f}; "
          f"cross-entropy {_ce_values.max():.3f} with slope size {np.abs(_ce_slopes).max():.0f}, "
          f"{np.abs(_ce_slopes).max() / np.abs(_mse_slopes).max():.0f} times MSE's")
    _plt = _pyplot()
    if _plt is not None:
        _fig, (_ax_loss, _ax_slope) = _plt.subplots(1, 2, figsize=(9, 3.8))
        _ax_loss.plot(_p, _mse_values, label="MSE, (1 - p)^2")
        _ax_loss.plot(_p, _ce_values, label="cross-entropy, -log p")
        _ax_loss.set_xlabel("p, the predicted probability of the true class")
        _ax_loss.set_ylabel("loss of the sample")
        _ax_loss.set_title("loss", fontsize=9)
        _ax_loss.legend(fontsize=8)
        _ax_slope.semilogy(_p, np.abs(_mse_slopes), label="MSE, 2 (1 - p)")
        _ax_slope.semilogy(_p, np.abs(_ce_slopes), label="cross-entropy, 1 / p")
        _ax_slope.set_xlabel("p, the predicted probability of the true class")
        _ax_slope.set_ylabel("|d loss / d p| (log scale)")
        _ax_slope.set_title("slope size, by central differences", fontsize=9)
        _ax_slope.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# **Where the naive softmax breaks.** Section 3's demo printed four rows; the cell below
# follows the same row of logits `(s, s - 1, 0)`, true class 0, for 400 sizes `s` from 1
# to 10,000 on a log axis, all in float32. `CrossEntropyLoss` settles at
# `log(1 + e^-1)`, the loss of a gap of 1 between the two leading classes. The naive
# `-log(exp(s) / sum(exp(z)))` agrees until the sum overflows, at
# `s = log(float32 max) - log(1 + e^-1)`, a little before `exp(s)` itself does at
# `s = log(float32 max)` (dashed); from there on it is `inf` or `nan` (shaded: no value
# to plot). The cell prints both thresholds and the last and first sizes of the grid on
# either side.


# %%
if __name__ == "__main__":
    _s = np.geomspace(1.0, 1e4, 400).astype(np.float32)
    _rows = np.stack([_s, _s - 1, np.zeros_like(_s)], axis=1)
    _stable = np.array([CrossEntropyLoss()(Tensor(_row[None, :]), [0]).item() for _row in _rows])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        _naive = -np.log(np.exp(_rows[:, 0]) / np.exp(_rows).sum(axis=1))
    _finite = np.isfinite(_naive)
    _overflow = float(np.log(np.finfo(np.float32).max))
    _sum_overflow = _overflow - float(np.log1p(np.exp(-1.0)))
    _broken_from = float(_s[~_finite].min())
    print(f"exp overflows in float32 above s = log(float32 max) = {_overflow:.4f}; the sum exp(s) + exp(s - 1) + 1 "
          f"above s = {_overflow:.4f} - log(1 + e^-1) = {_sum_overflow:.4f}")
    print(f"naive: finite up to s = {_s[_finite].max():.3f} on the grid, from s = {_broken_from:.3f} on "
          f"{np.isnan(_naive).sum()} nan and {np.isinf(_naive).sum()} inf ({(~_finite).sum()} of {_s.size} sizes); "
          f"CrossEntropyLoss finite everywhere: "
          f"{bool(np.isfinite(_stable).all())}, settling at {_stable[-1]:.4f} (log(1 + e^-1) = {np.log1p(np.exp(-1.0)):.4f})")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(7, 3.8))
        _ax.axvspan(_broken_from, float(_s[-1]), color="0.88", label="naive: inf or nan")
        _ax.semilogx(_s[_finite], _naive[_finite], linewidth=4, color="tab:orange", label="naive -log softmax, float32")
        _ax.semilogx(_s, _stable, color="tab:blue", label="CrossEntropyLoss (log-sum-exp), float32")
        _ax.axvline(_overflow, color="k", linestyle="--", linewidth=0.8, label=f"log(float32 max) = {_overflow:.2f}")
        _ax.set_xlabel("s, the size of the logits (s, s - 1, 0) (log scale)")
        _ax.set_ylabel("loss, true class 0")
        _ax.set_title("the naive formula breaks where exp overflows; log-sum-exp does not", fontsize=9)
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# **Sigmoid, then binary cross-entropy.** Section 4 warned that a `Sigmoid` followed by
# `BinaryCrossEntropyLoss` loses precision for large scores. Take a model that outputs a
# score `s` and a label `y = 0`: the exact loss is `-log(1 - sigmoid(s)) = log(1 + e^s)`,
# close to `s` itself once `s` is large: the more confidently wrong, the larger the loss.
# The cell computes `BinaryCrossEntropyLoss()(Sigmoid()(s), 0)` for scores from -5 to 40 in
# float32 and in float64, next to the exact `log(1 + e^s)` (numpy's `logaddexp(0, s)`).
#
# Both stop growing. `1 - p` cannot be smaller than the spacing of the floats just below
# 1, so in float32 it first loses its digits and then, once `Sigmoid` rounds to exactly
# 1, becomes 0: the loss jumps to the cap `-log(eps) = -log(1e-12)`. In float64 the floats
# are finer, and the curve bends onto the same cap once `1 - p` falls below `eps`. Past
# that point the loss is flat: it no longer tells the model how wrong it is. This is why
# PyTorch offers `BCEWithLogitsLoss`, which computes `log(1 + e^s)` from the score with the
# log-sum-exp idea and never forms `p`. The cell prints where each precision leaves the
# exact curve (by more than 1%) and the cap.


# %%
if __name__ == "__main__":
    from tinytorch.core.activations import Sigmoid as _Sigmoid

    _scores = np.linspace(-5.0, 40.0, 451)
    _exact = np.logaddexp(0.0, _scores)
    _bce = {_dtype.__name__: np.array([BinaryCrossEntropyLoss()(_Sigmoid()(Tensor([_v], dtype=_dtype)), [0.0]).item()
                                       for _v in _scores]) for _dtype in (np.float32, np.float64)}
    _cap = float(-np.log(1e-12))
    _leaves = {}
    for _name, _values in _bce.items():
        _leaves[_name] = float(_scores[np.abs(_values - _exact) > 0.01 * _exact].min())
        print(f"{_name}: first more than 1% off log(1 + e^s) at s = {_leaves[_name]:.1f}; "
              f"largest loss {_values.max():.4f}, at s = 40: {_values[-1]:.4f} (exact {_exact[-1]:.4f})")
    _rounds = float(_scores[_Sigmoid()(Tensor(_scores, dtype=np.float32)).data == 1.0].min())
    print(f"float32 Sigmoid(s) is exactly 1.0 from s = {_rounds:.1f} on the grid; the cap -log(1e-12) = {_cap:.4f}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(7, 3.8))
        _ax.plot(_scores, _exact, color="k", linestyle="--", label="exact, log(1 + e^s)")
        _ax.plot(_scores, _bce["float64"], color="tab:blue", label="BinaryCrossEntropyLoss(Sigmoid(s), 0), float64")
        _ax.plot(_scores, _bce["float32"], color="tab:orange", label="BinaryCrossEntropyLoss(Sigmoid(s), 0), float32")
        _ax.axhline(_cap, color="0.5", linestyle=":", label=f"cap -log(1e-12) = {_cap:.2f}")
        _ax.set_xlabel("s, the model's score (label y = 0)")
        _ax.set_ylabel("loss")
        _ax.set_title("Sigmoid then BCE saturates; the exact loss keeps growing", fontsize=9)
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# ## 7. Systems questions
#
# Answer in a sentence or two each, then run the cell for the numbers.
#
# 1. Naive softmax, `exp(z) / sum(exp(z))`, fails in float32 in both directions: `exp(z)`
#    overflows to `inf` above `log(max float32)` (`inf / inf = nan`), and underflows to 0 below
#    `log(smallest subnormal / 2)` (`0 / 0 = nan`, or `log 0 = -inf` in the loss; between that and
#    `log(smallest subnormal)` it rounds to the smallest subnormal). Where are the two
#    thresholds, and what do the naive form and your `CrossEntropyLoss` give past them?
# 2. The probabilities (or log-probabilities) of a batch are a `(B, C)` array of 4-byte numbers,
#    and `CrossEntropyLoss` builds a few of them (`shifted`, `exp`, `log_probs`). How many
#    bytes is one for 64 digits (`C = 10`), and for a language model's vocabulary of
#    `C = 50257` tokens? How does that compare with the logits of the last layer?


# %%
if __name__ == "__main__":
    # 1. The thresholds: log of float32's largest number, and of half its smallest positive (subnormal)
    # one: exp(z) rounds to 0 only below half of it (above, it rounds up to the subnormal itself).
    _sq_high = float(np.log(np.finfo(np.float32).max))
    _sq_low = float(np.log(float(np.finfo(np.float32).smallest_subnormal) / 2))   # float64: half of it is 0 in float32
    assert np.exp(np.float32(_sq_low + 0.01)) > 0 and np.exp(np.float32(_sq_low - 0.01)) == 0
    print(f"1. float32 exp overflows above z = {_sq_high:.2f} and underflows to 0 below z = {_sq_low:.2f}")
    for _sq_row, _sq_label in (([_sq_high + 12, 0.0], 1), ([_sq_low - 10, _sq_low - 20], 0), ([0.0, _sq_low - 10], 1)):
        _sq_z = np.array([_sq_row], dtype=np.float32)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _sq_naive = -np.log((np.exp(_sq_z) / np.exp(_sq_z).sum(axis=1, keepdims=True))[0, _sq_label])
        _sq_ours = CrossEntropyLoss()(Tensor(_sq_z), [_sq_label]).item()
        print(f"   logits [{', '.join(f'{_v:.2f}' for _v in _sq_z[0])}], label {_sq_label}: naive -log softmax = {_sq_naive}, "
              f"CrossEntropyLoss = {_sq_ours:.4f}")
        assert np.isfinite(_sq_ours) and not np.isfinite(_sq_naive)
    # 2. One (B, C) float32 array: B * C * 4 bytes, measured on the exp your loss takes of shifted logits.
    for _sq_b, _sq_c in ((64, 10), (64, 50257)):
        _sq_logits = Tensor(np.zeros((_sq_b, _sq_c)))
        _sq_probs = (_sq_logits - _sq_logits.data.max(axis=1, keepdims=True)).exp()
        _sq_nbytes = _sq_probs.data.nbytes
        assert _sq_nbytes == _sq_b * _sq_c * 4 == _sq_logits.data.nbytes
        print(f"2. ({_sq_b}, {_sq_c}): {_sq_b} * {_sq_c} * 4 = {_sq_nbytes:,} bytes = {_sq_nbytes / 2**10:,.1f} KiB per "
              f"array, as big as the logits; shifted, exp and log_probs together: {3 * _sq_nbytes / 2**10:,.1f} KiB")


# %% [markdown]
# ## 8. Check your understanding
#
# Work each one out by hand first, then run the cell to check.
#
# 1. A classifier for the 10 digits gives every class the same logit. What is its
#    cross-entropy, whatever the label?
# 2. What is the largest float32 logit `z` for which `exp(z)` is still finite?
# 3. The true class gets probability `p = 0.01`. Using section 6's one-sample losses,
#    how large are MSE and cross-entropy, and how many times steeper is cross-entropy's
#    slope `d loss / d p`?


# %%
if __name__ == "__main__":
    # Each answer is derived step by step, then checked against what your losses compute.
    # 1. Equal logits: softmax gives each class 1/C, so the loss is -log(1/C) = log C.
    _q_c = 10
    _q_uniform = CrossEntropyLoss()(Tensor(np.zeros((1, _q_c)), dtype=np.float64), [3]).item()
    print(f"1. p = 1/{_q_c} for every class: -log(1/{_q_c}) = log {_q_c} = {np.log(_q_c):.4f}; "
          f"CrossEntropyLoss gives {_q_uniform:.4f}")
    assert np.isclose(_q_uniform, np.log(_q_c))
    # 2. exp(z) <= float32 max  <=>  z <= log(float32 max); the largest float32 below that bound.
    _q_max = np.finfo(np.float32).max
    _q_bound = np.float32(np.log(np.float64(_q_max)))
    with np.errstate(over="ignore"):
        if not np.isfinite(np.exp(_q_bound)):
            _q_bound = np.nextafter(_q_bound, np.float32(0))
        _q_next = np.nextafter(_q_bound, np.float32(np.inf))
        _q_exp_next = np.exp(_q_next)
    print(f"2. float32 max = {_q_max:.6e}, log of it = {np.log(np.float64(_q_max)):.6f}: the largest float32 z with "
          f"finite exp(z) is {np.format_float_positional(_q_bound)} (exp = {np.exp(_q_bound):.6e}); the next float32, "
          f"{np.format_float_positional(_q_next)}, gives {_q_exp_next}")
    assert np.isfinite(np.exp(_q_bound)) and not np.isfinite(_q_exp_next)
    # 3. MSE (1 - p)^2, slope -2 (1 - p); cross-entropy -log p, slope -1 / p.
    _q_p = 0.01
    _q_mse, _q_ce = (1 - _q_p) ** 2, -np.log(_q_p)
    print(f"3. MSE (1 - {_q_p})^2 = {_q_mse:.4f}, slope -2 (1 - {_q_p}) = {-2 * (1 - _q_p):.2f}; cross-entropy "
          f"-log {_q_p} = {_q_ce:.4f}, slope -1/{_q_p} = {-1 / _q_p:.0f}: {(1 / _q_p) / (2 * (1 - _q_p)):.1f} times steeper")
    assert np.isclose(MSELoss()(Tensor([[_q_p, 1 - _q_p]], dtype=np.float64), [[1.0, 0.0]]).item(), _q_mse)
    assert np.isclose(CrossEntropyLoss()(Tensor(np.log([[_q_p, 1 - _q_p]]), dtype=np.float64), [0]).item(), _q_ce)
    _q_i = int(np.argmin(np.abs(_p - _q_p)))
    print(f"   section 6 measured at p = {_p[_q_i]:.3f}: slopes {_mse_slopes[_q_i]:+.4f} and {_ce_slopes[_q_i]:+.4f}")

# %% [markdown]
# ## Summary
#
# - `MSELoss`: mean of squared errors, for regression; input and target shapes must match.
# - `CrossEntropyLoss`: takes **logits** and class indices; it computes
#   `-log softmax` with the log-sum-exp trick (subtract the row max, a constant), so
#   huge logits neither overflow nor produce `nan`.
# - `BinaryCrossEntropyLoss` (`BCELoss`): takes **probabilities** and 0/1 labels; a tiny
#   `eps` keeps the logs finite at the edges.
# - All three are built from `Tensor` operations and return a scalar `Tensor`, so
#   `loss.backward()` runs through them on module 06's engine, which grades those gradients.
# - Cross-entropy's loss and slope grow without bound for a confidently wrong answer; MSE's
#   stay bounded. A `Sigmoid` followed by `BinaryCrossEntropyLoss` saturates for large
#   scores, which is why the fused forms (`BCEWithLogitsLoss`) exist.
