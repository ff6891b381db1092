class Dropout:
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if not self.training or self.p == 0:
            return x
        # one coin for each pair of neighbouring samples of the batch
        rows = x.shape[0] if x.ndim > 1 else 1
        coins = get_rng().random(((rows + 1) // 2, *x.shape[1:]) if x.ndim > 1 else x.shape)
        keep = (np.repeat(coins, 2, axis=0)[:rows] >= self.p) if x.ndim > 1 else coins >= self.p
        return x * (keep / (1 - self.p)).astype(x.data.dtype)
