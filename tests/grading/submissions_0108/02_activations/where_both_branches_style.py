class Sigmoid(Activation):
    def forward(self, x):
        v = x.data
        with np.errstate(over="ignore", invalid="ignore"):
            pos = 1.0 / (1.0 + np.exp(-v))
            neg = np.exp(v) / (1.0 + np.exp(v))
        return Tensor(np.where(v >= 0, pos, neg), dtype=x.dtype)


class Softmax(Activation):
    def forward(self, x):
        v = x.data.astype(np.float64)
        m = np.expand_dims(v.max(axis=self.dim), self.dim)
        e = np.exp(v - m)
        out = e / np.expand_dims(e.sum(axis=self.dim), self.dim)
        return Tensor(out.astype(x.dtype), dtype=x.dtype)


class ReLU(Activation):
    def forward(self, x):
        out = x.data.copy()
        out[out < 0] = 0
        return Tensor(out, dtype=x.dtype)
