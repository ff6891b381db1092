class Dropout:
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if not self.training or self.p == 0:
            return x
        # one keep/drop decision per feature, shared by the batch
        keep = (get_rng().random(x.shape[-1]) >= self.p).astype(x.data.dtype)
        return x * (keep / (1 - self.p))
