"""A small CNN built from the spatial layers and modules 02-07 trains: one SGD step on a
fixed batch changes every parameter and lowers the loss."""
import numpy as np

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Flatten, Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.spatial import Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor, manual_seed


def _model():
    # (N, 1, 8, 8) -conv3 p1-> (N, 4, 8, 8) -pool2-> (N, 4, 4, 4) -conv3 p1-> (N, 8, 4, 4)
    # -pool2-> (N, 8, 2, 2) -flatten-> (N, 32) -linear-> (N, 3)
    return Sequential(Conv2d(1, 4, 3, padding=1), ReLU(), MaxPool2d(2),
                      Conv2d(4, 8, 3, padding=1), ReLU(), MaxPool2d(2),
                      Flatten(), Linear(8 * 2 * 2, 3))


def _batch():
    # three classes of 8x8 images: a bright left half, a bright top half, a bright centre, plus noise
    rng = np.random.default_rng(0)
    x = 0.1 * rng.standard_normal((12, 1, 8, 8))
    y = np.arange(12) % 3
    x[y == 0, :, :, :4] += 1
    x[y == 1, :, :4, :] += 1
    x[y == 2, :, 2:6, 2:6] += 1
    return Tensor(x.astype(np.float32)), y.astype(np.int64)


def test_one_sgd_step_changes_every_parameter_and_lowers_the_loss():
    manual_seed(0)
    model = _model()
    params = model.parameters()
    # 2 convs (weight, bias) + linear (weight, bias)
    assert len(params) == 6
    assert params[0] is model.layers[0].weight and params[1] is model.layers[0].bias
    x, y = _batch()
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(params, lr=0.05)

    logits = model(x)
    assert logits.shape == (12, 3)
    loss = loss_fn(logits, y)
    before = [p.data.copy() for p in params]
    optimizer.zero_grad()
    loss.backward()
    for p in params:
        assert p.grad is not None and p.grad.shape == p.shape
        assert np.abs(p.grad).max() > 0
    optimizer.step()
    for i, (p, old) in enumerate(zip(params, before)):
        assert not np.array_equal(p.data, old), f"parameter {i} {p.shape} did not change"
        # plain SGD: p <- p - lr * grad
        np.testing.assert_allclose(p.data, old - 0.05 * p.grad, rtol=1e-5, atol=1e-7)
    new_loss = loss_fn(model(x), y)
    assert new_loss.item() < loss.item(), f"loss went from {loss.item():.5f} to {new_loss.item():.5f}"


def test_a_few_steps_keep_lowering_the_loss():
    manual_seed(1)
    model = _model()
    x, y = _batch()
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(15):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert losses[-1] < 0.8 * losses[0], losses
