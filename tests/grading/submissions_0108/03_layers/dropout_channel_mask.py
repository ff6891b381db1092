class Dropout:
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if not self.training or self.p == 0:
            return x
        # one keep/drop decision per sample and channel: an image's channel is dropped whole
        # (the first two axes get their own coins, the rest share them)
        coins = get_rng().random(x.shape[:2])
        keep = (coins >= self.p).astype(x.data.dtype).reshape(coins.shape + (1,) * (x.ndim - coins.ndim))
        return x * (keep / (1 - self.p))
