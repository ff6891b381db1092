class Softmax:
    def forward(self, x):
        v = x.data
        e = np.exp(v - v.max(axis=0, keepdims=True))
        return Tensor(e / e.sum(axis=0, keepdims=True), dtype=x.dtype)
