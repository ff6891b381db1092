class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        # one batch per full stretch of batch_size samples
        return [order[i:i + self.batch_size] for i in range(0, n - self.batch_size + 1, self.batch_size)]
