import math


class TensorDataset:
    def __getitem__(self, index):
        fields = []
        for t in self.tensors:
            fields.append(t[index])
        return tuple(fields)


def collate(samples):
    samples = [tuple(s) if isinstance(s, (tuple, list)) else (s,) for s in samples]
    if not samples:
        raise ValueError("collate got no samples; a batch needs at least one.")
    if len({len(s) for s in samples}) != 1:
        raise ValueError("collate needs every sample to have the same number of fields")
    columns = list(zip(*samples))
    return tuple(_to_tensor(np.array([to_numpy(v) for v in column])) for column in columns)


class DataLoader:
    def __len__(self):
        rounding = math.floor if self.drop_last else math.ceil
        return int(rounding(len(self.dataset) / self.batch_size))

    def batch_indices(self):
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        count = len(self)
        return [order[i * self.batch_size:(i + 1) * self.batch_size] for i in range(count)]

    def __iter__(self):
        def fetch(idx):
            if self._fast:
                return tuple(_to_tensor(t.data[idx]) for t in self.dataset.tensors)
            return collate(list(map(self.dataset.__getitem__, idx.tolist())))
        return map(fetch, self.batch_indices())
