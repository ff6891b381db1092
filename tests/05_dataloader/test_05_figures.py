"""Module 05's pictures: each figure cell draws what its prose describes, and without matplotlib
each prints a one-line note and the notebook goes on.

The reference notebook runs as Jupyter's Run All does (tests/helpers/figure_notebooks.py), and
every figure it shows is captured.
"""
import numpy as np

from figure_notebooks import SKIP_NOTE, figures_fixture, in_this_checkout, reference_source, run_without_matplotlib

SRC = reference_source("05_dataloader")
pytestmark = in_this_checkout(SRC)
figures = figures_fixture(SRC)


def test_three_figures_in_order(figures):
    shown, _ = figures
    assert len(shown) == 3, f"expected 3 figures (shuffled batches, class balance, digits), got {len(shown)}"


def test_shuffled_batches_image(figures):
    (fig, *_), ns = figures
    assert len(fig.axes) == 3 and all(len(ax.images) == 1 for ax in fig.axes)
    plain, first, second = (np.asarray(ax.images[0].get_array(), dtype=float) for ax in fig.axes)
    assert plain.shape == first.shape == (4, 6), "20 samples in batches of 6: 4 rows of 6 places"
    np.testing.assert_array_equal(plain.ravel()[:20], np.arange(20))
    rng = np.random.default_rng(0)   # the loader's own generator, seed 0: one permutation per epoch
    np.testing.assert_array_equal(first.ravel()[:20], rng.permutation(20))
    np.testing.assert_array_equal(second.ravel()[:20], rng.permutation(20))
    assert np.isnan(first.ravel()[20:]).all(), "the short last batch leaves blank places"
    assert [len(ax.texts) for ax in fig.axes] == [20, 20, 20], "every cell is labelled with its sample index"


def test_class_balance_bars(figures):
    shown, ns = figures
    (ax,) = shown[1].axes
    assert len(ax.patches) == 20, "two bars (train, test) per digit"
    heights = np.array([p.get_height() for p in ax.patches]).reshape(2, 10)
    for row, split in enumerate(("train", "test")):
        np.testing.assert_array_equal(heights[row], np.bincount(ns["load_digits"](split)[1], minlength=10))


def test_digit_grid(figures):
    shown, ns = figures
    axes = shown[2].axes
    assert len(axes) == 20 and all(len(ax.images) == 1 for ax in axes), "2 examples x 10 classes"
    images, labels = ns["load_digits"]("train")
    for ax in axes:
        shown_image = np.asarray(ax.images[0].get_array())
        match = [i for i in range(len(labels)) if np.array_equal(images[i, 0], shown_image)]
        assert match and ax.get_title() == f"label {labels[match[0]]}", ax.get_title()
    assert sorted(ax.get_title() for ax in axes) == sorted(f"label {d}" for d in range(10) for _ in range(2))


def test_without_matplotlib_each_figure_cell_says_so(monkeypatch, capsys):
    printed = run_without_matplotlib(SRC, monkeypatch, capsys)
    assert printed.count(SKIP_NOTE) == 3, printed[-2000:]
    assert "4. one image:" in printed, "the notebook went on to its last cell"
