class Softmax(Activation):
    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim == 0:
            raise ValueError("Softmax needs an input with at least one dimension")
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Softmax(dim={self.dim}) needs an input with that dimension, got shape {x.shape}.")
        # centre along dim: any constant cancels, and centring keeps the exponents near 0
        shifted = x.data - np.mean(x.data, axis=self.dim, keepdims=True)
        e = np.exp(shifted)
        return Tensor(e / np.sum(e, axis=self.dim, keepdims=True), dtype=x.dtype)
