"""Milestone: a convolutional network, built only from tinytorch parts, reads handwritten digits.

    python milestones/cnn_digits.py                    # bundled 8x8 digits, CNN vs MLP vs modern CNN, figure
    python milestones/cnn_digits.py --seed 1 --epochs 10 --figure outputs/seed1.png
    python milestones/cnn_digits.py --dataset mnist --data-dir ~/data/mnist --time-budget 600

It trains a small LeNet-style CNN (Conv2d, ReLU, MaxPool2d, Flatten, Linear from tinytorch);
the same way, a multi-layer perceptron with about as many parameters; and a smaller CNN built
the way modern small networks are (conv-BatchNorm-ReLU blocks, depthwise-separable
convolutions, global average pooling instead of a Linear layer over the whole map). Then it
prints them side by side: parameters, test accuracy, accuracy on the test images moved by one
pixel, and seconds. Training is tinytorch's Trainer (module 08) with DataLoader, CrossEntropyLoss and
Adam; written here are only its two hooks: the augmentation (random one-pixel shifts of each
batch, in numpy) and the learning-rate schedule (a cosine), plus the time budget.
A figure with the training curves, the learned first-layer filters and the feature maps of
one test digit goes to outputs/cnn_digits.png when matplotlib is installed.

Everything is seeded by --seed: tinytorch.core.tensor.manual_seed for the weights, the
DataLoader's seed for the order of samples, a numpy Generator for the shifts.
"""
import argparse
import math
import os
import sys
import time
from pathlib import Path

# The matrix products of this small network are too small to gain from a second BLAS thread,
# and when the other core is busy the threads wait on each other (an epoch can take ten times
# longer). One thread by default keeps the run fast on a busy machine and costs little on an
# idle one; set OPENBLAS_NUM_THREADS yourself to override. It must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

# Run as a script, Python puts this folder on sys.path; pytest's `pythonpath` does it for the tests.
from data_files import load_dataset
from shifts import SHIFTS, random_shifts, shift_images

from tinytorch.core.activations import ReLU
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Flatten, Linear, Sequential, count_parameters
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.spatial import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.core.training import Trainer

# The modern CNN's BatchNorm keeps every layer's inputs at mean 0 and variance 1, which lets it
# train at a higher learning rate (Ioffe and Szegedy, 2015): its own default, modern_lr.
# Training is budgeted by epochs, so the numbers do not depend on the machine's speed; a time
# budget (--time-budget) is only there when asked for.
DEFAULTS = dict(epochs=60, batch_size=64, lr=4e-3, modern_lr=8e-3, time_budget=None)
QUICK = dict(epochs=5, time_budget=None)
NUM_CLASSES = 10


# --- the three models ---------------------------------------------------------------------

def build_cnn(input_shape, num_classes=NUM_CLASSES):
    """conv 3x3 (32) - ReLU - conv 3x3 (32) - ReLU - maxpool 2 - conv 3x3 (64) - ReLU - maxpool 2 - linear.

    input_shape: (channels, height, width). The classifier's input size is computed from the
    layers' output_shape, so the same code takes 8x8 digits, 28x28 MNIST or 32x32 CIFAR-10.
    """
    channels, height, width = input_shape
    spatial = [Conv2d(channels, 32, 3, padding=1), ReLU(),
               Conv2d(32, 32, 3, padding=1), ReLU(), MaxPool2d(2),
               Conv2d(32, 64, 3, padding=1), ReLU(), MaxPool2d(2)]
    shape = (1, channels, height, width)
    for layer in spatial:
        if hasattr(layer, "output_shape"):
            shape = layer.output_shape(shape)
    return Sequential(*spatial, Flatten(), Linear(int(np.prod(shape[1:])), num_classes))


def mlp_width(n_inputs, target_params, num_classes=NUM_CLASSES):
    """Width h of two hidden layers so that n_inputs-h-h-classes has about target_params parameters."""
    # (n + 1) h + (h + 1) h + (h + 1) c = h^2 + (n + 2 + c) h + c
    b = n_inputs + 2 + num_classes
    return max(1, round((-b + math.sqrt(b * b + 4 * (target_params - num_classes))) / 2))


def build_mlp(input_shape, target_params, num_classes=NUM_CLASSES):
    """Flatten - linear - ReLU - linear - ReLU - linear, sized to about target_params parameters."""
    n_inputs = int(np.prod(input_shape))
    width = mlp_width(n_inputs, target_params, num_classes)
    return Sequential(Flatten(), Linear(n_inputs, width), ReLU(), Linear(width, width), ReLU(),
                      Linear(width, num_classes))


def conv_bn_relu(in_channels, out_channels, kernel_size, groups=1):
    """Conv2d - BatchNorm2d - ReLU, keeping the map's size. The convolution has no bias:
    BatchNorm subtracts each channel's mean right after, so a bias would be cancelled; its own
    shift (BatchNorm2d.bias) takes that role."""
    return [Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, groups=groups, bias=False),
            BatchNorm2d(out_channels), ReLU()]


def depthwise_separable(in_channels, out_channels):
    """A 3x3 convolution split in two, each step with BatchNorm and ReLU: depthwise (one 3x3
    filter per channel, groups=in_channels: it looks around but does not mix channels), then
    pointwise (1x1: it mixes channels but does not look around). Weights: 9*in + in*out instead of 9*in*out."""
    return conv_bn_relu(in_channels, in_channels, 3, groups=in_channels) + conv_bn_relu(in_channels, out_channels, 1)


def build_modern_cnn(input_shape, num_classes=NUM_CLASSES):
    """conv 3x3 (32)-BN-ReLU - conv 3x3 (32)-BN-ReLU - maxpool 2 - two depthwise-separable blocks (96)
    - global average pooling - linear. BN is BatchNorm2d; each block is depthwise_separable.

    The dense convolutions look at the raw strokes at full resolution, where a depthwise filter
    (one input channel) could not combine them; after the pooling, the separable blocks widen to
    96 channels at a fraction of the weights. Global average pooling (AdaptiveAvgPool2d(1)) then
    reduces each channel's map to one number, so the classifier is a Linear layer from 96
    features, whatever the image size, instead of one over the whole map as in build_cnn.
    """
    channels = input_shape[0]
    return Sequential(*conv_bn_relu(channels, 32, 3), *conv_bn_relu(32, 32, 3), MaxPool2d(2),
                      *depthwise_separable(32, 96), *depthwise_separable(96, 96),
                      AdaptiveAvgPool2d(1), Flatten(), Linear(96, num_classes))


def freeze_convolutions(model):
    """Leave every Conv2d at its initial weights: requires_grad False, so no optimizer sees them."""
    for layer in model:
        if isinstance(layer, Conv2d):
            layer.weight.requires_grad = False
            if layer.bias is not None:
                layer.bias.requires_grad = False
    return model


# --- training and measuring -----------------------------------------------------------------

def eval_loader(images, labels, batch_size=500):
    """The test images in order, for Trainer.evaluate."""
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size)


def shifted_accuracy(trainer, images, labels):
    """Accuracy on the test images moved one pixel up, down, left and right: {name: accuracy}."""
    return {name: trainer.evaluate(eval_loader(shift_images(images, dy, dx), labels))[1]
            for name, (dy, dx) in SHIFTS.items()}


def train(model, train_data, test_data, *, epochs, batch_size, lr, seed, time_budget=None, augment=True,
          name="model", log=print):
    """Train `model` with tinytorch's Trainer (Adam, cross-entropy); evaluate on the test set after every epoch.

    The learning rate follows a cosine from `lr` down to 0 over all planned steps (the Trainer's
    lr_schedule hook); each batch is shifted at random (its batch_hook) unless augment is False.
    Training stops after the batch during which `time_budget` seconds (if given) ran out.
    Progress goes to `log` (about a dozen lines). Returns (history, trainer): the history is a dict of
    per-epoch lists (epoch, loss, train_acc, test_acc, seconds) plus "stopped_early" (True when the
    budget, not the epoch count, ended training).
    """
    images, labels = train_data
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True, seed=seed)
    shift_rng = np.random.default_rng([seed, 1])           # its own stream: independent of init and order
    total_steps = epochs * len(loader)
    start = time.perf_counter()

    def shift_batch(x, y):
        if time_budget is not None and time.perf_counter() - start > time_budget:
            trainer.stop_training = True                    # this batch is the last one
        return (Tensor(random_shifts(x.data, shift_rng)) if augment else x), y

    def cosine(step):
        return lr * 0.5 * (1 + math.cos(math.pi * step / total_steps))

    trainer = Trainer(model, Adam(model.parameters(), lr=lr), CrossEntropyLoss(), batch_hook=shift_batch,
                      lr_schedule=cosine)
    test = eval_loader(*test_data)
    report_every = max(1, round(epochs / 12))               # about a dozen progress lines per model
    history = dict(epoch=[], loss=[], train_acc=[], test_acc=[], seconds=[], stopped_early=False)
    for epoch in range(1, epochs + 1):
        fitted = trainer.fit(loader, epochs=1, val_loader=test, verbose=False)
        elapsed = time.perf_counter() - start
        for key, value in zip(("epoch", "loss", "train_acc", "test_acc", "seconds"),
                              (epoch, fitted["train_loss"][0], fitted["train_acc"][0], fitted["val_acc"][0], elapsed)):
            history[key].append(value)
        history["stopped_early"] = trainer.stop_training
        if epoch == 1 or epoch % report_every == 0 or epoch == epochs or trainer.stop_training:
            log(f"{name} epoch {epoch:{len(str(epochs))}d}/{epochs}  loss {history['loss'][-1]:.4f}  "
                f"train acc {history['train_acc'][-1]:6.2%}  test acc {history['test_acc'][-1]:6.2%}  {elapsed:5.1f}s")
        if trainer.stop_training:
            log(f"{name}: time budget of {time_budget:g}s used up after {trainer.steps} batches (epoch {epoch}); stopping.")
            break
    return history, trainer


def run_model(kind, train_data, test_data, *, seed, epochs, batch_size, lr, time_budget=None, augment=True,
              freeze_conv=False, target_params=None, log=print):
    """Build (seeded) and train one model, then measure it. Returns a result dict."""
    manual_seed(seed)
    input_shape = train_data[0].shape[1:]
    if kind == "cnn":
        model = build_cnn(input_shape)
    elif kind == "modern":
        model = build_modern_cnn(input_shape)
    else:
        model = build_mlp(input_shape, target_params)
    if freeze_conv:
        freeze_convolutions(model)
    initial_filters = model[0].weight.data.copy() if kind == "cnn" else None
    log(f"{kind.upper()}: {model}")
    started = time.perf_counter()
    history, trainer = train(model, train_data, test_data, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                             time_budget=time_budget, augment=augment, name=kind.upper(), log=log)
    seconds = time.perf_counter() - started
    shifted = shifted_accuracy(trainer, *test_data)
    test_loss, test_acc = trainer.evaluate(eval_loader(*test_data))
    return dict(kind=kind, model=model, history=history, seconds=seconds, augment=augment,
                params=count_parameters(model), trainable=count_parameters(model, trainable_only=True),
                test_loss=test_loss, test_acc=test_acc,
                shifted=shifted, shifted_mean=float(np.mean(list(shifted.values()))),
                initial_filters=initial_filters)


# --- reporting ----------------------------------------------------------------------------

def summary_table(results, n_test):
    """The side-by-side table, as text."""
    names = list(SHIFTS)
    header = (f"{'model':<6}{'params':>9}{'test acc':>10}{'errors':>8}   {'shifted 1 px: mean':<19}"
              + "".join(f"{n:>7}" for n in names) + f"{'seconds':>9}")
    lines = [header, "-" * len(header)]
    for r in results:
        errors = round((1 - r["test_acc"]) * n_test)
        lines.append(f"{r['kind'].upper():<6}{r['params']:>9,}{r['test_acc']:>10.2%}{errors:>8}   "
                     f"{r['shifted_mean']:<19.2%}" + "".join(f"{r['shifted'][n]:>7.1%}" for n in names)
                     + f"{r['seconds']:>9.1f}")
    return "\n".join(lines)


def what_convolution_bought(cnn, mlp, n_test):
    """What the convolution bought, in numbers: the CNN against the MLP, on the plain and the shifted test set."""
    cnn_err, mlp_err = round((1 - cnn["test_acc"]) * n_test), round((1 - mlp["test_acc"]) * n_test)
    cnn_shift, mlp_shift = (1 - cnn["shifted_mean"]) * n_test, (1 - mlp["shifted_mean"]) * n_test
    text = (f"Same data, same training, {cnn['params']:,} parameters against {mlp['params']:,}: the CNN made "
            f"{cnn_err} errors on the {n_test} test images, the MLP {mlp_err}; on the images moved by one pixel, "
            f"{cnn_shift:.1f} against {mlp_shift:.1f} on average ({cnn['shifted_mean']:.2%} vs "
            f"{mlp['shifted_mean']:.2%} accuracy).")
    if cnn_err < mlp_err and cnn_shift < mlp_shift:
        ratio = f"{mlp_err / cnn_err:.1f} times fewer" if cnn_err else "no"
        return (text + f" So the convolution bought {ratio} errors for the same number of weights: each "
                "filter looks for its stroke at every position of the image, where each MLP weight is tied to one pixel.")
    return text + " Here the convolution bought nothing yet; train longer (--epochs, --time-budget) before comparing."


def modern_against_lenet(cnn, modern, n_test):
    """The modern CNN against the LeNet-style one, in numbers: parameters, errors, shifted accuracy."""
    errors = {r["kind"]: round((1 - r["test_acc"]) * n_test) for r in (cnn, modern)}
    return (f"The modern CNN has {modern['params']:,} parameters, {modern['params'] / cnn['params']:.0%} of the "
            f"LeNet-style CNN's {cnn['params']:,}: it made {errors['modern']} errors on the {n_test} test images "
            f"against {errors['cnn']}, and reached {modern['shifted_mean']:.2%} on the images moved by one pixel "
            f"against {cnn['shifted_mean']:.2%}.")


# --- the program --------------------------------------------------------------------------

class _DefaultsFormatter(argparse.HelpFormatter):
    """Shows an option's default once, and only for options that take a value."""

    def _get_help_string(self, action):
        text = action.help or ""
        if ("default" in text or action.default in (None, argparse.SUPPRESS) or action.nargs == 0
                or not action.option_strings):
            return text
        return f"{text} (default: %(default)s)".strip()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=_DefaultsFormatter)
    parser.add_argument("--dataset", choices=("digits", "mnist", "cifar10"), default="digits",
                        help="digits ships with tinytorch; mnist and cifar10 are read from --data-dir")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="directory with the MNIST IDX files or CIFAR-10's cifar-10-batches-py (no download)")
    parser.add_argument("--seed", type=int, default=0, help="seeds weights, sample order and shifts")
    parser.add_argument("--epochs", type=int, default=None, help=f"passes over the training set (default {DEFAULTS['epochs']})")
    parser.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"], help="images per step")
    parser.add_argument("--lr", type=float, default=DEFAULTS["lr"],
                        help="Adam's peak learning rate (cosine decay to 0) for the CNN and the MLP")
    parser.add_argument("--modern-lr", type=float, default=DEFAULTS["modern_lr"],
                        help="the same for the modern CNN: BatchNorm lets it train at a higher rate")
    parser.add_argument("--time-budget", type=float, default=None, metavar="SECONDS",
                        help="stop training each model when this many seconds are used (default: none, every model "
                             "trains its full epochs, so the results do not depend on the machine's speed)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a short run for tests and a first look: {QUICK['epochs']} epochs")
    parser.add_argument("--no-augment", dest="augment", action="store_false", help="train without random one-pixel shifts")
    parser.add_argument("--freeze-conv", action="store_true",
                        help="keep both CNNs' convolution filters at their random initial values (a control experiment)")
    parser.add_argument("--no-mlp", dest="mlp", action="store_false", help="do not train the MLP")
    parser.add_argument("--no-modern", dest="modern", action="store_false",
                        help="do not train the modern CNN (BatchNorm, depthwise-separable, global average pooling)")
    parser.add_argument("--figure", type=Path, default=Path("outputs/cnn_digits.png"), help="where to save the figure")
    parser.add_argument("--no-figure", dest="figure", action="store_const", const=None, help="do not draw the figure")
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else DEFAULTS
    if args.epochs is None:
        args.epochs = preset["epochs"]
    if args.time_budget is None:
        args.time_budget = preset["time_budget"]
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.time_budget is not None and args.time_budget <= 0:
        parser.error(f"--time-budget must be positive, got {args.time_budget:g}")
    if args.dataset != "digits" and args.data_dir is None:
        parser.error(f"--dataset {args.dataset} reads local files: add --data-dir DIR (nothing is downloaded)")
    return args


def load_data(args):
    """(train_data, test_data) of the data set that `args` name, each (images, labels).

    Raises FileNotFoundError / ValueError (naming the file) when a data set cannot be read.
    """
    return (load_dataset(args.dataset, args.data_dir, "train"), load_dataset(args.dataset, args.data_dir, "test"))


def run(args, data=None):
    """Train and compare the models as `args` (from parse_args) say; print the report; return the results.

    data: (train_data, test_data), or None to load them with load_data(args).
    Returns a list of result dicts (the CNN first, then the MLP unless --no-mlp, then the modern
    CNN unless --no-modern), each with the trained model, its history, parameters, test
    accuracy, shifted accuracies and seconds.
    """
    train_data, test_data = data if data is not None else load_data(args)
    n_test = len(test_data[1])
    budget = f"budget {args.time_budget:g}s per model" if args.time_budget is not None else "no time budget"
    print(f"{args.dataset}: {len(train_data[1]):,} training and {n_test:,} test images of shape "
          f"{train_data[0].shape[1:]}; seed {args.seed}, {args.epochs} epochs of batch {args.batch_size}, "
          f"Adam lr {args.lr:g} ({args.modern_lr:g} for the modern CNN; cosine decay), {budget}"
          f"{', random one-pixel shifts' if args.augment else ''}")
    settings = dict(seed=args.seed, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                    time_budget=args.time_budget, augment=args.augment)
    cnn = run_model("cnn", train_data, test_data, freeze_conv=args.freeze_conv, **settings)
    results = [cnn]
    if args.mlp:
        results.append(run_model("mlp", train_data, test_data, target_params=cnn["params"], **settings))
    if args.modern:
        results.append(run_model("modern", train_data, test_data, freeze_conv=args.freeze_conv,
                                 **dict(settings, lr=args.modern_lr)))
    by_kind = {r["kind"]: r for r in results}
    print()
    print(summary_table(results, n_test))
    if args.mlp:
        print()
        print(what_convolution_bought(cnn, by_kind["mlp"], n_test))
    if args.modern:
        print()
        print(modern_against_lenet(cnn, by_kind["modern"], n_test))
    for r in results:
        if r["trainable"] != r["params"]:
            print(f"note: --freeze-conv: only {r['trainable']:,} of the {r['kind'].upper()}'s {r['params']:,} parameters "
                  "were trained; the convolution filters kept their random initial values.")
    for r in results:
        if r["history"]["stopped_early"]:
            print(f"note: {r['kind'].upper()} stopped at the {args.time_budget:g}s time budget before its "
                  f"{args.epochs} epochs; accuracy may be lower than with the full schedule.")
    if args.figure is not None:
        from cnn_figure import save_figure
        saved = save_figure(args.figure, results, test_data)
        if saved:
            print(f"figure saved to {saved}")
    return results


def main(argv=None):
    """The command line: exit status 0 on success, 2 when the data cannot be read."""
    args = parse_args(argv)
    try:
        data = load_data(args)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        run(args, data)
    except NotImplementedError as error:
        print(f"error: {unfinished(error)}", file=sys.stderr)
        return 3
    return 0


def unfinished(error: NotImplementedError) -> str:
    """What to tell a student whose package holds an exercise not written yet: the function, its
    package file, and the notebook that file was exported from (its generated header says)."""
    import traceback
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if "tinytorch" in Path(frame.filename).parts]
    if not frames:
        return f"NotImplementedError: {error}"
    frame = frames[-1]
    source = Path(frame.filename)
    header = next((line for line in source.read_text(encoding="utf-8").split("\n")[:40]
                   if line.startswith("# AUTOGENERATED!")), "")
    notebook = Path(header.split("File to edit:", 1)[1].strip().rstrip(".")).stem if "File to edit:" in header else ""
    module = notebook[:2] if notebook[:2].isdigit() else "NN"
    return (f"{frame.name}() in {Path(*source.parts[-3:])} is not written yet (NotImplementedError): the package "
            f"holds your export of {notebook or 'a notebook'} with that exercise unfinished. Finish it in the "
            f"notebook and run `tito export {module}` (then `tito test {module}`); `tito status` shows which modules "
            "hold your code and which the reference.")


if __name__ == "__main__":
    sys.exit(main())
