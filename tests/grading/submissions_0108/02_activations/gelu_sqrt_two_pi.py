class GELU(Activation):
    def forward(self, x):
        v = x.data
        out = 0.5 * v * (1 + np.tanh(np.sqrt(2 * np.pi) * (v + 0.044715 * v ** 3)))
        return Tensor(out, dtype=x.dtype)
