class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        idx = self._rng.permutation(n) if self.shuffle else np.arange(n)
        batches = []
        i = 0
        while i < n:
            batches.append(idx[i:i + self.batch_size])
            i += self.batch_size
        if self.drop_last:
            batches = batches[:-1]   # the last batch is the short one
        return batches
