class Module:
    def named_parameters(self):
        out, ids = [], set()
        for name, value in self._attributes():
            if isinstance(value, Module):
                # the sub-module's own tensors
                for sub_name, sub_value in vars(value).items():
                    if isinstance(sub_value, Tensor) and sub_value.requires_grad and id(sub_value) not in ids:
                        ids.add(id(sub_value))
                        out.append((f"{name}.{sub_name}", sub_value))
            elif isinstance(value, Tensor) and value.requires_grad and id(value) not in ids:
                ids.add(id(value))
                out.append((name, value))
        return out
