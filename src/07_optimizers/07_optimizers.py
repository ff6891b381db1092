# %% [markdown]
# # Module 07: Optimizers
#
# Module 03 gave models their parameters, module 04 a loss that says how wrong they
# are, module 06 the gradient of that loss with respect to every parameter. An
# **optimizer** closes the loop: it uses the gradients to change the parameters so
# that the loss goes down. The training step every later module runs is:
#
# ```python
# optimizer.zero_grad()          # forget the previous batch's gradients
# loss = loss_fn(model(x), y)    # forward
# loss.backward()                # gradients into every parameter's .grad
# optimizer.step()               # update the parameters
# ```
#
# You will build the two optimizers that train most networks, with PyTorch's names,
# arguments and update formulas, so that `torch.optim` will feel familiar:
#
# | class | signature | PyTorch twin |
# | --- | --- | --- |
# | `SGD` | `SGD(params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)` | `torch.optim.SGD` (where `lr` defaults to 0.001) |
# | `Adam` | `Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)` | `torch.optim.Adam` |
#
# Optimizers work directly on the numpy arrays `param.data` and `param.grad`: an
# update is not part of the model's computation, so it must not be recorded for
# differentiation (PyTorch runs `step()` under `no_grad` for the same reason).

# %% nbgrader={"grade": false, "grade_id": "optimizers-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.optimizers
#| export
import numpy as np

import tinytorch.core.autograd  # noqa: F401  (importing module 06 turns gradients on)
from tinytorch.core.tensor import Tensor, is_real_number

# %% [markdown]
# ## 1. The `Optimizer` base class
#
# An optimizer holds the list of parameters it may change (`model.parameters()`), and
# one dictionary of **state** per parameter for whatever it must remember between
# steps (a velocity, running averages), like PyTorch's `optimizer.state`. Two rules
# shared by every optimizer:
#
# - `zero_grad()` sets every parameter's `.grad` to `None`. Module 06 *accumulates*
#   gradients (`+=`), which is what you want inside one backward pass and wrong across
#   batches: forget to clear them and each step uses the sum of all past gradients.
#   (`None` rather than zeros is PyTorch's default, `set_to_none=True`: it saves
#   memory and lets `step()` tell "no gradient" from "zero gradient".)
# - `step()` **skips** parameters whose `.grad` is `None`: a parameter that took no
#   part in this loss is left alone, and its state (e.g. Adam's step count) is not
#   advanced.
#
# **Worked example.** One parameter's `.grad` over two batches, kept as module 06 keeps
# it: `None` until a backward pass, then added to. Without `zero_grad()` the second
# step would follow the sum of both batches' gradients; with `.grad` set back to `None`
# before each batch, it follows the second batch's own:

# %%
if __name__ == "__main__":
    _batch_grads = [np.array([0.5, -1.0]), np.array([0.25, 2.0])]
    _kept = None                                   # .grad, never cleared
    for _k, _g in enumerate(_batch_grads, 1):
        _kept = _g if _kept is None else _kept + _g           # what backward() does to .grad
        _cleared = None                                       # zero_grad() before the batch
        _cleared = _g if _cleared is None else _cleared + _g  # then backward()
        print(f"batch {_k}: backward adds {_g};  .grad without zero_grad: {_kept},  with zero_grad: {_cleared}")
    assert np.array_equal(_kept, _batch_grads[0] + _batch_grads[1]) and np.array_equal(_cleared, _batch_grads[1])

# %% [markdown]
# The constructor's checks are given. Write `zero_grad()`.

# %% nbgrader={"grade": false, "grade_id": "optimizers-base", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _check_hyper(value, name, optimizer, low=0.0, high=None, low_inclusive=True):
    """Check a hyper-parameter is a real number in its range; return it as a float."""
    if not is_real_number(value):
        raise TypeError(f"{optimizer}: {name} must be a number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    too_low = value < low if low_inclusive else value <= low
    too_high = high is not None and value >= high
    if too_low or too_high or np.isnan(value):
        interval = f"{'[' if low_inclusive else '('}{low}, {high if high is not None else 'inf'})"
        raise ValueError(f"{optimizer}: invalid {name} {value!r}; expected a value in {interval}.")
    return value


def _check_lr(lr, optimizer):
    if not is_real_number(lr):
        raise TypeError(f"{optimizer}: lr must be a number, got {lr!r} ({type(lr).__name__}).")
    if not lr > 0 or not np.isfinite(lr):
        raise ValueError(f"{optimizer}: the learning rate lr must be a positive number, got {lr!r}. Typical values: 0.01 to 0.1 for SGD, 0.001 for Adam.")
    return float(lr)


class Optimizer:
    """Base class: holds the parameters (a list of Tensors) and one state dict per parameter."""

    def __init__(self, params):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name} expects an iterable of Tensors, got a single Tensor. Fix: {name}([tensor], ...).")
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"{name} expects the model's parameters, got the {type(params).__name__} itself. Fix: {name}(model.parameters(), ...).")
        try:
            params = list(params)
        except TypeError:
            raise TypeError(f"{name} expects an iterable of Tensors such as model.parameters(), got {type(params).__name__}.") from None
        if not params:
            raise ValueError(
                f"{name} got an empty parameter list: there is nothing to optimize. Check that the model stores its "
                "weights as Tensors with requires_grad=True, and pass model.parameters()."
            )
        for i, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"{name}: parameter {i} is a {type(param).__name__}, expected a Tensor. Pass model.parameters() or a list of Tensors.")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: some parameters appear more than once in the list; each would be updated twice per step. Pass each Tensor once.")
        self.params = params
        self.state = [{} for _ in params]

    def zero_grad(self):
        """Set the .grad of every parameter to None."""
        ### BEGIN SOLUTION
        for param in self.params:
            param.grad = None
        ### END SOLUTION

    def step(self):
        raise NotImplementedError(f"{type(self).__name__} does not define step(); an Optimizer subclass must update the parameters there.")


# %% [markdown]
# ## 2. Stochastic gradient descent
#
# The gradient `g = dL/dp` points in the direction in which the loss grows fastest,
# so a small step against it lowers the loss:
#
# $$ p \leftarrow p - \text{lr}\cdot g . $$
#
# "Stochastic" because `g` comes from a mini-batch, a noisy estimate of the gradient
# over the whole data set. PyTorch's `SGD` adds three optional ingredients, applied in
# this order (these are exactly the formulas of `torch.optim.SGD`):
#
# 1. **Weight decay** `wd`: `g = g + wd * p`. This is the gradient of an extra loss
#    term `wd/2 * ||p||^2` (L2 regularisation), pulling every weight toward zero a
#    little at each step; large weights must earn their size.
# 2. **Momentum** `mu` keeps a velocity `b` (state `"momentum_buffer"`), a decaying sum
#    of past gradients: on the first step `b = g`, afterwards
#    `b = mu * b + (1 - dampening) * g`, and the step uses `b` instead of `g`.
#    Where the gradient stays the same, the steps grow towards `1 / (1 - mu)` times it
#    (with `dampening` 0); where it flips back and forth (a narrow valley), the
#    contributions cancel. `dampening` (default 0) scales the new gradient's share.
# 3. **Nesterov** momentum looks ahead: the step uses `g + mu * b` instead of `b`.
#    It needs `momentum > 0` and `dampening == 0`.
#
# Finally `p = p - lr * step_direction`. Update `param.data` **in place** (`-=`):
# the model holds these very arrays, a new array would leave the model unchanged.
# Do not modify `param.grad` itself (compute `g + wd * p` into a new array).
#
# Note: PyTorch's momentum puts `lr` outside the velocity (`p -= lr * b`); some
# textbooks put it inside (`b = mu * b - lr * g; p += b`). The two agree for a
# constant learning rate, not when `lr` changes during training.
#
# **Worked example.** Two SGD steps by hand on one parameter with two entries, weight
# decay and momentum both on, in the order above. On the first step the velocity is the
# decayed gradient itself; on the second it is `mu * b + (1 - dampening) * d`. The
# direction Nesterov would step in is printed alongside. Last, why `-=`: a parameter's
# `.data` is the very array the model holds, and `p = p - ...` makes a new array the
# model never sees.

# %%
if __name__ == "__main__":
    _lr, _mu, _damp, _wd = 0.1, 0.9, 0.0, 0.01
    _p = np.array([1.0, -2.0])
    _buf = None
    with np.printoptions(precision=5, suppress=True):
        for _t, _g in enumerate((np.array([0.5, 0.5]), np.array([0.5, -1.0])), 1):
            print(f"step {_t}: p = {_p}, g = {_g}")
            _d = _g + _wd * _p
            print(f"   weight decay   d = g + wd * p = {_d}")
            if _buf is None:
                _buf = _d.copy()
                print(f"   first step     b = d = {_buf}")
            else:
                _buf = _mu * _buf + (1 - _damp) * _d
                print(f"   momentum       b = mu * b + (1 - dampening) * d = {_buf}")
            print(f"   (Nesterov would step with d + mu * b = {_d + _mu * _buf})")
            _p = _p - _lr * _buf
            print(f"   update         p = p - lr * b = {_p}")
    _model_weight = np.array([1.0, -2.0])
    _data = _model_weight                  # param.data: the model's own array
    _data = _data - 0.5                    # a new array; the model's is unchanged
    print("after  data = data - 0.5:", _model_weight)
    _data = _model_weight
    _data -= 0.5                           # in place: the model sees it
    print("after  data -= 0.5:      ", _model_weight)
    assert np.array_equal(_model_weight, [0.5, -2.5])

# %% [markdown]
# The checks in `__init__` are given. Write `step()`.

# %% nbgrader={"grade": false, "grade_id": "optimizers-sgd", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, weight decay and
    Nesterov momentum; the update formulas of torch.optim.SGD."""

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params)
        self.lr = _check_lr(lr, "SGD")
        self.momentum = _check_hyper(momentum, "momentum", "SGD")
        self.dampening = _check_hyper(dampening, "dampening", "SGD")
        self.weight_decay = _check_hyper(weight_decay, "weight_decay", "SGD")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum={momentum}, dampening={dampening}.")

    def step(self):
        """Update every parameter that has a gradient."""
        ### BEGIN SOLUTION
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            grad = param.grad
            if self.weight_decay != 0:
                grad = grad + self.weight_decay * param.data
            if self.momentum != 0:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(grad, copy=True)
                else:
                    buf *= self.momentum
                    buf += (1 - self.dampening) * grad
                grad = grad + self.momentum * buf if self.nesterov else buf
            param.data -= self.lr * grad
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-sgd", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_sgd():
    p = Tensor([1.0, 2.0], requires_grad=True)
    p.grad = np.array([0.5, -1.0], dtype=np.float32)
    SGD([p], lr=0.1).step()
    assert np.allclose(p.data, [0.95, 2.1]), (                                               # p - lr * g
        f"SGD(lr=0.1) from p = [1, 2] with grad [0.5, -1]: expected p - lr * grad = [0.95, 2.1], got {p.data}" + (
            ". Likely bug: the step goes up the gradient (p.data += lr * grad); descent subtracts it"
            if np.allclose(p.data, [1.05, 1.9]) else ". Likely bug: the step is not scaled by lr"
            if np.allclose(p.data, [0.5, 3.0]) else ""))
    given = [0.5, -1.0]
    assert np.allclose(p.grad, given), (   # the gradient is not modified
        f"SGD.step() must not change the gradient: expected p.grad {given}, got "
        f"{np.round(np.asarray(p.grad, dtype=float), 4).tolist()}")

    q = Tensor([1.0, 2.0], requires_grad=True)
    q.grad = np.array([0.5, -1.0], dtype=np.float32)
    SGD([q], lr=0.1, weight_decay=0.1).step()
    assert np.allclose(q.data, [1 - 0.1 * 0.6, 2 - 0.1 * -0.8]), (                        # g + wd * p = (0.6, -0.8)
        f"SGD(lr=0.1, weight_decay=0.1) from p = [1, 2] with grad [0.5, -1]: the step uses grad + weight_decay * p = "
        f"[0.6, -0.8], so p = [0.94, 2.08], got {q.data}" + (
            ". Likely bug: the weight decay term is subtracted from the gradient; it is added (grad + weight_decay * p)"
            if np.allclose(q.data, [1 - 0.1 * 0.4, 2 - 0.1 * -1.2]) else ""))
    assert np.allclose(q.grad, given), (   # weight decay left the gradient alone
        f"weight decay must not change the gradient: expected q.grad {given}, got "
        f"{np.round(np.asarray(q.grad, dtype=float), 4).tolist()}")

    # A learnable scalar (a 0-d parameter, such as a softmax temperature) steps like any other.
    lr, start, grad = 0.1, 2.0, 0.5
    temperature = Tensor(start, requires_grad=True)
    temperature.grad = np.array(grad, dtype=np.float32)
    try:
        SGD([temperature], lr=lr).step()
    except IndexError as error:
        raise AssertionError(
            f"SGD(lr={lr}) on a 0-d parameter (a learnable scalar such as a temperature, shape ()) raised "
            f"IndexError: {error}. Likely bug: the update writes through a slice, param.data[:] = ..., and a 0-d "
            "array has no axis to slice; update in place with param.data -= lr * d (param.data[...] = ... works "
            "for every shape too)") from None
    want = start - lr * grad
    assert temperature.shape == () and np.isclose(temperature.data, want), (
        f"SGD(lr={lr}) on a 0-d parameter {start} with grad {grad}: expected a 0-d parameter p - lr * grad = {want}, "
        f"got {temperature.data!r} of shape {temperature.shape}")
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(701)
    for wd in (0.0, 0.2):
        start, grad = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 3)).astype(np.float32)
        p = Tensor(start.copy(), requires_grad=True)
        p.grad = grad.copy()
        SGD([p], lr=0.05, weight_decay=wd).step()
        want = start.astype(np.float64) - 0.05 * (grad + wd * start.astype(np.float64))   # p - lr * (g + wd * p)
        assert np.allclose(p.data, want) and np.allclose(p.grad, grad), (
            f"SGD(lr=0.05, weight_decay={wd}) on a (2, 3) parameter, an input the notebook does not show: expected "
            f"p - lr * (grad + weight_decay * p) = {np.round(want, 6).tolist()} and p.grad unchanged, got {p.data}")
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_sgd()
    print("SGD: plain steps and weight decay match the hand-computed values.")

# %% nbgrader={"grade": false, "grade_id": "check-helpers-sgd", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
# Slips in SGD's step that the checks below name when a parameter's path matches one.
_SGD_SLIPS = {
    "ascent": "the step goes up the gradient (p.data += lr * step); descent subtracts it",
    "buffer zeros": "the momentum buffer started at zeros (buf = momentum * 0 + (1 - dampening) * grad); on the first "
                    "step the buffer is the gradient itself, as in PyTorch",
    "dampening ignored": "dampening is ignored: after the first step buf = momentum * buf + (1 - dampening) * grad",
    "nesterov ignored": "nesterov is ignored: with nesterov=True the step is grad + momentum * buf, not buf",
    "decay after momentum": "the weight decay is added to the step after the momentum (buf + weight_decay * p); it "
                            "goes into the gradient first, d = grad + weight_decay * p, and the buffer is built from d",
    "buffer not stored": "the new buffer is not stored back: state['momentum_buffer'] keeps the first step's value, so "
                         "each step adds momentum times that; write the new buf into the state (or update it in place)",
    "lr in velocity": "lr is kept in the velocity (buf = momentum * buf + lr * grad, p -= buf), which agrees with "
                      "torch only while lr stays the same; keep lr out of the buffer and step p -= lr * buf",
}

# %% nbgrader={"grade": true, "grade_id": "test-sgd-momentum", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def _sgd_path(grads, lr, momentum, dampening=0.0, nesterov=False, zeros_first=False, unstored=False):
    """The positions of a parameter starting at 0 under SGD with momentum, one per gradient (plain numbers).
    zeros_first: the common mistake, a buffer started at zeros (mu * 0 + (1 - dampening) * g on the first step);
    unstored: another, each new buffer computed from the first one, never stored back."""
    p, buf, first, path = 0.0, None, None, []
    for g in grads:
        if buf is None:
            buf = first = (1 - dampening) * g if zeros_first else g   # PyTorch: the first buffer is the gradient itself
        else:
            buf = momentum * (first if unstored else buf) + (1 - dampening) * g
        p -= lr * (g + momentum * buf if nesterov else buf)
        path.append(p)
    return path


def _sgd_message(what, t, want, got, zeros, slips=()):
    """The message of a wrong position `got` after step t; `slips`: (the position a slip gives, its hint)."""
    message = f"{what}, gradient 1 at every step, after step {t}: expected p = {want:.6g}, got {got}"
    if np.allclose(got, [zeros]) and not np.isclose(zeros, want):
        return message + f". Likely bug: {_SGD_SLIPS['buffer zeros']}"
    hint = next((hint for value, hint in slips if np.allclose(got, [value]) and not np.isclose(value, want)), None)
    return message + (f". Likely bug: {hint}" if hint else "")


def _sgd_slips(steps, lr, momentum, dampening=0.0, nesterov=False):
    """Per step, the positions that common slips give, with their hints (see _sgd_message)."""
    slips = [(_sgd_path([1.0] * steps, -lr, momentum, dampening, nesterov), _SGD_SLIPS["ascent"]),
             (_sgd_path([1.0] * steps, lr, momentum, dampening, nesterov, unstored=True), _SGD_SLIPS["buffer not stored"])]
    if dampening:
        slips.append((_sgd_path([1.0] * steps, lr, momentum, 0.0, nesterov), _SGD_SLIPS["dampening ignored"]))
    if nesterov:
        slips.append((_sgd_path([1.0] * steps, lr, momentum, dampening), _SGD_SLIPS["nesterov ignored"]))
    return [[(path[t], hint) for path, hint in slips] for t in range(steps)]


def test_unit_sgd_momentum():
    # Constant gradient 1, lr 0.1, momentum 0.9: velocity 1, then 0.9 * 1 + 1 = 1.9.
    p = Tensor([0.0], requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9)
    wanted, zeros = _sgd_path([1.0] * 3, 0.1, 0.9), _sgd_path([1.0] * 3, 0.1, 0.9, zeros_first=True)
    slips = _sgd_slips(3, 0.1, 0.9)
    for t, (expected, if_zeros) in enumerate(zip(wanted, zeros), 1):
        p.grad = np.ones(1, dtype=np.float32)
        opt.step()
        assert np.allclose(p.data, [expected]), _sgd_message("SGD(lr=0.1, momentum=0.9)", t, expected, p.data, if_zeros,
                                                             slips[t - 1])

    # Nesterov: step with g + mu * b: 1 + 0.9 * 1 = 1.9, then 1 + 0.9 * 1.9 = 2.71.
    q = Tensor([0.0], requires_grad=True)
    opt = SGD([q], lr=0.1, momentum=0.9, nesterov=True)
    wanted = _sgd_path([1.0] * 2, 0.1, 0.9, nesterov=True)
    zeros = _sgd_path([1.0] * 2, 0.1, 0.9, nesterov=True, zeros_first=True)
    slips = _sgd_slips(2, 0.1, 0.9, nesterov=True)
    for t, (expected, if_zeros) in enumerate(zip(wanted, zeros), 1):
        q.grad = np.ones(1, dtype=np.float32)
        opt.step()
        assert np.allclose(q.data, [expected]), (
            _sgd_message("SGD(lr=0.1, momentum=0.9, nesterov=True)", t, expected, q.data, if_zeros, slips[t - 1])
            + " (Nesterov steps with grad + momentum * buf)")

    # The same gradient array for two steps (backward adds into p.grad in place, so nothing may keep
    # p.grad itself): velocity 1, then 1.9, as above, and p.grad still 1.
    s = Tensor([0.0], requires_grad=True)
    s.grad = np.ones(1, dtype=np.float32)
    opt = SGD([s], lr=0.1, momentum=0.9)
    opt.step()
    opt.step()
    two_steps = _sgd_path([1.0] * 2, 0.1, 0.9)[-1]
    assert np.allclose(s.data, [two_steps]) and np.allclose(s.grad, [1.0]), (
        f"SGD(momentum=0.9), two steps with the same p.grad = 1: expected p = {two_steps:.6g} and p.grad still 1, got "
        f"p = {s.data}, p.grad = {s.grad}. Likely bug: the first step keeps p.grad itself as the momentum buffer "
        "(state['momentum_buffer'] = grad), so buf *= momentum changes p.grad; store a copy (np.array(grad, copy=True))")

    # Dampening 0.5: velocity 1, then 0.9 * 1 + 0.5 * 1 = 1.4.
    r = Tensor([0.0], requires_grad=True)
    opt = SGD([r], lr=0.1, momentum=0.9, dampening=0.5)
    wanted = _sgd_path([1.0] * 2, 0.1, 0.9, dampening=0.5)
    zeros = _sgd_path([1.0] * 2, 0.1, 0.9, dampening=0.5, zeros_first=True)
    slips = _sgd_slips(2, 0.1, 0.9, dampening=0.5)
    for t, (expected, if_zeros) in enumerate(zip(wanted, zeros), 1):
        r.grad = np.ones(1, dtype=np.float32)
        opt.step()
        assert np.allclose(r.data, [expected]), _sgd_message("SGD(lr=0.1, momentum=0.9, dampening=0.5)", t, expected,
                                                             r.data, if_zeros, slips[t - 1])
    ### BEGIN HIDDEN TESTS
    grads = np.random.default_rng(702).uniform(0.5, 2.0, (3, 4)).astype(np.float32)
    for options in ({"momentum": 0.7, "dampening": 0.2}, {"momentum": 0.6, "nesterov": True}):
        w = Tensor(np.zeros(4), requires_grad=True)
        opt = SGD([w], lr=0.05, **options)
        wanted = np.array([_sgd_path(column.tolist(), 0.05, **options) for column in grads.T]).T   # entry by entry
        for t, (g, expected) in enumerate(zip(grads, wanted), 1):
            w.grad = g.copy()
            opt.step()
            assert np.allclose(w.data, expected), (
                f"SGD(lr=0.05, {options}) from p = 0, gradients {grads.astype(float).round(4).tolist()} (an input the "
                f"notebook does not show), after step {t}: expected p = {np.round(expected, 6).tolist()}, got {w.data}")
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_sgd_momentum()
    print("SGD: momentum, Nesterov and dampening match the hand-computed values.")

# %% [markdown]
# ### Options together, and a learning rate that changes
#
# Schedulers change `optimizer.lr` between steps, and real runs combine options. The
# check below runs SGD with momentum, dampening and weight decay (and Nesterov with
# weight decay) on two parameters of different shapes, changes `lr` halfway, and
# compares every step with the update rule written out in numpy.

# %% nbgrader={"grade": true, "grade_id": "test-sgd-combined", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def _sgd_run(start, grads, rates, momentum, dampening=0.0, weight_decay=0.0, nesterov=False, slip=None):
    """Each parameter's values after every step, by torch.optim.SGD's update in numpy; or with a slip of
    _SGD_SLIPS, to name it in a message."""
    values, buffers, history = [x.copy() for x in start], [None] * len(start), []
    nesterov = nesterov and slip != "nesterov ignored"
    for lr, step_grads in zip(rates, grads):
        for i, g in enumerate(step_grads):
            d = g if slip == "decay after momentum" else g + weight_decay * values[i]
            k = lr if slip == "lr in velocity" else 1.0          # that slip's velocity holds lr
            if buffers[i] is None:
                buffers[i] = buffer = (1 - dampening) * k * d if slip == "buffer zeros" else k * d
            else:
                buffer = momentum * buffers[i] + (1.0 if slip == "dampening ignored" else 1 - dampening) * k * d
                buffers[i] = buffers[i] if slip == "buffer not stored" else buffer
            direction = k * d + momentum * buffer if nesterov else buffer
            if slip == "decay after momentum":
                direction = direction + weight_decay * values[i]
            change = direction if slip == "lr in velocity" else lr * direction
            values[i] = values[i] + change if slip == "ascent" else values[i] - change
        history.append([x.copy() for x in values])
    return history


def _sgd_assert(got, runs, step, i, what):
    """Assert parameter i's values after step `step` (from 0) are those of runs[None] (runs: slip -> _sgd_run);
    name the slip of _SGD_SLIPS whose run gives them."""
    got, want = np.asarray(got), runs[None][step][i]
    close = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=0)
    likely = [slip for slip, run in runs.items() if slip and close(got, run[step][i]) and not close(want, run[step][i])]
    hint = f". Likely bug: {_SGD_SLIPS[likely[0]]}" if likely else ""
    np.testing.assert_allclose(got, want, rtol=1e-10, err_msg=what + hint)


def test_unit_sgd_combined():
    grads = [(np.array([0.5, -1.0, 2.0]), np.array([[1.0, 0.0], [-0.5, 0.25]])),
             (np.array([0.1, 0.3, -0.2]), np.array([[0.0, 1.0], [2.0, -1.0]])),
             (np.array([-1.0, 0.5, 0.0]), np.array([[0.5, 0.5], [0.0, 1.0]])),
             (np.array([0.2, -0.2, 1.0]), np.array([[1.0, -1.0], [0.5, 0.0]]))]
    rates = [0.1, 0.1, 0.02, 0.05]                       # a scheduler changes lr between steps
    for options in ({"momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1},
                    {"momentum": 0.8, "weight_decay": 0.05, "nesterov": True}):
        start = [np.array([1.0, -2.0, 0.5]), np.array([[0.5, 1.0], [-1.0, 2.0]])]
        params = [Tensor(x, requires_grad=True, dtype=np.float64) for x in start]
        opt = SGD(params, lr=rates[0], **options)
        # torch.optim.SGD's update in numpy (slip None), and with each slip
        runs = {slip: _sgd_run(start, grads, rates, **options, slip=slip) for slip in (None, *_SGD_SLIPS)}
        for step, (lr, step_grads) in enumerate(zip(rates, grads)):
            opt.lr = lr
            for param, g in zip(params, step_grads):
                param.grad = g.copy()
            opt.step()
            for i in range(len(params)):
                _sgd_assert(params[i].data, runs, step, i, (
                    f"SGD({options}), step {step + 1} (lr {lr}), parameter {i}: d = g + wd * p; b = d on the first step, "
                    "then mu * b + (1 - dampening) * d; step with b (Nesterov: d + mu * b); p -= lr * step, with the current lr"))
    ### BEGIN HIDDEN TESTS
    rng, options = np.random.default_rng(703), {"momentum": 0.5, "dampening": 0.2, "weight_decay": 0.02}
    start, rates = [rng.standard_normal(4), rng.standard_normal((2, 3))], (0.05, 0.2, 0.1)
    grads = [[rng.standard_normal(x.shape) for x in start] for _ in rates]
    params = [Tensor(x.copy(), requires_grad=True, dtype=np.float64) for x in start]
    opt = SGD(params, lr=0.05, **options)
    runs = {slip: _sgd_run(start, grads, rates, **options, slip=slip) for slip in (None, *_SGD_SLIPS)}
    for step, lr in enumerate(rates):
        opt.lr = lr
        params[0].grad, params[1].grad = (g.copy() for g in grads[step])
        opt.step()
        for i in range(2):
            _sgd_assert(params[i].data, runs, step, i, f"SGD({options}), step {step + 1} (lr {lr}), parameter {i} of "
                        f"shape {start[i].shape}, an input the notebook does not show")
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_sgd_combined()
    print("SGD: momentum, dampening, weight decay and Nesterov together, with a changing lr.")

# %% [markdown]
# ## 3. Adam
#
# One learning rate for all parameters is a compromise: some weights get large
# gradients, some tiny ones. **Adam** (Kingma & Ba, 2015) gives each parameter its own
# step size from two running averages of its gradient (state `"exp_avg"` and
# `"exp_avg_sq"`, both starting at zero, and a step counter `"step"`):
#
# $$ m \leftarrow \beta_1 m + (1-\beta_1)\, g, \qquad v \leftarrow \beta_2 v + (1-\beta_2)\, g^2 . $$
#
# `m` (first moment) is a smoothed gradient, like momentum. `v` (second moment) tracks
# the typical squared size of the gradient. The update divides one by the square root
# of the other, so every parameter moves by roughly `lr` per step whatever the scale
# of its gradient:
#
# $$ p \leftarrow p - \text{lr}\,\frac{\hat m}{\sqrt{\hat v} + \epsilon} . $$
#
# **Bias correction.** `m` and `v` start at zero, so early on they are too small: after
# `t` steps of a constant gradient `g`, `m = (1 - beta1**t) g`. Dividing by that factor
# fixes it exactly:
#
# $$ \hat m = \frac{m}{1 - \beta_1^{t}}, \qquad \hat v = \frac{v}{1 - \beta_2^{t}} , $$
#
# with `t` this parameter's step count, counted from 1. Without the correction the
# first steps would be the wrong size, because `v`'s factor `1 - beta2**t` starts far
# smaller than `m`'s (the cell after the tests prints both).
#
# **Weight decay** in `torch.optim.Adam` is the same L2 term as in SGD, added to the
# gradient before the moments: `g = g + wd * p`. (`AdamW` instead shrinks the weights
# directly, outside the adaptive scaling; it is not part of this module.)
#
# **Worked example.** Two Adam steps by hand on a single number, with the default betas
# and eps, `lr = 0.1`, and gradients of different sizes and signs. Each step counts `t`,
# updates both moments, divides each by its bias factor and steps. On the first step the
# corrections give back `g` and `g**2` exactly, so the step is `lr` in the direction of
# `-g` (up to `eps`), whatever the size of `g`; the uncorrected step is printed for
# comparison:

# %%
if __name__ == "__main__":
    _lr, (_beta1, _beta2), _eps = 0.1, (0.9, 0.999), 1e-8
    _p, _m, _v = 1.0, 0.0, 0.0
    _steps = []
    for _t, _g in enumerate((4.0, -1.0), 1):
        print(f"step t = {_t}, p = {_p:.6g}, g = {_g:g}")
        _m = _beta1 * _m + (1 - _beta1) * _g
        _v = _beta2 * _v + (1 - _beta2) * _g * _g
        print(f"   moments        m = {_beta1} m + {1 - _beta1:.1f} g = {_m:.6g},   "
              f"v = {_beta2} v + {1 - _beta2:.3f} g^2 = {_v:.6g}")
        _c1, _c2 = 1 - _beta1 ** _t, 1 - _beta2 ** _t
        _m_hat, _v_hat = _m / _c1, _v / _c2
        print(f"   bias factors   1 - beta1^t = {_c1:.6g},   1 - beta2^t = {_c2:.6g}")
        print(f"   corrected      m_hat = m / {_c1:.6g} = {_m_hat:.6g},   v_hat = v / {_c2:.6g} = {_v_hat:.6g}")
        _steps.append(_lr * _m_hat / (np.sqrt(_v_hat) + _eps))
        print(f"   step           lr * m_hat / (sqrt(v_hat) + eps) = {_steps[-1]:.6g}   "
              f"(uncorrected lr * m / (sqrt(v) + eps) = {_lr * _m / (np.sqrt(_v) + _eps):.6g})")
        _p -= _steps[-1]
        print(f"   update         p = {_p:.6g}")
    assert abs(_steps[0] - _lr) < 1e-6

# %% [markdown]
# Write `step()`: skip parameters without a gradient; create the state on a parameter's
# first step (`np.zeros_like(param.data)` for both moments, `step = 0`); then increment
# `step`, update the moments, bias-correct, and update `param.data` in place.

# %% nbgrader={"grade": false, "grade_id": "optimizers-adam", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Adam(Optimizer):
    """Adam with bias correction and L2 weight decay; the update formulas of torch.optim.Adam."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        self.lr = _check_lr(lr, "Adam")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}. The default is (0.9, 0.999).")
        self.betas = (_check_hyper(betas[0], "beta1 (betas[0])", "Adam", 0.0, 1.0),
                      _check_hyper(betas[1], "beta2 (betas[1])", "Adam", 0.0, 1.0))
        self.eps = _check_hyper(eps, "eps", "Adam")
        self.weight_decay = _check_hyper(weight_decay, "weight_decay", "Adam")

    def step(self):
        """Update every parameter that has a gradient."""
        ### BEGIN SOLUTION
        beta1, beta2 = self.betas
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            grad = param.grad
            if self.weight_decay != 0:
                grad = grad + self.weight_decay * param.data
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(param.data)
                state["exp_avg_sq"] = np.zeros_like(param.data)
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            param.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-helpers-adam", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
# Slips in Adam's step that the checks below name when a parameter's path matches one.
_ADAM_SLIPS = {
    "step count stuck": "the bias corrections use t = 1 at every step: t = state['step'] + 1 without storing it? "
                        "Increase the count itself (state['step'] += 1) and use it",
    "betas swapped": "beta1 and beta2 swapped: betas = (beta1, beta2), beta1 (0.9) for m, beta2 (0.999) for v",
    "ascent": "the step goes up the gradient (p.data += ...); it is p.data -= lr * m_hat / (sqrt(v_hat) + eps)",
    "no bias correction": "no bias correction: m_hat = m / (1 - beta1 ** t) and v_hat = v / (1 - beta2 ** t), with t "
                          "the parameter's step count, and the step is lr * m_hat / (sqrt(v_hat) + eps)",
    "eps inside sqrt": "eps is added inside the square root, sqrt(v_hat + eps); torch adds it after the root: "
                       "lr * m_hat / (sqrt(v_hat) + eps)",
    "power of one minus beta": "the bias corrections raise (1 - beta) to the power t, (1 - beta1) ** t; they are "
                               "1 - beta1 ** t and 1 - beta2 ** t (** binds tighter than -)",
    "decoupled decay": "the weight decay is applied to p apart from the gradient, p -= lr * weight_decay * p "
                       "(AdamW's decoupled decay, torch.optim.AdamW); Adam adds weight_decay * p to the gradient "
                       "before m and v",
}

# %% nbgrader={"grade": true, "grade_id": "test-adam", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def _adam_path(p0, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, corrected=True, slip=None):
    """The positions of a parameter under Adam, one per gradient, in float64 numpy (corrected=False: the common
    mistake, m and v used without their bias corrections; slip: another one of _ADAM_SLIPS)."""
    (beta1, beta2), p, m, v, path = betas, np.array(p0, dtype=np.float64), 0.0, 0.0, []
    if slip == "betas swapped":
        beta1, beta2 = beta2, beta1
    corrected = corrected and slip != "no bias correction"
    for t, g in enumerate(grads, 1):
        decoupled = slip == "decoupled decay"
        g = np.asarray(g, dtype=np.float64) + (0.0 if decoupled else weight_decay) * p
        p = p - lr * weight_decay * p if decoupled else p
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
        t = 1 if slip == "step count stuck" else t
        bias1, bias2 = ((1 - beta1) ** t, (1 - beta2) ** t) if slip == "power of one minus beta" else \
            (1 - beta1 ** t, 1 - beta2 ** t)
        m_hat, v_hat = (m / bias1, v / bias2) if corrected else (m, v)
        step = lr * m_hat / (np.sqrt(v_hat + eps) if slip == "eps inside sqrt" else np.sqrt(v_hat) + eps)
        p = p + step if slip == "ascent" else p - step
        path.append(p)
    return path


def _adam_message(what, t, want, got, uncorrected, atol, path_with=None):
    """The message of a wrong position `got` after step t; path_with(slip) gives the positions under a slip of
    _ADAM_SLIPS, to name it."""
    message = f"{what}, after step {t}: expected p = {np.round(want, 6).tolist()}, got {got}"
    if np.allclose(got, uncorrected, atol=atol) and not np.allclose(want, uncorrected, atol=atol):
        return message + f". Likely bug: {_ADAM_SLIPS['no bias correction']}"
    for slip, hint in _ADAM_SLIPS.items():
        value = None if path_with is None else path_with(slip)[t - 1]
        if value is not None and np.allclose(got, value, atol=atol) and not np.allclose(want, value, atol=atol):
            return message + f". Likely bug: {hint}"
    return message


def test_unit_adam():
    # A constant gradient: bias correction makes m_hat = g and v_hat = g**2 exactly,
    # so every step moves each entry by lr * sign(g), whatever the size of g.
    p = Tensor([1.0, -1.0, 0.5], requires_grad=True)
    opt = Adam([p], lr=0.01)
    grad = np.array([0.3, -20.0, 1e-3], dtype=np.float32)
    wanted = _adam_path([1.0, -1.0, 0.5], [grad] * 3, 0.01)
    uncorrected = _adam_path([1.0, -1.0, 0.5], [grad] * 3, 0.01, corrected=False)
    for t in range(1, 4):
        p.grad = grad.copy()
        opt.step()
        assert np.allclose(p.data, wanted[t - 1], atol=1e-5), _adam_message(
            f"Adam(lr=0.01) from p = [1, -1, 0.5], the same gradient {grad.tolist()} at every step", t,
            wanted[t - 1], p.data, uncorrected[t - 1], 1e-5,
            lambda slip: _adam_path([1.0, -1.0, 0.5], [grad] * 3, 0.01, slip=slip))
    steps = opt.state[0]["step"]
    assert steps == 3, f"Adam counts each parameter's steps in its state['step']: after 3 steps expected 3, got {steps}"

    # Gradient +1 then -1 (lr 0.1): m_hat = -0.01 / 0.19, v_hat = 1, so p = -0.1 + 0.1 / 19.
    q = Tensor([0.0], requires_grad=True)
    opt = Adam([q], lr=0.1)
    for g in (1.0, -1.0):
        q.grad = np.array([g], dtype=np.float32)
        opt.step()
    want = _adam_path([0.0], [[1.0], [-1.0]], 0.1)[-1]
    uncorrected = _adam_path([0.0], [[1.0], [-1.0]], 0.1, corrected=False)[-1]
    assert np.allclose(q.data, want, atol=1e-6), _adam_message(
        "Adam(lr=0.1) from p = [0], gradient +1 then -1", 2, want, q.data, uncorrected, 1e-6,
        lambda slip: [None, _adam_path([0.0], [[1.0], [-1.0]], 0.1, slip=slip)[-1]])

    # Weight decay alone (zero gradient): the decay term is the whole gradient,
    # so each weight moves by lr toward zero.
    r = Tensor([2.0, -3.0], requires_grad=True)
    r.grad = np.zeros(2, dtype=np.float32)
    Adam([r], lr=0.1, weight_decay=0.01).step()
    want = _adam_path([2.0, -3.0], [[0.0, 0.0]], 0.1, weight_decay=0.01)[-1]
    uncorrected = _adam_path([2.0, -3.0], [[0.0, 0.0]], 0.1, weight_decay=0.01, corrected=False)[-1]
    assert np.allclose(r.data, want, atol=1e-5), _adam_message(
        "Adam(lr=0.1, weight_decay=0.01) from p = [2, -3], gradient 0: the decay term weight_decay * p is the whole "
        "gradient", 1, want, r.data, uncorrected, 1e-5,
        lambda slip: _adam_path([2.0, -3.0], [[0.0, 0.0]], 0.1, weight_decay=0.01, slip=slip))
    assert np.array_equal(r.grad, [0.0, 0.0]), (
        f"Adam with weight decay changed p.grad: it was [0, 0] and is now {r.grad}. Likely bug: "
        "`grad += weight_decay * p.data` adds into p.grad itself; write grad = grad + weight_decay * p.data")
    ### BEGIN HIDDEN TESTS
    start, *grads = np.random.default_rng(704).standard_normal((4, 2, 3)).astype(np.float32)
    w = Tensor(start.copy(), requires_grad=True)
    opt = Adam([w], lr=0.05)
    wanted, uncorrected = (_adam_path(start, grads, 0.05, corrected=c) for c in (True, False))
    for t, g in enumerate(grads, 1):
        w.grad = g.copy()
        opt.step()
        assert np.allclose(w.data, wanted[t - 1], atol=1e-5), _adam_message(
            "Adam(lr=0.05) on a (2, 3) parameter, random gradients, an input the notebook does not show", t,
            wanted[t - 1], w.data, uncorrected[t - 1], 1e-5, lambda slip: _adam_path(start, grads, 0.05, slip=slip))
    start, grads = 1.5, [0.5, -0.25, 2.0]   # a learnable scalar (0-d), such as a temperature
    temperature = Tensor(start, requires_grad=True)
    opt = Adam([temperature], lr=0.1)
    wanted, uncorrected = (_adam_path(start, grads, 0.1, corrected=c) for c in (True, False))
    what = f"Adam(lr=0.1) on a 0-d parameter (a learnable scalar, shape ()) from p = {start}, gradients {grads}"
    for t, g in enumerate(grads, 1):
        temperature.grad = np.array(g, dtype=np.float32)
        try:
            opt.step()
        except IndexError as error:
            raise AssertionError(
                f"{what}, an input the notebook does not show: step {t} raised IndexError: {error}. Likely bug: the "
                "update writes through a slice (param.data[:] = ... or state[...][:] = ...), and a 0-d array has no "
                "axis to slice; update in place with -=, *= and += (or [...] = ..., which works for every "
                "shape)") from None
        assert temperature.shape == () and np.allclose(temperature.data, wanted[t - 1], atol=1e-5), _adam_message(
            f"{what}, an input the notebook does not show (a 0-d result)", t, wanted[t - 1], temperature.data,
            uncorrected[t - 1], 1e-5, lambda slip: _adam_path(start, grads, 0.1, slip=slip))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_adam()
    print("Adam matches the hand-computed values.")

# %% nbgrader={"grade": true, "grade_id": "test-zero-grad-skip", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def _zeros_hint(grads):
    """'. Likely bug: ...' when the gradients zero_grad() left (those not None) are all zeros, else ''."""
    left = [g for g in grads if g is not None]
    return (". Likely bug: zero_grad fills the gradients with zeros (np.zeros_like); set param.grad = None, as "
            "torch.optim does by default" if left and all(np.all(np.asarray(g) == 0) for g in left) else "")


def test_unit_zero_grad_skip():
    a = Tensor([1.0], requires_grad=True)
    b = Tensor([1.0], requires_grad=True)
    for name, opt in (("SGD", SGD([a, b], lr=0.1, momentum=0.9)), ("Adam", Adam([a, b], lr=0.1))):
        a.grad, b.grad = np.ones(1, dtype=np.float32), None
        before = b.data.copy()
        opt.step()
        np.testing.assert_array_equal(b.data, before, err_msg=f"{name}: a parameter without gradient is left alone")
        assert len(opt.state[1]) == 0, (
            f"{name}: no state for a parameter that never had a gradient, got the keys {sorted(opt.state[1])}. Likely "
            "bug: the state is made before the `if param.grad is None: continue`; skip first, then make it (as "
            "torch.optim does, a parameter's state appears at its first step)")
        opt.zero_grad()
        assert a.grad is None and b.grad is None, (
            "zero_grad() sets every .grad to None (PyTorch's set_to_none)" + _zeros_hint([a.grad, b.grad]))
    # The velocity outlives zero_grad() and a step without gradient; a zero gradient is a gradient. Compared with
    # the same steps without zero_grad() and with each other, so a wrong update rule (test-sgd's items) costs nothing here.
    paths = {}
    for clear in (True, False):
        p = Tensor([0.0], requires_grad=True, dtype=np.float64)
        opt, paths[clear] = SGD([p], lr=0.1, momentum=0.9), []
        for grad in ([1.0], None, [0.0], [1.0]):
            if clear:
                opt.zero_grad()
            p.grad = None if grad is None else np.array(grad)
            opt.step()
            paths[clear].append(float(np.asarray(p.data)[0]))
    steps = "SGD(lr=0.1, momentum=0.9) with gradients 1, None, 0, 1"
    assert paths[True] == paths[False], (
        f"{steps}: zero_grad() before each step changed the path of p from {paths[False]} to {paths[True]}. Likely "
        "bug: zero_grad() empties the state too, so the velocity restarts every step; it only sets each .grad to None")
    assert paths[False][1] == paths[False][0], (
        f"{steps}: the step without gradient moved p from {paths[False][0]} to {paths[False][1]}. Likely bug: a missing "
        "gradient is taken as zeros once the state exists; skip a parameter whose grad is None, whatever its state")
    assert paths[False][2] != paths[False][1], (
        f"{steps}: the zero gradient left p at {paths[False][2]}, but the velocity still moves it. Likely bug: a zero "
        "gradient is skipped like a missing one; only grad None is skipped")
    q = Tensor([0.0], requires_grad=True, dtype=np.float64)
    q.grad = np.array([1.0])
    SGD([q], lr=0.1, momentum=0.9, nesterov=True).step()
    np.testing.assert_array_equal(q.grad, [1.0], err_msg=(
        "SGD(nesterov=True).step() changed the parameter's gradient. Likely bug: grad += momentum * buf adds into "
        "param.grad itself (grad is param.grad when weight_decay is 0); write grad = grad + momentum * buf"))
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(705)
    params = [Tensor(rng.standard_normal(shape), requires_grad=True) for shape in ((2, 3), (4,), (3,))]
    for name, opt in (("SGD", SGD(params, lr=0.1, momentum=0.9)), ("Adam", Adam(params, lr=0.1))):
        params[0].grad, params[1].grad, params[2].grad = np.ones((2, 3), np.float32), None, np.ones(3, np.float32)
        before = params[1].data.copy()
        what = f"{name}, the second of three parameters without gradient (an input the notebook does not show)"
        opt.step()
        np.testing.assert_array_equal(params[1].data, before, err_msg=f"{what}: it is left alone")
        assert len(opt.state[1]) == 0, f"{what}: it gets no state, got the keys {sorted(opt.state[1])}"
        opt.zero_grad()
        grads = [p.grad for p in params]
        assert all(g is None for g in grads), f"{what}: zero_grad() sets every .grad to None" + _zeros_hint(grads)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_zero_grad_skip()
    print("zero_grad clears gradients; step skips parameters without one.")

# %% [markdown]
# ### Parameters that miss steps, and a changing learning rate
#
# In a model where part of the network is not used by some batches, a parameter can
# have no gradient on some steps. PyTorch's Adam keeps a step count **per parameter**,
# so the bias correction of a parameter counts only the steps that updated it. The check
# below compares with that rule written out in numpy, with `lr` changed between steps,
# and last with a large `eps`: the update must use the `eps` the optimizer was built with.

# %% nbgrader={"grade": true, "grade_id": "test-adam-sparse", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def _adam_sparse_trajectory(start, schedule, per_parameter_steps=True, folded_eps=False, slip=None, eps=1e-8):
    """Each parameter's values after every step of `schedule`, by torch.optim.Adam's update in numpy
    (betas (0.8, 0.9), weight decay 0.01, the given eps); or with one of the likely slips (those two, or one of
    _ADAM_SLIPS), to name it in a message."""
    beta1, beta2 = (0.9, 0.8) if slip == "betas swapped" else (0.8, 0.9)
    values = [x.copy() for x in start]
    moments = [[np.zeros_like(x), np.zeros_like(x), 0] for x in start]
    history = []
    for calls, (lr, *step_grads) in enumerate(schedule, 1):
        for i, g in enumerate(step_grads):
            if g is None:
                continue
            d = g if slip == "decoupled decay" else g + 0.01 * values[i]
            values[i] = values[i] * (1 - lr * 0.01) if slip == "decoupled decay" else values[i]
            m, v, t = moments[i]
            m, v, t = beta1 * m + (1 - beta1) * d, beta2 * v + (1 - beta2) * d * d, t + 1
            moments[i] = [m, v, t]
            t = t if per_parameter_steps else calls           # the slip: one count for all parameters
            t = 1 if slip == "step count stuck" else t
            bias1, bias2 = (1.0, 1.0) if slip == "no bias correction" else ((1 - beta1) ** t, (1 - beta2) ** t) \
                if slip == "power of one minus beta" else (1 - beta1 ** t, 1 - beta2 ** t)
            sign = -1.0 if slip == "ascent" else 1.0
            if folded_eps:                                    # the slip: Kingma & Ba's "efficient" form
                values[i] = values[i] - lr * np.sqrt(bias2) / bias1 * m / (np.sqrt(v) + eps)
            elif slip == "eps inside sqrt":
                values[i] = values[i] - lr * (m / bias1) / np.sqrt(v / bias2 + eps)
            else:
                values[i] = values[i] - sign * lr * (m / bias1) / (np.sqrt(v / bias2) + eps)
        history.append([x.copy() for x in values])
    return history


def _adam_sparse_slips(start, schedule, eps=1e-8):
    """Hint -> the trajectory (as _adam_sparse_trajectory gives it, with this eps) of each likely slip."""
    slips = {"one step count for all parameters: state['step'] += 1 only for a parameter that has a gradient":
             _adam_sparse_trajectory(start, schedule, per_parameter_steps=False, eps=eps),
             "the bias corrections folded into the step size, lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / "
             "(sqrt(v) + eps): that in effect adds eps / sqrt(1 - beta2**t) to sqrt(v_hat), where torch adds eps":
             _adam_sparse_trajectory(start, schedule, folded_eps=True, eps=eps),
             **{hint: _adam_sparse_trajectory(start, schedule, slip=slip, eps=eps) for slip, hint in _ADAM_SLIPS.items()}}
    default = 1e-8   # Adam's default eps, written as a literal whatever eps the optimizer was built with
    if eps != default:
        slips[f"the step divides by sqrt(v_hat) + {default:g}, the default eps written as a literal, not the "
              f"optimizer's eps ({eps:g} here): use self.eps"] = _adam_sparse_trajectory(start, schedule, eps=default)
    return slips


def _adam_sparse_assert(got, want, slips, step, i, what, otherwise=""):
    """Assert parameter i's values after step `step` (from 0) are `want`; name the slip (slips: hint -> trajectory)
    whose trajectory gives them, else add `otherwise`."""
    got = np.asarray(got)
    if np.allclose(got, want, rtol=1e-10, atol=0):
        return
    likely = [hint for hint, values in slips.items() if np.allclose(got, values[step][i], rtol=1e-10, atol=0)]
    hint = f"Likely bug: {likely[0]}." if likely else otherwise
    np.testing.assert_allclose(got, want, rtol=1e-10, err_msg=f"{what}. {hint}" if hint else what)


def test_unit_adam_sparse():
    start = [np.array([1.0, -1.0]), np.array([0.5, 2.0, -3.0])]
    params = [Tensor(x, requires_grad=True, dtype=np.float64) for x in start]
    opt = Adam(params, lr=0.1, betas=(0.8, 0.9), weight_decay=0.01)
    schedule = [(0.1, np.array([0.5, -2.0]), np.array([1.0, 0.0, -1.0])),
                (0.1, np.array([1.0, 1.0]), None),           # the second parameter gets no gradient
                (0.05, np.array([-0.5, 0.25]), None),
                (0.05, np.array([0.3, 0.3]), np.array([2.0, -1.0, 0.5]))]
    expected, slips = _adam_sparse_trajectory(start, schedule), _adam_sparse_slips(start, schedule)
    for step, (lr, *step_grads) in enumerate(schedule):
        opt.lr = lr
        for param, g in zip(params, step_grads):
            param.grad = None if g is None else g.copy()
        opt.step()
        for i in range(2):
            _adam_sparse_assert(params[i].data, expected[step][i], slips, step, i, f"Adam, step {step + 1} (lr {lr}), "
                                f"parameter {i}", "Each parameter counts its own steps (state['step'] += 1 only when it "
                                "has a gradient) and the current lr is used.")
    assert opt.state[1]["step"] == 2 and opt.state[0]["step"] == 4, "state['step'] counts the steps of each parameter"
    # A large eps (0.1, where the default is 1e-8) next to small gradients: the update uses the optimizer's own eps.
    eps, start = 0.1, [np.array([1.0, -1.0])]
    schedule = [(0.1, np.array([0.01, 0.5])), (0.1, np.array([0.02, -0.5])), (0.1, np.array([0.01, 0.5]))]
    expected, slips = _adam_sparse_trajectory(start, schedule, eps=eps), _adam_sparse_slips(start, schedule, eps=eps)
    p = Tensor(start[0], requires_grad=True, dtype=np.float64)
    options = {"lr": schedule[0][0], "betas": (0.8, 0.9), "eps": eps, "weight_decay": 0.01}   # as the trajectory's
    opt = Adam([p], **options)
    for step, (lr, g) in enumerate(schedule):
        p.grad = g.copy()
        opt.step()
        _adam_sparse_assert(p.data, expected[step][0], slips, step, 0, f"Adam({', '.join(f'{k}={v}' for k, v in options.items())}) "
                            f"from p = {start[0].tolist()}, gradients {[g.tolist() for _, g in schedule]}, step {step + 1}",
                            "The step is lr * m_hat / (sqrt(v_hat) + eps) with the eps the optimizer was built with.")
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(706)
    start = [rng.standard_normal(3), rng.standard_normal((2, 2))]
    schedule = [(lr, *(None if skip else rng.standard_normal(x.shape) for x, skip in zip(start, skips)))
                for lr, skips in ((0.05, (0, 0)), (0.2, (1, 0)), (0.1, (0, 1)), (0.1, (0, 0)), (0.02, (1, 0)))]
    params = [Tensor(x.copy(), requires_grad=True, dtype=np.float64) for x in start]
    opt, slips = Adam(params, lr=0.1, betas=(0.8, 0.9), weight_decay=0.01), _adam_sparse_slips(start, schedule)
    for step, ((lr, *step_grads), want) in enumerate(zip(schedule, _adam_sparse_trajectory(start, schedule))):
        opt.lr, params[0].grad, params[1].grad = lr, *(None if g is None else g.copy() for g in step_grads)
        opt.step()
        for i in range(2):
            _adam_sparse_assert(params[i].data, want[i], slips, step, i, f"Adam, step {step + 1} (lr {lr}), parameter "
                                f"{i} of shape {start[i].shape}, an input the notebook does not show")
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_adam_sparse()
    print("Adam: per-parameter step counts, a changing lr.")

# %% nbgrader={"grade": true, "grade_id": "test-optimizer-dtypes", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def _wide_state_hint(state, dtype):
    """'. Likely bug: ...' when arrays of a parameter's state are float64 and the parameter narrower, else ''."""
    wide = sorted(key for key, value in state.items()
                  if isinstance(value, np.ndarray) and value.dtype == np.float64 != np.dtype(dtype))
    return (f". Likely bug: the state's {wide} is float64, as np.zeros(shape) makes it whatever the parameter's "
            "dtype, and turns every step into float64: start it with np.zeros_like(p.data), and update p.data in "
            "place (p.data -= ...), which keeps its dtype") if wide else ""


def test_unit_optimizer_dtypes():
    setups = [("SGD(momentum=0.9, weight_decay=0.01)", SGD, {"momentum": 0.9, "weight_decay": 0.01}),
              ("SGD(momentum=0.9, nesterov=True)", SGD, {"momentum": 0.9, "nesterov": True}),
              ("Adam(weight_decay=0.01)", Adam, {"weight_decay": 0.01})]
    for dtype in (np.float32, np.float64):
        name = np.dtype(dtype).name
        for label, optimizer_class, options in setups:
            p = Tensor([1.0, -2.0, 3.0], requires_grad=True, dtype=dtype)
            opt = optimizer_class([p], lr=0.1, **options)
            for _ in range(2):
                p.grad = np.array([0.5, 0.25, -1.0], dtype=dtype)
                opt.step()
            # A step that changes nothing keeps every dtype: the check needs one that moves p.
            assert not np.array_equal(p.data, [1.0, -2.0, 3.0]), \
                f"{label}: two steps left the parameter at [1, -2, 3]; step() must update p.data"
            assert p.dtype == dtype, (f"{label}: a {name} parameter must stay {name}, got {p.dtype}"
                                      + _wide_state_hint(opt.state[0], dtype))
            for key, value in opt.state[0].items():
                assert value is None or isinstance(value, (np.ndarray, int, float, np.number)), \
                    f"{label}: state {key!r} is a {type(value).__name__}; keep numpy arrays and numbers in the state"
                if isinstance(value, np.ndarray):
                    assert value.dtype == dtype, (f"{label}: state {key!r} of a {name} parameter is {value.dtype}"
                                                  + _wide_state_hint(opt.state[0], dtype))
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(707)
    for dtype, (label, optimizer_class, options) in ((d, setup) for d in (np.float32, np.float64) for setup in setups):
        start = rng.standard_normal((2, 3)).astype(dtype)
        p = Tensor(start.copy(), requires_grad=True, dtype=dtype)
        opt = optimizer_class([p], lr=0.05, **options)
        for _ in range(3):
            p.grad = rng.standard_normal((2, 3)).astype(dtype)
            opt.step()
        got = [p.dtype, *(value.dtype for value in opt.state[0].values() if isinstance(value, np.ndarray))]
        assert not np.array_equal(p.data, start) and got == [dtype] * len(got), (
            f"{label}, a {np.dtype(dtype).name} parameter of shape (2, 3), an input the notebook does not show: step() "
            f"must move p and keep its dtype in p and the state; got p moved {not np.array_equal(p.data, start)}, "
            f"dtypes (p, then the state's arrays) {[str(d) for d in got]}" + _wide_state_hint(opt.state[0], dtype))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_optimizer_dtypes()
    print("Optimizers keep float32 as float32 and float64 as float64.")

# %% [markdown]
# ### Bias correction, measured
#
# Feed Adam's moment updates a constant gradient `g = 1` and print the raw moments and
# their corrected versions for the first steps, and the step size `lr * m / sqrt(v)`
# an uncorrected Adam would take (in units of `lr`). The corrected step is 1 from the
# very first update.

# %% nbgrader={"grade": false, "grade_id": "optimizers-bias-demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    _beta1, _beta2 = 0.9, 0.999
    _m = _v = 0.0
    print(f"{'t':>4} {'m':>8} {'v':>8} {'m_hat':>6} {'v_hat':>6} {'uncorrected step / lr':>22}")
    for _t in range(1, 1001):
        _m = _beta1 * _m + (1 - _beta1) * 1.0
        _v = _beta2 * _v + (1 - _beta2) * 1.0
        if _t in (1, 2, 5, 10, 100, 1000):
            print(f"{_t:>4} {_m:>8.4f} {_v:>8.4f} {_m / (1 - _beta1 ** _t):>6.3f} {_v / (1 - _beta2 ** _t):>6.3f} {_m / np.sqrt(_v):>22.3f}")

# %% [markdown]
# ## 4. Comparing optimizers on a narrow valley
#
# A classic test: minimise `f(x, y) = (x**2 + 100 * y**2) / 2` from `(-4, 1)`. The
# valley is 100 times more curved across (`y`) than along (`x`). The gradient
# `(x, 100 y)` is simple enough to set by hand, so this runs without autograd. Plain
# SGD must keep `lr` small enough not to bounce out of the steep direction
# (`lr < 2/100`), and then crawls along the shallow one; momentum builds up speed along
# the valley; Adam rescales both directions to similar step sizes. The cell prints the
# loss after some steps, and keeps every point each optimizer visits for the pictures
# after it. Pictures in this notebook are drawn with matplotlib; without it, each picture
# cell prints one line and goes on.

# %%
# The pictures' two helpers, shared by every lesson: matplotlib.pyplot (or None, after a one-line
# note, without matplotlib) and showing a figure (closing it when run as a script).
from tinytorch.figures import pyplot as _pyplot, show as _show


_VALLEY_CURVATURE = np.array([1.0, 100.0])   # f = (1 * x**2 + 100 * y**2) / 2, so the gradient is (x, 100 y)
_VALLEY_START = (-4.0, 1.0)


def _valley_loss(points):
    """f at one point (x, y) or at an array of points (..., 2)."""
    return 0.5 * np.sum(_VALLEY_CURVATURE * np.asarray(points) ** 2, axis=-1)


def _valley_run(make_optimizer, steps):
    """Run an optimizer on the valley from _VALLEY_START: the (steps + 1, 2) array of points visited."""
    p = Tensor(list(_VALLEY_START), requires_grad=True, dtype=np.float64)
    opt = make_optimizer([p])
    path = [p.data.copy()]
    for _ in range(steps):
        p.grad = _VALLEY_CURVATURE * p.data
        opt.step()
        path.append(p.data.copy())
    return np.array(path)


# %% nbgrader={"grade": false, "grade_id": "optimizers-valley-demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    _setups = {
        "SGD lr=0.019": lambda ps: SGD(ps, lr=0.019),
        "SGD lr=0.019 momentum=0.9": lambda ps: SGD(ps, lr=0.019, momentum=0.9),
        "Adam lr=0.1": lambda ps: Adam(ps, lr=0.1),
    }
    _checkpoints = (0, 10, 50, 100, 200)
    _paths = {_label: _valley_run(_make, _checkpoints[-1]) for _label, _make in _setups.items()}
    print(f"{'optimizer':>26}" + "".join(f" {'step ' + str(c):>11}" for c in _checkpoints))
    for _label, _path in _paths.items():
        print(f"{_label:>26}" + "".join(f" {_valley_loss(_path[c]):>11.2e}" for c in _checkpoints))

# %% [markdown]
# **The paths, drawn.** The same three runs over the loss's contour lines (ellipses, squeezed
# along `y` by the square root of the curvature ratio; the axes are not to scale). Look at how each one moves:
# plain SGD zig-zags across the valley while it creeps along `x` (each step multiplies `y` by
# `1 - 0.019 * 100`, a negative number: the learning-rate cell below prints it); momentum
# swings wide across the valley, and its velocity even carries it past the minimum along `x`,
# yet it ends far lower than plain SGD (the next cell's plot); Adam's first steps go diagonally, the same size in `x`
# and `y`, whatever the gradient's size in each.

# %%
if __name__ == "__main__":
    _plt = _pyplot()
    if _plt is not None:
        _gx, _gy = np.meshgrid(np.linspace(-4.5, 1.5, 121), np.linspace(-1.2, 1.2, 121))
        _fig, _ax = _plt.subplots(figsize=(8, 3.6))
        _ax.contour(_gx, _gy, _valley_loss(np.stack([_gx, _gy], axis=-1)), levels=np.geomspace(0.01, 60, 12),
                    colors="0.75", linewidths=0.7)
        for _label, _path in _paths.items():
            _ax.plot(_path[:, 0], _path[:, 1], marker=".", markersize=3, linewidth=1, label=_label)
        _ax.plot(*_VALLEY_START, "ko")
        _ax.plot(0, 0, "k*", markersize=10)
        _ax.set_xlabel("x (shallow direction)")
        _ax.set_ylabel("y (steep direction)")
        _ax.legend(fontsize=8, loc="lower right")
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# **Loss against step.** The table above, at every step and on a log scale. Look at the
# slopes: a straight line on a log scale means the loss shrinks by the same factor every
# step. Plain SGD's factor is set by the shallow direction; the cell measures it over the
# last steps and compares it with `(1 - lr * 1)**2` (each step multiplies `x` by `1 - lr`,
# and the loss goes with `x**2`).

# %%
if __name__ == "__main__":
    _losses = {_label: _valley_loss(_path) for _label, _path in _paths.items()}
    _measured = (_losses["SGD lr=0.019"][-1] / _losses["SGD lr=0.019"][-11]) ** (1 / 10)
    _predicted = (1 - 0.019 * _VALLEY_CURVATURE[0]) ** 2
    print(f"plain SGD, loss factor per step over the last 10 steps: {_measured:.4f}; (1 - 0.019)^2 = {_predicted:.4f}")
    np.testing.assert_allclose(_measured, _predicted, rtol=1e-3)
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(6, 3.5))
        for _label, _loss in _losses.items():
            _ax.semilogy(_loss, label=_label)
        _ax.set_xlabel("step")
        _ax.set_ylabel("loss (log)")
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# **The learning rate.** Plain SGD multiplies the steep coordinate `y` by `1 - lr * 100` at
# every step: below `lr = 1/100` the factor is positive and `y` shrinks smoothly, between
# `1/100` and `2/100` it is negative and `y` zig-zags while it shrinks, above `2/100` its size
# exceeds 1 and `y` grows. The cell runs three learning rates: too small (`y` shrinks
# smoothly, but the shallow direction `x` crawls), about right (just below the limit), too
# large (just above it). Look at the left
# panel for the zig-zag and the blow-up in `y`, and at the right one for what that does to
# the loss.

# %%
if __name__ == "__main__":
    _rates = {"too small": 0.002, "about right": 0.019, "too large": 0.021}
    _lr_paths = {_name: _valley_run(lambda ps, lr=_lr: SGD(ps, lr=lr), 60) for _name, _lr in _rates.items()}
    for _name, _lr in _rates.items():
        _factor = 1 - _lr * _VALLEY_CURVATURE[1]
        _y = _lr_paths[_name][:, 1]
        np.testing.assert_allclose(_y[1:], _factor * _y[:-1], rtol=1e-9)   # the factor, as the optimizer ran it
        print(f"{_name:11s} lr={_lr}: y is multiplied by 1 - {_lr}*100 = {_factor:+.2f} per step; "
              f"after 60 steps loss {_valley_loss(_lr_paths[_name][-1]):.2e}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, (_left, _right) = _plt.subplots(1, 2, figsize=(10, 3.3))
        for _name, _path in _lr_paths.items():
            _left.plot(_path[:25, 1], marker=".", label=f"{_name} (lr {_rates[_name]})")
            _right.semilogy(_valley_loss(_path), label=f"{_name} (lr {_rates[_name]})")
        _left.set_xlabel("step")
        _left.set_ylabel("y (steep direction)")
        _right.set_xlabel("step")
        _right.set_ylabel("loss (log)")
        _left.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# ## 5. Systems questions
#
# Answer in a sentence or two each, then run the cell for the numbers.
#
# 1. An optimizer keeps state per parameter in `self.state`: plain SGD nothing, momentum one
#    buffer `b` shaped like the parameter, Adam two (`m` and `v`). For the MLP
#    `784 -> 128 -> 64 -> 10` (`P` parameters, `4P` bytes in float32), how many bytes of state
#    does each keep after one step, and how much is weights + gradients + state?
# 2. The same ratios for a model of 7 billion parameters in float32: how many GB does
#    training with each optimizer need before a single activation is stored?
# 3. Adam does more arithmetic per parameter than SGD (two moment updates, bias correction,
#    a square root and a division). How long does one step of each take on the MLP?


# %%
if __name__ == "__main__":
    import time as _sq_time
    from tinytorch.core.layers import Linear as _SqLinear, Sequential as _SqSequential
    from tinytorch.core.activations import ReLU as _SqReLU
    # 1. State bytes after one step: every ndarray in every state dict.
    def _sq_model():
        return _SqSequential(_SqLinear(784, 128), _SqReLU(), _SqLinear(128, 64), _SqReLU(), _SqLinear(64, 10))
    _sq_makers = {"SGD": lambda ps: SGD(ps, lr=0.01), "SGD momentum=0.9": lambda ps: SGD(ps, lr=0.01, momentum=0.9),
                  "Adam": lambda ps: Adam(ps, lr=0.001)}
    _sq_state, _sq_step_time = {}, {}
    for _sq_name, _sq_make in _sq_makers.items():
        _sq_params = list(_sq_model().parameters())
        _sq_opt = _sq_make(_sq_params)
        for _sq_p in _sq_params:
            _sq_p.grad = np.full_like(_sq_p.data, 0.01)
        _sq_opt.step()
        _sq_t0 = _sq_time.perf_counter()
        for _ in range(5):
            _sq_opt.step()
        _sq_step_time[_sq_name] = (_sq_time.perf_counter() - _sq_t0) / 5
        _sq_state[_sq_name] = sum(_sq_v.nbytes for _sq_s in _sq_opt.state for _sq_v in _sq_s.values()
                                  if isinstance(_sq_v, np.ndarray))
    _sq_count = sum(_sq_p.size for _sq_p in _sq_params)
    _sq_bytes = sum(_sq_p.data.nbytes for _sq_p in _sq_params)
    print(f"1. P = {_sq_count:,} parameters = {_sq_bytes:,} bytes in float32")
    for _sq_name, _sq_s in _sq_state.items():
        print(f"   {_sq_name:<17} state {_sq_s:>9,} bytes = {_sq_s / _sq_bytes:.0f} x 4P; "
              f"weights + gradients + state = {(2 * _sq_bytes + _sq_s) / _sq_bytes:.0f} x 4P = {2 * _sq_bytes + _sq_s:,} bytes")
    assert [_sq_s // _sq_bytes for _sq_s in _sq_state.values()] == [0, 1, 2]
    # 2. The same multiples for 7e9 float32 parameters.
    _sq_big = 7e9 * 4
    for _sq_name, _sq_s in _sq_state.items():
        _sq_total = (2 + _sq_s / _sq_bytes) * _sq_big
        print(f"2. 7e9 parameters, {_sq_name:<17}: weights {_sq_big / 1e9:.0f} GB + gradients {_sq_big / 1e9:.0f} GB "
              f"+ state {_sq_s / _sq_bytes * _sq_big / 1e9:.0f} GB = {_sq_total / 1e9:.0f} GB")
    # 3. Time of one step (mean of 5), on the MLP above.
    print("3. one step: " + "; ".join(f"{_sq_name} {_sq_t * 1e3:.2f} ms" for _sq_name, _sq_t in _sq_step_time.items())
          + f" (Adam / SGD = {_sq_step_time['Adam'] / _sq_step_time['SGD']:.1f}x)")


# %% [markdown]
# ## 6. Check your understanding
#
# Work each one out by hand first, then run the cell to check.
#
# 1. SGD with `momentum=0.9` under a constant gradient `g`: how big is the velocity after
#    10 steps, and what does it approach?
# 2. On the valley, what is the largest learning rate with which plain SGD still converges,
#    and how many steps does `lr = 0.019` need to shrink `x` a thousandfold?
# 3. Adam (`lr = 0.1`) takes its first step from `(-4, 1)`, where the gradient is
#    `(-4, 100)`. Where does it land?
# 4. SGD with `lr = 0.1` and `weight_decay = 0.01`, and gradients that stay zero: what is
#    left of a weight after 100 steps?


# %%
if __name__ == "__main__":
    # Each answer is derived step by step, then checked against what SGD and Adam compute.
    # 1. b_1 = g, b_t = 0.9 b_(t-1) + g: b_10 = g (1 + 0.9 + ... + 0.9^9) = g (1 - 0.9^10) / (1 - 0.9).
    _mu = 0.9
    _b10 = (1 - _mu ** 10) / (1 - _mu)
    print(f"1. b_10 = (1 - {_mu}^10) / (1 - {_mu}) g = {_b10:.4f} g; it approaches 1 / (1 - {_mu}) = {1 / (1 - _mu):.0f} g")
    _q = Tensor([0.0], requires_grad=True, dtype=np.float64)
    _opt = SGD([_q], lr=1.0, momentum=_mu)
    for _ in range(10):
        _q.grad = np.ones(1)
        _opt.step()
    np.testing.assert_allclose(_opt.state[0]["momentum_buffer"], [_b10], rtol=1e-12)
    # 2. Each step multiplies y by 1 - 100 lr: |1 - 100 lr| < 1 needs lr < 2/100. x shrinks by 1 - lr per step.
    _steps = int(np.ceil(np.log(1e-3) / np.log(1 - 0.019)))
    print(f"2. |1 - 100 lr| < 1  <=>  lr < 2/100 = {2 / 100}; x shrinks by 1 - 0.019 = {1 - 0.019} per step, so "
          f"ln(1e-3) / ln({1 - 0.019}) = {np.log(1e-3) / np.log(1 - 0.019):.1f} -> {_steps} steps")
    _x_path = _valley_run(lambda ps: SGD(ps, lr=0.019), _steps)[:, 0]
    assert abs(_x_path[_steps]) < 1e-3 * abs(_x_path[0]) <= abs(_x_path[_steps - 1])
    # 3. First step: m_hat = g, v_hat = g^2, so the step is lr * g / |g| = lr * sign(g) in each coordinate.
    _grad = _VALLEY_CURVATURE * np.array(_VALLEY_START)
    _landing = np.array(_VALLEY_START) - 0.1 * np.sign(_grad)
    print(f"3. m_hat = g, v_hat = g^2, step = 0.1 * g / |g| = 0.1 * {np.sign(_grad).tolist()}: "
          f"{list(_VALLEY_START)} -> {_landing.tolist()}, the same size in x and y although g_y / g_x = {_grad[1] / _grad[0]:.0f}")
    np.testing.assert_allclose(_valley_run(lambda ps: Adam(ps, lr=0.1), 1)[1], _landing, rtol=1e-6)
    # 4. The gradient is wd * p, so p <- p - lr * wd * p = (1 - lr * wd) p each step.
    _left = (1 - 0.1 * 0.01) ** 100
    print(f"4. p <- (1 - 0.1 * 0.01) p = {1 - 0.1 * 0.01} p per step; after 100 steps {1 - 0.1 * 0.01}^100 = {_left:.4f} of it")
    _w = Tensor([1.0], requires_grad=True, dtype=np.float64)
    _opt = SGD([_w], lr=0.1, weight_decay=0.01)
    for _ in range(100):
        _w.grad = np.zeros(1)
        _opt.step()
    np.testing.assert_allclose(_w.data, [_left], rtol=1e-12)

# %% [markdown]
# ## Summary
#
# - `Optimizer` keeps the parameter list and per-parameter state; `zero_grad()` sets
#   gradients to `None`; `step()` skips parameters without a gradient.
# - `SGD`: `g = g + wd * p` (a new array: `param.grad` stays as it was); momentum buffer `b = mu * b + (1 - dampening) * g` (just `g` on
#   the first step); Nesterov steps with `g + mu * b`; then `p -= lr * step`.
# - `Adam`: moments `m`, `v` of `g` and `g**2`, bias-corrected by `1 - beta**t`, step
#   `lr * m_hat / (sqrt(v_hat) + eps)`, about `lr` per parameter regardless of gradient scale.
# - Both update `param.data` in place with PyTorch's exact formulas; the tests compare
#   them step by step against `torch.optim`.
#
# Module 08 puts model, loss, data loader and optimizer together in a training loop.
