"""Forward and backward of Conv2d, MaxPool2d and AvgPool2d match torch.nn.functional
on randomized (seeded) configurations: outputs, grad input, grad weight, grad bias."""
import inspect

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch not installed: the oracle comparison needs torch==2.13.0 (pip install -e '.[dev]')")
F = torch.nn.functional

from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d  # noqa: E402
from tinytorch.core.tensor import Tensor  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def _axis(rng, pool):
    kernel = int(rng.integers(1, 5))
    stride = int(rng.integers(1, 4))
    padding = int(rng.integers(0, kernel // 2 + 1)) if pool else int(rng.integers(0, 3))
    size = int(rng.integers(max(1, kernel - 2 * padding), 11))
    return size, kernel, stride, padding


def _config(seed, pool):
    rng = np.random.default_rng(seed)
    (h, kh, sh, ph), (w, kw, sw, pw) = _axis(rng, pool), _axis(rng, pool)
    return rng, dict(n=int(rng.integers(1, 4)), c=int(rng.integers(1, 4)), c_out=int(rng.integers(1, 5)),
                     hw=(h, w), kernel=(kh, kw), stride=(sh, sw), padding=(ph, pw), bias=bool(rng.integers(0, 2)))


def _backward_both(ours, theirs, rng):
    """Same random probe on both outputs; loss = sum(probe * out)."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)
    probe = rng.standard_normal(tuple(theirs.shape)).astype(np.float32)
    (ours * Tensor(probe)).sum().backward()
    (theirs * torch.from_numpy(probe)).sum().backward()


@pytest.mark.parametrize("seed", range(10))
def test_conv2d_matches_torch(seed):
    rng, cfg = _config(1000 + seed, pool=False)
    layer = Conv2d(cfg["c"], cfg["c_out"], cfg["kernel"], stride=cfg["stride"], padding=cfg["padding"],
                   bias=cfg["bias"])
    if cfg["bias"]:
        layer.bias.data[...] = rng.standard_normal(cfg["c_out"])
    x_np = rng.standard_normal((cfg["n"], cfg["c"], *cfg["hw"])).astype(np.float32)
    x = Tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    tw = torch.tensor(layer.weight.data.copy(), requires_grad=True)
    tb = torch.tensor(layer.bias.data.copy(), requires_grad=True) if cfg["bias"] else None
    _backward_both(layer(x), F.conv2d(tx, tw, tb, stride=cfg["stride"], padding=cfg["padding"]), rng)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer.weight.grad, tw.grad.numpy(), rtol=RTOL, atol=ATOL)
    if cfg["bias"]:
        np.testing.assert_allclose(layer.bias.grad, tb.grad.numpy(), rtol=RTOL, atol=ATOL)
    else:
        assert layer.bias is None and layer.parameters() == [layer.weight]


@pytest.mark.parametrize("seed", range(10))
def test_maxpool2d_matches_torch(seed):
    rng, cfg = _config(2000 + seed, pool=True)
    stride = cfg["stride"] if seed % 3 else None            # None: torch's default, stride = kernel
    x_np = rng.standard_normal((cfg["n"], cfg["c"], *cfg["hw"])).astype(np.float32)
    x, tx = Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    ours = MaxPool2d(cfg["kernel"], stride=stride, padding=cfg["padding"])(x)
    theirs = F.max_pool2d(tx, cfg["kernel"], stride=stride, padding=cfg["padding"])
    np.testing.assert_array_equal(ours.data, theirs.detach().numpy())        # max is exact
    _backward_both(ours, theirs, rng)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("seed", range(10))
def test_avgpool2d_matches_torch(seed):
    rng, cfg = _config(3000 + seed, pool=True)
    stride = cfg["stride"] if seed % 3 else None
    x_np = rng.standard_normal((cfg["n"], cfg["c"], *cfg["hw"])).astype(np.float32)
    x, tx = Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    ours = AvgPool2d(cfg["kernel"], stride=stride, padding=cfg["padding"])(x)
    theirs = F.avg_pool2d(tx, cfg["kernel"], stride=stride, padding=cfg["padding"], count_include_pad=True)
    _backward_both(ours, theirs, rng)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("x_rows, kernel, stride", [
    ([[5, 5], [5, 5]], 2, 2),                           # one window, all tied
    ([[0, 5, 5], [5, 5, 0], [5, 0, 5]], 2, 1),         # overlapping windows with ties
    ([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]], (2, 3), 1),
])
def test_maxpool_tie_gradients_match_torch(x_rows, kernel, stride):
    x_np = np.array(x_rows, dtype=np.float32)[None, None]
    x, tx = Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    MaxPool2d(kernel, stride=stride)(x).sum().backward()
    F.max_pool2d(tx, kernel, stride=stride).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


@pytest.mark.parametrize("ours, theirs, positional", [
    (Conv2d, torch.nn.Conv2d, 8), (MaxPool2d, torch.nn.MaxPool2d, 4), (AvgPool2d, torch.nn.AvgPool2d, 5)])
def test_parameter_names_and_positions_are_pytorchs(ours, theirs, positional):
    """The first `positional` parameters have PyTorch's names in PyTorch's order, and the rest have
    PyTorch's names. MaxPool2d stops at dilation: PyTorch's fifth is return_indices, which tinytorch
    does not have, so its ceil_mode is keyword-only."""
    def names(cls):
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    assert names(ours)[:positional] == names(theirs)[:positional]
    for name in names(ours)[positional:]:
        assert name in names(theirs), name
        assert inspect.signature(ours.__init__).parameters[name].kind is inspect.Parameter.KEYWORD_ONLY or (
            names(theirs).index(name) == names(ours).index(name)), name
    assert inspect.signature(ours.__init__).parameters[names(ours)[0]].default is inspect.Parameter.empty
