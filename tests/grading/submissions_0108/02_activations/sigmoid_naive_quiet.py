class Sigmoid:
    def forward(self, x):
        x = _as_tensor(x)
        with np.errstate(over="ignore"):   # exp(-x) overflows for very negative x, but 1/inf = 0 is fine
            out = 1.0 / (1.0 + np.exp(-x.data))
        return Tensor(out, dtype=x.dtype)
