class Module:
    def named_parameters(self):
        result = []
        for name, value in vars(self).items():
            if isinstance(value, Tensor) and value.requires_grad:
                result.append((name, value))
            elif isinstance(value, list):
                # layers stored in a list (Sequential)
                for i, layer in enumerate(value):
                    if isinstance(layer, Module):
                        for sub, p in layer.named_parameters():
                            result.append((f"{name}.{i}.{sub}", p))
        return result
