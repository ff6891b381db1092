import math


class Module:
    def named_parameters(self):
        out, seen = [], set()
        stack = [("", self)]
        while stack:
            prefix, module = stack.pop()
            children = []
            for name, value in module._attributes():
                full = prefix + name
                if isinstance(value, Module):
                    children.append((full + ".", value))
                    continue
                if isinstance(value, Tensor) and value.requires_grad:
                    children.append((full, value))
            # process in order: tensors directly, modules by pushing; a module must be finished
            # before the next attribute, so push the remaining attributes back first
            for i, (full, value) in enumerate(children):
                if isinstance(value, Module):
                    rest = children[i + 1:]
                    stack.append(("__rest__", rest))
                    stack.append((full, value))
                    break
                if id(value) not in seen:
                    seen.add(id(value))
                    out.append((full, value))
            # handle postponed remainders
            while stack and stack[-1][0] == "__rest__":
                _, rest = stack.pop()
                pushed = False
                for i, (full, value) in enumerate(rest):
                    if isinstance(value, Module):
                        stack.append(("__rest__", rest[i + 1:]))
                        stack.append((full, value))
                        pushed = True
                        break
                    if id(value) not in seen:
                        seen.add(id(value))
                        out.append((full, value))
                if pushed:
                    break
        return out


class Linear:
    def __init__(self, in_features, out_features, bias=True):
        _check_positive_int(in_features, "in_features", "Linear")
        _check_positive_int(out_features, "out_features", "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        rng = get_rng()
        limit = 1 / math.sqrt(self.in_features)
        self.weight = Tensor(rng.uniform(-limit, limit, (self.out_features, self.in_features)), requires_grad=True)
        self.bias = Tensor(rng.uniform(-limit, limit, self.out_features), requires_grad=True) if bias else None

    def forward(self, x):
        _check_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear expected last dim {self.in_features}, got shape {x.shape}")
        y = x.matmul(self.weight.transpose())
        if self.bias is not None:
            y += self.bias
        return y


class Sequential:
    def forward(self, x):
        it = iter(self.layers)
        while True:
            try:
                layer = next(it)
            except StopIteration:
                return x
            x = layer(x)


class Flatten:
    def forward(self, x):
        _check_tensor(x, "Flatten")
        start, end = self._dims(x.ndim)
        shape = list(x.shape)
        shape[start:end + 1] = [math.prod(shape[start:end + 1])]
        return x.reshape(*shape)


class Dropout:
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if not self.training or self.p == 0:
            return x
        u = get_rng().random(size=x.shape)
        mask = np.zeros(x.shape, dtype=x.dtype)
        mask[u >= self.p] = 1.0 / (1.0 - self.p)
        return x * Tensor(mask, dtype=x.dtype)
