"""The milestone's figure: training curves, learned first-layer filters, feature maps of one digit.

matplotlib is optional (`pip install -e '.[plot]'`). Without it save_figure says so and
returns None; the rest of the milestone does not need it.
"""
from pathlib import Path

import numpy as np

from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Tensor


def _pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no window), or None when not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def first_layer_maps(model, image):
    """Feature maps (C, H, W) after the first convolution and its ReLU, for one image (C_in, H, W)."""
    model.eval()
    with no_grad():
        return model[1](model[0](Tensor(image[None]))).data[0]


def _filter_images(weight):
    """Filters (C_out, C_in, kh, kw) as pictures: grey for one input channel, RGB for three.

    Each filter is scaled on its own to [0, 1] so its pattern shows, whatever its size.
    """
    weight = np.asarray(weight, dtype=np.float64)
    low = weight.min(axis=(1, 2, 3), keepdims=True)
    high = weight.max(axis=(1, 2, 3), keepdims=True)
    scaled = (weight - low) / np.maximum(high - low, 1e-12)
    if scaled.shape[1] == 3:
        return scaled.transpose(0, 2, 3, 1), None
    return scaled[:, 0], "gray"


def _image(image):
    """An input image (C, H, W) in [0, 1] for imshow: grey for one channel, RGB for three."""
    return (image[0], "gray_r") if image.shape[0] == 1 else (image.transpose(1, 2, 0), None)


def save_figure(path, results, test_data, index=0):
    """Draw the figure for the milestone's results and save it as PNG at `path`.

    results: the result dicts of the models (the first is the CNN): their histories give the
    curves. test_data: (images, labels); test image `index` is the one whose feature maps are shown.
    Returns the path written, or None when matplotlib is not installed.
    """
    plt = _pyplot()
    if plt is None:
        print("matplotlib is not installed: skipping the figure. Install it with pip install -e '.[plot]'.")
        return None
    cnn = results[0]
    model = cnn["model"]
    images, labels = test_data
    image, label = images[index], int(labels[index])
    filters, filter_cmap = _filter_images(model[0].weight.data)
    maps = first_layer_maps(model, image)

    fig = plt.figure(figsize=(14, 8.5), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.25])
    curves = top.subplots(1, 2)
    lowest = 1.0
    for color, r in zip(("tab:blue", "tab:orange", "tab:green"), results):
        h, name = r["history"], r["kind"].upper()
        curves[0].plot(h["epoch"], h["loss"], color=color, label=f"{name} ({r['params']:,} params)")
        curves[1].plot(h["epoch"], h["train_acc"], color=color, linestyle="--", label=f"{name} train" + (" (shifted batches)" if r.get("augment") else ""))
        curves[1].plot(h["epoch"], h["test_acc"], color=color, label=f"{name} test")
        lowest = min([lowest] + h["train_acc"][1:] + h["test_acc"][1:])
    curves[0].set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
    curves[0].set_yscale("log")
    curves[1].set(title="accuracy", xlabel="epoch", ylabel="accuracy",
                  ylim=(np.floor(lowest * 20) / 20 - 0.01, 1.0))
    for ax in curves:
        ax.grid(alpha=0.3)
        ax.legend()

    left, right = bottom.subfigures(1, 2, width_ratios=[1, 1.6])
    cols = 8
    rows = int(np.ceil(len(filters) / cols))
    axes = left.subplots(rows, cols)
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.set_axis_off()
        if i < len(filters):
            ax.imshow(filters[i], cmap=filter_cmap, interpolation="nearest")
    left.suptitle(f"learned first-layer filters ({len(filters)} of {model[0].kernel_size[0]}x{model[0].kernel_size[1]})")

    spec = right.add_gridspec(rows, cols + 2, width_ratios=[3, 0.3] + [1] * cols)
    shown, cmap = _image(image)
    digit_ax = right.add_subplot(spec[:, 0])
    digit_ax.imshow(shown, cmap=cmap, interpolation="nearest", vmin=0, vmax=1)
    digit_ax.set_title(f"test image {index}, label {label}")
    digit_ax.set_axis_off()
    for i in range(len(maps)):
        ax = right.add_subplot(spec[i // cols, 2 + i % cols])
        ax.imshow(maps[i], cmap="viridis", interpolation="nearest")
        ax.set_axis_off()
    right.suptitle("its feature maps after conv 1 + ReLU (one per filter, same order)")

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
