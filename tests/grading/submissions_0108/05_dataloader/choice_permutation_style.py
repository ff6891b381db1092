class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        if self.shuffle:
            order = self._rng.choice(n, size=n, replace=False)
        else:
            order = np.arange(n)
        batches = []
        for start in range(0, n, self.batch_size):
            batch = order[start:start + self.batch_size]
            if self.drop_last and len(batch) < self.batch_size:
                break
            batches.append(batch)
        return batches

    def __iter__(self):
        for idx in self.batch_indices():
            if self._fast:
                yield tuple(t[idx] if t.data.dtype != np.float64 else _to_tensor(t.data[idx]) for t in self.dataset.tensors)
            else:
                yield collate([self.dataset[int(i)] for i in idx])
