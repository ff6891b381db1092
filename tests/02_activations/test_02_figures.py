"""Module 02's pictures: each figure cell draws what its prose describes, and without matplotlib
each prints a one-line note and the notebook goes on.

The reference notebook runs as Jupyter's Run All does (tests/helpers/figure_notebooks.py), and
every figure it shows is captured.
"""
import numpy as np

from figure_notebooks import SKIP_NOTE, figures_fixture, in_this_checkout, reference_source, run_without_matplotlib

SRC = reference_source("02_activations")
pytestmark = in_this_checkout(SRC)
figures = figures_fixture(SRC)


def lines(ax):
    return [line for line in ax.get_lines()]


def test_three_figures_in_order(figures):
    shown, _ = figures
    assert len(shown) == 3, f"expected 3 figures (curves and slopes, histograms, vanishing product), got {len(shown)}"


def test_curves_and_slopes(figures):
    (fig, *_), ns = figures
    top, bottom = fig.axes
    assert len(lines(top)) == 4, "one curve per activation: ReLU, Sigmoid, Tanh, GELU"
    assert len(lines(bottom)) == 5, "one slope per activation, and the threshold line"
    assert lines(bottom)[-1].get_ydata()[0] == ns["_SATURATED"]
    # Two shaded bands (left and right) per saturating activation, in each panel.
    assert len(top.patches) == len(bottom.patches) == 4
    # The bands start where the measured slope falls below the threshold: sigmoid'(x) = s (1 - s) < 0.01.
    s = 1 / (1 + np.exp(-ns["_xs"]))
    assert abs(ns["_edges"]["Sigmoid"] - ns["_xs"][s * (1 - s) >= 0.01].max()) < 1e-12
    assert 4 < ns["_edges"]["Sigmoid"] < 5 and 2.5 < ns["_edges"]["Tanh"] < 3.5
    relu_slope = lines(bottom)[0].get_ydata()
    np.testing.assert_allclose(relu_slope[ns["_xs"] > 0.01], 1.0, atol=1e-6)


def test_histograms_of_a_layer(figures):
    shown, ns = figures
    axes = shown[1].axes
    assert [ax.get_title() for ax in axes] == ["pre-activation", "ReLU", "GELU", "Sigmoid"]
    assert all(len(ax.patches) == 40 for ax in axes), "one 40-bin histogram per panel"
    heights = [p.get_height() for p in axes[1].patches]
    assert max(heights) == heights[0] >= 0.45 * ns["_pre"].size, "ReLU piles about half its inputs into the zero bin"


def test_vanishing_product(figures):
    shown, ns = figures
    (ax,) = shown[2].axes
    assert ax.get_yscale() == "log" and len(lines(ax)) == 4, "Sigmoid, Tanh, ReLU and Sigmoid's best case"
    sigmoid, tanh, relu, best = (line.get_ydata() for line in lines(ax))
    np.testing.assert_allclose(best, 0.25 ** np.arange(1, 11), rtol=1e-6)
    np.testing.assert_allclose(relu, 1.0)
    assert np.all(np.diff(sigmoid) < 0) and sigmoid[-1] < best[-1] and tanh[-1] < 0.1


def test_without_matplotlib_each_figure_cell_says_so(monkeypatch, capsys):
    printed = run_without_matplotlib(SRC, monkeypatch, capsys)
    assert printed.count(SKIP_NOTE) == 3, printed[-2000:]
    assert "4. sqrt(2/pi)" in printed, "the notebook went on to its last cell"
