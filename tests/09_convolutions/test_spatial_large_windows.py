"""Pooling windows of more than 256 cells, against PyTorch 2.13 and the numpy oracle (issue #27).

A max-pool window's winner is remembered as its offset in the window (0 .. kh*kw - 1). Windows
up to 16x16 have offsets that fit in one byte; larger ones (17x17 = 289 cells, 15x20 = 300) do
not, and a winner past offset 255 must still get the gradient at its own position. The cases put
the maximum at chosen offsets on both sides of 255 and at the boundary (255 and 256), with and
without the options (ceil_mode, dilation), NCHW and channels-last.
"""
import numpy as np
import oracles
import pytest

from tinytorch.core.spatial import AvgPool2d, MaxPool2d, maxpool2d_backward_loops, maxpool2d_loops
from tinytorch.core.tensor import Tensor

torch = pytest.importorskip(
    "torch", reason="PyTorch not installed: the oracle comparison needs torch==2.13.0 (pip install -e '.[dev]')")
F = torch.nn.functional


def channels_last(array):
    return array.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)


def ours(layer, x, probe):
    xt = Tensor(x, requires_grad=True, dtype=np.float64)
    out = layer(xt)
    out.backward(probe)
    return out.data, xt.grad


def theirs(fn, x, probe, kernel, **options):
    xt = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    out = fn(xt, kernel, **options)
    (out * torch.tensor(probe)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


def test_maxpool_17x17_sends_the_gradient_to_the_winner_at_any_offset():
    # One 17x17 window per channel, the maximum planted at offsets 272 (16, 0), 16 (0, 16),
    # 288 (16, 16), 255 (15, 0), 256 (15, 1), 271 (15, 16), 0 (0, 0).
    winners = [(16, 0), (0, 16), (16, 16), (15, 0), (15, 1), (15, 16), (0, 0)]
    x = np.random.default_rng(20).uniform(-1, 0, size=(1, len(winners), 17, 17))
    for c, (row, col) in enumerate(winners):
        x[0, c, row, col] = 5.0
    probe = np.arange(1.0, len(winners) + 1).reshape(1, -1, 1, 1)
    out, grad = ours(MaxPool2d(17), x, probe)
    np.testing.assert_array_equal(out.ravel(), 5.0)
    for c, (row, col) in enumerate(winners):
        expected = np.zeros((17, 17))
        expected[row, col] = c + 1.0
        np.testing.assert_array_equal(grad[0, c], expected, err_msg=f"winner at {(row, col)}")
    np.testing.assert_array_equal(grad, theirs(F.max_pool2d, x, probe, 17)[1])


# (id, x shape, kernel, options): windows of 256, 257, 289 and 300 cells
LARGE = [
    ("16x16: 256 cells", (2, 2, 32, 16), 16, {}),
    ("1x257: 257 cells", (1, 2, 2, 257), (1, 257), {}),
    ("17x17 stride 1", (1, 2, 19, 18), 17, dict(stride=1)),
    ("15x20: 300 cells", (2, 3, 30, 40), (15, 20), {}),
    ("15x20 stride (5, 10) padding (7, 3)", (1, 2, 24, 30), (15, 20), dict(stride=(5, 10), padding=(7, 3))),
    ("17x17 ceil_mode stride 8", (1, 2, 27, 26), 17, dict(stride=8, ceil_mode=True)),
    ("(9,17) dilation 2: 153 cells spread over 17x33", (1, 2, 20, 35), (9, 17), dict(dilation=(2, 2), stride=3)),
    ("17x17 dilation (1,2)", (1, 2, 18, 36), 17, dict(dilation=(1, 2), stride=(1, 3))),
]


@pytest.mark.parametrize("layout", ["NCHW", "channels-last"])
@pytest.mark.parametrize("case", LARGE, ids=[case[0] for case in LARGE])
def test_maxpool_large_windows_match_torch(case, layout):
    _, shape, kernel, options = case
    rng = np.random.default_rng(21)
    # A ramp down the rows puts most windows' maximum in their last rows, at their largest offsets.
    x = rng.standard_normal(shape) + 0.5 * np.arange(shape[2])[:, None]
    out_shape = F.max_pool2d(torch.zeros(shape, dtype=torch.float64), kernel, **options).shape
    probe = rng.standard_normal(tuple(out_shape))
    expected, expected_grad = theirs(F.max_pool2d, x, probe, kernel, **options)
    out, grad = ours(MaxPool2d(kernel, **options), channels_last(x) if layout == "channels-last" else x, probe)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-13, atol=1e-13)


def _300_cell_case():
    """x with its top windows' maxima planted at offset 14 * 20 + 0 = 280, a probe, and the oracle's answers."""
    rng = np.random.default_rng(22)
    x = rng.standard_normal((1, 2, 30, 40))
    x[:, :, 14, ::20] = 4.0
    probe = rng.standard_normal((1, 2, 2, 2))
    return x, probe, oracles.max_pool2d(x, (15, 20)), oracles.max_pool2d_backward(probe, x, (15, 20))


def test_maxpool_300_cell_windows_match_the_oracle():
    x, probe, expected, expected_grad = _300_cell_case()
    out, grad = ours(MaxPool2d((15, 20)), x, probe)
    np.testing.assert_array_equal(out, expected, err_msg="MaxPool2d (the given fast path) vs the numpy oracle")
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-14, atol=0,
                               err_msg="MaxPool2d grad (the given fast path) vs the numpy oracle")
    assert grad[0, 0, 14, 0] == probe[0, 0, 0, 0] and grad[0, 0, 14, 20] == probe[0, 0, 0, 1]


def test_maxpool_loops_on_300_cell_windows_match_the_oracle():
    x, probe, expected, expected_grad = _300_cell_case()
    np.testing.assert_array_equal(maxpool2d_loops(x, (15, 20)), expected,
                                  err_msg="maxpool2d_loops (yours) vs the numpy oracle")
    np.testing.assert_allclose(maxpool2d_backward_loops(probe, x, (15, 20)), expected_grad, rtol=1e-14, atol=0,
                               err_msg="maxpool2d_backward_loops (yours) vs the numpy oracle")


@pytest.mark.parametrize("options", [{}, dict(ceil_mode=True, count_include_pad=False, padding=(5, 8), stride=9)],
                         ids=["defaults", "ceil_mode count_include_pad=False"])
def test_avgpool_large_windows_match_torch(options):
    rng = np.random.default_rng(23)
    x = rng.standard_normal((1, 2, 30, 40))
    out_shape = F.avg_pool2d(torch.zeros(x.shape, dtype=torch.float64), (15, 17), **options).shape
    probe = rng.standard_normal(tuple(out_shape))
    expected, expected_grad = theirs(F.avg_pool2d, x, probe, (15, 17), **options)
    out, grad = ours(AvgPool2d((15, 17), **options), x, probe)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-12)
