class DataLoader:
    def __len__(self):
        """Number of batches per epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else len(range(0, n, self.batch_size))

    def batch_indices(self):
        """One epoch's batches as a list of integer index arrays."""
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            order = self._rng.permutation(order)
        whole = n - n % self.batch_size                 # the samples that fill whole batches
        batches = list(order[:whole].reshape(-1, self.batch_size))
        if whole < n and not self.drop_last:
            batches.append(order[whole:])               # the short last batch
        return batches
