class Tanh:
    def forward(self, x):
        x = _as_tensor(x)
        a, b = np.exp(x.data), np.exp(-x.data)
        return Tensor((a - b) / (a + b), dtype=x.dtype)
