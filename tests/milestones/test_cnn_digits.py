"""The CNN milestone: it learns (better than with frozen filters), it compares, it draws, it reports."""
import sys

import numpy as np
import pytest

import cnn_digits
import cnn_figure
from shifts import SHIFTS, random_shifts, shift_images

from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import Flatten
from tinytorch.core.spatial import AdaptiveAvgPool2d, BatchNorm2d, Conv2d
from tinytorch.core.tensor import Tensor, manual_seed

# Accuracy floor of the quick run (`--quick`: 5 epochs, batch 64, Adam 0.004 with cosine decay,
# random one-pixel shifts) on the 359 bundled test digits. Measured with that same budget
# (`python milestones/cnn_digits.py --quick [--freeze-conv] --seed S`), seeds 0, 1, 2, 3, 4:
#   trained CNN:                                       97.21  96.10  95.54  97.21  96.10 %  (min 95.5)
#   same CNN, convolution filters frozen at their init
#   (requires_grad False; only the final Linear trains): 88.86  86.63  84.96  86.35  84.68 %  (max 88.9)
# The floor sits between the two: a network whose filters do not learn fails this test.
QUICK_FLOOR = 0.93

# The same for the modern CNN (conv-BN-ReLU, depthwise-separable, global average pooling), from
# the same quick settings at its own learning rate (--modern-lr, default 0.008), seeds 0, 1, 2, 3, 4:
#   trained modern CNN:                                96.10  97.77  96.94  98.05  98.05 %  (min 96.1)
#   same network, convolution filters frozen at their init
#   (only the BatchNorm scales/shifts and the Linear train): 68.80  66.30  69.64  67.69  70.47 %  (max 70.5)
MODERN_QUICK_FLOOR = 0.93

# The default run (`python milestones/cnn_digits.py --seed S`: 60 epochs; measured when a 40 s budget per
# model was the default, all 60 epochs done, on the shared 2-core machine; now there is no budget), the modern CNN's row (params, test acc, seconds)
# next to the LeNet-style CNN's, seeds 0, 1, 2:
#   MODERN  24,682   98.33%  99.16%  98.61%   25.0  27.4  26.3 s   (--modern-lr 0.008; seeds 3, 4: 98.89%, 98.33%)
#   CNN     30,634   99.16%  98.89%  99.44%   14.7  15.5  16.4 s
# At the CNN's learning rate (0.004) the modern CNN reached 98.05%, 98.05%, 98.89%: 7 errors of the
# 7.18 that 98% allows, hence its own, higher default.
# (the bar: >= 98% for these seeds with fewer parameters than the CNN; too slow for a test).


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One `--quick` run of the whole program (CNN, MLP and modern CNN), shared by the tests below."""
    figure = tmp_path_factory.mktemp("figure") / "cnn.png"
    args = cnn_digits.parse_args(["--quick", "--seed", "0", "--figure", str(figure)])
    results = cnn_digits.run(args)
    return args, results, figure


def test_quick_run_learns_with_its_filters(quick_run):
    _, (cnn, _, _), _ = quick_run
    assert not cnn["history"]["stopped_early"], "the quick run should finish its epochs within its time budget"
    assert cnn["test_acc"] >= QUICK_FLOOR, (
        f"CNN test accuracy {cnn['test_acc']:.2%} after the quick run is below {QUICK_FLOOR:.0%}, "
        "what a CNN with frozen random filters reaches")
    moved = np.abs(cnn["model"][0].weight.data - cnn["initial_filters"])
    scale = np.abs(cnn["initial_filters"]).mean()
    assert moved.mean() > 0.05 * scale, "the first-layer filters hardly moved: are the conv gradients reaching Adam?"
    assert (moved.reshape(len(moved), -1).max(axis=1) > 0).all(), "some first-layer filters never changed"


def test_quick_run_reports_all_three_models(quick_run, capsys):
    args, (cnn, mlp, modern), _ = quick_run
    assert (cnn["kind"], mlp["kind"], modern["kind"]) == ("cnn", "mlp", "modern")
    assert abs(mlp["params"] - cnn["params"]) <= 0.02 * cnn["params"]         # "about the same size"
    for r in (cnn, mlp, modern):
        assert set(r["shifted"]) == set(SHIFTS)
        assert 0.0 <= r["shifted_mean"] <= 1.0 and r["seconds"] > 0
        assert r["history"]["epoch"] == list(range(1, args.epochs + 1))
    rows = cnn_digits.summary_table([cnn, mlp, modern], 359).splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["CNN", "MLP", "MODERN"]
    for row, r in zip(rows, (cnn, mlp, modern)):
        assert row.split()[1:3] == [f"{r['params']:,}", f"{r['test_acc']:.2%}"]
        assert row.split()[-1] == f"{r['seconds']:.1f}"
    assert "errors on the 359 test images" in cnn_digits.what_convolution_bought(cnn, mlp, 359)
    sentence = cnn_digits.modern_against_lenet(cnn, modern, 359)
    assert f"{modern['params']:,} parameters" in sentence and f"{cnn['params']:,}" in sentence


def test_quick_run_modern_cnn_learns(quick_run):
    _, (_, _, modern), _ = quick_run
    assert not modern["history"]["stopped_early"], "the quick run should finish its epochs within its time budget"
    assert modern["trainable"] == modern["params"]
    assert modern["test_acc"] >= MODERN_QUICK_FLOOR, (
        f"modern CNN test accuracy {modern['test_acc']:.2%} after the quick run is below {MODERN_QUICK_FLOOR:.0%}, "
        "what it reaches with its convolution filters frozen at their random initial values")


def test_quick_run_modern_cnn_batchnorm_trains_then_evaluates_with_running_stats(quick_run):
    args, (_, _, modern), _ = quick_run
    model = modern["model"]
    norms = [layer for layer in model if isinstance(layer, BatchNorm2d)]
    n_train = len(cnn_digits.load_dataset("digits", None, "train")[1])
    steps = len(modern["history"]["epoch"]) * -(-n_train // args.batch_size)     # batches per epoch, rounded up
    for bn in norms:
        # Updated once per training batch, never by the evaluations between epochs.
        assert bn.num_batches_tracked == steps
        assert np.abs(bn.running_mean).max() > 1e-3, "running_mean never moved from 0"
        assert np.abs(bn.running_var - 1).max() > 1e-3, "running_var never moved from 1"
    images, labels = cnn_digits.load_dataset("digits", None, "test")
    loss_fn = cnn_digits.CrossEntropyLoss()

    def test_loss(training):
        model.train(training)
        with no_grad():
            return float(loss_fn(model(Tensor(images)), Tensor(labels)).data)

    in_eval_mode, with_batch_stats = test_loss(False), test_loss(True)
    # The reported test loss is the eval-mode one (running statistics), not the one computed with
    # the test batch's own statistics; the two differ, so the check can tell them apart.
    assert modern["test_loss"] == pytest.approx(in_eval_mode, rel=1e-5)
    assert abs(with_batch_stats - in_eval_mode) > 1e-3 * in_eval_mode


def test_quick_run_saves_the_figure(quick_run):
    pytest.importorskip("matplotlib")
    _, _, figure = quick_run
    assert figure.is_file() and figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_matplotlib_the_figure_is_skipped(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)        # makes `import matplotlib` fail
    assert cnn_figure.save_figure(tmp_path / "f.png", [], None) is None
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not (tmp_path / "f.png").exists()


def _shapes_through(model, input_shape):
    """[(layer, input shape)] as each layer of `model` sees a batch of 1."""
    shape, seen = (1, *input_shape), []
    for layer in model:
        seen.append((layer, shape))
        shape = layer.output_shape(shape) if hasattr(layer, "output_shape") else shape
    return seen


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 32, 32)])
def test_modern_cnn_is_built_from_modern_blocks(shape):
    manual_seed(0)
    model = cnn_digits.build_modern_cnn(shape)
    layers = list(model)
    convs = [layer for layer in layers if isinstance(layer, Conv2d)]
    assert any(isinstance(layer, BatchNorm2d) for layer in layers)
    assert any(c.groups == c.in_channels > 1 and c.out_channels == c.in_channels for c in convs), "no depthwise conv"
    assert any(c.kernel_size == (1, 1) for c in convs), "no pointwise (1x1) conv"
    for conv, following in zip(layers, layers[1:]):
        if isinstance(conv, Conv2d):          # conv-BN-ReLU: the BatchNorm's shift replaces the bias
            assert isinstance(following, BatchNorm2d) and conv.bias is None
    pools = [layer for layer in layers if isinstance(layer, AdaptiveAvgPool2d)]
    assert pools and all(p.output_size in (1, (1, 1)) for p in pools)
    for layer, seen in _shapes_through(model, shape):
        if isinstance(layer, Flatten):
            assert seen[2:] == (1, 1), f"Flatten over a {seen[2]}x{seen[3]} map: global average pooling should come first"
    assert cnn_digits.count_parameters(model) < cnn_digits.count_parameters(cnn_digits.build_cnn(shape))
    assert model(Tensor(np.random.default_rng(0).random((2, *shape), dtype=np.float32))).shape == (2, 10)


def test_frozen_filters_stay_at_init():
    images, labels = cnn_digits.load_dataset("digits", None, "train")
    data = (images[:64], labels[:64])
    result = cnn_digits.run_model("cnn", data, data, seed=3, epochs=1, batch_size=32, lr=3e-3, freeze_conv=True)
    convs = [layer for layer in result["model"] if isinstance(layer, cnn_digits.Conv2d)]
    assert convs and all(not c.weight.requires_grad for c in convs)
    np.testing.assert_array_equal(convs[0].weight.data, result["initial_filters"])
    assert result["trainable"] == 256 * 10 + 10 < result["params"]


def test_frozen_modern_cnn_trains_only_batchnorm_and_linear():
    images, labels = cnn_digits.load_dataset("digits", None, "train")
    data = (images[:64], labels[:64])
    result = cnn_digits.run_model("modern", data, data, seed=3, epochs=1, batch_size=32, lr=3e-3, freeze_conv=True,
                                  log=lambda line: None)
    layers = list(result["model"])
    convs = [layer for layer in layers if isinstance(layer, Conv2d)]
    manual_seed(3)
    initial = [layer for layer in cnn_digits.build_modern_cnn((1, 8, 8)) if isinstance(layer, Conv2d)]
    for conv, init in zip(convs, initial, strict=True):
        assert not conv.weight.requires_grad
        np.testing.assert_array_equal(conv.weight.data, init.weight.data)
    norms = [layer for layer in layers if isinstance(layer, BatchNorm2d)]
    assert result["trainable"] == 2 * sum(bn.num_features for bn in norms) + layers[-1].weight.data.size + 10


def test_time_budget_stops_training(capsys):
    images, labels = cnn_digits.load_dataset("digits", None, "train")
    data = (images[:96], labels[:96])
    result = cnn_digits.run_model("cnn", data, data, seed=0, epochs=50, batch_size=32, lr=3e-3, time_budget=1e-6)
    assert result["history"]["stopped_early"] and result["history"]["epoch"] == [1]
    assert "time budget" in capsys.readouterr().out


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32)])
def test_models_follow_the_image_size(shape):
    manual_seed(0)
    cnn = cnn_digits.build_cnn(shape)
    x = Tensor(np.random.default_rng(0).random((2, *shape), dtype=np.float32))
    assert cnn(x).shape == (2, 10)
    n_cnn = cnn_digits.count_parameters(cnn)
    mlp = cnn_digits.build_mlp(shape, n_cnn)
    assert mlp(x).shape == (2, 10)
    assert abs(cnn_digits.count_parameters(mlp) - n_cnn) <= 0.02 * n_cnn


def test_seed_makes_runs_repeatable():
    images, labels = cnn_digits.load_dataset("digits", None, "train")
    data = (images[:64], labels[:64])
    runs = [cnn_digits.run_model("mlp", data, data, seed=5, epochs=2, batch_size=16, lr=3e-3, target_params=3000,
                                 log=lambda line: None) for _ in range(2)]
    assert runs[0]["history"]["loss"] == runs[1]["history"]["loss"]


def test_command_line_errors(tmp_path, capsys):
    assert cnn_digits.main(["--dataset", "mnist", "--data-dir", str(tmp_path)]) == 2
    assert "train-images-idx3-ubyte" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cnn_digits.parse_args(["--dataset", "cifar10"])             # no --data-dir
    with pytest.raises(SystemExit):
        cnn_digits.parse_args(["--epochs", "0"])
    assert cnn_digits.parse_args(["--quick"]).epochs == cnn_digits.QUICK["epochs"]
    assert cnn_digits.parse_args(["--quick", "--epochs", "2"]).epochs == 2
    assert cnn_digits.parse_args([]).modern and not cnn_digits.parse_args(["--no-modern"]).modern


# --- shifts -------------------------------------------------------------------------------

def test_shift_images_moves_content():
    image = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3)
    np.testing.assert_array_equal(shift_images(image, 1, 0)[0], [[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(shift_images(image, 0, -1)[0], [[2, 3, 0], [5, 6, 0], [8, 9, 0]])
    np.testing.assert_array_equal(shift_images(image, 0, 0), image)
    with pytest.raises(ValueError, match="out of the frame"):
        shift_images(image, 3, 0)


def test_random_shifts_are_seeded_one_pixel_moves():
    images = np.random.default_rng(0).random((50, 1, 6, 6)).astype(np.float32)
    a = random_shifts(images, np.random.default_rng(7))
    b = random_shifts(images, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    moves = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    for original, shifted in zip(images, a):
        assert any(np.array_equal(shift_images(original, dy, dx), shifted) for dy, dx in moves)
    assert not np.array_equal(a, images)


def test_an_unfinished_exercise_in_the_package_is_named_with_how_to_fix_it(monkeypatch, capsys):
    """After `tito export 09` of a notebook whose Conv2d.__init__ is still a stub, the milestone says
    which function, which package file, which notebook, and which commands fix it (not a bare traceback)."""
    import tinytorch.core.spatial as spatial

    scope = {}  # a stub as nbgrader leaves it, compiled as a line of the package file (where an export puts it)
    exec(compile("def __init__(self, *args, **kwargs):\n    raise NotImplementedError()", spatial.__file__, "exec"), scope)
    monkeypatch.setattr(spatial.Conv2d, "__init__", scope["__init__"])
    assert cnn_digits.main(["--quick", "--no-mlp", "--no-modern", "--no-figure"]) == 3
    err = capsys.readouterr().err
    assert "__init__() in tinytorch/core/spatial.py is not written yet" in err, err
    assert "09_convolutions" in err and "tito export 09" in err and "tito status" in err, err
