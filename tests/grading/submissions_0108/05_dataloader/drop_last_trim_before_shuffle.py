class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        if self.drop_last:
            n = (n // self.batch_size) * self.batch_size   # only the samples that fill whole batches
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        return [order[start:start + self.batch_size] for start in range(0, n, self.batch_size)]
