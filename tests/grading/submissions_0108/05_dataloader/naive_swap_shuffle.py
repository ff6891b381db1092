class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            # my own shuffle: swap every place with a random place
            for i in range(n):
                j = int(self._rng.integers(0, n))
                order[i], order[j] = order[j], order[i]
        batches = [order[start:start + self.batch_size] for start in range(0, n, self.batch_size)]
        if self.drop_last and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
