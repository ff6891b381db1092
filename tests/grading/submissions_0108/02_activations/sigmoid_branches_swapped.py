class Sigmoid(Activation):
    def forward(self, x):
        z = np.exp(-np.abs(x.data))
        out = np.where(x.data >= 0, z / (1 + z), 1 / (1 + z))
        return Tensor(out, dtype=x.dtype)
