class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        target = _as_float_target(target, input, "MSELoss")
        return ((input - target) ** 2).sum() / input.size


class CrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        n, c = input.shape
        row_max = np.max(input.data, axis=1, keepdims=True)
        log_sum_exp = (input - row_max).exp().sum(axis=1, keepdims=True).log() + row_max
        one_hot = np.zeros((n, c), dtype=input.data.dtype)
        one_hot[np.arange(n), labels] = 1.0
        return ((log_sum_exp - input) * one_hot).sum() / n


class BinaryCrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        if input.data.size and not (input.data.min() >= 0 and input.data.max() <= 1):
            raise ValueError("BinaryCrossEntropyLoss expects probabilities in [0, 1]")
        positive = target * (input + 1e-12).log()
        negative = (1.0 - target) * (1.0 - input + 1e-12).log()
        return (positive + negative).sum() * (-1.0 / input.size)
