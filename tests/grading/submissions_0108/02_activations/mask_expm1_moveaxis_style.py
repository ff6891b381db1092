class ReLU:
    def forward(self, x):
        x = _as_tensor(x)
        return Tensor(np.clip(x.data, 0, None), dtype=x.dtype)


class Sigmoid:
    def forward(self, x):
        x = _as_tensor(x)
        v = x.data
        out = np.empty_like(v)
        pos = v >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-v[pos]))
        e = np.exp(v[~pos])
        out[~pos] = e / (1.0 + e)
        return Tensor(out, dtype=x.dtype)


class Tanh:
    def forward(self, x):
        x = _as_tensor(x)
        v = x.data.astype(np.float64)
        t = np.expm1(-2.0 * np.abs(v))          # e^(-2|x|) - 1, exact for tiny x
        out = -np.sign(v) * t / (2.0 + t)
        return Tensor(out.astype(x.dtype), dtype=x.dtype)


class GELU:
    def forward(self, x):
        import math
        x = _as_tensor(x)
        v = x.data
        c = math.sqrt(2.0 / math.pi)
        inner = c * (v + 0.044715 * np.power(v, 3))
        return Tensor(0.5 * v * (1.0 + np.tanh(inner)), dtype=x.dtype)


class Softmax:
    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim == 0:
            raise ValueError(
                f"Softmax(dim={self.dim}) needs an input with at least one dimension, got a scalar "
                "(shape ()). Reshape it to (1,) first; the softmax of one value is 1.")
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(
                f"Softmax(dim={self.dim}) needs an input with that dimension, got shape "
                f"{x.shape}. Pick dim in [{-x.ndim}, {x.ndim - 1}].")
        moved = np.moveaxis(x.data, self.dim, -1)
        e = np.exp(moved - moved.max(axis=-1, keepdims=True))
        p = e / e.sum(axis=-1, keepdims=True)
        return Tensor(np.moveaxis(p, -1, self.dim), dtype=x.dtype)
