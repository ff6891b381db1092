class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        if self.shuffle:
            # give every sample a random key and sort by it
            order = np.argsort(self._rng.integers(0, n, size=n), kind="stable")
        else:
            order = np.arange(n)
        batches = [order[start:start + self.batch_size] for start in range(0, n, self.batch_size)]
        if self.drop_last and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
