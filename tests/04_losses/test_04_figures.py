"""Module 04's pictures: each figure cell draws what its prose describes, computed with the module's
own losses, and without matplotlib each prints a one-line note and the notebook goes on.

The reference notebook runs as Jupyter's Run All does (tests/helpers/figure_notebooks.py), and
every figure it shows is captured.
"""
import numpy as np

from figure_notebooks import SKIP_NOTE, figures_fixture, in_this_checkout, reference_source, run_without_matplotlib

SRC = reference_source("04_losses")
pytestmark = in_this_checkout(SRC)
figures = figures_fixture(SRC)


def test_three_figures_in_order(figures):
    shown, _ = figures
    assert len(shown) == 3, f"expected 3 figures (MSE vs cross-entropy, naive softmax overflow, Sigmoid then BCE), got {len(shown)}"


def test_mse_and_cross_entropy_against_p(figures):
    (fig, *_), ns = figures
    left, right = fig.axes
    MSELoss, CrossEntropyLoss, Tensor = ns["MSELoss"], ns["CrossEntropyLoss"], ns["Tensor"]
    p = ns["_p"]
    np.testing.assert_allclose(p, np.linspace(0.001, 0.999, 999))
    mse_line, ce_line = left.get_lines()
    np.testing.assert_array_equal(mse_line.get_xdata(), p)
    # The plotted values are the module's losses on the one-sample problems the prose describes.
    for i in (0, 9, 500, 998):
        q = p[i]
        assert np.isclose(mse_line.get_ydata()[i], MSELoss()(Tensor([[q, 1 - q]], dtype=np.float64), [[1.0, 0.0]]).item(), rtol=1e-12)
        assert np.isclose(ce_line.get_ydata()[i], CrossEntropyLoss()(Tensor(np.log([[q, 1 - q]]), dtype=np.float64), [0]).item(), rtol=1e-12)
    np.testing.assert_allclose(mse_line.get_ydata(), (1 - p) ** 2, rtol=1e-10)
    np.testing.assert_allclose(ce_line.get_ydata(), -np.log(p), rtol=1e-10, atol=1e-12)
    # Slopes by central differences with h = 1e-4 min(p, 1 - p): -2 (1 - p) and -1 / p, to within the
    # difference's own error ((h / p)^2 / 3 = 3.3e-9 relative for -log p); the right panel draws their
    # sizes on a log axis.
    np.testing.assert_allclose(ns["_mse_slopes"], -2 * (1 - p), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ns["_ce_slopes"], -1 / p, rtol=1e-8)
    assert right.get_yscale() == "log"
    mse_slope, ce_slope = (np.asarray(line.get_ydata()) for line in right.get_lines())
    np.testing.assert_allclose(mse_slope, 2 * (1 - p), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ce_slope, 1 / p, rtol=1e-8)
    # Bounded vs unbounded: MSE's loss <= 1 and slope <= 2; cross-entropy's grow as p -> 0.
    assert mse_line.get_ydata().max() <= 1 and mse_slope.max() <= 2
    assert ce_line.get_ydata()[0] > 6.9 and ce_slope[0] > 999
    assert np.all(np.diff(ce_line.get_ydata()) < 0) and np.all(np.diff(ce_slope) < 0)


def test_naive_softmax_overflow(figures):
    shown, ns = figures
    (ax,) = shown[1].axes
    assert ax.get_xscale() == "log"
    CrossEntropyLoss, Tensor = ns["CrossEntropyLoss"], ns["Tensor"]
    s = ns["_s"]
    assert s.dtype == np.float32 and s.size == 400 and np.isclose(s[0], 1) and np.isclose(s[-1], 1e4)
    overflow = np.log(np.finfo(np.float32).max)
    naive_line, stable_line, threshold = ax.get_lines()
    # The stable curve is CrossEntropyLoss on each row (s, s - 1, 0), true class 0.
    for i in (0, 150, 399):
        row = np.array([[s[i], s[i] - 1, 0.0]], dtype=np.float32)
        assert stable_line.get_ydata()[i] == CrossEntropyLoss()(Tensor(row), [0]).item()
    assert np.all(np.isfinite(stable_line.get_ydata()))
    np.testing.assert_allclose(stable_line.get_ydata()[-50:], np.log1p(np.exp(-1.0)), rtol=1e-5)
    # The naive curve is drawn exactly where it is finite: below the sum's overflow, never above exp's.
    xs = np.asarray(naive_line.get_xdata())
    assert np.array_equal(xs, s[s < overflow]) and xs.max() < overflow - np.log1p(np.exp(-1.0))
    np.testing.assert_allclose(naive_line.get_ydata(), stable_line.get_ydata()[: xs.size], rtol=1e-3)
    assert ns["_naive"][s > overflow].size == 205 and not np.isfinite(ns["_naive"][s > overflow]).any()
    # Dashed line at log(float32 max); the shaded band starts at the first broken size.
    assert np.allclose(threshold.get_xdata(), overflow) and threshold.get_linestyle() == "--"
    (band,) = ax.patches
    x0 = band.get_bbox().x0 if hasattr(band, "get_bbox") else np.array(band.get_xy())[:, 0].min()
    assert np.isclose(x0, s[s > overflow].min())


def test_sigmoid_then_bce_saturates(figures):
    shown, ns = figures
    (ax,) = shown[2].axes
    Tensor, BCE = ns["Tensor"], ns["BinaryCrossEntropyLoss"]
    from tinytorch.core.activations import Sigmoid
    scores = ns["_scores"]
    exact, f64, f32, cap = ax.get_lines()
    np.testing.assert_allclose(exact.get_ydata(), np.logaddexp(0, scores), rtol=1e-12)
    for line, dtype in ((f32, np.float32), (f64, np.float64)):
        for i in (0, 100, 200, 250, 450):
            assert line.get_ydata()[i] == BCE()(Sigmoid()(Tensor([scores[i]], dtype=dtype)), [0.0]).item()
    cap_value = -np.log(1e-12)
    assert np.allclose(cap.get_ydata(), cap_value)
    y32, y64, ex = (np.asarray(line.get_ydata()) for line in (f32, f64, exact))
    # Both agree with the exact loss for moderate scores, and both are flat at the cap for large ones.
    small = scores <= 10
    np.testing.assert_allclose(y32[small], ex[small], rtol=1e-2)
    np.testing.assert_allclose(y64[scores <= 20], ex[scores <= 20], rtol=1e-3)   # eps = 1e-12 next to 1 - p
    assert np.allclose(y32[scores >= 17], cap_value, rtol=1e-6) and np.allclose(y64[scores >= 36], cap_value, rtol=1e-4)
    assert ex[-1] > 39 and y32.max() < 27.7 and y64.max() < 27.7
    # float32 leaves the exact curve before float64 does.
    assert 12 < ns["_leaves"]["float32"] < 17 < ns["_leaves"]["float64"] < 28


def test_without_matplotlib_each_figure_cell_says_so(monkeypatch, capsys):
    printed = run_without_matplotlib(SRC, monkeypatch, capsys)
    assert printed.count(SKIP_NOTE) == 3, printed[-2000:]
    assert "section 6 measured at p = 0.010" in printed, "the notebook went on to its last cell"
