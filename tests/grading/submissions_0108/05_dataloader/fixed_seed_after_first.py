class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        if self.shuffle:
            if not hasattr(self, "_epoch_rng"):
                # first epoch from the loader's generator, later epochs from a generator of their own
                order = self._rng.permutation(n)
                self._epoch_rng = np.random.default_rng(0)
            else:
                order = self._epoch_rng.permutation(n)
        else:
            order = np.arange(n)
        batches = [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]
        if self.drop_last and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
