class GELU:
    def forward(self, x):
        x = _as_tensor(x)
        # 0.5 * (1 + tanh(z)) is sigmoid(2z): one exponential instead of a tanh
        z = np.sqrt(2.0 / np.pi) * (x.data + 0.044715 * x.data ** 3)
        with np.errstate(over="ignore"):          # e^(-2z) = inf for very negative x: sigmoid 0, GELU 0
            gate = 1.0 / (1.0 + np.exp(-2.0 * z))
        return Tensor((x.data * gate).astype(x.dtype), dtype=x.dtype)
