"""Module 03's pictures: each figure cell draws what its prose describes, and without matplotlib
each prints a one-line note and the notebook goes on.

The reference notebook runs as Jupyter's Run All does (tests/helpers/figure_notebooks.py), and
every figure it shows is captured.
"""
import numpy as np

from figure_notebooks import SKIP_NOTE, figures_fixture, in_this_checkout, reference_source, run_without_matplotlib

SRC = reference_source("03_layers")
pytestmark = in_this_checkout(SRC)
figures = figures_fixture(SRC)

DEFAULT, HE, NORMAL = "Linear's default, U(+-1/sqrt(fan_in))", "He, N(0, 2/fan_in)", "standard normal, N(0, 1)"


def test_three_figures_in_order(figures):
    shown, _ = figures
    assert len(shown) == 3, f"expected 3 figures (depth and initialisation, bent boundaries, parameter counts), got {len(shown)}"


def test_depth_and_initialisation(figures):
    (fig, *_), ns = figures
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert ns["_depth"] == 10 and ns["_width"] == 256
    lines = ax.get_lines()
    assert len(lines) == 6, "per rule: the measured mean squares and the predicted ones (dotted)"
    measured, predicted = lines[0::2], lines[1::2]
    assert [line.get_label() for line in measured] == [DEFAULT, HE, NORMAL]
    assert all(line.get_linestyle() == ":" for line in predicted)
    m0 = ns["_m0"]
    assert abs(m0 - 1) < 0.02, "standard-normal inputs"
    for line, rule in zip(measured, (DEFAULT, HE, NORMAL)):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 11))
        np.testing.assert_allclose(line.get_ydata(), ns["_squares"][rule])
    # The argument's factor fan_in * sigma^2 / 2: 1/6 for Linear's rule, 1 for He, fan_in / 2 for std 1.
    np.testing.assert_allclose([ns["_factors"][r] for r in (DEFAULT, HE, NORMAL)], [1 / 6, 1, 128], rtol=1e-12)
    np.testing.assert_allclose(predicted[0].get_ydata(), m0 * (1 / 6) ** np.arange(1, 11), rtol=1e-9)
    default, he, normal = (np.array(line.get_ydata()) for line in measured)
    ratios = np.concatenate([[default[0] / m0], default[1:] / default[:-1]])
    assert np.all((ratios > 0.12) & (ratios < 0.22)), f"the default keeps about 1/6 per layer, ratios {ratios}"
    assert 0.15 < (default[-1] / m0) ** (1 / 10) < 0.18
    assert default[-1] < 1e-7, "ten layers of the default: the signal has all but vanished"
    assert np.all((he > 0.7 * m0) & (he < 1.6 * m0)), f"He keeps the mean square roughly constant, got {he}"
    assert np.all(np.diff(normal) > 0) and normal[-1] > 1e18, "std 1 explodes"
    # The band covers the depth of module 03's models: layers 1 to 3.
    (band,) = ax.patches
    xs = np.array(band.get_xy())[:, 0] if not hasattr(band, "get_bbox") else [band.get_bbox().x0, band.get_bbox().x1]
    assert np.isclose(min(xs), 0.5) and np.isclose(max(xs), 3.5)
    # Linear's own weights have the std the argument uses, 1 / sqrt(3 fan_in).
    assert abs(ns["_w_default"].std() * np.sqrt(3 * 256) - 1) < 0.02


def test_bent_boundaries(figures):
    shown, ns = figures
    left, right = shown[1].axes
    assert [left.get_title(), right.get_title()] == ["Linear -> Linear (no ReLU)", "Linear -> ReLU -> Linear"]
    linear, bent = ns["_grid_out"]["Linear -> Linear (no ReLU)"], ns["_grid_out"]["Linear -> ReLU -> Linear"]
    gx, gy = ns["_gx"], ns["_gy"]
    # Without ReLU the two layers are one affine map, W2 W1 x + (W2 b1 + b2), printed by the cell.
    np.testing.assert_allclose(linear, -0.5 * gx + gy + 1.0, atol=1e-12)
    np.testing.assert_allclose(ns["_collapsed"], [[-0.5, 1.0]])
    # With ReLU: 1 - x - 0.5 relu(-x) ... is not a plane, and its positive region is a closed patch.
    expected = 1 - np.maximum(gx, 0) - 0.5 * np.maximum(-gx, 0) - np.maximum(gy, 0) - 2 * np.maximum(-gy, 0)
    np.testing.assert_allclose(bent, expected, atol=1e-12)
    inside = bent > 0
    assert inside[gx.shape[0] // 2, gx.shape[1] // 2], "the origin is inside"
    assert not (inside[0].any() or inside[-1].any() or inside[:, 0].any() or inside[:, -1].any())
    # The quadrilateral's corners sit on the kinks: (1, 0), (-2, 0), (0, 1), (0, -0.5).
    for corner in [(1, 0), (-2, 0), (0, 1), (0, -0.5)]:
        assert abs(1 - max(corner[0], 0) - 0.5 * max(-corner[0], 0) - max(corner[1], 0) - 2 * max(-corner[1], 0)) < 1e-12
    # Each panel draws its zero contour; the right one the two dashed kink lines.
    assert len(left.collections) == len(right.collections) == 2, "filled regions and the zero contour, per panel"
    kinks = [line for line in right.get_lines() if line.get_linestyle() == "--"]
    assert len(kinks) == 2 and not [line for line in left.get_lines() if line.get_linestyle() == "--"]


def test_parameter_counts(figures):
    shown, ns = figures
    (ax,) = shown[2].axes
    assert ax.get_yscale() == "log"
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == [784 * 128, 128 * 64, 64 * 10, 128, 64, 10], heights
    assert ns["_total"] == sum(heights) == 109386
    assert ax.get_title() == "parameters per Linear layer (109386 in all)"
    assert [label.get_text().split("\n")[1] for label in ax.get_xticklabels()] == ["784 -> 128", "128 -> 64", "64 -> 10"]


def test_without_matplotlib_each_figure_cell_says_so(monkeypatch, capsys):
    printed = run_without_matplotlib(SRC, monkeypatch, capsys)
    assert printed.count(SKIP_NOTE) == 3, printed[-2000:]
    assert "in eval mode the ones pass unchanged" in printed, "the notebook went on to its last cell"
