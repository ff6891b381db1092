class DataLoader:
    def __len__(self):
        n, b = len(self.dataset), self.batch_size
        if self.drop_last:
            return n // b
        return -(-n // b)

    def batch_indices(self):
        n = len(self.dataset)
        idx = self._rng.permutation(n) if self.shuffle else np.arange(n)
        out = []
        start = 0
        while start < n:
            stop = min(start + self.batch_size, n)
            if self.drop_last and stop - start < self.batch_size:
                break
            out.append(idx[start:stop])
            start = stop
        return out

    def __iter__(self):
        fetch_all = self._fast
        for batch in self.batch_indices():
            if fetch_all:
                fields = []
                for t in self.dataset.tensors:
                    fields.append(_to_tensor(t.data[batch]))
                yield tuple(fields)
            else:
                samples = []
                for i in batch:
                    samples.append(self.dataset[i])
                yield collate(samples)
