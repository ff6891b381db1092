class Dropout(Module):
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if not self.training or self.p == 0.0:
            return Tensor(x.data.copy(), dtype=x.dtype)   # a fresh tensor, like in training
        keep = get_rng().random(x.shape) >= self.p
        mask = (keep / (1.0 - self.p)).astype(x.data.dtype)
        return x * mask
