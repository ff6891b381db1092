class Dropout:
    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        mask = (np.random.rand(*x.shape) >= self.p) / (1 - self.p)
        return x * Tensor(mask, dtype=x.dtype)
