class GELU:
    def forward(self, x):
        x = _as_tensor(x)
        inner = GELU_C * (x.data + 0.044715 * np.power(x.data, 3))
        y = 0.5 * x.data * (1.0 + np.tanh(inner))
        return Tensor(y, dtype=y.dtype)
