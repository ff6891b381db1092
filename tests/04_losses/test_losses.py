"""Module 04: MSELoss, CrossEntropyLoss, BinaryCrossEntropyLoss: values, gradients, errors."""
import numpy as np
import pytest

from tinytorch.core.tensor import Tensor
from tinytorch.core.layers import Module
from tinytorch.core.losses import MSELoss, CrossEntropyLoss, BinaryCrossEntropyLoss, BCELoss
from numeric_checks import f64


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


# --- MSELoss ---------------------------------------------------------------------------

def test_mse_by_hand():
    loss = MSELoss()(Tensor([[1.0, 2.0, 3.0]]), Tensor([[0.0, 4.0, 3.0]]))
    assert loss.shape == () and np.isclose(loss.item(), (1 + 4 + 0) / 3)
    assert isinstance(MSELoss(), Module) and MSELoss().parameters() == []


def test_mse_accepts_lists_and_arrays_as_target():
    pred = Tensor([0.5, -1.0])
    for target in ([1.5, 1.0], np.array([1.5, 1.0]), np.array([1.5, 1.0], dtype=np.float64)):
        assert np.isclose(MSELoss()(pred, target).item(), (1 + 4) / 2)


@pytest.mark.parametrize("shape", [(7,), (5, 3), (2, 3, 4)])
def test_mse_matches_torch_value_and_gradient(torch, shape):
    rng = np.random.default_rng(sum(shape))
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    pred = f64(x, requires_grad=True)
    loss = MSELoss()(pred, f64(y))
    loss.backward()
    tx = torch.tensor(x, requires_grad=True)
    tloss = torch.nn.MSELoss()(tx, torch.from_numpy(y))
    tloss.backward()
    assert loss.data.dtype == np.float64
    assert np.isclose(loss.item(), tloss.item(), rtol=1e-12)
    assert np.allclose(pred.grad, tx.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("shape", [(3,), (5,), (2, 3, 4), (2, 1, 3, 2)])
def test_mse_is_the_mean_over_every_element_whatever_the_shape(shape):
    # Not the sum over input.shape[0] * input.shape[-1] ("N x C"), which counts every element only in 2-D.
    rng = np.random.default_rng(len(shape) * 10 + shape[-1])
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    got = MSELoss()(f64(x), y).item()
    assert np.isclose(got, np.mean((x - y) ** 2), rtol=1e-12)
    assert np.isclose(MSELoss()(Tensor([1.0, 2.0, 3.0]), np.zeros(3)).item(), 14 / 3)
    assert np.isclose(MSELoss()(Tensor(np.ones((2, 3, 4))), np.zeros((2, 3, 4))).item(), 1.0)


def test_mse_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"same shape, got input \(4, 1\) and target \(4,\)"):
        MSELoss()(Tensor(np.zeros((4, 1))), Tensor(np.zeros(4)))
    with pytest.raises(ValueError, match="batch sizes"):
        MSELoss()(Tensor(np.zeros((4, 2))), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="Tensor"):
        MSELoss()(np.zeros(3), np.zeros(3))


# --- CrossEntropyLoss ------------------------------------------------------------------

def test_cross_entropy_by_hand():
    # probabilities (0.5, 0.25, 0.25) from logits log(2), 0, 0
    logits = Tensor([[np.log(2.0), 0.0, 0.0], [np.log(2.0), 0.0, 0.0]])
    loss = CrossEntropyLoss()(logits, [0, 2])
    assert loss.shape == ()
    assert np.isclose(loss.item(), (np.log(2) + np.log(4)) / 2)
    assert np.isclose(CrossEntropyLoss()(Tensor(np.full((5, 7), 3.0)), np.arange(5)).item(), np.log(7))


@pytest.mark.parametrize("n, c, scale", [(1, 2, 1.0), (8, 10, 1.0), (16, 3, 5.0), (4, 5, 50.0)])
def test_cross_entropy_matches_torch_value_and_gradient(torch, n, c, scale):
    rng = np.random.default_rng(n * 100 + c)
    z = rng.standard_normal((n, c)) * scale
    y = rng.integers(0, c, size=n)
    logits = f64(z, requires_grad=True)
    loss = CrossEntropyLoss()(logits, y)
    loss.backward()
    tz = torch.tensor(z, requires_grad=True)
    tloss = torch.nn.CrossEntropyLoss()(tz, torch.from_numpy(y))
    tloss.backward()
    assert np.isclose(loss.item(), tloss.item(), rtol=1e-12, atol=1e-14)
    assert np.allclose(logits.grad, tz.grad.numpy(), atol=1e-12)


def test_cross_entropy_float32_matches_torch(torch):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((32, 10)) * 3).astype(np.float32)
    y = rng.integers(0, 10, size=32)
    ours = CrossEntropyLoss()(Tensor(z), y)
    assert ours.data.dtype == np.float32
    assert np.isclose(ours.item(), torch.nn.CrossEntropyLoss()(torch.from_numpy(z), torch.from_numpy(y)).item(), rtol=1e-5)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = np.array([2, 1])
    logits = f64(z, requires_grad=True)
    CrossEntropyLoss()(logits, y).backward()
    softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.allclose(logits.grad, (softmax - np.eye(3)[y]) / 2, atol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits(torch):
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [5e3, 5e3 + 1, 0.0]], dtype=np.float32)
    y = np.array([2, 1, 0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = CrossEntropyLoss()(Tensor(z), y).item()
    expected = torch.nn.CrossEntropyLoss()(torch.from_numpy(z), torch.from_numpy(y)).item()
    assert np.isfinite(loss) and np.isclose(loss, expected, rtol=1e-6)
    logits = Tensor(z, requires_grad=True)
    CrossEntropyLoss()(logits, y).backward()
    assert np.all(np.isfinite(logits.grad))


@pytest.mark.parametrize("labels", [
    [2, 0, 1],
    np.array([2, 0, 1], dtype=np.int32),
    np.array([2, 0, 1], dtype=np.uint8),
    Tensor([2.0, 0.0, 1.0]),  # Tensors are float; integral values are fine
    np.array([2.0, 0.0, 1.0]),
])
def test_cross_entropy_label_containers(labels):
    z = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    expected = -np.log(np.e / (np.e + 2))
    assert np.isclose(CrossEntropyLoss()(Tensor(z), labels).item(), expected, rtol=1e-6)


def test_cross_entropy_rejects_labels_out_of_range():
    logits = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"label 4 at position 1 is out of range for 4 classes \(valid labels are 0..3\)"):
        CrossEntropyLoss()(logits, [0, 4, 1])
    with pytest.raises(ValueError, match="label -1 at position 2 is out of range"):
        CrossEntropyLoss()(logits, np.array([0, 1, -1]))


def test_cross_entropy_rejects_non_integer_labels():
    logits = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"expected integer class labels, got 1.5 at position 1"):
        CrossEntropyLoss()(logits, [0.0, 1.5, 2.0])
    with pytest.raises(ValueError, match="expected integer class labels"):
        CrossEntropyLoss()(logits, np.array([0.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="expected integer class labels"):
        CrossEntropyLoss()(logits, np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="expected integer class labels"):
        CrossEntropyLoss()(logits, np.array([True, False, True]))


def test_cross_entropy_rejects_batch_mismatch_and_bad_shapes():
    logits = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="3 rows of logits but 2 labels"):
        CrossEntropyLoss()(logits, [0, 1])
    with pytest.raises(ValueError, match=r"argmax\(axis=1\)"):
        CrossEntropyLoss()(logits, np.eye(4)[[0, 1, 2]])
    with pytest.raises(ValueError, match=r"shape \(N, C\)"):
        CrossEntropyLoss()(Tensor(np.zeros(4)), [1])
    with pytest.raises(ValueError, match=r"reshape\(-1\)"):
        CrossEntropyLoss()(logits, np.zeros((3, 1)))


# --- BinaryCrossEntropyLoss ------------------------------------------------------------

def test_bce_by_hand_and_alias():
    assert BCELoss is BinaryCrossEntropyLoss
    loss = BinaryCrossEntropyLoss()(Tensor([0.9, 0.2, 0.5]), Tensor([1.0, 0.0, 1.0]))
    assert loss.shape == ()
    assert np.isclose(loss.item(), -(np.log(0.9) + np.log(0.8) + np.log(0.5)) / 3)


@pytest.mark.parametrize("soft", [False, True])
def test_bce_matches_torch_value_and_gradient(torch, soft):
    rng = np.random.default_rng(int(soft))
    p = rng.uniform(0.01, 0.99, size=(6, 3))
    t = rng.uniform(0, 1, size=(6, 3)) if soft else rng.integers(0, 2, size=(6, 3)).astype(np.float64)
    probs = f64(p, requires_grad=True)
    loss = BinaryCrossEntropyLoss()(probs, t)
    loss.backward()
    tp = torch.tensor(p, requires_grad=True)
    tloss = torch.nn.BCELoss()(tp, torch.from_numpy(t))
    tloss.backward()
    assert np.isclose(loss.item(), tloss.item(), rtol=1e-9)
    assert np.allclose(probs.grad, tp.grad.numpy(), rtol=1e-8)


def test_bce_edges_are_finite_with_torchs_gradient(torch):
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    probs = f64(p, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = BinaryCrossEntropyLoss()(probs, t)
    assert np.isfinite(loss.item()) and loss.item() > 10  # confidently wrong is expensive
    loss.backward()
    tp = torch.tensor(p, requires_grad=True)
    torch.nn.BCELoss()(tp, torch.from_numpy(t)).backward()
    # Confidently wrong: -1/eps and +1/eps (over N = 4), as in PyTorch.
    assert np.allclose(probs.grad[:2], tp.grad.numpy()[:2], rtol=1e-6)
    # Confidently right: the true derivative, d(-log(1 - p))/dp = 1 at p = 0 (and -1 at
    # p = 1 for -log p). PyTorch's (p - t) / max(p (1 - p), eps) gives 0/eps = 0 there.
    assert np.allclose(probs.grad[2:], [0.25, -0.25])
    assert BinaryCrossEntropyLoss()(Tensor([1.0, 0.0]), [1.0, 0.0]).item() < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_does_not_change_its_input(dtype):
    # Clipping the probabilities in place (np.clip(..., out=input.data)) rewrites the caller's predictions.
    p = np.array([[1.0, 0.0], [0.5, 1e-9]], dtype=dtype)
    probs = Tensor(p.copy(), dtype=dtype)
    loss = BinaryCrossEntropyLoss()(probs, [[1.0, 0.0], [1.0, 0.0]])
    assert np.isfinite(loss.item())
    np.testing.assert_array_equal(probs.data, p)


def test_bce_of_confident_float32_probabilities_keeps_eps_tiny():
    """A float32 eps of the dtype's own resolution (np.finfo(np.float32).eps, 1.2e-07) would move -log(1e-06) by 0.11."""
    p = np.array([1e-6, 1e-4, 0.5, 1 - 1e-4], dtype=np.float32)
    y = np.array([1.0, 1.0, 0.0, 1.0])
    wide = p.astype(np.float64)
    expected = np.mean(-(y * np.log(wide) + (1 - y) * np.log(1 - wide)))
    assert np.isclose(BinaryCrossEntropyLoss()(Tensor(p), y).item(), expected, rtol=1e-5)


def test_bce_rejects_bad_inputs():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*Sigmoid"):
        BinaryCrossEntropyLoss()(Tensor([0.5, 1.5]), [1.0, 0.0])
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        BinaryCrossEntropyLoss()(Tensor([0.5, 0.5]), [2.0, 0.0])
    with pytest.raises(ValueError, match="same shape"):
        BinaryCrossEntropyLoss()(Tensor(np.full((4, 1), 0.5)), np.ones(4))
