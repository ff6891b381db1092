class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        target = _as_float_target(target, input, "MSELoss")
        err = input - target
        return (err ** 2).sum() * (1.0 / input.data.size)


class CrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        m = np.max(input.data, axis=-1, keepdims=True)
        lse = (input - m).exp().sum(axis=-1, keepdims=True).log() + m
        log_probs = input - lse
        total = 0
        for row, label in enumerate(labels):
            total = total + log_probs[row, int(label)]
        return -total / len(labels)
