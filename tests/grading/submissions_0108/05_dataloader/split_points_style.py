class TensorDataset:
    def __getitem__(self, index):
        return tuple(map(lambda t: t[index], self.tensors))


def collate(samples):
    samples = [tuple(s) if isinstance(s, (tuple, list)) else (s,) for s in samples]
    if not samples:
        raise ValueError("collate got no samples; a batch needs at least one. Check the batch's index list.")
    widths = sorted({len(s) for s in samples})
    if len(widths) != 1:
        raise ValueError("collate needs every sample to have the same number of fields")
    return tuple(_to_tensor(np.array([to_numpy(s[k]) for s in samples])) for k in range(widths[0]))


class DataLoader:
    def __len__(self):
        full, rest = len(self.dataset) // self.batch_size, len(self.dataset) % self.batch_size
        return full + (1 if rest and not self.drop_last else 0)

    def batch_indices(self):
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            self._rng.shuffle(order)
        stop = n - n % self.batch_size if self.drop_last else n
        cuts = list(range(self.batch_size, stop, self.batch_size))
        pieces = np.split(order[:stop], cuts)
        return [p for p in pieces if len(p)]

    def __iter__(self):
        yield from (self._make_batch(idx) for idx in self.batch_indices())

    def _make_batch(self, idx):
        if self._fast:
            return tuple(_to_tensor(t.data[idx]) for t in self.dataset.tensors)
        return collate([self.dataset[int(i)] for i in idx])
