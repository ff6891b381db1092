class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        batches = []
        for start in range(0, n, self.batch_size):
            batch = np.arange(start, min(start + self.batch_size, n))
            if self.shuffle:
                batch = self._rng.permutation(batch)
            batches.append(batch)
        if self.drop_last and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
