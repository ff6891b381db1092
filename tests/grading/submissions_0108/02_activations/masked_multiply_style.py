class ReLU:
    def forward(self, x):
        x = _as_tensor(x)
        return Tensor(x.data * (x.data > 0), dtype=x.dtype)


class Sigmoid:
    def forward(self, x):
        x = _as_tensor(x)
        d = x.data
        # exp of a never-positive number only
        e_neg = np.exp(np.minimum(d, 0))      # e^x for x<0, 1 otherwise
        e_pos = np.exp(-np.maximum(d, 0))     # e^-x for x>=0, 1 otherwise
        out = e_neg / (e_neg + e_pos)
        return Tensor(out, dtype=x.dtype)


class Tanh:
    def forward(self, x):
        return Tensor(np.tanh(_as_tensor(x).data), dtype=_as_tensor(x).dtype)


class GELU:
    def forward(self, x):
        x = _as_tensor(x)
        v = x.data
        cube = v * v * v
        t = np.tanh(GELU_C * (v + 0.044715 * cube))
        out = v * (1 + t) / 2
        return Tensor(out, dtype=x.dtype)


class Softmax:
    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim == 0:
            raise ValueError("Softmax needs an input with at least one dimension")
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError("Softmax dim out of range")
        # log-sum-exp with the shift, then exp(x - lse)
        m = np.amax(x.data, axis=self.dim, keepdims=True)
        lse = m + np.log(np.exp(x.data - m).sum(axis=self.dim, keepdims=True))
        return Tensor(np.exp(x.data - lse), dtype=x.dtype)
