class Linear:
    def forward(self, x):
        _check_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear expected {self.in_features} input features, got shape {x.shape}")
        y = x.data @ self.weight.data.T
        if self.bias is not None:
            y = y + self.bias.data
        return Tensor(y, dtype=y.dtype)
