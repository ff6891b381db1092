class DataLoader:
    def batch_indices(self):
        n = len(self.dataset)
        order = np.random.default_rng(self.seed).permutation(n) if self.shuffle else np.arange(n)
        return [order[s:s + self.batch_size] for s in range(0, n, self.batch_size)
                if not (self.drop_last and s + self.batch_size > n)]
