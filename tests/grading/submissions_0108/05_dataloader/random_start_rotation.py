class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            # start the epoch at a random sample and wrap around
            start = self._rng.integers(n)
            order = np.concatenate([order[start:], order[:start]])
        batches = [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]
        if self.drop_last and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
