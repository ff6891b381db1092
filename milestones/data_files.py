"""Read MNIST and CIFAR-10 from files already on disk: float32 NCHW images in [0, 1], int64 labels.

Nothing is downloaded. Put the original files in a directory and name it:

    python milestones/cnn_digits.py --dataset mnist --data-dir ~/data/mnist
    python milestones/cnn_digits.py --dataset cifar10 --data-dir ~/data

MNIST   the four IDX files from the MNIST page, plain or gzipped:
        train-images-idx3-ubyte, train-labels-idx1-ubyte,
        t10k-images-idx3-ubyte,  t10k-labels-idx1-ubyte   (each may end in .gz)
CIFAR-10  the "python version" archive, unpacked: cifar-10-batches-py/ with
        data_batch_1 .. data_batch_5 and test_batch (the directory itself or its parent
        may be given).

A missing file raises FileNotFoundError; a file that is there but not what it should be
(bad magic number, truncated, wrong dimensions, a pickle without b'data'/b'labels') raises
ValueError. Both name the file and say what was expected.
"""
import gzip
import io
import pickle
from pathlib import Path

import numpy as np

__all__ = ["load_mnist", "load_cifar10", "load_dataset", "read_idx", "read_cifar_batch",
           "MNIST_FILES", "CIFAR10_FILES", "CIFAR10_CLASSES"]

# --- MNIST: the IDX format -------------------------------------------------------------
#
# An IDX file is a 4-byte magic number, then one big-endian uint32 per dimension, then the
# values in row-major order. The magic number is 0x00 0x00 <type> <number of dims>;
# type 0x08 means unsigned bytes. So images are 0x00000803 (2051: uint8, 3 dims N, 28, 28)
# and labels 0x00000801 (2049: uint8, 1 dim N).

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_UBYTE = 0x08


def _find(directory, name):
    """The path of `name` or `name.gz` in `directory`, or a FileNotFoundError naming both."""
    directory = Path(directory).expanduser()
    for candidate in (directory / name, directory / (name + ".gz")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"Missing data file: expected {directory / name} (or {name}.gz) in {directory}. "
        "Copy the original file there (nothing is downloaded at run time) or pass the right --data-dir.")


def _read_bytes(path):
    """The file's bytes, un-gzipped when the name ends in .gz (a broken archive is a ValueError)."""
    path = Path(path)
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path}: not a readable gzip file ({error}). Re-copy the file, or unpack it.") from None


def read_idx(path, ndim):
    """The uint8 array stored in an IDX file with `ndim` dimensions (1 for labels, 3 for images)."""
    path = Path(path)
    raw = _read_bytes(path)
    expected_magic = (IDX_UBYTE << 8) | ndim
    if len(raw) < 4:
        raise ValueError(f"{path}: truncated, {len(raw)} bytes; an IDX file starts with a 4-byte magic number.")
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise ValueError(
            f"{path}: bad magic number {magic:#010x} ({magic}), expected {expected_magic:#010x} ({expected_magic}): "
            f"an IDX file of unsigned bytes with {ndim} dimension(s). Is this the right file, and unpacked correctly?")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header, {len(raw)} bytes; expected {header} (magic + {ndim} dimension sizes).")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    size = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != size:
        what = "truncated" if len(raw) - header < size else "has trailing bytes"
        raise ValueError(
            f"{path}: {what}: the header says shape {shape} = {size:,} values, the file holds {len(raw) - header:,}.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _check_labels(labels, path, classes=10):
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"{path}: labels must lie in 0..{classes - 1}, found {labels.min()}..{labels.max()}.")
    return labels.astype(np.int64)


def load_mnist(data_dir, split="train"):
    """MNIST from IDX files in `data_dir`: images float32 (N, 1, 28, 28) in [0, 1], labels int64 (N,)."""
    if split not in MNIST_FILES:
        raise ValueError(f"Unknown MNIST split {split!r}. Expected 'train' or 'test'.")
    image_name, label_name = MNIST_FILES[split]
    image_path, label_path = _find(data_dir, image_name), _find(data_dir, label_name)
    images, labels = read_idx(image_path, 3), read_idx(label_path, 1)
    if images.shape[1:] != (28, 28):
        raise ValueError(f"{image_path}: wrong image dimensions {images.shape[1:]}, expected (28, 28) for MNIST.")
    if len(images) != len(labels):
        raise ValueError(
            f"{image_path} holds {len(images):,} images but {label_path} holds {len(labels):,} labels; "
            "they must come from the same split.")
    images = (images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return images, _check_labels(labels, label_path)


# --- CIFAR-10: pickled batches -----------------------------------------------------------
#
# Each batch file is a pickled dict (written by Python 2, so keys are bytes): b'data' a
# uint8 array (10000, 3072), each row one 32x32 image as 1024 red, 1024 green, 1024 blue
# values (so a plain reshape gives NCHW), and b'labels' a list of 10000 ints in 0..9.

CIFAR10_FILES = {
    "train": tuple(f"data_batch_{i}" for i in range(1, 6)),
    "test": ("test_batch",),
}
CIFAR10_DIR = "cifar-10-batches-py"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

# Unpickling can run arbitrary code. These files only need plain containers and numpy
# arrays, so the unpickler refuses every other global.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("copyreg", "_reconstructor"), ("builtins", "object"),
    ("_codecs", "encode"),      # how Python 3 writes bytes in pickle protocols 0-2
}


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a data batch holds only arrays and lists")
        if module.startswith("numpy.core") and hasattr(np, "_core"):
            module = module.replace("numpy.core", "numpy._core", 1)   # numpy 2 moved it; skip the warning
        return super().find_class(module, name)


def read_cifar_batch(path):
    """(images uint8 (N, 3, 32, 32), labels int64 (N,)) from one CIFAR-10 batch file."""
    path = Path(path)
    try:
        batch = _DataUnpickler(io.BytesIO(path.read_bytes()), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise ValueError(
            f"{path}: not a CIFAR-10 batch (unpickling failed: {error}). Expected the pickled dicts of the "
            "'CIFAR-10 python version' archive, unpacked.") from None
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: expected a pickled dict with keys b'data' and b'labels', got {type(batch).__name__}.")
    batch = {k.encode() if isinstance(k, str) else k: v for k, v in batch.items()}
    missing = [key for key in (b"data", b"labels") if key not in batch]
    if missing:
        found = sorted(map(repr, batch))
        raise ValueError(f"{path}: bad pickle keys, missing {', '.join(map(repr, missing))}; expected b'data' and "
                         f"b'labels', found {', '.join(found) or 'none'}.")
    data = np.asarray(batch[b"data"])
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or data.dtype != np.uint8:
        raise ValueError(f"{path}: b'data' must be a uint8 array of shape (N, 3072) (3 x 32 x 32 per row), "
                         f"got {data.dtype} {data.shape}.")
    try:
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (TypeError, ValueError):
        raise ValueError(f"{path}: b'labels' must be a list of ints in 0..9.") from None
    if labels.shape != (len(data),):
        raise ValueError(f"{path}: {len(data):,} images in b'data' but b'labels' has shape {labels.shape}; "
                         "expected one label per image.")
    return data.reshape(-1, 3, 32, 32), _check_labels(labels, path)


def _cifar_dir(data_dir):
    """The directory holding the batch files: data_dir itself or data_dir/cifar-10-batches-py."""
    data_dir = Path(data_dir).expanduser()
    nested = data_dir / CIFAR10_DIR
    return nested if nested.is_dir() else data_dir


def load_cifar10(data_dir, split="train"):
    """CIFAR-10 from the python batches: images float32 (N, 3, 32, 32) in [0, 1], labels int64 (N,)."""
    if split not in CIFAR10_FILES:
        raise ValueError(f"Unknown CIFAR-10 split {split!r}. Expected 'train' or 'test'.")
    directory = _cifar_dir(data_dir)
    paths = []
    for name in CIFAR10_FILES[split]:
        path = directory / name
        if not path.is_file():
            raise FileNotFoundError(
                f"Missing data file: expected {path}. --data-dir should name {CIFAR10_DIR}/ (holding "
                "data_batch_1 .. data_batch_5 and test_batch) or its parent; nothing is downloaded at run time.")
        paths.append(path)
    parts = [read_cifar_batch(path) for path in paths]
    images = np.concatenate([p[0] for p in parts]).astype(np.float32) / 255.0
    return images, np.concatenate([p[1] for p in parts])


def load_dataset(name, data_dir=None, split="train"):
    """One entry point for the milestone: 'digits' (bundled), 'mnist' or 'cifar10' (from data_dir)."""
    if name == "digits":
        from tinytorch.datasets import load_digits
        return load_digits(split)
    if name not in ("mnist", "cifar10"):
        raise ValueError(f"Unknown dataset {name!r}. Expected 'digits', 'mnist' or 'cifar10'.")
    if data_dir is None:
        raise ValueError(f"The {name} dataset is read from local files: pass --data-dir DIR (nothing is downloaded).")
    return (load_mnist if name == "mnist" else load_cifar10)(data_dir, split)
