"""Module 06's pictures: each figure cell draws what its prose describes, and without matplotlib
each prints a one-line note and the notebook goes on.

The reference notebook runs as Jupyter's Run All does (tests/helpers/figure_notebooks.py), and
every figure it shows is captured. What a figure must show is computed here independently
(a graph walk of our own, the formulas of the derivatives).
"""
import numpy as np
import pytest

from figure_notebooks import SKIP_NOTE, figures_fixture, in_this_checkout, reference_source, run_without_matplotlib

SRC = reference_source("06_autograd")
pytestmark = in_this_checkout(SRC)
figures = figures_fixture(SRC)


@pytest.fixture(autouse=True, scope="module")
def package_autograd_afterwards():
    """The notebook's enable_autograd() rewires Tensor to the notebook's own grad mode; put the
    package's back for the test files that run after this one."""
    yield
    from tinytorch.core import autograd
    autograd.enable_autograd()


def labelled(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def walk(root):
    """(tensors, nodes, edges) of the graph ending at root: our own walk of the recorded _ctx."""
    tensors, nodes, edges, stack = {}, {}, 0, [root]
    while stack:
        tensor = stack.pop()
        if id(tensor) in tensors:
            continue
        tensors[id(tensor)] = tensor
        if tensor._ctx is not None:
            nodes[id(tensor._ctx)] = tensor._ctx
            inputs = [inp for inp in tensor._ctx.inputs if inp is not None]
            edges += len(inputs) + 1                     # input -> node for each input, node -> output
            stack.extend(inputs)
    return tensors, nodes, edges


def test_three_figures_in_order(figures):
    shown, _ = figures
    assert len(shown) == 3, f"expected 3 figures (finite differences, graph, two paths), got {len(shown)}"


def test_finite_differences_make_a_v(figures):
    (fig, *_), ns = figures
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    lines = labelled(ax)
    eps = lines["float64 measured"].get_xdata()
    assert eps.min() == 1e-12 and eps.max() == 1.0 and len(eps) == 49
    f64, f32 = lines["float64 measured"].get_ydata(), lines["float32 measured"].get_ydata()
    np.testing.assert_allclose(f64, np.abs((np.exp(1 + eps) - np.exp(1 - eps)) / (2 * eps) - np.e) / np.e, rtol=1e-6)
    for curve, low, high in ((f64, 1e-7, 1e-4), (f32, 1e-4, 1e-1)):
        best = curve.argmin()
        assert low <= eps[best] <= high, f"the best step {eps[best]:.1e} is not a middling eps"
        assert curve[0] > 100 * curve[best] and curve[-1] > 100 * curve[best], "both arms of the V rise"
    assert f32.min() > 1e4 * f64.min(), "float32 leaves far fewer digits"
    np.testing.assert_allclose(f32[eps < 2.9e-8], 1.0, err_msg="1 + eps and 1 - eps round to 1 in float32")
    big = eps > 0.05                                       # truncation: the same for both dtypes, ~ eps^2 / 6
    np.testing.assert_allclose(f32[big], f64[big], rtol=1e-2)
    np.testing.assert_allclose(f64[eps == 1e-2], 1e-4 / 6, rtol=1e-2)
    np.testing.assert_allclose(lines["truncation eps^2/6"].get_ydata(), eps ** 2 / 6)
    assert ns["_best_eps"]["float64"] == eps[f64.argmin()] and ns["_best_eps"]["float32"] == eps[f32.argmin()]


def test_graph_is_the_recorded_one(figures):
    shown, ns = figures
    (ax,) = shown[1].axes
    root = ns["_root"]
    tensors, nodes, edges = walk(root)
    assert (len(tensors), len(nodes), edges) == (7, 4, 10)
    boxes = {text.get_text().split("\n")[0].split()[0]: text for text in ax.texts if "\ngrad " in text.get_text()}
    ops = sorted(text.get_text() for text in ax.texts if "\ngrad " not in text.get_text())
    assert len(boxes) == len(tensors) and len(ax.texts) == len(tensors) + len(nodes), "one box per tensor and per node"
    assert ops == sorted(repr(node).strip("<>").replace("Backward", "") for node in nodes.values()) \
        == ["Add", "Mul", "Pow", "ReLU"]
    arrows = ax.patches
    assert len(arrows) == edges, "one arrow per edge"
    assert all(start[0] < end[0] for start, end in (arrow._posA_posB for arrow in arrows)), "edges point to the output"

    def number(name, key):
        line = next(text for text in boxes[name].get_text().split("\n") if text.startswith(key))
        return float(line[len(key):])

    for name, tensor in (("a", ns["_a"]), ("b", ns["_b"]), ("c", ns["_c"])):
        assert number(name, "grad ") == tensor.grad[0], f"the label of {name} shows its .grad"
    assert (number("a", "grad "), number("b", "grad "), number("c", "grad ")) == (-24, 16, 8)
    # Non-leaf tensors: the gradient that reached them, dL/dL = 1 and 2 y = 8 below it.
    assert [number(name, "grad ") for name in ("L", "y", "z", "a*b")] == [1, 8, 8, 8]
    assert [number(name, "= ") for name in ("a", "b", "c", "a*b", "z", "y", "L")] == [2, -3, 10, -6, 4, 4, 16]
    # The output is rightmost, the leaves a and b leftmost; #k is the position in topological_order.
    x = {name: text.get_position()[0] for name, text in boxes.items()}
    assert x["L"] == max(x.values()) and x["a"] == x["b"] == min(x.values())
    position = {name: int(text.get_text().split("#")[1].split("\n")[0]) for name, text in boxes.items()}
    assert sorted(position.values()) == list(range(1, 8)) and position["L"] == 7
    assert position["a*b"] > max(position["a"], position["b"]) and position["z"] > position["c"]


def test_two_paths_sum_to_the_gradient(figures):
    shown, ns = figures
    (ax,) = shown[2].axes
    lines = ax.get_lines()
    assert len(lines) == 4, "two contributions, their sum, finite differences"
    direct, through_exp, total, dots = lines
    assert "MulBackward" in direct.get_label() and "NegBackward" in through_exp.get_label()
    x = direct.get_xdata()
    np.testing.assert_allclose(direct.get_ydata(), np.exp(-x), rtol=1e-12)
    np.testing.assert_allclose(through_exp.get_ydata(), -x * np.exp(-x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(total.get_ydata(), direct.get_ydata() + through_exp.get_ydata(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(total.get_ydata(), ns["_xt"].grad)
    at_one = np.argmin(np.abs(x - 1))
    assert x[at_one] == 1 and abs(total.get_ydata()[at_one]) < 1e-12 and abs(direct.get_ydata()[at_one] - np.exp(-1)) < 1e-12
    np.testing.assert_allclose(dots.get_ydata(), (1 - dots.get_xdata()) * np.exp(-dots.get_xdata()), atol=1e-8)


def test_without_matplotlib_each_figure_cell_says_so(monkeypatch, capsys):
    printed = run_without_matplotlib(SRC, monkeypatch, capsys)
    assert printed.count(SKIP_NOTE) == 3, printed[-2000:]
    assert "a.grad = 0, b.grad = 0, c.grad = 0" in printed and "after two -48" in printed, "check your understanding"
    assert "grad mode, detach, Function: ok" in printed, "the notebook went on to its last cell"
