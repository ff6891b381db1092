"""Module 08's pictures: each figure cell draws what its prose describes, without matplotlib each
prints a one-line note and the notebook goes on, and the inline checks run without warnings.

The reference notebook runs as Jupyter's Run All does (tests/helpers/figure_notebooks.py), and
every figure it shows is captured.
"""
import math
import warnings

import numpy as np

from figure_notebooks import ROOT, SKIP_NOTE, figures_fixture, in_this_checkout, reference_source, run_without_matplotlib

SRC = reference_source("08_training")
pytestmark = in_this_checkout(SRC)
figures = figures_fixture(SRC)


def curves(ax):
    return [line.get_ydata() for line in ax.get_lines()]


def test_four_figures_in_order(figures):
    shown, _ = figures
    assert len(shown) == 4, f"expected 4 figures (learning curves, overfitting, cosine schedule, shifts), got {len(shown)}"


def test_learning_curves_of_the_first_run(figures):
    (fig, *_), ns = figures
    loss_ax, acc_ax = fig.axes
    history = ns["history"]
    assert len(curves(loss_ax)) == len(curves(acc_ax)) == 2, "a training and a test curve per panel"
    np.testing.assert_allclose(curves(loss_ax)[0], history["train_loss"])
    np.testing.assert_allclose(curves(loss_ax)[1], history["val_loss"])
    np.testing.assert_allclose(curves(acc_ax)[0], history["train_acc"])
    np.testing.assert_allclose(curves(acc_ax)[1], history["val_acc"])
    assert len(history["train_loss"]) == 10
    assert history["train_loss"][-1] < 0.1 * history["train_loss"][0], "the loss falls, fastest at first"
    assert history["val_acc"][0] > history["train_acc"][0], "epoch 1: the test accuracy beats the training average"
    assert history["val_acc"][-1] > 0.9


def test_overfitting_curves_drift_apart(figures):
    shown, ns = figures
    loss_ax, acc_ax = shown[1].axes
    h = ns["_h"]
    assert len(curves(loss_ax)) == len(curves(acc_ax)) == 3, "train, test and the early-stopping line per panel"
    train_loss, val_loss, marker = curves(loss_ax)
    train_acc, val_acc, _ = curves(acc_ax)
    np.testing.assert_allclose(train_loss, h["train_loss"])
    np.testing.assert_allclose(val_loss, h["val_loss"])
    np.testing.assert_allclose(train_acc, h["train_acc"])
    np.testing.assert_allclose(val_acc, h["val_acc"])
    assert len(train_loss) == 60 and len(ns["_small"].dataset) == 60
    loss_gap, acc_gap = val_loss - train_loss, train_acc - val_acc
    assert loss_gap[0] < 0 < loss_gap[4] < loss_gap[14] < loss_gap[-1], f"the loss gap grows: {loss_gap[[0, 4, 14, -1]]}"
    assert acc_gap[0] < 0 and acc_gap[-1] > 0.2, f"the accuracy gap opens: {acc_gap[[0, -1]]}"
    assert train_acc[-1] == 1.0 and val_acc[-1] < 0.8, "memorised: every training sample right, the test far from it"
    assert val_loss[-1] > min(val_loss) + 0.2, "the test loss rises again after its lowest point"
    best = int(np.argmin(val_loss)) + 1
    assert loss_ax.get_lines()[2].get_xdata()[0] == best == ns["_best_epoch"]


def test_cosine_schedule(figures):
    shown, ns = figures
    (ax,) = shown[2].axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["constant", "cosine (the milestone's formula)", "cosine, 1 epoch warm-up"]
    constant, cosine, warm = (line.get_ydata() for line in lines)
    epochs = lines[1].get_xdata()
    total, peak, per_epoch = ns["_total"], ns["_peak"], ns["_per_epoch"]
    assert total == 10 * per_epoch == 10 * len(ns["train_loader"]) and len(cosine) == total + 1
    assert epochs[0] == 0 and epochs[-1] == 10, "the x axis counts epochs"
    np.testing.assert_allclose(constant, peak)
    assert cosine[0] == peak and abs(cosine[-1]) < 1e-15, "from the peak down to 0"
    assert np.all(np.diff(cosine) < 0), "the cosine decays monotonically"
    assert abs(cosine[total // 2] - peak / 2) < 1e-15
    # The milestone's formula (milestones/cnn_digits.py, train()'s `cosine`).
    milestone = [peak * 0.5 * (1 + math.cos(math.pi * step / total)) for step in range(total + 1)]
    np.testing.assert_allclose(cosine, milestone, rtol=0, atol=1e-15)
    # Warm-up: a linear rise to the peak over the first epoch, then a cosine down to 0.
    np.testing.assert_allclose(warm[:per_epoch], peak * np.arange(1, per_epoch + 1) / per_epoch)
    assert warm.max() == peak and int(np.argmax(warm)) in (per_epoch - 1, per_epoch)
    assert np.all(np.diff(warm[per_epoch:]) < 0) and abs(warm[-1]) < 1e-15


def test_shifted_digits(figures):
    shown, ns = figures
    axes = shown[3].axes
    assert len(axes) == 9 and all(len(ax.images) == 1 for ax in axes), "a 3x3 grid of images"
    digit = ns["_x_test"][0, 0]
    moves = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    padded = np.pad(digit, 1)
    for ax, (dy, dx) in zip(axes, moves):
        drawn = np.asarray(ax.images[0].get_array())
        expected = padded[1 - dy:9 - dy, 1 - dx:9 - dx]        # content moved dy down, dx right, zeros in
        np.testing.assert_array_equal(drawn, expected, err_msg=f"shift {(dy, dx)}")
        rolled = np.roll(digit, (dy, dx), axis=(0, 1))        # the same, by np.roll with the wrapped edge zeroed
        if dy:
            rolled[0 if dy > 0 else -1, :] = 0
        if dx:
            rolled[:, 0 if dx > 0 else -1] = 0
        np.testing.assert_array_equal(drawn, rolled, err_msg=f"shift {(dy, dx)} against np.roll")
    assert axes[4].get_title() == "original"
    np.testing.assert_array_equal(np.asarray(axes[4].images[0].get_array()), digit)
    # The milestone's own shift gives the same images.
    import importlib.util
    spec = importlib.util.spec_from_file_location("_milestone_shifts", ROOT / "milestones" / "shifts.py")
    shifts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shifts)
    for move in moves:
        np.testing.assert_array_equal(ns["_shifted"][move], shifts.shift_images(digit, *move))
    # The numbers of the prose: the MLP loses about half its test accuracy to a one-pixel shift.
    acc = ns["_shift_acc"]
    assert acc[(0, 0)] > 0.9 and all(0.3 < value < 0.7 for move, value in acc.items() if move != (0, 0))


def test_without_matplotlib_each_figure_cell_says_so(monkeypatch, capsys):
    printed = run_without_matplotlib(SRC, monkeypatch, capsys)
    assert printed.count(SKIP_NOTE) == 4, printed[-2000:]
    assert "3. lowest test loss" in printed, "the notebook went on to its last cell"


def test_inline_checks_raise_no_warning():
    """The cells up to the last inline check, run with every warning an error (the nan check of
    test_unit_training_averages used to make numpy warn 'invalid value encountered in subtract')."""
    from tito import cells, notebooks
    code = [cell.source for cell in notebooks.reference_notebook(SRC).cells if cell.cell_type == "code"]
    last_check = max(index for index, source in enumerate(code) if cells.test_functions(source))
    namespace = {"__name__": "__main__"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            for source in code[:last_check + 1]:
                exec(compile(source, str(SRC), "exec"), namespace)
    assert "test_unit_training_averages" in namespace and "test_unit_evaluate_restores" in namespace
