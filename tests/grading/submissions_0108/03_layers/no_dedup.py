class Module:
    def named_parameters(self):
        params = []
        for name, value in self._attributes():
            if isinstance(value, Module):
                params += [(name + "." + n, p) for n, p in value.named_parameters()]
            elif isinstance(value, Tensor) and value.requires_grad:
                params.append((name, value))
        return params
