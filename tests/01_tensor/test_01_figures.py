"""Module 01's pictures: each figure cell draws what its prose describes, and without matplotlib
each prints a one-line note and the notebook goes on.

The reference notebook runs as Jupyter's Run All does (tests/helpers/figure_notebooks.py), and
every figure it shows is captured.
"""
import numpy as np

from figure_notebooks import SKIP_NOTE, figures_fixture, in_this_checkout, reference_source, run_without_matplotlib

SRC = reference_source("01_tensor")
pytestmark = in_this_checkout(SRC)
figures = figures_fixture(SRC)


def cells(ax):
    """{(row, col): (text, alpha)} of the texts centred in grid cells, and {(row, col): alpha} of the cells."""
    texts = {}
    for text in ax.texts:
        x, y = text.get_position()
        if x > 0 and (x - 0.5) == int(x) and (y - 0.5) == int(y):
            texts[(int(y), int(x))] = (text.get_text(), text.get_alpha())
    patches = {(int(round(p.get_y())), int(round(p.get_x()))): p.get_alpha() for p in ax.patches}
    return texts, patches


def grid_values(ax, shape):
    texts, _ = cells(ax)
    assert set(texts) == set(np.ndindex(shape)), f"cells drawn {sorted(texts)}, expected a {shape} grid"
    return np.array([[float(texts[(i, j)][0]) for j in range(shape[1])] for i in range(shape[0])])


def test_three_figures_in_order(figures):
    shown, _ = figures
    assert len(shown) == 3, f"expected 3 figures (broadcasting, memory order, float spacing), got {len(shown)}"


def test_broadcasting_grids(figures):
    (fig, *_), ns = figures
    column, row, total, mismatch = fig.axes
    col = np.array([[0.0], [10.0], [20.0]])
    r = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(ns["_col"].data, col)
    np.testing.assert_array_equal(ns["_row"].data, r)
    # Each operand is drawn stretched to (3, 4); the cells it stores are solid, the repeats faded.
    np.testing.assert_array_equal(grid_values(column, (3, 4)), np.repeat(col, 4, axis=1))
    np.testing.assert_array_equal(grid_values(row, (3, 4)), np.repeat(r, 3, axis=0))
    for ax, stored in ((column, lambda i, j: j == 0), (row, lambda i, j: i == 0), (total, lambda i, j: True)):
        _, patches = cells(ax)
        assert set(patches) == set(np.ndindex(3, 4))
        for (i, j), alpha in patches.items():
            assert (alpha == 1.0) == stored(i, j), f"{ax.get_title()}: cell {(i, j)} alpha {alpha}"
    # The result grid holds the sum, equal to the notebook's own Tensor result and to col + row.
    np.testing.assert_array_equal(grid_values(total, (3, 4)), col + r)
    np.testing.assert_array_equal(ns["_sum"].data, col + r)
    assert "(3, 4)" in total.get_title()
    # The failing case: (3, 4) + (3,), padded to (1, 3), the last axes 4 and 3 do not match.
    try:
        np.zeros((3, 4)) + np.zeros(3)
    except ValueError as err:
        expected = str(err)
    assert ns["_error_message"] == expected
    assert ns["_padded"] == (1, 3) and ns["_compatible"] == [True, False]
    texts, _ = cells(mismatch)
    assert [texts[(0, k)][0] for k in range(2)] == ["3", "4"]
    assert [texts[(1, k)][0] for k in range(2)] == ["1 (pad)", "3"]
    assert [texts[(2, k)][0] for k in range(2)] == ["ok", "no"]
    reds = [p for p in mismatch.patches if p.get_y() == 2 and p.get_x() == 1]
    assert len(reds) == 1 and np.allclose(reds[0].get_facecolor()[:3], (0.839, 0.153, 0.157), atol=0.01), "the failing axis is red"
    message = [t.get_text() for t in mismatch.texts if "ValueError" in t.get_text()]
    assert len(message) == 1 and " ".join(message[0].split()) == "ValueError: " + " ".join(expected.split())


def test_memory_order(figures):
    shown, ns = figures
    axes = shown[1].axes
    base = np.arange(12.0).reshape(3, 4)
    expected = [(base, (16, 4)), (base.reshape(4, 3), (12, 4)), (base.T, (4, 16))]
    for ax, (values, strides) in zip(axes, expected):
        np.testing.assert_array_equal(grid_values(ax, values.shape), values)
        assert f"strides {strides}" in ax.get_title(), ax.get_title()
        # The red line visits the cells in memory order: the k-th point is the cell holding k.
        (line,) = ax.get_lines()
        texts, _ = cells(ax)
        visited = [texts[(int(y - 0.5), int(x - 0.5))][0] for x, y in zip(line.get_xdata(), line.get_ydata())]
        assert visited == [str(k) for k in range(12)], visited
    # Transposing swaps strides without copying; the first point of the transposed path goes down a column.
    (line,) = axes[2].get_lines()
    assert list(line.get_xdata()[:4]) == [0.5] * 4
    np.testing.assert_array_equal(ns["_flat_t"].data, base.T.ravel())
    assert not np.shares_memory(ns["_flat_t"].data, ns["_base"].data)
    assert np.shares_memory(ns["_views"]["t.transpose()"].data, ns["_base"].data)


def test_float_spacing(figures):
    shown, ns = figures
    (ax,) = shown[2].axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    magnitudes = 10.0 ** np.arange(-8, 9)
    f32, f64, gap_one, first_lost = ax.get_lines()
    assert [f32.get_label(), f64.get_label()] == ["float32", "float64"]
    np.testing.assert_array_equal(f32.get_xdata(), magnitudes)
    np.testing.assert_array_equal(f32.get_ydata(), np.spacing(magnitudes.astype(np.float32)).astype(np.float64))
    np.testing.assert_array_equal(f64.get_ydata(), np.spacing(magnitudes))
    assert f32.get_ydata()[-1] == 8.0 and f64.get_ydata()[-1] < 1
    assert list(gap_one.get_ydata()) == [1.0, 1.0]
    assert list(first_lost.get_xdata()) == [2.0 ** 24] * 2 and ns["_first_lost"] == 2.0 ** 24
    assert np.float32(2 ** 24) + np.float32(1) == np.float32(2 ** 24) and np.float32(2 ** 23) + np.float32(1) != np.float32(2 ** 23)
    assert ns["_sum32"] == 1e8 and ns["_sum64"] == 1e8 + 1
    assert ax.get_title() == "float32: 1e8 + 1 = 100000000; float64: 1e8 + 1 = 100000001"


def test_check_your_understanding(figures):
    _, ns = figures
    assert ns["_q_shape"] == (8, 7, 6, 5)
    assert ns["_q_bytes"] == 64 * 3 * 32 * 32 * 4
    assert ns["_q_madds"] == 32 * 784 * 128


def test_without_matplotlib_each_figure_cell_says_so(monkeypatch, capsys):
    printed = run_without_matplotlib(SRC, monkeypatch, capsys)
    assert printed.count(SKIP_NOTE) == 3, printed[-2000:]
    assert "floating-point operations" in printed, "the notebook went on to its last cell"
