"""The CNN milestone trained by tinytorch and by PyTorch on the same job: times and accuracies.

Run by hand (not a test):  python benchmarks/milestone_vs_torch.py [--seeds 0 1 2] [--epochs 60] [--model modern]

The job is milestones/cnn_digits.py's, reused from there: the bundled digits with its
train/test split, build_cnn's network (conv 32 - conv 32 - pool - conv 64 - pool - linear;
--model modern: build_modern_cnn's, with BatchNorm2d, depthwise convolutions and global average pooling),
its epochs, batch size and Adam learning rate with the cosine schedule, random one-pixel
shifts of every batch, and an evaluation on the test set after every epoch. tinytorch trains
through the milestone's own run_model (no time budget). PyTorch trains an equivalent
torch.nn model that starts from the same initial weights (copied from the tinytorch model
built with the same seed), sees the batches in the same order (tinytorch's DataLoader draws
the permutations) with the same shifts (the same seeded generator), and uses torch.optim.Adam
with the same schedule. Both run on one thread: numpy's BLAS through OPENBLAS_NUM_THREADS /
OMP_NUM_THREADS / MKL_NUM_THREADS (set here before numpy is imported, unless already set),
torch through torch.set_num_threads(1). Per seed, tinytorch runs first, then torch.
"""
import os
import sys
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")    # must happen before numpy loads its BLAS

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "milestones"))
import cnn_digits  # noqa: E402
from shifts import random_shifts  # noqa: E402

from tinytorch.core.activations import ReLU  # noqa: E402
from tinytorch.core.dataloader import DataLoader, TensorDataset  # noqa: E402
from tinytorch.core.layers import Flatten, Linear  # noqa: E402
from tinytorch.core.spatial import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, MaxPool2d  # noqa: E402
from tinytorch.core.tensor import manual_seed  # noqa: E402


def torch_twin(torch, model):
    """A torch.nn.Sequential with the same layers and the same current weights as a tinytorch Sequential."""
    nn = torch.nn
    layers = []
    for layer in model:
        if isinstance(layer, Conv2d):
            twin = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
                             padding=layer.padding, dilation=layer.dilation, groups=layer.groups,
                             bias=layer.bias is not None)
        elif isinstance(layer, Linear):
            twin = nn.Linear(layer.weight.shape[1], layer.weight.shape[0], bias=layer.bias is not None)
        elif isinstance(layer, MaxPool2d):
            twin = nn.MaxPool2d(layer.kernel_size, stride=layer.stride, padding=layer.padding)
        elif isinstance(layer, BatchNorm2d):
            twin = nn.BatchNorm2d(layer.num_features, eps=layer.eps, momentum=layer.momentum, affine=layer.affine,
                                  track_running_stats=layer.track_running_stats)
        elif isinstance(layer, AdaptiveAvgPool2d):
            twin = nn.AdaptiveAvgPool2d(layer.output_size)
        elif isinstance(layer, ReLU):
            twin = nn.ReLU()
        elif isinstance(layer, Flatten):
            twin = nn.Flatten()
        else:
            raise TypeError(f"no torch twin for {type(layer).__name__}")
        if getattr(twin, "weight", None) is not None:
            with torch.no_grad():
                twin.weight.copy_(torch.from_numpy(np.asarray(layer.weight.data, dtype=np.float32)))
                if layer.bias is not None:
                    twin.bias.copy_(torch.from_numpy(np.asarray(layer.bias.data, dtype=np.float32)))
        layers.append(twin)
    return nn.Sequential(*layers)


def torch_accuracy(torch, model, images, labels, batch_size=500):
    """Test accuracy in eval mode without gradients, in batches as the milestone's eval_loader."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            logits = model(torch.from_numpy(images[start:start + batch_size]))
            correct += int((logits.argmax(1) == torch.from_numpy(labels[start:start + batch_size])).sum())
    model.train()
    return correct / len(labels)


def train_torch(torch, model, train_data, test_data, *, epochs, batch_size, lr, seed):
    """cnn_digits.train's job in torch: same order, shifts, schedule and per-epoch test evaluation.

    Returns (seconds, final test accuracy).
    """
    images, labels = (np.asarray(a) for a in train_data)
    test_images, test_labels = (np.asarray(a) for a in test_data)
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True, seed=seed)
    shift_rng = np.random.default_rng([seed, 1])
    total_steps = epochs * len(loader)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    step = 0
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        total_loss, correct = 0.0, 0
        for index in loader.batch_indices():
            for group in optimizer.param_groups:
                group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / total_steps))
            step += 1
            x = torch.from_numpy(random_shifts(images[index], shift_rng))
            y = torch.from_numpy(labels[index])
            logits = model(x)
            loss = loss_fn(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(index)          # the Trainer keeps the same running numbers
            correct += int((logits.argmax(1) == y).sum())
        torch_accuracy(torch, model, test_images, test_labels)   # the Trainer's val_loader pass
    seconds = time.perf_counter() - start
    return seconds, torch_accuracy(torch, model, test_images, test_labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=cnn_digits.DEFAULTS["epochs"])
    parser.add_argument("--model", choices=("cnn", "modern"), default="cnn",
                        help="the milestone's LeNet-style CNN or its modern CNN (BatchNorm, depthwise, global pooling)")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(1)
    batch_size = cnn_digits.DEFAULTS["batch_size"]
    lr = cnn_digits.DEFAULTS["lr" if args.model == "cnn" else "modern_lr"]
    train_data, test_data = cnn_digits.load_data(cnn_digits.parse_args([]))
    blas = ", ".join(f"{k}={os.environ.get(k)}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; numpy {np.__version__}, BLAS threads {blas}")
    build = cnn_digits.build_cnn if args.model == "cnn" else cnn_digits.build_modern_cnn
    print(f"model {args.model}; digits: {len(train_data[1])} training / {len(test_data[1])} test images; {args.epochs} epochs of batch "
          f"{batch_size}, Adam lr {lr:g} cosine, random one-pixel shifts, test evaluation every epoch")
    header = f"{'seed':>4} | {'tinytorch s':>11} {'torch s':>8} {'ratio':>6} | {'tinytorch acc':>13} {'torch acc':>9}"
    print(header)
    print("-" * len(header))
    ratios, accuracies = [], []
    for seed in args.seeds:
        result = cnn_digits.run_model(args.model, train_data, test_data, seed=seed, epochs=args.epochs,
                                      batch_size=batch_size, lr=lr, log=lambda *_: None)
        manual_seed(seed)                                   # the same initial weights run_model started from
        twin = torch_twin(torch, build(train_data[0].shape[1:]))
        torch.manual_seed(seed)
        torch_seconds, torch_acc = train_torch(torch, twin, train_data, test_data, epochs=args.epochs,
                                               batch_size=batch_size, lr=lr, seed=seed)
        ratios.append(result["seconds"] / torch_seconds)
        accuracies.append(result["test_acc"])
        print(f"{seed:>4} | {result['seconds']:11.2f} {torch_seconds:8.2f} {ratios[-1]:5.2f}x | "
              f"{result['test_acc']:13.2%} {torch_acc:9.2%}", flush=True)
    print(f"training time tinytorch/torch: {', '.join(f'{r:.2f}x' for r in ratios)} "
          f"(geometric mean {math.exp(np.mean(np.log(ratios))):.2f}x); tinytorch test accuracy min {min(accuracies):.2%}")


if __name__ == "__main__":
    main()
