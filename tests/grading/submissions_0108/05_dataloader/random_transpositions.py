class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            # mix the order by swapping two random places, n times
            for _ in range(n):
                i, j = self._rng.integers(0, n, 2)
                order[i], order[j] = order[j], order[i]
        batches = [order[start:start + self.batch_size] for start in range(0, n, self.batch_size)]
        if self.drop_last and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
