class Dropout(Module):
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if not self.training or self.p == 0.0:
            return x
        keep = get_rng().random(x.shape) >= self.p
        return x * (keep * (1 - self.p)).astype(x.data.dtype)
