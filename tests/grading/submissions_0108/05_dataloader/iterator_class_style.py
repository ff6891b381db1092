class _BatchIterator:
    """One pass over a loader: its own position in its own epoch."""

    def __init__(self, loader):
        self.loader = loader
        self.batches = loader.batch_indices()
        self.position = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.position >= len(self.batches):
            raise StopIteration
        idx = self.batches[self.position]
        self.position += 1
        loader = self.loader
        if loader._fast:
            return tuple(_to_tensor(np.take(t.data, idx, axis=0)) for t in loader.dataset.tensors)
        return collate([loader.dataset[int(i)] for i in idx])


class DataLoader:
    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def batch_indices(self):
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            self._rng.shuffle(order)
        stop = n - n % self.batch_size if self.drop_last else n
        return [order[i:i + self.batch_size] for i in range(0, stop, self.batch_size)]

    def __iter__(self):
        return _BatchIterator(self)
