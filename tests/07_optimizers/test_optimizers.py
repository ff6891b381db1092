"""Module 07: SGD and Adam follow torch.optim step by step; zero_grad, skipping, errors."""
import numpy as np
import pytest

from tinytorch.core.tensor import Tensor
from tinytorch.core.layers import Linear
from tinytorch.core.losses import MSELoss
from tinytorch.core.optimizers import Optimizer, SGD, Adam


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


SHAPES = [(3, 4), (4,), (2, 1, 3)]


def run_side_by_side(torch, make_ours, make_theirs, steps=6, seed=0, none_pattern=None):
    """Apply the same gradients to float64 copies of the same parameters in tinytorch and
    torch; return both parameter lists after `steps` steps. none_pattern[step][i] True
    leaves parameter i without a gradient on that step."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    ours = [Tensor(a, requires_grad=True, dtype=np.float64) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt, topt = make_ours(ours), make_theirs(theirs)
    for step in range(steps):
        opt.zero_grad()
        topt.zero_grad()
        for i, (p, tp) in enumerate(zip(ours, theirs)):
            if none_pattern is not None and none_pattern[step][i]:
                continue
            g = rng.standard_normal(p.shape) * (i + 1)
            p.grad = g.copy()
            tp.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    return [p.data for p in ours], [tp.detach().numpy() for tp in theirs]


SGD_CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.05, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, dampening=0.3),
    dict(lr=0.02, momentum=0.8, weight_decay=0.1),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.5, weight_decay=0.05, nesterov=True),
]


@pytest.mark.parametrize("config", SGD_CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_sgd_matches_torch(torch, config):
    ours, theirs = run_side_by_side(torch, lambda ps: SGD(ps, **config), lambda ps: torch.optim.SGD(ps, **config))
    for a, b in zip(ours, theirs):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-12)


ADAM_CONFIGS = [
    dict(),
    dict(lr=0.01),
    dict(lr=0.05, betas=(0.8, 0.99)),
    dict(lr=0.01, eps=1e-3),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.1, betas=(0.0, 0.5), eps=1e-6, weight_decay=0.01),
]


@pytest.mark.parametrize("config", ADAM_CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "defaults")
def test_adam_matches_torch(torch, config):
    ours, theirs = run_side_by_side(torch, lambda ps: Adam(ps, **config), lambda ps: torch.optim.Adam(ps, **config), steps=8)
    for a, b in zip(ours, theirs):
        assert np.allclose(a, b, rtol=1e-10, atol=1e-12)


PATTERN = [(False, True, False), (True, False, False), (False, False, True), (False, True, True), (True, True, False), (False, False, False)]


def test_sgd_momentum_skips_missing_gradients_like_torch(torch):
    ours, theirs = run_side_by_side(torch, lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
                                    lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
                                    none_pattern=PATTERN)
    for a, b in zip(ours, theirs):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-12)


def test_adam_step_counts_are_per_parameter_like_torch(torch):
    ours, theirs = run_side_by_side(torch, lambda ps: Adam(ps, lr=0.1), lambda ps: torch.optim.Adam(ps, lr=0.1),
                                    none_pattern=PATTERN)
    for a, b in zip(ours, theirs):
        assert np.allclose(a, b, rtol=1e-10, atol=1e-12)


def test_adam_state_uses_torchs_names():
    p = Tensor([1.0, 2.0], requires_grad=True)
    opt = Adam([p], lr=0.1)
    for _ in range(3):
        p.grad = np.array([0.5, -0.5], dtype=np.float32)
        opt.step()
    state = opt.state[0]
    assert state["step"] == 3
    assert np.allclose(state["exp_avg"], 0.5 * np.array([1, -1]) * (1 - 0.9 ** 3))
    assert np.allclose(state["exp_avg_sq"], 0.25 * (1 - 0.999 ** 3))


def test_sgd_by_hand_and_in_place():
    p = Tensor([[1.0, -1.0]], requires_grad=True)
    data = p.data
    opt = SGD([p], lr=0.5, momentum=0.5)
    grad = np.array([[1.0, 2.0]], dtype=np.float32)
    p.grad = grad
    opt.step()  # buffer = g
    assert np.allclose(p.data, [[0.5, -2.0]])
    p.grad = np.array([[1.0, 2.0]], dtype=np.float32)
    opt.step()  # buffer = 0.5 g + g
    assert np.allclose(p.data, [[-0.25, -3.5]])
    assert p.data is data and p.data.dtype == np.float32
    assert np.array_equal(grad, [[1.0, 2.0]])  # the first gradient array was not modified


def test_weight_decay_does_not_modify_grad():
    for make in (lambda ps: SGD(ps, lr=0.1, weight_decay=0.5), lambda ps: Adam(ps, weight_decay=0.5)):
        p = Tensor([1.0, 2.0], requires_grad=True)
        p.grad = np.array([0.1, 0.2], dtype=np.float32)
        make([p]).step()
        assert np.array_equal(p.grad, np.array([0.1, 0.2], dtype=np.float32))


def test_adam_moves_by_lr_whatever_the_gradient_scale():
    for scale in (1e-4, 1.0, 1e4):
        p = Tensor([0.0, 0.0], requires_grad=True, dtype=np.float64)
        p.grad = np.array([scale, -scale])
        Adam([p], lr=0.01).step()
        assert np.allclose(p.data, [-0.01, 0.01], rtol=1e-3)


def test_adam_uses_its_own_eps():
    # A large eps next to small gradients: the literal default 1e-8 in place of self.eps moves p much further.
    lr, eps, (beta1, beta2) = 0.1, 0.1, (0.9, 0.999)
    p = Tensor([1.0, -1.0], requires_grad=True, dtype=np.float64)
    opt = Adam([p], lr=lr, eps=eps)
    want, m, v = np.array([1.0, -1.0]), 0.0, 0.0
    for t, g in enumerate(([0.01, 0.5], [0.02, -0.5], [0.01, 0.5]), 1):
        p.grad = np.array(g)
        opt.step()
        m, v = beta1 * m + (1 - beta1) * p.grad, beta2 * v + (1 - beta2) * p.grad ** 2
        want = want - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
        assert np.allclose(p.data, want, rtol=1e-12, atol=0)
    assert np.allclose(p.data, [0.96605947, -1.10693015])   # torch.optim.Adam(lr=0.1, eps=0.1) on these gradients


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.1, weight_decay=0.1),
                                  lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.2),
                                  lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                                  lambda ps: Adam(ps, lr=0.1, weight_decay=0.01)],
                         ids=["sgd", "sgd-decay", "sgd-momentum", "sgd-nesterov", "adam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_0d_parameter_steps_like_a_1_element_one(make, dtype):
    # A learnable scalar (a temperature) has shape (): no axis to slice, so param.data[:] = ... fails on it.
    scalar, single = Tensor(1.5, requires_grad=True, dtype=dtype), Tensor([1.5], requires_grad=True, dtype=dtype)
    opt, reference = make([scalar]), make([single])
    for g in (0.5, -0.25, 2.0):
        scalar.grad, single.grad = np.array(g, dtype=dtype), np.array([g], dtype=dtype)
        opt.step()
        reference.step()
        assert scalar.shape == () and scalar.dtype == dtype
        np.testing.assert_allclose(scalar.data, single.data[0], rtol=1e-6)


def test_momentum_outlives_zero_grad_and_missing_gradients():
    """Gradients 1, None, 0, 1 with zero_grad() before each: torch keeps the buffer, skips the missing gradient,
    and moves by the velocity on the zero one (worked by hand: -0.1, -0.1, -0.19, -0.371)."""
    p = Tensor([0.0], requires_grad=True, dtype=np.float64)
    opt, path = SGD([p], lr=0.1, momentum=0.9), []
    for grad in ([1.0], None, [0.0], [1.0]):
        opt.zero_grad()
        p.grad = None if grad is None else np.array(grad)
        opt.step()
        path.append(float(p.data[0]))
    np.testing.assert_allclose(path, [-0.1, -0.1, -0.19, -0.371], rtol=1e-12)


def test_a_step_leaves_the_gradient_alone():
    for options in (dict(momentum=0.9, nesterov=True), dict(momentum=0.9), dict()):
        p = Tensor([0.0, 1.0], requires_grad=True, dtype=np.float64)
        p.grad = np.array([1.0, -2.0])
        opt = SGD([p], lr=0.1, **options)
        opt.step()
        opt.step()
        np.testing.assert_array_equal(p.grad, [1.0, -2.0], err_msg=str(options))


def test_zero_grad_sets_none_and_skipped_params_keep_values():
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    for opt in (SGD([a, b], lr=0.1, momentum=0.9), Adam([a, b])):
        a.grad, b.grad = np.ones(1, dtype=np.float32), None
        opt.step()
        assert b.data[0] == 2.0 and opt.state[1] == {}
        opt.zero_grad()
        assert a.grad is None and b.grad is None
        opt.step()  # nothing to do, nothing changes
        assert b.data[0] == 2.0


def test_training_a_linear_model_matches_torch(torch):
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    layer = Linear(3, 2)
    layer.weight = Tensor(rng.standard_normal((2, 3)), requires_grad=True, dtype=np.float64)
    layer.bias = Tensor(np.zeros(2), requires_grad=True, dtype=np.float64)
    tlayer = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        tlayer.weight.copy_(torch.from_numpy(layer.weight.data))
        tlayer.bias.zero_()
    opt = Adam(layer.parameters(), lr=0.05)
    topt = torch.optim.Adam(tlayer.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = MSELoss()(layer(Tensor(x, dtype=np.float64)), Tensor(y, dtype=np.float64))
        loss.backward()
        opt.step()
        topt.zero_grad()
        tloss = torch.nn.functional.mse_loss(tlayer(torch.from_numpy(x)), torch.from_numpy(y))
        tloss.backward()
        topt.step()
        assert np.isclose(loss.item(), tloss.item(), rtol=1e-9)
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
    assert np.allclose(layer.weight.data, tlayer.weight.detach().numpy(), atol=1e-10)


# --- errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [SGD, Adam])
def test_empty_parameter_list(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        cls(Linear(2, 2, bias=False).parameters()[:0], lr=0.1)


@pytest.mark.parametrize("cls", [SGD, Adam])
@pytest.mark.parametrize("lr", [0, 0.0, -0.01, float("nan"), float("inf")])
def test_bad_learning_rate(cls, lr):
    with pytest.raises(ValueError, match=r"learning rate lr must be a positive number"):
        cls([Tensor([1.0], requires_grad=True)], lr=lr)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_learning_rate_must_be_a_number(cls):
    with pytest.raises(TypeError, match="lr must be a number"):
        cls([Tensor([1.0], requires_grad=True)], lr="0.1")


def test_sgd_requires_lr():
    with pytest.raises(TypeError):
        SGD([Tensor([1.0], requires_grad=True)])


def test_bad_hyper_parameters():
    p = [Tensor([1.0], requires_grad=True)]
    with pytest.raises(ValueError, match="invalid momentum -0.5"):
        SGD(p, lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="invalid weight_decay"):
        SGD(p, lr=0.1, weight_decay=-1e-4)
    with pytest.raises(ValueError, match="Nesterov momentum requires momentum > 0 and dampening = 0"):
        SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"invalid beta2 \(betas\[1\]\) 1.0"):
        Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="invalid beta1"):
        Adam(p, betas=(-0.1, 0.999))
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam(p, betas=0.9)
    with pytest.raises(ValueError, match="invalid eps"):
        Adam(p, eps=-1e-8)
    with pytest.raises(ValueError, match="invalid weight_decay"):
        Adam(p, weight_decay=-0.1)


def test_bad_parameter_containers():
    t = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"single Tensor. Fix: SGD\(\[tensor\]"):
        SGD(t, lr=0.1)
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        Adam(Linear(2, 2))
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        SGD([t, np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        SGD(3, lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        SGD([t, t], lr=0.1)


def test_generators_are_accepted_and_optimizer_is_abstract():
    layer = Linear(2, 2)
    opt = SGD((p for p in layer.parameters()), lr=0.1)
    assert len(opt.params) == 2 and opt.params[0] is layer.weight
    assert isinstance(opt, Optimizer)
    with pytest.raises(NotImplementedError, match="step"):
        Optimizer([Tensor([1.0], requires_grad=True)]).step()
