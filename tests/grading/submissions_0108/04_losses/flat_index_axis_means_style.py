class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        errors = input - _as_float_target(target, input, "MSELoss")
        squared = errors * errors
        while squared.ndim:                 # the mean of equal-sized means is the mean
            squared = squared.mean(axis=0)
        return squared


class CrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        rows, classes = input.shape
        shifted = input - np.max(input.data, axis=1, keepdims=True)
        log_norm = shifted.exp().sum(axis=1).log()
        true_logits = shifted.reshape(-1)[np.arange(rows) * classes + labels]   # row i's label, as one flat index
        return (log_norm - true_logits).sum() / rows


class BinaryCrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        for name, values in (("probabilities", input.data), ("targets", target.data)):
            if values.size and (values.min() < 0 or values.max() > 1):
                raise ValueError(f"BinaryCrossEntropyLoss expects {name} in [0, 1], got values from {values.min()} "
                                 f"to {values.max()}")
        tiny = 1e-12
        per_sample = target * (input + tiny).log() + (1.0 - target) * (1.0 - input + tiny).log()
        while per_sample.ndim:
            per_sample = per_sample.mean(axis=0)
        return -per_sample
