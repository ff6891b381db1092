"""Module 05: Dataset, TensorDataset, collate and DataLoader."""
import numpy as np
import pytest

from tinytorch.core.dataloader import DataLoader, Dataset, MirroredDataset, TensorDataset, collate
from tinytorch.core.tensor import Tensor
from numeric_checks import numpy_global_state_kept


def make_ds(n=10, features=3):
    """Sample i has features [i, i, ...] * 1 and label i: pairing is checkable."""
    x = np.repeat(np.arange(n, dtype=np.float32)[:, None], features, axis=1)
    y = np.arange(n, dtype=np.float32)
    return TensorDataset(Tensor(x), Tensor(y))


class ListDataset(Dataset):
    """A generic dataset: forces the DataLoader's per-sample path."""

    def __init__(self, n):
        self.n = n
        self.calls = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls += 1
        return np.full((2, 2), i, dtype=np.float32), i


def labels_of(loader):
    return np.concatenate([batch[-1].data for batch in loader])


# --- Dataset / TensorDataset -------------------------------------------------

def test_dataset_base_is_abstract():
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


def test_tensor_dataset_len_and_items():
    ds = make_ds(7, 4)
    assert len(ds) == 7
    x, y = ds[5]
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    assert x.shape == (4,) and y.shape == ()
    assert np.all(x.data == 5) and float(y.data) == 5
    assert float(ds[-1][1].data) == 6


def test_tensor_dataset_accepts_arrays_and_converts_int_labels():
    ds = TensorDataset(np.zeros((3, 2), dtype=np.float32), np.array([0, 1, 2], dtype=np.int64))
    assert all(isinstance(t, Tensor) for t in ds.tensors)
    assert ds.tensors[1].dtype == np.float32
    np.testing.assert_array_equal(ds.tensors[1].data, [0, 1, 2])


def test_tensor_dataset_mismatched_lengths():
    with pytest.raises(ValueError, match=r"same first dimension.*\[4, 3\]"):
        TensorDataset(Tensor(np.zeros((4, 2))), Tensor(np.zeros(3)))


def test_tensor_dataset_needs_a_tensor():
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="scalar"):
        TensorDataset(Tensor(1.0))


# --- collate -----------------------------------------------------------------

def test_collate_stacks_fields():
    samples = [(np.full((2, 3), i, dtype=np.float32), Tensor(float(i)), i) for i in range(5)]
    batch = collate(samples)
    assert isinstance(batch, tuple), type(batch)  # the contract: a tuple, one Tensor per field
    a, b, c = batch
    assert a.shape == (5, 2, 3) and b.shape == (5,) and c.shape == (5,)
    np.testing.assert_array_equal(a.data[:, 1, 2], np.arange(5))
    np.testing.assert_array_equal(c.data, np.arange(5))
    assert a.dtype == np.float32 and c.dtype == np.float32


def test_collate_single_field_and_float64():
    (batch,) = collate([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    assert batch.shape == (2, 2)
    assert batch.dtype == np.float64, "float64 samples keep their precision"


def test_collate_errors():
    with pytest.raises(ValueError, match="no samples"):
        collate([])
    with pytest.raises(ValueError, match=r"same number of fields.*\[1, 2\]"):
        collate([(1.0, 2.0), (3.0,)])


# --- DataLoader construction ------------------------------------------------------

def test_empty_dataset_rejected():
    with pytest.raises(ValueError, match="empty dataset"):
        DataLoader(TensorDataset(Tensor(np.zeros((0, 3)))))
    with pytest.raises(ValueError, match="empty dataset"):
        DataLoader(ListDataset(0))


@pytest.mark.parametrize("bad", [0, -3])
def test_batch_size_below_one_rejected(bad):
    with pytest.raises(ValueError, match=f"batch_size must be at least 1, got {bad}"):
        DataLoader(make_ds(), batch_size=bad)


@pytest.mark.parametrize("bad", [2.5, "8", True, None])
def test_batch_size_must_be_int(bad):
    with pytest.raises(TypeError, match="batch_size must be an int"):
        DataLoader(make_ds(), batch_size=bad)


def test_defaults():
    loader = DataLoader(make_ds(100))
    assert loader.batch_size == 32 and loader.shuffle is False and loader.drop_last is False and loader.seed == 0
    assert len(loader) == 4


# --- len and batch sizes -----------------------------------------------------

@pytest.mark.parametrize(
    "n, batch_size, drop_last, sizes",
    [
        (10, 4, False, [4, 4, 2]),
        (10, 4, True, [4, 4]),
        (12, 4, False, [4, 4, 4]),
        (12, 4, True, [4, 4, 4]),
        (3, 5, False, [3]),
        (3, 5, True, []),
        (5, 1, False, [1, 1, 1, 1, 1]),
        (1, 1, True, [1]),
    ],
)
@pytest.mark.parametrize("kind", ["tensor", "generic"])
def test_batch_sizes_and_len(n, batch_size, drop_last, sizes, kind):
    ds = make_ds(n) if kind == "tensor" else ListDataset(n)
    for shuffle in (False, True):
        loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last, shuffle=shuffle)
        assert len(loader) == len(sizes)
        got = [batch[0].shape[0] for batch in loader]
        assert got == sizes


def test_batches_are_tuples_of_tensors_with_batched_shapes():
    x = np.random.default_rng(0).random((9, 1, 8, 8), dtype=np.float32)
    y = np.arange(9) % 3
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4))
    for batch in batches:
        assert isinstance(batch, tuple) and len(batch) == 2
        assert all(isinstance(t, Tensor) for t in batch)
        assert batch[0].shape[1:] == (1, 8, 8)
        assert batch[0].shape[0] == batch[1].shape[0]
        assert batch[1].ndim == 1
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), x)


def test_unshuffled_order_is_dataset_order():
    np.testing.assert_array_equal(labels_of(DataLoader(make_ds(11), batch_size=3)), np.arange(11))
    np.testing.assert_array_equal(labels_of(DataLoader(ListDataset(11), batch_size=3)), np.arange(11))


# --- shuffling ---------------------------------------------------------------

@pytest.mark.parametrize("kind", ["tensor", "generic"])
def test_every_sample_exactly_once_per_epoch(kind):
    n = 53
    loader = DataLoader(make_ds(n) if kind == "tensor" else ListDataset(n), batch_size=8, shuffle=True, seed=3)
    for _ in range(3):
        seen = labels_of(loader)
        assert len(seen) == n
        assert sorted(seen.tolist()) == list(range(n))


def test_drop_last_with_shuffle_drops_different_samples_per_epoch():
    loader = DataLoader(make_ds(10), batch_size=4, shuffle=True, drop_last=True, seed=0)
    epochs = [labels_of(loader) for _ in range(6)]
    assert all(len(e) == 8 and len(set(e.tolist())) == 8 for e in epochs)
    assert len({tuple(sorted(e.tolist())) for e in epochs}) > 1, "the dropped samples change with the permutation"


@pytest.mark.parametrize("n, batch_size", [(10, 4), (21, 5)])
def test_drop_last_with_shuffle_yields_every_sample_over_epochs(n, batch_size):
    """The permutation covers all N samples and only then is the short last chunk dropped: cutting N to whole
    batches before shuffling would never yield the last N % batch_size samples (torch yields them too)."""
    loader = DataLoader(make_ds(n), batch_size=batch_size, shuffle=True, drop_last=True, seed=2)
    seen = set()
    for _ in range(30):
        epoch = labels_of(loader).astype(int).tolist()
        assert len(epoch) == n // batch_size * batch_size and len(set(epoch)) == len(epoch)
        seen.update(epoch)
    assert seen == set(range(n)), f"never yielded: {sorted(set(range(n)) - seen)}"


def test_shuffle_changes_order_each_epoch():
    loader = DataLoader(make_ds(50), batch_size=7, shuffle=True, seed=0)
    epochs = [labels_of(loader).tolist() for _ in range(4)]
    assert all(e != list(range(50)) for e in epochs), "shuffled order is not the dataset order"
    assert len({tuple(e) for e in epochs}) == 4, "a new permutation every epoch"


def places_chi_square(orders):
    """Chi-square of how often each sample came at each place, against a uniform shuffle's epochs / N per pair."""
    orders = np.asarray(orders)
    epochs, n = orders.shape
    places = np.stack([np.bincount(orders[:, place], minlength=n) for place in range(n)], axis=1)
    return ((places - epochs / n) ** 2 / (epochs / n)).sum()


def naive_swap_orders(n, epochs, rng):
    """The classic biased shuffle: each place swapped with one drawn from all n places."""
    orders = []
    for _ in range(epochs):
        order = np.arange(n)
        for i in range(n):
            j = rng.integers(0, n)
            order[i], order[j] = order[j], order[i]
        orders.append(order)
    return orders


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shuffle_puts_each_sample_at_each_place_equally_often(seed):
    """A uniform shuffle's chi-square averages its (N - 1) ** 2 degrees of freedom, with a standard deviation of
    sqrt(2 * freedom); the bound lies 5.5 of those above, and the naive swap shuffle (every place swapped with one
    of all N) far above the bound."""
    loader = DataLoader(make_ds(10), batch_size=3, shuffle=True, seed=seed)
    orders = [np.concatenate(loader.batch_indices()) for _ in range(1500)]
    freedom = (10 - 1) ** 2
    bound = freedom + 5.5 * np.sqrt(2 * freedom)
    assert places_chi_square(orders) < bound
    assert places_chi_square(naive_swap_orders(10, 1500, np.random.default_rng(seed))) > bound


def test_same_seed_same_sequence_of_epochs():
    a = DataLoader(make_ds(40), batch_size=6, shuffle=True, seed=11)
    b = DataLoader(make_ds(40), batch_size=6, shuffle=True, seed=11)
    for _ in range(3):
        np.testing.assert_array_equal(labels_of(a), labels_of(b))


def test_len_draws_nothing_from_the_loaders_generator():
    """list(loader) calls len() first: a len() that draws an epoch's order would shift every epoch by one."""
    ds = TensorDataset(Tensor(np.arange(10.0)))
    counted = DataLoader(ds, batch_size=3, shuffle=True, seed=4)
    assert len(counted) == 4 and len(counted) == 4
    fresh = DataLoader(ds, batch_size=3, shuffle=True, seed=4)
    assert [b[0].data.tolist() for b in counted] == [b[0].data.tolist() for b in fresh]


def test_different_seed_different_order():
    a = labels_of(DataLoader(make_ds(40), shuffle=True, seed=1))
    b = labels_of(DataLoader(make_ds(40), shuffle=True, seed=2))
    assert not np.array_equal(a, b)


def test_loader_order_independent_of_global_random_state():
    a = DataLoader(make_ds(30), batch_size=5, shuffle=True, seed=4)
    first = labels_of(a)
    with numpy_global_state_kept():
        np.random.seed(123)
        np.random.default_rng(9).random(100)
        b = DataLoader(make_ds(30), batch_size=5, shuffle=True, seed=4)
        np.random.seed(999)
        np.testing.assert_array_equal(labels_of(b), first)


def test_shuffle_keeps_fields_paired():
    for ds in (make_ds(31), ListDataset(31)):
        for batch in DataLoader(ds, batch_size=4, shuffle=True, seed=5):
            x, y = batch
            flat = x.data.reshape(x.shape[0], -1)
            assert np.all(flat == y.data[:, None])


def test_batch_indices_partition():
    loader = DataLoader(make_ds(10), batch_size=4, shuffle=True, seed=0)
    parts = loader.batch_indices()
    assert [len(p) for p in parts] == [4, 4, 2]
    assert sorted(np.concatenate(parts).tolist()) == list(range(10))
    assert all(np.issubdtype(p.dtype, np.integer) for p in parts)


# --- the fast path -------------------------------------------------------------

def test_tensor_dataset_takes_fast_path(monkeypatch):
    ds = make_ds(20)

    def forbidden(self, index):
        raise AssertionError("the fast path must not call __getitem__ per sample")

    monkeypatch.setattr(TensorDataset, "__getitem__", forbidden)
    batches = list(DataLoader(ds, batch_size=6, shuffle=True))
    assert [b[0].shape[0] for b in batches] == [6, 6, 6, 2]


def test_fast_path_preserves_float64():
    ds = TensorDataset(Tensor(np.arange(6.0).reshape(3, 2), dtype=np.float64))
    (batch,) = next(iter(DataLoader(ds, batch_size=2)))
    assert batch.dtype == np.float64


def test_subclass_overriding_getitem_goes_through_getitem():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    ds = Doubled(np.ones((5, 2), dtype=np.float32), np.arange(5))
    x, _ = next(iter(DataLoader(ds, batch_size=5)))
    np.testing.assert_array_equal(x.data, np.full((5, 2), 2.0))


@pytest.mark.parametrize("shuffle", [False, True])
def test_given_mirrored_dataset_goes_through_its_getitem(shuffle):
    """A TensorDataset subclass that redefines __getitem__ is not sliced, whatever isinstance or hasattr say."""
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.arange(4, dtype=np.float32)
    batches = list(DataLoader(MirroredDataset(x, y), batch_size=3, shuffle=shuffle, seed=2))
    images = np.concatenate([b[0].data for b in batches])
    labels = np.concatenate([b[1].data for b in batches]).astype(int)
    np.testing.assert_array_equal(images, x[labels][:, ::-1])


def test_dataset_with_a_tensors_attribute_is_asked_per_sample():
    """Holding `.tensors` does not make a dataset a plain TensorDataset: its own __getitem__ decides its samples."""
    class Shifted(Dataset):
        def __init__(self):
            self.tensors = (Tensor(np.zeros((5, 2), dtype=np.float32)),)

        def __len__(self):
            return 5

        def __getitem__(self, index):
            return (np.full(2, index + 1, dtype=np.float32),)

    (batch,) = next(iter(DataLoader(Shifted(), batch_size=5)))
    np.testing.assert_array_equal(batch.data[:, 0], [1, 2, 3, 4, 5])


@pytest.mark.parametrize("kind", ["tensor", "generic"])
def test_two_loops_over_one_loader_each_get_a_whole_epoch(kind):
    """zip(loader, loader) and a loop inside a loop: every iter(loader) is a pass of its own, as in PyTorch."""
    loader = DataLoader(make_ds(6) if kind == "tensor" else ListDataset(6), batch_size=2)
    pairs = [(a[-1].data.tolist(), b[-1].data.tolist()) for a, b in zip(loader, loader)]
    assert pairs == [([0, 1], [0, 1]), ([2, 3], [2, 3]), ([4, 5], [4, 5])]
    assert sum(1 for _ in loader for _ in loader) == 9
    shuffled = DataLoader(make_ds(6), batch_size=2, shuffle=True, seed=4)
    inner = [labels_of(shuffled) for _ in shuffled]
    assert len(inner) == 3 and all(sorted(epoch.tolist()) == list(range(6)) for epoch in inner)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("kind", ["tensor", "generic"])
def test_batches_are_copies_of_the_data(kind, shuffle):
    """Changing a batch in place (normalising it, say) leaves the dataset alone: batches never view its arrays."""
    ds = make_ds(7) if kind == "tensor" else ListDataset(7)
    before = [np.array(ds[i][0].data if kind == "tensor" else ds[i][0]) for i in range(7)]
    for batch in DataLoader(ds, batch_size=3, shuffle=shuffle):
        if kind == "tensor":
            assert not any(np.shares_memory(field.data, t.data) for field in batch for t in ds.tensors)
        for field in batch:
            field.data[...] = -1
    after = [np.array(ds[i][0].data if kind == "tensor" else ds[i][0]) for i in range(7)]
    for i in range(7):
        np.testing.assert_array_equal(after[i], before[i])


def test_generic_dataset_called_once_per_sample_per_epoch():
    ds = ListDataset(13)
    loader = DataLoader(ds, batch_size=4, shuffle=True)
    for epoch in range(1, 3):
        list(loader)
        assert ds.calls == 13 * epoch


def test_repr_mentions_settings():
    text = repr(DataLoader(make_ds(5), batch_size=2, shuffle=True, seed=9))
    assert "batch_size=2" in text and "shuffle=True" in text and "seed=9" in text


@pytest.mark.parametrize("kind", ["tensor", "generic"])
def test_batches_follow_batch_indices_exactly(kind):
    """A batch holds the samples of its index array, in that order (both paths)."""
    n = 23
    make = (lambda: make_ds(n)) if kind == "tensor" else (lambda: ListDataset(n))
    twin = DataLoader(make(), batch_size=5, shuffle=True, seed=8)
    loader = DataLoader(make(), batch_size=5, shuffle=True, seed=8)
    for _ in range(2):
        expected = twin.batch_indices()
        got = [batch[1].data.astype(np.int64) for batch in loader]
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g, e)
