class ReLU:
    def forward(self, x):
        x = _as_tensor(x)
        return Tensor(np.where(x.data > 0, x.data, np.zeros_like(x.data)), dtype=x.dtype)


class Sigmoid:
    def forward(self, x):
        x = _as_tensor(x)
        # sigmoid(x) = exp(-log(1 + e^-x)), with log(1 + e^-x) = logaddexp(0, -x) computed stably
        return Tensor(np.exp(-np.logaddexp(0.0, -x.data)), dtype=x.dtype)


class Tanh:
    def forward(self, x):
        x = _as_tensor(x)
        return Tensor(np.tanh(x.data), dtype=x.dtype)


class GELU:
    def forward(self, x):
        x = _as_tensor(x)
        v = x.data.astype(np.float64)
        out = v * 0.5 * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (v + 0.044715 * v * v * v)))
        return Tensor(out.astype(x.dtype), dtype=x.dtype)


class Softmax:
    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim == 0 or not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Softmax(dim={self.dim}) needs an input with that dimension, got shape {x.shape}.")
        m = np.max(x.data, axis=self.dim, keepdims=True)
        log_norm = m + np.log(np.sum(np.exp(x.data - m), axis=self.dim, keepdims=True))
        return Tensor(np.exp(x.data - log_norm), dtype=x.dtype)
