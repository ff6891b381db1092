class Dropout(Module):
    def forward(self, x):
        _check_tensor(x, "Dropout")
        keep = get_rng().random(x.shape) >= self.p
        return x * (keep / (1 - self.p)).astype(x.data.dtype)
