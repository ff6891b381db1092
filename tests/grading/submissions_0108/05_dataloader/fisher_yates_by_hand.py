class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        order = list(range(n))
        if self.shuffle:
            # Fisher-Yates, by hand: swap each place with one at or after it
            for i in range(n - 1):
                j = int(self._rng.integers(i, n))
                order[i], order[j] = order[j], order[i]
        batches = [np.array(order[start:start + self.batch_size]) for start in range(0, n, self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
