"""Module 07's pictures: each figure cell draws what its prose describes, and without matplotlib
each prints a one-line note and the notebook goes on.

The reference notebook runs as Jupyter's Run All does (tests/helpers/figure_notebooks.py), and
every figure it shows is captured.
"""
import numpy as np

from figure_notebooks import SKIP_NOTE, figures_fixture, in_this_checkout, reference_source, run_without_matplotlib

SRC = reference_source("07_optimizers")
pytestmark = in_this_checkout(SRC)
figures = figures_fixture(SRC)


def test_three_figures_in_order(figures):
    shown, _ = figures
    assert len(shown) == 3, f"expected 3 figures (paths, loss vs step, learning rates), got {len(shown)}"


def test_paths_over_contours(figures):
    (fig, *_), ns = figures
    (ax,) = fig.axes
    paths = ax.get_lines()
    assert len(paths) == 5, "three paths, the start and the minimum"
    assert [line.get_label() for line in paths[:3]] == list(ns["_setups"])
    for line, path in zip(paths, ns["_paths"].values()):
        np.testing.assert_array_equal(line.get_xydata(), path)
        np.testing.assert_array_equal(path[0], ns["_VALLEY_START"])
    assert len(ax.collections) >= 1, "the loss's contour lines"
    # The runs are the optimizers' own: Adam's first step is lr * sign(gradient) in each coordinate.
    np.testing.assert_allclose(paths[2].get_xydata()[1], [-3.9, 0.9], rtol=1e-6)


def test_loss_against_step(figures):
    shown, ns = figures
    (ax,) = shown[1].axes
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 3
    for line, path in zip(ax.get_lines(), ns["_paths"].values()):
        np.testing.assert_allclose(line.get_ydata(), 0.5 * (path[:, 0] ** 2 + 100 * path[:, 1] ** 2))
    final = [line.get_ydata()[-1] for line in ax.get_lines()]
    assert final[0] > 100 * max(final[1:]), "momentum and Adam end far below plain SGD"


def test_learning_rates(figures):
    shown, ns = figures
    left, right = shown[2].axes
    assert len(left.get_lines()) == len(right.get_lines()) == 3 and right.get_yscale() == "log"
    small, good, large = (line.get_ydata() for line in right.get_lines())
    assert large[-1] > large[0] > good[-1] and small[-1] > good[-1], "too large diverges, too small crawls"
    y = left.get_lines()[1].get_ydata()
    assert np.all(y[1:] * y[:-1] < 0), "lr 0.019: y changes sign every step (factor 1 - 1.9)"


def test_without_matplotlib_each_figure_cell_says_so(monkeypatch, capsys):
    printed = run_without_matplotlib(SRC, monkeypatch, capsys)
    assert printed.count(SKIP_NOTE) == 3, printed[-2000:]
    assert "4. p <- (1 - 0.1 * 0.01)" in printed, "the notebook went on to its last cell"
