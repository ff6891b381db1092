class Softmax:
    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim == 0 or not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Softmax(dim={self.dim}) needs an input with that dimension, got shape {x.shape}.")
        e = np.exp(x.data - x.data.max(axis=self.dim))
        return Tensor(e / e.sum(axis=self.dim), dtype=x.dtype)
