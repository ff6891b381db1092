class Linear(Module):
    def __init__(self, in_features, out_features, bias=True):
        _check_positive_int(in_features, "in_features", "Linear")
        _check_positive_int(out_features, "out_features", "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        k = 1 / in_features ** 0.5
        n_w = out_features * in_features
        draws = get_rng().uniform(-k, k, size=n_w + (out_features if bias else 0))
        self.weight = Tensor(draws[:n_w].reshape(out_features, in_features), requires_grad=True)
        self.bias = Tensor(draws[n_w:], requires_grad=True) if bias else None

    def forward(self, x):
        _check_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError("bad input")
        y = x.matmul(self.weight.transpose(0, 1))
        return y if self.bias is None else y + self.bias


class Flatten(Module):
    def forward(self, x):
        start, end = self._dims(x.ndim)
        new_shape = list(x.shape[:start]) + [-1] + list(x.shape[end + 1:])
        return x.reshape(*new_shape)


class Dropout(Module):
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if self.training and self.p > 0:
            keep = get_rng().binomial(1, 1.0 - self.p, size=x.shape)
            return x * Tensor(keep / (1.0 - self.p), dtype=x.dtype)
        return x
