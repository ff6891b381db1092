class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        if not hasattr(self, "_order"):
            # shuffle once, reuse for every epoch
            self._order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        batches = [self._order[k:k + self.batch_size] for k in range(0, n, self.batch_size)]
        if self.drop_last and len(batches[-1]) != self.batch_size:
            del batches[-1]
        return batches
