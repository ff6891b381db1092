"""Module 05: the digits data set shipped in tinytorch/data."""
import gzip
import hashlib

import numpy as np
import pytest

import tinytorch.core.dataloader as dataloader_module
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.datasets import DIGITS_SPLIT_SEED, DIGITS_TEST_FRACTION, load_digits

# Pinned facts about the shipped file and its split. They change only if the data file or
# the split rule changes, and then these numbers must be re-derived on purpose.
N_ALL, N_TRAIN, N_TEST = 1797, 1438, 359
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
TEST_CLASS_COUNTS = [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]
EXPECTED_FIRST_TEST_INDICES = [5, 9, 12, 14, 16, 17, 19, 23]
EXPECTED_TEST_FINGERPRINT = "f71c9ddf317ebe27"  # sha256 of the sorted int64 test indices


def fingerprint(indices):
    return hashlib.sha256(np.asarray(indices, dtype=np.int64).tobytes()).hexdigest()[:16]


def test_importable_from_package_namespace():
    import tinytorch.datasets

    assert tinytorch.datasets.load_digits is dataloader_module.load_digits


@pytest.mark.parametrize("split, n", [("all", N_ALL), ("train", N_TRAIN), ("test", N_TEST)])
def test_shapes_dtypes_ranges(split, n):
    images, labels = load_digits(split)
    assert isinstance(images, np.ndarray) and isinstance(labels, np.ndarray)
    assert images.shape == (n, 1, 8, 8)
    assert labels.shape == (n,)
    assert images.dtype == np.float32
    assert labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    assert set(np.unique(labels).tolist()) == set(range(10))


def test_default_split_is_train():
    images, labels = load_digits()
    assert len(labels) == N_TRAIN


def test_pixels_are_raw_counts_divided_by_16():
    images, _ = load_digits("all")
    counts = images * 16
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-5)


def test_matches_the_raw_file():
    with gzip.open(dataloader_module.DIGITS_FILE, "rt") as f:
        first = np.array(f.readline().strip().split(","), dtype=np.float64)
    images, labels = load_digits("all")
    np.testing.assert_allclose(images[0].reshape(-1), first[:64] / 16, rtol=0, atol=1e-7)
    assert labels[0] == first[64]
    # row-major 8x8: the first row of the image is the first 8 values of the line
    np.testing.assert_allclose(images[0, 0, 0], first[:8] / 16, atol=1e-7)


def test_class_counts_and_stratification():
    _, all_labels = load_digits("all")
    _, test_labels = load_digits("test")
    _, train_labels = load_digits("train")
    assert np.bincount(all_labels).tolist() == CLASS_COUNTS
    assert np.bincount(test_labels).tolist() == TEST_CLASS_COUNTS
    assert (np.bincount(train_labels) + np.bincount(test_labels)).tolist() == CLASS_COUNTS
    test_share = np.bincount(test_labels) / np.bincount(all_labels)
    assert np.all(np.abs(test_share - DIGITS_TEST_FRACTION) < 0.01)


def test_split_is_a_disjoint_cover_of_all():
    arrays = dataloader_module._digits_arrays()
    train, test = arrays["train"], arrays["test"]
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.union1d(train, test), np.arange(N_ALL))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0), "both parts keep file order"
    images, labels = load_digits("all")
    x_train, y_train = load_digits("train")
    x_test, y_test = load_digits("test")
    np.testing.assert_array_equal(x_train, images[train])
    np.testing.assert_array_equal(y_train, labels[train])
    np.testing.assert_array_equal(x_test, images[test])
    np.testing.assert_array_equal(y_test, labels[test])


def test_split_is_stable():
    assert DIGITS_SPLIT_SEED == 0 and DIGITS_TEST_FRACTION == 0.2
    test = dataloader_module._digits_arrays()["test"]
    assert test[:8].tolist() == EXPECTED_FIRST_TEST_INDICES
    assert fingerprint(test) == EXPECTED_TEST_FINGERPRINT
    dataloader_module._DIGITS_CACHE.clear()  # re-parse: same split again
    np.testing.assert_array_equal(dataloader_module._digits_arrays()["test"], test)


def test_unknown_split():
    with pytest.raises(ValueError, match=r"Unknown digits split 'validation'.*'train', 'test' or 'all'"):
        load_digits("validation")
    with pytest.raises(ValueError, match="Unknown digits split"):
        load_digits("Train")


def test_cached_but_returned_arrays_are_independent():
    dataloader_module._DIGITS_CACHE.clear()
    load_digits("all")
    cached = dataloader_module._DIGITS_CACHE["images"]
    images, labels = load_digits("all")
    assert dataloader_module._DIGITS_CACHE["images"] is cached, "parsed once per process"
    images[:] = -1
    labels[:] = -1
    x_train, _ = load_digits("train")
    x_train[:] = -1
    again, again_labels = load_digits("all")
    assert again.min() == 0.0 and again_labels.min() == 0


def test_missing_file_error(monkeypatch, tmp_path):
    monkeypatch.setattr(dataloader_module, "DIGITS_FILE", tmp_path / "nope.csv.gz")
    monkeypatch.setattr(dataloader_module, "_DIGITS_CACHE", {})
    with pytest.raises(FileNotFoundError, match="digits data file is missing"):
        load_digits()


def test_digits_through_a_loader():
    x, y = load_digits("train")
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
    assert len(loader) == -(-N_TRAIN // 64)
    seen = np.concatenate([batch[1].data for batch in loader])
    assert np.bincount(seen.astype(np.int64)).tolist() == np.bincount(y).tolist()
