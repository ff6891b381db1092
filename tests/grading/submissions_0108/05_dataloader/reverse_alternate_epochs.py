class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        if self.shuffle:
            # a new permutation on even epochs; odd epochs walk the last one backwards
            self._epoch = getattr(self, "_epoch", -1) + 1
            if self._epoch % 2 == 0:
                self._order = self._rng.permutation(n)
                order = self._order
            else:
                order = self._order[::-1]
        else:
            order = np.arange(n)
        batches = [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]
        if self.drop_last and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
