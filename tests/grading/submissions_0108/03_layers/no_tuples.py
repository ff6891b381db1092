class Module:
    def named_parameters(self):
        found = []
        seen = set()

        def add(name, p):
            if id(p) not in seen:
                seen.add(id(p))
                found.append((name, p))

        for name, value in self.__dict__.items():
            items = [(f"{name}.{i}", v) for i, v in enumerate(value)] if isinstance(value, list) else [(name, value)]
            for item_name, item in items:
                if isinstance(item, Tensor) and item.requires_grad:
                    add(item_name, item)
                elif isinstance(item, Module):
                    for sub_name, p in item.named_parameters():
                        add(item_name + "." + sub_name, p)
        return found
