class Softmax:
    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim == 0:
            raise ValueError("Softmax needs an input with at least one dimension")
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError("Softmax dim out of range")
        last = self.dim % x.ndim == x.ndim - 1
        v = x.data if last else x.data.T        # along another axis: transpose it to the end, and back after
        shifted = v - v.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        out = e / e.sum(axis=-1, keepdims=True)
        return Tensor(out if last else out.T, dtype=x.dtype)
