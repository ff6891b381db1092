class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        batches = np.array_split(order, len(self))
        return list(batches)
