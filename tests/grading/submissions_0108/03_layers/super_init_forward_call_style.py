import math


class Module:
    def named_parameters(self):
        """Return [(dotted_name, Tensor)] for every parameter, each tensor once."""
        result = {}
        for name, param in self._walk_parameters(""):
            if all(param is not seen for seen in result.values()):
                result[name] = param
        return list(result.items())

    def _walk_parameters(self, prefix):
        for name, value in self._attributes():
            if isinstance(value, Module):
                yield from value._walk_parameters(prefix + name + ".")
            elif isinstance(value, Tensor) and value.requires_grad:
                yield prefix + name, value


class Linear:
    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        _check_positive_int(in_features, "in_features", "Linear")
        _check_positive_int(out_features, "out_features", "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        super().__init__()
        rng = get_rng()
        bound = math.sqrt(1.0 / in_features)
        w = rng.uniform(low=-bound, high=bound, size=(out_features, in_features)).astype(np.float32)
        self.weight = Tensor(w, requires_grad=True)
        self.bias = Tensor(rng.uniform(-bound, bound, out_features), requires_grad=True) if bias else None

    def forward(self, x):
        _check_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}) expected an input "
                f"whose last dimension is {self.in_features}, got shape {x.shape}. Fix: give each sample "
                f"{self.in_features} features (put Flatten() before this layer for images), or build the "
                f"layer as Linear({x.shape[-1] if x.ndim else '...'}, {self.out_features})."
            )
        y = x.matmul(self.weight.transpose(-1, -2))
        return y if self.bias is None else y + self.bias


class Sequential:
    def forward(self, x):
        for i in range(len(self.layers)):
            x = self.layers[i](x)
        return x
