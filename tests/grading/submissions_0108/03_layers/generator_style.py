import functools


class Module:
    def named_parameters(self):
        def walk(module, prefix, seen):
            for name, value in module._attributes():
                if isinstance(value, Module):
                    yield from walk(value, prefix + name + ".", seen)
                elif isinstance(value, Tensor) and value.requires_grad and id(value) not in seen:
                    seen.add(id(value))
                    yield prefix + name, value

        return list(walk(self, "", set()))


class Linear:
    def __init__(self, in_features, out_features, bias=True):
        _check_positive_int(in_features, "in_features", "Linear")
        _check_positive_int(out_features, "out_features", "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        b = 1.0 / np.sqrt(in_features)
        draw = lambda *shape: get_rng().random(shape) * 2 * b - b
        self.weight = Tensor(draw(out_features, in_features), requires_grad=True)
        self.bias = Tensor(draw(out_features), requires_grad=True) if bias else None

    def forward(self, x):
        _check_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear expected {self.in_features} input features, got shape {x.shape}")
        y = x.matmul(self.weight.transpose(0, 1))
        return y if self.bias is None else y + self.bias


class Sequential:
    def forward(self, x):
        return functools.reduce(lambda out, layer: layer(out), self.layers, x)


class Flatten:
    def forward(self, x):
        _check_tensor(x, "Flatten")
        start, end = self._dims(x.ndim)
        return x.reshape(*x.shape[:start], -1, *x.shape[end + 1:])


class Dropout:
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if self.p == 0.0 or not self.training:
            return x
        scale = np.where(get_rng().random(x.shape) < self.p, 0.0, 1.0 / (1.0 - self.p))
        return x * scale.astype(x.dtype)
