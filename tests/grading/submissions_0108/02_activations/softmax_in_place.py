class Softmax:
    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim == 0 or not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Softmax(dim={self.dim}) needs an input with that dimension, got shape {x.shape}.")
        x.data -= np.max(x.data, axis=self.dim, keepdims=True)
        np.exp(x.data, out=x.data)
        x.data /= x.data.sum(axis=self.dim, keepdims=True)
        return Tensor(x.data, dtype=x.dtype)
