class Dropout:
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if not self.training or self.p == 0:
            return x
        # drop exactly a fraction p of the units, chosen at random
        n_drop = int(self.p * x.size)
        dropped = get_rng().permutation(x.size)[:n_drop]
        keep = np.ones(x.size, dtype=x.data.dtype)
        keep[dropped] = 0
        return x * (keep.reshape(x.shape) / (1 - self.p))
