"""The oracles of oracles.py are right: hand-worked values and finite differences (no dependency
beyond numpy), then torch on seeded random configurations (skipped without torch).

Every other test of the module takes its expected values from these oracles, so they are checked
here on their own, with nothing from tinytorch involved.
"""
import numpy as np
import pytest

import oracles

# 1..9 as a 3x3 image
X9 = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
# An irregular 4x4 image, so the maximum sits in a different corner of each window
X_IRREGULAR = np.array([[[[1.0, 9, 2, 0], [3, 4, 8, 5], [7, 0, 6, 1], [2, 5, 3, 4]]]])


# ---------------------------------------------------------------- hand-worked values

@pytest.mark.parametrize("args, expected", [
    ((28, 5, 1, 0), 24), ((32, 3, 1, 1), 32), ((7, 3, 2, 0), 3), ((8, 3, 2, 0), 3),   # floor drops the last column
    ((10, 4, 3, 1), 3), ((6, 3, 3, 2), 3), ((9, 2, 4, 0), 2), ((5, 5, 1, 0), 1), ((224, 7, 2, 3), 112),
    ((7, 3, 1, 0, 2), 3),                                                            # dilation 2: the window spans 5
])
def test_output_size_by_hand(args, expected):
    assert oracles.output_size(*args) == expected


def test_conv2d_by_hand():
    # Cross-correlation: (0,0) = 1*1 + 2*2 + 4*3 + 5*4 = 37 (a flipped kernel would give 23), then 47, 67, 77.
    np.testing.assert_array_equal(oracles.conv2d(X9, [[[[1.0, 2], [3, 4]]]]), [[[[37, 47], [67, 77]]]])
    np.testing.assert_array_equal(oracles.conv2d(X9, [[[[1.0, 2], [3, 4]]]], bias=[-7.0]), [[[[30, 40], [60, 70]]]])
    # 3x3 ones with padding 1: neighbourhood sums, zeros outside; with stride 2 only the corners remain.
    ones = np.ones((1, 1, 3, 3))
    np.testing.assert_array_equal(oracles.conv2d(X9, ones, padding=1), [[[[12, 21, 16], [27, 45, 33], [24, 39, 28]]]])
    np.testing.assert_array_equal(oracles.conv2d(X9, ones, stride=2, padding=1), [[[[12, 16], [24, 28]]]])
    # Rectangular: 3x1 column sums, padding (1, 0), stride (1, 2) on 1..12 as 3x4.
    x = np.arange(1.0, 13.0).reshape(1, 1, 3, 4)
    np.testing.assert_array_equal(oracles.conv2d(x, np.ones((1, 1, 3, 1)), stride=(1, 2), padding=(1, 0)),
                                  [[[[6, 10], [15, 21], [14, 18]]]])


def test_conv2d_options_by_hand():
    # groups=2: output channel 0 sees input channel 0 only (x2), output channel 1 input channel 1 only (x3).
    x = np.stack([X9[0, 0], 10 * X9[0, 0]])[None]
    got = oracles.conv2d(x, np.array([2.0, 3.0]).reshape(2, 1, 1, 1), groups=2)
    np.testing.assert_array_equal(got, [[2 * X9[0, 0], 30 * X9[0, 0]]])
    # dilation 2: a 1x2 ones kernel adds x[j] and x[j + 2]: [1+3, 2+4, 3+5].
    row = np.arange(1.0, 6.0).reshape(1, 1, 1, 5)
    np.testing.assert_array_equal(oracles.conv2d(row, np.ones((1, 1, 1, 2)), dilation=2), [[[[4, 6, 8]]]])
    # "same" with a 2x2 kernel that is 1 at its top-left: x itself only if the extra row and column of
    # padding go to the bottom and right.
    top_left = np.zeros((1, 1, 2, 2))
    top_left[0, 0, 0, 0] = 1
    np.testing.assert_array_equal(oracles.conv2d(X9, top_left, padding="same"), X9)
    assert oracles.conv_pads("same", (2, 3), (3, 1)) == ((1, 2), (1, 1))
    assert oracles.conv_pads("valid", 3) == ((0, 0), (0, 0)) and oracles.conv_pads((1, 2), 3) == ((1, 1), (2, 2))


def test_conv2d_backward_by_hand():
    # x = 1..9, w = [[1, 2], [3, 4]], grad_out = [[1, 0], [0, 2]]:
    # grad_x: window (0,0) adds 1*w at x[0:2, 0:2], window (1,1) adds 2*w at x[1:3, 1:3]
    # grad_w[a, b] = 1 * x[a, b] + 2 * x[1+a, 1+b] = [[1 + 10, 2 + 12], [4 + 16, 5 + 18]]; grad_b = 1 + 2
    grad_x, grad_w, grad_b = oracles.conv2d_backward([[[[1.0, 0], [0, 2]]]], X9, [[[[1.0, 2], [3, 4]]]])
    np.testing.assert_array_equal(grad_x, [[[[1, 2, 0], [3, 6, 4], [0, 6, 8]]]])
    np.testing.assert_array_equal(grad_w, [[[[11, 14], [20, 23]]]])
    np.testing.assert_array_equal(grad_b, [3])


def test_max_pool2d_by_hand():
    np.testing.assert_array_equal(oracles.max_pool2d(X_IRREGULAR, 2), [[[[9, 8], [7, 6]]]])
    np.testing.assert_array_equal(oracles.max_pool2d(X_IRREGULAR, 2, stride=1), [[[[9, 9, 8], [7, 8, 8], [7, 6, 6]]]])
    # -1..-9, padding 1: windows {-1}, {-2, -3}, {-4, -7}, {-5, -6, -8, -9}; the -inf rim never wins
    # (zero padding would give [[0, 0], [0, -5]]).
    np.testing.assert_array_equal(oracles.max_pool2d(-X9, 2, padding=1), [[[[-1, -2], [-4, -5]]]])


def test_max_pool2d_backward_by_hand():
    # 2x2 windows, stride 1, grad_out 1..6: ties go to the first maximum in row-major order
    # (window (0,2) {0,7,7,0} pays (0,3)); the 7 at (1,2) wins three windows: 2 + 5 + 6 = 13.
    x = np.array([[[[5.0, 5, 0, 7], [5, 1, 7, 0], [2, 2, 2, 2]]]])
    grad_out = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(oracles.max_pool2d_backward(grad_out, x, 2, stride=1),
                                  [[[[1, 0, 0, 3], [4, 0, 13, 0], [0, 0, 0, 0]]]])
    # All negative 2x3, padding 1: windows {-1}, {-2, -3}, {-4}, {-5, -6}; the padding takes nothing.
    x = -np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(oracles.max_pool2d_backward([[[[1.0, 2], [3, 4]]]], x, 2, padding=1),
                                  [[[[1, 2, 0], [3, 4, 0]]]])


def test_avg_pool2d_by_hand():
    np.testing.assert_array_equal(oracles.avg_pool2d(X_IRREGULAR, 2), [[[[4.25, 3.75], [3.5, 3.5]]]])
    # count_include_pad: the corner window of 3x3 ones with padding 1 holds one 1 in four cells.
    np.testing.assert_array_equal(oracles.avg_pool2d(np.ones((1, 1, 3, 3)), 2, padding=1), [[[[0.25, 0.5], [0.5, 1]]]])


def test_avg_pool2d_backward_by_hand():
    # 1x4 windows of a 2x3 map (kernel 2, stride 1, padding (0, 1)): shares 4/4, 8/4, 12/4, 16/4; column 0
    # gets 1 + 2, column 1 gets 2 + 3, column 2 gets 3 + 4; the shares on the padding are dropped.
    got = oracles.avg_pool2d_backward([[[[4.0, 8, 12, 16]]]], np.zeros((1, 1, 2, 3)), 2, stride=1, padding=(0, 1))
    np.testing.assert_array_equal(got, [[[[3, 5, 7], [3, 5, 7]]]])


# ---------------------------------------------------------------- backward = finite differences of forward

FD_TOL = 1e-9     # the losses are linear (piecewise linear for max), so only rounding is left


def _assert_matches_finite_differences(backward, loss, at, what):
    numeric = oracles.numerical_gradient(loss, at)
    error = np.abs(backward - numeric).max() / max(np.abs(numeric).max(), 1e-300)
    assert np.abs(numeric).max() > 1e-3, f"{what}: degenerate check, the numeric gradient is ~0"
    assert error < FD_TOL, f"{what}: max relative difference {error:.3e} from finite differences"


@pytest.mark.parametrize("shape, c_out, kernel, options", [
    ((2, 3, 5, 7), 2, (2, 3), dict(stride=(2, 1), padding=(1, 2))),
    ((1, 4, 6, 5), 4, (3, 2), dict(groups=2, dilation=(2, 1), padding=1)),
    ((2, 2, 5, 6), 2, (2, 2), dict(padding="same", dilation=(1, 2), groups=2)),
])
def test_conv2d_backward_is_the_gradient_of_conv2d(shape, c_out, kernel, options):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((c_out, shape[1] // options.get("groups", 1), *kernel))
    b = rng.standard_normal(c_out)
    probe = rng.standard_normal(oracles.conv2d(x, w, b, **options).shape)
    grad_x, grad_w, grad_b = oracles.conv2d_backward(probe, x, w, **options)
    def loss(xa, wa, ba):
        return np.sum(probe * oracles.conv2d(xa, wa, ba, **options))

    _assert_matches_finite_differences(grad_x, lambda a: loss(a, w, b), x, "grad_x")
    _assert_matches_finite_differences(grad_w, lambda a: loss(x, a, b), w, "grad_w")
    _assert_matches_finite_differences(grad_b, lambda a: loss(x, w, a), b, "grad_b")


@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), ((3, 2), (2, 1), (1, 1)), ((2, 3), 1, (1, 0))])
def test_pool_backward_is_the_gradient_of_the_pool(pool, kernel, stride, padding):
    forward, backward = {"max": (oracles.max_pool2d, oracles.max_pool2d_backward),
                         "avg": (oracles.avg_pool2d, oracles.avg_pool2d_backward)}[pool]
    rng = np.random.default_rng(2)
    x = rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) / 10 - 3    # distinct values 0.1 apart: no ties
    probe = rng.standard_normal(forward(x, kernel, stride, padding).shape)
    _assert_matches_finite_differences(backward(probe, x, kernel, stride, padding),
                                       lambda a: np.sum(probe * forward(a, kernel, stride, padding)), x,
                                       f"{pool}_pool2d_backward")


# ---------------------------------------------------------------- against torch

try:
    import torch
    F = torch.nn.functional
except ImportError:          # the hand-worked and finite-difference checks above still run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: the oracles' torch check needs "
                                                       "torch==2.13.0 (pip install -e '.[dev]')")
EXACT = dict(rtol=1e-12, atol=1e-12)     # float64 against float64


def _torch_grads(fn, inputs, probe):
    """fn's output and the gradients of sum(probe * fn(*inputs)) with respect to every input, float64."""
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in inputs]
    out = fn(*tensors)
    (out * torch.tensor(probe)).sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


def _random_axis(rng, pool):
    kernel, stride, dilation = int(rng.integers(1, 4)), int(rng.integers(1, 4)), 1 if pool else int(rng.integers(1, 3))
    padding = int(rng.integers(0, kernel // 2 + 1)) if pool else int(rng.integers(0, 3))
    size = int(rng.integers(max(1, dilation * (kernel - 1) + 1 - 2 * padding), 9))
    return size, kernel, stride, padding, dilation


@needs_torch
@pytest.mark.parametrize("seed", range(12))
def test_conv2d_and_its_backward_match_torch(seed):
    rng = np.random.default_rng(100 + seed)
    (h, kh, sh, ph, dh), (w, kw, sw, pw, dw) = _random_axis(rng, False), _random_axis(rng, False)
    groups = int(rng.integers(1, 3))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    options = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), groups=groups)
    x = rng.standard_normal((int(rng.integers(1, 3)), c_in, h, w))
    weight, bias = rng.standard_normal((c_out, c_in // groups, kh, kw)), rng.standard_normal(c_out)
    expected = oracles.conv2d(x, weight, bias, **options)
    probe = rng.standard_normal(expected.shape)
    out, grads = _torch_grads(lambda a, b, c: F.conv2d(a, b, c, **options), (x, weight, bias), probe)
    np.testing.assert_allclose(expected, out, **EXACT, err_msg=f"oracles.conv2d {options}")
    for name, mine, theirs in zip(("x", "weight", "bias"), oracles.conv2d_backward(probe, x, weight, **options), grads):
        np.testing.assert_allclose(mine, theirs, **EXACT, err_msg=f"oracles.conv2d_backward grad {name} {options}")


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")   # the case meant
@pytest.mark.parametrize("kernel, dilation", [((2, 4), (1, 1)), ((3, 2), (2, 3)), ((2, 2), (3, 1))])
def test_conv2d_same_padding_matches_torch(kernel, dilation):
    rng = np.random.default_rng(7)
    x, weight = rng.standard_normal((2, 2, 7, 6)), rng.standard_normal((3, 2, *kernel))
    expected = F.conv2d(torch.tensor(x), torch.tensor(weight), padding="same", dilation=dilation).numpy()
    np.testing.assert_allclose(oracles.conv2d(x, weight, padding="same", dilation=dilation), expected, **EXACT)


@needs_torch
@pytest.mark.parametrize("seed", range(12))
def test_pools_and_their_backward_match_torch(seed):
    rng = np.random.default_rng(200 + seed)
    (h, kh, sh, ph, _), (w, kw, sw, pw, _) = _random_axis(rng, True), _random_axis(rng, True)
    stride = (sh, sw) if seed % 3 else None              # None: the kernel size, as torch's default
    x = rng.standard_normal((int(rng.integers(1, 3)), int(rng.integers(1, 3)), h, w))
    if seed % 2:
        x = np.round(x)                                  # many ties: torch's CPU kernel pays the first maximum
    for name, fn, theirs in (("max", oracles.max_pool2d, F.max_pool2d), ("avg", oracles.avg_pool2d, F.avg_pool2d)):
        expected = fn(x, (kh, kw), stride, (ph, pw))
        probe = rng.standard_normal(expected.shape)
        out, (grad,) = _torch_grads(lambda a: theirs(a, (kh, kw), stride, (ph, pw)), (x,), probe)
        backward = getattr(oracles, f"{name}_pool2d_backward")
        case = f"{name} pool, x {x.shape}, kernel {(kh, kw)}, stride {stride}, padding {(ph, pw)}"
        np.testing.assert_allclose(expected, out, **EXACT, err_msg=case)
        np.testing.assert_allclose(backward(probe, x, (kh, kw), stride, (ph, pw)), grad, **EXACT, err_msg=case)
