class Sigmoid:
    def forward(self, x):
        z = np.clip(x.data, -88.0, 88.0)    # keep exp() in range
        return Tensor(1.0 / (1.0 + np.exp(-z)), dtype=x.dtype)
