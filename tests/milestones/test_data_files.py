"""The milestone's MNIST and CIFAR-10 readers, on small files written here in the real formats."""
import gzip
import pickle
import struct

import numpy as np
import pytest

from data_files import load_cifar10, load_dataset, load_mnist, read_idx


# --- writers for the two formats --------------------------------------------------------

def idx_bytes(array, magic=None):
    """An IDX file: magic 0x0000 08 <ndim>, big-endian uint32 dims, uint8 values."""
    array = np.asarray(array, dtype=np.uint8)
    magic = (0x08 << 8 | array.ndim) if magic is None else magic
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_mnist(directory, n_train=5, n_test=3, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n, prefix in (("train", n_train, "train"), ("test", n_test, "t10k")):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        for name, array in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)):
            data = idx_bytes(array)
            if gz:
                (directory / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (directory / name).write_bytes(data)
        arrays[split] = (images, labels)
    return arrays


def write_cifar(directory, per_batch=4, seed=0, nested=True):
    root = directory / "cifar-10-batches-py" if nested else directory
    root.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {"train": [], "test": []}
    names = [(f"data_batch_{i}", "train") for i in range(1, 6)] + [("test_batch", "test")]
    for name, split in names:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data,
                 b"filenames": [f"{name}_{i}.png".encode() for i in range(per_batch)]}
        (root / name).write_bytes(pickle.dumps(batch, protocol=2))
        arrays[split].append((data, labels))
    return {split: (np.concatenate([d for d, _ in parts]), np.concatenate([labels for _, labels in parts]))
            for split, parts in arrays.items()}


# --- MNIST ------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_mnist_round_trip(tmp_path, gz):
    written = write_mnist(tmp_path, gz=gz)
    for split in ("train", "test"):
        images, labels = load_mnist(tmp_path, split)
        raw_images, raw_labels = written[split]
        assert images.dtype == np.float32 and images.shape == (len(raw_images), 1, 28, 28)
        assert labels.dtype == np.int64 and labels.shape == (len(raw_images),)
        assert 0.0 <= images.min() and images.max() <= 1.0
        np.testing.assert_array_equal(np.rint(images[:, 0] * 255).astype(np.uint8), raw_images)
        np.testing.assert_array_equal(labels, raw_labels)


def test_idx_header_is_big_endian(tmp_path):
    path = tmp_path / "x"
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path.write_bytes(idx_bytes(array))
    assert path.read_bytes()[:8] == b"\x00\x00\x08\x03\x00\x00\x00\x02"
    np.testing.assert_array_equal(read_idx(path, 3), array)


def test_mnist_missing_file(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    load_mnist(tmp_path, "train")                       # the other split is still fine
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte.*--data-dir"):
        load_mnist(tmp_path, "test")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path / "nowhere", "train")


def test_mnist_bad_magic(tmp_path):
    write_mnist(tmp_path)
    labels = np.zeros(5, dtype=np.uint8)
    # A label file (magic 2049) where the image file belongs.
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(labels))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: bad magic number 0x00000801 .*expected 0x00000803"):
        load_mnist(tmp_path, "train")


def test_mnist_truncated(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: truncated: the header says shape \(5, 28, 28\)"):
        load_mnist(tmp_path, "train")
    path.write_bytes(b"\x00\x00\x08")
    with pytest.raises(ValueError, match="truncated, 3 bytes"):
        load_mnist(tmp_path, "train")
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x05")
    with pytest.raises(ValueError, match="truncated header"):
        load_mnist(tmp_path, "train")


def test_mnist_wrong_dims(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((5, 32, 32))))
    with pytest.raises(ValueError, match=r"wrong image dimensions \(32, 32\), expected \(28, 28\)"):
        load_mnist(tmp_path, "train")


def test_mnist_count_mismatch_and_bad_labels(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4)))
    with pytest.raises(ValueError, match="5 images but .*4 labels"):
        load_mnist(tmp_path, "train")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.full(5, 12)))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9"):
        load_mnist(tmp_path, "train")


def test_mnist_corrupt_gzip(tmp_path):
    write_mnist(tmp_path, gz=True)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: not a readable gzip file"):
        load_mnist(tmp_path, "train")


# --- CIFAR-10 ---------------------------------------------------------------------------

@pytest.mark.parametrize("nested", [True, False])
def test_cifar_round_trip(tmp_path, nested):
    written = write_cifar(tmp_path, nested=nested)
    for split, n in (("train", 20), ("test", 4)):
        images, labels = load_cifar10(tmp_path, split)
        raw, raw_labels = written[split]
        assert images.dtype == np.float32 and images.shape == (n, 3, 32, 32)
        assert labels.dtype == np.int64 and labels.shape == (n,)
        assert 0.0 <= images.min() and images.max() <= 1.0
        # Row layout: 1024 red, 1024 green, 1024 blue values, each plane row-major.
        np.testing.assert_array_equal(np.rint(images * 255).astype(np.uint8).reshape(n, -1), raw)
        back = np.rint(images * 255).astype(np.uint8)
        assert back[0, 1, 0, 0] == raw[0, 1024] and back[0, 2, 31, 31] == raw[0, 3071]
        np.testing.assert_array_equal(labels, raw_labels)


def test_cifar_missing_file(tmp_path):
    write_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match=r"data_batch_3.*cifar-10-batches-py"):
        load_cifar10(tmp_path, "train")
    with pytest.raises(FileNotFoundError, match="test_batch"):
        load_cifar10(tmp_path / "empty", "test")


def _rewrite(tmp_path, name, batch):
    (tmp_path / "cifar-10-batches-py" / name).write_bytes(pickle.dumps(batch, protocol=2))


def test_cifar_bad_keys(tmp_path):
    write_cifar(tmp_path)
    _rewrite(tmp_path, "test_batch", {b"images": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]})
    with pytest.raises(ValueError, match=r"test_batch: bad pickle keys, missing b'data'"):
        load_cifar10(tmp_path, "test")
    _rewrite(tmp_path, "test_batch", [1, 2, 3])
    with pytest.raises(ValueError, match="test_batch: expected a pickled dict"):
        load_cifar10(tmp_path, "test")


def test_cifar_wrong_shapes(tmp_path):
    write_cifar(tmp_path)
    _rewrite(tmp_path, "test_batch", {b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]})
    with pytest.raises(ValueError, match=r"test_batch: b'data' must be a uint8 array of shape \(N, 3072\)"):
        load_cifar10(tmp_path, "test")
    _rewrite(tmp_path, "test_batch", {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1, 2]})
    with pytest.raises(ValueError, match="2 images in b'data' but b'labels' has shape"):
        load_cifar10(tmp_path, "test")
    _rewrite(tmp_path, "test_batch", {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]})
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9"):
        load_cifar10(tmp_path, "test")


def test_cifar_truncated_and_garbage(tmp_path):
    write_cifar(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="test_batch: not a CIFAR-10 batch"):
        load_cifar10(tmp_path, "test")
    path.write_bytes(b"\x00garbage")
    with pytest.raises(ValueError, match="test_batch: not a CIFAR-10 batch"):
        load_cifar10(tmp_path, "test")


class _Sneaky:
    def __reduce__(self):
        return (print, ("this must not run",))


def test_cifar_pickle_cannot_run_code(tmp_path, capsys):
    write_cifar(tmp_path)
    _rewrite(tmp_path, "test_batch", {b"data": _Sneaky(), b"labels": []})
    with pytest.raises(ValueError, match=r"refusing to load (builtins|__builtin__)\.print"):
        load_cifar10(tmp_path, "test")
    assert "must not run" not in capsys.readouterr().out


# --- the dispatcher ---------------------------------------------------------------------

def test_load_dataset(tmp_path):
    write_mnist(tmp_path)
    assert load_dataset("mnist", tmp_path, "test")[0].shape == (3, 1, 28, 28)
    images, labels = load_dataset("digits", split="test")
    assert images.shape[1:] == (1, 8, 8) and labels.dtype == np.int64
    with pytest.raises(ValueError, match="--data-dir"):
        load_dataset("cifar10", None)
    with pytest.raises(ValueError, match="Unknown dataset 'svhn'"):
        load_dataset("svhn", tmp_path)
