class Softmax(Activation):
    def forward(self, x):
        shifted = x.data - np.max(x.data, axis=-1, keepdims=True)
        e = np.exp(shifted)
        return Tensor(e / np.sum(e, axis=-1, keepdims=True), dtype=x.dtype)
